"""The runs table: every model in the library with its variant, depth, epochs and best validation metrics,
so the four ResNet variants can be compared side by side (as the tutorial's results table does); and every
cross-validation with its out-of-fold metrics and their 95 % bootstrap intervals."""

from __future__ import annotations

import csv
import datetime as _dt
import textwrap
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QStyle, QTableView, QWidget

from ..widgets import duration, percent

SortRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Run:
    path: Path
    meta: dict  # a model's model.json; for a cross-validation, core.training.cv.describe
    bundled: bool
    cv: bool = False

    @property
    def _config(self) -> dict:
        return (self.meta.get("config") if self.cv else self.meta.get("training")) or {}

    @property
    def name(self) -> str:
        if self.cv:
            return f"ResNet-{self.depth}-{self.variant}"
        return self.meta.get("name") or self.path.name

    @property
    def depth(self) -> int | None:
        return self._config.get("depth") if self.cv else (self.meta.get("architecture") or {}).get("depth")

    @property
    def variant(self) -> str:
        if self.cv:
            return "custom" if self._config.get("tweaks") else self._config.get("variant") or "custom"
        return self.meta.get("variant") or "custom"

    @property
    def history(self) -> list[dict]:
        """The epochs of the run (of a cross-validation: of its latest fold begun)."""
        if self.cv:
            return list(next((h for h in reversed(self.meta.get("histories") or []) if h), []))
        return list(self.meta.get("history") or [])

    @property
    def recipe(self) -> str:
        """How it was trained: its model card's recipe (of a model of members, theirs), else the run's settings."""
        from core.images.textsafe import shown
        from core.training.finalize import recipe_text

        card, config = self.meta.get("card"), self._config
        recipe = card.get("recipe") if isinstance(card, dict) else None
        if not (isinstance(recipe, str) and recipe):
            recipe = recipe_text(config) if isinstance(config, dict) and config else ""
        return shown(recipe)  # read from a file: no control or direction characters in a tooltip

    @property
    def planned_epochs(self) -> int | None:
        return self._config.get("epochs")

    @cached_property  # read for every cell the table paints
    def metrics(self) -> dict:
        """Best validation metrics (of a cross-validation: out-of-fold, once every fold is done); of a model whose
        threshold was moved to another point its card measured (0.5), that point's: the figures of the model as it
        now decides."""
        m = self.meta.get("metrics") or {}
        if self.cv or not m:
            return m
        from ..diagnosis.model_picker import operating_points

        threshold, in_use, _ = operating_points(self.meta)[0]
        # at a threshold nothing measured, only the AUC (which no threshold changes) is known: the figures of the
        # card's own threshold were shown as the model's, with their intervals
        return in_use or {"auc": m.get("auc"), "threshold": threshold}

    @property
    def intervals(self) -> dict:
        """95 % intervals of the metrics: a cross-validation's bootstrap, or those a model's card records (for the
        card's own threshold only)."""
        if self.cv:
            return self.meta.get("intervals") or {}
        ci = self.meta.get("metrics_ci95") or {}
        if self.metrics is self.meta.get("metrics"):
            return ci
        unmeasured = set(self.metrics) == {"auc", "threshold"}  # the AUC's interval holds at any threshold
        return {"auc": ci["auc"]} if unmeasured and "auc" in ci else {}

    @property
    def out_of_fold(self) -> bool:
        """Its metrics are out-of-fold estimates: a cross-validation, or a model finalized from one."""
        from core.training.finalize import out_of_fold

        return self.cv or out_of_fold(self.meta)

    @property
    def seconds(self) -> float | None:
        if self.cv:
            return self.meta.get("seconds") or None
        h = self.history
        return sum(float(e.get("seconds", 0.0)) for e in h) if h else None

    @property
    def resumable(self) -> bool:
        """Stopped before its planned epochs (or folds): Resume continues it."""
        if self.bundled:
            return False
        if self.cv:
            return self.meta.get("folds_done", 0) < self.meta.get("folds", 0)
        planned = self.planned_epochs
        return bool(planned) and len(self.history) < planned and (self.path / "checkpoint" / "state.json").is_file()

    @property
    def created(self) -> str:
        text = self.meta.get("created", "")
        try:
            return _dt.datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text


def load_runs() -> list[Run]:
    from core.store.library import library_dir, list_models
    from core.training.cv import CVError, describe, is_cv_folder

    runs = [Run(e.path, e.meta, e.bundled) for e in list_models(include_bundled=True)]
    for folder in sorted(library_dir().iterdir()):
        if folder.is_dir() and is_cv_folder(folder):
            try:
                runs.append(Run(folder, describe(folder), False, cv=True))
            except (CVError, OSError):  # a damaged plan: left out, as an unreadable model folder is
                continue
    return runs


EXPORT_COLUMNS = ("folder", "kind", "name", "variant", "depth", "folds", "folds_done", "networks", "epochs_planned",
                  "epochs_done",
                  "metrics_from", "threshold", "accuracy", "accuracy_low", "accuracy_high", "auc", "auc_low",
                  "auc_high", "sensitivity", "sensitivity_low", "sensitivity_high", "specificity", "specificity_low",
                  "specificity_high", "time_s", "created")


def _cv_folds(meta: dict) -> int | None:
    """The folds of the cross-validation a model was made from (a model of one network has as many as one of
    five: "networks" counts its networks)."""
    folds = (meta.get("cross_validation") or {}).get("folds")
    return folds if isinstance(folds, int) and not isinstance(folds, bool) else None


def export_row(run: Run, values: dict) -> dict:
    """One row of the exported runs table (values: the table's own, by column)."""
    members = run.meta.get("members") or []
    kind = ("bundled model" if run.bundled else "cross-validation" if run.cv
            else "model from a cross-validation" if run.out_of_fold else "training run")
    row = {
        "folder": str(run.path), "kind": kind, "name": values["name"], "variant": values["variant"],
        "depth": values["depth"], "folds": run.meta.get("folds") if run.cv else _cv_folds(run.meta),
        "folds_done": run.meta.get("folds_done") if run.cv else None,
        "networks": None if run.cv else len(members) or 1, "epochs_planned": run.planned_epochs,
        "epochs_done": None if run.cv or members else values["epochs"],  # a model of members has no history
        "metrics_from": "out of fold" if run.out_of_fold else "validation images",
        "threshold": run.metrics.get("threshold"), "time_s": values["time"], "created": values["created"],
    }
    for key in ("accuracy", "auc", "sensitivity", "specificity"):
        low_high = run.intervals.get(key) or (None, None)
        row.update({key: values[key], f"{key}_low": low_high[0], f"{key}_high": low_high[1]})
    return row


class RunsModel(QAbstractTableModel):
    COLUMNS = ("name", "variant", "depth", "epochs", "accuracy", "auc", "sensitivity", "specificity", "time",
               "created")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runs: list[Run] = []

    def refresh(self) -> None:
        self.beginResetModel()
        self.runs = load_runs()
        self.endResetModel()

    def headers(self) -> list[str]:
        return [self.tr("Model"), self.tr("Variant"), self.tr("Depth"), self.tr("Epochs"), self.tr("Accuracy"),
                self.tr("AUC"), self.tr("Sensitivity"), self.tr("Specificity"), self.tr("Time"), self.tr("Created")]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole \
                and self.COLUMNS[section] == "time":  # the log's "finished in" is one session's wall time
            return self.tr("Training time: the sum of the run's epochs (of every fold), over all the sessions it "
                           "was trained in")
        return None

    def value(self, run: Run, col: str):
        m = run.metrics
        return {
            "name": run.name,
            "variant": run.variant,
            "depth": run.depth,
            "epochs": len(run.history),
            "accuracy": m.get("accuracy"),
            "auc": m.get("auc"),
            "sensitivity": m.get("sensitivity"),
            "specificity": m.get("specificity"),
            "time": run.seconds,
            "created": run.created,
        }[col]

    def text(self, run: Run, col: str) -> str:
        v = self.value(run, col)
        if col == "name":
            if run.cv:
                return self.tr("{0}\n{1}-fold CV").format(v, run.meta.get("folds"))
            return self.tr("{0}\n(bundled)").format(v) if run.bundled else v  # the rows have two lines: room
        if col == "epochs":
            if run.cv:
                k, done = run.meta.get("folds"), run.meta.get("folds_done")
                return (self.tr("{0} folds × {1}").format(k, run.planned_epochs) if done == k
                        else self.tr("{0}/{1} folds × {2}").format(done, k, run.planned_epochs))
            planned = run.planned_epochs
            if run.meta.get("members"):  # a model of K fold networks: each trained ``planned`` epochs
                count = len(run.meta["members"])
                return f"{planned or '–'} × {count}" if count > 1 else str(planned or "–")
            return f"{v}/{planned}" if planned and planned != v else str(v)
        if col in ("accuracy", "sensitivity", "specificity", "auc"):
            return self._metric_text(col, v, run.intervals.get(col))
        if col == "time":
            return "–" if v is None else duration(v)
        if col == "created":  # the day; the minute in its tooltip (the name needs the room more)
            return v.split(" ")[0] if v else "–"
        return "–" if v is None else str(v)

    @staticmethod
    def _metric_text(col: str, v, interval) -> str:
        """A metric, and under it its 95 % interval when it has one: "97.0 %\n95.1–98.3", "0.9930\n0.9851–0.9984"
        (two lines: one line each made the figures so wide that the model's name had no room left)."""
        if col == "auc":
            text = "–" if v is None or v != v else f"{v:.4f}"
            return f"{text}\n{interval[0]:.4f}–{interval[1]:.4f}" if interval else text
        text = percent(v)
        return f"{text}\n{100 * interval[0]:.1f}–{100 * interval[1]:.1f}" if interval else text

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        run, col = self.runs[index.row()], self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(run, col)
        if role == SortRole:
            v = self.value(run, col)
            return -1.0 if v is None or (isinstance(v, float) and v != v) else v
        if role == PathRole:
            return str(run.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"{self.text(run, col)}\n{run.path}" if col == "name" else str(run.path)  # a name may be elided
            if col == "name" and run.recipe:  # runs alike in every column may differ in their recipe
                where += "\n" + textwrap.fill(self.tr("Recipe: {0}").format(run.recipe), 100)
            if col == "created":
                where = f"{run.created}\n{where}"
            if run.cv:
                return self.tr("{0}\nOut-of-fold metrics with their 95 % bootstrap intervals; {1} of {2} folds "
                               "done").format(where, run.meta.get("folds_done"), run.meta.get("folds"))
            if run.out_of_fold and run.intervals:
                return self.tr("{0}\nOut-of-fold metrics of the cross-validation it was made from, at threshold "
                               "{1}, with their 95 % bootstrap intervals").format(
                    where, percent(run.metrics.get("threshold")))
            if run.out_of_fold:
                return self.tr("{0}\nOut-of-fold metrics of the cross-validation it was made from, at threshold "
                               "{1}").format(where, percent(run.metrics.get("threshold")))
            return where
        if role == Qt.ItemDataRole.TextAlignmentRole and col not in ("name", "created"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def run_at(self, row: int) -> Run:
        return self.runs[row]

    def row_of(self, path: str | Path) -> int | None:
        path = Path(path)
        return next((i for i, r in enumerate(self.runs) if r.path == path), None)

    def export_csv(self, path: str | Path) -> None:
        """The table for a spreadsheet: what each row is and what its figures measure, each interval's ends in
        columns of their own (the first export had the columns as shown only: a cross-validation and a training
        run of one architecture were alike, and the intervals missing)."""
        from core.images.textsafe import cell_text

        with open(path, "w", newline="", encoding="utf-8-sig") as f:  # Excel reads UTF-8 by its byte-order mark
            w = csv.writer(f)
            w.writerow(EXPORT_COLUMNS)
            for run in self.runs:
                row = export_row(run, {c: self.value(run, c) for c in self.COLUMNS})
                w.writerow(["" if row[c] is None else cell_text(row[c]) for c in EXPORT_COLUMNS])


class RunsHeader(QHeaderView):
    """Column headers sized to their text: the room for the sort arrow only where it is shown. (Qt keeps that room
    in every section, which made the ten columns wider than the table at 1280 x 800 and cut the last one.)"""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)  # a new QHeaderView is not: a click would not sort
        self.setHighlightSections(True)

    def sectionSizeFromContents(self, logical: int):
        size = super().sectionSizeFromContents(logical)
        if self.isSortIndicatorShown() and logical != self.sortIndicatorSection():
            size.setWidth(size.width() - size.height() - self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin))
        return size


class RunsTable(QTableView):
    """Sortable runs table; selecting a run emits ``runSelected`` with its Run."""

    runSelected = Signal(object)
    useForDiagnosis = Signal(str)
    resumeRun = Signal(object)  # a Run stopped before its end
    compareRuns = Signal(object, object)  # two finished cross-validations: A, then B

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHorizontalHeader(RunsHeader(self))
        self.runs = RunsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.runs)
        self.proxy.setSortRole(SortRole)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(RunsModel.COLUMNS.index("created"), Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)  # one tab stop: Tab leaves the table, the arrow keys move between runs
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(2 * self.fontMetrics().height() + 8)  # a figure and its interval
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long model name keeps its start and its end
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The name takes the width the figures leave (elided, whole in its tooltip), at least a whole model name
        header.setSectionResizeMode(RunsModel.COLUMNS.index("name"), QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.selectionModel().selectionChanged.connect(self._selection_changed)

    def refresh(self) -> None:
        selected = self.selected_run()
        self.runs.refresh()
        if selected is not None:
            self.select_path(selected.path, emit=False)
        self._fit_name()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_name()

    def _fit_name(self) -> None:
        """The name stretches over what the figures leave, but never below its longest name (or a third of the
        table): at 1024 px it was squeezed to "Re…-D" while the figures ran out of view all the same. Narrower, the
        table scrolls."""
        header, col = self.horizontalHeader(), RunsModel.COLUMNS.index("name")
        others = sum(header.sectionSize(i) for i in range(header.count()) if i != col)
        fm = self.fontMetrics()
        names = [self.runs.text(run, "name").split("\n")[0] for run in self.runs.runs] + ["ResNet-152-D"]
        # the longest name shown ("PM Screen ResNet-18-D × 2" was "PM Scr…D × 2"), up to a third of the table
        widest = min(max(fm.horizontalAdvance(n) for n in names), self.viewport().width() // 3)
        least = widest + 2 * fm.averageCharWidth() + 8
        stretch = self.viewport().width() - others >= least
        mode = QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.Interactive
        if header.sectionResizeMode(col) != mode:
            header.setSectionResizeMode(col, mode)
        if not stretch:
            header.resizeSection(col, least)

    def selected_run(self) -> Run | None:
        rows = self.selectionModel().selectedRows()
        return self.runs.run_at(self.proxy.mapToSource(rows[0]).row()) if rows else None

    def select_path(self, path: str | Path, emit: bool = True) -> bool:
        row = self.runs.row_of(path)
        if row is None:
            return False
        ix = self.proxy.mapFromSource(self.runs.index(row, 0))
        self.blockSignals(not emit)
        self.selectRow(ix.row())
        self.blockSignals(False)
        return True

    def _selection_changed(self, *_) -> None:
        run = self.selected_run()
        if run is not None:
            self.runSelected.emit(run)

    def _menu(self, pos) -> None:
        ix = self.indexAt(pos)
        if not ix.isValid():
            return
        run = self.runs.run_at(self.proxy.mapToSource(ix).row())
        menu = QMenu(self)
        use = QAction(self.tr("Use for diagnosis"), menu)
        use.setEnabled(not run.cv)  # a cross-validation's folds are not one screening model
        use.triggered.connect(lambda: self.useForDiagnosis.emit(str(run.path)))
        resume = QAction(self.tr("Resume"), menu)
        resume.setEnabled(run.resumable)
        resume.triggered.connect(lambda: self.resumeRun.emit(run))
        show = QAction(self.tr("Open folder"), menu)
        show.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(run.path))))
        for action in (use, resume, show):
            menu.addAction(action)
        if run.cv:
            self._compare_menu(menu, run)
        menu.exec(self.viewport().mapToGlobal(pos))

    def finished_cvs(self) -> list[Run]:
        return [r for r in self.runs.runs if r.cv and r.metrics]

    def _compare_menu(self, menu: QMenu, run: Run) -> None:
        """"Compare with": the other finished cross-validations, for a paired comparison of out-of-fold AUCs."""
        sub = menu.addMenu(self.tr("Compare with"))
        others = [r for r in self.finished_cvs() if r.path != run.path] if run.metrics else []
        sub.setEnabled(bool(others))
        sub.setToolTip(self.tr("Paired bootstrap of the out-of-fold AUC difference, on the same images and folds")
                       if others else self.tr("Needs two finished cross-validations"))
        from core.training.cv import paired

        sub.setToolTipsVisible(True)
        for other in others:
            action = sub.addAction(f"{other.name} — {other.path.name}")
            if paired(run.path, other.path):  # two small cv.json files: read here, as the menu opens
                action.triggered.connect(lambda _=False, o=other: self.compareRuns.emit(run, o))
            else:  # GUI round: offered, then refused in a sentence naming a command-line option
                action.setEnabled(False)
                action.setToolTip(self.tr("Held out other images or folds: a paired comparison needs the same "
                                          "folds (the same data set and seed give them)"))

    def retranslate(self) -> None:
        self.runs.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(RunsModel.COLUMNS) - 1)
        if self.runs.rowCount():
            self.runs.dataChanged.emit(self.runs.index(0, 0),
                                       self.runs.index(self.runs.rowCount() - 1, len(RunsModel.COLUMNS) - 1))
