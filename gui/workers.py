"""A bridge from a plain Python thread to the Qt UI thread for the Dataset and Diagnosis views' jobs (the
Training view runs on superqt's workers: gui/training/run.py).

A job's results become Qt signals delivered on the UI thread (queued connections), so slots may update widgets
freely and the UI thread never waits on long work.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot


class ThreadJob(QObject):
    """A function run on a plain Python thread; its result or exception arrives as a signal on the UI thread.

    ``func(job)`` may call ``job.report(x)`` to send intermediate results (``progress``) and should check
    ``job.cancelled`` between steps.
    """

    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()
    _out = Signal(str, object)

    def __init__(self, func, parent: QObject | None = None, name: str = "pmscreen-job"):
        super().__init__(parent)
        self._func = func
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._out.connect(self._relay, Qt.ConnectionType.QueuedConnection)

    def start(self) -> ThreadJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def report(self, value) -> None:
        self._send("progress", value)

    def _send(self, kind: str, value) -> None:
        try:
            self._out.emit(kind, value)
        except RuntimeError:  # the receiving object was deleted: the result has nowhere to go
            self._cancel.set()

    def _run(self) -> None:
        try:
            result = self._func(self)
        except Exception as exc:  # handed to the UI as a signal: a worker never dies silently
            self._send("failed", exc)
        else:
            self._send("succeeded", result)
        self._send("finished", None)

    @Slot(str, object)
    def _relay(self, kind: str, value) -> None:
        if kind == "progress":
            self.progress.emit(value)
        elif kind == "succeeded":
            self.succeeded.emit(value)
        elif kind == "failed":
            self.failed.emit(value)
        else:
            self.finished.emit()
