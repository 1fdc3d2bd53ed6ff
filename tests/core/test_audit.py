import csv
import json
import os
import signal
import subprocess
import sys
from types import SimpleNamespace

from core.images.quality import QualityResult
from core.screening import audit
from core.screening.audit import AuditLog, export_csv, read_entries


def _pred(name, probability=0.9, pm=True, error=None, quality=None):
    verdict = "error" if error else ("PM" if pm else "not PM")
    return SimpleNamespace(path=f"/data/{name}", probability=probability, pm=pm, error=error, verdict=verdict,
                           sha256="ab" * 32, quality=quality or QualityResult(True))


def test_entries_are_appended_and_exported(tmp_path):
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as log:
        e = log.record(_pred("a.jpg"), "ResNet-18-D", "cd" * 32, 0.5)
        log.record(_pred("b.jpg", None, None, error="the file is empty (0 bytes)"), "ResNet-18-D", "cd" * 32, 0.5)
        bad = QualityResult(False, "dark", "too dark (mean brightness 3 < 15)")
        log.record(_pred("c.jpg", None, None, quality=bad), "ResNet-18-D", "cd" * 32, 0.5)
    assert set(e) == set(audit.FIELDS) and e["file"] == "a.jpg" and e["sha256"] == "ab" * 32
    with AuditLog(path) as log:  # a second session appends, never rewrites
        log.record(_pred("d.jpg", 0.1, False), "ResNet-18-D", "cd" * 32, 0.5)
    entries = list(read_entries(path))
    assert [x["file"] for x in entries] == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert entries[0]["probability"] == 0.9 and entries[0]["verdict"] == "PM" and entries[0]["quality"] == "ok"
    assert entries[1]["verdict"] == "error" and entries[1]["error"].startswith("the file is empty")
    assert entries[2]["quality"].startswith("too dark") and entries[3]["model_sha256"] == "cd" * 32
    assert entries[0]["time"].endswith("+00:00")
    out = tmp_path / "audit.csv"
    assert export_csv(out, path) == 4
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == list(audit.FIELDS) and rows[3]["verdict"] == "not PM" and rows[1]["probability"] == ""


def test_default_location_is_the_data_folder(tmp_path):
    log = AuditLog()
    log.append({"time": "t", "file": "x.jpg"})
    log.close()
    assert log.path == tmp_path / "userdata" / "audit" / "audit.jsonl"  # PMSCREEN_DATA_DIR set by conftest
    assert [e["file"] for e in read_entries()] == ["x.jpg"]
    assert oct(log.path.stat().st_mode & 0o777) == "0o600"


def test_torn_last_line_is_skipped_and_the_next_writer_starts_a_new_line(tmp_path):
    path = tmp_path / "audit.jsonl"
    with AuditLog(path) as log:
        log.append({"file": "a.jpg"})
    with open(path, "ab") as f:
        f.write(b'{"file": "torn.jpg", "prob')  # a writer killed in the middle of an entry
    assert [e["file"] for e in read_entries(path)] == ["a.jpg"]
    with AuditLog(path) as log:
        log.append({"file": "b.jpg"})
    assert [e["file"] for e in read_entries(path)] == ["a.jpg", "b.jpg"]
    assert path.read_bytes().count(b"\n") == 3


def test_a_log_that_may_be_appended_to_but_not_read_still_takes_entries(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b'{"file": "a.jpg"}\n{"file": "torn.jpg", "prob')

    def write_only(name, mode="r", *args, **kwargs):  # a log of mode 0200 for a user who is not root
        if "r" in mode:
            raise PermissionError(13, "Permission denied", str(name))
        return open(name, mode, *args, **kwargs)
    monkeypatch.setattr(audit, "open", write_only, raising=False)
    with AuditLog(path) as log:  # was a raw PermissionError: the torn line's check reads the last byte
        log.append({"file": "b.jpg"})
    monkeypatch.undo()
    assert [e["file"] for e in read_entries(path)] == ["a.jpg", "b.jpg"]


WRITER = """
import sys
from core.screening.audit import AuditLog
log = AuditLog(sys.argv[1])
i = 0
while True:
    log.append({"n": i, "file": f"img{i:06d}.jpg", "pad": "x" * 2000})
    i += 1
    if i == 50:  # about 100 kB written: tell the test, and go on writing until killed
        print("written", flush=True)
"""


def test_a_killed_writer_leaves_every_complete_entry_readable(tmp_path):
    path = tmp_path / "audit.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=os.getcwd(), stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == "written\n"  # blocks until the writer has 50 entries on disk
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    data = path.read_bytes()
    complete = data.count(b"\n")
    assert complete > 10
    entries = list(read_entries(path))
    assert [e["n"] for e in entries] == list(range(complete))  # all complete lines, in order, none lost
    with AuditLog(path) as log:  # and the log goes on after the crash
        log.append({"n": -1})
    assert [e["n"] for e in read_entries(path)][-1] == -1
    assert all(json.loads(line) for line in path.read_bytes().splitlines()[:complete])
