"""Model folders of several members (a K-fold ensemble): loading, the mean probability, one audit hash over every
member, refused tampering, averaged Grad-CAM, the self-test, and finalize --from-cv on a tiny CV run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.screening.audit import read_entries
from core.screening.inference import Predictor
from core.store.members import load_members, model_sha256
from core.store.modelio import ModelFileError, load_model, set_threshold, write_meta
from tests.synthetic import fundus_image, make_palm_root, save_tiny_members, save_tiny_model, tiny_networks, write_rgb

TEMPERATURE = 1.7  # save_tiny_members' default


@pytest.fixture(scope="module")
def data_dir_path(tmp_path_factory):
    """One user data folder for the module: each member's engine export is made once."""
    return tmp_path_factory.mktemp("members-userdata")


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory):
    return save_tiny_members(tmp_path_factory.mktemp("ens") / "ensemble")


@pytest.fixture(scope="module")
def singles(tmp_path_factory):
    base = tmp_path_factory.mktemp("singles")
    return [save_tiny_model(base / f"seed-{s}", model=n, name=f"seed {s}", temperature=TEMPERATURE)
            for s, n in zip((1, 2), tiny_networks((1, 2)))]


@pytest.fixture(scope="module")
def pixels():
    from core.images.preprocess import resize

    return np.stack([resize(fundus_image(i % 2 == 0, i), 224) for i in range(4)])


def test_members_load_and_a_single_network_loader_refuses_them(ensemble):
    nets, meta = load_members(ensemble)
    assert [entry["name"] for _, entry in nets] == ["seed-1", "seed-2"]
    assert meta["format"] == "pmscreen-model/2" and meta["architecture"] == nets[0][1]["architecture"]
    with pytest.raises(ModelFileError, match=r"made of member networks \(2 of them\), where one trained network"):
        load_model(ensemble)


@pytest.mark.parametrize("engine", ["dygraph", "auto"])
def test_the_probability_is_the_mean_of_the_members(ensemble, singles, pixels, engine):
    mean = np.mean([Predictor(s, device="cpu", engine=engine).probabilities(pixels) for s in singles], axis=0)
    predictor = Predictor(ensemble, device="cpu", engine=engine)
    assert predictor.engine.kind == ("dygraph" if engine == "dygraph" else "paddle-inference")
    np.testing.assert_allclose(predictor.probabilities(pixels), mean, atol=1e-5)
    single = Predictor(singles[0], device="cpu", engine=engine).probabilities(pixels)
    assert np.abs(predictor.probabilities(pixels) - single).max() > 1e-4  # not just the first member


def test_one_engine_export_per_member(ensemble):
    from core.screening.engine import MANIFEST, cache_dir

    Predictor(ensemble, device="cpu")
    exported = {json.loads((d / MANIFEST).read_text())["weights_sha256"] for d in cache_dir().iterdir()
                if (d / MANIFEST).is_file()}
    _, meta = load_members(ensemble)
    assert {m["weights"]["sha256"] for m in meta["members"]} <= exported


def test_one_model_hash_covers_every_member(ensemble, tmp_path):
    _, meta = load_members(ensemble)
    digest = Predictor(ensemble, device="cpu", engine="dygraph").weights_sha256
    assert digest == model_sha256(meta) and len(digest) == 64
    assert digest not in {m["weights"]["sha256"] for m in meta["members"]}
    other = save_tiny_members(tmp_path / "other", seeds=(1, 3))  # the second member's weights differ
    assert model_sha256(load_members(other)[1]) != digest
    assert model_sha256(load_members(save_tiny_members(tmp_path / "same", seeds=(1, 2)))[1]) == digest


def test_tampered_member_weights_and_member_lists_are_refused(ensemble, tmp_path, capsys):
    swapped = tmp_path / "swapped"
    shutil.copytree(ensemble, swapped)
    shutil.copy(swapped / "member-1.safetensors", swapped / "member-2.safetensors")
    with pytest.raises(ModelFileError, match="member-2.safetensors: does not fit model.json"):
        load_members(swapped)
    write_rgb(tmp_path / "eye.jpg", fundus_image(True, 3))
    assert main(["predict", "--model", str(swapped), "--no-audit", str(tmp_path / "eye.jpg")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "member-2.safetensors" in err[0]

    edited = tmp_path / "edited"
    shutil.copytree(ensemble, edited)
    meta = json.loads((edited / "model.json").read_text())
    meta["members"] = meta["members"][:1]  # a member dropped by hand
    (edited / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="seal differs"):
        load_members(edited)

    laundered = tmp_path / "laundered"  # an edited temperature, sealed anew: the members' records refuse it
    shutil.copytree(ensemble, laundered)
    meta = json.loads((laundered / "model.json").read_text())
    write_meta(laundered / "model.json", {**meta, "temperature": 0.5})
    with pytest.raises(ModelFileError, match="temperature is 0.5 but the weights were made with 1.7"):
        load_members(laundered)


def test_grad_cam_is_the_members_maps_averaged(ensemble, pixels):
    from core.screening.gradcam import cam_batch

    predictor = Predictor(ensemble, device="cpu", engine="dygraph")
    mean = np.mean([cam_batch(m, pixels) for m in predictor.models], axis=0)
    peak = mean.reshape(len(mean), -1).max(axis=1)
    want = mean / np.where(peak > 0, peak, 1)[:, None, None]
    got = predictor.heatmaps(pixels)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert got.shape == (4, 7, 7) and got.min() >= 0 and got.max() <= 1 + 1e-6


def test_predict_evaluate_audit_and_report_name_the_model_hash(ensemble, tmp_path, capsys):
    palm = make_palm_root(tmp_path / "palm", n_train=2, n_val=6)
    images, labels = palm / "PALM-Validation400", palm / "PALM-Validation-GT" / "labels.xlsx"
    assert main(["predict", "--model", str(ensemble), "--json", "--report", str(tmp_path / "r.xlsx"),
                 "--heatmaps", str(tmp_path / "heat"), str(images)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 6 and all(0 <= r["probability"] <= 1 for r in rows)
    digest = model_sha256(load_members(ensemble)[1])
    entries = list(read_entries())
    assert len(entries) == 6 and {e["model_sha256"] for e in entries} == {digest}
    from openpyxl import load_workbook

    summary = dict(load_workbook(tmp_path / "r.xlsx")["Summary"].iter_rows(values_only=True))
    assert summary["model SHA-256"] == digest
    assert len(list((tmp_path / "heat").glob("*.png"))) == 6
    assert main(["evaluate", "--model", str(ensemble), "--images", str(images), "--labels", str(labels),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 6


def test_a_member_cannot_stand_in_for_another_or_for_the_model_alone(tmp_path, capsys):
    """Hostile round, session 19: a member's weights made a model.json of one network (format 1) that
    ``pmscreen seal`` sealed with the card of the mean of two, and a fold-2 member took fold 1's place in a model
    of one member; verdicts changed, checksums and records all fitting. Each member's weights now record their
    place (name, index, count), checked wherever they are loaded."""
    pair = save_tiny_members(tmp_path / "pair", seeds=(1, 2), name="pair")
    one = save_tiny_members(tmp_path / "one", seeds=(1,), name="one")
    meta = json.loads((pair / "model.json").read_text())

    alone = tmp_path / "alone"  # member 1 made a single-network folder, seal removed, sealed again
    alone.mkdir()
    shutil.copy(pair / "member-1.safetensors", alone / "model.safetensors")
    single = {k: v for k, v in meta.items() if k not in ("members", "seal", "format")}
    single.update(format="pmscreen-model/1", architecture=meta["members"][0]["architecture"],
                  weights={**meta["members"][0]["weights"], "file": "model.safetensors"})
    (alone / "model.json").write_text(json.dumps(single))
    capsys.readouterr()
    assert main(["seal", str(alone)]) != 0
    err = capsys.readouterr().err
    assert "made as member 1 (\"seed-1\") of 2, and are here a model of their own" in err, err
    assert "seal" not in json.loads((alone / "model.json").read_text())

    swapped = tmp_path / "swapped"  # the second member of the pair in the place of the one-member model's
    shutil.copytree(one, swapped)
    shutil.copy(pair / "member-2.safetensors", swapped / "member-1.safetensors")
    meta1 = json.loads((swapped / "model.json").read_text())
    meta1["members"][0]["weights"]["sha256"] = meta["members"][1]["weights"]["sha256"]
    meta1["members"][0]["name"] = "seed-2"
    del meta1["seal"]
    (swapped / "model.json").write_text(json.dumps(meta1))
    assert main(["seal", str(swapped)]) != 0  # a member list is never sealed again by hand
    assert "a model of members without its seal" in capsys.readouterr().err
    write_meta(swapped / "model.json", meta1)  # sealed anyway, as PM Screen would seal it: loading still refuses
    with pytest.raises(ModelFileError, match='made as member 2 \\("seed-2"\\) of 2, and are here member 1 '
                                             '\\("seed-2"\\) of 1'):
        load_members(swapped)
    assert load_members(one)[1]["name"] == "one" and len(load_members(pair)[0]) == 2


def test_set_threshold_and_seal_keep_every_member(ensemble, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(ensemble, folder)
    meta = set_threshold(folder, 0.25, note="test")
    assert meta["threshold"] == 0.25 and len(load_members(folder)[0]) == 2
    assert main(["seal", str(folder)]) == 0 and "already sealed and intact" in capsys.readouterr().out


@pytest.mark.parametrize("edit", ["drop", "add"])
def test_seal_refuses_a_member_list_whose_seal_was_removed(ensemble, tmp_path, capsys, edit):
    # An attacker's recipe: remove the seal, drop a member (or add a copy of one), seal again; before the fix seal
    # said "checked and sealed" and the verdicts changed.
    folder = tmp_path / "copy"
    shutil.copytree(ensemble, folder)
    meta = json.loads((folder / "model.json").read_text())
    del meta["seal"]
    members = meta["members"]
    if edit == "drop":
        meta["members"] = members[:1]
    else:  # a copy of the first member under a file of its own
        shutil.copy(folder / members[0]["weights"]["file"], folder / "extra.safetensors")
        extra = dict(members[0], name="extra", weights=dict(members[0]["weights"], file="extra.safetensors"))
        meta["members"] = [*members, extra]
    (folder / "model.json").write_text(json.dumps(meta))  # by hand: write_meta would seal it
    assert main(["seal", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "model.json" in err and "member list cannot be checked" in err and "Traceback" not in err
    with pytest.raises(ModelFileError):
        load_members(folder)


def test_selftest_runs_a_model_of_members(ensemble, capsys, monkeypatch):
    import core.screening.selftest as selftest

    monkeypatch.setattr(selftest, "_child_process_check", lambda timeout=300.0: "ok")  # tested in test_selftest
    assert selftest.run_selftest(str(ensemble)) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "tiny ensemble" and out["gradcam"] == "ok" and out["engine"] == "paddle-inference"


# ---------------------------------------------------------------- finalize --from-cv

@pytest.fixture(scope="module")
def cv_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("cv")
    palm = make_palm_root(base / "palm", n_train=12, n_val=8)
    out = base / "cv"
    assert main(["cv", "--data", str(palm), "--out", str(out), "--folds", "2", "--depth", "18", "--epochs", "1",
                 "--batch-size", "4", "--lr", "1e-3", "--device", "cpu"]) == 0
    return palm, out


def test_finalize_from_cv_makes_a_model_of_the_fold_networks(cv_run, tmp_path, capsys):
    palm, cv = cv_run
    capsys.readouterr()
    out = tmp_path / "model"
    assert main(["finalize", "--from-cv", str(cv), "--out", str(out), "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in meta["members"]] == ["fold-1", "fold-2"]
    assert {m["weights"]["dtype"] for m in meta["members"]} == {"float16"}
    assert meta["calibration"]["method"] == "temperature scaling on the out-of-fold scores"
    assert meta["metrics"]["n"] == 20 and meta["metrics"]["sensitivity"] >= 0.97
    # re-scored with the shipped fp16 weights through Paddle Inference: close to the trainer's own scores
    assert meta["cross_validation"]["engine_vs_training_max_abs_diff"] < 0.02
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    m, ci = meta["metrics"], meta["metrics_ci95"]
    assert "Expected performance (out-of-fold)" in card and "2-fold stratified cross-validation" in card
    assert f"accuracy {m['accuracy']:.3f} (95% CI {ci['accuracy'][0]:.3f}–{ci['accuracy'][1]:.3f})" in card
    assert "figures of single members" in card and "last epoch kept" in card and "float16 safetensors" in card
    assert "float32" not in card

    images, labels = palm / "PALM-Validation400", palm / "PALM-Validation-GT" / "labels.xlsx"
    assert main(["evaluate", "--model", str(out), "--images", str(images), "--labels", str(labels), "--json"]) == 0
    captured = capsys.readouterr()
    evaluated = json.loads(captured.out)
    assert evaluated["threshold"] == pytest.approx(meta["threshold"])
    # the two folds' networks learnt every pooled image between them: the validation images too, and evaluate says so
    assert evaluated["seen_in_training"] == evaluated["n"] == 8
    assert "warning: 8 of the 8 images were used to train this model" in captured.err
    assert main(["predict", "--model", str(out), "--no-audit", "--json", str(images)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 8


def test_the_threshold_lies_between_neighbouring_out_of_fold_scores(cv_run, tmp_path, capsys):
    from core.data.contents import trained_on
    from core.nn.runtime import use_device
    from core.screening.engine import create_engine
    from core.stats.metrics import softmax
    from core.training import ensemble as ens

    _, cv = cv_run
    seen = {}

    def engine_for(model, member):  # the engine the command line gives, with its outputs kept
        engine = create_engine(model, member, use_device("cpu"), kind="paddle-inference")

        def forward(x):
            out = engine(x)
            seen.setdefault(member["name"], []).append(out)
            return out
        return forward

    meta = ens.finalize_from_cv(cv, tmp_path / "one", engine_for, members=1, dtype="float32")
    assert len(meta["members"]) == 1 and meta["members"][0]["weights"]["dtype"] == "float32"
    # its one member, fold 1's network, learnt the images of fold 2 only: those are the ones recorded
    plan = json.loads((cv / "cv.json").read_text())
    assert meta["trained_on"] == trained_on(s["file"] for s in plan["samples"] if s["fold"] == 1)
    assert len(meta["trained_on"]["images"]) == len([s for s in plan["samples"] if s["fold"] == 1]) > 0
    scores = softmax(np.concatenate([np.concatenate(v) for v in seen.values()]) / meta["temperature"])[:, 1]
    assert sorted(seen) == ["fold-1", "fold-2"]  # every fold scores its own held-out images
    below, above = scores[scores < meta["threshold"]], scores[scores >= meta["threshold"]]
    assert len(above) and len(below)
    assert meta["threshold"] == pytest.approx((above.min() + below.max()) / 2)
    card = (tmp_path / "one" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "float32 safetensors" in card
    # one network is one of those the figures pool, not "the mean of 1 members" without figures of its own
    assert "One network, fold 1's of the 2 fold networks" in card and "the model is one of the 2 networks" in card
    assert "mean of 1" not in card and "members" not in card.split("**Members.**")[1].split("\n")[0]
    assert meta["name"] == "PM ResNet-18-D (fold 1 of 2-fold cross-validation)"
    # the wording holds for the tiny run too (hostile round, session 19): no "other 1 folds", "1 epochs", "all 2's"
    assert "trained on the other fold and kept" in card and "from scratch, 1 epoch," in card
    assert "fitted on the scores of all 2:" in card and "(e.g. PALM-Validation400)" in card


def test_finalize_from_cv_refuses_bad_requests_in_one_line(cv_run, tmp_path, capsys):
    _, cv = cv_run
    for extra, message in ((["--members", "3"], "from 1 to the 2 folds"), (["--members", "x"], "all or a number"),
                           (["--members", "²"], "all or a number"), (["--model", str(cv)], "replaces --model")):
        assert main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "m"), *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]
    (tmp_path / "unfinished").mkdir()
    shutil.copy(cv / "cv.json", tmp_path / "unfinished" / "cv.json")
    assert main(["finalize", "--from-cv", str(tmp_path / "unfinished"), "--out", str(tmp_path / "m")]) == 2
    assert "not finished" in capsys.readouterr().err


# ---------------------------------------------------------------- finalize from several CV runs (seeds)

@pytest.fixture(scope="module")
def cv_run_seed1(cv_run):
    """The recipe of cv_run again with another seed: other folds, other initialisations."""
    palm, first = cv_run
    out = first.parent / "cv-seed1"
    assert main(["cv", "--data", str(palm), "--out", str(out), "--folds", "2", "--depth", "18", "--epochs", "1",
                 "--batch-size", "4", "--lr", "1e-3", "--device", "cpu", "--seed", "1"]) == 0
    return out


def test_the_fitted_rule_is_the_engines_mean_of_member_probabilities():
    from core.screening.engine import MeanEngine
    from core.stats.calibration import fit_operating_point, model_log_probs
    from core.stats.metrics import log_softmax, softmax

    rng = np.random.default_rng(3)
    members = rng.normal(0, 2, (2, 40, 2))
    classes = rng.integers(0, 2, 40)
    members[:, classes == 1, 1] += 2.0  # informative, not perfect
    assert np.allclose(model_log_probs(members[0], 1.3), log_softmax(members[0] / 1.3))
    fit = fit_operating_point(members, classes, 1, 0.9)
    t = fit["temperature"]
    class Fixed:  # a member engine that answers with given logits
        kind, precision = "fixed", "fp32"

        def __init__(self, z):
            self.z = z

        def __call__(self, x):
            return self.z

    engine = MeanEngine([Fixed(z) for z in members], t)  # what predict runs for a model of members
    shipped = softmax(engine(None) / t)[:, 1]
    assert np.allclose(np.exp(model_log_probs(members, t))[:, 1], shipped)
    mean = (softmax(members[0] / t) + softmax(members[1] / t)) / 2
    assert np.allclose(shipped, mean[:, 1])
    above, below = shipped[shipped >= fit["threshold"]], shipped[shipped < fit["threshold"]]
    assert fit["threshold"] == pytest.approx((above.min() + below.max()) / 2)
    assert fit["metrics"]["sensitivity"] >= 0.9


def test_finalize_from_two_seeds_scores_the_models_own_rule_out_of_fold(cv_run, cv_run_seed1, tmp_path, capsys):
    palm, cv = cv_run
    capsys.readouterr()
    out = tmp_path / "model"
    assert main(["finalize", "--from-cv", str(cv), "--from-cv", str(cv_run_seed1), "--out", str(out), "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in meta["members"]] == ["seed-0-fold-1", "seed-1-fold-1"]
    assert meta["members"][1]["source"]["folder"] == "cv-seed1/fold-1"
    record = meta["cross_validation"]
    assert record["seed"] == [0, 1] and record["folder"] == [str(cv), str(cv_run_seed1)]
    assert meta["metrics"]["n"] == 20 and meta["metrics"]["sensitivity"] >= 0.97
    assert record["engine_vs_training_max_abs_diff"] < 0.02
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "2 runs of 2-fold stratified cross-validation (seeds 0 and 1" in card
    assert "the model's own rule" in card and "figures of single members" not in card
    assert "seed 0 and 1" in card and "2 networks, one of each run" in card
    assert "trained on these 20 images between them" in card  # evaluate on them measures fit, not performance

    images, labels = palm / "PALM-Validation400", palm / "PALM-Validation-GT" / "labels.xlsx"
    assert main(["evaluate", "--model", str(out), "--images", str(images), "--labels", str(labels), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["threshold"] == pytest.approx(meta["threshold"])


def test_finalize_refuses_runs_that_cannot_be_averaged(cv_run, cv_run_seed1, tmp_path, capsys):
    _, cv = cv_run
    palm = cv_run[0]
    other = tmp_path / "other-recipe"  # a real run of another learning rate
    assert main(["cv", "--data", str(palm), "--out", str(other), "--folds", "2", "--depth", "18", "--epochs", "1",
                 "--batch-size", "4", "--lr", "2e-3", "--device", "cpu", "--seed", "2"]) == 0
    edited = tmp_path / "edited"  # the seed-1 run with its plan's learning rate edited: its folds say otherwise
    shutil.copytree(cv_run_seed1, edited)
    plan = json.loads((edited / "cv.json").read_text())
    plan["config"]["lr"] = 2e-3
    (edited / "cv.json").write_text(json.dumps(plan))
    for runs, extra, message in (([cv, cv], [], "the same cross-validation given twice"),
                                 ([cv, other], [], "differ in lr"),
                                 ([cv, edited], [], "fold-1: not this cross-validation's network (its lr differ"),
                                 ([cv, cv_run_seed1], ["--members", "1"], "goes with one --from-cv"),
                                 ([cv, cv_run_seed1], ["--members", "all"], "goes with one --from-cv")):
        args = [x for run in runs for x in ("--from-cv", str(run))]
        assert main(["finalize", *args, "--out", str(tmp_path / "m"), *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "m").exists()


def test_finalize_never_writes_over_a_cross_validation(cv_run, cv_run_seed1, tmp_path, capsys):
    _, cv = cv_run
    before = sorted(p.relative_to(cv_run_seed1) for p in cv_run_seed1.rglob("*"))
    for out in (cv_run_seed1, cv_run_seed1 / "fold-1", cv_run_seed1.parent):
        assert main(["finalize", "--from-cv", str(cv), "--from-cv", str(cv_run_seed1), "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"--out {out} would replace the cross-validation" in err[0]
    assert sorted(p.relative_to(cv_run_seed1) for p in cv_run_seed1.rglob("*")) == before


def _copy_run(run, tmp_path, name):
    copy = tmp_path / name
    shutil.copytree(run, copy)
    return copy


def test_finalize_refuses_a_fold_network_that_is_not_the_plans(cv_run, cv_run_seed1, tmp_path, capsys):
    _, cv = cv_run
    swapped = _copy_run(cv_run_seed1, tmp_path, "swapped")  # fold-2's network, trained on fold-1's images
    shutil.rmtree(swapped / "fold-1")
    shutil.copytree(cv_run_seed1 / "fold-2", swapped / "fold-1")
    foreign = _copy_run(cv_run_seed1, tmp_path, "foreign")  # another run's network (seed 0's)
    shutil.rmtree(foreign / "fold-1")
    shutil.copytree(cv / "fold-1", foreign / "fold-1")
    relabelled = _copy_run(cv, tmp_path, "relabelled")  # the seed-0 run again, its seed edited to 5
    for path in (relabelled / "cv.json", *(relabelled / f"fold-{f}" / "model.json" for f in (1, 2))):
        data = json.loads(path.read_text())
        target = data["training"] if "training" in data else data
        target["seed"] = 5
        if "config" in data:
            data["config"]["seed"] = 5
        path.write_text(json.dumps(data))
    for run, message in ((swapped, "fold-1: its held-out images (validation.json) are not fold 1's of cv.json"),
                         (foreign, "fold-1: not this cross-validation's network (its seed differ"),
                         (relabelled, "the same fold network appears twice")):
        assert main(["finalize", "--from-cv", str(cv), "--from-cv", str(run), "--out", str(tmp_path / "m")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "m").exists()


def test_finalize_refuses_images_changed_since_the_cross_validation(cv_run, tmp_path, capsys):
    _, cv = cv_run
    plan = json.loads((cv / "cv.json").read_text())
    pm = next(Path(s["file"]) for s in plan["samples"] if s["label"] == 1)
    other = next(Path(s["file"]) for s in plan["samples"] if s["label"] == 0)
    kept = pm.read_bytes(), other.read_bytes()
    pm.write_bytes(kept[1])  # the two photographs swapped under their names
    other.write_bytes(kept[0])
    try:
        code = main(["finalize", "--from-cv", str(cv), "--out", str(tmp_path / "m")])
        err = capsys.readouterr().err.strip().splitlines()
    finally:
        pm.write_bytes(kept[0])
        other.write_bytes(kept[1])
    assert code == 2 and len(err) == 1 and "changed since the cross-validation ran" in err[0]
    assert str(pm) in err[0] or str(other) in err[0]


def test_finalize_refuses_images_the_cross_validation_could_not_score_that_read_now(cv_run, tmp_path, capsys):
    """oof.json with no probability for an image (unreadable when the CV ran) that reads now: the file is not the
    one the CV had, and nothing could check it (every probability emptied skipped the drift check)."""
    _, cv = cv_run
    copy = _copy_run(cv, tmp_path, "cv-emptied")
    oof = json.loads((copy / "oof.json").read_text())
    for row in oof["oof"]:
        row["probability"] = None
    (copy / "oof.json").write_text(json.dumps(oof))
    capsys.readouterr()
    assert main(["finalize", "--from-cv", str(copy), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "recorded no probability for it" in err[0] and "(20 such image(s))" in err[0]


def test_a_terminated_finalize_leaves_the_previous_model_and_no_staging_behind(cv_run, tmp_path):
    """SIGTERM (kill, a scheduler) while finalize scores the folds: it stops as Ctrl+C does, its staging folder
    is removed, and the model folder it was replacing is still the previous model, sealed and whole."""
    import os
    import signal
    import subprocess
    import sys
    import time

    _, cv = cv_run
    out = tmp_path / "model"
    save_tiny_members(out, name="previous")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "core", "finalize", "--from-cv", str(cv), "--out", str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not any(scratch.glob("pmscreen-members-*/run-0/*.safetensors")) and proc.poll() is None:
        time.sleep(0.05)  # until it stages its members (or ends: then the assertion below says so)
    assert proc.poll() is None, proc.communicate()  # still working: the staging folder is in use
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 130, err
    assert "pmscreen finalize: interrupted" in err and "FatalError" not in err
    assert list(scratch.iterdir()) == []
    _, meta = load_members(out)  # sealed and whole
    assert meta["name"] == "previous"


def test_an_out_name_too_long_to_write_is_refused_before_any_work(cv_run, tmp_path, capsys):
    """The model folder is written beside its name under a longer one (.NAME.tmp-PID): a name the file system
    allows but that one not is refused at once, naming the limit, not after every image was scored."""
    palm, cv = cv_run
    long_out = tmp_path / ("m" * 245)  # 245 bytes: a legal name; ".NAME.tmp-4194304" is 258
    capsys.readouterr()
    assert main(["finalize", "--from-cv", str(cv), "--out", str(long_out)]) == 2
    err = capsys.readouterr().err
    assert "the folder name is too long" in err and "at most 242 bytes" in err
    assert not long_out.exists() and list(tmp_path.iterdir()) == []
    assert main(["train", "--data", str(palm), "--out", str(long_out), "--epochs", "1"]) == 2
    assert "the folder name is too long" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_finalize_never_replaces_a_folder_of_other_files(cv_run, tmp_path, capsys):
    """--out names a folder the user keeps other things in (a data set, notes): refused before any work, the
    folder untouched. A model folder is replaced (that is how a model is made again), an empty folder used."""
    palm, cv = cv_run
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("precious")
    capsys.readouterr()
    assert main(["finalize", "--from-cv", str(cv), "--out", str(mine)]) == 2
    assert "holds files and is no model folder" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "precious" and (mine / "sub").is_dir()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["finalize", "--from-cv", str(cv), "--out", str(a_file)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err and a_file.read_text() == "x"
    model = tmp_path / "model"
    save_tiny_members(model, name="old")
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (model, empty):
        assert main(["finalize", "--from-cv", str(cv), "--out", str(out), "--members", "1"]) == 0
        assert load_members(out)[1]["name"] != "old"
    # a model kept with the user's own files beside it (hostile round, session 19: they went with the model)
    kept = save_tiny_members(tmp_path / "kept", name="kept")
    (kept / "notes.txt").write_text("board approval")
    capsys.readouterr()
    assert main(["finalize", "--from-cv", str(cv), "--out", str(kept), "--members", "1"]) == 2
    err = capsys.readouterr().err
    assert "holds a model and other files (notes.txt)" in err and "move them or choose another folder" in err
    assert (kept / "notes.txt").read_text() == "board approval" and load_members(kept)[1]["name"] == "kept"

    # Hostile round: a training run (its checkpoint is what Resume needs) was replaced by finalize --out RUN, and
    # train --out MODEL replaced a finalized model (and the notes kept in it) with a new run
    run = tmp_path / "run"
    save_tiny_members(run, name="run")
    (run / "checkpoint").mkdir()
    capsys.readouterr()
    assert main(["finalize", "--from-cv", str(cv), "--out", str(run), "--members", "1"]) == 2
    assert "is a training run (it holds the checkpoint Resume needs)" in capsys.readouterr().err
    (model / "NOTES.txt").write_text("board approval")
    assert main(["train", "--data", str(palm), "--out", str(model), "--epochs", "1", "--depth", "18"]) == 2
    assert "already holds a model, which a new training run would replace whole" in capsys.readouterr().err
    assert (model / "NOTES.txt").read_text() == "board approval" and (run / "checkpoint").is_dir()


def test_the_card_shown_after_a_threshold_change_says_what_the_card_file_says_of_it(cv_run, tmp_path, capsys):
    """The application writes the card from the sealed model.json: its decision threshold is the one in use, and
    the change's paragraph is the one set-threshold appended to MODEL_CARD.md."""
    from core.store.modelio import checked_meta
    from core.training.finalize import model_card_shown

    _, cv = cv_run
    out = tmp_path / "model"
    assert main(["finalize", "--from-cv", str(cv), "--out", str(out), "--members", "1"]) == 0
    assert main(["set-threshold", str(out), "--threshold", "0.4", "--note", "clinic policy"]) == 0
    capsys.readouterr()
    _, meta = checked_meta(out)
    shown, written = model_card_shown(meta), (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    paragraph = written.rstrip("\n").rsplit("\n", 1)[-1]
    assert "-> 0.4000 (clinic policy). Metrics above were measured at" in paragraph
    assert shown.endswith("\n" + paragraph + "\n")
    assert "**Decision threshold.** 0.4000 (set to 0.4000 by" in shown

    # moved to the card's own 0.5 point: the paragraph gives the figures the card recorded there
    assert main(["set-threshold", str(out), "--threshold", "0.5", "--note", "the card's 0.5"]) == 0
    _, meta = checked_meta(out)
    at = meta["metrics_at_0_5"]
    last = (out / "MODEL_CARD.md").read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[-1]
    assert last.endswith(f"At 0.5000 the card records accuracy {at['accuracy']:.3f}, sensitivity "
                         f"{at['sensitivity']:.3f}, specificity {at['specificity']:.3f}.")
    assert model_card_shown(meta).endswith("\n" + last + "\n")
