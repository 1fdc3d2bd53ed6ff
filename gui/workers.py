"""Bridges from engine threads to the Qt UI thread.

The engine never touches Qt: the trainer calls a plain callback from its own thread, inference is a
generator. Here those become Qt signals delivered on the UI thread (queued connections), so slots may
update widgets freely and the UI thread never waits on long work.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot


class TrainingRun(QObject):
    """One ``core.training.trainer.Trainer`` run; ``event`` re-emits every engine event on the UI thread."""

    event = Signal(object)  # a core.training.events dataclass, on the UI thread
    done = Signal(object)  # the final Finished or Failed event, after ``event`` delivered it
    _from_trainer = Signal(object)  # emitted on the trainer thread

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.trainer = None
        self.out_dir: Path | None = None
        self.started_at = 0.0
        self._from_trainer.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def start(self, config, out_dir: Path, dataset=None) -> None:
        from core.training.trainer import Trainer

        if self.running:
            raise RuntimeError("a training run is already going")
        self.out_dir = Path(out_dir)
        self.trainer = Trainer(config, out_dir, self._post, dataset=dataset)
        self.started_at = time.perf_counter()
        self.trainer.start()

    @property
    def running(self) -> bool:
        t = self.trainer
        return t is not None and t.running

    @property
    def stopping(self) -> bool:
        return self.trainer is not None and self.trainer.stopping

    def stop(self) -> None:
        if self.trainer is not None:
            self.trainer.stop()

    def wait(self, timeout: float | None = None) -> bool:
        return self.trainer.join(timeout) if self.trainer is not None else True

    def _post(self, ev) -> None:  # on the trainer thread
        try:
            self._from_trainer.emit(ev)
        except RuntimeError:  # the window is gone (closed while stopping): nobody listens any more
            pass

    @Slot(object)
    def _deliver(self, ev) -> None:
        from core.training.events import Failed, Finished

        final = isinstance(ev, (Finished, Failed))
        if final:
            self.trainer.join(5.0)  # the final event is the thread's last act: ``running`` is False from here
        self.event.emit(ev)
        if final:
            self.done.emit(ev)


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
