"""A training run or a cross-validation on a superqt worker thread, its events re-emitted on the UI thread.

The engine never touches Qt: ``Trainer.run`` and ``CrossValidation.run`` call a plain callback on the worker's
thread. Here each event crosses to the UI thread by a queued signal; the worker's own ``returned`` or
``errored`` (queued after the last event) ends the run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from superqt.utils import FunctionWorker


class TrainingRun(QObject):
    """One run at a time: ``start`` (a Trainer), ``start_cv`` (a CrossValidation), or ``resume`` of either."""

    event = Signal(object)  # a core.training.events dataclass, on the UI thread
    done = Signal(object)  # the final Finished, CVFinished or Failed, after ``event`` delivered it
    _from_worker = Signal(object)  # emitted on the worker thread

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.job = None  # the Trainer or CrossValidation under way (or last run)
        self.out_dir: Path | None = None
        self.started_at = 0.0
        self.worker: FunctionWorker | None = None
        self._running = False
        self._ended = threading.Event()
        self._ended.set()
        self._from_worker.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # ---------------------------------------------------------------- starting
    def start(self, config, out_dir: Path, dataset=None, resume: bool = False) -> None:
        from core.training.trainer import Trainer

        self._begin(Trainer(config, out_dir, self._post, resume=resume, dataset=dataset), out_dir)

    def start_cv(self, config, out_dir: Path, folds: int, pool: str) -> None:
        from core.training.cv import CrossValidation

        self._begin(CrossValidation(config, out_dir, folds, pool, self._post), out_dir)

    def resume(self, out_dir: Path) -> None:
        """Continue the stopped run, or cross-validation, in ``out_dir`` with its saved recipe."""
        from core.training.cv import CrossValidation, is_cv_folder
        from core.training.trainer import saved_config

        if is_cv_folder(out_dir):
            self._begin(CrossValidation.from_folder(out_dir, self._post), out_dir)
        else:
            self.start(saved_config(out_dir), out_dir, resume=True)

    def _begin(self, job, out_dir: Path) -> None:
        if self.running:
            raise RuntimeError("a training run is already going")
        self.job, self.out_dir = job, Path(out_dir)
        self.started_at = time.perf_counter()
        self._running = True
        self._ended.clear()
        self.worker = FunctionWorker(self._work, job)
        self.worker.returned.connect(self._returned)
        self.worker.errored.connect(self._errored)
        self.worker.start()

    def _work(self, job):  # on the worker thread
        try:
            job.run()
            return job.result
        finally:
            self._ended.set()

    # ---------------------------------------------------------------- state
    @property
    def is_cv(self) -> bool:
        from core.training.cv import CrossValidation

        return isinstance(self.job, CrossValidation)

    @property
    def trainer(self):
        """The Trainer under way (a cross-validation's current fold)."""
        return self.job.trainer if self.is_cv else self.job

    @property
    def running(self) -> bool:
        """From ``start`` until the UI thread has had the final event."""
        return self._running

    @property
    def stopping(self) -> bool:
        return self.job is not None and self.job.stopping

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread's run to return; True when it has."""
        return self._ended.wait(timeout)

    # ---------------------------------------------------------------- delivery
    def _post(self, ev) -> None:  # on the worker thread
        try:
            self._from_worker.emit(ev)
        except RuntimeError:  # the window is gone (closed while stopping): nobody listens any more
            pass

    @Slot(object)
    def _deliver(self, ev) -> None:
        self.event.emit(ev)

    def _returned(self, result) -> None:
        self._finish(result)

    def _errored(self, exc: Exception) -> None:  # a cross-validation that could not go on (its plan, a fold)
        from core.training.events import Failed

        failed = Failed(str(exc))
        self.job.result = failed
        self.event.emit(failed)
        self._finish(failed)

    def _finish(self, result) -> None:
        self._running = False
        self.done.emit(result)
