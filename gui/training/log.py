"""The run's log: the CLI's lines (core.training.events.format_event) in the GUI's language, written again when
the language changes."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core.training.events import (
    CheckpointSaved,
    CVFinished,
    DataReady,
    EpochEnd,
    Failed,
    Finished,
    FoldFinished,
    FoldStarted,
    Log,
    data_counts,
)

from ..dataset.summary import validation_source
from ..widgets import class_shown, is_language_change, percent


class TrainingLog(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(20000)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(mono)
        self._lines: list[tuple] = []  # (function giving the line in the current language, error)

    def add(self, text, error: bool = False, keep: bool = True) -> None:
        """Add a line; ``text`` may be a function giving it in the current language."""
        if keep:
            self._lines.append((text, error))
        text = text() if callable(text) else text
        fmt = QTextCharFormat()
        if error:
            fmt.setForeground(QColor("#c62828"))
        cursor = self.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        if not self.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText(text, fmt)
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def add_event(self, ev) -> None:
        line = self.event_text(ev)
        if line is not None:
            self.add(line, error=isinstance(ev, Failed) or (isinstance(ev, Log) and ev.level != "info"))

    def reset(self) -> None:
        self.clear()
        self._lines = []

    def changeEvent(self, event) -> None:
        if is_language_change(event) and self._lines:
            self.clear()
            for text, error in self._lines:
                self.add(text, error, keep=False)
        super().changeEvent(event)

    # ---------------------------------------------------------------- the lines
    def event_text(self, ev):
        """A function giving the log line of a training event in the current language (None for events that
        only drive the progress display)."""
        if isinstance(ev, Log):
            if ev.level == "info":
                return lambda: self._log_message(ev.message)
            return lambda: (self.tr("WARNING: {0}") if ev.level == "warning" else self.tr("ERROR: {0}")).format(
                self._log_message(ev.message))
        if isinstance(ev, DataReady):
            def data_line():
                counts = data_counts(ev, self.tr("by file name"), class_shown)
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
            return self._finished_text(ev)
        if isinstance(ev, Failed):
            return lambda: self.tr("ERROR: {0}").format(ev.error)
        return self._cv_text(ev)

    def _finished_text(self, ev: Finished):
        b = ev.best
        if ev.stopped:
            return self._stopped_text(ev)
        if not b:
            return lambda: self.tr("finished after {0:.0f} s; no epoch completed, no model saved").format(ev.seconds)
        return lambda: self.tr("finished in {0:.0f} s; best epoch {1}: accuracy {2}, AUC {3:.4f}; model in {4}").format(
            ev.seconds, ev.best_epoch, percent(b["accuracy"]), b["auc"], ev.out_dir)

    def _stopped_text(self, ev: Finished):
        """What a stop kept: an epoch stopped part-way is neither validated nor saved, so say which one that was,
        the last completed epoch (Resume continues after it) and the best (the model)."""
        b = ev.best
        if not b:
            if ev.interrupted:
                return lambda: self.tr("stopped after {0:.0f} s in epoch {1}, which is not kept; no epoch completed, "
                                       "no model saved").format(ev.seconds, ev.interrupted)
            return lambda: self.tr("stopped after {0:.0f} s; no epoch completed, no model saved").format(ev.seconds)
        if ev.interrupted:
            return lambda: self.tr("stopped after {0:.0f} s in epoch {1}, which is not kept; kept: epoch {2}, the last "
                                   "completed, and best epoch {3}: accuracy {4}, AUC {5:.4f}; model in {6}").format(
                ev.seconds, ev.interrupted, ev.last_epoch, ev.best_epoch, percent(b["accuracy"]), b["auc"], ev.out_dir)
        return lambda: self.tr("stopped after {0:.0f} s at the end of epoch {1}; best epoch {2}: accuracy {3}, AUC "
                               "{4:.4f}; model in {5}").format(
            ev.seconds, ev.last_epoch, ev.best_epoch, percent(b["accuracy"]), b["auc"], ev.out_dir)

    def _cv_text(self, ev):
        if isinstance(ev, FoldStarted):
            return lambda: (self.tr("fold {0} of {1} (resumed): {2} training images, {3} held out") if ev.resumed
                            else self.tr("fold {0} of {1}: {2} training images, {3} held out")).format(
                ev.fold, ev.folds, ev.n_train, ev.n_val)
        if isinstance(ev, FoldFinished):
            m = ev.metrics

            def fold_line():
                line = (self.tr("fold {0} of {1} done earlier") if ev.earlier
                        else self.tr("fold {0} of {1} done in {2:.0f} s")).format(ev.fold, ev.folds, ev.seconds)
                if m:
                    line += self.tr(": held-out accuracy {0}, AUC {1:.4f}").format(percent(m["accuracy"]), m["auc"])
                return line
            return fold_line
        if isinstance(ev, CVFinished):
            if ev.stopped or not ev.metrics:
                return lambda: self.tr("cross-validation stopped after {0:.0f} s with {1} of {2} folds done; resume "
                                       "it from the runs table").format(ev.seconds, ev.folds_done, ev.folds)
            m, ci = ev.metrics, ev.intervals
            return lambda: self.tr("cross-validation finished in {0:.0f} s: out-of-fold accuracy {1} ({2}–{3}), "
                                   "AUC {4:.4f} ({5:.4f}–{6:.4f}); summary in {7}").format(
                ev.seconds, percent(m["accuracy"]), percent(ci["accuracy"][0]), percent(ci["accuracy"][1]),
                m["auc"], ci["auc"][0], ci["auc"][1], f"{ev.out_dir}/oof.json")
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
            train, val, layout, source = m.groups()
            return self.tr("decoding {0} training and {1} validation images ({2} layout; validation: {3})").format(
                train, val, layout, validation_source(source))
        m = re.fullmatch(r"resumed (.*) after epoch (\d+)", message, re.DOTALL)
        if m:
            return self.tr("resumed {0} after epoch {1}").format(*m.groups())
        # identical copies (core.training.cv.identical_warnings, Trainer._warn_of_copies): stayed English in zh_CN
        m = re.fullmatch(r"(\d+) group\(s\) of identical images \(the same bytes under other names, e\.g\. (.*)\): "
                         r"each group is kept in one fold \(all are listed in cv\.json, \"identical\"\)", message,
                         re.DOTALL)
        if m:
            return self.tr("{0} group(s) of identical images (the same bytes under other names, e.g. {1}): each group "
                           "is kept in one fold (all are listed in cv.json, \"identical\")").format(*m.groups())
        m = re.fullmatch(r"(\d+) of the (\d+) validation images are identical copies of training images \(e\.g\. "
                         r"(.*)\): on them the validation figures measure recall, not new patients", message, re.DOTALL)
        if m:
            return self.tr("{0} of the {1} validation images are identical copies of training images (e.g. {2}): on "
                           "them the validation figures measure recall, not new patients").format(*m.groups())
        return message
