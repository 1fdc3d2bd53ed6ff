"""A clinician: opens the Diagnosis view, reads the model's card, drops fundus photographs (and a broken file) on
it, reads the verdicts, turns the heatmap on for the first image and exports the results as a PDF report.

Runs inside the program (gui/driver.py); arguments come as JSON in E2E_ARGS: images, pdf.
"""

import json
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QFileDialog, QLineEdit, QTextBrowser

from gui.driver import Wait, click, drop, keys, later, report


def walk(window):
    args = json.loads(os.environ["E2E_ARGS"])
    yield Wait("the window is shown", window.isVisible)
    keys(window, "Ctrl+3")
    yield Wait("the Diagnosis view is ready (engine loaded)",
               lambda: window._diagnosis_view is not None and window.stack.currentWidget() is window._diagnosis_view)
    view = window.diagnosis_view
    yield Wait("a model is selected", lambda: bool(view.model_name()), 120)
    report("model", view.model_name())
    report("research_note", view.research_note.isVisible())  # the bundled model is finalized: no such note
    report("title", window.windowTitle())
    click(view.picker.card_button)  # what the bundled model promises, before trusting its verdicts
    yield Wait("the model card opens", lambda: any(
        d.isVisible() for d in window.findChildren(QDialog, "modelCardDialog")))
    (card,) = [d for d in window.findChildren(QDialog, "modelCardDialog") if d.isVisible()]
    report("model_card", card.findChild(QTextBrowser, "modelCardText").toPlainText())
    card.close()
    window.activateWindow()  # as the window manager does when a dialog closes (offscreen has none)
    yield Wait("the main window is active again", lambda: QApplication.activeWindow() is window)
    drop(view, args["images"])
    n = len(args["images"])
    yield Wait(f"{n} results, the batch done", lambda: view.results.rowCount() == n and not view.busy, 600)
    rows = [view.results.rows[i].pred for i in range(n)]
    report("verdicts", {Path(p.path).name: [p.verdict, p.error] for p in rows})

    table = view.table
    first = view.proxy.index(0, 0)
    table.setFocus()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     table.visualRect(first).center())
    yield Wait("the first row is selected", lambda: view.current_row() is not None)
    report("selected", Path(view.current_row().pred.path).name)
    if not view.heatmap_check.isChecked():
        click(view.heatmap_check)
    path = view.current_row().pred.path
    yield Wait("the heatmap is painted (or refused)",
               lambda: view.heatmap_shown() or view.heatmaps.error(view.model_dir(), path) is not None, 300)
    if not view.heatmap_shown():
        raise AssertionError(f"no heatmap: {view.heat_note.text()}")
    report("heat_note", view.heat_note.text())

    later(lambda: keys(window, "Ctrl+E"))  # the save dialog is modal: its event loop must not run inside walk()
    yield Wait("the save dialog opens", lambda: isinstance(QApplication.activeModalWidget(), QFileDialog))
    dialog = QApplication.activeModalWidget()
    dialog.selectNameFilter(next(f for f in dialog.nameFilters() if "*.pdf" in f))
    name = dialog.findChild(QLineEdit, "fileNameEdit")  # Qt's own file dialog (offscreen has no native one)
    name.setText(args["pdf"])
    buttons = dialog.findChild(QDialogButtonBox)
    click(buttons.button(QDialogButtonBox.StandardButton.Save))
    yield Wait("the export starts", lambda: view.exporting)
    yield Wait("the PDF is written", lambda: not view.exporting and Path(args["pdf"]).is_file(), 300)
    report("status_bar", window.statusBar().currentMessage())
    window.activateWindow()  # as a click on it would (the closed file dialog had the focus)
    yield Wait("the main window is active", lambda: QApplication.activeWindow() is window)
    keys(window, "Ctrl+Q")
    yield Wait("the window closes", lambda: not window.isVisible(), 120)
