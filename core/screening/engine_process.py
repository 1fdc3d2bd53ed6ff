"""Batch inference for the GUI in a child process, so its UI never waits on Python's GIL.

Paddle Inference's ``predictor.run()`` keeps the GIL for the whole batch (measured: 300–550 ms for 8 images of
ResNet-18 on 2 CPU cores), so a batch run on a thread of the GUI process stalls the UI thread that long, again
and again. A child process (``multiprocessing``, spawn) holds the Predictor instead: it streams one Prediction
per image back through a pipe; a thread of the GUI reads them (core.screening.session), writes the audit log and
hands them to the UI thread. The child lives as long as its model is chosen, so later batches start at once.

``InProcessEngine`` offers the same interface on threads of the GUI process: the fallback when a child process
cannot be started, and the choice with PMSCREEN_GUI_ENGINE=thread.

Every Paddle call of the GUI process (this in-process engine, the heatmaps of gui.heatmaps) takes ENGINE_LOCK, so
two threads never run a network at once. The child imports this module to run ``_serve``.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .messages import Found, ModelInfo, Stage

HEATMAP_BATCH = 8
START_TIMEOUT = 300.0  # s: importing Paddle and exporting a large model on a busy CPU


class EngineError(RuntimeError):
    """The engine failed (the message says why)."""


class ModelLoadError(EngineError):
    """The model could not be loaded: nothing was diagnosed."""


# One lock for every Paddle call of the GUI process (in-process batch inference, heatmaps, report export).
ENGINE_LOCK = threading.RLock()


class LockedEngine:
    """A Predictor's inference engine that takes ENGINE_LOCK around each call (attributes pass through)."""

    def __init__(self, engine, lock=ENGINE_LOCK):
        self._engine = engine
        self._lock = lock

    def __call__(self, *args, **kwargs):
        with self._lock:
            return self._engine(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._engine, name)


def guard(predictor):
    """Make ``predictor``'s inference take ENGINE_LOCK (once); returns the predictor."""
    if not isinstance(predictor.engine, LockedEngine):
        predictor.engine = LockedEngine(predictor.engine)
    return predictor


# ---------------------------------------------------------------- shared by the child and the in-process engine

def stream(predictor, paths) -> Iterator[object]:
    """Found(n) once, then a Prediction per image in input order; folders without images are error rows
    (core.screening.inference.expand_inputs)."""
    from .inference import expand_inputs

    entries = expand_inputs(paths)
    yield Found(len(entries))
    for is_file, group in itertools.groupby(entries, key=lambda e: isinstance(e, Path)):
        if not is_file:
            yield from group
            continue
        gen = predictor.predict_files(list(group))
        try:
            yield from gen
        finally:
            gen.close()  # on cancel: the reading threads are joined here


def heatmap_stream(predictor, paths, lock=None, pixels=None) -> Iterator[tuple[str, object, str | None]]:
    """(path, Grad-CAM map or None, problem) per file, computed in small batches; ``pixels``: the files' network
    inputs when the caller has decoded them already (each file is decoded once), else they are read here."""
    import contextlib

    import numpy as np

    from ..images.imageio import ImageError
    from .inference import network_input

    for start in range(0, len(paths), HEATMAP_BATCH):
        chunk, batch = [], []
        for i, path in enumerate(paths[start:start + HEATMAP_BATCH], start):
            try:
                batch.append(network_input(path) if pixels is None else pixels[i])
                chunk.append(path)
            except (ImageError, ValueError) as exc:
                yield path, None, getattr(exc, "problem", str(exc))
        if chunk:
            with lock if lock is not None else contextlib.nullcontext():
                cams = predictor.heatmaps(np.stack(batch))
            for path, cam in zip(chunk, cams):
                yield path, cam, None


def warm_up(predictor, batch_size: int) -> None:
    """Run one batch of blank images through the network, so that the first real batch does not also pay for
    the inference engine's first-call set-up (oneDNN kernels for this batch shape)."""
    import numpy as np

    from ..images.preprocess import IMAGE_SIZE

    predictor.probabilities(np.zeros((batch_size, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8))


def _serve(model_dir: str, batch_size: int, requests, results, cancel) -> None:
    """The child process: load the model, then answer requests until "quit" or the pipe closes."""
    try:
        results.send(("stage", 0, "paddle"))
        from .inference import Predictor

        results.send(("stage", 0, "model"))
        predictor = Predictor(model_dir, batch_size=batch_size)
        results.send(("stage", 0, "warmup"))
        warm_up(predictor, batch_size)
    except Exception as exc:  # the parent shows it: "The model cannot be used: …"
        results.send(("failed", 0, str(exc)))
        return
    results.send(("ready", 0, ModelInfo.of(predictor)))
    while True:
        try:
            kind, job, payload = requests.recv()
        except (EOFError, OSError):
            return
        if kind == "quit":
            return
        try:
            items = stream(predictor, payload) if kind == "predict" else heatmap_stream(predictor, *payload)
            for item in items:
                if cancel.is_set():
                    items.close()
                    break
                results.send(("item", job, item))
        except Exception as exc:  # reported as the job's failure; the child goes on serving
            results.send(("failed", job, f"{type(exc).__name__}: {exc}"))
        results.send(("done", job, None))


# ---------------------------------------------------------------- the GUI's side

class EngineProcess:
    """A model loaded in a child process; ``predict`` and ``heatmaps`` stream its answers (one job at a time:
    a second caller waits until the first has drained its job)."""

    kind = "process"

    def __init__(self, model_dir: str | Path, batch_size: int = 8):
        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        self.info: ModelInfo | None = None
        self._lock = threading.Lock()  # one job at a time
        self._proc = None
        self._requests = self._results = self._cancel = None
        self._jobs = itertools.count(1)
        self._closed = False

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self, timeout: float = START_TIMEOUT, on_stage: Callable[[Stage], None] | None = None) -> ModelInfo:
        """Start the child and load the model (blocking: call from a worker thread). Raises ModelLoadError.
        ``on_stage`` hears what the child is doing (a Stage of messages.STAGES) while it starts."""
        with self._lock:
            if self.info is not None and self.alive:
                return self.info
            if self._closed:
                raise EngineError("the engine was closed")
            import multiprocessing as mp

            ctx = mp.get_context("spawn")
            req_r, self._requests = ctx.Pipe(duplex=False)
            self._results, res_w = ctx.Pipe(duplex=False)
            self._cancel = ctx.Event()
            self._proc = ctx.Process(target=_serve, name="pmscreen-engine", daemon=True,
                                     args=(str(self.model_dir), self.batch_size, req_r, res_w, self._cancel))
            if on_stage is not None:
                on_stage(Stage("process"))
            self._proc.start()
            req_r.close()
            res_w.close()
            kind, _, value = self._receive(timeout)
            while kind == "stage":
                if on_stage is not None:
                    on_stage(Stage(value))
                kind, _, value = self._receive(timeout)
            if kind != "ready":
                self._stop()
                raise ModelLoadError(value)
            self.info = value
            return value

    def _receive(self, timeout: float | None = None):
        """The next message from the child; EngineError when it has died (or said nothing for ``timeout`` s)."""
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while not self._results.poll(0.1):
            if not self._proc.is_alive():
                raise self._died()
            if end is not None and time.monotonic() > end:
                raise EngineError(f"the engine process did not answer within {timeout:.0f} s")
        try:
            return self._results.recv()
        except (EOFError, OSError):
            raise self._died() from None

    def _died(self) -> EngineError:
        self._proc.join(2.0)
        return EngineError(f"the engine process stopped unexpectedly (exit code {self._proc.exitcode})")

    def _job(self, kind: str, payload, cancelled: Callable[[], bool]):
        self.start()
        with self._lock:
            job = next(self._jobs)
            self._cancel.clear()
            self._requests.send((kind, job, payload))
            finished = False
            try:
                while True:
                    if cancelled() and not self._cancel.is_set():
                        self._cancel.set()  # the child stops after the image it is on; its answers so far come
                    msg_kind, msg_job, value = self._receive()
                    if msg_job != job:
                        continue  # the tail of an abandoned job
                    if msg_kind == "done":
                        finished = True
                        return
                    if msg_kind == "failed":
                        finished = True
                        raise EngineError(value)
                    yield value
            finally:
                if not finished and self._cancel is not None:
                    self._cancel.set()  # the caller stopped listening: the child need not go on

    def predict(self, paths, cancelled: Callable[[], bool]) -> Iterator[object]:
        """Found(n), then a Prediction per image."""
        yield from self._job("predict", [str(p) for p in paths], cancelled)

    def heatmaps(self, paths, cancelled: Callable[[], bool], pixels=None) -> Iterator[tuple[str, object, str | None]]:
        """(path, map or None, problem) per file (``pixels``: their network inputs, when already decoded)."""
        yield from self._job("heatmaps", ([str(p) for p in paths], None, pixels), cancelled)

    def _stop(self, timeout: float = 3.0) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            self._requests.send(("quit", 0, None))
        except (OSError, ValueError):
            pass
        proc.join(timeout)
        if proc.is_alive():  # busy (loading, warming up, inferring): SIGKILL, since Paddle's own SIGTERM handler,
            proc.kill()      # which its predictor installs again on its first run, prints a fatal-error C++ trace
            proc.join(timeout)
        for conn in (self._requests, self._results):
            try:
                conn.close()
            except OSError:
                pass
        self._proc = None
        self.info = None

    def close(self, timeout: float = 3.0) -> None:
        """Stop the child (after its current job is cancelled)."""
        self._closed = True
        if self._cancel is not None:
            self._cancel.set()
        if self._lock.acquire(timeout=timeout):
            try:
                self._stop(timeout)
            finally:
                self._lock.release()
        elif self._proc is not None:  # a job still holds the lock: end the child; the job sees EngineError
            self._proc.kill()


class InProcessEngine:
    """The same interface with the Predictor in this process (its inference takes ENGINE_LOCK)."""

    kind = "thread"

    def __init__(self, model_dir: str | Path, batch_size: int = 8):
        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        self.info: ModelInfo | None = None
        self.predictor = None
        self._lock = threading.Lock()

    alive = property(lambda self: self.predictor is not None)

    def start(self, timeout: float | None = None, on_stage: Callable[[Stage], None] | None = None) -> ModelInfo:
        with self._lock:
            if self.predictor is None:
                from .inference import Predictor

                if on_stage is not None:
                    on_stage(Stage("model"))
                try:
                    self.predictor = guard(Predictor(self.model_dir, batch_size=self.batch_size))
                except Exception as exc:
                    raise ModelLoadError(str(exc)) from exc
                self.info = ModelInfo.of(self.predictor)
            return self.info

    def predict(self, paths, cancelled: Callable[[], bool]) -> Iterator[object]:
        self.start()
        with self._lock:
            items = stream(self.predictor, paths)
            try:
                for item in items:
                    yield item
                    if cancelled():
                        return
            finally:
                items.close()

    def heatmaps(self, paths, cancelled: Callable[[], bool], pixels=None) -> Iterator[tuple[str, object, str | None]]:
        self.start()
        for item in heatmap_stream(self.predictor, [str(p) for p in paths], ENGINE_LOCK, pixels):
            yield item
            if cancelled():
                return

    def close(self, timeout: float = 3.0) -> None:
        self.predictor = None


def create_engine(model_dir: str | Path, batch_size: int = 8):
    """A child-process engine, unless PMSCREEN_GUI_ENGINE=thread."""
    if os.environ.get("PMSCREEN_GUI_ENGINE", "process") == "thread":
        return InProcessEngine(model_dir, batch_size)
    return EngineProcess(model_dir, batch_size)
