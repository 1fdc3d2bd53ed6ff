import csv
import errno
import os
import re
import shutil
import subprocess
import unicodedata

import numpy as np
import pytest

from core.images.quality import QualityResult
from core.screening.inference import UNGRADABLE, Prediction
from core.screening.report import COLUMNS, DISCLAIMER, ReportError, interrupted_name, needs_heatmaps, open_report
from tests.synthetic import fundus_image

OK = QualityResult(True)
DARK = QualityResult(False, "dark", "too dark (mean brightness 3 < 15)")


def _preds():
    heat = np.zeros((7, 7), np.float32)
    heat[1:3, 4:6] = 1.0  # evidence top right
    return [
        Prediction("/eyes/a.jpg", 0.91, True, quality=OK, heatmap=heat, preview=fundus_image(True, 1),
                   sha256="cd" * 32),
        Prediction("/eyes/b.jpg", 0.12, False, quality=OK, heatmap=heat * 0, preview=fundus_image(False, 2)),
        Prediction("/eyes/c.png", quality=DARK, preview=np.zeros((100, 100, 3), np.uint8)),
        Prediction("/eyes/d.jpg", error="the file is empty (0 bytes)"),
    ]


def test_csv_report(tmp_path):
    path = tmp_path / "r.csv"
    with open_report(path, "ResNet-18-D", 0.5, "ab" * 32) as r:
        for p in _preds():
            r.add(p, when="2026-01-01T10:00:00+01:00")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 4
    assert rows[0]["file"] == "/eyes/a.jpg" and float(rows[0]["probability"]) == 0.91 and rows[0]["verdict"] == "PM"
    assert rows[0]["quality"] == "ok" and rows[0]["model"] == "ResNet-18-D" and rows[0]["threshold"] == "0.5"
    assert rows[0]["time"] == "2026-01-01T10:00:00+01:00"
    assert rows[2]["verdict"] == UNGRADABLE and rows[2]["quality"].startswith("too dark")
    assert rows[2]["probability"] == ""
    assert rows[3]["verdict"] == "error" and rows[3]["error"].startswith("the file is empty")
    # the image's own hash: two files whose names print alike stay apart (hostile round, session 19)
    assert rows[0]["sha256"] == "cd" * 32 and rows[3]["sha256"] == ""


def test_xlsx_report(tmp_path):
    import openpyxl

    path = tmp_path / "r.xlsx"
    with open_report(path, "ResNet-18-D", 0.5, "ab" * 32) as r:
        for p in _preds():
            r.add(p)
    wb = openpyxl.load_workbook(path)
    ws = wb["Results"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == COLUMNS and len(rows) == 5
    assert rows[1][:4] == ("/eyes/a.jpg", 0.91, "PM", "ok") and ws["B2"].number_format == "0.0000"
    assert rows[3][1] is None and rows[3][2] == UNGRADABLE and rows[4][7].startswith("the file is empty")
    assert ws.auto_filter.ref == "A1:I5" and ws.freeze_panes == "A2" and rows[1][8] == "cd" * 32
    summary = dict(wb["Summary"].iter_rows(values_only=True))
    assert summary["images"] == 4 and summary["PM"] == 1 and summary["not PM"] == 1
    assert summary[UNGRADABLE] == 1 and summary["error"] == 1 and summary["model SHA-256"] == "ab" * 32


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_pdf_report_has_a_summary_and_one_page_per_image(tmp_path):
    path = tmp_path / "r.pdf"
    assert needs_heatmaps(path) and not needs_heatmaps(tmp_path / "r.xlsx")
    with open_report(path, "ResNet-18-D", 0.5, "ab" * 32) as r:
        for p in _preds():
            r.add(p)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and _pdf_pages(data) == 5
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: page contents not checked")
    pages = {}
    for n in (1, 2, 5):
        out = tmp_path / f"p{n}"
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(n), "-l", str(n), "-singlefile", str(path),
                        str(out)], check=True)
        import cv2

        pages[n] = cv2.cvtColor(cv2.imread(str(out) + ".png"), cv2.COLOR_BGR2RGB).astype(int)
    page2 = pages[2]
    h, w = page2.shape[:2]
    photo = page2[int(h * 0.25):int(h * 0.55), : w // 2]
    heat = page2[int(h * 0.25):int(h * 0.55), w // 2:]
    orange = (photo[..., 0] > 120) & (photo[..., 2] < 90) & (photo[..., 0] - photo[..., 2] > 80)
    assert orange.mean() > 0.05  # the fundus thumbnail is drawn
    red = (heat[..., 0] > 150) & (heat[..., 1] < 80) & (heat[..., 2] < 80)
    blue = (heat[..., 2] > 120) & (heat[..., 0] < 80)
    assert red.any() and blue.any()  # and the heatmap overlay beside it
    verdict = page2[int(h * 0.1):int(h * 0.2), : w // 2]
    assert ((verdict[..., 0] > 150) & (verdict[..., 1] < 90)).any()  # "PM" in red
    assert (pages[5] < 250).mean() < 0.05  # the error page: text only, no pictures


def test_bad_report_paths(tmp_path):
    with pytest.raises(ValueError, match=r"\.xlsx, \.csv or \.pdf"):
        open_report(tmp_path / "r.docx", "m", 0.5)
    with pytest.raises(ValueError, match="folder not found"):
        open_report(tmp_path / "nowhere" / "r.pdf", "m", 0.5)


def test_percent_never_says_0_or_100():
    from core.screening.report import percent

    assert [percent(p) for p in (0.0, 0.0004, 0.5, 0.9584, 0.9996, 1.0)] == \
        ["< 0.1 %", "< 0.1 %", "50.0 %", "95.8 %", "> 99.9 %", "> 99.9 %"]


def test_pdf_summary_lists_unreadable_files_keeps_text_in_the_margin_and_frames_pictures(tmp_path, monkeypatch):
    """What the PDF painter draws: every summary line inside the printable width (long reasons shortened, the
    whole text on the image's page), unreadable files listed on the summary page, a frame around each picture
    (a white photograph on the white page keeps its edge)."""
    from gui.pdf_report import ensure_qt_app

    ensure_qt_app()
    import PySide6.QtGui as QtGui
    from PySide6.QtCore import QRectF

    drawn = []  # ("page",) | ("text", rect, string, width) | ("rect", rect)
    page_width = []

    class Writer(QtGui.QPdfWriter):
        def newPage(self):
            drawn.append(("page",))
            return super().newPage()

    class Painter(QtGui.QPainter):
        def begin(self, device):
            page_width.append(device.width())
            return super().begin(device)

        def drawText(self, *args):
            if isinstance(args[0], QRectF):
                rect, _, s = args[0], args[1], args[2]
                drawn.append(("text", rect, s, QtGui.QFontMetricsF(self.font(), self.device()).horizontalAdvance(s)))
            return super().drawText(*args)

        def drawRect(self, *args):
            drawn.append(("rect", args[0]))
            return super().drawRect(*args)

    monkeypatch.setattr(QtGui, "QPdfWriter", Writer)
    monkeypatch.setattr(QtGui, "QPainter", Painter)
    long_reason = "too dark (mean brightness 3 < 40; " + "and a great deal more to say about it " * 6 + ")"
    dark = DARK.__class__(False, DARK.code, long_reason, {})
    preds = [Prediction("/eyes/white.png", 0.2, False, quality=OK, preview=np.full((80, 80, 3), 255, np.uint8)),
             Prediction("/eyes/dim.png", quality=dark, preview=np.zeros((80, 80, 3), np.uint8)),
             Prediction("/eyes/broken.jpg", error="not a readable image (unknown format or corrupt data)")]
    path = tmp_path / "r.pdf"
    with open_report(path, "ResNet-18-D", 0.5, "ab" * 32) as r:
        for p in preds:
            r.add(p)
    width = page_width[0]
    first_page = drawn[:next(i for i, d in enumerate(drawn) if d[0] == "page")]
    texts = [d for d in first_page if d[0] == "text"]
    strings = [d[2] for d in texts]
    assert "Could not be read" in strings and "broken.jpg" in strings  # the unreadable file is listed
    assert any(s.startswith("too dark (mean brightness 3 < 40") and s.endswith("…") for s in strings)
    for _, rect, s, advance in texts:
        assert rect.right() <= width + 0.5, s
        if "\n" not in s and rect.height() < 40 and s not in (DISCLAIMER,):
            assert advance <= rect.width() + 1, s  # one-line text fits its box: nothing runs past the margin
    frames = [d[1] for d in drawn if d[0] == "rect"]
    assert len([f for f in frames if f.width() > 200]) >= 2  # the white photograph's page and the dark one's


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_interrupted_batch_leaves_the_previous_report_and_keeps_its_own_beside(tmp_path, suffix):
    """A report is written under a temporary name and takes its place only when complete: Ctrl+C in a batch had
    emptied the previous report of that name (CSV) or replaced it with a partial one that did not say so."""
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    path = tmp_path / f"r{suffix}"
    with open_report(path, "M", 0.5) as r:
        r.add(_preds()[0])
    before = path.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        with open_report(path, "M", 0.5) as r:
            r.add(_preds()[1])
            assert path.read_bytes() == before  # while the batch runs too
            raise KeyboardInterrupt
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, f"r.interrupted{suffix}"])  # no temp
    assert r.path == tmp_path / f"r.interrupted{suffix}" and r.rows == 1

    r = open_report(path, "M", 0.5)
    r.add(_preds()[2])
    r.discard()  # the GUI's Cancel
    assert path.read_bytes() == before and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device that is always full)")
def test_a_full_disk_names_the_report_and_keeps_the_rows_written_before(tmp_path):
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    path = tmp_path / "r.csv"
    r = open_report(path, "M", 0.5)
    r.add(_preds()[0])
    full = open("/dev/full", "w", newline="", encoding="utf-8")  # every flush fails: "No space left on device"
    r._file.close()
    r._file, r._csv = full, csv.DictWriter(full, fieldnames=COLUMNS)
    with pytest.raises(ReportError, match=r"r\.csv: the report cannot be written \(No space left on device\)"):
        r.add(_preds()[1])
    assert r.rows == 1
    with pytest.raises(ReportError, match=r"the rows written before \(1\) are in .*r\.interrupted\.csv"):
        r.close(complete=False)
    kept = list(csv.DictReader((tmp_path / "r.interrupted.csv").open(encoding="utf-8-sig")))
    assert len(kept) == 1 and not path.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r.interrupted.csv"]  # no hidden temporary file left


def test_a_pdf_that_a_full_disk_left_empty_is_an_error_not_a_report(tmp_path, monkeypatch):
    """Hostile round: on a full disk Qt's PDF writer wrote 0 bytes, said nothing, and predict exited 0 with
    "report r.pdf"."""
    import core.screening.report as report_mod

    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    monkeypatch.setattr(report_mod, "_PDF_RENDERERS", [lambda path, summary, entries: path.write_bytes(b"")])
    r = open_report(tmp_path / "r.pdf", "M", 0.5)
    r.add(_preds()[0])
    with pytest.raises(ReportError, match=r"r\.pdf: the report cannot be written \(the PDF came out incomplete"):
        r.close()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(report_mod, "_PDF_RENDERERS", [lambda path, summary, entries: path.write_bytes(
        b"%PDF-1.4\n...\n%%EOF\n")])
    with open_report(tmp_path / "r.pdf", "M", 0.5) as r:
        r.add(_preds()[0])
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]


def test_a_picture_a_full_disk_cut_is_not_left_behind(tmp_path, monkeypatch):
    from pathlib import Path

    from core.images.imageio import write_image

    real = Path.write_bytes

    def full(self, data):
        real(self, data[:10])  # the disk filled up part-way
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(Path, "write_bytes", full)
    assert not write_image(tmp_path / "h.png", np.zeros((8, 8, 3), np.uint8))
    assert not (tmp_path / "h.png").exists()


def test_an_interrupted_report_with_a_long_name_is_kept_under_a_shortened_one(tmp_path):
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    stem = "é" * 124 + "x"  # 253 bytes with ".csv": a legal name, but not with ".interrupted" added
    path = tmp_path / f"{stem}.csv"
    assert interrupted_name(path).name == "é" * 119 + ".interrupted.csv"  # cut between characters, not bytes
    with pytest.raises(KeyboardInterrupt):
        with open_report(path, "M", 0.5) as r:
            r.add(_preds()[0])
            raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == [interrupted_name(path).name]


def test_a_csv_report_opens_in_excel_as_utf8(tmp_path):
    path = tmp_path / "r.csv"
    with open_report(path, "ResNet-18-D × 2 — test", 0.5) as r:
        r.add(_preds()[0])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads a CSV without it in the locale's code page
    assert "ResNet-18-D × 2 — test" in path.read_text(encoding="utf-8-sig")


def test_a_report_name_near_the_length_limit_can_be_written(tmp_path):
    path = tmp_path / ("a" * (250 - len(".csv")) + ".csv")  # the probe and temporary names are short
    with open_report(path, "M", 0.5) as r:
        r.add(_preds()[0])
    assert path.is_file()


def test_a_report_path_that_is_a_dangling_link_is_refused_in_words(tmp_path):
    from core.screening.report import check_writable

    link = tmp_path / "dangling.csv"
    link.symlink_to(tmp_path / "nowhere" / "r.csv")
    with pytest.raises(ValueError, match="dangling.csv: a link to a missing file"):
        check_writable(link)


@pytest.mark.parametrize("reason, note", [
    ("never finalized", "Research model: it was never finalized (no model card)"),
    ("its model card is not sealed", "Research model: its model card is not covered by its seal"),
])
def test_a_research_models_reports_say_so(tmp_path, reason, note):
    """GUI round: a PDF from a model never finalized looked like one from the validated model. A model whose card
    the seal does not cover is a research model too, and its reports say why."""
    texts = {}
    for research in ("", reason):
        path = tmp_path / f"r-{bool(research)}.pdf"
        with open_report(path, "ResNet-18-D", 0.5, "ab" * 32, research=research) as r:
            for p in _preds():
                r.add(p)
        with open_report(tmp_path / f"r-{bool(research)}.csv", "ResNet-18-D", 0.5, research=research) as r:
            r.add(_preds()[0])
        row = next(csv.DictReader((tmp_path / f"r-{bool(research)}.csv").open(encoding="utf-8-sig")))
        assert row["model"] == (f"ResNet-18-D (research model: {reason}, not for patients)" if research
                                else "ResNet-18-D")
        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext (poppler-utils) is not installed: page contents not checked")
        text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        texts[research] = " ".join(unicodedata.normalize("NFKC", text).split())  # the font's "ﬁ" ligature
    assert note in texts[reason]
    assert "Research model" not in texts[""]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_both_tables_give_the_threshold_as_they_give_probabilities(tmp_path, kind):
    """GUI round: the CSV wrote a fitted threshold's 17 digits (0.28475550667740884), the XLSX showed 9."""
    import openpyxl

    path = tmp_path / f"r.{kind}"
    with open_report(path, "ResNet-18-D", 0.28475550667740884) as r:
        r.add(Prediction("/eyes/a.jpg", 0.2847556, True, quality=OK))
    if kind == "csv":
        row = next(csv.DictReader(path.open(encoding="utf-8-sig")))
        cells = row["probability"], row["threshold"]
        assert cells == ("0.284756", "0.284756")
    else:
        wb = openpyxl.load_workbook(path)
        row = dict(zip(COLUMNS, next(wb["Results"].iter_rows(min_row=2, values_only=True))))
        assert (row["probability"], row["threshold"]) == (0.284756, 0.284756)
        assert dict(wb["Summary"].iter_rows(values_only=True))["threshold"] == 0.284756
