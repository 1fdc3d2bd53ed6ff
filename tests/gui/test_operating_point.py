"""Changing a model's operating point from the Diagnosis view (issue 13): the dialog asks for a value and a reason,
the folder is re-sealed with the change recorded, the bundled model is never changed (a library copy is), the
table's old verdicts go, and the next diagnosis runs at the new threshold."""

from pathlib import Path

from gui_support import save_test_model, wait_done
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QTextBrowser

from core.store.library import library_dir
from core.store.modelio import checked_meta, read_meta


def change(qtbot, view, percent: float, reason: str):
    dialog = view.change_operating_point()
    assert dialog is not None and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()  # nothing changed yet
    dialog.value.setValue(percent)
    assert not dialog.ok_button.isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.reason, reason)
    assert dialog.ok_button.isEnabled()
    ok_text = dialog.ok_button.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view._changing_threshold, timeout=60000)
    return ok_text


def test_a_library_model_gets_a_new_operating_point_used_by_the_next_diagnosis(qtbot, window, library_model,
                                                                              images):
    view = window.diagnosis_view
    assert view.select_model(library_model)
    assert view.picker.change_threshold_button.isVisible() and view.picker.change_threshold_button.isEnabled()
    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    assert view.results.rows[0].model.threshold == 0.5

    change(qtbot, view, 25.0, "referral policy of the clinic")

    _, meta = checked_meta(library_model)  # still sealed, with the change in it
    assert meta["threshold"] == 0.25
    assert meta["provenance"][-1]["note"] == "referral policy of the clinic"
    assert meta["provenance"][-1]["from"] == 0.5
    assert view.model_dir() == library_model
    assert view.threshold_label.text() == "PM when probability ≥ 25.0%"
    assert view.results.rowCount() == 0  # judged at the old threshold
    assert window.statusBar().currentMessage() == "ResNet-18-D now says PM from 25.0% (recorded in its model card)"

    # the model card the user opens shows the change (written from the sealed model.json)
    view.picker.card_button.click()
    (card,) = [d for d in view.findChildren(QDialog, "modelCardDialog") if d.isVisible()]
    text = card.findChild(QTextBrowser, "modelCardText").toPlainText()
    assert "has no model card" in text  # an untrained test model, never finalized
    assert card.findChild(QLabel, "modelCardSummary").text() == (
        "PM when the probability is at least 25.0%.\nNo sensitivity or specificity was measured at this threshold.")
    assert card.research.isVisibleTo(card) and "never finalized" in card.research.text()
    assert "0.5000 -> 0.2500 (referral policy of the clinic)" in text
    card.close()

    assert view.diagnose([images["good"]])
    wait_done(qtbot, view, 1)
    row = view.results.rows[0]
    assert row.model.threshold == 0.25  # the engine was started again with the new model.json
    assert row.pred.pm == (row.pred.probability >= 0.25)


def test_the_bundled_model_is_copied_into_the_library_and_left_unchanged(qtbot, window, bundled_models):
    bundled = save_test_model(bundled_models / "pm-bundled", name="Bundled")
    before = {p.name: p.read_bytes() for p in bundled.iterdir() if p.is_file()}
    view = window.diagnosis_view
    view.refresh_models(select=bundled)
    assert view.model_dir() == bundled and view.picker.is_bundled()
    assert change(qtbot, view, 40.0, "fewer referrals") == "Copy and change"

    assert {p.name: p.read_bytes() for p in bundled.iterdir() if p.is_file()} == before
    copy = view.model_dir()
    assert copy != bundled and copy.parent == library_dir() and not view.picker.is_bundled()
    assert read_meta(copy)["threshold"] == 0.4 and checked_meta(copy)
    assert view.threshold_label.text() == "PM when probability ≥ 40.0%"
    assert view.model_combo.findData(str(bundled)) >= 0  # the bundled one stays available
    assert window.statusBar().currentMessage() == (f"A copy of Bundled in your model library ({copy.name}) now says "
                                                   "PM from 40.0% (recorded in its model card); the bundled model "
                                                   "is unchanged")


def test_a_documented_point_keeps_its_exact_value_and_results_are_announced(qtbot, window, tmp_path):
    from gui.diagnosis.operating_point import OperatingPointDialog

    meta = {"name": "Op", "threshold": 0.3273, "metrics": {"sensitivity": 0.972, "specificity": 0.989},
            "metrics_at_0_5": {"sensitivity": 0.94, "specificity": 0.995}}
    dialog = OperatingPointDialog(meta, bundled=False, results=3, parent=window)
    qtbot.addWidget(dialog)
    assert dialog.documented.itemText(1) == "≥ 50.0% — validation sensitivity 94.0%, specificity 99.5%"
    dialog.value.setValue(50.0)
    assert dialog.threshold() == 0.5
    dialog.value.setValue(32.7)
    assert dialog.threshold() == 0.3273  # the documented point, not its rounded display
    assert dialog.measured.text() == "Measured at this threshold: validation sensitivity 97.2%, specificity 98.9%."
    dialog.value.setValue(33.0)
    assert dialog.threshold() == 0.33
    assert dialog.measured.text().startswith("Not measured at this threshold")
    assert dialog.documented.currentIndex() == -1  # the list names no documented point for a typed value
    assert dialog.documented.currentText() == ""
    dialog.value.setValue(50.0)
    assert dialog.documented.currentIndex() == 1 and dialog.measured.text().endswith("specificity 99.5%.")
    labels = [w.text() for w in dialog.findChildren(QLabel)]
    assert any("The 3 results in the table were judged at the old threshold" in t for t in labels)


def test_a_folder_edited_by_hand_is_not_changed_and_the_user_is_told(qtbot, window, tmp_path):
    folder = save_test_model(tmp_path / "model", name="Edited")
    view = window.diagnosis_view
    assert view.select_model(folder)
    meta_file = Path(folder) / "model.json"
    meta_file.write_text(meta_file.read_text().replace('"threshold": 0.5', '"threshold": 0.1'))
    change(qtbot, view, 30.0, "try")
    message = window.statusBar().currentMessage()
    assert message.startswith("The operating point was not changed: ") and "model.json" in message
    assert '"threshold": 0.1' in meta_file.read_text()  # nothing rewritten
    assert view.picker.change_threshold_button.isEnabled()


def test_a_model_moved_to_a_documented_point_keeps_its_figures(qtbot, window):
    """A copy changed to the card's 0.5 point: that point's figures stay with it (the dialog, the tooltip)."""
    from gui.diagnosis.model_picker import operating_points
    from gui.diagnosis.operating_point import OperatingPointDialog

    meta = {"name": "Op", "threshold": 0.5, "metrics": {"threshold": 0.2848, "sensitivity": 0.972,
                                                          "specificity": 0.957},
            "metrics_at_0_5": {"sensitivity": 0.947, "specificity": 0.975}, "cross_validation": {"folds": 5},
            "provenance": [{"action": "set-threshold", "from": 0.2848, "to": 0.5, "note": "policy"}]}
    points = operating_points(meta)
    assert [(t, m and m["sensitivity"]) for t, m, _ in points] == [(0.5, 0.947), (0.2848, 0.972)]
    dialog = OperatingPointDialog(meta, bundled=False, results=0, parent=window)
    qtbot.addWidget(dialog)
    assert dialog.measured.text() == ("Estimated at this threshold by cross-validation: out-of-fold sensitivity "
                                      "94.7%, specificity 97.5%.")


def test_the_model_card_opens_with_its_operating_point_in_the_language_shown(qtbot, window):
    """GUI round: the card view was English only in the Chinese UI. The sealed card stays the English document;
    above it the threshold in use and what was measured there, with the intervals, in the language shown."""
    import json

    from gui import i18n
    from gui.diagnosis.model_card import ModelCardDialog

    shipped = Path(__file__).resolve().parents[2] / "resources" / "models" / "pm-resnet18d-tone"
    meta = json.loads((shipped / "model.json").read_text())  # the shipped model's card (tests see no bundled one)
    assert meta["metrics"]["threshold"] == meta["threshold"]
    lo, hi = meta["metrics_ci95"]["sensitivity"]

    def opened():
        card = ModelCardDialog(shipped, meta, window)
        qtbot.addWidget(card)
        card.show()
        return card, card.findChild(QLabel, "modelCardSummary").text()

    card, summary = opened()
    assert summary.startswith(f"PM when the probability is at least {meta['threshold']:.1%}.\nOut-of-fold "
                              f"sensitivity {meta['metrics']['sensitivity']:.1%}")
    assert f"sensitivity {lo:.1%}–{hi:.1%}" in summary and "in English" not in summary
    assert not card.research.isVisibleTo(card)  # a finalized, sealed model
    i18n.apply_language("zh_CN")
    try:
        card, summary = opened()
        assert f"{meta['threshold']:.1%}" in summary and "英文" in summary and "PM when" not in summary
    finally:
        i18n.apply_language("en")


def test_the_runs_table_shows_no_figures_a_threshold_was_not_measured_at(qtbot):
    """GUI round: a model moved to 40 % showed its card's 28.5 % sensitivity, specificity and accuracy, with their
    intervals, as its own. At a threshold nothing measured only the AUC is known."""
    from gui.training.runs_table import Run, RunsModel, export_row

    metrics = {"accuracy": 0.965, "auc": 0.995, "sensitivity": 0.972, "specificity": 0.957, "threshold": 0.285}
    ci = {k: [v - 0.02, min(1.0, v + 0.01)] for k, v in metrics.items() if k != "threshold"}
    model = RunsModel()
    measured = Run(Path("/m/a"), {"metrics": metrics, "metrics_ci95": ci, "threshold": 0.285}, False)
    moved = Run(Path("/m/b"), {"metrics": metrics, "metrics_ci95": ci, "threshold": 0.4}, False)
    assert model.text(measured, "sensitivity") == "97.2 %\n95.2–98.2"
    for col in ("accuracy", "sensitivity", "specificity"):
        assert model.text(moved, col) == "–"
    assert model.text(moved, "auc") == "0.9950\n0.9750–1.0000"  # the AUC holds whatever the threshold
    row = export_row(moved, {c: model.value(moved, c) for c in RunsModel.COLUMNS})
    assert (row["threshold"], row["sensitivity"], row["sensitivity_low"], row["auc"]) == (0.4, None, None, 0.995)
