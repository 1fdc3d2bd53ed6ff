"""Image files to RGB pixels: the content picks the decoder, DICOM (core.images.dicom) or OpenCV
(core.images.imageio)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .dicom import dicom_pixels
from .imageio import DICOM_SUFFIXES, decode_image, image_format, read_bytes


def decode_file(data: bytes, path: str | Path, min_side: int | None = None) -> np.ndarray:
    """A file's bytes as RGB uint8: DICOM (by its DICM preamble, or a .dcm file that is no other known image)
    through core.images.dicom, the rest by OpenCV. The content decides, not the suffix: a JPEG named .dcm is a JPEG."""
    kind = image_format(data)
    if kind == "dicom" or (kind is None and data and Path(path).suffix.lower() in DICOM_SUFFIXES):
        return dicom_pixels(data, path, min_side)
    return decode_image(data, path, min_side)


def read_image(path: str | Path, min_side: int | None = None) -> np.ndarray:
    """Decode ``path`` into an RGB uint8 array (H, W, 3) or raise ImageError.

    ``min_side``: decode a large JPEG at reduced size, its short side still at least ``min_side`` pixels."""
    return decode_file(read_bytes(path), path, min_side)
