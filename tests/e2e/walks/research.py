"""A researcher: opens a PALM folder by dropping it on the Dataset view, sets up a ResNet-18-D run in the
Training view, starts it with the Start button and watches it to the end (or closes the window mid-run).

Runs inside the program (gui/driver.py); arguments come as JSON in E2E_ARGS: palm, epochs, close_during_training.
"""

import json
import os

from PySide6.QtWidgets import QApplication

from gui.driver import Wait, click, drop, keys, report


def walk(window):
    args = json.loads(os.environ["E2E_ARGS"])
    yield Wait("the window is shown", window.isVisible)
    keys(window, "Ctrl+1")
    yield Wait("the Dataset view shows", lambda: window.stack.currentWidget() is window.dataset_view)
    drop(window.dataset_view, [args["palm"]])
    data = window.dataset_view
    yield Wait("the data set is open", lambda: data.dataset is not None and not data.busy, 120)
    report("train_images", len(data.dataset.train))

    keys(window, "Ctrl+2")
    yield Wait("the Training view is ready (engine loaded)",
               lambda: window._training_view is not None and window.stack.currentWidget() is window._training_view)
    view = window.training_view
    view.form.widgets["depth"].setCurrentIndex(view.form.widgets["depth"].findData(18))
    view.form.widgets["variant"].setCurrentIndex(view.form.widgets["variant"].findData("D"))
    view.form.widgets["epochs"].setValue(args["epochs"])
    view.form.widgets["batch_size"].setValue(4)
    view.form.widgets["limit"].setValue(0)
    click(view.start_button)
    yield Wait("training runs", lambda: view.running)
    # last_status is set when the view has handled the run's final event (the thread ends a moment before)
    yield Wait("the first batch is reported (or the run ended)",
               lambda: view.last_batch is not None or bool(view.last_status), 300)
    if view.last_status == "failed":
        raise AssertionError("the training run failed:\n" + view.log.toPlainText())
    if args.get("close_during_training"):
        report("closing_while_running", view.running)
        window.close()
        return
    yield Wait("the run ends", lambda: not view.running and bool(view.last_status), 900)
    log = view.log.toPlainText()
    report("log", log)
    report("status", view.last_status)
    report("live_epochs", list(view.plots.live.epochs))
    runs = view.runs_table.runs
    report("runs", [str(runs.run_at(i).path) for i in range(runs.rowCount())])
    report("run_dir", str(view.run.out_dir))
    window.activateWindow()  # as a click on it would (the closed file dialog had the focus)
    yield Wait("the main window is active", lambda: QApplication.activeWindow() is window)
    keys(window, "Ctrl+Q")
    yield Wait("the window closes", lambda: not window.isVisible(), 120)
