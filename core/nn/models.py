"""ResNet model zoo: one configurable network, the Bag-of-Tricks variants are configurations.

Variants (He et al., "Bag of Tricks for Image Classification with CNNs", 2019), cumulative:
  O  the original ResNet: stride 2 on the first 1x1 conv of a down-sampling bottleneck
  B  stride 2 moved to the 3x3 conv (``stride_in_3x3``)
  C  B + deep stem of three 3x3 convs (``deep_stem``)
  D  C + 2x2 average pooling before the 1x1 projection shortcut (``avg_down``)

Layer names follow ``paddle.vision.models.resnet`` so its weights load into variants O and B.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ._paddle import paddle
from .choices import DEPTHS, VARIANT_HELP, VARIANTS  # noqa: F401  (re-exported)

nn = paddle.nn  # after core.nn._paddle, which imports Paddle quietly

@dataclass(frozen=True)
class ResNetConfig:
    depth: int = 50
    num_classes: int = 2
    stride_in_3x3: bool = False
    deep_stem: bool = False
    avg_down: bool = False
    zero_init_last_bn: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def resnet_config(depth: int, variant: str = "O", num_classes: int = 2, **tweaks) -> ResNetConfig:
    """Resolve a depth, a variant letter and optional tweak overrides into a validated config."""
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {sorted(DEPTHS)}, got {depth!r}")
    key = str(variant).upper()
    if key not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
    allowed = set(VARIANTS["O"]) | {"zero_init_last_bn"}
    unknown = set(tweaks) - allowed
    if unknown:
        raise ValueError(f"unknown tweak(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    return ResNetConfig(depth=depth, num_classes=num_classes, **{**VARIANTS[key], **tweaks})


def variant_of(config: ResNetConfig) -> str | None:
    """The paper's letter for a config's tweak combination, or None for a custom mix."""
    flags = dict(stride_in_3x3=config.stride_in_3x3, deep_stem=config.deep_stem, avg_down=config.avg_down)
    return next((k for k, v in VARIANTS.items() if v == flags), None)


def _conv(cin: int, cout: int, k: int, stride: int = 1) -> nn.Conv2D:
    return nn.Conv2D(cin, cout, k, stride=stride, padding=k // 2, bias_attr=False)


class BasicBlock(nn.Layer):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int, downsample: nn.Layer | None, cfg: ResNetConfig):
        super().__init__()
        self.conv1 = _conv(cin, width, 3, stride)
        self.bn1 = nn.BatchNorm2D(width)
        self.conv2 = _conv(width, width, 3)
        self.bn2 = nn.BatchNorm2D(width)
        self.relu = nn.ReLU()
        self.downsample = downsample

    def last_bn(self) -> nn.BatchNorm2D:
        return self.bn2

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        # No ReLU on the branch before the addition: only after it.
        return self.relu(out + shortcut)


class Bottleneck(nn.Layer):
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int, downsample: nn.Layer | None, cfg: ResNetConfig):
        super().__init__()
        s1, s3 = (1, stride) if cfg.stride_in_3x3 else (stride, 1)
        self.conv1 = _conv(cin, width, 1, s1)
        self.bn1 = nn.BatchNorm2D(width)
        self.conv2 = _conv(width, width, 3, s3)
        self.bn2 = nn.BatchNorm2D(width)
        self.conv3 = _conv(width, width * self.expansion, 1)
        self.bn3 = nn.BatchNorm2D(width * self.expansion)
        self.relu = nn.ReLU()
        self.downsample = downsample

    def last_bn(self) -> nn.BatchNorm2D:
        return self.bn3

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + shortcut)


def _projection(cin: int, cout: int, stride: int, avg_down: bool) -> nn.Sequential:
    """1x1 projection shortcut; with ``avg_down`` the striding is done by average pooling instead."""
    if avg_down and stride > 1:
        return nn.Sequential(
            nn.AvgPool2D(2, stride=2, ceil_mode=True, exclusive=True),  # exclusive: padding not counted
            _conv(cin, cout, 1),
            nn.BatchNorm2D(cout),
        )
    return nn.Sequential(_conv(cin, cout, 1, stride), nn.BatchNorm2D(cout))


def _stem(cfg: ResNetConfig) -> nn.Layer:
    if not cfg.deep_stem:
        return _conv(3, 64, 7, 2)
    return nn.Sequential(
        _conv(3, 32, 3, 2), nn.BatchNorm2D(32), nn.ReLU(),
        _conv(32, 32, 3), nn.BatchNorm2D(32), nn.ReLU(),
        _conv(32, 64, 3),
    )  # fmt: skip


class ResNet(nn.Layer):
    def __init__(self, cfg: ResNetConfig):
        super().__init__()
        self.config = cfg
        kind, layers = DEPTHS[cfg.depth]
        block = BasicBlock if kind == "basic" else Bottleneck
        self.conv1 = _stem(cfg)
        self.bn1 = nn.BatchNorm2D(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2D(3, stride=2, padding=1)
        cin = 64
        for i, n in enumerate(layers):
            width = 64 * 2**i
            stride = 1 if i == 0 else 2
            blocks = []
            for j in range(n):
                s = stride if j == 0 else 1
                cout = width * block.expansion
                down = _projection(cin, cout, s, cfg.avg_down) if (s != 1 or cin != cout) else None
                blocks.append(block(cin, width, s, down, cfg))
                cin = cout
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2D(1)
        self.fc = nn.Linear(cin, cfg.num_classes)
        self._init_weights()

    def _init_weights(self):
        kaiming = nn.initializer.KaimingNormal(nonlinearity="relu")
        for layer in self.sublayers():
            if isinstance(layer, nn.Conv2D):
                kaiming(layer.weight)
            elif isinstance(layer, nn.BatchNorm2D):
                nn.initializer.Constant(1.0)(layer.weight)
                nn.initializer.Constant(0.0)(layer.bias)
        if self.config.zero_init_last_bn:
            # Each residual block then starts as an identity, which eases early training.
            for layer in self.sublayers():
                if isinstance(layer, (BasicBlock, Bottleneck)):
                    nn.initializer.Constant(0.0)(layer.last_bn().weight)

    def features(self, x):
        """The last convolutional feature map (used by Grad-CAM)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.fc(paddle.flatten(x, 1))


def build_resnet(depth: int, variant: str = "O", num_classes: int = 2, **tweaks) -> ResNet:
    """Build a ResNet of ``depth`` (18/34/50/101/152) in Bag-of-Tricks ``variant`` O/B/C/D.

    ``tweaks`` override single flags: stride_in_3x3, deep_stem, avg_down, zero_init_last_bn.
    """
    return ResNet(resnet_config(depth, variant, num_classes, **tweaks))


def build_from_config(cfg: ResNetConfig | dict) -> ResNet:
    if isinstance(cfg, dict):
        cfg = ResNetConfig(**cfg)
    resnet_config(cfg.depth, "O", cfg.num_classes)  # validates depth and classes
    return ResNet(cfg)


def count_trainable(model: nn.Layer) -> int:
    return sum(int(p.size) for p in model.parameters() if not p.stop_gradient)
