"""How a file is named to a reader of results: its name, and where several files of one name were diagnosed
together (two clinics' img1.jpg), as much of its folder as tells it from the others: the Diagnosis table, its
detail panel and the PDF report name files alike."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path


def distinct_labels(paths: set[str]) -> dict[str, str]:
    """For files of one name in different folders: each path's shortest ending that no other has ("left/a.jpg",
    "right/a.jpg"), so two rows never look alike; the whole path where one ends another."""
    parts = {p: Path(p).parts for p in paths}
    labels = {}
    for p, mine in parts.items():
        for k in range(2, len(mine) + 1):
            if all(theirs[-k:] != mine[-k:] for q, theirs in parts.items() if q != p):
                labels[p] = str(Path(*mine[-k:]))
                break
        else:
            labels[p] = p
    return labels


def file_labels(paths: list[str]) -> dict[str, str]:
    """Each path's label: its file name, or where that name is shared, ``distinct_labels``."""
    by_name: dict[str, set[str]] = defaultdict(set)
    for p in paths:
        by_name[Path(p).name].add(p)
    labels = {}
    for name, group in by_name.items():
        labels.update(distinct_labels(group) if len(group) > 1 else {p: name for p in group})
    return labels
