"""Small shared widgets: an image label that scales with its size, a combo box eliding in the middle, helpers."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QUrl
from PySide6.QtGui import QImage, QPixmap, QValidator
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)


class ImageLabel(QLabel):
    """Shows a QImage scaled to fit, keeping its aspect ratio; a text when there is no image."""

    def __init__(self, parent: QWidget | None = None, minimum: int = 160):
        super().__init__(parent)
        self._image: QImage | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._style(False)

    def _style(self, dark: bool) -> None:
        self.setStyleSheet("background: #111; color: #bbb; border-radius: 4px;" if dark else
                           "background: palette(base); color: palette(mid); border: 1px solid palette(midlight);"
                           " border-radius: 4px;")

    def set_image(self, image: QImage | None, text: str = "") -> None:
        self._image = image if image is not None and not image.isNull() else None
        self._style(self._image is not None)
        if self._image is None:
            self.setPixmap(QPixmap())
            self.setText(text)
        else:
            self.setText("")
            self._rescale()

    def image(self) -> QImage | None:
        return self._image

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image is None:
            return
        size = self.size() - QSize(8, 8)
        self.setPixmap(QPixmap.fromImage(self._image).scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                             Qt.TransformationMode.SmoothTransformation))

    def sizeHint(self) -> QSize:
        return QSize(320, 320)


class VerticalScrollArea(QScrollArea):
    """A scroll area for a column of settings: it scrolls up and down only, and is never narrower than its widget's
    minimum width plus the vertical scroll bar, whose width is always kept free.

    A fixed minimum width let the widget grow wider than the viewport: with the horizontal bar hidden, moving the
    focus (Tab) to a field cut at the right edge still scrolled the whole column sideways, clipping the labels; and
    a vertical bar that appeared took its width from the viewport, so the fields' right ends sat under it."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)  # QScrollArea filters the widget's events: LayoutRequest reaches eventFilter

    def _chrome(self) -> int:
        return self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    def minimumSizeHint(self) -> QSize:
        hint, w = super().minimumSizeHint(), self.widget()
        return QSize(w.minimumSizeHint().width() + self._chrome(), hint.height()) if w is not None else hint

    def sizeHint(self) -> QSize:
        hint, w = super().sizeHint(), self.widget()
        if w is None:
            return hint
        return QSize(max(w.sizeHint().width(), w.minimumSizeHint().width()) + self._chrome(), hint.height())

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # its width may have changed (polish, language, a row shown or hidden)
        return super().eventFilter(watched, event)


class CompactDoubleSpinBox(QDoubleSpinBox):
    """A number box showing its value in a general format, "0.001" or "1e-05" rather than "0.001000" (``decimals``
    is still the precision it keeps); it reads what it shows, and what one types in either form."""

    def textFromValue(self, value: float) -> str:
        return self.locale().toString(float(value), "g", 10)

    def valueFromText(self, text: str) -> float:
        value, ok = self.locale().toDouble(text.strip())
        return value if ok else self.value()

    def validate(self, text: str, pos: int):
        value, ok = self.locale().toDouble(text.strip())
        if ok:
            state = QValidator.State.Acceptable if self.minimum() <= value <= self.maximum() \
                else QValidator.State.Intermediate
        elif re.fullmatch(r"[\d.,eE+-]*", text.strip()):  # on its way to a number: "", "1e", "2e-"
            state = QValidator.State.Intermediate
        else:
            state = QValidator.State.Invalid
        return state, text, pos


def local_paths(mime) -> list[Path]:
    """Local files and folders of a drag's MIME data (URLs), in order."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if isinstance(u, QUrl) and u.isLocalFile()]


def is_language_change(event: QEvent) -> bool:
    return event.type() == QEvent.Type.LanguageChange


def class_shown(name: str) -> str:
    """A class name as the GUI shows it: PALM's PM and non-PM in the current language (as the data set's counts
    table names them), a class folder's own name as it is."""
    return QCoreApplication.translate("DatasetSummary", name) if name in ("PM", "non-PM") else name


def percent(x: float | None, digits: int = 1) -> str:
    return "–" if x is None or x != x else f"{100 * x:.{digits}f} %"


def duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ElidingComboBox(QComboBox):
    """A combo box that shortens a long current text in the middle ("ResNet-18-D — 2026…-0412-r3") instead of
    cutting its end, shows the whole text as its tooltip, and opens a list wide enough for the longest entry."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.currentIndexChanged.connect(self._update_tooltip)

    def _update_tooltip(self, *_) -> None:
        self.setToolTip(self.currentText())

    def shown_text(self) -> str:
        """The current text as painted (elided to the field's width)."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideMiddle, max(0, field.width()))

    def paintEvent(self, event) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        opt.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)

    def showPopup(self) -> None:
        widest = max((self.fontMetrics().horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        screen = self.screen().availableGeometry().width() if self.screen() else 1280
        self.view().setMinimumWidth(min(screen - 40, widest + 48))
        super().showPopup()


def breakable(text: str) -> str:
    """``text`` with zero-width spaces after path separators and underscores and inside long unbroken runs, so that
    a word-wrapped label can break a long file path or error message instead of growing wider than its window
    (text that breaks at its spaces is left as it is)."""
    text = re.sub(r"([/\\_])(?=\S)", "\\1\u200b", text)
    return re.sub(r"([^\s\u200b]{24})(?=[^\s\u200b])", "\\1\u200b", text)


def numerus(text: str, n: int) -> str:
    """A text translated with a count, ``tr("%n epoch(s)", "", n)``, in English when no translation took it
    ("1 epoch", "3 epochs"): Qt fills in %n but leaves the "(s)"."""
    return text.replace("(s)", "" if n == 1 else "s")


def plural(n: int, one: str, many: str) -> str:
    """``one`` (already translated, without a number) when ``n`` is 1, else ``many`` with ``n`` for {0}."""
    return one if n == 1 else many.format(n)


class WheelScrollsForm(QObject):
    """Event filter for the spin boxes and combo boxes of a scrolling form: the mouse wheel changes one only once it
    has focus (clicked or tabbed to); otherwise it scrolls the form. A user scrolling down a form changed the colour
    jitter and the run mode under the pointer without noticing."""

    def guard(self, widget: QWidget) -> None:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone never gives it focus
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.Wheel or obj.hasFocus():
            return False
        area = obj.parent()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parent()
        if area is not None:
            QCoreApplication.sendEvent(area.verticalScrollBar(), event)
        return True

