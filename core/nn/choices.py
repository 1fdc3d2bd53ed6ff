"""The menus of choices (depths, variants, optimisers, schedules), importable without Paddle: the CLI's
parser and --help must not pay for importing it."""

DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}

VARIANTS = {
    "O": dict(stride_in_3x3=False, deep_stem=False, avg_down=False),
    "B": dict(stride_in_3x3=True, deep_stem=False, avg_down=False),
    "C": dict(stride_in_3x3=True, deep_stem=True, avg_down=False),
    "D": dict(stride_in_3x3=True, deep_stem=True, avg_down=True),
}

VARIANT_HELP = {
    "O": "Original ResNet: the down-sampling bottleneck strides in its first 1x1 conv.",
    "B": "Stride 2 moved to the 3x3 conv, so the 1x1 conv no longer skips 3/4 of the input.",
    "C": "B plus a deep stem: three 3x3 convs (32, 32, 64 channels) replace the 7x7 conv.",
    "D": "C plus 2x2 average pooling before the 1x1 projection shortcut, which then keeps all pixels.",
}

OPTIMIZERS = ("momentum", "adamw")
SCHEDULES = ("constant", "cosine")
# Inference precision on CPU: fp32 gives dygraph's probabilities (within 1e-4); bf16 (oneDNN, CPUs with
# AVX512-BF16 or AMX) about twice the speed, probabilities within a few hundredths.
PRECISIONS = ("fp32", "bf16")
# What picks the best epoch of a run (--best-metric, the Training view); the trainer knows which way each is better.
BEST_METRICS = ("accuracy", "auc", "f1", "loss", "sensitivity", "specificity")
