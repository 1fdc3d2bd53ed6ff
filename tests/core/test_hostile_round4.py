"""Fourth round of attacks: model weights that are read whole before they are checked (a sparse 6 GB file) and model
members that are FIFOs, folders or links out of the model folder. Each hostile file is built here, small (or
sparse); every refusal is one line naming the file and the problem."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.store.members import load_members
from core.store.modelio import WEIGHTS, ModelFileError, load_model, seal_folder
from tests.synthetic import fundus_image, save_tiny_members, save_tiny_model, write_rgb

REPO = Path(__file__).resolve().parents[2]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], err
    return lines[0]


@pytest.fixture(scope="module")
def sealed_model(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("m") / "tiny", seed=3)


@pytest.fixture
def folder(sealed_model, tmp_path):
    out = tmp_path / "model"
    shutil.copytree(sealed_model, out)
    return out


@pytest.fixture(scope="module")
def sealed_members(tmp_path_factory):
    return save_tiny_members(tmp_path_factory.mktemp("ens") / "ensemble")


@pytest.fixture
def members(sealed_members, tmp_path):
    out = tmp_path / "ensemble"
    shutil.copytree(sealed_members, out)
    return out


@pytest.fixture(scope="module")
def eye(tmp_path_factory):
    return write_rgb(tmp_path_factory.mktemp("eye") / "eye.jpg", fundus_image(True, 3))


# ---------------------------------------------------------------- 1. weights read whole before they are checked


def pmscreen_with_memory_limit(*argv: str, limit: int = 3 << 30) -> subprocess.CompletedProcess:
    """``pmscreen argv`` in a process that cannot map more than ``limit`` bytes: reading a 6 GB file whole ends
    in MemoryError there, whatever the machine's memory."""
    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    code = "import sys; from core.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO, env=env, capture_output=True, text=True,
                          preexec_fn=limited)


def safetensors_declaring(nbytes: int) -> bytes:
    """The header of a safetensors file whose one float32 tensor ``x`` takes ``nbytes`` bytes."""
    header = json.dumps({"x": {"dtype": "F32", "shape": [nbytes // 4], "data_offsets": [0, nbytes]}}).encode()
    return len(header).to_bytes(8, "little") + header


def test_a_sparse_weights_file_is_refused_before_it_is_read(folder):
    weights = folder / WEIGHTS
    size = weights.stat().st_size
    os.truncate(weights, size + (6 << 30))  # 6 GB more, sparse: nothing is written
    assert weights.stat().st_blocks * 512 < 2 * size
    run = pmscreen_with_memory_limit("seal", str(folder))
    line = one_line(run.stderr)
    assert run.returncode == 2, run.stderr  # was MemoryError, exit 1
    assert f"{weights}: larger than its header declares ({size + (6 << 30):,} bytes; its header declares " \
           f"{size:,})" in line

    os.truncate(weights, size + 1000)  # a little junk after the tensors: the same, in-process
    with pytest.raises(ModelFileError, match="larger than its header declares"):
        load_model(folder)


def test_a_header_declaring_gigabytes_of_tensors_is_refused_before_they_are_read(folder):
    weights = folder / WEIGHTS
    head = safetensors_declaring(6 << 30)
    weights.write_bytes(head)
    os.truncate(weights, len(head) + (6 << 30))  # the size the header declares, sparse
    run = pmscreen_with_memory_limit("seal", str(folder))
    assert run.returncode == 2, run.stderr
    assert "weights.safetensors: declares 6144 MB of tensors, more than the 1024 MB a PM Screen network can " \
           "hold" in one_line(run.stderr)

    head = safetensors_declaring(64 << 20)  # within that bound, but not what the architecture holds
    weights.write_bytes(head)
    os.truncate(weights, len(head) + (64 << 20))
    with pytest.raises(ModelFileError, match=r"does not fit the architecture in model.json \(missing: .*; "
                                             r"unexpected: x\)"):
        load_model(folder)


@pytest.mark.parametrize("header, message", [
    ((1 << 40).to_bytes(8, "little"), "truncated or not a safetensors file (a header of 1,099,511,627,776 bytes"),
    (b"\x05\0\0\0\0\0\0\0[1,2]", "not a safetensors file (its header is not a JSON object)"),
    (b"\x05\0\0\0\0\0\0\0[[[[[", "not a safetensors file (its header is not JSON)"),
    (safetensors_declaring(64).replace(b'"F32"', b'["F"]'), "tensor 'x' has no usable dtype, shape and"),
    (safetensors_declaring(64).replace(b"[16]", b"[15]"), "tensor 'x': its byte range does not fit F32 [15]"),
])
def test_a_malformed_weights_header_is_refused_in_one_line(folder, capsys, header, message):
    (folder / WEIGHTS).write_bytes(header + bytes(64))
    assert main(["seal", str(folder)]) == 2
    assert f"{folder / WEIGHTS}: " in (line := one_line(capsys.readouterr().err)) and message in line


# ---------------------------------------------------------------- 4, 5. member files that are no files of the folder


@pytest.mark.parametrize("kind, message", [
    ("fifo", "member-2.safetensors: is not a regular file (a FIFO); not opened"),
    ("folder", "member-2.safetensors: is a directory, not a weights file"),
    ("link-out", "member-2.safetensors: a link to {outside}, outside the model folder; refused"),
    ("dangling", "member-2.safetensors: a link to a missing file"),
])
def test_a_member_that_is_no_file_of_the_folder_is_named_as_what_it_is(members, tmp_path, eye, capsys, kind,
                                                                         message):
    member = members / "member-2.safetensors"
    outside = tmp_path / "elsewhere" / "member-2.safetensors"
    outside.parent.mkdir()
    shutil.move(member, outside)  # the very file the seal names: only where it lies is wrong
    if kind == "fifo":
        os.mkfifo(member)  # opened, it would block the reader forever
    elif kind == "folder":
        member.mkdir()
    elif kind == "link-out":
        member.symlink_to(outside)
    else:
        member.symlink_to(tmp_path / "nowhere.safetensors")
    message = message.format(outside=outside)
    with pytest.raises(ModelFileError) as info:
        load_members(members)
    assert message in str(info.value) and "file not found" not in str(info.value)
    assert main(["predict", "--model", str(members), "--no-audit", str(eye)]) == 2
    assert message in one_line(capsys.readouterr().err)
    assert main(["seal", str(members)]) == 2
    assert message in one_line(capsys.readouterr().err)


def test_links_that_stay_inside_the_model_folder_are_followed(members, tmp_path):
    member = members / "member-2.safetensors"
    (members / "store").mkdir()
    shutil.move(member, members / "store" / "second.safetensors")
    member.symlink_to(Path("store") / "second.safetensors")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "linked").symlink_to(members)  # a model folder reached through a link
    nets, meta = load_members(tmp_path / "models" / "linked")
    assert len(nets) == 2 and meta["members"][1]["weights"]["file"] == "member-2.safetensors"


def test_a_single_network_whose_weights_are_a_fifo_is_refused_unopened(folder, capsys):
    (folder / WEIGHTS).unlink()
    os.mkfifo(folder / WEIGHTS)
    assert main(["seal", str(folder)]) == 2
    assert f"{folder / WEIGHTS}: is not a regular file (a FIFO); not opened" in one_line(capsys.readouterr().err)
    with pytest.raises(ModelFileError, match="is not a regular file"):
        seal_folder(folder)
