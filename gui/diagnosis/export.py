"""Writing the Diagnosis view's results as an XLSX, CSV or PDF report (core.screening.report) on a worker thread,
and the audit log as CSV; ``Exporter`` asks where (the save dialogs) and runs them.

The rows are a snapshot taken on the UI thread. A PDF shows each image's photograph and Grad-CAM overlay: the
file is decoded once more (reduced, like the diagnosis) and its heatmap taken from the view's cache or computed
from that decoded picture in small batches (by the batch's engine when it is still there). A cancelled export
leaves no partial file behind.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from core.screening.report import FORMATS

from .. import settings, tasks
from ..heatmaps import HeatmapService

BATCH = 8


def report_format(path: str | Path, chosen_filter: str = "") -> Path:
    """``path`` with a report suffix: its own when it has one, else the one of the chosen dialog filter
    (e.g. "PDF report (*.pdf)"), else .xlsx."""
    path = Path(path)
    if path.suffix.lower() in FORMATS:
        return path
    for suffix in FORMATS:
        if f"*{suffix}" in chosen_filter:
            return path.with_name(path.name + suffix)
    return path.with_name(path.name + ".xlsx")


def _pictures(rows, heatmaps: HeatmapService, engine, cancel: threading.Event):
    """(row, preview, heatmap) for a chunk of rows: a picture for each readable image, a map for judged ones
    (from the cache, else computed from the picture decoded here: by ``engine`` — the child process of the batch
    — or in this process)."""
    from core.images.imageio import ImageError
    from core.images.preprocess import IMAGE_SIZE, resize
    from core.images.quality import normalise
    from core.images.reader import read_image
    from core.screening.inference import DECODE_SIDE, PREVIEW_SIDE

    out, missing = [], {}  # missing: path -> network input, for judged rows without a cached map
    for row in rows:
        pred = row.pred
        preview = None
        if not pred.error:
            try:
                rgb = read_image(pred.path, DECODE_SIDE)
            except (ImageError, ValueError):
                rgb = None  # changed or gone since it was diagnosed: the page has no picture
            if rgb is not None:
                preview = rgb if max(rgb.shape[:2]) <= PREVIEW_SIDE else normalise(rgb, PREVIEW_SIDE)
                if pred.pm is not None and heatmaps.cached(row.model.model_dir, pred.path) is None:
                    # the network input, as core.screening.inference.network_input would read it
                    missing[pred.path] = resize(rgb, IMAGE_SIZE)
        out.append((row, preview))
    if missing:
        model_dir = rows[0].model.model_dir
        if engine is not None and engine.model_dir == model_dir:
            for path, cam, _ in engine.heatmaps(list(missing), cancel.is_set, list(missing.values())):
                if cam is not None:
                    heatmaps.store(model_dir, path, cam)
        else:
            for path, pixels in missing.items():
                heatmaps.compute(model_dir, [path], pixels[None])
    return [(row, preview, heatmaps.cached(row.model.model_dir, row.pred.path) if preview is not None else None)
            for row, preview in out]


def export_rows(path: str | Path, rows: list, heatmaps: HeatmapService, opacity: float, engine=None,
                cancel: threading.Event | None = None) -> Iterator[tuple[int, int]]:
    """Write ``rows`` (core.screening.session.Row, all of one model) to ``path`` (.xlsx, .csv or .pdf), yielding
    (done, total). Returns the number of rows written, or -1 when ``cancel`` was set (the partial file is
    removed; a file it would have replaced stays as it was). ``engine``: a core.screening.engine_process engine
    of the rows' model, for the PDF's heatmaps."""
    from core.screening.report import needs_heatmaps, open_report

    from .. import pdf_report

    pdf_report.register()  # the PDF is drawn by Qt's painter (gui.pdf_report)
    cancel = cancel or threading.Event()
    path = Path(path)
    first = rows[0].model
    pdf = needs_heatmaps(path)
    report = open_report(path, first.name, first.threshold, first.weights_sha256, opacity, first.research)
    total, done = len(rows), 0
    yield 0, total
    step = BATCH if pdf else 256
    try:
        for start in range(0, total, step):
            if cancel.is_set():
                break
            chunk = rows[start:start + step]
            if pdf:
                for row, preview, cam in _pictures(chunk, heatmaps, engine, cancel):
                    report.add(dataclasses.replace(row.pred, preview=preview, heatmap=cam), when=row.time)
            else:
                for row in chunk:
                    report.add(row.pred, when=row.time)
            done += len(chunk)
            yield done, total
    except BaseException:
        report.discard()
        raise
    if cancel.is_set():
        report.discard()
        return -1
    report.close()
    return done


def export_audit(dest: str | Path) -> int:
    """The audit log (core.screening.audit) as CSV."""
    from core.screening.audit import export_csv

    return export_csv(dest)


class Exporter(QObject):
    """The Diagnosis view's exports: the save dialogs, one report at a time on a worker thread with its progress
    (``changed``), and what came of it (``status``: a function giving the text in the current language)."""

    changed = Signal()
    status = Signal(object)

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.worker = None  # the report being written
        self.path: Path | None = None
        self.progress = (0, 0)  # rows written, of
        self._cancel = threading.Event()

    @property
    def running(self) -> bool:
        return self.worker is not None

    def choose(self, shown: int, total: int) -> Path | None:
        """Ask where to write a report of the ``shown`` rows (of ``total``); the path with its format's suffix."""
        filters = [self.tr("Excel workbook (*.xlsx)"), self.tr("CSV file (*.csv)"),  # in the order of FORMATS
                   self.tr("PDF report with images and heatmaps (*.pdf)")]
        last = settings.value("diagnosis/export_format", ".xlsx", str)
        last = last if last in FORMATS else ".xlsx"
        # named for the minute: the last report's name offered again was one click from replacing it
        start = str(Path(settings.last_folder("export")) / f"pm-screening-{time.strftime('%Y-%m-%d-%H%M')}{last}")
        title = self.tr("Export results") if shown == total else \
            self.tr("Export the {0} rows shown (of {1})").format(shown, total)
        path, chosen = QFileDialog.getSaveFileName(self.parent(), title, start, ";;".join(filters),
                                                   filters[FORMATS.index(last)])
        if not path:
            return None
        path = report_format(path, chosen)
        settings.remember_folder("export", path)
        settings.set_value("diagnosis/export_format", path.suffix.lower())
        return path

    def export(self, path: Path, rows: list, heatmaps: HeatmapService, opacity: float, engine=None):
        """Write ``rows`` to ``path`` on a worker thread; the worker, or None when the suffix is not a report's."""
        if path.suffix.lower() not in FORMATS:
            self.status.emit(lambda: self.tr("A report must end in .xlsx, .csv or .pdf"))
            return None
        self._cancel = cancel = threading.Event()
        self.path, self.progress = path, (0, len(rows))
        self.worker = worker = tasks.start(
            export_rows, path, rows, heatmaps, opacity, engine, cancel,
            yielded=lambda value: self._progressed(worker, value),
            returned=lambda n: self._exported(path, n),
            errored=lambda exc: self.status.emit(lambda: self.tr("Cannot write {0}: {1}").format(path, exc)),
            finished=lambda: self._finished(worker))
        self.changed.emit()
        return worker

    def _progressed(self, worker, value) -> None:
        if worker is self.worker:
            self.progress = value
            self.changed.emit()

    def _exported(self, path: Path, n: int) -> None:
        if n < 0:
            self.status.emit(lambda: self.tr("Export cancelled; {0} was not written").format(path.name))
        else:
            self.status.emit(lambda: self.tr("Saved {0} results to {1}").format(n, path))

    def _finished(self, worker) -> None:
        if worker is self.worker:
            self.worker = None
            self.changed.emit()

    def cancel(self) -> None:
        self._cancel.set()

    def choose_audit_export(self) -> None:
        start = str(Path(settings.last_folder("export")) / "pm-screen-audit-log.csv")
        path, _ = QFileDialog.getSaveFileName(self.parent(), self.tr("Export the audit log"), start,
                                              self.tr("CSV file (*.csv)"))
        if path:
            settings.remember_folder("export", path)
            self.export_audit_log(path)

    def export_audit_log(self, path: str | Path):
        """Write every entry of the audit log (each verdict ever given here) as CSV, on a worker thread."""
        path = Path(path)
        return tasks.start(export_audit, path,
                           returned=lambda n: self.status.emit(
                               lambda: self.tr("Saved {0} audit log entries to {1}").format(n, path)),
                           errored=lambda exc: self.status.emit(
                               lambda: self.tr("Cannot write {0}: {1}").format(path, exc)))
