"""The Dataset view (view.py) and its parts: the thumbnail grid, the counts and problems."""

from .view import DatasetView

__all__ = ["DatasetView"]
