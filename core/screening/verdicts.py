"""The kinds of result a diagnosed file can have, for filters, counts and colours (of a
core.screening.inference.Prediction)."""

from __future__ import annotations

CATEGORIES = ("pm", "not_pm", "ungradable", "error")


def judged(pred) -> bool:
    """The network gave a verdict (not an unreadable file, not an image the quality gate turned away)."""
    return pred.error is None and pred.pm is not None


def ungradable(pred) -> bool:
    """The quality gate turned the image away: retake it."""
    return pred.error is None and pred.pm is None and not pred.gradable


def category(pred) -> str:
    """pm | not_pm | ungradable | error"""
    if pred.error:
        return "error"
    if pred.pm is None:
        return "ungradable"
    return "pm" if pred.pm else "not_pm"
