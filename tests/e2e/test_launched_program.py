"""The program as users start it: a researcher trains from the Training view, a clinician diagnoses dropped
images with heatmaps and exports a PDF, and closing during training exits cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synthetic import fundus_image, make_palm_root, write_rgb


def _assert_clean(outcome) -> None:
    assert outcome.returncode == 0, outcome.explain()
    assert "Traceback" not in outcome.stderr, outcome.explain()
    assert "walkthrough FAILED" not in outcome.stderr, outcome.explain()


def test_a_researcher_trains_from_the_training_view(launch, tmp_path):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    outcome = launch("research", {"palm": str(palm), "epochs": 1})
    _assert_clean(outcome)
    facts = outcome.facts
    assert facts["train_images"] == 12
    assert facts["status"] == "finished", facts["log"]
    assert "ERROR" not in facts["log"] and "epoch 1/1" in facts["log"], facts["log"]
    assert facts["live_epochs"] == [1]  # the live plot got the epoch
    run_dir = Path(facts["run_dir"])
    assert str(run_dir) in facts["runs"]  # the runs table lists the new model
    assert (run_dir / "model.json").is_file() and (run_dir / "weights.safetensors").is_file()
    assert run_dir.is_relative_to(tmp_path / "home")  # a fresh user's data folder, nothing shared


def test_closing_the_window_during_training_exits_cleanly(launch, tmp_path):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    outcome = launch("research", {"palm": str(palm), "epochs": 200, "close_during_training": True})
    _assert_clean(outcome)
    assert outcome.facts["closing_while_running"] is True


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_clinician_diagnoses_dropped_images_with_a_heatmap_and_a_pdf(launch, tmp_path, lang):
    folder = tmp_path / "clinic"
    images = [write_rgb(folder / f"eye{i}.jpg", fundus_image(pm=i % 2 == 0, seed=i)) for i in range(3)]
    broken = folder / "broken.jpg"
    broken.write_bytes(b"not a JPEG")
    pdf = tmp_path / "out" / "screening.pdf"
    pdf.parent.mkdir()
    args = {"images": [str(p) for p in [*images, broken]], "pdf": str(pdf)}
    outcome = launch("diagnose", args, "gui", "--lang", lang)
    _assert_clean(outcome)
    facts = outcome.facts
    assert facts["model"]  # the bundled model, ready without the user choosing it
    assert "Expected performance (out-of-fold)" in facts["model_card"], facts["model_card"][:300]
    assert facts["research_note"] is False  # finalized: no "research model" warning above its verdicts
    verdicts = facts["verdicts"]
    assert {verdicts[p.name][0] for p in images} <= {"PM", "not PM"}, verdicts
    assert verdicts["broken.jpg"][1], verdicts  # one error row names the problem; the others are diagnosed
    assert "No heatmap" not in facts["heat_note"], facts["heat_note"]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in facts["title"])
    assert chinese == (lang == "zh_CN"), facts["title"]
