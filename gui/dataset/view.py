"""The Dataset view: open a PALM-style or class-folder data set, browse it as a thumbnail grid with filters
(grid.py), see a large preview, counts per class and the problems found while reading it (summary.py). Reading
the folder and checking every image (core.data.checks) run on superqt workers."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel

from core.data.summary import class_counts, finer_tags

from .. import settings, tasks
from ..resources import icon
from ..thumbnails import ThumbnailLoader
from ..widgets import ImageLabel, is_language_change, local_paths
from .grid import ItemRole, PathRole, ThumbnailDelegate, ThumbnailModel
from .summary import DatasetSummary

THUMB = 112
AUTO_CHECK_LIMIT = 2000  # data sets up to this size are decoded in full at once to find unreadable files


class DatasetView(QWidget):
    datasetOpened = Signal(object)  # core.data.datasets.Dataset
    statusMessage = Signal(object)  # text, or a function giving it in the current language

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dataset = None
        self._job = None  # superqt worker reading a folder
        self._opening: Path | None = None
        self._check = None  # superqt worker checking every image
        self._check_cancel = threading.Event()
        self._checked = (0, 0)  # images decoded, of
        self._unreadable: list = []  # core.data.datasets.Problem of files that do not decode or copy others
        self.setAcceptDrops(True)

        self.loader = ThumbnailLoader(size=THUMB, threads=2, parent=self)
        self.preview_loader = ThumbnailLoader(size=640, threads=1, capacity=40, parent=self)
        self.model = ThumbnailModel(self.loader, self)

        # --- top bar
        self.open_button = QPushButton(icon("open-folder"), "")
        self.open_button.clicked.connect(self.choose_folder)
        self.path_label = QElidingLabel("")
        self.path_label.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.split_label = QLabel()
        self.split_combo = QComboBox()
        self.class_label = QLabel()
        self.class_combo = QComboBox()
        self.class_combo.setMinimumContentsLength(14)
        self.shown_label = QLabel()
        self.split_combo.currentIndexChanged.connect(self._filter_changed)
        self.class_combo.currentIndexChanged.connect(self._filter_changed)
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.path_label, 1)
        for w in (self.split_label, self.split_combo, self.class_label, self.class_combo, self.shown_label):
            top.addWidget(w)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b71c1c; background: #ffebee; padding: 6px; border-radius: 4px;")
        self.error_label.hide()

        # --- grid, with an empty-state page and a loading page
        self.grid = QListView()
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(ThumbnailDelegate(THUMB, self.grid))
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setUniformItemSizes(True)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setGridSize(QSize(THUMB + 14, THUMB + 32))
        self.grid.setSpacing(2)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.grid.verticalScrollBar().setSingleStep(24)
        self.grid.selectionModel().currentChanged.connect(lambda cur, _: self._show_preview(cur))

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: palette(mid); font-size: 15px;")
        self.empty_open = QPushButton(icon("open-folder"), "")
        self.empty_open.clicked.connect(self.choose_folder)
        empty = QWidget()
        el = QVBoxLayout(empty)
        el.addStretch(1)
        el.addWidget(self.empty_label)
        el.addWidget(self.empty_open, 0, Qt.AlignmentFlag.AlignHCenter)
        el.addStretch(1)
        self.loading_label = QLabel()
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(empty)
        self.pages.addWidget(self.loading_label)
        self.pages.addWidget(self.grid)

        # --- right: preview + info, then counts / problems
        self.preview = ImageLabel(minimum=120)  # shrinks before the lines under it are covered
        self.info = QFormLayout()
        self.info_fields = {k: QLabel() for k in ("file", "split", "label", "size", "folder")}
        self.info_names = {k: QLabel() for k in self.info_fields}
        for k, w in self.info_fields.items():
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            w.setWordWrap(True)
            self.info.addRow(self.info_names[k], w)
        preview_box = QWidget()
        pl = QVBoxLayout(preview_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(6)
        pl.addWidget(self.preview, 1)
        pl.addLayout(self.info)

        self.summary = DatasetSummary()
        self.summary.check_button.clicked.connect(self.check_all_images)
        self.tabs = self.summary
        self.counts, self.problems = self.summary.counts, self.summary.problems
        self.source_label, self.check_label = self.summary.source_label, self.summary.check_label

        self.right = right = QSplitter(Qt.Orientation.Vertical)
        # each half scrolls when the window is too low for it: at 1024x700 the preview covered the file's name
        # and the counts table ran under the lines below it
        right.addWidget(_scrolling(preview_box))
        right.addWidget(_scrolling(self.tabs))
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        right.setSizes([420, 300])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([840, 380])

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.error_label)
        lay.addWidget(self.splitter, 1)

        self.preview_loader.loaded.connect(self._preview_loaded)
        self.preview_loader.failed.connect(self._preview_failed)
        self.retranslate()

    # ---------------------------------------------------------------- texts
    def retranslate(self) -> None:
        self.open_button.setText(self.tr("Open folder…"))
        self.open_button.setToolTip(self.tr("Open a PALM folder (training + validation with a label file) or a "
                                            "folder with one sub-folder per class"))
        self.empty_open.setText(self.tr("Open data set folder…"))
        self.empty_label.setText(self.tr("No data set is open.\n\nOpen a PALM-style folder (PALM-Training400, "
                                         "PALM-Validation400 and its label file) or a folder with one sub-folder "
                                         "per class — or drop the folder here."))
        self.split_label.setText(self.tr("Split:"))
        self.class_label.setText(self.tr("Class:"))
        self.grid.viewport().update()  # the thumbnails' class badges are painted in the language shown
        names = {"file": self.tr("File"), "split": self.tr("Split"), "label": self.tr("Label"),
                 "size": self.tr("Original size"), "folder": self.tr("Folder")}
        for k, w in self.info_names.items():
            w.setText(names[k] + ":")
        self.summary.retranslate()
        if self._opening is not None:
            self.loading_label.setText(self.tr("Reading {0}…").format(self._opening))
        self._fill_split_combo()
        self._fill_class_combo()
        self._fill_summary()
        self._update_shown()
        self._show_preview(self.grid.currentIndex())

    def changeEvent(self, event) -> None:
        if is_language_change(event):
            self.retranslate()
        super().changeEvent(event)

    def tag_description(self, tag: str) -> str:
        return self.summary.tag_description(tag)

    def class_display(self, name: str) -> str:
        return self.summary.class_display(name)

    # ---------------------------------------------------------------- opening
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open data set folder"),
                                                  settings.last_folder("dataset"))
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | Path) -> None:
        """Read the data set in a worker thread; the grid fills when it is ready."""
        from core.data.datasets import open_dataset

        folder = Path(folder)
        self._opening = folder
        self.error_label.hide()
        self.loading_label.setText(self.tr("Reading {0}…").format(folder))
        self.pages.setCurrentIndex(1)
        self._job = job = tasks.start(open_dataset, folder, returned=lambda ds: self._opened(job, ds),
                                      errored=lambda exc: self._failed(job, folder, exc))

    @property
    def busy(self) -> bool:
        """True while a folder is being read (until its result has reached the UI)."""
        return self._job is not None

    def _opened(self, job, dataset) -> None:
        if job is not self._job:
            return  # a newer folder was opened meanwhile
        self._job = None
        self._opening = None
        self.set_dataset(dataset)
        settings.remember_folder("dataset", dataset.root)
        settings.set_value("dataset/root", str(dataset.root))
        self.statusMessage.emit(lambda: self.tr("Opened {0}: {1} training and {2} validation images").format(
            dataset.root.name, len(dataset.train), len(dataset.val)))

    def _failed(self, job, folder: Path, exc: Exception) -> None:
        if job is not self._job:
            return
        self._job = None
        self._opening = None
        self.pages.setCurrentIndex(2 if self.dataset is not None else 0)
        self.error_label.setText(self.tr("Cannot open this data set: {0}").format(exc))
        self.error_label.show()
        self.statusMessage.emit(lambda: self.tr("Cannot open {0}").format(folder))

    def set_dataset(self, dataset) -> None:
        self._cancel_check()
        self.dataset = dataset
        self._unreadable = []
        self._checked = (0, len(dataset.train) + len(dataset.val) if dataset else 0)
        self.path_label.setText(str(dataset.root) if dataset else "")
        self.model.set_dataset(dataset)
        self._fill_class_combo()
        self._fill_summary()
        if dataset is not None and self._checked[1] <= AUTO_CHECK_LIMIT:
            self.check_all_images()
        self._update_check_label()
        self._update_shown()
        self.pages.setCurrentIndex(2 if dataset else 0)
        if self.model.rowCount():
            self.grid.selectionModel().setCurrentIndex(self.model.index(0),
                                                       QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.datasetOpened.emit(dataset)

    # ---------------------------------------------------------------- filters and counts
    def _fill_split_combo(self) -> None:
        current = self.split_combo.currentData() or "all"
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        for key, text in (("all", self.tr("All")), ("train", self.tr("Training")), ("val", self.tr("Validation"))):
            self.split_combo.addItem(text, key)
        self.split_combo.setCurrentIndex(max(0, self.split_combo.findData(current)))
        self.split_combo.blockSignals(False)

    def _fill_class_combo(self) -> None:
        current = self.class_combo.currentData() or ("all", "")
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItem(self.tr("All classes"), ("all", ""))
        if self.dataset is not None:
            for name in self.dataset.class_names:
                self.class_combo.addItem(self.class_display(name), ("label", name))
            for tag in finer_tags(self.dataset):
                desc = self.tag_description(tag)
                self.class_combo.addItem(f"{tag} — {desc}" if desc else tag, ("tag", tag))
        i = next((i for i in range(self.class_combo.count()) if tuple(self.class_combo.itemData(i)) == tuple(current)),
                 0)
        self.class_combo.setCurrentIndex(i)
        self.class_combo.blockSignals(False)

    def set_filters(self, split: str = "all", class_filter: tuple[str, str] = ("all", "")) -> None:
        self.split_combo.setCurrentIndex(max(0, self.split_combo.findData(split)))
        i = next((i for i in range(self.class_combo.count())
                  if tuple(self.class_combo.itemData(i)) == tuple(class_filter)), 0)
        self.class_combo.setCurrentIndex(i)
        self._filter_changed()

    def _filter_changed(self, *_) -> None:
        data = self.class_combo.currentData()
        self.model.set_filter(self.split_combo.currentData() or "all", tuple(data) if data else ("all", ""))
        self._update_shown()
        if self.model.rowCount():
            self.grid.selectionModel().setCurrentIndex(self.model.index(0),
                                                       QItemSelectionModel.SelectionFlag.ClearAndSelect)
        else:
            self._show_preview(self.grid.currentIndex())

    def _update_shown(self) -> None:
        self.shown_label.setText(self.tr("{0} of {1} images").format(self.model.rowCount(), self.model.total()))

    def class_counts(self) -> dict[str, tuple[int | None, int | None]]:
        """Rows of the counts table (core.data.summary.class_counts)."""
        return class_counts(self.dataset)

    def _fill_summary(self) -> None:
        self.summary.fill(self.dataset, self._unreadable)
        self._update_check_label()

    # ---------------------------------------------------------------- finding unreadable images
    def check_all_images(self) -> None:
        """Decode every image on worker threads; the ones that fail join the problems list."""
        ds = self.dataset
        if ds is None:
            return
        self._cancel_check()
        if self._unreadable:
            self._unreadable = []
            self._fill_summary()
        paths = [s.path for s in ds.train + ds.val]
        self._checked = (0, len(paths))
        from core.data.checks import check_images

        self._check_cancel = cancel = threading.Event()
        self._check = job = tasks.start(check_images, paths, cancel, yielded=lambda msg: self._checked_some(job, msg),
                                        finished=lambda: self._check_finished(job))
        self._update_check_label()

    @property
    def checking(self) -> bool:
        """True until the check's last report has reached the UI."""
        return self._check is not None

    def _cancel_check(self) -> None:
        self._check_cancel.set()
        self._check = None

    def _checked_some(self, job, msg) -> None:
        if job is not self._check:
            return
        done, problems = msg
        self._checked = (done, self._checked[1])
        if problems:
            self._unreadable += problems
            self.summary.add_problems(problems)
        self._update_check_label()

    def _check_finished(self, job) -> None:
        if job is self._check:
            self._check = None
            self._update_check_label()

    def _update_check_label(self) -> None:
        from core.data.checks import is_copy

        done, total = self._checked
        copies = sum(map(is_copy, self._unreadable))
        self.summary.show_check(self.dataset is not None, self.checking, done, total, len(self._unreadable) - copies,
                                copies)
        self._fit_summary()

    def _fit_summary(self) -> None:
        """Give the counts and notes the room they need, from the preview (never less than it had: the user may
        have dragged the divider): in Chinese the wrapped notes pushed the table's Total row out of sight, and a
        table sized to its rows pushed the notes out instead."""
        sizes = self.right.sizes()
        need = self.summary.needed_height()
        if len(sizes) == 2 and sizes[1] < need:
            self.right.setSizes([sum(sizes) - need, need])

    # ---------------------------------------------------------------- preview
    def current_path(self) -> str | None:
        ix = self.grid.currentIndex()
        return ix.data(PathRole) if ix.isValid() else None

    def _show_preview(self, index) -> None:
        it = index.data(ItemRole) if index is not None and index.isValid() else None
        if it is None:
            self.preview.set_image(None, self.tr("No image selected"))
            for w in self.info_fields.values():
                w.setText("")
            return
        path = str(it.sample.path)
        self.info_fields["file"].setText(it.sample.path.name)
        self.info_fields["split"].setText(self.summary.split_display(it.split))
        desc = self.tag_description(it.sample.tag)
        label = self.class_display(it.class_name)
        if it.sample.tag not in (str(it.sample.label), it.class_name):
            label += f" — {it.sample.tag}" + (f" ({desc})" if desc else "")
        self.info_fields["label"].setText(label)
        self.info_fields["folder"].setText(str(it.sample.path.parent))
        img = self.preview_loader.image(path)
        self._preview_ready(path, img)

    def _preview_ready(self, path: str, img) -> None:
        size = self.preview_loader.original_size(path)
        error = self.preview_loader.error(path)
        if img is not None:
            self.preview.set_image(img)
        else:
            self.preview.set_image(None, self.tr("Cannot read this image: {0}").format(error) if error
                                   else self.tr("Loading…"))
        self.info_fields["size"].setText(self.tr("{0} × {1} pixels").format(*size) if size else
                                         (self.tr("unreadable") if error else "…"))

    def _preview_loaded(self, path: str) -> None:
        if path == self.current_path():
            self._preview_ready(path, self.preview_loader.cached(path))

    def _preview_failed(self, path: str, problem: str) -> None:
        if path == self.current_path():
            self._preview_ready(path, None)

    # ---------------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event) -> None:
        paths = local_paths(event.mimeData())
        if len(paths) == 1 and paths[0].is_dir():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = local_paths(event.mimeData())
        if len(paths) == 1 and paths[0].is_dir():
            event.acceptProposedAction()
            self.open_folder(paths[0])

    # ---------------------------------------------------------------- shutdown
    def shutdown(self) -> None:
        self._cancel_check()
        self._job = None
        tasks.wait_for_all(5.0)
        self.loader.shutdown()
        self.preview_loader.shutdown()


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
