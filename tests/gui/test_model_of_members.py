"""A bundled model of several members (a K-fold ensemble) in the application: the picker names it, the Diagnosis
view diagnoses with it (engine in the child process) and shows its averaged heatmap, the audit log gets its one
model hash, and the runs table shows its members."""

import json

import pytest
from gui_support import drop, wait_done
from PySide6.QtCore import Qt

from core.store.members import load_members, model_sha256
from tests.synthetic import save_tiny_members


@pytest.mark.child_engine
def test_a_bundled_ensemble_is_picked_diagnosed_and_listed(qtbot, window, bundled_models, images, data_dir):
    folder = save_tiny_members(bundled_models / "pm-ensemble", name="PM ensemble")
    digest = model_sha256(load_members(folder)[1])
    view = window.diagnosis_view
    view.refresh_models()
    assert view.model_dir() == folder and view.model_combo.currentText() == "PM ensemble (bundled)"
    window.show_page(2)
    drop(view, [images["good"]])
    wait_done(qtbot, view, 1)
    row = view.results.rows[0]
    assert 0 <= row.pred.probability <= 1 and row.model.weights_sha256 == digest
    entries = [json.loads(line) for line in (data_dir / "audit" / "audit.jsonl").read_text().splitlines()]
    assert [e["model_sha256"] for e in entries] == [digest]
    qtbot.waitUntil(lambda: view.heatmaps.request(folder, row.pred.path) is not None, timeout=120000)
    assert view.heatmaps.cached(folder, row.pred.path).shape == (7, 7)

    table = window.training_view.runs_table
    table.refresh()
    model = table.model()
    (r,) = [r for r in range(model.rowCount()) if model.index(r, 0).data() == "PM ensemble\n(bundled)"]
    assert model.index(r, 3).data() == "– × 2"  # epochs of each member (unknown here) × members
    assert table.select_path(folder)

    one = save_tiny_members(bundled_models / "pm-one", seeds=(3,), name="PM one",
                            card={"cross_validation": {"folds": 5, "pool": "all", "seed": 0}})
    table.refresh()
    (r,) = [r for r in range(model.rowCount()) if model.index(r, 0).data() == "PM one\n(bundled)"]
    assert model.index(r, 3).data() == "–"  # one network: its epochs, not "× 1"
    assert table.select_path(one)
    # the exported table: the cross-validation's folds, and the networks apart (GUI round: "folds" read 1)
    from gui.training.runs_table import RunsModel, export_row

    rows = {run.path.name: export_row(run, {c: table.runs.value(run, c) for c in RunsModel.COLUMNS})
            for run in table.runs.runs}
    assert (rows["pm-one"]["folds"], rows["pm-one"]["networks"]) == (5, 1)
    assert (rows["pm-ensemble"]["folds"], rows["pm-ensemble"]["networks"]) == (None, 2)


def test_a_model_made_from_cross_validation_is_shown_with_out_of_fold_figures(qtbot, window, bundled_models):
    """Its card's figures are out-of-fold estimates with intervals: the runs table shows the intervals, and the
    operating point's tooltip and dialog call the figures out-of-fold, not validation."""
    from gui.diagnosis.operating_point import OperatingPointDialog

    card = {"metrics": {"threshold": 0.4, "accuracy": 0.965, "auc": 0.9952, "sensitivity": 0.972,
                        "specificity": 0.957},
            "metrics_at_0_5": {"threshold": 0.5, "accuracy": 0.960, "auc": 0.9952, "sensitivity": 0.947,
                               "specificity": 0.975},
            "metrics_ci95": {"accuracy": [0.950, 0.980], "auc": [0.9916, 0.9980], "sensitivity": [0.953, 0.990],
                             "specificity": [0.933, 0.979]},
            "cross_validation": {"folds": 5, "pool": "all", "images": 601, "scored": 601, "seed": [0, 1]}}
    folder = save_tiny_members(bundled_models / "pm-cv", name="PM CV", card=card)
    table = window.training_view.runs_table
    table.refresh()
    model = table.model()
    (r,) = [r for r in range(model.rowCount()) if model.index(r, 0).data() == "PM CV\n(bundled)"]
    columns = {model.headerData(c, Qt.Orientation.Horizontal): model.index(r, c).data()
               for c in range(model.columnCount())}
    assert columns["AUC"] == "0.9952\n0.9916–0.9980"
    time_column = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())].index("Time")
    assert model.headerData(time_column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole).startswith(
        "Training time: the sum of the run's epochs")
    assert columns["Sensitivity"] == "97.2 %\n95.3–99.0"
    assert "Out-of-fold metrics of the cross-validation it was made from, at threshold 40.0 %" in model.index(
        r, 0).data(Qt.ItemDataRole.ToolTipRole)

    view = window.diagnosis_view
    view.refresh_models()
    assert view.model_dir() == folder
    tip = view.threshold_label.toolTip()
    assert "out-of-fold sensitivity 97.2%, specificity 95.7%" in tip and "validation sensitivity" not in tip
    dialog = OperatingPointDialog(view.picker.meta(), bundled=True, results=0, parent=window)
    qtbot.addWidget(dialog)
    assert dialog.documented.itemText(0) == "≥ 40.0% — out-of-fold sensitivity 97.2%, specificity 95.7%"
    assert dialog.measured.text() == ("Estimated at this threshold by cross-validation: out-of-fold sensitivity "
                                      "97.2%, specificity 95.7%.")

    # moved to the card's 0.5 point: the runs table shows the figures of that point (no intervals were measured)
    from core.store.modelio import set_threshold

    set_threshold(folder, 0.5, "the card's 0.5")
    table.refresh()
    columns = {model.headerData(c, Qt.Orientation.Horizontal): model.index(r, c).data()
               for c in range(model.columnCount())}
    assert columns["Sensitivity"] == "94.7 %" and columns["Specificity"] == "97.5 %"
    assert "at threshold 50.0 %" in model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole)
