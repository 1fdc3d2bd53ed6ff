"""The Training view, in parts: the settings form generated from one field table (fields, form), the live plots,
progress and log (plots, progress, log, dashboard), the runs table, the worker that runs a training or a
cross-validation (run), and the view that joins them (view)."""

from .form import VARIANT_HELP_SOURCE
from .view import TrainingView

__all__ = ["VARIANT_HELP_SOURCE", "TrainingView"]
