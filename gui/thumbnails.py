"""Asynchronous, cached image thumbnails and the data set grid's model and delegate.

Decoding happens on background threads (OpenCV releases the GIL); the most recently requested images are
decoded first (the ones now on screen when the user scrolls fast) and stale requests are dropped, so a grid
of 10,000 images scrolls without waiting for decoding.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

from core.images.imageio import ImageError
from core.images.reader import read_image


def to_qimage(rgb: np.ndarray) -> QImage:
    """An RGB uint8 array as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def fit(rgb: np.ndarray, size: int) -> np.ndarray:
    """Shrink to fit a ``size`` x ``size`` box keeping the aspect ratio (never enlarged)."""
    h, w = rgb.shape[:2]
    scale = min(1.0, size / max(h, w))
    if scale >= 1.0:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


class ThumbnailLoader(QObject):
    """Decodes images to at most ``size`` px on worker threads; an LRU cache keeps ``capacity`` of them."""

    loaded = Signal(str)  # path; image(path) now returns it
    failed = Signal(str, str)  # path, problem

    def __init__(self, size: int = 112, threads: int = 2, capacity: int = 3000, max_queue: int = 400,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.size = size
        self.capacity = capacity
        self.max_queue = max_queue
        self._cache: collections.OrderedDict[str, QImage] = collections.OrderedDict()
        self._sizes: dict[str, tuple[int, int]] = {}  # original (width, height)
        self._errors: dict[str, str] = {}
        self._queue: collections.OrderedDict[str, None] = collections.OrderedDict()  # newest last
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"pmscreen-thumbs-{i}", daemon=True)
                         for i in range(threads)]
        for t in self._threads:
            t.start()

    # ---------------------------------------------------------------- UI thread
    def image(self, path: str) -> QImage | None:
        """The cached thumbnail, or None after queueing it for decoding (``loaded`` follows)."""
        with self._lock:
            img = self._cache.get(path)
            if img is not None:
                self._cache.move_to_end(path)
                return img
            if path in self._errors or path in self._busy:
                return None
            self._queue.pop(path, None)
            self._queue[path] = None  # (re)queued as the newest request
            while len(self._queue) > self.max_queue:
                self._queue.popitem(last=False)  # scrolled past long ago: drop
            self._wake.notify()
        return None

    def cached(self, path: str) -> QImage | None:
        with self._lock:
            return self._cache.get(path)

    def original_size(self, path: str) -> tuple[int, int] | None:
        return self._sizes.get(path)

    def error(self, path: str) -> str | None:
        return self._errors.get(path)

    def clear_queue(self) -> None:
        with self._lock:
            self._queue.clear()

    def pending(self) -> int:
        with self._lock:
            return len(self._queue) + len(self._busy)

    def shutdown(self, timeout: float = 2.0) -> None:
        with self._lock:
            self._closed = True
            self._queue.clear()
            self._wake.notify_all()
        for t in self._threads:
            t.join(timeout)

    # ---------------------------------------------------------------- worker threads
    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                path, _ = self._queue.popitem(last=True)  # newest first
                self._busy.add(path)
            try:
                rgb = read_image(path)
                img, size, problem = to_qimage(fit(rgb, self.size)), (rgb.shape[1], rgb.shape[0]), None
            except ImageError as exc:
                img, size, problem = None, None, exc.problem
            except Exception as exc:  # an unexpected decoder failure must not kill the thread
                img, size, problem = None, None, f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._busy.discard(path)
                if self._closed:
                    return
                if img is not None:
                    self._cache[path] = img
                    self._sizes[path] = size
                    while len(self._cache) > self.capacity:
                        self._cache.popitem(last=False)
                else:
                    self._errors[path] = problem
            try:
                if img is not None:
                    self.loaded.emit(path)
                else:
                    self.failed.emit(path, problem)
            except RuntimeError:  # the loader object was deleted
                return


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


PM_COLOR = QColor("#c62828")
NON_PM_COLOR = QColor("#2e7d32")
ERROR_COLOR = QColor("#757575")
UNGRADABLE_COLOR = QColor("#e65100")
_CLASS_COLORS = [NON_PM_COLOR, PM_COLOR, QColor("#1565c0"), QColor("#ef6c00"), QColor("#6a1b9a")]


def class_color(label: int) -> QColor:
    """Label 0 green, 1 red (non-PM, PM in a two-class data set), then other colours."""
    return _CLASS_COLORS[label % len(_CLASS_COLORS)]


def badge_text(item: Item) -> str:
    """The finer class (P, H, N) when there is one, else the class name."""
    tag = item.sample.tag
    return item.class_name if tag == str(item.sample.label) else tag


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
            painter.setPen(QColor("#9e9e9e"))
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
