"""Append-only audit log of every verdict, as JSON lines under the user's data folder.

Each entry: time (UTC), file name and path, SHA-256 of the file, model name and weights hash (model.json's
weights.sha256, verified against the weights file and the inference engine when the model was loaded),
probability, threshold, verdict, quality, error. File names are written as ``core.images.textsafe.shown`` gives them
(undecodable bytes and control characters escaped). An entry is one ``write`` of one whole line to
a file opened with O_APPEND, followed by fsync, so a crash or a kill loses at most the entry being written: a
torn last line is skipped when reading, and the next writer starts on a fresh line. The log is never rewritten.

Export: ``export_csv`` (or ``python -m core.screening.audit --csv out.csv``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from ..images.textsafe import cell_text

AUDIT_FILE = "audit.jsonl"
FIELDS = ("time", "file", "path", "sha256", "model", "model_sha256", "probability", "threshold", "verdict",
          "quality", "error", "program")


class AuditError(OSError):
    """The audit log cannot be written; ``str()`` is one line naming the file and why."""


def default_path() -> Path:
    from ..store.library import data_dir

    return data_dir() / "audit" / AUDIT_FILE


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def entry_for(pred, model: str, model_sha256: str | None, threshold: float) -> dict:
    """The audit entry of a core.screening.inference.Prediction."""
    from core import __version__

    from ..images.textsafe import shown

    quality = getattr(pred, "quality", None)
    return {
        "time": now(),
        "file": shown(Path(pred.path).name),
        "path": shown(Path(pred.path).absolute()),
        "sha256": getattr(pred, "sha256", None),
        "model": model,
        "model_sha256": model_sha256,
        "probability": None if pred.probability is None else round(float(pred.probability), 6),
        "threshold": threshold,
        "verdict": pred.verdict,
        "quality": None if quality is None else ("ok" if quality.ok else quality.reason),
        "error": pred.error,
        "program": f"pmscreen {__version__}",
    }


class AuditLog:
    """Appends entries to ``path`` (default: <data dir>/audit/audit.jsonl); safe to share between threads."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self._lock = threading.Lock()
        self._fd: int | None = None

    def open(self) -> AuditLog:
        """Open the log now (a batch checks it before any work): an AuditError says why it cannot be written."""
        with self._lock:
            self._open()
        return self

    def _open(self) -> int:
        if self._fd is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # O_NONBLOCK: a FIFO put in the log's place fails instead of blocking; only a plain file is used.
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0),
                             0o600)
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    os.close(fd)
                    raise OSError(0, "not a plain file")
            except OSError as exc:
                raise AuditError(f"audit log {self.path} cannot be written ({exc.strerror or exc})") from None
            size = os.fstat(fd).st_size
            if size:  # a writer killed mid-line left a torn entry: start on a new line
                try:
                    with open(self.path, "rb") as f:
                        f.seek(size - 1)
                        torn = f.read(1) != b"\n"
                except OSError:  # a log one may append to but not read: a blank line is skipped by readers
                    torn = True
                try:
                    if torn:
                        _write_all(fd, b"\n")
                except OSError as exc:
                    os.close(fd)
                    raise AuditError(f"audit log {self.path} cannot be written ({exc.strerror or exc})") from None
            self._fd = fd
        return self._fd

    def append(self, entry: dict) -> None:
        line = (json.dumps(entry, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            fd = self._open()
            try:
                _write_all(fd, line)
                os.fsync(fd)
            except OSError as exc:  # a full disk said "[Errno 28]" and named no file
                raise AuditError(f"audit log {self.path} cannot be written ({exc.strerror or exc})") from None

    def record(self, pred, model: str, model_sha256: str | None, threshold: float) -> dict:
        entry = entry_for(pred, model, model_sha256, threshold)
        self.append(entry)
        return entry

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_entries(path: str | Path | None = None) -> Iterator[dict]:
    """Every complete entry, oldest first; torn or damaged lines are skipped."""
    path = Path(path) if path else default_path()
    if not path.is_file():
        return
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # the last line of a writer killed mid-write
            try:
                entry = json.loads(raw)
            except (ValueError, UnicodeDecodeError, RecursionError):  # damaged, or nested to exhaust the parser
                continue
            if isinstance(entry, dict):
                yield entry


def export_csv(dest: str | Path, path: str | Path | None = None) -> int:
    """Write the log as CSV (one row per entry, columns FIELDS); returns the number of rows."""
    n = 0
    with open(dest, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        for entry in read_entries(path):
            w.writerow({k: "" if entry.get(k) is None else cell_text(entry.get(k)) for k in FIELDS})
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m core.screening.audit", description="Export the PM Screen audit log.")
    p.add_argument("--log", help=f"audit log (default: {default_path()})")
    p.add_argument("--csv", required=True, help="CSV file to write")
    a = p.parse_args(argv)
    n = export_csv(a.csv, a.log)
    print(f"{n} entries written to {a.csv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
