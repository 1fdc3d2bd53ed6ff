"""The Diagnosis view's results pane: a drop hint before the first result, then the filter bar and the sortable
results table (gui.diagnosis.results)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.screening.session import Row

from .results import COL_FILE, COL_INDEX, COL_PROBABILITY, COL_VERDICT, FILTERS, ResultsFilter, ResultsModel

DROP_HINT_STYLE = ("QLabel {{ border: 2px dashed {border}; border-radius: 8px; color: {color}; background: {bg};"
                   " font-size: 15px; padding: 24px; }}")
COLUMN_WIDTHS = {COL_INDEX: 54, COL_FILE: 150, COL_PROBABILITY: 105}  # the verdict takes the rest


def _fit_headers(hh: QHeaderView) -> None:
    """Give each fixed column its width, or more when its title (in the language shown, with room for the sort
    arrow) needs it: a cut "PM probability" header lost a letter once its arrow showed."""
    for col, width in COLUMN_WIDTHS.items():
        hh.resizeSection(col, max(width, hh.sectionSizeHint(col)))


class _KeepEnd(QStyledItemDelegate):
    """A file's label shortened at its start ("…a/day1/img1.jpg"): the file name is what must stay readable."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class ResultsPane(QStackedWidget):
    """Page 0: the drop hint; page 1: filter bar and table. ``currentChanged`` when another row is selected."""

    rowChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.results = ResultsModel(self)
        self.proxy = ResultsFilter(self.results, self)
        self.filter_label = QLabel()
        self.filter_combo = QComboBox()
        for mode in FILTERS:
            self.filter_combo.addItem("", mode)
        self.filter_combo.currentIndexChanged.connect(
            lambda i: self.set_filter(self.filter_combo.itemData(i) or "all"))
        self.shown_label = QLabel()
        self.shown_label.setStyleSheet("color: palette(mid);")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.filter_label)
        bar.addWidget(self.filter_combo)
        bar.addStretch(1)
        bar.addWidget(self.shown_label)
        self.table = self._table()
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        self.drop_hint = QLabel()
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setObjectName("dropHint")
        self.set_drag_over(False)
        self.addWidget(self.drop_hint)
        self.addWidget(page)

    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)  # one tab stop: the arrow keys move between rows
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(26)
        hh = table.horizontalHeader()
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # input order until a header is clicked
        table.setSortingEnabled(True)
        hh.setSectionResizeMode(COL_INDEX, QHeaderView.ResizeMode.Fixed)
        for col in COLUMN_WIDTHS:
            if col != COL_INDEX:
                hh.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        _fit_headers(hh)
        # the verdict takes the rest: an error's or an ungradable image's reason is long (whole in its tooltip)
        hh.setSectionResizeMode(COL_VERDICT, QHeaderView.ResizeMode.Stretch)
        table.setItemDelegateForColumn(COL_FILE, _KeepEnd(table))
        self._newly_sorted = False
        hh.sectionPressed.connect(lambda section: setattr(self, "_newly_sorted", section != hh.sortIndicatorSection()))
        hh.sectionClicked.connect(self._clicked)
        table.selectionModel().currentRowChanged.connect(lambda *_: self.rowChanged.emit())
        return table

    def _clicked(self, section: int) -> None:
        """A first click on "PM probability" puts the most probable first, as a screener reads them (and as the
        PDF lists them); later clicks turn the order as usual."""
        if self._newly_sorted and section == COL_PROBABILITY:
            self.table.horizontalHeader().setSortIndicator(section, Qt.SortOrder.DescendingOrder)

    def retranslate(self, drop_text: str) -> None:
        self.drop_hint.setText(drop_text)
        self.filter_label.setText(self.tr("Show:"))
        self.update_filter_texts()
        self.results.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)
        _fit_headers(self.table.horizontalHeader())
        if self.results.rowCount():
            self.results.dataChanged.emit(self.results.index(0, 0), self.results.index(self.results.rowCount() - 1, 3))

    def show_results(self, shown: bool) -> None:
        self.setCurrentIndex(1 if shown else 0)

    def current_row(self) -> Row | None:
        return self.proxy.row(self.table.currentIndex().row())

    def append(self, rows: list[Row]) -> None:
        """Rows that arrived: into the table; the first one shown is selected when none is."""
        self.results.append(rows)
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectionModel().setCurrentIndex(
                self.proxy.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.update_filter_texts()

    def set_filter(self, mode: str) -> None:
        """Show all rows, or only PM ("pm"), not PM ("not_pm"), ungradable ("ungradable") or unreadable
        ("error") ones."""
        self.proxy.set_mode(mode)
        i = self.filter_combo.findData(mode)
        if i != self.filter_combo.currentIndex():
            self.filter_combo.setCurrentIndex(i)
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)
        self.update_filter_texts()
        self.rowChanged.emit()

    def update_filter_texts(self) -> None:
        c = self.results.counts
        n = self.results.rowCount()
        texts = {"all": self.tr("All results ({0})").format(n),
                 "pm": self.tr("PM only ({0})").format(c["pm"]),
                 "not_pm": self.tr("Not PM only ({0})").format(c["not_pm"]),
                 "ungradable": self.tr("Ungradable only ({0})").format(c["ungradable"]),
                 "error": self.tr("Errors only ({0})").format(c["error"])}
        for i in range(self.filter_combo.count()):
            self.filter_combo.setItemText(i, texts[self.filter_combo.itemData(i)])
        shown = self.proxy.rowCount()
        self.shown_label.setText(self.tr("{0} of {1} rows shown").format(shown, n) if shown != n else "")

    def set_drag_over(self, over: bool) -> None:
        """Highlight the drop zone while files are dragged over the view."""
        self.drop_hint.setProperty("dragOver", over)
        self.drop_hint.setStyleSheet(DROP_HINT_STYLE.format(
            border="palette(highlight)" if over else "palette(mid)", color="palette(text)" if over else "palette(mid)",
            bg="palette(alternate-base)" if over else "transparent"))
        self.table.setStyleSheet("QTableView { border: 2px solid palette(highlight); }" if over else "")

    def drag_over(self) -> bool:
        return bool(self.drop_hint.property("dragOver"))
