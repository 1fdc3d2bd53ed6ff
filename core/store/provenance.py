"""Where a model's decision fields come from: the training record inside its weights file, and the recorded
changes since (model.json's ``provenance`` list).

The seal (core.store.modelio) catches an edit of model.json; it cannot catch an edit followed by a fresh seal
(the seal removed, the field changed, ``pmscreen seal`` run: the laundering reported in issue 13). So the fields
fixed when the weights were made (``FIXED``: architecture, class names, positive class, preprocessing,
temperature) and the threshold they were made with are also written into the weights file's own header
(safetensors ``__metadata__``, covered by the weights' SHA-256 that model.json and every audit line carry).
Whenever a model folder is loaded or sealed:

- each fixed field must equal the record: changing one takes new weights (a retrained or re-finalized model);
- the threshold must be the record's, as changed by the ``set-threshold`` entries of ``provenance`` in order
  (each one's ``from`` the value before it): an unrecorded threshold edit is refused.

Weights written before records existed have none; for the bundled model the record's digest is known here
(``KNOWN``), so a laundered copy of it is refused as well. Any other such folder is checked by its seal alone.
Like the seal, the record is a checksum, not a signature (docs/security.md).
"""

from __future__ import annotations

import hashlib
import json

FIXED = ("architecture", "class_names", "positive_class", "preprocessing", "temperature")
RECORD_KEY = "pmscreen.record"
DEFAULTS = {"positive_class": 1, "temperature": 1.0, "threshold": 0.5, "class_names": []}  # as inference reads them
# Weights without a record: SHA-256 of the weights -> SHA-256 of their record (canonical JSON, ``_digest``).
KNOWN = {  # the former bundled ResNet-18-D (pm-resnet18d, to session 7): library copies of it may still exist
    "76e29bfc040513403a4eae1b58e557a89675a77837801aed1ba00ce9535fe18e":
        "81a14b1eaee3c63281768cd495d3ef841c2c7053c332a35e524746c2b067c53e",
}


# Members written before weights recorded their place: SHA-256 of the weights -> their place in the model they
# were made for (the two-network model bundled until session 19; library copies of it may still exist).
KNOWN_PLACES = {
    "862cedc9a8128821ab3960240e6b1126713235c8943ccdc1d12a49ca1b181ee2":
        {"name": "seed-0-fold-1", "index": 1, "count": 2},
    "029a57d35e4a7db88609ce394fad831046b43747dd1415413758e375d39964f5":
        {"name": "seed-1-fold-1", "index": 2, "count": 2},
}


class ProvenanceError(ValueError):
    """A decision field that differs from where it came from (the message is one line, without the path)."""


def value(meta: dict, key: str):
    """A decision field as PM Screen uses it (an absent one by its default)."""
    return meta.get(key, DEFAULTS.get(key))


def record_of(meta: dict) -> dict:
    """The fields fixed with the weights, and the threshold they were made with."""
    return {key: value(meta, key) for key in (*FIXED, "threshold")}


def record_text(meta: dict, member: dict | None = None) -> str:
    """The record written into new weights; a member of a model of several networks also records which member
    it is (``member_place``), so that its weights cannot stand in for another member or for the model alone."""
    return _canonical({**record_of(meta), **({"member": member} if member else {})})


def member_place(name, index: int, count: int) -> dict:
    return {"name": name, "index": index, "count": count}


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _digest(record: dict) -> str:
    return hashlib.sha256(_canonical(record).encode()).hexdigest()


def weights_record(data: bytes) -> dict | None:
    """The training record in a safetensors file's header, None when it has none; a ProvenanceError when one is
    there but unreadable."""
    try:
        size = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + size])
        text = (header.get("__metadata__") or {}).get(RECORD_KEY)
    except (ValueError, AttributeError, RecursionError):
        return None  # not this module's to judge: the safetensors reader says what is wrong
    if text is None:
        return None
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        record = None
    if not isinstance(record, dict):
        raise ProvenanceError("the weights' training record is unreadable")
    return record


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def threshold_changes(meta: dict) -> list[dict]:
    """The recorded threshold changes, oldest first: ``threshold_history`` (written by set-threshold before
    ``provenance`` existed), then the set-threshold entries of ``provenance``."""
    legacy = [e for e in meta.get("threshold_history") or [] if isinstance(e, dict)]
    return legacy + [e for e in meta.get("provenance") or []
                     if isinstance(e, dict) and e.get("action") == "set-threshold"]


def check_against(meta: dict, record: dict) -> None:
    """Refuse ``meta`` unless its fixed fields equal ``record``, its threshold is the record's as changed by
    the recorded set-threshold entries, and weights made as one member of a model sit in that place of it."""
    made_as, used_as = record.get("member"), meta.get("member")
    if made_as is not None and _canonical(made_as) != _canonical(used_as):
        raise ProvenanceError(f"these weights were made as {_place(made_as)}, and are here "
                              + (_place(used_as) if used_as else "a model of their own")
                              + "; members are combined only as they were made (finalize makes a new model)")
    for key in FIXED:
        if _canonical(value(meta, key)) != _canonical(value(record, key)):
            raise ProvenanceError(
                f"{key} is {_shown(value(meta, key))} but the weights were made with {_shown(value(record, key))}; "
                f"{', '.join(FIXED)} change only with new weights (retrain or finalize)")
    threshold = value(record, "threshold")
    for n, change in enumerate(threshold_changes(meta), start=1):
        if change.get("from") != threshold:
            raise ProvenanceError(f"recorded threshold change {n} starts from {_shown(change.get('from'))}, "
                                  f"not from {_shown(threshold)}: the record of changes was edited")
        threshold = change.get("to")
    if value(meta, "threshold") != threshold:
        raise ProvenanceError(f"threshold is {_shown(value(meta, 'threshold'))} but the weights were made with, or "
                              f"last set to, {_shown(threshold)} and no recorded change explains it; a threshold "
                              f"is changed with pmscreen set-threshold")


def _place(member) -> str:
    if not isinstance(member, dict):
        return _shown(member)
    return f"member {_shown(member.get('index'))} ({_shown(member.get('name'))}) of {_shown(member.get('count'))}"


def check_provenance(meta: dict, data: bytes, weights_sha256: str) -> bool:
    """Check ``meta`` against the record in the weights ``data`` (or the known record of weights without one);
    True when there was a record to check against."""
    record = weights_record(data)
    if record is not None:
        place = KNOWN_PLACES.get(weights_sha256)
        check_against(meta, {**record, "member": place} if place and "member" not in record else record)
        return True
    known = KNOWN.get(weights_sha256)
    if known is None:
        return False
    plain = {**record_of(meta), "threshold": _first_threshold(meta)}
    if _digest(plain) != known:
        changed = [key for key in FIXED if key in meta] + ["threshold"]
        raise ProvenanceError(f"these are the weights of a model PM Screen knows, with other values in "
                              f"{', '.join(changed)} than it was made with; refused")
    check_against(meta, plain)
    return True


def _first_threshold(meta: dict):
    changes = threshold_changes(meta)
    return changes[0].get("from") if changes else value(meta, "threshold")


def seal_traces(meta: dict) -> str | None:
    """What in an unsealed model.json shows that PM Screen sealed it before (its seal then removed), or None."""
    for key in ("provenance", "sealed", "threshold_history"):
        if meta.get(key):
            return key
    return None


def describe(meta: dict) -> str:
    """The decision fields in one line, as they are being sealed: what the operator confirms."""
    names, positive = value(meta, "class_names"), value(meta, "positive_class")
    label = names[positive] if isinstance(positive, int) and 0 <= positive < len(names) else positive
    return (f"classes {', '.join(map(str, names)) or '?'}; positive class {positive} ({label}); threshold "
            f"{value(meta, 'threshold')}; temperature {value(meta, 'temperature')}; architecture "
            f"{_shown(meta.get('architecture'))}")
