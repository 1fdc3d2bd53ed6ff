"""Reading fundus images robustly: every failure becomes an ImageError that names the file and the problem.

Camera pictures are large (1444x1444 to 2124x2056 and more); with ``min_side`` a JPEG is decoded at 1/2, 1/4 or
1/8 scale by libjpeg itself (OpenCV's reduced decoding: only the needed DCT coefficients), chosen from the size
in its header so that the short side stays at least ``min_side``. DICOM files (.dcm, or any file with the DICM
preamble) are read through core.dicom.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".dcm")
DICOM_SUFFIXES = (".dcm", ".dicom")
_REDUCED_FLAGS = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
# Start-of-frame markers whose size libjpeg can scale: baseline, extended sequential, progressive (Huffman).
_SCALABLE_SOF = (0xC0, 0xC1, 0xC2)
_OTHER_SOF = (0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)


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


def jpeg_header(data: bytes) -> tuple[int, int, bool] | None:
    """(width, height, scalable) from a JPEG's start-of-frame segment, or None when there is none to be found."""
    if data[:2] != b"\xff\xd8":
        return None
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # segments without a length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or start of scan before any frame header
            return None
        if marker in _SCALABLE_SOF or marker in _OTHER_SOF:
            if i + 9 > n:
                return None
            height = int.from_bytes(data[i + 5:i + 7], "big")
            width = int.from_bytes(data[i + 7:i + 9], "big")
            return (width, height, marker in _SCALABLE_SOF) if width and height else None
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None


def reduction_for(width: int, height: int, min_side: int) -> int:
    """The largest libjpeg scale-down (1, 2, 4 or 8) whose result keeps the short side >= ``min_side``."""
    short = min(width, height)
    for factor in (8, 4, 2):
        if -(-short // factor) >= min_side:  # libjpeg rounds scaled sizes up
            return factor
    return 1


def is_dicom(data: bytes) -> bool:
    return data[128:132] == b"DICM"


def decode_image(data: bytes, name: str | Path = "<bytes>", min_side: int | None = None) -> np.ndarray:
    """Decode image bytes into RGB uint8; with ``min_side``, a large JPEG is decoded at reduced size (short side
    still >= ``min_side``)."""
    if not data:
        raise ImageError(name, "the file is empty (0 bytes)")
    if _looks_truncated(data):
        raise ImageError(name, "the file is truncated (incomplete image data)")
    flags = cv2.IMREAD_UNCHANGED
    if min_side:
        header = jpeg_header(data)
        if header and header[2] and (factor := reduction_for(header[0], header[1], min_side)) > 1:
            # IMREAD_UNCHANGED ignores the EXIF orientation; so does the reduced decoding, to give the same picture.
            flags = _REDUCED_FLAGS[factor] | cv2.IMREAD_IGNORE_ORIENTATION
    img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if img is None or img.size == 0:
        raise ImageError(name, "not a readable image (unknown format or corrupt data)")
    return to_rgb8(img)


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, or an ImageError naming the file and why it cannot be read."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except IsADirectoryError:
        raise ImageError(path, "is a folder, not an image file") from None
    except OSError as exc:
        raise ImageError(path, f"cannot be read ({exc.strerror or exc})") from None


def decode_file(data: bytes, path: str | Path, min_side: int | None = None) -> np.ndarray:
    """A file's bytes as RGB uint8: DICOM (by suffix or preamble) through core.dicom, the rest by OpenCV."""
    if Path(path).suffix.lower() in DICOM_SUFFIXES or is_dicom(data):
        from .dicom import dicom_pixels

        return dicom_pixels(data, path, min_side)
    return decode_image(data, path, min_side)


def read_image(path: str | Path, min_side: int | None = None) -> np.ndarray:
    """Decode ``path`` into an RGB uint8 array (H, W, 3) or raise ImageError.

    ``min_side``: decode a large JPEG at reduced size, its short side still at least ``min_side`` pixels."""
    return decode_file(read_bytes(path), path, min_side)


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and is_image_file(p))
