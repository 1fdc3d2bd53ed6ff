"""Training view, from issue 11's walkthrough: validation progress instead of a full bar, whole markers at the
last epoch, the Advanced arrow, Start always in view, the log in the GUI's language."""

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from superqt import QCollapsible

from core.training.events import BatchEnd, CheckpointSaved, DataReady, EpochEnd, Finished, Log, ValidationProgress
from gui.main_window import TRAINING
from gui.training.fields import DEFAULTS
from gui.training.progress import RunProgress
from gui.training.run import TrainingRun

METRICS = {"loss": 0.41, "accuracy": 0.875, "auc": 0.9375, "sensitivity": 1.0, "specificity": 0.75}


def test_the_final_validation_shows_its_own_progress(qtbot, window, monkeypatch):
    view = window.training_view
    monkeypatch.setattr(TrainingRun, "running", property(lambda self: True))
    view.tracker = RunProgress(epochs=2, batch_size=4)
    view._on_event(DataReady(8, 200, {"non-PM": 4, "PM": 4}))
    view._on_event(BatchEnd(2, 2, 2, 4, 0.5, 0.001, 10.0))  # the last batch of the last epoch
    at_last_batch = view.progress.value()
    assert at_last_batch < view.progress.maximum()  # validation is still to come
    # said from the last batch on ("batch 2/2" stayed until the first validation batch was scored)
    assert view.progress_label.text().startswith("Epoch 2/2 · validating: 0 of 200 images · about ")
    view._on_event(ValidationProgress(2, 100, 200))
    assert at_last_batch < view.progress.value() < view.progress.maximum()
    text = view.progress_label.text()
    assert text.startswith("Epoch 2/2 · validating: 100 of 200 images · about ") and text.endswith(" left")
    assert "batch" not in text
    view._on_event(ValidationProgress(2, 200, 200))
    assert view.progress.value() == view.progress.maximum()
    monkeypatch.undo()  # (before the window fixture looks for a run to stop)


def test_stop_asks_first_only_while_it_would_keep_nothing(qtbot, window, monkeypatch):
    """In epoch 1 a stop keeps nothing, and asks first; once epoch 1's batches are all trained it is validated
    and saved whatever happens, so a stop keeps it and need not ask."""
    view = window.training_view
    view.tracker = RunProgress(epochs=2, batch_size=4)
    view._on_event(DataReady(8, 200, {"non-PM": 4, "PM": 4}))
    view._on_event(BatchEnd(1, 1, 2, 1, 0.5, 0.001, 10.0))
    assert view._keeps_nothing() and view.tracker.validating() == 0
    view._on_event(BatchEnd(1, 2, 2, 2, 0.5, 0.001, 10.0))  # epoch 1's last batch: its validation follows
    assert not view._keeps_nothing() and view.tracker.validating() == 1
    view._on_event(ValidationProgress(1, 100, 200))
    assert view.tracker.validating() == 1
    view._on_event(EpochEnd(1, 2, 0.5, METRICS, 5.0, True, 1))
    view._on_event(CheckpointSaved("/runs/r", 1, True))
    assert view.tracker.validating() == 0 and not view._keeps_nothing()  # saved: kept
    monkeypatch.setattr(TrainingRun, "running", property(lambda self: True))
    monkeypatch.setattr(TrainingRun, "stopping", property(lambda self: True))
    view._on_event(BatchEnd(2, 2, 2, 4, 0.5, 0.001, 10.0))
    assert view.progress_label.text() == "Stopping once epoch 2 is validated and saved…"
    monkeypatch.undo()  # (before the window fixture looks for a run to stop)


def test_the_stop_question_is_withdrawn_once_an_epoch_is_kept(qtbot, window, monkeypatch):
    """GUI round: the question "stopping now keeps nothing" stayed up while the run went on; over a finished run,
    or after epoch 1 was saved, its "Stop and discard" was no longer true. It now goes, stopping nothing."""
    from PySide6.QtCore import QTimer

    view = window.training_view
    stops, said = [], []
    monkeypatch.setattr(TrainingRun, "running", property(lambda self: True))
    monkeypatch.setattr(TrainingRun, "stop", lambda self: stops.append(True))
    view.statusMessage.connect(lambda text: said.append(text()))
    view.tracker = RunProgress(epochs=2, batch_size=4)
    view._on_event(DataReady(8, 200, {"non-PM": 4, "PM": 4}))
    view._on_event(BatchEnd(1, 1, 2, 1, 0.5, 0.001, 10.0))
    asked = []

    def meanwhile():  # while the question is up, epoch 1's last batch ends: its validation and save follow
        asked.append(view.stop_question is not None and view.stop_question.isVisible())
        view._on_event(BatchEnd(1, 2, 2, 2, 0.5, 0.001, 10.0))

    QTimer.singleShot(50, meanwhile)
    view.stop()
    assert asked == [True] and view.stop_question is None and not stops  # withdrawn; nothing stopped
    assert said[-1] == "An epoch has been kept meanwhile: Stop now keeps it"
    view.stop()  # asked again: it keeps epoch 1, so it stops at once
    assert stops == [True]
    monkeypatch.undo()  # (before the window fixture looks for a run to stop)


def test_no_note_on_the_empty_loss_plot_before_any_run(qtbot, window):
    """GUI round: before any run the "No training curves were saved with this run" note showed, cut, at the
    bottom left of the empty loss plot (it was visible from its making, at the origin)."""
    window.show_page(1)
    QApplication.processEvents()
    assert window.training_view.run_label.text() == "No run yet"
    assert not window.training_view.plots.empty_note.isVisible()


def test_the_last_epoch_s_markers_are_not_clipped(qtbot, window):
    view = window.training_view
    view.tracker = RunProgress(epochs=3, batch_size=4)
    for e in (1, 2, 3):
        view.plots.live.add_epoch(e, 0.6, {"loss": 0.5, "accuracy": 1.0, "auc": 1.0})
    view.show_live()
    for plot in (view.plots.loss_plot, view.plots.metric_plot):
        (x0, x1), _ = plot.getViewBox().viewRange()
        assert x0 <= 0 and x1 >= 3.2  # room right of epoch 3 for its marker
    (_, _), (y0, y1) = view.plots.metric_plot.getViewBox().viewRange()
    assert y1 >= 1.04  # and above 100 %


def test_a_saved_run_of_one_epoch_shows_its_training_loss(qtbot, window):
    """A saved run keeps one training loss per epoch: with one epoch that is a single point, which a line alone
    does not show; it gets a marker (the live per-batch curve has none: too many points)."""
    from gui.training.plots import Series

    plots = window.training_view.plots
    saved = Series.from_history([{"epoch": 1, "train_loss": 0.69, "loss": 0.95, "accuracy": 0.5, "auc": 0.5}])
    plots.show_series(saved, per_batch=False, epochs=1)
    scatter = plots.train_curve.scatter
    assert scatter.isVisible() and [p.pos().y() for p in scatter.points()] == [pytest.approx(0.69)]
    live = Series()
    live.add_batch(1 / 3, 0.7)  # the first batch of a live run: one point, marked too (it was not seen)
    plots.show_series(live, per_batch=True, epochs=1)
    assert scatter.isVisible() and [p.pos().y() for p in scatter.points()] == [pytest.approx(0.7)]
    for i in range(1, 3):
        live.add_batch((i + 1) / 3, 0.7 - 0.01 * i)
    plots.show_series(live, per_batch=True, epochs=1)
    assert not scatter.isVisible()


def test_the_advanced_arrow_points_the_usual_way_and_start_stays_in_view(qtbot, window):
    view = window.training_view
    window.show_page(TRAINING)
    window.resize(1280, 800)
    adv = view.form.advanced

    def shows(glyph):
        want = QCollapsible._convert_string_to_icon(adv, glyph).pixmap(16).toImage()
        return adv._toggle_btn.icon().pixmap(16).toImage() == want

    adv.collapse(animate=False)
    QApplication.processEvents()
    assert shows("▶") and not shows("▼")
    adv.expand(animate=False)
    QApplication.processEvents()
    assert shows("▼")
    start = view.start_button
    top_left = start.mapTo(window, QPoint(0, 0))
    assert window.rect().contains(QRect(top_left, start.size()))
    assert start.isVisible() and not start.visibleRegion().isEmpty()
    assert not view.form.settings_scroll.widget().isAncestorOf(start)  # outside the scroll area


def test_the_log_is_written_in_the_gui_s_language(qtbot, window):
    view = window.training_view
    events = [Log("device cpu"), DataReady(8, 4, {"non-PM": 4, "PM": 4}, [], {"H": 2, "N": 2, "P": 4}),
              EpochEnd(1, 1, 0.69, METRICS, 12.0, True, 1), CheckpointSaved("/runs/r1", 1, True),
              Finished("/runs/r1", 1, METRICS, False, 20.0)]
    for ev in events:
        view.log.add_event(ev)
    log = view.log.toPlainText()
    assert "device cpu" in log and \
        "data: 8 training images (non-PM 4, PM 4; by file name: H 2, N 2, P 4), 4 validation images" in log
    assert "epoch 1/1  train loss 0.6900  val loss 0.4100  acc 87.5 %" in log and "*best*" in log
    assert "finished in 20 s; best epoch 1: accuracy 87.5 %, AUC 0.9375" in log
    window.set_language("zh_CN")
    try:
        log = view.log.toPlainText()
        assert "设备 cpu" in log and "数据：8 张训练图像" in log and "第 1/1 轮" in log and "秒完成" in log
        assert "epoch" not in log and "finished" not in log and "device" not in log
    finally:
        window.set_language("en")
    assert "device cpu" in view.log.toPlainText()


def _form_fits(form) -> None:
    """Nothing of the settings column is cut: it fits its viewport, is not scrolled sideways, and every label shows
    its whole text."""
    area = form.settings_scroll
    assert area.horizontalScrollBar().value() == 0
    assert area.widget().width() <= area.viewport().width()
    for name, label in form.labels.items():
        if label.isVisibleTo(form):
            assert label.mapTo(area.viewport(), QPoint(0, 0)).x() >= 0, name
            assert label.width() >= label.sizeHint().width(), name


def _wait_laid_out(qtbot, form) -> None:
    """Until the splitter gives the settings at least the width they ask for (it follows their polished fonts)."""
    area = form.settings_scroll
    qtbot.waitUntil(lambda: area.width() >= max(area.minimumWidth(), area.minimumSizeHint().width()))
    QApplication.processEvents()


def test_tabbing_through_the_settings_never_shifts_them_sideways(qtbot, window):
    """Tab moved the focus to a field cut at the right edge and the scroll area, its horizontal bar hidden, scrolled
    the whole form sideways (labels clipped) and stayed so: the form had a fixed minimum width, narrower than its
    fields. Here with the splitter dragged as far left as it goes."""
    view = window.training_view
    window.show_page(TRAINING)
    form = view.form
    form.advanced.expand(animate=False)
    area = form.settings_scroll
    _wait_laid_out(qtbot, form)
    view.splitter.setSizes([200, 2000])
    _wait_laid_out(qtbot, form)
    form.widgets["mode"].setFocus()
    visited = set()
    for _ in range(3 * len(form.widgets)):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        QApplication.processEvents()
        focus = QApplication.focusWidget()
        if area.widget().isAncestorOf(focus):
            visited.add(focus)
            assert area.horizontalScrollBar().value() == 0, focus
    assert len(visited) >= 10  # the Tab went through the form's fields
    _form_fits(form)


def test_in_cross_validation_the_scroll_bar_covers_no_field(qtbot, window):
    """With the two cross-validation rows the form is taller than the window: its vertical scroll bar appears, and
    had covered the spin boxes' arrow buttons (it took its width from a viewport already as narrow as the form)."""
    view = window.training_view
    window.show_page(TRAINING)
    window.resize(1280, 800)
    form = view.form
    form.apply_values(dict(DEFAULTS, mode="cv"))
    form.advanced.expand(animate=False)
    area = form.settings_scroll
    bar = area.verticalScrollBar()
    _wait_laid_out(qtbot, form)
    assert bar.isVisible()
    bar_left = bar.mapTo(area, QPoint(0, 0)).x()
    for name, w in form.widgets.items():
        if w.isVisibleTo(form):
            assert w.mapTo(area, QPoint(w.width(), 0)).x() <= bar_left, name
    _form_fits(form)
    form.apply_values(DEFAULTS)


def test_time_left_counts_validation_and_then_measured_epochs(qtbot, window, monkeypatch):
    """The time left had counted the training batches only until an epoch ended: with as many validation images as
    training images it said less than half the truth. Now it adds the validation (estimated from the batches'
    pace, then measured), and once an epoch has ended it uses the epochs' wall time, validation and saving in."""
    view = window.training_view
    monkeypatch.setattr(TrainingRun, "running", property(lambda self: True))
    now = [0.0]
    view.tracker = RunProgress(epochs=3, batch_size=4, clock=lambda: now[0])

    def at(t, ev):
        now[0] = t
        view._on_event(ev)
        return view.progress_label.text()

    try:
        at(0.0, DataReady(40, 120, {"non-PM": 20, "PM": 20}))  # 10 batches of 4; 120 validation images
        for step in range(1, 6):  # a batch a second
            text = at(float(step), BatchEnd(1, step, 10, step, 0.7, 0.001, 4.0))
        # 5 s of training left, validation about 120 images x 1/3 of a training image's 0.25 s = 10 s, then 2 x 20 s
        assert text.endswith("about 0:55 left"), text
        for step in range(6, 11):
            at(float(step), BatchEnd(1, step, 10, step, 0.7, 0.001, 4.0))
        text = at(16.0, ValidationProgress(1, 60, 120))  # validation measured: 12 s in all, 6 s to go
        assert text == "Epoch 1/3 · validating: 60 of 120 images · about 0:50 left", text  # + 2 x (10 + 12 s)
        at(22.0, ValidationProgress(1, 120, 120))
        at(22.0, EpochEnd(1, 3, 0.7, METRICS, 22.0, True, 1))
        at(24.0, CheckpointSaved("/runs/r", 1, True))  # the first epoch took 24 s, saving included
        text = at(29.0, BatchEnd(2, 5, 10, 15, 0.6, 0.001, 4.0))
        assert text.endswith("about 0:43 left"), text  # 19 s of this epoch and one more of 24 s
    finally:
        monkeypatch.undo()  # (before the window fixture looks for a run to stop)


def test_a_narrow_window_keeps_the_plot_titles_and_the_model_names_whole(qtbot, window):
    """GUI round: at 1024x700 "Validation accuracy and AUC" was cut at the window's edge (a plot title does not
    elide) and the runs table squeezed the model name to "Re…-D" while its figures ran out of view anyway."""
    from gui.training.runs_table import RunsModel

    view = window.training_view
    window.show_page(TRAINING)
    plots, table = view.plots, view.runs_table

    def whole(plot):  # the title is centred over the data area: half of it on either side
        item = plot.getPlotItem().titleLabel.item
        middle = plot.getPlotItem().vb.sceneBoundingRect().center().x()
        return item.boundingRect().width() / 2 <= min(middle, plot.width() - middle)

    def title(plot):
        return plot.getPlotItem().titleLabel.text

    window.resize(1024, 700)
    QApplication.processEvents()
    assert whole(plots.loss_plot) and whole(plots.metric_plot)
    window.resize(900, 700)  # narrower still: the long title gives way to the short one
    qtbot.waitUntil(lambda: title(plots.metric_plot) == "Accuracy, AUC", timeout=5000)
    assert whole(plots.loss_plot) and whole(plots.metric_plot)
    plots.set_fold(2, 5)
    assert title(plots.loss_plot).startswith("Loss · ") and whole(plots.loss_plot) and whole(plots.metric_plot)
    name = RunsModel.COLUMNS.index("name")
    assert table.columnWidth(name) >= table.fontMetrics().horizontalAdvance("ResNet-152-D")
    plots.set_fold(None)
    window.resize(1400, 850)
    qtbot.waitUntil(lambda: title(plots.metric_plot) == "Validation accuracy and AUC", timeout=5000)
    assert whole(plots.metric_plot)


def test_the_log_names_the_classes_in_the_language_shown(qtbot, window):
    """GUI round: the Chinese log said "non-PM 47, PM 54" where the table names 非病理性近视 and 病理性近视."""
    from gui import i18n

    log = window.training_view.log
    log.add_event(DataReady(8, 4, {"non-PM": 4, "PM": 4}, tag_counts={"H": 2, "N": 2, "P": 4}))
    assert "(non-PM 4, PM 4; by file name: H 2, N 2, P 4)" in log.toPlainText()
    i18n.apply_language("zh_CN")
    try:
        text = log.toPlainText()  # written again in the language chosen
        assert "非病理性近视 4, 病理性近视 4" in text and "non-PM" not in text
    finally:
        i18n.apply_language("en")
