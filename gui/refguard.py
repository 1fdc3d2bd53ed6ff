"""Keeps the reference counts of None, True and False from reaching zero under PySide6 6.12.0.

PySide6 / shiboken6 6.12.0 (the version installed here) returns None from Qt's void methods, and True from
``Signal.emit``, without taking a reference for the caller: every ``QLabel.setText``, ``QProgressBar.setValue``,
``QCoreApplication.processEvents``… takes one reference away from None (about 11 per pyqtgraph ``setData``) and every
``emit`` one from True. Measured: a 3-epoch training of 32 images in the Training view took 8,000 references from
None; None starts with about 60,000. When a count reaches zero, Python aborts with "Fatal Python error:
none_dealloc: deallocating None" (or bool_dealloc) — after ten minutes or so of training with live plots, or a long
batch. The screenshot script hit it on exit.

Python 3.11 has no immortal objects, so the guard gives them back: a timer on the UI thread checks the three counts
twice a second and adds 200,000 to one that has fallen below 50,000, by writing the object's reference count
(``ob_refcnt``, the first field of every CPython object) through ctypes, under the GIL like any other change of it.
References added that way are never given back, so the count also survives the interpreter's shutdown (spare
references held in a list would be released then, and the count would reach zero at exit: tried). The guard is
installed only when the bug shows: ``leaks()`` calls a void method a hundred times and looks at None's count, so a
fixed PySide6 — or Python 3.12+, whose None, True and False are immortal — gets no guard.
"""

from __future__ import annotations

import sys

LOW = 50_000  # top up a count below this (more than the bug takes in one interval, by far)
BATCH = 200_000
_SINGLETONS = (("None", None), ("True", True), ("False", False))
_added: dict[str, int] = {name: 0 for name, _ in _SINGLETONS}
_timer = None


def leaks() -> bool:
    """True when this PySide6 takes a reference from None on each call of a void method."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(100):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 50


def _add_references(obj, n: int) -> None:
    import ctypes

    ctypes.c_ssize_t.from_address(id(obj)).value += n  # ob_refcnt (CPython; the GIL is held here)


def top_up() -> int:
    """Give references back to the singletons whose counts are low; returns how many were added."""
    added = 0
    for name, obj in _SINGLETONS:
        if sys.getrefcount(obj) < LOW:
            _add_references(obj, BATCH)
            _added[name] += BATCH
            added += BATCH
    return added


def spare() -> int:
    """References added so far."""
    return sum(_added.values())


def install(app, interval_ms: int = 500):
    """Start the guard (once per process) when the installed PySide6 needs it; returns its timer or None."""
    global _timer
    if _timer is not None:
        return _timer
    if not leaks():
        return None
    from PySide6.QtCore import QTimer

    top_up()
    _timer = QTimer(app)
    _timer.setObjectName("pmscreen-refguard")
    _timer.timeout.connect(top_up)
    _timer.start(interval_ms)
    return _timer
