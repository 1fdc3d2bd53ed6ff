"""Measure the frozen program (dist/pmscreen): folder size, cold start to the window and to the first verdict.

    .venv/bin/python build_spec/measure_startup.py [--runs 3] [--image FILE]

"Cold" here: every file of dist/pmscreen is evicted from the page cache before each run (posix_fadvise
DONTNEED per file - dropping the whole system's caches needs root and would disturb everything else on the
machine), so the program's ~1 GB is read from disk again; shared system libraries, fonts and Python-free OS
state stay cached. "First run" also starts from an empty user data folder, so the inference engine's one-time
export happens within the measured time; "later runs" keep that export in the user data folder (the normal case
after the first diagnosis on a machine).

Times are taken by this script from the moment it starts the process:
  window   - until the GUI (offscreen) reports its first event-loop turn after the main window was shown
             (PMSCREEN_STARTUP_TIMING), the GUI then closes itself (PMSCREEN_QUIT_AFTER);
  verdict  - until `pmscreen predict --json IMAGE` prints the first result line (model loading, engine,
             decoding, quality gate, network);
  selftest - the whole `pmscreen selftest` process (includes its Grad-CAM check and exit).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist" / "pmscreen"
EXE = DIST / ("pmscreen.exe" if os.name == "nt" else "pmscreen")


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def evict(path: Path) -> None:
    if not hasattr(os, "posix_fadvise"):  # Windows, macOS: no per-file eviction; the runs are warm
        return
    for f in path.rglob("*"):
        if f.is_file() and not f.is_symlink():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def env_with_home(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "PMSCREEN_DATA_DIR", "QT_QPA_PLATFORM")}
    env["HOME"] = str(home)
    env.update(extra)
    return env


def time_until(cmd: list[str], env: dict, stream: str, marker) -> tuple[float, float]:
    """Seconds from start until a line of ``stream`` satisfies ``marker``, and until the process exits."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    hit = None
    for line in pipe:
        if hit is None and marker(line):
            hit = time.perf_counter() - t0
    out, err = proc.communicate(timeout=600)
    total = time.perf_counter() - t0
    if proc.returncode != 0 or hit is None:
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {err[-2000:]}")
    return hit, total


def measure(runs: int, image: Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix="pmscreen-measure-"))
    results: dict[str, list[float]] = {}

    def add(key, value):
        results.setdefault(key, []).append(round(value, 2))

    try:
        for i in range(runs):
            gui = [str(EXE), "gui"]
            gui_env = dict(QT_QPA_PLATFORM="offscreen", PMSCREEN_STARTUP_TIMING="1", PMSCREEN_QUIT_AFTER="1")
            predict = [str(EXE), "predict", "--json", "--no-audit", str(image)]
            home = work / f"home-{i}"
            home.mkdir()
            # GUI: cold files, fresh user folder
            evict(DIST)
            add("window_cold", time_until(gui, env_with_home(home, **gui_env), "stderr",
                                          lambda s: s.startswith("window shown"))[0])
            add("window_warm", time_until(gui, env_with_home(home, **gui_env), "stderr",
                                          lambda s: s.startswith("window shown"))[0])
            # first verdict: cold files and no engine export yet, then cold files with the export, then warm
            evict(DIST)
            add("verdict_cold_first_run", time_until(predict, env_with_home(home), "stdout",
                                                     lambda s: s.startswith("{"))[0])
            evict(DIST)
            add("verdict_cold", time_until(predict, env_with_home(home), "stdout", lambda s: s.startswith("{"))[0])
            add("verdict_warm", time_until(predict, env_with_home(home), "stdout", lambda s: s.startswith("{"))[0])
            # the selftest process as CI runs it (fresh user folder: includes the exports)
            home2 = work / f"home-selftest-{i}"
            home2.mkdir()
            evict(DIST)
            line = []
            _, total = time_until([str(EXE), "selftest"], env_with_home(home2), "stdout",
                                  lambda s: line.append(s) or True)
            add("selftest_cold_first_run_process", total)
            add("selftest_cold_first_run_to_verdict_inside", json.loads(line[0])["seconds"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {k: {"median": statistics.median(v), "runs": v} for k, v in results.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--image", help="a fundus photograph for the verdict timing (default: a synthetic one)")
    a = p.parse_args()
    if not EXE.exists():
        print(f"{EXE} not found: run make package", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(a.image) if a.image else Path(tmp) / "fundus.jpg"
        if not a.image:
            sys.path.insert(0, str(ROOT))
            import cv2

            from core.selftest import synthetic_fundus

            cv2.imwrite(str(image), cv2.cvtColor(synthetic_fundus(1444), cv2.COLOR_RGB2BGR))
        timings = measure(a.runs, image)
    report = {
        "dist_bytes": folder_size(DIST),
        "dist_files": sum(1 for f in DIST.rglob("*") if f.is_file()),
        "models": sorted(d.name for d in (DIST / "_internal" / "resources" / "models").glob("*") if d.is_dir())
        if (DIST / "_internal" / "resources" / "models").is_dir() else [],
        "machine": f"{platform.system()} {platform.release()}, {platform.machine()}, {os.cpu_count()} CPUs, "
                   f"load average {os.getloadavg()[0]:.1f} at the end",
        "timings_seconds": timings,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
