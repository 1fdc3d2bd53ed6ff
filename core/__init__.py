"""PM Screen engine: ResNet model zoo, PALM data pipeline, trainer, validation, inference and CLI (no Qt)."""

import warnings

from .nn.cpu import configure_threads

configure_threads()  # before anything imports paddle
# Paddle's import warns of a missing ccache (it only matters for compiling C++ extensions). Filtered here, before
# any thread starts: core.nn._paddle filters it too, but a warnings.catch_warnings block on another thread (a
# DICOM being read while the GUI imports Paddle on a worker) restores the filters it saved, without that one.
warnings.filterwarnings("ignore", message="No ccache found")

__version__ = "0.1.0"
