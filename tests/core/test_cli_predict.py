"""``pmscreen predict`` with the clinical workflow: quality gate, reports, heatmaps, audit log, DICOM input."""

import csv
import errno
import json
import os
import re

import cv2
import numpy as np
import pytest

from core.cli import main
from core.screening.audit import read_entries
from tests.synthetic import fundus_image, save_tiny_model, write_rgb


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("m") / "ResNet-18-D", seed=11, name="ResNet-18-D")


@pytest.fixture(autouse=True)
def _shared_engine_cache(tmp_path_factory, monkeypatch):
    # The inference engine is exported once per weights; share the export between this module's tests.
    import core.screening.engine

    cache = tmp_path_factory.getbasetemp() / "engine-cache-cli-predict"
    monkeypatch.setattr(core.screening.engine, "cache_dir", lambda: cache)


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "clinic"
    write_rgb(d / "eye1.jpg", fundus_image(True, 1))
    write_rgb(d / "eye2.png", fundus_image(False, 2))
    write_rgb(d / "sub" / "dark.jpg", np.zeros((224, 224, 3), np.uint8))
    (d / "sub" / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    return d


def test_predict_report_csv_heatmaps_and_audit(model_dir, folder, tmp_path, capsys):
    report, heat = tmp_path / "r.csv", tmp_path / "heat"
    code = main(["predict", "--model", str(model_dir), str(folder), "--report", str(report), "--heatmaps", str(heat),
                 "--json", "--opacity", "0.6"])
    out, err = capsys.readouterr()
    assert code == 2  # one unreadable file; everything else still done
    lines = [json.loads(x) for x in out.splitlines()]
    names = [x["file"].rsplit("/", 1)[-1] for x in lines]
    assert names == ["eye1.jpg", "eye2.png", "broken.jpg", "dark.jpg"]
    by = dict(zip(names, lines))
    assert by["eye1.jpg"]["verdict"] in ("PM", "not PM") and by["eye1.jpg"]["quality"] == "ok"
    assert by["dark.jpg"]["verdict"] == "ungradable — retake" and by["dark.jpg"]["probability"] is None
    assert by["dark.jpg"]["quality"].startswith("too dark")
    assert by["broken.jpg"]["verdict"] == "error"
    assert "4 images" in err and "1 ungradable" in err and "1 unreadable" in err and "images/s" in err
    rows = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert [r["verdict"] for r in rows] == [x["verdict"] for x in lines]
    # a trained run that was never finalized: every row, and the terminal, say its verdicts are for research
    assert rows[0]["model"] == "ResNet-18-D (research model: never finalized, not for patients)"
    assert rows[0]["threshold"] == "0.5" and rows[0]["time"]
    assert "warning: ResNet-18-D: research model: it was never finalized (no model card)" in err
    assert sorted(p.name for p in heat.iterdir()) == ["eye1.heatmap.png", "eye2.heatmap.png"]
    png = cv2.imread(str(heat / "eye1.heatmap.png"))
    assert png.shape == (224, 224, 3)
    entries = list(read_entries())
    assert [e["file"] for e in entries] == names
    assert entries[0]["sha256"] and len(entries[0]["model_sha256"]) == 64
    assert entries[3]["verdict"] == "ungradable — retake" and entries[3]["quality"].startswith("too dark")


def test_a_heatmap_that_cannot_be_written_does_not_stop_the_batch(model_dir, tmp_path, capsys):
    """Hostile round: a legal 250-byte image name plus ".heatmap.png" is too long a file name, and a folder named
    like a heatmap cannot be written over; either stopped the batch at that image with no verdict for the rest."""
    d = tmp_path / "in"
    long_name = "A" + "x" * 245 + ".jpg"
    for i, name in enumerate([long_name, "b.jpg", "c.jpg"]):
        write_rgb(d / name, fundus_image(i % 2 == 0, i))
    heat = tmp_path / "heat"
    (heat / "b.heatmap.png").mkdir(parents=True)  # a folder where b's heatmap goes
    code = main(["predict", "--model", str(model_dir), str(d), "--heatmaps", str(heat), "--no-audit"])
    out, err = capsys.readouterr()
    rows = [line.split("\t") for line in out.splitlines() if not line.startswith("#")]
    assert [r[0].rsplit("/", 1)[-1] for r in rows] == [long_name, "b.jpg", "c.jpg"]  # every image has its verdict
    assert all(r[2] in ("PM", "not PM") for r in rows)
    assert code == 2 and "1 heatmap(s) could not be written" in err
    assert re.search(r"b\.heatmap\.png: cannot write the heatmap of .*b\.jpg", err), err
    written = sorted(p.name for p in heat.iterdir() if p.is_file())
    assert written[0].startswith("Axxx") and len(written[0].encode()) <= 255 and written[1] == "c.heatmap.png"

    latin1 = tmp_path / os.fsdecode(b"cartes-de-chaleur-\xe9t\xe9")  # not UTF-8: cv2.imwrite crashed the process
    assert main(["predict", "--model", str(model_dir), str(d / "c.jpg"), "--heatmaps", str(latin1), "--no-audit"]) == 0
    assert [p.name for p in latin1.iterdir()] == ["c.heatmap.png"]

    beside = tmp_path / "beside"  # heatmaps written into the folder screened, which holds Y.heatmap.png
    write_rgb(beside / "Y.png", fundus_image(True, 7))
    write_rgb(beside / "Y.heatmap.png", fundus_image(False, 8))  # a photograph, whatever its name
    photo = (beside / "Y.heatmap.png").read_bytes()
    for inputs in ([str(beside)], [str(beside / "Y.png"), str(beside / "Y.heatmap.png")]):
        assert main(["predict", "--model", str(model_dir), *inputs, "--heatmaps", str(beside), "--no-audit"]) == 0
        assert (beside / "Y.heatmap.png").read_bytes() == photo  # was replaced by Y.png's overlay
    assert (beside / "Y-2.heatmap.png").is_file() and (beside / "Y.heatmap.heatmap.png").is_file()


def test_predict_pdf_report_and_no_audit(model_dir, folder, tmp_path, capsys):
    report = tmp_path / "r.pdf"
    code = main(["predict", "--model", str(model_dir), str(folder / "eye1.jpg"), str(folder / "sub"),
                 "--report", str(report), "--no-audit"])
    out = capsys.readouterr().out.splitlines()
    assert code == 2 and out[0].startswith("# model ResNet-18-D")
    assert re.match(r".*eye1\.jpg\t[01]\.\d{4}\t(PM|not PM)$", out[1])
    assert re.match(r".*dark\.jpg\t–\tungradable — retake\ttoo dark", out[3])
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", report.read_bytes())
    assert len(pages) == 1 + 3
    assert list(read_entries()) == []


def test_predict_without_the_gate_and_text_output(model_dir, folder, capsys):
    code = main(["predict", "--model", str(model_dir), str(folder / "sub" / "dark.jpg"), "--no-quality-gate"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and re.match(r".*dark\.jpg\t[01]\.\d{4}\t(PM|not PM)$", out[1])


def test_predict_reads_dicom(model_dir, tmp_path, capsys):
    pytest.importorskip("pydicom")
    from tests.synthetic import write_op_dicom

    d = tmp_path / "dicom"
    d.mkdir()
    write_op_dicom(d / "eye.dcm", fundus_image(True, 5), "jpeg")
    assert main(["predict", "--model", str(model_dir), str(d), "--json", "--no-audit"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["file"].endswith("eye.dcm") and line["verdict"] in ("PM", "not PM") and line["quality"] == "ok"


@pytest.mark.parametrize("extra, message", [
    (["--report", "r.docx"], "--report must end in .xlsx, .csv or .pdf"),
    (["--report", "/no/such/folder/r.xlsx"], "folder for --report not found"),
    (["--opacity", "2"], "--opacity must be between 0 and 1"),
])
def test_bad_report_options_exit_2_before_any_work(extra, message, tmp_path, capsys):
    assert main(["predict", "--model", "/no/such/model", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_report_named_as_one_of_the_inputs_is_refused_and_the_input_kept(tmp_path, capsys):
    listed = tmp_path / "to_screen.csv"
    listed.write_text("file\na.jpg\n")
    alias = tmp_path / "same.csv"
    alias.symlink_to(listed)
    for report in (listed, alias):
        assert main(["predict", "--model", "/no/such/model", str(listed), "--report", str(report)]) == 2
        assert "is one of the inputs, which --report would overwrite" in capsys.readouterr().err
    assert listed.read_text() == "file\na.jpg\n"


def _full_after(n, real):
    calls = []

    def write(*args):
        calls.append(1)
        if len(calls) > n:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args)
    return write


def test_a_full_disk_stops_predict_naming_the_file_and_keeps_what_was_done(model_dir, folder, tmp_path, capsys,
                                                                           monkeypatch):
    import core.screening.audit as audit_mod
    from core.screening.report import CsvReport

    out = tmp_path / "reports"
    out.mkdir()
    monkeypatch.setattr(CsvReport, "_write", _full_after(2, CsvReport._write))
    assert main(["predict", "--model", str(model_dir), str(folder), "--report", str(out / "r.csv"),
                 "--no-audit"]) == 2
    err = capsys.readouterr().err
    assert "r.csv: the report cannot be written (No space left on device)" in err  # was a bare "[Errno 28]"
    assert "the report of the 2 images done is" in err
    assert len(list(csv.DictReader((out / "r.interrupted.csv").open(encoding="utf-8-sig")))) == 2
    assert [p.name for p in out.iterdir()] == ["r.interrupted.csv"]

    monkeypatch.setattr(audit_mod, "_write_all", _full_after(1, audit_mod._write_all))
    assert main(["predict", "--model", str(model_dir), str(folder)]) == 2
    assert re.search(r"audit log \S+audit\.jsonl cannot be written \(No space left on device\)",
                     capsys.readouterr().err)


def test_predict_help_mentions_the_new_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["predict", "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for word in ("--report", "--heatmaps", "--no-audit", "--no-quality-gate", "DICOM", "ungradable", "audit log"):
        assert word in text


def test_real_palm_validation_report(palm_root, model_dir, tmp_path, capsys):
    """The issue's acceptance run on the 201 real validation images: a complete XLSX report, none ungradable."""
    import openpyxl

    report = tmp_path / "r.xlsx"
    assert main(["predict", "--model", str(model_dir), str(palm_root / "PALM-Validation400"),
                 "--report", str(report)]) == 0
    rows = list(openpyxl.load_workbook(report)["Results"].iter_rows(values_only=True))
    assert len(rows) == 1 + 201
    assert {r[2] for r in rows[1:]} <= {"PM", "not PM"} and all(r[3] == "ok" for r in rows[1:])
    assert len(list(read_entries())) == 201


def test_python_m_core_says_in_one_line_that_a_pdf_needs_the_application(tmp_path):
    """core draws no PDF (no Qt in core): ``python -m core`` refuses a .pdf report before any work, in one line;
    the pmscreen launcher (gui.launch) registers the Qt painter and writes it."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "core", "predict", "--report", str(tmp_path / "r.pdf"),
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2 and not proc.stdout
    assert proc.stderr.strip().count("\n") == 0 and "run pmscreen" in proc.stderr and ".pdf" in proc.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_the_model_line_shows_the_threshold_as_probabilities_and_the_name_as_safe_text(tmp_path, folder, capsys):
    """Hostile round: model.json's name was printed raw (a newline in it forged a second "# model ..." line with
    another threshold, a right-to-left override reversed text), and the threshold had 3 decimals against the
    probabilities' 4 (0.2849 judged PM under ">= 0.285")."""
    name = "clinic\n# model fake, PM when probability >= 0.950 \u202eevil"
    model = save_tiny_model(tmp_path / "m", seed=11, name=name, threshold=0.28475550667740884)
    assert main(["predict", "--model", str(model), "--no-audit", str(folder / "eye1.jpg")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("# model clinic\\x0a# model fake, PM when probability >= 0.950 \\u202eevil, "
                      "PM when probability >= 0.2848")
    assert out[1].startswith(str(folder / "eye1.jpg")) and len(out) == 2
