"""bench/cv_records.py: a cross-validation's finished folds kept without their networks, restored on another
machine, count as done there; only the other folds are trained, and the OOF scores join both."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from core.cli import main
from tests.synthetic import make_palm_root

ROOT = Path(__file__).resolve().parents[2]


def _records(*args: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "cv_records.py"), *map(str, args)],
                          capture_output=True, text=True)


def _cv(palm: Path, out: Path) -> int:
    return main(["cv", "--data", str(palm), "--out", str(out), "--folds", "2", "--depth", "18", "--epochs", "1",
                 "--batch-size", "4", "--device", "cpu"])


def test_kept_folds_are_not_trained_again_on_a_new_machine(tmp_path):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    first = tmp_path / "first"
    assert _cv(palm, first) == 0
    whole = json.loads((first / "oof.json").read_text())["oof"]
    shutil.rmtree(first / "fold-2")  # as if the session ended while fold 2 was training
    (first / "oof.json").unlink()

    kept = tmp_path / "kept"
    saved = _records("save", first, kept)
    assert saved.returncode == 0 and "fold-1" in saved.stdout and "fold-2" not in saved.stdout
    assert not list(kept.rglob("*.safetensors"))  # records only, no networks
    assert (kept / "fold-1" / "checkpoint" / "state.json").is_file() and not (kept / "fold-2").exists()

    second = tmp_path / "second"  # the new machine
    assert _records("restore", kept, second).returncode == 0
    assert _cv(palm, second) == 0
    assert not (second / "fold-1" / "weights.safetensors").exists()  # fold 1 was not trained again
    assert (second / "fold-2" / "weights.safetensors").is_file()
    oof = json.loads((second / "oof.json").read_text())["oof"]
    fold1 = [r["probability"] for r in oof if r["fold"] == 0]
    assert fold1 == [r["probability"] for r in whole if r["fold"] == 0] and len(fold1) == 9
    assert all(r["probability"] is not None for r in oof)

    again = _records("restore", kept, second)  # a folder that holds a CV goes on from its own files
    assert again.returncode != 0 and "not a new or empty folder: nothing restored" in again.stderr
    assert _records("save", tmp_path / "palm", kept).returncode != 0


def test_hostile_folders_are_refused_whole_and_links_never_followed(tmp_path):
    """Hostile-input round: restore wrote through a dangling cv.json link in the target and copied what a kept
    link pointed to; save left half a kept folder when a fold's state was damaged."""
    run = tmp_path / "run"
    (run / "fold-1" / "checkpoint").mkdir(parents=True)
    samples = [{"file": f"/d/{t}{i}.jpg", "label": int(t == "P"), "tag": t, "fold": i % 2}
               for i, t in enumerate("PNPNPN")]
    (run / "cv.json").write_text(json.dumps({"folds": 2, "pool": "all", "seed": 0, "config": {"epochs": 1},
                                             "samples": samples}))
    (run / "fold-1" / "checkpoint" / "state.json").write_text(json.dumps({"epoch": 1}))
    (run / "fold-1" / "validation.json").write_text(json.dumps({"files": ["P0.jpg"], "probabilities": [0.9]}))
    (run / "fold-2" / "checkpoint").mkdir(parents=True)
    (run / "fold-2" / "checkpoint" / "state.json").write_text("{damaged")
    kept = tmp_path / "kept"
    saved = _records("save", run, kept)
    assert saved.returncode == 0 and "fold-1" in saved.stdout and "note: fold-2 not kept" in saved.stderr
    assert sorted(str(p.relative_to(kept)) for p in kept.rglob("*") if p.is_file()) == [
        "cv.json", "fold-1/checkpoint/state.json", "fold-1/validation.json"]
    assert _records("save", run, run / "kept").returncode != 0  # not inside the run itself

    outside = tmp_path / "outside.txt"
    target = tmp_path / "target"
    target.mkdir()
    (target / "cv.json").symlink_to(outside)  # dangling
    refused = _records("restore", kept, target)
    assert refused.returncode != 0 and "not a new or empty folder" in refused.stderr and not outside.exists()

    secret = tmp_path / "secret.txt"
    secret.write_text("not for the repository")
    (kept / "fold-1" / "model.json").symlink_to(secret)
    refused = _records("restore", kept, tmp_path / "new")
    assert refused.returncode != 0 and "a symbolic link among the kept records" in refused.stderr
    assert not (tmp_path / "new").exists()

    (kept / "fold-1" / "model.json").unlink()
    (kept / "cv.json").write_text(json.dumps({"folds": 2}))  # a damaged plan is refused, nothing written
    refused = _records("restore", kept, tmp_path / "new")
    assert refused.returncode != 0 and "cv.json" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "new").exists()
