"""The Diagnosis view's batches on superqt workers, observing a core.screening.session.BatchSession.

The session's generator runs on a worker (the engine's messages and results, each result written to the audit
log there); its messages reach the session on the UI thread, and the results that arrived go to the table in
chunks every FLUSH_MS (``arrived``). A warm-up starts the engine in the background before the first batch.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core.screening.engine_process import ModelLoadError
from core.screening.inference import Prediction
from core.screening.messages import ModelReady, Stage
from core.screening.session import BatchSession, Outcome, starting

from .. import tasks

FLUSH_MS = 100  # results reach the table in chunks, at most this long after they were computed


class BatchRunner(QObject):
    started = Signal()  # a batch started
    changed = Signal()  # the session's state changed (stage, totals, cancelling, running)
    arrived = Signal(list)  # core.screening.session.Row, in input order
    ended = Signal(object)  # the batch's Outcome (after the last ``arrived``)
    modelLoaded = Signal(str)  # the name of the model the engine loaded
    modelFailed = Signal(str)  # why the model cannot be used (core.screening.engine_process.ModelLoadError)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.session = BatchSession()
        self.worker = None  # superqt worker of the batch running
        self.warm_worker = None  # superqt worker starting the engine in the background
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)

    @property
    def busy(self) -> bool:
        """True until the batch's worker has ended and every result has been handed on."""
        return self.worker is not None

    def retire_engine(self) -> None:
        self.warm_worker = None  # a warm-up of that engine ends with it, unheard
        self.session.retire_engine()

    # ---------------------------------------------------------------- warm-up
    def warm_up(self, model_dir: Path):
        """Start ``model_dir``'s engine (its child process, Paddle, the model, one blank batch) in the background;
        the worker, or None when it is running already (or starting)."""
        if self.busy or self.warm_worker is not None:
            return None
        engine = self.session.engine_for(model_dir)
        if engine.alive and engine.info is not None:
            self.session.stage = "ready"
            self.changed.emit()
            return None
        self.session.stage = "process"
        self.warm_worker = worker = tasks.start(
            starting, engine, yielded=lambda msg: self._warm_news(worker, msg),
            errored=lambda exc: self._warm_failed(worker, exc), finished=lambda: self._warm_finished(worker))
        self.changed.emit()
        return worker

    def _warm_news(self, worker, msg: Stage | ModelReady) -> None:
        if worker is self.warm_worker and self.session.engine is not None:
            self.session.stage = msg.name if isinstance(msg, Stage) else "ready"
            self.changed.emit()

    def _warm_failed(self, worker, exc: Exception) -> None:
        if worker is not self.warm_worker:
            return
        self.session.stage = ""
        if isinstance(exc, ModelLoadError):
            self.modelFailed.emit(str(exc))
        self.changed.emit()  # other failures (no child process here): the batch falls back to a thread

    def _warm_finished(self, worker) -> None:
        if worker is self.warm_worker:
            self.warm_worker = None

    # ---------------------------------------------------------------- batches
    def diagnose(self, paths: list[Path], model_dir: Path) -> None:
        """Queue ``paths``; a batch of ``model_dir`` starts when none is running."""
        self.session.enqueue(paths)
        if not self.busy:
            self._start(model_dir)

    def _start(self, model_dir: Path) -> None:
        batch = self.session.start(model_dir)
        self.warm_worker = None  # the batch starts the engine itself (after a warm-up under way)
        self.worker = worker = tasks.start(
            self.session.run, batch, yielded=lambda msg: self._news(worker, msg),
            errored=lambda exc: self._failed(worker, exc), finished=lambda: self._finished(worker, model_dir))
        self._flush_timer.start()
        self.started.emit()
        self.changed.emit()

    def _news(self, worker, msg) -> None:
        if worker is not self.worker:  # a dropped batch's last results are not wanted (they are in the log)
            return
        self.session.apply(msg)
        if isinstance(msg, ModelReady):
            self.modelLoaded.emit(msg.info.name)
        if not isinstance(msg, Prediction):  # results reach the table and the bar in chunks (flush)
            self.changed.emit()

    def flush(self) -> None:
        """Hand on the results that arrived since the last call."""
        rows = self.session.take_rows()
        if rows:
            self.arrived.emit(rows)
        self.changed.emit()

    def _failed(self, worker, exc: Exception) -> None:
        if worker is self.worker:
            self.session.failed(exc)
            if isinstance(exc, ModelLoadError):
                self.modelFailed.emit(str(exc))

    def _finished(self, worker, model_dir: Path) -> None:
        if worker is not self.worker:
            return
        self.flush()
        self.worker = None
        outcome: Outcome = self.session.finish()
        if outcome.more:
            self._start(model_dir)
            return
        self._flush_timer.stop()
        self.changed.emit()
        self.ended.emit(outcome)

    def cancel(self) -> None:
        """Stop the batch after the images under way; the results so far stay."""
        self.session.cancel()
        self.changed.emit()

    def drop(self) -> None:
        """Cancel the batch and forget it, with the results not handed on yet and the totals."""
        self.session.drop()
        self.worker = None
        self._flush_timer.stop()

    def close(self) -> None:
        self.warm_worker = None
        self.session.close()  # a warm-up under way ends with the closed engine
