"""How far a run is and how long it has left, worked out from its events (Qt-free; the view shows it).

Progress counts training images, and validation images at VAL_IMAGE_COST each; a cross-validation counts its
folds as equal parts. The time left comes from the wall time of the whole epochs measured so far (training,
validation and the checkpoint, from one epoch's end to the next); before the first one ends, from the pace of its
batches plus its validation: estimated from the batches' pace, then measured while it runs."""

from __future__ import annotations

import time

from core.training.events import (
    BatchEnd,
    CheckpointSaved,
    DataReady,
    EpochEnd,
    FoldFinished,
    FoldStarted,
    ValidationProgress,
)

VAL_IMAGE_COST = 1 / 3  # a validation image (forward only) against a training image


class RunProgress:
    def __init__(self, epochs: int, batch_size: int, folds: int = 1, clock=time.perf_counter):
        self.epochs, self.batch_size, self.folds = epochs, batch_size, folds
        self.clock = clock
        self.fold = 1  # the fold under way (1-based; 1 for a single run)
        self.fold_seconds: list[float] = []  # folds trained in this session
        self.finished = False
        self._start_fold()

    def _start_fold(self) -> None:
        now = self.clock()
        self.fold_started = self.epoch_started = now  # epoch_started: when the epoch under way began
        self.epoch_seconds: list[float] = []  # wall time of each whole epoch of this fold and session
        self.epochs_done = 0  # the last epoch finished (a resumed run starts past 0)
        self.epoch_saved = 0  # the last epoch saved in this session
        self.batches = 0  # seen in this fold
        self.first_batch_at = self.last_batch_at = 0.0
        self.last_batch: BatchEnd | None = None
        self.last_val: ValidationProgress | None = None  # while the current epoch is being validated
        self.val_started = 0.0
        self.n_val = 0

    def on_event(self, ev) -> None:
        now = self.clock()
        if isinstance(ev, BatchEnd):
            self.batches += 1
            if not self.first_batch_at:
                self.first_batch_at = now
            self.last_batch_at = now
            if ev.step == ev.steps:
                self.val_started = now  # validation follows the epoch's last batch
            self.last_batch, self.last_val = ev, None
        elif isinstance(ev, ValidationProgress):
            self.last_val = ev
        elif isinstance(ev, EpochEnd):
            self.epoch_seconds.append(now - self.epoch_started)
            self.epochs_done = ev.epoch
            self.epoch_started = now
        elif isinstance(ev, CheckpointSaved):  # saving is part of the epoch: the next one starts after it
            self.epoch_saved = ev.epoch
            if self.epoch_seconds:
                self.epoch_seconds[-1] += now - self.epoch_started
            self.epoch_started = now
        elif isinstance(ev, DataReady):
            self.epoch_started = now
            self.n_val = ev.n_val
        elif isinstance(ev, FoldStarted):
            self.fold = ev.fold
            self._start_fold()
        elif isinstance(ev, FoldFinished):
            if not ev.earlier:
                self.fold_seconds.append(now - self.fold_started)
            self.fold = ev.fold + 1
            self._start_fold()

    def validating(self) -> int:
        """The epoch whose batches are all trained and which is being validated (0: none); a stop lets it end."""
        b = self.last_batch
        epoch = self.last_val.epoch if self.last_val is not None else b.epoch if b and b.step == b.steps else 0
        return epoch if epoch > self.epoch_saved else 0

    def fraction(self) -> float:
        """0 to 1: the whole run (every fold)."""
        if self.finished:
            return 1.0
        return min(1.0, (self.fold - 1 + self._fold_fraction()) / self.folds)

    def kept_fraction(self) -> float:
        """0 to 1: the work a stopped run keeps: the folds finished and the whole epochs of the fold under way (an
        epoch stopped part-way is not kept; before its first batch a resumed run's earlier epochs are not known)."""
        b = self.last_batch
        epochs = max(self.epochs_done, b.epoch - 1 if b else 0)
        return min(1.0, (self.fold - 1 + epochs / self.epochs) / self.folds)

    def _fold_fraction(self) -> float:
        b = self.last_batch
        if b is None:
            return 0.0
        per_epoch = b.steps + self.n_val * VAL_IMAGE_COST / self.batch_size  # in training batches
        v = self.last_val
        done = (b.epoch - 1) * per_epoch + b.step + (v.done * VAL_IMAGE_COST / self.batch_size if v else 0.0)
        return min(1.0, done / (self.epochs * per_epoch))

    def eta_seconds(self) -> float | None:
        left = self._fold_left()
        if left is None:
            return None
        later = self.folds - min(self.fold, self.folds)
        if later:
            per_fold = (sum(self.fold_seconds) / len(self.fold_seconds) if self.fold_seconds
                        else self.clock() - self.fold_started + left)
            left += later * per_fold
        return left

    def _fold_left(self) -> float | None:
        b = self.last_batch
        if b is None:
            return None
        now = self.clock()
        done = max(self.epochs_done, b.epoch - 1)  # whole epochs (a resumed run's first batch tells its earlier ones)
        if done >= self.epochs:
            return 0.0
        if self.epoch_seconds:  # whole epochs measured: training, validation and saving
            per_epoch = sum(self.epoch_seconds) / len(self.epoch_seconds)
            return max(0.0, per_epoch - (now - self.epoch_started)) + per_epoch * (self.epochs - done - 1)
        # The first epoch of this session: its batches' pace, and its validation (estimated, then measured)
        per_batch = ((self.last_batch_at - self.first_batch_at) / (self.batches - 1) if self.batches > 1
                     else self.first_batch_at - self.epoch_started)
        v = self.last_val
        if v is not None and v.done:
            val_so_far = now - self.val_started
            val_total = val_so_far / v.done * v.total
            this_left = val_total - val_so_far
        else:
            val_total = self.n_val * VAL_IMAGE_COST / self.batch_size * per_batch
            this_left = per_batch * (b.steps - b.step) + val_total
        return max(0.0, this_left) + (per_batch * b.steps + val_total) * (self.epochs - b.epoch)
