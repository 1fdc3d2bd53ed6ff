"""The dialog that changes a model's operating point (its decision threshold): one of the points its model card
documents, or another value, with the reason recorded in the card (core.store.library.change_threshold)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.store.modelio import NOTE_LIMIT

from ..widgets import plural
from .model_picker import operating_points, point_figures


class OperatingPointDialog(QDialog):
    """Opened with ``open()`` (window-modal, not blocking); ``accepted`` once the user chose a new threshold and
    gave a reason: read ``threshold()`` and ``note()`` then."""

    def __init__(self, meta: dict, bundled: bool, results: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("operatingPointDialog")
        self.setWindowTitle(self.tr("Change the operating point"))
        self._points = operating_points(meta)
        from core.training.finalize import out_of_fold

        self._out_of_fold = out_of_fold(meta)
        self._current = self._points[0][0]

        intro = QLabel(self.tr("{0} says PM when the probability is at least {1:.1%}. The figures in its model "
                               "card were measured at the thresholds listed below; at any other threshold its "
                               "sensitivity and specificity are not known.")
                       .format(meta.get("name", ""), self._current))
        intro.setWordWrap(True)
        self.documented = QComboBox()
        self.documented.setObjectName("documentedPoints")
        self.documented.setPlaceholderText(self.tr("another value (not documented)"))
        for threshold, metrics, _ in self._points:
            text = self.tr("≥ {0:.1%}").format(threshold)
            if metrics and "sensitivity" in metrics and "specificity" in metrics:
                text += " — " + point_figures(meta, metrics)
            self.documented.addItem(text, threshold)
        self.value = QDoubleSpinBox()
        self.value.setObjectName("thresholdValue")
        self.value.setRange(0.1, 99.9)
        self.value.setDecimals(1)
        self.value.setSingleStep(0.5)
        self.value.setSuffix(" %")
        self.value.setValue(self._current * 100)
        self.reason = QLineEdit()
        self.reason.setMaxLength(NOTE_LIMIT)
        self.reason.setObjectName("thresholdReason")
        self.reason.setPlaceholderText(self.tr("e.g. referral policy of the clinic, approved by …"))
        self.documented.activated.connect(lambda i: self.value.setValue(self.documented.itemData(i) * 100))
        self.measured = QLabel()  # what is known at the value shown: a clinic must not take 97% for granted
        self.measured.setObjectName("measuredAtThreshold")
        self.measured.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Documented points:"), self.documented)
        form.addRow(self.tr("PM when probability ≥"), self.value)
        form.addRow("", self.measured)
        form.addRow(self.tr("Reason (recorded):"), self.reason)

        notes = [self.tr("The change, your user name, the time and the reason are recorded in the model card, and "
                         "the model is sealed again.")]
        if bundled:
            notes.append(self.tr("The bundled model is part of the program and is not changed: a copy in your model "
                                 "library gets the new operating point and becomes the model in use."))
        if results:
            notes.append(plural(results, self.tr("The result in the table was judged at the old threshold and is "
                                                 "removed (it stays in the audit log)."),
                                self.tr("The {0} results in the table were judged at the old threshold and are "
                                        "removed (they stay in the audit log).")))
        consequence = QLabel("\n\n".join(notes))
        consequence.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Copy and change") if bundled else self.tr("Change"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.value.valueChanged.connect(self._update_ok)
        self.reason.textChanged.connect(self._update_ok)

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(consequence)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(600)  # the documented points are long lines
        self._update_ok()

    def threshold(self) -> float:
        """The value shown; a documented point's exact value when the (rounded) value shown is that point."""
        shown = self.value.value()
        for threshold, _, _ in self._points:
            if abs(round(threshold * 100, 1) - shown) < 1e-9:
                return threshold
        return round(shown / 100, 6)

    def note(self) -> str:
        return self.reason.text().strip()

    def _update_measured(self) -> None:
        threshold = self.threshold()
        for i, (t, metrics, _) in enumerate(self._points):
            if t == threshold:
                self.documented.setCurrentIndex(i)
                if metrics and "sensitivity" in metrics and "specificity" in metrics:
                    measured = (self.tr("Estimated at this threshold by cross-validation: out-of-fold sensitivity "
                                        "{0:.1%}, specificity {1:.1%}.") if self._out_of_fold
                                else self.tr("Measured at this threshold: validation sensitivity {0:.1%}, "
                                             "specificity {1:.1%}."))
                    self.measured.setText(measured.format(float(metrics["sensitivity"]),
                                                          float(metrics["specificity"])))
                    self.measured.setStyleSheet("")
                    return
        self.documented.setCurrentIndex(-1)  # the value typed is none of them: the list must not say otherwise
        self.measured.setText(self.tr("Not measured at this threshold: its sensitivity and specificity are not "
                                      "known."))
        self.measured.setStyleSheet("color: #b71c1c;")

    def _update_ok(self) -> None:
        self._update_measured()
        # A change needs a new value and a reason: the card must say why a clinic's operating point moved.
        self.ok_button.setEnabled(self.threshold() != self._current and bool(self.note()))
