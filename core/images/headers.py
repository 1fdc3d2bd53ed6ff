"""What an image file's header says, read without decoding: its format (by signature), its size, and whether its
structure is sound enough to hand to a decoder.

Every walk here is bounded so that a header check stays fast whatever the file (docs/security.md): runs of JPEG
fill bytes are skipped by a regular expression (C speed) and at most ``MAX_JPEG_SEGMENTS`` segments are examined
before the first scan; a PNG may have at most ``MAX_PNG_CHUNKS`` chunks; a TIFF's first directory at most 4,096
entries. A file past a bound is "not a readable image", not a slow one. What a decoder would hold at once besides
the picture (a TIFF tile: ``tiff_tile``) is read here too, for core.images.imageio to bound.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_JPEG_SEGMENTS = 10_000  # before the first scan; a camera JPEG has a few dozen (up to ~255 ICC parts)
MAX_PNG_CHUNKS = 100_000  # a 512 MB PNG in libpng's default 8 KB IDAT chunks has 65,536
_TIFF_MAX_ENTRIES = 4096
# Start-of-frame markers: libjpeg can scale baseline, extended sequential and progressive Huffman frames
_SCALABLE_SOF = (0xC0, 0xC1, 0xC2)
_OTHER_SOF = (0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)
_PROGRESSIVE_SOF = (0xC2, 0xC6, 0xCA, 0xCE)
_SEQUENTIAL_HUFFMAN_SOF = (0xC0, 0xC1)
_FILL = re.compile(rb"\xff+")


@dataclass(frozen=True)
class JpegLayout:
    """What a walk over a JPEG's segments up to its first scan found."""

    frame: tuple[int, int, bool] | None = None  # (width, height, scalable) of the first start-of-frame segment
    largest: tuple[int, int] | None = None  # the largest size any start-of-frame segment declares
    buffered: bool = False  # libjpeg holds the whole picture's coefficients at full size (progressive, multi-scan)
    sos: int | None = None  # offset of the first start-of-scan
    problem: str | None = None  # the walk's bound was passed
    least_data: int = 0  # bytes from the first start-of-scan that the frame's blocks need at the least


def jpeg_layout(data: bytes) -> JpegLayout:
    """Walk a JPEG's marker segments up to the first start-of-scan (bounded: see the module docstring).

    ``buffered``: a progressive frame, or a first scan without all components (a multi-scan sequential file),
    makes libjpeg keep full-size DCT coefficients for the whole picture whatever the output scale, so such a
    file's size limit applies before any reduction (a 592-byte progressive JPEG declaring 50000x50000 would make
    it allocate gigabytes while its 1/8 size, 6250x6250, passes the pixel limit)."""
    if data[:2] != b"\xff\xd8":
        return JpegLayout()
    i, n, segments = 2, len(data), 0
    frame = largest = None
    progressive, sequential, components, sampling = False, False, 0, []
    while i + 4 <= n:
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill bytes: skip the whole run at once
            i = _FILL.match(data, i).end() - 1
            continue
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            return JpegLayout(frame, largest, progressive, None,
                              f"more than {MAX_JPEG_SEGMENTS} JPEG segments before the image data")
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # segments without a length
            i += 2
            continue
        if marker == 0xD9:  # end of image before any scan
            break
        if marker == 0xDA:
            scan_components = data[i + 4] if i + 4 < n else 0
            buffered = progressive or 0 < scan_components < components
            least = _least_scan_bytes(frame, sampling) if sequential and not buffered else 0
            return JpegLayout(frame, largest, buffered, i, least_data=least)
        if marker in _SCALABLE_SOF or marker in _OTHER_SOF:
            if i + 10 > n:
                break
            height, width = struct.unpack_from(">HH", data, i + 5)
            if largest is None or width * height > largest[0] * largest[1]:
                largest = (width, height)
            if frame is None and width and height:
                frame = (width, height, marker in _SCALABLE_SOF)
                components = data[i + 9]
                sequential = marker in _SEQUENTIAL_HUFFMAN_SOF
                sampling = [(data[j] >> 4, data[j] & 15) for j in range(i + 11, min(n, i + 11 + 3 * components), 3)]
            progressive = progressive or marker in _PROGRESSIVE_SOF
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return JpegLayout(frame, largest, progressive)


def _least_scan_bytes(frame: tuple[int, int, bool] | None, sampling: list[tuple[int, int]]) -> int:
    """The fewest bytes a Huffman-coded sequential scan of all components can take: each 8x8 block of each
    component costs at least two bits (a DC code and an end-of-block code, each at least one bit). A component
    sampled h of hmax across and v of vmax down has ceil(ceil(W*h/hmax)/8) x ceil(ceil(H*v/vmax)/8) blocks (no
    component need be full size both ways: 4x1,1x4,1x1 sampling holds 9/16 of a full component's blocks in all).
    libjpeg fills a scan that ends early with grey without an error, so a small file declaring a large frame
    decoded as a grey picture ("not a colour photograph") rather than being called truncated."""
    factors = [(h, v) for h, v in sampling if 1 <= h <= 4 and 1 <= v <= 4]
    if frame is None or not factors or len(factors) != len(sampling):
        return 0  # no frame, or sampling libjpeg refuses with its own error
    width, height, _ = frame
    hmax, vmax = max(h for h, _ in factors), max(v for _, v in factors)
    blocks = sum(_ceil(_ceil(width * h, hmax), 8) * _ceil(_ceil(height * v, vmax), 8) for h, v in factors)
    return blocks // 4


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def jpeg_header(data: bytes) -> tuple[int, int, bool] | None:
    """(width, height, scalable) from a JPEG's start-of-frame segment, or None when there is none to be found."""
    return jpeg_layout(data).frame


def png_problem(data: bytes) -> str | None:
    """Walk a PNG's chunks up to IEND, checking each CRC: None when sound, 'truncated', or the problem."""
    i, n = 8, len(data)
    for _ in range(MAX_PNG_CHUNKS):
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
    return f"not a readable image (more than {MAX_PNG_CHUNKS} PNG chunks)"


_TIFF_TAGS = {256: "ImageWidth", 257: "ImageLength", 278: "RowsPerStrip", 322: "TileWidth", 323: "TileLength"}


def _tiff_directory(data: bytes):
    """(tag, type, count, 4 value bytes) of each entry of a TIFF's first directory, in file order (at most
    ``_TIFF_MAX_ENTRIES``); a struct.error when the header is cut short."""
    end = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(end + "I", data, 4)
    (count,) = struct.unpack_from(end + "H", data, ifd)
    for k in range(min(count, _TIFF_MAX_ENTRIES)):
        yield struct.unpack_from(end + "HHI4s", data, ifd + 2 + 12 * k)


def _tiff_entries(data: bytes) -> dict[int, list[int]]:
    """The values of the size tags (``_TIFF_TAGS``) in a TIFF's first directory, each in file order."""
    end = "<" if data[:2] == b"II" else ">"
    dims: dict[int, list[int]] = {tag: [] for tag in _TIFF_TAGS}
    for tag, kind, _, value in _tiff_directory(data):
        if tag in dims:
            dims[tag].append(struct.unpack_from(end + ("H" if kind == 3 else "I"), value)[0])
    return dims


def tiff_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a TIFF's first picture; of a tag listed twice, the first (as libtiff reads it)."""
    try:
        dims = _tiff_entries(data)
    except struct.error:
        return None
    return (dims[256][0], dims[257][0]) if dims[256] and dims[257] else None


def tiff_tile(data: bytes) -> tuple[int, int] | None:
    """(width, height) of the block a decoder holds at once to read a TIFF's first picture: a tile as its
    TileWidth and TileLength declare (0: the picture's side, as OpenCV reads it), whatever the picture's size;
    a strip as wide as the picture and RowsPerStrip high, at most the picture's height (libtiff reads no more).
    None when the header gives no picture size."""
    try:
        dims = _tiff_entries(data)
    except struct.error:
        return None
    if not (dims[256] and dims[257]):
        return None
    width, height = dims[256][0], dims[257][0]
    if dims[322] or dims[323]:
        return (dims[322][:1] or [0])[0] or width, (dims[323][:1] or [0])[0] or height
    rows = dims[278][0] if dims[278] else 0
    return width, min(rows, height) if rows else height


def tiff_pixel_bytes(data: bytes) -> int | None:
    """Bytes a decoder holds per pixel of a TIFF's first picture (SamplesPerPixel x the widest BitsPerSample, at
    least one byte a sample), or None when the header does not say. A 1.2 MB TIFF of float64 colour-plus-alpha
    pixels made OpenCV hold 3 GB while decoding."""
    end = "<" if data[:2] == b"II" else ">"
    samples, bits = 1, 8
    try:
        for tag, kind, n, value in _tiff_directory(data):
            if tag == 277:  # SamplesPerPixel
                samples = struct.unpack_from(end + ("H" if kind == 3 else "I"), value)[0]
            elif tag == 258 and kind == 3 and n:  # BitsPerSample, one SHORT a sample: inline up to two
                where = (value, 0) if n <= 2 else (data, struct.unpack_from(end + "I", value)[0])
                bits = max(struct.unpack_from(end + "H" * min(n, 64), where[0], where[1]))
    except struct.error:
        return None
    return max(1, samples) * max(1, -(-bits // 8))


def tiff_problem(data: bytes) -> str | None:
    """A TIFF whose size tags are listed twice is refused: decoders disagree on which one counts."""
    try:
        dims = _tiff_entries(data)
    except struct.error:
        return None  # no size to be found: image_size says so
    twice = [name for tag, name in _TIFF_TAGS.items() if len(dims[tag]) > 1]
    return f"not a readable image (its TIFF header lists {' and '.join(twice)} twice)" if twice else None


def is_dicom(data: bytes) -> bool:
    return data[128:132] == b"DICM"


def image_format(data: bytes) -> str | None:
    """The format of image bytes by their signature: jpeg, png, tiff, bmp, jp2, j2k, dicom, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == PNG_SIGNATURE:
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


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header of a JPEG, PNG, TIFF, BMP or JPEG 2000 file, without decoding it."""
    try:
        kind = image_format(data)
        if kind == "jpeg":
            frame = jpeg_layout(data).frame
            return frame[:2] if frame else None
        if kind == "png":
            return struct.unpack_from(">II", data, 16) if data[12:16] == b"IHDR" else None
        if kind == "tiff":
            return tiff_size(data)
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
