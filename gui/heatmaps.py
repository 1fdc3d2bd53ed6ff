"""Grad-CAM heatmaps for the Diagnosis view, computed off the UI thread and cached per image.

``HeatmapService`` owns one worker thread that computes the heatmap of the image the user is looking at (the
newest request wins: clicking through a table never queues stale work), with the model loaded once more in the
GUI process as a dygraph network: dygraph Paddle lets go of Python's GIL between operations, so the UI thread
keeps running while a map is computed (Paddle Inference would hold the GIL for the whole call; batch inference
runs in a child process for that reason, see core.screening.engine_process). The export of a PDF report fills the
same cache. Every Paddle call of the GUI process takes one lock (ENGINE_LOCK), so two threads never run a network
at once.

Only the low-resolution map (7 x 7 floats for a ResNet) is cached; the overlay is blended on the UI thread at
the size of the picture shown, which takes a few milliseconds.
"""

from __future__ import annotations

import collections
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.screening.engine_process import ENGINE_LOCK


class HeatmapService(QObject):
    """Grad-CAM maps of single images on a worker thread; an LRU cache keyed by (model folder, file)."""

    _predictor = None

    ready = Signal(str)  # path: ``cached(model_dir, path)`` now returns its map
    failed = Signal(str, str)  # path, problem

    def __init__(self, capacity: int = 20000, parent: QObject | None = None):
        super().__init__(parent)
        self.capacity = capacity
        self._cache: collections.OrderedDict[tuple[str, str], np.ndarray] = collections.OrderedDict()
        self._errors: dict[tuple[str, str], str] = {}
        self._request: tuple[object, str] | None = None
        self._busy: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="pmscreen-heatmaps", daemon=True)
        self._thread.start()

    @staticmethod
    def key(model_dir, path: str) -> tuple[str, str]:
        return str(model_dir), str(path)

    def predictor(self, model_dir):
        """The dygraph Predictor of ``model_dir`` (loaded on first use; only the latest model is kept)."""
        with ENGINE_LOCK:
            current = getattr(self, "_predictor", None)
            if current is None or current.model_dir != Path(model_dir):
                from core.screening.inference import Predictor

                self._predictor = None
                self._predictor = Predictor(model_dir, batch_size=1, engine="dygraph")
            return self._predictor

    # ---------------------------------------------------------------- any thread
    def cached(self, model_dir, path: str) -> np.ndarray | None:
        with self._lock:
            cam = self._cache.get(self.key(model_dir, path))
            if cam is not None:
                self._cache.move_to_end(self.key(model_dir, path))
            return cam

    def error(self, model_dir, path: str) -> str | None:
        with self._lock:
            return self._errors.get(self.key(model_dir, path))

    def store(self, model_dir, path: str, cam: np.ndarray) -> None:
        with self._lock:
            k = self.key(model_dir, path)
            self._cache[k] = cam
            self._cache.move_to_end(k)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)

    def compute(self, model_dir, paths: list[str], pixels: np.ndarray) -> list[np.ndarray]:
        """Maps of a batch of network inputs (N, 224, 224, 3) on the calling thread; cached."""
        predictor = self.predictor(model_dir)
        with ENGINE_LOCK:
            cams = predictor.heatmaps(pixels)
        for path, cam in zip(paths, cams):
            self.store(model_dir, path, cam)
        return list(cams)

    # ---------------------------------------------------------------- UI thread
    def request(self, model_dir, path: str) -> np.ndarray | None:
        """The cached map, or None after asking the worker for it (``ready`` or ``failed`` follows)."""
        cam = self.cached(model_dir, path)
        if cam is not None:
            return cam
        with self._lock:
            k = self.key(model_dir, path)
            if k in self._errors or k == self._busy:
                return None
            self._request = (model_dir, str(path))  # replaces an older request not yet started
            self._wake.notify()
        return None

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._errors.clear()
            self._request = None

    def pending(self) -> bool:
        with self._lock:
            return self._request is not None or self._busy is not None

    def shutdown(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._closed = True
            self._request = None
            self._wake.notify_all()
        self._thread.join(timeout)
        self._predictor = None

    # ---------------------------------------------------------------- worker thread
    def _work(self) -> None:
        from core.images.imageio import ImageError
        from core.screening.inference import network_input

        while True:
            with self._lock:
                while self._request is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                model_dir, path = self._request
                self._request = None
                k = self.key(model_dir, path)
                self._busy = k
            problem = None
            try:
                if self.cached(model_dir, path) is None:
                    self.compute(model_dir, [path], network_input(path)[None])
            except ImageError as exc:
                problem = exc.problem
            except Exception as exc:  # an engine failure must not kill the thread
                problem = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._busy = None
                if self._closed:
                    return
                if problem is not None:
                    self._errors[k] = problem
            try:
                if problem is None:
                    self.ready.emit(path)
                else:
                    self.failed.emit(path, problem)
            except RuntimeError:  # the service object was deleted
                return
