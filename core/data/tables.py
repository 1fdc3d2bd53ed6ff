"""Rows of a label table (.xlsx or .csv), read with bounds so that a hostile or damaged file is refused quickly in
one line instead of filling memory or raising a parser's traceback (docs/security.md).

- A workbook is a zip archive: its parts may inflate to at most ``MAX_XLSX_PART_BYTES`` each (a sheet or
  shared-strings bomb is refused before openpyxl parses it).
- The sheet's own dimension (``A1:XFD1048576`` claims 17 billion cells) is ignored: openpyxl's read-only mode
  reads the rows that are there (``reset_dimensions``), and only the first ``MAX_COLUMNS`` columns of each.
- Reading stops when the data has ended (``END_GAP`` empty rows in a row: a sheet formatted far below its
  data); more than ``MAX_ROWS`` rows is refused.
- Broken XML, a broken zip, a bad CSV: a DatasetError naming the file, on one line.
"""

from __future__ import annotations

import csv
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..images.imageio import one_line

MAX_ROWS = 200_000  # a label file lists one image per row; PALM has 400 per split
MAX_COLUMNS = 64  # the imgName and Label columns are among the first few
END_GAP = 10_000  # empty rows in a row after which the data has ended
MAX_XLSX_PART_BYTES = 256 << 20
MAX_LINE_BYTES = 1 << 20  # a CSV line is read in pieces of this size at most (csv's own field limit is 128 KB)


class TableError(Exception):
    """A table that cannot be read (the message is one line naming the file)."""


def _blank(row) -> bool:
    return all(c is None or c == "" for c in row)


def bounded_rows(path: Path, rows: Iterable) -> list[list]:
    """The rows up to the end of the data (``END_GAP`` blank rows), at most MAX_COLUMNS wide; a TableError past
    MAX_ROWS or when the parser fails on the way."""
    out: list[list] = []
    gap = 0
    try:
        for row in rows:
            row = list(itertools.islice(row, MAX_COLUMNS))
            gap = gap + 1 if _blank(row) else 0
            if gap >= END_GAP:
                break
            if len(out) >= MAX_ROWS:
                raise TableError(f"{path}: more than {MAX_ROWS} rows; a label file lists one image per row")
            out.append(row)
    except TableError:
        raise
    except Exception as exc:  # ParseError, BadZipFile, csv.Error, UnicodeDecodeError, …: a damaged file
        raise TableError(one_line(f"{path}: not a readable {path.suffix.lower()} file "
                                  f"({type(exc).__name__}: {exc})")) from None
    while out and _blank(out[-1]):
        out.pop()
    return out


def _check_parts(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            big = next((i for i in z.infolist() if i.file_size > MAX_XLSX_PART_BYTES), None)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise TableError(one_line(f"{path}: not a readable .xlsx workbook ({exc})")) from None
    if big is not None:
        raise TableError(f"{path}: not a usable .xlsx workbook (its part {big.filename[:80]} inflates to "
                         f"{big.file_size:,} bytes; the limit is {MAX_XLSX_PART_BYTES >> 20} MB)")


def _xlsx_rows(path: Path) -> Iterator[tuple]:
    import openpyxl

    _check_parts(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise TableError(one_line(f"{path}: not a readable .xlsx workbook ({exc})")) from None
    try:
        sheet = wb.worksheets[0]
        sheet.reset_dimensions()  # the rows that are there, not the ones the dimension claims
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    finally:
        wb.close()


def _csv_rows(path: Path) -> Iterator[list]:
    yield from csv.reader(_utf8_lines(path))


def _utf8_lines(path: Path) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 (a CSV saved in a legacy code page) is a TableError
    naming it, so the user knows where to look. Lines are read in pieces of at most MAX_LINE_BYTES."""
    with open(path, "rb") as f:
        for n, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES), b""), start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TableError(f"{path}: line {n} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at column "
                                 f"{exc.start + 1}); save the table as CSV UTF-8") from None
            yield line.removeprefix("\ufeff") if n == 1 else line


def read_rows(path: str | Path) -> list[list]:
    """The rows of an .xlsx (first sheet, values only: formulas are not evaluated) or .csv file."""
    path = Path(path)
    return bounded_rows(path, _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path))
