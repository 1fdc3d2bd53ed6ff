"""The Diagnosis view: drop or open fundus images and get each one's PM probability and verdict from a model
of the library. Inference runs on a worker thread; results fill the table as they arrive; a file that
cannot be read becomes a row with the reason."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel

from . import settings
from .resources import icon
from .thumbnails import ERROR_COLOR, NON_PM_COLOR, PM_COLOR, UNGRADABLE_COLOR, ThumbnailLoader
from .widgets import ImageLabel, is_language_change, local_paths, percent
from .workers import ThreadJob

IMAGE_FILTER = "*.jpg *.jpeg *.png *.tif *.tiff *.bmp"


def judged(pred) -> bool:
    """The network gave a verdict (not an unreadable file, not an image the quality gate turned away)."""
    return pred.error is None and pred.pm is not None


def ungradable(pred) -> bool:
    return pred.error is None and pred.pm is None and not pred.gradable


def verdict_color(pred) -> QColor:
    if pred.error:
        return ERROR_COLOR
    if ungradable(pred):
        return UNGRADABLE_COLOR
    return PM_COLOR if pred.pm else NON_PM_COLOR


class ResultsModel(QAbstractTableModel):
    """One row per diagnosed file: file name, PM probability, verdict (or the reason it could not be read)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []  # core.inference.Prediction

    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self.endResetModel()

    def append(self, pred) -> None:
        n = len(self.rows)
        self.beginInsertRows(QModelIndex(), n, n)
        self.rows.append(pred)
        self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [self.tr("File"), self.tr("PM probability"), self.tr("Verdict")][section]
        return None

    def verdict_text(self, pred) -> str:
        if pred.error:
            return self.tr("Error: {0}").format(pred.error)
        if ungradable(pred):
            return self.tr("Ungradable — retake: {0}").format(pred.quality_text)
        return self.tr("PM") if pred.pm else self.tr("not PM")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        pred, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return Path(pred.path).name
            if col == 1:
                return "–" if pred.probability is None else percent(pred.probability)
            return self.verdict_text(pred)
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return verdict_color(pred)
        if role == Qt.ItemDataRole.FontRole and col == 2 and judged(pred):
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{pred.path}\n{self.verdict_text(pred)}" if not judged(pred) else pred.path
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return pred
        return None

    def errors(self) -> int:
        return sum(1 for p in self.rows if p.error)

    def ungradable(self) -> int:
        return sum(1 for p in self.rows if ungradable(p))


class DiagnosisView(QWidget):
    modelChanged = Signal(str)  # the active model's name ("" when none)
    statusMessage = Signal(str)
    trainRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._predictor = None
        self._job: ThreadJob | None = None
        self._queue: list[Path] = []
        self._total = 0
        self._done = 0
        self._extra_models: list[Path] = []
        self._model_error = ""
        self._meta_cache: dict[str, dict] = {}
        self.image_loader = ThumbnailLoader(size=560, threads=1, capacity=30, parent=self)
        self.image_loader.loaded.connect(self._image_loaded)
        self.image_loader.failed.connect(lambda path, _: self._image_loaded(path))

        # --- top bar: model picker and actions
        self.model_label = QLabel()
        self.model_combo = QComboBox()
        self.model_combo.setMinimumContentsLength(28)
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.currentIndexChanged.connect(self._model_selected)
        self.open_model_button = QPushButton(icon("model"), "")
        self.open_model_button.clicked.connect(self.choose_model_folder)
        self.threshold_label = QLabel()
        self.open_button = QPushButton(icon("open-images"), "")
        self.open_button.clicked.connect(self.choose_images)
        self.clear_button = QPushButton(icon("clear"), "")
        self.clear_button.clicked.connect(self.clear)
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

        # --- results table with a drop hint before the first result
        self.results = ResultsModel(self)
        self.table = QTableView()
        self.table.setModel(self.results)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        hh.resizeSection(2, 220)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _: self._show_detail(cur.row()))
        self.drop_hint = QLabel()
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setStyleSheet("border: 2px dashed palette(mid); border-radius: 8px; color: palette(mid);"
                                     "font-size: 15px; padding: 24px;")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.drop_hint)
        self.pages.addWidget(self.table)

        # --- detail of the selected (or only) image
        self.image = ImageLabel(minimum=240)
        self.verdict = QLabel()
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        vf = QFont(self.verdict.font())
        vf.setPointSizeF(vf.pointSizeF() * 2.0)
        vf.setBold(True)
        self.verdict.setFont(vf)
        self.probability = QLabel()
        self.probability.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pf = QFont(self.probability.font())
        pf.setPointSizeF(pf.pointSizeF() * 1.3)
        self.probability.setFont(pf)
        self.detail_model = QLabel()
        self.detail_model.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_model.setWordWrap(True)
        self.detail_file = QElidingLabel("")
        self.detail_file.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.detail_file.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.addWidget(self.image, 1)
        dl.addWidget(self.detail_file)
        dl.addWidget(self.verdict)
        dl.addWidget(self.probability)
        dl.addWidget(self.detail_model)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([700, 480])

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.progress_label)

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
        self.export_button.setText(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("Save the results as a CSV file"))
        self.train_button.setText(self.tr("Train a model"))
        self.banner_open.setText(self.tr("Open model folder…"))
        self.drop_hint.setText(self.tr("Drop fundus images here (JPEG, PNG, TIFF, BMP) or a folder of them,\n"
                                 "or use Open images…"))
        self._update_no_model()
        self._update_threshold()
        self._update_progress()
        self.results.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)
        if self.results.rowCount():
            self.results.dataChanged.emit(self.results.index(0, 0), self.results.index(self.results.rowCount() - 1, 2))
        self._show_detail(self.table.currentIndex().row())

    def changeEvent(self, event) -> None:
        if is_language_change(event):
            self.retranslate()
        super().changeEvent(event)

    # ---------------------------------------------------------------- model picker
    def refresh_models(self, select: str | Path | None = None) -> None:
        """Fill the picker from the model library (bundled model first) plus folders opened by hand."""
        from core.bundled import default_model_dir
        from core.library import list_models

        current = select or self.model_dir() or settings.value("diagnosis/model", "", str)
        entries = list_models(include_bundled=True)
        self._meta_cache = {str(e.path): e.meta for e in entries}
        known = {e.path for e in entries}
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for e in entries:
            label = self.tr("{0} (bundled)").format(e.name) if e.bundled else f"{e.name} — {e.path.name}"
            self.model_combo.addItem(label, str(e.path))
            self.model_combo.setItemData(self.model_combo.count() - 1, str(e.path), Qt.ItemDataRole.ToolTipRole)
        for p in self._extra_models:
            if p not in known and str(p) in self._meta_cache:
                self.model_combo.addItem(f"{self._meta_cache[str(p)].get('name', p.name)} — {p}", str(p))
        i = self.model_combo.findData(str(current)) if current else -1
        if i < 0:
            bundled = default_model_dir()
            i = self.model_combo.findData(str(bundled)) if bundled else -1
        self.model_combo.setCurrentIndex(max(0, i) if self.model_combo.count() else -1)
        self.model_combo.setEnabled(self.model_combo.count() > 0)
        self.model_combo.blockSignals(False)
        self._model_selected()

    def model_dir(self) -> Path | None:
        data = self.model_combo.currentData()
        return Path(data) if data else None

    def model_name(self) -> str:
        d = self.model_dir()
        return (self._meta_cache.get(str(d)) or {}).get("name", d.name) if d else ""

    def select_model(self, folder: str | Path) -> bool:
        """Make ``folder`` the active model (adding it to the picker when it is outside the library)."""
        from core.modelio import ModelFileError, read_meta

        folder = Path(folder)
        try:
            meta = read_meta(folder)
        except ModelFileError as exc:
            self._model_error = str(exc)
            self._update_no_model()
            self.statusMessage.emit(self.tr("Cannot use this model: {0}").format(exc))
            return False
        self._meta_cache[str(folder)] = meta
        if self.model_combo.findData(str(folder)) < 0 and folder not in self._extra_models:
            self._extra_models.append(folder)
        self._model_error = ""
        self.refresh_models(select=folder)
        return True

    def choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open model folder"), settings.last_folder("model"))
        if folder:
            settings.remember_folder("model", Path(folder).parent)
            self.select_model(folder)

    def _model_selected(self, *_) -> None:
        d = self.model_dir()
        if d is not None:
            settings.set_value("diagnosis/model", str(d))
            self._model_error = ""
        self._update_no_model()
        self._update_threshold()
        self.modelChanged.emit(self.model_name())

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
    def choose_images(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Open fundus images"), settings.last_folder("images"),
                                                self.tr("Images ({0})").format(IMAGE_FILTER) + ";;" +
                                                self.tr("All files (*)"))
        if files:
            settings.remember_folder("images", files[0])
            self.diagnose(files)

    @property
    def busy(self) -> bool:
        """True while images are being diagnosed (until the last result has reached the table)."""
        return self._job is not None

    def diagnose(self, paths) -> bool:
        """Queue files and folders for diagnosis; results arrive on the table. False when there is no model."""
        paths = [Path(p) for p in paths]
        if not paths:
            return False
        if self.model_dir() is None:
            self._update_no_model()
            self.statusMessage.emit(self.tr("No model to diagnose with"))
            return False
        if not self.busy and not self._queue:
            self._total = self._done = 0
        self._queue += paths
        if not self.busy:
            self._start_next()
        return True

    def _start_next(self) -> None:
        if not self._queue:
            return
        paths, self._queue = self._queue, []
        model_dir = self.model_dir()
        cached = self._predictor if self._predictor is not None and self._predictor.model_dir == model_dir else None

        def work(job: ThreadJob):
            from core.inference import Predictor, expand_inputs

            predictor = cached or Predictor(model_dir, batch_size=8)
            job.report(("model", predictor))
            job.report(("total", len(expand_inputs(paths))))
            for pred in predictor.predict_files(paths):
                if job.cancelled:
                    return False
                job.report(("pred", pred))
            return True

        self.pages.setCurrentIndex(1)
        job = ThreadJob(work, self, name="pmscreen-diagnose")
        job.progress.connect(lambda msg, job=job: self._progress(job, msg))
        job.failed.connect(lambda exc, job=job: self._failed(job, exc))
        job.finished.connect(lambda job=job: self._job_finished(job))
        self._job = job.start()
        self._update_progress()

    def _progress(self, job: ThreadJob, msg) -> None:
        if job is not self._job:
            return
        kind, value = msg
        if kind == "model":
            self._predictor = value
            self.modelChanged.emit(value.name)
        elif kind == "total":
            self._total += value
        elif kind == "pred":
            self.results.append(value)
            self._done += 1
            if self.results.rowCount() == 1 or not self.table.currentIndex().isValid():
                self.table.selectionModel().setCurrentIndex(
                    self.results.index(self.results.rowCount() - 1, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._update_progress()

    def _failed(self, job: ThreadJob, exc: Exception) -> None:
        if job is not self._job:
            return
        self._model_error = str(exc)
        self._predictor = None
        self._update_no_model()
        self.statusMessage.emit(self.tr("Diagnosis failed: {0}").format(exc))

    def _job_finished(self, job: ThreadJob) -> None:
        if job is not self._job:
            return
        self._job = None
        if self._queue:
            self._start_next()
            return
        self._update_progress()
        n, bad, poor = self.results.rowCount(), self.results.errors(), self.results.ungradable()
        self.statusMessage.emit(self.tr("Diagnosed {0} images ({1} ungradable, {2} could not be read)").format(
            n - bad - poor, poor, bad))
        if n == 0:
            self.pages.setCurrentIndex(0)

    def _update_progress(self) -> None:
        self.progress.setVisible(self.busy or self._total > 0)
        self.progress.setMaximum(max(1, self._total))
        self.progress.setValue(self._done if self._total else 0)
        if self.busy and self._total == 0:
            self.progress_label.setText(self.tr("Loading the model…"))
        elif self.busy:
            self.progress_label.setText(self.tr("{0} of {1} images").format(self._done, self._total))
        else:
            n, bad, poor = self.results.rowCount(), self.results.errors(), self.results.ungradable()
            self.progress_label.setText(self.tr("{0} judged, {1} ungradable, {2} errors").format(
                n - bad - poor, poor, bad) if n else "")

    def clear(self) -> None:
        self.cancel()
        self.results.clear()
        self._total = self._done = 0
        self.pages.setCurrentIndex(0)
        self._show_detail(-1)
        self._update_progress()

    def cancel(self) -> None:
        self._queue = []
        if self._job is not None:
            self._job.cancel()
            self._job = None

    # ---------------------------------------------------------------- detail
    def _show_detail(self, row: int) -> None:
        pred = self.results.rows[row] if 0 <= row < len(self.results.rows) else None
        if pred is None:
            self.image.set_image(None, self.tr("No image"))
            for w in (self.verdict, self.probability, self.detail_model):
                w.setText("")
            self.detail_file.setText("")
            return
        self.detail_file.setText(Path(pred.path).name)
        self.detail_file.setToolTip(pred.path)
        color = verdict_color(pred).name()
        self.verdict.setStyleSheet(f"color: {color};")
        self.probability.setWordWrap(True)
        if pred.error:
            self.image.set_image(None, self.tr("Cannot read this file"))
            self.verdict.setText(self.tr("Error"))
            self.probability.setText(pred.error)
        elif ungradable(pred):
            self.image.set_image(self.image_loader.image(pred.path), self.tr("Loading…"))
            self.verdict.setText(self.tr("Ungradable — retake"))
            self.probability.setText(pred.quality_text)
        else:
            self.image.set_image(self.image_loader.image(pred.path), self.tr("Loading…"))
            self.verdict.setText(self.tr("PM — pathologic myopia") if pred.pm else self.tr("Not PM"))
            self.probability.setText(self.tr("PM probability: {0}").format(percent(pred.probability)))
        p = self._predictor
        if p is not None:
            self.detail_model.setText(self.tr("Model: {0} (PM when probability ≥ {1:.1%})").format(p.name,
                                                                                                   p.threshold))
        else:
            self.detail_model.setText(self.tr("Model: {0}").format(self.model_name()))

    def _image_loaded(self, path: str) -> None:
        row = self.table.currentIndex().row()
        if 0 <= row < len(self.results.rows) and self.results.rows[row].path == path:
            img = self.image_loader.cached(path)
            self.image.set_image(img, self.tr("Cannot read this file"))

    # ---------------------------------------------------------------- export
    def choose_export(self) -> None:
        if not self.results.rowCount():
            self.statusMessage.emit(self.tr("Nothing to export yet"))
            return
        start = str(Path(settings.last_folder("export")) / "pm-diagnosis.csv")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export results"), start, self.tr("CSV files (*.csv)"))
        if path:
            settings.remember_folder("export", path)
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> int:
        p = self._predictor
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["file", "probability", "verdict", "quality", "error", "model", "threshold"])
            for pred in self.results.rows:
                w.writerow([pred.path, "" if pred.probability is None else f"{pred.probability:.6f}", pred.verdict,
                            pred.quality_text, pred.error or "", p.name if p else self.model_name(),
                            p.threshold if p else ""])
        self.statusMessage.emit(self.tr("Saved {0} results to {1}").format(self.results.rowCount(), path))
        return self.results.rowCount()

    # ---------------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.diagnose(paths)

    # ---------------------------------------------------------------- shutdown
    def shutdown(self, timeout: float = 3.0) -> None:
        job = self._job
        self.cancel()
        if job is not None:
            job.wait(timeout)
        self.image_loader.shutdown()
