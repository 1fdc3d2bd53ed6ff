"""kill -9 during training saves (issue 13): after every kill the run folder must hold a loadable model and
``pmscreen train --out R --resume`` must go on.

    python bench/kill_training.py [--tries 24] [--depth 18]

A miniature PALM data set (tests.synthetic) is trained one epoch per process: first a complete epoch, then
``--tries`` times ``pmscreen train --out R --resume --epochs K+1`` killed with SIGKILL at a moment chosen in turn
by three strategies:

- random: a uniformly random moment of the process's life (start-up, decoding, training, validation, saving:
  up to 0.9 of the shortest whole process seen);
- mid-save: 0–100 ms after the new folder ``.R.tmp-PID`` appears (weights, optimizer state, fsync);
- rename window: while the previous folder has been renamed to ``.R.previous`` and the new one not yet moved in.
  That window is two ``os.replace`` calls apart, too short to aim at from outside, so the child is run with
  os.replace wrapped to pause 0.5 s right after the first rename (only in this benchmark).

After each kill: which of R, .R.previous, .R.tmp-* exist; whether ``load_model(R)`` loads (it reads the backup
while R is missing); the next try is itself the resume (it must not fail on its own). At the end, one resume
without a kill must finish with exit code 0 and a loadable model. Prints one JSON object with the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CHILD = """
import os, sys, time
if os.environ.get("PAUSE_AFTER_FIRST_RENAME"):
    _replace = os.replace
    def replace(src, dst, *a, **k):
        _replace(src, dst, *a, **k)
        if str(dst).endswith(".previous"):
            time.sleep(float(os.environ["PAUSE_AFTER_FIRST_RENAME"]))
    os.replace = replace
from core.cli import main
sys.exit(main(sys.argv[1:]))
"""


def state_of(run: Path) -> dict:
    parent = run.parent
    return {"run": run.is_dir(), "previous": (parent / f".{run.name}.previous").is_dir(),
            "tmp": any(parent.glob(f".{run.name}.tmp-*"))}


def saved_epoch(run: Path) -> int:
    from core.store.folders import readable_folder

    folder = readable_folder(run)
    return json.loads((folder / "checkpoint" / "state.json").read_text())["epoch"]


def loadable(run: Path) -> str:
    from core.store.modelio import load_model

    try:
        load_model(run)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - the benchmark reports it
        return f"{type(exc).__name__}: {exc}"


def one_try(run: Path, argv: list[str], strategy: str, rng: random.Random, life: float) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    if strategy == "rename window":
        env["PAUSE_AFTER_FIRST_RENAME"] = "0.5"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    prev = run.parent / f".{run.name}.previous"
    tmp_glob = f".{run.name}.tmp-{proc.pid}"
    killed_at = None
    deadline = t0 + (rng.uniform(0.5, 0.9 * life) if strategy == "random" else 10 * life)
    while proc.poll() is None:
        now = time.perf_counter()
        if strategy == "random" and now >= deadline:
            killed_at = "random"
        elif strategy == "mid-save" and any(run.parent.glob(tmp_glob)):
            time.sleep(rng.uniform(0, 0.1))
            killed_at = "mid-save"
        elif strategy == "rename window" and prev.is_dir() and not run.exists():
            killed_at = "rename window"
        elif now >= deadline:
            killed_at = "timeout"
        if killed_at:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    code = proc.wait()
    out = proc.stdout.read().decode("utf-8", "replace")
    return {"strategy": strategy, "killed": killed_at is not None and code == -signal.SIGKILL,
            "killed_at": killed_at, "seconds": round(time.perf_counter() - t0, 1), "exit_code": code,
            "failed_on_its_own": code not in (0, -signal.SIGKILL), "tail": out.strip().splitlines()[-1:]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tries", type=int, default=24)
    p.add_argument("--depth", type=int, default=18)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    from tests.synthetic import make_palm_root

    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="pmscreen-kill-") as tmp:
        data = make_palm_root(Path(tmp) / "palm", n_train=12, n_val=6)
        run = Path(tmp) / "runs" / "r"
        base = ["train", "--data", str(data), "--depth", str(a.depth), "--batch-size", "4", "--val-batch-size",
                "4", "--lr", "0.001", "--out", str(run)]
        t = time.perf_counter()
        first = subprocess.run([sys.executable, "-m", "core", *base, "--epochs", "1"], cwd=ROOT,
                               capture_output=True, text=True)
        life = time.perf_counter() - t  # one process: start-up, data, one epoch, one save
        assert first.returncode == 0, first.stdout + first.stderr
        tries = []
        strategies = ("random", "mid-save", "rename window")
        for i in range(a.tries):
            epoch = saved_epoch(run)
            argv = ["train", "--out", str(run), "--resume", "--epochs", str(epoch + 1)]
            rec = one_try(run, argv, strategies[i % 3], rng, life)
            if rec["exit_code"] == 0:  # a resume that ran to its end: how long a whole process lives
                life = min(life, rec["seconds"])
            rec["after_kill"] = state_of(run)
            rec["loadable"] = loadable(run)
            rec["epoch_saved_before"], rec["epoch_saved_after"] = epoch, saved_epoch(run)
            tries.append(rec)
            print(json.dumps(rec), file=sys.stderr, flush=True)
        epoch = saved_epoch(run)
        final = subprocess.run([sys.executable, "-m", "core", "train", "--out", str(run), "--resume", "--epochs",
                                str(epoch + 1)], cwd=ROOT, capture_output=True, text=True)
        summary = {
            "tries": len(tries),
            "killed": sum(t["killed"] for t in tries),
            "by_strategy": {s: sum(t["killed"] and t["strategy"] == s for t in tries) for s in strategies},
            "left_previous_only": sum(t["after_kill"]["previous"] and not t["after_kill"]["run"] for t in tries),
            "left_tmp": sum(t["after_kill"]["tmp"] for t in tries),
            "loadable_after_kill": sum(t["loadable"] == "ok" for t in tries),
            "resume_failed_on_its_own": sum(t["failed_on_its_own"] for t in tries),
            "epochs_saved": saved_epoch(run),
            "final_resume_exit_code": final.returncode,
            "final_loadable": loadable(run),
            "one_process_seconds": round(life, 1),
            "not_loadable": [t for t in tries if t["loadable"] != "ok"][:5],
        }
    print(json.dumps(summary, indent=1))
    return 0 if summary["loadable_after_kill"] == len(tries) and summary["final_resume_exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
