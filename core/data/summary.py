"""What a data set holds, per class and finer tag (PALM's P, H, N), for the Dataset view's counts."""

from __future__ import annotations


def finer_tags(ds) -> list[str]:
    """The tags finer than the classes (P, H, N of a PALM training folder), sorted; none for a class-folder set."""
    if ds is None:
        return []
    return sorted({s.tag for s in ds.train + ds.val if s.tag != str(s.label) and s.tag not in ds.class_names})


def class_counts(ds) -> dict[str, tuple[int | None, int | None]]:
    """Class (and "class/tag") -> (training, validation) images; None where a split does not have the finer tags at
    all (a label file with only PM / non-PM says nothing of H, N or P)."""
    if ds is None:
        return {}
    finer = finer_tags(ds)
    tagged = [any(s.tag in finer for s in split) for split in (ds.train, ds.val)]
    out: dict[str, tuple[int | None, int | None]] = {}
    for label, name in enumerate(ds.class_names):
        out[name] = (sum(s.label == label for s in ds.train), sum(s.label == label for s in ds.val))
        for tag in finer:
            tr = sum(s.tag == tag and s.label == label for s in ds.train)
            va = sum(s.tag == tag and s.label == label for s in ds.val)
            if tr or va:
                out[f"{name}/{tag}"] = (tr if tagged[0] else None, va if tagged[1] else None)
    return out
