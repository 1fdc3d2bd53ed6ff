"""The one preprocessing definition used by training, validation and inference.

As in the iChallenge-PM tutorial: resize to 224x224 and scale pixels to [-1, 1]; channels are RGB.
"""

from __future__ import annotations

import cv2
import numpy as np

IMAGE_SIZE = 224

PREPROCESSING = {
    "size": [IMAGE_SIZE, IMAGE_SIZE],
    "resize": "area",
    "channels": "RGB",
    "scale": "x / 127.5 - 1",
    "layout": "NCHW",
}


def resize(img: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """Resize an RGB uint8 image to ``size`` x ``size`` (area interpolation when shrinking)."""
    if img.shape[:2] == (size, size):
        return img
    shrink = img.shape[0] > size or img.shape[1] > size
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def to_input(batch: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W, 3) or (H, W, 3) -> float32 network input (N, 3, H, W) in [-1, 1]."""
    if batch.ndim == 3:
        batch = batch[None]
    x = batch.astype(np.float32).transpose(0, 3, 1, 2)
    x *= 1.0 / 127.5
    x -= 1.0
    return np.ascontiguousarray(x)
