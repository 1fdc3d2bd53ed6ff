import numpy as np
import pytest

from core.nn._paddle import paddle
from core.nn.models import build_resnet
from core.nn.optim import build_optimizer, build_schedule, split_decay


def test_no_weight_decay_on_batchnorm_and_bias():
    model = build_resnet(18, "D")
    decay, no_decay = split_decay(model)
    names = {p.name: k for k, p in model.named_parameters()}
    assert all(names[p.name].endswith("weight") and p.ndim > 1 for p in decay)  # conv and fc weights
    assert {names[p.name].rsplit(".", 1)[-1] for p in no_decay} == {"weight", "bias"}
    assert all(p.ndim == 1 for p in no_decay)  # BN gammas/betas and the fc bias
    assert len(decay) + len(no_decay) == len([p for p in model.parameters() if not p.stop_gradient])


@pytest.mark.parametrize("name", ["momentum", "adamw"])
@pytest.mark.parametrize("decay_bn", [False, True])
def test_decay_is_applied_only_where_it_should(name, decay_bn):
    model = build_resnet(18, "O")
    decay, no_decay = split_decay(model)
    bn_beta = next(p for p in no_decay if p.numpy().any())  # a nonzero one shows decay (BN gammas start at 1)
    sched = build_schedule("constant", 0.1, 10)
    opt = build_optimizer(name, model, sched, weight_decay=0.5, decay_bn=decay_bn)
    before = [p.numpy().copy() for p in (decay[0], bn_beta)]
    (model(paddle.randn([2, 3, 32, 32])).sum() * 0).backward()  # all gradients exactly zero
    opt.step()
    after = [p.numpy() for p in (decay[0], bn_beta)]
    assert not np.allclose(before[0], after[0])  # decayed toward zero
    if decay_bn:  # the ablation of the refinement: BN parameters and biases decay too
        assert np.abs(after[1]).sum() < np.abs(before[1]).sum()
    else:
        np.testing.assert_array_equal(before[1], after[1])


def test_cosine_with_warmup_shape():
    sched = build_schedule("cosine", 1.0, total_steps=110, warmup_steps=10)
    lrs = []
    for _ in range(110):
        lrs.append(sched.get_lr())
        sched.step()
    assert lrs[0] == 0.0 and lrs[5] == pytest.approx(0.5)
    assert lrs[10] == pytest.approx(1.0)
    assert lrs[60] == pytest.approx(0.5, abs=0.02)
    assert lrs[-1] < 0.01 and all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    const = build_schedule("constant", 0.3, 5)
    assert const.get_lr() == pytest.approx(0.3)


def test_unknown_names():
    with pytest.raises(ValueError, match="momentum"):
        build_optimizer("sgdx", build_resnet(18), 0.1, 0.0)
    with pytest.raises(ValueError, match="cosine"):
        build_schedule("step", 0.1, 10)
