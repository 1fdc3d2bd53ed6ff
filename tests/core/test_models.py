import numpy as np
import pytest

from core.nn._paddle import paddle
from core.nn.models import BasicBlock, Bottleneck, build_resnet, count_trainable, resnet_config, variant_of

EXPECTED = {  # trainable parameters with num_classes=1000: (O/B, C/D)
    18: (11_689_512, 11_708_744),
    34: (21_797_672, 21_816_904),
    50: (25_557_032, 25_576_264),
    101: (44_549_160, 44_568_392),
    152: (60_192_808, 60_212_040),
}


@pytest.mark.parametrize("depth", sorted(EXPECTED))
def test_trainable_parameter_counts(depth):
    plain, deep = EXPECTED[depth]
    with paddle.LazyGuard():  # the parameters' shapes without initialising them: a ResNet-152 builds in 4 s
        counts = {v: count_trainable(build_resnet(depth, v, num_classes=1000)) for v in "OBCD"}
    assert counts == {"O": plain, "B": plain, "C": deep, "D": deep}


@pytest.mark.parametrize("depth", sorted(EXPECTED))
def test_variant_b_matches_paddle_vision(depth):
    from paddle.vision import models as vision

    paddle.seed(depth)
    ref = getattr(vision, f"resnet{depth}")(num_classes=7)
    ours = build_resnet(depth, "B", num_classes=7)
    state = ref.state_dict()
    assert set(state) == set(ours.state_dict())
    ours.set_state_dict(state)
    ref.eval(), ours.eval()
    x = paddle.randn([2, 3, 64, 64])
    np.testing.assert_allclose(ours(x).numpy(), ref(x).numpy(), rtol=0, atol=1e-5)


def _first_down_block(model):
    return model.layer2[0]


def test_stride_placement_o_vs_b():
    o, b = build_resnet(50, "O"), build_resnet(50, "B")
    assert _first_down_block(o).conv1._stride == [2, 2] and _first_down_block(o).conv2._stride == [1, 1]
    assert _first_down_block(b).conv1._stride == [1, 1] and _first_down_block(b).conv2._stride == [2, 2]


def test_deep_stem_and_avg_down():
    c, d = build_resnet(50, "C"), build_resnet(50, "D")
    convs = [m for m in c.conv1 if isinstance(m, paddle.nn.Conv2D)]
    assert [(m._in_channels, m._out_channels, m._kernel_size, m._stride) for m in convs] == [
        (3, 32, [3, 3], [2, 2]), (32, 32, [3, 3], [1, 1]), (32, 64, [3, 3], [1, 1])]
    assert isinstance(c.maxpool, paddle.nn.MaxPool2D)
    pool = d.layer2[0].downsample[0]
    assert isinstance(pool, paddle.nn.AvgPool2D)
    assert pool.ksize == 2 and pool.stride == 2 and pool.ceil_mode and pool.exclusive
    assert d.layer2[0].downsample[1]._stride == [1, 1]  # the 1x1 projection no longer strides
    # layer1 does not downsample spatially: its projection (channel change only) gets no pooling
    assert len(d.layer1[0].downsample) == 2


def test_identity_blocks_have_no_projection_and_no_relu_before_addition():
    model = build_resnet(50, "D")
    blocks = [m for m in model.sublayers() if isinstance(m, (BasicBlock, Bottleneck))]
    assert sum(b.downsample is not None for b in blocks) == 4  # only the first block of each stage
    # The residual branch ends in BN (may be negative): with zero input to the add, output = relu(shortcut).
    block = model.layer1[1]
    block.eval()
    x = paddle.randn([1, 256, 8, 8])
    branch = block.bn3(block.conv3(block.relu(block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x))))))))
    assert float(branch.min()) < 0
    np.testing.assert_allclose(block(x).numpy(), paddle.nn.functional.relu(branch + x).numpy(), atol=1e-5)


def test_tweaks_combine_freely_and_name_their_variant():
    cfg = resnet_config(34, "O", deep_stem=True)  # the tutorial's "C": deep stem alone
    assert (cfg.stride_in_3x3, cfg.deep_stem, cfg.avg_down) == (False, True, False)
    assert variant_of(cfg) is None
    assert variant_of(resnet_config(18, "d")) == "D"
    model = build_resnet(18, "O", avg_down=True)
    assert isinstance(model.layer2[0].downsample[0], paddle.nn.AvgPool2D)


@pytest.mark.parametrize("variant", "OBCD")
@pytest.mark.parametrize("size", [224, 97])
def test_forward_shapes_odd_sizes(variant, size):
    model = build_resnet(18, variant, num_classes=2)
    model.eval()
    assert model(paddle.randn([2, 3, size, size])).shape == [2, 2]


def test_zero_init_last_bn():
    model = build_resnet(50, "D", zero_init_last_bn=True)
    assert float(model.layer3[2].bn3.weight.abs().sum()) == 0
    assert float(model.layer3[2].bn2.weight.abs().sum()) > 0
    default = build_resnet(50, "D")
    assert float(default.layer3[2].bn3.weight.abs().sum()) > 0


@pytest.mark.parametrize("kwargs, words", [
    (dict(depth=20), "18, 34, 50, 101, 152"),
    (dict(depth=50, variant="E"), "'B', 'C', 'D', 'O'"),
    (dict(depth=50, avgdown=True), "avg_down"),
])
def test_bad_arguments_name_allowed_values(kwargs, words):
    with pytest.raises(ValueError, match=words):
        build_resnet(**kwargs)
