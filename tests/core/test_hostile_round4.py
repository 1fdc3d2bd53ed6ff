"""Fourth round of attacks: model weights that are read whole before they are checked (a sparse 6 GB file), a
hand-edited cv.json and images that went missing under finalize --from-cv, a TIFF whose tiles make the decoder
allocate a gigabyte, model members that are FIFOs, folders or links out of the model folder, and a FIFO without
a suffix in a folder of images. Each hostile file is built here, small (or sparse); every refusal is one line
naming the file and the problem."""

from __future__ import annotations

import json
import os
import resource
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli import main
from core.images import headers
from core.images.imageio import MAX_TILE_PIXELS, ImageError
from core.images.reader import read_image
from core.store.members import load_members
from core.store.modelio import WEIGHTS, ModelFileError, load_model, seal_folder
from tests.synthetic import fundus_image, save_tiny_members, write_rgb

REPO = Path(__file__).resolve().parents[2]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], err
    return lines[0]


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


# ---------------------------------------------------------------- 2. finalize --from-cv on an edited CV folder


def _edit_json(path: Path, edit) -> None:
    value = json.loads(path.read_text())
    edit(value)
    path.write_text(json.dumps(value))


def _flip_all(plan):  # every P image made 0 and every N image 1: consistent within cv.json, not with oof.json
    for s in plan["samples"]:
        s["label"] = 1 - s["label"]


@pytest.mark.parametrize("edit, message", [
    (lambda p: p.update(folds=1), "folds must be a whole number of at least 2, got 1"),
    (lambda p: p.update(folds="2"), "folds must be a whole number of at least 2, got '2'"),
    (lambda p: p.pop("samples"), "samples must be a list of the images and their folds"),
    (lambda p: p.pop("config"), "config must be an object"),
    (lambda p: p.update(seed="x"), "seed must be a whole number, got 'x'"),
    (lambda p: p["samples"].__setitem__(2, "N0002.jpg"), "samples[3] must be an object"),
    (lambda p: p["samples"][2].pop("label"), "samples[3]: the label of N0002.jpg must be a class from 0 to 1, "
                                             "got None"),
    (lambda p: p["samples"][2].update(label=2), "the label of N0002.jpg must be a class from 0 to 1, got 2"),
    (lambda p: p["samples"][2].update(label="0"), "the label of N0002.jpg must be a class from 0 to 1, got '0'"),
    (lambda p: p["samples"][2].update(label=True), "the label of N0002.jpg must be a class from 0 to 1, got True"),
    (lambda p: p["samples"][3].update(label=0), "samples[4]: P0003.jpg (P) is labelled 0 but P0001.jpg (P, "
                                                "samples[2]) 1: a label was changed"),
    (lambda p: p["samples"][3].update(fold=2), "the fold of P0003.jpg must be from 0 to 1, got 2"),
    (lambda p: p["samples"][3].update(fold=1.0), "the fold of P0003.jpg must be from 0 to 1, got 1.0"),
    (lambda p: [s.update(fold=0) for s in p["samples"]], "fold 2 of 2 holds no images"),
    (_flip_all, "oof.json: oof[1] is {'file': "),
])
def test_finalize_from_cv_refuses_an_edited_cv_json_in_one_line(cv, tmp_path, capsys, edit, message):
    _edit_json(cv / "cv.json", edit)
    assert main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "model")]) == 2
    line = one_line(capsys.readouterr().err)
    assert message in line and str(cv) in line and ("cv.json" in line)
    assert not (tmp_path / "model").exists()


def test_finalize_from_cv_refuses_an_edited_oof_json_in_one_line(cv, tmp_path, capsys):
    _edit_json(cv / "oof.json", lambda o: o["oof"][4].update(probability="0.7"))
    assert main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "model")]) == 2
    assert "oof.json: oof[5].probability must be a number from 0 to 1 or null, got '0.7'" in one_line(
        capsys.readouterr().err)
    _edit_json(cv / "oof.json", lambda o: o.pop("oof"))
    assert main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "model")]) == 2
    assert "oof.json: must list the 12 images of cv.json" in one_line(capsys.readouterr().err)


def test_an_image_scored_out_of_fold_that_cannot_be_read_now_is_refused(cv, tmp_path, capsys):
    plan = json.loads((cv / "cv.json").read_text())
    gone = Path(plan["samples"][5]["file"])
    moved = tmp_path / gone.name
    shutil.move(gone, moved)  # the images went missing since the CV ran (another machine, a moved folder)
    try:
        assert main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "model")]) == 2
        line = one_line(capsys.readouterr().err)
    finally:
        shutil.move(moved, gone)
    assert f"1 of the 12 images scored out-of-fold in {cv} cannot be read now ({gone}: file not found)" in line
    assert "incomplete out-of-fold set" in line and not (tmp_path / "model").exists()


def test_images_the_cv_could_not_score_either_are_left_out_and_said(cv, tmp_path, capsys):
    broken = tmp_path / "P0007-empty.jpg"
    broken.write_bytes(b"")
    _edit_json(cv / "cv.json", lambda p: p["samples"][7].update(file=str(broken)))
    _edit_json(cv / "oof.json", lambda o: o["oof"][7].update(file=str(broken), probability=None))
    # as the CV would have it: the fold's network never scored the unreadable image
    fold = cv / f"fold-{json.loads((cv / 'cv.json').read_text())['samples'][7]['fold'] + 1}"
    _edit_json(fold / "validation.json", lambda v: v["files"].remove("P0007.jpg"))
    out = tmp_path / "model"
    assert main(["finalize", "--from-cv", str(cv), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"pmscreen finalize: warning: left out {broken}: the file is empty (0 bytes)" in err.splitlines()
    meta = json.loads((out / "model.json").read_text())
    record = meta["cross_validation"]
    assert record["images"] == 12 and record["scored"] == 11 and len(record["skipped"]) == 1
    assert "1 more left out, unreadable as in the cross-validation" in (out / "MODEL_CARD.md").read_text()


# ---------------------------------------------------------------- 3. a TIFF tile-size bomb


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the decoder was called for a file the header check must refuse")

    monkeypatch.setattr(cv2, "imdecode", refuse)


def tiled_tiff(width: int, height: int, tile: int, declared: int | None = None) -> bytes:
    """An uncompressed 8-bit grey TIFF of ``tile`` x ``tile`` tiles (little-endian; libtiff wants an uncompressed
    tile of a multiple of 1 KB), tile i filled with 40 i, whose TileWidth and TileLength say ``declared``
    (default: ``tile``)."""
    across, down = -(-width // tile), -(-height // tile)
    tiles = [bytes([(40 * i) % 256]) * tile * tile for i in range(across * down)]
    n_tags = 10
    arrays_at = 8 + 2 + 12 * n_tags + 4
    offsets_at, counts_at = arrays_at, arrays_at + 4 * len(tiles)
    data_at = counts_at + 4 * len(tiles)
    starts = [data_at + sum(map(len, tiles[:i])) for i in range(len(tiles))]
    one = len(tiles) == 1
    side = declared or tile
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (277, 3, 1, 1), (322, 4, 1, side), (323, 4, 1, side),
               (324, 4, len(tiles), starts[0] if one else offsets_at),
               (325, 4, len(tiles), len(tiles[0]) if one else counts_at)]
    ifd = struct.pack("<H", n_tags) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    arrays = struct.pack(f"<{len(tiles)}I", *starts) + struct.pack(f"<{len(tiles)}I", *map(len, tiles))
    return b"II*\x00" + struct.pack("<I", 8) + ifd + arrays + b"".join(tiles)


def test_a_tiff_whose_tiles_claim_a_gigabyte_is_refused_from_its_header(tmp_path, no_decoding):
    # 32 x 32 pixels in one 16000 x 16000 tile: OpenCV allocated 1 GB (16000^2 RGBA) and took 2 s
    bomb = tiled_tiff(32, 32, 32, declared=16000)
    assert len(bomb) < 2000 and 16000 * 16000 > MAX_TILE_PIXELS
    assert headers.tiff_tile(bomb) == (16000, 16000)
    path = tmp_path / "tiles.tif"
    path.write_bytes(bomb)
    with pytest.raises(ImageError, match=r"its TIFF tiles of 16000x16000 pixels are too large; the limit is 40 "
                                         r"million pixels a tile") as info:
        read_image(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_tiled_and_striped_tiffs_of_ordinary_sizes_are_still_read(tmp_path):
    path = tmp_path / "tiled.tif"
    path.write_bytes(tiled_tiff(80, 48, 32))  # tiles padded past the picture's edge, as the format has them
    assert headers.tiff_tile(path.read_bytes()) == (32, 32)
    rgb = read_image(path)
    assert rgb.shape == (48, 80, 3) and (rgb[0, 0, 0], rgb[0, 40, 0], rgb[40, 0, 0]) == (0, 40, 120)
    ok, buf = cv2.imencode(".tif", np.full((30, 50, 3), 90, np.uint8))
    assert headers.tiff_tile(buf.tobytes())[0] == 50  # strips: as wide as the picture, at most its height
    path.write_bytes(buf.tobytes())
    assert read_image(path).shape == (30, 50, 3)


def test_tiff_tile_tags_listed_twice_are_refused(tmp_path, no_decoding):
    data = tiled_tiff(64, 64, 32)
    i = data.index(struct.pack("<HHI", 323, 4, 1))  # TileLength: change it into a second TileWidth
    data = data[:i] + struct.pack("<H", 322) + data[i + 2:]
    path = tmp_path / "twice.tif"
    path.write_bytes(data)
    with pytest.raises(ImageError, match="TIFF header lists TileWidth twice"):
        read_image(path)


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


# ---------------------------------------------------------------- 6. a FIFO without a suffix in an image folder


def test_a_fifo_without_a_suffix_in_a_folder_gets_its_error_row(sealed_model, tmp_path):
    from core.screening.inference import Predictor, expand_inputs

    export = tmp_path / "pacs-export"
    export.mkdir()
    write_rgb(tmp_path / "eye.jpg", fundus_image(True, 4))
    shutil.copy(tmp_path / "eye.jpg", export / "IM000001")
    os.mkfifo(export / "IM000002")  # opened, it would block the batch forever
    os.mkfifo(export / "1.2.840.113619.2.55.3.8")
    os.mkfifo(export / "notes.txt")  # a name that is no image's: not listed, as a regular notes.txt
    assert [p.name for p in expand_inputs([export])] == ["1.2.840.113619.2.55.3.8", "IM000001", "IM000002"]
    rows = {Path(p.path).name: p for p in Predictor(sealed_model, "cpu", 4, engine="dygraph").predict_files([export])}
    assert set(rows) == {"1.2.840.113619.2.55.3.8", "IM000001", "IM000002"}
    assert rows["IM000001"].verdict != "error"  # the batch went on
    for name in ("IM000002", "1.2.840.113619.2.55.3.8"):
        assert rows[name].verdict == "error" and rows[name].error == "not a regular file (a FIFO); not opened"
