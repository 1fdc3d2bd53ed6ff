"""Load test of issue 13: thousands of mixed good and hostile files in one batch, through ``pmscreen predict`` and
through the GUI's engine child process (core.screening.engine_process, which the Diagnosis view uses).

    python bench/load_test.py --root ../shared/palm [--files 5000] [--bad-share 0.2] [--gui]

Builds a folder in a temporary directory: good images (the PALM JPEGs, linked, plus full-size 2124x2056 JPEGs
made from them, with non-UTF-8, control-character and formula-like names among them) and one in ``1/bad-share``
hostile files cycling through the kinds in BAD (truncated, empty, a PNG claiming 100000x100000 pixels, 1x1
pixels, a FIFO, a dangling link, a text file named .jpg, a damaged PNG, a JPEG named .dcm, trailing bytes).
Then runs ``pmscreen predict --json --report load.csv`` on it in a child process with a private user data
folder, sampling the child's resident memory (VmRSS) every 0.25 s against the number of result lines so far,
and checks: one JSON line, one report row and one audit line per file; every bad file an error row, every good
one a verdict; exit code 2; no traceback. With ``--gui``, the same folder through EngineProcess (child process,
batch 8) with the audit written as the GUI writes it. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BAD = ("truncated", "empty", "huge_header", "tiny", "fifo", "dangling", "text", "png_crc", "jpeg_as_dcm",
       "trailing")
GOOD_IN_BAD = ("jpeg_as_dcm", "trailing")  # odd but valid: they must get a verdict


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _huge_png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        _chunk(b"IEND", b"")


def build(folder: Path, palm: list[Path], n_files: int, bad_share: float) -> dict[str, str]:
    """Fill ``folder``; returns {file name (as shown by core.images.textsafe): "good" or the bad kind}."""
    import cv2
    import numpy as np

    from core.images.textsafe import shown
    from tests.synthetic import full_size_fundus

    folder.mkdir(parents=True)
    full = []
    for i, src in enumerate(palm[:50]):  # full-size pictures, reused through hard links
        rgb = cv2.cvtColor(cv2.imread(str(src)), cv2.COLOR_BGR2RGB)
        path = folder / f"full-src-{i:03d}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(full_size_fundus(base=rgb), cv2.COLOR_RGB2BGR))
        full.append(path)
    good_jpeg = palm[0].read_bytes()
    ok, png = cv2.imencode(".png", cv2.imread(str(palm[1])))
    png = png.tobytes()
    kinds: dict[str, str] = {f"full-src-{i:03d}.jpg": "good" for i in range(len(full))}
    every = max(1, round(1 / bad_share)) if bad_share > 0 else 0
    rng = np.random.default_rng(0)
    i = 0
    while len(kinds) < n_files:
        i += 1
        if every and i % every == 0:
            kind = BAD[(i // every) % len(BAD)]
            name = f"bad-{i:05d}-{kind}" + (".dcm" if kind == "jpeg_as_dcm" else ".png" if "png" in kind or
                                            kind in ("huge_header", "tiny") else ".jpg")
            path = folder / name
            if kind == "truncated":
                path.write_bytes(good_jpeg[: len(good_jpeg) // 2])
            elif kind == "empty":
                path.write_bytes(b"")
            elif kind == "huge_header":
                path.write_bytes(_huge_png())
            elif kind == "tiny":
                cv2.imwrite(str(path), np.zeros((1, 1, 3), np.uint8))
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "dangling":
                path.symlink_to(folder / f"missing-{i}.jpg")
            elif kind == "text":
                path.write_text("not an image\n" * 20)
            elif kind == "png_crc":
                data = bytearray(png)
                data[60] ^= 0xFF
                path.write_bytes(bytes(data))
            elif kind == "jpeg_as_dcm":
                path.write_bytes(good_jpeg)
            elif kind == "trailing":
                path.write_bytes(good_jpeg + b"\x00PACS" * 200)
            kinds[name] = kind
            continue
        if i % 10 == 0:  # a full-size picture
            name = f"eye-{i:05d}-full.jpg"
            os.link(full[int(rng.integers(len(full)))], folder / name)
        else:
            src = palm[i % len(palm)]
            tag = ("caf\udce9", "line\nbreak", "=1+2", "@cmd", "plain", "plain", "plain", "plain")[i % 8]
            name = f"{tag}-{i:05d}.jpg"
            with open(os.path.join(os.fsencode(folder), os.fsencode(name)), "wb") as f:
                f.write(src.read_bytes())
        kinds[name] = "good"
    return {shown(k): v for k, v in kinds.items()}


def vm_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS"))
    except (OSError, StopIteration):
        return None


def check(rows: list[dict], kinds: dict[str, str]) -> dict:
    """One row per file, errors exactly for the bad files."""
    names = [r["file"].rsplit("/", 1)[-1] for r in rows]
    wrong = []
    for r, name in zip(rows, names):
        kind = kinds.get(name, "?")
        is_error = r["verdict"] == "error"
        if is_error != (kind not in ("good", *GOOD_IN_BAD)):
            wrong.append((name, kind, r["verdict"], r.get("error")))
    return {"rows": len(rows), "distinct_files": len(set(names)), "files": len(kinds),
            "errors": sum(r["verdict"] == "error" for r in rows), "bad_files": sum(
                k not in ("good", *GOOD_IN_BAD) for k in kinds.values()), "wrong": wrong[:10], "n_wrong": len(wrong)}


def run_cli(folder: Path, work: Path, kinds: dict[str, str]) -> dict:
    env = {**os.environ, "PMSCREEN_DATA_DIR": str(work / "cli-data"), "QT_QPA_PLATFORM": "offscreen"}
    report = work / "load.csv"
    cmd = [sys.executable, "-m", "core", "predict", "--json", "--report", str(report), str(folder)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lines: list[str] = []
    samples: list[tuple[float, int, float]] = []
    err: list[bytes] = []
    threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True).start()

    def sample():
        while proc.poll() is None:
            rss = vm_rss_mb(proc.pid)
            if rss is not None:
                samples.append((time.perf_counter() - t0, len(lines), rss))
            time.sleep(0.25)

    threading.Thread(target=sample, daemon=True).start()
    for raw in proc.stdout:
        lines.append(raw.decode("utf-8"))
    code = proc.wait()
    seconds = time.perf_counter() - t0
    time.sleep(0.3)
    rows = [json.loads(line) for line in lines]
    import csv

    with open(report, newline="", encoding="utf-8") as f:
        report_rows = sum(1 for _ in csv.DictReader(f))
    from core.screening.audit import read_entries

    audit = sum(1 for _ in read_entries(work / "cli-data" / "audit" / "audit.jsonl"))
    stderr = b"".join(err).decode("utf-8", "replace")
    return {"exit_code": code, "seconds": round(seconds, 1), "images_per_s": round(len(rows) / seconds, 1),
            **check(rows, kinds), "report_rows": report_rows, "audit_lines": audit,
            "stderr_lines": stderr.splitlines()[-3:], "traceback": "Traceback" in stderr,
            "rss_mb": _rss_profile(samples, len(kinds))}


def _rss_profile(samples, total) -> dict:
    """Resident memory after 10 %, 25 %, 50 %, 75 % and 100 % of the results, and its peak."""
    out = {}
    for share in (0.1, 0.25, 0.5, 0.75, 1.0):
        seen = [rss for _, n, rss in samples if n <= share * total]
        out[f"at_{int(share * 100)}pct"] = round(max(seen), 0) if seen else None
    out["peak"] = round(max((s[2] for s in samples), default=0), 0)
    return out


def run_gui_engine(folder: Path, work: Path, kinds: dict[str, str]) -> dict:
    os.environ["PMSCREEN_DATA_DIR"] = str(work / "gui-data")
    from core.screening.audit import AuditLog, read_entries
    from core.screening.engine_process import EngineProcess
    from core.screening.inference import Prediction
    from core.store.bundled import default_model_dir

    engine = EngineProcess(default_model_dir(), batch_size=8)
    info = engine.start()
    samples: list[tuple[float, int, float]] = []
    rows: list[dict] = []
    t0 = time.perf_counter()
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss = vm_rss_mb(engine._proc.pid)
            if rss is not None:
                samples.append((time.perf_counter() - t0, len(rows), rss))
            time.sleep(0.25)

    threading.Thread(target=sample, daemon=True).start()
    with AuditLog() as audit:
        for value in engine.predict([folder], lambda: False):
            if isinstance(value, Prediction):
                audit.record(value, info.name, info.weights_sha256, info.threshold)
                rows.append(value.to_dict())
    done.set()
    seconds = time.perf_counter() - t0
    engine.close()
    audit_lines = sum(1 for _ in read_entries())
    return {"seconds": round(seconds, 1), "images_per_s": round(len(rows) / seconds, 1), **check(rows, kinds),
            "audit_lines": audit_lines, "child_rss_mb": _rss_profile(samples, len(kinds))}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default=os.environ.get("PALM_ROOT", "../shared/palm"))
    p.add_argument("--files", type=int, default=5000)
    p.add_argument("--bad-share", type=float, default=0.2)
    p.add_argument("--gui", action="store_true", help="also run the GUI's engine child process")
    a = p.parse_args()
    palm = sorted((Path(a.root) / "PALM-Training400").glob("*.jpg")) + \
        sorted((Path(a.root) / "PALM-Validation400").glob("*.jpg"))
    if not palm:
        raise SystemExit(f"{a.root}: no PALM images")
    with tempfile.TemporaryDirectory(prefix="pmscreen-load-") as tmp:
        work = Path(tmp)
        kinds = build(work / "share", palm, a.files, a.bad_share)
        out = {"files": len(kinds), "bad_share": a.bad_share, "cpu": _cpu(), "predict": run_cli(work / "share",
                                                                                                 work, kinds)}
        if a.gui:
            out["gui_engine"] = run_gui_engine(work / "share", work, kinds)
    print(json.dumps(out, indent=1))
    return 0


def _cpu() -> str:
    from core.nn.cpu import cpuinfo_field

    return f"{cpuinfo_field('model name')}, {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
