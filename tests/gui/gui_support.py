"""Helpers of the GUI tests: a tiny PALM-style folder (of tests/synthetic.py's fundus pictures), a test model,
drag and drop, waiting for the views, the bundled-model folder hidden."""

import contextlib
from pathlib import Path

from tests.synthetic import fundus_image, write_rgb

GUI_SIZE = (240, 256)  # height, width of the GUI tests' pictures: not square, as a camera's


def make_palm(root: Path, n_p: int = 4, n_h: int = 2, n_n: int = 2, n_val: int = 4, unknown: bool = True) -> Path:
    """A PALM-style root: Training folder labelled by prefixes, Validation folder labelled by a csv."""
    train = root / "PALM-Training400"
    seed = 0
    for prefix, n in (("P", n_p), ("H", n_h), ("N", n_n)):
        for i in range(1, n + 1):
            seed += 1
            write_rgb(train / f"{prefix}{i:04d}.jpg", fundus_image(prefix == "P", seed, GUI_SIZE))
    if unknown:
        write_rgb(train / "X0001.jpg", fundus_image(False, 99, GUI_SIZE))  # unknown prefix: a problem, not a sample
    val = root / "PALM-Validation400"
    rows = ["imgName,Label"]
    for i in range(1, n_val + 1):
        pm = i % 2 == 1
        write_rgb(val / f"V{i:04d}.jpg", fundus_image(pm, 100 + i, GUI_SIZE))
        rows.append(f"V{i:04d}.jpg,{int(pm)}")
    (root / "PALM-Validation-GT").mkdir(parents=True, exist_ok=True)
    (root / "PALM-Validation-GT" / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def open_dataset(qtbot, window, root: Path) -> None:
    window.dataset_view.open_folder(root)
    qtbot.waitUntil(lambda: window.dataset_view.dataset is not None and not window.dataset_view.busy, timeout=60000)


_NETWORKS: dict[int, object] = {}  # seed -> network: one per seed and test process


def save_test_model(folder: Path, name: str = "ResNet-18-D", seed: int = 0) -> Path:
    """A real (untrained) ResNet-18-D model folder, saved through the engine. Models of the same seed have the same
    weights, so the session's one engine export of them (tests/gui/conftest.py) serves every test."""
    from core.nn._paddle import paddle
    from core.nn.models import build_resnet
    from core.store.modelio import save_model

    if seed not in _NETWORKS:
        paddle.seed(seed)
        _NETWORKS[seed] = build_resnet(18, "D")
    model = _NETWORKS[seed]
    save_model(folder, model, {
        "name": name, "architecture": model.config.to_dict(), "variant": "D",
        "class_names": ["non-PM", "PM"], "positive_class": 1, "threshold": 0.5, "metrics": {}, "history": [],
    })
    return folder


def drop(widget, paths):
    """A simulated drag and drop of local files onto ``widget`` (QMimeData with file URLs)."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    ev = QDropEvent(QPointF(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)
    assert ev.isAccepted()


def wait_done(qtbot, view, n, timeout=60000):
    """Until the Diagnosis view holds ``n`` results and its worker has ended."""
    qtbot.waitUntil(lambda: view.results.rowCount() == n and not view.busy, timeout=timeout)


def empty_bundled_models(folder: Path) -> Path:
    """A resources folder with the real icons and translations and an empty ``models`` folder, to stand in for
    ``core.store.bundled.resources_dir()`` (used by the GUI tests' fixture and docs/screenshots.py)."""
    import core.store.bundled

    real = core.store.bundled.resources_dir()
    folder.mkdir(parents=True)
    for name in ("icons", "translations"):
        (folder / name).symlink_to(real / name)
    (folder / "models").mkdir()
    return folder


def answer_question(view, button) -> None:
    """Click ``button`` of the view's next question box once it shows (polling: the box runs its own event
    loop, so the test cannot click it after the call that opens it)."""
    from PySide6.QtCore import QTimer

    def poll():
        box = view._confirm_box
        if box is not None and box.isVisible():
            box.button(button).click()
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def mixed_rows(n: int, model) -> list:
    """``n`` Diagnosis-view rows of ``model`` as a large batch brings them: every tenth ungradable, every tenth
    unreadable, the rest judged with seeded probabilities."""
    import numpy as np

    from core.images.quality import QualityResult
    from core.screening.inference import Prediction
    from core.screening.session import Row

    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        kind = i % 10
        if kind == 8:
            pred = Prediction(f"/x/{i}.jpg", quality=QualityResult(False, "dark", "too dark"))
        elif kind == 9:
            pred = Prediction(f"/x/{i}.jpg", error="not a readable image")
        else:
            p = float(rng.random())
            pred = Prediction(f"/x/{i}.jpg", p, p >= 0.5, quality=QualityResult(True))
        rows.append(Row(i + 1, pred, model, "2024-01-01T00:00:00"))
    return rows


@contextlib.contextmanager
def marked_translations():
    """While it lasts, every text of PM Screen's own translation contexts comes back as «source» (Qt's own, whose
    contexts start with Q, as they are): a test sees which texts went through Qt's translation, and in which
    words, without depending on the catalogue's translations."""
    from PySide6.QtCore import QCoreApplication, QEvent, QTranslator

    class Marker(QTranslator):
        def translate(self, context, source, disambiguation=None, n=-1):
            return "" if context.startswith("Q") else f"«{source}»"

        def isEmpty(self):
            return False

    app, marker = QCoreApplication.instance(), Marker()
    app.installTranslator(marker)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
    try:
        yield
    finally:
        app.removeTranslator(marker)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
