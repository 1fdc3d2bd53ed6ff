"""The iChallenge-PM tutorial's training and evaluation loop, reproduced faithfully as the speed baseline.

What the tutorial does, and this script too: list the training folder, shuffle, read every image with
cv2.imread *every epoch*, resize to 224, BGR -> CHW float in [-1, 1], batches of 10, Momentum(lr 1e-4, 0.9),
cross-entropy, loss.backward(), step; validation re-reads the xlsx and every image each time, batches of 50,
model.eval() without no_grad. Paddle's defaults: OMP_NUM_THREADS=1 (set by Paddle on import, MKL follows it) and
MKL's own choice of code path; importing our model code must not change them, so the environment is put back.
The network is our ResNet-50-O (the tutorial's own listing has 40.1 M parameters instead of 25.56 M because
of unused projections; using the correct network compares the loops, not the defects).

    python bench/tutorial_loop.py --root ../shared/palm [--train-steps 12] [--val-images 100]
Prints one JSON line: train and eval images/s.
"""

import argparse
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "MKL_DEBUG_CPU_TYPE"):  # the tutorial sets none of them
    os.environ.pop(_var, None)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import paddle  # noqa: E402  (imported directly, as the tutorial does, so Paddle picks its defaults)
import paddle.nn as nn  # noqa: E402

_paddle_env = dict(os.environ)
from core.nn.models import build_resnet  # noqa: E402  (core sets thread and MKL variables: undo that below)

os.environ.clear()
os.environ.update(_paddle_env)


def transform_img(img):
    img = cv2.resize(img, (224, 224))
    img = np.transpose(img, (2, 0, 1)).astype("float32")
    return img / 255.0 * 2.0 - 1.0


def data_loader(datadir, batch_size=10):
    filenames = os.listdir(datadir)

    def reader():
        np.random.shuffle(filenames)
        imgs, labels = [], []
        for name in filenames:
            imgs.append(transform_img(cv2.imread(os.path.join(datadir, name))))
            labels.append(1 if name[0] == "P" else 0)
            if len(imgs) == batch_size:
                yield np.array(imgs, "float32"), np.array(labels, "float32").reshape(-1, 1)
                imgs, labels = [], []
        if imgs:
            yield np.array(imgs, "float32"), np.array(labels, "float32").reshape(-1, 1)

    return reader


def valid_data_loader(datadir, xlsx, limit):
    def reader(batch_size=50):
        ws = openpyxl.load_workbook(xlsx, data_only=True).active
        images, labels = [], []
        for row in list(ws.iter_rows(min_row=2, max_row=ws.max_row))[:limit]:
            images.append(transform_img(cv2.imread(os.path.join(datadir, row[1].value))))
            labels.append(float(row[2].value))
            if len(images) == batch_size:
                yield np.array(images, "float32"), np.array(labels, "float32").reshape(-1, 1)
                images, labels = [], []
        if images:
            yield np.array(images, "float32"), np.array(labels, "float32").reshape(-1, 1)

    return reader


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--train-steps", type=int, default=12, help="timed steps after 2 warm-up steps (0 = epoch)")
    p.add_argument("--val-images", type=int, default=100)
    p.add_argument("--depth", type=int, default=50)
    a = p.parse_args()
    paddle.set_device("cpu")
    paddle.seed(0)
    np.random.seed(0)
    model = build_resnet(a.depth, "O", num_classes=2)
    opt = paddle.optimizer.Momentum(learning_rate=1e-4, momentum=0.9, parameters=model.parameters())
    model.train()
    seen, t0 = 0, None
    for batch_id, (x, y) in enumerate(data_loader(os.path.join(a.root, "PALM-Training400"))()):
        if batch_id == 2:
            t0, seen = time.perf_counter(), 0
        out = model(paddle.to_tensor(x))
        loss = paddle.mean(nn.functional.cross_entropy(out, paddle.to_tensor(y).astype("int64"), reduction="none"))
        opt.clear_grad()
        loss.backward()
        opt.step()
        float(loss)
        seen += len(x)
        if a.train_steps and batch_id + 1 >= 2 + a.train_steps:
            break
    train_ips = seen / (time.perf_counter() - t0)

    model.eval()
    valid = valid_data_loader(os.path.join(a.root, "PALM-Validation400"),
                              os.path.join(a.root, "PALM-Validation-GT", "PM_Label_and_Fovea_Location.xlsx"),
                              a.val_images)
    t = time.perf_counter()
    n = 0
    for x, y in valid(batch_size=50):
        out = model(paddle.to_tensor(x))
        label = paddle.to_tensor(y).astype("int64")
        predict = paddle.argmax(out, 1)
        float(paddle.mean(nn.functional.cross_entropy(out, label, reduction="none")))
        (predict.numpy().reshape(-1, 1) == label.numpy()).mean()
        n += len(x)
    eval_ips = n / (time.perf_counter() - t)
    print(json.dumps({"name": "tutorial loop", "threads": int(os.environ.get("OMP_NUM_THREADS", "1")),
                      "batch": 10, "train_images_per_s": train_ips,
                      "eval_images_per_s": eval_ips, "train_images_timed": seen, "eval_images": n}))


if __name__ == "__main__":
    main()
