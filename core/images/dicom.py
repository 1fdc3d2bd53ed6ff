"""Ophthalmic Photography DICOM: pixels as RGB and patient-free metadata (optional extra ``dicom``: pydicom).

Fundus cameras export OP DICOM (modality OP, usually JPEG Baseline or JPEG 2000 compressed). Compressed frames
are decoded by OpenCV, which also gives reduced-size JPEG decoding (see core.images.imageio); other transfer syntaxes go
through pydicom's own decoders. Only the first frame of a multi-frame object is used.

Metadata are taken from an allow-list of device and image attributes: nothing that identifies the patient
(name, ID, birth date, sex, age, addresses, accession or study IDs) ever leaves this module.
"""

from __future__ import annotations

import io
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .imageio import MAX_FILE_BYTES, ImageError, check_size, decode_image, read_bytes

# A deflated file (transfer syntax 1.2.840.10008.1.2.1.99) is read like the inflated file it stands for: pydicom
# inflates the whole data set at once, so a few kilobytes could claim gigabytes; the inflated size is measured
# first, in bounded steps, against the limit of a file read as it is, and against what a photograph's data can
# compress to: at most MAX_DEFLATE_RATIO times smaller (photographs deflate 2-4 times), beyond a small allowance.
# Inflating costs time (about 0.1 to 1 GB a second): the ratio keeps a bomb's refusal quick.
MAX_INFLATED_BYTES = MAX_FILE_BYTES
MAX_DEFLATE_RATIO = 32
INFLATE_ALLOWANCE = 64 << 20
DEFLATED = "1.2.840.10008.1.2.1.99"

MISSING = "DICOM support is not installed (install the extra: pip install 'pmscreen[dicom]', i.e. pydicom)"

# Encapsulated transfer syntaxes whose frames OpenCV decodes: JPEG baseline / extended / lossless, JPEG 2000.
_OPENCV_SYNTAXES = {
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
}

# (keyword, name in the metadata): device and image attributes only.
ALLOWED = (
    ("Modality", "modality"),
    ("SOPClassUID", "sop_class"),
    ("Manufacturer", "manufacturer"),
    ("ManufacturerModelName", "model"),
    ("ImageLaterality", "laterality"),
    ("Laterality", "laterality"),
    ("Rows", "rows"),
    ("Columns", "columns"),
    ("NumberOfFrames", "frames"),
    ("PhotometricInterpretation", "photometric"),
    ("BitsStored", "bits_stored"),
    ("HorizontalFieldOfView", "field_of_view_deg"),
)


@dataclass(frozen=True)
class DicomImage:
    pixels: np.ndarray  # RGB uint8 (H, W, 3)
    metadata: dict


def _pydicom(name):
    try:
        import pydicom
    except ImportError:
        raise ImageError(name, MISSING) from None
    return pydicom


def _deflated_start(data: bytes) -> int | None:
    """Where the deflated data set starts when the file meta says it is deflated, else None: found by pydicom's
    own readers, so that the check sees exactly what dcmread would inflate."""
    from pydicom import filereader

    fp = io.BytesIO(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            filereader.read_preamble(fp, True)
            meta = filereader._read_file_meta_info(fp)
            read_commands = getattr(filereader, "_read_command_set_elements", None)  # pydicom 3
            if read_commands:
                read_commands(fp)
    except Exception:  # a damaged header: dcmread will say what is wrong with it
        return None
    return fp.tell() if str(meta.get("TransferSyntaxUID", "")) == DEFLATED else None


def _check_inflated_size(data: bytes, name) -> None:
    """Refuse a deflated DICOM file whose data set inflates past MAX_INFLATED_BYTES, or past MAX_DEFLATE_RATIO
    times its deflated size (beyond INFLATE_ALLOWANCE), before pydicom inflates it (at most 4 MB of output at a
    time, nothing kept)."""
    start = _deflated_start(data)
    if start is None:
        return
    inflater, view, total = zlib.decompressobj(-zlib.MAX_WBITS), memoryview(data)[start:], 0
    limit = min(MAX_INFLATED_BYTES, max(INFLATE_ALLOWANCE, MAX_DEFLATE_RATIO * len(view)))
    try:
        for at in range(0, len(view), 1 << 16):  # small input pieces: the unconsumed rest copied is small too
            pending = view[at:at + (1 << 16)]
            while pending and not inflater.eof:
                total += len(inflater.decompress(pending, 1 << 22))
                if total > limit:
                    raise ImageError(name, f"the file is too large (a deflated DICOM file of {len(data):,} bytes "
                                           f"inflating to over {limit >> 20} MB)")
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as exc:
        raise ImageError(name, f"not a readable DICOM file (deflated data: {exc})") from None


def _parse(data: bytes, name, stop_before_pixels: bool = False):
    pydicom = _pydicom(name)
    _check_inflated_size(data, name)
    try:
        with warnings.catch_warnings():  # pydicom warns about every oddity of a damaged file; the error says it
            warnings.simplefilter("ignore")
            return pydicom.dcmread(io.BytesIO(data), force=True, stop_before_pixels=stop_before_pixels)
    except Exception as exc:  # InvalidDicomError, struct errors, EOF: all mean "not a usable DICOM file"
        raise ImageError(name, f"not a readable DICOM file ({exc})") from None


def _date(ds) -> str | None:
    for key in ("AcquisitionDateTime", "AcquisitionDate", "ContentDate", "StudyDate"):
        value = str(ds.get(key, "") or "")[:8]
        if len(value) == 8 and value.isdigit():
            return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return None


def metadata(ds) -> dict:
    """The allow-listed, patient-free attributes of a dataset (absent ones left out)."""
    out: dict = {}
    for keyword, key in ALLOWED:
        value = ds.get(keyword)
        if value in (None, "") or key in out:
            continue
        if keyword == "SOPClassUID":
            value = getattr(value, "name", str(value))
        elif isinstance(value, int):  # IS
            value = int(value)
        elif isinstance(value, float):  # DS
            value = float(value)
        else:
            value = str(value)
        out[key] = value
    date = _date(ds)
    if date:
        out["acquisition_date"] = date
    syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if syntax is not None:
        out["transfer_syntax"] = getattr(syntax, "name", str(syntax))
    return out


def _first_frame_bytes(ds) -> bytes:
    from pydicom import encaps

    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if hasattr(encaps, "generate_frames"):  # pydicom 3
        return next(encaps.generate_frames(ds.PixelData, number_of_frames=frames))
    return next(encaps.generate_pixel_data_frame(ds.PixelData, frames))  # pydicom 2.x


def _to_rgb8(arr: np.ndarray, ds) -> np.ndarray:
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if arr.ndim == (3 if samples == 1 else 4):  # all frames (pydicom 2.x): the first
        arr = arr[0]
    if arr.dtype != np.uint8:
        bits = int(ds.get("BitsStored", 8 * arr.itemsize) or 8 * arr.itemsize)
        top = float((1 << bits) - 1)
        arr = (np.clip(arr.astype(np.float32), 0, top) * (255.0 / top) + 0.5).astype(np.uint8)
    photometric = str(ds.get("PhotometricInterpretation", "")).upper()
    if samples == 1 or arr.ndim == 2:
        if photometric == "MONOCHROME1":  # 0 is white
            arr = 255 - arr
        return np.repeat(arr[..., None], 3, axis=2)
    return np.ascontiguousarray(arr[..., :3])


def decode(data: bytes, name="<bytes>", min_side: int | None = None) -> DicomImage:
    """Pixels (RGB uint8) and patient-free metadata of a DICOM file's bytes, or an ImageError."""
    ds = _parse(data, name)
    meta = metadata(ds)
    if "PixelData" not in ds:
        raise ImageError(name, "DICOM file without pixel data (not an image)")
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
    if syntax in _OPENCV_SYNTAXES:
        try:
            frame = _first_frame_bytes(ds)
        except Exception as exc:
            raise ImageError(name, f"DICOM pixel data cannot be read ({exc})") from None
        pixels = decode_image(frame, name, min_side)  # YCbCr JPEG frames come out as RGB
    else:
        try:
            rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
        except (TypeError, ValueError):
            rows = columns = 0
        check_size(columns, rows, name, "the DICOM image")  # before decoding: the header's claim
        try:
            try:
                from pydicom.pixels import pixel_array  # pydicom 3: converts YBR to RGB
            except ImportError:
                arr = ds.pixel_array  # pydicom 2.x
            else:
                arr = pixel_array(ds, index=0 if int(ds.get("NumberOfFrames", 1) or 1) > 1 else None)
        except Exception as exc:  # no decoder for this transfer syntax, bad length, …
            raise ImageError(name, f"DICOM pixel data cannot be decoded ({meta.get('transfer_syntax')}: {exc})") \
                from None
        pixels = _to_rgb8(np.asarray(arr), ds)
    if pixels.ndim != 3 or min(pixels.shape[:2]) < 1:
        raise ImageError(name, "DICOM pixel data is not a 2-D image")
    meta.setdefault("rows", pixels.shape[0])
    meta.setdefault("columns", pixels.shape[1])
    return DicomImage(pixels, meta)


def dicom_pixels(data: bytes, name="<bytes>", min_side: int | None = None) -> np.ndarray:
    return decode(data, name, min_side).pixels


def read_dicom(path: str | Path, min_side: int | None = None) -> DicomImage:
    return decode(read_bytes(path), path, min_side)


def read_metadata(path: str | Path) -> dict:
    """Patient-free metadata only, without decoding the pixels."""
    return metadata(_parse(read_bytes(path), path, stop_before_pixels=True))
