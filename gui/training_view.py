"""The Training view: choose a ResNet (depth, O/B/C/D variant, individual tweaks) and a recipe, start and stop a
run, watch its loss and metrics live, read the same log lines as the CLI, and compare runs in the runs table."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible

from core.nn.choices import BEST_METRICS
from core.nn.models import DEPTHS, VARIANT_HELP, VARIANTS
from core.training.events import (
    BatchEnd,
    CheckpointSaved,
    DataReady,
    EpochEnd,
    Failed,
    Finished,
    Log,
    ValidationProgress,
)

from . import settings
from .resources import icon
from .runs_table import Run, RunsTable
from .widgets import duration, is_language_change, percent
from .workers import TrainingRun

# The engine's variant descriptions, marked here so lupdate offers them for translation. A test checks they
# match core.nn.models.VARIANT_HELP word for word.
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
TWEAKS = ("stride_in_3x3", "deep_stem", "avg_down")

# GUI defaults: a run that finishes on a CPU in minutes (the CLI defaults to ResNet-50-D for 20 epochs).
DEFAULTS = dict(depth=18, variant="D", epochs=5, batch_size=16, lr=1e-3, optimizer="momentum", schedule="cosine",
                warmup_epochs=0.0, weight_decay=1e-4, label_smoothing=0.0, mixup=0.0, flip=True, rotate=10.0,
                scale=0.0, shift=0.0, color_jitter=0.1, seed=0, limit=0, device="auto", best_metric="accuracy",
                zero_init_last_bn=False)

TRAIN_COLOR, VAL_COLOR, ACC_COLOR, AUC_COLOR = "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"
VAL_IMAGE_COST = 1 / 3  # a validation image (forward only) against a training image, for the progress bar


def variant_help(letter: str) -> str:
    return QCoreApplication.translate("VariantHelp", VARIANT_HELP.get(letter, ""))


class TrainingView(QWidget):
    runFinished = Signal(str)  # the run folder (a model folder once an epoch completed)
    runningChanged = Signal(bool)
    statusMessage = Signal(object)  # text, or a function giving it in the current language
    useForDiagnosis = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dataset = None
        self.run = TrainingRun(self)
        self.run.event.connect(self._on_event)
        self.run.done.connect(self._on_done)
        self._live = _Series()
        self._showing: str = "live"  # "live" or the path of the run shown from the table
        self._last_status = ""
        self._epoch_started = 0.0
        self._epoch_seconds: list[float] = []
        self._first_batch_at = 0.0
        self._last_batch: BatchEnd | None = None
        self._last_val: ValidationProgress | None = None  # while the current epoch is being validated
        self._val_started = 0.0
        self._n_val = 0
        self._log_lines: list[tuple] = []  # (function giving the line in the current language, error)
        self._gpu = True

        self._build_settings()
        self._build_dashboard()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.settings_column)
        split.addWidget(self.dashboard)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 900])
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)
        self.load_settings()
        self.retranslate()
        self.runs_table.refresh()
        self._update_buttons()

    # ---------------------------------------------------------------- construction
    def _build_settings(self) -> None:
        self.depth = QComboBox()
        for d in sorted(DEPTHS):
            self.depth.addItem(f"ResNet-{d}", d)
        self.variant = QComboBox()
        for v in VARIANTS:  # O, B, C, D: the order of the paper
            self.variant.addItem(v, v)
        self.variant.currentIndexChanged.connect(self._variant_changed)
        self.variant_help = QLabel()
        self.variant_help.setWordWrap(True)
        self.variant_help.setStyleSheet("color: palette(dark);")
        self.tweak_boxes = {k: QCheckBox() for k in TWEAKS}
        for box in self.tweak_boxes.values():
            box.toggled.connect(self._tweak_changed)
        self.zero_init = QCheckBox()
        self.weight_decay = _dspin(0, 0.1, 5, 1e-4)
        self.warmup = _dspin(0, 10, 1, 0.5)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.limit = QSpinBox()
        self.limit.setRange(0, 1_000_000)
        self.limit.setSingleStep(50)
        self.best_metric = QComboBox()
        for m in BEST_METRICS:
            self.best_metric.addItem(m, m)

        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(2, 1024)
        self.lr = _dspin(1e-6, 1.0, 6, 1e-4)
        self.optimizer = QComboBox()
        self.optimizer.addItem("SGD + momentum", "momentum")
        self.optimizer.addItem("AdamW", "adamw")
        self.schedule = QComboBox()
        self.schedule.addItem("", "constant")
        self.schedule.addItem("", "cosine")
        self.flip = QCheckBox()
        self.rotate = _dspin(0, 180, 0, 5)
        self.scale = _dspin(0, 0.5, 2, 0.05)
        self.shift = _dspin(0, 0.5, 2, 0.05)
        self.jitter = _dspin(0, 0.9, 2, 0.05)
        self.smoothing = _dspin(0, 0.5, 2, 0.05)
        self.mixup = _dspin(0, 2.0, 2, 0.1)
        self.device = QComboBox()
        for key in ("auto", "cpu", "gpu"):
            self.device.addItem("", key)

        self.model_box = QGroupBox()
        f = QFormLayout(self.model_box)
        self.lbl = {}
        self._row(f, "depth", self.depth)
        self._row(f, "variant", self.variant)
        f.addRow(self.variant_help)
        self.advanced = QCollapsible(expandedIcon="▼", collapsedIcon="▶")  # the usual way round
        adv = QWidget()
        af = QFormLayout(adv)
        af.setContentsMargins(0, 0, 0, 0)
        for box in self.tweak_boxes.values():
            af.addRow(box)
        af.addRow(self.zero_init)
        self._row(af, "weight_decay", self.weight_decay)
        self._row(af, "warmup", self.warmup)
        self._row(af, "best_metric", self.best_metric)
        self._row(af, "limit", self.limit)
        self._row(af, "seed", self.seed)
        self.advanced.addWidget(adv)
        f.addRow(self.advanced)

        self.recipe_box = QGroupBox()
        f = QFormLayout(self.recipe_box)
        for key, w in (("epochs", self.epochs), ("batch_size", self.batch_size), ("lr", self.lr),
                       ("optimizer", self.optimizer), ("schedule", self.schedule), ("device", self.device)):
            self._row(f, key, w)
        self.regular_box = QGroupBox()
        f = QFormLayout(self.regular_box)
        f.addRow(self.flip)
        for key, w in (("rotate", self.rotate), ("scale", self.scale), ("shift", self.shift), ("jitter", self.jitter),
                       ("smoothing", self.smoothing), ("mixup", self.mixup)):
            self._row(f, key, w)

        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.start_button = QPushButton(icon("start"), "")
        self.stop_button = QPushButton(icon("stop"), "")
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        f_buttons = QHBoxLayout()
        f_buttons.addWidget(self.start_button)
        f_buttons.addWidget(self.stop_button)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b71c1c;")
        self.error_label.hide()

        panel = QWidget()
        pl = QVBoxLayout(panel)
        pl.addWidget(self.data_label)
        pl.addWidget(self.model_box)
        pl.addWidget(self.recipe_box)
        pl.addWidget(self.regular_box)
        pl.addStretch(1)
        self.settings_scroll = QScrollArea()
        self.settings_scroll.setWidget(panel)
        self.settings_scroll.setWidgetResizable(True)
        self.settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.settings_scroll.setMinimumWidth(340)
        # Start and Stop stay under the settings, outside the scroll area: opening Advanced never hides them
        self.settings_column = QWidget()
        sc = QVBoxLayout(self.settings_column)
        sc.setContentsMargins(0, 0, 0, 0)
        sc.addWidget(self.settings_scroll, 1)
        sc.addLayout(f_buttons)
        sc.addWidget(self.error_label)
        for combo in (self.depth, self.variant, self.optimizer, self.schedule, self.device, self.best_metric):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.settings_widgets = [self.depth, self.variant, *self.tweak_boxes.values(), self.zero_init,
                                 self.weight_decay, self.warmup, self.seed, self.limit, self.best_metric, self.epochs,
                                 self.batch_size, self.lr, self.optimizer, self.schedule, self.flip, self.rotate,
                                 self.scale, self.shift, self.jitter, self.smoothing, self.mixup, self.device]

    def _row(self, form: QFormLayout, key: str, widget: QWidget) -> None:
        label = QLabel()
        label.setBuddy(widget)
        self.lbl[key] = label
        form.addRow(label, widget)

    def _build_dashboard(self) -> None:
        self.run_label = QLabel()
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
        row.addWidget(self.run_label)
        row.addStretch(1)
        row.addWidget(self.progress_label)
        head.addLayout(row)
        head.addWidget(self.progress)

        self.loss_plot = pg.PlotWidget()
        self.metric_plot = pg.PlotWidget()
        for p, corner in ((self.loss_plot, (-10, 10)), (self.metric_plot, (-10, -10))):
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setMenuEnabled(False)
            p.addLegend(offset=corner)  # loss: top right; metrics (rising towards 1): bottom right
            p.setMinimumHeight(180)
        self.metric_plot.setYRange(0, 1.06, padding=0)  # room above 100 % for whole markers
        self.train_curve = self.loss_plot.plot([], [], pen=pg.mkPen(TRAIN_COLOR, width=1.5), connect="finite")
        self.val_curve = self.loss_plot.plot([], [], pen=pg.mkPen(VAL_COLOR, width=2), symbol="o", symbolSize=7,
                                             symbolBrush=VAL_COLOR, symbolPen=None, connect="finite")
        self.acc_curve = self.metric_plot.plot([], [], pen=pg.mkPen(ACC_COLOR, width=2), symbol="o", symbolSize=7,
                                               symbolBrush=ACC_COLOR, symbolPen=None, connect="finite")
        self.auc_curve = self.metric_plot.plot([], [], pen=pg.mkPen(AUC_COLOR, width=2), symbol="t", symbolSize=8,
                                               symbolBrush=AUC_COLOR, symbolPen=None, connect="finite")
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.metric_plot)

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(20000)
        self.log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.log.setFont(mono)
        self.runs_table = RunsTable()
        self.runs_table.runSelected.connect(self.show_run)
        self.runs_table.useForDiagnosis.connect(self.useForDiagnosis)
        self.show_live_button = QPushButton()
        self.show_live_button.clicked.connect(self.show_live)
        self.use_button = QPushButton(icon("diagnosis"), "")
        self.use_button.clicked.connect(self._use_selected)
        runs_page = QWidget()
        rl = QVBoxLayout(runs_page)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.runs_table, 1)
        rb = QHBoxLayout()
        rb.addWidget(self.show_live_button)
        rb.addStretch(1)
        rb.addWidget(self.use_button)
        rl.addLayout(rb)
        self.tabs = QTabWidget()
        self.tabs.addTab(runs_page, icon("table"), "")
        self.tabs.addTab(self.log, icon("log"), "")

        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(plots)
        lower.addWidget(self.tabs)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([420, 300])
        self.dashboard = QWidget()
        dl = QVBoxLayout(self.dashboard)
        dl.setContentsMargins(4, 0, 0, 0)
        dl.addLayout(head)
        dl.addWidget(lower, 1)

    # ---------------------------------------------------------------- texts
    def retranslate(self) -> None:
        self.model_box.setTitle(self.tr("Model"))
        self.recipe_box.setTitle(self.tr("Training"))
        self.regular_box.setTitle(self.tr("Augmentation and regularisation"))
        self.advanced.setText(self.tr("Advanced"))
        texts = {
            "depth": self.tr("Depth:"), "variant": self.tr("Variant:"), "weight_decay": self.tr("Weight decay:"),
            "warmup": self.tr("Warm-up epochs:"), "best_metric": self.tr("Keep the epoch with the best:"),
            "limit": self.tr("Use at most (images):"), "seed": self.tr("Random seed:"),
            "epochs": self.tr("Epochs:"), "batch_size": self.tr("Batch size:"), "lr": self.tr("Learning rate:"),
            "optimizer": self.tr("Optimiser:"), "schedule": self.tr("Schedule:"),
            "rotate": self.tr("Random rotation (°):"), "jitter": self.tr("Colour jitter:"),
            "scale": self.tr("Random zoom (±):"), "shift": self.tr("Random shift:"),
            "smoothing": self.tr("Label smoothing:"), "mixup": self.tr("Mixup α:"), "device": self.tr("Device:"),
        }
        for k, text in texts.items():
            self.lbl[k].setText(text)
        self.limit.setSpecialValueText(self.tr("all"))
        self.limit.setToolTip(self.tr("Train on a stratified subset of this many training images (0 = all), "
                                      "for quick experiments"))
        self.depth.setToolTip(self.tr("Number of layers: 18 and 34 use basic blocks, 50, 101 and 152 bottleneck "
                                      "blocks. Deeper networks are slower, especially on a CPU."))
        names = {"O": self.tr("O — original"), "B": self.tr("B — stride in 3×3"), "C": self.tr("C — deep stem"),
                 "D": self.tr("D — average-pool shortcut")}
        for i in range(self.variant.count()):
            v = self.variant.itemData(i)
            self.variant.setItemText(i, names[v])
            self.variant.setItemData(i, variant_help(v), Qt.ItemDataRole.ToolTipRole)
        tweak_texts = {"stride_in_3x3": (self.tr("Stride in the 3×3 conv (B)"),
                                         self.tr("Down-sampling blocks stride in their 3×3 conv, not the first 1×1")),
                       "deep_stem": (self.tr("Deep stem (C)"),
                                     self.tr("Three 3×3 convs replace the 7×7 conv of the stem")),
                       "avg_down": (self.tr("Average-pool shortcut (D)"),
                                    self.tr("2×2 average pooling before the 1×1 projection shortcut"))}
        for k, box in self.tweak_boxes.items():
            box.setText(tweak_texts[k][0])
            box.setToolTip(tweak_texts[k][1])
        self.zero_init.setText(self.tr("Zero-init last BN γ"))
        self.zero_init.setToolTip(self.tr("Zero-initialise the last BatchNorm γ of each residual block"))
        self.schedule.setItemText(0, self.tr("constant"))
        self.schedule.setItemText(1, self.tr("cosine"))
        self.flip.setText(self.tr("Random horizontal flips"))
        self.smoothing.setToolTip(self.tr("Soft targets: 1 − ε for the true class (0 = off)"))
        self.scale.setToolTip(self.tr("Zoom each training image by a random factor in [1 − s, 1 + s] (0 = off)"))
        self.shift.setToolTip(self.tr("Move each training image by up to this fraction of its size (0 = off)"))
        self.mixup.setToolTip(self.tr("Mix pairs of images with a Beta(α, α) weight (0 = off)"))
        self.device.setItemText(0, self.tr("automatic (GPU when available)"))
        self.device.setItemText(1, self.tr("CPU"))
        self.device.setItemText(2, self.tr("GPU") if self._gpu else self.tr("GPU (not available)"))
        self.start_button.setText(self.tr("Start training"))
        self.stop_button.setText(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop after the current batch; the best model so far is kept"))
        self.tabs.setTabText(0, self.tr("Runs"))
        self.tabs.setTabText(1, self.tr("Log"))
        self.show_live_button.setText(self.tr("Show the current run"))
        self.use_button.setText(self.tr("Use for diagnosis"))
        self.loss_plot.setTitle(self.tr("Loss"))
        self.metric_plot.setTitle(self.tr("Validation accuracy and AUC"))
        self.loss_plot.setLabel("bottom", self.tr("epoch"))
        self.metric_plot.setLabel("bottom", self.tr("epoch"))
        _set_legend(self.loss_plot, [(self.train_curve, self.tr("training loss (per batch)")),
                                     (self.val_curve, self.tr("validation loss"))])
        _set_legend(self.metric_plot, [(self.acc_curve, self.tr("accuracy")), (self.auc_curve, self.tr("AUC"))])
        self.runs_table.retranslate()
        self._variant_changed()
        self._update_data_label()
        self._update_run_label()
        self._update_progress_label()
        self._rewrite_log()

    def _rewrite_log(self) -> None:
        """The log again, in the current language."""
        if not getattr(self, "_log_lines", None):
            return
        self.log.clear()
        for text, error in self._log_lines:
            self._append_log(text, error, keep=False)

    def changeEvent(self, event) -> None:
        if is_language_change(event):
            self.retranslate()
        super().changeEvent(event)

    # ---------------------------------------------------------------- model choice
    def _variant_changed(self, *_) -> None:
        v = self.variant.currentData() or "D"
        flags = VARIANTS[v]
        for k, box in self.tweak_boxes.items():
            box.blockSignals(True)
            box.setChecked(flags[k])
            box.blockSignals(False)
        self._tweak_changed()

    def tweaks(self) -> dict:
        """Overrides of the variant's flags set under Advanced (empty when they match the variant)."""
        flags = VARIANTS[self.variant.currentData() or "D"]
        return {k: box.isChecked() for k, box in self.tweak_boxes.items() if box.isChecked() != flags[k]}

    def _tweak_changed(self, *_) -> None:
        v = self.variant.currentData() or "D"
        text = variant_help(v)
        if self.tweaks():
            text = self.tr("Custom: variant {0} with its tweaks changed under Advanced.").format(v)
        self.variant_help.setText(text)
        self.variant.setToolTip(variant_help(v))

    def set_gpu_available(self, available: bool) -> None:
        self._gpu = available
        item = self.device.model().item(2)
        item.setEnabled(available)
        self.device.setItemText(2, self.tr("GPU") if available else self.tr("GPU (not available)"))
        if not available and self.device.currentData() == "gpu":
            self.device.setCurrentIndex(0)

    # ---------------------------------------------------------------- settings
    def config_values(self) -> dict:
        return dict(
            depth=self.depth.currentData(), variant=self.variant.currentData(), epochs=self.epochs.value(),
            batch_size=self.batch_size.value(), lr=self.lr.value(), optimizer=self.optimizer.currentData(),
            schedule=self.schedule.currentData(), warmup_epochs=self.warmup.value(),
            weight_decay=self.weight_decay.value(), label_smoothing=self.smoothing.value(), mixup=self.mixup.value(),
            flip=self.flip.isChecked(), rotate=self.rotate.value(), scale=self.scale.value(),
            shift=self.shift.value(), color_jitter=self.jitter.value(),
            seed=self.seed.value(), limit=self.limit.value(), device=self.device.currentData(),
            best_metric=self.best_metric.currentData(), zero_init_last_bn=self.zero_init.isChecked(),
        )

    def apply_values(self, values: dict) -> None:
        v = {**DEFAULTS, **values}
        _select(self.depth, v["depth"])
        _select(self.variant, v["variant"])
        for combo, key in ((self.optimizer, "optimizer"), (self.schedule, "schedule"), (self.device, "device"),
                           (self.best_metric, "best_metric")):
            _select(combo, v[key])
        for spin, key in ((self.epochs, "epochs"), (self.batch_size, "batch_size"), (self.seed, "seed"),
                          (self.limit, "limit")):
            spin.setValue(int(v[key]))
        for spin, key in ((self.lr, "lr"), (self.warmup, "warmup_epochs"), (self.weight_decay, "weight_decay"),
                          (self.smoothing, "label_smoothing"), (self.mixup, "mixup"), (self.rotate, "rotate"),
                          (self.scale, "scale"), (self.shift, "shift"), (self.jitter, "color_jitter")):
            spin.setValue(float(v[key]))
        self.flip.setChecked(bool(v["flip"]))
        self.zero_init.setChecked(bool(v["zero_init_last_bn"]))
        self._variant_changed()

    def load_settings(self) -> None:
        values = {k: settings.value(f"training/{k}", d) for k, d in DEFAULTS.items()}
        self.apply_values(values)

    def save_settings(self) -> None:
        for k, val in self.config_values().items():
            settings.set_value(f"training/{k}", val)

    def build_config(self):
        from core.training.trainer import TrainConfig

        v = self.config_values()
        limit = v.pop("limit")
        return TrainConfig(data=str(self.dataset.root), limit=limit or None, tweaks=self.tweaks(),
                           **v).validated()

    # ---------------------------------------------------------------- data
    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self._update_data_label()
        self._update_buttons()

    def _update_data_label(self) -> None:
        ds = self.dataset
        if ds is None:
            self.data_label.setText(self.tr("No data set: open one in the Dataset view first."))
        else:
            self.data_label.setText(self.tr("Data: {0} — {1} training and {2} validation images").format(
                ds.root.name, len(ds.train), len(ds.val)))

    # ---------------------------------------------------------------- running
    @property
    def running(self) -> bool:
        return self.run.running

    def start(self) -> bool:
        from core.store.library import new_run_dir

        if self.running or self.dataset is None:
            return False
        self.error_label.hide()
        try:
            config = self.build_config()
        except ValueError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.save_settings()
        out = new_run_dir(f"ResNet-{config.depth}-{config.variant}")
        self._live = _Series()
        self._epoch_seconds = []
        self._first_batch_at = 0.0
        self._last_batch = None
        self._config = config
        self._last_status = ""
        self.log.clear()
        self._log_lines = []
        self._last_val = None
        self.progress.setValue(0)
        self.show_live()
        self.tabs.setCurrentIndex(1)
        self.run.start(config, out, dataset=self.dataset)
        self._epoch_started = time.perf_counter()
        self._append_log(lambda: self.tr("Run {0}: ResNet-{1}-{2}, {3} epochs, batch size {4}, learning rate {5:g}")
                         .format(out.name, config.depth, config.variant, config.epochs, config.batch_size, config.lr))
        self._update_buttons()
        self._update_run_label()
        self.runningChanged.emit(True)
        self.statusMessage.emit(lambda: self.tr("Training started"))
        return True

    def stop(self) -> None:
        if self.running:
            self.run.stop()
            self._update_buttons()
            self._update_progress_label()

    def _update_buttons(self) -> None:
        running = self.running
        self.start_button.setEnabled(not running and self.dataset is not None)
        self.stop_button.setEnabled(running and not self.run.stopping)
        for w in self.settings_widgets:
            w.setEnabled(not running)
        if not running:
            self.set_gpu_available(self._gpu)

    def _progress_value(self) -> int:
        """The run's progress in thousandths: training images, and validation images at VAL_IMAGE_COST each."""
        b, cfg = self._last_batch, getattr(self, "_config", None)
        if b is None or cfg is None:
            return 0
        per_epoch = b.steps + self._n_val * VAL_IMAGE_COST / cfg.batch_size  # in training batches
        v = self._last_val
        done = (b.epoch - 1) * per_epoch + b.step + (v.done * VAL_IMAGE_COST / cfg.batch_size if v else 0.0)
        return min(1000, int(1000 * done / (cfg.epochs * per_epoch)))

    def _on_event(self, ev) -> None:
        line = self.event_text(ev)
        if isinstance(ev, BatchEnd):
            now = time.perf_counter()
            if not self._first_batch_at:
                self._first_batch_at = now
            if ev.step == 1:
                self._epoch_started = now
            self._last_batch = ev
            self._last_val = None
            if ev.step == ev.steps:
                self._val_started = now  # validation follows the epoch's last batch
            self._live.batch_x.append(ev.epoch - 1 + ev.step / ev.steps)
            self._live.batch_loss.append(ev.loss)
            self.progress.setValue(self._progress_value())
        elif isinstance(ev, ValidationProgress):
            self._last_val = ev
            self.progress.setValue(self._progress_value())
        elif isinstance(ev, EpochEnd):
            s = self._live
            s.epochs.append(ev.epoch)
            s.val_loss.append(ev.val.get("loss", math.nan))
            s.accuracy.append(ev.val.get("accuracy", math.nan))
            s.auc.append(ev.val.get("auc", math.nan))
            s.train_loss.append(ev.train_loss)
            self._epoch_seconds.append(ev.seconds)
        elif isinstance(ev, CheckpointSaved):
            self.runs_table.refresh()
        elif isinstance(ev, DataReady):
            self._epoch_started = time.perf_counter()
            self._n_val = ev.n_val
        if line is not None:
            self._append_log(line, error=isinstance(ev, Failed) or (isinstance(ev, Log) and ev.level != "info"))
        if self._showing == "live":
            self._draw(self._live, per_batch=True)
        self._update_progress_label()

    def _on_done(self, ev) -> None:
        self.runs_table.refresh()
        if isinstance(ev, Finished):
            if not ev.stopped:
                self.progress.setValue(1000)
            if self._showing == "live":
                self.runs_table.select_path(ev.out_dir, emit=False)
            self.statusMessage.emit(lambda: self.tr("Training stopped") if ev.stopped else self.tr("Training finished"))
        else:
            self.statusMessage.emit(lambda: self.tr("Training failed: {0}").format(ev.error))
        self._last_status = "stopped" if isinstance(ev, Finished) and ev.stopped else (
            "finished" if isinstance(ev, Finished) else "failed")
        self._update_buttons()
        self._update_progress_label()
        self.runningChanged.emit(False)
        self.runFinished.emit(str(self.run.out_dir))

    def event_text(self, ev):
        """A function giving the log line of a training event in the current language (None for events that
        only drive the progress display): the CLI's lines (core.training.events.format_event), translated."""
        if isinstance(ev, Log):
            if ev.level == "info":
                return lambda: self._log_message(ev.message)
            return lambda: (self.tr("WARNING: {0}") if ev.level == "warning" else self.tr("ERROR: {0}")).format(
                self._log_message(ev.message))
        if isinstance(ev, DataReady):
            def data_line():
                counts = ", ".join(f"{k} {v}" for k, v in ev.class_counts.items())
                line = self.tr("data: {0} training images ({1}), {2} validation images").format(
                    ev.n_train, counts, ev.n_val)
                if ev.skipped:
                    line += self.tr("; skipped {0} unusable file(s):").format(len(ev.skipped)) + "\n  " + \
                        "\n  ".join(ev.skipped)
                return line
            return data_line
        if isinstance(ev, EpochEnd):
            v = ev.val

            def epoch_line():
                line = self.tr("epoch {0}/{1}  train loss {2:.4f}  val loss {3:.4f}  acc {4}  auc {5:.4f}  "
                               "sens {6}  spec {7}  {8:.0f} s").format(
                    ev.epoch, ev.epochs, ev.train_loss, v["loss"], percent(v["accuracy"]), v["auc"],
                    percent(v["sensitivity"]), percent(v["specificity"]), ev.seconds)
                return line + ("  " + self.tr("*best*") if ev.is_best else "")
            return epoch_line
        if isinstance(ev, CheckpointSaved):
            return lambda: (self.tr("saved the best model and a checkpoint to {0}") if ev.best
                            else self.tr("saved a checkpoint to {0}")).format(ev.path)
        if isinstance(ev, Finished):
            b = ev.best
            if not b:
                return lambda: (self.tr("stopped after {0:.0f} s; no epoch completed, no model saved") if ev.stopped
                                else self.tr("finished after {0:.0f} s; no epoch completed, no model saved")
                                ).format(ev.seconds)
            return lambda: (self.tr("stopped after {0:.0f} s; best epoch {1}: accuracy {2}, AUC {3:.4f}; model in {4}")
                            if ev.stopped else
                            self.tr("finished in {0:.0f} s; best epoch {1}: accuracy {2}, AUC {3:.4f}; model in {4}")
                            ).format(ev.seconds, ev.best_epoch, percent(b["accuracy"]), b["auc"], ev.out_dir)
        if isinstance(ev, Failed):
            return lambda: self.tr("ERROR: {0}").format(ev.error)
        return None

    def _log_message(self, message: str) -> str:
        """The trainer's free-text log messages that the GUI knows, translated; others as they are."""
        m = re.fullmatch(r"device (\S+)( with mixed precision)?(?:, process (\d+) of (\d+))?", message)
        if m:
            text = self.tr("device {0}").format(m.group(1))
            if m.group(2):
                text += self.tr(" with mixed precision")
            if m.group(3):
                text += self.tr(", process {0} of {1}").format(m.group(3), m.group(4))
            return text
        m = re.fullmatch(r"decoding (\d+) training and (\d+) validation images \((\w+) layout; validation: (.*)\)",
                         message, re.DOTALL)
        if m:
            return self.tr("decoding {0} training and {1} validation images ({2} layout; validation: {3})").format(
                *m.groups())
        m = re.fullmatch(r"resumed (.*) after epoch (\d+)", message, re.DOTALL)
        if m:
            return self.tr("resumed {0} after epoch {1}").format(*m.groups())
        return message

    def _append_log(self, text, error: bool = False, keep: bool = True) -> None:
        """Add a line to the log; ``text`` may be a function giving it in the current language (the log is
        written again when the language changes)."""
        if keep:
            self._log_lines.append((text, error))
        text = text() if callable(text) else text
        fmt = QTextCharFormat()
        if error:
            fmt.setForeground(QColor("#c62828"))
        cursor = self.log.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        if not self.log.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText(text, fmt)
        self.log.verticalScrollBar().setValue(self.log.verticalScrollBar().maximum())

    def eta_seconds(self) -> float | None:
        b, cfg = self._last_batch, getattr(self, "_config", None)
        if b is None or cfg is None:
            return None
        now = time.perf_counter()
        v = self._last_val
        if self._epoch_seconds:  # whole epochs measured: they include validation
            per_epoch = sum(self._epoch_seconds) / len(self._epoch_seconds)
            in_epoch = now - self._epoch_started if b.epoch > len(self._epoch_seconds) else 0.0
            return max(0.0, per_epoch * (cfg.epochs - len(self._epoch_seconds)) - in_epoch)
        if v is not None and v.done:  # validating the first epoch: its time is now known but for the rest
            val_so_far = now - self._val_started
            val_total = val_so_far / v.done * v.total
            per_epoch = (self._val_started - self._epoch_started) + val_total
            return max(0.0, val_total - val_so_far) + per_epoch * (cfg.epochs - b.epoch)
        done = b.step
        elapsed = now - self._first_batch_at
        per_batch = elapsed / max(1, done - 1) if done > 1 else elapsed
        return per_batch * (cfg.epochs * b.steps - done)

    def _update_progress_label(self) -> None:
        if self.running:
            b = self._last_batch
            if self.run.stopping:
                text = self.tr("Stopping after this batch…")
            elif b is None:
                text = self.tr("Reading images and building the network…")
            elif self._last_val is not None:
                v, eta = self._last_val, self.eta_seconds()
                text = self.tr("Epoch {0}/{1} · validating: {2} of {3} images · about {4} left").format(
                    v.epoch, self._config.epochs, v.done, v.total, duration(eta) if eta is not None else "?")
            else:
                eta = self.eta_seconds()
                text = self.tr("Epoch {0}/{1} · batch {2}/{3} · {4:.1f} images/s · about {5} left").format(
                    b.epoch, self._config.epochs, b.step, b.steps, b.images_per_sec,
                    duration(eta) if eta is not None else "?")
        else:
            text = {"stopped": self.tr("Stopped"), "finished": self.tr("Finished"),
                    "failed": self.tr("Failed")}.get(self._last_status, self.tr("Idle"))
        self.progress_label.setText(text)

    def _update_run_label(self) -> None:
        if self._showing == "live":
            out = self.run.out_dir
            self.run_label.setText(self.tr("Current run: {0}").format(out.name) if out else self.tr("No run yet"))
        else:
            self.run_label.setText(self.tr("Showing run: {0}").format(Path(self._showing).name))

    # ---------------------------------------------------------------- plots
    def _draw(self, s: _Series, per_batch: bool, epochs: int | None = None) -> None:
        if epochs is None:
            cfg = getattr(self, "_config", None)
            epochs = cfg.epochs if per_batch and cfg is not None else len(s.epochs)
        epochs = max(1, epochs)
        for plot in (self.loss_plot, self.metric_plot):
            # room beyond the last epoch, so its markers are drawn whole
            plot.setXRange(0, epochs + max(0.25, 0.04 * epochs), padding=0)
            axis = plot.getAxis("bottom")
            if epochs <= 25:
                axis.setTickSpacing(levels=[(1.0, 0.0)])  # whole epochs only
            else:
                axis.setTickSpacing()  # automatic
        if per_batch:
            self.train_curve.setData(s.batch_x, s.batch_loss)
        else:  # a saved run keeps one training loss per epoch
            self.train_curve.setData(s.epochs, s.train_loss)
        self.val_curve.setData(s.epochs, _finite(s.val_loss))
        self.acc_curve.setData(s.epochs, _finite(s.accuracy))
        self.auc_curve.setData(s.epochs, _finite(s.auc))
        _set_legend(self.loss_plot, [(self.train_curve, self.tr("training loss (per batch)") if per_batch
                                      else self.tr("training loss (per epoch)")),
                                     (self.val_curve, self.tr("validation loss"))])

    def show_run(self, run: Run) -> None:
        if self.run.out_dir is not None and Path(run.path) == self.run.out_dir and (self.running or self._live.epochs):
            self.show_live()
            return
        self._showing = str(run.path)
        s = _Series()
        for h in run.history:
            s.epochs.append(h.get("epoch"))
            s.train_loss.append(h.get("train_loss", math.nan))
            s.val_loss.append(h.get("loss", math.nan))
            s.accuracy.append(h.get("accuracy", math.nan))
            s.auc.append(h.get("auc", math.nan))
        self._draw(s, per_batch=False, epochs=len(run.history))
        self._update_run_label()
        best = run.metrics
        self.statusMessage.emit(lambda: self.tr("{0}: best accuracy {1}, AUC {2}").format(
            run.name, percent(best.get("accuracy")), f"{best.get('auc', math.nan):.4f}"))

    def show_live(self) -> None:
        self._showing = "live"
        self._draw(self._live, per_batch=True)
        self._update_run_label()

    def _use_selected(self) -> None:
        run = self.runs_table.selected_run()
        if run is not None:
            self.useForDiagnosis.emit(str(run.path))

    # ---------------------------------------------------------------- shutdown
    def shutdown(self, timeout: float = 0.0) -> bool:
        """Ask a running training to stop; True when no training thread is left (after ``timeout`` seconds)."""
        if self.running:
            self.run.stop()
            self._update_buttons()
            self._update_progress_label()
            return self.run.wait(timeout)
        return True


class _Series:
    def __init__(self):
        self.batch_x: list[float] = []
        self.batch_loss: list[float] = []
        self.epochs: list[int] = []
        self.train_loss: list[float] = []
        self.val_loss: list[float] = []
        self.accuracy: list[float] = []
        self.auc: list[float] = []


def _finite(values: list[float]) -> list[float]:
    return [v if v is not None and v == v else math.nan for v in values]


def _dspin(lo: float, hi: float, decimals: int, step: float) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    return s


def _select(combo: QComboBox, data) -> None:
    for i in range(combo.count()):
        if str(combo.itemData(i)) == str(data):
            combo.setCurrentIndex(i)
            return


def _set_legend(plot: pg.PlotWidget, items) -> None:
    legend = plot.getPlotItem().legend
    if legend is None:
        return
    legend.clear()
    for curve, name in items:
        legend.addItem(curve, name)
