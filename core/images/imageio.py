"""Reading fundus images robustly: every failure becomes an ImageError that names the file and the problem.

Camera pictures are large (1444x1444 to 2124x2056 and more); with ``min_side`` a JPEG is decoded at 1/2, 1/4 or
1/8 scale by libjpeg itself (OpenCV's reduced decoding: only the needed DCT coefficients), chosen from the size
in its header so that the short side stays at least ``min_side``. DICOM files (.dcm, or any file with the DICM
preamble) are read through core.images.dicom.

Limits, checked before anything is decoded (docs/security.md): a file larger than ``MAX_FILE_BYTES`` is not
read; an image whose header claims more than ``MAX_PIXELS`` pixels to decode (after the JPEG reduction) is
refused with a one-line reason; the pipelines refuse a side under ``MIN_SIDE`` pixels (``usable``). The format
is sniffed from the content, not the file name (a JPEG named .dcm is a JPEG); only JPEG, PNG, TIFF, BMP,
JPEG 2000 (inside DICOM) and DICOM are decoded. Only regular files are opened: a FIFO, device or socket is
refused without being opened.
"""

from __future__ import annotations

import contextlib
import os
import stat
import struct
import sys
import threading
import zlib
from pathlib import Path

import cv2
import numpy as np

# One-line reasons are ours: OpenCV's own log lines ("[ERROR:0@0.1] imdecode_ ... can't read header") stay off.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

# .jpe and .jfif: JPEG under the names some Windows tools and browsers save it with
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".bmp", ".dcm", ".dicom")
DICOM_SUFFIXES = (".dcm", ".dicom")
_REDUCED_FLAGS = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
# Start-of-frame markers whose size libjpeg can scale: baseline, extended sequential, progressive (Huffman).
_SCALABLE_SOF = (0xC0, 0xC1, 0xC2)
_OTHER_SOF = (0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)
MAX_PIXELS = 40_000_000  # pixels decoded per image (after JPEG reduction): 1.5x the largest fundus cameras
MAX_FILE_BYTES = 512 << 20  # bytes read per file
MIN_SIDE = 8  # pixels: a smaller picture cannot be judged
SUPPORTED = "JPEG, PNG, TIFF, BMP or DICOM expected"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_STDERR_LOCK = threading.Lock()


class ImageError(Exception):
    """An image that cannot be used; ``str()`` is a one-line message naming the file."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def _looks_truncated(data: bytes) -> bool:
    # libjpeg decodes a cut-off JPEG silently, filling the rest grey; a complete one has an EOI marker after its
    # first scan (bytes after it, as cameras and PACS exports append, are fine).
    if data[:2] == b"\xff\xd8":
        sos = _jpeg_walk(data)[1]
        return sos is not None and data.rfind(b"\xff\xd9") < sos
    if data[:8] == _PNG_SIGNATURE:
        return _png_chunks(data) == "truncated"
    return False


def _png_chunks(data: bytes) -> str | None:
    """Walk a PNG's chunks up to IEND, checking each CRC: None when sound, 'truncated', or the problem."""
    i, n = 8, len(data)
    while True:
        if i + 12 > n:
            return "truncated"
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        if length > 0x7FFFFFFF:
            return f"corrupt PNG data (chunk length {length})"
        end = i + 8 + length
        if end + 4 > n:
            return "truncated"
        if zlib.crc32(data[i + 4:end]) != int.from_bytes(data[end:end + 4], "big"):
            return f"corrupt PNG data (CRC error in the {kind.decode('latin-1')!r} chunk)"
        if kind == b"IEND":
            return None
        i = end + 4


def to_rgb8(img: np.ndarray) -> np.ndarray:
    """Any decoded OpenCV image (gray, BGR, BGRA, 16-bit, float) as an RGB uint8 array. 16-bit pictures and
    alpha are converted by OpenCV in 8 bits, without float copies of the whole picture (a 40 M pixel 16-bit RGBA
    PNG needs about 0.5 GB, not 1.2 GB)."""
    if img.dtype == np.uint16:
        img = cv2.convertScaleAbs(img, alpha=255.0 / 65535.0)  # rounds x * 255 / 65535 to the nearest level
    elif img.dtype != np.uint8:
        img = np.clip(img.astype(np.float32) * (255.0 if img.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    channels = img.shape[2]
    if channels == 1:
        return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2RGB)
    if channels == 4:
        # Composite on black: the fundus background is black, so transparent corners stay background.
        alpha = np.ascontiguousarray(img[:, :, 3])
        rgb = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
        del img
        for c in range(3):
            rgb[:, :, c] = cv2.multiply(np.ascontiguousarray(rgb[:, :, c]), alpha, scale=1.0 / 255.0)
        return rgb
    return cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2RGB)


def _jpeg_walk(data: bytes) -> tuple[tuple[int, int, bool] | None, int | None]:
    """((width, height, scalable) of the frame header or None, offset of the first start-of-scan or None)."""
    if data[:2] != b"\xff\xd8":
        return None, None
    i, n, frame = 2, len(data), None
    while i + 4 <= n:
        if data[i] != 0xFF:
            return frame, None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # segments without a length
            i += 2
            continue
        if marker == 0xD9:  # end of image before any scan
            return frame, None
        if marker == 0xDA:
            return frame, i
        if frame is None and (marker in _SCALABLE_SOF or marker in _OTHER_SOF):
            if i + 9 > n:
                return None, None
            height = int.from_bytes(data[i + 5:i + 7], "big")
            width = int.from_bytes(data[i + 7:i + 9], "big")
            frame = (width, height, marker in _SCALABLE_SOF) if width and height else None
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return frame, None


def jpeg_header(data: bytes) -> tuple[int, int, bool] | None:
    """(width, height, scalable) from a JPEG's start-of-frame segment, or None when there is none to be found."""
    return _jpeg_walk(data)[0]


def image_format(data: bytes) -> str | None:
    """The format of image bytes by their signature: jpeg, png, tiff, bmp, jp2, j2k, dicom, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG_SIGNATURE:
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:2] == b"BM" and len(data) >= 26:
        return "bmp"
    if data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        return "jp2"
    if data[:4] == b"\xff\x4f\xff\x51":
        return "j2k"
    if is_dicom(data):
        return "dicom"
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    end = "<" if data[:2] == b"II" else ">"
    try:
        (ifd,) = struct.unpack_from(end + "I", data, 4)
        (count,) = struct.unpack_from(end + "H", data, ifd)
        dims = {}
        for k in range(min(count, 4096)):
            tag, kind, _, value = struct.unpack_from(end + "HHI4s", data, ifd + 2 + 12 * k)
            if tag in (256, 257):
                dims[tag] = struct.unpack_from(end + ("H" if kind == 3 else "I"), value)[0]
    except struct.error:
        return None
    return (dims[256], dims[257]) if len(dims) == 2 else None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header of a JPEG, PNG, TIFF, BMP or JPEG 2000 file, without decoding it."""
    try:
        kind = image_format(data)
        if kind == "jpeg":
            frame = _jpeg_walk(data)[0]
            return frame[:2] if frame else None
        if kind == "png":
            return struct.unpack_from(">II", data, 16) if data[12:16] == b"IHDR" else None
        if kind == "tiff":
            return _tiff_size(data)
        if kind == "bmp":
            if struct.unpack_from("<I", data, 14)[0] == 12:  # OS/2 core header
                return struct.unpack_from("<HH", data, 18)
            w, h = struct.unpack_from("<ii", data, 18)
            return abs(w), abs(h)
        if kind == "jp2":
            at = data.find(b"ihdr", 0, 4096)
            return None if at < 0 else tuple(reversed(struct.unpack_from(">II", data, at + 4)))
        if kind == "j2k":
            x, y, x0, y0 = struct.unpack_from(">IIII", data, 8)
            return x - x0, y - y0
    except struct.error:
        return None
    return None


def check_size(width: int, height: int, name: str | Path, what: str = "the image") -> None:
    """Refuse an image too large to decode (more than MAX_PIXELS), before decoding it."""
    if width * height > MAX_PIXELS:
        raise ImageError(name, f"{what} is too large ({width}x{height} pixels; the limit is "
                               f"{MAX_PIXELS // 1_000_000} million pixels)")


def usable(rgb: np.ndarray, name: str | Path) -> np.ndarray:
    """``rgb`` when it is large enough to be judged (both sides at least MIN_SIDE), else an ImageError: the one
    rule of the diagnosis (predict), the evaluation and the training pipelines."""
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise ImageError(name, f"the image is too small to judge ({rgb.shape[1]}x{rgb.shape[0]} pixels; at "
                               f"least {MIN_SIDE}x{MIN_SIDE} needed)")
    return rgb


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
    still >= ``min_side``). The size in the header is checked against the limits before decoding."""
    if not data:
        raise ImageError(name, "the file is empty (0 bytes)")
    kind = image_format(data)
    if kind is None or kind == "dicom":
        raise ImageError(name, f"not a readable image (unknown format: {SUPPORTED})")
    if _looks_truncated(data):
        raise ImageError(name, "the file is truncated (incomplete image data)")
    if kind == "png" and (problem := _png_chunks(data)):
        raise ImageError(name, problem)
    size = image_size(data)
    if size is None:
        raise ImageError(name, "not a readable image (no picture size in its header)")
    width, height = size
    flags = cv2.IMREAD_UNCHANGED
    factor = 1
    header = jpeg_header(data) if kind == "jpeg" else None
    scalable = bool(header and header[2])
    if min_side and scalable:
        factor = reduction_for(width, height, min_side)
    if scalable and -(-width // factor) * -(-height // factor) > MAX_PIXELS:
        # too large to decode in full (evaluate and training decode without min_side): the least reduction that
        # fits, as predict's reduced decoding would accept the picture too
        factor = next((f for f in (2, 4, 8) if f > factor and -(-width // f) * -(-height // f) <= MAX_PIXELS), factor)
    if factor > 1:
        # IMREAD_UNCHANGED ignores the EXIF orientation; so does the reduced decoding, to give the same picture.
        flags = _REDUCED_FLAGS[factor] | cv2.IMREAD_IGNORE_ORIENTATION
    check_size(-(-width // factor), -(-height // factor), name,
               "the image" if factor == 1 else f"the image at 1/{factor} size")
    try:
        with quiet_stderr():
            img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as exc:
        raise ImageError(name, f"not a readable image ({_first_line(exc)})") from None
    if img is None or img.size == 0:
        raise ImageError(name, "not a readable image (unknown format or corrupt data)")
    return to_rgb8(img)


@contextlib.contextmanager
def quiet_stderr():
    """Send file descriptor 2 to the null device for the block: libpng and libjpeg print their complaints
    ("libpng error: bad adaptive filter value", "Corrupt JPEG data: ...") straight to it, and PM Screen's promise
    is one line per bad file, its own. Decodes are serialised by a lock while it lasts (decoding is a small share
    of a diagnosis; docs/security.md); what other threads write to stderr meanwhile is lost, so the main thread's
    messages are written outside decoding. PMSCREEN_DECODER_STDERR=1 keeps the libraries' messages."""
    if os.environ.get("PMSCREEN_DECODER_STDERR") == "1":
        yield
        return
    with _STDERR_LOCK:
        try:
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):
            pass
        saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.rsplit("error: ", 1)[-1].splitlines()[0][:200] if text else type(exc).__name__


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, or an ImageError naming the file and why it cannot be read. Only a regular file is
    opened (never a FIFO, device or socket, which could block or have side effects), and only up to
    MAX_FILE_BYTES."""
    path = Path(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            raise ImageError(path, f"not a regular file ({_kind_of(st.st_mode)}); not opened")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            st = os.fstat(fd)  # the file may have been swapped since the stat above
            if not stat.S_ISREG(st.st_mode):
                raise ImageError(path, f"not a regular file ({_kind_of(st.st_mode)})")
            if st.st_size > MAX_FILE_BYTES:
                raise ImageError(path, f"the file is too large ({st.st_size / (1 << 20):.0f} MB; the limit is "
                                       f"{MAX_FILE_BYTES >> 20} MB)")
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except FileNotFoundError:
        kind = "a link to a missing file" if os.path.islink(path) else "file not found"
        raise ImageError(path, kind) from None
    except IsADirectoryError:
        raise ImageError(path, "is a folder, not an image file") from None
    except OSError as exc:
        raise ImageError(path, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(path, f"the file is too large (over {MAX_FILE_BYTES >> 20} MB)")
    return data


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and is_image_file(p))
