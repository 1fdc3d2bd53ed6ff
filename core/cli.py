"""The ``pmscreen`` command line: train, evaluate, predict (and the GUI when run without a command).

Exit codes: 0 success, 1 a training run failed, 2 bad usage or unreadable input (one line on stderr),
130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default exit code is 2 too; keep its one-line form
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:

    p = _Parser(
        prog="pmscreen",
        description="Screen colour fundus photographs for pathologic myopia (PM), "
        "and train and compare ResNet O/B/C/D models on PALM / iChallenge-PM data. "
        "Without a command, the desktop application starts.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = sub.add_parser(
        "train",
        help="train a ResNet and keep its best epoch as a model folder",
        description="Train a ResNet on a PALM root (PALM-Training400 + PALM-Validation400 with its "
        "label file), a prefix-labelled folder, or a one-folder-per-class layout. The best epoch "
        "(by --best-metric) is written to --out as a model folder; every epoch is checkpointed "
        "there so --resume continues an interrupted run.",
    )
    t.add_argument("--data", help="data set root (required unless --resume)")
    t.add_argument("--labels", help="validation label file (.xlsx/.csv with imgName, Label); found automatically")
    t.add_argument("--out", required=True, help="run folder: the best model, checkpoint and log go here")
    t.add_argument(
        "--resume", action="store_true",
        help="continue the run in --out exactly: its saved recipe, schedule position and random streams; --epochs "
        "may extend it and --device choose another device; any other flag that differs from the run is refused"
    )
    _recipe_args(t)
    t.add_argument("--limit", type=_positive_int, help="train on N training images (stratified), for quick runs")
    t.add_argument(
        "--val-fraction",
        type=float,
        default=0.2,
        help="share of training images held out when there is no validation label file",
    )
    t.add_argument(
        "--best-metric", default="accuracy", choices=["accuracy", "auc", "f1", "loss", "sensitivity", "specificity"]
    )
    t.add_argument("--threshold", type=float, default=0.5, help="PM decision threshold for the metrics")
    t.add_argument("--device", default="auto", help="auto (GPU when available), cpu or gpu[:N]")
    t.add_argument("--no-amp", dest="amp", action="store_false", help="no mixed precision on GPU")
    t.add_argument(
        "--nproc",
        type=_positive_int,
        default=1,
        help="data-parallel processes (paddle.distributed.launch; gloo on CPU, NCCL on GPUs)",
    )

    e = sub.add_parser(
        "evaluate",
        help="score a model on labelled images",
        description="Score a model on a folder of images labelled by an xlsx/csv file "
        "(columns imgName, Label). Unreadable images are skipped with a warning.",
    )
    _model_args(e)
    e.add_argument("--images", required=True, help="folder of images")
    e.add_argument("--labels", required=True, help="label file (.xlsx or .csv with imgName, Label)")
    e.add_argument("--threshold", type=float, help="decision threshold (default: the model's)")
    e.add_argument("--json", action="store_true", help="print one JSON object")

    r = sub.add_parser(
        "predict",
        help="diagnose images, with reports, heatmaps and the audit log",
        description="PM probability and verdict per image. Each image is first checked to be a gradable colour "
        "fundus photograph (docs/quality.md); one that is not gets 'ungradable — retake' and the reason. "
        "Folders and their sub-folders are searched for JPEG, PNG, TIFF, BMP and DICOM (.dcm) files. "
        "Unreadable files get an error row; the rest go on (exit code 2 if any was unreadable). Every result "
        "is appended to the audit log in the user data folder (audit/audit.jsonl) unless --no-audit.",
    )
    _model_args(r)
    r.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR")
    r.add_argument("--json", action="store_true", help="one JSON object per image and line")
    r.add_argument("--report", metavar="FILE", help="also write a report: .xlsx or .csv (one row per image) or "
                   ".pdf (a summary page, then one page per image with thumbnail and heatmap)")
    r.add_argument("--heatmaps", metavar="DIR", help="write each judged image's Grad-CAM overlay as PNG into DIR")
    r.add_argument("--opacity", type=float, default=0.45, help="heatmap opacity in the overlays, 0 to 1 (0.45)")
    r.add_argument("--no-audit", dest="audit", action="store_false", help="do not append results to the audit log")
    r.add_argument("--no-quality-gate", dest="quality_gate", action="store_false",
                   help="give a verdict for images that fail the quality check too (the check is still reported)")

    f = sub.add_parser("finalize", help="turn a trained run into a calibrated float16 screening model",
                       description="Calibrate a trained run on labelled validation images (temperature scaling), "
                       "choose the decision threshold for a minimum sensitivity, compute metrics with 95%% "
                       "bootstrap intervals and write a float16 model folder with a model card.")
    f.add_argument("--model", required=True, help="trained run / model folder")
    f.add_argument("--images", required=True, help="folder of validation images")
    f.add_argument("--labels", required=True, help="label file (.xlsx or .csv with imgName, Label)")
    f.add_argument("--out", required=True, help="the new model folder (e.g. resources/models/NAME)")
    f.add_argument("--name", help="model name shown to users")
    f.add_argument("--min-sensitivity", type=float, default=0.97, help="screening sensitivity target (0.97)")
    f.add_argument("--json", action="store_true", help="print the resulting model.json")

    s = sub.add_parser("selftest", help="headless check that the program works (prints one JSON line)",
                       description="Load the bundled model, diagnose a synthetic fundus-like image with the quality "
                       "checks, print one JSON line (model, probability, seconds) and exit 0; any failure exits "
                       "non-zero with the reason.")
    s.add_argument("--model", help="model folder (default: the bundled screening model)")

    th = sub.add_parser("set-threshold", help="change a model's decision threshold (re-sealed, who/when recorded)",
                        description="Change the decision threshold (operating point) of a model folder. The folder "
                        "must be intact; its model.json is re-sealed and records the change (old and new value, "
                        "user, time, note), as does MODEL_CARD.md when present. Editing model.json by hand "
                        "instead makes PM Screen refuse the model.")
    th.add_argument("model", metavar="MODEL", help="model folder")
    th.add_argument("--threshold", type=float, required=True, help="new threshold, between 0 and 1")
    th.add_argument("--note", help="why (recorded in the model card)")

    se = sub.add_parser("seal", help="seal a model folder written by an older PM Screen",
                        description="Check a model folder written before PM Screen sealed its decision fields "
                        "(range checks, the weights against their SHA-256) and seal it, recording user and time. "
                        "A sealed, intact folder is left as it is; one whose seal differs is refused.")
    se.add_argument("model", metavar="MODEL", help="model folder")

    c = sub.add_parser(
        "cv",
        help="K-fold cross-validation: out-of-fold probabilities and metrics for every labelled image",
        description="Stratified K-fold cross-validation over the labelled images of a data set (training and "
        "validation pooled by default). Each fold trains the recipe on the other folds and keeps its last epoch "
        "(nothing is chosen on held-out images); every image gets one out-of-fold (OOF) probability. --out gets "
        "cv.json (the plan), fold-1 ... (resumable trainer runs) and oof.json (OOF probabilities, metrics and "
        "95% bootstrap intervals, and the screening operating point: temperature and threshold for 97% "
        "sensitivity fitted on the OOF probabilities, with the sensitivity and specificity to expect). Running "
        "it again on the same --out continues where it stopped. With --compare A B, two finished CV runs over "
        "the same folds get a paired bootstrap of their OOF AUC.",
    )
    c.add_argument("--data", help="data set root")
    c.add_argument("--labels", help="validation label file (found automatically in a PALM root)")
    c.add_argument("--out", help="CV run folder")
    c.add_argument("--folds", type=_positive_int, default=5, help="number of folds (default 5)")
    c.add_argument("--pool", default="all", choices=["all", "train", "val"],
                   help="which labelled images: both splits pooled (default), or only one")
    _recipe_args(c)
    c.add_argument("--threshold", type=float, default=0.5, help="PM decision threshold for the metrics")
    c.add_argument("--device", default="auto", help="auto (GPU when available), cpu or gpu[:N]")
    c.add_argument("--no-amp", dest="amp", action="store_false", help="no mixed precision on GPU")
    c.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two finished CV run folders instead")
    c.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    c.set_defaults(limit=None, val_fraction=0.2, best_metric="last")

    # Listed for the help text only: main() hands "gui ..." to the application's own parser.
    sub.add_parser("gui", help="start the desktop application (pmscreen gui --help for its options)")
    return p


def _recipe_args(p):
    """The training recipe's options, shared by train and cv."""
    from .choices import DEPTHS, OPTIMIZERS, SCHEDULES, VARIANTS

    p.add_argument("--depth", type=int, default=50, choices=sorted(DEPTHS))
    p.add_argument(
        "--variant",
        default="D",
        type=str.upper,
        choices=sorted(VARIANTS),
        help="Bag-of-Tricks variant: O original, B stride in 3x3, C + deep stem, D + avg-pool shortcut (default D)",
    )
    for flag, what in (("stride-in-3x3", "tweak B"), ("deep-stem", "tweak C"), ("avg-down", "tweak D")):
        p.add_argument(
            f"--{flag}", action=argparse.BooleanOptionalAction, default=None, help=f"override {what} of the variant"
        )
    p.add_argument("--zero-init-last-bn", action="store_true", help="zero-initialise each block's last BN gamma")
    p.add_argument("--epochs", type=_positive_int, default=20)
    p.add_argument("--batch-size", type=_positive_int, default=16, help="images per step and process (default 16)")
    p.add_argument("--val-batch-size", type=_positive_int, default=50)
    p.add_argument("--optimizer", default="momentum", choices=OPTIMIZERS)
    p.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (default 1e-4)")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=0.0,
                   help="not applied to BN parameters and biases unless --decay-bn")
    p.add_argument("--decay-bn", action="store_true", help="apply weight decay to BN parameters and biases too")
    p.add_argument("--schedule", default="constant", choices=SCHEDULES)
    p.add_argument("--warmup-epochs", type=float, default=0.0, help="linear warm-up length")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--mixup", type=float, default=0.0, help="mixup alpha (0 = off)")
    p.add_argument("--no-flip", dest="flip", action="store_false", help="no random horizontal flips")
    p.add_argument("--rotate", type=float, default=10.0, help="random rotation range in degrees (0 = off)")
    p.add_argument("--scale", type=float, default=0.0, help="random zoom range, e.g. 0.1 = ±10%% (0 = off)")
    p.add_argument("--shift", type=float, default=0.0, help="random shift as a fraction of the size (0 = off)")
    p.add_argument("--color-jitter", type=float, default=0.1, help="brightness/contrast/saturation jitter")
    p.add_argument("--seed", type=int, default=0)


def _model_args(p):
    from .choices import PRECISIONS

    p.add_argument("--model", help="model folder (default: the bundled screening model)")
    p.add_argument("--batch-size", type=_positive_int, default=50)
    p.add_argument("--device", default="auto", help="auto, cpu or gpu[:N]")
    p.add_argument("--precision", default="fp32", choices=PRECISIONS,
                   help="CPU inference precision: fp32 (default; the trained model's exact probabilities) or bf16 "
                   "(about 2x faster on CPUs with AVX512-BF16/AMX, probabilities differ by up to a few hundredths; "
                   "falls back to fp32 elsewhere)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["gui"]:
        from gui.app import main as gui_main

        return gui_main(argv[1:])
    for stream in (sys.stdout, sys.stderr):  # a name that slipped through unescaped never kills a batch
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    args = build_parser().parse_args(argv)
    if args.version:
        from . import __version__

        print(f"pmscreen {__version__}")
        return EXIT_OK
    if args.command is None:
        from gui.app import main as gui_main

        return gui_main([])
    from .datasets import DatasetError
    from .imageio import ImageError
    from .modelio import ModelFileError

    try:
        commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "finalize": cmd_finalize,
                    "selftest": cmd_selftest, "cv": cmd_cv, "set-threshold": cmd_set_threshold, "seal": cmd_seal}
        return commands[args.command](args, argv)
    except (UsageError, DatasetError, ModelFileError, ImageError, ValueError, OSError) as exc:
        from .textsafe import shown

        print(f"pmscreen {args.command}: error: {shown(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"pmscreen {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


# ---------------------------------------------------------------- train


def _config_from_args(a):
    from .trainer import TrainConfig

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

    from .trainer import TrainConfig

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
    from . import distributed
    from .events import BatchEnd, Failed, Finished, format_event
    from .trainer import Trainer

    if not a.resume and not a.data:
        raise UsageError("--data is required (or --resume to continue the run in --out)")
    if a.resume:  # the saved recipe, with only the settings given explicitly checked against it
        from .trainer import resume_config

        config = resume_config(a.out, _explicit_config(a, argv)).validated()
    else:
        config = _config_from_args(a).validated()
    if a.data and not Path(a.data).is_dir():
        raise UsageError(f"{a.data}: data folder not found")
    if a.nproc > 1 and distributed.world_size() == 1:
        from .runtime import resolve_device

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

    trainer = Trainer(config, a.out, show, resume=a.resume)
    trainer.start()
    try:
        while not trainer.join(0.2):
            pass
    except KeyboardInterrupt:
        print("\nstopping after this batch (the best model so far is kept)…", file=sys.stderr)
        trainer.stop()
        trainer.join()
        return EXIT_INTERRUPTED
    return EXIT_FAILED if isinstance(trainer.result, Failed) else EXIT_OK


def cmd_cv(a, argv) -> int:
    from .cv import CrossValidation, compare
    from .events import BatchEnd, EpochEnd, Failed, Log, format_event

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

    def show(ev):  # one line per fold and epoch; batches are too many for a log
        if isinstance(ev, (EpochEnd, Failed, Log)) and not isinstance(ev, BatchEnd):
            print(format_event(ev), file=sys.stderr if isinstance(ev, Failed) else sys.stdout, flush=True)

    cv = CrossValidation(_config_from_args(a), a.out, a.folds, a.pool, show)
    try:
        summary = cv.run()
    except KeyboardInterrupt:
        cv.stop()
        print(f"pmscreen cv: interrupted; run it again with --out {a.out} to continue", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RuntimeError as exc:
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


# ---------------------------------------------------------------- evaluate / predict


def _model_dir(a) -> Path:
    if a.model:
        return Path(a.model)
    from .bundled import default_model_dir

    found = default_model_dir()
    if found is None:
        raise UsageError("no --model given and no bundled model is installed")
    return found


def _num(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def cmd_evaluate(a, argv) -> int:
    from .datasets import labelled_folder
    from .inference import Predictor
    from .loader import ImageCache
    from .validate import summary, validate

    if a.threshold is not None and not 0 < a.threshold < 1:
        raise UsageError(f"--threshold must be between 0 and 1, got {a.threshold}")
    samples, problems = labelled_folder(a.images, a.labels)
    predictor = Predictor(_model_dir(a), a.device, a.batch_size, precision=a.precision)
    t0 = time.perf_counter()
    cache = ImageCache(samples)
    problems += cache.problems
    from .textsafe import shown

    for p in problems:
        print(f"warning: skipped {shown(p)}", file=sys.stderr)
    if not len(cache):
        raise UsageError(f"{a.images}: none of the labelled images could be read")
    threshold = predictor.threshold if a.threshold is None else a.threshold
    m = validate(None, cache, a.batch_size, threshold, positive=predictor.positive, forward=predictor.logits)
    seconds = time.perf_counter() - t0
    out = {
        "model": predictor.name,
        "model_dir": str(predictor.model_dir),
        **summary(m),
        "skipped": [shown(p) for p in problems],
        "seconds": round(seconds, 3),
    }
    if a.json:
        print(json.dumps({k: _num(v) for k, v in out.items()}))
        return EXIT_OK
    cm = m["confusion"]
    print(f"model        {out['model']}  ({out['model_dir']})")
    print(f"images       {m['n']} ({len(problems)} skipped)   threshold {threshold:.3f}")
    for k in ("accuracy", "auc", "sensitivity", "specificity", "precision", "f1", "loss"):
        print(f"{k:<12} {m[k]:.4f}")
    print(f"confusion    true non-PM: {cm[0][0]} called non-PM, {cm[0][1]} called PM")
    print(f"             true PM:     {cm[1][0]} called non-PM, {cm[1][1]} called PM")
    print(f"time         {seconds:.1f}s ({m['n'] / seconds:.1f} images/s)")
    return EXIT_OK


def cmd_predict(a, argv) -> int:
    from collections import Counter

    from .inference import Predictor

    if not 0.0 <= a.opacity <= 1.0:
        raise UsageError(f"--opacity must be between 0 and 1, got {a.opacity}")
    report_path = Path(a.report) if a.report else None
    if report_path is not None:
        from .report import FORMATS

        if report_path.suffix.lower() not in FORMATS:
            raise UsageError(f"{report_path}: --report must end in .xlsx, .csv or .pdf")
        if not report_path.parent.is_dir():
            raise UsageError(f"{report_path.parent}: folder for --report not found")
        from .report import check_writable

        check_writable(report_path)  # a folder, an unwritable place: said now, not after the batch
    heat_dir = Path(a.heatmaps) if a.heatmaps else None
    if heat_dir is not None:
        try:
            heat_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"{heat_dir}: folder for --heatmaps cannot be made ({exc.strerror or exc})") from None
    report = audit = None
    if a.audit:
        from .audit import AuditError, AuditLog

        try:
            audit = AuditLog().open()
        except AuditError as exc:
            raise UsageError(f"{exc}; --no-audit skips the log") from None
    try:
        predictor = Predictor(_model_dir(a), a.device, a.batch_size, quality_gate=a.quality_gate,
                              precision=a.precision)
    except BaseException:
        if audit is not None:
            audit.close()
        raise
    if report_path is not None:
        from .report import open_report

        report = open_report(report_path, predictor.name, predictor.threshold, predictor.weights_sha256, a.opacity)
    want_heat = heat_dir is not None or report_path is not None and report_path.suffix.lower() == ".pdf"
    counts: Counter = Counter()
    used_names: set[str] = set()
    t0 = time.perf_counter()
    if not a.json:
        print(f"# model {predictor.name}, PM when probability >= {predictor.threshold:.3f}")
    try:
        for pred in predictor.predict_files(a.inputs, heatmaps=want_heat):
            counts[pred.verdict] += 1
            if audit is not None:
                audit.record(pred, predictor.name, predictor.weights_sha256, predictor.threshold)
            if report is not None:
                report.add(pred)
            if heat_dir is not None and pred.heatmap is not None:
                _write_overlay(heat_dir, pred, a.opacity, used_names)
            if a.json:
                print(json.dumps(pred.to_dict(), ensure_ascii=False), flush=True)
            elif pred.error:
                print(f"{pred.shown_path}\terror\t{pred.error}", flush=True)
            elif pred.probability is None:
                print(f"{pred.shown_path}\t–\t{pred.verdict}\t{pred.quality_text}", flush=True)
            else:
                print(f"{pred.shown_path}\t{pred.probability:.4f}\t{pred.verdict}", flush=True)
    finally:  # an interrupted run still leaves a report of what was done, and a closed log
        if report is not None:
            report.close()
        if audit is not None:
            audit.close()
    seconds = time.perf_counter() - t0
    n = sum(counts.values())
    from .inference import UNGRADABLE

    print(f"pmscreen predict: {n} images in {seconds:.1f} s ({n / max(seconds, 1e-9):.1f} images/s): "
          f"{counts['PM']} PM, {counts['not PM']} not PM, {counts[UNGRADABLE]} ungradable, "
          f"{counts['error']} unreadable" + (f"; report {report_path}" if report_path else ""), file=sys.stderr)
    failed = counts["error"]
    if failed:
        print(f"pmscreen predict: {failed} file(s) could not be read", file=sys.stderr)
    return EXIT_USAGE if failed else EXIT_OK


def _write_overlay(folder: Path, pred, opacity: float, used: set[str]) -> Path:
    import cv2

    from .gradcam import overlay
    from .textsafe import shown

    stem, n = shown(Path(pred.path).stem).replace("\\", "_"), 1
    name = f"{stem}.heatmap.png"
    while name in used:  # same file name in different folders
        n += 1
        name = f"{stem}-{n}.heatmap.png"
    used.add(name)
    out = folder / name
    rgb = overlay(pred.preview, pred.heatmap, opacity)
    if not cv2.imwrite(str(out), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise UsageError(f"{out}: cannot write the heatmap")
    return out


def cmd_finalize(a, argv) -> int:
    from .finalize import finalize

    if not 0 < a.min_sensitivity <= 1:
        raise UsageError("--min-sensitivity must be in (0, 1]")
    meta = finalize(a.model, a.images, a.labels, a.out, a.name, a.min_sensitivity)
    if a.json:
        print(json.dumps(meta, default=_num))
    else:
        cal = meta["calibration"]
        print(f"{meta['name']} written to {a.out}")
        print(f"  {meta['card']['metrics']}")
        print(f"  temperature {cal['temperature']:.3f}: ECE {cal['ece_before']:.4f} -> {cal['ece_after']:.4f}")
    return EXIT_OK


def cmd_set_threshold(a, argv) -> int:
    from .modelio import set_threshold

    meta = set_threshold(a.model, a.threshold, a.note)
    change = meta["threshold_history"][-1]
    print(f"{a.model}: threshold {change['from']:.4f} -> {change['to']:.4f} (by {change['by']}, {change['when']}); "
          f"sealed")
    return EXIT_OK


def cmd_seal(a, argv) -> int:
    from .modelio import seal_folder

    _, changed = seal_folder(a.model)
    print(f"{a.model}: " + ("checked and sealed" if changed else "already sealed and intact"))
    return EXIT_OK


def cmd_selftest(a, argv) -> int:
    from .selftest import run_selftest

    return run_selftest(a.model)


if __name__ == "__main__":
    sys.exit(main())
