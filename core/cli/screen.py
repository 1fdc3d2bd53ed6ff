"""pmscreen evaluate and pmscreen predict: a model over a folder of images."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

from .parser import EXIT_OK, EXIT_USAGE, UsageError

# ---------------------------------------------------------------- evaluate / predict


def _model_dir(a) -> Path:
    if a.model == "":  # an unset $MODEL: not silently the bundled model
        raise UsageError("--model is empty: give a model folder, or leave --model out for the bundled model")
    if a.model:
        return Path(a.model)
    from ..store.bundled import default_model_dir

    found = default_model_dir()
    if found is None:
        raise UsageError("no --model given and no bundled model is installed")
    return found


def _num(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def cmd_evaluate(a, argv) -> int:
    from ..data.contents import differently_labelled, identical_copies, same_as, seen_in_training
    from ..data.datasets import labelled_folder
    from ..data.loader import ImageCache
    from ..screening.inference import Predictor
    from ..store.modelio import THRESHOLD_LOW
    from ..training.validate import summary, validate

    if a.threshold is not None and not THRESHOLD_LOW <= a.threshold <= 1 - THRESHOLD_LOW:
        raise UsageError(f"--threshold must be between {THRESHOLD_LOW} and {1 - THRESHOLD_LOW}, got {a.threshold}")
    samples, problems = labelled_folder(a.images, a.labels)
    predictor = Predictor(_model_dir(a), a.device, a.batch_size, precision=a.precision)
    t0 = time.perf_counter()
    cache = ImageCache(samples)
    problems += cache.problems
    from ..images.textsafe import shown

    for p in problems:
        print(f"warning: skipped {shown(p)}", file=sys.stderr)
    if not len(cache):
        raise UsageError(f"{a.images}: none of the labelled images could be read")
    threshold = predictor.threshold if a.threshold is None else a.threshold
    m = validate(None, cache, a.batch_size, threshold, positive=predictor.positive, forward=predictor.logits)
    paths = [s.path for s in cache.samples]
    seen = seen_in_training(predictor.meta, paths, cache.digests)
    copies = identical_copies(cache.digests)
    extra = sum(len(g) - 1 for g in copies)  # images counted although an identical one was counted already
    seconds = time.perf_counter() - t0
    out = {
        "model": predictor.name,
        "model_dir": str(predictor.model_dir),
        **summary(m),
        "skipped": [shown(p) for p in problems],
        "seen_in_training": None if seen is None else len(seen),
        "identical_copies": extra,
        "identical": [[shown(paths[i]) for i in g] for g in copies],  # every group, the warning names one
        "seconds": round(seconds, 3),
    }
    if seen:
        print(f"warning: {len(seen)} of the {m['n']} images were used to train this model (same file contents, "
              f"e.g. {shown(seen[0])}): on them these figures measure how well it fits them, not how it does on "
              "new patients", file=sys.stderr)
    if copies:
        print(f"warning: {extra} of the {m['n']} images are identical copies of others among them (the same bytes, "
              f"e.g. {same_as([paths[i] for i in copies[0]])}): each copy is counted again", file=sys.stderr)
        label_of = {s.path: s.label for s in cache.samples}
        for g in copies:
            group = [paths[i] for i in g]
            if len({label_of[p] for p in group}) > 1:
                print(f"warning: {differently_labelled(group, label_of, predictor.meta['class_names'])}",
                      file=sys.stderr)
    if a.json:
        print(json.dumps({k: _num(v) for k, v in out.items()}))
        return EXIT_OK
    cm = m["confusion"]
    print(f"model        {out['model']}  ({out['model_dir']})")
    print(f"images       {m['n']} ({len(problems)} skipped)   threshold {threshold:.3f}")
    for k in ("accuracy", "auc", "sensitivity", "specificity", "precision", "f1", "loss"):
        print(f"{k:<12} {m[k]:.4f}")
    print(f"confusion    true non-PM: {cm[0][0]} called non-PM, {cm[0][1]} called PM")
    print(f"             true PM:     {cm[1][0]} called non-PM, {cm[1][1]} called PM")
    print(f"time         {seconds:.1f}s ({m['n'] / seconds:.1f} images/s)")
    if seen:
        print(f"trained on   {len(seen)} of these {m['n']} images: the figures measure fit, not new patients")
    if copies:
        print(f"copies       {extra} of these {m['n']} images repeat another one byte for byte and are counted again")
    return EXIT_OK


def _same_file(a: Path, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # missing, unreadable, or a NUL in the name: the batch says so for that input
        return False


def cmd_predict(a, argv) -> int:
    from collections import Counter

    from ..images.textsafe import shown
    from ..screening.inference import Predictor

    if not 0.0 <= a.opacity <= 1.0:
        raise UsageError(f"--opacity must be between 0 and 1, got {a.opacity}")
    report_path = Path(a.report) if a.report else None
    if report_path is not None:
        from ..screening.report import FORMATS

        if report_path.suffix.lower() not in FORMATS:
            raise UsageError(f"{report_path}: --report must end in .xlsx, .csv or .pdf")
        from ..screening.report import PDF_NEEDS_APP, pdf_available

        if report_path.suffix.lower() == ".pdf" and not pdf_available():
            raise UsageError(PDF_NEEDS_APP)
        if not report_path.parent.is_dir():
            raise UsageError(f"{report_path.parent}: folder for --report not found")
        from ..screening.report import check_writable

        check_writable(report_path)  # a folder, an unwritable place: said now, not after the batch
        if report_path.exists() and any(_same_file(report_path, p) for p in a.inputs):
            raise UsageError(f"{report_path}: is one of the inputs, which --report would overwrite: "
                             "choose another report name")
    heat_dir = Path(a.heatmaps) if a.heatmaps else None
    if heat_dir is not None:
        try:
            heat_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"{heat_dir}: folder for --heatmaps cannot be made ({exc.strerror or exc})") from None
        if not os.access(heat_dir, os.W_OK | os.X_OK):  # said now, not as each image's heatmap fails
            raise UsageError(f"{heat_dir}: folder for --heatmaps is not writable")
    heat_failed = 0
    report = audit = None
    if a.audit:
        from ..screening.audit import AuditError, AuditLog

        try:
            audit = AuditLog().open()
        except AuditError as exc:
            raise UsageError(f"{exc}; --no-audit skips the log") from None
    try:
        predictor = Predictor(_model_dir(a), a.device, a.batch_size, quality_gate=a.quality_gate,
                              precision=a.precision)
    except BaseException:
        if audit is not None:
            audit.close()
        raise
    if report_path is not None:
        from ..screening.report import open_report

        report = open_report(report_path, predictor.name, predictor.threshold, predictor.weights_sha256, a.opacity,
                             predictor.research)
    want_heat = heat_dir is not None or report_path is not None and report_path.suffix.lower() == ".pdf"
    counts: Counter = Counter()
    used_names: set[str] = set()
    # the batch's pictures (those named, and each one screened so far): a heatmap never takes the place of one
    inputs = {os.path.realpath(p) for p in a.inputs if os.path.isfile(p)}
    t0 = time.perf_counter()
    if not a.json:
        # the threshold to the probabilities' 4 decimals: at 3, a probability of 0.2849 judged PM sat under ">= 0.285"
        print(f"# model {predictor.name}, PM when probability >= {predictor.threshold:.4f}")
    if predictor.research:
        from ..screening.report import research_note

        note = research_note(predictor.research)
        print(f"pmscreen predict: warning: {predictor.name}: {note[0].lower()}{note[1:]}",
              file=sys.stderr)
    complete = False
    try:
        for pred in predictor.predict_files(a.inputs, heatmaps=want_heat):
            counts[pred.verdict] += 1
            if audit is not None:
                audit.record(pred, predictor.name, predictor.weights_sha256, predictor.threshold)
            if report is not None:
                report.add(pred)
            inputs.add(os.path.realpath(pred.path))
            if heat_dir is not None and pred.heatmap is not None:
                problem = _write_overlay(heat_dir, pred, a.opacity, used_names, inputs)
                if problem:  # the verdict stands; one picture that cannot be written never stops the batch
                    heat_failed += 1
                    print(f"pmscreen predict: warning: {problem}", file=sys.stderr, flush=True)
            if a.json:
                print(json.dumps(pred.to_dict(), ensure_ascii=False), flush=True)
            elif pred.error:
                print(f"{pred.shown_path}\terror\t{pred.error}", flush=True)
            elif pred.probability is None:
                print(f"{pred.shown_path}\t–\t{pred.verdict}\t{pred.quality_text}", flush=True)
            else:
                print(f"{pred.shown_path}\t{pred.probability:.4f}\t{pred.verdict}", flush=True)
        complete = True
    finally:  # an interrupted run still leaves a report of what was done (beside the previous one), a closed log
        try:
            if report is not None:
                kept = report.close(complete)
                if not complete:
                    print(f"pmscreen predict: the report of the {report.rows} images done is {shown(kept)}; "
                          f"{shown(report_path)} was left as it was", file=sys.stderr)
        finally:
            if audit is not None:
                audit.close()
    seconds = time.perf_counter() - t0
    n = sum(counts.values())
    from ..screening.inference import UNGRADABLE

    print(f"pmscreen predict: {n} images in {seconds:.1f} s ({n / max(seconds, 1e-9):.1f} images/s): "
          f"{counts['PM']} PM, {counts['not PM']} not PM, {counts[UNGRADABLE]} ungradable, "
          f"{counts['error']} unreadable" + (f"; report {report_path}" if report_path else ""), file=sys.stderr)
    failed = counts["error"]
    if failed:
        print(f"pmscreen predict: {failed} file(s) could not be read", file=sys.stderr)
    if heat_failed:
        print(f"pmscreen predict: {heat_failed} heatmap(s) could not be written", file=sys.stderr)
    return EXIT_USAGE if failed or heat_failed else EXIT_OK


HEATMAP_SUFFIX = ".heatmap.png"


def _write_overlay(folder: Path, pred, opacity: float, used: set[str], inputs: set[str]) -> str | None:
    """Write ``pred``'s heatmap over its picture into ``folder``; the problem when it cannot be, else None.
    ``inputs``: the real paths of the batch's pictures, never overwritten."""
    import cv2

    from ..images.imageio import write_image
    from ..images.textsafe import cut_stem, shown
    from ..screening.gradcam import overlay

    # 8 spare bytes: room for the "-NNN" of a repeated name
    stem = cut_stem(shown(Path(pred.path).stem).replace("\\", "_"), HEATMAP_SUFFIX, spare=8)
    name, n = f"{stem}{HEATMAP_SUFFIX}", 1
    # same file name in different folders; or a picture of the batch itself (heatmaps written beside the images
    # replaced a photograph named Y.heatmap.png with Y.png's overlay)
    while name in used or os.path.realpath(folder / name) in inputs:
        n += 1
        name = f"{stem}-{n}{HEATMAP_SUFFIX}"
    used.add(name)
    out = folder / name
    rgb = overlay(pred.preview, pred.heatmap, opacity)
    if not write_image(out, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):  # a folder in its place, a full disk, ...
        return f"{shown(str(out))}: cannot write the heatmap of {pred.shown_path}"
    return None
