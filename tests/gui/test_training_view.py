"""Training view: a real ResNet-18 run on a tiny synthetic data set drives the plots, the progress bar, the log
and the runs table; Stop and closing the window end the worker; training runs off the UI thread."""

import math
import threading

import pytest
from gui_support import GUI_SIZE, open_dataset
from PySide6.QtCore import Qt

from gui.training import VARIANT_HELP_SOURCE
from tests.core.test_trainer import ends_only_what_was_under_way
from tests.synthetic import fundus_image, write_rgb


def quick_settings(view, epochs=1, batch_size=4):
    view.apply_values(dict(depth=18, variant="D", epochs=epochs, batch_size=batch_size, lr=0.01, rotate=0.0))


def test_training_plots_points_and_adds_a_run_to_the_table(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view)
    assert view.runs_table.model().rowCount() == 0
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    assert view.running and not view.start_button.isEnabled() and view.stop_button.isEnabled()
    qtbot.waitUntil(lambda: view.plots.train_curve.getData()[0] is not None
                    and len(view.plots.train_curve.getData()[0]) >= 1, timeout=60000)
    with qtbot.waitSignal(view.runFinished, timeout=120000):
        pass
    x, y = view.plots.train_curve.getData()
    assert len(x) == 2 and all(math.isfinite(v) and v > 0 for v in y)  # 8 images / batch 4 = 2 batches
    assert list(view.plots.val_curve.getData()[0]) == [1]
    assert len(view.plots.acc_curve.getData()[0]) == 1 and len(view.plots.auc_curve.getData()[0]) == 1
    assert view.progress.value() == view.progress.maximum()
    log = view.log.toPlainText()
    assert "epoch 1/1" in log and "finished in" in log and "data: 8 training images" in log
    assert ", 1 epoch, batch size 4, learning rate 0.01" in log.splitlines()[0]  # not "1 epochs"
    # the run is in the library and in the runs table
    table = view.runs_table
    assert table.model().rowCount() == 1
    run = table.runs.run_at(0)
    assert run.variant == "D" and run.depth == 18 and len(run.history) == 1
    assert run.path.parent.name == "models" and (run.path / "weights.safetensors").is_file()
    assert view.run_label.text() == f"Current run: {run.name} — {run.path.name}"  # named as the table names it
    texts = [table.model().index(0, c).data() for c in range(table.model().columnCount())]
    assert texts[1:4] == ["D", "18", "1"]
    assert texts[4].endswith("%")
    assert view.start_button.isEnabled() and not view.stop_button.isEnabled()
    # the diagnosis view's model picker now offers the new model
    assert window.diagnosis_view.model_combo.findData(str(run.path)) >= 0


def answer_stop_question(view, button: str) -> list[str]:
    """Click ``button`` of the question Stop asks when it would discard the whole run; the question's text is in
    the list returned once it was asked (the list stays empty when Stop asked nothing)."""
    from PySide6.QtCore import QTimer

    asked = []

    def answer():
        box = view.stop_question
        if box is None:
            QTimer.singleShot(20, answer)
            return
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, answer)
    return asked


def test_stop_ends_the_worker_after_the_batch_under_way(qtbot, window, tiny_palm, monkeypatch):
    """Stop: the trainer finishes at most what is under way (tests/core/test_trainer.py's
    ends_only_what_was_under_way), then ends with a stopped Finished that reaches the UI. (How soon:
    bench/gui_bench.py.)"""
    from core.training.trainer import Trainer

    emitted = []  # (event type, whether Stop had been asked), on the trainer thread
    original = Trainer._emit
    monkeypatch.setattr(Trainer, "_emit", lambda self, ev: (emitted.append((type(ev), self.stopping)),
                                                             original(self, ev))[-1])
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=50, batch_size=2)
    assert view.start()
    qtbot.waitUntil(lambda: view.last_batch is not None, timeout=300000)
    asked = answer_stop_question(view, "Keep training")  # in epoch 1, Stop would keep nothing: it asks first
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert asked and view.running and view.stop_button.isEnabled() and not view.run.stopping
    asked = answer_stop_question(view, "Stop and discard")
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert asked and "keeps nothing of this run" in asked[0]
    assert not view.stop_button.isEnabled()
    assert view.progress_label.text() == "Stopping after this batch…"
    with qtbot.waitSignal(view.runFinished, timeout=300000):  # generous for a loaded machine, not a speed claim
        pass
    assert not view.run.running and view.run.trainer.result.stopped
    after = [kind.__name__ for kind, stopping in emitted if stopping]
    assert after[-1] == "Finished" and ends_only_what_was_under_way(after[:-1]), after  # nothing new starts
    assert sum(kind.__name__ == "BatchEnd" for kind, _ in emitted) < 50 * 4  # far from the 50 epochs asked for
    assert "stopped after" in view.log.toPlainText()
    assert view.start_button.isEnabled()
    # GUI round: the label named the folder that was never written as the current run
    assert view.run_label.text() == f"Run {view.run.out_dir.name} kept nothing" and not view.run.out_dir.exists()


def test_stop_in_an_epoch_s_training_says_which_epoch_is_lost_and_what_is_kept(qtbot, window, tiny_palm,
                                                                              monkeypatch):
    """Stop with a batch of epoch 2 still to train: that epoch is trained in part, neither validated nor saved. The
    log and the status line had said only "stopped" and the best epoch; they now name the epoch lost and what was
    kept."""
    from core.training.events import BatchEnd
    from core.training.trainer import Trainer

    original = Trainer._emit

    def emit(self, ev):
        if isinstance(ev, BatchEnd) and ev.epoch == 2 and ev.step == ev.steps - 1:
            self.stop()  # as a click on Stop before the epoch's last batch
        return original(self, ev)

    monkeypatch.setattr(Trainer, "_emit", emit)
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=3, batch_size=4)  # 8 images: 2 batches an epoch
    assert view.start()
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    log = view.log.toPlainText().splitlines()
    assert "stopped after" in log[-1] and "in epoch 2, which is not kept; kept: epoch 1, the last completed, " \
        "and best epoch 1: accuracy" in log[-1], log[-1]
    assert window.statusBar().currentMessage() == ("Training stopped in epoch 2, which is not kept; kept: the last "
                                                   "completed epoch 1 and the best, epoch 1")
    assert view.runs_table.selected_run().resumable  # Resume continues with epoch 2
    assert view.progress.value() == 333  # the bar shows what is kept (epoch 1 of 3), not epoch 2's lost batches

    result = view.run.trainer.result
    assert result.stopped and (result.interrupted, result.last_epoch, result.best_epoch) == (2, 1, 1)

    monkeypatch.setattr(Trainer, "_emit", original)
    qtbot.mouseClick(view.dashboard.resume_button, Qt.MouseButton.LeftButton)
    assert view.running
    assert list(view.plots.live.epochs) == [1]  # the kept epoch stays on the plots while the run goes on
    resumed_log = view.log.toPlainText().splitlines()
    assert resumed_log[0].startswith("Resuming ")
    assert resumed_log[1].startswith("epoch 1/3  train loss ")  # and its line in the log
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    assert list(view.plots.live.epochs) == [1, 2, 3] and view.last_status == "finished"


def test_stop_during_an_epoch_s_validation_keeps_that_epoch(qtbot, window, tiny_palm, monkeypatch):
    """Stop while epoch 2 is validated: its training is done, so it is validated and saved first (it was thrown
    away, without a word), and the status line says so while it happens."""
    from core.training.events import ValidationProgress
    from core.training.trainer import Trainer

    original, clicked = Trainer._emit, threading.Event()

    def emit(self, ev):
        original(self, ev)
        if isinstance(ev, ValidationProgress) and ev.epoch == 2 and not clicked.is_set():
            clicked.wait(120)  # the validation waits for the click on Stop (a timeout fails the test below)

    monkeypatch.setattr(Trainer, "_emit", emit)
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=3, batch_size=4)
    assert view.start()
    qtbot.waitUntil(lambda: view.tracker.last_val is not None and view.tracker.last_val.epoch == 2, timeout=300000)
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert view.stop_question is None and view.run.stopping  # epoch 1 is kept: nothing to ask
    assert view.progress_label.text() == "Stopping once epoch 2 is validated and saved…"
    clicked.set()
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    result = view.run.trainer.result
    assert result.stopped and (result.last_epoch, result.interrupted) == (2, 0)
    assert window.statusBar().currentMessage().startswith("Training stopped after epoch 2; the best is epoch ")
    assert list(view.plots.live.epochs) == [1, 2]
    assert view.runs_table.selected_run().resumable  # Resume continues with epoch 3


def test_closing_the_window_during_training_stops_the_worker_cleanly(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=50, batch_size=2)
    assert view.start()
    qtbot.waitUntil(lambda: view.last_batch is not None, timeout=60000)
    trainer = view.run.trainer
    window.close()
    assert trainer.stopping
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60000)
    assert not trainer.running and not view.run.running
    assert trainer.result.stopped  # a Finished(stopped=True), not a Failed


def test_training_runs_off_the_ui_thread_and_its_events_arrive_on_it(qtbot, window, tiny_palm, monkeypatch):
    """The UI thread never runs a training step or a validation (they run on the trainer's thread), and the
    trainer's events reach the view on the UI thread. (How long the UI thread stalls: bench/gui_bench.py.)"""
    import core.training.trainer

    steps, validations, deliveries = [], [], []
    loss, validate = core.training.trainer.soft_cross_entropy, core.training.trainer.validate
    monkeypatch.setattr(core.training.trainer, "soft_cross_entropy",
                        lambda *a: (steps.append(threading.current_thread()), loss(*a))[-1])
    monkeypatch.setattr(core.training.trainer, "validate",
                        lambda *a, **k: (validations.append(threading.current_thread()), validate(*a, **k))[-1])
    view = window.training_view
    view.run.event.connect(lambda ev: deliveries.append(threading.current_thread()))
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=1, batch_size=4)
    assert view.start()
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    ui = threading.main_thread()
    assert len(steps) == 2 and len(validations) == 1  # 8 images / batch 4; one epoch
    assert all(t is not ui for t in steps + validations)
    assert len(deliveries) > 3 and all(t is ui for t in deliveries)
    assert "epoch 1/1" in view.log.toPlainText()


def _saved_run(variant: str, history: list[dict], **training):
    import core.nn._paddle  # noqa: F401
    from core.nn.models import build_resnet
    from core.store.library import new_run_dir
    from core.store.modelio import save_model

    folder = new_run_dir(f"ResNet-18-{variant}")
    model = build_resnet(18, variant)
    best = max(history, key=lambda h: h["accuracy"])
    save_model(folder, model, {"name": f"ResNet-18-{variant}", "architecture": model.config.to_dict(),
                               "variant": variant, "class_names": ["non-PM", "PM"], "threshold": 0.5,
                               "metrics": {k: best[k] for k in ("loss", "accuracy", "auc", "sensitivity",
                                                                "specificity")},
                               "history": history,
                               "training": {"epochs": len(history) + 1, "depth": 18, "variant": variant, **training}})
    return folder


def _history(n: int, acc0: float):
    return [{"epoch": e, "train_loss": 1.0 / e, "loss": 1.2 / e, "accuracy": acc0 + 0.05 * e, "auc": 0.7 + 0.05 * e,
             "sensitivity": 0.8, "specificity": 0.7, "seconds": 30.0} for e in range(1, n + 1)]


def test_runs_table_compares_variants_and_selecting_a_run_shows_its_curves(qtbot, window, data_dir):
    b = _saved_run("B", _history(3, 0.6))
    d = _saved_run("D", _history(4, 0.7))
    view = window.training_view
    view.runs_table.refresh()
    model = view.runs_table.model()
    assert model.rowCount() == 2
    rows = {model.index(r, 1).data(): [model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(2)}
    assert rows["B"][3] == "3/4" and rows["B"][4] == "75.0 %" and rows["B"][8] == "1:30"
    assert rows["D"][3] == "4/5" and rows["D"][4] == "90.0 %" and rows["D"][5] == "0.9000"
    # sorting by accuracy puts D first
    view.runs_table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 1).data() == "D"
    assert not view.dashboard.use_button.isEnabled()  # no run chosen: nothing to use (it did nothing, enabled)
    assert view.runs_table.select_path(b)
    assert view.dashboard.use_button.isEnabled()
    assert list(view.plots.val_curve.getData()[0]) == [1, 2, 3]
    assert list(view.plots.acc_curve.getData()[1]) == pytest.approx([0.65, 0.7, 0.75])
    assert len(view.plots.train_curve.getData()[0]) == 3  # one training loss per saved epoch
    # named as the table names it, with its folder (the folder alone had stood there: runs looked alike)
    assert view.run_label.text() == f"Showing run: ResNet-18-B — {b.name}"
    assert view.progress_label.text() == "Idle"  # no run in this session
    view.last_status = "stopped"  # as once a run of this session was stopped: its status is not the shown run's
    view.runs_table.select_path(d)
    assert view.progress_label.text() == "Current run: Stopped"
    assert len(view.plots.auc_curve.getData()[0]) == 4
    assert not view.plots.empty_note.isVisible()
    from core.store.modelio import META, read_meta, write_meta

    bare = _saved_run("C", _history(2, 0.6))  # kept without its curves (GUI round: blank axes, the last range)
    write_meta(bare / META, {**read_meta(bare), "history": []})
    view.runs_table.refresh()
    assert view.runs_table.select_path(bare)
    assert view.plots.empty_note.isVisible()
    assert view.plots.empty_note.textItem.toPlainText() == "No training curves were saved with this run"
    assert view.plots.loss_plot.viewRange()[1] == [0, 1]


def test_a_run_s_tooltip_says_its_recipe(qtbot, window, data_dir):
    # GUI round: two runs alike in every column, one trained with random gamma and colour cast, could not be told
    # apart in the table
    plain = _saved_run("D", _history(2, 0.6), flip=True, color_jitter=0.2)
    toned = _saved_run("D", _history(2, 0.6), flip=True, color_jitter=0.2, gamma=0.6, channel_gain=0.15)
    hostile = _saved_run("D", _history(2, 0.6), gamma="0.6\u202e", channel_gain=[1])
    view = window.training_view
    view.runs_table.refresh()
    model = view.runs_table.runs

    def tip(folder):  # the recipe is wrapped into lines of 100 characters
        return model.index(model.row_of(folder), 0).data(Qt.ItemDataRole.ToolTipRole).replace("\n", " ")

    assert "colour jitter 0.2" in tip(plain) and "gamma" not in tip(plain)
    assert "augmentation: flip, colour jitter 0.2, gamma 0.62–1.6, channel gain ±0.15;" in tip(toned)
    assert "Recipe: ResNet-18-D from scratch" in tip(hostile) and "\u202e" not in tip(hostile)  # a read file


def test_the_runs_table_shows_every_column_at_1280_by_800(qtbot, window, data_dir):
    """Every column sized to its contents had made the table wider than its place at 1280 x 800: the last column
    (Created) was cut. The figures keep their width; the model's name takes what is left (elided, whole in its
    tooltip)."""
    import shutil
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from core.store.library import library_dir
    from core.store.modelio import META, read_meta, write_meta
    from gui.main_window import TRAINING

    _saved_run("B", _history(3, 0.6))
    long = _saved_run("D", [{**h, "seconds": 1200.0} for h in _history(12, 0.7)])  # "4:00:00"
    write_meta(long / META, {**read_meta(long), "name": "PM Screen ResNet-18-D × 2"})  # the bundled model's name
    # a cross-validation's figures carry their intervals and "5 folds × 12": the widest the columns get (GUI
    # round: beside the form, held at 413 px by its longest label, the table scrolled for "Created")
    shutil.copytree(Path(__file__).resolve().parents[2] / "bench" / "results" / "cv" / "r18d", library_dir() / "cv")
    window.resize(1280, 800)
    window.show_page(TRAINING)
    table = window.training_view.runs_table
    table.refresh()
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: table.isVisible() and header.length() > 0)
    QApplication.processEvents()
    width = table.viewport().width()
    last = header.count() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= width
    assert header.length() <= width and table.horizontalScrollBar().maximum() == 0
    for column in range(1, header.count()):  # the figures whole
        assert header.sectionSize(column) >= table.sizeHintForColumn(column), column
    name = table.model().index(0, 0)
    assert name.data() in name.data(Qt.ItemDataRole.ToolTipRole)


def test_variant_and_advanced_tweaks_build_the_training_config(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    for i in range(view.form.widgets["variant"].count()):
        letter = view.form.widgets["variant"].itemData(i)
        assert view.form.widgets["variant"].itemData(i, Qt.ItemDataRole.ToolTipRole) == VARIANT_HELP_SOURCE[letter]
    view.apply_values(dict(depth=50, variant="B"))
    assert view.form.tweak_boxes["stride_in_3x3"].isChecked() and not view.form.tweak_boxes["deep_stem"].isChecked()
    assert view.build_config().tweaks == {}
    view.form.tweak_boxes["avg_down"].setChecked(True)
    cfg = view.build_config()
    assert (cfg.depth, cfg.variant, cfg.tweaks) == (50, "B", {"avg_down": True})
    assert view.form.variant_help.text().startswith("Custom")
    depth = view.form.widgets["depth"]
    assert [depth.itemData(i) for i in range(depth.count())] == [18, 34, 50, 101, 152]


def test_the_default_recipe_trains_on_a_cpu_as_shown(qtbot, window, tiny_palm):
    """Every control at its default (only the epochs cut to 1): the run finishes on this CPU, and the recipe it
    recorded in its model folder is the one the view showed."""
    import json

    from core.training.events import Finished

    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    shown = view.config_values()
    view.form.widgets["epochs"].setValue(1)
    assert view.start()
    with qtbot.waitSignal(view.runFinished, timeout=300000):
        pass
    result = view.run.trainer.result
    assert isinstance(result, Finished) and not result.stopped, result
    assert "device cpu" in view.log.toPlainText()
    run = view.runs_table.runs.run_at(0)
    recorded = json.loads((run.path / "model.json").read_text())["training"]
    assert recorded["epochs"] == 1
    assert {k: recorded[k] for k in shown if k not in ("epochs", "limit")} == {
        k: v for k, v in shown.items() if k not in ("epochs", "limit")}


def test_a_run_that_fails_is_reported_in_the_log_and_the_view_recovers(qtbot, window, tmp_path):
    for i in range(4):  # training images of one class only: the engine refuses to train
        write_rgb(tmp_path / "one" / "Training" / f"P{i:04d}.jpg", fundus_image(True, i, GUI_SIZE))
    view = window.training_view
    open_dataset(qtbot, window, tmp_path / "one")
    quick_settings(view)
    assert view.start()
    with qtbot.waitSignal(view.runFinished, timeout=60000):
        pass
    assert "ERROR: ValueError: the training images hold only one class" in view.log.toPlainText()
    assert view.progress_label.text() == "Failed"
    assert view.start_button.isEnabled() and not view.stop_button.isEnabled()
    assert view.runs_table.model().rowCount() == 0


def test_no_loss_marker_lies_under_the_legend(qtbot, window):
    """GUI round: an epoch-1 validation loss above the rest was drawn under the legend (top right)."""
    from gui.training.plots import Series

    history = [dict(epoch=1, train_loss=0.70, loss=1.04, accuracy=0.4, auc=0.04, sensitivity=0.01, specificity=0.8),
               dict(epoch=2, train_loss=0.65, loss=0.69, accuracy=0.5, auc=0.55, sensitivity=0.9, specificity=0.0)]
    view = window.training_view
    window.show_page(1)
    window.resize(1280, 800)
    plots = view.plots
    plots.show_series(Series.from_history(history), per_batch=False, epochs=2)
    qtbot.waitUntil(lambda: plots.loss_plot.isVisible())
    item = plots.loss_plot.getPlotItem()
    legend = item.legend.sceneBoundingRect()
    for curve in (plots.train_curve, plots.val_curve):
        for x, y in zip(*curve.getData()):
            point = item.getViewBox().mapViewToScene(pg_point(x, y))
            assert not legend.contains(point), (x, y)


def pg_point(x, y):  # a view position
    from PySide6.QtCore import QPointF

    return QPointF(float(x), float(y))
