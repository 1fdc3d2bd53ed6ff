"""Fifth round of attacks (session 5's review): seal approving a threshold edit backed by a made-up provenance entry,
a weights header whose shapes take minutes to multiply out, float64 weights beyond float32, MODEL_CARD.md / model.json
/ cv.json that are FIFOs, sparse giants or not UTF-8, and the library copy following links out of a model folder.
Each refusal is one line naming the file and the problem."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.store.library import change_threshold, copy_to_library
from core.store.modelio import CARD, META, WEIGHTS, ModelFileError, check_tensors, read_meta, seal_folder, set_threshold


def test_seal_refuses_an_edited_threshold_backed_by_a_made_up_change(folder):
    meta = json.loads((folder / META).read_text())
    del meta["seal"]
    meta["provenance"] = [*meta.get("provenance", []), {"action": "set-threshold", "from": meta["threshold"],
                                                        "to": 0.999, "by": "dr.smith", "note": "approved"}]
    meta["threshold"] = 0.999
    (folder / META).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="threshold change.*only its seal vouched for"):
        seal_folder(folder)
    assert "seal" not in read_meta(folder)  # nothing sealed


def test_a_changed_threshold_of_an_intact_folder_still_loads(folder):
    set_threshold(folder, 0.3, "policy")
    assert seal_folder(folder)[1] is False  # sealed and intact: left alone


@pytest.mark.parametrize("shape", [[1] * 100_000, [10 ** 30, 1]])
def test_a_weights_header_with_absurd_shapes_is_refused_in_one_line(folder, capsys, shape):
    header = json.dumps({"x": {"dtype": "F32", "shape": shape, "data_offsets": [0, 4]}}).encode()
    (folder / WEIGHTS).write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 4)
    assert main(["seal", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no usable dtype, shape and data_offsets" in err


def test_float64_weights_beyond_the_float32_range_are_refused():
    with pytest.raises(ModelFileError, match="w.safetensors: tensor conv beyond|beyond the float32 range"):
        check_tensors({"conv": np.array([1.0, 1e300])}, Path("w.safetensors"))
    check_tensors({"conv": np.array([1.0, 3e38])}, Path("w.safetensors"))  # within range: fine


def test_a_model_card_that_is_a_fifo_a_sparse_giant_or_not_utf8_stops_set_threshold_in_one_line(folder):
    card = folder / CARD
    for make, message in ((lambda: os.mkfifo(card), r"not a regular file \(a FIFO\); not opened"),
                          (lambda: (card.touch(), os.truncate(card, 4 << 30)), "larger than the 4 MB"),
                          (lambda: card.write_bytes(b"caf\xe9\n"), "not UTF-8 text")):
        card.unlink(missing_ok=True)
        make()
        with pytest.raises(ModelFileError, match=message):
            set_threshold(folder, 0.3, "policy")
        assert read_meta(folder)["threshold"] == 0.5
        assert not list(folder.parent.glob(".model.tmp-*"))  # no half-made folder left


def test_a_sparse_giant_model_json_is_refused_unread(folder):
    os.truncate(folder / META, 100 << 20)
    with pytest.raises(ModelFileError, match="model.json: larger than the 16 MB"):
        read_meta(folder)


def test_a_cv_json_that_is_a_fifo_or_claims_absurd_folds_is_refused_in_one_line(cv, tmp_path, capsys):
    plan = json.loads((cv / "cv.json").read_text())
    (cv / "cv.json").write_text(json.dumps({**plan, "folds": 10 ** 10}))
    assert main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "a")]) == 2
    assert "10000000000 folds for 12 images" in capsys.readouterr().err
    (cv / "cv.json").unlink()
    os.mkfifo(cv / "cv.json")
    assert main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "cv.json: not a regular file (a FIFO); not opened" in err


def test_the_library_copy_follows_no_link_out_of_the_model_folder(folder, tmp_path, data_dir):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the library")
    (folder / CARD).unlink(missing_ok=True)
    (folder / CARD).symlink_to(secret)
    with pytest.raises(ModelFileError, match="MODEL_CARD.md: a link"):
        copy_to_library(folder)
    (folder / CARD).unlink()
    outside = tmp_path / "w.safetensors"
    shutil.move(folder / WEIGHTS, outside)
    (folder / WEIGHTS).symlink_to(outside)
    with pytest.raises(ModelFileError, match="outside the model folder"):
        change_threshold(folder, 0.3, "policy", copy=True)
    assert not any(p.is_dir() for p in (data_dir / "models").iterdir())  # no copy left behind


def test_the_library_copy_of_an_intact_model_is_a_sealed_model(folder, data_dir):
    copy, meta = change_threshold(folder, 0.3, "policy", copy=True)
    assert meta == read_meta(copy)
    assert copy.parent == data_dir / "models" and read_meta(copy)["threshold"] == 0.3
    assert read_meta(folder)["threshold"] == 0.5  # the original is untouched
    assert seal_folder(copy)[1] is False


def float64_rgba_tiff_header(side: int) -> bytes:
    """The header of a TIFF of ``side`` x ``side`` float64 colour-plus-alpha pixels (no pixel data: it must be
    refused before decoding). BitsPerSample's four values stand after the directory."""
    import struct

    n_tags = 7
    bits_at = 8 + 2 + 12 * n_tags + 4
    entries = [(256, 4, 1, side), (257, 4, 1, side), (258, 3, 4, bits_at), (259, 3, 1, 1), (262, 3, 1, 2),
               (277, 3, 1, 4), (339, 3, 1, 3)]
    ifd = struct.pack("<H", n_tags) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<4H", 64, 64, 64, 64)


def test_a_tiff_of_float64_pixels_is_refused_by_the_bytes_it_would_take(tmp_path, monkeypatch):
    import cv2

    from core.images import headers
    from core.images.imageio import MAX_DECODED_BYTES, MAX_PIXELS, ImageError
    from core.images.reader import read_image

    # 6300 x 6300 is under the pixel limit, but 32 bytes a pixel: the attacker's 1.2 MB file took 3 GB to decode
    assert 6300 * 6300 <= MAX_PIXELS and 6300 * 6300 * 32 > MAX_DECODED_BYTES
    bomb = float64_rgba_tiff_header(6300)
    assert headers.tiff_pixel_bytes(bomb) == 32
    path = tmp_path / "float.tif"
    path.write_bytes(bomb)
    monkeypatch.setattr(cv2, "imdecode", lambda *a, **k: pytest.fail("decoded a file the header check refuses"))
    with pytest.raises(ImageError, match=r"too large to decode \(6300x6300 pixels of 32 bytes take more than 320 MB"):
        read_image(path)


@pytest.mark.parametrize("dtype, per_pixel", [(np.uint8, 3), (np.uint16, 6)])
def test_ordinary_tiffs_declare_their_bytes_a_pixel(tmp_path, dtype, per_pixel):
    import cv2

    from core.images import headers
    from core.images.reader import read_image

    ok, data = cv2.imencode(".tif", np.full((40, 50, 3), 100, dtype))
    assert ok and headers.tiff_pixel_bytes(data.tobytes()) == per_pixel
    (tmp_path / "x.tif").write_bytes(data.tobytes())
    assert read_image(tmp_path / "x.tif") is not None
