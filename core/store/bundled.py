"""The screening model shipped with the program (resources/models/), used when no model is chosen."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    # In a PyInstaller bundle the data files sit under sys._MEIPASS.
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
    return base / "resources"


def default_model_dir() -> Path | None:
    """The first bundled model folder (one with model.json), or None when none is installed."""
    models = resources_dir() / "models"
    if not models.is_dir():
        return None
    return next((d for d in sorted(models.iterdir()) if (d / "model.json").is_file()), None)
