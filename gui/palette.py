"""The colours of verdicts and classes, once for the whole GUI (tables, detail panel, data set badges, PDF)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from core.screening.verdicts import category

PM_COLOR = QColor("#c62828")
NON_PM_COLOR = QColor("#2e7d32")
ERROR_COLOR = QColor("#757575")
UNGRADABLE_COLOR = QColor("#e65100")
MUTED_COLOR = QColor("#9e9e9e")  # row numbers, a missing thumbnail
VERDICT_COLORS = {"pm": PM_COLOR, "not_pm": NON_PM_COLOR, "ungradable": UNGRADABLE_COLOR, "error": ERROR_COLOR}
_CLASS_COLORS = [NON_PM_COLOR, PM_COLOR, QColor("#1565c0"), QColor("#ef6c00"), QColor("#6a1b9a")]


def verdict_color(pred) -> QColor:
    """The colour of a Prediction's verdict (core.screening.verdicts.category)."""
    return VERDICT_COLORS[category(pred)]


def class_color(label: int) -> QColor:
    """Label 0 green, 1 red (non-PM, PM in a two-class data set), then other colours."""
    return _CLASS_COLORS[label % len(_CLASS_COLORS)]
