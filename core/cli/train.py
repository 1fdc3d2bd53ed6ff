"""pmscreen train and pmscreen cv."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from ..store.folders import check_folder_name
from .parser import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, build_parser


def _config_from_args(a):
    from ..training.trainer import TrainConfig

    tweaks = {
        k: v
        for k, v in (("stride_in_3x3", a.stride_in_3x3), ("deep_stem", a.deep_stem), ("avg_down", a.avg_down))
        if v is not None
    }
    return TrainConfig(
        data=a.data or "",
        labels=a.labels,
        val_fraction=a.val_fraction,
        limit=a.limit,
        depth=a.depth,
        variant=a.variant,
        tweaks=tweaks,
        zero_init_last_bn=a.zero_init_last_bn,
        epochs=a.epochs,
        batch_size=a.batch_size,
        val_batch_size=a.val_batch_size,
        optimizer=a.optimizer,
        lr=a.lr,
        momentum=a.momentum,
        weight_decay=a.weight_decay,
        decay_bn=a.decay_bn,
        schedule=a.schedule,
        warmup_epochs=a.warmup_epochs,
        label_smoothing=a.label_smoothing,
        mixup=a.mixup,
        flip=a.flip,
        rotate=a.rotate,
        scale=a.scale,
        shift=a.shift,
        color_jitter=a.color_jitter,
        gamma=a.gamma,
        channel_gain=a.channel_gain,
        seed=a.seed,
        device=a.device,
        amp=a.amp,
        best_metric=a.best_metric,
        threshold=a.threshold,
    )


_TWEAKS = ("stride_in_3x3", "deep_stem", "avg_down")


def _explicit_config(a, argv: list[str]) -> dict:
    """The TrainConfig settings given explicitly on the command line (not left at their defaults)."""
    import dataclasses

    from ..training.trainer import TrainConfig

    parser = build_parser()
    sub = next(x for x in parser._actions if isinstance(x, argparse._SubParsersAction))
    train = sub.choices["train"]
    for action in train._actions:
        action.default = argparse.SUPPRESS
    given = vars(parser.parse_args(argv))
    full = dataclasses.asdict(_config_from_args(a))
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    out = {k: full[k] for k in given if k in names}
    tweaks = {k: given[k] for k in _TWEAKS if k in given}
    if tweaks:
        out["tweaks"] = tweaks
    return out


def _strip_nproc(argv: list[str]) -> list[str]:
    out, skip = [], False
    for tok in argv:
        if skip:
            skip = False
        elif tok == "--nproc":
            skip = True
        elif not tok.startswith("--nproc="):
            out.append(tok)
    return out


def cmd_train(a, argv) -> int:
    from ..training import distributed
    from ..training.events import BatchEnd, Failed, Finished, format_event
    from ..training.trainer import Trainer

    if not a.resume and not a.data:
        raise UsageError("--data is required (or --resume to continue the run in --out)")
    if a.resume:  # the saved recipe, with only the settings given explicitly checked against it
        from ..training.trainer import resume_config

        config = resume_config(a.out, _explicit_config(a, argv)).validated()
    else:
        config = _config_from_args(a).validated()
    if a.data and not Path(a.data).is_dir():
        raise UsageError(f"{a.data}: data folder not found")
    if a.nproc > 1 and distributed.world_size() == 1:
        from ..nn.runtime import resolve_device

        return distributed.launch(_strip_nproc(argv), a.nproc, resolve_device(a.device).startswith("gpu"))
    quiet = distributed.rank() != 0  # only rank 0 reports and writes
    tty = sys.stderr.isatty()

    def show(ev):
        if quiet:
            if isinstance(ev, (Finished, Failed)):
                print(f"rank {distributed.rank()}: {format_event(ev)} weights digest {getattr(ev, 'digest', '')}")
            return
        if isinstance(ev, BatchEnd):
            if tty:
                print(
                    f"\r  epoch {ev.epoch} batch {ev.step}/{ev.steps}  loss {ev.loss:.4f}  "
                    f"{ev.images_per_sec:.1f} img/s ",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
            return
        line = format_event(ev)
        if line:
            if tty:
                print("\r\033[K", end="", file=sys.stderr)
            print(line, file=sys.stderr if isinstance(ev, Failed) else sys.stdout, flush=True)
            if isinstance(ev, Finished) and distributed.world_size() > 1:
                print(f"rank 0: weights digest {ev.digest}", flush=True)

    check_folder_name(a.out, "run" if a.resume else "")  # now, not at the first epoch's save
    trainer = Trainer(config, a.out, show, resume=a.resume)
    trainer.start()
    try:
        while not trainer.join(0.2):
            pass
    except KeyboardInterrupt:
        print("\nstopping after this batch, or once an epoch being validated is saved (the best model so far is "
              "kept)…", file=sys.stderr)
        trainer.stop()
        trainer.join()
        return EXIT_INTERRUPTED
    return EXIT_FAILED if isinstance(trainer.result, Failed) else EXIT_OK


def cmd_cv(a, argv) -> int:
    from ..store.folders import FolderBusy
    from ..training.cv import CrossValidation, compare
    from ..training.events import DataReady, EpochEnd, FoldFinished, FoldStarted, Log, format_event

    if a.compare:
        result = compare(*a.compare)
        if a.json:
            print(json.dumps(result))
        else:
            lo, hi = result["interval"]
            print(f"OOF AUC {result['auc_a']:.4f} (A) vs {result['auc_b']:.4f} (B) on {result['images']} images: "
                  f"B - A = {result['difference']:+.4f}, 95% interval [{lo:+.4f}, {hi:+.4f}]: "
                  f"{'measurably different' if result['measurably_different'] else 'not measurably different'}")
        return EXIT_OK
    if not a.data or not a.out:
        raise UsageError("--data and --out are required (or --compare A B)")
    if not Path(a.data).is_dir():
        raise UsageError(f"{a.data}: data folder not found")

    told: set[str] = set()  # files skipped, said once (each fold reads the same images)

    def show(ev):  # one line per fold and epoch; batches are too many for a log
        if isinstance(ev, DataReady):
            ev = dataclasses.replace(ev, skipped=[x for x in ev.skipped if x not in told])
            told.update(ev.skipped)
        # a fold's failure ends the run with the fold's number (the except below): said there, once
        if isinstance(ev, (FoldStarted, FoldFinished, DataReady, EpochEnd, Log)):
            print(format_event(ev), flush=True)

    cv = CrossValidation(_config_from_args(a), a.out, a.folds, a.pool, show, a.same_folds_as)
    try:
        summary = cv.run()
    except KeyboardInterrupt:
        cv.stop()
        print(f"pmscreen cv: interrupted; run it again with --out {a.out} to continue", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RuntimeError, FolderBusy) as exc:  # another run writes the folder: failed, as train says it, no usage error
        print(f"pmscreen cv: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if summary is None:
        return EXIT_INTERRUPTED
    if a.json:
        print(json.dumps({k: v for k, v in summary.items() if k != "oof"}))
    else:
        m, ci = summary["metrics"], summary["intervals"]
        print(f"out-of-fold over {summary['scored']} images, {summary['folds']} folds, threshold "
              f"{summary['threshold']:g}:")
        for key in ("accuracy", "auc", "sensitivity", "specificity"):
            lo, hi = ci[key]
            print(f"  {key:<12} {m[key]:.4f}  (95% interval {lo:.4f}-{hi:.4f})")
        op = summary["operating_point"]
        print(f"screening operating point (out-of-fold): temperature {op['temperature']:.3f}, threshold "
              f"{op['threshold']:.4f}; expected " + ", ".join(
                  f"{k} {op['expected'][k]:.3f} ({op['expected_ci95'][k][0]:.3f}-{op['expected_ci95'][k][1]:.3f})"
                  for k in ("sensitivity", "specificity")))
    return EXIT_OK
