"""The Training view's settings, once: each field's name (a ``TrainConfig`` field, a tweak of the variant, or a
cross-validation setting), its place in the form, its widget, range or choices, label, tooltip and GUI default.
The form is generated from this table (``form.py``); ``tests/gui/test_training_form.py`` holds it to
``TrainConfig``'s names."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP

from core.nn.choices import BEST_METRICS, DEPTHS, OPTIMIZERS, SCHEDULES, VARIANTS
from core.training.cv import POOLS

CONTEXT = "TrainingForm"  # the translation context of every text below


@dataclass(frozen=True)
class Field:
    name: str
    group: str  # "model", "advanced", "recipe" or "regular" (a group box, or Advanced inside Model)
    kind: str  # "combo", "int", "float" or "check"
    default: object  # the GUI's default (a run that finishes on a CPU in minutes; the CLI's are larger)
    label: str = ""  # the row's label, or a check box's text
    tooltip: str = ""
    range: tuple = ()  # spin boxes: (lowest, highest, step) and, for "float", the decimals
    choices: tuple = ()  # combo boxes: (value, text) pairs; texts in CONTEXT, or literal (names, numbers)
    special: str = ""  # a spin box's text for its lowest value
    target: str = "config"  # "config": a TrainConfig field; "tweak": TrainConfig.tweaks; "cv": CrossValidation


# core.nn.choices.BEST_METRICS keeps the engine's names (the CLI's --best-metric); the form shows these.
METRIC_NAMES = {
    "accuracy": QT_TRANSLATE_NOOP("TrainingForm", "accuracy"),
    "auc": QT_TRANSLATE_NOOP("TrainingForm", "AUC"),
    "f1": QT_TRANSLATE_NOOP("TrainingForm", "F1 score"),
    "loss": QT_TRANSLATE_NOOP("TrainingForm", "validation loss"),
    "sensitivity": QT_TRANSLATE_NOOP("TrainingForm", "sensitivity"),
    "specificity": QT_TRANSLATE_NOOP("TrainingForm", "specificity"),
}
MODES = ("train", "cv")  # one training run on the data set's split, or K-fold cross-validation
TWEAKS = tuple(VARIANTS["O"])  # stride_in_3x3, deep_stem, avg_down

FIELDS: tuple[Field, ...] = (
    Field("mode", "recipe", "combo", "train",
          QT_TRANSLATE_NOOP("TrainingForm", "Run:"),
          QT_TRANSLATE_NOOP("TrainingForm", "One run on the data set's training and validation images, or K-fold "
                                            "cross-validation: every labelled image scored once by a model that "
                                            "never saw it"),
          choices=(("train", QT_TRANSLATE_NOOP("TrainingForm", "one training run")),
                   ("cv", QT_TRANSLATE_NOOP("TrainingForm", "K-fold cross-validation"))), target="cv"),
    Field("folds", "recipe", "int", 5,
          QT_TRANSLATE_NOOP("TrainingForm", "Folds (K):"),
          QT_TRANSLATE_NOOP("TrainingForm", "Each fold trains on the other K − 1 folds and scores its own images"),
          range=(2, 20, 1), target="cv"),
    Field("pool", "recipe", "combo", "all",
          QT_TRANSLATE_NOOP("TrainingForm", "Images:"),
          QT_TRANSLATE_NOOP("TrainingForm", "Which labelled images the folds are drawn from"),
          choices=(("all", QT_TRANSLATE_NOOP("TrainingForm", "training + validation")),
                   ("train", QT_TRANSLATE_NOOP("TrainingForm", "training images only")),
                   ("val", QT_TRANSLATE_NOOP("TrainingForm", "validation images only"))), target="cv"),
    Field("depth", "model", "combo", 18,
          QT_TRANSLATE_NOOP("TrainingForm", "Depth:"),
          QT_TRANSLATE_NOOP("TrainingForm", "Number of layers: 18 and 34 use basic blocks, 50, 101 and 152 "
                                            "bottleneck blocks. Deeper networks are slower, especially on a CPU."),
          choices=tuple((d, f"ResNet-{d}") for d in sorted(DEPTHS))),
    Field("variant", "model", "combo", "D",
          QT_TRANSLATE_NOOP("TrainingForm", "Variant:"),
          choices=(("O", QT_TRANSLATE_NOOP("TrainingForm", "O — original")),
                   ("B", QT_TRANSLATE_NOOP("TrainingForm", "B — stride in 3×3")),
                   ("C", QT_TRANSLATE_NOOP("TrainingForm", "C — deep stem")),
                   ("D", QT_TRANSLATE_NOOP("TrainingForm", "D — average-pool shortcut")))),
    Field("stride_in_3x3", "advanced", "check", None,
          QT_TRANSLATE_NOOP("TrainingForm", "Stride in the 3×3 conv (B)"),
          QT_TRANSLATE_NOOP("TrainingForm", "Down-sampling blocks stride in their 3×3 conv, not the first 1×1"),
          target="tweak"),
    Field("deep_stem", "advanced", "check", None,
          QT_TRANSLATE_NOOP("TrainingForm", "Deep stem (C)"),
          QT_TRANSLATE_NOOP("TrainingForm", "Three 3×3 convs replace the 7×7 conv of the stem"), target="tweak"),
    Field("avg_down", "advanced", "check", None,
          QT_TRANSLATE_NOOP("TrainingForm", "Average-pool shortcut (D)"),
          QT_TRANSLATE_NOOP("TrainingForm", "2×2 average pooling before the 1×1 projection shortcut"),
          target="tweak"),
    Field("zero_init_last_bn", "advanced", "check", False,
          QT_TRANSLATE_NOOP("TrainingForm", "Zero-init last BN γ"),
          QT_TRANSLATE_NOOP("TrainingForm", "Zero-initialise the last BatchNorm γ of each residual block")),
    Field("weight_decay", "advanced", "float", 1e-4,
          QT_TRANSLATE_NOOP("TrainingForm", "Weight decay:"), range=(0, 0.1, 1e-4, 5)),
    Field("warmup_epochs", "advanced", "float", 0.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Warm-up epochs:"), range=(0, 10, 0.5, 1)),
    Field("best_metric", "advanced", "combo", "accuracy",
          QT_TRANSLATE_NOOP("TrainingForm", "Keep the epoch with the best:"),
          choices=tuple((m, METRIC_NAMES.get(m, m)) for m in BEST_METRICS)),
    Field("limit", "advanced", "int", 0,
          QT_TRANSLATE_NOOP("TrainingForm", "Use at most (images):"),
          QT_TRANSLATE_NOOP("TrainingForm", "Train on a stratified subset of this many training images (0 = all), "
                                            "for quick experiments"),
          range=(0, 1_000_000, 50), special=QT_TRANSLATE_NOOP("TrainingForm", "all")),
    Field("seed", "advanced", "int", 0,
          QT_TRANSLATE_NOOP("TrainingForm", "Random seed:"), range=(0, 2**31 - 1, 1)),
    Field("epochs", "recipe", "int", 5,
          QT_TRANSLATE_NOOP("TrainingForm", "Epochs:"), range=(1, 1000, 1)),
    Field("batch_size", "recipe", "int", 16,
          QT_TRANSLATE_NOOP("TrainingForm", "Batch size:"), range=(2, 1024, 1)),
    Field("lr", "recipe", "float", 1e-3,
          QT_TRANSLATE_NOOP("TrainingForm", "Learning rate:"), range=(1e-6, 1.0, 1e-4, 6)),
    Field("optimizer", "recipe", "combo", "momentum",
          QT_TRANSLATE_NOOP("TrainingForm", "Optimiser:"),
          choices=tuple(zip(OPTIMIZERS, (QT_TRANSLATE_NOOP("TrainingForm", "SGD + momentum"), "AdamW")))),
    Field("schedule", "recipe", "combo", "cosine",
          QT_TRANSLATE_NOOP("TrainingForm", "Schedule:"),
          choices=tuple(zip(SCHEDULES, (QT_TRANSLATE_NOOP("TrainingForm", "constant"),
                                        QT_TRANSLATE_NOOP("TrainingForm", "cosine"))))),
    Field("device", "recipe", "combo", "auto",
          QT_TRANSLATE_NOOP("TrainingForm", "Device:"),
          QT_TRANSLATE_NOOP("TrainingForm", "Automatic: the GPU when there is one, else the CPU"),
          choices=(("auto", QT_TRANSLATE_NOOP("TrainingForm", "automatic")),  # short: the form is narrow
                   ("cpu", QT_TRANSLATE_NOOP("TrainingForm", "CPU")),
                   ("gpu", QT_TRANSLATE_NOOP("TrainingForm", "GPU")))),
    Field("flip", "regular", "check", True,
          QT_TRANSLATE_NOOP("TrainingForm", "Random horizontal flips")),
    Field("rotate", "regular", "float", 10.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Random rotation (°):"), range=(0, 180, 5, 0)),
    Field("scale", "regular", "float", 0.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Random zoom (±):"),
          QT_TRANSLATE_NOOP("TrainingForm", "Zoom each training image by a random factor in [1 − s, 1 + s] "
                                            "(0 = off)"),
          range=(0, 0.5, 0.05, 2)),
    Field("shift", "regular", "float", 0.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Random shift:"),
          QT_TRANSLATE_NOOP("TrainingForm", "Move each training image by up to this fraction of its size (0 = off)"),
          range=(0, 0.5, 0.05, 2)),
    Field("color_jitter", "regular", "float", 0.1,
          QT_TRANSLATE_NOOP("TrainingForm", "Colour jitter:"), range=(0, 0.9, 0.05, 2)),
    Field("gamma", "regular", "float", 0.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Random gamma:"),
          QT_TRANSLATE_NOOP("TrainingForm", "Apply a random tone curve with exponent between 1/(1 + g) and 1 + g "
                                            "(0 = off)"),
          range=(0, 2.0, 0.1, 2)),
    Field("channel_gain", "regular", "float", 0.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Random colour cast (±):"),
          QT_TRANSLATE_NOOP("TrainingForm", "Scale each colour channel by a random factor in [1 − g, 1 + g] "
                                            "(0 = off)"),
          range=(0, 0.9, 0.05, 2)),  # TrainConfig's range: the form never trains with less than was asked for
    Field("label_smoothing", "regular", "float", 0.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Label smoothing:"),
          QT_TRANSLATE_NOOP("TrainingForm", "Soft targets: 1 − ε for the true class (0 = off)"),
          range=(0, 0.5, 0.05, 2)),
    Field("mixup", "regular", "float", 0.0,
          QT_TRANSLATE_NOOP("TrainingForm", "Mixup α:"),
          QT_TRANSLATE_NOOP("TrainingForm", "Mix pairs of images with a Beta(α, α) weight (0 = off)"),
          range=(0, 2.0, 0.1, 2)),
)

BY_NAME = {f.name: f for f in FIELDS}
# What the settings remember (the tweaks follow the variant chosen)
DEFAULTS = {f.name: f.default for f in FIELDS if f.target != "tweak"}
CV_ONLY = ("folds", "pool")  # shown when cross-validation is chosen
NOT_IN_CV = ("best_metric", "limit")  # cross-validation keeps each fold's last epoch and uses every image
assert set(dict(BY_NAME["pool"].choices)) == set(POOLS)
assert set(dict(BY_NAME["mode"].choices)) == set(MODES)
assert set(METRIC_NAMES) == set(BEST_METRICS)
