"""A screening session, as the GUI's Diagnosis view runs it (no Qt here): the engine of the chosen model, the
queue of files and folders given while a batch runs, the totals, the rate, cancelling, and how a batch ended.

Threads: ``run(batch)`` is a generator for a worker thread: it starts the engine (falling back to threads of
this process when no child process can be started), writes every result to the audit log and yields typed
messages (core.screening.messages, and a Prediction per file). Every other method is for the one thread that
owns the session (the GUI's UI thread): ``apply`` each message there, ``take_rows`` the results that arrived,
``finish`` when the worker has ended.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .engine_process import EngineError, InProcessEngine, ModelLoadError, create_engine
from .inference import Prediction
from .messages import EngineSwitched, Found, ModelInfo, ModelReady, Stage

BATCH_SIZE = 8  # images per network call: small enough that Cancel takes effect within a second on a CPU
RATE_AFTER = 0.5  # s of results before a rate (and an ETA) is given
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Row:
    """One diagnosed file: its place in the input order, the prediction, the model that made it, and when."""

    number: int  # 1-based, in the order the files were given
    pred: Prediction
    model: ModelInfo
    time: str  # local ISO time the result arrived


@dataclass
class Batch:
    """The files and folders of one run of the engine; ``cancel`` stops it after the images under way."""

    paths: list[Path]
    engine: object
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Outcome:
    """How a batch ended: ``more`` when the queue holds files given meanwhile (start the next batch)."""

    done: int
    total: int
    cancelled: bool = False
    failure: Exception | None = None
    more: bool = False


def starting(engine) -> Iterator[Stage | ModelReady]:
    """(Worker thread) Start ``engine`` (blocking), yielding each Stage as it comes, then ModelReady; returns the
    ModelInfo. Raises what ``engine.start`` raises (ModelLoadError, EngineError)."""
    news: queue.SimpleQueue = queue.SimpleQueue()

    def start() -> None:
        try:
            news.put(engine.start(on_stage=news.put))
        except BaseException as exc:  # noqa: BLE001  (raised again on the generator's thread)
            news.put(exc)

    threading.Thread(target=start, name="pmscreen-engine-start", daemon=True).start()
    while True:
        item = news.get()
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, ModelInfo):
            yield ModelReady(item)
            return item
        yield item


class BatchSession:
    def __init__(self, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size
        self.engine = None  # core.screening.engine_process engine of the model last used
        self.info: ModelInfo | None = None  # its model, once loaded
        self.stage = ""  # what the engine is doing while it starts (messages.STAGES), "ready", or ""
        self.queue: list[Path] = []
        self.batch: Batch | None = None  # the batch running
        self.cancelling = False
        self.failure: Exception | None = None
        self.number = self.total = self.done = 0
        self.rate = 0.0  # results per second
        self._rate_start: tuple[float, int] | None = None  # (time, results) when the first result of a batch came
        self._rows: list[Row] = []  # arrived, not yet taken

    # ---------------------------------------------------------------- the engine
    def engine_for(self, model_dir: Path):
        """The engine of ``model_dir``, reused between batches; the previous model's is closed."""
        if self.engine is not None and self.engine.model_dir == model_dir:
            return self.engine
        self.retire_engine()
        self.engine = create_engine(model_dir, self.batch_size)
        return self.engine

    def retire_engine(self) -> None:
        """Forget the current engine and close it on a thread (stopping its child process takes a moment)."""
        engine, self.engine = self.engine, None
        self.stage = ""
        if engine is not None:
            threading.Thread(target=engine.close, name="pmscreen-engine-close", daemon=True).start()

    # ---------------------------------------------------------------- batches
    @property
    def running(self) -> bool:
        return self.batch is not None

    def enqueue(self, paths) -> None:
        """Files and folders to diagnose: the next batch, or after the one running."""
        if not self.running and not self.queue:
            self.total = self.done = 0
        self.queue += [Path(p) for p in paths]

    def start(self, model_dir: Path) -> Batch:
        """The queued paths as a new batch of ``model_dir``'s engine (run it with ``run`` on a worker thread)."""
        paths, self.queue = self.queue, []
        self.batch = Batch(paths, self.engine_for(model_dir))
        self.cancelling = False
        self.failure = None
        self.rate, self._rate_start = 0.0, None
        return self.batch

    def run(self, batch: Batch) -> Iterator[object]:
        """(Worker thread) Start the engine and diagnose the batch: yields Stage, EngineSwitched, ModelReady,
        Found, then a Prediction per file, each in the audit log before it is yielded. A cancelled batch still
        yields the results under way (they are in the log). Raises ModelLoadError or EngineError."""
        from .audit import AuditLog

        engine = batch.engine
        try:
            info = yield from starting(engine)
        except ModelLoadError:
            raise
        except EngineError as exc:  # no child process here: diagnose on threads of this process instead
            log.warning("inference process unavailable (%s); using a thread", exc)
            engine = InProcessEngine(engine.model_dir, self.batch_size)
            yield EngineSwitched(engine)
            info = yield from starting(engine)
        with AuditLog() as audit:
            for item in engine.predict(batch.paths, batch.cancel.is_set):
                if isinstance(item, Prediction):
                    audit.record(item, info.name, info.weights_sha256, info.threshold)
                yield item

    def apply(self, msg) -> None:
        """(Owner thread) Take in one message of the running batch."""
        if isinstance(msg, EngineSwitched):
            self.engine = self.batch.engine = msg.engine
        elif isinstance(msg, Stage):
            self.stage = msg.name
        elif isinstance(msg, ModelReady):
            self.info = msg.info
            self.stage = "ready"
        elif isinstance(msg, Found):
            self.total += msg.count
        elif isinstance(msg, Prediction):
            from .report import local_time

            self.number += 1
            self.done += 1
            self._rows.append(Row(self.number, msg, self.info, local_time()))
            if self._rate_start is None:
                self._rate_start = (time.perf_counter(), self.done - 1)

    def take_rows(self) -> list[Row]:
        """The results that arrived since the last call; updates the rate."""
        rows, self._rows = self._rows, []
        if self._rate_start is not None and self.done > self._rate_start[1]:
            elapsed = time.perf_counter() - self._rate_start[0]
            if elapsed > RATE_AFTER:
                self.rate = (self.done - self._rate_start[1]) / elapsed
        return rows

    @property
    def arrived(self) -> int:
        """Results that arrived and were not taken yet."""
        return len(self._rows)

    def seconds_left(self) -> float | None:
        if self.rate <= 0 or self.done >= self.total:
            return None
        return (self.total - self.done) / self.rate

    def failed(self, exc: Exception) -> None:
        """(Owner thread) The running batch raised ``exc``."""
        self.failure = exc

    def cancel(self) -> bool:
        """Stop the batch after the images under way, and forget the queue; True when a batch was stopped."""
        self.queue = []
        if self.batch is None or self.cancelling:
            return False
        self.batch.cancel.set()
        self.cancelling = True
        return True

    def finish(self) -> Outcome:
        """(Owner thread) The running batch's worker has ended: how it ended."""
        cancelled, failure = self.cancelling, self.failure
        self.batch, self.cancelling, self.failure = None, False, None
        more = bool(self.queue) and not cancelled and failure is None
        if failure is not None and not isinstance(failure, ModelLoadError):
            self.queue = []
            self.stage = ""
        return Outcome(self.done, self.total, cancelled, failure, more)

    def drop(self) -> None:
        """Forget the batch (cancelled: its last results are not wanted), the queue, the results and totals."""
        self.cancel()
        self.batch, self.cancelling, self.failure = None, False, None
        self._rows = []
        self.number = self.total = self.done = 0
        self.rate, self._rate_start = 0.0, None

    def close(self) -> None:
        """Cancel the batch and close the engine (its child process)."""
        self.cancel()
        if self.engine is not None:
            self.engine.close()
            self.engine = None
