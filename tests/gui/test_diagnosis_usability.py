"""Diagnosis view, as a new user meets it (issue 11's walkthrough): long texts stay inside the window, the keyboard
reaches everything, the first screen leads to diagnosis, Clear asks first, reasons are whole and translated."""

from pathlib import Path

import numpy as np
import pytest
from gui_support import answer_question, save_test_model
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent
from PySide6.QtWidgets import QApplication, QHeaderView, QMessageBox

from core.images.quality import assess
from core.screening.inference import Prediction
from core.screening.messages import ModelInfo
from core.screening.session import Row
from gui import i18n
from gui.diagnosis.results import COL_VERDICT
from gui.main_window import DIAGNOSIS, MainWindow

LONG = "/data/clinic/" + "very-long-folder-name_" * 12 + "photo.jpg"
MODEL = ModelInfo("ResNet-18-D", 0.5, None, Path("/nowhere/model"))


def rows(*preds) -> list[Row]:
    return [Row(i + 1, p, MODEL, "2026-12-02T10:00:00") for i, p in enumerate(preds)]


def show_rows(view, preds) -> None:
    view.results.append(rows(*preds))
    view.pages.setCurrentIndex(1)
    view.pages.update_filter_texts()
    view.table.selectRow(0)


def dark_quality():
    img = np.zeros((240, 256, 3), np.uint8)
    img[40:200, 50:210] = (12, 6, 3)  # a photograph far too dark to grade
    q = assess(img)
    assert not q.ok and q.code == "dark"
    return q


def test_a_long_error_text_wraps_inside_the_panel_and_the_window_keeps_its_size(qtbot, window):
    view = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    error = "not a readable image (" + "x" * 300 + ")"
    show_rows(view, [Prediction(LONG, error=error)])
    QApplication.processEvents()
    assert view.probability.toolTip() == error  # the whole reason, and the text wraps anywhere
    assert window.size().width() == 1280
    screen = window.screen().availableGeometry()
    # nothing inside asks for more width than the window has, nor more than a 1280-px screen
    assert window.centralWidget().minimumSizeHint().width() <= min(1280, max(1280, screen.width()))
    assert view.probability.width() <= view.splitter.widget(1).width()
    assert view.table.width() > 400  # the results table is not squeezed to a strip
    window.resize(1280, 800)
    QApplication.processEvents()
    assert window.size().width() == 1280


def test_the_table_is_one_tab_stop_and_the_heatmap_controls_have_shortcuts(qtbot, window):
    view = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    window.activateWindow()
    assert not view.table.tabKeyNavigation()
    view.heatmap_check.setChecked(False)
    view.opacity.setValue(40)
    qtbot.keyClick(view.table, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert view.heatmap_check.isChecked()
    qtbot.keyClick(view.table, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    assert view.opacity.value() == 50
    qtbot.keyClick(view.table, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.table, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
    assert view.opacity.value() == 30
    assert "Ctrl+H" in view.heatmap_check.toolTip()
    assert "Ctrl+]" in view.opacity.toolTip() and "Ctrl+[" in view.opacity.toolTip()
    assert "Ctrl+E" in view.export_button.toolTip()
    assert "Ctrl+Shift+Del" in view.clear_button.toolTip()


def test_clear_asks_first(qtbot, window):
    view = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    window.activateWindow()
    show_rows(view, [Prediction("/a.jpg", 0.9, True), Prediction("/b.jpg", 0.1, False)])
    answer_question(view, QMessageBox.StandardButton.Cancel)
    view.clear_button.click()
    assert view.results.rowCount() == 2  # kept
    window.activateWindow()  # (the question was the active window)
    qtbot.waitUntil(window.isActiveWindow)
    answer_question(view, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(view.table, Qt.Key.Key_Delete,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert view.results.rowCount() == 0
    assert view.confirm_clear()  # nothing left to lose: no question


def test_clear_turns_the_filter_off(qtbot, window):
    """GUI round: after Clear, "PM only" stayed on and hid most of the next batch."""
    view = window.diagnosis_view
    show_rows(view, [Prediction("/a.jpg", 0.9, True), Prediction("/b.jpg", 0.1, False)])
    view.set_filter("pm")
    assert view.proxy.rowCount() == 1
    view.clear()
    show_rows(view, [Prediction("/c.jpg", 0.9, True), Prediction("/d.jpg", 0.1, False)])
    assert view.proxy.rowCount() == 2 and view.filter_combo.currentData() == "all"


def test_the_filter_shows_not_pm_only(qtbot, window):
    view = window.diagnosis_view
    show_rows(view, [Prediction("/a.jpg", 0.9, True), Prediction("/b.jpg", 0.1, False),
                     Prediction("/c.jpg", 0.2, False), Prediction("/d.jpg", error="file not found")])
    view.set_filter("not_pm")
    assert view.proxy.rowCount() == 2
    assert view.filter_combo.currentText() == "Not PM only (2)"
    assert {view.proxy.row(i).pred.path for i in range(2)} == {"/b.jpg", "/c.jpg"}


def test_a_first_click_on_the_probability_header_puts_the_most_probable_first(qtbot, window):
    """GUI round: the first click sorted lowest risk first; a screener reads (and the PDF lists) highest first."""
    from PySide6.QtTest import QTest

    from gui.diagnosis.table import COL_FILE, COL_PROBABILITY

    view = window.diagnosis_view
    show_rows(view, [Prediction("/a.jpg", 0.2, False), Prediction("/b.jpg", 0.9, True),
                     Prediction("/c.jpg", 0.5, True)])
    header = view.table.horizontalHeader()

    def click(section):
        x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(x, header.height() // 2))
        return [view.proxy.row(i).pred.path for i in range(3)]

    assert click(COL_PROBABILITY) == ["/b.jpg", "/c.jpg", "/a.jpg"]
    assert click(COL_PROBABILITY) == ["/a.jpg", "/c.jpg", "/b.jpg"]  # then it turns, as every header does
    assert click(COL_FILE) == ["/a.jpg", "/b.jpg", "/c.jpg"]  # other columns start in ascending order
    assert click(COL_PROBABILITY)[0] == "/b.jpg"


def test_verdict_reasons_have_room_and_a_tooltip(qtbot, window):
    view = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    error = "not a readable image (unknown format or corrupt data)"
    show_rows(view, [Prediction("/x/broken.jpg", error=error), Prediction("/x/dark.jpg", quality=dark_quality())])
    hh = view.table.horizontalHeader()
    assert hh.sectionResizeMode(COL_VERDICT) == QHeaderView.ResizeMode.Stretch
    QApplication.processEvents()
    index = view.proxy.index(0, COL_VERDICT)
    text = index.data()
    assert text == f"Error: {error}"
    assert view.table.fontMetrics().horizontalAdvance(text) < hh.sectionSize(COL_VERDICT)  # not cut at 1280 px
    assert text in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "mean brightness" in view.proxy.index(1, COL_VERDICT).data(Qt.ItemDataRole.ToolTipRole)


def test_reasons_and_the_bundled_label_are_in_chinese(qtbot, window, bundled_models):
    save_test_model(bundled_models / "pm-resnet18d", name="PM ResNet-18-D")
    view = window.diagnosis_view
    view.refresh_models()
    show_rows(view, [Prediction("/x/broken.jpg", error="not a readable image (unknown format or corrupt data)"),
                     Prediction("/x/dark.jpg", quality=dark_quality()), Prediction("/x/gone.jpg",
                                                                                 error="file not found")])
    window.set_language("zh_CN")
    try:
        texts = [view.proxy.index(i, COL_VERDICT).data() for i in range(3)]
        assert texts[0] == "错误：无法读取的图像（未知格式或数据损坏）"
        assert texts[1].startswith("无法分级 — 请重拍：过暗（平均亮度 ")
        assert texts[2] == "错误：找不到文件"
        assert not any(c.isascii() and c.isalpha() for c in texts[0])
        view.table.selectRow(1)
        assert "平均亮度" in view.probability.text()
        assert view.model_combo.itemText(0) == "PM ResNet-18-D（内置）"
    finally:
        window.set_language("en")
    assert view.model_combo.itemText(0) == "PM ResNet-18-D (bundled)"


def test_the_model_picker_elides_long_run_names_in_the_middle(qtbot, window, data_dir):
    from core.store.library import new_run_dir

    long_name = "ResNet-18-D for the comparison study of every variant"
    folder = save_test_model(new_run_dir("ResNet-18-D"), name=long_name)
    view = window.diagnosis_view
    view.refresh_models(select=folder)
    QApplication.processEvents()
    full = view.model_combo.currentText()
    assert full == f"{long_name} — {folder.name}"
    assert view.model_combo.toolTip() == full
    shown = view.model_combo.shown_text()
    assert "…" in shown and shown.startswith("ResNet-18-D") and shown.endswith(folder.name[-6:])


def test_files_dragged_over_the_view_highlight_the_drop_zone(qtbot, window, images):
    view = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    assert "Drop fundus photographs here" in view.drop_hint.text()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(images["good"]))])
    enter = QDragEnterEvent(QPoint(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, enter)
    assert enter.isAccepted() and view.drag_over()
    assert "palette(highlight)" in view.drop_hint.styleSheet()
    QApplication.sendEvent(view, QDragLeaveEvent())
    assert not view.drag_over() and "palette(highlight)" not in view.drop_hint.styleSheet()


def test_first_start_opens_on_diagnosis_and_the_status_bar_says_loading(qtbot, english):
    w = MainWindow(warm_up=False)
    qtbot.addWidget(w)
    assert w.stack.currentIndex() == DIAGNOSIS
    assert w.model_status.text() == "Model: loading…"
    assert w.windowTitle() == "Pathologic myopia screening"  # Qt adds " — PM Screen" (the display name)
    w.ensure_views()
    assert w.model_status.text() == "Model: none"
    w.close()


@pytest.mark.child_engine
def test_the_model_is_warmed_up_while_the_user_picks_files(qtbot, library_model, window, images):
    view = window.diagnosis_view
    window.show_page(0)
    view._retire_engine()
    seen = []  # the stages the session went through
    view.batch.changed.connect(lambda: seen[-1:] == [view.session.stage] or seen.append(view.session.stage))
    window.show_page(DIAGNOSIS)  # showing the view starts the engine
    assert view.batch.warm_worker is not None
    qtbot.waitUntil(lambda: view.model_ready, timeout=120000)
    assert seen == ["process", "paddle", "model", "warmup", "ready"]
    assert view.progress_label.text() == "The model is ready"
    view.session.stage = "model"
    view.update_progress()
    assert view.progress_label.text().startswith("Preparing the model: loading the model")
    view.session.stage = "ready"
    assert view.diagnose([images["good"]])
    qtbot.waitUntil(lambda: view.results.rowCount() == 1 and not view.busy, timeout=60000)


def test_counts_and_plurals(qtbot, window):
    view = window.diagnosis_view
    show_rows(view, [Prediction("/a.jpg", 0.9, True), Prediction("/d.jpg", error="file not found")])
    view.update_progress()
    assert view.progress_label.text() == "1 judged, 0 ungradable, 1 error"
    i18n.apply_language("en")


def test_reason_texts_follow_the_language(qapp):
    from gui.reasons import error_text, quality_text

    big = "the image at 1/2 size is too large (9000x9000 pixels; the limit is 40 million pixels)"
    assert error_text(big) == big  # English: the engine's own words
    assert error_text("something the GUI does not know") == "something the GUI does not know"
    i18n.apply_language("zh_CN")
    try:
        assert error_text(big) == "以 1/2 尺寸解码的图像太大（9000x9000 pixels; the limit is 40 million pixels）"
        assert error_text("the file is empty (0 bytes)") == "文件为空（0 字节）"
        assert error_text("a link to a missing file") == "指向不存在文件的链接"
        assert quality_text(dark_quality()).startswith("过暗（平均亮度 ")
        assert error_text("something the GUI does not know") == "something the GUI does not know"
    finally:
        i18n.apply_language("en")


def test_the_first_window_fits_the_screen(qtbot, english):
    w = MainWindow(warm_up=False)
    qtbot.addWidget(w)
    free = w.screen().availableGeometry()
    assert w.width() == min(1280, free.width()) and w.height() == min(800, free.height())
    w.close()


def test_another_model_asks_before_the_table_is_cleared(qtbot, window, tmp_path):
    """'Use for diagnosis' from the Training view (or the picker) would remove the table's results: it asks, and
    Cancel keeps both the results and the table's model."""
    view = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    first = save_test_model(tmp_path / "first", name="First")
    other = save_test_model(tmp_path / "other", name="Other", seed=1)
    assert view.select_model(first)  # an empty table: no question
    model = ModelInfo("First", 0.5, None, first)
    view.results.append([Row(i + 1, p, model, "2026-12-02T10:00:00")
                         for i, p in enumerate([Prediction("/a.jpg", 0.9, True), Prediction("/b.jpg", 0.1, False)])])
    answer_question(view, QMessageBox.StandardButton.Cancel)
    window.use_model(str(other))
    assert view.results.rowCount() == 2 and view.model_dir() == first  # kept, with the table's model
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    answer_question(view, QMessageBox.StandardButton.Yes)
    window.use_model(str(other))
    assert view.results.rowCount() == 0 and view.model_dir() == other


def test_file_names_are_shown_as_safe_text(qtbot, window):
    """A bidirectional override or a control character in a file name is shown escaped (core.images.textsafe), in
    the table, its tooltip and the detail panel: a name cannot pass for another (issue 13)."""
    from gui.diagnosis.results import COL_FILE

    view = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    show_rows(view, [Prediction("/x/P0001_\u202egpj.exe", 0.9, True), Prediction("/x/a\nb.jpg", 0.1, False)])
    assert view.proxy.index(0, COL_FILE).data() == "P0001_\\u202egpj.exe"
    assert view.proxy.index(1, COL_FILE).data() == "a\\x0ab.jpg"
    assert view.proxy.index(0, COL_FILE).data(Qt.ItemDataRole.ToolTipRole) == "/x/P0001_\\u202egpj.exe"
    assert view.detail_file.text() == "P0001_\\u202egpj.exe"
    assert view.results.rows[0].pred.path == "/x/P0001_\u202egpj.exe"  # the file itself keeps its real name


def test_the_operating_point_in_use_and_the_documented_ones_are_shown(qtbot, window, tmp_path):
    from gui.diagnosis.model_picker import operating_points

    meta = {"threshold": 0.327, "threshold_rule": "highest threshold with validation sensitivity >= 0.97",
            "metrics": {"threshold": 0.327, "sensitivity": 0.972, "specificity": 0.989},
            "metrics_at_0_5": {"sensitivity": 0.94, "specificity": 0.995},
            "threshold_history": [{"from": 0.4, "to": 0.327}]}
    assert [t for t, _, _ in operating_points(meta)] == [0.327, 0.5, 0.4]
    assert operating_points({"threshold": 0.5, "metrics_at_0_5": {"sensitivity": 1.0}}) == [(0.5, None, "")]
    # Changed since the card measured it: the metrics stay with the threshold they were measured at.
    changed = {**meta, "threshold": 0.4, "threshold_rule": "set to 0.4000",
               "provenance": [{"action": "set-threshold", "from": 0.327, "to": 0.4}]}
    assert operating_points(changed) == [(0.4, None, "set to 0.4000"), (0.327, meta["metrics"], ""),
                                         (0.5, meta["metrics_at_0_5"], "")]
    view = window.diagnosis_view
    assert view.select_model(save_test_model(tmp_path / "model", name="Op"))
    view.picker.add_folder(view.model_dir(), {**meta, "name": "Op"})
    view.picker.update_threshold()
    assert view.threshold_label.text() == "PM when probability ≥ 32.7%"
    tip = view.threshold_label.toolTip().splitlines()
    assert tip[1] == "≥ 32.7% — validation sensitivity 97.2%, specificity 98.9% — in use"
    assert tip[2].strip() == meta["threshold_rule"]
    assert tip[3] == "≥ 50.0% — validation sensitivity 94.0%, specificity 99.5% — documented, not in use"
    assert tip[4] == "≥ 40.0% — documented, not in use"


def test_a_narrow_window_keeps_the_operating_point_whole(qtbot, window, library_model):
    """GUI round: at 1024x700 the squeezed top bar cut "PM when probability ≥ 50.0%" to "PM when probability".
    Too narrow for the buttons' words, the bar shows their icons alone (their tooltips say what they do)."""
    view = window.diagnosis_view
    window.show_page(2)
    assert view.select_model(library_model)
    label = view.picker.threshold_label
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: view.open_button.text() == "", timeout=5000)
    QApplication.processEvents()
    assert label.text().startswith("PM when probability ≥ ") and label.width() >= label.sizeHint().width()
    assert view.export_button.toolTip() and view.picker.open_model_button.toolTip() == "Open model folder…"
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: view.open_button.text() == "Open images…", timeout=5000)
    assert view.picker.open_model_button.text() == "Open model folder…"


def test_a_model_chosen_in_a_narrow_window_keeps_the_operating_point_whole(qtbot, window, library_model):
    """GUI round: started at 1024 px, the bar was fitted before the model's threshold filled its label, and
    nothing fitted it again: "PM when probability" without the figure until the window was resized."""
    view = window.diagnosis_view
    window.resize(1024, 700)
    window.show_page(2)
    QApplication.processEvents()
    view.picker.threshold_label.setText("")  # as before a model is chosen: the bar fits with its words
    view._fit_top_bar()
    assert view.open_button.text() == "Open images…"
    assert view.select_model(library_model)
    QApplication.processEvents()
    label = view.picker.threshold_label
    assert label.text().startswith("PM when probability ≥ ") and label.width() >= label.sizeHint().width()
    assert view.open_button.text() == ""
    # as at start-up, where no event is processed between the threshold's text and the fitting: the bar's layout
    # still held the size it had before the text (measured stale, the bar kept its words and cut the threshold)
    QApplication.processEvents()
    view.top_bar.sizeHint()  # the bar with its icons alone: the layout keeps this size until told otherwise
    view._fit_top_bar()  # puts the words back, measures, and must find they do not fit
    assert view.open_button.text() == ""
