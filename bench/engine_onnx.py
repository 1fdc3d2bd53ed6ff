"""Would ONNX Runtime run the screening networks faster than Paddle Inference? One member of a model (default the
bundled one), exported as the application exports it, converted with paddle2onnx, and both engines timed on the
same random batch, alternately, on 2 threads; their outputs compared.

    pip install onnxruntime paddle2onnx    # not dependencies of PM Screen: only this question needs them
    python bench/engine_onnx.py [--model FOLDER] [--batch 16] [--seconds 5] [--rounds 2]

Prints one JSON object: images/s of each engine per round, and the largest difference of their logits.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def onnx_engine(prefix: Path, threads: int):
    import onnxruntime as ort
    from paddle2onnx.command import main as convert

    target = prefix.parent / "model.onnx"
    model_file = next(str(prefix) + s for s in (".json", ".pdmodel") if Path(str(prefix) + s).exists())
    argv, sys.argv = sys.argv, ["paddle2onnx", "--model_dir", str(prefix.parent), "--model_filename",
                                Path(model_file).name, "--params_filename", "model.pdiparams", "--save_file",
                                str(target), "--opset_version", "17"]
    try:
        convert()
    finally:
        sys.argv = argv
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def rate(engine, x, seconds: float) -> float:
    for _ in range(2):  # first calls set kernels up
        engine(x)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        engine(x)
        n += len(x)
    return n / (time.perf_counter() - t0)


def main() -> None:
    import numpy as np

    from core.nn.cpu import default_threads
    from core.screening.engine import StaticEngine, _clone, export
    from core.store.bundled import default_model_dir
    from core.store.members import load_members

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model folder (default: the bundled model); its first member")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    threads = default_threads()  # core/__init__ set the environment up for it
    (net, _), *_ = load_members(a.model or default_model_dir())[0]  # the first member
    x = np.random.default_rng(0).standard_normal((a.batch, 3, 224, 224)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = export(_clone(net), Path(tmp) / "member")
        engines = {"paddle-inference": StaticEngine(prefix, "cpu", threads),
                   "onnxruntime": onnx_engine(prefix, threads)}
        diff = float(np.abs(engines["paddle-inference"](x) - engines["onnxruntime"](x)).max())
        rates = {k: [] for k in engines}
        for _ in range(a.rounds):
            for k, engine in engines.items():
                rates[k].append(round(rate(engine, x, a.seconds), 1))
    print(json.dumps({"batch": a.batch, "threads": threads, "images_per_s": rates, "max_logit_difference": diff,
                      "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "")}))


if __name__ == "__main__":
    main()
