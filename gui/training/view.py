"""The Training view: choose a ResNet (depth, O/B/C/D variant, individual tweaks) and a recipe, start one run or a
K-fold cross-validation, stop and resume it, watch its loss and metrics live (fold after fold), read the same
log lines as the CLI, and compare runs in the runs table."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMessageBox, QSplitter, QVBoxLayout, QWidget

from core.training.events import (
    BatchEnd,
    CheckpointSaved,
    CVFinished,
    EpochEnd,
    Failed,
    Finished,
    FoldFinished,
    FoldStarted,
    ValidationProgress,
)

from .. import settings, tasks
from ..widgets import duration, is_language_change, numerus, percent
from .dashboard import LOG_TAB, TrainingDashboard
from .fields import DEFAULTS
from .form import TrainingForm
from .plots import Series
from .progress import RunProgress
from .run import TrainingRun
from .runs_table import Run


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
        self.tracker: RunProgress | None = None
        self.last_status = ""  # "", "finished", "stopped" or "failed"
        self._showing: str = "live"  # "live" or the path of the run shown from the table
        self._shown_run: Run | None = None
        self._live_fold: tuple[int, int] | None = None  # the fold a live cross-validation is on

        self.form = TrainingForm()
        self.dashboard = d = TrainingDashboard()
        self.start_button, self.stop_button = self.form.start_button, self.form.stop_button
        self.plots, self.log, self.runs_table, self.tabs = d.plots, d.log, d.runs_table, d.tabs
        self.progress, self.progress_label, self.run_label = d.progress, d.progress_label, d.run_label
        self.data_label = self.form.data_label
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.runs_table.runSelected.connect(self.show_run)
        self.runs_table.useForDiagnosis.connect(self.useForDiagnosis)
        self.runs_table.resumeRun.connect(self.resume)
        self.runs_table.compareRuns.connect(self.compare_runs)
        self.comparison_box: QMessageBox | None = None  # the last comparison's answer, while it is shown
        self.stop_question: QMessageBox | None = None
        self._resumed = False  # the run under way was resumed (it keeps what it had)
        self._own_values: dict | None = None  # the form's own settings while a resumed run shows its recipe
        d.show_live_button.clicked.connect(self.show_live)
        d.use_button.clicked.connect(self._use_selected)
        d.resume_button.clicked.connect(lambda: self.resume(self.runs_table.selected_run()))

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.form)
        split.addWidget(self.dashboard)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 950])
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)
        self.load_settings()
        self.retranslate()
        self.runs_table.refresh()
        self._update_buttons()

    # ---------------------------------------------------------------- texts
    def retranslate(self) -> None:
        self.form.retranslate()
        self.dashboard.retranslate()
        self._update_texts()

    def _update_texts(self) -> None:
        self._update_data_label()
        self._update_run_label()
        self._update_progress_label()

    def changeEvent(self, event) -> None:
        if is_language_change(event):  # the form and the dashboard retranslate themselves
            self._update_texts()
        super().changeEvent(event)

    # ---------------------------------------------------------------- settings
    def config_values(self) -> dict:
        return self.form.config_values()

    def apply_values(self, values: dict) -> None:
        self.form.apply_values(values)

    def build_config(self):
        return self.form.build_config(self.dataset.root)

    def set_gpu_available(self, available: bool) -> None:
        self.form.set_gpu_available(available)

    def load_settings(self) -> None:
        self.form.apply_values({k: settings.value(f"training/{k}", d) for k, d in DEFAULTS.items()})

    def save_settings(self) -> None:
        own = self._own_values or self.form.values()  # not a resumed run's recipe, shown while it goes
        for k, val in own.items():
            settings.set_value(f"training/{k}", val)

    # ---------------------------------------------------------------- data
    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self._update_data_label()
        self._update_buttons()

    def _update_data_label(self) -> None:
        ds = self.dataset
        if ds is None:
            self.form.data_label.setText(self.tr("No data set: open one in the Dataset view first."))
        else:
            self.form.data_label.setText(self.tr("Data: {0} — {1} training and {2} validation images").format(
                ds.root.name, len(ds.train), len(ds.val)))

    # ---------------------------------------------------------------- running
    @property
    def running(self) -> bool:
        return self.run.running

    @property
    def last_batch(self) -> BatchEnd | None:
        return self.tracker.last_batch if self.tracker else None

    def start(self) -> bool:
        """Start a run, or a cross-validation, of the settings shown (False when one is refused)."""
        from core.store.library import new_run_dir

        if self.running or self.dataset is None:
            return False
        self.form.error_label.hide()
        try:
            config = self.build_config()
        except ValueError as exc:
            self._refuse(str(exc))
            return False
        self.save_settings()
        cv = self.form.cv_values()
        name = f"ResNet-{config.depth}-{config.variant}"
        if cv["mode"] == "cv":
            out = new_run_dir(f"CV{cv['folds']}-{name}")
            self.run.start_cv(config, out, cv["folds"], cv["pool"])
        else:
            out = new_run_dir(name)
            self.run.start(config, out, dataset=self.dataset)
        self._began(self._intro(out, config, name, cv))
        self._resumed = False
        return True

    def _intro(self, out: Path, config, name: str, cv: dict):
        """The log's first line: what was started (a function giving it in the current language)."""
        def epochs() -> str:
            return numerus(self.tr("%n epoch(s)", "", config.epochs), config.epochs)

        if cv["mode"] == "cv":
            return lambda: self.tr("Cross-validation {0}: {1}, {2} folds, {3} each, batch size {4}, "
                                   "learning rate {5:g}").format(out.name, name, cv["folds"], epochs(),
                                                                 config.batch_size, config.lr)
        return lambda: self.tr("Run {0}: ResNet-{1}-{2}, {3}, batch size {4}, learning rate {5:g}").format(
            out.name, config.depth, config.variant, epochs(), config.batch_size, config.lr)

    def resume(self, run: Run | None) -> bool:
        """Continue a run, or a cross-validation, stopped before its end (from the runs table)."""
        if self.running or run is None or not run.resumable:
            return False
        self.form.error_label.hide()
        try:
            self.run.resume(run.path)
        except (OSError, ValueError) as exc:  # a damaged checkpoint or plan: said in one line
            self._refuse(str(exc))
            return False
        self._own_values = self.form.values()  # given back when the run ends
        job = self.run.job
        self.form.show_recipe(job.config, {"mode": "cv", "folds": job.k, "pool": job.pool} if self.run.is_cv
                              else {"mode": "train"})
        self._began(lambda: self.tr("Resuming {0}").format(run.path.name), [] if run.cv else run.history, True)
        self._resumed = True  # what it kept before stays kept, whenever it is stopped
        # the bar starts from what was kept (it showed 0 % until the first batch, after 50 % when stopped)
        if run.cv:
            kept = (run.meta.get("folds_done") or 0) / max(1, run.meta.get("folds") or 1)
        else:
            kept = len(run.history) / max(1, self.run.job.config.epochs)
        self.progress.setValue(round(1000 * min(1.0, kept)))
        return True

    def _refuse(self, text: str) -> None:
        self.form.error_label.setText(text)
        self.form.error_label.show()

    def _began(self, intro, history: list[dict] | None = None, resumed: bool = False) -> None:
        job = self.run.job
        self.tracker = RunProgress(job.config.epochs, job.config.batch_size, job.k if self.run.is_cv else 1)
        self.last_status = ""
        self.log.reset()
        self.progress.setValue(0)
        self._live_fold = None
        self.plots.start_live(history)  # a resumed run's earlier epochs stay on the plots
        self.show_live()
        self.tabs.setCurrentIndex(LOG_TAB)
        self.log.add(intro)
        for event in _earlier_epochs(history, job.config.epochs):  # a resumed run's log keeps its epochs
            self.log.add_event(event)
        self._update_buttons()
        self._update_run_label()
        self._update_progress_label()
        self.runningChanged.emit(True)
        if resumed:
            self.statusMessage.emit((lambda: self.tr("Cross-validation resumed")) if self.run.is_cv
                                    else (lambda: self.tr("Training resumed")))
        else:
            self.statusMessage.emit((lambda: self.tr("Cross-validation started")) if self.run.is_cv
                                    else (lambda: self.tr("Training started")))

    def stop(self) -> None:
        if not self.running:
            return
        if self._keeps_nothing() and not self._confirm_discarding():
            return
        self.run.stop()
        self._update_buttons()
        self._update_progress_label()

    def _keeps_nothing(self) -> bool:
        """Stopped now, the run would leave nothing (only whole epochs are kept, and one being validated will be):
        no model, nothing to resume."""
        t = self.tracker
        return not self._resumed and t is not None and t.kept_fraction() == 0.0 and not t.validating()

    def _confirm_discarding(self) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Stop training"),
                          self.tr("No epoch has finished yet: stopping now keeps nothing of this run (no model, "
                                  "nothing to resume). Only whole epochs are kept."), parent=self)
        discard = box.addButton(self.tr("Stop and discard"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Keep training"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        self.stop_question = box  # while it is asked (tests answer it)
        box.exec()
        self.stop_question = None
        if box.clickedButton() is None and self.running:  # withdrawn: an epoch was kept while it was asked
            self.statusMessage.emit(lambda: self.tr("An epoch has been kept meanwhile: Stop now keeps it"))
        return box.clickedButton() is discard and self.running

    def _withdraw_question(self, ended: bool = False) -> None:
        """The Stop question says nothing would be kept; once an epoch is kept (or being validated, and so kept),
        or the run has ended, that is no longer true, and the question goes without stopping anything (it stayed
        up over a finished run, and its "Stop and discard" then stopped a run that kept an epoch)."""
        if self.stop_question is not None and (ended or not self._keeps_nothing()):
            self.stop_question.reject()

    def _update_buttons(self) -> None:
        running = self.running
        self.start_button.setEnabled(not running and self.dataset is not None)
        self.stop_button.setEnabled(running and not self.run.stopping)
        self.form.set_running(running)
        self.dashboard.set_busy(running)

    def _on_event(self, ev) -> None:
        self.tracker.on_event(ev)
        earlier: list[EpochEnd] = []
        live = self.plots.live
        if isinstance(ev, BatchEnd):
            live.add_batch(ev.epoch - 1 + ev.step / ev.steps, ev.loss)
        elif isinstance(ev, EpochEnd):
            live.add_epoch(ev.epoch, ev.train_loss, ev.val)
        elif isinstance(ev, FoldStarted):  # each fold's curves start afresh, titled with the fold
            self._live_fold = (ev.fold, ev.folds)
            history = _saved_history(self.run.out_dir / f"fold-{ev.fold}") if ev.resumed else None
            self.plots.start_live(history)
            earlier = _earlier_epochs(history, self.run.job.config.epochs)  # its log lines too, as its plots
            if self._showing == "live":
                self.show_live()
        elif isinstance(ev, (CheckpointSaved, FoldFinished)):
            self.runs_table.refresh()
        if isinstance(ev, (BatchEnd, EpochEnd)) and self._showing == "live":
            self.plots.changed()  # redrawn on the plots' timer
        if isinstance(ev, (BatchEnd, ValidationProgress)):
            self.progress.setValue(round(1000 * self.tracker.fraction()))
        self.log.add_event(ev)
        for event in earlier:
            self.log.add_event(event)
        self._update_progress_label()
        self._withdraw_question()

    def _on_done(self, result) -> None:
        self._withdraw_question(ended=True)
        if self._own_values is not None:  # a resumed run's recipe gives way to the user's settings again
            self.form.apply_values(self._own_values)
            self._own_values = None
        self.plots.stop_live()
        self.runs_table.refresh()
        cv = self.run.is_cv
        stopped = isinstance(result, (Finished, CVFinished)) and result.stopped
        self.last_status = "failed" if isinstance(result, Failed) else "stopped" if stopped else "finished"
        if self.last_status == "finished":
            self.tracker.finished = True
            self.progress.setValue(1000)
        elif stopped:  # the bar shows what is kept, not how far the lost part of an epoch had come
            self.progress.setValue(round(1000 * self.tracker.kept_fraction()))
        if self.last_status != "failed" and self._showing == "live":
            self.runs_table.select_path(result.out_dir, emit=False)
        if self._resumed and self.last_status != "failed":  # "finished in" counts this session only
            row = self.runs_table.runs.row_of(result.out_dir)
            total = self.runs_table.runs.run_at(row).seconds if row is not None else None
            if total:
                self.log.add(lambda: self.tr("training time over all its sessions: {0} (the runs table's "
                                             "Time)").format(duration(total)))
        self.statusMessage.emit(self._done_message(result, cv))
        self._update_buttons()
        self._update_progress_label()
        self._update_run_label()
        self.runningChanged.emit(False)
        self.runFinished.emit(str(self.run.out_dir))

    def _done_message(self, result, cv: bool):
        if isinstance(result, Failed):
            return lambda: (self.tr("Cross-validation failed: {0}") if cv else self.tr("Training failed: {0}")
                            ).format(result.error)
        if cv:
            if result.stopped:
                return lambda: self.tr("Cross-validation stopped; Resume in the runs table continues it")
            return lambda: self.tr("Cross-validation finished: out-of-fold accuracy {0}, AUC {1:.4f}").format(
                percent(result.metrics.get("accuracy")), result.metrics.get("auc", math.nan))
        if result.stopped:
            return self._stopped_message(result)
        return lambda: self.tr("Training finished")

    def _stopped_message(self, result: Finished):
        """What a stopped run kept, in the status line as in the log (an epoch stopped part-way is lost)."""
        if not result.best:
            return lambda: self.tr("Training stopped before an epoch completed; no model saved")
        if result.interrupted:
            return lambda: self.tr("Training stopped in epoch {0}, which is not kept; kept: the last completed epoch "
                                   "{1} and the best, epoch {2}").format(result.interrupted, result.last_epoch,
                                                                         result.best_epoch)
        return lambda: self.tr("Training stopped after epoch {0}; the best is epoch {1}").format(
            result.last_epoch, result.best_epoch)

    def _update_progress_label(self) -> None:
        t = self.tracker
        if self.running and t is not None:
            b, v, eta = t.last_batch, t.last_val, t.eta_seconds()
            left = duration(eta) if eta is not None else "?"
            if self.run.stopping and t.validating():
                text = self.tr("Stopping once epoch {0} is validated and saved…").format(t.validating())
            elif self.run.stopping:
                text = self.tr("Stopping after this batch…")
            elif b is None:
                text = self.tr("Reading images and building the network…")
            elif v is not None or (b.step == b.steps and t.n_val):  # from the last batch on, not the first score
                text = self.tr("Epoch {0}/{1} · validating: {2} of {3} images · about {4} left").format(
                    b.epoch, t.epochs, v.done if v else 0, v.total if v else t.n_val, left)
            else:
                text = self.tr("Epoch {0}/{1} · batch {2}/{3} · {4:.1f} images/s · about {5} left").format(
                    b.epoch, t.epochs, b.step, b.steps, b.images_per_sec, left)
            if t.folds > 1 and (t.validating() or not self.run.stopping):  # the fold whose epoch is being kept
                text = self.tr("Fold {0}/{1} · {2}").format(min(t.fold, t.folds), t.folds, text)
        else:
            text = {"stopped": self.tr("Stopped"), "finished": self.tr("Finished"),
                    "failed": self.tr("Failed")}.get(self.last_status, self.tr("Idle"))
        if self._showing != "live" and (self.running or self.last_status in ("stopped", "finished", "failed")):
            text = self.tr("Current run: {0}").format(text)  # not the run shown above the plots
        self.progress_label.setText(text)

    def _update_run_label(self) -> None:
        if self._showing == "live":
            out = self.run.out_dir
            if out is None:
                self.run_label.setText(self.tr("No run yet"))
            elif not out.exists() and not self.running:  # stopped (or failed) before it kept an epoch
                self.run_label.setText(self.tr("Run {0} kept nothing").format(out.name))
            else:  # once in the runs table, named as there
                row = self.runs_table.runs.row_of(out)
                name = out.name if row is None else self._run_name(self.runs_table.runs.run_at(row))
                self.run_label.setText(self.tr("Current run: {0}").format(name))
            self.run_label.setToolTip(str(out or ""))
        else:
            self.run_label.setText(self.tr("Showing run: {0}").format(self._run_name(self._shown_run)))
            self.run_label.setToolTip(str(self._showing))

    def _run_name(self, run: Run) -> str:
        """As the runs table names the run (one line), with its folder: runs of one network look alike."""
        name = self.runs_table.runs.text(run, "name").replace("\n", " ")
        return name if run.path.name == run.name else f"{name} — {run.path.name}"

    # ---------------------------------------------------------------- showing runs
    def show_run(self, run: Run) -> None:
        if self.run.out_dir is not None and Path(run.path) == self.run.out_dir and (
                self.running or len(self.plots.live.epochs)):
            self.show_live()
            return
        self._showing, self._shown_run = str(run.path), run
        history = run.history
        if run.cv:  # the latest fold begun: its curves, titled with the fold
            fold = max((i + 1 for i, h in enumerate(run.meta.get("histories") or []) if h), default=1)
            self.plots.set_fold(fold, run.meta.get("folds"))
        else:
            self.plots.set_fold(None)
        self.plots.show_series(Series.from_history(history), per_batch=False, epochs=len(history))
        self._update_run_label()
        self._update_progress_label()
        self.statusMessage.emit(self._run_summary(run))

    def _run_summary(self, run: Run):
        m = run.metrics
        if run.cv and not m:
            return lambda: self.tr("{0}: {1} of {2} folds done").format(
                run.path.name, run.meta.get("folds_done"), run.meta.get("folds"))
        ci = run.intervals
        if run.out_of_fold and "accuracy" in ci and "auc" in ci:
            return lambda: self.tr("{0}: out-of-fold accuracy {1} ({2}–{3}), AUC {4:.4f} ({5:.4f}–{6:.4f})").format(
                run.path.name if run.cv else run.name, percent(m.get("accuracy")), percent(ci["accuracy"][0]),
                percent(ci["accuracy"][1]), m.get("auc", math.nan), ci["auc"][0], ci["auc"][1])
        return lambda: self.tr("{0}: best accuracy {1}, AUC {2}").format(
            run.name, percent(m.get("accuracy")), f"{m.get('auc', math.nan):.4f}")

    def show_live(self) -> None:
        self._showing = "live"
        self.plots.set_fold(*(self._live_fold or (None,)))
        self.plots.show_series(self.plots.live, per_batch=True, epochs=self.tracker.epochs if self.tracker else
                               len(self.plots.live.epochs))
        self._update_run_label()
        self._update_progress_label()

    # ---------------------------------------------------------------- paired comparison
    def compare_runs(self, a: Run, b: Run) -> None:
        """The paired bootstrap of two finished cross-validations' out-of-fold AUCs (core.training.cv.compare, off
        the UI thread): its answer in a window and in the log."""
        from core.training.cv import compare

        self.statusMessage.emit(lambda: self.tr("Comparing {0} with {1}…").format(a.path.name, b.path.name))
        self._comparison = tasks.start(compare, a.path, b.path, returned=lambda r: self._compared(a, b, r),
                                       errored=lambda exc: self._compared(a, b, None, exc))

    def _compared(self, a: Run, b: Run, result: dict | None, error: Exception | None = None) -> None:
        names = (f"{a.name} ({a.path.name})", f"{b.name} ({b.path.name})")

        def said() -> str:  # in the language of the moment: the log and the status bar say it again on a switch
            if result is None:
                return self.tr("{0} and {1} cannot be compared: {2}").format(*names, error)
            lo, hi = result["interval"]
            verdict = (self.tr("measurably different") if result["measurably_different"]
                       else self.tr("not measurably different"))
            return self.tr("Out-of-fold AUC over the same {0} images and folds: {1} (A) {2:.4f}, {3} (B) {4:.4f}. "
                           "B − A = {5:+.4f}, 95 % paired bootstrap interval {6:+.4f} to {7:+.4f}: {8}.").format(
                result["images"], names[0], result["auc_a"], names[1], result["auc_b"], result["difference"], lo,
                hi, verdict)

        self.log.add(said, error=result is None)
        self.statusMessage.emit(said)
        text = said()
        box = QMessageBox(QMessageBox.Icon.Information if result else QMessageBox.Icon.Warning,
                          self.tr("Paired comparison"), text, QMessageBox.StandardButton.Close, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda *_: setattr(self, "comparison_box", None))
        box.setWindowModality(Qt.WindowModality.NonModal)  # stays readable beside the table
        self.comparison_box = box
        box.show()

    def _use_selected(self) -> None:
        run = self.runs_table.selected_run()
        if run is not None and not run.cv:
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


EPOCH_FIGURES = ("loss", "accuracy", "auc", "sensitivity", "specificity")  # what an epoch's log line shows


def _earlier_epochs(history: list[dict] | None, epochs: int) -> list[EpochEnd]:
    """The log's epoch lines of a resumed run's saved epochs (a damaged entry is left out)."""
    events = []
    for h in history or []:
        if not isinstance(h, dict) or not all(isinstance(h.get(k), (int, float)) for k in EPOCH_FIGURES):
            continue
        try:
            events.append(EpochEnd(int(h["epoch"]), epochs, float(h["train_loss"]), h, float(h.get("seconds", 0)),
                                   False, 0))
        except (KeyError, TypeError, ValueError):
            continue
    return events


def _saved_history(folder) -> list[dict]:
    """The epochs a resumed fold had saved (its model.json), for the plots; none when it cannot be read."""
    from core.store.modelio import ModelFileError, read_meta

    try:
        history = read_meta(folder).get("history")
    except (ModelFileError, OSError, ValueError):
        return []
    return history if isinstance(history, list) else []
