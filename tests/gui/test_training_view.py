"""Training view: a real ResNet-18 run on a tiny synthetic data set drives the plots, the progress bar, the log
and the runs table; Stop and closing the window end the worker promptly; the UI thread never stalls."""

import math
import time

import pytest
from gui_support import fundus, open_dataset, write
from PySide6.QtCore import Qt, QTimer

from gui.training_view import VARIANT_HELP_SOURCE


def quick_settings(view, epochs=1, batch_size=4):
    view.apply_values(dict(depth=18, variant="D", epochs=epochs, batch_size=batch_size, lr=0.01, rotate=0.0))


def test_training_plots_points_and_adds_a_run_to_the_table(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view)
    assert view.runs_table.model().rowCount() == 0
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    assert view.running and not view.start_button.isEnabled() and view.stop_button.isEnabled()
    qtbot.waitUntil(lambda: len(view.train_curve.getData()[0] or []) >= 1, timeout=60000)
    with qtbot.waitSignal(view.runFinished, timeout=120000):
        pass
    x, y = view.train_curve.getData()
    assert len(x) == 2 and all(math.isfinite(v) and v > 0 for v in y)  # 8 images / batch 4 = 2 batches
    assert list(view.val_curve.getData()[0]) == [1]
    assert len(view.acc_curve.getData()[0]) == 1 and len(view.auc_curve.getData()[0]) == 1
    assert view.progress.value() == view.progress.maximum()
    log = view.log.toPlainText()
    assert "epoch 1/1" in log and "finished in" in log and "data: 8 training images" in log
    # the run is in the library and in the runs table
    table = view.runs_table
    assert table.model().rowCount() == 1
    run = table.runs.run_at(0)
    assert run.variant == "D" and run.depth == 18 and len(run.history) == 1
    assert run.path.parent.name == "models" and (run.path / "weights.safetensors").is_file()
    texts = [table.model().index(0, c).data() for c in range(table.model().columnCount())]
    assert texts[1:4] == ["D", "18", "1"]
    assert texts[4].endswith("%")
    assert view.start_button.isEnabled() and not view.stop_button.isEnabled()
    # the diagnosis view's model picker now offers the new model
    assert window.diagnosis_view.model_combo.findData(str(run.path)) >= 0


def test_stop_ends_the_worker_within_two_seconds(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=50, batch_size=2)
    assert view.start()
    qtbot.waitUntil(lambda: view._last_batch is not None, timeout=60000)
    t0 = time.perf_counter()
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert not view.stop_button.isEnabled()
    assert view.progress_label.text() == "Stopping after this batch…"
    qtbot.waitUntil(lambda: not view.run.running, timeout=2000)
    assert time.perf_counter() - t0 < 2.0
    qtbot.waitUntil(lambda: view.start_button.isEnabled(), timeout=2000)  # the final event reached the UI
    assert view.run.trainer.result.stopped
    assert "stopped after" in view.log.toPlainText()
    assert view.start_button.isEnabled()


def test_closing_the_window_during_training_stops_the_worker_cleanly(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=50, batch_size=2)
    assert view.start()
    qtbot.waitUntil(lambda: view._last_batch is not None, timeout=60000)
    trainer = view.run.trainer
    window.close()
    assert trainer.stopping
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not trainer._thread.is_alive()
    assert trainer.result.stopped  # a Finished(stopped=True), not a Failed


def test_the_ui_thread_stays_responsive_during_training(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    quick_settings(view, epochs=1, batch_size=4)
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    assert view.start()
    with qtbot.waitSignal(view.runFinished, timeout=120000):
        pass
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 50  # the run took seconds; the heartbeat kept beating
    assert max(gaps) < 0.2, f"the UI thread stalled for {max(gaps) * 1000:.0f} ms"
    assert "epoch 1/1" in view.log.toPlainText()


def _saved_run(variant: str, history: list[dict]):
    import core._paddle  # noqa: F401
    from core.library import new_run_dir
    from core.modelio import save_model
    from core.models import build_resnet

    folder = new_run_dir(f"ResNet-18-{variant}")
    model = build_resnet(18, variant)
    best = max(history, key=lambda h: h["accuracy"])
    save_model(folder, model, {"name": f"ResNet-18-{variant}", "architecture": model.config.to_dict(),
                               "variant": variant, "class_names": ["non-PM", "PM"], "threshold": 0.5,
                               "metrics": {k: best[k] for k in ("loss", "accuracy", "auc", "sensitivity",
                                                                "specificity")},
                               "history": history, "training": {"epochs": len(history) + 1, "depth": 18}})
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
    assert view.runs_table.select_path(b)
    assert list(view.val_curve.getData()[0]) == [1, 2, 3]
    assert list(view.acc_curve.getData()[1]) == pytest.approx([0.65, 0.7, 0.75])
    assert len(view.train_curve.getData()[0]) == 3  # one training loss per saved epoch
    assert b.name in view.run_label.text()
    view.runs_table.select_path(d)
    assert len(view.auc_curve.getData()[0]) == 4


def test_variant_and_advanced_tweaks_build_the_training_config(qtbot, window, tiny_palm):
    view = window.training_view
    open_dataset(qtbot, window, tiny_palm)
    for i in range(view.variant.count()):
        letter = view.variant.itemData(i)
        assert view.variant.itemData(i, Qt.ItemDataRole.ToolTipRole) == VARIANT_HELP_SOURCE[letter]
    view.apply_values(dict(depth=50, variant="B"))
    assert view.tweak_boxes["stride_in_3x3"].isChecked() and not view.tweak_boxes["deep_stem"].isChecked()
    assert view.build_config().tweaks == {}
    view.tweak_boxes["avg_down"].setChecked(True)
    cfg = view.build_config()
    assert (cfg.depth, cfg.variant, cfg.tweaks) == (50, "B", {"avg_down": True})
    assert view.variant_help.text().startswith("Custom")
    assert [view.depth.itemData(i) for i in range(view.depth.count())] == [18, 34, 50, 101, 152]


def test_training_defaults_finish_on_a_cpu(window):
    cfg = window.training_view.config_values()
    assert (cfg["depth"], cfg["variant"]) == (18, "D") and cfg["epochs"] <= 10


def test_a_run_that_fails_is_reported_in_the_log_and_the_view_recovers(qtbot, window, tmp_path):
    for i in range(4):  # training images of one class only: the engine refuses to train
        write(tmp_path / "one" / "Training" / f"P{i:04d}.jpg", fundus(i, True))
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
