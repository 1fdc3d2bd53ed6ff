"""Finding the unreadable images of a data set: every file decoded, on a few threads, in the background."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .datasets import Problem

REPORT_EVERY = 25  # images between progress reports when nothing is found


def check_images(paths: list[Path], cancel: threading.Event | None = None,
                 threads: int = 2) -> Iterator[tuple[int, list[Problem]]]:
    """Decode every image; yields (images done, [Problem of each bad file found since the last report]), after
    each bad file, every REPORT_EVERY images and at the end. Stops early when ``cancel`` is set."""
    from ..images.imageio import ImageError
    from ..images.reader import read_image

    cancel = cancel or threading.Event()

    def check(path: Path) -> Problem | None:
        if cancel.is_set():
            return None
        try:
            read_image(path)
        except ImageError as exc:
            return Problem(str(path), exc.problem)
        return None

    found: list[Problem] = []
    with ThreadPoolExecutor(threads, thread_name_prefix="pmscreen-check") as pool:
        for i, problem in enumerate(pool.map(check, paths), start=1):
            if cancel.is_set():
                return
            if problem is not None:
                found.append(problem)
            if found or i % REPORT_EVERY == 0 or i == len(paths):
                yield i, found
                found = []
