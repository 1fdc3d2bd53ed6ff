"""PM Screen engine: ResNet model zoo, PALM data pipeline, trainer, validation, inference and CLI (no Qt)."""

from .nn.cpu import configure_threads

configure_threads()  # before anything imports paddle

__version__ = "0.1.0"
