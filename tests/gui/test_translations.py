"""The Chinese catalogue keeps what Qt parses inside translated strings: a file dialog's filter finds its patterns
only between ASCII parentheses (full-width ones made the Open images dialog list no images)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "resources" / "translations" / "pmscreen_zh_CN.ts"
FILTER = re.compile(r"\(\*[^()]*\)$")  # "CSV file (*.csv)", "DICOM files (*.dcm *.dicom)"
IMAGE_FILTER = "Images ({0})"  # its patterns are filled in by the code


def _messages():
    for message in ET.parse(CATALOGUE).getroot().iter("message"):
        yield message.findtext("source") or "", message.findtext("translation") or ""


def test_file_dialog_filters_keep_their_patterns_in_ascii_parentheses():
    filters = [(src, tr) for src, tr in _messages() if FILTER.search(src) or src == IMAGE_FILTER]
    assert len(filters) >= 5  # the image, DICOM, report and runs-table filters
    for source, translation in filters:
        patterns = source[source.rindex("("):]
        assert translation.endswith(patterns), (source, translation)


def test_the_open_images_filter_in_chinese_lists_jpeg_files(qapp):
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(CATALOGUE.with_suffix(".qm")))
    shown = translator.translate("DiagnosisView", "Images ({0})").format("*.jpg *.png")
    assert shown.endswith("(*.jpg *.png)"), shown


def test_names_from_the_engine_are_shown_through_translation(qtbot, window, tiny_palm):
    """The engine keeps its English names (a data set's validation source, the metric names, the optimisers); the
    GUI shows each through tr(): "labelled by", "accuracy" and "SGD + momentum" had stayed English in Chinese."""
    from gui_support import marked_translations, open_dataset

    open_dataset(qtbot, window, tiny_palm)
    form = window.training_view.form
    with marked_translations():
        assert "«PALM-Validation400 labelled by labels.csv»" in window.dataset_view.source_label.text()
        metric = form.widgets["best_metric"]
        shown = [metric.itemText(i) for i in range(metric.count())]
        assert shown[0] == "«accuracy»" and all(t.startswith("«") and t.endswith("»") for t in shown), shown
        optimizer = form.widgets["optimizer"]
        assert optimizer.itemText(optimizer.findData("momentum")) == "«SGD + momentum»"
        line = window.training_view.log._log_message(
            "decoding 8 training and 4 validation images (palm layout; validation: V labelled by gt.csv)")
        assert "«V labelled by gt.csv»" in line
        from core.training.cv import identical_warnings

        log = window.training_view.log  # the core's own warnings, as the trainer and a CV send them
        for message in (identical_warnings([["/d/P0014.jpg", "/d/P0072.jpg"]], {"/d/P0014.jpg": 1, "/d/P0072.jpg": 1},
                                           ["non-PM", "PM"])[0],
                        "1 of the 120 validation images are identical copies of training images (e.g. V0160.jpg): "
                        "on them the validation figures measure recall, not new patients"):
            line = log._log_message(message)
            assert line.startswith("«") and line.endswith("»") and ("P0014.jpg = P0072.jpg" in line
                                                                    or "V0160.jpg" in line), line
    assert "PALM-Validation400 labelled by labels.csv" in window.dataset_view.source_label.text()
    assert metric.itemText(0) == "accuracy"


def test_every_text_of_the_gui_is_in_the_chinese_catalogue(tmp_path):
    """lupdate over the GUI's code finds no text the catalogue lacks or leaves unfinished: a new button had
    shipped in English ("Model card") because nobody ran it."""
    import shutil
    import subprocess
    import sys

    root = CATALOGUE.parents[2]
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")  # installed with PySide6 in the venv
    catalogue = tmp_path / CATALOGUE.name
    shutil.copy(CATALOGUE, catalogue)
    sources = sorted(str(p) for p in (root / "gui").rglob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(catalogue), "-no-obsolete"], check=True, capture_output=True,
                   timeout=600)
    texts = ET.parse(catalogue).getroot().iter("message")
    missing = [m.findtext("source") for m in texts if m.find("translation").get("type") == "unfinished"]
    assert missing == []


def test_qt_s_own_file_dialog_is_chinese_too(qtbot, window):
    """GUI round: Qt 6's file dialog showed "&Look in:" and "Files of &type:" in English beside Chinese labels
    (qtbase's catalogue has them only without the "&"); ours fills the gap."""
    from PySide6.QtWidgets import QFileDialog, QLabel

    window.set_language("zh_CN")
    try:
        dialog = QFileDialog(window)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        labels = [label.text() for label in dialog.findChildren(QLabel)]
        assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels, labels
        assert not any(text.isascii() and text.strip() for text in labels), labels
        dialog.deleteLater()
    finally:
        window.set_language("en")


def test_the_results_table_s_column_titles_are_whole_with_their_sort_arrow_in_each_language(qtbot, window):
    """GUI round: "PM probability" lost a letter once its sort arrow showed (the column had a fixed width)."""
    from PySide6.QtCore import Qt

    from gui.diagnosis.table import COL_PROBABILITY, COLUMN_WIDTHS

    table = window.diagnosis_view.pages.table
    hh = table.horizontalHeader()
    hh.setSortIndicator(COL_PROBABILITY, Qt.SortOrder.DescendingOrder)
    try:
        for language in ("zh_CN", "en"):
            window.set_language(language)
            for col in COLUMN_WIDTHS:
                assert hh.sectionSize(col) >= hh.sectionSizeHint(col), (language, col)
        assert hh.sectionSize(COL_PROBABILITY) > COLUMN_WIDTHS[COL_PROBABILITY]  # the English title needs more
    finally:
        window.set_language("en")
