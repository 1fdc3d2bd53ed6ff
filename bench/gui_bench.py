"""Responsiveness of the desktop application and the trainer: the timings the tests do not assert (they check
the behaviour behind them: no decode on the UI thread, one insertion per chunk, training and inference off the
UI thread, Stop and Cancel ending the work).

    QT_QPA_PLATFORM=offscreen python bench/gui_bench.py [--repeat 3]

On the real main window (offscreen), with synthetic images and a throw-away user data folder, each measured
``--repeat`` times (the worst and the median are reported):
- grid: a 10,000-image data set; the longest and the median repaint of one screen of thumbnails over 60 scroll
  positions from top to bottom (the thumbnails are decoded on the loader's threads meanwhile);
- table: 10,000 diagnosis results appended in chunks of 100 with the table sorted by probability, and switching
  the filter to PM rows;
- training: how long Start itself holds the UI thread (checking the recipe, starting the trainer thread), then the
  longest gap of a 20 ms QTimer on the UI thread during the 1-epoch ResNet-18-D run of 8 images that follows;
  Stop during a 50-epoch run until the trainer thread has ended, and ``core.training.trainer.Trainer.stop()`` until
  ``join()`` returns without Qt;
- diagnosis: the longest gap of the 20 ms QTimer while a 1,000-image batch runs (inference in the engine's child
  process), and Cancel until the view is idle again.
Prints one JSON object on the last line (bench/run_all.py reads it).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wait(app, predicate, timeout: float = 600.0) -> None:
    """Run the event loop until ``predicate()`` holds."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("gave up waiting")
        app.processEvents()
        time.sleep(0.002)


class Heartbeat:
    """A 20 ms QTimer on the UI thread; ``longest()`` is the longest gap between two of its ticks."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self):
        self.ticks = [time.perf_counter()]
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()

    def longest(self) -> float:
        return max((b - a for a, b in zip(self.ticks, self.ticks[1:])), default=0.0)


def summary(values: list[float], scale: float = 1000.0) -> dict:
    return {"worst": max(values) * scale, "median": statistics.median(values) * scale, "runs": len(values)}


def make_window(app):
    from gui import i18n
    from gui.app import configure_plots
    from gui.main_window import MainWindow

    i18n.apply_language("en")
    configure_plots()
    w = MainWindow(warm_up=False)
    w.resize(1280, 800)
    w.show()
    w.ensure_views()
    app.processEvents()
    return w


def close(app, window) -> None:
    window.close()
    wait(app, lambda: not window.isVisible())


def open_folder(app, window, folder: Path) -> None:
    view = window.dataset_view
    view.open_folder(folder)
    wait(app, lambda: view.dataset is not None and not view.busy)


def grid(app, tmp: Path) -> tuple[float, float]:
    """(longest, median) repaint of one screen of a 10,000-image grid, seconds."""
    from tests.synthetic import fundus_image, write_rgb

    src = write_rgb(tmp / "src.jpg", fundus_image(True, 1, (480, 512)))
    train = tmp / "big" / "Training"
    train.mkdir(parents=True)
    for i in range(10_000):
        os.symlink(src, train / f"{'PHN'[i % 3]}{i:05d}.jpg")
    window = make_window(app)
    open_folder(app, window, tmp / "big")
    window.show_page(0)
    app.processEvents()
    assert window.dataset_view.grid.viewport().isVisible()
    bar = window.dataset_view.grid.verticalScrollBar()
    times = []
    for step in range(60):
        bar.setValue(int(bar.maximum() * step / 59))
        t0 = time.perf_counter()
        window.dataset_view.grid.viewport().repaint()
        times.append(time.perf_counter() - t0)
    close(app, window)
    return max(times), statistics.median(times)


def results_table(app, tmp: Path) -> tuple[float, float]:
    """(append 10,000 rows in chunks of 100, switch the filter to PM), seconds."""
    from PySide6.QtCore import Qt

    from gui.diagnosis_results import COL_PROBABILITY
    from tests.gui.gui_support import mixed_rows

    class Model:
        name, threshold, model_dir, weights_sha256 = "bench", 0.5, tmp, None

    rows = mixed_rows(10_000, Model)
    window = make_window(app)
    view = window.diagnosis_view
    view.pages.setCurrentIndex(1)
    view.table.sortByColumn(COL_PROBABILITY, Qt.SortOrder.DescendingOrder)
    t0 = time.perf_counter()
    for start in range(0, len(rows), 100):
        view.results.append(rows[start:start + 100])
        view._update_filter_texts()
    app.processEvents()
    appended = time.perf_counter() - t0
    t0 = time.perf_counter()
    view.set_filter("pm")
    filtered = time.perf_counter() - t0
    close(app, window)
    return appended, filtered


def training(app, tmp: Path) -> tuple[float, float, float]:
    """(Start's own time on the UI thread, the longest UI gap during the 1-epoch run after it, Stop until the
    trainer thread ended), seconds."""
    from tests.gui.gui_support import make_palm

    palm = make_palm(tmp / "palm")
    window = make_window(app)
    view = window.training_view
    open_folder(app, window, palm)
    view.apply_values(dict(depth=18, variant="D", epochs=1, batch_size=4, lr=0.01, rotate=0.0))
    with Heartbeat() as heart:
        t0 = time.perf_counter()
        assert view.start()
        start = time.perf_counter() - t0
        heart.ticks = [time.perf_counter()]
        wait(app, lambda: not view.running and view.start_button.isEnabled())
    stall = heart.longest()
    view.apply_values(dict(depth=18, variant="D", epochs=50, batch_size=2, lr=0.01, rotate=0.0))
    assert view.start()
    wait(app, lambda: view.last_batch is not None)
    t0 = time.perf_counter()
    view.stop_button.click()
    wait(app, lambda: not view.run.running)
    stop = time.perf_counter() - t0
    wait(app, lambda: view.start_button.isEnabled())
    close(app, window)
    return start, stall, stop


def trainer_stop(tmp: Path) -> float:
    """core.training.trainer.Trainer.stop() until join() returns (no Qt), seconds."""
    import threading

    from core.training.events import BatchEnd
    from core.training.trainer import TrainConfig, Trainer
    from tests.synthetic import make_palm_root

    root = tmp / "palm-core"
    if not root.exists():
        make_palm_root(root)
    first = threading.Event()
    t = Trainer(TrainConfig(data=str(root), depth=18, variant="D", epochs=50, batch_size=4, val_batch_size=4,
                            lr=1e-3), tmp / f"run-{time.monotonic_ns()}",
                lambda ev: first.set() if isinstance(ev, BatchEnd) else None)
    t.start()
    assert first.wait(600)
    t0 = time.perf_counter()
    t.stop()
    assert t.join(600) and t.result.stopped
    return time.perf_counter() - t0


def diagnosis(app, tmp: Path) -> tuple[float, float]:
    """(longest UI gap while a 1,000-image batch runs, Cancel until the view is idle), seconds."""
    import shutil

    from core.store.library import new_run_dir
    from tests.gui.gui_support import save_test_model
    from tests.synthetic import fundus_image, write_rgb

    folder = tmp / "batch"
    if not folder.exists():
        originals = [write_rgb(folder / f"img{i:05d}.jpg", fundus_image(i % 2 == 0, i, (240, 256)))
                     for i in range(8)]
        for i in range(8, 1000):
            shutil.copyfile(originals[i % 8], folder / f"img{i:05d}.jpg")
    window = make_window(app)
    view = window.diagnosis_view
    model = save_test_model(new_run_dir("ResNet-18-D"))
    assert view.select_model(model)
    window.show_page(2)
    assert view.diagnose([folder])
    wait(app, lambda: view.results.rowCount() >= 8)  # the child has started and loaded the model
    with Heartbeat() as heart:
        wait(app, lambda: view.results.rowCount() >= 200 or not view.busy)
    stall = heart.longest()
    t0 = time.perf_counter()
    view.cancel_button.click()
    wait(app, lambda: not view.busy)
    cancel = time.perf_counter() - t0
    close(app, window)
    return stall, cancel


GUI_ROWS = [  # (key of gui_bench.py's result, what it measures, unit)
    ("grid_repaint_one_screen_ms", "Dataset grid of 10,000 images: repaint of one screen of thumbnails", "ms"),
    ("table_append_10000_rows_s", "Diagnosis table: 10,000 results appended in chunks of 100, sorted", "s"),
    ("table_filter_pm_10000_rows_ms", "Diagnosis table: filter 10,000 rows to PM", "ms"),
    ("training_start_ui_ms", "Training view: Start, on the UI thread", "ms"),
    ("training_longest_ui_gap_ms", "Training view: longest UI-thread gap during a 1-epoch run", "ms"),
    ("training_stop_s", "Training view: Stop until the trainer thread has ended", "s"),
    ("trainer_stop_s", "core.training.trainer: stop() until join() returns", "s"),
    ("batch_longest_ui_gap_ms", "Diagnosis view: longest UI-thread gap during a batch", "ms"),
    ("batch_cancel_s", "Diagnosis view: Cancel until the view is idle", "s"),
]


def markdown(g: dict) -> str:
    runs = g[GUI_ROWS[0][0]]["runs"]
    rows = [f"| desktop application ({runs} runs; load average {g['load_average_at_start']:.1f} at start) "
            "| worst | median |", "|---|---|---|"]
    for key, what, unit in GUI_ROWS:
        fmt = ".0f" if unit == "ms" else ".2f"
        rows.append(f"| {what} ({unit}) | {g[key]['worst']:{fmt}} | {g[key]['median']:{fmt}} |")
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pmscreen-guibench-"))
    os.environ["PMSCREEN_DATA_DIR"] = str(tmp / "userdata")
    from PySide6.QtWidgets import QApplication

    import core.nn._paddle  # noqa: F401  (imported once, before the timings)
    from tests.gui.gui_support import empty_bundled_models

    app = QApplication.instance() or QApplication(["pmscreen-bench"])
    import core.store.bundled

    fake = empty_bundled_models(tmp / "resources")
    core.store.bundled.resources_dir = lambda: fake
    r = {"load_average_at_start": os.getloadavg()[0]}
    paint, append, filt, start, stall_train, stop, core_stop, stall_diag, cancel = ([] for _ in range(9))
    for run in range(a.repeat):
        work = tmp / f"run{run}"
        work.mkdir()
        worst, _ = grid(app, work)
        paint.append(worst)
        x, y = results_table(app, work)
        append.append(x)
        filt.append(y)
        x, y, z = training(app, work)
        start.append(x)
        stall_train.append(y)
        stop.append(z)
        core_stop.append(trainer_stop(work))
        x, y = diagnosis(app, tmp)
        stall_diag.append(x)
        cancel.append(y)
        print(f"run {run + 1}: paint {paint[-1] * 1000:.0f} ms, append {append[-1]:.2f} s, filter "
              f"{filt[-1] * 1000:.0f} ms, Start {start[-1] * 1000:.0f} ms, training stall "
              f"{stall_train[-1] * 1000:.0f} ms, Stop {stop[-1]:.2f} s, "
              f"trainer stop {core_stop[-1]:.2f} s, batch stall {stall_diag[-1] * 1000:.0f} ms, Cancel "
              f"{cancel[-1]:.2f} s; load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    r.update({
        "grid_repaint_one_screen_ms": summary(paint),
        "table_append_10000_rows_s": summary(append, 1.0),
        "table_filter_pm_10000_rows_ms": summary(filt),
        "training_start_ui_ms": summary(start),
        "training_longest_ui_gap_ms": summary(stall_train),
        "training_stop_s": summary(stop, 1.0),
        "trainer_stop_s": summary(core_stop, 1.0),
        "batch_longest_ui_gap_ms": summary(stall_diag),
        "batch_cancel_s": summary(cancel, 1.0),
        "load_average_at_end": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    })
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    print(markdown(r), file=sys.stderr)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
