"""Issue 13, second round of attacks: a folder nested past Python's recursion limit, JSON nested to exhaust the
parser (model.json, the audit log), formulas in the audit export, and names that display as other names."""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from core.images.textsafe import shown
from core.screening.audit import export_csv, read_entries
from core.screening.inference import expand_inputs
from core.store.modelio import ModelFileError, read_meta
from tests.synthetic import fundus_image, save_tiny_model, write_rgb

NESTED = "[" * 100_000 + "]" * 100_000


def _nest(folder: Path, levels: int) -> Path:
    """``levels`` folders named d inside each other below ``folder`` (relative steps: the absolute path would
    pass the OS's length limit first); returns the deepest one's path relative to ``folder``."""
    os.chdir(folder)
    for _ in range(levels):
        os.mkdir("d")
        os.chdir("d")
    os.chdir(folder.parent)
    return Path(*["d"] * levels)


@pytest.fixture
def deep(tmp_path):
    """A folder outside pytest's temporary folders (whose recursive clean-up fails on 1,000 levels, and would
    then stop every later pytest run), removed iteratively afterwards."""
    top = Path(tempfile.mkdtemp(prefix="pmscreen-deep-"))
    here = os.getcwd()
    yield top
    os.chdir(top / "in")
    depth = 0
    while os.path.isdir("d"):
        os.chdir("d")
        depth += 1
    for _ in range(depth):
        for name in os.listdir("."):
            os.unlink(name)
        os.chdir("..")
        os.rmdir("d")
    os.chdir(here)
    shutil.rmtree(top)


def test_a_folder_deeper_than_the_recursion_limit_is_searched(deep):
    good = write_rgb(deep / "in" / "eye.jpg", fundus_image(True, 1))
    deepest = _nest(deep / "in", 1100)
    os.chdir(deep / "in" / deepest.parent)  # (the whole relative path is too long to open at once)
    os.chdir("d")
    write_rgb(Path("deepest.jpg"), fundus_image(False, 2))
    os.chdir(deep)
    found = expand_inputs([deep / "in"])
    names = sorted(Path(p).name for p in found)
    assert names == ["deepest.jpg", "eye.jpg"] and good in found


def test_a_model_json_nested_to_exhaust_the_parser_is_refused_in_one_line(tmp_path):
    model = save_tiny_model(tmp_path / "m")
    meta = json.loads((model / "model.json").read_text())
    text = json.dumps(meta)[:-1] + ', "notes": ' + NESTED + "}"
    (model / "model.json").write_text(text)
    try:
        read_meta(model)
    except ModelFileError as exc:
        assert "nested too deeply" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("a model.json nested 100,000 deep was read")


def test_the_audit_export_skips_a_nested_line_and_writes_names_as_text(tmp_path):
    log = tmp_path / "audit.jsonl"
    entry = {"time": "2026-12-02T10:00:00", "file": '=HYPERLINK("evil.example","click").jpg', "verdict": "PM"}
    log.write_text(json.dumps(entry) + "\n" + NESTED + "\n" + json.dumps({**entry, "file": "@SUM(1+1).jpg"}) + "\n")
    assert len(list(read_entries(log))) == 2
    assert export_csv(tmp_path / "out.csv", log) == 2
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        files = [row["file"] for row in csv.DictReader(f)]
    assert files == ["'" + entry["file"], "'@SUM(1+1).jpg"]


def test_bidirectional_overrides_in_names_are_shown_as_escapes():
    spoof = "H0001_\u202egpj.2000P_.jpg"  # displays as H0001_gpj._P0002.jpg where bidi text is rendered
    assert shown(spoof) == "H0001_\\u202egpj.2000P_.jpg"
    assert shown("a\u2066b\u2069.jpg") == "a\\u2066b\\u2069.jpg"
    assert shown("病人 P0001.jpg") == "病人 P0001.jpg"  # other scripts stay as they are


def test_deep_folder_predict_end_to_end(tmp_path, capsys, deep):
    from core.cli import main

    model = save_tiny_model(tmp_path / "m")
    write_rgb(deep / "in" / "eye.jpg", fundus_image(True, 1))
    _nest(deep / "in", 1050)
    assert main(["predict", "--model", str(model), "--json", "--no-audit", str(deep / "in")]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [Path(r["file"]).name for r in rows] == ["eye.jpg"]


def test_jpeg_under_its_windows_names_is_found_in_a_folder(tmp_path):
    # hidden names stay out on purpose: macOS copies leave "._IMG.jpg" metadata files beside every photograph
    for name in ("a.jfif", "b.JPE", "._a.jpg"):
        write_rgb(tmp_path / "in" / "x.jpg", fundus_image(True, 1)).rename(tmp_path / "in" / name)
    assert sorted(Path(p).name for p in expand_inputs([tmp_path / "in"])) == ["a.jfif", "b.JPE"]


def test_a_symlink_loop_in_a_folder_gets_its_own_row_and_the_batch_goes_on(tmp_path, capsys):
    # a.jpg -> b.jpg -> a.jpg beside a good image: os.DirEntry.is_dir() raised ELOOP and ended the whole batch
    from core.cli import main

    model = save_tiny_model(tmp_path / "m")
    folder = tmp_path / "in"
    write_rgb(folder / "eye.jpg", fundus_image(True, 1))
    os.symlink(folder / "b.jpg", folder / "a.jpg")
    os.symlink(folder / "a.jpg", folder / "b.jpg")
    assert sorted(p.name for p in expand_inputs([folder])) == ["a.jpg", "b.jpg", "eye.jpg"]
    main(["predict", "--model", str(model), "--json", "--no-audit", str(folder)])
    rows = {Path(r["file"]).name: r for r in map(json.loads, filter(str.strip, capsys.readouterr().out.splitlines()))}
    assert rows["eye.jpg"].get("verdict") in ("PM", "not PM")
    assert set(rows) == {"a.jpg", "b.jpg", "eye.jpg"} and rows["a.jpg"].get("error")
