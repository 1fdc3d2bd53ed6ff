"""Speed of the screening model as a user meets it: the real ``pmscreen predict`` command, each measurement a
fresh process, timed by this script from the moment it starts the process (the model of several members, e.g.
the bundled K-fold ensemble, or any model folder).

    python bench/predict_process.py --root ../shared/palm --model resources/models/NAME [--full-size 30]
    python bench/predict_process.py --root ../shared/palm --members 5 --depth 18   # seeded random members

The engine exports are made once beforehand, in a private user data folder (as after the first diagnosis on a
machine); the audit log is off (--no-audit) so the user's log is untouched. Prints one JSON object:
- ``startup_s``: a process for one 224x224 JPEG, start to its verdict line (Paddle's import, loading and checking
  every member, the engines' start; p50 of --single runs);
- ``screen_224``: the 201 PALM-Validation400 JPEGs (224x224 here; the PALM originals are 2124x2056) twice over in
  ONE process: the whole process's images/s (start to exit), and without the start-up above;
- ``screen_full_size``: the same for --full-size 2124x2056 JPEGs (PALM training images enlarged with sensor-like
  noise, bench/infer.make_full_size);
- ``one_full_size_process_ms``: one photograph per process, start to its verdict line (p50/p90 of --single runs);
- ``one_full_size_verdict_ms``: one photograph to verdict once the model is loaded, the path ``pmscreen predict``
  runs for it (read, hash, reduced decode, quality gate, every member's engine, the mean), in a separate process
  (p50/p90/p99 over the --full-size photographs, a fresh predict_files call each, as bench/infer.py does).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from infer import make_full_size, make_model, percentiles  # noqa: E402  (bench/ is this script's folder)


def pmscreen() -> list[str]:
    """The installed ``pmscreen`` command of this interpreter's environment (the launcher users run)."""
    exe = Path(sys.executable).parent / ("pmscreen.exe" if os.name == "nt" else "pmscreen")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "gui.launch"]


def timed_predict(model: Path, inputs: list[Path], env: dict) -> dict:
    """One ``pmscreen predict --json`` process over ``inputs``: seconds from its start to each verdict line and
    to its exit."""
    cmd = [*pmscreen(), "predict", "--model", str(model), "--json", "--no-audit", *map(str, inputs)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(time.perf_counter() - t0)
        row = json.loads(line)
        if row.get("error") or row.get("probability") is None:
            proc.kill()
            raise RuntimeError(f"{row['file']}: no verdict ({row.get('error') or row.get('quality')})")
    err = proc.stderr.read()
    if proc.wait():
        raise RuntimeError(f"pmscreen predict failed ({proc.returncode}): {err[-2000:]}")
    return {"lines": lines, "exit": time.perf_counter() - t0}


def batch_figures(run: dict, startup: float) -> dict:
    """Images/s of a batch process, whole and without the start-up of a one-image process (``startup`` s;
    predict answers batch by batch, so the first verdict line of a batch comes after a whole batch)."""
    n = len(run["lines"])
    return {"images": n, "whole_process_s": run["exit"], "whole_process_images_per_s": n / run["exit"],
            "images_per_s_after_startup": n / (run["exit"] - startup)}


def verdict_latency_child(model: str, folder: str) -> None:
    """In this (child) process: load the model as predict does, then one predict_files call per photograph."""
    from core.screening.inference import Predictor

    predictor = Predictor(model)
    files = sorted(Path(folder).glob("*.jpg"))
    list(predictor.predict_files(files[:2]))  # warm-up: the engines' first-call set-up
    ms = []
    for path in files:
        t = time.perf_counter()
        (result,) = predictor.predict_files([path])
        ms.append((time.perf_counter() - t) * 1000)
        if result.probability is None:
            raise RuntimeError(f"{path}: no verdict ({result.error or result.quality_text})")
    print(json.dumps({"members": len(predictor.models), "engine": predictor.engine.kind, **percentiles(ms)}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True, help="PALM root")
    p.add_argument("--model", help="model folder (default: seeded random members, see --members)")
    p.add_argument("--members", type=int, default=5, help="members of the seeded random model (default 5)")
    p.add_argument("--depth", type=int, default=18)
    p.add_argument("--variant", default="D")
    p.add_argument("--full-size", type=int, default=30, help="full-size JPEGs to make and screen")
    p.add_argument("--single", type=int, default=5, help="processes for one full-size photograph each")
    p.add_argument("--latency-child", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.latency_child:
        return verdict_latency_child(*a.latency_child)

    from core.images.imageio import list_images

    root = Path(a.root)
    val = list_images(root / "PALM-Validation400")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PMSCREEN_DATA_DIR": str(Path(tmp) / "data")}
        os.environ["PMSCREEN_DATA_DIR"] = env["PMSCREEN_DATA_DIR"]
        model = Path(a.model) if a.model else make_model(Path(tmp) / "model", a.depth, a.variant,
                                                        list_images(root / "PALM-Training400"), a.members)
        full = make_full_size(list_images(root / "PALM-Training400"), Path(tmp) / "full", a.full_size)
        first = timed_predict(model, val[:1], env)  # makes the engine exports (kept in the private data folder)
        meta = json.loads((model / "model.json").read_text(encoding="utf-8"))
        out = {"model": meta.get("name", model.name), "members": len(meta.get("members") or [None]),
               "cpu_count": os.cpu_count(), "load_average_at_start": os.getloadavg()[0],
               "first_run_with_export_s": first["exit"]}
        startup = percentiles([timed_predict(model, val[i:i + 1], env)["lines"][0] for i in range(a.single)])
        out["startup_s"] = startup
        out["screen_224"] = batch_figures(timed_predict(model, val + val, env), startup["p50"])
        out["screen_full_size"] = batch_figures(timed_predict(model, full, env), startup["p50"])
        singles = [timed_predict(model, [full[i % len(full)]], env)["lines"][0] * 1000 for i in range(a.single)]
        out["one_full_size_process_ms"] = percentiles(singles)
        child = subprocess.run([sys.executable, __file__, "--root", a.root, "--latency-child", str(model),
                                str(Path(tmp) / "full")], capture_output=True, text=True, env=env)
        if child.returncode:
            sys.exit(f"latency child failed:\n{child.stderr[-3000:]}")
        out["one_full_size_verdict_ms"] = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
