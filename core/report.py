"""Batch screening reports: a table (XLSX or CSV) and a PDF (summary page, then one page per image).

Writers take predictions one by one, as ``Predictor.predict_files`` streams them, and keep little in memory:
CSV and XLSX rows are written as they come (openpyxl's write-only mode); the PDF keeps each image's thumbnail and
heatmap overlay as small JPEG files in a temporary folder and lays the pages out on ``close``, when the summary
is known. The PDF is drawn with Qt's own PDF writer (QPdfWriter + QPainter); without a display Qt runs offscreen.

Table columns: file, probability, verdict, quality, model, threshold, time, error. Text cells go through
core.textsafe.cell_text: undecodable bytes and control characters in file names are escaped, and a cell that
would start a formula (``=1+2.jpg``) starts with an apostrophe (OWASP) and is stored as text, never a formula.
``check_writable`` tells before a batch starts whether a report can be written at a path.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

COLUMNS = ("file", "probability", "verdict", "quality", "model", "threshold", "time", "error")
FORMATS = (".xlsx", ".csv", ".pdf")
THUMBNAIL_SIDE = 480  # long side (px) of the pictures kept for the PDF
DISCLAIMER = ("PM Screen is a screening aid, not a diagnosis: every result needs a clinician's review. "
              "Ungradable images should be retaken.")


def percent(p: float) -> str:
    """A probability for people: one decimal, never a flat 0 % or 100 %."""
    if p > 0.999:
        return "> 99.9 %"
    if p < 0.001:
        return "< 0.1 %"
    return f"{100 * p:.1f} %"


def local_time() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def check_writable(path: str | Path) -> Path:
    """``path`` when a report can be written there (known suffix, existing folder, not a folder itself, the
    folder writable); else a ValueError with a one-line reason. Checked before a batch starts."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: report must end in .xlsx, .csv or .pdf")
    parent = path.parent
    if not parent.is_dir():
        raise ValueError(f"{parent}: folder not found")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not a report file")
    if path.exists() and not path.is_file():
        raise ValueError(f"{path}: not a plain file (a report is not written there)")
    probe = parent / f".{path.name}.pmscreen-probe-{os.getpid()}"
    try:
        with open(probe, "x"):
            pass
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        raise ValueError(f"{path}: the report cannot be written ({exc.strerror or exc})") from None
    finally:
        probe.unlink(missing_ok=True)
    return path


def row_for(pred, model: str, threshold: float, when: str | None = None) -> dict:
    from .textsafe import shown

    return {
        "file": shown(pred.path),
        "probability": None if pred.probability is None else round(float(pred.probability), 6),
        "verdict": pred.verdict,
        "quality": getattr(pred, "quality_text", ""),
        "model": model,
        "threshold": threshold,
        "time": when or local_time(),
        "error": pred.error or "",
    }


@dataclass
class Summary:
    model: str
    threshold: float
    model_sha256: str | None = None
    started: str = ""
    counts: Counter | None = None

    def __post_init__(self):
        self.started = self.started or local_time()
        self.counts = Counter()

    def add(self, verdict: str) -> None:
        self.counts[verdict] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class _TableWriter:
    def __init__(self, path: Path, model: str, threshold: float, model_sha256: str | None = None):
        self.path = path
        self.summary = Summary(model, threshold, model_sha256)
        self.rows = 0

    def add(self, pred, when: str | None = None) -> None:
        row = row_for(pred, self.summary.model, self.summary.threshold, when)
        self.summary.add(row["verdict"])
        self._write(row)
        self.rows += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CsvReport(_TableWriter):
    def __init__(self, path, model, threshold, model_sha256=None):
        super().__init__(Path(path), model, threshold, model_sha256)
        self._file = open(self.path, "w", newline="", encoding="utf-8")
        self._csv = csv.DictWriter(self._file, fieldnames=COLUMNS)
        self._csv.writeheader()

    def _write(self, row: dict) -> None:
        from .textsafe import cell_text

        self._csv.writerow({k: "" if v is None else cell_text(v) for k, v in row.items()})
        self._file.flush()

    def close(self) -> Path:
        if not self._file.closed:
            self._file.close()
        return self.path


class XlsxReport(_TableWriter):
    def __init__(self, path, model, threshold, model_sha256=None):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        super().__init__(Path(path), model, threshold, model_sha256)
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet("Results")
        for col, width in zip("ABCDEFGH", (48, 12, 20, 40, 22, 10, 26, 40)):
            self._ws.column_dimensions[col].width = width
        self._ws.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for name in COLUMNS:
            cell = WriteOnlyCell(self._ws, value=name)
            cell.font = bold
            header.append(cell)
        self._ws.append(header)
        self._cell = WriteOnlyCell
        self._closed = False

    def _write(self, row: dict) -> None:
        cells = []
        from .textsafe import cell_text

        for key in COLUMNS:
            value = cell_text(row[key])
            cell = self._cell(self._ws, value=value if value != "" else None)
            if isinstance(value, str) and value:
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            if key == "probability" and value is not None:
                cell.number_format = "0.0000"
            cells.append(cell)
        self._ws.append(cells)

    def close(self) -> Path:
        if self._closed:
            return self.path
        self._closed = True
        self._ws.auto_filter.ref = f"A1:{chr(ord('A') + len(COLUMNS) - 1)}{self.rows + 1}"
        s = self._wb.create_sheet("Summary")
        from .textsafe import cell_text

        for item in _summary_lines(self.summary):
            s.append([cell_text(v) for v in item])
        self._wb.save(self.path)
        return self.path


def _summary_lines(summary: Summary) -> list[tuple[str, object]]:
    from . import __version__
    from .inference import UNGRADABLE

    c = summary.counts
    return [
        ("report", "PM Screen batch screening"),
        ("created", summary.started),
        ("program", f"pmscreen {__version__}"),
        ("model", summary.model),
        ("weights SHA-256", summary.model_sha256 or ""),
        ("threshold", summary.threshold),
        ("images", summary.total),
        ("PM", c["PM"]),
        ("not PM", c["not PM"]),
        (UNGRADABLE, c[UNGRADABLE]),
        ("error", c["error"]),
        ("note", DISCLAIMER),
    ]


# ---------------------------------------------------------------- PDF


def ensure_qt_app():
    """A Qt application for painting (fonts need one); offscreen when there is no display.

    A QApplication, not a bare QGuiApplication: the process may show widgets later (the GUI, pytest-qt), and
    Qt allows one application object per process."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not os.environ.get("QT_QPA_PLATFORM") and not (os.environ.get("DISPLAY") or
                                                          os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(["pmscreen"])
    return app


VERDICT_COLOURS = {"PM": "#c62828", "not PM": "#2e7d32", "error": "#616161"}
UNGRADABLE_COLOUR = "#ef6c00"


@dataclass
class _PdfEntry:
    path: str
    probability: float | None
    verdict: str
    quality: str
    error: str
    time: str
    photo: str | None  # JPEG file in the temporary folder
    heat: str | None


class PdfReport:
    """Summary page, then one page per image: thumbnail, Grad-CAM overlay, probability, verdict, quality."""

    def __init__(self, path, model: str, threshold: float, model_sha256: str | None = None,
                 opacity: float | None = None):
        from .gradcam import DEFAULT_OPACITY

        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"{self.path.parent}: folder not found")
        self.summary = Summary(model, threshold, model_sha256)
        self.opacity = DEFAULT_OPACITY if opacity is None else opacity
        self._tmp = Path(tempfile.mkdtemp(prefix="pmscreen-report-"))
        self._entries: list[_PdfEntry] = []
        self._closed = False

    @property
    def rows(self) -> int:
        return len(self._entries)

    def _keep(self, rgb: np.ndarray, name: str) -> str:
        from .quality import normalise

        if max(rgb.shape[:2]) > THUMBNAIL_SIDE:
            rgb = normalise(rgb, THUMBNAIL_SIDE)
        path = self._tmp / name
        ok = cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
        return str(path) if ok else None

    def add(self, pred, when: str | None = None) -> None:
        from .gradcam import overlay

        row = row_for(pred, self.summary.model, self.summary.threshold, when)
        self.summary.add(row["verdict"])
        i = len(self._entries)
        photo = heat = None
        preview = getattr(pred, "preview", None)
        if preview is not None:
            photo = self._keep(preview, f"{i:06d}-photo.jpg")
            if getattr(pred, "heatmap", None) is not None:
                heat = self._keep(overlay(preview, pred.heatmap, self.opacity), f"{i:06d}-heat.jpg")
        self._entries.append(_PdfEntry(row["file"], row["probability"], row["verdict"], row["quality"],
                                       row["error"], row["time"], photo, heat))

    def close(self) -> Path:
        if self._closed:
            return self.path
        self._closed = True
        try:
            _render_pdf(self.path, self.summary, self._entries)
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return self.path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _qimage(path: str):
    from PySide6.QtGui import QImage

    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _render_pdf(path: Path, summary: Summary, entries: list[_PdfEntry]) -> None:
    ensure_qt_app()
    from PySide6.QtCore import QMarginsF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

    from . import __version__
    from .inference import UNGRADABLE

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(150)
    writer.setTitle("PM Screen screening report")
    writer.setCreator(f"pmscreen {__version__}")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"{path}: cannot write the PDF")
    width, height = writer.width(), writer.height()  # printable area in device pixels (150 dpi)
    pages = 1 + len(entries)

    def font(pt: float, bold: bool = False) -> QFont:
        f = QFont("DejaVu Sans")
        f.setPointSizeF(pt)
        f.setBold(bold)
        return f

    def text(x, y, w, h, s, pt=10.0, bold=False, colour="#212121", flags=None):
        painter.setFont(font(pt, bold))
        painter.setPen(QColor(colour))
        align = flags if flags is not None else (Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop |
                                                 Qt.TextFlag.TextWordWrap)
        painter.drawText(QRectF(x, y, w, h), int(align), s)

    def fit(s: str, w: float, pt: float, mode=Qt.TextElideMode.ElideRight) -> str:
        """``s`` shortened with "…" to fit ``w`` device pixels at ``pt`` points (one line, inside the margin)."""
        return QFontMetricsF(font(pt), writer).elidedText(s, mode, w)

    def footer(page: int):
        painter.setPen(QColor("#9e9e9e"))
        painter.drawLine(0, height - 40, width, height - 40)
        text(0, height - 34, width * 0.75, 34, f"PM Screen · {summary.model} · threshold {summary.threshold:.3f} · "
             f"{summary.started}", 7.5, colour="#757575")
        text(width * 0.75, height - 34, width * 0.25, 34, f"page {page} of {pages}", 7.5, colour="#757575",
             flags=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

    def colour_of(verdict: str) -> str:
        return UNGRADABLE_COLOUR if verdict == UNGRADABLE else VERDICT_COLOURS.get(verdict, "#212121")

    # ---- summary page
    c = summary.counts
    text(0, 0, width, 70, "PM Screen — screening report", 20, True)
    text(0, 70, width, 40, "Pathologic myopia screening of colour fundus photographs", 11, colour="#616161")
    y = 140
    info = [("Created", summary.started), ("Program", f"pmscreen {__version__}"), ("Model", summary.model),
            ("Weights SHA-256", summary.model_sha256 or "–"),
            ("Decision threshold", f"PM when probability ≥ {summary.threshold:.3f}")]
    for k, v in info:
        text(0, y, 300, 30, k, 10, True)
        text(300, y, width - 300, 30, v, 8 if k.startswith("Weights") else 10)  # 64 hex digits fit at 8 pt
        y += 34
    y += 20
    text(0, y, width, 36, "Results", 14, True)
    y += 44
    rows = [("Images", summary.total, "#212121"), ("PM", c["PM"], VERDICT_COLOURS["PM"]),
            ("not PM", c["not PM"], VERDICT_COLOURS["not PM"]), (UNGRADABLE, c[UNGRADABLE], UNGRADABLE_COLOUR),
            ("Could not be read", c["error"], VERDICT_COLOURS["error"])]
    for label, n, colour in rows:
        share = f"{n / summary.total:.0%}" if summary.total and label != "Images" else ""
        text(0, y, 420, 32, label, 11, True, colour)
        text(420, y, 120, 32, str(n), 11, True, colour, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        text(560, y, 120, 32, share, 11, colour="#616161")
        y += 36
    y += 24
    flagged = [e for e in entries if e.verdict == "PM"]
    flagged.sort(key=lambda e: -(e.probability or 0))
    retake = [e for e in entries if e.verdict == UNGRADABLE]
    unreadable = [e for e in entries if e.error]
    line_h = 26
    room = max(0, int((height - 160 - y) // line_h) - 4)
    for title, items, colour, show in (("Called PM (highest probability first)", flagged, VERDICT_COLOURS["PM"],
                                        lambda e: percent(e.probability)),
                                       ("Ungradable — retake", retake, UNGRADABLE_COLOUR, lambda e: e.quality),
                                       ("Could not be read", unreadable, VERDICT_COLOURS["error"], lambda e: e.error)):
        if not items or room <= 1:
            continue
        text(0, y, width, 32, title, 11, True, colour)
        y += 34
        room -= 1
        shown = items[:max(0, room - 1)] if len(items) > room else items
        for e in shown:  # one line each, shortened to its column (the image's page has the whole text)
            text(20, y, width * 0.55 - 30, line_h, fit(Path(e.path).name, width * 0.55 - 30, 8.5,
                                                        Qt.TextElideMode.ElideMiddle), 8.5,
                 flags=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            text(width * 0.55, y, width * 0.45, line_h, fit(show(e) or "", width * 0.45, 8.5), 8.5,
                 colour="#424242", flags=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            y += line_h
        room -= len(shown)
        if len(shown) < len(items):
            text(20, y, width, line_h, f"… and {len(items) - len(shown)} more: see the per-image pages", 8.5,
                 colour="#616161")
            y += line_h
            room -= 1
        y += 12
    text(0, height - 130, width, 80, DISCLAIMER, 8.5, colour="#616161")
    footer(1)

    # ---- one page per image
    half = (width - 40) / 2
    for page, e in enumerate(entries, start=2):
        writer.newPage()
        name = Path(e.path).name
        text(0, 0, width, 44, name, 15, True, flags=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        anywhere = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWrapAnywhere
        text(0, 46, width, 50, e.path, 7.5, colour="#757575", flags=anywhere)  # a long path wraps in the margin
        y = 110
        text(0, y, width, 56, e.verdict, 22, True, colour_of(e.verdict))
        y += 64
        if e.probability is not None:
            text(0, y, width, 34, f"PM probability {percent(e.probability)}  (PM when ≥ {summary.threshold:.1%})",
                 11)
            y += 36
        if e.error:
            text(0, y, width, 70, f"Could not be read: {e.error}", 10, colour=VERDICT_COLOURS["error"], flags=anywhere)
            y += 70
        elif e.quality:
            good = e.quality == "ok"
            text(0, y, width, 60, "Image quality: " + ("gradable" if good else e.quality), 10,
                 colour="#424242" if good else UNGRADABLE_COLOUR)
            y += 40
        text(0, y, width, 30, f"Screened {e.time}", 8.5, colour="#757575")
        y += 50
        for k, (img_path, caption) in enumerate(((e.photo, "Photograph"),
                                                  (e.heat, "Grad-CAM: regions that speak for PM"))):
            if img_path is None:
                continue
            x = k * (half + 40)
            text(x, y, half, 30, caption, 9, True, colour="#424242")
            img = _qimage(img_path)
            if img is None:
                continue
            scale = half / img.width()
            box = QRectF(x, y + 34, half, img.height() * scale)
            painter.drawImage(box, img)
            painter.setPen(QColor("#bdbdbd"))  # a thin frame: a white picture on the white page keeps its edge
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
            if k == 1:  # colour scale of the heatmap
                _colour_bar(painter, x, box.bottom() + 16, half, text)
        footer(page)
    painter.end()


def _colour_bar(painter, x: float, y: float, w: float, text) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage

    from .gradcam import colorize

    ramp = np.ascontiguousarray(np.repeat(colorize(np.linspace(0, 1, 256, dtype=np.float32)[None, :]), 8, axis=0))
    img = QImage(ramp.data, 256, 8, 3 * 256, QImage.Format.Format_RGB888).copy()
    painter.drawImage(QRectF(x, y, w, 16), img)
    painter.setPen(QColor("#9e9e9e"))
    painter.drawRect(QRectF(x, y, w, 16))
    text(x, y + 20, w / 2, 26, "none", 7.5, colour="#757575")
    text(x + w / 2, y + 20, w / 2, 26, "strongest", 7.5, colour="#757575",
         flags=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)


def open_report(path: str | Path, model: str, threshold: float, model_sha256: str | None = None,
                opacity: float | None = None):
    """A report writer chosen by the file's suffix (.xlsx, .csv or .pdf; ``opacity``: of the PDF's heatmaps)."""
    path = check_writable(path)
    kinds = {".xlsx": XlsxReport, ".csv": CsvReport, ".pdf": PdfReport}
    kind = kinds[path.suffix.lower()]
    if kind is PdfReport:
        return PdfReport(path, model, threshold, model_sha256, opacity)
    return kind(path, model, threshold, model_sha256)


def needs_heatmaps(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ".pdf"
