"""Our training pipeline's speed on the same work as the tutorial loop: ResNet-50-O, batch 10, Momentum
lr 1e-4, no augmentation, one epoch over PALM-Training400 through core.training.trainer.Trainer (decode-once cache,
prefetching thread, both cores), then its batched validation on the 201 validation images.

    python bench/ours_train.py --root ../shared/palm [--limit 400]
Prints one JSON line: decode seconds, training images/s (after the first 2 batches), epoch seconds, validation
images/s.
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--depth", type=int, default=50)
    p.add_argument("--variant", default="O")
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--limit", type=int, default=None)
    a = p.parse_args()
    from core.training.events import BatchEnd, DataReady, EpochEnd, Log
    from core.training.trainer import TrainConfig, Trainer

    marks = {}
    batches = []

    def on(ev):
        now = time.perf_counter()
        if isinstance(ev, Log) and ev.message.startswith("decoding"):
            marks["decode_start"] = now
        elif isinstance(ev, DataReady):
            marks["decoded"], marks["n_val"] = now, ev.n_val
        elif isinstance(ev, BatchEnd):
            batches.append((now, ev.step, ev.steps))
        elif isinstance(ev, EpochEnd):
            marks["epoch_end"] = now
            marks["epoch_seconds"] = ev.seconds

    cfg = TrainConfig(data=a.root, depth=a.depth, variant=a.variant, epochs=1, batch_size=a.batch_size,
                      val_batch_size=50, optimizer="momentum", lr=1e-4, flip=False, rotate=0.0, color_jitter=0.0,
                      limit=a.limit, device="cpu")
    with tempfile.TemporaryDirectory() as out:
        Trainer(cfg, out, on).run()
    (t2, _, _), (tn, _, steps) = batches[1], batches[-1]
    images = (len(batches) - 2) * a.batch_size
    train_ips = images / (tn - t2)
    train_seconds = batches[-1][0] - marks["decoded"]
    val_seconds = marks["epoch_end"] - batches[-1][0]
    print(json.dumps({"name": "ours",
                      "threads": int(os.environ.get("OMP_NUM_THREADS", "1")), "batch": a.batch_size,
                      "mkl_avx2": "MKL_DEBUG_CPU_TYPE" in os.environ,
                      "decode_seconds": marks["decoded"] - marks["decode_start"],
                      "train_images_per_s": train_ips, "train_seconds_per_epoch": train_seconds,
                      "train_images": steps * a.batch_size, "eval_images_per_s": marks["n_val"] / val_seconds}))


if __name__ == "__main__":
    main()
