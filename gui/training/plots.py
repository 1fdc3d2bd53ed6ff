"""The loss and metric plots. A live run appends each event's numbers to growing arrays and the plots redraw
from them on a timer (as pyqtgraph's own examples do), not on every event: a long run costs the UI the same
per redraw as a short one. A saved run is drawn once."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QSplitter, QWidget

TRAIN_COLOR, VAL_COLOR, ACC_COLOR, AUC_COLOR = "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"
REDRAW_MS = 150  # about 7 redraws a second while a run goes


class Column:
    """A float array that grows by appending (capacity doubles), read as a view of what was appended."""

    def __init__(self):
        self._data = np.empty(64)
        self._n = 0

    def append(self, value) -> None:
        if self._n == len(self._data):
            self._data = np.concatenate([self._data, np.empty(len(self._data))])
        self._data[self._n] = math.nan if value is None else value
        self._n += 1

    @property
    def values(self) -> np.ndarray:
        return self._data[:self._n]

    def __len__(self) -> int:
        return self._n

    def __iter__(self):
        return iter(self.values.tolist())


class Series:
    """What the plots show: the training loss per batch (live) or per epoch (saved), and per-epoch validation."""

    KEYS = ("batch_x", "batch_loss", "epochs", "train_loss", "val_loss", "accuracy", "auc")

    def __init__(self):
        for key in self.KEYS:
            setattr(self, key, Column())

    def add_batch(self, x: float, loss: float) -> None:
        self.batch_x.append(x)
        self.batch_loss.append(loss)

    def add_epoch(self, epoch: int, train_loss: float, val: dict) -> None:
        self.epochs.append(epoch)
        self.train_loss.append(train_loss)
        self.val_loss.append(val.get("loss", math.nan))
        self.accuracy.append(val.get("accuracy", math.nan))
        self.auc.append(val.get("auc", math.nan))

    @classmethod
    def from_history(cls, history: list[dict]) -> Series:
        s = cls()
        for h in history:
            s.add_epoch(h.get("epoch"), h.get("train_loss", math.nan), h)
        return s


LEGEND_BAND = 0.45  # room above the highest loss, as a fraction of the data's span: the legend's two lines
LOSS_PAD_BELOW = 0.08  # and below the lowest, so its marker is whole


class TrainingPlots(QSplitter):
    """Loss (training and validation) beside validation accuracy and AUC, by epoch."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.loss_plot = pg.PlotWidget()
        self.metric_plot = pg.PlotWidget()
        for p, corner in ((self.loss_plot, (-10, 10)), (self.metric_plot, (-10, -10))):
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setMenuEnabled(False)
            p.addLegend(offset=corner)  # loss: top right; metrics (rising towards 1): bottom right
            p.setMinimumHeight(180)
        self.metric_plot.setYRange(0, 1.06, padding=0)  # room above 100 % for whole markers
        # the loss range follows the data (_fit_loss_range): room below it, and a band above it for the legend
        marker = dict(symbolSize=7, symbolPen=None, connect="finite")
        self.train_curve = self.loss_plot.plot([], [], pen=pg.mkPen(TRAIN_COLOR, width=1.5), connect="finite",
                                               name=" ", symbolSize=5, symbolPen=None, symbolBrush=TRAIN_COLOR)
        self.val_curve = self.loss_plot.plot([], [], pen=pg.mkPen(VAL_COLOR, width=2), symbol="o",
                                             symbolBrush=VAL_COLOR, name=" ", **marker)
        self.acc_curve = self.metric_plot.plot([], [], pen=pg.mkPen(ACC_COLOR, width=2), symbol="o",
                                               symbolBrush=ACC_COLOR, name=" ", **marker)
        self.auc_curve = self.metric_plot.plot([], [], pen=pg.mkPen(AUC_COLOR, width=2), symbol="t",
                                               symbolBrush=AUC_COLOR, name=" ", **{**marker, "symbolSize": 8})
        # a saved run without curves (the bundled model, a CV kept without its folds): said, not blank axes that
        # kept the previous run's range
        self.empty_note = pg.TextItem("", color=(110, 110, 110), anchor=(0.5, 0.5))
        self.empty_note.setZValue(10)
        self.empty_note.hide()  # until a saved run without curves is shown (it showed, cut, before any run)
        self.loss_plot.addItem(self.empty_note, ignoreBounds=True)
        # kept in the middle whatever the range becomes (placed once, it sat at the bottom left, cut, once the
        # plot was laid out)
        self.loss_plot.getViewBox().sigRangeChanged.connect(self._place_note)
        self.addWidget(self.loss_plot)
        self.addWidget(self.metric_plot)
        self.splitterMoved.connect(lambda *_: self._fit_titles())
        self.live = self.series = Series()  # the series being grown, and the one shown
        self.per_batch = True
        self.epochs = 1  # the x axis spans this many epochs
        self.fold: tuple[int, int] | None = None  # (fold, folds) of a cross-validation's curves
        self._texts = {}
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._tick)

    # ---------------------------------------------------------------- live
    def start_live(self, history: list[dict] | None = None) -> None:
        """A new live series (a new run, or the next fold), redrawn on the timer while it is shown; a resumed run's
        earlier epochs (``history``) are drawn first, their training loss as one point at each epoch's end."""
        self.live = Series()
        for h in history or []:
            if isinstance(h, dict) and isinstance(h.get("epoch"), int):
                self.live.add_epoch(h["epoch"], h.get("train_loss", math.nan), h)
                self.live.add_batch(h["epoch"], h.get("train_loss", math.nan))
        self._timer.start()

    def changed(self) -> None:
        """The live series grew: redraw it at the next tick."""
        self._dirty = True

    def stop_live(self) -> None:
        self._timer.stop()
        self._tick()

    def _tick(self) -> None:
        if self._dirty:
            self.draw()

    # ---------------------------------------------------------------- drawing
    def show_series(self, s: Series, per_batch: bool, epochs: int) -> None:
        self.series, self.per_batch = s, per_batch
        self._set_epochs(max(1, epochs))
        self.set_texts(self._texts)
        self.draw()

    def _set_epochs(self, epochs: int) -> None:
        self.epochs = epochs
        for plot in (self.loss_plot, self.metric_plot):
            # room beyond the last epoch, so its markers are drawn whole
            plot.setXRange(0, epochs + max(0.25, 0.04 * epochs), padding=0)
            axis = plot.getAxis("bottom")
            if epochs <= 25:
                axis.setTickSpacing(levels=[(1.0, 0.0)])  # whole epochs only
            else:
                axis.setTickSpacing()  # automatic

    def draw(self) -> None:
        s = self.series
        self._dirty = False
        if self.per_batch:  # a line of batches; one batch alone is no line: marked, or it is not seen
            self.train_curve.setSymbol("s" if len(s.batch_x.values) == 1 else None)
            self.train_curve.setData(s.batch_x.values, s.batch_loss.values)
        else:  # a saved run keeps one training loss per epoch: marked, or a run of one epoch shows none
            self.train_curve.setSymbol("s")
            self.train_curve.setData(s.epochs.values, s.train_loss.values)
        x = s.epochs.values
        self.val_curve.setData(x, s.val_loss.values)
        self.acc_curve.setData(x, s.accuracy.values)
        self.auc_curve.setData(x, s.auc.values)
        if len(x) and x[-1] > self.epochs:  # a series longer than planned (a saved run extended)
            self._set_epochs(int(x[-1]))
        self._fit_loss_range()
        self._note_if_empty()

    def _note_if_empty(self) -> None:
        empty = not self.per_batch and not len(self.series.epochs)
        self.empty_note.setVisible(empty)
        if empty:
            self.loss_plot.setYRange(0, 1, padding=0)
            self._place_note()
            self.empty_note.setText(self._texts.get("no_curves", ""))

    def _place_note(self, *_) -> None:
        (x0, x1), (y0, y1) = self.loss_plot.viewRange()
        self.empty_note.setPos((x0 + x1) / 2, (y0 + y1) / 2)
        # wrapped to the plot's width: at 1024 px one line ran past both ends ("raining curves were saved with")
        self.empty_note.setTextWidth(max(80.0, self.loss_plot.getPlotItem().vb.width() - 16))

    def _fit_loss_range(self) -> None:
        """The loss axis spans the data with a free band above it for the legend (top right), so no marker lies
        under the legend (an epoch-1 validation loss above the rest did)."""
        ys = [c.getData()[1] for c in (self.train_curve, self.val_curve)]
        values = np.concatenate([y for y in ys if y is not None and len(y)] or [np.zeros(0)])
        values = values[np.isfinite(values)]
        if values.size:
            lo, hi = float(values.min()), float(values.max())
            span = max(hi - lo, 0.05 * max(abs(hi), 1e-3))
            self.loss_plot.setYRange(lo - LOSS_PAD_BELOW * span, hi + LEGEND_BAND * span, padding=0)

    def _fit_titles(self) -> None:
        """Each plot's title in the longest form its width takes: at 1024 px "Validation accuracy and AUC" was
        cut at both ends (a title does not elide). Then the fold as "2/5", then the short title."""
        t = self._texts
        if not t:
            return
        folds = [f" · {t['fold'].format(*self.fold)}", f" · {self.fold[0]}/{self.fold[1]}"] if self.fold else [""]
        for plot, titles in ((self.loss_plot, [t["loss"]]), (self.metric_plot, [t["metrics"], t["metrics_short"]])):
            item = plot.getPlotItem().titleLabel.item
            # the title is centred over the data area, right of the axis: half of it must fit on either side
            middle = plot.getPlotItem().vb.sceneBoundingRect().center().x()
            half_room = min(middle, plot.width() - middle) - 6
            for text in [title + fold for title in titles for fold in folds]:
                plot.setTitle(text)
                if item.boundingRect().width() / 2 <= half_room:  # measured as drawn (a styled span)
                    break

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_titles()

    def set_fold(self, fold: int | None, folds: int = 0) -> None:
        """Mark the curves as those of one fold of a cross-validation (None: a single run)."""
        self.fold = (fold, folds) if fold else None
        self.set_texts(self._texts)

    def set_texts(self, texts: dict) -> None:
        """Titles and legend entries in the current language: keys loss, metrics, fold ("fold {0} of {1}"),
        epoch, train_batch, train_epoch, val_loss, accuracy, auc."""
        self._texts = texts
        if not texts:
            return
        self.empty_note.setText(texts.get("no_curves", ""))
        self._fit_titles()
        for plot in (self.loss_plot, self.metric_plot):
            plot.setLabel("bottom", texts["epoch"])
        train = texts["train_batch"] if self.per_batch else texts["train_epoch"]
        for curve, text in ((self.train_curve, train), (self.val_curve, texts["val_loss"]),
                            (self.acc_curve, texts["accuracy"]), (self.auc_curve, texts["auc"])):
            plot = self.loss_plot if curve in (self.train_curve, self.val_curve) else self.metric_plot
            plot.getPlotItem().legend.getLabel(curve).setText(text)  # the entry made with the curve
        for plot in (self.loss_plot, self.metric_plot):
            plot.getPlotItem().legend.updateSize()
