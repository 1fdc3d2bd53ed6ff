"""Batched validation: per-image probabilities and clinical metrics.

The network is any ``forward(x) -> logits`` over float32 NCHW numpy batches: the training model (dygraph,
under no-grad on the training device, see ``dygraph_forward``) or an inference engine (core.screening.engine).
"""

from __future__ import annotations

import numpy as np

from ..data.loader import ImageCache
from ..nn.runtime import dygraph_forward
from ..stats.metrics import binary_metrics, log_softmax


def predict_proba(forward, cache: ImageCache, batch_size: int = 50,
                  should_stop=lambda: False, progress=None) -> tuple[np.ndarray, float]:
    """(class-probability matrix N x K, mean cross-entropy) over every image of ``cache``; ``progress(done,
    total)`` is called after each batch."""
    logp, loss_sum, done = [], 0.0, 0
    for x, y, _ in cache.batches(batch_size):
        if should_stop():
            break
        lp = log_softmax(np.asarray(forward(x), dtype=np.float64))
        loss_sum -= float(lp[np.arange(len(y)), y].sum())
        logp.append(lp)
        done += len(y)
        if progress is not None:
            progress(done, len(cache))
    p = np.exp(np.concatenate(logp)) if logp else np.zeros((0, 2))
    return p, loss_sum / max(1, len(p))


def validate(model, cache: ImageCache, batch_size: int = 50, threshold: float = 0.5, amp: bool = False,
             positive: int = 1, should_stop=lambda: False, forward=None, progress=None) -> dict:
    """Loss, accuracy, ROC AUC, sensitivity, specificity, precision, F1, confusion matrix at ``threshold``
    and the per-image ``probabilities`` of the positive class (with their ``files``).

    ``model`` is a dygraph network evaluated in eval mode (restored afterwards); ``forward`` replaces it.
    ``progress(done, total)`` is called after each batch.
    """
    if forward is None:
        was_training = model.training
        model.eval()
        try:
            return validate(None, cache, batch_size, threshold, amp, positive, should_stop,
                            dygraph_forward(model, amp), progress)
        finally:
            if was_training:
                model.train()
    p, loss = predict_proba(forward, cache, batch_size, should_stop, progress)
    labels = (cache.labels[: len(p)] == positive).astype(int)
    metrics = binary_metrics(labels, p[:, positive], threshold)
    metrics["loss"] = loss
    metrics["probabilities"] = p[:, positive].tolist()
    metrics["files"] = [s.path.name for s in cache.samples[: len(p)]]
    return metrics


def summary(metrics: dict) -> dict:
    """The metrics without the per-image lists (for logs and model.json)."""
    return {k: v for k, v in metrics.items() if k not in ("probabilities", "files")}
