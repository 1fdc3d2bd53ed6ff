"""Soak of the desktop application: a long Training-view run with live plots, then a large Diagnosis batch, in the
real main window (offscreen), watching the reference counts of None, True and False (PySide6 6.12.0 took one with
every void call and emit until Python aborted; pyproject.toml excludes it, tests/gui/test_pyside_references.py
catches such a release quickly, this shows a whole session).

    QT_QPA_PLATFORM=offscreen python bench/gui_soak.py [--minutes 30] [--images 5000]

Trains ResNet-18-D on 32 synthetic images (batch 4, epochs without end) and presses Stop after --minutes, then
diagnoses --images synthetic JPEGs with an untrained model through the engine's child process. Prints the counts
every 5 minutes and the lowest seen; it exits 0 when the session ended without an abort and no count fell more
than 1,000 below its value at the start.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def counts() -> tuple[int, int, int]:
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def points(view) -> int:
    x = view.plots.train_curve.getData()[0]
    return 0 if x is None else len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--images", type=int, default=5000)
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pmscreen-soak-"))
    os.environ["PMSCREEN_DATA_DIR"] = str(tmp / "userdata")
    import PySide6
    from PySide6.QtWidgets import QApplication

    import core.nn._paddle  # noqa: F401
    import core.store.bundled
    from bench.gui_bench import make_window, open_folder, wait
    from core.store.library import new_run_dir
    from tests.gui.gui_support import GUI_SIZE, empty_bundled_models, make_palm, save_test_model
    from tests.synthetic import fundus_image, write_rgb

    app = QApplication.instance() or QApplication(["pmscreen-soak"])
    fake = empty_bundled_models(tmp / "resources")
    core.store.bundled.resources_dir = lambda: fake
    start = counts()
    print(f"PySide6 {PySide6.__version__}; None, True, False have {start} references", flush=True)
    window = make_window(app)
    open_folder(app, window, make_palm(tmp / "palm", n_p=16, n_h=8, n_n=8, n_val=8))
    view = window.training_view
    view.apply_values(dict(depth=18, variant="D", epochs=1000, batch_size=4, lr=0.01, rotate=0.0))
    window.show_page(1)
    low, t0, report = start, time.time(), time.time()
    assert view.start()
    while view.running or not view.start_button.isEnabled():
        app.processEvents()
        time.sleep(0.005)
        low = tuple(map(min, low, counts()))
        if time.time() - t0 > a.minutes * 60 and not view.run.stopping:
            view.stop_button.click()
        if time.time() - report > 300:
            report = time.time()
            print(f"  {(report - t0) / 60:.0f} min: {points(view)} loss points, counts {counts()}", flush=True)
    print(f"training: {time.time() - t0:.0f} s with live plots, {points(view)} loss points, "
          f"{type(view.run.trainer.result).__name__}; lowest counts {low}", flush=True)
    folder = tmp / "batch"
    originals = [write_rgb(folder / f"img{i:05d}.jpg", fundus_image(i % 2 == 0, i, GUI_SIZE)) for i in range(8)]
    for i in range(8, a.images):
        shutil.copyfile(originals[i % 8], folder / f"img{i:05d}.jpg")
    diag = window.diagnosis_view
    assert diag.select_model(save_test_model(new_run_dir("ResNet-18-D")))
    window.show_page(2)
    t0 = time.time()
    assert diag.diagnose([folder])
    while diag.busy:
        app.processEvents()
        time.sleep(0.005)
        low = tuple(map(min, low, counts()))
    print(f"batch: {diag.results.rowCount()} of {a.images} images in {time.time() - t0:.0f} s; lowest counts {low}",
          flush=True)
    window.close()
    wait(app, lambda: not window.isVisible())
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"finished without an abort; counts {counts()}", flush=True)
    sys.exit(0 if all(lo >= s - 1000 for lo, s in zip(low, start)) else 1)


if __name__ == "__main__":
    main()
