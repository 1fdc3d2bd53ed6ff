"""Long work of the views off the UI thread, with superqt's workers (superqt.utils.create_worker).

A function becomes a FunctionWorker (``returned`` with its result), a generator function a GeneratorWorker
(``yielded`` with each value); both say ``errored`` with the exception and ``finished`` last, as signals delivered
on the UI thread. ``start`` connects the handlers given and starts the worker on Qt's global thread pool.
"""

from __future__ import annotations

import functools
import inspect

from PySide6.QtCore import QThreadPool
from superqt.utils import WorkerBase, create_worker

# Most of the views' workers wait (on the engine's child process, on files) rather than compute, and a worker
# that loads a model may wait for minutes: the pool must not be as small as the machine's cores, or a DICOM
# header or a data set would wait behind them.
MIN_THREADS = 8


class _Raised(Exception):
    """A RuntimeError of the work, carried past superqt's GeneratorWorker, which takes a RuntimeError for the sign
    of a deleted worker and ends without ``errored`` or ``finished`` (our engines' errors are RuntimeErrors)."""

    def __init__(self, exc: RuntimeError):
        super().__init__(str(exc))
        self.exc = exc


def _carrying_runtime_errors(func):
    if not inspect.isgeneratorfunction(func):
        return func

    @functools.wraps(func)
    def generator(*args, **kwargs):
        try:
            return (yield from func(*args, **kwargs))
        except RuntimeError as exc:
            raise _Raised(exc) from exc

    return generator


def start(func, *args, **handlers) -> WorkerBase:
    """Run ``func(*args)`` on a pool thread; ``handlers``: yielded=, returned=, errored=, finished= (slots run
    on the UI thread). An exception without an ``errored`` handler is dropped (the worker still finishes)."""
    pool = QThreadPool.globalInstance()
    if pool.maxThreadCount() < MIN_THREADS:
        pool.setMaxThreadCount(MIN_THREADS)
    worker = create_worker(_carrying_runtime_errors(func), *args, _start_thread=False, _ignore_errors=True)
    errored = handlers.pop("errored", None)
    if errored is not None:
        worker.errored.connect(lambda exc: errored(exc.exc if isinstance(exc, _Raised) else exc))
    for name, slot in handlers.items():
        getattr(worker, name).connect(slot)
    worker.start()
    return worker


def wait_for_all(timeout: float) -> bool:
    """Wait up to ``timeout`` s until every worker of the pool has ended (at shutdown)."""
    return QThreadPool.globalInstance().waitForDone(int(timeout * 1000))
