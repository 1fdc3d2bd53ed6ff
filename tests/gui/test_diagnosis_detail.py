"""The Diagnosis view's detail panel: Grad-CAM heatmap overlay (toggle, opacity, computed off the UI thread and
cached), the quality verdict, and a DICOM file's patient-free metadata."""

import threading

import pytest
from gui_support import GUI_SIZE, wait_done
from PySide6.QtWidgets import QApplication

from gui import settings
from tests.synthetic import PATIENT, fundus_image, write_op_dicom, write_rgb


def test_heatmap_toggle_and_opacity_change_the_picture(qtbot, library_model, window, images, monkeypatch):
    from core.screening.inference import Predictor

    threads = []
    real = Predictor.heatmaps

    def spy(self, pixels):
        threads.append(threading.current_thread().name)
        return real(self, pixels)

    monkeypatch.setattr(Predictor, "heatmaps", spy)
    view = window.diagnosis_view
    view.heatmap_check.setChecked(False)
    view.opacity.setValue(45)
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    qtbot.waitUntil(lambda: view.image.image() is not None, timeout=60000)
    plain = view.image.image()
    assert not view.heatmap_shown() and not threads

    view.heatmap_check.setChecked(True)
    qtbot.waitUntil(view.heatmap_shown, timeout=60000)
    assert threads == ["pmscreen-heatmaps"]  # computed on the worker thread, not the UI thread
    at45 = view.image.image()
    assert at45 != plain and at45.size() == plain.size()
    shown45 = view.image.pixmap().toImage()  # what the label paints, scaled to its size
    view.opacity.setValue(80)
    at80 = view.image.image()
    assert at80 != at45 and at80 != plain
    assert view.image.pixmap().toImage() != shown45
    assert view.opacity_value.text() == "80 %" and settings.value("diagnosis/opacity", 0, int) == 80
    view.opacity.setValue(0)
    assert view.image.image() == plain  # opacity 0: the photograph itself

    view.opacity.setValue(60)
    view.heatmap_check.setChecked(False)
    assert view.image.image() == plain and not view.heatmap_shown()
    QApplication.processEvents()
    before = view.image.geometry()
    view.heatmap_check.setChecked(True)  # cached: shown at once, not computed again
    assert view.heatmap_shown() and len(threads) == 1
    QApplication.processEvents()
    assert view.image.geometry() == before  # GUI round: the picture moved up 27 px when the legend appeared
    assert view.image.pixmap() is not None and not view.image.pixmap().isNull()


def test_no_heatmap_for_an_ungradable_image_and_the_reason_is_shown(qtbot, library_model, window, tmp_path):
    import numpy as np

    view = window.diagnosis_view
    view.heatmap_check.setChecked(True)
    dark = write_rgb(tmp_path / "dark.png", (fundus_image(False, 3, GUI_SIZE) * 0.05).astype(np.uint8))
    assert view.diagnose([dark])
    wait_done(qtbot, view, 1)
    pred = view.results.rows[0].pred
    assert pred.verdict == "ungradable — retake"
    assert view.verdict.text() == "Ungradable — retake" and view.probability.text() == pred.quality.reason
    assert "too dark" in view.results.index(0, 3).data()
    assert view.heat_note.text() == "No heatmap: the network gave no verdict for this image"
    assert not view.heatmap_shown()


def test_a_dicom_file_is_diagnosed_and_shows_patient_free_metadata(qtbot, library_model, window, tmp_path):
    pytest.importorskip("pydicom")
    view = window.diagnosis_view
    window.show_page(2)
    dcm = write_op_dicom(tmp_path / "dicom" / "eye.dcm", fundus_image(True, 5, GUI_SIZE))
    assert view.diagnose([tmp_path / "dicom"])  # a folder: .dcm files are found like images
    wait_done(qtbot, view, 1)
    assert view.results.rows[0].pred.error is None and view.results.rows[0].pred.probability is not None
    qtbot.waitUntil(lambda: "Acme Optics" in view.dicom_box.text(), timeout=60000)
    assert view.dicom_box.isVisible()
    text = view.dicom_box.text()
    for expected in ("FundusCam 3000", "right eye (R)", "2024-03-15", "256 × 240 px", "45°", "OP"):
        assert expected in text
    for value in PATIENT.values():
        if len(value) > 1:
            assert value not in text and value.split("^")[0] not in text
    qtbot.waitUntil(lambda: view.image.image() is not None, timeout=60000)  # the picture decodes too
    assert view.detail_file.text() == dcm.name

    view.set_filter("error")  # no row selected: no metadata
    assert not view.dicom_box.isVisible()


def _judged(row, pm: bool):
    """``row`` with the verdict ``pm``: a probability just above or below its model's threshold."""
    import dataclasses

    p = row.model.threshold + (0.1 if pm else -0.1)
    return dataclasses.replace(row, pred=dataclasses.replace(row.pred, probability=p, pm=pm))


def test_the_heatmap_caption_follows_the_verdict(qtbot, library_model, window, images):
    """Grad-CAM colours what raised the PM score most: under an image judged not PM the caption says that the score
    stayed below the threshold, never that the coloured regions speak for PM."""
    view = window.diagnosis_view
    view.heatmap_check.setChecked(True)
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    qtbot.waitUntil(view.heatmap_shown, timeout=60000)
    row = view.results.rows[0]
    caption = view.detail.heat_caption
    view.detail.show_row(_judged(row, pm=False))
    assert view.verdict.text() == "Not PM" and view.heatmap_shown() and caption.isVisibleTo(view)
    assert "stayed below the threshold (50.0%)" in caption.text() and "not signs of PM" in caption.text()
    view.detail.show_row(_judged(row, pm=True))
    assert view.verdict.text() == "PM — pathologic myopia" and caption.isVisibleTo(view)
    assert "reached the threshold (50.0%)" in caption.text() and "below" not in caption.text()
    view.heatmap_check.setChecked(False)
    assert not caption.isVisibleTo(view)  # no colours, nothing to explain


def test_the_pdf_shows_the_threshold_as_the_app_does_and_a_heatmap_caption_by_verdict(qtbot, library_model, window,
                                                                                      images, tmp_path, monkeypatch):
    import PySide6.QtGui as QtGui
    from PySide6.QtCore import QRectF

    from gui.diagnosis.export import export_rows

    texts = []  # every string the PDF painter writes

    class Painter(QtGui.QPainter):
        def drawText(self, *args):
            if isinstance(args[0], QRectF):
                texts.append(args[2])
            return super().drawText(*args)

    monkeypatch.setattr(QtGui, "QPainter", Painter)
    view = window.diagnosis_view
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    assert "PM when probability ≥ 50.0%" in view.detail_model.text()  # the app's format
    row = view.results.rows[0]
    for _ in export_rows(tmp_path / "r.pdf", [_judged(row, True), _judged(row, False)], view.heatmaps, 0.45):
        pass
    assert "PM when probability ≥ 50.0%" in texts  # the summary page
    footers = [t for t in texts if t.startswith("PM Screen · ")]
    assert len(footers) == 3 and all(" · threshold 50.0% · " in t for t in footers)
    assert not any("0.500" in t for t in texts)
    captions = [t for t in texts if t.startswith("Grad-CAM")]
    assert len(captions) == 2 and not any("speak for PM" in t for t in captions)
    assert "below the threshold" not in captions[0] and "stayed below the threshold" in captions[1]
