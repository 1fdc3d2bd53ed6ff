"""How long PM Screen takes to judge files built to make its checks slow or its decoders allocate (issue 13, third
round): each is read the way ``predict`` reads it, and its refusal (or its picture) timed and its peak memory
measured in a child process of its own.

    python bench/hostile_headers.py [--out bench/results/hostile_headers.json]

The files are full-size versions of the ones in tests/core/test_hostile_round3.py and test_hostile_tables.py:
a progressive JPEG declaring 50000x50000 (under 1 KB), a JPEG with 64 MB of fill bytes, a JPEG with 120,000
empty segments, a PNG with 2 million empty chunks (24 MB), a TIFF listing its size tags twice, a deflated DICOM
inflating to 4 GB, a label workbook whose sheet claims A1:XFD1048576 with a cell really at XFD1048576, and one
with broken XML. Prints one JSON object and writes it to --out.
"""

from __future__ import annotations

import argparse
import json
import resource
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.core.test_hostile_round3 import progressive_jpeg, tiff_with_entries  # noqa: E402
from tests.core.test_hostile_tables import ROWS, claim_every_cell, rewrite_sheet  # noqa: E402
from tests.synthetic import write_label_file  # noqa: E402


def _jpeg() -> bytes:
    return cv2.imencode(".jpg", np.full((256, 256, 3), 90, np.uint8))[1].tobytes()


def _png_of_empty_chunks(n: int) -> bytes:
    good = cv2.imencode(".png", np.full((256, 256, 3), 90, np.uint8))[1].tobytes()
    empty = struct.pack(">I", 0) + b"zzTx" + struct.pack(">I", zlib.crc32(b"zzTx"))
    return good[:33] + empty * n + good[33:]


def _deflated_dicom(inflated: int) -> bytes:
    """A deflated DICOM whose zero pixel data inflate to ``inflated`` bytes, compressed in pieces."""
    import io

    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, SecondaryCaptureImageStorage

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 1, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = b"\0\0"
    plain = io.BytesIO()
    ds.save_as(plain, enforce_file_format=True)
    data = plain.getvalue()
    body = data.index(b"\x28\x00\x02\x00")  # the first element after the file meta group
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    meta = io.BytesIO()
    from pydicom.filewriter import write_file_meta_info

    write_file_meta_info(meta, ds.file_meta, enforce_standard=True)
    pixels_at = data.index(b"\xe0\x7f\x10\x00")
    header = data[body:pixels_at] + b"\xe0\x7f\x10\x00OB\0\0" + struct.pack("<I", min(inflated, 0xFFFFFFFE))
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    chunk = bytes(1 << 24)
    parts = [packer.compress(header)] + [packer.compress(chunk) for _ in range(inflated >> 24)]
    return data[:128] + b"DICM" + meta.getvalue() + b"".join(parts) + packer.flush()


CHILD = """
import json, sys, time
from core.images.imageio import ImageError
from core.images.reader import read_image
from core.data.datasets import DatasetError, read_label_file
path = sys.argv[1]
start = time.perf_counter()
try:
    if path.endswith(".xlsx"):
        labels, _ = read_label_file(path)
        result = f"read: {len(labels)} labels"
    else:
        result = "decoded: %dx%d" % read_image(path, min_side=224).shape[1::-1][:2]
except (ImageError, DatasetError) as exc:
    result = "refused: " + str(exc).split(": ", 1)[1]
seconds = time.perf_counter() - start
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": round(seconds, 4), "result": result, "peak_rss_mb": round(peak / 1024)}))
"""


def _judge(path: Path) -> dict:
    limit = 3 << 30  # a regression fails here instead of taking the machine's memory

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, cwd=ROOT,
                          preexec_fn=cap, timeout=600)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1][:300]}
    out = json.loads(done.stdout)
    return out  # peak_rss_mb: VmHWM, which exec resets (ru_maxrss would carry this process's peak over)


def _baseline_rss() -> float:
    code = ("import core.images.reader, core.data.datasets, openpyxl, pydicom\n"
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) / 1024)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "hostile_headers.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmscreen-hostile-") as tmp:
        tmp = Path(tmp)
        good = _jpeg()
        files = {
            "progressive JPEG declaring 50000x50000": ("bomb.jpg", progressive_jpeg(50000, 50000)),
            "JPEG with 64 MB of fill bytes": ("fill.jpg", good[:2] + b"\xff" * (64 << 20) + good[2:]),
            "JPEG with 120,000 empty segments": ("segments.jpg", good[:2] + b"\xff\xe1\x00\x02" * 120_000 + good[2:]),
            "PNG with 2 million empty chunks": ("chunks.png", _png_of_empty_chunks(2_000_000)),
            "TIFF listing its size tags twice": ("twice.tif", tiff_with_entries(
                (256, 4, 1, 60000), (257, 4, 1, 60000), (256, 4, 1, 16), (257, 4, 1, 16))),
            "deflated DICOM inflating to 4 GB": ("deflated.dcm", _deflated_dicom(4 << 30)),
        }
        for name, data in files.values():
            (tmp / name).write_bytes(data)
        rewrite_sheet(write_label_file(tmp / "claims.xlsx", ROWS), claim_every_cell)
        rewrite_sheet(write_label_file(tmp / "broken.xlsx", ROWS), lambda xml: xml[: len(xml) // 2])
        names = {**{k: v[0] for k, v in files.items()}, "label workbook claiming A1:XFD1048576": "claims.xlsx",
                 "label workbook with broken XML": "broken.xlsx"}
        base = _baseline_rss()
        results = {}
        for what, name in names.items():
            results[what] = {"bytes": (tmp / name).stat().st_size, **_judge(tmp / name)}
    out = {"python": sys.version.split()[0], "peak_rss_mb_of_a_child_importing_the_readers": round(base),
           "cases": results}
    print(json.dumps(out, indent=2))
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
