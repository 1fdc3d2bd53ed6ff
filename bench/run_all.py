"""One run of every benchmark, each in its own process (thread settings are per process), on an idle machine.

    python bench/run_all.py --root ../shared/palm [--out bench/results/latest.json] [--quick]

Runs the tutorial's loop (the baseline), the training-step ladder (what each speed-up brings), our trainer on the
same work as the tutorial, the inference benchmark, the bundled model through whole ``pmscreen predict``
processes (predict_process.py) and the responsiveness of the desktop application (gui_bench.py); writes every
JSON result to --out and prints the table of docs/performance.md.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def run(script: str, *args: str, env: dict | None = None) -> dict:
    from core.nn.cpu import CPU_ENV_VARS  # each child starts from Paddle's defaults, plus ``env``

    full_env = {k: v for k, v in os.environ.items() if k not in CPU_ENV_VARS}
    full_env.update(env or {})
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / script), *args], env=full_env, capture_output=True,
                          text=True)
    if proc.returncode:
        sys.exit(f"{script} {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - t
    print(f"{script} {' '.join(args)} {env or ''}: {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    load = os.getloadavg()[0]
    import paddle  # noqa: PLC0415  (version only)

    return {"cpu": model, "cores": os.cpu_count(), "paddle": paddle.__version__, "python": platform.python_version(),
            "load_average_at_start": load, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def table(r: dict) -> str:
    tut, ours, inf = r["tutorial"], r["ours_train"], r["infer"]
    screen = inf["screen_224_images_per_s"]
    ladder = r["train_step"]
    base = ladder["tutorial default: 1 thread, MKL generic path"]["images_per_s"]
    rows = ["| measurement | tutorial loop | ours | ratio |", "|---|---|---|---|",
            f"| ResNet-50-O training, batch 10 (images/s) | {tut['train_images_per_s']:.2f} | "
            f"{ours['train_images_per_s']:.2f} | {ours['train_images_per_s'] / tut['train_images_per_s']:.2f}x |",
            f"| seconds per 400-image epoch (training only) | {400 / tut['train_images_per_s']:.0f} | "
            f"{ours['train_seconds_per_epoch']:.0f} | |",
            f"| validation of the 201 images (images/s; ours: engine not used, dygraph no_grad) | "
            f"{tut['eval_images_per_s']:.2f} | {ours['eval_images_per_s']:.2f} | "
            f"{ours['eval_images_per_s'] / tut['eval_images_per_s']:.2f}x |",
            f"| batch screening, 224x224 JPEGs (images/s) | {tut['eval_images_per_s']:.2f} | "
            f"{screen:.1f} | {screen / tut['eval_images_per_s']:.1f}x |",
            "", "| training step ladder (ResNet-50-O, batch 10, synthetic batch) | images/s | vs tutorial default |",
            "|---|---|---|"]
    rows += [f"| {name} | {v['images_per_s']:.2f} | {v['images_per_s'] / base:.2f}x |" for name, v in ladder.items()]
    lat = inf["single_full_size_ms"]
    rows += ["", f"| inference ({inf['model']}, {inf['engine']}) | value |", "|---|---|",
             f"| engine only, batch 16 (images/s) | {inf['engine_batch16_images_per_s']:.1f} |",
             f"| dygraph, batch 16 (images/s) | {inf['dygraph_batch16_images_per_s']:.1f} |",
             f"| screening 224x224 JPEGs (images/s) | {inf['screen_224_images_per_s']:.1f} |",
             f"| screening 2124x2056 JPEGs (images/s) | {inf['screen_full_size_images_per_s']:.1f} |",
             f"| one 2124x2056 JPEG to verdict (ms) p50 / p90 / p99 | {lat['p50']:.0f} / {lat['p90']:.0f} / "
             f"{lat['p99']:.0f} |",
             f"| max abs probability difference vs dygraph | {inf['max_abs_diff_vs_dygraph']:.1e} |",
             f"| bf16 ({inf['bf16']['precision']}): engine batch 16 / screening 224 / screening full size "
             f"(images/s) | {inf['bf16']['engine_batch16_images_per_s']:.1f} / "
             f"{inf['bf16']['screen_224_images_per_s']:.1f} / {inf['bf16']['screen_full_size_images_per_s']:.1f} |",
             f"| bf16 max abs probability difference vs dygraph | {inf['bf16']['max_abs_diff_vs_dygraph']:.1e} |",
             f"| first load incl. static export (s) | {inf['first_load_with_export_s']:.1f} |"]
    marks = inf["stream"]["peak_rss_mb"]
    rows.append("| peak RSS screening " + str(inf["stream"]["images"]) + " full-size images (MB) | "
                + " / ".join(f"{v:.0f} after {k}" for k, v in marks.items()) + " |")
    if "predict_process" in r:
        pp = r["predict_process"]
        rows += ["", f"| `pmscreen predict` process ({pp['model']}, {pp['members']} member(s)) | value |", "|---|---|",
                 f"| start-up to the first verdict (s, p50) | {pp['startup_s']['p50']:.1f} |",
                 f"| 224x224 JPEGs, whole process / after start-up (images/s) | "
                 f"{pp['screen_224']['whole_process_images_per_s']:.1f} / "
                 f"{pp['screen_224']['images_per_s_after_startup']:.1f} |",
                 f"| 2124x2056 JPEGs, whole process / after start-up (images/s) | "
                 f"{pp['screen_full_size']['whole_process_images_per_s']:.1f} / "
                 f"{pp['screen_full_size']['images_per_s_after_startup']:.1f} |",
                 f"| one 2124x2056 JPEG to verdict, loaded model (ms, p50 / p90) | "
                 f"{pp['one_full_size_verdict_ms']['p50']:.0f} / {pp['one_full_size_verdict_ms']['p90']:.0f} |",
                 f"| one 2124x2056 JPEG, whole process to verdict (ms, p50) | "
                 f"{pp['one_full_size_process_ms']['p50']:.0f} |"]
    if "gui" in r:
        from gui_bench import markdown  # bench/ is this script's folder

        rows += ["", markdown(r["gui"])]
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True, help="PALM root")
    p.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    p.add_argument("--quick", action="store_true", help="fewer steps and images (a smoke run, not for the docs)")
    a = p.parse_args()
    q = a.quick
    r = {"machine": machine()}
    r["tutorial"] = run("tutorial_loop.py", "--root", a.root, "--train-steps", "3" if q else "16",
                        "--val-images", "50" if q else "201")
    one, two = {"OMP_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "2"}
    steps = ["--depth", "50", "--variant", "O", "--batch-size", "10", "--steps", "2" if q else "6"]
    r["train_step"] = {
        "tutorial default: 1 thread, MKL generic path": run("train_step.py", *steps, "--mkl-generic", env=one),
        "+ both cores (OMP/MKL 2 threads)": run("train_step.py", *steps, "--mkl-generic", env=two),
        "+ MKL AVX2 path on AMD (ours)": run("train_step.py", *steps, env=two),
        "ours + FLAGS_use_mkldnn (no effect in Paddle 3 dygraph)": run("train_step.py", *steps, "--mkldnn", env=two),
    }
    r["ours_train"] = run("ours_train.py", "--root", a.root, *(["--limit", "60"] if q else []))
    r["infer"] = run("infer.py", "--root", a.root, "--full-size", "20" if q else "100",
                     "--stream", "100" if q else "1000")
    bundled = sorted((HERE.parent / "resources" / "models").glob("*/model.json"))
    model = ["--model", str(bundled[0].parent)] if bundled else []  # the default model, else seeded members
    r["predict_process"] = run("predict_process.py", "--root", a.root, *model, "--full-size", "10" if q else "30",
                               "--single", "2" if q else "5")
    r["gui"] = run("gui_bench.py", "--repeat", "1" if q else "3")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(r, indent=2) + "\n")
    print(table(r))


if __name__ == "__main__":
    main()
