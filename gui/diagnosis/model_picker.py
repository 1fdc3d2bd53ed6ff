"""The Diagnosis view's model picker (the library's models, the bundled one first, plus folders opened by hand),
the operating point of the chosen model, and the banner shown when there is no usable model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from ..resources import icon
from ..widgets import ElidingComboBox


def operating_points(meta: dict) -> list[tuple[float, dict | None, str]]:
    """The operating points a model card documents: (threshold, its validation metrics or None, how it was
    chosen); the one in use (``threshold``) first. The card's metrics belong to the threshold they were measured
    at (recorded in them; else the first recorded change's starting point): when the threshold was changed since,
    the one in use has none. Then 0.5 when the card measured it, then the other thresholds of recorded changes."""
    from core.store.provenance import threshold_changes

    threshold = float(meta.get("threshold", 0.5))
    changes = threshold_changes(meta)
    metrics = meta.get("metrics") or None
    measured = next((t for t in ((metrics or {}).get("threshold"), changes[0].get("from") if changes else None)
                     if isinstance(t, (int, float)) and not isinstance(t, bool)), threshold)
    documented = [(measured, metrics)] + ([(0.5, meta["metrics_at_0_5"])] if meta.get("metrics_at_0_5") else [])
    # the point in use keeps its figures when it is one the card measured (e.g. moved to the card's 0.5)
    in_use = next((m for t, m in documented if abs(t - threshold) < 1e-9), None)
    points = [(threshold, in_use, str(meta.get("threshold_rule") or ""))]

    def add(t, m=None):
        if isinstance(t, (int, float)) and not isinstance(t, bool) and all(abs(t - p) > 1e-9 for p, _, _ in points):
            points.append((float(t), m, ""))

    for t, m in documented:
        add(t, m)
    for change in changes:
        add(change.get("from"))
    return points


def point_figures(meta: dict, metrics: dict) -> str:
    """"out-of-fold sensitivity 97.2%, specificity 95.7%" (or "validation …") of a documented point, in the
    current language: the tooltip and the operating point dialog say it alike."""
    from core.training.finalize import out_of_fold

    text = (QCoreApplication.translate("ModelPicker", "out-of-fold sensitivity {0:.1%}, specificity {1:.1%}")
            if out_of_fold(meta)
            else QCoreApplication.translate("ModelPicker", "validation sensitivity {0:.1%}, specificity {1:.1%}"))
    return text.format(float(metrics["sensitivity"]), float(metrics["specificity"]))


class ModelPicker(QObject):
    """Label, combo box, Open model folder… and the operating point (widgets the view lays out in its top bar, so
    that they get their sizes with it); ``chosen`` when the user picks a model."""

    chosen = Signal()
    openRequested = Signal()
    changeThresholdRequested = Signal()
    cardRequested = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._extra_models: list[Path] = []  # folders opened by hand, outside the library
        self._meta: dict[str, dict] = {}  # folder -> model.json
        self._bundled: set[str] = set()
        self.model_label = QLabel()
        self.model_combo = ElidingComboBox()
        self.model_combo.setMinimumContentsLength(28)
        self.model_combo.setMinimumWidth(120)  # may shrink below 28 characters: the top bar fits a 1024-px window
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.currentIndexChanged.connect(lambda *_: self.chosen.emit())
        self.open_model_button = QPushButton(icon("model"), "")
        self.open_model_button.clicked.connect(self.openRequested)
        self.threshold_label = QLabel()
        self.threshold_label.setObjectName("operatingPoint")
        self.change_threshold_button = QToolButton()
        self.change_threshold_button.setObjectName("changeOperatingPoint")
        self.change_threshold_button.clicked.connect(self.changeThresholdRequested)
        self.card_button = QToolButton()
        self.card_button.setObjectName("modelCard")
        self.card_button.clicked.connect(self.cardRequested)

    def add_to(self, layout: QHBoxLayout) -> None:
        for w in (self.model_label, self.model_combo, self.card_button, self.open_model_button,
                  self.threshold_label, self.change_threshold_button):
            layout.addWidget(w)

    def retranslate(self) -> None:
        self.model_label.setText(self.tr("Model:"))
        self.open_model_button.setText(self.tr("Open model folder…"))
        self.open_model_button.setToolTip(self.tr("Open model folder…"))  # said when the bar shows its icon alone
        self.change_threshold_button.setText(self.tr("Change…"))
        self.card_button.setText(self.tr("Model card"))
        self.card_button.setToolTip(self.tr("What this model is for, how it was made and measured, its expected "
                                            "sensitivity and specificity, and its limitations"))
        self.change_threshold_button.setToolTip(self.tr("Change the operating point of this model (recorded in its "
                                                        "model card)"))
        self.label_models()
        self.update_threshold()

    # ---------------------------------------------------------------- the list
    def refresh(self, current: str | Path | None) -> None:
        """Fill the picker from the model library plus the folders opened by hand, selecting ``current`` (else
        the bundled model); quietly: ``chosen`` is not emitted."""
        from core.store.bundled import default_model_dir
        from core.store.library import list_models

        entries = list_models(include_bundled=True)
        extra = {str(p): self._meta[str(p)] for p in self._extra_models if str(p) in self._meta}
        self._meta = {**extra, **{str(e.path): e.meta for e in entries}}
        known = {e.path for e in entries}
        self._bundled = {str(e.path) for e in entries if e.bundled}
        combo = self.model_combo
        combo.blockSignals(True)
        combo.clear()
        for path in [e.path for e in entries] + [p for p in self._extra_models if p not in known
                                                  and str(p) in self._meta]:
            combo.addItem("", str(path))
            combo.setItemData(combo.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)
        self.label_models()
        i = combo.findData(str(current)) if current else -1
        if i < 0:
            bundled = default_model_dir()
            i = combo.findData(str(bundled)) if bundled else -1
        combo.setCurrentIndex(max(0, i) if combo.count() else -1)
        combo.blockSignals(False)

    def add_folder(self, folder: Path, meta: dict) -> None:
        """A model folder opened by hand (its model.json read): listed from the next ``refresh`` on."""
        self._meta[str(folder)] = meta
        if self.model_combo.findData(str(folder)) < 0 and folder not in self._extra_models:
            self._extra_models.append(folder)

    def label_models(self) -> None:
        """The picker's texts in the current language: "name (bundled)", "name — run folder"."""
        known = {str(e) for e in self._extra_models}
        for i in range(self.model_combo.count()):
            path = Path(self.model_combo.itemData(i))
            name = (self._meta.get(str(path)) or {}).get("name", path.name)
            if str(path) in self._bundled:
                label = self.tr("{0} (bundled)").format(name)
            else:
                label = f"{name} — {path if str(path) in known else path.name}"
            self.model_combo.setItemText(i, label)
        self.model_combo._update_tooltip()

    def select_quietly(self, folder: Path) -> None:
        i = self.model_combo.findData(str(folder))
        if i >= 0:
            self.model_combo.blockSignals(True)
            self.model_combo.setCurrentIndex(i)
            self.model_combo.blockSignals(False)

    def model_dir(self) -> Path | None:
        data = self.model_combo.currentData()
        return Path(data) if data else None

    def meta(self) -> dict | None:
        d = self.model_dir()
        return self._meta.get(str(d)) if d else None

    def model_name(self) -> str:
        d = self.model_dir()
        return (self.meta() or {}).get("name", d.name) if d else ""

    def is_bundled(self) -> bool:
        return str(self.model_dir()) in self._bundled

    def set_enabled(self, enabled: bool) -> None:
        self.model_combo.setEnabled(self.model_combo.count() > 0 and enabled)
        self.open_model_button.setEnabled(enabled)
        self.change_threshold_button.setEnabled(enabled and self.meta() is not None)
        self.card_button.setEnabled(self.meta() is not None)  # reading the card never disturbs a batch

    # ---------------------------------------------------------------- the operating point
    def update_threshold(self) -> None:
        """The chosen model's threshold, and in the tooltip the operating points its model card documents (with
        their validation or out-of-fold sensitivity and specificity) and which one is in use."""
        meta = self.meta()
        self.change_threshold_button.setVisible(bool(meta))
        self.card_button.setVisible(bool(meta))
        if not meta:
            self.threshold_label.setText("")
            self.threshold_label.setToolTip("")
            return
        points = operating_points(meta)
        self.threshold_label.setText(self.tr("PM when probability ≥ {0:.1%}").format(points[0][0]))
        lines = [self.tr("Operating point of this model (Change… or pmscreen set-threshold changes it, "
                         "recorded in the model card):")]
        for i, (threshold, metrics, rule) in enumerate(points):
            line = self.tr("≥ {0:.1%}").format(threshold)
            if metrics and "sensitivity" in metrics and "specificity" in metrics:
                line += " — " + point_figures(meta, metrics)
            line += " — " + (self.tr("in use") if i == 0 else self.tr("documented, not in use"))
            lines.append(line)
            if i == 0 and rule:
                lines.append("    " + rule)
        self.threshold_label.setToolTip("\n".join(lines))


class NoModelBanner(QWidget):
    """Why there is no model to diagnose with, and the two ways to get one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("noModel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # a QWidget subclass paints its background then
        self.setStyleSheet("#noModel { background: #fff8e1; border: 1px solid #ffcc80; border-radius: 4px; }")
        self.no_model_label = QLabel()
        self.no_model_label.setWordWrap(True)
        self.no_model_label.setStyleSheet("color: #5d4037;")
        self.train_button = QPushButton(icon("training"), "")
        self.open_button = QPushButton(icon("model"), "")
        lay = QHBoxLayout(self)
        lay.addWidget(self.no_model_label, 1)
        lay.addWidget(self.train_button)
        lay.addWidget(self.open_button)

    def retranslate(self) -> None:
        self.train_button.setText(self.tr("Train a model"))
        self.open_button.setText(self.tr("Open model folder…"))

    def show_state(self, model_dir: Path | None, error: str, refused: str = "", in_use: str = "") -> None:
        """Shown with ``error`` when the model in use cannot be used, with ``refused`` when a folder the user opened
        is no usable model (the one in use, ``in_use``, stays: the banner said "The model cannot be used" while
        that model went on giving verdicts), or when there is no model at all."""
        if error:
            self.no_model_label.setText(self.tr("The model cannot be used: {0}").format(error))
            self.show()
        elif refused and model_dir is not None:
            self.no_model_label.setText(self.tr("Not opened: {0}. The model in use is still {1}.").format(
                refused, in_use))
            self.show()
        elif refused:
            self.no_model_label.setText(self.tr("Not opened: {0}").format(refused))
            self.show()
        elif model_dir is None:
            self.no_model_label.setText(self.tr("No model is installed. Train one in the Training view, or open a "
                                                "model folder (one with model.json and weights.safetensors)."))
            self.show()
        else:
            self.hide()


class ResearchModelNote(QLabel):
    """Said above the results while the chosen model has no model card the seal covers: a research run's
    threshold and figures come from its own validation images and nothing records what it is fit for, yet its
    verdicts look like any other's (a one-epoch run called every image PM in bold red)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("researchModel")
        self.setWordWrap(True)
        self.setStyleSheet("#researchModel { background: #fff8e1; border: 1px solid #ffcc80; border-radius: 4px; "
                           "color: #5d4037; padding: 6px; }")
        self.reason = ""  # core.store.modelio.research_reason of the chosen model
        self.hide()

    def retranslate(self) -> None:
        from core.store.modelio import CARD_NOT_SEALED

        if self.reason == CARD_NOT_SEALED:
            self.setText(self.tr("Research model: its model card is not covered by its seal (added or changed by "
                                 "hand, or written before PM Screen sealed cards), so nothing vouches for its "
                                 "threshold and figures. Use its verdicts for research, not for patients."))
        else:
            self.setText(self.tr("Research model: it was never finalized (no model card), so its threshold and "
                                 "figures come from its own training run and nothing records what it is fit for. "
                                 "Use its verdicts for research, not for patients."))

    def show_for(self, meta: dict | None) -> None:
        from core.store.modelio import research_reason

        self.reason = research_reason(meta) if meta is not None else ""
        self.retranslate()
        self.setVisible(bool(self.reason))
