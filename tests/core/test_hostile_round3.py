"""Issue 13, third round of attacks on the image readers: size claims the decoder sees differently from the header
check (a progressive JPEG's full-size coefficients, a second frame header, TIFF tags listed twice), a deflated
DICOM bomb, header walks made slow on purpose, and multi-line decoder messages. Each hostile file is built here,
small; ``no_decoding`` makes any call of the decoder fail the test, so that a refusal is seen to come first."""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

import core.images.headers as headers
from core.images.imageio import MAX_PIXELS, ImageError
from core.images.reader import read_image
from tests.core.test_hostile_inputs import jpeg_bytes, png_bytes, with_sof_size
from tests.synthetic import fundus_image


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the decoder was called for a file the header check must refuse")

    monkeypatch.setattr(cv2, "imdecode", refuse)


def progressive_jpeg(width: int, height: int) -> bytes:
    """A tiny progressive JPEG (about 600 bytes) whose SOF2 header declares ``width`` x ``height``."""
    ok, buf = cv2.imencode(".jpg", np.full((16, 16, 3), 90, np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    data = buf.tobytes()
    i = data.index(b"\xff\xc2")
    return data[:i + 5] + struct.pack(">HH", height, width) + data[i + 9:]


def python_lines(fn, *args) -> int:
    """How many lines of core.images run for ``fn(*args)``: work counted, not timed."""
    count = 0
    here = str(Path(headers.__file__).parent)

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    def calls(frame, event, arg):
        return trace if frame.f_code.co_filename.startswith(here) else None

    sys.settrace(calls)
    try:
        fn(*args)
    except ImageError:
        pass
    finally:
        sys.settrace(None)
    return count


# ---------------------------------------------------------------- size claims the decoder reads differently


def test_a_progressive_jpeg_bomb_is_refused_at_its_full_size(tmp_path, no_decoding):
    # 50000 x 50000 at 1/8 is 6250 x 6250 = 39 M pixels, under the limit; but libjpeg holds a progressive
    # file's coefficients at full size: 2.5 G pixels, gigabytes for a 600-byte file
    bomb = progressive_jpeg(50000, 50000)
    assert len(bomb) < 1000 and (50000 // 8) ** 2 <= MAX_PIXELS
    path = tmp_path / "bomb.jpg"
    path.write_bytes(bomb)
    for min_side in (224, None):
        with pytest.raises(ImageError, match=r"too large \(50000x50000 pixels; the limit is 40 million") as info:
            read_image(path, min_side=min_side)
        assert "\n" not in str(info.value)


def test_a_progressive_jpeg_of_camera_size_is_still_decoded_reduced(tmp_path):
    ok, buf = cv2.imencode(".jpg", np.full((1600, 2000, 3), 90, np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    path = tmp_path / "camera.jpg"
    path.write_bytes(buf.tobytes())
    assert read_image(path, min_side=224).shape == (400, 500, 3)  # 1/4: the short side stays >= 224


def test_every_frame_header_counts_not_only_the_first(tmp_path, no_decoding):
    good = jpeg_bytes(fundus_image(False, 1, size=64))
    i = good.index(b"\xff\xc0")
    length = int.from_bytes(good[i + 2:i + 4], "big")
    second = with_sof_size(good[i:i + 2 + length], 60000, 60000).replace(b"\xff\xc0", b"\xff\xc1", 1)
    path = tmp_path / "two-frames.jpg"
    path.write_bytes(good[:i + 2 + length] + second + good[i + 2 + length:])
    assert headers.jpeg_layout(path.read_bytes()).largest == (60000, 60000)
    with pytest.raises(ImageError, match=r"the image is too large \(60000x60000"):
        read_image(path, min_side=224)


def tiff_with_entries(*entries) -> bytes:
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def test_tiff_size_tags_listed_twice_are_refused(tmp_path, no_decoding):
    # the header check used to read the last value (16 x 16) while libtiff decodes by the first (60000 x 60000)
    data = tiff_with_entries((256, 4, 1, 60000), (257, 4, 1, 60000), (256, 4, 1, 16), (257, 4, 1, 16))
    assert headers.image_size(data) == (60000, 60000)
    path = tmp_path / "twice.tif"
    path.write_bytes(data)
    with pytest.raises(ImageError, match="TIFF header lists ImageWidth and ImageLength twice"):
        read_image(path)


# ---------------------------------------------------------------- a deflated DICOM bomb


def deflated_dicom(rows: int, columns: int) -> bytes:
    """A DICOM file in the deflated transfer syntax whose zero pixels inflate to rows x columns bytes."""
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import DeflatedExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, columns, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(rows * columns)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    assert pydicom.dcmread(io.BytesIO(out.getvalue())).file_meta.TransferSyntaxUID.is_deflated
    return out.getvalue()


def test_a_deflated_dicom_bomb_is_refused_before_pydicom_inflates_it(tmp_path, monkeypatch):
    import pydicom

    from core.images import dicom

    small = deflated_dicom(64, 64)  # a sound deflated file is read
    assert read_image(_write(tmp_path / "small.dcm", small)).shape == (64, 64, 3)
    bomb = deflated_dicom(2000, 4000)  # 8 MB inflated from about 8 KB; the limit lowered to 4 MB for the test
    assert len(bomb) < 20_000
    monkeypatch.setattr(dicom, "MAX_INFLATED_BYTES", 4 << 20)
    monkeypatch.setattr(pydicom, "dcmread", lambda *a, **k: pytest.fail("pydicom inflated the bomb"))
    with pytest.raises(ImageError, match=r"the file is too large \(a deflated DICOM file of .* bytes inflating to "
                                         r"over 4 MB\)"):
        read_image(_write(tmp_path / "bomb.dcm", bomb))
    monkeypatch.setattr(dicom, "MAX_INFLATED_BYTES", 64 << 20)  # over the limit of 32 times its size, 64 MB
    monkeypatch.setattr(dicom, "INFLATE_ALLOWANCE", 1 << 20)
    with pytest.raises(ImageError, match=r"inflating to over 1 MB\)"):
        read_image(_write(tmp_path / "bomb.dcm", bomb))
    broken = bomb[:dicom._deflated_start(bomb)] + b"\xff" * 100  # not deflate data: one line, not a zlib traceback
    with pytest.raises(ImageError, match="not a readable DICOM file"):
        read_image(_write(tmp_path / "broken.dcm", broken))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_multi_line_decoder_messages_become_one_line(tmp_path):
    pytest.importorskip("pydicom")
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGLSLossless

    from tests.synthetic import write_op_dicom

    path = write_op_dicom(tmp_path / "eye.dcm", fundus_image(True, 1, size=32))
    import pydicom

    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = JPEGLSLossless  # pydicom lists its missing plugins one per line
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xf7not JPEG-LS"])
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(ImageError, match="DICOM pixel data cannot be") as info:
        read_image(path)
    assert "\n" not in str(info.value) and "\n" not in info.value.problem
    assert ImageError("x.jpg", "first\n  second\r\nthird").problem == "first second third"


# ---------------------------------------------------------------- header walks made slow on purpose


def test_jpeg_fill_bytes_are_skipped_at_c_speed(tmp_path):
    good = jpeg_bytes(fundus_image(True, 2, size=64))
    padded = good[:2] + b"\xff" * 200_000 + good[2:]  # fill bytes before the first marker are legal
    assert headers.jpeg_layout(padded).frame == (64, 64, True)
    assert read_image(_write(tmp_path / "fill.jpg", padded)).shape == (64, 64, 3)
    assert python_lines(headers.jpeg_layout, padded) < 1000  # was five lines per fill byte


def test_thousands_of_empty_jpeg_segments_are_not_walked(tmp_path):
    good = jpeg_bytes(fundus_image(True, 2, size=64))
    padded = good[:2] + b"\xff\xe1\x00\x02" * 50_000 + good[2:]
    with pytest.raises(ImageError, match=r"not a readable image \(more than 10000 JPEG segments"):
        read_image(_write(tmp_path / "segments.jpg", padded))
    assert python_lines(headers.jpeg_layout, padded) < 20 * headers.MAX_JPEG_SEGMENTS


def test_a_png_of_empty_chunks_is_refused_after_a_bounded_walk(tmp_path):
    good = png_bytes(fundus_image(True, 2, size=64))
    empty = struct.pack(">I", 0) + b"zzTx" + struct.pack(">I", zlib.crc32(b"zzTx"))
    bomb = good[:33] + empty * 150_000 + good[33:]  # after IHDR; 1.8 MB, libpng skips them all
    with pytest.raises(ImageError, match=r"not a readable image \(more than 100000 PNG chunks\)"):
        read_image(_write(tmp_path / "chunks.png", bomb))
    assert python_lines(headers.png_problem, bomb) < 20 * headers.MAX_PNG_CHUNKS


# ---------------------------------------------------------------- a PACS export folder: names without suffixes


def test_suffixless_images_in_a_folder_are_found_by_content_in_predict_and_the_gui(tmp_path, capsys):
    import json
    import os

    from core.cli import main
    from core.screening.engine_process import stream
    from core.screening.inference import Predictor, expand_inputs
    from core.screening.messages import Found
    from tests.synthetic import save_tiny_model, write_rgb

    export = tmp_path / "pacs-export"
    jpeg = write_rgb(tmp_path / "eye.jpg", fundus_image(True, 4)).read_bytes()
    for name in ("IM000001", "1.2.840.113619.2.55.3.7", "sub/IM000002"):
        (export / name).parent.mkdir(parents=True, exist_ok=True)
        (export / name).write_bytes(jpeg)
    (export / "IM000003").write_bytes(jpeg[:1000])  # an image by content, cut short: its error row
    (export / "DICOMDIR-notes").write_text("not an image")  # no suffix, not an image: not listed
    (export / "report.txt").write_bytes(jpeg)  # another suffix: not an image file, as before
    (export / ".hidden").write_bytes(jpeg)
    os.mkfifo(export / "pipe")  # without a suffix: never opened, listed for its error row (round 4)
    found = [p.relative_to(export).as_posix() for p in expand_inputs([export])]
    assert found == ["1.2.840.113619.2.55.3.7", "IM000001", "IM000003", "pipe", "sub/IM000002"]

    model = save_tiny_model(tmp_path / "m")
    assert main(["predict", "--model", str(model), "--json", "--no-audit", str(export)]) == 2
    rows = {Path(r["file"]).name: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(rows) == {"1.2.840.113619.2.55.3.7", "IM000001", "IM000002", "IM000003", "pipe"}
    assert rows["IM000003"]["verdict"] == "error" and "truncated" in rows["IM000003"]["error"]
    assert rows["pipe"]["error"] == "not a regular file (a FIFO); not opened"
    assert all(rows[n]["verdict"] != "error" for n in ("IM000001", "IM000002", "1.2.840.113619.2.55.3.7"))
    items = list(stream(Predictor(model, "cpu", 4, engine="dygraph"), [export]))  # the GUI's engine
    assert items[0] == Found(5) and {Path(p.to_dict()["file"]).name for p in items[1:]} == set(rows)
