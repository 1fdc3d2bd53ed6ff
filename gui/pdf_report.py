"""The PDF of a batch report, drawn with Qt's own PDF writer (QPdfWriter + QPainter): summary page, then one page
per image. core.screening.report collects the entries; ``register`` makes this painter its PDF renderer (the
pmscreen launcher and the GUI call it). Without a display Qt runs offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from core.screening.names import file_labels
from core.screening.report import DISCLAIMER, PdfEntry, Summary, percent, register_pdf_renderer, research_note

from .palette import ERROR_COLOR, NON_PM_COLOR, PM_COLOR, UNGRADABLE_COLOR
from .qimages import to_qimage


def register() -> None:
    register_pdf_renderer(render_pdf)


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


# The application's verdict palette (gui.thumbnails), as the table and the detail panel show it.
VERDICT_COLOURS = {"PM": PM_COLOR.name(), "not PM": NON_PM_COLOR.name(), "error": ERROR_COLOR.name()}
UNGRADABLE_COLOUR = UNGRADABLE_COLOR.name()


def _qimage(path: str):
    try:  # not cv2.imread: OpenCV crashes on a path that is not UTF-8 (a TMPDIR named in other bytes)
        bgr = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    except (OSError, cv2.error):
        bgr = None
    if bgr is None:
        return None
    return to_qimage(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def render_pdf(path: Path, summary: Summary, entries: list[PdfEntry]) -> None:
    ensure_qt_app()
    from PySide6.QtCore import QMarginsF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

    from core import __version__
    from core.screening.inference import UNGRADABLE

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
    threshold_text = f"{summary.threshold:.1%}"  # as the application shows it (Diagnosis view: 32.7%)

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

    def wrapped(s: str, w: float, pt: float, bold: bool = False) -> float:
        """The height ``s`` takes, word-wrapped to ``w`` device pixels at ``pt`` points."""
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        return QFontMetricsF(font(pt, bold), writer).boundingRect(QRectF(0, 0, w, 10 * height), int(flags), s).height()

    def fit(s: str, w: float, pt: float, mode=Qt.TextElideMode.ElideRight, bold: bool = False) -> str:
        """``s`` shortened with "…" to fit ``w`` device pixels at ``pt`` points (one line, inside the margin),
        measured in the font it is drawn in (a bold title measured plain ran past the page's edge)."""
        return QFontMetricsF(font(pt, bold), writer).elidedText(s, mode, w)

    def footer(page: int):
        painter.setPen(QColor("#9e9e9e"))
        painter.drawLine(0, height - 40, width, height - 40)
        text(0, height - 34, width * 0.75, 34, f"PM Screen · {summary.model} · threshold {threshold_text} · "
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
    if summary.research:  # as tall as its words need (a fixed box cut the longer note's last line)
        note = research_note(summary.research)
        h = wrapped(note, width, 10, True)
        text(0, y, width, h, note, 10, True, VERDICT_COLOURS["error"])
        y += h + 14
    info = [("Created", summary.started), ("Program", f"pmscreen {__version__}"), ("Model", summary.model),
            ("Model SHA-256", summary.model_sha256 or "–"),  # the audit log's model hash (core.store.members)
            ("Decision threshold", f"PM when probability ≥ {threshold_text}")]
    for k, v in info:
        pt = 8 if k.endswith("SHA-256") else 10  # 64 hex digits fit at 8 pt
        h = max(30.0, wrapped(v, width - 300, pt))  # a research model's name takes two lines
        text(0, y, 300, 30, k, 10, True)
        text(300, y, width - 300, h, v, pt)
        y += h + 4
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
    named = file_labels([e.path for e in entries])  # as the Diagnosis table names them
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
            text(20, y, width * 0.55 - 30, line_h, fit(named[e.path], width * 0.55 - 30, 8.5,
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
        title = fit(named[e.path], width, 15, Qt.TextElideMode.ElideLeft, bold=True)  # the file name stays whole
        text(0, 0, width, 44, title, 15, True, flags=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        anywhere = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWrapAnywhere
        text(0, 46, width, 50, e.path, 7.5, colour="#757575", flags=anywhere)  # a long path wraps in the margin
        y = 110
        text(0, y, width, 56, e.verdict, 22, True, colour_of(e.verdict))
        y += 64
        if e.probability is not None:
            text(0, y, width, 34, f"PM probability {percent(e.probability)}  (PM when ≥ {threshold_text})", 11)
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
        for k, (img_path, caption) in enumerate(((e.photo, "Photograph"), (e.heat, heat_caption(e.verdict)))):
            if img_path is None:
                continue
            x = k * (half + 40)
            text(x, y, half, 56, caption, 9, True, colour="#424242")  # two lines at most
            img = _qimage(img_path)
            if img is None:
                continue
            scale = half / img.width()
            box = QRectF(x, y + 60, half, img.height() * scale)
            painter.drawImage(box, img)
            painter.setPen(QColor("#bdbdbd"))  # a thin frame: a white picture on the white page keeps its edge
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
            if k == 1:  # colour scale of the heatmap
                _colour_bar(painter, x, box.bottom() + 16, half, text)
        footer(page)
    painter.end()


def heat_caption(verdict: str) -> str:
    """What a page's Grad-CAM overlay shows: the regions that raised the PM score most, which for an image judged
    not PM are no signs of PM (the score stayed below the threshold)."""
    if verdict == "PM":
        return "Grad-CAM: regions that raised the PM score most (score at or above the threshold)"
    return "Grad-CAM: regions that raised the PM score most; the score stayed below the threshold"


def _colour_bar(painter, x: float, y: float, w: float, text) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor

    from core.screening.gradcam import colorize

    img = to_qimage(np.repeat(colorize(np.linspace(0, 1, 256, dtype=np.float32)[None, :]), 8, axis=0))
    painter.drawImage(QRectF(x, y, w, 16), img)
    painter.setPen(QColor("#9e9e9e"))
    painter.drawRect(QRectF(x, y, w, 16))
    text(x, y + 20, w / 2, 26, "none", 7.5, colour="#757575")
    text(x + w / 2, y + 20, w / 2, 26, "strongest", 7.5, colour="#757575",
         flags=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
