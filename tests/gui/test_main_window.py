"""Main window: language switching, remembered settings, menus and shortcuts, the status bar."""

from pathlib import Path

from gui_support import open_dataset
from PySide6.QtGui import QKeySequence

from core.nn.models import VARIANT_HELP
from gui.i18n import LANGUAGES
from gui.main_window import MainWindow
from gui.resources import translations_dir
from gui.training import VARIANT_HELP_SOURCE


def test_switching_to_chinese_changes_the_visible_labels(qtbot, window, tiny_palm):
    open_dataset(qtbot, window, tiny_palm)
    tv, dv = window.training_view, window.diagnosis_view
    assert window.sidebar.item(0).text() == "Dataset"
    assert window.set_language("zh_CN") == "zh_CN"
    assert [window.sidebar.item(i).text() for i in range(3)] == ["数据集", "训练", "诊断"]
    assert window.menu_file.title() == "文件(&F)"
    assert tv.start_button.text() == "开始训练"
    assert tv.plots.loss_plot.getPlotItem().titleLabel.text == "损失"
    assert dv.open_button.text() == "打开图像…"
    assert window.dataset_view.split_combo.itemText(1) == "训练集"
    assert window.dataset_view.shown_label.text() == "显示 12 / 12 张图像"
    assert "原始" in window.dataset_view.info_names["size"].text()
    assert tv.form.widgets["variant"].itemData(0, 3).startswith("原始 ResNet")  # the engine's variant help, translated
    assert window.windowTitle() == "病理性近视筛查"  # Qt adds the display name, "PM Screen", once
    assert window.set_language("en") == "en"
    assert window.sidebar.item(0).text() == "Dataset" and tv.start_button.text() == "Start training"


def test_every_string_is_translated_and_the_catalogue_is_compiled():
    ts = (translations_dir() / "pmscreen_zh_CN.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in ts
    assert (translations_dir() / "pmscreen_zh_CN.qm").stat().st_size > 1000
    assert set(LANGUAGES) == {"en", "zh_CN"}
    # the GUI's copy of the engine's variant descriptions (offered for translation) matches the engine
    assert VARIANT_HELP_SOURCE == VARIANT_HELP


def test_settings_are_remembered_between_sessions(qtbot, window, tiny_palm):
    open_dataset(qtbot, window, tiny_palm)
    window.training_view.apply_values(dict(depth=34, variant="C", epochs=3, lr=0.002, flip=False))
    window.resize(760, 580)  # (fits the offscreen screen, 800 px wide: a larger one is fitted to it)
    window.show_page(2)
    geometry = window.geometry()
    window.close()
    again = MainWindow(warm_up=False)
    qtbot.addWidget(again)
    again.ensure_views()
    v = again.training_view.config_values()
    assert (v["depth"], v["variant"], v["epochs"], v["lr"], v["flip"]) == (34, "C", 3, 0.002, False)
    again.show()
    assert again.size() == geometry.size()
    assert again.stack.currentIndex() == 2
    qtbot.waitUntil(lambda: again.dataset_view.dataset is not None, timeout=60000)  # the last data set reopens
    assert Path(again.dataset_view.dataset.root) == tiny_palm
    again.close()


def test_menus_have_keyboard_shortcuts_and_the_status_bar_shows_the_device(qtbot, window):
    assert window.act_open_dataset.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert window.act_open_images.shortcut().toString() == "Ctrl+I"
    assert window.act_export.shortcut().toString() == "Ctrl+E"
    # the platform's Quit key, or Ctrl+Q where it binds none (offscreen)
    assert window.act_quit.shortcut() == (QKeySequence(QKeySequence.StandardKey.Quit)
                                          if QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
                                          else QKeySequence("Ctrl+Q"))
    assert [a.shortcut().toString() for a in window.act_views] == ["Ctrl+1", "Ctrl+2", "Ctrl+3"]
    window.act_views[2].trigger()
    assert window.stack.currentIndex() == 2
    assert window.device_label.text() == "Device: …"
    window._engine_ready("cpu")
    assert window.device_label.text() == "Device: CPU"
    assert not window.training_view.form.widgets["device"].model().item(2).isEnabled()  # no GPU: the GPU choice is off


def test_a_status_message_too_long_for_the_bar_is_whole_in_its_tooltip(qtbot, window):
    window.resize(800, 600)
    long = "Saved 4 results to " + "/very/long/folder" * 12 + "/report.csv"
    window.show_message(long)
    bar = window.statusBar()
    assert bar.currentMessage() == long and bar.toolTip() == long
    bar.clearMessage()
    assert bar.toolTip() == ""  # no stale text once the message is gone


def test_the_window_starts_without_pyside_warnings(qtbot, english, qtlog):
    # GUI round: connecting messageChanged to the bound C++ setToolTip printed "libpyside: addMetaMethod: Cannot
    # add dynamic method" at every start (stderr and every log a clinic keeps)
    from gui.main_window import MainWindow

    w = MainWindow(warm_up=False)
    qtbot.addWidget(w)
    w.show_message("ready")
    assert w.statusBar().toolTip() == "ready"
    assert not [r.message for r in qtlog.records if "libpyside" in r.message or "dynamic method" in r.message]


def test_the_engine_warms_up_in_the_background(qtbot, english):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.engineReady, timeout=60000) as sig:
        pass
    assert sig.args[0] in ("cpu", "gpu:0")
    assert w._training_view is not None and w._diagnosis_view is not None
    assert w.device_label.text().startswith("Device: ")
    w.close()


def test_the_language_follows_the_system_locale_unless_overridden(qtbot, window, monkeypatch):
    from PySide6.QtCore import QLocale

    from gui import i18n

    # the window was made after English was applied for the session (as by pmscreen gui --lang en): the menu
    # ticks English, not the setting (GUI round: it ticked "System default")
    assert i18n.preferred_language() == i18n.SYSTEM and window.language_actions["en"].isChecked()
    monkeypatch.setattr(i18n.QLocale, "system", staticmethod(lambda: QLocale("zh_CN")))
    assert i18n.system_language() == "zh_CN"
    assert window.set_language(i18n.SYSTEM) == "zh_CN"  # "System default" in the Language menu
    assert window.sidebar.item(0).text() == "数据集"
    assert window.language_actions[i18n.SYSTEM].isChecked()
    assert window.set_language("en") == "en"  # the override wins and is remembered
    assert i18n.preferred_language() == "en" and window.sidebar.item(0).text() == "Dataset"
    monkeypatch.setattr(i18n.QLocale, "system", staticmethod(lambda: QLocale("de_DE")))
    assert i18n.system_language() == "en"  # no German catalogue: English
