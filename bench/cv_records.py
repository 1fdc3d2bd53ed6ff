"""Keep a cross-validation's progress in the repository, without its networks, so that a study longer than one
session survives the machine it ran on (a ResNet-50 CV takes many hours on two cores; a new machine starts
without the run folders).

    python bench/cv_records.py save OUT/r50o bench/results/cv/r50o      # after some folds have finished
    python bench/cv_records.py restore bench/results/cv/r50o OUT/r50o   # on a new machine, before bench/cv.sh

``save`` copies the plan (cv.json), oof.json once the run has finished, and for each finished fold its records:
validation.json (the held-out probabilities), model.json, train.log and checkpoint/state.json (the epoch the
fold reached and its history). ``restore`` puts them into a new (or empty) run folder; ``pmscreen cv`` then counts
those folds as done (their state says the last epoch was reached) and trains only the others. A restored fold
has no weights: ``finalize --from-cv`` needs a run whose folds all kept theirs, a study does not.

Both write a complete folder or nothing (a temporary folder beside it, renamed at the end), copy regular files
only (never what a symbolic link points to), and refuse a plan that ``pmscreen cv`` would refuse.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.training.cv import OOF, PLAN, CVError, _fold_done, _fold_state  # noqa: E402
from core.training.cvplan import held_out_names, read_held_out, read_plan  # noqa: E402

FOLD_RECORDS = ("validation.json", "model.json", "train.log", "checkpoint/state.json")
NEEDED = ("validation.json", "checkpoint/state.json")  # without them a fold kept as done could not be used


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _scored(folder: Path, plan: dict, fold: int) -> bool:
    """The fold's validation.json lists the plan's held-out files of ``fold`` (0-based) with a probability each."""
    try:
        return bool(read_held_out(folder / "validation.json", held_out_names(plan, fold)))
    except CVError:
        return False


def _records(run: Path) -> tuple[list[str], list[str]]:
    """The files of ``run`` worth keeping (relative names), and a note for each finished-looking fold left out."""
    plan = read_plan(run)
    names = [n for n in (PLAN, OOF) if _regular(run / n)]
    notes = []
    for k in range(1, plan["folds"] + 1):
        folder = run / f"fold-{k}"
        try:
            done = _fold_done(_fold_state(folder), plan["config"]["epochs"])
        except CVError as exc:
            notes.append(f"fold-{k} not kept: {exc}")
            continue
        if not done:
            continue
        if not all(_regular(folder / n) for n in NEEDED) or not _scored(folder, plan, k - 1):
            notes.append(f"fold-{k} not kept: its validation.json or checkpoint/state.json is missing or damaged")
            continue
        names += [f"fold-{k}/{n}" for n in FOLD_RECORDS if _regular(folder / n)]
    return names, notes


def _write_whole(target: Path, source: Path, names: list[str]) -> None:
    """Copy ``names`` from ``source`` into a temporary folder beside ``target``, then put it in ``target``'s place."""
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for name in names:
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, tmp / name, follow_symlinks=False)
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save(run: Path, dest: Path) -> tuple[list[str], list[str]]:
    """Keep ``run``'s plan and finished folds' records in ``dest`` (replaced whole); the names kept and notes."""
    if dest.resolve() == run.resolve() or dest.resolve().is_relative_to(run.resolve()):
        raise CVError(f"{dest}: inside the run it would keep; choose a folder elsewhere")
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise CVError(f"{dest}: not a folder")
    names, notes = _records(run)
    _write_whole(dest, run, names)
    return names, notes


def restore(kept: Path, run: Path) -> tuple[list[str], list[str]]:
    """Put the records kept in ``kept`` into ``run``, which must be new or an empty folder; the names copied."""
    if run.is_symlink() or (run.exists() and (not run.is_dir() or any(run.iterdir()))):
        raise CVError(f"{run}: not a new or empty folder: nothing restored (a run goes on from its own files)")
    links = [p for p in kept.rglob("*") if p.is_symlink()]
    if links:
        raise CVError(f"{links[0]}: a symbolic link among the kept records; nothing restored")
    names, notes = _records(kept)
    _write_whole(run, kept, names)
    return names, notes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "restore"))
    ap.add_argument("source", type=Path)
    ap.add_argument("dest", type=Path)
    a = ap.parse_args(argv)
    try:
        names, notes = (save if a.action == "save" else restore)(a.source, a.dest)
    except (CVError, OSError) as exc:
        sys.exit(f"cv_records.py {a.action}: {exc}")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    folds = sorted({n.split("/")[0] for n in names if n.startswith("fold-")})
    print(f"{a.action}d {len(names)} files of {a.source} into {a.dest}: "
          f"{', '.join(folds) if folds else 'no finished fold'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
