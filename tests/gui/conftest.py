"""GUI tests run offscreen on real widgets, with synthetic fundus-like images and a throw-away data folder."""

import os
import shutil

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from gui_support import GUI_SIZE, empty_bundled_models, make_palm, save_test_model  # noqa: E402

from tests.synthetic import fundus_image, write_rgb  # noqa: E402


@pytest.fixture(scope="session")
def tiny_palm(tmp_path_factory) -> Path:
    """8 training (4 P, 2 H, 2 N) + 1 unknown-prefix file, 4 validation images labelled by a csv."""
    return make_palm(tmp_path_factory.mktemp("palm"))


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> dict[str, Path]:
    """A good fundus image, a second one as PNG, and a file that is not an image."""
    d = tmp_path_factory.mktemp("images")
    bad = d / "broken.jpg"
    bad.write_bytes(b"this is not a JPEG at all")
    return {"good": write_rgb(d / "eye.jpg", fundus_image(True, 7, GUI_SIZE)),
            "png": write_rgb(d / "eye2.png", fundus_image(False, 8, GUI_SIZE)),
            "bad": bad}


@pytest.fixture(autouse=True)
def engine_kind(request, monkeypatch) -> str:
    """GUI tests run the model on a thread of the test process, where Paddle is already imported: a child process
    would import it again for every test (about 4 s of a core each). Tests marked ``child_engine`` get the
    product's default, the child process; tests/e2e start the program itself and always use it."""
    if request.node.get_closest_marker("child_engine"):
        monkeypatch.delenv("PMSCREEN_GUI_ENGINE", raising=False)
        return "process"
    monkeypatch.setenv("PMSCREEN_GUI_ENGINE", "thread")
    return "thread"


@pytest.fixture(scope="session")
def engine_exports(tmp_path_factory) -> Path:
    """An engine cache holding the export of save_test_model's weights, made once per test process."""
    from core.screening.engine import DygraphEngine, _clone, cache_key, verified_static
    from core.store.modelio import load_model

    base = tmp_path_factory.mktemp("engine-exports")
    model, meta = load_model(save_test_model(base / "model"))
    # the engine's own path: export, manifest, and the check of its answers against the weights
    verified_static(lambda: _clone(model), DygraphEngine(model), base / "engine-cache" / cache_key(meta), meta,
                    "cpu", 1)
    return base / "engine-cache"


@pytest.fixture(autouse=True)
def engine_cache(engine_exports, data_dir) -> Path:
    """Each test's user data folder starts with that export (linked, not copied), as after an earlier diagnosis:
    its test models then load without exporting the same network again (about 2 s of a core each). The engine
    still checks the export's manifest and its answers against the weights."""
    cache = data_dir / "engine-cache"
    shutil.copytree(engine_exports, cache, copy_function=os.link, dirs_exist_ok=True)
    return cache


@pytest.fixture(autouse=True)
def bundled_models(tmp_path, monkeypatch) -> Path:
    """Tests see an empty bundled-model folder (the real resources/models may hold a model): the icons and
    translations are the real ones."""
    import core.store.bundled

    fake = empty_bundled_models(tmp_path / "resources")
    monkeypatch.setattr(core.store.bundled, "resources_dir", lambda: fake)
    return fake / "models"


@pytest.fixture
def english():
    from gui import i18n

    i18n.apply_language("en")
    yield
    i18n.apply_language("en")


@pytest.fixture
def window(qtbot, english):
    """The real main window, shown, with the engine views built."""
    from gui.app import configure_plots
    from gui.main_window import MainWindow

    configure_plots()
    w = MainWindow(warm_up=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.ensure_views()
    yield w
    tv = w._training_view
    if tv is not None and tv.running:
        tv.run.stop()
        tv.run.wait(30)
        qtbot.waitUntil(lambda: not tv.running, timeout=60000)
    w.close()


@pytest.fixture
def library_model(data_dir) -> Path:
    """A real (untrained) ResNet-18-D model folder in the user's model library."""
    from core.store.library import new_run_dir

    return save_test_model(new_run_dir("ResNet-18-D"))
