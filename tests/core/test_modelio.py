import json
import os
from pathlib import Path

import numpy as np
import pytest

from core.images.preprocess import PREPROCESSING
from core.nn._paddle import paddle
from core.nn.models import build_resnet
from core.store.folders import atomic_folder, check_folder_name, recover_folder
from core.store.modelio import (
    META,
    WEIGHTS,
    ModelFileError,
    load_model,
    read_meta,
    save_model,
)


def _meta(model, **extra):
    return {"name": "test", "architecture": model.config.to_dict(), "class_names": ["non-PM", "PM"],
            "preprocessing": PREPROCESSING, "threshold": 0.4, **extra}


def _logits(model, x):
    model.eval()
    return model(x).numpy()


@pytest.fixture
def saved(tmp_path):
    paddle.seed(1)
    model = build_resnet(18, "D")
    save_model(tmp_path / "m", model, _meta(model))
    return tmp_path / "m", model


def test_round_trip_gives_identical_logits(saved):
    folder, model = saved
    assert sorted(os.listdir(folder)) == [META, WEIGHTS]
    loaded, meta = load_model(folder)
    x = paddle.randn([2, 3, 64, 64])
    np.testing.assert_array_equal(_logits(loaded, x), _logits(model, x))
    assert meta["threshold"] == 0.4 and meta["architecture"]["avg_down"] is True
    for key in ("created", "paddle_version", "weights", "format"):
        assert key in meta


def test_float16_weights_load_as_float32(tmp_path, saved):
    _, model = saved
    save_model(tmp_path / "half", model, _meta(model), dtype="float16")
    assert (tmp_path / "half" / WEIGHTS).stat().st_size < 0.6 * (saved[0] / WEIGHTS).stat().st_size
    loaded, meta = load_model(tmp_path / "half")
    assert meta["weights"]["dtype"] == "float16"
    x = paddle.randn([1, 3, 64, 64])
    np.testing.assert_allclose(_logits(loaded, x), _logits(model, x), atol=0.05)


def test_no_pickle_in_model_files(saved):
    folder, _ = saved
    data = (folder / WEIGHTS).read_bytes()
    assert b"\x80\x04\x95" not in data[:1024] and json.loads(data[8:8 + int.from_bytes(data[:8], "little")])


def test_truncated_weights_fail_clearly(saved):
    folder, _ = saved
    path = folder / WEIGHTS
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match="weights.safetensors"):
        load_model(folder)
    with pytest.raises(ModelFileError, match="truncated or not a safetensors"):
        load_model(folder, verify_hash=False)


def test_weights_that_do_not_fit_model_json(tmp_path, saved):
    folder, _ = saved
    other = build_resnet(34, "D")
    save_model(tmp_path / "other", other, _meta(other))
    os.replace(tmp_path / "other" / WEIGHTS, folder / WEIGHTS)
    with pytest.raises(ModelFileError, match="does not fit"):
        load_model(folder)
    with pytest.raises(ModelFileError, match="does not fit the architecture"):
        load_model(folder, verify_hash=False)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        read_meta(tmp_path / "none")
    (tmp_path / "x").mkdir()
    with pytest.raises(ModelFileError, match="no model.json"):
        read_meta(tmp_path / "x")
    (tmp_path / "x" / META).write_text("{broken")
    with pytest.raises(ModelFileError, match="unreadable"):
        read_meta(tmp_path / "x")


def test_failed_save_leaves_previous_model_intact(saved):
    folder, model = saved
    before = (folder / WEIGHTS).read_bytes()
    with pytest.raises(RuntimeError):
        with atomic_folder(folder) as tmp:
            (tmp / WEIGHTS).write_bytes(b"half written")
            raise RuntimeError("killed mid-save")
    assert (folder / WEIGHTS).read_bytes() == before
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []
    load_model(folder)


def test_a_link_to_a_model_folder_stays_a_link_across_saves(saved, tmp_path):
    folder, model = saved
    link = tmp_path / "elsewhere" / "current"
    link.parent.mkdir()
    link.symlink_to(folder, target_is_directory=True)
    for n in (1, 2):  # the second save used to fail: the first had put a real folder in the link's place
        with atomic_folder(link) as tmp:
            (tmp / "n.txt").write_text(str(n))
        assert link.is_symlink() and (folder / "n.txt").read_text() == str(n)
    assert sorted(p.name for p in link.parent.iterdir()) == ["current"]
    assert sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(".")) == []
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "gone")
    with pytest.raises(ValueError, match="dangling: is a link to a missing folder"):
        check_folder_name(dangling)


def test_kill_between_the_two_renames_is_recovered(saved):
    folder, model = saved
    backup = folder.with_name(f".{folder.name}.previous")
    os.replace(folder, backup)  # the state right after the first rename
    loaded, _ = load_model(folder)  # readers use the backup and change nothing (a writer may be mid-swap)
    assert backup.is_dir() and not folder.exists()
    recover_folder(folder)  # the next writer puts the previous model back
    assert folder.is_dir() and not backup.exists()
    # killed after the swap, before the clean-up: the stale backup is removed
    backup.mkdir()
    recover_folder(folder)
    assert not backup.exists()


def test_kill_mid_save_in_a_real_process(tmp_path, saved):
    """A child process is SIGKILLed while writing; the previous model must still load."""
    import subprocess
    import sys
    import textwrap

    folder, model = saved
    before = (folder / WEIGHTS).read_bytes()
    script = textwrap.dedent(f"""
        import os, signal
        import core.store.modelio as mio
        real = mio.write_tensors
        def dying(path, tensors, *args, **kwargs):
            real(path, tensors, *args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)  # after the new weights exist in the temporary folder
        mio.write_tensors = dying
        from core.nn.models import build_resnet
        m = build_resnet(18, "D")
        mio.save_model({str(folder)!r}, m, {_meta(model)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd())
    assert proc.returncode == -9
    assert (folder / WEIGHTS).read_bytes() == before
    assert any(p.name.startswith(".m.tmp-") for p in folder.parent.iterdir())  # the dead writer's leftovers
    load_model(folder)
    save_model(folder, model, _meta(model))  # the next writer clears them
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_weights_files_follow_the_umask_like_model_json(tmp_path):
    """safetensors' own writer made weights files 0600 beside a 0644 model.json: another account of the machine
    could read the card but not load the model."""
    from tests.synthetic import save_tiny_members

    old = os.umask(0o022)
    try:
        folder = save_tiny_members(tmp_path / "model")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
    assert modes["model.json"] == 0o644
    assert {m for name, m in modes.items() if name.endswith(".safetensors")} == {0o644}


def test_a_mount_point_is_refused_as_a_model_folder_before_any_work(tmp_path, monkeypatch):
    # a save renames the folder, which a mount point refuses (EBUSY) after a whole epoch, leaving its working copy
    mounted = tmp_path / "usb"
    mounted.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mounted or real(p))
    with pytest.raises(ValueError, match=f"{mounted}: is a mount point.*choose a folder inside it"):
        check_folder_name(mounted, "")
    check_folder_name(mounted / "run", "")  # inside it: fine


def test_a_bind_mount_of_the_same_file_system_is_refused_too(tmp_path, monkeypatch):
    # os.path.ismount compares devices: a bind mount of a folder of the same disk looked like any folder
    from core.store import folders

    mounted = tmp_path / "bound here"
    mounted.mkdir()
    info = tmp_path / "mountinfo"
    escaped = str(mounted).replace(" ", "\\040")
    info.write_text(f"36 35 98:0 / / rw,noatime master:1 - ext3 /dev/root rw\n"
                    f"99 36 98:0 /data {escaped} rw,relatime shared:1 - ext4 /dev/sda1 rw\n")
    monkeypatch.setattr(folders, "MOUNTINFO", str(info))
    with pytest.raises(ValueError, match="bound here: is a mount point"):
        check_folder_name(mounted, "")
    check_folder_name(mounted / "run", "")


def test_a_folder_that_cannot_be_renamed_keeps_its_previous_version_and_leaves_no_copy(tmp_path, monkeypatch):
    from core.store.folders import atomic_folder

    target = tmp_path / "models" / "model"
    target.mkdir(parents=True)
    (target / "old.txt").write_text("previous")
    real = os.replace

    def busy(src, dst):
        if Path(src) == target:
            raise OSError(16, "Device or resource busy")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", busy)
    with pytest.raises(OSError, match=f"{target}: cannot be replaced \\(Device or resource busy\\); the previous"):
        with atomic_folder(target) as tmp:
            (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.parent.iterdir()] == ["model"]
    assert (target / "old.txt").read_text() == "previous"


def test_a_threshold_change_is_refused_while_a_training_run_writes_the_folder(tmp_path):
    # the run's next save replaced model.json: "sealed" was printed and the change was gone
    from core.store.folders import FolderBusy, writing_alone
    from core.store.modelio import set_threshold
    from tests.synthetic import save_tiny_model

    folder = save_tiny_model(tmp_path / "run")
    before = read_meta(folder)["threshold"]
    with writing_alone(folder):
        with pytest.raises(FolderBusy, match=f"{folder}: another training run is writing to this folder"):
            set_threshold(folder, 0.4, "policy")
    assert read_meta(folder)["threshold"] == before != 0.4
    assert set_threshold(folder, 0.4, "policy")["threshold"] == 0.4  # free again


def test_a_lock_that_cannot_be_made_leaves_the_work_unguarded_not_refused(tmp_path, monkeypatch):
    # a cross-validation folder that can be written inside a read-only parent ran before the lock came
    from core.store.folders import writing_alone

    real_open = os.open

    def refuse_locks(path, *args, **kwargs):
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_locks)
    ran = []
    with writing_alone(tmp_path / "cv"):
        ran.append(True)
    assert ran == [True]
