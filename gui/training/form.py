"""The Training view's settings column, generated from the field table (``fields.py``): the data set, the model,
the recipe and augmentation, with Start and Stop below (outside the scroll area, so opening Advanced never hides
them)."""

from __future__ import annotations

import math

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible

from core.nn.choices import VARIANT_HELP, VARIANTS

from ..resources import icon
from ..widgets import CompactDoubleSpinBox, VerticalScrollArea, WheelScrollsForm, is_language_change
from .fields import BY_NAME, CONTEXT, CV_ONLY, DEFAULTS, FIELDS, NOT_IN_CV, TWEAKS, Field

# The engine's variant descriptions, marked here so lupdate offers them for translation. A test checks they
# match core.nn.choices.VARIANT_HELP word for word.
VARIANT_HELP_SOURCE = {
    "O": QT_TRANSLATE_NOOP("VariantHelp", "Original ResNet: the down-sampling bottleneck strides in its first 1x1 "
                                          "conv."),
    "B": QT_TRANSLATE_NOOP("VariantHelp", "Stride 2 moved to the 3x3 conv, so the 1x1 conv no longer skips 3/4 of "
                                          "the input."),
    "C": QT_TRANSLATE_NOOP("VariantHelp", "B plus a deep stem: three 3x3 convs (32, 32, 64 channels) replace the "
                                          "7x7 conv."),
    "D": QT_TRANSLATE_NOOP("VariantHelp", "C plus 2x2 average pooling before the 1x1 projection shortcut, which "
                                          "then keeps all pixels."),
}


def variant_help(letter: str) -> str:
    return QCoreApplication.translate("VariantHelp", VARIANT_HELP.get(letter, ""))


def _text(source: str) -> str:
    return QCoreApplication.translate(CONTEXT, source) if source else ""


def make_widget(field: Field) -> QWidget:
    if field.kind == "combo":
        w = QComboBox()
        for value, _ in field.choices:
            w.addItem("", value)
        w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        w.setMinimumContentsLength(12)
        return w
    if field.kind == "check":
        return QCheckBox()
    w = QSpinBox() if field.kind == "int" else CompactDoubleSpinBox()  # 0.001, not 0.001000
    if field.kind == "float":
        w.setDecimals(field.range[3])
    w.setRange(field.range[0], field.range[1])
    w.setSingleStep(field.range[2])
    return w


def widget_value(field: Field, w: QWidget):
    if field.kind == "combo":
        return w.currentData()
    if field.kind == "check":
        return w.isChecked()
    return w.value()


def set_widget_value(field: Field, w: QWidget, value) -> None:
    if field.kind == "combo":
        i = next((i for i in range(w.count()) if str(w.itemData(i)) == str(value)), -1)
        if i >= 0:
            w.setCurrentIndex(i)
    elif field.kind == "check":
        w.setChecked(bool(value))
    else:  # from settings.ini too, which anyone may edit: a number out of range is clamped, anything else ignored
        try:
            number = float(value)
            if not math.isfinite(number):  # nan was shown and used as 1.0
                raise ValueError(value)
        except (TypeError, ValueError):
            number = float(field.default)
        number = min(max(number, field.range[0]), field.range[1])  # 10**20 overflowed the C int: no view
        w.setValue(round(number) if field.kind == "int" else number)


class TrainingForm(QWidget):
    """Every setting of a run, its Start and Stop buttons, and a line for a refused setting."""

    modeChanged = Signal(str)  # "train" or "cv"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._gpu = True
        self._locked = False  # settings locked while a run goes
        self.widgets = {f.name: make_widget(f) for f in FIELDS}
        self._wheel = WheelScrollsForm(self)
        for w in self.widgets.values():
            if isinstance(w, (QComboBox, QAbstractSpinBox)):
                self._wheel.guard(w)
        self.labels: dict[str, QLabel] = {}
        self.tweak_boxes = {k: self.widgets[k] for k in TWEAKS}
        self.variant_help = QLabel()
        self.variant_help.setWordWrap(True)
        self.variant_help.setStyleSheet("color: palette(dark);")
        self.advanced = QCollapsible(expandedIcon="▼", collapsedIcon="▶")  # the usual way round
        self.boxes = {g: QGroupBox() for g in ("model", "recipe", "regular")}
        self._forms = {g: QFormLayout(box) for g, box in self.boxes.items()}
        adv = QWidget()
        self._forms["advanced"] = QFormLayout(adv)
        self._forms["advanced"].setContentsMargins(0, 0, 0, 0)
        for form in self._forms.values():
            # a label too long for its row puts its field under it: the longest ("Keep the epoch with the best:")
            # held the form at 413 px, and the runs table beside it then scrolled for its last column at 1280 px
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for f in FIELDS:
            self._add_row(f)
            if f.name == "variant":
                self._forms["model"].addRow(self.variant_help)
        self.advanced.addWidget(adv)
        self._forms["model"].addRow(self.advanced)
        self.widgets["variant"].currentIndexChanged.connect(self._variant_changed)
        for box in self.tweak_boxes.values():
            box.toggled.connect(self._tweak_changed)
        self.widgets["mode"].currentIndexChanged.connect(self._mode_changed)

        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.start_button = QPushButton(icon("start"), "")
        self.stop_button = QPushButton(icon("stop"), "")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b71c1c;")
        self.error_label.hide()
        panel = QWidget()
        pl = QVBoxLayout(panel)
        pl.addWidget(self.data_label)
        for box in self.boxes.values():
            pl.addWidget(box)
        pl.addStretch(1)
        self.settings_scroll = VerticalScrollArea(panel)  # as wide as the form needs: it never scrolls sideways
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.settings_scroll, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.error_label)
        self.apply_values(DEFAULTS)

    def _add_row(self, f: Field) -> None:
        form, w = self._forms[f.group], self.widgets[f.name]
        if f.kind == "check":  # a check box carries its own text
            form.addRow(w)
            return
        label = QLabel()
        label.setBuddy(w)
        self.labels[f.name] = label
        form.addRow(label, w)

    # ---------------------------------------------------------------- texts
    def retranslate(self) -> None:
        self.boxes["model"].setTitle(self.tr("Model"))
        self.boxes["recipe"].setTitle(self.tr("Training"))
        self.boxes["regular"].setTitle(self.tr("Augmentation and regularisation"))
        self.advanced.setText(self.tr("Advanced"))
        for f in FIELDS:
            w = self.widgets[f.name]
            if f.name in self.labels:
                self.labels[f.name].setText(_text(f.label))
            elif f.kind == "check":
                w.setText(_text(f.label))
            if f.tooltip:
                w.setToolTip(_text(f.tooltip))
            for i, (_, text) in enumerate(f.choices):
                w.setItemText(i, _text(text))
            if f.special:
                w.setSpecialValueText(_text(f.special))
        variant = self.widgets["variant"]
        for i in range(variant.count()):
            variant.setItemData(i, variant_help(variant.itemData(i)), Qt.ItemDataRole.ToolTipRole)
        self.set_gpu_available(self._gpu)
        self.stop_button.setText(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop after the current batch, or once an epoch being validated is saved; "
                                            "what was saved is kept, and Resume continues it"))
        self._variant_changed()
        self._mode_changed()

    def changeEvent(self, event) -> None:
        if is_language_change(event):
            self.retranslate()
        super().changeEvent(event)

    # ---------------------------------------------------------------- model choice
    def _variant_changed(self, *_) -> None:
        flags = VARIANTS[self.widgets["variant"].currentData() or "D"]
        for k, box in self.tweak_boxes.items():
            box.blockSignals(True)
            box.setChecked(flags[k])
            box.blockSignals(False)
        self._tweak_changed()

    def tweaks(self) -> dict:
        """Overrides of the variant's flags set under Advanced (empty when they match the variant)."""
        flags = VARIANTS[self.widgets["variant"].currentData() or "D"]
        return {k: box.isChecked() for k, box in self.tweak_boxes.items() if box.isChecked() != flags[k]}

    def _tweak_changed(self, *_) -> None:
        v = self.widgets["variant"].currentData() or "D"
        text = variant_help(v)
        if self.tweaks():
            text = self.tr("Custom: variant {0} with its tweaks changed under Advanced.").format(v)
        self.variant_help.setText(text)
        self.widgets["variant"].setToolTip(variant_help(v))

    # ---------------------------------------------------------------- kind of run
    @property
    def mode(self) -> str:
        return self.widgets["mode"].currentData()

    def _mode_changed(self, *_) -> None:
        cv = self.mode == "cv"
        for name in CV_ONLY:
            self._forms[BY_NAME[name].group].setRowVisible(self.widgets[name], cv)
        self.start_button.setText(self.tr("Start cross-validation") if cv else self.tr("Start training"))
        self._update_enabled()
        self.modeChanged.emit(self.mode)

    def set_running(self, running: bool) -> None:
        """Lock the settings while a run goes."""
        self._locked = running
        self._update_enabled()
        if not running:
            self.set_gpu_available(self._gpu)

    def _update_enabled(self) -> None:
        cv = self.mode == "cv"
        for name, w in self.widgets.items():
            w.setEnabled(not self._locked and not (cv and name in NOT_IN_CV))
        for name in NOT_IN_CV:  # cross-validation keeps each fold's last epoch and uses every image
            self.labels[name].setEnabled(not cv)

    def set_gpu_available(self, available: bool) -> None:
        self._gpu = available
        device = self.widgets["device"]
        device.model().item(2).setEnabled(available)
        device.setItemText(2, self.tr("GPU") if available else self.tr("GPU (not available)"))
        if not available and device.currentData() == "gpu":
            device.setCurrentIndex(0)

    # ---------------------------------------------------------------- values
    def values(self) -> dict:
        """Every remembered setting: TrainConfig's fields and the kind of run."""
        return {name: widget_value(BY_NAME[name], self.widgets[name]) for name in DEFAULTS}

    def config_values(self) -> dict:
        """The settings that are TrainConfig fields, by their TrainConfig names."""
        return {k: v for k, v in self.values().items() if BY_NAME[k].target == "config"}

    def cv_values(self) -> dict:
        return {k: v for k, v in self.values().items() if BY_NAME[k].target == "cv"}

    def apply_values(self, values: dict) -> None:
        v = {**DEFAULTS, **values}
        for name in DEFAULTS:
            set_widget_value(BY_NAME[name], self.widgets[name], v[name])
        self._variant_changed()

    def show_recipe(self, config, cv: dict) -> None:
        """A resumed run's own recipe (its TrainConfig, and for a cross-validation its folds and pool): shown,
        locked, while it goes. The form showed the remembered settings, which a resumed run does not use."""
        values = {name: getattr(config, name) for name, f in BY_NAME.items() if f.target == "config"}
        self.apply_values({**values, "limit": config.limit or 0, **cv})
        flags = {**VARIANTS[config.variant], **config.tweaks}
        for k, box in self.tweak_boxes.items():
            box.setChecked(bool(flags[k]))

    def build_config(self, data_root: str):
        """The TrainConfig of the settings shown (a ValueError names a refused one)."""
        from core.training.trainer import TrainConfig

        v = self.config_values()
        limit = v.pop("limit")
        return TrainConfig(data=str(data_root), limit=limit or None, tweaks=self.tweaks(), **v).validated()
