"""The Diagnosis view: drop or open fundus images (or folders of thousands) and get each one's PM probability
and verdict from a model of the library.

The view wires its parts: the model picker (model_picker.py), the results pane (table.py over results.py), the
detail panel (detail.py), the exports (export.py), the progress strip (progress.py) and the batches (batch.py:
a core.screening.session.BatchSession run on superqt workers), which it observes. Inference runs in a child
process (core.screening.engine_process); results stream into the table in chunks, with a progress bar,
throughput and ETA. Cancel stops the batch within one network call.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.images.imageio import IMAGE_SUFFIXES
from core.screening.engine_process import ModelLoadError
from core.screening.session import Row
from core.screening.verdicts import category

from .. import settings, tasks
from ..resources import icon
from ..widgets import is_language_change, local_paths, plural
from .batch import BatchRunner
from .detail import DetailPanel
from .export import Exporter
from .model_card import ModelCardDialog
from .model_picker import ModelPicker, NoModelBanner, ResearchModelNote
from .operating_point import OperatingPointDialog
from .progress import ProgressStrip
from .table import ResultsPane

IMAGE_FILTER = " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES)
OPACITY_STEP = 10  # percent per opacity shortcut
# Keyboard shortcuts of the view (shown in the tooltips); Export is the window's Ctrl+E.
SHORTCUTS = {"heatmap": "Ctrl+H", "more_opacity": "Ctrl+]", "less_opacity": "Ctrl+[", "clear": "Ctrl+Shift+Delete"}


def key_text(shortcut: str) -> str:
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


class DiagnosisView(QWidget):
    modelChanged = Signal(str)  # the active model's name ("" when none)
    statusMessage = Signal(object)  # text, or a function giving it in the current language
    trainRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.batch = BatchRunner(self)
        self.batch.started.connect(self._batch_started)
        self.batch.changed.connect(self._batch_changed)
        self.batch.arrived.connect(self._arrived)
        self.batch.ended.connect(self._batch_ended)
        self.batch.modelLoaded.connect(self.modelChanged)
        self.batch.modelFailed.connect(self._model_failed)
        self._model_error = ""  # the model in use cannot be used (its engine failed to start)
        self._open_error = ""  # a folder the user opened is no usable model (the model in use stays)
        self._confirm_box: QMessageBox | None = None
        self.exporter = Exporter(self)
        self.exporter.changed.connect(self._export_changed)
        self.exporter.status.connect(self._status)

        self.picker = ModelPicker(self)
        self.picker.chosen.connect(self._model_selected)
        self.picker.openRequested.connect(self.choose_model_folder)
        self.picker.changeThresholdRequested.connect(self.change_operating_point)
        self.picker.cardRequested.connect(self.show_model_card)
        self._card: ModelCardDialog | None = None
        self._changing_threshold = False
        self.open_button = QPushButton(icon("open-images"), "")
        self.open_button.clicked.connect(self.choose_images)
        self.clear_button = QPushButton(icon("clear"), "")
        self.clear_button.clicked.connect(self.confirm_clear)
        self.export_button = QPushButton(icon("export"), "")
        self.export_button.clicked.connect(self.choose_export)
        top = QHBoxLayout()
        self.picker.add_to(top)
        top.addStretch(1)
        for w in (self.open_button, self.clear_button, self.export_button):
            top.addWidget(w)
        self.top_bar = top
        self._button_texts: dict[QPushButton, str] = {}  # the top bar's buttons' words, shown when they fit
        self.no_model = NoModelBanner()
        self.no_model.train_button.clicked.connect(self.trainRequested)
        self.no_model.open_button.clicked.connect(self.choose_model_folder)
        self.research_note = ResearchModelNote()

        self.pages = ResultsPane()
        self.pages.rowChanged.connect(self._row_changed)
        self.detail = DetailPanel()
        self.detail.file_label = self.pages.results.file_label
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([720, 430])

        self.strip = ProgressStrip(self)
        self.strip.cancel_button.clicked.connect(self.cancel)
        bottom = QHBoxLayout()
        self.strip.add_to(bottom)

        self.act_heatmap = self._action(SHORTCUTS["heatmap"], self.heatmap_check.toggle)
        self.act_more_opacity = self._action(SHORTCUTS["more_opacity"],
                                             lambda: self.detail.step_opacity(+OPACITY_STEP))
        self.act_less_opacity = self._action(SHORTCUTS["less_opacity"],
                                             lambda: self.detail.step_opacity(-OPACITY_STEP))
        self.act_clear = self._action(SHORTCUTS["clear"], self.confirm_clear)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.no_model)
        lay.addWidget(self.research_note)
        lay.addWidget(self.splitter, 1)
        lay.addLayout(bottom)
        self.refresh_models()
        self.retranslate()

    session = property(lambda self: self.batch.session)

    def _batch_changed(self) -> None:
        self._update_buttons()
        self.update_progress()

    # The parts' widgets, by the names the tests, the walkthroughs and the screenshots use.
    results = property(lambda self: self.pages.results)
    proxy = property(lambda self: self.pages.proxy)
    table = property(lambda self: self.pages.table)
    filter_combo = property(lambda self: self.pages.filter_combo)
    shown_label = property(lambda self: self.pages.shown_label)
    drop_hint = property(lambda self: self.pages.drop_hint)
    model_combo = property(lambda self: self.picker.model_combo)
    threshold_label = property(lambda self: self.picker.threshold_label)
    no_model_label = property(lambda self: self.no_model.no_model_label)
    train_button = property(lambda self: self.no_model.train_button)
    heatmaps = property(lambda self: self.detail.heatmaps)
    heatmap_check = property(lambda self: self.detail.heatmap_check)
    opacity = property(lambda self: self.detail.opacity)
    opacity_value = property(lambda self: self.detail.opacity_value)
    image = property(lambda self: self.detail.image)
    heat_note = property(lambda self: self.detail.heat_note)
    verdict = property(lambda self: self.detail.verdict)
    probability = property(lambda self: self.detail.probability)
    detail_model = property(lambda self: self.detail.detail_model)
    detail_file = property(lambda self: self.detail.detail_file)
    dicom_box = property(lambda self: self.detail.dicom_box)
    progress = property(lambda self: self.strip.progress)
    progress_label = property(lambda self: self.strip.progress_label)
    cancel_button = property(lambda self: self.strip.cancel_button)

    # ---------------------------------------------------------------- texts
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_top_bar()

    def _fit_top_bar(self) -> None:
        """In a window too narrow for the top bar with its words (1024 px), its buttons show their icons alone
        (their tooltips say what they do): squeezed, they cut the operating point to "PM when probability"."""
        for button, text in self._button_texts.items():
            button.setText(text)
        # a nested layout keeps its size hint until told its contents changed: measured without this, right after
        # the texts changed (at start-up no event runs between), it gave the icons-only width and the bar kept
        # its words at 1024 px, cutting the threshold
        self.top_bar.invalidate()
        margins = self.layout().contentsMargins() if self.layout() is not None else None
        room = self.width() - (margins.left() + margins.right() if margins is not None else 0)
        if self.top_bar.sizeHint().width() > room:
            for button in self._button_texts:
                button.setText("")

    def retranslate(self) -> None:
        self.picker.retranslate()
        self.no_model.retranslate()
        self.research_note.retranslate()
        self.open_button.setText(self.tr("Open images…"))
        self.clear_button.setText(self.tr("Clear"))
        self.clear_button.setToolTip(self.tr("Remove all results from the table ({0})").format(
            key_text(SHORTCUTS["clear"])))
        self.export_button.setText(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("Save the results as an Excel workbook (.xlsx), a CSV file or a "
                                              "PDF report with each image and its heatmap ({0})").format(
            key_text("Ctrl+E")))
        self.open_button.setToolTip(self.tr("Choose fundus photographs to diagnose ({0})").format(key_text("Ctrl+I")))
        self.act_heatmap.setText(self.tr("Heatmap"))
        self.act_more_opacity.setText(self.tr("More heatmap opacity"))
        self.act_less_opacity.setText(self.tr("Less heatmap opacity"))
        self.act_clear.setText(self.tr("Clear results…"))
        self.pages.retranslate(self.tr("Drop fundus photographs here") + "\n\n" + self.tr(
            "JPEG, PNG, TIFF, BMP or DICOM files, or a folder of them — or use Open images… ({0})").format(
            key_text("Ctrl+I")))
        self.strip.retranslate()
        self._button_texts = {b: b.text() for b in (self.picker.open_model_button, self.open_button,
                                                       self.clear_button, self.export_button)}
        self._fit_top_bar()
        self._update_no_model()
        self.update_progress()
        self.detail.retranslate(key_text(SHORTCUTS["heatmap"]), key_text(SHORTCUTS["more_opacity"]),
                                key_text(SHORTCUTS["less_opacity"]))
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

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.warm_up()  # the user is about to drop or pick files: have the model ready by then

    def _status(self, make) -> None:
        """Show ``make()`` in the status bar; it is called again when the language changes."""
        self.statusMessage.emit(make)

    # ---------------------------------------------------------------- the model
    def refresh_models(self, select: str | Path | None = None) -> None:
        """Fill the picker from the model library (bundled model first) plus folders opened by hand."""
        self.picker.refresh(select or self.model_dir() or settings.value("diagnosis/model", "", str))
        self._update_buttons()
        self._model_selected()

    def model_dir(self) -> Path | None:
        return self.picker.model_dir()

    def model_name(self) -> str:
        return self.picker.model_name()

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
            # about the folder given, not the model in use: that one goes on deciding, with its research note
            problem = self._open_error = str(exc)
            self._update_no_model()
            self._status(lambda: self.tr("Cannot use this model: {0}").format(problem))
            return False
        self.picker.add_folder(folder, meta)
        self._model_error = self._open_error = ""
        self.refresh_models(select=folder)
        return self.model_dir() == folder  # False when the user kept the table's model

    def choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open model folder"), settings.last_folder("model"))
        if folder:
            settings.remember_folder("model", Path(folder).parent)
            self.select_model(folder)

    def _model_selected(self) -> None:
        d = self.model_dir()
        results_model = self.results.rows[0].model.model_dir if self.results.rows else None
        if results_model is not None and results_model != d and not self.busy:
            # A table (and a report) holds the results of one model: another model starts a new table.
            if not self._ask("confirmModel", self.tr("Use another model"),
                             self.tr("Use {0}? The {1} results in the table, from another model, are removed.")
                             .format(self.model_name(), self.results.rowCount()),
                             self.tr("They stay in the audit log; export them first if you need a report."),
                             self.tr("Use this model")):
                self.picker.select_quietly(results_model)  # keep the model of the table
                return
            self.clear()
            self._status(lambda: self.tr("Results cleared: another model was chosen"))
        if d is not None:
            settings.set_value("diagnosis/model", str(d))
            self._model_error = self._open_error = ""
        engine = self.session.engine
        if engine is not None and engine.model_dir != d and not self.busy and not self.exporting:
            self._retire_engine()  # its child process is not needed any more
        self._update_no_model()
        self.picker.update_threshold()
        self._fit_top_bar()  # the threshold's text (and the model's name) changed the room the bar needs
        self.update_progress()
        self.modelChanged.emit(self.model_name())
        if self.isVisible():
            self.warm_up()

    def _update_no_model(self) -> None:
        self.no_model.show_state(self.model_dir(), self._model_error, self._open_error, self.model_name())
        self.research_note.show_for(None if self._model_error else self.picker.meta())

    def _retire_engine(self) -> None:
        self.batch.retire_engine()

    def warm_up(self):
        """Start the chosen model's engine in the background, so that the first batch does not wait for it; the
        progress label says what it is doing."""
        d = self.model_dir()
        if d is None or self.exporting or self._model_error:
            return None
        return self.batch.warm_up(d)

    def show_model_card(self) -> ModelCardDialog | None:
        """The chosen model's card, in a dialog that does not block the window (a batch may go on)."""
        d, meta = self.model_dir(), self.picker.meta()
        if d is None or meta is None:
            return None
        shown = self._card
        if shown is not None and shown.isVisible() and shown.meta == meta:  # one card per model: brought forward
            shown.raise_()
            shown.activateWindow()
            return shown
        if shown is not None:
            shown.close()
        self._card = dialog = ModelCardDialog(d, meta, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.destroyed.connect(lambda *_: setattr(self, "_card", None) if self._card is dialog else None)
        dialog.show()
        return dialog

    def change_operating_point(self) -> OperatingPointDialog | None:
        """Open the operating point dialog for the chosen model (not while a batch or an export runs); the change
        itself runs off the UI thread (it verifies the weights and re-seals the folder)."""
        d, meta = self.model_dir(), self.picker.meta()
        if d is None or meta is None or self.busy or self.exporting or self._changing_threshold:
            return None
        dialog = OperatingPointDialog(meta, self.picker.is_bundled(), self.results.rowCount(), self)
        dialog.accepted.connect(lambda: self._apply_operating_point(d, dialog.threshold(), dialog.note()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _apply_operating_point(self, folder: Path, threshold: float, note: str) -> None:
        from core.store.library import change_threshold

        self._changing_threshold = True
        self._update_buttons()
        self._status(lambda: self.tr("Changing the operating point of {0}…").format(folder.name))
        copy = self.picker.is_bundled()
        tasks.start(change_threshold, folder, threshold, note, copy,
                    returned=lambda changed: self._operating_point_changed(changed, copy),
                    errored=self._operating_point_failed, finished=self._operating_point_done)

    def _operating_point_changed(self, changed: tuple[Path, dict], copy: bool = False) -> None:
        folder, meta = changed
        self.clear()  # its verdicts were judged at the old threshold (the audit log keeps them)
        self._retire_engine()  # the engine holds the old threshold
        if self.picker.model_combo.findData(str(folder)) >= 0:
            self.picker.add_folder(folder, meta)  # a folder opened by hand is not re-read by refresh
        self.refresh_models(select=folder)
        threshold = float(meta["threshold"])
        if copy:  # the copy has the bundled model's name: say which one changed
            self._status(lambda: self.tr("A copy of {0} in your model library ({1}) now says PM from {2:.1%} "
                                         "(recorded in its model card); the bundled model is unchanged").format(
                self.model_name(), folder.name, threshold))
            return
        self._status(lambda: self.tr("{0} now says PM from {1:.1%} (recorded in its model card)").format(
            self.model_name(), threshold))

    def _operating_point_failed(self, exc: BaseException) -> None:
        problem = str(exc)
        self._status(lambda: self.tr("The operating point was not changed: {0}").format(problem))

    def _operating_point_done(self) -> None:
        self._changing_threshold = False
        self._update_buttons()

    def _model_failed(self, problem: str) -> None:
        self._model_error = problem
        self._update_no_model()

    @property
    def model_ready(self) -> bool:
        """True once the chosen model's engine has started (warm-up or a batch)."""
        return self.session.stage == "ready"

    # ---------------------------------------------------------------- diagnosing
    def choose_images(self) -> None:
        self.warm_up()
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Open fundus images"), settings.last_folder("images"),
                                                self.tr("Images ({0})").format(IMAGE_FILTER) + ";;" +
                                                self.tr("DICOM files (*.dcm *.dicom)") + ";;" +
                                                self.tr("All files (*)"))
        if files:
            settings.remember_folder("images", files[0])
            self.diagnose(files)

    def choose_image_folder(self) -> None:
        """A whole folder of photographs (as a clinic's export is), like a folder dropped on the table."""
        self.warm_up()
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a folder of fundus images"),
                                                  settings.last_folder("images"))
        if folder:
            settings.remember_folder("images", folder)
            self.diagnose([folder])

    @property
    def busy(self) -> bool:
        """True while images are being diagnosed (until the worker thread has ended and every result has reached
        the table)."""
        return self.batch.busy

    @property
    def exporting(self) -> bool:
        return self.exporter.running

    def diagnose(self, paths) -> bool:
        """Queue files and folders for diagnosis; results arrive on the table. False when there is no model."""
        paths = [Path(p) for p in paths]
        if not paths:
            return False
        if self.model_dir() is None:
            self._update_no_model()
            self._status(lambda: self.tr("No model to diagnose with"))
            return False
        self.batch.diagnose(paths, self.model_dir())
        return True

    def _batch_started(self) -> None:
        name = self.model_name()
        self._status(lambda: self.tr("Diagnosing with {0}…").format(name))
        self.pages.show_results(True)

    def _arrived(self, rows: list[Row]) -> None:
        self.pages.append(rows)
        self._update_buttons()

    def _batch_ended(self, outcome) -> None:
        n = self.results.rowCount()
        done, total, failure = outcome.done, outcome.total, outcome.failure
        if isinstance(failure, ModelLoadError):
            self._status(lambda: self.tr("Diagnosis failed: {0}").format(failure))
        elif failure is not None:
            self._status(lambda: self.tr("Diagnosis stopped after {0} of {1} images: {2}").format(done, total,
                                                                                                failure))
        elif outcome.cancelled:
            self._status(lambda: self.tr("Diagnosis cancelled after {0} of {1} images").format(done, total))
        else:  # this batch's files (the table may hold earlier batches' too)
            kinds = Counter(category(r.pred) for r in self.results.rows[n - done:n]) if done else Counter()
            judged = kinds["pm"] + kinds["not_pm"]
            self._status(lambda: self.tr("Diagnosed {0}: {1} judged, {2} ungradable, {3} could not be read").format(
                plural(done, self.tr("1 image"), self.tr("{0} images")), judged, kinds["ungradable"],
                kinds["error"]))
        if n == 0:
            self.pages.show_results(False)

    # ---------------------------------------------------------------- progress and buttons
    def update_progress(self) -> None:
        if self.exporting:
            path, (done, total) = self.exporter.path, self.exporter.progress
            self.strip.show_export(path.name if path else "", done, total)
        else:
            self.strip.show_session(self.session, self.busy, self.results.counts)

    def _update_buttons(self) -> None:
        active = self.busy or self.exporting
        self.strip.show_buttons(active, self.session.cancelling)
        self.export_button.setEnabled(not active and self.results.rowCount() > 0)
        self.clear_button.setEnabled(not self.exporting)
        self.picker.set_enabled(not active and not self._changing_threshold)

    # ---------------------------------------------------------------- questions, clear, cancel
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
                                 self.results.rowCount() + self.session.arrived),
                             self.tr("They stay in the audit log. A batch that is running is cancelled."),
                             self.tr("Clear")):
                return False
        self.clear()
        return True

    def clear(self) -> None:
        """Remove every result (no question asked: the Clear button asks first, see ``confirm_clear``)."""
        if self.exporting:
            return
        self.batch.drop()  # a running batch is cancelled; its last results are dropped
        self.results.clear()
        self.pages.set_filter("all")  # a fresh table: a filter left on would hide most of the next batch
        self.detail.forget()
        self.pages.show_results(False)
        self.pages.update_filter_texts()
        self._update_buttons()
        self._show_detail()
        self.update_progress()
        self.statusMessage.emit("")  # a message about the cleared results would be stale

    def cancel(self) -> None:
        """Stop the batch (or the export) after the images being processed; results so far stay."""
        self.exporter.cancel()
        self.batch.cancel()
        self._update_buttons()
        self.update_progress()

    # ---------------------------------------------------------------- filter and detail
    def set_filter(self, mode: str) -> None:
        """Show all rows, or only PM ("pm"), not PM ("not_pm"), ungradable ("ungradable") or unreadable
        ("error") ones."""
        self.pages.set_filter(mode)

    def current_row(self) -> Row | None:
        return self.pages.current_row()

    def _row_changed(self) -> None:
        self._update_buttons()
        self._show_detail()

    def _show_detail(self) -> None:
        self.detail.show_row(self.current_row())

    def heatmap_shown(self) -> bool:
        """True when the picture shown has the heatmap blended in."""
        return self.detail.heatmap_shown()

    # ---------------------------------------------------------------- export
    def choose_export(self) -> None:
        if self.busy or self.exporting:
            self._status(lambda: self.tr("Wait for the diagnosis to finish, or cancel it, before exporting"))
            return
        shown, total = self.proxy.rowCount(), self.results.rowCount()
        if not total:
            self._status(lambda: self.tr("Nothing to export yet"))
            return
        only_shown = False
        if shown != total:  # a filter hides rows: a clinician exporting "the batch" expects all of it
            scope = self._ask_export_scope(shown, total)
            if scope is None:
                return
            only_shown = scope == "shown"
        path = self.exporter.choose(shown if only_shown else total, total)
        if path is not None:
            self.export(path, only_shown)

    def _ask_export_scope(self, shown: int, total: int) -> str | None:
        """"all", "shown" or None (cancelled): what to export while the filter shows ``shown`` of ``total`` rows."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Export results"),
                          self.tr("The table shows {0} of the {1} results. Show: {2}.").format(
                              shown, total, self.pages.filter_combo.currentText()), parent=self)
        every = box.addButton(self.tr("Export all {0}").format(total), QMessageBox.ButtonRole.AcceptRole)
        only = box.addButton(self.tr("Export the {0} shown").format(shown), QMessageBox.ButtonRole.AcceptRole)
        only.setEnabled(shown > 0)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(every)
        box.setObjectName("exportScope")
        self._confirm_box = box  # while it is asked (tests answer it)
        try:
            box.exec()
            return {every: "all", only: "shown"}.get(box.clickedButton())
        finally:
            self._confirm_box = None
            box.deleteLater()

    def export(self, path: str | Path, only_shown: bool = False):
        """Write every result, or with ``only_shown`` the rows the filter shows, in the table's order, as XLSX,
        CSV or PDF (chosen by ``path``'s suffix) on a worker thread; the status bar says when it is done. The
        worker, or None when there is nothing to write."""
        rows = self.proxy.shown_rows() if only_shown else self.proxy.all_rows()
        if not rows or self.busy or self.exporting:
            return None
        engine = self.session.engine
        engine = engine if engine is not None and engine.model_dir == rows[0].model.model_dir else None
        return self.exporter.export(Path(path), rows, self.heatmaps, self.detail.opacity_fraction(), engine)

    def _export_changed(self) -> None:
        self._update_buttons()
        self.update_progress()

    def choose_audit_export(self) -> None:
        self.exporter.choose_audit_export()

    def export_audit_log(self, path: str | Path):
        return self.exporter.export_audit_log(path)

    # ---------------------------------------------------------------- drag and drop
    def drag_over(self) -> bool:
        return self.pages.drag_over()

    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            self.pages.set_drag_over(True)

    def dragMoveEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self.pages.set_drag_over(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        self.pages.set_drag_over(False)
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.diagnose(paths)

    # ---------------------------------------------------------------- shutdown
    def shutdown(self, timeout: float = 3.0) -> None:
        self.cancel()
        self.batch.close()
        tasks.wait_for_all(timeout)
        self.detail.shutdown()
