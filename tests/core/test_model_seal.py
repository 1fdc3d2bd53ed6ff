"""Issue 13: a tampered or damaged model folder or engine cache never yields a verdict.

The decision fields of model.json are sealed with the weights; edits outside PM Screen are refused, fields are
range-checked even under a forged seal, tensors must be finite floats; set-threshold and seal are the legitimate
ways to change a folder; the engine cache is checked against the weights it claims to come from."""

from __future__ import annotations

import json
import math
import os
import shutil

import numpy as np
import pytest

from core.cli import main
from core.store.bundled import default_model_dir
from core.store.modelio import META, WEIGHTS, ModelFileError, load_model, read_meta, write_meta, write_tensors
from tests.synthetic import fundus_image, save_tiny_model, write_rgb


@pytest.fixture(scope="module")
def sealed_model(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("m") / "tiny", seed=5, temperature=1.5)


@pytest.fixture
def folder(sealed_model, tmp_path):
    out = tmp_path / "model"
    shutil.copytree(sealed_model, out)
    return out


def _edit(folder, reseal: bool = False, **changes):
    meta = json.loads((folder / META).read_text())
    for key, value in changes.items():
        if "." in key:
            outer, inner = key.split(".")
            meta[outer] = {**meta[outer], inner: value}
        else:
            meta[key] = value
    if reseal:  # a forger who recomputes the seal: the range checks must still refuse
        write_meta(folder / META, meta)
    else:
        (folder / META).write_text(json.dumps(meta, allow_nan=True))


@pytest.mark.parametrize("changes", [
    {"temperature": 0.5}, {"positive_class": 0}, {"threshold": 0.9}, {"class_names": ["PM", "non-PM"]},
    {"architecture.depth": 34}, {"weights.dtype": "float16"}, {"format": "pmscreen-model/1", "seal": None},
])
def test_a_hand_edit_of_a_decision_field_is_refused(folder, changes):
    load_model(folder)
    _edit(folder, **changes)
    with pytest.raises(ModelFileError, match="changed outside PM Screen|not sealed") as info:
        load_model(folder)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("changes, message", [
    ({"temperature": -1}, "temperature must be a finite number above 0"),
    ({"temperature": 0}, "temperature must be a finite number above 0"),
    ({"temperature": math.inf}, "temperature"),
    ({"threshold": 2.0}, "threshold must be a number between 0 and 1"),
    ({"threshold": math.nan}, "threshold must be"),
    ({"threshold": None}, "threshold must be"),
    ({"threshold": True}, "threshold must be"),
    ({"positive_class": 7}, "positive_class must be a class index from 0 to 1"),
    ({"positive_class": "1"}, "positive_class"),
    ({"architecture.num_classes": 1_000_000_000}, "num_classes must be a whole number"),
    ({"architecture.num_classes": 1}, "num_classes"),
    ({"weights": "weights.safetensors"}, "weights must be an object"),
    ({"weights.file": "../../etc/passwd"}, "weights.file must be a plain file name"),
    ({"weights.file": "/etc/passwd"}, "weights.file must be a plain file name"),
    ({"weights.file": ".."}, "weights.file must be a plain file name"),
    ({"weights.sha256": "x" * 64}, "weights.sha256 must be 64 hexadecimal digits"),
    ({"preprocessing": {"size": [299, 299]}}, "preprocessing differs"),
    ({"class_names": ["a", "b", "c"]}, "class_names must be 2 names"),
    ({"architecture": "resnet"}, "architecture must be an object"),
])
@pytest.mark.parametrize("reseal", [False, True])
def test_out_of_range_fields_are_refused_even_under_a_forged_seal(folder, changes, message, reseal):
    try:
        _edit(folder, reseal=reseal, **changes)
    except ModelFileError as exc:  # canonical JSON has no NaN or infinity: such a value cannot even be sealed
        assert reseal and "cannot be sealed" in str(exc)
        return
    for verify in (True, False):
        with pytest.raises(ModelFileError, match=message):
            load_model(folder, verify_hash=verify)


def test_cli_refuses_a_tampered_model_with_one_line(folder, tmp_path, capsys):
    image = write_rgb(tmp_path / "eye.jpg", fundus_image(True, 1))
    _edit(folder, positive_class=0)
    for argv in (["predict", "--model", str(folder), "--no-audit", str(image)], ["selftest", "--model", str(folder)]):
        assert main(argv) != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "changed outside PM Screen" in err[0] and "Traceback" not in err[0]


@pytest.mark.parametrize("poison", ["int8", "nan", "inf"])
def test_non_float_or_non_finite_tensors_are_refused(folder, poison):
    from safetensors.numpy import load_file

    from core.store.modelio import sha256_file

    tensors = load_file(str(folder / WEIGHTS))
    key = next(k for k in tensors if k.endswith("weight"))
    if poison == "int8":
        tensors[key] = tensors[key].astype(np.int8)
    else:
        tensors[key] = tensors[key].copy()
        tensors[key].flat[0] = np.nan if poison == "nan" else np.inf
    write_tensors(folder / WEIGHTS, tensors)
    _edit(folder, reseal=True, **{"weights.sha256": sha256_file(folder / WEIGHTS)})  # a consistent forgery
    with pytest.raises(ModelFileError, match="not floating point" if poison == "int8" else "NaN or infinite"):
        load_model(folder)


def test_a_threshold_change_keeps_the_user_s_links_and_empty_folders(folder, tmp_path):
    (folder / "scans").mkdir()  # empty, made by the user
    (folder / "notes").mkdir()
    (folder / "notes" / "a.txt").write_text("kept")
    (folder / "protocol.pdf").symlink_to(tmp_path / "elsewhere.pdf")  # a link to nothing is kept as it is too
    assert main(["set-threshold", str(folder), "--threshold", "0.4"]) == 0
    assert (folder / "scans").is_dir() and (folder / "notes" / "a.txt").read_text() == "kept"
    assert os.readlink(folder / "protocol.pdf") == str(tmp_path / "elsewhere.pdf")
    assert load_model(folder)[1]["threshold"] == 0.4


def test_set_threshold_reseals_and_records_who_and_when(folder, capsys, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "dr-lee")
    (folder / "MODEL_CARD.md").write_text("# Model card: tiny\n")
    weights_before = (folder / WEIGHTS).read_bytes()
    assert main(["set-threshold", str(folder), "--threshold", "0.3", "--note", "sensitivity 0.99 wanted"]) == 0
    assert "0.5000 -> 0.3000" in capsys.readouterr().out
    _, meta = load_model(folder)
    assert meta["threshold"] == 0.3 and (folder / WEIGHTS).read_bytes() == weights_before
    change = meta["provenance"][-1]
    assert change["by"] == "dr-lee" and change["from"] == 0.5 and change["note"] == "sensitivity 0.99 wanted"
    assert change["when"].startswith("20")
    card = (folder / "MODEL_CARD.md").read_text()
    assert "# Model card: tiny" in card and "by dr-lee: 0.5000 -> 0.3000" in card
    assert main(["set-threshold", str(folder), "--threshold", "0.3"]) == 2  # the same again: nothing recorded
    assert "the threshold is already 0.3000; nothing was changed" in capsys.readouterr().err
    assert len(load_model(folder)[1]["provenance"]) == len(meta["provenance"])
    for bad in ("1.5", "0", "nan", "5e-324", "0.99999"):
        assert main(["set-threshold", str(folder), "--threshold", bad]) == 2
        assert "between 0.0001 and 0.9999" in capsys.readouterr().err
    _edit(folder, temperature=3.0)  # a tampered folder is not blessed by set-threshold
    assert main(["set-threshold", str(folder), "--threshold", "0.4"]) == 2
    assert "changed outside PM Screen" in capsys.readouterr().err


def _as_written_before_seals(folder):
    """``folder`` as a PM Screen from before seals and training records wrote it: weights without a record in
    their header, model.json without a seal."""
    from safetensors.numpy import load_file

    from core.store.modelio import sha256_file

    write_tensors(folder / WEIGHTS, load_file(str(folder / WEIGHTS)))
    meta = json.loads((folder / META).read_text())
    del meta["seal"]
    meta["weights"]["sha256"] = sha256_file(folder / WEIGHTS)
    (folder / META).write_text(json.dumps(meta))


def test_seal_command_for_folders_of_older_versions(folder, capsys):
    _as_written_before_seals(folder)
    with pytest.raises(ModelFileError, match="not sealed .* pmscreen seal"):
        load_model(folder)
    assert main(["seal", str(folder)]) == 0
    out = capsys.readouterr().out  # what was sealed is shown, not sealed silently
    assert "checked and sealed: classes non-PM, PM; positive class 1 (PM); threshold 0.5; temperature 1.5" in out
    load_model(folder)
    entry = read_meta(folder)["provenance"][-1]
    assert entry["action"] == "seal" and entry["by"] and entry["when"] and "positive class 1" in entry["sealed"]
    assert main(["seal", str(folder)]) == 0 and "already sealed" in capsys.readouterr().out
    _edit(folder, threshold=0.1)
    assert main(["seal", str(folder)]) == 2  # an edited sealed folder is not re-sealed
    assert "changed outside PM Screen" in capsys.readouterr().err
    meta = json.loads((folder / META).read_text())
    del meta["seal"]
    meta["weights"]["sha256"] = "0" * 64
    (folder / META).write_text(json.dumps(meta))
    assert main(["seal", str(folder)]) == 2  # weights that do not fit are not sealed either
    assert "checksum differs" in capsys.readouterr().err


CARD = {"intended_use": "Screening aid", "metrics": "accuracy 0.965 on 601 out-of-fold images"}


def test_a_card_added_or_edited_by_hand_does_not_pass_for_a_finalized_model(folder, capsys):
    """Hostile round: the card was outside the seal, so adding "card": {} to a research model's model.json took
    the "research model: not for patients" mark off predict and every report, and a card's figures could be
    rewritten. A card counts only under the seal; editing a sealed card or figure is refused."""
    from core.store.modelio import has_model_card
    from core.training.finalize import model_card_shown

    write_rgb(folder.parent / "eye.jpg", fundus_image(True, 1))
    bundled = read_meta(default_model_dir())  # a whole card, as finalize writes one
    _edit(folder, card={**bundled["card"], "metrics": "accuracy 0.999"}, calibration=bundled["calibration"],
          threshold_rule=bundled["threshold_rule"])  # by hand: the seal does not name them
    meta = read_meta(folder)
    assert not has_model_card(meta)
    load_model(folder)  # still loads, as the research model it is, and says why (it said "never finalized")
    assert main(["predict", "--model", str(folder), "--no-audit", str(folder.parent / "eye.jpg")]) == 0
    assert "research model: its model card is not covered by its seal" in capsys.readouterr().err
    shown = model_card_shown(meta)  # the application's card view showed the hand-made card as the model's
    assert "accuracy 0.999" not in shown and "not covered by its seal" in shown
    # GUI round: changing the threshold resealed the folder over every claim in it, the hand-added card too
    assert main(["set-threshold", str(folder), "--threshold", "0.4"]) == 0
    meta = read_meta(folder)
    assert meta["threshold"] == 0.4 and not has_model_card(meta) and "card" not in meta["seal"]["fields"]
    assert "threshold_rule" in meta["seal"]["fields"]  # what set-threshold wrote is sealed
    load_model(folder)
    capsys.readouterr()
    assert main(["predict", "--model", str(folder), "--no-audit", str(folder.parent / "eye.jpg")]) == 0
    assert "research model: its model card is not covered by its seal" in capsys.readouterr().err
    meta["seal"]["fields"].append("card")  # naming it in the seal by hand: the seal no longer fits
    (folder / META).write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="card.* were changed outside PM Screen"):
        load_model(folder)

    meta.pop("card")
    meta["seal"]["fields"].remove("card")
    write_meta(folder / META, {**meta, "card": CARD, "metrics": {"accuracy": 0.965}})  # as finalize seals it
    assert has_model_card(read_meta(folder))
    for changes in ({"card": {**CARD, "metrics": "accuracy 0.999"}}, {"metrics": {"accuracy": 0.999}}, {"card": None}):
        kept = (folder / META).read_text()
        _edit(folder, **changes)
        with pytest.raises(ModelFileError, match="changed outside PM Screen"):
            load_model(folder)
        (folder / META).write_text(kept)


def test_figures_that_are_nan_are_sealed_and_load(folder):
    """A run whose validation set held one class has AUC NaN in its metrics: sealing the figures failed ("Out of
    range float values are not JSON compliant") and the run could not be saved (full CI run, 2026-12-03)."""
    meta = read_meta(folder)
    write_meta(folder / META, {**meta, "metrics": {"auc": float("nan"), "accuracy": 0.5}})
    assert "metrics" in read_meta(folder)["seal"]["fields"]
    load_model(folder)
    _edit(folder, **{"metrics.accuracy": 0.9})
    with pytest.raises(ModelFileError, match="changed outside PM Screen"):
        load_model(folder)


def test_a_card_sealed_before_cards_were_is_sealed_by_the_seal_command(folder, capsys):
    """A finalized folder sealed before the card was: it loads, counts as a research model, and ``pmscreen seal``
    seals its card on the user's word, with a record of who and when."""
    from core.store.modelio import SEALED, has_model_card, seal_digest

    meta = read_meta(folder)
    meta["card"] = CARD
    meta["seal"] = {"version": meta["seal"]["version"], "fields": list(SEALED), "sha256": seal_digest(meta)}
    (folder / META).write_text(json.dumps(meta))
    load_model(folder)
    assert not has_model_card(read_meta(folder))
    assert main(["seal", str(folder)]) == 0
    assert capsys.readouterr().out.strip().endswith("checked and sealed: card")
    meta = read_meta(folder)
    assert has_model_card(meta) and "card sealed by pmscreen seal" in meta["provenance"][-1]["note"]
    load_model(folder)


@pytest.mark.parametrize("changes, message", [
    ({"positive_class": 0}, "positive_class is 0 but the weights were made with 1"),
    ({"class_names": ["PM", "non-PM"]}, 'class_names is \\["PM", "non-PM"\\] but the weights were made with'),
    ({"temperature": 0.5}, "temperature is 0.5 but the weights were made with 1.5"),
    ({"architecture.zero_init_last_bn": True}, "architecture is .* but the weights were made with"),
    ({"threshold": 0.9}, "threshold is 0.9 but the weights were made with, or last set to, 0.5 and no recorded "
                         "change explains it; a threshold is changed with pmscreen set-threshold"),
])
def test_seal_does_not_launder_a_hand_edit(folder, capsys, changes, message):
    # the attack: remove the seal, change a clinical field, run pmscreen seal
    _edit(folder, seal=None, **changes)
    meta = json.loads((folder / META).read_text())
    del meta["seal"]
    (folder / META).write_text(json.dumps(meta))
    before = (folder / META).read_bytes()
    assert main(["seal", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(folder / META) in err
    assert __import__("re").search(message, err), err
    assert (folder / META).read_bytes() == before  # nothing sealed
    _edit(folder, reseal=True)  # a forged seal does not help either: loading checks the weights' record
    with pytest.raises(ModelFileError, match=message):
        load_model(folder)


def test_threshold_changes_follow_the_recorded_history(folder, capsys):
    assert main(["set-threshold", str(folder), "--threshold", "0.3"]) == 0
    assert main(["set-threshold", str(folder), "--threshold", "0.25", "--note", "screening week"]) == 0
    meta = read_meta(folder)
    assert [(e["from"], e["to"]) for e in meta["provenance"]] == [(0.5, 0.3), (0.3, 0.25)]
    load_model(folder)
    meta["provenance"] = meta["provenance"][1:]  # a change struck from the record
    write_meta(folder / META, meta)
    with pytest.raises(ModelFileError, match="threshold change 1 starts from 0.3, not from 0.5"):
        load_model(folder)
    meta["provenance"] = []  # the whole record of changes struck, the seal removed: seal refuses
    del meta["seal"]
    (folder / META).write_text(json.dumps(meta))
    assert main(["seal", str(folder)]) == 2 and "no recorded change explains it" in capsys.readouterr().err


def test_an_old_folder_whose_seal_was_removed_is_not_resealed(folder, capsys):
    _as_written_before_seals(folder)
    assert main(["seal", str(folder)]) == 0  # sealed once (provenance records it) ...
    meta = json.loads((folder / META).read_text())
    del meta["seal"]  # ... then the seal removed and a field changed: no training record to tell what changed
    meta["positive_class"] = 0
    (folder / META).write_text(json.dumps(meta))
    assert main(["seal", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "sealed by PM Screen before (its provenance says so): the seal was removed" in err


def test_a_laundered_copy_of_the_bundled_model_is_refused(tmp_path, capsys):
    from core.store.bundled import default_model_dir
    from core.store.members import load_members

    copy = tmp_path / "bundled"
    shutil.copytree(default_model_dir(), copy)
    meta = json.loads((copy / META).read_text())
    for key in ("seal", "sealed", "provenance"):  # every trace of the earlier seal removed
        meta.pop(key, None)
    meta["temperature"] = 3.0
    (copy / META).write_text(json.dumps(meta))
    assert main(["seal", str(copy)]) == 2
    assert "cannot be checked" in capsys.readouterr().err
    write_meta(copy / META, meta)  # forged seal: the members' own training records still say otherwise
    with pytest.raises(ModelFileError):
        load_members(copy)


def test_an_unrecorded_threshold_change_of_the_bundled_model_is_refused(tmp_path):
    from core.store.bundled import default_model_dir
    from core.store.members import load_members

    copy = tmp_path / "bundled"
    shutil.copytree(default_model_dir(), copy)
    meta = read_meta(copy)
    write_meta(copy / META, {**meta, "threshold": 0.4})  # an unrecorded change under a valid seal: refused
    with pytest.raises(ModelFileError):
        load_members(copy)
    shutil.rmtree(copy)
    shutil.copytree(default_model_dir(), copy)
    assert main(["set-threshold", str(copy), "--threshold", "0.4", "--note", "test"]) == 0  # the recorded way
    assert load_members(copy)[1]["threshold"] == 0.4


def test_new_weights_start_a_new_record(tmp_path):
    from core.nn.models import build_resnet
    from core.store.modelio import save_model

    model = build_resnet(18, "D", num_classes=2)
    meta = {"name": "t", "architecture": model.config.to_dict(), "class_names": ["non-PM", "PM"], "threshold": 0.2,
            "threshold_history": [{"from": 0.5, "to": 0.3}],  # changes of the weights it was made from (finalize)
            "provenance": [{"action": "set-threshold", "from": 0.3, "to": 0.2}]}
    save_model(tmp_path / "m", model, meta)
    saved = load_model(tmp_path / "m")[1]
    assert saved["threshold"] == 0.2 and "provenance" not in saved and "threshold_history" not in saved


def test_bundled_model_is_sealed_with_its_original_weights():
    from core.store.bundled import default_model_dir
    from core.store.members import load_members
    from core.store.modelio import check_seal, sha256_file

    folder = default_model_dir()
    meta = read_meta(folder)
    check_seal(meta, folder)
    # the network finalized for docs/results.md (fold 1 of the cross-validation r18d-tone), unchanged
    assert [sha256_file(folder / m["weights"]["file"]) for m in meta["members"]] == \
        [m["weights"]["sha256"] for m in meta["members"]] == \
        ["c669e523ee8ef61c9cc21e8f083167351b90d33daaf5790bffd309d1e6db5f70"]
    load_members(folder)


def test_a_member_of_the_former_bundled_model_is_not_sealed_as_a_model_of_its_own(tmp_path, monkeypatch, capsys):
    """Members written before weights recorded their place (the two-network model bundled until session 19) have
    it listed by their hash: such a member made into a single-network folder is refused like a new one."""
    from core.store import provenance
    from core.store.modelio import read_tensors, sha256_file
    from core.store.provenance import RECORD_KEY, record_text
    from tests.synthetic import save_tiny_members

    pair = save_tiny_members(tmp_path / "pair")
    meta = read_meta(pair)
    first = meta["members"][0]
    tensors = read_tensors(pair / first["weights"]["file"])
    old = tmp_path / "model.safetensors"  # as written then: the shared record, no place in it
    write_tensors(old, tensors, "float32", metadata={RECORD_KEY: record_text({**meta, "architecture":
                                                                              first["architecture"]})})
    digest = sha256_file(old)
    monkeypatch.setitem(provenance.KNOWN_PLACES, digest, {"name": first["name"], "index": 1, "count": 2})
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.move(old, alone / "model.safetensors")
    single = {k: v for k, v in meta.items() if k not in ("members", "seal", "format")}
    single.update(format="pmscreen-model/1", architecture=first["architecture"],
                  weights={"file": "model.safetensors", "sha256": digest, "dtype": "float32"})
    (alone / META).write_text(json.dumps(single))
    capsys.readouterr()
    assert main(["seal", str(alone)]) == 2
    assert "made as member 1 (\"seed-1\") of 2, and are here a model of their own" in capsys.readouterr().err


# ---------------------------------------------------------------- the engine cache


@pytest.fixture
def two_models(tmp_path):
    return (save_tiny_model(tmp_path / "a", seed=21, name="a"), save_tiny_model(tmp_path / "b", seed=22, name="b"))


def _probabilities(model_dir, engine="auto"):
    from core.screening.inference import Predictor

    p = Predictor(model_dir, device="cpu", engine=engine)
    pixels = np.stack([fundus_image(i % 2 == 0, i) for i in range(3)])
    return p, p.probabilities(pixels)


@pytest.mark.parametrize("forge_manifest", [False, True])
def test_engine_cache_swapped_for_another_models_export_is_rebuilt(two_models, forge_manifest, caplog):
    from core.screening.engine import MANIFEST, StaticEngine, cache_dir
    from core.store.modelio import sha256_file

    a, b = two_models
    _, want_a = _probabilities(a, "dygraph")
    _probabilities(a)
    _probabilities(b)
    dirs = {d.name: d for d in cache_dir().iterdir() if "features" not in d.name}
    assert len(dirs) == 2
    meta_a = read_meta(a)
    target_a = next(d for d in dirs.values() if json.loads((d / MANIFEST).read_text())["weights_sha256"] ==
                    meta_a["weights"]["sha256"])
    target_b = next(d for d in dirs.values() if d != target_a)
    for f in target_b.iterdir():  # the attack of issue 13: another model's files in a's export folder
        if f.name != MANIFEST:
            shutil.copy(f, target_a / f.name)
    if forge_manifest:  # the manifest updated to the foreign files: only the probe can tell
        manifest = json.loads((target_a / MANIFEST).read_text())
        manifest["files"] = {n: sha256_file(target_a / n) for n in manifest["files"]}
        (target_a / MANIFEST).write_text(json.dumps(manifest))
    caplog.clear()
    predictor, got = _probabilities(a)
    assert isinstance(predictor.engine, StaticEngine)
    np.testing.assert_allclose(got, want_a, atol=1e-4)
    assert "exporting again" in caplog.text
    assert ("answers differently" if forge_manifest else "differs from the manifest") in caplog.text


def test_engine_cache_without_manifest_is_not_trusted(two_models, caplog):
    from core.screening.engine import MANIFEST, cache_dir

    a, _ = two_models
    _probabilities(a)
    for d in cache_dir().iterdir():
        (d / MANIFEST).unlink()
    caplog.clear()
    _probabilities(a)
    assert "no readable manifest" in caplog.text
    assert all((d / MANIFEST).is_file() for d in cache_dir().iterdir())


def test_a_threshold_change_records_a_short_reason_and_a_safe_login_name(folder, monkeypatch, capsys):
    """Hostile round: 33 notes of 126 KB grew MODEL_CARD.md past the 4 MB it may have, so every later change was
    refused; a newline or ESC in LOGNAME went raw into the card and the terminal."""
    from core.store.modelio import NOTE_LIMIT

    assert main(["set-threshold", str(folder), "--threshold", "0.4", "--note", "x" * (NOTE_LIMIT + 1)]) == 2
    assert f"a reason of at most {NOTE_LIMIT} is recorded" in capsys.readouterr().err
    assert read_meta(folder)["threshold"] != 0.4  # nothing changed
    monkeypatch.setenv("LOGNAME", "mallory\nthreshold 0.9999 approved\x1b[2K")
    assert main(["set-threshold", str(folder), "--threshold", "0.4", "--note", "x" * NOTE_LIMIT]) == 0
    who = read_meta(folder)["provenance"][-1]["by"]
    assert "\n" not in who and "\x1b" not in who and who.startswith("mallory")


def test_two_threshold_changes_at_once_are_both_recorded(folder):
    """Hostile round: two set-threshold runs on one folder both said "sealed", and the folder kept only one of
    them, its threshold and its provenance entry. Now one waits for the other and reads what it wrote."""
    import threading

    from core.store.modelio import set_threshold

    start, errors = threading.Barrier(2), []

    def change(value, why):
        start.wait()
        try:
            set_threshold(folder, value, why)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=change, args=(v, w)) for v, w in ((0.3, "A"), (0.4, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    meta = load_model(folder)[1]
    changes = [p for p in meta["provenance"] if p.get("action") == "set-threshold"]
    assert sorted(c["note"] for c in changes[-2:]) == ["A", "B"]  # both recorded, one after the other
    assert meta["threshold"] == changes[-1]["to"] and changes[-1]["from"] == changes[-2]["to"]
