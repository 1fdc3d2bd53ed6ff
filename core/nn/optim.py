"""Optimisers and learning-rate schedules (Bag of Tricks: cosine with linear warm-up, no BN/bias decay)."""

from __future__ import annotations

from ._paddle import paddle
from .choices import OPTIMIZERS, SCHEDULES

nn = paddle.nn  # after core.nn._paddle, which imports Paddle quietly


def split_decay(model: nn.Layer) -> tuple[list, list]:
    """(weights that get weight decay, BN parameters and biases that do not)."""
    no_decay_ids = set()
    for layer in model.sublayers(include_self=True):
        if isinstance(layer, (nn.BatchNorm2D, nn.BatchNorm, nn.LayerNorm)):
            no_decay_ids.update(id(p) for p in layer.parameters(include_sublayers=False))
        elif getattr(layer, "bias", None) is not None:
            no_decay_ids.add(id(layer.bias))
    params = [p for p in model.parameters() if not p.stop_gradient]
    return [p for p in params if id(p) not in no_decay_ids], [p for p in params if id(p) in no_decay_ids]


def build_schedule(schedule: str, lr: float, total_steps: int, warmup_steps: int = 0):
    """A per-step LRScheduler: 'constant' or 'cosine' (to zero), either with a linear warm-up from 0."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    warmup_steps = max(0, min(warmup_steps, total_steps - 1))
    if schedule == "cosine":
        main = paddle.optimizer.lr.CosineAnnealingDecay(lr, T_max=max(1, total_steps - warmup_steps))
    else:
        main = paddle.optimizer.lr.LambdaDecay(lr, lambda _: 1.0)
    if warmup_steps == 0:
        return main
    return paddle.optimizer.lr.LinearWarmup(main, warmup_steps, start_lr=0.0, end_lr=lr)


def build_optimizer(name: str, model: nn.Layer, schedule, weight_decay: float, momentum: float = 0.9,
                    decay_bn: bool = False):
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
    decay, no_decay = split_decay(model)
    if decay_bn:  # plain weight decay on everything, for comparison with the refinement
        decay, no_decay = decay + no_decay, []
    if name == "momentum":
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        return paddle.optimizer.Momentum(learning_rate=schedule, momentum=momentum, parameters=groups)
    decay_names = {p.name for p in decay}
    return paddle.optimizer.AdamW(learning_rate=schedule, parameters=decay + no_decay, weight_decay=weight_decay,
                                  apply_decay_param_fun=lambda n: n in decay_names)
