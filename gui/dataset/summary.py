"""The Dataset view's tabs: counts per class and split (with the layout and the check for unreadable images), and
the problems found while reading the data set; and the names of classes, tags and splits in the current language."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.data.summary import class_counts
from core.images.textsafe import shown

# Where the validation images come from, as core.data.datasets (and core.training.cv, for a fold) words it in
# English: the same phrases in the user's language; a text no pattern knows is shown as it is.
SOURCES = (
    (re.compile(r"(.+) labelled by (.+)"), QT_TRANSLATE_NOOP("DatasetSource", "{0} labelled by {1}")),
    (re.compile(r"stratified (\d+)% of (.+) \(seed (\d+)\)"),
     QT_TRANSLATE_NOOP("DatasetSource", "stratified {0}% of {1} (seed {2})")),
    (re.compile(r"stratified (\d+)% \(seed (\d+)\)"), QT_TRANSLATE_NOOP("DatasetSource", "stratified {0}% (seed {1})")),
    (re.compile(r"fold (\d+) of (\d+) of (\d+) pooled images"),
     QT_TRANSLATE_NOOP("DatasetSource", "fold {0} of {1} of {2} pooled images")),
)


def validation_source(text: str) -> str:
    """``Dataset.val_source`` in the current language."""
    for pattern, template in SOURCES:
        m = pattern.fullmatch(text)
        if m:
            return QCoreApplication.translate("DatasetSource", template).format(*m.groups())
    return text


class DatasetSummary(QTabWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.counts = QTableWidget(0, 3)
        self.counts.verticalHeader().hide()
        self.counts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.counts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.counts.setWordWrap(False)
        self.counts.setShowGrid(False)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        self.check_button = QPushButton()
        counts_box = QWidget()
        cl = QVBoxLayout(counts_box)
        cl.setContentsMargins(4, 4, 4, 4)
        cl.addWidget(self.counts, 1)
        cl.addWidget(self.source_label)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_label, 1)
        check_row.addWidget(self.check_button)
        cl.addLayout(check_row)
        self.problems = QTreeWidget()
        self.problems.setColumnCount(2)
        self.problems.setRootIsDecorated(False)
        self.problems.setAlternatingRowColors(True)
        self.problems.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.addTab(counts_box, "")
        self.addTab(self.problems, "")

    def retranslate(self) -> None:
        self.counts.setHorizontalHeaderLabels([self.tr("Class"), self.tr("Training"), self.tr("Validation")])
        self.problems.setHeaderLabels([self.tr("File"), self.tr("Problem")])

    # ---------------------------------------------------------------- names in the current language
    def tag_description(self, tag: str) -> str:
        return {"P": self.tr("pathologic myopia"), "H": self.tr("high myopia"), "N": self.tr("normal")}.get(tag, "")

    def class_display(self, name: str) -> str:
        return {"PM": self.tr("PM"), "non-PM": self.tr("non-PM")}.get(name, name)

    def split_display(self, split: str) -> str:
        return self.tr("training") if split == "train" else self.tr("validation")

    # ---------------------------------------------------------------- counts and problems
    def fill(self, ds, unreadable: list) -> None:
        """The counts and problems of ``ds`` (None: nothing open), with the ``unreadable`` files found so far."""
        rows = class_counts(ds)
        self.counts.setRowCount(len(rows) + (1 if ds else 0))
        for r, (key, (tr, va)) in enumerate(rows.items()):
            if "/" in key:
                tag = key.split("/", 1)[1]
                desc = self.tag_description(tag)
                text = f"    {tag}" + (f" ({desc})" if desc else "")
            else:
                text = self.class_display(key)
            self._set_row(r, text, tr, va, bold="/" not in key)
        if ds:
            self._set_row(len(rows), self.tr("Total"), len(ds.train), len(ds.val), bold=True)
            layout = self.tr("PALM (labels from file names and the label file)") if ds.layout == "palm" \
                else self.tr("one folder per class")
            self.source_label.setText(self.tr("Layout: {0}\nValidation: {1}").format(
                layout, validation_source(ds.val_source)))
        else:
            self.source_label.setText("")
        self._fit_counts()
        self.problems.clear()
        self.setTabText(1, self.tr("Problems"))
        if ds:
            self.add_problems(ds.problems + unreadable)
        self.setTabText(0, self.tr("Counts"))

    def needed_height(self) -> int:
        """The height the Counts tab needs at its current width: the whole table, the notes wrapped, the check
        row, and the tab bar."""
        box = self.widget(0)
        lay = box.layout()
        m = lay.contentsMargins()
        width = max(1, box.width() - m.left() - m.right())
        button = self.check_button.sizeHint()
        check = max(self.check_label.heightForWidth(max(1, width - button.width() - lay.spacing())), button.height())
        frame = self.style().pixelMetric(self.style().PixelMetric.PM_DefaultFrameWidth)
        return (self.tabBar().sizeHint().height() + 2 * frame + m.top() + m.bottom() + self.counts.minimumHeight()
                + 2 * lay.spacing() + self.source_label.heightForWidth(width) + check)

    def _fit_counts(self) -> None:
        """The counts table is as tall as its rows: the preview above gives way (GUI round: in Chinese the notes
        below wrap to more lines, and the table scrolled with its Total row cut)."""
        t = self.counts
        rows = sum(t.rowHeight(r) for r in range(t.rowCount()))
        t.setMinimumHeight(t.horizontalHeader().sizeHint().height() + rows + 2 * t.frameWidth())

    def _set_row(self, r: int, text: str, tr: int | None, va: int | None, bold: bool) -> None:
        for c, val in enumerate((text, *("–" if n is None else str(n) for n in (tr, va)))):
            item = QTableWidgetItem(val)
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            f = item.font()
            f.setBold(bold)
            item.setFont(f)
            self.counts.setItem(r, c, item)

    def add_problems(self, problems) -> None:
        from ..reasons import error_text

        for p in problems:
            problem = error_text(p.problem)  # an unreadable image's reason in the current language
            item = QTreeWidgetItem([shown(Path(p.path).name), problem])  # a name cannot pass for another
            item.setToolTip(0, shown(p.path))
            item.setToolTip(1, problem)
            self.problems.addTopLevelItem(item)
        self.setTabText(1, self.tr("Problems ({0})").format(self.problems.topLevelItemCount()))

    def show_check(self, has_dataset: bool, checking: bool, done: int, total: int, unreadable: int,
                   copies: int = 0) -> None:
        """How far the check for unreadable images (and identical copies) has come."""
        if not has_dataset:
            text = ""
        elif checking:
            text = self.tr("Checking that every image can be read: {0} of {1}…").format(done, total)
        elif done >= total and copies:
            text = self.tr("All {0} images decoded: {1} unreadable, {2} identical copies of other images (see "
                           "Problems).").format(total, unreadable, copies)
        elif done >= total:
            text = self.tr("All {0} images decoded: {1} unreadable.").format(total, unreadable)
        else:
            text = self.tr("Images are checked when shown; check all {0} to find unreadable files.").format(total)
        self.check_label.setText(text)
        self.check_button.setText(self.tr("Check all images"))
        self.check_button.setVisible(has_dataset and not checking and done < total)
