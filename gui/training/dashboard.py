"""The Training view's right side: the run's name and progress, the live plots, and the runs table and log in
tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel

from ..resources import icon
from ..widgets import is_language_change
from .log import TrainingLog
from .plots import TrainingPlots
from .runs_table import RunsTable

RUNS_TAB, LOG_TAB = 0, 1


class TrainingDashboard(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # elided, the whole name in its tooltip: at 1024 px the two pushed the time left out of the window
        self.run_label = QElidingLabel()
        self.run_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        f = QFont(self.run_label.font())
        f.setBold(True)
        self.run_label.setFont(f)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        head = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(self.run_label, 1)
        row.addWidget(self.progress_label)
        head.addLayout(row)
        head.addWidget(self.progress)

        self.plots = TrainingPlots()
        self.log = TrainingLog()
        self.runs_table = RunsTable()
        self.show_live_button = QPushButton()
        self.resume_button = QPushButton(icon("start"), "")
        self.use_button = QPushButton(icon("diagnosis"), "")
        runs_page = QWidget()
        rl = QVBoxLayout(runs_page)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.runs_table, 1)
        rb = QHBoxLayout()
        rb.addWidget(self.show_live_button)
        rb.addWidget(self.resume_button)
        rb.addStretch(1)
        rb.addWidget(self.use_button)
        rl.addLayout(rb)
        self.tabs = QTabWidget()
        self.tabs.addTab(runs_page, icon("table"), "")
        self.tabs.addTab(self.log, icon("log"), "")

        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(self.plots)
        lower.addWidget(self.tabs)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([420, 300])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(lower, 1)
        self._busy = False
        self.runs_table.runSelected.connect(self._selection_changed)
        self._selection_changed()

    def retranslate(self) -> None:
        self.tabs.setTabText(RUNS_TAB, self.tr("Runs"))
        self.tabs.setTabText(LOG_TAB, self.tr("Log"))
        self.show_live_button.setText(self.tr("Show the current run"))
        self.resume_button.setText(self.tr("Resume"))
        self.resume_button.setToolTip(self.tr("Continue the selected run, or cross-validation, where it stopped"))
        self.use_button.setText(self.tr("Use for diagnosis"))
        self.plots.set_texts({
            "loss": self.tr("Loss"), "metrics": self.tr("Validation accuracy and AUC"), "epoch": self.tr("epoch"),
            "metrics_short": self.tr("Accuracy, AUC"),
            "fold": self.tr("fold {0} of {1}"),
            "train_batch": self.tr("training loss (per batch)"), "train_epoch": self.tr("training loss (per epoch)"),
            "val_loss": self.tr("validation loss"), "accuracy": self.tr("accuracy"), "auc": self.tr("AUC"),
            "no_curves": self.tr("No training curves were saved with this run")})
        self.runs_table.retranslate()

    def changeEvent(self, event) -> None:
        if is_language_change(event):
            self.retranslate()
        super().changeEvent(event)

    def _selection_changed(self, *_) -> None:
        run = self.runs_table.selected_run()
        # a run to use must be chosen (it did nothing, enabled, without one); a cross-validation is no one model
        self.use_button.setEnabled(run is not None and not run.cv)
        self.resume_button.setEnabled(run is not None and run.resumable and not self._busy)

    def set_busy(self, busy: bool) -> None:
        """While a run goes, nothing else can be resumed."""
        self._busy = busy
        self._selection_changed()
