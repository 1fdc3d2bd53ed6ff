"""Images/s of the ResNet training step alone, one configuration per process (thread settings are per process).

    python bench/train_step.py --depth 50 --variant O --batch-size 10 [--mkl-generic] [--mkldnn] [--to-static]
Run with OMP_NUM_THREADS set: Paddle fixes its thread count at import. --mkl-generic leaves MKL on its own code
path choice (core.nn.cpu selects MKL's AVX2 path on AMD CPUs).
"""

import argparse
import json
import os
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, default=50)
    p.add_argument("--variant", default="O")
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--mkl-generic", action="store_true", help="do not select MKL's AVX2 path on AMD CPUs")
    p.add_argument("--mkldnn", action="store_true")
    p.add_argument("--to-static", action="store_true")
    a = p.parse_args()
    if a.mkldnn:
        os.environ["FLAGS_use_mkldnn"] = "1"
    from core.nn._paddle import paddle
    from core.nn.models import build_resnet

    if a.mkl_generic:  # MKL reads this on its first call, which is still to come
        os.environ.pop("MKL_DEBUG_CPU_TYPE", None)

    paddle.seed(0)
    model = build_resnet(a.depth, a.variant)
    opt = paddle.optimizer.Momentum(1e-4, momentum=0.9, parameters=model.parameters())
    rng = np.random.default_rng(0)
    x = paddle.to_tensor(rng.uniform(-1, 1, (a.batch_size, 3, 224, 224)).astype("float32"))
    y = paddle.to_tensor(rng.integers(0, 2, a.batch_size).astype("int64"))

    def step(x, y):
        loss = paddle.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.clear_grad()
        return loss

    if a.to_static:  # forward and backward run as one static program inside the dygraph loop
        model = paddle.jit.to_static(model, full_graph=True)
    model.train()
    for _ in range(2):  # warm-up: oneDNN primitives, static program build
        step(x, y)
    times = []
    for _ in range(a.steps):
        t = time.perf_counter()
        float(step(x, y))
        times.append(time.perf_counter() - t)
    print(json.dumps({"threads": int(os.environ.get("OMP_NUM_THREADS", 1)), "mkldnn": a.mkldnn,
                      "mkl_avx2": "MKL_DEBUG_CPU_TYPE" in os.environ,
                      "to_static": a.to_static, "batch": a.batch_size,
                      "images_per_s": a.batch_size / float(np.median(times))}))


if __name__ == "__main__":
    main()
