"""Reading fundus images robustly: every failure becomes an ImageError that names the file and the problem."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


class ImageError(Exception):
    """An image that cannot be used; ``str()`` is a one-line message naming the file."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def _looks_truncated(data: bytes) -> bool:
    # libjpeg decodes a cut-off JPEG silently, filling the rest grey; a complete one ends with EOI.
    if data[:2] == b"\xff\xd8":
        return b"\xff\xd9" not in data[-1024:]
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return b"IEND" not in data[-32:]
    return False


def to_rgb8(img: np.ndarray) -> np.ndarray:
    """Any decoded OpenCV image (gray, BGR, BGRA, 16-bit, float) as an RGB uint8 array."""
    if img.dtype == np.uint16:
        img = (img.astype(np.float32) * (255.0 / 65535.0) + 0.5).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = np.clip(img.astype(np.float32) * (255.0 if img.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    channels = img.shape[2]
    if channels == 1:
        return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2RGB)
    if channels == 4:
        # Composite on black: the fundus background is black, so transparent corners stay background.
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        img = (img[:, :, :3].astype(np.float32) * alpha + 0.5).astype(np.uint8)
    return cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2RGB)


def decode_image(data: bytes, name: str | Path = "<bytes>") -> np.ndarray:
    if not data:
        raise ImageError(name, "the file is empty (0 bytes)")
    if _looks_truncated(data):
        raise ImageError(name, "the file is truncated (incomplete image data)")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None or img.size == 0:
        raise ImageError(name, "not a readable image (unknown format or corrupt data)")
    return to_rgb8(img)


def read_image(path: str | Path) -> np.ndarray:
    """Decode ``path`` into an RGB uint8 array (H, W, 3) or raise ImageError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except IsADirectoryError:
        raise ImageError(path, "is a folder, not an image file") from None
    except OSError as exc:
        raise ImageError(path, f"cannot be read ({exc.strerror or exc})") from None
    return decode_image(data, path)


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and is_image_file(p))
