"""The command line's parser: its commands and options, exit codes, usage errors."""

from __future__ import annotations

import argparse
import sys

from ..screening import DEFAULT_OPACITY

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
    from ..nn.choices import BEST_METRICS

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
    t.add_argument("--best-metric", default="accuracy", choices=BEST_METRICS)
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
        "(columns imgName, Label). Unreadable images are skipped with a warning. Images the model was trained "
        "on (the same file contents, as its model.json records them) are counted and warned about: on them the "
        "figures measure fit, not performance on new patients.",
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
    r.add_argument("--opacity", type=float, default=DEFAULT_OPACITY,
                   help=f"heatmap opacity in the overlays, 0 to 1 ({DEFAULT_OPACITY})")
    r.add_argument("--no-audit", dest="audit", action="store_false", help="do not append results to the audit log")
    r.add_argument("--no-quality-gate", dest="quality_gate", action="store_false",
                   help="give a verdict for images that fail the quality check too (the check is still reported)")

    f = sub.add_parser("finalize", help="turn a trained run, or a finished cross-validation, into a calibrated "
                       "screening model",
                       description="Calibrate a trained run on labelled validation images (temperature scaling), "
                       "choose the decision threshold for a minimum sensitivity, compute metrics with 95% "
                       "bootstrap intervals and write a model folder (float16 weights by default) with a model "
                       "card. With --from-cv CV_OUT instead: a model whose members are the fold networks of a "
                       "finished pmscreen cv run (its probability is the mean of theirs), with temperature and "
                       "threshold fitted on the out-of-fold scores (each fold's network on its own held-out images, "
                       "re-scored with the shipped weights and the Paddle Inference engine), and the out-of-fold "
                       "metrics with their intervals as the card's expected performance. --from-cv given several "
                       "times (runs of one recipe with different --seed): one network of each run, and every "
                       "image's out-of-fold score is the mean of one network of each run that never saw it, so the "
                       "operating point and the figures are those of the model itself.")
    f.add_argument("--model", help="trained run / model folder")
    f.add_argument("--images", help="folder of validation images the model did not train on (images it trained on "
                   "are refused: the threshold and the card's figures would measure fit)")
    f.add_argument("--labels", help="label file (.xlsx or .csv with imgName, Label)")
    f.add_argument("--from-cv", metavar="CV_OUT", action="append", help="a finished cross-validation folder "
                   "(pmscreen cv --out) instead of --model, --images and --labels; repeat it for a model of one "
                   "network of each of several runs")
    f.add_argument("--members", help="with one --from-cv: all fold networks (the default) or the first N")
    f.add_argument("--out", required=True, help="the new model folder (e.g. resources/models/NAME)")
    f.add_argument("--name", help="model name shown to users")
    f.add_argument("--min-sensitivity", type=float, default=0.97, help="screening sensitivity target (0.97)")
    f.add_argument("--precision", default="fp16", choices=["fp16", "fp32"],
                   help="precision of the stored weights (fp16, the default, halves the folder; every figure is "
                   "measured with the stored weights)")
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
    th.add_argument("--threshold", type=float, required=True, help="new threshold, from 0.0001 to 0.9999")
    th.add_argument("--note", help="why (recorded in the model card)")

    se = sub.add_parser("seal", help="seal a model folder written by an older PM Screen",
                        description="Check a model folder written before PM Screen sealed its decision fields "
                        "(range checks, the weights against their SHA-256) and seal it, recording user and time. "
                        "A sealed, intact folder is left as it is, except that a model card (and its figures) "
                        "written before cards were sealed is sealed now, on your word (until then the model counts "
                        "as a research model); one whose seal differs is refused.")
    se.add_argument("model", metavar="MODEL", help="model folder")

    c = sub.add_parser(
        "cv",
        help="K-fold cross-validation: out-of-fold probabilities and metrics for every labelled image",
        description="Stratified K-fold cross-validation over the labelled images of a data set (training and "
        "validation pooled by default). Each fold trains the recipe on the other folds and keeps its last epoch "
        "(nothing is chosen on held-out images); every image gets one out-of-fold (OOF) probability. --out gets "
        "cv.json (the plan), fold-1 ... (resumable trainer runs) and oof.json (OOF probabilities, metrics and "
        "95% bootstrap intervals, and the screening operating point: temperature and threshold for 97% "
        "sensitivity fitted on the OOF probabilities, with the sensitivity and specificity to expect). "
        "Running it again on the same --out continues where it stopped. With "
        "--compare A B, two finished CV runs over the same folds get a paired bootstrap of their OOF AUC.",
    )
    c.add_argument("--data", help="data set root")
    c.add_argument("--labels", help="validation label file (found automatically in a PALM root)")
    c.add_argument("--out", help="CV run folder")
    c.add_argument("--folds", type=_positive_int, default=5, help="number of folds (default 5)")
    c.add_argument("--pool", default="all", choices=["all", "train", "val"],
                   help="which labelled images: both splits pooled (default), or only one")
    c.add_argument("--same-folds-as", metavar="CV_OUT", help="hold out each image in the fold it had in another "
                   "cross-validation (its folder or cv.json; the same images and number of folds), for a paired "
                   "comparison with it whatever seed or PM Screen version planned it")
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
    from ..nn.choices import DEPTHS, OPTIMIZERS, SCHEDULES, VARIANTS

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
    p.add_argument("--gamma", type=float, default=0.0,
                   help="random tone curve: exponent between 1/(1+G) and 1+G, e.g. 0.6 (0 = off)")
    p.add_argument("--channel-gain", type=float, default=0.0,
                   help="random colour cast: each colour channel scaled by 1±G, e.g. 0.15 (0 = off)")
    p.add_argument("--seed", type=int, default=0)


def _model_args(p):
    from ..nn.choices import PRECISIONS

    p.add_argument("--model", help="model folder (default: the bundled screening model)")
    p.add_argument("--batch-size", type=_positive_int, default=16,
                   help="images per engine run (default 16; larger batches ran slower on two CPU cores)")
    p.add_argument("--device", default="auto", help="auto, cpu or gpu[:N]")
    p.add_argument("--precision", default="fp32", choices=PRECISIONS,
                   help="CPU inference precision: fp32 (default; the trained model's exact probabilities) or bf16 "
                   "(about 2x faster on CPUs with AVX512-BF16/AMX, probabilities differ by up to a few hundredths; "
                   "falls back to fp32 elsewhere)")
