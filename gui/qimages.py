"""Pictures between numpy and Qt: RGB uint8 arrays as QImages and back, and shrinking one to a box."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage


def to_qimage(rgb: np.ndarray) -> QImage:
    """An RGB uint8 array as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def qimage_rgb(img: QImage) -> np.ndarray:
    """A QImage as an RGB uint8 array (a copy)."""
    if img.format() != QImage.Format.Format_RGB888:
        img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    arr = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)
    return arr[:, :3 * w].reshape(h, w, 3).copy()


def fit(rgb: np.ndarray, size: int) -> np.ndarray:
    """Shrink to fit a ``size`` x ``size`` box keeping the aspect ratio (never enlarged)."""
    h, w = rgb.shape[:2]
    scale = min(1.0, size / max(h, w))
    if scale >= 1.0:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
