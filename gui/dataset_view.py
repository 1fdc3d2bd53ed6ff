"""The Dataset view: open a PALM-style or class-folder data set, browse it as a thumbnail grid with filters,
see counts per class, a large preview, and the problems found while reading it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel

from . import settings
from .resources import icon
from .thumbnails import ItemRole, PathRole, ThumbnailDelegate, ThumbnailLoader, ThumbnailModel
from .widgets import ImageLabel, is_language_change, local_paths
from .workers import ThreadJob

THUMB = 112
AUTO_CHECK_LIMIT = 2000  # data sets up to this size are decoded in full at once to find unreadable files


def check_images(paths: list[Path], job: ThreadJob, threads: int = 2) -> int:
    """Decode every image (worker thread); reports (images done, [Problem of each newly found bad file])."""
    from concurrent.futures import ThreadPoolExecutor

    from core.data.datasets import Problem
    from core.images.imageio import ImageError
    from core.images.reader import read_image

    def check(path: Path):
        if job.cancelled:
            return None
        try:
            read_image(path)
        except ImageError as exc:
            return Problem(str(path), exc.problem)
        return None

    found: list = []
    with ThreadPoolExecutor(threads) as pool:
        for i, problem in enumerate(pool.map(check, paths), start=1):
            if job.cancelled:
                return i
            if problem is not None:
                found.append(problem)
            if found or i % 25 == 0 or i == len(paths):
                job.report((i, found))
                found = []
    return len(paths)


class DatasetView(QWidget):
    datasetOpened = Signal(object)  # core.data.datasets.Dataset
    statusMessage = Signal(object)  # text, or a function giving it in the current language

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dataset = None
        self._job: ThreadJob | None = None
        self._opening: Path | None = None
        self._check: ThreadJob | None = None
        self._checked = (0, 0)  # images decoded, of
        self._unreadable: list = []  # core.data.datasets.Problem of files that do not decode
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
        self.preview = ImageLabel(minimum=220)
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
        pl.addWidget(self.preview, 1)
        pl.addLayout(self.info)

        self.counts = QTableWidget(0, 3)
        self.counts.verticalHeader().hide()
        self.counts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.counts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.counts.setWordWrap(False)
        self.counts.setShowGrid(False)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        self.check_button = QPushButton()
        self.check_button.clicked.connect(self.check_all_images)
        counts_box = QWidget()
        cl = QVBoxLayout(counts_box)
        cl.setContentsMargins(4, 4, 4, 4)
        cl.addWidget(self.counts, 1)
        cl.addWidget(self.source_label)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_label, 1)
        check_row.addWidget(self.check_button)
        cl.addLayout(check_row)
        self.problems = QTreeWidget()
        self.problems.setColumnCount(2)
        self.problems.setRootIsDecorated(False)
        self.problems.setAlternatingRowColors(True)
        self.problems.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tabs = QTabWidget()
        self.tabs.addTab(counts_box, "")
        self.tabs.addTab(self.problems, "")

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(preview_box)
        right.addWidget(self.tabs)
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
        names = {"file": self.tr("File"), "split": self.tr("Split"), "label": self.tr("Label"),
                 "size": self.tr("Original size"), "folder": self.tr("Folder")}
        for k, w in self.info_names.items():
            w.setText(names[k] + ":")
        self.counts.setHorizontalHeaderLabels([self.tr("Class"), self.tr("Training"), self.tr("Validation")])
        self.problems.setHeaderLabels([self.tr("File"), self.tr("Problem")])
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
        return {"P": self.tr("pathologic myopia"), "H": self.tr("high myopia"), "N": self.tr("normal")}.get(tag, "")

    def class_display(self, name: str) -> str:
        return {"PM": self.tr("PM"), "non-PM": self.tr("non-PM")}.get(name, name)

    def split_display(self, split: str) -> str:
        return self.tr("training") if split == "train" else self.tr("validation")

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
        if self._job is not None:
            self._job.cancel()
        self._opening = folder
        self.error_label.hide()
        self.loading_label.setText(self.tr("Reading {0}…").format(folder))
        self.pages.setCurrentIndex(1)
        job = ThreadJob(lambda job: open_dataset(folder), self, name="pmscreen-open-dataset")
        job.succeeded.connect(lambda ds, job=job: self._opened(job, ds))
        job.failed.connect(lambda exc, job=job: self._failed(job, folder, exc))
        self._job = job.start()

    @property
    def busy(self) -> bool:
        """True while a folder is being read (until its result has reached the UI)."""
        return self._job is not None

    def _opened(self, job: ThreadJob, dataset) -> None:
        if job is not self._job:
            return  # a newer folder was opened meanwhile
        self._job = None
        self._opening = None
        self.set_dataset(dataset)
        settings.remember_folder("dataset", dataset.root)
        settings.set_value("dataset/root", str(dataset.root))
        self.statusMessage.emit(lambda: self.tr("Opened {0}: {1} training and {2} validation images").format(
            dataset.root.name, len(dataset.train), len(dataset.val)))

    def _failed(self, job: ThreadJob, folder: Path, exc: Exception) -> None:
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

    def _finer_tags(self) -> list[str]:
        ds = self.dataset
        if ds is None:
            return []
        return sorted({s.tag for s in ds.train + ds.val if s.tag != str(s.label) and s.tag not in ds.class_names})

    def _fill_class_combo(self) -> None:
        current = self.class_combo.currentData() or ("all", "")
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItem(self.tr("All classes"), ("all", ""))
        if self.dataset is not None:
            for name in self.dataset.class_names:
                self.class_combo.addItem(self.class_display(name), ("label", name))
            for tag in self._finer_tags():
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
        """Rows of the counts table: class (and finer tag) -> (training, validation) images; None where a split
        does not have the finer tags at all (a label file with only PM / non-PM says nothing of H, N or P)."""
        ds = self.dataset
        if ds is None:
            return {}
        finer = self._finer_tags()
        tagged = [any(s.tag in finer for s in split) for split in (ds.train, ds.val)]
        out: dict[str, tuple[int | None, int | None]] = {}
        for label, name in enumerate(ds.class_names):
            out[name] = (sum(s.label == label for s in ds.train), sum(s.label == label for s in ds.val))
            for tag in finer:
                tr = sum(s.tag == tag and s.label == label for s in ds.train)
                va = sum(s.tag == tag and s.label == label for s in ds.val)
                if tr or va:
                    out[f"{name}/{tag}"] = (tr if tagged[0] else None, va if tagged[1] else None)
        return out

    def _fill_summary(self) -> None:
        ds = self.dataset
        rows = self.class_counts()
        self.counts.setRowCount(len(rows) + (1 if ds else 0))
        for r, (key, (tr, va)) in enumerate(rows.items()):
            if "/" in key:
                tag = key.split("/", 1)[1]
                desc = self.tag_description(tag)
                text = f"    {tag}" + (f" ({desc})" if desc else "")
            else:
                text = self.class_display(key)
            self._set_row(r, text, tr, va, bold="/" not in key)
        if ds:
            self._set_row(len(rows), self.tr("Total"), len(ds.train), len(ds.val), bold=True)
            layout = self.tr("PALM (labels from file names and the label file)") if ds.layout == "palm" \
                else self.tr("one folder per class")
            self.source_label.setText(self.tr("Layout: {0}\nValidation: {1}").format(layout, ds.val_source))
        else:
            self.source_label.setText("")
        self.problems.clear()
        self.tabs.setTabText(1, self.tr("Problems"))
        if ds:
            self._add_problems(ds.problems + self._unreadable)
        self.tabs.setTabText(0, self.tr("Counts"))
        self._update_check_label()

    def _add_problems(self, problems) -> None:
        from .reasons import error_text

        for p in problems:
            problem = error_text(p.problem)  # an unreadable image's reason in the current language
            item = QTreeWidgetItem([Path(p.path).name, problem])
            item.setToolTip(0, p.path)
            item.setToolTip(1, problem)
            self.problems.addTopLevelItem(item)
        self.tabs.setTabText(1, self.tr("Problems ({0})").format(self.problems.topLevelItemCount()))

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
        job = ThreadJob(lambda job: check_images(paths, job), self, name="pmscreen-check-images")
        job.progress.connect(lambda msg, job=job: self._checked_some(job, msg))
        job.finished.connect(lambda job=job: self._check_finished(job))
        self._check = job.start()
        self._update_check_label()

    @property
    def checking(self) -> bool:
        """True until the check's last report has reached the UI."""
        return self._check is not None

    def _cancel_check(self) -> None:
        if self._check is not None:
            self._check.cancel()
            self._check = None

    def _checked_some(self, job: ThreadJob, msg) -> None:
        if job is not self._check:
            return
        done, problems = msg
        self._checked = (done, self._checked[1])
        if problems:
            self._unreadable += problems
            self._add_problems(problems)
        self._update_check_label()

    def _check_finished(self, job: ThreadJob) -> None:
        if job is self._check:
            self._check = None
            self._update_check_label()

    def _update_check_label(self) -> None:
        done, total = self._checked
        if self.dataset is None:
            text = ""
        elif self.checking:
            text = self.tr("Checking that every image can be read: {0} of {1}…").format(done, total)
        elif done >= total:
            text = self.tr("All {0} images decoded: {1} unreadable.").format(total, len(self._unreadable))
        else:
            text = self.tr("Images are checked when shown; check all {0} to find unreadable files.").format(total)
        self.check_label.setText(text)
        self.check_button.setText(self.tr("Check all images"))
        self.check_button.setVisible(self.dataset is not None and not self.checking and done < total)

    def _set_row(self, r: int, text: str, tr: int | None, va: int | None, bold: bool) -> None:
        for c, val in enumerate((text, *("–" if n is None else str(n) for n in (tr, va)))):
            item = QTableWidgetItem(val)
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            f = item.font()
            f.setBold(bold)
            item.setFont(f)
            self.counts.setItem(r, c, item)

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
        self.info_fields["split"].setText(self.split_display(it.split))
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
        check, job = self._check, self._job
        self._cancel_check()
        if check is not None:
            check.wait(5.0)
        if job is not None:
            job.cancel()
            job.wait(5.0)
        self.loader.shutdown()
        self.preview_loader.shutdown()
