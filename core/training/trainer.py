"""Qt-free trainer: runs in a background thread, reports typed events, keeps the best model, resumes.

Run folder (``out_dir``) = a model folder (the best epoch's ``weights.safetensors`` + ``model.json``) plus
``checkpoint/`` (last epoch's weights, optimiser state and trainer state) and ``train.log``. The whole folder
is swapped in atomically after every epoch, so a kill never loses the previous best.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.contents import as_record, seen_in_training
from ..data.datasets import Dataset, open_dataset, stratified_subset
from ..data.loader import Augment, ImageCache
from ..images.preprocess import PREPROCESSING
from ..images.textsafe import shown
from ..nn._paddle import paddle
from ..nn.choices import BEST_METRICS as CHOOSABLE_METRICS
from ..nn.models import build_resnet, resnet_config, variant_of
from ..nn.optim import build_optimizer, build_schedule
from ..nn.runtime import use_device
from ..store.folders import FolderBusy, atomic_folder, carry_over, link_or_copy, recover_folder, writing_alone
from ..store.modelio import (
    META,
    WEIGHTS,
    ModelFileError,
    read_tensors,
    sealed_claims,
    state_to_numpy,
    write_json,
    write_meta,
    write_model_files,
    write_tensors,
)
from . import distributed as dist
from .events import (
    BatchEnd,
    CheckpointSaved,
    DataReady,
    EpochEnd,
    Failed,
    Finished,
    Log,
    ValidationProgress,
    format_event,
)
from .validate import summary, validate

F = paddle.nn.functional  # after core.nn._paddle, which imports Paddle quietly

# "last" keeps the last epoch: no choice made on the validation images (cross-validation, core.training.cv).
BEST_METRICS = {**{m: (min if m == "loss" else max) for m in CHOOSABLE_METRICS}, "last": None}


@dataclass
class TrainConfig:
    data: str = ""
    labels: str | None = None  # validation label file (found automatically in a PALM root)
    val_fraction: float = 0.2  # held out of the training images when there is no validation label file
    limit: int | None = None  # train on this many training images (stratified), for quick runs
    depth: int = 50
    variant: str = "D"
    tweaks: dict = field(default_factory=dict)  # overrides of stride_in_3x3 / deep_stem / avg_down
    zero_init_last_bn: bool = False
    epochs: int = 20
    batch_size: int = 16
    val_batch_size: int = 50
    optimizer: str = "momentum"
    lr: float = 1e-4
    momentum: float = 0.9
    weight_decay: float = 0.0
    decay_bn: bool = False  # also decay BN parameters and biases (off: the Bag-of-Tricks refinement)
    schedule: str = "constant"
    warmup_epochs: float = 0.0
    label_smoothing: float = 0.0
    mixup: float = 0.0  # Beta(alpha, alpha) mixing; 0 = off
    flip: bool = True
    rotate: float = 10.0
    scale: float = 0.0
    shift: float = 0.0
    color_jitter: float = 0.1
    gamma: float = 0.0
    channel_gain: float = 0.0
    seed: int = 0
    device: str = "auto"
    amp: bool = True  # mixed precision, used on GPU only
    best_metric: str = "accuracy"
    threshold: float = 0.5

    def validated(self) -> TrainConfig:
        resnet_config(self.depth, self.variant, 2, **self.tweaks)
        if self.best_metric not in BEST_METRICS:
            raise ValueError(f"best metric must be one of {sorted(BEST_METRICS)}, got {self.best_metric!r}")
        for name in ("epochs", "batch_size", "val_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', ' ')} must be at least 1")
        if self.lr <= 0:
            raise ValueError("learning rate must be positive")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError("label smoothing must be in [0, 1)")
        # Checked now, by name: NaN passed every comparison above and trained a model of NaN weights that
        # "finished", and inf or a negative shift failed only after the images were decoded, naming nothing
        for name, low, high in (("lr", 0, 10), ("momentum", 0, 1), ("weight_decay", 0, 1), ("val_fraction", 0, 1),
                                ("warmup_epochs", 0, 1000), ("mixup", 0, 100), ("rotate", 0, 180),
                                ("scale", 0, 0.9), ("shift", 0, 0.5), ("color_jitter", 0, 1), ("gamma", 0, 2),
                                ("channel_gain", 0, 0.9), ("threshold", 0, 1)):
            value = getattr(self, name)
            # (a bool is an int to Python: "gamma": true in an edited state.json trained as gamma 1, hostile round)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                    and low <= value <= high):
                raise ValueError(f"{name.replace('_', ' ')} must be a number from {low} to {high}, got {value!r}")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be a whole number from 0 to {2**32 - 1}, got {self.seed!r}")
        return self

    @property
    def augment(self) -> Augment:
        return Augment(flip=self.flip, rotate_deg=self.rotate, scale=self.scale, shift=self.shift,
                       color_jitter=self.color_jitter, gamma=self.gamma, channel_gain=self.channel_gain)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


RESUME_FREE = ("epochs", "device")  # what a resumed run may change: more epochs, another device


def read_state(out_dir: str | Path) -> dict:
    """The training state checkpointed in ``out_dir``, or a one-line ModelFileError naming the file: none, damaged,
    edited by hand, or nested past the JSON parser's recursion limit."""
    path = Path(out_dir) / "checkpoint" / "state.json"
    recover_folder(Path(out_dir))
    if not path.is_file():
        raise ModelFileError(f"{out_dir}: nothing to resume (no checkpoint/state.json)")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ModelFileError(f"{path}: unreadable ({exc})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: unreadable (nested too deeply)") from None
    if not isinstance(state, dict) or not isinstance(state.get("config"), dict):
        raise ModelFileError(f"{path}: not a training state (no config object)")
    return state


def saved_config(out_dir: str | Path) -> TrainConfig:
    """The recipe of the run checkpointed in ``out_dir`` (a ModelFileError when there is none)."""
    try:
        return TrainConfig.from_dict(read_state(out_dir)["config"])
    except TypeError as exc:
        raise ModelFileError(f"{Path(out_dir) / 'checkpoint' / 'state.json'}: unreadable ({exc})") from None


def resume_config(out_dir: str | Path, given: dict) -> TrainConfig:
    """The config that resumes the run in ``out_dir``: its saved recipe, with ``given`` (the settings asked for
    explicitly) allowed to raise ``epochs`` and choose the ``device``. Any other given setting that differs from
    the saved one is a conflict: a ValueError lists them all in one line."""
    saved = saved_config(out_dir)
    conflicts = []
    for key, value in given.items():
        old = getattr(saved, key)
        if key == "epochs":
            if value < saved.epochs:
                conflicts.append(f"epochs {value} is below the saved run's {saved.epochs} (it can only be extended)")
        elif key in ("data", "labels"):
            same = (value or None) == (old or None) or (value and old and Path(value).resolve() == Path(old).resolve())
            if not same:
                conflicts.append(f"{key} {value} (the run's is {old})")
        elif key == "tweaks":
            for name, flag in value.items():
                if saved.tweaks.get(name) != flag:
                    conflicts.append(f"{name} {flag} (the run's is {saved.tweaks.get(name, 'its variant default')})")
        elif key not in RESUME_FREE and value != old:
            conflicts.append(f"{key} {value} (the run's is {old})")
    if conflicts:
        raise ValueError(f"a resumed run keeps its saved recipe; these settings differ from it: {'; '.join(conflicts)}."
                         f" Drop them, or train into a new --out")
    return dataclasses.replace(saved, epochs=max(saved.epochs, given.get("epochs", saved.epochs)),
                               device=given.get("device", saved.device))


class _Stopped(Exception):
    pass


def soft_targets(labels: np.ndarray, num_classes: int, smoothing: float) -> np.ndarray:
    t = np.full((len(labels), num_classes), smoothing / num_classes, np.float32)
    t[np.arange(len(labels)), labels] += 1.0 - smoothing
    return t


def soft_cross_entropy(logits, targets):
    return -(F.log_softmax(logits.astype("float32"), axis=1) * targets).sum(axis=1).mean()


class Trainer:
    """Train ``config`` into ``out_dir``. ``callback(event)`` is called from the training thread."""

    def __init__(self, config: TrainConfig, out_dir: str | Path, callback: Callable | None = None,
                 resume: bool = False, dataset: Dataset | None = None):
        self.config = config.validated()
        self.out_dir = Path(out_dir)
        self.callback = callback or (lambda ev: None)
        self.resume = resume
        self.dataset = dataset
        self._stop = threading.Event()
        self._started, self._ended = threading.Event(), threading.Event()  # run() entered / returned
        self._thread: threading.Thread | None = None
        self.log_lines: list[str] = []
        self.result: Finished | Failed | None = None
        self._best_epoch, self._best = 0, {}  # the best epoch so far and its validation summary
        self._last_epoch = 0  # the last epoch completed and saved
        self._trained_on: dict | None = None  # the images trained on, by content (core.data.contents)
        self._under_way = 0  # an epoch with batches trained but not yet completed (what a stop would lose)

    # -------------------------------------------------------------- control
    def start(self) -> threading.Thread:
        """Run on a thread of its own (the CLI); a caller with its own worker thread calls ``run`` instead."""
        self._started.set()
        self._thread = threading.Thread(target=self.run, name="pmscreen-trainer", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        """Ask the run to end; it stops at the next batch boundary and keeps the best model saved so far. An epoch
        whose batches are all trained is validated and saved first."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        """Whether the run has started (``start`` or ``run``, on whatever thread) and not yet returned."""
        return self._started.is_set() and not self._ended.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to return; True when it has (or never started)."""
        return self._ended.wait(timeout) if self._started.is_set() else True

    def _emit(self, ev) -> None:
        line = format_event(ev)
        if line is not None:
            self.log_lines.append(line)
        self.callback(ev)

    def _check_stop(self, *_):
        if self._stop.is_set():
            raise _Stopped

    # -------------------------------------------------------------- the run
    def run(self) -> Finished | Failed:
        self._started.set()
        t0 = time.perf_counter()
        try:
            try:
                # process 0 writes the folder (data-parallel runs share it); no other run may meanwhile
                with writing_alone(self.out_dir) if dist.rank() == 0 else contextlib.nullcontext():
                    self.result = self._run(t0)
            except _Stopped:
                self.result = Finished(str(self.out_dir), self._best_epoch, self._best, True,
                                       time.perf_counter() - t0, last_epoch=self._last_epoch,
                                       interrupted=self._under_way)
            except FolderBusy as exc:  # a message for people, as is
                self.result = Failed(str(exc))
            except Exception as exc:  # reported to the observer; the thread must never die silently
                self.result = Failed(f"{type(exc).__name__}: {exc}")
            self._emit(self.result)
            return self.result
        finally:
            self._ended.set()

    def _run(self, t0: float) -> Finished:
        state = self._load_state() if self.resume else None  # a resumed run's recipe replaces self.config
        cfg = self.config
        device = use_device(cfg.device)
        amp = cfg.amp and device.startswith("gpu")
        rank, world = dist.init()
        self._emit(Log(f"device {device}{' with mixed precision' if amp else ''}"
                       f"{f', process {rank + 1} of {world}' if world > 1 else ''}"))
        train_cache, val_cache = self._load_data()
        paddle.seed(cfg.seed)
        np.random.seed(cfg.seed)
        model = build_resnet(cfg.depth, cfg.variant, len(self._class_names), zero_init_last_bn=cfg.zero_init_last_bn,
                             **cfg.tweaks)
        steps = dist.steps_per_epoch(len(train_cache), cfg.batch_size, world)
        schedule = build_schedule(cfg.schedule, cfg.lr, steps * cfg.epochs, round(cfg.warmup_epochs * steps))
        opt = build_optimizer(cfg.optimizer, model, schedule, cfg.weight_decay, cfg.momentum, cfg.decay_bn)
        first_epoch, history = 1, []
        if state:
            first_epoch, history = self._restore(state, model, opt)
            self._emit(Log(f"resumed {self.out_dir} after epoch {first_epoch - 1}"))
        net = dist.wrap(model)
        scaler = paddle.amp.GradScaler(enable=amp, init_loss_scaling=2.0**15)
        for epoch in range(first_epoch, cfg.epochs + 1):
            te = time.perf_counter()
            rng = np.random.default_rng([cfg.seed, epoch])  # per-epoch stream: resuming replays exactly
            order = dist.epoch_order(len(train_cache), cfg.batch_size, epoch, rng, rank, world)
            net.train()
            losses, seen, tb = [], 0, time.perf_counter()
            drop_last = len(order) % cfg.batch_size == 1  # BatchNorm cannot train on a batch of one
            for step, (x, y, _) in enumerate(train_cache.batches(cfg.batch_size, order, cfg.augment, rng,
                                                                 drop_last=drop_last), start=1):
                self._check_stop()
                targets = soft_targets(y, len(self._class_names), cfg.label_smoothing)
                if cfg.mixup > 0:
                    lam = float(rng.beta(cfg.mixup, cfg.mixup))
                    perm = rng.permutation(len(x))
                    x = lam * x + (1 - lam) * x[perm]
                    targets = lam * targets + (1 - lam) * targets[perm]
                with paddle.amp.auto_cast(enable=amp):
                    logits = net(paddle.to_tensor(x))
                loss = soft_cross_entropy(logits, paddle.to_tensor(targets))
                self._check_stop()  # a step cannot be interrupted, so look again between its halves
                scaler.scale(loss).backward()
                self._check_stop()
                scaler.step(opt)
                scaler.update()
                opt.clear_grad()
                lr = opt.get_lr()
                schedule.step()
                losses.append(float(loss))
                seen += len(x)
                self._under_way = epoch
                self._emit(BatchEnd(epoch, step, steps, (epoch - 1) * steps + step, losses[-1], lr,
                                    seen * world / (time.perf_counter() - tb)))
            dist.sync_buffers(model)
            # Its training done, the epoch is validated and saved even when a stop was asked meanwhile: that takes
            # seconds, and stopping here would throw away a whole epoch's training (the last one's too)
            val = validate(model, val_cache, cfg.val_batch_size, cfg.threshold, amp,
                           progress=lambda done, total, e=epoch: self._emit(ValidationProgress(e, done, total)))
            rec = {"epoch": epoch, "train_loss": float(np.mean(losses)) if losses else float("nan"),
                   "seconds": time.perf_counter() - te, "lr": lr if losses else cfg.lr, **summary(val)}
            history.append(rec)
            is_best = self._is_best(rec)
            if is_best:
                self._best_epoch, self._best = epoch, summary(val)
            self._emit(EpochEnd(epoch, cfg.epochs, rec["train_loss"], summary(val), rec["seconds"], is_best,
                                self._best_epoch))
            if rank == 0:
                self._save(model, opt, epoch, history, val if is_best else None)
                self._emit(CheckpointSaved(str(self.out_dir), epoch, is_best))
            self._last_epoch, self._under_way = epoch, 0
        return Finished(str(self.out_dir), self._best_epoch, self._best, False, time.perf_counter() - t0,
                        weights_digest(model), last_epoch=self._last_epoch)

    def _is_best(self, rec: dict) -> bool:
        metric = self.config.best_metric
        better = BEST_METRICS[metric]
        if not self._best or better is None:
            return True
        new, old = rec[metric], self._best[metric]
        if new != old:
            return better(new, old) == new and new == new  # NaN never wins
        return rec["loss"] < self._best["loss"]  # tie: the better-calibrated epoch

    # -------------------------------------------------------------- data
    def _load_data(self) -> tuple[ImageCache, ImageCache]:
        cfg = self.config
        ds = self.dataset or open_dataset(cfg.data, cfg.labels, cfg.val_fraction, cfg.seed)
        self.dataset = ds
        self._class_names = list(ds.class_names)
        train = stratified_subset(ds.train, cfg.limit, cfg.seed) if cfg.limit else ds.train
        self._emit(Log(f"decoding {len(train)} training and {len(ds.val)} validation images "
                       f"({ds.layout} layout; validation: {ds.val_source})"))
        train_cache = ImageCache(train, progress=self._check_stop)
        val_cache = ImageCache(ds.val, progress=self._check_stop)
        skipped = [shown(str(p)) for p in ds.problems + train_cache.problems + val_cache.problems]  # names: escaped
        counts: dict = {}
        tags: dict = {}
        for s in train_cache.samples:
            name = ds.class_names[s.label]
            counts[name] = counts.get(name, 0) + 1
            if s.tag != str(s.label) and s.tag != name:  # PALM's P/H/N where the file name tells
                tags[s.tag] = tags.get(s.tag, 0) + 1
        counts = {name: counts[name] for name in ds.class_names if name in counts}  # the classes' own order
        self._emit(DataReady(len(train_cache), len(val_cache), counts, skipped,
                             dict(sorted(tags.items()))))
        if len(train_cache) < 2 or len(val_cache) < 1:
            raise ValueError(f"too few usable images ({len(train_cache)} training, {len(val_cache)} validation)")
        if len(set(train_cache.labels.tolist())) < 2:
            raise ValueError("the training images hold only one class")
        self._n = (len(train_cache), len(val_cache))
        self._trained_on = as_record(d for d in train_cache.digests if d)  # what was decoded: what is learnt
        self._warn_of_copies(val_cache)
        return train_cache, val_cache

    def _warn_of_copies(self, val_cache: ImageCache) -> None:
        """Validation images that are byte-identical copies of training images (PALM has such pairs under other
        names) are recalled, not predicted: said, since they flatter the figures and the best-epoch choice."""
        paths = [s.path for s in val_cache.samples]
        copies = seen_in_training({"trained_on": self._trained_on}, paths, val_cache.digests)
        if copies:
            self._emit(Log(f"{len(copies)} of the {len(paths)} validation images are identical copies of training "
                           f"images (e.g. {shown(copies[0].name)}): on them the validation figures measure recall, "
                           "not new patients", "warning"))

    # -------------------------------------------------------------- saving and resuming
    def _meta(self, history: list, model) -> dict:
        cfg, ds = self.config, self.dataset
        arch = model.config.to_dict()
        best = next((h for h in history if h["epoch"] == self._best_epoch), {})
        return {
            "name": f"ResNet-{cfg.depth}-{variant_of(model.config) or 'custom'}",
            "architecture": arch,
            "variant": variant_of(model.config),
            "class_names": self._class_names,
            "positive_class": 1,
            "preprocessing": PREPROCESSING,
            "threshold": cfg.threshold,
            "metrics": summary(best) if best else {},
            "best_epoch": self._best_epoch,
            "best_metric": cfg.best_metric,
            "training": cfg.to_dict(),
            "data": {"root": str(ds.root), "fingerprint": ds.fingerprint(), "validation": ds.val_source,
                     "n_train": self._n[0], "n_val": self._n[1]},
            "trained_on": self._trained_on,
            "history": history,
        }

    def _save(self, model, opt, epoch: int, history: list, best_val: dict | None) -> None:
        meta = self._meta(history, model)
        previous = self.out_dir
        with atomic_folder(self.out_dir) as tmp:
            state = state_to_numpy(model.state_dict())
            if best_val is not None or not (previous / WEIGHTS).exists():
                meta = write_model_files(tmp, state, meta)
                (tmp / "validation.json").write_text(json.dumps(
                    {"files": best_val["files"], "probabilities": best_val["probabilities"]}) + "\n")
            else:  # weights of the best epoch are unchanged: carry them over, refresh the description
                link_or_copy(previous / WEIGHTS, tmp / WEIGHTS)
                if (previous / "validation.json").exists():
                    link_or_copy(previous / "validation.json", tmp / "validation.json")
                old = json.loads((previous / META).read_text())
                write_meta(tmp / META, {**old, **{k: meta[k] for k in ("history", "training")}},
                           sealed_claims(old))  # never a claim added to the folder by hand
            ck = tmp / "checkpoint"
            ck.mkdir()
            write_tensors(ck / "model.safetensors", state)
            tensors, extra = _optimizer_state(opt, model)
            write_tensors(ck / "optimizer.safetensors", tensors)
            write_json(ck / "state.json", {"epoch": epoch, "config": self.config.to_dict(), "history": history,
                                           "best_epoch": self._best_epoch, "best": self._best,
                                           "optimizer": extra, "class_names": self._class_names})
            (tmp / "train.log").write_text("\n".join(self.log_lines) + "\n", encoding="utf-8")
            if previous.is_dir():  # a user's notes or a report put in the run folder survive the save
                carry_over(previous, tmp, skip=(WEIGHTS, "validation.json", META, "checkpoint", "train.log"))

    def _load_state(self) -> dict:
        state = read_state(self.out_dir)
        saved = TrainConfig.from_dict(state["config"])
        # A resumed run keeps its recipe; only the number of epochs may grow.
        self.config = dataclasses.replace(saved, epochs=max(self.config.epochs, saved.epochs),
                                          device=self.config.device)
        self.log_lines = (self.out_dir / "train.log").read_text().splitlines() if (
            self.out_dir / "train.log").exists() else []
        return state

    def _restore(self, state: dict, model, opt) -> tuple[int, list]:
        ck = self.out_dir / "checkpoint"
        model.set_state_dict({k: paddle.to_tensor(v) for k, v in read_tensors(ck / "model.safetensors").items()})
        _set_optimizer_state(opt, model, read_tensors(ck / "optimizer.safetensors"), state["optimizer"])
        self._best_epoch, self._best = state["best_epoch"], state["best"]
        self._last_epoch = state["epoch"]
        return state["epoch"] + 1, state["history"]


def weights_digest(model) -> str:
    h = hashlib.sha256()
    for key, value in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(np.ascontiguousarray(value.numpy()).tobytes())
    return h.hexdigest()


def _optimizer_state(opt, model) -> tuple[dict, dict]:
    """Optimiser tensors keyed by structured parameter names (Paddle's own names change between processes)."""
    names = {p.name: k for k, p in model.named_parameters()}
    tensors, extra = {}, {}
    for key, value in opt.state_dict().items():
        if isinstance(value, paddle.Tensor):
            owner = next((n for n in names if key.startswith(n + "_")), None)
            if owner is None:
                raise RuntimeError(f"optimizer state {key!r} belongs to no parameter")
            tensors[f"{names[owner]}::{key[len(owner) + 1:]}"] = value.numpy()
        else:
            extra[key] = value
    return tensors, extra


def _set_optimizer_state(opt, model, tensors: dict, extra: dict) -> None:
    params = dict(model.named_parameters())
    state = dict(extra)
    for key, value in tensors.items():
        pname, suffix = key.split("::", 1)
        state[f"{params[pname].name}_{suffix}"] = paddle.to_tensor(value)
    with warnings.catch_warnings():
        # LinearWarmup restores its inner schedule from a nested entry, yet Paddle's base class calls that entry
        # unused and warns on every resume with warm-up (the rates are restored exactly: test_trainer).
        warnings.filterwarnings("ignore", message="There are some unused values in state_dict")
        opt.set_state_dict(state)
