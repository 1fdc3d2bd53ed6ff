"""K-fold cross-validation from the Training view: fold after fold on the live plots, stopped and resumed from the
runs table, which then shows the out-of-fold metrics with their bootstrap intervals (oof.json)."""

import json

from gui_support import open_dataset
from PySide6.QtCore import Qt

from core.training.events import CVFinished, FoldStarted


def test_a_researcher_cross_validates_stops_and_resumes_from_the_runs_table(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    view.apply_values(dict(mode="cv", folds=2, pool="all", depth=18, variant="D", epochs=1, batch_size=4, lr=0.01,
                           rotate=0.0))
    assert view.start_button.text() == "Start cross-validation"
    titles = []

    def on_event(ev):  # on the UI thread: the plots are titled with the fold; stop as fold 2 begins
        if isinstance(ev, FoldStarted):
            titles.append(view.plots.loss_plot.getPlotItem().titleLabel.text)
            assert len(view.plots.live.epochs) == 0  # each fold's curves start afresh
            if ev.fold == 2:
                view.stop_button.click()

    view.run.event.connect(on_event)
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    assert view.running and view.run.is_cv
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    view.run.event.disconnect(on_event)
    assert titles == ["Loss · fold 1 of 2", "Loss · fold 2 of 2"]
    assert isinstance(view.run.job.result, CVFinished) and view.run.job.result.stopped
    assert view.last_status == "stopped" and view.progress_label.text() == "Stopped"
    assert view.progress.value() == 500  # what is kept: fold 1 of 2, nothing of fold 2
    log = view.log.toPlainText()
    assert "fold 1 of 2: " in log and "fold 1 of 2 done in" in log and "1 of 2 folds done" in log

    table = view.runs_table
    assert table.model().rowCount() == 1
    run = table.runs.run_at(0)
    assert run.cv and run.resumable and run.path == view.run.out_dir
    texts = [table.model().index(0, c).data() for c in range(table.model().columnCount())]
    assert texts[0] == "ResNet-18-D · 2-fold cross-validation" and texts[3] == "1/2 folds × 1" and texts[4] == "–"
    assert table.select_path(run.path)
    assert view.dashboard.resume_button.isEnabled() and not view.dashboard.use_button.isEnabled()

    qtbot.mouseClick(view.dashboard.resume_button, Qt.MouseButton.LeftButton)
    assert view.running and not view.dashboard.resume_button.isEnabled()
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    result = view.run.job.result
    assert isinstance(result, CVFinished) and not result.stopped and result.folds_done == 2
    assert view.progress.value() == view.progress.maximum() and view.last_status == "finished"
    log = view.log.toPlainText()
    assert "fold 1 of 2 done earlier" in log and "cross-validation finished in" in log
    assert view.plots.loss_plot.getPlotItem().titleLabel.text == "Loss · fold 2 of 2"

    oof = json.loads((run.path / "oof.json").read_text())
    run = table.runs.run_at(0)
    assert not run.resumable and run.metrics == oof["metrics"]
    texts = [table.model().index(0, c).data() for c in range(table.model().columnCount())]
    lo, hi = oof["intervals"]["auc"]
    assert texts[3] == "2 folds × 1"
    assert texts[5] == f"{oof['metrics']['auc']:.4f}\n{lo:.4f}–{hi:.4f}"
    lo, hi = oof["intervals"]["accuracy"]
    assert texts[4].endswith(f"\n{100 * lo:.1f}–{100 * hi:.1f}")
    # a CV run is not a screening model: the Diagnosis view's model picker does not offer it
    assert window.diagnosis_view.model_combo.findData(str(run.path)) < 0
