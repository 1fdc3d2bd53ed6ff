"""The Diagnosis view: drop or open fundus images (or folders of thousands) and get each one's PM probability
and verdict from a model of the library.

- Inference runs in a child process (gui.engine_process: Paddle Inference holds the GIL for a whole batch, which
  would stall the UI thread); a worker thread reads its results, appends each to the audit log (core.screening.audit)
  and
  hands it to the UI thread. Results stream into a sortable, filterable table (a QSortFilterProxyModel over a
  table model) with a progress bar, throughput and ETA; Cancel stops the batch within one network call.
- The panel on the right shows the selected image with its Grad-CAM heatmap (computed on demand on a worker
  thread and cached, see gui.heatmaps) under an overlay toggle and an opacity slider, the verdict or the quality
  gate's reason to retake it, and a DICOM file's patient-free metadata.
- Export writes XLSX, CSV or a PDF report (core.screening.report) of the rows shown, on a worker thread with progress.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel

from core.images.imageio import IMAGE_SUFFIXES
from core.screening.gradcam import DEFAULT_OPACITY as HEATMAP_OPACITY
from core.screening.report import FORMATS  # (core.screening.report is imported with diagnosis_results anyway)

from . import settings
from .diagnosis_results import (
    COL_FILE,
    COL_INDEX,
    COL_PROBABILITY,
    COL_VERDICT,
    FILTERS,
    ResultsFilter,
    ResultsModel,
    Row,
    judged,
    probability_text,
    ungradable,
    verdict_color,
)
from .engine_process import EngineError, InProcessEngine, ModelLoadError, create_engine
from .heatmaps import HeatmapService
from .resources import icon
from .thumbnails import ThumbnailLoader, to_qimage
from .widgets import ElidingComboBox, ImageLabel, breakable, duration, is_language_change, local_paths, plural
from .workers import ThreadJob

IMAGE_FILTER = " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES)
DICOM_SUFFIXES = (".dcm", ".dicom")
BATCH_SIZE = 8  # images per network call: small enough that Cancel takes effect within a second on a CPU
FLUSH_MS = 100  # results reach the table in chunks, at most this long after they were computed
DEFAULT_OPACITY = round(100 * HEATMAP_OPACITY)  # percent
OPACITY_STEP = 10  # percent per opacity shortcut
# Keyboard shortcuts of the view (shown in the tooltips); Export is the window's Ctrl+E.
SHORTCUTS = {"heatmap": "Ctrl+H", "more_opacity": "Ctrl+]", "less_opacity": "Ctrl+[", "clear": "Ctrl+Shift+Delete"}
DROP_HINT_STYLE = ("QLabel {{ border: 2px dashed {border}; border-radius: 8px; color: {color}; background: {bg};"
                   " font-size: 15px; padding: 24px; }}")
log = logging.getLogger(__name__)


def qimage_rgb(img: QImage) -> np.ndarray:
    """A QImage as an RGB uint8 array (a copy)."""
    if img.format() != QImage.Format.Format_RGB888:
        img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    arr = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)
    return arr[:, :3 * w].reshape(h, w, 3).copy()


def colour_ramp(width: int = 256, height: int = 10) -> QPixmap:
    """The heatmap's colour scale (core.screening.gradcam.colorize), left = none, right = strongest."""
    from core.screening.gradcam import colorize

    ramp = np.repeat(colorize(np.linspace(0, 1, width, dtype=np.float32)[None, :]), height, axis=0)
    return QPixmap.fromImage(to_qimage(ramp))


def _read_dicom_metadata(path: str) -> dict:
    from core.images.dicom import read_metadata

    return read_metadata(path)


class DiagnosisView(QWidget):
    modelChanged = Signal(str)  # the active model's name ("" when none)
    statusMessage = Signal(object)  # text, or a function giving it in the current language
    trainRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._engine = None  # gui.engine_process engine of the model last used
        self._model_info = None  # its ModelInfo, once loaded
        self._job: ThreadJob | None = None
        self._cancelling = False
        self._failure: Exception | None = None
        self._export_job: ThreadJob | None = None
        self._export_path: Path | None = None
        self._export_progress = (0, 0)
        self._queue: list[Path] = []
        self._pending: list[Row] = []
        self._number = 0
        self._total = 0
        self._done = 0
        self._rate_start: tuple[float, int] | None = None  # (time, results) when the first result of a job came
        self._rate = 0.0
        self._extra_models: list[Path] = []
        self._model_error = ""
        self._meta_cache: dict[str, dict] = {}
        self._dicom: dict[str, dict | str] = {}  # path -> metadata, or why it cannot be read
        self._dicom_jobs: set[ThreadJob] = set()
        self._heat_base: tuple | None = None  # (path, image cache key, base float32, coloured heat float32)
        self._stage = ""  # what the engine is doing while it starts (gui.engine_process.STAGES), "ready", or ""
        self._warm_job: ThreadJob | None = None
        self._confirm_box: QMessageBox | None = None
        self.image_loader = ThumbnailLoader(size=560, threads=1, capacity=30, parent=self)
        self.image_loader.loaded.connect(self._image_loaded)
        self.image_loader.failed.connect(lambda path, _: self._image_loaded(path))
        self.heatmaps = HeatmapService(parent=self)
        self.heatmaps.ready.connect(self._heatmap_ready)
        self.heatmaps.failed.connect(lambda path, _: self._heatmap_ready(path))
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)

        # --- top bar: model picker and actions
        self.model_label = QLabel()
        self.model_combo = ElidingComboBox()
        self.model_combo.setMinimumContentsLength(28)
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.currentIndexChanged.connect(self._model_selected)
        self.open_model_button = QPushButton(icon("model"), "")
        self.open_model_button.clicked.connect(self.choose_model_folder)
        self.threshold_label = QLabel()
        self.open_button = QPushButton(icon("open-images"), "")
        self.open_button.clicked.connect(self.choose_images)
        self.clear_button = QPushButton(icon("clear"), "")
        self.clear_button.clicked.connect(self.confirm_clear)
        self.export_button = QPushButton(icon("export"), "")
        self.export_button.clicked.connect(self.choose_export)
        top = QHBoxLayout()
        top.addWidget(self.model_label)
        top.addWidget(self.model_combo)
        top.addWidget(self.open_model_button)
        top.addWidget(self.threshold_label)
        top.addStretch(1)
        top.addWidget(self.open_button)
        top.addWidget(self.clear_button)
        top.addWidget(self.export_button)

        # --- "no model" banner
        self.no_model = QWidget()
        self.no_model.setObjectName("noModel")
        self.no_model.setStyleSheet("#noModel { background: #fff8e1; border: 1px solid #ffcc80; border-radius: 4px; }")
        self.no_model_label = QLabel()
        self.no_model_label.setWordWrap(True)
        self.no_model_label.setStyleSheet("color: #5d4037;")
        self.train_button = QPushButton(icon("training"), "")
        self.train_button.clicked.connect(self.trainRequested)
        self.banner_open = QPushButton(icon("model"), "")
        self.banner_open.clicked.connect(self.choose_model_folder)
        bl = QHBoxLayout(self.no_model)
        bl.addWidget(self.no_model_label, 1)
        bl.addWidget(self.train_button)
        bl.addWidget(self.banner_open)

        # --- results: filter bar and table (a drop hint before the first result)
        self.results = ResultsModel(self)
        self.proxy = ResultsFilter(self.results, self)
        self.filter_label = QLabel()
        self.filter_combo = QComboBox()
        for mode in FILTERS:
            self.filter_combo.addItem("", mode)
        self.filter_combo.currentIndexChanged.connect(
            lambda i: self.set_filter(self.filter_combo.itemData(i) or "all"))
        self.shown_label = QLabel()
        self.shown_label.setStyleSheet("color: palette(mid);")
        fl = QHBoxLayout()
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(self.filter_label)
        fl.addWidget(self.filter_combo)
        fl.addStretch(1)
        fl.addWidget(self.shown_label)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # one tab stop: the arrow keys move between rows
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        hh = self.table.horizontalHeader()
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # input order until a header is clicked
        self.table.setSortingEnabled(True)
        hh.setSectionResizeMode(COL_INDEX, QHeaderView.ResizeMode.Fixed)
        hh.resizeSection(COL_INDEX, 54)
        hh.setSectionResizeMode(COL_FILE, QHeaderView.ResizeMode.Interactive)
        hh.resizeSection(COL_FILE, 170)
        hh.setSectionResizeMode(COL_PROBABILITY, QHeaderView.ResizeMode.Interactive)
        hh.resizeSection(COL_PROBABILITY, 105)
        # the verdict takes the rest: an error's or an ungradable image's reason is long (whole in its tooltip)
        hh.setSectionResizeMode(COL_VERDICT, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        results_page = QWidget()
        rl = QVBoxLayout(results_page)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(fl)
        rl.addWidget(self.table, 1)
        self.drop_hint = QLabel()
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setObjectName("dropHint")
        self._set_drag_over(False)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.drop_hint)
        self.pages.addWidget(results_page)

        # --- detail of the selected (or only) image: heatmap controls, picture, verdict, model, DICOM metadata
        self.heatmap_check = QCheckBox()
        self.heatmap_check.setIcon(icon("heatmap"))
        self.heatmap_check.setChecked(settings.value("diagnosis/heatmap", False, bool))
        self.heatmap_check.toggled.connect(self._heatmap_toggled)
        self.opacity_label = QLabel()
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setSingleStep(5)
        self.opacity.setPageStep(10)
        self.opacity.setValue(max(0, min(100, settings.value("diagnosis/opacity", DEFAULT_OPACITY, int))))
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.opacity_value = QLabel()
        self.opacity_value.setMinimumWidth(40)
        self.opacity_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        hb = QHBoxLayout()
        hb.setContentsMargins(0, 0, 0, 0)
        hb.addWidget(self.heatmap_check)
        hb.addSpacing(12)
        hb.addWidget(self.opacity_label)
        hb.addWidget(self.opacity, 1)
        hb.addWidget(self.opacity_value)
        self.image = ImageLabel(minimum=240)
        self.heat_note = QLabel()  # "Computing the heatmap…", or why there is none
        self.heat_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heat_note.setStyleSheet("color: palette(mid);")
        self.legend_low = QLabel()
        self.legend_high = QLabel()
        self.legend_ramp = QLabel()
        self.legend_ramp.setPixmap(colour_ramp(200, 10))
        self.legend = QWidget()
        lg = QHBoxLayout(self.legend)
        lg.setContentsMargins(0, 0, 0, 0)
        lg.addStretch(1)
        lg.addWidget(self.legend_low)
        lg.addWidget(self.legend_ramp)
        lg.addWidget(self.legend_high)
        lg.addStretch(1)
        for w in (self.legend_low, self.legend_high):
            w.setStyleSheet("color: palette(mid);")
        self.verdict = QLabel()
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verdict.setWordWrap(True)
        vf = QFont(self.verdict.font())
        vf.setPointSizeF(vf.pointSizeF() * 2.0)
        vf.setBold(True)
        self.verdict.setFont(vf)
        self.probability = QLabel()
        self.probability.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.probability.setWordWrap(True)
        pf = QFont(self.probability.font())
        pf.setPointSizeF(pf.pointSizeF() * 1.3)
        self.probability.setFont(pf)
        self.detail_model = QLabel()
        self.detail_model.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_model.setWordWrap(True)
        self.detail_file = QElidingLabel("")
        self.detail_file.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.detail_file.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dicom_box = QLabel()
        self.dicom_box.setObjectName("dicomBox")
        self.dicom_box.setWordWrap(True)
        self.dicom_box.setTextFormat(Qt.TextFormat.RichText)
        self.dicom_box.setStyleSheet("#dicomBox { background: palette(alternate-base); border: 1px solid "
                                     "palette(midlight); border-radius: 4px; padding: 4px 8px; }")
        self.dicom_box.hide()
        for w in (self.heat_note, self.verdict, self.probability, self.detail_model, self.detail_file, self.dicom_box):
            # a long text wraps (or, for the file name, is elided) inside the panel instead of widening the window
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heat_note.setWordWrap(True)
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.addLayout(hb)
        dl.addWidget(self.image, 1)
        dl.addWidget(self.legend)
        dl.addWidget(self.heat_note)
        dl.addWidget(self.detail_file)
        dl.addWidget(self.verdict)
        dl.addWidget(self.probability)
        dl.addWidget(self.detail_model)
        dl.addWidget(self.dicom_box)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([720, 430])

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cancel_button = QPushButton(icon("cancel"), "")
        self.cancel_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_button.clicked.connect(self.cancel)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.progress_label)
        bottom.addWidget(self.cancel_button)

        self.act_heatmap = self._action(SHORTCUTS["heatmap"], self.heatmap_check.toggle)
        self.act_more_opacity = self._action(SHORTCUTS["more_opacity"], lambda: self.step_opacity(+OPACITY_STEP))
        self.act_less_opacity = self._action(SHORTCUTS["less_opacity"], lambda: self.step_opacity(-OPACITY_STEP))
        self.act_clear = self._action(SHORTCUTS["clear"], self.confirm_clear)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.no_model)
        lay.addWidget(self.splitter, 1)
        lay.addLayout(bottom)
        self.refresh_models()
        self.retranslate()

    # ---------------------------------------------------------------- texts
    def retranslate(self) -> None:
        self.model_label.setText(self.tr("Model:"))
        self.open_model_button.setText(self.tr("Open model folder…"))
        self.open_button.setText(self.tr("Open images…"))
        self.clear_button.setText(self.tr("Clear"))
        self.clear_button.setToolTip(self.tr("Remove all results from the table ({0})").format(
            self._key(SHORTCUTS["clear"])))
        self.export_button.setText(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("Save the rows shown as an Excel workbook (.xlsx), a CSV file or a "
                                              "PDF report with each image and its heatmap ({0})").format(
            self._key("Ctrl+E")))
        self.open_button.setToolTip(self.tr("Choose fundus photographs to diagnose ({0})").format(self._key("Ctrl+I")))
        self.act_heatmap.setText(self.tr("Heatmap"))
        self.act_more_opacity.setText(self.tr("More heatmap opacity"))
        self.act_less_opacity.setText(self.tr("Less heatmap opacity"))
        self.act_clear.setText(self.tr("Clear results…"))
        self._label_models()
        self.train_button.setText(self.tr("Train a model"))
        self.banner_open.setText(self.tr("Open model folder…"))
        self.drop_hint.setText(self.tr("Drop fundus photographs here") + "\n\n" + self.tr(
            "JPEG, PNG, TIFF, BMP or DICOM files, or a folder of them — or use Open images… ({0})").format(
            self._key("Ctrl+I")))
        self.filter_label.setText(self.tr("Show:"))
        self.heatmap_check.setText(self.tr("Heatmap"))
        self.heatmap_check.setToolTip(self.tr("Overlay the Grad-CAM heatmap: the regions of the image that speak "
                                              "most for pathologic myopia ({0})").format(
            self._key(SHORTCUTS["heatmap"])))
        self.opacity_label.setText(self.tr("Opacity:"))
        self.opacity.setToolTip(self.tr("Opacity of the heatmap over the photograph ({0} more, {1} less)").format(
            self._key(SHORTCUTS["more_opacity"]), self._key(SHORTCUTS["less_opacity"])))
        self.legend_low.setText(self.tr("none"))
        self.legend_high.setText(self.tr("strongest"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop after the images being processed (Esc)"))
        self._opacity_changed(self.opacity.value(), refresh=False)
        # wide enough for the longest progress text, so the bar does not jump as the numbers change
        widest = self.tr("{0} · {1:.1f} images/s · about {2} left").format(
            self.tr("{0} of {1} images").format(88888, 88888), 888.8, "8:88:88")
        self.progress_label.setMinimumWidth(self.progress_label.fontMetrics().horizontalAdvance(widest) + 8)
        self._update_no_model()
        self._update_threshold()
        self._update_filter_texts()
        self._update_progress()
        self.results.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)
        if self.results.rowCount():
            self.results.dataChanged.emit(self.results.index(0, 0), self.results.index(self.results.rowCount() - 1, 3))
        self._show_detail()

    def changeEvent(self, event) -> None:
        if is_language_change(event):
            self.retranslate()
        super().changeEvent(event)

    def _action(self, shortcut: str, slot) -> QAction:
        """A keyboard shortcut of this view (active while the view is shown)."""
        a = QAction(self)
        a.setShortcut(QKeySequence(shortcut))
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    @staticmethod
    def _key(shortcut: str) -> str:
        return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)

    def step_opacity(self, step: int) -> None:
        """Change the heatmap's opacity by ``step`` percent (turning the heatmap on)."""
        self.heatmap_check.setChecked(True)
        self.opacity.setValue(max(0, min(100, self.opacity.value() + step)))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.warm_up()  # the user is about to drop or pick files: have the model ready by then

    def _status(self, make) -> None:
        """Show ``make()`` in the status bar; it is called again when the language changes."""
        self.statusMessage.emit(make)

    # ---------------------------------------------------------------- model picker
    def refresh_models(self, select: str | Path | None = None) -> None:
        """Fill the picker from the model library (bundled model first) plus folders opened by hand."""
        from core.store.bundled import default_model_dir
        from core.store.library import list_models

        current = select or self.model_dir() or settings.value("diagnosis/model", "", str)
        entries = list_models(include_bundled=True)
        extra = {str(p): self._meta_cache[str(p)] for p in self._extra_models if str(p) in self._meta_cache}
        self._meta_cache = {**extra, **{str(e.path): e.meta for e in entries}}
        known = {e.path for e in entries}
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self._bundled = {str(e.path) for e in entries if e.bundled}
        for e in entries:
            self.model_combo.addItem("", str(e.path))
            self.model_combo.setItemData(self.model_combo.count() - 1, str(e.path), Qt.ItemDataRole.ToolTipRole)
        for p in self._extra_models:
            if p not in known and str(p) in self._meta_cache:
                self.model_combo.addItem("", str(p))
                self.model_combo.setItemData(self.model_combo.count() - 1, str(p), Qt.ItemDataRole.ToolTipRole)
        self._label_models()
        i = self.model_combo.findData(str(current)) if current else -1
        if i < 0:
            bundled = default_model_dir()
            i = self.model_combo.findData(str(bundled)) if bundled else -1
        self.model_combo.setCurrentIndex(max(0, i) if self.model_combo.count() else -1)
        self.model_combo.blockSignals(False)
        self._update_buttons()
        self._model_selected()

    def _label_models(self) -> None:
        """The picker's texts in the current language: "name (bundled)", "name — run folder"."""
        known = {str(e) for e in self._extra_models}
        for i in range(self.model_combo.count()):
            path = Path(self.model_combo.itemData(i))
            name = (self._meta_cache.get(str(path)) or {}).get("name", path.name)
            if str(path) in getattr(self, "_bundled", ()):
                label = self.tr("{0} (bundled)").format(name)
            else:
                label = f"{name} — {path if str(path) in known else path.name}"
            self.model_combo.setItemText(i, label)
        self.model_combo._update_tooltip()

    def _select_quietly(self, folder: Path) -> None:
        i = self.model_combo.findData(str(folder))
        if i >= 0:
            self.model_combo.blockSignals(True)
            self.model_combo.setCurrentIndex(i)
            self.model_combo.blockSignals(False)

    def model_dir(self) -> Path | None:
        data = self.model_combo.currentData()
        return Path(data) if data else None

    def model_name(self) -> str:
        d = self.model_dir()
        return (self._meta_cache.get(str(d)) or {}).get("name", d.name) if d else ""

    def select_model(self, folder: str | Path) -> bool:
        """Make ``folder`` the active model (adding it to the picker when it is outside the library)."""
        from core.store.modelio import ModelFileError, read_meta

        folder = Path(folder)
        if self.busy and folder != self.model_dir():
            self._status(lambda: self.tr("Wait for the diagnosis to finish, or cancel it, before changing the model"))
            return False
        try:
            meta = read_meta(folder)
        except ModelFileError as exc:
            problem = self._model_error = str(exc)
            self._update_no_model()
            self._status(lambda: self.tr("Cannot use this model: {0}").format(problem))
            return False
        self._meta_cache[str(folder)] = meta
        if self.model_combo.findData(str(folder)) < 0 and folder not in self._extra_models:
            self._extra_models.append(folder)
        self._model_error = ""
        self.refresh_models(select=folder)
        return self.model_dir() == folder  # False when the user kept the table's model

    def choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open model folder"), settings.last_folder("model"))
        if folder:
            settings.remember_folder("model", Path(folder).parent)
            self.select_model(folder)

    def _model_selected(self, *_) -> None:
        d = self.model_dir()
        results_model = self.results.rows[0].model.model_dir if self.results.rows else None
        if results_model is not None and results_model != d and not self.busy:
            # A table (and a report) holds the results of one model: another model starts a new table.
            if not self._ask("confirmModel", self.tr("Use another model"),
                             self.tr("Use {0}? The {1} results in the table, from another model, are removed.")
                             .format(self.model_name(), self.results.rowCount()),
                             self.tr("They stay in the audit log; export them first if you need a report."),
                             self.tr("Use this model")):
                self._select_quietly(results_model)  # keep the model of the table
                return
            self.clear()
            self._status(lambda: self.tr("Results cleared: another model was chosen"))
        if d is not None:
            settings.set_value("diagnosis/model", str(d))
            self._model_error = ""
        if self._engine is not None and self._engine.model_dir != d and not self.busy and not self.exporting:
            self._retire_engine()  # its child process is not needed any more
            self._stage = ""
        self._update_no_model()
        self._update_threshold()
        self._update_progress()
        self.modelChanged.emit(self.model_name())
        if self.isVisible():
            self.warm_up()

    def _update_threshold(self) -> None:
        d = self.model_dir()
        meta = self._meta_cache.get(str(d)) if d else None
        self.threshold_label.setText(self.tr("PM when probability ≥ {0:.1%}").format(float(meta.get("threshold", 0.5)))
                                     if meta else "")

    def _update_no_model(self) -> None:
        if self._model_error:
            self.no_model_label.setText(self.tr("The model cannot be used: {0}").format(self._model_error))
            self.no_model.show()
        elif self.model_dir() is None:
            self.no_model_label.setText(self.tr("No model is installed. Train one in the Training view, or open a "
                                                "model folder (one with model.json and weights.safetensors)."))
            self.no_model.show()
        else:
            self.no_model.hide()

    # ---------------------------------------------------------------- diagnosing
    def warm_up(self) -> ThreadJob | None:
        """Start the chosen model's engine (its child process, Paddle, the model, one blank batch) in the
        background, so that the first batch does not wait for it; the progress label says what it is doing."""
        d = self.model_dir()
        if d is None or self.busy or self.exporting or self._warm_job is not None or self._model_error:
            return None
        engine = self._engine_for(d)
        if engine.alive and engine.info is not None:
            self._stage = "ready"
            self._update_progress()
            return None
        job = ThreadJob(lambda job: engine.start(on_stage=job.report), self, name="pmscreen-warm-up")
        job.progress.connect(lambda stage, job=job: self._warm_stage(job, stage))
        job.succeeded.connect(lambda _info, job=job: self._warm_stage(job, "ready"))
        job.failed.connect(lambda exc, job=job: self._warm_failed(job, exc))
        job.finished.connect(lambda job=job: self._warm_finished(job))
        self._warm_job = job
        self._stage = "process"
        self._update_progress()
        return job.start()

    def _warm_stage(self, job: ThreadJob, stage: str) -> None:
        if job is self._warm_job and self._engine is not None:
            self._stage = stage
            self._update_progress()

    def _warm_failed(self, job: ThreadJob, exc: Exception) -> None:
        if job is not self._warm_job:
            return
        self._stage = ""
        if isinstance(exc, ModelLoadError):
            self._model_error = str(exc)
            self._update_no_model()
        self._update_progress()  # other failures (no child process here): the batch falls back to a thread

    def _warm_finished(self, job: ThreadJob) -> None:
        if job is self._warm_job:
            self._warm_job = None

    @property
    def model_ready(self) -> bool:
        """True once the chosen model's engine has started (warm-up or a batch)."""
        return self._stage == "ready"

    def choose_images(self) -> None:
        self.warm_up()
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Open fundus images"), settings.last_folder("images"),
                                                self.tr("Images ({0})").format(IMAGE_FILTER) + ";;" +
                                                self.tr("DICOM files (*.dcm *.dicom)") + ";;" +
                                                self.tr("All files (*)"))
        if files:
            settings.remember_folder("images", files[0])
            self.diagnose(files)

    @property
    def busy(self) -> bool:
        """True while images are being diagnosed (until the worker thread has ended and every result has reached
        the table)."""
        return self._job is not None

    @property
    def exporting(self) -> bool:
        return self._export_job is not None

    def diagnose(self, paths) -> bool:
        """Queue files and folders for diagnosis; results arrive on the table. False when there is no model."""
        paths = [Path(p) for p in paths]
        if not paths:
            return False
        if self.model_dir() is None:
            self._update_no_model()
            self._status(lambda: self.tr("No model to diagnose with"))
            return False
        if not self.busy and not self._queue:
            self._total = self._done = 0
        self._queue += paths
        if not self.busy:
            self._start_next()
        return True

    def _engine_for(self, model_dir: Path):
        """The engine of ``model_dir``, reused between batches; the previous model's is closed."""
        if self._engine is not None and self._engine.model_dir == model_dir:
            return self._engine
        self._retire_engine()
        self._engine = create_engine(model_dir, BATCH_SIZE)
        return self._engine

    def _retire_engine(self) -> None:
        """Forget the current engine and close it on a thread (stopping its child process takes a moment)."""
        engine, self._engine = self._engine, None
        self._warm_job, self._stage = None, ""  # a warm-up of that engine ends with it, unheard
        if engine is not None:
            threading.Thread(target=engine.close, name="pmscreen-engine-close", daemon=True).start()

    def _start_next(self) -> None:
        if not self._queue:
            return
        paths, self._queue = self._queue, []
        engine = self._engine_for(self.model_dir())
        name = self.model_name()
        self._status(lambda: self.tr("Diagnosing with {0}…").format(name))

        def work(job: ThreadJob):
            from core.screening.audit import AuditLog

            nonlocal engine
            try:
                info = engine.start(on_stage=lambda stage: job.report(("stage", stage)))
            except ModelLoadError:
                raise
            except EngineError as exc:  # no child process here: diagnose on threads of this process instead
                log.warning("inference process unavailable (%s); using a thread", exc)
                engine = InProcessEngine(engine.model_dir, BATCH_SIZE)
                job.report(("engine", engine))
                info = engine.start()
            job.report(("model", info))
            with AuditLog() as audit:
                for kind, value in engine.predict(paths, lambda: job.cancelled):
                    if kind == "pred":
                        audit.record(value, info.name, info.weights_sha256, info.threshold)
                    job.report((kind, value))  # results of a cancelled job still come: they are in the log
            return not job.cancelled

        self.pages.setCurrentIndex(1)
        self._cancelling = False
        self._rate, self._rate_start = 0.0, None
        job = ThreadJob(work, self, name="pmscreen-diagnose")
        job.progress.connect(lambda msg, job=job: self._progress(job, msg))
        job.failed.connect(lambda exc, job=job: self._failed(job, exc))
        job.finished.connect(lambda job=job: self._job_finished(job))
        self._job = job.start()
        self._flush_timer.start()
        self._update_buttons()
        self._update_progress()

    def _progress(self, job: ThreadJob, msg) -> None:
        if job is not self._job:  # results that arrive while cancelling are kept: they are in the audit log
            return
        kind, value = msg
        if kind == "engine":
            self._engine = value
        elif kind == "stage":
            self._stage = value
            self._update_progress()
        elif kind == "model":
            self._model_info = value
            self._stage = "ready"
            self.modelChanged.emit(value.name)
        elif kind == "total":
            self._total += value
            self._update_progress()
        elif kind == "pred":
            from core.screening.report import local_time

            self._number += 1
            self._pending.append(Row(self._number, value, self._model_info, local_time()))
            self._done += 1
            if self._rate_start is None:
                self._rate_start = (time.perf_counter(), self._done - 1)

    def _flush(self) -> None:
        """Move the results that arrived since the last call into the table."""
        if self._pending:
            rows, self._pending = self._pending, []
            self.results.append(rows)
            if not self.table.currentIndex().isValid() and self.proxy.rowCount():
                self.table.selectionModel().setCurrentIndex(
                    self.proxy.index(0, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self._update_filter_texts()
            self._update_buttons()
        if self._rate_start is not None and self._done > self._rate_start[1]:
            elapsed = time.perf_counter() - self._rate_start[0]
            if elapsed > 0.5:
                self._rate = (self._done - self._rate_start[1]) / elapsed
        self._update_progress()

    def _failed(self, job: ThreadJob, exc: Exception) -> None:
        if job is not self._job:
            return
        self._failure = exc
        if isinstance(exc, ModelLoadError):
            self._model_error = str(exc)
            self._update_no_model()

    def _job_finished(self, job: ThreadJob) -> None:
        if job is not self._job:
            return
        self._flush()
        self._job = None
        cancelled = self._cancelling
        failure, self._failure = self._failure, None
        self._cancelling = False
        if self._queue and not cancelled and failure is None:
            self._start_next()
            return
        self._flush_timer.stop()
        self._update_buttons()
        self._update_progress()
        n, bad, poor = self.results.rowCount(), self.results.errors(), self.results.ungradable()
        done, total = self._done, self._total
        if isinstance(failure, ModelLoadError):
            self._status(lambda: self.tr("Diagnosis failed: {0}").format(failure))
        elif failure is not None:
            self._queue = []
            self._stage = ""
            self._status(lambda: self.tr("Diagnosis stopped after {0} of {1} images: {2}").format(done, total,
                                                                                                failure))
        elif cancelled:
            self._status(lambda: self.tr("Diagnosis cancelled after {0} of {1} images").format(done, total))
        else:
            self._status(lambda: self.tr("Diagnosed {0} ({1} ungradable, {2} could not be read)").format(
                plural(n - bad - poor, self.tr("1 image"), self.tr("{0} images")), poor, bad))
        if n == 0:
            self.pages.setCurrentIndex(0)

    def _update_progress(self) -> None:
        if self.exporting:
            done, total = self._export_progress
            self.progress.setVisible(True)
            self.progress.setMaximum(max(1, total))
            self.progress.setValue(done)
            self.progress_label.setText(self.tr("Writing {0}: {1} of {2} rows").format(
                self._export_path.name if self._export_path else "", done, total))
            return
        self.progress.setVisible(self.busy or self._total > 0)
        self.progress.setMaximum(max(1, self._total))
        self.progress.setValue(min(self._done, self._total) if self._total else 0)
        if self.busy and self._cancelling:
            self.progress_label.setText(self.tr("Cancelling…"))
        elif self.busy and self._total == 0:
            self.progress_label.setText(self.tr("Loading the model: {0}").format(self.stage_text()))
        elif self.busy:
            text = self.tr("{0} of {1} images").format(self._done, self._total)
            if self._rate > 0 and self._done < self._total:
                left = (self._total - self._done) / self._rate
                text = self.tr("{0} · {1:.1f} images/s · about {2} left").format(text, self._rate, duration(left))
            self.progress_label.setText(text)
        else:
            n, bad, poor = self.results.rowCount(), self.results.errors(), self.results.ungradable()
            if n:
                self.progress_label.setText(self.tr("{0} judged, {1} ungradable, {2}").format(
                    n - bad - poor, poor, plural(bad, self.tr("1 error"), self.tr("{0} errors"))))
            elif self._stage == "ready":
                self.progress_label.setText(self.tr("The model is ready"))
            elif self._stage:
                self.progress_label.setText(self.tr("Preparing the model: {0}").format(self.stage_text()))
            else:
                self.progress_label.setText("")

    def stage_text(self) -> str:
        """What the engine is doing while it starts, in the current language."""
        return {"process": self.tr("starting the engine process…"),
                "paddle": self.tr("loading PaddlePaddle…"),
                "model": self.tr("loading the model and its inference engine (prepared once, then cached)…"),
                "warmup": self.tr("warming up…"),
                "ready": self.tr("ready")}.get(self._stage, self.tr("starting…"))

    def _update_buttons(self) -> None:
        active = self.busy or self.exporting
        self.cancel_button.setVisible(active)
        self.cancel_button.setEnabled(active and not self._cancelling)
        self.export_button.setEnabled(not active and self.proxy.rowCount() > 0)
        self.clear_button.setEnabled(not self.exporting)
        self.model_combo.setEnabled(self.model_combo.count() > 0 and not active)
        self.open_model_button.setEnabled(not active)

    def _ask(self, name: str, title: str, text: str, informative: str, yes: str) -> bool:
        """A question with Yes (named ``yes``) and Cancel, Cancel the default; tests answer it through
        ``_confirm_box``."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName(name)
        box.setInformativeText(informative)
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self._confirm_box = box
        try:
            return box.exec() == QMessageBox.StandardButton.Yes
        finally:
            self._confirm_box = None
            box.deleteLater()

    def confirm_clear(self) -> bool:
        """Clear, after the user confirms it (a question box; tests answer it through ``_confirm_box``)."""
        if self.exporting:
            return False
        if self.results.rowCount() or self.busy:
            if not self._ask("confirmClear", self.tr("Clear results"),
                             self.tr("Remove all results from the table ({0})?").format(
                                 self.results.rowCount() + len(self._pending)),
                             self.tr("They stay in the audit log. A batch that is running is cancelled."),
                             self.tr("Clear")):
                return False
        self.clear()
        return True

    def clear(self) -> None:
        """Remove every result (no question asked: the Clear button asks first, see ``confirm_clear``)."""
        if self.exporting:
            return
        self.cancel()
        self._job = None  # a cancelled job's last results are dropped
        self._cancelling = False
        self._flush_timer.stop()
        self._pending = []
        self.results.clear()
        self._number = self._total = self._done = 0
        self._rate, self._rate_start = 0.0, None
        self._heat_base = None
        self.pages.setCurrentIndex(0)
        self._update_filter_texts()
        self._update_buttons()
        self._show_detail()
        self._update_progress()
        self.statusMessage.emit("")  # a message about the cleared results would be stale

    def cancel(self) -> None:
        """Stop the batch (or the export) after the images being processed; results so far stay."""
        self._queue = []
        if self._export_job is not None:
            self._export_job.cancel()
        if self._job is not None and not self._cancelling:
            self._job.cancel()
            self._cancelling = True
        self._update_buttons()
        self._update_progress()

    # ---------------------------------------------------------------- filter
    def set_filter(self, mode: str) -> None:
        """Show all rows, or only PM ("pm"), not PM ("not_pm"), ungradable ("ungradable") or unreadable
        ("error") ones."""
        self.proxy.set_mode(mode)
        i = self.filter_combo.findData(mode)
        if i != self.filter_combo.currentIndex():
            self.filter_combo.setCurrentIndex(i)
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_filter_texts()
        self._update_buttons()
        self._show_detail()

    def _update_filter_texts(self) -> None:
        c = self.results.counts
        n = self.results.rowCount()
        texts = {"all": self.tr("All results ({0})").format(n),
                 "pm": self.tr("PM only ({0})").format(c["pm"]),
                 "not_pm": self.tr("Not PM only ({0})").format(c["not_pm"]),
                 "ungradable": self.tr("Ungradable only ({0})").format(c["ungradable"]),
                 "error": self.tr("Errors only ({0})").format(c["error"])}
        for i in range(self.filter_combo.count()):
            self.filter_combo.setItemText(i, texts[self.filter_combo.itemData(i)])
        shown = self.proxy.rowCount()
        self.shown_label.setText(self.tr("{0} of {1} rows shown").format(shown, n) if shown != n else "")

    # ---------------------------------------------------------------- detail
    def current_row(self) -> Row | None:
        return self.proxy.row(self.table.currentIndex().row())

    def _show_detail(self) -> None:
        row = self.current_row()
        self._show_dicom(row)
        if row is None:
            self.image.set_image(None, self.tr("No image"))
            for w in (self.verdict, self.probability, self.detail_model, self.heat_note):
                w.setText("")
            self.legend.hide()
            self.detail_file.setText("")
            return
        pred = row.pred
        self.detail_file.setText(Path(pred.path).name)
        self.detail_file.setToolTip(pred.path)
        self.verdict.setStyleSheet(f"color: {verdict_color(pred).name()};")
        if pred.error:
            self.verdict.setText(self.tr("Error"))
            self._set_long_text(self.probability, self.results.error_text(pred))
        elif ungradable(pred):
            self.verdict.setText(self.tr("Ungradable — retake"))
            self._set_long_text(self.probability, self.results.quality_text(pred))
        else:
            self.verdict.setText(self.tr("PM — pathologic myopia") if pred.pm else self.tr("Not PM"))
            self.probability.setText(self.tr("PM probability: {0}").format(probability_text(pred.probability)))
            self.probability.setToolTip("")
        p = row.model
        self.detail_model.setText(self.tr("Model: {0} (PM when probability ≥ {1:.1%})").format(p.name, p.threshold))
        self._refresh_image()

    @staticmethod
    def _set_long_text(label: QLabel, text: str) -> None:
        """A reason or a path, wrapped anywhere inside the panel (the whole text is the tooltip too)."""
        label.setText(breakable(text))
        label.setToolTip(text)

    def _refresh_image(self) -> None:
        """The selected picture, with its heatmap blended in when the overlay is on and the map is ready."""
        row = self.current_row()
        if row is None:
            return
        pred = row.pred
        if pred.error:
            self.image.set_image(None, self.tr("Cannot read this file"))
            self.heat_note.setText("")
            self.legend.hide()
            return
        base = self.image_loader.image(pred.path)
        want = self.heatmap_check.isChecked()
        cam = None
        if want and judged(pred):
            cam = self.heatmaps.request(row.model.model_dir, pred.path)
            problem = self.heatmaps.error(row.model.model_dir, pred.path)
            self.heat_note.setText("" if cam is not None else
                                   breakable(self.tr("No heatmap: {0}").format(problem)) if problem else
                                   self.tr("Computing the heatmap…"))
        elif want:
            self.heat_note.setText(self.tr("No heatmap: the network gave no verdict for this image"))
        else:
            self.heat_note.setText("")
        self.legend.setVisible(cam is not None)
        if base is None:
            self.image.set_image(None, self.tr("Loading…"))
            return
        if cam is None:
            self.image.set_image(base)
            return
        self.image.set_image(self._blend(pred.path, base, cam))

    def _blend(self, path: str, base: QImage, cam: np.ndarray) -> QImage:
        """``base`` with the coloured heatmap at the slider's opacity (core.screening.gradcam.overlay),
        keeping
        the upsampled colours of the current image so that moving the slider only blends."""
        from core.screening.gradcam import colorize, upsample

        key = (path, base.cacheKey(), id(cam))
        if self._heat_base is None or self._heat_base[0] != key:
            rgb = qimage_rgb(base).astype(np.float32)
            heat = colorize(upsample(cam, rgb.shape[:2])).astype(np.float32)
            self._heat_base = (key, rgb, heat)
        _, rgb, heat = self._heat_base
        a = self.opacity.value() / 100.0
        out = rgb * (1.0 - a) + heat * a
        return to_qimage((out + 0.5).astype(np.uint8))

    def _image_loaded(self, path: str) -> None:
        row = self.current_row()
        if row is not None and row.pred.path == path:
            self._refresh_image()
            if self.image.image() is None and not row.pred.error:
                self.image.set_image(None, self.tr("Cannot read this file"))

    def _heatmap_ready(self, path: str) -> None:
        row = self.current_row()
        if row is not None and row.pred.path == path:
            self._refresh_image()

    def _heatmap_toggled(self, on: bool) -> None:
        settings.set_value("diagnosis/heatmap", on)
        self._refresh_image()

    def _opacity_changed(self, value: int, refresh: bool = True) -> None:
        self.opacity_value.setText(f"{value} %")
        if refresh:
            settings.set_value("diagnosis/opacity", value)
            if self.heatmap_check.isChecked():
                self._refresh_image()

    def heatmap_shown(self) -> bool:
        """True when the picture shown has the heatmap blended in."""
        return self.legend.isVisibleTo(self)

    # ---------------------------------------------------------------- DICOM metadata
    def _show_dicom(self, row: Row | None) -> None:
        path = row.pred.path if row is not None else ""
        if not path or Path(path).suffix.lower() not in DICOM_SUFFIXES:
            self.dicom_box.hide()
            return
        meta = self._dicom.get(path)
        if meta is None:
            self._dicom[path] = self.tr("Reading the DICOM header…")
            job = ThreadJob(lambda job: _read_dicom_metadata(path), self, name="pmscreen-dicom")
            self._dicom_jobs.add(job)

            def done(result, path=path):
                self._dicom[path] = result
                self._show_dicom(self.current_row())

            def failed(exc, path=path):
                self._dicom[path] = getattr(exc, "problem", None) or str(exc)
                self._show_dicom(self.current_row())

            job.succeeded.connect(done)
            job.failed.connect(failed)
            job.finished.connect(lambda job=job: self._dicom_jobs.discard(job))
            job.start()
            meta = self._dicom[path]
        self.dicom_box.setText(self._dicom_html(meta))
        self.dicom_box.show()

    def dicom_fields(self, meta: dict) -> list[tuple[str, str]]:
        """(label, value) of the patient-free DICOM metadata, in a fixed order, in the current language."""
        out = []
        side = {"R": self.tr("right eye (R)"), "L": self.tr("left eye (L)"), "B": self.tr("both eyes (B)")}
        if meta.get("modality"):
            out.append((self.tr("Modality"), str(meta["modality"])))
        if meta.get("manufacturer") or meta.get("model"):
            out.append((self.tr("Camera"), " ".join(str(meta[k]) for k in ("manufacturer", "model") if meta.get(k))))
        if meta.get("laterality"):
            out.append((self.tr("Eye"), side.get(str(meta["laterality"]).upper(), str(meta["laterality"]))))
        if meta.get("acquisition_date"):
            out.append((self.tr("Acquired"), str(meta["acquisition_date"])))
        if meta.get("columns") and meta.get("rows"):
            out.append((self.tr("Size"), self.tr("{0} × {1} px").format(meta["columns"], meta["rows"])))
        if meta.get("field_of_view_deg"):
            out.append((self.tr("Field of view"), f"{float(meta['field_of_view_deg']):g}°"))
        if meta.get("frames") and int(meta["frames"]) > 1:
            out.append((self.tr("Frames"), self.tr("{0} (the first is used)").format(meta["frames"])))
        if meta.get("photometric"):
            bits = self.tr(", {0} bits").format(meta["bits_stored"]) if meta.get("bits_stored") else ""
            out.append((self.tr("Pixels"), f"{meta['photometric']}{bits}"))
        if meta.get("transfer_syntax"):
            out.append((self.tr("Encoding"), str(meta["transfer_syntax"])))
        if meta.get("sop_class"):
            out.append((self.tr("Object"), str(meta["sop_class"])))
        return out

    def _dicom_html(self, meta: dict | str) -> str:
        from html import escape

        title = "<b>{}</b> <span style='color: gray;'>{}</span>".format(
            escape(self.tr("DICOM")), escape(self.tr("(no patient data is shown)")))
        if isinstance(meta, str):
            return f"{title}<br>{escape(meta)}"
        cells = "".join(f"<tr><td style='color: gray; padding-right: 10px;'>{escape(k)}</td><td>{escape(v)}</td></tr>"
                        for k, v in self.dicom_fields(meta))
        return f"{title}<table>{cells}</table>"

    # ---------------------------------------------------------------- export
    def choose_export(self) -> None:
        if self.busy or self.exporting:
            self._status(lambda: self.tr("Wait for the diagnosis to finish, or cancel it, before exporting"))
            return
        if not self.proxy.rowCount():
            self._status(lambda: self.tr("Nothing to export yet"))
            return
        filters = [self.tr("Excel workbook (*.xlsx)"), self.tr("CSV file (*.csv)"),  # in the order of FORMATS
                   self.tr("PDF report with images and heatmaps (*.pdf)")]
        last = settings.value("diagnosis/export_format", ".xlsx", str)
        last = last if last in FORMATS else ".xlsx"
        start = str(Path(settings.last_folder("export")) / f"pm-screening{last}")
        shown, total = self.proxy.rowCount(), self.results.rowCount()
        title = self.tr("Export results") if shown == total else \
            self.tr("Export the {0} rows shown (of {1})").format(shown, total)
        path, chosen = QFileDialog.getSaveFileName(self, title, start, ";;".join(filters),
                                                   filters[FORMATS.index(last)])
        if path:
            from .diagnosis_export import report_format

            path = report_format(path, chosen)
            settings.remember_folder("export", path)
            settings.set_value("diagnosis/export_format", path.suffix.lower())
            self.export(path)

    def export(self, path: str | Path) -> ThreadJob | None:
        """Write the rows the table shows (in its order) as XLSX, CSV or PDF, chosen by ``path``'s suffix, on a
        worker thread; the status bar says when it is done. None when there is nothing to write."""
        from .diagnosis_export import export_rows

        path = Path(path)
        if path.suffix.lower() not in FORMATS:
            self._status(lambda: self.tr("A report must end in .xlsx, .csv or .pdf"))
            return None
        rows = self.proxy.shown_rows()
        if not rows or self.busy or self.exporting:
            return None
        opacity = self.opacity.value() / 100.0
        engine = self._engine if self._engine is not None and self._engine.model_dir == rows[0].model.model_dir \
            else None
        job = ThreadJob(lambda job: export_rows(job, path, rows, self.heatmaps, opacity, engine), self,
                        name="pmscreen-export")
        job.progress.connect(self._export_progressed)
        job.succeeded.connect(lambda n, path=path: self._exported(path, n))
        job.failed.connect(lambda exc, path=path: self._status(
            lambda: self.tr("Cannot write {0}: {1}").format(path, exc)))
        job.finished.connect(self._export_finished)
        self._export_job, self._export_path, self._export_progress = job, path, (0, len(rows))
        self._update_buttons()
        self._update_progress()
        return job.start()

    def _export_progressed(self, value) -> None:
        self._export_progress = value
        self._update_progress()

    def _exported(self, path: Path, n: int) -> None:
        if n < 0:
            self._status(lambda: self.tr("Export cancelled; {0} was not written").format(path.name))
        else:
            self._status(lambda: self.tr("Saved {0} results to {1}").format(n, path))

    def _export_finished(self) -> None:
        self._export_job = None
        self._update_buttons()
        self._update_progress()

    def choose_audit_export(self) -> None:
        start = str(Path(settings.last_folder("export")) / "pm-screen-audit-log.csv")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the audit log"), start,
                                              self.tr("CSV file (*.csv)"))
        if path:
            settings.remember_folder("export", path)
            self.export_audit_log(path)

    def export_audit_log(self, path: str | Path) -> ThreadJob:
        """Write every entry of the audit log (each verdict ever given here) as CSV, on a worker thread."""
        from .diagnosis_export import export_audit

        path = Path(path)
        job = ThreadJob(lambda job: export_audit(job, path), self, name="pmscreen-audit-export")
        job.succeeded.connect(lambda n: self._status(
            lambda: self.tr("Saved {0} audit log entries to {1}").format(n, path)))
        job.failed.connect(lambda exc: self._status(lambda: self.tr("Cannot write {0}: {1}").format(path, exc)))
        return job.start()

    # ---------------------------------------------------------------- drag and drop
    def _set_drag_over(self, over: bool) -> None:
        """Highlight the drop zone while files are dragged over the view."""
        self.drop_hint.setProperty("dragOver", over)
        self.drop_hint.setStyleSheet(DROP_HINT_STYLE.format(
            border="palette(highlight)" if over else "palette(mid)", color="palette(text)" if over else "palette(mid)",
            bg="palette(alternate-base)" if over else "transparent"))
        self.table.setStyleSheet("QTableView { border: 2px solid palette(highlight); }" if over else "")

    def drag_over(self) -> bool:
        return bool(self.drop_hint.property("dragOver"))

    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            self._set_drag_over(True)

    def dragMoveEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._set_drag_over(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        self._set_drag_over(False)
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.diagnose(paths)

    # ---------------------------------------------------------------- shutdown
    def shutdown(self, timeout: float = 3.0) -> None:
        jobs = [j for j in (self._job, self._export_job) if j is not None]
        warm, self._warm_job = self._warm_job, None
        self.cancel()
        for job in jobs:
            job.wait(timeout)
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if warm is not None:
            warm.wait(timeout)  # the closed engine ends its start at once
        self.image_loader.shutdown()
        self.heatmaps.shutdown()
