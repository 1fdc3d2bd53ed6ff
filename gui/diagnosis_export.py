"""Writing the Diagnosis view's results as an XLSX, CSV or PDF report (core.screening.report) on a worker thread.

The rows are a snapshot taken on the UI thread. A PDF shows each image's photograph and Grad-CAM overlay: the
file is decoded again (reduced, like the diagnosis) and its heatmap taken from the view's cache or computed
here in small batches. A cancelled export leaves no partial file behind.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core.screening.report import FORMATS

from .heatmaps import HeatmapService

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


def _pictures(job, rows, heatmaps: HeatmapService, engine):
    """(row, preview, heatmap) for a chunk of rows: a picture for each readable image, a map for judged ones
    (from the cache, else computed by ``engine`` — the child process of the batch — or in this process)."""
    from core.images.imageio import ImageError
    from core.images.preprocess import IMAGE_SIZE, resize
    from core.images.quality import normalise
    from core.images.reader import read_image
    from core.screening.inference import DECODE_SIDE, PREVIEW_SIDE

    out, missing = [], {}  # missing: path -> decoded image, for judged rows without a cached map
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
                    missing[pred.path] = rgb
        out.append((row, preview))
    if missing:
        model_dir = rows[0].model.model_dir
        if engine is not None and engine.model_dir == model_dir:
            for path, cam, _ in engine.heatmaps(list(missing), lambda: job.cancelled):
                if cam is not None:
                    heatmaps.store(model_dir, path, cam)
        else:  # the network input from the picture decoded above (as core.screening.inference.network_input would)
            for path, rgb in missing.items():
                heatmaps.compute(model_dir, [path], resize(rgb, IMAGE_SIZE)[None])
    return [(row, preview, heatmaps.cached(row.model.model_dir, row.pred.path) if preview is not None else None)
            for row, preview in out]


def export_rows(job, path: str | Path, rows: list, heatmaps: HeatmapService, opacity: float, engine=None) -> int:
    """Write ``rows`` (gui.diagnosis_results.Row, all of one model) to ``path`` (.xlsx, .csv or .pdf); reports
    (done, total) to ``job``. Returns the number of rows written, or -1 when cancelled (the partial file is
    removed). ``engine``: a gui.engine_process engine of the rows' model, for the PDF's heatmaps."""
    from core.screening.report import needs_heatmaps, open_report

    from . import pdf_report

    pdf_report.register()  # the PDF is drawn by Qt's painter (gui.pdf_report)
    path = Path(path)
    first = rows[0].model
    pdf = needs_heatmaps(path)
    report = open_report(path, first.name, first.threshold, first.weights_sha256, opacity)
    total, done = len(rows), 0
    job.report((0, total))
    step = BATCH if pdf else 256
    try:
        for start in range(0, total, step):
            if job.cancelled:
                break
            chunk = rows[start:start + step]
            if pdf:
                for row, preview, cam in _pictures(job, chunk, heatmaps, engine):
                    report.add(dataclasses.replace(row.pred, preview=preview, heatmap=cam), when=row.time)
            else:
                for row in chunk:
                    report.add(row.pred, when=row.time)
            done += len(chunk)
            job.report((done, total))
    except BaseException:
        _discard(report, path)
        raise
    if job.cancelled:
        _discard(report, path)
        return -1
    report.close()
    return done


def _discard(report, path: Path) -> None:
    """Drop an unfinished report: no PDF pages are laid out, no partial table is left."""
    import shutil

    from core.screening.report import PdfReport

    if isinstance(report, PdfReport):
        shutil.rmtree(getattr(report, "_tmp", ""), ignore_errors=True)  # its pictures; the PDF is not written yet
    else:
        try:
            report.close()
        except Exception:  # noqa: BLE001  (only cleaning up)
            pass
    path.unlink(missing_ok=True)


def export_audit(job, dest: str | Path) -> int:
    """The audit log (core.screening.audit) as CSV."""
    from core.screening.audit import export_csv

    return export_csv(dest)

