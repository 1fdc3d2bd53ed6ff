"""Issue 13: no single file stops a batch. Hostile and odd inputs each get one error row (or are read), the rest
are diagnosed and audited, exit code 2, one-line reasons and never a traceback, in predict, evaluate and the GUI's
engine stream (core.screening.engine_process, the same core code)."""

from __future__ import annotations

import csv
import json
import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli import main
from core.images.imageio import MAX_PIXELS, ImageError, image_size, read_bytes
from core.images.reader import read_image
from core.screening.audit import read_entries
from tests.synthetic import fundus_image, save_tiny_model, write_label_file, write_rgb


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A 100-byte PNG with valid CRCs whose IHDR claims ``width`` x ``height`` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _chunk(b"IEND", b""))


def jpeg_bytes(rgb: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return buf.tobytes()


def png_bytes(rgb: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return buf.tobytes()


def with_sof_size(data: bytes, width: int, height: int) -> bytes:
    """A JPEG whose start-of-frame header claims another size."""
    i = data.index(b"\xff\xc0")
    return data[:i + 5] + struct.pack(">HH", height, width) + data[i + 9:]


def tiff_claiming(width: int, height: int) -> bytes:
    entries = [(256, 4, 1, width), (257, 4, 1, height)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def bmp_claiming(width: int, height: int) -> bytes:
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(header), 0, 0, 54) + header


# ---------------------------------------------------------------- the decoder


@pytest.mark.parametrize("data, size", [
    (png_claiming(100000, 100000), (100000, 100000)),
    (tiff_claiming(70000, 70000), (70000, 70000)),
    (bmp_claiming(30000, -30000), (30000, 30000)),  # bottom-up BMPs have a negative height
])
def test_huge_sizes_are_refused_from_the_header_before_decoding(tmp_path, data, size):
    assert image_size(data) == size
    path = tmp_path / "huge.png"
    path.write_bytes(data)
    with pytest.raises(ImageError, match="too large .* the limit is 40 million pixels") as info:
        read_image(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_jpeg_limit_applies_to_the_reduced_size(tmp_path):
    good = jpeg_bytes(fundus_image(False, 1, size=256))
    huge = with_sof_size(good, 60000, 60000)  # 1/8 size: 7500 x 7500 = 56 M pixels, still over the limit
    assert image_size(huge) == (60000, 60000)
    path = tmp_path / "huge.jpg"
    path.write_bytes(huge)
    with pytest.raises(ImageError, match=r"the image at 1/8 size is too large \(7500x7500"):
        read_image(path, min_side=448)
    with pytest.raises(ImageError, match=r"the image is too large \(60000x60000"):
        read_image(path)
    assert (60000 // 8) ** 2 > MAX_PIXELS


def test_a_jpeg_over_the_limit_is_decoded_reduced_without_min_side_too(tmp_path):
    big = np.zeros((6000, 7000, 3), np.uint8)  # 42 M pixels: over the limit in full, 10.5 M at 1/2
    big[:, :, 1] = 90
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes(big))
    del big
    assert read_image(path).shape == (3000, 3500, 3)  # evaluate and training: the least reduction that fits
    assert read_image(path, min_side=448).shape == (750, 875, 3)  # predict: as before


@pytest.mark.parametrize("encode", [jpeg_bytes, png_bytes])
def test_trailing_bytes_after_the_end_marker_are_accepted(tmp_path, encode):
    rgb = fundus_image(True, 3)
    data = encode(rgb)
    path = tmp_path / "trailing.img"
    path.write_bytes(data + b"PACS-EXPORT\x00" * 100 + b"\xff\xd8 more")
    assert read_image(path).shape == (224, 224, 3)
    cut = tmp_path / "cut.img"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="truncated"):
        read_image(cut)


def test_png_crc_error_is_a_one_line_reason(tmp_path, capfd):
    data = bytearray(png_bytes(fundus_image(False, 4)))
    data[60] ^= 0xFF  # inside IDAT
    path = tmp_path / "crc.png"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageError, match="CRC error in the 'IDAT' chunk"):
        read_image(path)
    assert capfd.readouterr().err == ""  # libpng's own "libpng error: ..." is never printed


def test_decoder_libraries_print_nothing(tmp_path, capfd):
    rgb = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    png = bytearray(png_bytes(rgb))  # damaged compressed data under a valid CRC: libpng's own error
    at = png.index(b"IDAT")
    length = int.from_bytes(png[at - 4:at], "big")
    for k in range(at + 20, at + 4 + length - 10, 7):
        png[k] ^= 0x5A
    png[at + 4 + length:at + 8 + length] = struct.pack(">I", zlib.crc32(bytes(png[at:at + 4 + length])))
    (tmp_path / "filter.png").write_bytes(bytes(png))
    jpg = bytearray(jpeg_bytes(rgb))  # damaged entropy-coded data: libjpeg's "Corrupt JPEG data" warning
    for k in range(700, len(jpg) - 10, 13):
        jpg[k] ^= 0x33
    (tmp_path / "damaged.jpg").write_bytes(bytes(jpg))
    with pytest.raises(ImageError, match="not a readable image"):
        read_image(tmp_path / "filter.png")
    with pytest.raises(ImageError, match="truncated"):  # libjpeg's warning is caught, not printed, and now heeded
        read_image(tmp_path / "damaged.jpg")
    assert capfd.readouterr().err == ""


def test_content_decides_the_format_not_the_suffix(tmp_path):
    rgb = fundus_image(True, 5)
    dcm = tmp_path / "photo.dcm"
    dcm.write_bytes(jpeg_bytes(rgb))
    assert np.abs(read_image(dcm).astype(int) - rgb).mean() < 4
    jpg = tmp_path / "really-a-png.jpg"
    jpg.write_bytes(png_bytes(rgb))
    assert read_image(jpg).tolist() == rgb.tolist()
    text = tmp_path / "notes.png"
    text.write_bytes(b"GIF89a not supported" + b"\0" * 100)
    with pytest.raises(ImageError, match="not a readable image .*JPEG, PNG, TIFF, BMP or DICOM expected"):
        read_image(text)


def test_fifo_device_and_dangling_link_are_never_opened(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageError, match=r"not a regular file \(a FIFO\); not opened"):
        read_bytes(fifo)  # opening it would block until a writer comes
    with pytest.raises(ImageError, match=r"not a regular file \(a device\)"):
        read_bytes("/dev/zero")
    link = tmp_path / "gone.jpg"
    link.symlink_to(tmp_path / "deleted.jpg")
    with pytest.raises(ImageError, match="a link to a missing file"):
        read_bytes(link)


def test_lean_16_bit_and_alpha_conversion_gives_the_float_formula_pixels():
    from core.images.imageio import to_rgb8

    rng = np.random.default_rng(0)
    for channels in (3, 4):
        x = rng.integers(0, 65536, (64, 64, channels), dtype=np.uint16)
        ref = (x.astype(np.float64) * 255 / 65535 + 0.5).astype(np.uint8)
        if channels == 4:
            ref = (ref[:, :, :3] * (ref[:, :, 3:4] / 255.0) + 0.5).astype(np.uint8)
        assert np.array_equal(to_rgb8(x), ref[:, :, 2::-1])


# ---------------------------------------------------------------- whole batches


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("m") / "tiny", seed=3)


@pytest.fixture(autouse=True)
def _shared_engine_cache(tmp_path_factory, monkeypatch):
    import core.screening.engine

    cache = tmp_path_factory.getbasetemp() / "engine-cache-hostile"
    monkeypatch.setattr(core.screening.engine, "cache_dir", lambda: cache)


GOOD = ("a-good.jpg", "caf\udce9.jpg", "=1+2.jpg", "line\nbreak\x1b.jpg", "photo.dcm", "trailing.png", "@cmd.png")
BAD = {"huge.png": "too large", "tiny.png": "too small to judge", "pipe.jpg": "FIFO", "gone.jpg": "missing file",
       "empty.jpg": "empty", "crc.png": "CRC error"}


@pytest.fixture
def hostile(tmp_path) -> Path:
    d = tmp_path / "share"
    d.mkdir()
    rgb = fundus_image(True, 7)
    for name in GOOD:
        data = png_bytes(rgb) + b"trailer" if name.endswith(".png") else jpeg_bytes(rgb)
        with open(os.path.join(os.fsencode(d), os.fsencode(name)), "wb") as f:  # caf\xe9.jpg: not UTF-8 on disk
            f.write(data)
    (d / "huge.png").write_bytes(png_claiming(100000, 100000))
    (d / "tiny.png").write_bytes(png_bytes(np.zeros((1, 1, 3), np.uint8)))
    os.mkfifo(d / "pipe.jpg")
    (d / "gone.jpg").symlink_to(d / "nowhere.jpg")
    (d / "empty.jpg").write_bytes(b"")
    crc = bytearray(png_bytes(rgb))
    crc[60] ^= 0xFF
    (d / "crc.png").write_bytes(bytes(crc))
    return d


def _check_rows(rows: list[dict]):
    assert len(rows) == len(GOOD) + len(BAD)
    by = {r["file"].rsplit("/", 1)[-1]: r for r in rows}
    for name, problem in BAD.items():
        assert by[name]["verdict"] == "error" and problem in by[name]["error"], by[name]
    shown = {"caf\udce9.jpg": "caf\\xe9.jpg", "line\nbreak\x1b.jpg": "line\\x0abreak\\x1b.jpg"}
    for name in GOOD:
        assert by[shown.get(name, name)]["verdict"] in ("PM", "not PM", "ungradable — retake")
    return by


def test_predict_one_row_per_file_json_audit_and_xlsx(model_dir, hostile, tmp_path, capfd):
    report = tmp_path / "r.xlsx"
    os.mkfifo(tmp_path / "named.jpg")
    code = main(["predict", "--model", str(model_dir), "--json", "--report", str(report), str(hostile),
                 str(tmp_path / "named.jpg"), str(hostile / "pipe.jpg")])  # FIFOs named on the command line too
    out, err = capfd.readouterr()
    assert code == 2
    rows = [json.loads(line) for line in out.splitlines()]  # pipe.jpg once: it is in the folder given first
    assert rows[-1]["file"].endswith("named.jpg") and "FIFO" in rows[-1]["error"]
    _check_rows(rows[:-1])
    said = err.splitlines()
    assert "Traceback" not in err and len(said) == 3, err  # the model's research warning, the summary, the failures
    assert "research model" in said[0] and "could not be read" in said[-1]
    audit = list(read_entries())
    assert len(audit) == len(rows) and {e["file"] for e in audit} >= {"caf\\xe9.jpg", "line\\x0abreak\\x1b.jpg"}

    import openpyxl

    ws = openpyxl.load_workbook(report)["Results"]
    assert len(ws["A"]) == 1 + len(rows)
    cells = {c.value.rsplit("/", 1)[-1]: c for c in ws["A"][1:]}
    assert cells["=1+2.jpg"].data_type == "s" and cells["line\\x0abreak\\x1b.jpg"].data_type == "s"


def test_predict_csv_report_and_text_output(model_dir, hostile, tmp_path, capfd):
    report = tmp_path / "r.csv"
    code = main(["predict", "--model", str(model_dir), "--report", str(report), str(hostile)])
    out, err = capfd.readouterr()
    assert code == 2 and "Traceback" not in err
    lines = out.splitlines()[1:]
    assert len(lines) == len(GOOD) + len(BAD) and all(line.count("\t") >= 2 for line in lines)
    with open(report, newline="", encoding="utf-8-sig") as f:
        table = list(csv.DictReader(f))
    assert len(table) == len(GOOD) + len(BAD)
    files = [r["file"] for r in table]
    assert all(f.startswith(("'", "/")) for f in files)  # absolute paths; formula-like cells quoted
    assert any(f.endswith("caf\\xe9.jpg") for f in files)
    names = {f.rsplit("/", 1)[-1] for f in files}
    assert "=1+2.jpg" in names  # inside a path it cannot start a formula


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_formula_name_given_alone_is_text(tmp_path, suffix):
    from core.screening.inference import Prediction
    from core.screening.report import open_report

    path = tmp_path / f"r{suffix}"
    with open_report(path, "=HYPERLINK(\"x\")", 0.5) as r:
        for name in ("=1+2.jpg", "-3+4.jpg", "plain.jpg", "a\x01b.jpg"):
            r.add(Prediction(name, error="e"))
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        files, model = [r["file"] for r in rows], rows[0]["model"]
    else:
        import openpyxl

        ws = openpyxl.load_workbook(path)["Results"]
        assert all(c.data_type == "s" for c in ws["A"][1:] + ws["E"][1:])
        files, model = [c.value for c in ws["A"][1:]], ws["E"][1].value
    assert files == ["'=1+2.jpg", "'-3+4.jpg", "plain.jpg", "a\\x01b.jpg"]  # a control character escaped
    assert model == "'=HYPERLINK(\"x\")"


def test_gui_engine_stream_gives_the_same_rows(model_dir, hostile):
    from core.screening.engine_process import stream
    from core.screening.inference import Predictor
    from core.screening.messages import Found

    predictor = Predictor(model_dir, "cpu", 4)
    items = list(stream(predictor, [hostile]))
    assert items[0] == Found(len(GOOD) + len(BAD))
    _check_rows([pred.to_dict() for pred in items[1:]])


def test_evaluate_refuses_what_predict_refuses(model_dir, tmp_path, capfd):
    images = tmp_path / "val"
    rows = []
    for i in range(4):
        write_rgb(images / f"V{i}.jpg", fundus_image(i % 2 == 0, i))
        rows.append((i, f"V{i}.jpg", i % 2))
    write_rgb(images / "tiny.png", np.zeros((1, 1, 3), np.uint8))
    (images / "huge.png").write_bytes(png_claiming(100000, 100000))
    rows += [(8, "tiny.png", 1), (9, "huge.png", 0)]
    labels = write_label_file(tmp_path / "labels.csv", rows)
    code = main(["evaluate", "--model", str(model_dir), "--images", str(images), "--labels", str(labels), "--json"])
    out, err = capfd.readouterr()
    assert code == 0 and json.loads(out)["n"] == 4
    assert "too small to judge" in err and "too large" in err and "Traceback" not in err
    for bad in ("2", "nan", "0", "5e-324"):
        assert main(["evaluate", "--model", str(model_dir), "--images", str(images), "--labels", str(labels),
                     "--threshold", bad]) == 2
        assert "--threshold must be between 0.0001 and 0.9999" in capfd.readouterr().err


def test_unusable_audit_folder_and_report_paths_are_said_before_the_batch(model_dir, tmp_path, capsys,
                                                                           monkeypatch):
    image = write_rgb(tmp_path / "eye.jpg", fundus_image(True, 1))
    (tmp_path / "x.csv").mkdir()
    for extra, message in ((["--report", str(tmp_path / "x.csv")], "is a folder, not a report file"),
                           (["--report", "/proc/r.csv"], "the report cannot be written")):
        assert main(["predict", "--model", "/no/such/model", str(image), *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("PMSCREEN_DATA_DIR", str(blocker))
    assert main(["predict", "--model", "/no/such/model", str(image)]) == 2
    err = capsys.readouterr().err.strip()
    assert "audit log" in err and "cannot be written" in err and len(err.splitlines()) == 1
    fifo_home = tmp_path / "fifo-home"
    (fifo_home / "audit").mkdir(parents=True)
    os.mkfifo(fifo_home / "audit" / "audit.jsonl")  # opening it for writing would block until a reader comes
    monkeypatch.setenv("PMSCREEN_DATA_DIR", str(fifo_home))
    assert main(["predict", "--model", "/no/such/model", str(image)]) == 2
    err = capsys.readouterr().err.strip()
    assert "audit log" in err and "cannot be written" in err and len(err.splitlines()) == 1
    assert main(["predict", "--model", str(model_dir), "--no-audit", str(image)]) == 0


def test_a_linked_sub_folder_is_an_error_row_not_a_silent_gap(tmp_path):
    """Hostile round: batch/today -> ../camera-export held two PM photographs that got no row and no warning, and
    predict exited 0. Links to folders are still not followed (loops), but each is said."""
    from core.screening.inference import Prediction, expand_inputs

    write_rgb(tmp_path / "batch" / "a.jpg", fundus_image(True, 1))
    write_rgb(tmp_path / "camera-export" / "b.jpg", fundus_image(True, 2))
    (tmp_path / "batch" / "today").symlink_to("../camera-export")
    (tmp_path / "batch" / "loop.jpg").symlink_to("loop.jpg")  # a link loop stays a file, whose reading fails
    found = expand_inputs([tmp_path / "batch"])
    rows = {Path(f.path if isinstance(f, Prediction) else f).name: f for f in found}
    assert set(rows) == {"a.jpg", "loop.jpg", "today"} and isinstance(rows["loop.jpg"], Path), rows
    assert isinstance(rows["today"], Prediction) and "a link to a folder, not followed" in rows["today"].error
