"""Asynchronous, cached image thumbnails (of the data set grid and of the Diagnosis view's picture).

Decoding happens on background threads (OpenCV releases the GIL); the most recently requested images are
decoded first (the ones now on screen when the user scrolls fast) and stale requests are dropped, so a grid
of 10,000 images scrolls without waiting for decoding.
"""

from __future__ import annotations

import collections
import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from core.images.imageio import ImageError
from core.images.reader import read_image

from .qimages import fit, to_qimage


class ThumbnailLoader(QObject):
    """Decodes images to at most ``size`` px on worker threads; an LRU cache keeps ``capacity`` of them."""

    loaded = Signal(str)  # path; image(path) now returns it
    failed = Signal(str, str)  # path, problem

    def __init__(self, size: int = 112, threads: int = 2, capacity: int = 3000, max_queue: int = 400,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.size = size
        self.capacity = capacity
        self.max_queue = max_queue
        self._cache: collections.OrderedDict[str, QImage] = collections.OrderedDict()
        self._sizes: dict[str, tuple[int, int]] = {}  # original (width, height)
        self._errors: dict[str, str] = {}
        self._queue: collections.OrderedDict[str, None] = collections.OrderedDict()  # newest last
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"pmscreen-thumbs-{i}", daemon=True)
                         for i in range(threads)]
        for t in self._threads:
            t.start()

    # ---------------------------------------------------------------- UI thread
    def image(self, path: str) -> QImage | None:
        """The cached thumbnail, or None after queueing it for decoding (``loaded`` follows)."""
        with self._lock:
            img = self._cache.get(path)
            if img is not None:
                self._cache.move_to_end(path)
                return img
            if path in self._errors or path in self._busy:
                return None
            self._queue.pop(path, None)
            self._queue[path] = None  # (re)queued as the newest request
            while len(self._queue) > self.max_queue:
                self._queue.popitem(last=False)  # scrolled past long ago: drop
            self._wake.notify()
        return None

    def cached(self, path: str) -> QImage | None:
        with self._lock:
            return self._cache.get(path)

    def original_size(self, path: str) -> tuple[int, int] | None:
        return self._sizes.get(path)

    def error(self, path: str) -> str | None:
        return self._errors.get(path)

    def clear_queue(self) -> None:
        with self._lock:
            self._queue.clear()

    def pending(self) -> int:
        with self._lock:
            return len(self._queue) + len(self._busy)

    def shutdown(self, timeout: float = 2.0) -> None:
        with self._lock:
            self._closed = True
            self._queue.clear()
            self._wake.notify_all()
        for t in self._threads:
            t.join(timeout)

    # ---------------------------------------------------------------- worker threads
    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                path, _ = self._queue.popitem(last=True)  # newest first
                self._busy.add(path)
            try:
                rgb = read_image(path)
                img, size, problem = to_qimage(fit(rgb, self.size)), (rgb.shape[1], rgb.shape[0]), None
            except ImageError as exc:
                img, size, problem = None, None, exc.problem
            except Exception as exc:  # an unexpected decoder failure must not kill the thread
                img, size, problem = None, None, f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._busy.discard(path)
                if self._closed:
                    return
                if img is not None:
                    self._cache[path] = img
                    self._sizes[path] = size
                    while len(self._cache) > self.capacity:
                        self._cache.popitem(last=False)
                else:
                    self._errors[path] = problem
            try:
                if img is not None:
                    self.loaded.emit(path)
                else:
                    self.failed.emit(path, problem)
            except RuntimeError:  # the loader object was deleted
                return
