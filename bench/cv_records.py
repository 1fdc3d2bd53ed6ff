"""Keep a cross-validation's progress in the repository, without its networks, so that a study longer than one
session survives the machine it ran on (a ResNet-50 CV takes many hours on two cores; a new machine starts
without the run folders).

    python bench/cv_records.py save OUT/r50o bench/results/cv/r50o      # after some folds have finished
    python bench/cv_records.py restore bench/results/cv/r50o OUT/r50o   # on a new machine, before bench/cv.sh

``save`` copies the plan (cv.json), oof.json once the run has finished, and for each finished fold its records:
validation.json (the held-out probabilities), model.json, train.log and checkpoint/state.json (the epoch the
fold reached and its history). ``restore`` puts them into an empty or missing run folder; ``pmscreen cv`` then
counts those folds as done (their state says the last epoch was reached) and trains only the others. A restored
fold has no weights: ``finalize --from-cv`` needs a run whose folds all kept theirs, a study does not.
"""

import argparse
import shutil
import sys
from pathlib import Path

PLAN, OOF = "cv.json", "oof.json"
FOLD_RECORDS = ("validation.json", "model.json", "train.log", "checkpoint/state.json")


def _finished(run: Path) -> list[Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from core.training.cv import _fold_done, _fold_state
    from core.training.cvplan import read_plan

    plan = read_plan(run)
    folders = (run / f"fold-{k}" for k in range(1, plan["folds"] + 1))
    return [f for f in folders if _fold_done(_fold_state(f), plan["config"]["epochs"])]


def save(run: Path, dest: Path) -> list[str]:
    """Copy ``run``'s plan and its finished folds' records into ``dest``; the names copied."""
    copied = []
    dest.mkdir(parents=True, exist_ok=True)
    for name in (PLAN, OOF):
        if (run / name).is_file():
            shutil.copy2(run / name, dest / name)
            copied.append(name)
    for folder in _finished(run):
        for name in FOLD_RECORDS:
            if (folder / name).is_file():
                target = dest / folder.name / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(folder / name, target)
                copied.append(f"{folder.name}/{name}")
    return copied


def restore(kept: Path, run: Path) -> list[str]:
    """Copy the records in ``kept`` into ``run``, which must not hold a cross-validation yet; the names copied."""
    if (run / PLAN).exists():
        raise SystemExit(f"{run} already holds a cross-validation: nothing restored (it goes on from its own files)")
    copied = []
    for path in sorted(p for p in kept.rglob("*") if p.is_file()):
        target = run / path.relative_to(kept)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied.append(str(path.relative_to(kept)))
    return copied


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "restore"))
    ap.add_argument("source", type=Path)
    ap.add_argument("dest", type=Path)
    a = ap.parse_args(argv)
    if not (a.source / PLAN).is_file():
        raise SystemExit(f"{a.source}: no {PLAN} (not a cross-validation)")
    copied = save(a.source, a.dest) if a.action == "save" else restore(a.source, a.dest)
    folds = sorted({c.split("/")[0] for c in copied if c.startswith("fold-")})
    print(f"{a.action}d {len(copied)} files of {a.source} into {a.dest}: "
          f"{', '.join(folds) if folds else 'no finished fold'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
