"""The Training view's form is generated from one field table tied to TrainConfig's names; the live plots redraw
on a timer from arrays, not on every event."""

import dataclasses

from gui_support import open_dataset
from PySide6.QtWidgets import QApplication

from core.nn.choices import BEST_METRICS, VARIANTS
from core.training.cv import POOLS
from core.training.events import BatchEnd
from core.training.trainer import TrainConfig
from gui.training.fields import BY_NAME, CV_ONLY, DEFAULTS, FIELDS, NOT_IN_CV


def test_every_field_is_a_train_config_field_a_tweak_or_a_cv_setting():
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    for f in FIELDS:
        expected = {"config": names, "tweak": set(VARIANTS["O"]), "cv": {"mode", "folds", "pool"}}[f.target]
        assert f.name in expected, f.name
    assert [v for v, _ in BY_NAME["best_metric"].choices] == list(BEST_METRICS)  # core's list, once
    assert {v for v, _ in BY_NAME["pool"].choices} == set(POOLS)
    for name in ("color_jitter", "label_smoothing", "warmup_epochs", "zero_init_last_bn"):  # no GUI-only names
        assert name in BY_NAME


def test_settings_from_an_edited_settings_file_are_clamped_or_left_at_their_defaults(qtbot, window):
    """Hostile round: epochs=99999999999999999999 in settings.ini overflowed the spin box (a traceback, and the
    Training view was never built); lr=nan was shown and used as 1.0."""
    form = window.training_view.form
    form.apply_values({"epochs": "99999999999999999999", "lr": "nan", "batch_size": "sixteen", "rotate": "-5"})
    v = form.config_values()
    assert v["epochs"] == BY_NAME["epochs"].range[1] and v["lr"] == DEFAULTS["lr"]
    assert v["batch_size"] == DEFAULTS["batch_size"] and v["rotate"] == 0


def test_the_form_shows_and_returns_the_table_s_values(qtbot, window, tiny_palm):
    view = window.training_view
    form = view.form
    assert set(form.values()) == set(DEFAULTS)
    form.apply_values(dict(DEFAULTS, epochs=3, lr=0.002, color_jitter=0.2, label_smoothing=0.1,
                           zero_init_last_bn=True, best_metric="auc"))
    v = form.config_values()
    assert (v["epochs"], v["lr"], v["color_jitter"], v["label_smoothing"], v["zero_init_last_bn"],
            v["best_metric"]) == (3, 0.002, 0.2, 0.1, True, "auc")
    assert "mode" not in v and form.cv_values() == {"mode": "train", "folds": 5, "pool": "all"}
    open_dataset(qtbot, window, tiny_palm)
    cfg = view.build_config()
    assert (cfg.color_jitter, cfg.label_smoothing, cfg.zero_init_last_bn, cfg.best_metric) == (0.2, 0.1, True, "auc")


def test_cross_validation_shows_its_settings_and_greys_out_what_it_does_not_use(qtbot, window):
    from gui.main_window import TRAINING

    window.show_page(TRAINING)
    form = window.training_view.form
    assert all(not form.widgets[n].isVisible() for n in CV_ONLY)
    assert form.start_button.text() == "Start training"
    form.apply_values(dict(DEFAULTS, mode="cv", folds=3, pool="train"))
    QApplication.processEvents()
    assert all(form.widgets[n].isVisibleTo(form) for n in CV_ONLY)
    assert all(not form.widgets[n].isEnabled() for n in NOT_IN_CV)
    assert form.start_button.text() == "Start cross-validation"
    assert form.cv_values() == {"mode": "cv", "folds": 3, "pool": "train"}
    form.apply_values(DEFAULTS)
    assert all(form.widgets[n].isEnabled() for n in NOT_IN_CV)


def test_live_plots_redraw_on_their_timer_not_on_every_event(qtbot, window, monkeypatch):
    from gui.training.progress import RunProgress
    from gui.training.run import TrainingRun

    view = window.training_view
    plots = view.plots
    monkeypatch.setattr(TrainingRun, "running", property(lambda self: True))
    view.tracker = RunProgress(epochs=2, batch_size=4)
    plots.start_live()
    view.show_live()
    draws = []
    original = plots.draw
    monkeypatch.setattr(plots, "draw", lambda: (draws.append(1), original())[-1])
    for step in range(1, 101):
        view._on_event(BatchEnd(1, step, 100, step, 1.0 / step, 0.01, 10.0))
    assert draws == []  # nothing drawn per event
    qtbot.waitUntil(lambda: plots.train_curve.getData()[0] is not None and len(plots.train_curve.getData()[0]) == 100)
    assert 1 <= len(draws) <= 2
    plots.stop_live()
    monkeypatch.undo()


def test_the_learning_rate_is_shown_compactly_and_read_as_typed(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    lr = window.training_view.form.widgets["lr"]
    assert lr.value() == 0.001 and lr.text() == "0.001"  # not "0.001000"
    lr.setValue(1e-5)
    assert lr.text() == "1e-05"
    lr.lineEdit().selectAll()
    QTest.keyClicks(lr.lineEdit(), "2e-4")
    QTest.keyClick(lr.lineEdit(), Qt.Key.Key_Return)
    assert lr.value() == 0.0002 and lr.text() == "0.0002"
    assert window.training_view.form.widgets["weight_decay"].text() == "0.0001"


def wheel(widget, steps: int = -3) -> None:
    """A mouse-wheel turn over ``widget`` (negative: towards the user, i.e. scrolling down)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    pos = QPointF(widget.rect().center())
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_mouse_wheel_scrolls_the_form_and_changes_no_setting_it_passes_over(qtbot, window):
    from gui.main_window import TRAINING

    window.show_page(TRAINING)
    form = window.training_view.form
    form.advanced.expand(animate=False)  # colour jitter is an advanced setting
    window.resize(1280, 600)  # short enough for the settings to scroll
    bar = form.settings_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    jitter, mode = form.widgets["color_jitter"], form.widgets["mode"]
    before = (jitter.value(), mode.currentIndex(), bar.value())
    window.activateWindow()
    form.widgets["epochs"].setFocus()
    for w in (jitter, mode):
        wheel(w)
    assert (jitter.value(), mode.currentIndex()) == before[:2]  # nothing changed under the pointer
    assert bar.value() > before[2]  # the form scrolled instead
    jitter.setFocus()
    qtbot.waitUntil(jitter.hasFocus)
    wheel(jitter, 1)
    assert jitter.value() != before[0]  # a focused field still takes the wheel


def test_tab_leaves_the_runs_table(qtbot, library_model, window):
    from PySide6.QtCore import Qt

    from gui.main_window import TRAINING

    window.show_page(TRAINING)
    window.activateWindow()
    table = window.training_view.runs_table
    table.refresh()  # the library model made for this test
    assert table.model().rowCount() >= 1
    table.setCurrentIndex(table.model().index(0, 0))
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()  # it used to keep Tab for moving between its cells: a keyboard trap
