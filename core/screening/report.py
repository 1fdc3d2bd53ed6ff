"""Batch screening reports: a table (XLSX or CSV) and a PDF (summary page, then one page per image).

Writers take predictions one by one, as ``Predictor.predict_files`` streams them, and keep little in memory:
CSV and XLSX rows are written as they come (openpyxl's write-only mode); the PDF keeps each image's thumbnail and
heatmap overlay as small JPEG files in a temporary folder and lays the pages out on ``close``, when the summary
is known. The PDF is drawn by a registered renderer: the application's
Qt painter (gui.pdf_report), which the pmscreen launcher registers; core itself never imports Qt.

Table columns: file, probability, verdict, quality, model, threshold, time, error, sha256 (of the image file).
Text cells go through core.images.textsafe.cell_text: undecodable bytes and control characters in file names are
escaped, and a cell that would start a formula (``=1+2.jpg``) starts with an apostrophe (OWASP) and is stored as
text, never a formula.
``check_writable`` tells before a batch starts whether a report can be written at a path.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import itertools
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..images.imageio import write_image
from ..images.textsafe import cut_stem, shown
from ..store.modelio import CARD_NOT_SEALED

# sha256: the image file's; two files whose names print alike (a raw byte and its escape) stay apart
COLUMNS = ("file", "probability", "verdict", "quality", "model", "threshold", "time", "error", "sha256")
FORMATS = (".xlsx", ".csv", ".pdf")
THUMBNAIL_SIDE = 480  # long side (px) of the pictures kept for the PDF
DISCLAIMER = ("PM Screen is a screening aid, not a diagnosis: every result needs a clinician's review. "
              "Ungradable images should be retaken.")
RESEARCH_NOTES = {  # by core.store.modelio.research_reason
    "never finalized": "Research model: it was never finalized (no model card), so its threshold and figures come "
                       "from its own training run and nothing records what it is fit for. These verdicts are for "
                       "research, not for patients.",
    CARD_NOT_SEALED: "Research model: its model card is not covered by its seal (added or changed by hand, or "
                     "written before PM Screen sealed cards), so nothing vouches for its threshold and figures. "
                     "These verdicts are for research, not for patients.",
}


def research_mark(reason: str) -> str:
    """Beside a research model's name in every row of a report."""
    return f"research model: {reason}, not for patients"


def research_note(reason: str) -> str:
    """What a research model is, said once (the PDF's first page, predict's warning)."""
    return RESEARCH_NOTES.get(reason, f"Research model: {reason}. These verdicts are for research, not for patients.")


def percent(p: float) -> str:
    """A probability for people: one decimal, never a flat 0 % or 100 %."""
    if p > 0.999:
        return "> 99.9 %"
    if p < 0.001:
        return "< 0.1 %"
    return f"{100 * p:.1f} %"


def local_time() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


class ReportError(ValueError):
    """A report that cannot be written or kept; ``str()`` is one line naming the file and why."""


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
    if path.is_symlink() and not path.exists():
        raise ValueError(f"{path}: a link to a missing file (or a loop of links); the report is not written there")
    if path.exists() and not path.is_file():
        raise ValueError(f"{path}: not a plain file (a report is not written there)")
    probe = _beside(path, "probe")  # a short name: the report's own may be near the length limit
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


_staged = itertools.count()


def _beside(path: Path, what: str) -> Path:
    """A hidden temporary name in the report's folder (same file system: the rename is atomic)."""
    return path.parent / f".pmscreen-{what}-{os.getpid()}-{next(_staged)}{path.suffix.lower()}"


def interrupted_name(path: Path) -> Path:
    """Where the report of an interrupted batch is kept: NAME.interrupted.EXT beside the one it did not replace,
    NAME shortened when the whole would pass the 255 bytes a file name may have."""
    tail = f".interrupted{path.suffix}"
    return path.with_name(cut_stem(path.stem, tail) + tail)


class _Staged:
    """A report is written under a temporary name beside its place and takes that place only when complete:
    an interrupted batch never empties or replaces the previous report of that name; what it did is kept as
    NAME.interrupted.EXT (``close(complete=False)``), and ``discard`` drops it."""

    def _stage(self, path: Path) -> None:
        self.path = path
        self.partial = _beside(path, "report")

    def _publish(self, complete: bool) -> Path:
        target = self.path if complete else interrupted_name(self.path)
        try:
            os.replace(self.partial, target)
        except OSError as exc:
            raise ReportError(f"{shown(target)}: the report cannot be kept there ({exc.strerror or exc}); "
                              f"its rows are in {shown(self.partial)}") from None
        self.path = target
        return target

    def discard(self) -> None:
        """Drop an unfinished report (its temporary file); the previous one of its name stays as it was."""
        self._closed = True
        self._drop()
        self.partial.unlink(missing_ok=True)

    def _drop(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, kind, *exc):
        self.close(complete=kind is None)


def _six(x: float) -> float:
    """A probability or threshold as every table shows it: CSV wrote the threshold's 17 digits, XLSX showed 9
    (rounding is monotone, so a rounded probability never falls on the other side of the rounded threshold)."""
    return round(float(x), 6)


def row_for(pred, model: str, threshold: float, when: str | None = None) -> dict:
    from ..images.textsafe import shown

    return {
        "file": shown(pred.path),
        "probability": None if pred.probability is None else _six(pred.probability),
        "verdict": pred.verdict,
        "quality": getattr(pred, "quality_text", ""),
        "model": model,
        "threshold": _six(threshold),
        "time": when or local_time(),
        "error": pred.error or "",
        "sha256": getattr(pred, "sha256", None) or "",
    }


@dataclass
class Summary:
    model: str
    threshold: float
    model_sha256: str | None = None
    started: str = ""
    counts: Counter = field(default_factory=Counter)  # images per verdict
    research: str = ""  # why the model's verdicts are for research (core.store.modelio.research_reason)

    def __post_init__(self):
        self.started = self.started or local_time()

    def add(self, verdict: str) -> None:
        self.counts[verdict] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class _TableWriter(_Staged):
    def __init__(self, path: Path, model: str, threshold: float, model_sha256: str | None = None):
        self._stage(path)
        self.summary = Summary(model, threshold, model_sha256)
        self.rows = 0
        self._closed = False

    def add(self, pred, when: str | None = None) -> None:
        row = row_for(pred, self.summary.model, self.summary.threshold, when)
        try:
            self._write(row)
        except OSError as exc:  # a full disk said "[Errno 28]" and named no file
            raise ReportError(f"{shown(self.path)}: the report cannot be written ({exc.strerror or exc})") from None
        self.summary.add(row["verdict"])
        self.rows += 1


class CsvReport(_TableWriter):
    def __init__(self, path, model, threshold, model_sha256=None):
        super().__init__(Path(path), model, threshold, model_sha256)
        # with a byte-order mark: Excel on Windows reads a CSV without one in the locale's code page (mojibake)
        self._file = open(self.partial, "w", newline="", encoding="utf-8-sig")
        self._csv = csv.DictWriter(self._file, fieldnames=COLUMNS)
        self._csv.writeheader()

    def _write(self, row: dict) -> None:
        from ..images.textsafe import cell_text

        self._csv.writerow({k: "" if v is None else cell_text(v) for k, v in row.items()})
        self._file.flush()

    def close(self, complete: bool = True) -> Path:
        if self._closed:
            return self.path
        self._closed = True
        try:
            self._file.close()
        except OSError as exc:  # the last rows could not be flushed (a full disk): the rows written before are kept
            wanted, why = self.path, exc.strerror or exc
            if not self.rows:
                self.partial.unlink(missing_ok=True)
                raise ReportError(f"{shown(wanted)}: the report cannot be written ({why}); no row was") from None
            raise ReportError(f"{shown(wanted)}: the report cannot be written ({why}); the rows written before "
                              f"({self.rows}) are in {shown(self._publish(False))}") from None
        return self._publish(complete)

    def _drop(self) -> None:
        self._file.close()


class XlsxReport(_TableWriter):
    def __init__(self, path, model, threshold, model_sha256=None):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        super().__init__(Path(path), model, threshold, model_sha256)
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet("Results")
        for col, width in zip("ABCDEFGHI", (48, 12, 20, 40, 22, 10, 26, 40, 66)):
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
        from ..images.textsafe import cell_text

        for key in COLUMNS:
            value = cell_text(row[key])
            cell = self._cell(self._ws, value=value if value != "" else None)
            if isinstance(value, str) and value:
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            if key in ("probability", "threshold") and value is not None:
                cell.number_format = "0.0000"  # both alike: a probability never shows above the shown threshold
            cells.append(cell)
        self._ws.append(cells)

    def close(self, complete: bool = True) -> Path:
        if self._closed:
            return self.path
        self._closed = True
        self._ws.auto_filter.ref = f"A1:{chr(ord('A') + len(COLUMNS) - 1)}{self.rows + 1}"
        s = self._wb.create_sheet("Summary")
        from ..images.textsafe import cell_text

        for item in _summary_lines(self.summary):
            s.append([cell_text(v) for v in item])
        # Made in memory, then written: saved straight to a full disk, openpyxl's zip file failed again when
        # collected and printed tracebacks after the message
        buffer = io.BytesIO()
        self._wb.save(buffer)
        try:
            self.partial.write_bytes(buffer.getvalue())
        except OSError as exc:  # a workbook is written whole at the end: nothing of it can be kept
            self.partial.unlink(missing_ok=True)
            raise ReportError(f"{shown(self.path)}: the report cannot be written ({exc.strerror or exc})") from None
        return self._publish(complete)

    def _drop(self) -> None:
        self._ws.close()  # ends the write-only sheet's writer (else it fails when collected)


def _summary_lines(summary: Summary) -> list[tuple[str, object]]:
    from core import __version__

    from .inference import UNGRADABLE

    c = summary.counts
    return [
        ("report", "PM Screen batch screening"),
        ("created", summary.started),
        ("program", f"pmscreen {__version__}"),
        ("model", summary.model),
        # a single-network folder: its weights'; a folder of members (even of one): core.store.members.model_sha256
        ("model SHA-256", summary.model_sha256 or ""),
        ("threshold", _six(summary.threshold)),
        ("images", summary.total),
        ("PM", c["PM"]),
        ("not PM", c["not PM"]),
        (UNGRADABLE, c[UNGRADABLE]),
        ("error", c["error"]),
        ("note", DISCLAIMER),
    ]


# ---------------------------------------------------------------- PDF


PDF_NEEDS_APP = "PDF reports are drawn by the application's Qt painter: run pmscreen (not python -m core) for a .pdf"
_PDF_RENDERERS: list = []  # the renderer that the application registers (gui.pdf_report); core draws no PDF itself


def register_pdf_renderer(render) -> None:
    """``render(path, summary, entries)`` writes the PDF of a PdfReport: the launcher registers Qt's painter."""
    _PDF_RENDERERS[:] = [render]


def pdf_available() -> bool:
    return bool(_PDF_RENDERERS)


def _pdf_renderer():
    if not _PDF_RENDERERS:
        raise ValueError(PDF_NEEDS_APP)
    return _PDF_RENDERERS[0]


@dataclass
class PdfEntry:
    path: str
    probability: float | None
    verdict: str
    quality: str
    error: str
    time: str
    photo: str | None  # JPEG file in the temporary folder
    heat: str | None


class PdfReport(_Staged):
    """Summary page, then one page per image: thumbnail, Grad-CAM overlay, probability, verdict, quality."""

    def __init__(self, path, model: str, threshold: float, model_sha256: str | None = None,
                 opacity: float | None = None):
        from .gradcam import DEFAULT_OPACITY

        self._stage(Path(path))
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"{self.path.parent}: folder not found")
        self.summary = Summary(model, threshold, model_sha256)
        self.opacity = DEFAULT_OPACITY if opacity is None else opacity
        self._tmp = Path(tempfile.mkdtemp(prefix="pmscreen-report-"))
        self._entries: list[PdfEntry] = []
        self._closed = False

    @property
    def rows(self) -> int:
        return len(self._entries)

    def _keep(self, rgb: np.ndarray, name: str) -> str:
        from ..images.quality import normalise

        if max(rgb.shape[:2]) > THUMBNAIL_SIDE:
            rgb = normalise(rgb, THUMBNAIL_SIDE)
        path = self._tmp / name
        ok = write_image(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), (cv2.IMWRITE_JPEG_QUALITY, 88))
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
        self._entries.append(PdfEntry(row["file"], row["probability"], row["verdict"], row["quality"],
                                       row["error"], row["time"], photo, heat))

    def close(self, complete: bool = True) -> Path:
        if self._closed:
            return self.path
        self._closed = True
        try:
            _pdf_renderer()(self.partial, self.summary, self._entries)
        finally:
            self._drop()
        if not _whole_pdf(self.partial):  # Qt's PDF writer says nothing of a full disk: a 0-byte "report"
            self.partial.unlink(missing_ok=True)
            raise ReportError(f"{shown(self.path)}: the report cannot be written (the PDF came out incomplete; is "
                              "the disk full?)")
        return self._publish(complete)

    def _drop(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)  # its pictures


def _whole_pdf(path: Path) -> bool:
    """The file ends as a PDF ends (its %%EOF marker, in the last kilobyte)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - 1024))
            return b"%%EOF" in f.read()
    except OSError:
        return False


def open_report(path: str | Path, model: str, threshold: float, model_sha256: str | None = None,
                opacity: float | None = None, research: str = ""):
    """A report writer chosen by the file's suffix (.xlsx, .csv or .pdf; ``opacity``: of the PDF's heatmaps).
    ``research``: why the model's verdicts are for research, not patients (never finalized, or its card is not
    sealed); every row names it so, and the PDF says what that means."""
    path = check_writable(path)
    kinds = {".xlsx": XlsxReport, ".csv": CsvReport, ".pdf": PdfReport}
    if kinds[path.suffix.lower()] is PdfReport:
        _pdf_renderer()  # no painter: said before the batch, not after it
    kind = kinds[path.suffix.lower()]
    if research:
        model = f"{model} ({research_mark(research)})"
    report = (PdfReport(path, model, threshold, model_sha256, opacity) if kind is PdfReport
              else kind(path, model, threshold, model_sha256))
    report.summary.research = research
    return report


def needs_heatmaps(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ".pdf"
