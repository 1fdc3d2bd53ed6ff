"""Batch screening in the Diagnosis view: streaming results, filter and sort, Cancel, reports, the audit log."""

import csv
import hashlib
import os
import re
import shutil

import cv2
import numpy as np
import pytest
from gui_support import GUI_SIZE, mixed_rows, wait_done
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.screening.verdicts import category
from gui.diagnosis.results import COL_PROBABILITY, COL_VERDICT
from tests.synthetic import fundus_image, write_rgb


def batch_folder(folder, n, bad=()):
    """``n`` fundus-like JPEGs (8 different pictures, copied) plus the given bad files (name -> bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    originals = [write_rgb(folder / f"img{i:05d}.jpg", fundus_image(i % 2 == 0, i, GUI_SIZE)) for i in range(min(n, 8))]
    for i in range(len(originals), n):
        shutil.copyfile(originals[i % len(originals)], folder / f"img{i:05d}.jpg")
    for name, data in dict(bad).items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def mixed(images, tmp_path):
    """Two gradable images, a grey page the quality gate turns away, and a file that is not an image."""
    grey = tmp_path / "document.png"
    cv2.imwrite(str(grey), np.full((300, 400, 3), 200, np.uint8))
    return [images["good"], grey, images["png"], images["bad"]]


def test_a_bad_file_in_a_folder_is_one_error_row_and_the_rest_go_on(qtbot, library_model, window, tmp_path):
    view = window.diagnosis_view
    folder = batch_folder(tmp_path / "batch", 6, bad={"img00002b.jpg": b"", "img00003b.jpg": b"\xff\xd8\xff\xe0trunc",
                                                      "notes.png": b"not an image"})
    assert view.diagnose([folder])
    wait_done(qtbot, view, 9)
    errors = [r.pred for r in view.results.rows if r.pred.error]
    assert sorted(p.path.rsplit("/", 1)[-1] for p in errors) == ["img00002b.jpg", "img00003b.jpg", "notes.png"]
    assert all(r.pred.probability is not None for r in view.results.rows if not r.pred.error)
    assert view.progress_label.text() == "6 judged, 0 ungradable, 3 errors"
    assert window.statusBar().currentMessage() == "Diagnosed 9 images: 6 judged, 0 ungradable, 3 could not be read"
    assert view.diagnose([tmp_path / "batch" / "notes.png"])  # a second batch: its own files are counted
    wait_done(qtbot, view, 10)
    assert window.statusBar().currentMessage() == "Diagnosed 1 image: 0 judged, 0 ungradable, 1 could not be read"


def test_a_folder_chosen_from_the_file_menu_is_diagnosed_whole(qtbot, library_model, window, tmp_path, monkeypatch):
    """File > Open a folder of images: "Open images…" took files only, and typing a folder's path entered it."""
    folder = batch_folder(tmp_path / "clinic export", 3)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    assert window.act_open_image_folder.shortcut().toString() == "Ctrl+Shift+I"
    window.act_open_image_folder.trigger()
    view = window.diagnosis_view
    assert window.stack.currentIndex() == 2
    wait_done(qtbot, view, 3)
    assert sorted(r.pred.path.rsplit("/", 1)[-1] for r in view.results.rows) == [f"img0000{i}.jpg" for i in range(3)]


def test_the_filter_shows_only_pm_ungradable_or_error_rows(qtbot, library_model, window, mixed):
    view = window.diagnosis_view
    assert view.diagnose(mixed)
    wait_done(qtbot, view, 4)
    n_pm = sum(1 for r in view.results.rows if r.pred.pm)
    assert view.filter_combo.itemText(0) == "All results (4)"
    for mode, expected in (("ungradable", 1), ("error", 1), ("pm", n_pm), ("all", 4)):
        view.set_filter(mode)
        shown = view.proxy.shown_rows()
        assert len(shown) == expected == view.table.model().rowCount()
        if mode != "all":
            assert {category(r.pred) for r in shown} <= {mode}
    view.set_filter("ungradable")
    assert view.proxy.shown_rows()[0].pred.path.endswith("document.png")
    assert view.verdict.text() == "Ungradable — retake"  # the only row shown is selected and detailed
    assert view.shown_label.text() == "1 of 4 rows shown"
    view.filter_combo.setCurrentIndex(view.filter_combo.findData("error"))  # the combo drives the same filter
    assert view.proxy.mode == "error" and view.verdict.text() == "Error"


def test_ten_thousand_rows_arrive_in_chunks_sorted_and_filtered(qtbot, window, tmp_path):
    """The table model and proxy with 10,000 results arriving in chunks, as a large batch streams them: one
    insertion per chunk (not per row), sorted and filtered correctly. (How long it takes: bench/gui_bench.py.)"""
    view = window.diagnosis_view
    view.pages.setCurrentIndex(1)

    class FakePredictor:
        name, threshold, model_dir, weights_sha256 = "fake", 0.5, tmp_path, None

    rows = mixed_rows(10_000, FakePredictor)
    view.table.sortByColumn(COL_PROBABILITY, Qt.SortOrder.DescendingOrder)
    inserted, resets = [], []
    view.results.rowsInserted.connect(lambda parent, first, last: inserted.append(last - first + 1))
    view.proxy.modelReset.connect(lambda: resets.append(1))
    for start in range(0, len(rows), 100):
        view.results.append(rows[start:start + 100])
        view.pages.update_filter_texts()
    assert inserted == [100] * 100 and not resets  # each chunk is one insertion; the proxy is never rebuilt
    assert view.proxy.rowCount() == 10_000
    probs = [view.proxy.row(i).pred.probability for i in range(50)]
    assert probs == sorted(probs, reverse=True)
    view.set_filter("pm")
    assert view.proxy.rowCount() == view.results.pm() == sum(1 for r in rows if r.pred.pm)
    view.set_filter("ungradable")
    assert view.proxy.rowCount() == 1000
    view.table.sortByColumn(COL_VERDICT, Qt.SortOrder.DescendingOrder)
    view.set_filter("all")
    assert category(view.proxy.row(0).pred) == "pm" and category(view.proxy.row(9_999).pred) == "error"


@pytest.mark.child_engine
def test_cancel_stops_a_batch_and_keeps_the_results(qtbot, library_model, window, tmp_path, images):
    """The batch runs in a child process (the UI thread never runs the network); Cancel ends it after the images
    under way, keeps the results, and the engine is free for the next batch, which gets only its own results.
    (How long the UI thread stalls and how soon Cancel takes effect: bench/gui_bench.py.)"""
    from PySide6.QtWidgets import QApplication

    from core.screening.engine_process import EngineProcess

    view = window.diagnosis_view
    window.show_page(2)
    folder = batch_folder(tmp_path / "big", 1000)
    assert view.diagnose([folder])
    qtbot.waitUntil(lambda: view.results.rowCount() >= 8, timeout=300000)
    engine = view.session.engine
    assert isinstance(engine, EngineProcess) and engine.alive and engine._proc.pid != os.getpid()
    qtbot.waitUntil(lambda: "images/s" in view.progress_label.text(), timeout=300000)
    assert re.fullmatch(r"\d+ of 1000 images · [\d.]+ images/s · about \d+:\d\d left", view.progress_label.text())
    assert view.cancel_button.isVisible() and not view.export_button.isEnabled()
    job = view.batch.worker
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=300000)  # generous for a loaded machine: not a speed claim
    assert not job.is_running
    n = view.results.rowCount()
    assert 8 <= n < 1000
    QApplication.processEvents()
    assert view.results.rowCount() == n  # nothing arrives after the worker ended
    assert window.statusBar().currentMessage() == f"Diagnosis cancelled after {n} of 1000 images"
    assert not view.cancel_button.isVisible() and view.export_button.isEnabled()
    # the child stopped the cancelled batch: the next one, on the same engine, brings exactly its own result
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, n + 1, timeout=300000)
    assert view.session.engine is engine and engine.alive
    assert view.results.rows[-1].pred.path == str(images["good"])
    assert all(r.pred.path.startswith(str(folder)) for r in view.results.rows[:n])


def test_the_export_dialog_offers_a_new_name_each_minute(qtbot, window, monkeypatch):
    import time

    from PySide6.QtWidgets import QFileDialog

    offered = []

    def cancelled(parent, title, start, *args):
        offered.append(os.path.basename(start))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancelled)
    monkeypatch.setattr(time, "strftime", lambda fmt, *a: "2026-12-04-1520" if fmt == "%Y-%m-%d-%H%M" else fmt)
    assert window.diagnosis_view.exporter.choose(3, 3) is None
    assert offered == ["pm-screening-2026-12-04-1520.xlsx"]


def wait_export(qtbot, view, job):
    qtbot.waitUntil(lambda: not view.exporting, timeout=60000)
    assert not job.is_running


def test_export_writes_readable_xlsx_csv_and_pdf_reports(qtbot, library_model, window, mixed, tmp_path):
    from openpyxl import load_workbook

    from core.screening.report import COLUMNS

    view = window.diagnosis_view
    assert view.diagnose(mixed)
    wait_done(qtbot, view, 4)
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the report follows the table's order
    outs = {}
    for suffix in (".xlsx", ".csv", ".pdf"):
        outs[suffix] = tmp_path / f"report{suffix}"
        wait_export(qtbot, view, view.export(outs[suffix]))
        assert window.statusBar().currentMessage() == f"Saved 4 results to {outs[suffix]}"

    sheet = load_workbook(outs[".xlsx"], read_only=True)["Results"]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == list(COLUMNS) and len(table) == 5
    assert [r[2] for r in table[1:]][0] == "error" and table[1][0].endswith("broken.jpg")
    assert all(r[4] == "ResNet-18-D (research model: never finalized, not for patients)" and r[5] == 0.5
               for r in table[1:])  # a trained run never finalized: every row says its verdicts are for research

    rows = list(csv.DictReader(outs[".csv"].open(encoding="utf-8-sig")))
    assert len(rows) == 4 and rows[2]["verdict"] == "ungradable — retake" and rows[2]["quality"]
    assert {r["verdict"] for r in (rows[1], rows[3])} <= {"PM", "not PM"}

    data = outs[".pdf"].read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) == 1 + 4
    judged = [r for r in view.results.rows if r.pred.pm is not None]
    assert all(view.heatmaps.cached(r.model.model_dir, r.pred.path) is not None for r in judged)  # computed for the PDF

    view.set_filter("error")
    out = tmp_path / "errors.csv"
    wait_export(qtbot, view, view.export(out, only_shown=True))
    assert [r["verdict"] for r in csv.DictReader(out.open(encoding="utf-8-sig"))] == ["error"]


def test_export_with_a_filter_on_asks_whether_to_save_every_result(qtbot, library_model, window, mixed, tmp_path,
                                                                    monkeypatch):
    """GUI round: with "Show: errors only" Export saved the one error row of a batch of 4 and said nothing (the
    dialog's title was the only hint). It now asks: all of them (the default), or only the rows shown."""
    from PySide6.QtCore import QTimer

    view = window.diagnosis_view
    assert view.diagnose(mixed)
    wait_done(qtbot, view, 4)
    view.set_filter("error")
    asked, chosen = [], []
    # the file dialog is the platform's; the question and the export are the view's own
    monkeypatch.setattr(view.exporter, "choose", lambda shown, total: chosen.append((shown, total)) or out)

    def answer(button):
        box = view._confirm_box
        if box is None or not box.isVisible():
            QTimer.singleShot(20, lambda: answer(button))
            return
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()

    for button, verdicts, scope in [("Export all 4", 4, (4, 4)), ("Export the 1 shown", 1, (1, 4)),
                                    ("Cancel", None, None)]:
        out = tmp_path / f"{button}.csv"
        QTimer.singleShot(0, lambda b=button: answer(b))
        view.choose_export()
        qtbot.waitUntil(lambda: not view.exporting, timeout=60000)
        assert asked.pop() == "The table shows 1 of the 4 results. Show: Errors only (1)."
        if verdicts is None:
            assert not out.exists() and len(chosen) == 2
            continue
        assert chosen[-1] == scope
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        assert len(rows) == verdicts and ("error" in [r["verdict"] for r in rows])
    view.set_filter("not_pm" if any(r.pred.pm for r in view.results.rows) else "pm")
    if not view.proxy.rowCount():  # a filter showing nothing left Export greyed out with 4 results to save
        assert view.export_button.isEnabled()


def test_pdf_heatmaps_computed_in_this_process_are_those_of_the_diagnosed_input(qtbot, library_model, window, mixed,
                                                                                 tmp_path):
    """Without the batch's engine (another model chosen since), the PDF's maps are computed here from the picture
    decoded for the page: the same maps as from the file's network input."""
    from core.screening.inference import network_input
    from gui.diagnosis.export import export_rows

    view = window.diagnosis_view
    assert view.diagnose(mixed)
    wait_done(qtbot, view, 4)
    rows = view.proxy.shown_rows()
    view.heatmaps.clear()
    writing = export_rows(tmp_path / "r.pdf", rows, view.heatmaps, 0.45, engine=None)
    progress = []
    with pytest.raises(StopIteration) as end:
        while True:
            progress.append(next(writing))
    assert end.value.value == 4 and progress[-1] == (4, 4)
    judged = [r for r in rows if r.pred.pm is not None]
    assert judged
    predictor = view.heatmaps.predictor(judged[0].model.model_dir)
    for r in judged:
        expected = predictor.heatmaps(network_input(r.pred.path)[None])[0]
        np.testing.assert_allclose(view.heatmaps.cached(r.model.model_dir, r.pred.path), expected, atol=1e-6)


def test_the_export_dialog_chooses_the_format_by_extension_or_filter(qtbot, library_model, window, images, tmp_path,
                                                                      monkeypatch):
    from gui.diagnosis.export import report_format

    assert report_format("a.CSV").name == "a.CSV"
    assert report_format("a", "PDF report with images and heatmaps (*.pdf)").suffix == ".pdf"
    assert report_format("a.txt", "CSV file (*.csv)").name == "a.txt.csv"
    assert report_format("a").suffix == ".xlsx"
    view = window.diagnosis_view
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    target = tmp_path / "chosen"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV file (*.csv)"))
    view.choose_export()
    qtbot.waitUntil(lambda: not view.exporting, timeout=60000)
    assert len(list(csv.DictReader((tmp_path / "chosen.csv").open(encoding="utf-8-sig")))) == 1


def test_every_result_is_in_the_audit_log_which_the_menu_exports(qtbot, library_model, window, images, tmp_path,
                                                                 monkeypatch):
    view = window.diagnosis_view
    assert view.diagnose([images["good"], images["bad"]])
    wait_done(qtbot, view, 2)
    out = tmp_path / "audit.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.act_export_audit.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Saved 2 audit log entries"),
                    timeout=60000)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["file"] for r in rows] == ["eye.jpg", "broken.jpg"]
    assert rows[0]["sha256"] == hashlib.sha256(images["good"].read_bytes()).hexdigest()
    assert rows[0]["model"] == "ResNet-18-D" and rows[0]["verdict"] in ("PM", "not PM")
    assert rows[1]["verdict"] == "error" and rows[1]["error"]


def test_status_messages_follow_the_language(qtbot, library_model, window, images):
    view = window.diagnosis_view
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    assert window.statusBar().currentMessage() == "Diagnosed 1 image: 1 judged, 0 ungradable, 0 could not be read"
    window.set_language("zh_CN")
    try:
        assert window.statusBar().currentMessage() == "已诊断 1 张图像：1 张已判读，0 张无法分级，0 张无法读取"
        assert view.filter_combo.itemText(0) == "全部结果（1）"
    finally:
        window.set_language("en")
    assert window.statusBar().currentMessage().startswith("Diagnosed 1 image: ")


def test_another_model_starts_a_new_table(qtbot, library_model, window, images, tmp_path):
    from gui_support import answer_question, save_test_model
    from PySide6.QtWidgets import QMessageBox

    outside = save_test_model(tmp_path / "outside-model", name="Elsewhere")
    view = window.diagnosis_view
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    answer_question(view, QMessageBox.StandardButton.Yes)  # "the table's results are removed": go on
    assert view.select_model(outside)  # a folder outside the library
    assert view.model_dir() == outside and view.results.rowCount() == 0
    assert view.diagnose([images["png"]])
    wait_done(qtbot, view, 1)
    assert view.results.rows[0].model.name == "Elsewhere"
    assert window.model_status.text() == "Model: Elsewhere"


@pytest.mark.child_engine
def test_a_dead_engine_process_is_reported_and_the_next_batch_starts_a_new_one(qtbot, library_model, window, tmp_path,
                                                                              images):
    view = window.diagnosis_view
    folder = batch_folder(tmp_path / "big", 400)
    assert view.diagnose([folder])
    qtbot.waitUntil(lambda: view.results.rowCount() >= 8, timeout=60000)
    engine = view.session.engine
    assert engine.kind == "process" and engine.alive
    engine._proc.kill()
    qtbot.waitUntil(lambda: not view.busy, timeout=60000)
    assert re.fullmatch(r"Diagnosis stopped after \d+ of 400 images: the engine process stopped unexpectedly "
                        r"\(exit code -9\)", window.statusBar().currentMessage())
    assert view.results.rowCount() < 400 and not view.no_model.isVisible()  # the model itself is fine
    view.clear()
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    assert view.session.engine is engine and engine.alive  # a new child for the same model


@pytest.mark.child_engine
def test_without_a_child_process_the_batch_runs_on_a_thread(qtbot, library_model, window, images, monkeypatch):
    monkeypatch.setenv("PMSCREEN_GUI_ENGINE", "thread")
    view = window.diagnosis_view
    view._retire_engine()  # (the shown view warmed up a child-process engine before the variable was set)
    assert view.diagnose([images["good"], images["bad"]])
    wait_done(qtbot, view, 2)
    assert view.session.engine.kind == "thread"
    assert view.results.rows[0].pred.probability is not None and view.results.rows[1].pred.error


def test_a_cancelled_export_leaves_no_file(qtbot, library_model, window, images, tmp_path):
    view = window.diagnosis_view
    assert view.diagnose([images["good"], images["png"]])
    wait_done(qtbot, view, 2)
    out = tmp_path / "report.pdf"
    job = view.export(out)
    assert view.exporting and view.cancel_button.isVisibleTo(view) and not view.export_button.isEnabled()
    view.cancel()
    wait_export(qtbot, view, job)
    assert not out.exists()
    assert window.statusBar().currentMessage() == "Export cancelled; report.pdf was not written"
