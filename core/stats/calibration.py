"""Probability calibration (temperature scaling), calibration error and bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np

from .metrics import binary_metrics, log_softmax, threshold_for_sensitivity


def model_log_probs(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Class log-probabilities of a model at ``temperature``: from the N x K logits of one network, or from the
    R x N x K logits of R members whose probabilities the model averages (as core.screening.engine.MeanEngine
    does), so a temperature and threshold fitted here are those of the model's own rule."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim == 2:
        return log_softmax(logits / temperature)
    logp = np.stack([log_softmax(z / temperature) for z in logits])
    top = logp.max(axis=0)
    return top + np.log(np.exp(logp - top).mean(axis=0))


def _nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    logp = model_log_probs(logits, temperature)
    return float(-logp[np.arange(len(labels)), labels].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray, lo: float = 0.05, hi: float = 20.0) -> float:
    """The temperature T minimising the negative log-likelihood of softmax(logits / T) (of the members' mean
    probability for R x N x K logits).

    The NLL is unimodal in log T, so a golden-section search over [lo, hi] finds it without extra packages.
    """
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    a, b = np.log(lo), np.log(hi)
    g = (np.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(80):
        if _nll(logits, labels, np.exp(c)) < _nll(logits, labels, np.exp(d)):
            b = d
        else:
            a = c
        c, d = b - g * (b - a), a + g * (b - a)
    return float(np.exp((a + b) / 2))


def expected_calibration_error(probs_pos: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over equal-width confidence bins, weighted by count."""
    p = np.asarray(probs_pos, dtype=np.float64)
    y = np.asarray(labels).astype(int)
    pred = (p >= 0.5).astype(int)
    conf = np.where(pred == 1, p, 1 - p)
    correct = (pred == y).astype(float)
    edges = np.linspace(0.5, 1.0, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


def bootstrap_resamples(labels: np.ndarray, n: int = 2000, seed: int = 0):
    """Index arrays of ``n`` seeded resamples (with replacement) of the images; those holding one class only
    are skipped, since AUC needs both."""
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    for _ in range(n):
        ix = rng.integers(0, len(y), len(y))
        if y[ix].min() != y[ix].max():
            yield ix


def bootstrap_intervals(labels: np.ndarray, probs_pos: np.ndarray, threshold: float, n: int = 2000,
                        seed: int = 0, level: float = 0.95) -> dict:
    """Percentile bootstrap intervals of accuracy, AUC, sensitivity and specificity (resampling images)."""
    y = np.asarray(labels).astype(int)
    p = np.asarray(probs_pos, dtype=np.float64)
    keys = ("accuracy", "auc", "sensitivity", "specificity")
    draws: dict[str, list] = {k: [] for k in keys}
    for ix in bootstrap_resamples(y, n, seed):
        m = binary_metrics(y[ix], p[ix], threshold)
        for k in keys:
            draws[k].append(m[k])
    tail = (1 - level) / 2 * 100
    return {k: [float(np.percentile(v, tail)), float(np.percentile(v, 100 - tail))] for k, v in draws.items()}


def fit_operating_point(logits: np.ndarray, classes: np.ndarray, positive: int, min_sensitivity: float) -> dict:
    """The operating point of a model from its logits on images it did not select on: the temperature fitted on
    them, the threshold keeping sensitivity >= ``min_sensitivity`` (halfway to the next lower score), the
    metrics there (with the temperature-scaled loss) and at 0.5, their bootstrap intervals, and the ECE before
    and after scaling. ``y`` is 1 for the positive class. ``logits`` are N x K, or R x N x K for a model whose
    probability is the mean of R members' (model_log_probs)."""
    y = (classes == positive).astype(int)
    temperature = fit_temperature(logits, classes)
    raw = np.exp(model_log_probs(logits))[:, positive]
    scaled = model_log_probs(logits, temperature)
    cal = np.exp(scaled)[:, positive]
    threshold = threshold_for_sensitivity(y, cal, min_sensitivity)
    metrics = binary_metrics(y, cal, threshold)
    metrics["loss"] = float(-scaled[np.arange(len(y)), classes].mean())
    return {"y": y, "temperature": temperature, "threshold": threshold, "metrics": metrics,
            "metrics_at_0_5": binary_metrics(y, cal, 0.5), "intervals": bootstrap_intervals(y, cal, threshold),
            "raw": raw, "ece_before": expected_calibration_error(raw, y),
            "ece_after": expected_calibration_error(cal, y)}
