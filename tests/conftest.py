"""Shared fixtures: synthetic fundus-like images and the real PALM folder (PALM_ROOT) when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.synthetic import make_palm_root

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    # The model library must never touch the developer's real user data folder.
    monkeypatch.setenv("PMSCREEN_DATA_DIR", str(tmp_path / "userdata"))
