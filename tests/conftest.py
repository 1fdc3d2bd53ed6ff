"""Shared fixtures: synthetic fundus-like images and the real PALM folder (PALM_ROOT) when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    # pytest-xdist workers share the cores: each gets its share of Paddle's threads (set before core imports
    # Paddle), since OpenMP threads of two workers on the same cores spin and slow each other down.
    workers = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))

from tests.synthetic import make_palm_root  # noqa: E402


@pytest.fixture
def palm_tiny(tmp_path) -> Path:
    return make_palm_root(tmp_path / "palm")


@pytest.fixture(scope="session")
def palm_root() -> Path:
    """The real PALM images; the test is skipped without PALM_ROOT, and fails if PALM_ROOT is wrong."""
    value = os.environ.get("PALM_ROOT")
    if not value:
        pytest.skip("PALM_ROOT is not set (real PALM images unavailable)")
    root = Path(value)
    assert (root / "PALM-Training400").is_dir(), f"PALM_ROOT={value} has no PALM-Training400 folder"
    return root


@pytest.fixture
def data_dir_path(tmp_path) -> Path:
    """Where a test's user data folder is: its own (a module may override this to share one between its tests)."""
    return tmp_path / "userdata"


@pytest.fixture(autouse=True)
def data_dir(data_dir_path, monkeypatch) -> Path:
    """The user data folder (model library, settings, audit log, engine exports) of every test: never the
    developer's real one."""
    data_dir_path.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("PMSCREEN_DATA_DIR", str(data_dir_path))
    return data_dir_path


@pytest.fixture(autouse=True, scope="session")
def _qt_pdf_painter():
    """In-process tests run core's commands as the pmscreen launcher does: with the application's PDF painter."""
    from gui.pdf_report import register

    register()
