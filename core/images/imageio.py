"""Reading fundus images robustly: every failure becomes an ImageError that names the file and the problem.

Camera pictures are large (1444x1444 to 2124x2056 and more); with ``min_side`` a JPEG is decoded at 1/2, 1/4 or
1/8 scale by libjpeg itself (OpenCV's reduced decoding: only the needed DCT coefficients), chosen from the size
in its header so that the short side stays at least ``min_side``. DICOM files (.dcm, or any file with the DICM
preamble) are read through core.images.dicom.

Limits, checked before anything is decoded (docs/security.md): a file larger than ``MAX_FILE_BYTES`` is not
read; an image whose header claims more than ``MAX_PIXELS`` pixels to decode (after a baseline JPEG's reduction;
a progressive JPEG at full size, as libjpeg holds its coefficients), or TIFF tiles of more than
``MAX_TILE_PIXELS`` pixels each, is refused with a one-line reason; headers
are read by core.images.headers, in bounded walks; the pipelines refuse a side under ``MIN_SIDE`` pixels
(``usable``). The format is sniffed from the content, not the file name (a JPEG named .dcm is a JPEG); only
JPEG, PNG, TIFF, BMP, JPEG 2000 (inside DICOM) and DICOM are decoded. Only regular files are opened: a FIFO,
device or socket is refused without being opened.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import threading
from pathlib import Path

import cv2
import numpy as np

from .filekinds import file_kind
from .headers import (
    JpegLayout,
    image_format,
    image_size,
    jpeg_layout,
    png_problem,
    tiff_pixel_bytes,
    tiff_problem,
    tiff_tile,
)

# One-line reasons are ours: OpenCV's own log lines ("[ERROR:0@0.1] imdecode_ ... can't read header") stay off.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

# .jpe and .jfif: JPEG under the names some Windows tools and browsers save it with
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".bmp", ".dcm", ".dicom")
DICOM_SUFFIXES = (".dcm", ".dicom")
_REDUCED_FLAGS = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
MAX_PIXELS = 40_000_000  # pixels decoded per image (after JPEG reduction): 1.5x the largest fundus cameras
# pixels of one TIFF tile (or strip), which libtiff and OpenCV hold at once, 4 to 8 bytes a pixel, whatever the
# picture's size: no more than a whole picture may have (a 200-byte 16x16 TIFF declaring 16000x16000 tiles made
# OpenCV allocate 1 GB and take 2 s; tiles are 256 or 512 pixels square in practice, a strip at most the picture)
MAX_TILE_PIXELS = MAX_PIXELS
# bytes a TIFF's decoded picture may take (pixels x samples x bytes a sample): a 40-million-pixel picture of 16-bit
# colour plus alpha; a float64 one may have a quarter of the pixels
MAX_DECODED_BYTES = MAX_PIXELS * 4 * 2
MAX_FILE_BYTES = 512 << 20  # bytes read per file
MIN_SIDE = 8  # pixels: a smaller picture cannot be judged
SUPPORTED = "JPEG, PNG, TIFF, BMP or DICOM expected"
TRUNCATED = "the file is truncated (incomplete image data)"
_STDERR_LOCK = threading.Lock()


class ImageError(Exception):
    """An image that cannot be used; ``str()`` is a one-line message naming the file."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = one_line(problem)
        super().__init__(f"{self.path}: {self.problem}")


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line: a decoder's message may span several (pydicom lists its plugins line by line), and a
    reason is one row of a table, one line on a terminal and one field of the audit log."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def write_image(path: str | Path, bgr: np.ndarray, params: tuple = ()) -> bool:
    """Encode ``bgr`` by ``path``'s suffix and write it; False when it cannot be. Never cv2.imwrite: OpenCV takes
    the path as UTF-8 and crashes the process (SIGSEGV) on a folder named in other bytes."""
    ok, data = cv2.imencode(Path(path).suffix, bgr, list(params))
    if not ok:
        return False
    try:
        Path(path).write_bytes(data.tobytes())
    except OSError:
        with contextlib.suppress(OSError):  # a full disk left an empty or cut file that would pass for a picture
            if Path(path).is_file():
                Path(path).unlink()
        return False
    return True


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def _sniffable_name(path: Path) -> bool:
    """A name without a suffix, or with a number for one (DICOM instance UIDs such as 1.2.840.113619.2.55.3.7),
    not starting with a dot: what PACS and camera exports name their images."""
    suffix = path.suffix
    return not path.name.startswith(".") and (not suffix or suffix[1:].isdigit())


def sniffed_image_file(path: Path) -> bool:
    """A file with a sniffable name (``_sniffable_name``) whose first bytes are a known image format: what a PACS
    or camera export folder holds. Only a regular file is opened (non-blocking); anything else, or a name starting
    with a dot, is not an image file here."""
    if not _sniffable_name(path):
        return False
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            head = os.read(fd, 132)
        finally:
            os.close(fd)
    except OSError:
        return False
    return image_format(head) is not None


def unsniffable_entry(path: Path) -> bool:
    """A FIFO, device or socket with a sniffable name: it might stand for an image but cannot be looked into
    (opening a FIFO blocks), so a folder's listing keeps it for its error row. Only its status is read."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return _sniffable_name(path) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


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


def _structure_problem(data: bytes, kind: str, layout: JpegLayout | None) -> str | None:
    """Why a JPEG (its ``layout``), PNG or TIFF cannot be handed to the decoder (core.images.headers; bounded
    walks), or None. libjpeg decodes a cut-off JPEG silently, filling the rest grey: a complete one has an end
    marker after its first scan (bytes after it, as cameras and PACS exports append, are fine)."""
    if layout is not None:
        if layout.problem:
            return f"not a readable image ({layout.problem})"
        if layout.sos is not None and data.rfind(b"\xff\xd9") < layout.sos:
            return TRUNCATED
    elif kind == "png":
        problem = png_problem(data)
        return TRUNCATED if problem == "truncated" else problem
    elif kind == "tiff":
        return tiff_problem(data)
    return None


def _scan_too_short(data: bytes, layout: JpegLayout) -> bool:
    """A JPEG whose image data is shorter than its frame's blocks need (headers.JpegLayout.least_data): libjpeg
    would fill the missing part grey without an error."""
    return layout.sos is not None and len(data) - layout.sos < layout.least_data


def check_tile(data: bytes, name: str | Path) -> None:
    """Refuse a TIFF whose tiles (or strips) are too large to decode (more than MAX_TILE_PIXELS), before decoding
    it; after ``check_size``, which says first when the picture itself is too large."""
    tile = tiff_tile(data)
    if tile and tile[0] * tile[1] > MAX_TILE_PIXELS:
        raise ImageError(name, f"not a readable image (its TIFF tiles of {tile[0]}x{tile[1]} pixels are too large; "
                               f"the limit is {MAX_TILE_PIXELS // 1_000_000} million pixels a tile)")
    size, per_pixel = image_size(data), tiff_pixel_bytes(data)
    if size and per_pixel and size[0] * size[1] * per_pixel > MAX_DECODED_BYTES:
        raise ImageError(name, f"the image is too large to decode ({size[0]}x{size[1]} pixels of {per_pixel} bytes "
                               f"take more than {MAX_DECODED_BYTES // 1_000_000} MB)")


def _jpeg_factor(layout: JpegLayout, width: int, height: int, min_side: int | None, name) -> int:
    """The libjpeg reduction (1, 2, 4 or 8) to decode a JPEG (its ``layout``) at, after checking the sizes its
    frame headers declare: the largest one at that reduction, and for a progressive or multi-scan file (whose
    coefficients libjpeg keeps at full size whatever the reduction) at full size, all before anything is decoded."""
    if layout.buffered:
        check_size(*(layout.largest or (width, height)), name)
    if not (layout.frame and layout.frame[2]):
        return 1
    factor = reduction_for(width, height, min_side) if min_side else 1
    if -(-width // factor) * -(-height // factor) > MAX_PIXELS:
        # too large to decode in full (evaluate and training decode without min_side): the least reduction that
        # fits, as predict's reduced decoding would accept the picture too
        factor = next((f for f in (2, 4, 8) if f > factor and -(-width // f) * -(-height // f) <= MAX_PIXELS), factor)
    big_w, big_h = layout.largest or (width, height)
    check_size(-(-big_w // factor), -(-big_h // factor), name,
               "the image" if factor == 1 else f"the image at 1/{factor} size")
    return factor


def decode_image(data: bytes, name: str | Path = "<bytes>", min_side: int | None = None) -> np.ndarray:
    """Decode image bytes into RGB uint8; with ``min_side``, a large JPEG is decoded at reduced size (short side
    still >= ``min_side``). The size in the header is checked against the limits before decoding."""
    if not data:
        raise ImageError(name, "the file is empty (0 bytes)")
    kind = image_format(data)
    if kind is None or kind == "dicom":
        raise ImageError(name, f"not a readable image (unknown format: {SUPPORTED})")
    layout = jpeg_layout(data) if kind == "jpeg" else None  # one bounded walk over its segments serves each check
    if problem := _structure_problem(data, kind, layout):
        raise ImageError(name, problem)
    size = image_size(data)
    if size is None:
        raise ImageError(name, "not a readable image (no picture size in its header)")
    width, height = size
    factor = _jpeg_factor(layout, width, height, min_side, name) if layout is not None else 1
    # IMREAD_UNCHANGED ignores the EXIF orientation; so does the reduced decoding, to give the same picture.
    flags = _REDUCED_FLAGS[factor] | cv2.IMREAD_IGNORE_ORIENTATION if factor > 1 else cv2.IMREAD_UNCHANGED
    if factor == 1:
        check_size(width, height, name)
    if kind == "tiff":
        check_tile(data, name)
    if layout is not None and _scan_too_short(data, layout):  # after the size limits, which say more of a huge claim
        raise ImageError(name, TRUNCATED)
    try:
        with quiet_stderr() as said:
            img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as exc:
        raise ImageError(name, f"not a readable image ({_first_line(exc)})") from None
    if img is None or img.size == 0:
        raise ImageError(name, "not a readable image (unknown format or corrupt data)")
    if kind == "jpeg" and (problem := _jpeg_warning_problem(said)):
        raise ImageError(name, problem)
    if img.dtype.kind == "f" and not np.isfinite(img).all():  # NaN was cast to black: "too dark", and a warning
        raise ImageError(name, "not a readable image (some pixels are not numbers: NaN or infinity)")
    return to_rgb8(img)


def _jpeg_warning_problem(said: list[str]) -> str | None:
    """What libjpeg's warnings during a decode say is wrong with the picture, or None. It decodes a file whose
    image data ends early (cut off, an end marker appended) without an error, filling the rest
    grey, and only warns: such a picture got a verdict, or "not a colour photograph". Other warnings (extraneous
    bytes before a marker, as some cameras write) leave the picture whole and are ignored."""
    text = "".join(said).lower()
    if "premature end of" in text:  # "...of data segment" (JWRN_HIT_MARKER), "...of JPEG file" (JWRN_JPEG_EOF)
        return TRUNCATED
    if "bad huffman code" in text:
        return "not a readable image (corrupt JPEG data: bad Huffman code)"
    return None


@contextlib.contextmanager
def quiet_stderr():
    """Catch what is written to file descriptor 2 during the block: libpng and libjpeg print their complaints
    ("libpng error: bad adaptive filter value", "Corrupt JPEG data: ...") straight to it, and PM Screen's promise
    is one line per bad file, its own. Yields a list that holds the text afterwards (the first 64 kB): libjpeg's
    warnings are how a cut-off picture shows (``_jpeg_warning_problem``). Decodes are serialised by a lock while
    it lasts (decoding is a small share of a diagnosis; docs/security.md); what other threads write to stderr
    meanwhile is lost, so the main thread's messages are written outside decoding. PMSCREEN_DECODER_STDERR=1
    keeps the libraries' messages on stderr (and catches none)."""
    said: list[str] = []
    if os.environ.get("PMSCREEN_DECODER_STDERR") == "1":
        yield said
        return
    with _STDERR_LOCK:
        try:
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):
            pass
        try:
            sink = tempfile.TemporaryFile()
        except OSError:  # no writable temporary folder: the messages go to the null device, uncaught
            sink = open(os.devnull, "wb")  # noqa: SIM115 (closed below)
        saved = os.dup(2)
        with sink:
            try:
                os.dup2(sink.fileno(), 2)
                yield said
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                if sink.name != os.devnull:
                    sink.seek(0)
                    said.append(sink.read(1 << 16).decode("utf-8", "replace"))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.rsplit("error: ", 1)[-1].splitlines()[0][:200] if text else type(exc).__name__


def entry_problem(path: str | Path) -> str | None:
    """Why an existing file system entry cannot be read as an image file (a folder; not a regular file, which is
    never opened: a FIFO would block the reader), None for a regular file; OSError (FileNotFoundError) when there
    is none."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        return "is a folder, not an image file"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({file_kind(mode)}); not opened"
    return None


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, or an ImageError naming the file and why it cannot be read. Only a regular file is
    opened (never a FIFO, device or socket, which could block or have side effects), and only up to
    MAX_FILE_BYTES."""
    path = Path(path)
    try:
        problem = entry_problem(path)
        if problem:
            raise ImageError(path, problem)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            st = os.fstat(fd)  # the file may have been swapped since the stat above
            if not stat.S_ISREG(st.st_mode):
                raise ImageError(path, f"not a regular file ({file_kind(st.st_mode)})")
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


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and is_image_file(p))
