"""Helpers of the GUI tests: synthetic fundus-like images, a tiny PALM-style folder, waiting."""

import time
from pathlib import Path

import cv2
import numpy as np


def fundus(seed: int, pm: bool, size: tuple[int, int] = (240, 256)) -> np.ndarray:
    """A fundus-like BGR picture: dark background, orange-red disc, optic disc, vessels; PM adds pale atrophy."""
    rng = np.random.default_rng(seed)
    h, w = size
    img = np.zeros((h, w, 3), np.uint8)
    c = (w // 2, h // 2)
    r = int(min(h, w) * 0.46)
    base = np.array([30, 70 + rng.integers(0, 30), 160 + rng.integers(0, 50)], np.uint8)  # BGR
    cv2.circle(img, c, r, base.tolist(), -1)
    disc = (c[0] + int(r * 0.45), c[1] + int(rng.integers(-10, 10)))
    cv2.circle(img, disc, int(r * 0.13), (150, 210, 245), -1)
    for _ in range(6):
        angle = rng.uniform(0, 2 * np.pi)
        end = (int(disc[0] + np.cos(angle) * r * 1.2), int(disc[1] + np.sin(angle) * r * 0.9))
        cv2.line(img, disc, end, (20, 30, 110), 2)
    if pm:
        cv2.ellipse(img, disc, (int(r * 0.32), int(r * 0.24)), 0, 0, 360, (170, 200, 225), -1)
        cv2.circle(img, (c[0] - int(r * 0.2), c[1]), int(r * 0.1), (140, 170, 210), -1)
    mask = np.zeros((h, w), np.uint8)
    cv2.circle(mask, c, r, 255, -1)
    noise = rng.normal(0, 6, img.shape).astype(np.int16)
    img = np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    img[mask == 0] = 0
    return img


def write(path: Path, img: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)
    return path


def make_palm(root: Path, n_p: int = 4, n_h: int = 2, n_n: int = 2, n_val: int = 4, unknown: bool = True) -> Path:
    """A PALM-style root: Training folder labelled by prefixes, Validation folder labelled by a csv."""
    train = root / "PALM-Training400"
    seed = 0
    for prefix, n in (("P", n_p), ("H", n_h), ("N", n_n)):
        for i in range(1, n + 1):
            seed += 1
            write(train / f"{prefix}{i:04d}.jpg", fundus(seed, prefix == "P"))
    if unknown:
        write(train / "X0001.jpg", fundus(99, False))  # unknown prefix: a problem, not a sample
    val = root / "PALM-Validation400"
    rows = ["imgName,Label"]
    for i in range(1, n_val + 1):
        pm = i % 2 == 1
        write(val / f"V{i:04d}.jpg", fundus(100 + i, pm))
        rows.append(f"V{i:04d}.jpg,{int(pm)}")
    (root / "PALM-Validation-GT").mkdir(parents=True, exist_ok=True)
    (root / "PALM-Validation-GT" / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def open_dataset(qtbot, window, root: Path) -> None:
    window.dataset_view.open_folder(root)
    qtbot.waitUntil(lambda: window.dataset_view.dataset is not None and not window.dataset_view.busy, timeout=10000)


def wait_for(predicate, timeout: float) -> float:
    """Seconds until ``predicate()`` holds (plain waiting, no Qt event processing); raises on timeout."""
    t0 = time.perf_counter()
    while not predicate():
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError
        time.sleep(0.01)
    return time.perf_counter() - t0


def save_test_model(folder: Path, name: str = "ResNet-18-D") -> Path:
    """A real (untrained) ResNet-18-D model folder, saved through the engine."""
    import core._paddle  # noqa: F401
    from core.modelio import save_model
    from core.models import build_resnet

    model = build_resnet(18, "D")
    save_model(folder, model, {
        "name": name, "architecture": model.config.to_dict(), "variant": "D",
        "class_names": ["non-PM", "PM"], "positive_class": 1, "threshold": 0.5, "metrics": {}, "history": [],
    })
    return folder


def drop(widget, paths):
    """A simulated drag and drop of local files onto ``widget`` (QMimeData with file URLs)."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    ev = QDropEvent(QPointF(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)
    assert ev.isAccepted()


def wait_done(qtbot, view, n, timeout=60000):
    """Until the Diagnosis view holds ``n`` results and its worker has ended."""
    qtbot.waitUntil(lambda: view.results.rowCount() == n and not view.busy, timeout=timeout)
