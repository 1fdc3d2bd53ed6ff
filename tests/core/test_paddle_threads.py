"""Paddle 3 keeps the graph mode per thread. The GUI imports Paddle first on a worker thread that then ends;
training, model loading and Grad-CAM must still work on every other thread, the main thread included.

Each case runs in a fresh interpreter: in this test process Paddle is already imported on the main thread,
which hides the defect."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys, threading
    sys.path.insert(0, {root!r})
    import numpy as np

    def import_on_a_worker():
        import core.nn._paddle  # noqa: F401  (what the GUI's warm-up thread does first)

    t = threading.Thread(target=import_on_a_worker); t.start(); t.join()

    from core.screening.gradcam import cam_batch
    from core.nn.models import build_resnet
    from core.nn.runtime import use_device
    from tests.synthetic import fundus_image

    results = {{}}

    def work(name):
        import paddle
        use_device("cpu")
        model = build_resnet(18, "D", 2)
        x = paddle.to_tensor(np.random.default_rng(0).normal(size=(2, 3, 64, 64)).astype("float32"))
        model(x).sum().backward()  # a training step's backward
        model.eval()
        cams = cam_batch(model, np.stack([fundus_image(True, 1)]))
        results[name] = (paddle.in_dynamic_mode(), cams.shape)

    work("main")
    t = threading.Thread(target=work, args=("worker",)); t.start(); t.join()
    print(results["main"], results["worker"])
""")


def test_paddle_imported_on_an_ended_worker_leaves_every_thread_in_dynamic_mode():
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT))], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "(True, (1, 7, 7)) (True, (1, 7, 7))"


QUIET = textwrap.dedent("""
    import sys, threading, warnings
    sys.path.insert(0, {root!r})
    import core  # noqa: F401  (the program's first import, on the main thread)

    inside = threading.Event()
    leave = threading.Event()

    def reading_a_dicom():  # core.images.dicom wraps pydicom in catch_warnings on a worker
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            inside.set()
            leave.wait()

    t = threading.Thread(target=reading_a_dicom); t.start(); inside.wait()

    def import_on_a_worker():
        import core.nn._paddle  # noqa: F401

    w = threading.Thread(target=import_on_a_worker); w.start(); w.join()
    leave.set(); t.join()  # the filters saved before Paddle's import are restored now
    warnings.warn("No ccache found. Please be aware that recompiling all source files may be required.")
""")


def test_the_ccache_warning_stays_quiet_whatever_another_thread_does_with_the_filters():
    """GUI round, session 19: Paddle's "No ccache found" warning printed at some launches: its filter, set as
    Paddle is imported on a worker, was lost when another thread's catch_warnings block restored the filters it
    had saved before. The filter is set at ``import core`` now, before any thread starts."""
    out = subprocess.run([sys.executable, "-c", QUIET.format(root=str(ROOT))], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ccache" not in out.stderr, out.stderr[-2000:]
