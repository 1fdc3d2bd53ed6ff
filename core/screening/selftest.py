"""``pmscreen selftest``: a headless check that the installed program (from source or frozen) can diagnose.

It loads the bundled screening model (or ``--model``), draws a synthetic fundus-like photograph (orange retina
on black with an optic disc, vessels and a macula), writes it as a JPEG to a temporary folder, runs the
picture through core.screening.inference.Predictor - the same path as ``pmscreen predict``: JPEG decoding, the
image-quality gate (core.images.quality), preprocessing, the inference engine - then computes its Grad-CAM heatmap
as the
diagnosis view does, checks that a spawned child process can import Paddle (the GUI's diagnosis engine runs in
one), and prints ONE JSON line:

    {"model": ..., "probability": ..., "verdict": ..., "quality": "ok", "seconds": ..., "engine": ...,
     "engine_check": "ok", "device": ..., "gradcam": "ok", "child_process": "ok"}

``engine_check``: the engine that gave the verdict answers like the model's own weights (dygraph) on the picture.

``seconds`` runs from the start of the self-test to the verdict (model loading, the engine's one-time export
into the user's data folder on a first run, reading and judging the picture); the other checks come after.

Exit code 0 on success; any failure (no model, unreadable model, the quality gate rejecting the known-good
picture, an engine, Grad-CAM or child-process error) prints one line with the reason on stderr and exits 1.
Nothing but the JSON line goes to stdout, so scripts and CI can parse it.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..images.synthetic import synthetic_fundus

EXIT_OK, EXIT_FAILED = 0, 1


class _SelftestError(Exception):
    """A failed check whose message is already the reason."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > 400:
        text = text[:400] + "..."
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, _SelftestError) else text


def _quality_check():
    """core.images.quality.assess, or None in a build without the image-quality gate."""
    try:
        from ..images.quality import assess
    except ImportError:
        return None
    return assess


def _diagnose(model_dir: str | None, t0: float) -> dict:
    import cv2

    from ..images.imageio import write_image
    from ..images.reader import read_image
    from ..store.bundled import default_model_dir, resources_dir
    from .inference import Predictor

    if model_dir is None:
        found = default_model_dir()
        if found is None:
            raise _SelftestError(f"no bundled model found in {resources_dir() / 'models'}")
        model_dir = str(found)
    if not Path(model_dir).is_dir():
        raise _SelftestError(f"{model_dir}: model folder not found")
    predictor = Predictor(model_dir, device="auto", batch_size=1)
    with tempfile.TemporaryDirectory(prefix="pmscreen-selftest-") as tmp:
        path = Path(tmp) / "synthetic-fundus.jpg"
        bgr = cv2.cvtColor(synthetic_fundus(), cv2.COLOR_RGB2BGR)
        if not write_image(path, bgr, (cv2.IMWRITE_JPEG_QUALITY, 92)):
            raise _SelftestError(f"could not write the synthetic image to {path}")
        (pred,) = list(predictor.predict_files([path]))
        seconds = time.perf_counter() - t0
        if pred.error:
            raise _SelftestError(f"diagnosis failed: {pred.error}")
        # The Predictor runs the quality gate itself; measure here only where it does not.
        quality = getattr(pred, "quality", None)
        assess = _quality_check() if quality is None else None
        if assess is not None:
            quality = assess(read_image(path))
        if quality is not None and not quality.ok:
            raise _SelftestError(f"the quality gate rejected the synthetic fundus image: {quality.reason}")
        if not (pred.probability is not None and 0.0 <= pred.probability <= 1.0):
            raise _SelftestError(f"the model gave no valid probability ({pred.probability})")
        engine_check = _engine_check(predictor, path)
        gradcam = _gradcam_check(predictor, path)
    child = _child_process_check()
    return {
        "model": predictor.name,
        "probability": round(pred.probability, 6),
        "verdict": pred.verdict,
        "quality": None if quality is None else quality.label,
        "seconds": round(seconds, 3),
        "engine": predictor.engine.kind,
        "engine_check": engine_check,
        "device": predictor.device,
        "gradcam": gradcam,
        "child_process": child,
    }


def _engine_check(predictor, path: Path) -> str:
    """The engine that gave the verdict against the model's own weights (dygraph) on the test picture: 'ok', or
    a failure. A cached engine is checked on a probe batch when loaded; this checks it on a real photograph's
    path too (a crafted cache could answer alike on the probe and otherwise on photographs)."""
    from ..data.loader import load_pixels
    from ..images.preprocess import to_input
    from .engine import PROBE_TOLERANCE, DygraphEngine, MeanEngine, probe_difference

    models = getattr(predictor, "models", None)
    if not models:
        return "not checked"
    weights = [DygraphEngine(m) for m in models]
    reference = weights[0] if len(weights) == 1 else MeanEngine(weights, predictor.temperature)
    diff = probe_difference(predictor.engine, reference, to_input(load_pixels(path)[None]))
    if not diff <= PROBE_TOLERANCE[predictor.engine.precision]:
        raise _SelftestError(f"the inference engine ({predictor.engine.kind}) answers differently from the model's "
                             f"weights on the test picture (by {diff:.3g})")
    return "ok"


def _gradcam_check(predictor, path: Path) -> str | None:
    """The diagnosis view's Grad-CAM heatmap for the same picture (after the verdict, not in its time): 'ok', or
    None when this Predictor has no heatmaps."""
    if not hasattr(predictor, "heatmaps"):
        return None
    from ..data.loader import load_pixels

    cam = np.asarray(predictor.heatmaps(load_pixels(path)[None]))
    if cam.ndim != 3 or cam.shape[0] != 1 or not np.isfinite(cam).all() or cam.min() < 0 or cam.max() > 1 + 1e-6:
        raise _SelftestError(f"Grad-CAM gave an invalid heatmap (shape {cam.shape})")
    return "ok"


def _send_paddle_version(conn) -> None:
    from ..nn._paddle import paddle

    conn.send(paddle.__version__)
    conn.close()


def _child_process_check(timeout: float = 300.0) -> str:
    """A child process started with multiprocessing's spawn method - as the GUI's diagnosis engine starts one
    (core/screening/engine_process.py) - imports Paddle, answers and exits by itself: 'ok'. In the frozen program this
    needs the entry script's freeze_support() and the runtime hook in the child too."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_send_paddle_version, args=(send,), name="pmscreen-selftest-child", daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise _SelftestError(f"the spawned child process did not answer within {timeout:.0f} s")
        receive.recv()
    except EOFError:
        raise _SelftestError("the spawned child process died before answering") from None
    finally:
        child.join(timeout)
        if child.is_alive():
            child.kill()
    if child.exitcode != 0:
        raise _SelftestError(f"the spawned child process exited with code {child.exitcode}")
    return "ok"


def run_selftest(model_dir: str | None = None) -> int:
    """Diagnose a synthetic fundus photograph with ``model_dir`` (default: the bundled model); print one JSON line
    on stdout and return 0, or print the reason on stderr and return 1."""
    t0 = time.perf_counter()
    try:
        # Paddle and its exporter may print: keep stdout for the JSON line alone.
        with contextlib.redirect_stdout(sys.stderr):
            result = _diagnose(model_dir, t0)
    except Exception as exc:  # every failure is a failed self-test, with its reason
        print(f"pmscreen selftest: {_one_line(exc)}", file=sys.stderr, flush=True)
        return EXIT_FAILED
    print(json.dumps(result), flush=True)
    return EXIT_OK
