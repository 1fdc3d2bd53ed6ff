"""The Diagnosis view's results: a table model of every diagnosed file and a sort/filter proxy over it.

Rows (core.screening.session.Row) arrive in chunks (``append``) while a batch runs; the proxy keeps the chosen
sort order and filter as they arrive, so a table of 10,000 results stays responsive (a QTableView only asks for
the rows on screen). File names are shown as core.images.textsafe gives them (control characters and bidi
overrides escaped): a name cannot pass for another.
"""

from __future__ import annotations

from collections import Counter
from functools import cmp_to_key
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont

from core.screening.names import distinct_labels
from core.screening.report import percent as probability_text  # "> 99.9 %" rather than a flat 100 %, as in reports
from core.screening.session import Row
from core.screening.verdicts import CATEGORIES, category, judged, ungradable

from ..palette import MUTED_COLOR, verdict_color
from ..reasons import error_text, quality_text

COL_INDEX, COL_FILE, COL_PROBABILITY, COL_VERDICT = range(4)
SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2

# What the filter can show: every row, or only one kind.
FILTERS = ("all", *CATEGORIES)
SORT_BASE = {"pm": 3.0, "not_pm": 2.0, "ungradable": 1.0, "error": 0.0}  # the verdict column's order


def why_ungradable(pred) -> str:
    """Why an image is ungradable, in the current language (the engine's measure and limit in brackets)."""
    q = pred.quality
    return pred.quality_text if q is None or q.ok else quality_text(q)


def shown_name(pred) -> str:
    """The file's name as shown to the user (core.images.textsafe.shown)."""
    return Path(pred.shown_path).name


class ResultsModel(QAbstractTableModel):
    """One row per diagnosed file: number, file name, PM probability, verdict (or why there is none)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[Row] = []
        self.counts: Counter = Counter()  # category -> rows
        self._folders: dict[str, set[str]] = {}  # file name -> the shown paths that have it
        self._labels: dict[str, str] = {}  # shown path -> its label, for names found in several folders

    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self.counts = Counter()
        self._folders, self._labels = {}, {}
        self.endResetModel()

    def append(self, rows: list[Row]) -> None:
        if not rows:
            return
        n = len(self.rows)
        self.beginInsertRows(QModelIndex(), n, n + len(rows) - 1)
        self.rows += rows
        self.counts.update(category(r.pred) for r in rows)
        relabel = self._note_paths(rows)
        self.endInsertRows()
        if relabel and n:  # earlier rows of a name now found elsewhere too show their folders from now on
            self.dataChanged.emit(self.index(0, COL_FILE), self.index(n - 1, COL_FILE))

    def _note_paths(self, rows: list[Row]) -> bool:
        """Record the new rows' paths; True when a name is now in more folders than before."""
        grown = set()
        for r in rows:
            path = r.pred.shown_path
            paths = self._folders.setdefault(shown_name(r.pred), set())
            if path not in paths:
                paths.add(path)
                if len(paths) > 1:
                    grown.add(shown_name(r.pred))
        for name in grown:
            self._labels.update(distinct_labels(self._folders[name]))
        return bool(grown)

    def file_label(self, pred) -> str:
        """The file's name, with as much of its folder as tells it from another file of that name."""
        return self._labels.get(pred.shown_path) or shown_name(pred)

    def predictions(self) -> list:
        return [r.pred for r in self.rows]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ["#", self.tr("File"), self.tr("PM probability"), self.tr("Verdict")][section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return [self.tr("Order in which the images were given"), None,
                    self.tr("Probability of pathologic myopia"), None][section]
        return None

    def verdict_text(self, pred) -> str:
        if pred.error:
            return self.tr("Error: {0}").format(error_text(pred.error))
        if ungradable(pred):
            return self.tr("Ungradable — retake: {0}").format(why_ungradable(pred))
        return self.tr("PM") if pred.pm else self.tr("not PM")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        pred = row.pred
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_INDEX:
                return row.number
            if col == COL_FILE:
                return self.file_label(pred)
            if col == COL_PROBABILITY:
                return "–" if pred.probability is None else probability_text(pred.probability)
            return self.verdict_text(pred)
        if role == SortRole:
            if col == COL_INDEX:
                return row.number
            if col == COL_FILE:  # by name; files of one name together, in the order of their folders
                return f"{shown_name(pred).lower()}\0{self.file_label(pred).lower()}"
            if col == COL_PROBABILITY:
                return -1.0 if pred.probability is None else float(pred.probability)
            # verdict: PM (most probable first when descending), not PM, ungradable, error
            return SORT_BASE[category(pred)] + (0.0 if pred.probability is None else float(pred.probability)) * 0.999
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == COL_VERDICT:
                return verdict_color(pred)
            if col == COL_INDEX:
                return MUTED_COLOR
            return None
        if role == Qt.ItemDataRole.FontRole and col == COL_VERDICT and judged(pred):
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{pred.shown_path}\n{self.verdict_text(pred)}" if not judged(pred) else pred.shown_path
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_INDEX, COL_PROBABILITY):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return pred
        if role == RowRole:
            return row
        return None

    def errors(self) -> int:
        return self.counts["error"]

    def ungradable(self) -> int:
        return self.counts["ungradable"]

    def pm(self) -> int:
        return self.counts["pm"]


class ResultsFilter(QSortFilterProxyModel):
    """Sorts by each column's natural key (SortRole) and shows all rows or only PM / not PM / ungradable / error
    rows."""

    def __init__(self, source: ResultsModel, parent=None):
        super().__init__(parent)
        self.mode = "all"
        self.setSourceModel(source)
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    def set_mode(self, mode: str) -> None:
        if mode not in FILTERS:
            raise ValueError(f"filter must be one of {FILTERS}, got {mode!r}")
        if mode == self.mode:
            return
        self.beginFilterChange()
        self.mode = mode
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        if self.mode == "all":
            return True
        return category(self.sourceModel().rows[source_row].pred) == self.mode

    def row(self, proxy_row: int) -> Row | None:
        """The Row shown at ``proxy_row``, or None."""
        if not 0 <= proxy_row < self.rowCount():
            return None
        src = self.mapToSource(self.index(proxy_row, 0))
        return self.sourceModel().rows[src.row()] if src.isValid() else None

    def shown_rows(self) -> list[Row]:
        """The rows the table shows, in the order it shows them."""
        rows = self.sourceModel().rows
        return [rows[self.mapToSource(self.index(i, 0)).row()] for i in range(self.rowCount())]

    def all_rows(self) -> list[Row]:
        """Every row, shown by the filter or not, in the order the table sorts them (input order when unsorted)."""
        source, col = self.sourceModel(), self.sortColumn()
        order = list(range(len(source.rows)))
        if col >= 0:
            cells = [source.index(i, col) for i in order]
            order.sort(key=cmp_to_key(lambda a, b: -1 if self.lessThan(cells[a], cells[b])
                                      else int(self.lessThan(cells[b], cells[a]))),
                       reverse=self.sortOrder() == Qt.SortOrder.DescendingOrder)
        return [source.rows[i] for i in order]

    def proxy_row_of(self, source_row: int) -> int:
        return self.mapFromSource(self.sourceModel().index(source_row, 0)).row()
