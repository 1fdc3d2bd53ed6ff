"""Finding the unreadable images of a data set, and the byte-identical copies among the readable ones: every file
read and decoded, on a few threads, in the background."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .contents import bytes_digest
from .datasets import Problem

REPORT_EVERY = 25  # images between progress reports when nothing is found


def is_copy(problem: Problem) -> bool:
    """A readable image reported for being a copy of another (not an unreadable one)."""
    from ..images.reasons import parse

    return parse(problem.problem).code == "copy"


def check_images(paths: list[Path], cancel: threading.Event | None = None,
                 threads: int = 2) -> Iterator[tuple[int, list[Problem]]]:
    """Decode every image; yields (images done, [Problem of each bad file found since the last report]), after
    each bad file, every REPORT_EVERY images and at the end. A readable image with the bytes of an earlier one in
    ``paths`` is a problem too (``is_copy``): counted twice, and a leak when the two fall on both sides of a
    split. Stops early when ``cancel`` is set."""
    from ..images.imageio import ImageError, read_bytes
    from ..images.reader import decode_file
    from ..images.reasons import ERRORS
    from ..images.textsafe import shown

    cancel = cancel or threading.Event()

    def check(path: Path) -> Problem | str | None:
        """The problem, or the digest of a readable image."""
        if cancel.is_set():
            return None
        try:
            data = read_bytes(path)
            decode_file(data, path)
        except ImageError as exc:
            return Problem(str(path), exc.problem)
        return bytes_digest(data)

    found: list[Problem] = []
    first: dict[str, Path] = {}  # digest -> the first image with those bytes
    with ThreadPoolExecutor(threads, thread_name_prefix="pmscreen-check") as pool:
        for i, (path, result) in enumerate(zip(paths, pool.map(check, paths)), start=1):
            if cancel.is_set():
                return
            if isinstance(result, str) and first.setdefault(result, path) != path:
                result = Problem(str(path), ERRORS["copy"].format(name=shown(first[result].name)))
            if isinstance(result, Problem):
                found.append(result)
            if found or i % REPORT_EVERY == 0 or i == len(paths):
                yield i, found
                found = []
