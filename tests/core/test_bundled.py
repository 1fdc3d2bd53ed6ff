"""The screening model shipped in resources/models/: present, small, documented, and as good as it claims."""

import json

import pytest

from core.cli import main
from core.store.bundled import default_model_dir


@pytest.fixture(scope="module")
def bundled():
    folder = default_model_dir()
    assert folder is not None, "no bundled model in resources/models/"
    return folder


def test_bundled_model_is_float16_small_and_has_a_card(bundled):
    from core.store.members import load_members

    nets, meta = load_members(bundled)
    files = [bundled / m["weights"]["file"] for m in meta["members"]]
    assert len(nets) == len(files) >= 1 and {m["weights"]["dtype"] for m in meta["members"]} == {"float16"}
    assert sum(f.stat().st_size for f in files) <= 50 * 2**20
    card = meta["card"]
    for field in ("intended_use", "protocol", "training_data", "recipe", "members", "metrics", "limitations"):
        assert card[field]
    assert meta["metrics"]["sensitivity"] >= 0.97  # the screening threshold's rule, on out-of-fold scores
    assert meta["calibration"]["ece_after"] <= meta["calibration"]["ece_before"]
    assert (bundled / "MODEL_CARD.md").is_file()


def test_the_card_the_application_shows_is_the_card_shipped(bundled):
    """The application writes the card it shows from the sealed model.json: for the bundled model (no threshold
    changed) that is MODEL_CARD.md, word for word."""
    from core.store.modelio import checked_meta
    from core.training.finalize import model_card_shown

    _, meta = checked_meta(bundled)
    shown = model_card_shown(meta)
    assert shown == (bundled / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Expected performance (out-of-fold)" in shown


def test_evaluate_without_model_uses_the_bundled_one_and_meets_targets(bundled, palm_root, capsys):
    code = main(["evaluate", "--images", str(palm_root / "PALM-Validation400"),
                 "--labels", str(palm_root / "PALM-Validation-GT" / "PM_Label_and_Fovea_Location.xlsx"), "--json"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert code == 0 and out["model_dir"] == str(bundled) and out["n"] == 201
    # its members learnt most of these images (each of its two cross-validations trained on 4/5 of them):
    # evaluate counts them and says these figures measure fit; the card's out-of-fold figures are the estimate
    assert 150 <= out["seen_in_training"] < 201, out["seen_in_training"]
    assert f"warning: {out['seen_in_training']} of the 201 images were used to train this model" in captured.err
    # PALM-Validation400 holds two pairs of byte-identical images (V0107 = V0160, V0268 = V0320)
    assert out["identical_copies"] == 2 and "V0107.jpg = V0160.jpg" in captured.err
    assert out["accuracy"] >= 0.97 and out["auc"] >= 0.99 and out["sensitivity"] >= 0.97


def test_the_bundled_model_screens_without_a_research_warning(bundled, tmp_path, capsys):
    """It was finalized (a model card): its verdicts are not marked as research-only, unlike a trained run's."""
    import csv

    from tests.synthetic import fundus_image, write_rgb

    image = write_rgb(tmp_path / "eye.jpg", fundus_image(True, 3))
    report = tmp_path / "r.csv"
    assert main(["predict", str(image), "--report", str(report), "--no-audit"]) == 0
    assert "research" not in capsys.readouterr().err
    [row] = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert row["model"] == json.loads((bundled / "model.json").read_text())["name"]
