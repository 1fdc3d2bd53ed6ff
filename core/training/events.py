"""Typed events a training run reports to its observer (the CLI prints them, the GUI plots them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Log:
    message: str
    level: str = "info"  # info | warning | error


@dataclass(frozen=True)
class DataReady:
    n_train: int
    n_val: int
    class_counts: dict  # training images by class name
    skipped: list = field(default_factory=list)  # "file: problem" lines of images left out
    tag_counts: dict = field(default_factory=dict)  # training images by a file name's finer tag (PALM's P, H, N)


def data_counts(ev: DataReady, by_name: str = "by file name", name=lambda k: k) -> str:
    """"non-PM 161, PM 159; by file name: H 21, N 140, P 159": classes first, then PALM's finer tags (a pooled
    cross-validation mixes images named P/H/N with images labelled by a file, which have no such tag). ``name``:
    a class name as shown (the GUI's in its language)."""
    from ..images.textsafe import shown  # class names are folder names: an ESC in one went raw to the terminal

    text = ", ".join(f"{shown(name(k))} {v}" for k, v in ev.class_counts.items())
    if ev.tag_counts:
        text += f"; {by_name}: " + ", ".join(f"{shown(k)} {v}" for k, v in ev.tag_counts.items())
    return text


@dataclass(frozen=True)
class BatchEnd:
    epoch: int  # 1-based
    step: int  # 1-based within the epoch
    steps: int
    global_step: int
    loss: float
    lr: float
    images_per_sec: float


@dataclass(frozen=True)
class ValidationProgress:
    """After each validation batch of an epoch: ``done`` of ``total`` validation images scored."""

    epoch: int
    done: int
    total: int


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    epochs: int
    train_loss: float
    val: dict  # metrics of core.stats.metrics.binary_metrics plus "loss"
    seconds: float
    is_best: bool
    best_epoch: int


@dataclass(frozen=True)
class CheckpointSaved:
    path: str
    epoch: int
    best: bool


@dataclass(frozen=True)
class Finished:
    out_dir: str
    best_epoch: int
    best: dict
    stopped: bool
    seconds: float
    digest: str = ""  # sha256 of the final weights: replicas of a data-parallel run must agree
    last_epoch: int = 0  # the last epoch completed and saved (its checkpoint: a resumed run continues after it)
    interrupted: int = 0  # a stopped run's epoch under way: trained in part, neither validated nor kept (0: none)


@dataclass(frozen=True)
class Failed:
    error: str


# Cross-validation (core.training.cv): each fold is a trainer run whose events come between these.
@dataclass(frozen=True)
class FoldStarted:
    fold: int  # 1-based
    folds: int
    n_train: int  # images the fold trains on
    n_val: int  # its held-out images
    resumed: bool = False


@dataclass(frozen=True)
class FoldFinished:
    fold: int
    folds: int
    metrics: dict  # the fold's held-out metrics at its last epoch (empty when they are not known)
    seconds: float
    earlier: bool = False  # finished in an earlier session: not trained again


@dataclass(frozen=True)
class CVFinished:
    out_dir: str
    folds: int
    folds_done: int
    stopped: bool
    seconds: float
    metrics: dict = field(default_factory=dict)  # out-of-fold metrics (empty unless every fold is done)
    intervals: dict = field(default_factory=dict)  # their 95 % bootstrap intervals, [low, high]


def _pct(x: float) -> str:
    return "  n/a " if x != x else f"{100 * x:5.1f}%"


def format_event(ev) -> str | None:
    """The log line for an event (None for per-batch events and validation progress, which drive progress displays
    instead)."""
    if isinstance(ev, Log):
        return ev.message if ev.level == "info" else f"{ev.level.upper()}: {ev.message}"
    if isinstance(ev, DataReady):
        line = f"data: {ev.n_train} training images ({data_counts(ev)}), {ev.n_val} validation images"
        if ev.skipped:
            line += f"; skipped {len(ev.skipped)} unusable file(s):\n  " + "\n  ".join(ev.skipped)
        return line
    if isinstance(ev, EpochEnd):
        v = ev.val
        return (f"epoch {ev.epoch}/{ev.epochs}  train loss {ev.train_loss:.4f}  val loss {v['loss']:.4f}  "
                f"acc {_pct(v['accuracy'])}  auc {v['auc']:.4f}  sens {_pct(v['sensitivity'])}  "
                f"spec {_pct(v['specificity'])}  {ev.seconds:.0f}s{'  *best*' if ev.is_best else ''}")
    if isinstance(ev, CheckpointSaved):
        return f"saved {'best model and ' if ev.best else ''}checkpoint to {ev.path}"
    if isinstance(ev, Finished):
        b = ev.best
        state = "stopped" if ev.stopped else "finished"
        lost = f"; epoch {ev.interrupted} was under way and is not kept" if ev.stopped and ev.interrupted else ""
        if not b:
            return f"{state} after {ev.seconds:.0f}s{lost}; no epoch completed, no model saved"
        kept = f"; last completed epoch {ev.last_epoch}" if ev.stopped else ""
        return (f"{state} in {ev.seconds:.0f}s{lost}{kept}; best epoch {ev.best_epoch}: acc {_pct(b['accuracy'])}, "
                f"auc {b['auc']:.4f}; model in {ev.out_dir}")
    if isinstance(ev, Failed):
        return f"ERROR: {ev.error}"
    if isinstance(ev, FoldStarted):
        return (f"fold {ev.fold} of {ev.folds}{' (resumed)' if ev.resumed else ''}: {ev.n_train} training images, "
                f"{ev.n_val} held out")
    if isinstance(ev, FoldFinished):
        m = ev.metrics
        done = "done earlier" if ev.earlier else f"done in {ev.seconds:.0f}s"
        scores = f": held-out acc {_pct(m['accuracy'])}, auc {m['auc']:.4f}" if m else ""
        return f"fold {ev.fold} of {ev.folds} {done}{scores}"
    if isinstance(ev, CVFinished):
        if ev.stopped or not ev.metrics:
            return (f"cross-validation stopped after {ev.seconds:.0f}s with {ev.folds_done} of {ev.folds} folds done;"
                    f" run it again on {ev.out_dir} to continue")
        m, ci = ev.metrics, ev.intervals
        return (f"cross-validation finished in {ev.seconds:.0f}s: out-of-fold acc {_pct(m['accuracy'])} "
                f"({_pct(ci['accuracy'][0]).strip()}-{_pct(ci['accuracy'][1]).strip()}), auc {m['auc']:.4f} "
                f"({ci['auc'][0]:.4f}-{ci['auc'][1]:.4f}); summary in {ev.out_dir}/oof.json")
    return None
