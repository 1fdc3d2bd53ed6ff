"""The data set grid: a list model of a data set's images (filtered by split and class, thumbnails from a
gui.thumbnails.ThumbnailLoader) and the delegate that paints each as a thumbnail with a class badge and its name."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

from ..palette import MUTED_COLOR, class_color
from ..thumbnails import ThumbnailLoader
from ..widgets import class_shown


@dataclass(frozen=True)
class Item:
    sample: object  # core.data.datasets.Sample
    split: str  # "train" | "val"
    class_name: str


PathRole = Qt.ItemDataRole.UserRole + 1
ItemRole = Qt.ItemDataRole.UserRole + 2


class ThumbnailModel(QAbstractListModel):
    """The images of a data set, filtered by split and class; thumbnails come from a ThumbnailLoader."""

    def __init__(self, loader: ThumbnailLoader, parent: QObject | None = None):
        super().__init__(parent)
        self.loader = loader
        self._all: list[Item] = []
        self._rows: list[Item] = []
        self._row_of: dict[str, int] = {}
        self.split_filter = "all"  # all | train | val
        self.class_filter: tuple[str, str] = ("all", "")  # ("all", ""), ("label", name), ("tag", tag)
        loader.loaded.connect(self._refresh_path)
        loader.failed.connect(lambda path, _: self._refresh_path(path))

    def set_dataset(self, dataset) -> None:
        self.loader.clear_queue()
        names = dataset.class_names if dataset else ()
        items = []
        if dataset is not None:
            for split in ("train", "val"):
                items += [Item(s, split, names[s.label] if s.label < len(names) else str(s.label))
                          for s in getattr(dataset, split)]
        self._all = items
        self._apply()

    def set_filter(self, split: str | None = None, class_filter: tuple[str, str] | None = None) -> None:
        if split is not None:
            self.split_filter = split
        if class_filter is not None:
            self.class_filter = class_filter
        self._apply()

    def _accepts(self, it: Item) -> bool:
        if self.split_filter != "all" and it.split != self.split_filter:
            return False
        kind, key = self.class_filter
        if kind == "label":
            return it.class_name == key
        if kind == "tag":
            return it.sample.tag == key
        return True

    def _apply(self) -> None:
        self.beginResetModel()
        self._rows = [it for it in self._all if self._accepts(it)]
        self._row_of = {str(it.sample.path): i for i, it in enumerate(self._rows)}
        self.endResetModel()

    def total(self) -> int:
        return len(self._all)

    def item(self, row: int) -> Item:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        it = self._rows[index.row()]
        path = str(it.sample.path)
        if role == Qt.ItemDataRole.DisplayRole:
            return it.sample.path.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.loader.image(path)
        if role == Qt.ItemDataRole.ToolTipRole:
            split = self.tr("training") if it.split == "train" else self.tr("validation")
            return f"{it.sample.path.name}\n{it.class_name} ({it.sample.tag}) · {split}"
        if role == PathRole:
            return path
        if role == ItemRole:
            return it
        return None

    def _refresh_path(self, path: str) -> None:
        row = self._row_of.get(path)
        if row is not None:
            ix = self.index(row)
            self.dataChanged.emit(ix, ix, [Qt.ItemDataRole.DecorationRole])


def badge_text(item: Item) -> str:
    """The finer class (P, H, N) when there is one, else the class name (PM and non-PM in the current language,
    as the counts table names them: they stayed English in Chinese)."""
    tag = item.sample.tag
    if tag != str(item.sample.label):
        return tag
    return class_shown(item.class_name)


class ThumbnailDelegate(QStyledItemDelegate):
    """Thumbnail, a coloured class badge (its letter) and the file name, in a fixed-size cell."""

    def __init__(self, thumb: int = 112, parent: QObject | None = None):
        super().__init__(parent)
        self.thumb = thumb

    def sizeHint(self, option, index) -> QSize:
        return QSize(self.thumb + 12, self.thumb + 30)

    def paint(self, painter: QPainter, option, index) -> None:
        item: Item = index.data(ItemRole)
        if item is None:
            return
        painter.save()
        r = option.rect
        pal = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(r, pal.color(QPalette.ColorRole.Highlight))
        box = QRect(r.x() + 6, r.y() + 6, self.thumb, self.thumb)
        painter.fillRect(box, QColor("#111111"))
        img = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(img, QImage) and not img.isNull():
            target = QRect(0, 0, img.width(), img.height())
            target.moveCenter(box.center())
            painter.drawImage(target, img)
        else:
            painter.setPen(MUTED_COLOR)
            error = index.model().loader.error(str(item.sample.path)) if hasattr(index.model(), "loader") else None
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "✕" if error else "…")
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        text = badge_text(item)
        badge = QRect(box.x() + 3, box.y() + 3, min(self.thumb - 6, painter.fontMetrics().horizontalAdvance(text) + 10),
                      painter.fontMetrics().height() + 4)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(class_color(item.sample.label))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.setFont(option.font)
        text_role = QPalette.ColorRole.HighlightedText if option.state & QStyle.StateFlag.State_Selected \
            else QPalette.ColorRole.Text
        painter.setPen(pal.color(text_role))
        text_rect = QRect(r.x() + 2, box.bottom() + 4, r.width() - 4, r.bottom() - box.bottom() - 4)
        name = option.fontMetrics.elidedText(item.sample.path.name, Qt.TextElideMode.ElideMiddle, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, name)
        painter.restore()
