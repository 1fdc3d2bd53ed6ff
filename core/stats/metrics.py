"""Clinical metrics of a binary screen from per-image PM probabilities (pure numpy)."""

from __future__ import annotations

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-probabilities of class logits (N x K), computed stably."""
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise class probabilities of logits (N x K)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with tied ranks averaged); NaN with one class only."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def binary_metrics(labels: np.ndarray, probs: np.ndarray, threshold: float = 0.5) -> dict:
    """Accuracy, AUC, sensitivity, specificity, precision, F1 and the confusion matrix at ``threshold``.

    ``probs`` are PM (class 1) probabilities; an image is called PM when prob >= threshold.
    """
    labels = np.asarray(labels).astype(int)
    probs = np.asarray(probs, dtype=np.float64)
    pred = (probs >= threshold).astype(int)
    tp = int(((pred == 1) & (labels == 1)).sum())
    tn = int(((pred == 0) & (labels == 0)).sum())
    fp = int(((pred == 1) & (labels == 0)).sum())
    fn = int(((pred == 0) & (labels == 1)).sum())
    sens, prec = _ratio(tp, tp + fn), _ratio(tp, tp + fp)
    return {
        "n": int(len(labels)),
        "threshold": float(threshold),
        "accuracy": _ratio(tp + tn, len(labels)),
        "auc": roc_auc(labels, probs),
        "sensitivity": sens,
        "specificity": _ratio(tn, tn + fp),
        "precision": prec,
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        # rows: true class (0 = non-PM, 1 = PM); columns: predicted class
        "confusion": [[tn, fp], [fn, tp]],
    }


def threshold_for_sensitivity(labels: np.ndarray, probs: np.ndarray, min_sensitivity: float) -> float:
    """A threshold with the highest cut whose sensitivity is at least ``min_sensitivity`` (best specificity then),
    placed halfway between that cut's score and the next lower score, not on a score: another engine's rounding
    of the same image (Paddle Inference vs dygraph, ~1e-5) then keeps it on the same side."""
    labels = np.asarray(labels).astype(int)
    probs = np.asarray(probs, dtype=np.float64)
    pos = np.sort(probs[labels == 1])[::-1]
    if len(pos) == 0:
        raise ValueError("no positive images: sensitivity is undefined")
    k = int(np.ceil(min_sensitivity * len(pos)))  # positives that must score >= threshold
    cut = pos[max(k, 1) - 1]
    lower = probs[probs < cut]
    return float((cut + (lower.max() if len(lower) else 0.0)) / 2)
