"""Cross-validation: stratified folds over pooled images, one out-of-fold probability per image, resumable
fold by fold, refused on a folder of another plan, and paired comparison of two runs."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.data.datasets import Sample, open_dataset
from core.training.cv import CVError, assign_folds, compare, pooled_samples
from tests.synthetic import make_palm_root, write_label_file


def _samples(tags: str) -> list[Sample]:
    return [Sample(Path(f"{t}{i:04d}.jpg"), int(t == "P"), t) for i, t in enumerate(tags)]


def test_folds_keep_every_finer_class_in_proportion_and_are_seeded():
    samples = _samples("P" * 50 + "H" * 10 + "N" * 40)
    folds = assign_folds(samples, 5, seed=3)
    for fold in range(5):
        tags = Counter(s.tag for s, f in zip(samples, folds) if f == fold)
        assert tags == {"P": 10, "H": 2, "N": 8}
    assert folds == assign_folds(samples, 5, seed=3)
    assert folds != assign_folds(samples, 5, seed=4)


def test_folds_need_enough_images_of_each_class():
    with pytest.raises(CVError, match="at least 5 images of every class"):
        assign_folds(_samples("P" * 20 + "N" * 3), 5, seed=0)
    with pytest.raises(CVError, match="at least 2 folds"):
        assign_folds(_samples("PN"), 1, seed=0)


def test_pooling_takes_both_splits_or_one(tmp_path):
    ds = open_dataset(make_palm_root(tmp_path / "palm", n_train=12, n_val=6))
    assert len(pooled_samples(ds, "all")) == 18
    assert len(pooled_samples(ds, "train")) == 12 and len(pooled_samples(ds, "val")) == 6


def _cv(palm: Path, out: Path, *extra: str) -> int:
    return main(["cv", "--data", str(palm), "--out", str(out), "--folds", "2", "--depth", "18", "--epochs", "1",
                 "--batch-size", "4", "--device", "cpu", *extra])


def test_a_cv_run_scores_every_image_once_resumes_and_compares(tmp_path, capsys):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    out = tmp_path / "cv"
    assert _cv(palm, out) == 0
    summary = json.loads((out / "oof.json").read_text())
    files = [Path(r["file"]).name for r in summary["oof"]]
    assert len(files) == len(set(files)) == 18 and summary["scored"] == 18
    assert all(0 <= r["probability"] <= 1 for r in summary["oof"])
    assert {r["fold"] for r in summary["oof"]} == {0, 1}
    for fold in (1, 2):  # each fold's model never saw its held-out images, and kept its last epoch
        meta = json.loads((out / f"fold-{fold}" / "model.json").read_text())
        held_out = {Path(r["file"]).name for r in summary["oof"] if r["fold"] == fold - 1}
        assert set(json.loads((out / f"fold-{fold}" / "validation.json").read_text())["files"]) == held_out
        assert meta["training"]["best_metric"] == "last"
    lo, hi = summary["intervals"]["auc"]
    assert lo <= summary["metrics"]["auc"] <= hi
    assert summary["operating_point"]["expected"]["sensitivity"] >= 0.97  # the screening threshold, from OOF

    before = (out / "fold-1" / "weights.safetensors").stat().st_mtime_ns
    assert _cv(palm, out) == 0  # finished folds are not trained again
    assert (out / "fold-1" / "weights.safetensors").stat().st_mtime_ns == before

    assert _cv(palm, out, "--seed", "1") == 2  # another plan in the same folder is refused in one line
    assert "cv.json: another cross-validation" in capsys.readouterr().err
    # the recipe's difference is named, key and values (hostile round: "config differ" named neither)
    assert _cv(palm, out, "--gamma", "0.5") == 2
    assert "cv.json: another cross-validation (gamma 0.0 there, 0.5 asked)" in capsys.readouterr().err
    # a plan edited to the settings asked for does not pass off folds trained otherwise as its own
    plan = json.loads((out / "cv.json").read_text())
    (out / "cv.json").write_text(json.dumps({**plan, "config": {**plan["config"], "gamma": 0.5}}))
    assert _cv(palm, out, "--gamma", "0.5") == 2
    err = capsys.readouterr().err
    assert "fold-1/checkpoint/state.json: this fold was trained with another recipe" in err
    assert "gamma 0.0 there, 0.5 in the plan" in err
    (out / "cv.json").write_text(json.dumps(plan))

    assert compare(out, out)["difference"] == 0.0
    assert main(["cv", "--compare", str(out), str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["measurably_different"] is False

    # hostile round: --compare took oof.json as it found it (a probability of 1e300 made a "measurable" difference)
    edited = tmp_path / "edited"
    shutil.copytree(out, edited)
    plan, oof = (json.loads((edited / name).read_text()) for name in ("cv.json", "oof.json"))
    oof["oof"][0]["probability"] = 1e300
    (edited / "oof.json").write_text(json.dumps(oof))
    with pytest.raises(CVError, match=r"edited/oof.json: oof\[1\].probability must be a number from 0 to 1"):
        compare(out, edited)
    oof["oof"][0]["probability"] = 0.5
    for record in (plan["samples"][0], oof["oof"][0]):  # relabelled consistently within the edited run
        record["label"], record["tag"] = 1 - record["label"], "X"
    (edited / "oof.json").write_text(json.dumps(oof))
    (edited / "cv.json").write_text(json.dumps(plan))
    with pytest.raises(CVError, match=f"label {files[0]} differently"):
        compare(out, edited)


def test_the_operating_point_comes_from_out_of_fold_probabilities(tmp_path):
    from core.training.cv import operating_point

    rng = np.random.default_rng(0)
    labels = np.array([1] * 60 + [0] * 60)
    # over-confident scores: temperature scaling must soften them (T > 1)
    margin = np.where(labels == 1, 1.0, -1.0) * 6 + rng.normal(0, 4, len(labels))
    probs = 1 / (1 + np.exp(-margin))
    rows = [{"file": f"/d/{i}.jpg", "label": int(y), "tag": "P" if y else "N", "fold": i % 5, "probability": float(p)}
            for i, (y, p) in enumerate(zip(labels, probs))]
    point = operating_point({"oof": rows}, min_sensitivity=0.95, resamples=200)
    assert point["temperature"] > 1 and point["ece_after"] < point["ece_before"]
    assert point["expected"]["sensitivity"] >= 0.95
    calibrated = 1 / (1 + np.exp(-margin / point["temperature"]))
    assert not np.isclose(calibrated, point["threshold"], atol=1e-6).any()  # between scores, never on one
    lo, hi = point["expected_ci95"]["specificity"]
    assert lo <= point["expected"]["specificity"] <= hi


def test_damaged_cv_files_are_refused_in_one_line(tmp_path, capsys):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    out = tmp_path / "cv"
    out.mkdir()
    (out / "cv.json").write_text("[]")
    assert _cv(palm, out) == 2
    err = capsys.readouterr().err.strip()
    assert "cv.json: not a cross-validation plan" in err and "\n" not in err
    (out / "oof.json").write_text("{}")
    assert main(["cv", "--compare", str(out), str(out)]) == 2
    assert "cv.json: not a cross-validation plan" in capsys.readouterr().err


def test_a_cv_reports_each_fold_as_events_and_continues_after_a_stop(tmp_path):
    """FoldStarted, the fold's trainer events and FoldFinished for each fold, then CVFinished; stopped during
    fold 2, a CV run says so, and CrossValidation.from_folder continues it without training fold 1 again."""
    from core.training.cv import CrossValidation, describe
    from core.training.events import CVFinished, DataReady, Finished, FoldFinished, FoldStarted, format_event
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    out = tmp_path / "cv"
    config = TrainConfig(data=str(palm), depth=18, epochs=1, batch_size=4, val_batch_size=4, device="cpu")
    events = []

    def observe(ev):  # on the CV's thread: stop as fold 2 begins
        events.append(ev)
        if isinstance(ev, FoldStarted) and ev.fold == 2:
            cv.stop()

    cv = CrossValidation(config, out, 2, "all", observe)
    assert cv.run() is None and cv.stopping
    folds = [e for e in events if isinstance(e, (FoldStarted, FoldFinished))]
    assert [(type(e).__name__, e.fold) for e in folds] == [("FoldStarted", 1), ("FoldFinished", 1),
                                                           ("FoldStarted", 2)]
    assert folds[0].n_train + folds[0].n_val == 18 and not folds[0].resumed
    ready = next(e for e in events if isinstance(e, DataReady))  # pooled: P/H/N from names, 0/1 from the label file
    assert sum(ready.class_counts.values()) == ready.n_train and set(ready.class_counts) == {"non-PM", "PM"}
    assert set(ready.tag_counts) == {"H", "N", "P"} and sum(ready.tag_counts.values()) < ready.n_train
    line = format_event(ready)  # classes, then the finer tags: they were mixed ("H 3, N 4, P 5, PM 2, non-PM 1")
    assert line.startswith(f"data: {ready.n_train} training images (non-PM ") and "; by file name: H " in line
    assert folds[1].metrics["auc"] == folds[1].metrics["auc"] and not folds[1].earlier
    finished = [e for e in events if isinstance(e, Finished)]
    assert [f.stopped for f in finished] == [False, True]  # each fold is a trainer run
    end = events[-1]
    assert isinstance(end, CVFinished) and end.stopped and (end.folds, end.folds_done) == (2, 1) and not end.metrics
    assert cv.result == end and "1 of 2 folds done" in format_event(end)
    assert describe(out)["folds_done"] == 1 and describe(out)["metrics"] == {}

    events.clear()
    again = CrossValidation.from_folder(out, events.append)
    summary = again.run()
    first = events[0]
    assert isinstance(first, FoldFinished) and first.fold == 1 and first.earlier
    assert format_event(first).startswith("fold 1 of 2 done earlier: held-out acc")
    started = [e for e in events if isinstance(e, FoldStarted)]
    assert [(e.fold, e.resumed) for e in started] == [(2, False)]  # no epoch of fold 2 was saved
    end = events[-1]
    assert isinstance(end, CVFinished) and not end.stopped and end.folds_done == 2
    assert end.metrics == summary["metrics"] and end.intervals == summary["intervals"]
    assert "out-of-fold acc" in format_event(end) and str(out) in format_event(end)
    shown = describe(out)
    assert shown["folds_done"] == 2 and shown["metrics"] == summary["metrics"]
    assert [len(h) for h in shown["histories"]] == [1, 1] and shown["seconds"] > 0


def test_identical_images_are_kept_in_one_fold(tmp_path):
    """PALM holds three pairs of byte-identical images under different names: a copy on the training side of its
    twin's fold would let the held-out score recall it. New plans keep each group in one fold and list it."""
    from core.training.cv import CrossValidation, _plan
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    train = palm / "PALM-Training400"
    (train / "P0004.jpg").write_bytes((train / "P0000.jpg").read_bytes())
    split = []
    for seed in range(6):
        config = TrainConfig(data=str(palm), depth=18, epochs=1, seed=seed)
        cv = CrossValidation(config, tmp_path / f"cv-{seed}", k=3)
        _, samples, folds = cv.prepare()
        fold_of = {s.path.name: f for s, f in zip(samples, folds)}
        assert fold_of["P0000.jpg"] == fold_of["P0004.jpg"]
        plan = json.loads((tmp_path / f"cv-{seed}" / "cv.json").read_text())
        assert [[Path(f).name for f in g] for g in plan["identical"]] == [["P0000.jpg", "P0004.jpg"]]
        dealt = {s.path.name: f for s, f in zip(samples, assign_folds(samples, 3, seed))}
        split.append(dealt["P0000.jpg"] != dealt["P0004.jpg"])
    assert any(split)  # dealt alone, the pair lands in two folds for some seed: the grouping is what keeps it

    # a plan written before copies were grouped (no "identical") is continued as it was made
    seed = split.index(True)
    config = TrainConfig(data=str(palm), depth=18, epochs=1, seed=seed)
    old = tmp_path / "old"
    old.mkdir()
    cv = CrossValidation(config, old, k=3)
    samples = pooled_samples(open_dataset(str(palm)), "all")
    folds = assign_folds(samples, 3, seed)
    (old / "cv.json").write_text(json.dumps(_plan(cv.config, samples, folds, 3, "all", None)))
    assert cv.prepare()[2] == folds and cv.identical == []


def test_a_cv_run_says_which_images_are_copies(tmp_path):
    from core.training.cv import CrossValidation
    from core.training.events import Log
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    val = palm / "PALM-Validation400"
    (val / "V0002.jpg").write_bytes((val / "V0000.jpg").read_bytes())
    said = []
    cv = CrossValidation(TrainConfig(data=str(palm), depth=18, epochs=1), tmp_path / "cv", k=2, callback=said.append)
    cv.stop()  # the plan and what it found, then no training
    assert cv.run() is None
    logs = [ev.message for ev in said if isinstance(ev, Log)]
    assert logs == ["1 group(s) of identical images (the same bytes under other names, e.g. V0000.jpg = V0002.jpg): "
                    "each group is kept in one fold (all are listed in cv.json, \"identical\")"]


def test_copies_that_make_folds_impossible_are_refused_while_planning(tmp_path):
    """Most of a class made of one photograph's copies: kept together they would leave a fold without images or
    without that class to train on. Refused in one line before any training (it used to fail in fold 2)."""
    samples = _samples("P" * 12 + "N" * 10)
    together = [list(range(0, 12))]  # the twelve PM images are one photograph
    with pytest.raises(CVError, match=r"2 folds cannot be made: .* the 12 copies of P0000.jpg \(1 group\(s\) in all\) "
                                      r"leave fold \d without an image of every class to train on"):
        assign_folds(samples, 2, seed=0, together=together)
    assert len(set(assign_folds(samples, 2, seed=0, together=[[0, 1], [2, 3, 4]]))) == 2  # small groups are fine


def test_copies_with_different_labels_are_named_and_empty_files_are_no_copies(tmp_path):
    from core.training.cv import CrossValidation
    from core.training.events import Log
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    train = palm / "PALM-Training400"
    (train / "N0001.jpg").write_bytes((train / "P0000.jpg").read_bytes())  # one photograph, PM and not PM
    (train / "N0097.jpg").write_bytes(b"")
    (train / "H0098.jpg").write_bytes(b"")  # two empty files: unreadable, not identical images
    said = []
    cv = CrossValidation(TrainConfig(data=str(palm), depth=18, epochs=1), tmp_path / "cv", k=2, callback=said.append)
    cv.stop()
    cv.run()
    assert [ev.message for ev in said if isinstance(ev, Log)] == [
        "1 group(s) of identical images (the same bytes under other names, e.g. N0001.jpg = P0000.jpg): each group "
        "is kept in one fold (all are listed in cv.json, \"identical\")",
        "identical images with different labels: N0001.jpg non-PM, P0000.jpg PM; one of the labels is wrong"]


def test_a_cv_can_take_the_folds_of_another_for_a_paired_comparison(tmp_path, capsys):
    """--same-folds-as: each image held out in the fold it had in another CV (another seed, or a plan made by an
    older PM Screen that split identical copies), so two recipes are compared on the same held-out images; the
    run resumes on its own plan, and a plan of other images or another number of folds is refused in one line."""
    from core.training.cv import CrossValidation, _plan
    from core.training.events import Log
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    train = palm / "PALM-Training400"
    (train / "P0004.jpg").write_bytes((train / "P0000.jpg").read_bytes())
    samples = pooled_samples(open_dataset(str(palm)), "all")
    seed = next(s for s in range(20) if len({f for x, f in zip(samples, assign_folds(samples, 3, s))
                                             if x.path.name in ("P0000.jpg", "P0004.jpg")}) == 2)
    old = tmp_path / "old"  # an older plan: the pair of copies in two folds, no "identical"
    old.mkdir()
    folds = assign_folds(samples, 3, seed)
    config = TrainConfig(data=str(palm), depth=18, epochs=1, seed=seed)
    (old / "cv.json").write_text(json.dumps(_plan(config, samples, folds, 3, "all", None)))

    said = []
    deeper = TrainConfig(data=str(palm), depth=34, epochs=1, seed=seed + 1)
    cv = CrossValidation(deeper, tmp_path / "new", k=3, callback=said.append, same_folds_as=old / "cv.json")
    assert cv.prepare()[2] == folds and cv.identical == []
    assert [ev.message for ev in said if isinstance(ev, Log)] == [
        "P0000.jpg = P0004.jpg: identical images in different folds of the plan reused (--same-folds-as), so the "
        "held-out one may be recalled rather than judged"]
    plan = json.loads((tmp_path / "new" / "cv.json").read_text())
    assert plan["same_folds_as"] == str(old) and plan["seed"] == seed + 1 and "identical" not in plan
    assert CrossValidation(deeper, tmp_path / "new", k=3).prepare()[2] == folds  # resumed without the option
    assert CrossValidation(deeper, tmp_path / "new", k=3, same_folds_as=old).prepare()[2] == folds

    assert main(["cv", "--data", str(palm), "--out", str(tmp_path / "five"), "--folds", "5", "--depth", "18",
                 "--same-folds-as", str(old)]) == 2
    assert f"{old}: 3 folds, not 5: use --folds 3" in capsys.readouterr().err
    (train / "N0001.jpg").unlink()
    with pytest.raises(CVError, match=r"not a plan of these images \(0 missing, 1 more: N0001.jpg is not among"):
        CrossValidation(deeper, tmp_path / "fewer", k=3, same_folds_as=old).prepare()
    (train / "N0001.jpg").write_bytes((train / "N0005.jpg").read_bytes())
    write_label_file(palm / "PALM-Validation-GT" / "labels.xlsx", [(1, "V0000.jpg", 0)] +
                     [(i + 1, f"V{i:04d}.jpg", int(i % 2 == 0)) for i in range(1, 6)])
    with pytest.raises(CVError, match="V0000.jpg is labelled 1 there, 0 here"):
        CrossValidation(deeper, tmp_path / "relabelled", k=3, same_folds_as=old).prepare()


def test_two_runs_are_paired_by_file_name_wherever_their_images_were_read(tmp_path):
    """A run kept from another machine lists its images under that machine's folder: paired by name and fold,
    with the same answer as two runs of one folder; other folds or images are refused in one line."""
    from core.training.cv import OOF

    rows = [{"file": f"/data/palm/img{i}.jpg", "label": i % 2, "fold": i % 2, "probability": p}
            for i, p in enumerate([0.2, 0.7, 0.4, 0.9, 0.1, 0.6, 0.55, 0.35])]

    def run(name: str, rows_, plan_rows=None) -> Path:
        (tmp_path / name).mkdir()
        samples = [{"file": r["file"], "label": r["label"], "tag": "", "fold": r["fold"]} for r in plan_rows or rows_]
        plan = {"folds": 2, "pool": "all", "seed": 0, "config": {"epochs": 1}, "samples": samples}
        (tmp_path / name / "cv.json").write_text(json.dumps(plan))
        (tmp_path / name / OOF).write_text(json.dumps({"oof": rows_}))
        return tmp_path / name

    a = run("a", rows)
    b = run("b", [{**r, "file": r["file"].replace("/data/palm", "../shared/palm"),
                   "probability": 1 - r["probability"] if i == 7 else r["probability"]}
                  for i, r in enumerate(rows)][::-1])
    same_place = run("same", [{**r, "probability": 1 - r["probability"] if i == 7 else r["probability"]}
                              for i, r in enumerate(rows)])
    result = compare(a, b)
    assert result == compare(a, same_place) and result["images"] == 8 and result["difference"] > 0
    other = run("other", [{**r, "fold": 1 - r["fold"] if i == 0 else r["fold"]} for i, r in enumerate(rows)])
    with pytest.raises(CVError, match="not over the same images and folds"):
        compare(a, other)
    broken = run("broken", [{k: v for k, v in r.items() if k != "fold"} for r in rows], rows)
    with pytest.raises(CVError, match=r"broken/oof.json: oof\[1\] is .* but cv.json lists"):
        compare(a, broken)


def test_a_reused_plan_is_checked_and_a_continued_one_need_not_name_its_images_alike(tmp_path, capsys):
    """Hostile-input round: a run planned with --same-folds-as continues on its own plan, checked like any other
    (a fold edited out of range is refused, not trained); folds that leave a class untrained are refused while
    planning; and a run continues when its data folder is spelled otherwise (a study moved to another machine)."""
    from core.training.cv import CrossValidation, _plan
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    samples = pooled_samples(open_dataset(str(palm)), "all")
    config = TrainConfig(data=str(palm), depth=18, epochs=1)
    other = tmp_path / "other"
    other.mkdir()
    (other / "cv.json").write_text(json.dumps(_plan(config, samples, assign_folds(samples, 2, 0), 2, "all", None)))
    run = tmp_path / "run"
    CrossValidation(config, run, k=2, same_folds_as=other).prepare()
    plan = json.loads((run / "cv.json").read_text())
    plan["samples"][0]["fold"] = 5
    (run / "cv.json").write_text(json.dumps(plan))
    with pytest.raises(CVError, match=r"cv.json: samples\[1\].*fold"):
        CrossValidation(config, run, k=2).prepare()

    pm_only_in_fold_1 = [0 if s.label == 1 else n % 2 for n, s in enumerate(samples)]
    (other / "cv.json").write_text(json.dumps(_plan(config, samples, pm_only_in_fold_1, 2, "all", None)))
    with pytest.raises(CVError, match="fold 1 is without an image of every class to train on"):
        CrossValidation(config, tmp_path / "untrainable", k=2, same_folds_as=other).prepare()
    assert not (tmp_path / "untrainable").exists()

    moved = tmp_path / "moved"
    CrossValidation(config, moved, k=2).prepare()
    (tmp_path / "sub").mkdir()
    elsewhere = TrainConfig(data=str(tmp_path / "sub" / ".." / "palm"), depth=18, epochs=1)
    assert CrossValidation(elsewhere, moved, k=2).prepare()[2] == assign_folds(samples, 2, 0, [])

    seed_1 = CrossValidation(TrainConfig(data=str(palm), depth=18, epochs=1, seed=1), moved, k=2)
    with pytest.raises(CVError, match=r"cv.json: another cross-validation \(config, samples, seed\)"):
        seed_1.prepare()
    assert main(["cv", "--data", str(palm), "--out", str(tmp_path / "x"), "--folds", "2", "--same-folds-as", ""]) == 2
    assert "--same-folds-as: an empty path" in capsys.readouterr().err
    assert main(["cv", "--data", str(palm), "--out", str(tmp_path / "x"), "--folds", "2", "--same-folds-as",
                 str(palm / "PALM-Validation-GT" / "labels.xlsx")]) == 2
    assert "labels.xlsx: not a cross-validation folder or its cv.json" in capsys.readouterr().err


def test_a_folder_named_cv_json_is_said_to_be_one(tmp_path):
    """Hostile-input round: a folder in cv.json's place was reported as "IsADirectoryError"."""
    from core.training.cvplan import read_plan

    (tmp_path / "run" / "cv.json").mkdir(parents=True)
    with pytest.raises(CVError, match=r"cv.json: is a directory \(the cross-validation plan\)"):
        read_plan(tmp_path / "run")


def test_out_of_fold_reads_each_fold_s_own_record_and_refuses_any_other(tmp_path):
    """Hostile rounds: out_of_fold read cv.json and the folds' validation.json unchecked, so another fold's or
    run's record, a file listed twice, NaN, or a record without probabilities passed (or crashed)."""
    from core.training.cv import out_of_fold

    names = [f"{c}{i:04d}.jpg" for c in "PN" for i in range(4)]
    plan = {"folds": 2, "pool": "all", "seed": 0, "config": {"epochs": 1},
            "samples": [{"file": f"/d/{n}", "label": int(n[0] == "P"), "tag": n[0], "fold": i % 2}
                        for i, n in enumerate(names)]}
    (tmp_path / "cv.json").write_text(json.dumps(plan))
    held = {f: [n for i, n in enumerate(names) if i % 2 == f] for f in (0, 1)}
    records = {f: tmp_path / f"fold-{f + 1}" / "validation.json" for f in (0, 1)}

    def record(fold, files, probs):
        records[fold].parent.mkdir(exist_ok=True)
        records[fold].write_text(json.dumps({"files": files, "probabilities": probs}))

    for f in (0, 1):
        record(f, held[f], [0.9 if n[0] == "P" else 0.1 for n in held[f]])
    record(1, held[1][:-1], [0.9, 0.9, 0.1])  # an image that could not be read is left out of its record
    summary = out_of_fold(tmp_path, resamples=50)
    assert [r["probability"] for r in summary["oof"]] == [0.9] * 4 + [0.1] * 3 + [None]
    assert summary["scored"] == 7 and summary["metrics"]["accuracy"] == 1.0

    for files, probs, problem in [
        (held[1] + held[0][:1], [0.9, 0.9, 0.1, 0.1, 0.5], "lists 'P0000.jpg', which cv.json does not hold out in"),
        (held[1][:1] * 2, [0.9, 0.9], "lists 'P0001.jpg' twice"),
        (held[1], [float("nan"), 0.9, 0.1, 0.1], "must list the held-out files and a probability"),
    ]:
        record(1, files, probs)
        with pytest.raises(CVError, match=problem) as err:
            out_of_fold(tmp_path)
        assert "fold-2/validation.json" in str(err.value)
    for f in (0, 1):
        record(f, held[f], [None] * len(held[f]))
    with pytest.raises(CVError, match="no fold's validation.json holds a probability"):
        out_of_fold(tmp_path)
    for config, problem in [({"epochs": 1}, None), ({}, "config.epochs must be a whole number"),
                            ({"epochs": "1"}, "config.epochs must be a whole number")]:
        (tmp_path / "cv.json").write_text(json.dumps({**plan, "folds": 3 if problem is None else 2, "config": config}))
        with pytest.raises(CVError, match=problem or "fold 3 of 3 holds no images"):
            out_of_fold(tmp_path)


def test_a_second_cv_into_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    from core.store.folders import FolderBusy
    from core.training.cv import CrossValidation
    from core.training.events import FoldStarted
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    out = tmp_path / "cv"
    config = TrainConfig(data=str(palm), depth=18, epochs=1, batch_size=4, val_batch_size=4, device="cpu")
    refused = []

    def observe(ev):  # fold 1 under way: a second cross-validation into the same folder
        if isinstance(ev, FoldStarted) and not refused:
            with pytest.raises(FolderBusy, match=f"{out}: another training run is writing to this folder"):
                CrossValidation(config, out, 2, "all").run()
            refused.append(True)
            first.stop()

    first = CrossValidation(config, out, 2, "all", observe)
    assert first.run() is None and refused == [True]
    assert CrossValidation(config, out, 2, "all").run() is not None  # the folder is free again: it continues


def test_pmscreen_cv_into_a_busy_folder_fails_as_train_does(tmp_path, capsys):
    """Exit 1 and the reason, as `pmscreen train` into a busy folder; it exited 2, a usage error."""
    from core.store.folders import writing_alone

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    out = tmp_path / "cv"
    with writing_alone(out):
        assert _cv(palm, out) == 1
    assert f"pmscreen cv: {out}: another training run is writing to this folder" in capsys.readouterr().err
    # a fold's folder alone busy: the fold fails, said once, with its number (it was said twice)
    with writing_alone(out / "fold-1"):
        assert _cv(palm, out) == 1
    err = capsys.readouterr().err
    assert err.count("another training run is writing to this folder") == 1, err
    assert f"pmscreen cv: fold 1: {out / 'fold-1'}: another training run" in err


def test_each_fold_lists_the_files_the_data_set_left_out(tmp_path):
    """A training run lists the files it cannot use (DataReady.skipped); a cross-validation dropped them."""
    from core.training.cv import CrossValidation
    from core.training.events import DataReady
    from core.training.trainer import TrainConfig

    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    shutil.copy(next((palm / "PALM-Training400").glob("P*.jpg")), palm / "PALM-Training400" / "X0001.jpg")
    config = TrainConfig(data=str(palm), depth=18, epochs=1, batch_size=4, val_batch_size=4, device="cpu")
    ready = []

    def observe(ev):
        if isinstance(ev, DataReady):
            ready.append(ev)
            cv.stop()

    cv = CrossValidation(config, tmp_path / "cv", 2, "all", observe)
    assert cv.run() is None and len(ready) == 1
    assert any("X0001.jpg" in line for line in ready[0].skipped), ready[0].skipped
