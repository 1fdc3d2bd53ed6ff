"""Diagnosis view: drops and opened files are diagnosed on a worker thread with a model of the library; files that
cannot be read become error rows; without a model the view says how to get one."""

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
from gui_support import drop, save_test_model, wait_done
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.screening.report import percent
from gui import settings


def test_dropping_a_good_and_a_bad_image_gives_a_result_and_an_error_row(qtbot, library_model, window, images):
    view = window.diagnosis_view
    window.show_page(2)
    assert view.model_dir() == library_model
    drop(view, [images["good"], images["bad"]])
    wait_done(qtbot, view, 2)
    good, bad = view.results.predictions()
    assert good.error is None and 0.0 <= good.probability <= 1.0
    assert bad.error and bad.probability is None
    m = view.results
    assert m.index(0, 0).data() == 1 and m.index(1, 0).data() == 2
    assert m.index(0, 3).data() in ("PM", "not PM")
    assert m.index(0, 2).data().endswith("%")
    assert m.index(1, 3).data().startswith("Error: ") and "not a readable image" in m.index(1, 3).data()
    assert m.index(1, 2).data() == "–"
    assert QApplication.activeModalWidget() is None  # no dialog, let alone a storm of them
    assert view.progress.value() == view.progress.maximum() == 2
    assert view.progress_label.text() == "1 judged, 0 ungradable, 1 error"  # not "1 errors"
    assert "ResNet-18-D" in window.model_status.text()


def test_one_image_shows_probability_verdict_in_colour_and_the_model(qtbot, library_model, window, images):
    view = window.diagnosis_view
    assert view.diagnose([images["png"]])
    wait_done(qtbot, view, 1)
    pred = view.results.rows[0].pred
    expected = "PM — pathologic myopia" if pred.pm else "Not PM"
    assert view.verdict.text() == expected
    assert ("#c62828" if pred.pm else "#2e7d32") in view.verdict.styleSheet()
    assert view.probability.text() == f"PM probability: {percent(pred.probability)}"
    assert view.detail_model.text().startswith("Model: ResNet-18-D (PM when probability ≥ 50.0%)")
    qtbot.waitUntil(lambda: view.image.image() is not None, timeout=60000)
    assert view.detail_file.text() == "eye2.png"


def test_a_dropped_folder_and_more_drops_while_busy_are_all_diagnosed(qtbot, library_model, window, tiny_palm,
                                                                      images, tmp_path):
    view = window.diagnosis_view
    empty = tmp_path / "no-images"
    empty.mkdir()
    drop(view, [tiny_palm / "PALM-Validation400"])
    drop(view, [images["good"], empty])  # queued behind the first drop
    wait_done(qtbot, view, 6)
    names = [p.path.rsplit("/", 1)[-1] for p in view.results.predictions()]
    assert names[:4] == ["V0001.jpg", "V0002.jpg", "V0003.jpg", "V0004.jpg"]
    assert names[4] == "eye.jpg"
    assert "holds no JPEG" in view.results.rows[5].pred.error
    assert [r.number for r in view.results.rows] == [1, 2, 3, 4, 5, 6]


def test_without_a_model_the_view_says_so_and_points_to_training(qtbot, window, images):
    view = window.diagnosis_view
    window.show_page(2)
    assert view.model_dir() is None
    assert view.no_model.isVisible()
    assert "No model is installed" in view.no_model_label.text()
    assert "Training view" in view.no_model_label.text() and "open a model folder" in view.no_model_label.text()
    assert not view.diagnose([images["good"]])
    assert view.results.rowCount() == 0
    qtbot.mouseClick(view.train_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == 1
    assert window.model_status.text() == "Model: none"


def test_opening_a_model_folder_outside_the_library(qtbot, window, library_model, tmp_path):
    view = window.diagnosis_view
    window.show_page(2)
    assert not view.select_model(tmp_path)  # not a model folder: said inline, no crash
    assert "not a model folder" in view.no_model_label.text() and view.no_model.isVisible()
    assert view.select_model(library_model)
    assert view.model_dir() == library_model and not view.no_model.isVisible()
    # a trained run that was never finalized: its verdicts look like any model's, so the view says what it is
    assert view.research_note.isVisible() and view.research_note.text().startswith("Research model: it was never "
                                                                                  "finalized (no model card)")
    copy = tmp_path / "carded"
    shutil.copytree(library_model, copy)
    meta = json.loads((copy / "model.json").read_text())
    (copy / "model.json").write_text(json.dumps({**meta, "card": {"intended_use": "Screening"}}))  # not sealed
    assert view.select_model(copy)  # a card added by hand: still a research model, and the note says why
    assert view.research_note.isVisible() and view.research_note.text().startswith(
        "Research model: its model card is not covered by its seal")
    # GUI round: a folder that is no model, opened while a research model is in use, hid the research note and
    # said "The model cannot be used" while that model went on giving verdicts
    assert not view.select_model(tmp_path / "carded" / "..")
    assert view.model_dir() == copy and view.research_note.isVisible()
    assert view.no_model.isVisible() and view.no_model_label.text().endswith(
        "not a model folder (no model.json). The model in use is still ResNet-18-D.")
    assert view.select_model(library_model) and not view.no_model.isVisible()


def test_an_image_the_quality_gate_turns_away_is_ungradable_not_a_verdict(qtbot, library_model, window, tmp_path):
    view = window.diagnosis_view
    grey = tmp_path / "document.png"
    cv2.imwrite(str(grey), np.full((300, 400, 3), 200, np.uint8))  # a blank grey page, not a fundus photo
    assert view.diagnose([grey])
    wait_done(qtbot, view, 1)
    pred = view.results.rows[0].pred
    assert pred.error is None and pred.pm is None and pred.probability is None
    assert view.results.index(0, 3).data().startswith("Ungradable — retake: ")
    assert view.verdict.text() == "Ungradable — retake" and "#e65100" in view.verdict.styleSheet()
    assert view.probability.text() == pred.quality_text != ""
    assert view.progress_label.text() == "0 judged, 1 ungradable, 0 errors"


def test_the_bundled_model_is_the_default(qtbot, bundled_models, library_model, window):
    bundled = save_test_model(bundled_models / "pm-screen-r18", name="PM Screen bundled")
    view = window.diagnosis_view
    view.refresh_models()
    assert view.model_dir() == library_model  # the model in use stays chosen
    view.model_combo.setCurrentIndex(-1)
    settings.set_value("diagnosis/model", "")  # a first start: no model used yet
    view.refresh_models()
    assert view.model_dir() == bundled
    assert view.model_combo.currentText() == "PM Screen bundled (bundled)"
    assert window.model_status.text() == "Model: PM Screen bundled"


def test_files_of_one_name_from_two_folders_show_their_folders(qtbot, library_model, window, images, tmp_path):
    """Two clinics' exports both hold img1.jpg: the File column must tell the two rows apart (it showed the bare
    name twice), and a name found in one folder only stays short, also in rows diagnosed before the second."""
    view = window.diagnosis_view
    for clinic in ("clinic-a", "clinic-b"):
        (tmp_path / clinic / "day1").mkdir(parents=True)
        (tmp_path / clinic / "day1" / "img1.jpg").write_bytes(images["good"].read_bytes())
    drop(view, [tmp_path / "clinic-a" / "day1" / "img1.jpg", images["good"]])
    wait_done(qtbot, view, 2)
    m = view.results
    assert [m.index(r, 1).data() for r in range(2)] == ["img1.jpg", "eye.jpg"]
    drop(view, [tmp_path / "clinic-b"])
    wait_done(qtbot, view, 3)
    assert [m.index(r, 1).data() for r in range(3)] == [
        str(Path("clinic-a", "day1", "img1.jpg")), "eye.jpg", str(Path("clinic-b", "day1", "img1.jpg"))]
    assert m.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == str(tmp_path / "clinic-a" / "day1" / "img1.jpg")
    view.table.selectRow(2)
    assert view.detail_file.text() == str(Path("clinic-b", "day1", "img1.jpg"))  # the detail panel names it alike
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by name: the two img1.jpg side by side
    assert [view.table.model().index(r, 1).data() for r in range(3)] == [
        "eye.jpg", str(Path("clinic-a", "day1", "img1.jpg")), str(Path("clinic-b", "day1", "img1.jpg"))]
