"""The Diagnosis view's bottom strip: the progress bar, what is happening (the engine starting, images done with
rate and time left, a report being written, or the counts when all is done), and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton

from core.screening.session import BatchSession

from ..resources import icon
from ..widgets import duration, plural


class ProgressStrip(QObject):
    """The strip's widgets, which the view lays out at its bottom."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cancel_button = QPushButton(icon("cancel"), "")
        self.cancel_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))

    def add_to(self, layout: QHBoxLayout) -> None:
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.cancel_button)

    def retranslate(self) -> None:
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop after the images being processed (Esc)"))
        # wide enough for the longest progress text, so the bar does not jump as the numbers change
        widest = self.tr("{0} · {1:.1f} images/s · about {2} left").format(
            self.tr("{0} of {1} images").format(88888, 88888), 888.8, "8:88:88")
        self.progress_label.setMinimumWidth(self.progress_label.fontMetrics().horizontalAdvance(widest) + 8)

    def show_export(self, name: str, done: int, total: int) -> None:
        self.progress.setVisible(True)
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)
        self.progress_label.setText(self.tr("Writing {0}: {1} of {2} rows").format(name, done, total))

    def show_session(self, s: BatchSession, busy: bool, counts) -> None:
        """``s``'s batch (``busy``: its worker has not ended), or else the table's ``counts`` (a Counter of
        core.screening.verdicts categories) or the engine's stage."""
        self.progress.setVisible(busy or s.total > 0)
        self.progress.setMaximum(max(1, s.total))
        self.progress.setValue(min(s.done, s.total) if s.total else 0)
        if busy and s.cancelling:
            text = self.tr("Cancelling…")
        elif busy and s.total == 0:
            text = self.tr("Loading the model: {0}").format(self.stage_text(s.stage))
        elif busy:
            text = self.tr("{0} of {1} images").format(s.done, s.total)
            left = s.seconds_left()
            if left is not None:
                text = self.tr("{0} · {1:.1f} images/s · about {2} left").format(text, s.rate, duration(left))
        elif counts.total():
            bad, poor = counts["error"], counts["ungradable"]
            text = self.tr("{0} judged, {1} ungradable, {2}").format(
                counts.total() - bad - poor, poor, plural(bad, self.tr("1 error"), self.tr("{0} errors")))
        elif s.stage == "ready":
            text = self.tr("The model is ready")
        elif s.stage:
            text = self.tr("Preparing the model: {0}").format(self.stage_text(s.stage))
        else:
            text = ""
        self.progress_label.setText(text)

    def stage_text(self, stage: str) -> str:
        """What the engine is doing while it starts, in the current language."""
        return {"process": self.tr("starting the engine process…"),
                "paddle": self.tr("loading PaddlePaddle…"),
                "model": self.tr("loading the model and its inference engine (prepared once, then cached)…"),
                "warmup": self.tr("warming up…"),
                "ready": self.tr("ready")}.get(stage, self.tr("starting…"))

    def show_buttons(self, active: bool, cancelling: bool) -> None:
        self.cancel_button.setVisible(active)
        self.cancel_button.setEnabled(active and not cancelling)
