"""The main window: a sidebar with the Dataset, Training and Diagnosis views, menus with shortcuts, a status bar
with the compute device and the active model, drag and drop, and settings remembered between sessions.

Only the Dataset view is built before the window shows; the views that need Paddle are built once a
background thread has imported it, so the window appears without waiting for the deep-learning engine.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from . import i18n, settings, tasks
from .dataset import DatasetView
from .resources import icon
from .widgets import is_language_change, local_paths

DATASET, TRAINING, DIAGNOSIS = range(3)


def _warm_up_engine(done: threading.Event) -> str:
    """Import Paddle and the engine modules that need it, and find the compute device (worker thread); ``done``
    is set however it ends, so closing the window can wait for an import half-way (it must not be torn down)."""
    try:
        return _import_engine()
    finally:
        done.set()


def _import_engine() -> str:
    import core.nn._paddle  # noqa: F401  (quiet import first)
    import core.nn.models  # noqa: F401
    import core.screening.inference  # noqa: F401
    import core.training.trainer  # noqa: F401
    from core.nn.runtime import resolve_device

    return resolve_device("auto")


class MainWindow(QMainWindow):
    engineReady = Signal(str)  # the device

    def __init__(self, parent: QWidget | None = None, warm_up: bool = True):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setWindowIcon(icon("app"))
        self.device: str | None = None
        self._training_view = None
        self._diagnosis_view = None
        self._closing = False
        self._engine_done: threading.Event | None = None

        self.sidebar = QListWidget()
        self.sidebar.setViewMode(QListWidget.ViewMode.IconMode)
        self.sidebar.setFlow(QListWidget.Flow.TopToBottom)
        self.sidebar.setMovement(QListWidget.Movement.Static)
        self.sidebar.setIconSize(QSize(36, 36))
        self.sidebar.setGridSize(QSize(104, 76))
        self.sidebar.setFixedWidth(110)
        self.sidebar.setSpacing(4)
        self.sidebar.setWordWrap(True)
        # Tab reaches it with a visible frame (keyboard users saw no focus, then Up switched views unseen); a click
        # does not take focus, so the frame is the keyboard's alone
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.sidebar.setStyleSheet("QListWidget { background: palette(window); border: 2px solid transparent; "
                                   "border-radius: 6px; }"
                                   "QListWidget:focus { border-color: palette(highlight); }"
                                   "QListWidget::item { border-radius: 6px; padding: 4px; }"
                                   "QListWidget::item:selected { background: palette(highlight);"
                                   " color: palette(highlighted-text); }")
        for name in ("dataset", "training", "diagnosis"):
            QListWidgetItem(icon(name), "", self.sidebar)

        self.stack = QStackedWidget()
        self.dataset_view = DatasetView()
        self.stack.addWidget(self.dataset_view)
        self._placeholders = [QLabel(), QLabel()]
        for p in self._placeholders:
            p.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stack.addWidget(p)
        self.sidebar.currentRowChanged.connect(self._page_changed)

        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.sidebar)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        # The window never grows by itself: a long text inside must wrap or elide, not push the window (and its
        # Export button and status bar) past the screen. Its size is the user's (or the saved one).
        self.layout().setSizeConstraint(self.layout().SizeConstraint.SetNoConstraint)

        self.device_label = QLabel()
        self.model_status = QLabel()
        for w in (self.model_status, self.device_label):
            w.setContentsMargins(8, 0, 8, 0)
            w.setStyleSheet("border-left: 1px solid palette(mid);")
            self.statusBar().addPermanentWidget(w)
        self._model_name = ""
        self._message = None
        # a message longer than the bar is cut at its right edge: the whole text is its tooltip while it shows
        # (through a lambda: connected to the bound C++ method, PySide printed "Cannot add dynamic method
        # setToolTip(QString)" at every start)
        self.statusBar().messageChanged.connect(lambda text: self.statusBar().setToolTip(text))
        self.dataset_view.statusMessage.connect(self.show_message)
        self.dataset_view.datasetOpened.connect(self._dataset_opened)

        self._build_menus()
        self.retranslate()
        self._restore()
        if warm_up:
            self._engine_done = threading.Event()
            tasks.start(_warm_up_engine, self._engine_done, returned=self._engine_ready,
                        errored=lambda exc: self.show_message(lambda: self.tr("Engine error: {0}").format(exc)))

    def _label_start(self, mode: str | None = None) -> None:
        """The menu's Start says what the Training view's button says: a training run or a cross-validation."""
        if mode is None and self._training_view is not None:
            mode = self._training_view.form.mode
        self.act_start.setText(self.tr("Start &cross-validation") if mode == "cv" else self.tr("&Start training"))

    # ---------------------------------------------------------------- views that need Paddle
    @property
    def training_view(self):
        if self._training_view is None:
            from .training import TrainingView

            view = TrainingView()
            view.statusMessage.connect(self.show_message)
            view.runningChanged.connect(self._training_running)
            view.runFinished.connect(self._run_finished)
            view.useForDiagnosis.connect(self.use_model)
            view.form.modeChanged.connect(self._label_start)
            view.set_dataset(self.dataset_view.dataset)
            if self.device is not None:
                view.set_gpu_available(self.device.startswith("gpu"))
            self._replace_page(TRAINING, view)
            self._training_view = view
            self._label_start()  # a cross-validation restored from the settings is no signal's news
        return self._training_view

    @property
    def diagnosis_view(self):
        if self._diagnosis_view is None:
            from .diagnosis import DiagnosisView

            view = DiagnosisView()
            view.statusMessage.connect(self.show_message)
            view.modelChanged.connect(self._model_changed)
            view.trainRequested.connect(lambda: self.show_page(TRAINING))
            self._replace_page(DIAGNOSIS, view)
            self._diagnosis_view = view
            self._model_changed(view.model_name())
        return self._diagnosis_view

    def _replace_page(self, index: int, widget: QWidget) -> None:
        old = self.stack.widget(index)
        current = self.stack.currentIndex()
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(old)
        if old in self._placeholders:
            self._placeholders.remove(old)
        old.deleteLater()
        self.stack.setCurrentIndex(current)

    def ensure_views(self) -> None:
        self.training_view  # noqa: B018  (builds it)
        self.diagnosis_view  # noqa: B018

    def _engine_ready(self, device: str) -> None:
        self.device = device
        self._update_device_label()
        self.ensure_views()
        self.training_view.set_gpu_available(device.startswith("gpu"))
        self.engineReady.emit(device)

    # ---------------------------------------------------------------- menus
    def _build_menus(self) -> None:
        def action(icon_name, slot, shortcut=None) -> QAction:
            a = QAction(icon(icon_name) if icon_name else QIcon(), "", self)
            if shortcut is not None:
                a.setShortcut(shortcut)
            a.triggered.connect(slot)
            return a

        self.act_open_dataset = action("open-folder", self._choose_dataset, QKeySequence.StandardKey.Open)
        self.act_open_images = action("open-images", lambda: self._with_view(DIAGNOSIS, "choose_images"),
                                      QKeySequence("Ctrl+I"))
        self.act_open_image_folder = action("open-folder", lambda: self._with_view(DIAGNOSIS, "choose_image_folder"),
                                            QKeySequence("Ctrl+Shift+I"))
        self.act_open_model = action("model", lambda: self._with_view(DIAGNOSIS, "choose_model_folder"),
                                     QKeySequence("Ctrl+M"))
        self.act_export = action("export", lambda: self._with_view(DIAGNOSIS, "choose_export"), QKeySequence("Ctrl+E"))
        self.act_export_runs = action("table", self.export_runs, QKeySequence("Ctrl+Shift+E"))
        self.act_export_audit = action("audit", lambda: self.diagnosis_view.choose_audit_export())
        # Some platforms (offscreen, bare X11 window managers) bind no key to the standard Quit: Ctrl+Q then.
        self.act_quit = action(None, self.close, QKeySequence.StandardKey.Quit
                               if QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) else QKeySequence("Ctrl+Q"))
        self.act_views = [action(name, lambda _=False, i=i: self.show_page(i), QKeySequence(f"Ctrl+{i + 1}"))
                          for i, name in enumerate(("dataset", "training", "diagnosis"))]
        self.act_start = action("start", lambda: self._with_view(TRAINING, "start"), QKeySequence("F5"))
        self.act_stop = action("stop", lambda: self._with_view(TRAINING, "stop"), QKeySequence("Shift+F5"))
        self.act_about = action("app", self.about)

        self.menu_file = self.menuBar().addMenu("")
        for a in (self.act_open_dataset, self.act_open_images, self.act_open_image_folder, self.act_open_model, None,
                  self.act_export, self.act_export_runs, self.act_export_audit, None, self.act_quit):
            self.menu_file.addSeparator() if a is None else self.menu_file.addAction(a)
        self.menu_view = self.menuBar().addMenu("")
        for a in self.act_views:
            self.menu_view.addAction(a)
        self.menu_training = self.menuBar().addMenu("")
        self.menu_training.addAction(self.act_start)
        self.menu_training.addAction(self.act_stop)
        self.menu_language = self.menuBar().addMenu("")
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code in (i18n.SYSTEM, *i18n.LANGUAGES):
            a = QAction(i18n.LANGUAGES.get(code, ""), self, checkable=True)
            a.triggered.connect(lambda _=False, c=code: self.set_language(c))
            group.addAction(a)
            self.menu_language.addAction(a)
            self.language_actions[code] = a
        self.language_actions[i18n.chosen_language()].setChecked(True)
        self.menu_help = self.menuBar().addMenu("")
        self.menu_help.addAction(self.act_about)

    def retranslate(self) -> None:
        # Qt adds the application's display name ("PM Screen") to the title shown: "Pathologic myopia
        # screening — PM Screen"
        self.setWindowTitle(self.tr("Pathologic myopia screening"))
        for i, text in enumerate((self.tr("Dataset"), self.tr("Training"), self.tr("Diagnosis"))):
            self.sidebar.item(i).setText(text)
            self.act_views[i].setText(text)
        for p in self._placeholders:
            p.setText(self.tr("Loading the deep-learning engine…"))
        self.menu_file.setTitle(self.tr("&File"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_training.setTitle(self.tr("&Training"))
        self.menu_language.setTitle(self.tr("&Language"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.act_open_dataset.setText(self.tr("Open &data set…"))
        self.act_open_images.setText(self.tr("Open &images for diagnosis…"))
        self.act_open_image_folder.setText(self.tr("Open a f&older of images for diagnosis…"))
        self.act_open_model.setText(self.tr("Open &model folder…"))
        self.act_export.setText(self.tr("&Export diagnosis results…"))
        self.act_export_runs.setText(self.tr("Export &runs table…"))
        self.act_export_audit.setText(self.tr("Export the &audit log…"))
        self.act_export_audit.setToolTip(self.tr("Every verdict given on this computer, as a CSV file"))
        self.act_quit.setText(self.tr("&Quit"))
        self._label_start()
        self.act_stop.setText(self.tr("S&top training"))
        self.act_about.setText(self.tr("&About PM Screen"))
        self.language_actions[i18n.SYSTEM].setText(self.tr("System default"))
        self._update_device_label()
        self._update_model_label()
        self._retranslate_message()

    def changeEvent(self, event) -> None:
        if is_language_change(event):
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, code: str) -> str:
        """Switch the language now (SYSTEM follows the locale) and remember the choice."""
        lang = i18n.apply_language(code, remember=True)
        if code in self.language_actions:
            self.language_actions[code].setChecked(True)
        return lang

    # ---------------------------------------------------------------- pages
    def show_page(self, index: int) -> None:
        self.sidebar.setCurrentRow(index)

    def _page_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)

    def _with_view(self, index: int, method: str):
        view = self.training_view if index == TRAINING else self.diagnosis_view
        self.show_page(index)
        return getattr(view, method)()

    def _choose_dataset(self) -> None:
        self.show_page(DATASET)
        self.dataset_view.choose_folder()

    def use_model(self, folder: str) -> None:
        if self.diagnosis_view.select_model(folder):
            self.show_page(DIAGNOSIS)

    # ---------------------------------------------------------------- status bar
    def show_message(self, text) -> None:
        """Show a status message for 8 s; ``text`` may be a function giving it in the current language, which
        is then called again when the language changes while the message shows."""
        self._message = text if callable(text) else None
        self.statusBar().showMessage(text() if callable(text) else str(text), 8000)

    def _retranslate_message(self) -> None:
        if self._message is not None and self.statusBar().currentMessage():
            self.statusBar().showMessage(self._message(), 8000)

    def _update_device_label(self) -> None:
        if self.device is None:
            self.device_label.setText(self.tr("Device: …"))
        else:
            gpu = self.device.startswith("gpu")
            kind = self.tr("GPU") + f" ({self.device})" if gpu else self.tr("CPU")
            self.device_label.setText(self.tr("Device: {0}").format(kind))

    def _model_changed(self, name: str) -> None:
        self._model_name = name
        self._update_model_label()

    def _update_model_label(self) -> None:
        if self._diagnosis_view is None:  # the engine is still being imported: the model is not known yet
            self.model_status.setText(self.tr("Model: loading…"))
        else:
            self.model_status.setText(self.tr("Model: {0}").format(self._model_name) if self._model_name
                                      else self.tr("Model: none"))

    def _dataset_opened(self, dataset) -> None:
        if self._training_view is not None:
            self._training_view.set_dataset(dataset)

    def _training_running(self, running: bool) -> None:
        self.act_start.setEnabled(not running)
        self.act_stop.setEnabled(running)

    def _run_finished(self, folder: str) -> None:
        if self._diagnosis_view is not None:
            self._diagnosis_view.refresh_models()
        if self._closing:
            self.close()

    def export_runs(self) -> None:
        start = str(Path(settings.last_folder("export")) / "pm-screen-runs.csv")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export runs table"), start, self.tr("CSV files (*.csv)"))
        if path:
            settings.remember_folder("export", path)
            try:
                self.training_view.runs_table.runs.export_csv(path)
            except OSError as exc:
                QMessageBox.warning(self, self.tr("Export runs table"), self.tr(
                    "The runs table could not be saved to {0}: {1}").format(path, exc.strerror or exc))
                return
            self.show_message(lambda: self.tr("Saved the runs table to {0}").format(path))

    def about(self) -> None:
        from core import __version__

        QMessageBox.about(self, self.tr("About PM Screen"), self.tr(
            "<b>PM Screen {0}</b><p>Screens colour fundus photographs for pathologic myopia and trains and "
            "compares ResNet O/B/C/D models on PALM / iChallenge-PM data.</p><p>A research tool, not a medical "
            "device: every result needs an ophthalmologist's judgement.</p>").format(__version__))

    # ---------------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = local_paths(event.mimeData())
        if not paths:
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    def open_paths(self, paths: list[Path]) -> None:
        """A single folder opens as a data set (unless the Diagnosis view is showing); images are diagnosed."""
        if len(paths) == 1 and paths[0].is_dir() and self.stack.currentIndex() != DIAGNOSIS:
            self.show_page(DATASET)
            self.dataset_view.open_folder(paths[0])
        else:
            self.show_page(DIAGNOSIS)
            self.diagnosis_view.diagnose(paths)

    # ---------------------------------------------------------------- settings and closing
    def _restore(self) -> None:
        s = settings.settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:  # the first start: 1280 x 800, or the screen's free area when that is smaller
            free = self.screen().availableGeometry()
            self.resize(min(1280, free.width()), min(800, free.height()))
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        # the view last shown; at the first start Diagnosis, where a clinician drops photographs
        page = settings.value("window/page", DIAGNOSIS, int)
        self.show_page(page if page in (DATASET, TRAINING, DIAGNOSIS) else DIAGNOSIS)
        root = settings.value("dataset/root", "", str)
        if root and Path(root).is_dir() and settings.value("dataset/reopen", True, bool):
            self.dataset_view.open_folder(root)

    def save_settings(self) -> None:
        s = settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/page", self.stack.currentIndex())
        if self._training_view is not None:  # the user's own settings, also while a resumed run shows its recipe
            self._training_view.save_settings()
        s.sync()

    def closeEvent(self, event) -> None:
        """Closing during training stops it first (the best model so far is kept); the window closes when the
        training thread has ended, without blocking the UI meanwhile."""
        if self._training_view is not None and self._training_view.running:
            if not self._closing:
                self.save_settings()
                self._closing = True
                self._training_view.shutdown()
                self.show_message(lambda: self.tr("Stopping the training run before closing…"))
            event.ignore()
            return
        if not self._closing:
            self.save_settings()
        self._closing = True
        if self._diagnosis_view is not None:
            self._diagnosis_view.shutdown()
        self.dataset_view.shutdown()
        if self._engine_done is not None:
            self._engine_done.wait(10.0)
        event.accept()
