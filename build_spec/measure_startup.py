"""Measure the frozen program (dist/pmscreen): folder size, cold start to the window and to the first verdict.

    .venv/bin/python build_spec/measure_startup.py [--runs 3] [--image FILE]

"Cold" here: every file of dist/pmscreen is evicted from the page cache before each run (posix_fadvise
DONTNEED per file - dropping the whole system's caches needs root and would disturb everything else on the
machine), so the program's ~1 GB is read from disk again; shared system libraries and fonts stay cached.
"First run" also starts from an empty user data folder, so the inference engine's one-time export happens within
the measured time; the other verdict runs keep that export in the user data folder (the normal case after the
first diagnosis on a machine).

Times are taken by this script from the moment it starts the process:
  window   - until the GUI's main window (first start: empty user folders) is mapped on an X server: a private
             Xvfb, watched with `xev` (apt: xvfb, x11-utils); the GUI closes itself after 1 s
             (PMSCREEN_QUIT_AFTER). Without Xvfb, or with --offscreen: until the GUI, offscreen, prints its first
             event-loop turn after show() (PMSCREEN_STARTUP_TIMING);
  verdict  - until `pmscreen predict --json IMAGE` prints the first result line (model loading, engine,
             decoding, quality gate, network);
  selftest - the whole `pmscreen selftest` process (includes its Grad-CAM and child-process checks and exit).
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


def time_until(cmd: list[str], env: dict, stream: str, marker) -> tuple[float | None, float, list[str]]:
    """Seconds from start until a line of ``stream`` satisfies ``marker`` (None when none did), seconds until
    the process exits, and the lines of ``stream``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    hit, lines = None, []
    for line in pipe:
        lines.append(line)
        if hit is None and marker(line):
            hit = time.perf_counter() - t0
    _, err = proc.communicate(timeout=600)
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {(err or ''.join(lines))[-2000:]}")
    return hit, total, lines


def _window_shown(line: str) -> bool:
    return line.startswith("window shown")


def _verdict_line(line: str) -> bool:
    return line.startswith("{")


class X11:
    """A private Xvfb server and `xev` watching its root window: the moment a program's main window is mapped
    on a real X server (xcb platform plugin) is measured from the MapNotify event, not from the program's
    output."""

    available = all(shutil.which(t) for t in ("Xvfb", "xev", "stdbuf"))

    def __enter__(self):
        self.server = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1400x900x24", "-nolisten",
                                        "tcp"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.display = ":" + self.server.stdout.readline().strip()
        return self

    def __exit__(self, *exc):
        self.server.terminate()
        self.server.wait(10)

    def time_to_window(self, cmd: list[str], env: dict) -> float:
        watch = subprocess.Popen(["stdbuf", "-oL", "xev", "-display", self.display, "-root", "-event",
                                  "substructure"], stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)  # xev has selected the root window's events
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, env={**env, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            hit = None
            for line in watch.stdout:
                if line.startswith("MapNotify"):
                    hit = time.perf_counter() - t0
                    break
            _, err = proc.communicate(timeout=600)
            if proc.returncode != 0 or hit is None:
                raise RuntimeError(f"{cmd} exited {proc.returncode} (window mapped: {hit}): {err[-2000:]}")
            return hit
        finally:
            watch.kill()
            watch.wait()


def measure(runs: int, image: Path, x11: X11 | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="pmscreen-measure-"))
    results: dict[str, list[float]] = {}

    def add(key, value):
        results.setdefault(key, []).append(round(value, 2))

    lost = 0
    try:
        for i in range(runs):
            gui = [str(EXE), "gui"]
            gui_env = {"QT_QPA_PLATFORM": "offscreen", "PMSCREEN_STARTUP_TIMING": "1", "PMSCREEN_QUIT_AFTER": "1"}
            predict = [str(EXE), "predict", "--json", "--no-audit", str(image)]
            home = work / f"home-{i}"
            home.mkdir()
            # GUI: a first start (empty user folders), cold files, then warm.
            for key in ("window_cold", "window_warm"):
                for attempt in range(6):
                    gui_home = work / f"home-gui-{key}-{i}-{attempt}"
                    gui_home.mkdir()
                    if key == "window_cold":
                        evict(DIST)
                    if x11 is not None:
                        add(key, x11.time_to_window(gui, env_with_home(gui_home, PMSCREEN_QUIT_AFTER="1")))
                        break
                    # Offscreen: the GUI's own timing line. The main window imports Paddle on a worker thread at
                    # start, and core.nn._paddle swaps sys.stderr for that import: a line printed meanwhile is lost;
                    # such runs are repeated (and counted in "window_lines_lost").
                    hit = time_until(gui, env_with_home(gui_home, **gui_env), "stderr", _window_shown)[0]
                    if hit is not None:
                        add(key, hit)
                        break
                    lost += 1
            # first verdict: cold files and no engine export yet, then cold files with the export, then warm
            evict(DIST)
            add("verdict_cold_first_run", time_until(predict, env_with_home(home), "stdout", _verdict_line)[0])
            evict(DIST)
            add("verdict_cold", time_until(predict, env_with_home(home), "stdout", _verdict_line)[0])
            add("verdict_warm", time_until(predict, env_with_home(home), "stdout", _verdict_line)[0])
            # the selftest process as CI runs it (fresh user folder: includes the exports)
            home2 = work / f"home-selftest-{i}"
            home2.mkdir()
            evict(DIST)
            _, total, lines = time_until([str(EXE), "selftest"], env_with_home(home2), "stdout", _verdict_line)
            add("selftest_cold_first_run_process", total)
            add("selftest_cold_first_run_to_verdict_inside", json.loads(lines[0])["seconds"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = {k: {"median": statistics.median(v), "runs": v} for k, v in results.items()}
    out["window_method"] = "X11 MapNotify (Xvfb, xcb)" if x11 is not None else "offscreen timing line"
    if x11 is None:
        out["window_lines_lost"] = lost
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--image", help="a fundus photograph for the verdict timing (default: a synthetic one)")
    p.add_argument("--offscreen", action="store_true", help="time the window offscreen even when Xvfb is there")
    a = p.parse_args()
    if not EXE.exists():
        print(f"{EXE} not found: run make package", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(a.image) if a.image else Path(tmp) / "fundus.jpg"
        if not a.image:
            sys.path.insert(0, str(ROOT))
            import cv2

            from core.images.synthetic import synthetic_fundus

            cv2.imwrite(str(image), cv2.cvtColor(synthetic_fundus(1444), cv2.COLOR_RGB2BGR))
        if X11.available and not a.offscreen:
            with X11() as x11:
                timings = measure(a.runs, image, x11)
        else:
            timings = measure(a.runs, image, None)
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
