"""A bundled model of several members (a K-fold ensemble) in the application: the picker names it, the Diagnosis
view diagnoses with it (engine in the child process) and shows its averaged heatmap, the audit log gets its one
model hash, and the runs table shows its members."""

import json

import pytest
from gui_support import drop, wait_done

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
    (r,) = [r for r in range(model.rowCount()) if model.index(r, 0).data() == "PM ensemble (bundled)"]
    assert model.index(r, 3).data() == "– × 2"  # epochs of each member (unknown here) × members
    assert table.select_path(folder)
