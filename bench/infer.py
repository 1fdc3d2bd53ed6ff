"""Inference benchmark: the screening path of ``pmscreen predict`` / the GUI (read, hash, reduced decode, quality
check, Paddle Inference engine), against dygraph, on a ResNet (default ResNet-50-D, seeded random weights; speed
does not depend on the weights; ``--model`` takes a trained model folder instead).

    python bench/infer.py --root ../shared/palm [--depth 50] [--variant D] [--full-size 100] [--stream 1000]

Measures, in this order, printing one JSON object at the end:
- equality: max |p_engine - p_dygraph| over 64 validation images;
- engine-only images/s at batch 16 on decoded 224x224 inputs, for Paddle Inference and for dygraph;
- screening images/s on the 224x224 PALM validation JPEGs (read twice over), and on 2124x2056 JPEGs made by
  enlarging PALM training images (plus sensor-like noise) into a temporary folder (deleted afterwards);
- latency of one full-size JPEG to verdict (a fresh predict call per image; p50/p90/p99 over 30 images);
- the same engine in bfloat16 (``--precision bf16``): its difference from dygraph and its speeds;
- peak resident memory of a child process that screens --stream full-size images, after 10 % of them and at the
  end (streaming keeps them equal).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FULL_SIZE = (2124, 2056)  # width x height of the PALM originals


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:  # VmHWM: this process's resident-memory high-water mark
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM"))


def make_model(folder: Path, depth: int, variant: str, images: list[Path], members: int = 1) -> Path:
    """A seeded random ResNet whose BatchNorm statistics come from real images: without them a deep random
    network's logits are so large that every probability is exactly 0 or 1 (and any engine "agrees"). With
    ``members`` > 1, a model folder of that many such networks (seeds 0, 1, ...; core.store.members)."""
    from core.images.preprocess import PREPROCESSING
    from core.store.members import save_members
    from core.store.modelio import save_model

    name = f"bench ResNet-{depth}-{variant}" + (f" x {members}" if members > 1 else "")
    meta = {"name": name, "class_names": ["non-PM", "PM"], "preprocessing": PREPROCESSING, "threshold": 0.5}
    nets = [_network(depth, variant, images, seed) for seed in range(members)]
    if members == 1:
        save_model(folder, nets[0], {**meta, "architecture": nets[0].config.to_dict()})
        return folder
    save_members(folder, [(n, f"seed-{i}") for i, n in enumerate(nets)], meta)
    return folder


def _network(depth: int, variant: str, images: list[Path], seed: int):
    import numpy as np

    from core.images.preprocess import resize, to_input
    from core.images.reader import read_image
    from core.nn._paddle import paddle
    from core.nn.models import build_resnet

    paddle.seed(seed)
    model = build_resnet(depth, variant)
    x = paddle.to_tensor(to_input(np.stack([resize(read_image(p), 224) for p in images[:32]])))
    with paddle.no_grad():
        for _ in range(10):  # BN running averages (momentum 0.9) settle on these images' statistics
            model(x)
        model.eval()
        model.fc.weight.set_value(model.fc.weight * 0.05)  # moderate logits: probabilities away from 0 and 1
    return model


def make_full_size(sources: list[Path], out: Path, n: int) -> list[Path]:
    import cv2
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        img = cv2.imread(str(sources[i % len(sources)]))
        big = cv2.resize(img, FULL_SIZE, interpolation=cv2.INTER_CUBIC).astype(np.int16)
        # Camera-like sensor noise: an enlarged 224 px image is too smooth and compresses far better than a
        # real photograph, which would flatter the decode time.
        big = np.clip(big + rng.normal(0, 3, big.shape), 0, 255).astype(np.uint8)
        path = out / f"full_{i:04d}.jpg"
        cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 95])
        paths.append(path)
    return paths


def screen_rate(predictor, paths: list[Path]) -> float:
    list(predictor.predict_files(paths[:16]))  # warm-up: thread pool, engine buffers
    t = time.perf_counter()
    results = list(predictor.predict_files(paths))
    seconds = time.perf_counter() - t
    failed = [r for r in results if r.error]
    if failed:
        raise RuntimeError(f"{len(failed)} images failed, e.g. {failed[0].path}: {failed[0].error}")
    return len(results) / seconds


def engine_rate(engine, x, repeats: int = 8) -> float:
    engine(x)
    t = time.perf_counter()
    for _ in range(repeats):
        engine(x)
    return repeats * len(x) / (time.perf_counter() - t)


def percentiles(values: list[float]) -> dict:
    import numpy as np

    return {f"p{q}": float(np.percentile(values, q)) for q in (50, 90, 99)}


def stream_child(model: str, folder: str, n: int) -> None:
    """Screen ``n`` full-size images (the folder's files over and over); print peak RSS after n/10 and n."""
    from core.screening.inference import Predictor

    files = sorted(Path(folder).glob("*.jpg"))
    paths = [files[i % len(files)] for i in range(n)]
    predictor = Predictor(model, device="cpu")
    marks = {}
    for i, result in enumerate(predictor.predict_files(paths), 1):
        if result.error:
            raise RuntimeError(f"{result.path}: {result.error}")
        if i in (n // 10, n):
            marks[i] = peak_rss_mb()
    print(json.dumps({"images": n, "peak_rss_mb": marks}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True, help="PALM root")
    p.add_argument("--depth", type=int, default=50)
    p.add_argument("--variant", default="D")
    p.add_argument("--model", help="a model folder instead of a seeded random ResNet")
    p.add_argument("--full-size", type=int, default=100, help="full-size JPEGs to make and screen")
    p.add_argument("--stream", type=int, default=1000, help="full-size images for the memory measurement")
    p.add_argument("--stream-child", nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.stream_child:
        return stream_child(a.stream_child[0], a.stream_child[1], int(a.stream_child[2]))

    import numpy as np

    from core.images.imageio import list_images
    from core.images.preprocess import resize, to_input
    from core.images.reader import read_image
    from core.nn.cpu import configure_threads
    from core.screening.inference import Predictor

    configure_threads()
    root = Path(a.root)
    val = list_images(root / "PALM-Validation400")
    out = {"threads": int(os.environ["OMP_NUM_THREADS"]), "cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(a.model) if a.model else make_model(Path(tmp) / "model", a.depth, a.variant,
                                                        list_images(root / "PALM-Training400"))
        os.environ["PMSCREEN_DATA_DIR"] = str(Path(tmp) / "data")  # a cold engine cache: export is timed
        t = time.perf_counter()
        fast = Predictor(model, device="cpu", engine="auto")
        out["engine"] = fast.engine.kind
        out["first_load_with_export_s"] = time.perf_counter() - t
        slow = Predictor(model, device="cpu", engine="dygraph")
        out["model"] = fast.name

        pixels = np.stack([resize(read_image(path), 224) for path in val[:64]])
        reference = slow.probabilities(pixels)
        out["max_abs_diff_vs_dygraph"] = float(np.abs(fast.probabilities(pixels) - reference).max())
        x = to_input(pixels[:16])
        out["engine_batch16_images_per_s"] = engine_rate(fast.engine, x)
        out["dygraph_batch16_images_per_s"] = engine_rate(slow.engine, x, repeats=3)

        out["screen_224_images_per_s"] = screen_rate(fast, val + val)
        full = make_full_size(list_images(root / "PALM-Training400"), Path(tmp) / "full", a.full_size)
        out["full_size_jpeg_mb"] = sum(f.stat().st_size for f in full) / len(full) / 1e6
        out["screen_full_size_images_per_s"] = screen_rate(fast, full)

        latencies = []
        for path in full[:30]:
            t = time.perf_counter()
            (result,) = fast.predict_files([path])
            latencies.append((time.perf_counter() - t) * 1000)
        out["single_full_size_ms"] = percentiles(latencies)

        half = Predictor(model, device="cpu", precision="bf16")  # falls back to fp32 without AVX512-BF16/AMX
        out["bf16"] = {"precision": half.engine.precision,
                       "max_abs_diff_vs_dygraph": float(np.abs(half.probabilities(pixels) - reference).max()),
                       "engine_batch16_images_per_s": engine_rate(half.engine, x),
                       "screen_224_images_per_s": screen_rate(half, val + val),
                       "screen_full_size_images_per_s": screen_rate(half, full)}
        out["parent_peak_rss_mb"] = peak_rss_mb()
        del fast, slow, half

        child = subprocess.run([sys.executable, __file__, "--root", a.root, "--stream-child", str(model),
                                str(Path(tmp) / "full"), str(a.stream)], capture_output=True, text=True, check=True)
        out["stream"] = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
