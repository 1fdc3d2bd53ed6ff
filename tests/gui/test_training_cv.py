"""K-fold cross-validation from the Training view: fold after fold on the live plots, stopped and resumed from the
runs table, which then shows the out-of-fold metrics with their bootstrap intervals (oof.json)."""

import json

from gui_support import open_dataset
from PySide6.QtCore import QPoint, Qt

from core.training.events import CVFinished, EpochEnd, FoldStarted


def test_a_researcher_cross_validates_stops_and_resumes_from_the_runs_table(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    view.apply_values(dict(mode="cv", folds=2, pool="all", depth=18, variant="D", epochs=2, batch_size=4, lr=0.01,
                           rotate=0.0))
    assert view.start_button.text() == "Start cross-validation"
    assert window.act_start.text() == "Start &cross-validation"  # the menu says it too (GUI round, session 19)
    titles = []

    def on_event(ev):  # on the UI thread: the plots are titled with the fold; stop once fold 2 kept an epoch
        if isinstance(ev, FoldStarted):
            titles.append(view.plots.loss_plot.getPlotItem().titleLabel.text)
            assert len(view.plots.live.epochs) == 0  # each fold's curves start afresh
        if isinstance(ev, EpochEnd) and len(titles) == 2:
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
    assert view.progress.value() == 750  # what is kept: fold 1 of 2, and epoch 1 of 2 of fold 2
    log = view.log.toPlainText()
    assert "fold 1 of 2: " in log and "fold 1 of 2 done in" in log and "1 of 2 folds done" in log

    table = view.runs_table
    assert table.model().rowCount() == 1
    run = table.runs.run_at(0)
    assert run.cv and run.resumable and run.path == view.run.out_dir
    texts = [table.model().index(0, c).data() for c in range(table.model().columnCount())]
    assert texts[0] == "ResNet-18-D\n2-fold CV" and texts[3] == "1/2 folds × 2" and texts[4] == "–"
    assert table.select_path(run.path)
    assert view.dashboard.resume_button.isEnabled() and not view.dashboard.use_button.isEnabled()

    mine = dict(mode="train", depth=50, variant="B", epochs=7, lr=0.05)  # the researcher's next idea
    view.apply_values(mine)
    qtbot.mouseClick(view.dashboard.resume_button, Qt.MouseButton.LeftButton)
    assert view.running and not view.dashboard.resume_button.isEnabled()
    assert view.progress.value() == 500  # fold 1 of 2 kept: the bar starts there, not at 0 %
    shown = view.form.values()  # the resumed run's recipe, not the settings it does not use
    assert {k: shown[k] for k in ("mode", "folds", "depth", "variant", "epochs", "lr")} == dict(
        mode="cv", folds=2, depth=18, variant="D", epochs=2, lr=0.01)
    assert view.form.tweaks() == {} and not view.form.widgets["depth"].isEnabled()
    window.save_settings()  # as closing the window does: the user's settings are kept, not the recipe shown
    from gui import settings
    assert {k: str(settings.settings().value(f"training/{k}")) for k in mine} == {k: str(v) for k, v in mine.items()}
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    assert {k: view.form.values()[k] for k in mine} == mine  # given back when the run ends
    result = view.run.job.result
    assert isinstance(result, CVFinished) and not result.stopped and result.folds_done == 2
    assert view.progress.value() == view.progress.maximum() and view.last_status == "finished"
    log = view.log.toPlainText()
    assert "fold 1 of 2 done earlier" in log and "cross-validation finished in" in log
    assert f"training time over all its sessions: {table.runs.text(table.runs.run_at(0), 'time')} " in log
    resumed_fold = log[log.index("fold 2 of 2 (resumed)"):]  # its kept epoch is in the log, as on its plots
    assert "epoch 1/2  train loss" in resumed_fold and resumed_fold.index("epoch 1/2") < resumed_fold.index("epoch 2/2")
    assert view.plots.loss_plot.getPlotItem().titleLabel.text == "Loss · fold 2 of 2"

    oof = json.loads((run.path / "oof.json").read_text())
    run = table.runs.run_at(0)
    assert not run.resumable and run.metrics == oof["metrics"]
    texts = [table.model().index(0, c).data() for c in range(table.model().columnCount())]
    lo, hi = oof["intervals"]["auc"]
    assert texts[3] == "2 folds × 2"
    assert texts[5] == f"{oof['metrics']['auc']:.4f}\n{lo:.4f}–{hi:.4f}"
    lo, hi = oof["intervals"]["accuracy"]
    assert texts[4].endswith(f"\n{100 * lo:.1f}–{100 * hi:.1f}")
    # a CV run is not a screening model: the Diagnosis view's model picker does not offer it
    assert window.diagnosis_view.model_combo.findData(str(run.path)) < 0


def test_two_finished_cross_validations_are_compared_from_the_runs_table(qtbot, window):
    """A researcher right-clicks a finished CV, picks "Compare with" another: the paired bootstrap's answer shows
    in a window and the log; runs over other folds are offered greyed out with the reason; an unfinished CV offers
    nothing."""
    import shutil
    from pathlib import Path

    from PySide6.QtWidgets import QMenu

    from core.store.library import library_dir
    from core.training.cv import compare

    kept = Path(__file__).resolve().parents[2] / "bench" / "results" / "cv"
    lib = library_dir()
    for name in ("r18d", "r18d-s1"):  # the bundled model's two runs (other seeds: other folds)
        shutil.copytree(kept / name, lib / f"cv-{name}")
    shutil.copytree(kept / "r18d", lib / "cv-squared")
    oof = json.loads((lib / "cv-squared" / "oof.json").read_text())
    oof["oof"] = [{**r, "probability": r["probability"] ** 2} for r in oof["oof"]]  # same folds, other scores
    (lib / "cv-squared" / "oof.json").write_text(json.dumps(oof))
    (lib / "cv-unfinished").mkdir()
    shutil.copy(kept / "r18d" / "cv.json", lib / "cv-unfinished")
    view, table = window.training_view, window.training_view.runs_table
    table.refresh()

    def compare_from_menu(a: str, b: str):
        run = table.runs.run_at(table.runs.row_of(lib / a))
        menu = QMenu(table)
        table._compare_menu(menu, run)
        sub = next(act.menu() for act in menu.actions() if act.text() == "Compare with")
        action = next(act for act in sub.actions() if act.text().endswith(f" — {b}"))
        action.trigger()
        qtbot.waitUntil(lambda: view.comparison_box is not None, timeout=60000)
        text = view.comparison_box.text()
        view.comparison_box.close()
        qtbot.waitUntil(lambda: view.comparison_box is None)
        return text, sub

    kept_run = table.runs.run_at(table.runs.row_of(lib / "cv-r18d"))  # its folds' folders were not kept
    assert not kept_run.resumable and table.runs.text(kept_run, "epochs") == "5 folds × 12"
    text, sub = compare_from_menu("cv-r18d", "cv-squared")
    assert sorted(a.text() for a in sub.actions()) == [f"ResNet-18-D — cv-{n}" for n in ("r18d-s1", "squared")]
    r = compare(lib / "cv-r18d", lib / "cv-squared")
    lo, hi = r["interval"]
    assert text == (f"Out-of-fold AUC over the same 601 images and folds: ResNet-18-D (cv-r18d) (A) {r['auc_a']:.4f}, "
                    f"ResNet-18-D (cv-squared) (B) {r['auc_b']:.4f}. B − A = {r['difference']:+.4f}, 95 % paired "
                    f"bootstrap interval {lo:+.4f} to {hi:+.4f}: "
                    f"{'measurably' if r['measurably_different'] else 'not measurably'} different.")
    assert text in view.log.toPlainText()
    window.set_language("zh_CN")  # GUI round: the comparison's line stayed English in the Chinese log
    assert "相同的 601 张图像与相同折上的折外 AUC" in view.log.toPlainText() and text not in view.log.toPlainText()
    window.set_language("en")
    assert text in view.log.toPlainText()

    # other folds: offered greyed out, with the reason (GUI round: offered, then refused naming a CLI option)
    other = next(a for a in sub.actions() if a.text().endswith(" — cv-r18d-s1"))
    assert not other.isEnabled() and "the same data set and seed" in other.toolTip() and sub.toolTipsVisible()
    view._compared(kept_run, table.runs.run_at(table.runs.row_of(lib / "cv-r18d-s1")), None,
                   Exception("a damaged file"))  # a refusal still reaches the window and the log
    assert view.comparison_box.text() == ("ResNet-18-D (cv-r18d) and ResNet-18-D (cv-r18d-s1) cannot be compared: "
                                          "a damaged file")
    view.comparison_box.close()

    unfinished = table.runs.run_at(table.runs.row_of(lib / "cv-unfinished"))
    menu = QMenu(table)
    table._compare_menu(menu, unfinished)
    assert not next(a for a in menu.actions() if a.text() == "Compare with").isEnabled()


def test_a_click_on_a_runs_table_header_sorts_it(qtbot, window):
    """GUI round: the runs table's own header (sized to its texts) was not clickable, so no column sorted."""
    import shutil
    from pathlib import Path

    from core.store.library import library_dir

    kept = Path(__file__).resolve().parents[2] / "bench" / "results" / "cv"
    for name in ("r18d", "r18d-s1"):
        shutil.copytree(kept / name, library_dir() / f"cv-{name}")
    worse = library_dir() / "cv-worse"
    shutil.copytree(kept / "r18d", worse)
    oof = json.loads((worse / "oof.json").read_text())
    oof["metrics"]["auc"] = 0.9
    (worse / "oof.json").write_text(json.dumps(oof))
    table = window.training_view.runs_table
    table.refresh()
    header = table.horizontalHeader()
    auc = table.runs.COLUMNS.index("auc")

    def aucs():
        return [table.model().index(r, auc).data().split("\n")[0] for r in range(table.model().rowCount())]

    assert header.sectionsClickable() and len(aucs()) >= 3
    for _ in range(2):
        x = header.sectionViewportPosition(auc) + header.sectionSize(auc) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
        assert header.sortIndicatorSection() == auc
        shown = aucs()
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert shown == sorted(shown, reverse=descending)
    assert shown != sorted(shown, reverse=not descending)  # the second click turned the order round

    created = table.runs.COLUMNS.index("created")
    table.sortByColumn(created, Qt.SortOrder.DescendingOrder)
    stamps = [table.runs.run_at(table.proxy.mapToSource(table.model().index(r, 0)).row()).created
              for r in range(table.model().rowCount())]
    assert stamps == sorted(stamps, reverse=True)


def test_the_exported_runs_table_says_what_each_row_is_and_keeps_the_intervals(qtbot, window, library_model,
                                                                                  tmp_path, monkeypatch):
    """GUI round: the exported CSV had the columns as shown only, so a cross-validation and a training run of one
    architecture were alike in it, and the intervals were lost."""
    import csv
    import shutil
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from core.store.library import library_dir

    kept = Path(__file__).resolve().parents[2] / "bench" / "results" / "cv" / "r18d"
    shutil.copytree(kept, library_dir() / "cv-r18d")
    window.training_view.runs_table.refresh()
    out = tmp_path / "runs.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.export_runs()
    rows = {Path(r["folder"]).name: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    cv, run = rows["cv-r18d"], rows[library_model.name]
    oof = json.loads((kept / "oof.json").read_text())
    assert (cv["kind"], cv["folds"], cv["folds_done"], cv["metrics_from"]) == ("cross-validation", "5", "5",
                                                                                "out of fold")
    assert (float(cv["auc"]), float(cv["auc_low"]), float(cv["auc_high"])) == (
        oof["metrics"]["auc"], *oof["intervals"]["auc"])
    assert (run["kind"], run["metrics_from"], run["folds"], run["auc_low"]) == ("training run", "validation images",
                                                                               "", "")
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "no" / "runs.csv"), ""))
    window.export_runs()  # a place that cannot be written: said, not a traceback
    assert warned and "could not be saved to" in warned[0] and "No such file or directory" in warned[0]


def test_the_menu_says_cross_validation_when_the_settings_bring_it_back(qtbot, english):
    """GUI round, session 19: with K-fold cross-validation remembered from the last session, the button said
    "Start cross-validation" and the menu "Start training" (the restored mode reached no signal)."""
    from gui import settings
    from gui.app import configure_plots
    from gui.main_window import MainWindow

    settings.set_value("training/mode", "cv")
    configure_plots()
    w = MainWindow(warm_up=False)
    qtbot.addWidget(w)
    w.ensure_views()
    assert w.training_view.start_button.text() == "Start cross-validation"
    assert w.act_start.text() == "Start &cross-validation"
    w.training_view.apply_values(dict(mode="train"))
    assert w.act_start.text() == "&Start training"
