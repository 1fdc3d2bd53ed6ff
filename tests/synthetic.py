"""Synthetic fundus-like images and miniature PALM layouts for the tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def fundus_image(pm: bool, seed: int, size: int = 224) -> np.ndarray:
    """A fundus-like RGB uint8 image: orange disc of retina on black; 'PM' ones carry a large pale patch."""
    rng = np.random.default_rng(seed)
    img = np.zeros((size, size, 3), np.uint8)
    c = size // 2
    cv2.circle(img, (c, c), int(size * 0.45), (200, 90, 40), -1)
    disc = (int(c + rng.integers(-10, 10) * size / 224), int(c + rng.integers(-10, 10) * size / 224))
    cv2.circle(img, disc, int(size * 0.06), (250, 220, 150), -1)
    if pm:  # peripapillary atrophy: a wide pale region around the disc
        cv2.circle(img, disc, int(size * 0.18), (235, 200, 160), -1)
    noise = rng.normal(0, 6, img.shape)
    return np.clip(img + noise * (img > 0), 0, 255).astype(np.uint8)


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def make_palm_root(root: Path, n_train: int = 12, n_val: int = 6, label_format: str = "xlsx") -> Path:
    """A miniature PALM layout: Training (P/H/N prefixes), Validation + a label file."""
    train = root / "PALM-Training400"
    for i in range(n_train):
        tag = ("P", "N", "P", "H", "P", "N")[i % 6]
        write_rgb(train / f"{tag}{i:04d}.jpg", fundus_image(tag == "P", i))
    rows = []
    for i in range(n_val):
        pm = i % 2 == 0
        write_rgb(root / "PALM-Validation400" / f"V{i:04d}.jpg", fundus_image(pm, 1000 + i))
        rows.append((i + 1, f"V{i:04d}.jpg", int(pm)))
    gt = root / "PALM-Validation-GT"
    gt.mkdir(parents=True, exist_ok=True)
    write_label_file(gt / f"labels.{label_format}", rows)
    return root


def write_label_file(path: Path, rows, header=("ID", "imgName", "Label")) -> Path:
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(list(header))
        for r in rows:
            ws.append(list(r))
        wb.save(path)
    else:
        path.write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n")
    return path
