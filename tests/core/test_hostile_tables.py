"""Issue 13, third round: label workbooks built to exhaust the reader (a sheet dimension claiming every cell of
the sheet, a million rows below the data, a sheet part that inflates to gigabytes) and broken ones are refused or
read within bounds, with one line naming the file; find_label_file walks past them. The bombs are read in a child
process with a memory limit, so that a regression fails the test instead of the machine."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.data.datasets import DatasetError, find_label_file, read_label_file
from core.data.tables import END_GAP, MAX_COLUMNS
from tests.synthetic import write_label_file

ROWS = [(1, "a.jpg", 1), (2, "b.jpg", 0), (3, "c.jpg", 1)]
SHEET = "xl/worksheets/sheet1.xml"
MEMORY_LIMIT = 1536 << 20


def rewrite_sheet(path: Path, edit) -> Path:
    """``path`` with its first sheet's XML replaced by ``edit(xml)`` (bytes)."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts[SHEET] = edit(parts[SHEET])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def claim_every_cell(xml: bytes) -> bytes:
    # the dimension claims A1:XFD1048576 and a last cell really sits there: a million rows 16,384 cells wide
    last = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return xml.replace(b'<dimension ref="A1:C4" />', b'<dimension ref="A1:XFD1048576" />').replace(
        b"</sheetData>", last + b"</sheetData>")


def read_in_child(path: Path) -> dict:
    """read_label_file(path) in a child process limited to MEMORY_LIMIT of address space."""
    code = ("import json, sys\nfrom core.data.datasets import DatasetError, read_label_file\n"
            "try:\n    labels, problems = read_label_file(sys.argv[1])\n"
            "    print(json.dumps({'labels': labels, 'problems': [str(p) for p in problems]}))\n"
            "except DatasetError as exc:\n    print(json.dumps({'error': str(exc)}))\n")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          preexec_fn=limit, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_sheet_claiming_every_cell_is_read_to_its_data(tmp_path):
    path = rewrite_sheet(write_label_file(tmp_path / "bomb.xlsx", ROWS), claim_every_cell)
    got = read_in_child(path)
    assert got == {"labels": {"a.jpg": 1, "b.jpg": 0, "c.jpg": 1}, "problems": []}


def test_rows_and_columns_read_are_bounded(tmp_path):
    from core.data.tables import read_rows

    path = rewrite_sheet(write_label_file(tmp_path / "wide.xlsx", ROWS), lambda xml: xml.replace(
        b"</sheetData>", b'<row r="5"><c r="B5"><v>5</v></c><c r="ZZ5" t="inlineStr"><is><t>far</t></is></c></row>'
                         + b'<row r="%d"><c r="A%d"><v>1</v></c></row></sheetData>' % ((END_GAP + 10,) * 2)))
    rows = read_rows(path)
    assert len(rows) == 5 and {len(r) for r in rows} == {MAX_COLUMNS}  # the lone cell after the gap: not read
    assert rows[4][:2] == [None, 5] and "far" not in rows[4]
    csv_path = tmp_path / "long.csv"
    csv_path.write_text("imgName,Label\n" + "a.jpg,1\n" + "\n" * (END_GAP + 5) + "late.jpg,0\n")
    assert read_label_file(csv_path) == ({"a.jpg": 1}, [])


def test_too_many_rows_are_refused_in_one_line(tmp_path, monkeypatch):
    import core.data.tables as tables

    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    path = write_label_file(tmp_path / "long.xlsx", ROWS * 2)
    with pytest.raises(DatasetError, match=r"long.xlsx: more than 3 rows; a label file lists one image per row"):
        read_label_file(path)


def test_a_sheet_part_inflating_to_gigabytes_is_refused_before_parsing(tmp_path, monkeypatch):
    import core.data.tables as tables

    monkeypatch.setattr(tables, "MAX_XLSX_PART_BYTES", 20_000)  # the real limit is 256 MB
    path = rewrite_sheet(write_label_file(tmp_path / "zip.xlsx", ROWS), lambda xml: xml.replace(
        b"</sheetData>", b"<row r='9'/>" * 3000 + b"</sheetData>"))
    with pytest.raises(DatasetError, match=r"zip.xlsx: not a usable .xlsx workbook \(its part "
                                           r"xl/worksheets/sheet1.xml inflates to"):
        read_label_file(path)


@pytest.mark.parametrize("damage", [
    lambda xml: xml[: len(xml) // 2],  # cut in the middle of an element
    lambda xml: xml.replace(b"<sheetData>", b"<sheetData><row r='2'><c r='A2'><v>1</c></row>"),
])
def test_broken_sheet_xml_is_one_line_naming_the_file(tmp_path, damage):
    path = rewrite_sheet(write_label_file(tmp_path / "broken.xlsx", ROWS), damage)
    with pytest.raises(DatasetError) as info:
        read_label_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a readable .xlsx file (") and "\n" not in message
    not_zip = tmp_path / "renamed.xlsx"
    not_zip.write_text("imgName,Label\na.jpg,1\n")
    with pytest.raises(DatasetError, match="renamed.xlsx: not a readable .xlsx workbook"):
        read_label_file(not_zip)


def test_find_label_file_walks_past_bombs_and_broken_files(tmp_path):
    rewrite_sheet(write_label_file(tmp_path / "a-bomb.xlsx", ROWS), claim_every_cell)
    rewrite_sheet(write_label_file(tmp_path / "b-broken.xlsx", ROWS), lambda xml: xml[:100])
    good = write_label_file(tmp_path / "c-labels.csv", ROWS)
    code = ("import sys\nfrom pathlib import Path\nfrom core.data.datasets import find_label_file\n"
            "print(find_label_file(Path(sys.argv[1])))\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT,) * 2),
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(tmp_path / "a-bomb.xlsx")  # the bomb's real rows are a good label table
    (tmp_path / "a-bomb.xlsx").unlink()
    assert find_label_file(tmp_path) == good


def test_a_csv_in_a_legacy_code_page_names_the_line(tmp_path):
    """Excel in a Chinese or Western locale saves "CSV" as GBK or Windows-1252: the line that is not UTF-8 is named
    (a UTF-8 file with or without its byte-order mark reads as before)."""
    good = "imgName,Label\nV0001.jpg,1\n病人-2.jpg,0\n"
    for name, data in (("plain.csv", good.encode()), ("bom.csv", b"\xef\xbb\xbf" + good.encode())):
        (tmp_path / name).write_bytes(data)
        assert read_label_file(tmp_path / name) == ({"V0001.jpg": 1, "病人-2.jpg": 0}, [])
    (tmp_path / "gbk.csv").write_bytes(good.encode("gbk"))
    with pytest.raises(DatasetError) as exc:
        read_label_file(tmp_path / "gbk.csv")
    assert str(exc.value) == (f"{tmp_path / 'gbk.csv'}: line 3 is not UTF-8 text (byte 0xb2 at column 1); save the "
                              "table as CSV UTF-8")


def test_a_label_path_that_is_no_file_says_what_it_is(tmp_path):
    os.mkfifo(tmp_path / "fifo.csv")  # opening it would wait for a writer forever
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")
    (tmp_path / "folder.csv").mkdir()
    expected = {"missing.csv": "label file not found", "fifo.csv": "not a label file (not a regular file",
                "loop.csv": "not a label file (a link to a missing file (or a loop of links))",
                "folder.csv": "is a folder, not a label file"}
    for name, message in expected.items():
        with pytest.raises(DatasetError) as exc:
            read_label_file(tmp_path / name)
        assert str(exc.value).startswith(f"{tmp_path / name}: {message}"), str(exc.value)


def test_label_rows_naming_paths_and_a_workbook_without_a_first_sheet_say_so(tmp_path):
    import openpyxl

    from core.data.datasets import labelled_folder
    from tests.synthetic import fundus_image, write_rgb

    images = tmp_path / "images"
    write_rgb(images / "a.jpg", fundus_image(True, 1, size=64))
    write_rgb(tmp_path / "outside.jpg", fundus_image(True, 2, size=64))
    labels = write_label_file(tmp_path / "labels.csv", [(1, "a.jpg", 1), (2, "../outside.jpg", 0)])
    samples, problems = labelled_folder(images, labels)
    assert [s.path.name for s in samples] == ["a.jpg"]
    assert [p.problem for p in problems] == ["labels.csv lists '../outside.jpg', a path, not the name of a file in "
                                             "this folder; not used"]

    wb = openpyxl.Workbook()
    wb.create_sheet("labels").append(["imgName", "Label"])  # the labels on the second sheet
    wb.save(tmp_path / "second.xlsx")
    with pytest.raises(DatasetError, match="the first sheet of the workbook is empty"):
        read_label_file(tmp_path / "second.xlsx")
