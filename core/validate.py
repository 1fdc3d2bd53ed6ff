"""Batched validation under no-grad on the model's device."""

from __future__ import annotations

import numpy as np
import paddle.nn.functional as F

from ._paddle import paddle
from .loader import ImageCache
from .metrics import binary_metrics


def predict_proba(model, cache: ImageCache, batch_size: int = 50, amp: bool = False,
                  should_stop=lambda: False) -> tuple[np.ndarray, float]:
    """(class-probability matrix N x K, mean cross-entropy) over every image of ``cache``."""
    was_training = model.training
    model.eval()
    probs, loss_sum = [], 0.0
    try:
        with paddle.no_grad():
            for x, y, _ in cache.batches(batch_size):
                if should_stop():
                    break
                with paddle.amp.auto_cast(enable=amp):
                    logits = model(paddle.to_tensor(x))
                logits = logits.astype("float32")
                loss_sum += float(F.cross_entropy(logits, paddle.to_tensor(y), reduction="sum"))
                probs.append(F.softmax(logits, axis=1).numpy())
    finally:
        if was_training:
            model.train()
    p = np.concatenate(probs) if probs else np.zeros((0, 2), np.float32)
    return p, loss_sum / max(1, len(p))


def validate(model, cache: ImageCache, batch_size: int = 50, threshold: float = 0.5, amp: bool = False,
             positive: int = 1, should_stop=lambda: False) -> dict:
    """Loss, accuracy, ROC AUC, sensitivity, specificity, precision, F1, confusion matrix at ``threshold``
    and the per-image ``probabilities`` of the positive class (with their ``files``)."""
    p, loss = predict_proba(model, cache, batch_size, amp, should_stop)
    labels = (cache.labels[: len(p)] == positive).astype(int)
    metrics = binary_metrics(labels, p[:, positive], threshold)
    metrics["loss"] = loss
    metrics["probabilities"] = p[:, positive].tolist()
    metrics["files"] = [s.path.name for s in cache.samples[: len(p)]]
    return metrics


def summary(metrics: dict) -> dict:
    """The metrics without the per-image lists (for logs and model.json)."""
    return {k: v for k, v in metrics.items() if k not in ("probabilities", "files")}
