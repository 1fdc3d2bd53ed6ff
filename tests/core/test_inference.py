import hashlib

import cv2
import numpy as np
import pytest

import core.screening.inference as inference
from core.screening.inference import UNGRADABLE, Predictor
from tests.synthetic import full_size_fundus, fundus_image, save_tiny_model, write_rgb


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("m") / "model", seed=5)


@pytest.fixture(scope="module")
def predictor(model_dir):
    return Predictor(model_dir, device="cpu", batch_size=3, engine="dygraph")


@pytest.fixture
def files(tmp_path):
    d = tmp_path / "in"
    f = {
        "a": write_rgb(d / "a.jpg", fundus_image(True, 1)),
        "big": write_rgb(d / "big.jpg", full_size_fundus(2124, 2056, seed=2)),
        "black": write_rgb(d / "black.png", np.zeros((300, 300, 3), np.uint8)),
        "broken": d / "broken.jpg",
        "empty": d / "empty.png",
        "b": write_rgb(d / "b.png", fundus_image(False, 3)),
    }
    f["broken"].write_bytes(b"not an image at all")
    f["empty"].write_bytes(b"")
    return f


def test_mixed_inputs_in_order_with_quality_errors_and_hashes(predictor, files):
    order = ["a", "black", "broken", "big", "empty", "b"]
    preds = list(predictor.predict_files([files[k] for k in order]))
    assert [p.path for p in preds] == [str(files[k]) for k in order]
    by = dict(zip(order, preds))
    for k in ("a", "big", "b"):
        p = by[k]
        assert p.error is None and p.quality.ok and p.verdict in ("PM", "not PM") and 0 <= p.probability <= 1
        assert p.pm == (p.probability >= predictor.threshold)
        assert p.sha256 == hashlib.sha256(files[k].read_bytes()).hexdigest()
        assert p.heatmap is None and p.preview is None
    black = by["black"]
    assert black.verdict == UNGRADABLE and black.probability is None and black.pm is None
    assert black.quality.code == "dark" and black.to_dict()["quality"].startswith("too dark")
    assert by["broken"].verdict == "error" and "not a readable image" in by["broken"].error
    # read but not decodable: its row still carries the bytes' hash (reports tell such files apart by it)
    assert by["broken"].sha256 == hashlib.sha256(b"not an image at all").hexdigest()
    assert by["empty"].verdict == "error" and "empty" in by["empty"].error
    assert by["a"].to_dict()["quality"] == "ok"


def test_probabilities_is_the_only_network_call(predictor, files, monkeypatch, tmp_path):
    copy = tmp_path / "a-copy.jpg"  # the same picture under another name: the same file twice is screened once
    copy.write_bytes(files["a"].read_bytes())
    batches = []
    real = Predictor.probabilities

    def spy(self, pixels):
        batches.append(pixels.shape)
        return real(self, pixels)

    monkeypatch.setattr(Predictor, "probabilities", spy)
    preds = list(predictor.predict_files([*(files[k] for k in ("a", "black", "big", "b", "broken")), copy]))
    judged = [p for p in preds if p.probability is not None]
    assert len(judged) == 4 and sum(n for n, *_ in batches) == 4
    assert all(shape[1:] == (224, 224, 3) and shape[0] <= predictor.batch_size for shape in batches)
    # the same picture gets the same probability whichever batch it is in
    assert preds[0].probability == pytest.approx(preds[-1].probability, abs=1e-5)


def test_heatmaps_and_previews_when_asked(predictor, files):
    preds = list(predictor.predict_files([files["a"], files["big"], files["black"]], heatmaps=True))
    for p in preds[:2]:
        assert p.heatmap.shape == (7, 7) and p.heatmap.dtype == np.float32
        assert 0 <= p.heatmap.min() and p.heatmap.max() <= 1
    assert preds[0].preview.shape == (224, 224, 3)
    assert max(preds[1].preview.shape[:2]) == inference.PREVIEW_SIDE  # a camera picture is shrunk
    assert preds[2].heatmap is None and preds[2].verdict == UNGRADABLE and preds[2].preview is not None


def test_without_the_gate_ungradable_images_are_judged_but_flagged(model_dir, files):
    p = Predictor(model_dir, device="cpu", batch_size=4, engine="dygraph", quality_gate=False)
    black = next(iter(p.predict_files([files["black"]])))
    assert black.verdict in ("PM", "not PM") and not black.quality.ok and black.quality.code == "dark"


def test_full_size_jpeg_is_decoded_reduced(predictor, files, monkeypatch):
    seen = []
    real = inference.decode_file

    def spy(data, path, min_side=None):
        out = real(data, path, min_side)
        seen.append(out.shape)
        return out

    monkeypatch.setattr(inference, "decode_file", spy)
    pred = next(iter(predictor.predict_files([files["big"]])))
    assert pred.quality.ok and seen == [(514, 531, 3)]  # 1/4 of 2056 x 2124: short side >= 448


def test_streaming_reads_only_a_few_batches_ahead(predictor, tmp_path, monkeypatch):
    img = cv2.imencode(".jpg", fundus_image(False, 9))[1].tobytes()
    paths = []
    for i in range(15):
        path = tmp_path / f"{i:03d}.jpg"
        path.write_bytes(img)
        paths.append(path)
    loads = []
    real = inference._load
    monkeypatch.setattr(inference, "_load", lambda *a: loads.append(a[0]) or real(*a))
    it = predictor.predict_files(paths)
    first = next(it)
    assert first.path == str(paths[0])
    assert len(loads) <= 2 * predictor.batch_size + predictor.batch_size + 1  # not all 15
    rest = list(it)
    assert [p.path for p in rest] == [str(p) for p in paths[1:]]


def test_a_sub_folder_that_cannot_be_listed_is_an_error_row_not_a_silent_gap(tmp_path, monkeypatch):
    """Hostile round: a sub-folder without read permission (root ignores permissions, so the refusal is
    simulated) dropped its images from the batch without a word, and the batch ended with exit code 0."""
    import errno
    import os

    from core.screening.inference import expand_inputs

    write_rgb(tmp_path / "a.jpg", fundus_image(True, 1, size=64))
    (tmp_path / "locked").mkdir()
    write_rgb(tmp_path / "locked" / "b.jpg", fundus_image(False, 2, size=64))
    write_rgb(tmp_path / "z.jpg", fundus_image(False, 3, size=64))
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    entries = expand_inputs([tmp_path])
    shown = [(str(e.path), e.error) if hasattr(e, "error") else str(e) for e in entries]
    assert shown == [str(tmp_path / "a.jpg"), (str(tmp_path / "locked"), "folder cannot be read (Permission denied)"),
                     str(tmp_path / "z.jpg")]


def test_a_file_named_twice_is_screened_once(tmp_path):
    """Hostile round: "predict imgs imgs/ imgs/P0001.jpg" screened P0001.jpg three times and counted 8 images
    for 3 files."""
    from core.screening.inference import expand_inputs

    for name in ("P0001.jpg", "P0002.jpg", "P0003.jpg"):
        write_rgb(tmp_path / "imgs" / name, fundus_image(True, 1, 32))
    (tmp_path / "alias.jpg").symlink_to(tmp_path / "imgs" / "P0002.jpg")
    got = expand_inputs([tmp_path / "imgs", f"{tmp_path / 'imgs'}/", tmp_path / "imgs" / "P0001.jpg",
                         tmp_path / "alias.jpg", tmp_path / "missing.jpg", tmp_path / "missing.jpg"])
    assert [p.name for p in got] == ["P0001.jpg", "P0002.jpg", "P0003.jpg", "missing.jpg"]
