"""Screenshots of every view at 1280x800, and launch time / idle memory of the desktop application.

    # screenshots (offscreen, no display needed; trains a few small real models on the PALM images, ~4 min on
    # 2 CPU cores), written to docs/screenshots/
    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py --palm /work/shared/palm

    # launch time and idle memory of `pmscreen` under Xvfb (needs xvfb and xdotool)
    .venv/bin/python docs/screenshots.py --measure

    # batch throughput of the Diagnosis view on the 201 PALM validation images
    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py --throughput --model MODEL_DIR --repeat 3

Nothing is written to the user's real model library or settings: both live in a temporary PMSCREEN_DATA_DIR.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
MAX_BYTES = 300_000


# ---------------------------------------------------------------- screenshots

def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["pmscreen"])
    app.setApplicationDisplayName("PM Screen")
    return app


def wait(app, predicate, timeout: float, what: str) -> None:
    end = time.time() + timeout
    while not predicate():
        if time.time() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def settle(app, seconds: float = 0.3) -> None:
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)


def save(window, name: str) -> Path:
    """Grab the window; shrink the PNG to a 256-colour palette when it is over MAX_BYTES."""
    path = OUT / f"{name}.png"
    window.grab().save(str(path))
    if path.stat().st_size > MAX_BYTES:
        from PIL import Image

        img = Image.open(path).convert("RGB")
        img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB", flush=True)
    return path


def train(app, window, variant: str, epochs: int, limit: int, batch: int, until=None) -> None:
    """One real training run from the Training view; ``until(view)`` stops waiting early (run continues)."""
    view = window.training_view
    view.apply_values(dict(depth=18, variant=variant, epochs=epochs, batch_size=batch, lr=0.01, limit=limit,
                           schedule="cosine"))
    assert view.start(), "training did not start"
    if until is not None:
        wait(app, lambda: until(view), 1200, f"the {variant} run to progress")
        return
    wait(app, lambda: not view.running, 1800, f"the {variant} run to finish")
    settle(app, 0.5)


def _hide_bundled_models(data: Path) -> None:
    """Show only what this script trains: an empty bundled-model folder (real icons and translations), as the
    GUI tests see it."""
    import core.store.bundled
    from tests.gui.gui_support import empty_bundled_models

    fake = empty_bundled_models(data / "resources")
    core.store.bundled.resources_dir = lambda: fake


def screenshots(args) -> None:
    data = Path(tempfile.mkdtemp(prefix="pmscreen-shots-"))
    os.environ["PMSCREEN_DATA_DIR"] = str(data)
    app = _app()
    if not args.with_bundled:
        _hide_bundled_models(data)
    from gui import i18n
    from gui.app import configure_plots
    from gui.main_window import DATASET, TRAINING, MainWindow

    OUT.mkdir(parents=True, exist_ok=True)
    i18n.apply_language("en")
    configure_plots()
    window = MainWindow(warm_up=False)
    window.resize(1280, 800)
    window.show()
    window.ensure_views()
    window._engine_ready("cpu" if args.cpu_label else __import__("core.nn.runtime").nn.runtime.resolve_device())

    # Dataset: PALM opened, a PM image selected (the window opens on Diagnosis)
    window.show_page(DATASET)
    window.dataset_view.open_folder(args.palm)
    wait(app, lambda: window.dataset_view.dataset is not None and not window.dataset_view.busy, 60, "PALM")
    dv = window.dataset_view
    rows = [r for r in range(dv.model.rowCount()) if dv.model.item(r).sample.tag == "P"]
    dv.grid.setCurrentIndex(dv.model.index(rows[3]))
    dv.grid.scrollTo(dv.model.index(rows[3]), dv.grid.ScrollHint.PositionAtCenter)
    settle(app, 0.5)
    wait(app, lambda: dv.loader.pending() == 0 and dv.preview.image() is not None, 60, "thumbnails")
    settle(app, 0.3)
    save(window, "01-dataset")

    if args.model:  # only the diagnosis pictures, with a given model (quick, for work on the Diagnosis view)
        diagnosis_shots(app, window, data, args, Path(args.model), training=False)
    else:
        # Training: earlier runs of other variants for the runs table, then one run caught mid-way
        window.show_page(TRAINING)
        for v in args.variants:
            train(app, window, v, args.epochs, args.limit, args.batch)
        tv = window.training_view
        last = args.live_epochs
        train(app, window, "D", last, args.limit, args.batch,
              until=lambda view: len(view.plots.live.epochs) >= last - 1 and view.last_batch is not None
              and view.last_batch.epoch == last and view.last_batch.step >= 2)
        tv.tabs.setCurrentIndex(1)  # the log
        settle(app, 0.3)
        save(window, "02-training-run")
        wait(app, lambda: not tv.running, 1800, "the live run to finish")
        settle(app, 0.5)
        tv.tabs.setCurrentIndex(0)  # the runs table, with the finished run selected
        settle(app, 0.3)
        save(window, "03-training-runs")
        best = max(tv.runs_table.runs.runs, key=lambda r: r.metrics.get("accuracy", 0))
        diagnosis_shots(app, window, data, args, best.path, training=True)

    # Diagnosis without any model (a fresh library)
    window.set_language("en")
    shutil.rmtree(data / "models", ignore_errors=True)
    diag = window.diagnosis_view
    diag.clear()
    diag._extra_models.clear()
    diag.model_combo.clear()
    diag.refresh_models()
    settle(app, 0.3)
    save(window, "08-diagnosis-no-model")
    window.close()
    shutil.rmtree(data, ignore_errors=True)


def select(app, diag, row: int, heatmap: bool) -> None:
    """Select a source row of the results table, with the heatmap overlay on or off, and wait for the picture."""
    diag.heatmap_check.setChecked(heatmap)
    proxy_row = diag.proxy.proxy_row_of(row)
    diag.table.selectRow(proxy_row)
    diag.table.scrollTo(diag.proxy.index(proxy_row, 0))
    wait(app, lambda: diag.image.image() is not None and (diag.heatmap_shown() or not heatmap), 120,
         "the selected image" + (" and its heatmap" if heatmap else ""))
    settle(app, 0.3)


def write_dicom(path: Path, rgb) -> Path | None:
    """An uncompressed Ophthalmic Photography DICOM file of an RGB picture (None without pydicom)."""
    try:
        from pydicom.dataset import Dataset, FileMetaDataset
        from pydicom.uid import ExplicitVRLittleEndian, OphthalmicPhotography8BitImageStorage, generate_uid
    except ImportError:
        return None
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = OphthalmicPhotography8BitImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = OphthalmicPhotography8BitImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.Manufacturer, ds.ManufacturerModelName = "OP", "Example Optics", "FundusCam 3000"
    ds.ImageLaterality, ds.AcquisitionDateTime, ds.HorizontalFieldOfView = "L", "20240315103000", 45
    ds.PatientName, ds.PatientID = "Doe^Jane", "P-123456"  # in the file, never shown
    h, w = rgb.shape[:2]
    ds.Rows, ds.Columns, ds.SamplesPerPixel = h, w, 3
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PlanarConfiguration, ds.PhotometricInterpretation = 0, "RGB"
    ds.PixelData = rgb.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def diagnosis_shots(app, window, data: Path, args, model_dir: Path, training: bool) -> None:
    """04 results, 09 heatmap, 10 a batch streaming in, 12 a DICOM file; 07, 11 and 13 in Chinese."""
    import cv2
    import numpy as np
    from PySide6.QtCore import Qt

    from gui.main_window import DATASET, DIAGNOSIS, TRAINING

    window.use_model(str(model_dir))
    broken = data / "not-an-image.jpg"
    broken.write_bytes(b"truncated \xff\xd8 garbage")
    folder = Path(args.palm) / "PALM-Validation400"
    val = sorted(folder.glob("*.jpg"))[:14]
    diag = window.diagnosis_view
    window.show_page(DIAGNOSIS)
    diag.set_filter("all")
    diag.diagnose([*val, broken])
    wait(app, lambda: not diag.busy and diag.results.rowCount() == len(val) + 1, 300, "diagnosis")
    pm_rows = [i for i, r in enumerate(diag.results.rows) if r.pred.pm]
    first_pm = pm_rows[0] if pm_rows else 0
    select(app, diag, first_pm, heatmap=False)
    save(window, "04-diagnosis")
    diag.opacity.setValue(45)
    select(app, diag, first_pm, heatmap=True)
    save(window, "09-diagnosis-heatmap")

    # A batch: the 201 validation images, a far too dark photograph and an unreadable file, caught mid-way
    diag.clear()
    extra = data / "batch-extra"
    extra.mkdir()
    dark = cv2.imread(str(val[1]))
    cv2.imwrite(str(extra / "too-dark.jpg"), (dark * 0.04).astype(np.uint8))
    (extra / "damaged.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut off")
    diag.heatmap_check.setChecked(False)
    diag.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    diag.diagnose([folder, extra])
    wait(app, lambda: diag.results.rowCount() >= 90 and diag._rate > 0, 600, "the batch to get going")
    diag.table.selectRow(0)
    diag.table.scrollToTop()
    wait(app, lambda: diag.image.image() is not None, 30, "the selected image")
    settle(app, 0.2)
    save(window, "10-batch-table")
    wait(app, lambda: not diag.busy, 900, "the batch")
    diag.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)

    # A DICOM file (made from a validation image): the patient-free metadata under the verdict
    rgb = cv2.cvtColor(cv2.imread(str(val[3])), cv2.COLOR_BGR2RGB)
    dcm = write_dicom(data / "OP-left-eye.dcm", np.ascontiguousarray(rgb))
    if dcm is not None:
        diag.clear()
        diag.diagnose([*val[:6], dcm])
        wait(app, lambda: not diag.busy and diag.results.rowCount() == 7, 300, "the DICOM file")
        select(app, diag, 6, heatmap=True)
        wait(app, lambda: "Example Optics" in diag.dicom_box.text(), 30, "the DICOM metadata")
        settle(app, 0.3)
        save(window, "12-diagnosis-dicom")

    # The same views in Simplified Chinese
    diag.clear()
    diag.diagnose([*val, broken])
    wait(app, lambda: not diag.busy and diag.results.rowCount() == len(val) + 1, 300, "diagnosis")
    window.set_language("zh_CN")
    pages = ((DATASET, "05-zh-dataset"), (TRAINING, "06-zh-training")) if training else ((DATASET, "05-zh-dataset"),)
    for page, name in pages:
        window.show_page(page)
        settle(app, 0.5)
        save(window, name)
    window.show_page(DIAGNOSIS)
    select(app, diag, first_pm, heatmap=False)
    save(window, "07-zh-diagnosis")
    select(app, diag, first_pm, heatmap=True)
    save(window, "11-zh-diagnosis-heatmap")
    if dcm is not None:  # ungradable and unreadable rows, and a DICOM file's metadata, in Chinese
        diag.clear()
        items = [*val[:6], extra / "too-dark.jpg", extra / "damaged.jpg", dcm]
        diag.diagnose(items)
        wait(app, lambda: not diag.busy and diag.results.rowCount() == len(items), 300, "the Chinese batch")
        select(app, diag, len(items) - 1, heatmap=True)
        wait(app, lambda: "Example Optics" in diag.dicom_box.text(), 30, "the DICOM metadata")
        settle(app, 0.3)
        save(window, "13-zh-diagnosis-dicom")
    diag.heatmap_check.setChecked(False)


# ---------------------------------------------------------------- batch throughput of the Diagnosis view

def throughput(args) -> None:
    """Diagnose a folder in the real Diagnosis view (offscreen) and time it: wall time from the drop until the
    last row is in the table, including reading, the quality gate, inference, the audit log and the table; the
    first run also exports the model to Paddle Inference and is reported separately. A 20 ms QTimer measures the
    longest stall of the UI thread meanwhile."""
    if not args.model:
        raise SystemExit("--throughput needs --model MODEL_DIR")
    data = Path(tempfile.mkdtemp(prefix="pmscreen-throughput-"))
    os.environ["PMSCREEN_DATA_DIR"] = str(data)
    app = _app()
    from PySide6.QtCore import QTimer

    from gui import i18n
    from gui.main_window import DIAGNOSIS, MainWindow

    i18n.apply_language("en")
    window = MainWindow(warm_up=False)
    window.resize(1280, 800)
    window.show()
    window.ensure_views()
    window.show_page(DIAGNOSIS)
    diag = window.diagnosis_view
    assert diag.select_model(args.model), f"{args.model}: not a usable model folder"
    folder = Path(args.folder or Path(args.palm) / "PALM-Validation400")
    n_files = len([p for p in folder.rglob("*") if p.is_file()])
    gaps = []
    last = [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(beat)
    timer.start()
    rates = []
    for run in range(args.repeat + 1):
        diag.clear()
        settle(app, 1.0)
        gaps.clear()
        last[0] = time.perf_counter()
        t0 = time.perf_counter()
        diag.diagnose([folder])
        wait(app, lambda: not diag.busy, 3600, "the batch")
        seconds = time.perf_counter() - t0
        n = diag.results.rowCount()
        stall = max(gaps) if gaps else 0.0
        label = "warm-up (model export)" if run == 0 else f"run {run}"
        print(f"{label}: {n} images ({n_files} files) in {seconds:.1f} s = {n / seconds:.1f} images/s; longest UI "
              f"stall {1000 * stall:.0f} ms; load average {os.getloadavg()[0]:.1f}", flush=True)
        if run:
            rates.append(n / seconds)
    if rates:
        print(f"median {statistics.median(rates):.1f} images/s over {len(rates)} runs; CPUs {os.cpu_count()}")
    timer.stop()
    window.close()
    shutil.rmtree(data, ignore_errors=True)


# ---------------------------------------------------------------- launch time and memory

def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(args) -> None:
    """Start `pmscreen` under Xvfb; time until its window is mapped; RSS once idle. Repeated ``--repeat`` times."""
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    display = f":{xvfb.stdout.readline().decode().strip()}"  # a free display number chosen by Xvfb
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    for _ in range(100):  # until the X server answers
        if subprocess.run(["xdotool", "getdisplaygeometry"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    env.pop("PMSCREEN_DATA_DIR", None)
    launch, rss, rss_palm = [], [], []
    try:
        for i in range(args.repeat):
            data = tempfile.mkdtemp(prefix="pmscreen-measure-")
            env["PMSCREEN_DATA_DIR"] = data
            cmd = [str(ROOT / ".venv" / "bin" / args.command)] if args.command == "pmscreen" else [
                str(ROOT / ".venv" / "bin" / "python"), "-m", "gui"]
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd} exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "PM Screen"], env=env,
                                       capture_output=True, text=True).stdout.strip()
                if found:
                    break
                if time.perf_counter() - t0 > 60:
                    raise TimeoutError("no window after 60 s")
                time.sleep(0.01)
            launch.append(time.perf_counter() - t0)
            time.sleep(args.idle)  # the engine warms up in the background; then the application idles
            rss.append(_rss_mb(proc.pid))
            print(f"run {i + 1}: window shown after {launch[-1]:.2f} s, idle RSS {rss[-1]:.0f} MB", flush=True)
            proc.terminate()
            proc.wait(10)
            shutil.rmtree(data, ignore_errors=True)
        if args.palm:  # memory with the PALM data set open and its thumbnails decoded
            data = tempfile.mkdtemp(prefix="pmscreen-measure-")
            env["PMSCREEN_DATA_DIR"] = data
            proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-m", "gui", "--dataset", args.palm],
                                    env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(args.idle + 5)
            rss_palm.append(_rss_mb(proc.pid))
            print(f"with {args.palm} open: RSS {rss_palm[-1]:.0f} MB", flush=True)
            proc.terminate()
            proc.wait(10)
            shutil.rmtree(data, ignore_errors=True)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    print(f"\n{args.command}: launch to shown window median {statistics.median(launch):.2f} s "
          f"(min {min(launch):.2f}, max {max(launch):.2f}, n={len(launch)}); idle RSS median "
          f"{statistics.median(rss):.0f} MB; CPUs {os.cpu_count()}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--palm", default=os.environ.get("PALM_ROOT", "/work/shared/palm"), help="PALM root folder")
    p.add_argument("--variants", default="O,B,C", help="variants trained before the live D run (runs table)")
    p.add_argument("--epochs", type=int, default=1, help="epochs of each earlier run")
    p.add_argument("--live-epochs", type=int, default=3, help="epochs of the D run caught during its last epoch")
    p.add_argument("--with-bundled", action="store_true", help="also show the bundled models in resources/models")
    p.add_argument("--limit", type=int, default=48, help="training images per run (stratified subset)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--cpu-label", action="store_true", help="skip the device probe (status bar says CPU)")
    p.add_argument("--measure", action="store_true", help="measure launch time and idle memory under Xvfb instead")
    p.add_argument("--command", default="pmscreen", choices=["pmscreen", "module"],
                   help="start `pmscreen` (through core.cli) or `python -m gui` (the GUI package directly)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--throughput", action="store_true",
                   help="time a batch in the Diagnosis view instead (needs --model; folder: --folder or the PALM "
                        "validation images)")
    p.add_argument("--model", help="model folder for --throughput; for screenshots: skip training, take only the "
                                   "Dataset and Diagnosis pictures with this model")
    p.add_argument("--folder", help="images for --throughput (default: PALM-Validation400 under --palm)")
    p.add_argument("--idle", type=float, default=15.0, help="seconds after the window shows before reading RSS")
    args = p.parse_args()
    args.variants = [v for v in args.variants.split(",") if v]
    if args.throughput:
        throughput(args)
    elif args.measure:
        measure(args)
    else:
        screenshots(args)


if __name__ == "__main__":
    main()
