"""The Diagnosis view (view.py) and its parts: model picker, results table, detail panel, exports."""

from .view import DiagnosisView

__all__ = ["DiagnosisView"]
