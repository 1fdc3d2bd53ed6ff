"""Model folders of several member networks (a K-fold ensemble): one weights file per member, one model.json.

model.json (format ``pmscreen-model/2``) lists ``members``: each its ``name``, ``architecture`` (members may
differ) and ``weights`` (file, dtype, SHA-256), plus where it came from. The model's PM probability is the mean
of the members' probabilities, each computed from the member's logits divided by the model's ``temperature``
(core.screening.engine.MeanEngine); the ``threshold`` applies to that mean. The top-level ``architecture`` is the
first member's, for readers that show one (the model library, the runs table).

The member list is sealed with the decision fields (core.store.modelio.seal_digest), and every member's weights
are checked against their SHA-256 when loaded. A single-network folder (format ``pmscreen-model/1``) is a model
of one member and loads as it always did.

The model's hash (``model_sha256``, in the audit log and in reports) is, for one network, its weights' SHA-256 as
before; for several, one SHA-256 over the seal of model.json (its decision fields, every member's weights
SHA-256 among them) and the members' weights SHA-256s, so a change to any member's weights or to a decision
field gives another hash.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from pathlib import Path

import numpy as np

from .folders import META, atomic_folder
from .modelio import (
    FORMAT_MEMBERS,
    build_member,
    checked_meta,
    member_list,
    seal_digest,
    sha256_file,
    state_to_numpy,
    write_meta,
    write_tensors,
)
from .provenance import RECORD_KEY, member_place, record_text

HASH_VERSION = "pmscreen-members/1"


def member_file(index: int) -> str:
    return f"member-{index}.safetensors"


def load_members(folder: str | Path, verify_hash: bool = True) -> tuple[list[tuple[object, dict]], dict]:
    """([(network in eval mode, its member entry), ...], model.json) of any model folder, checked like
    core.store.modelio.load_model checks one network."""
    folder, meta = checked_meta(folder, verify_hash)
    return [(build_member(folder, m, verify_hash), m) for m in member_list(meta)], meta


def model_sha256(meta: dict) -> str | None:
    """The hash that identifies the model in the audit log and reports (see the module's docstring)."""
    if meta.get("format") != FORMAT_MEMBERS:
        return (meta.get("weights") or {}).get("sha256")
    digests = [m["weights"]["sha256"] for m in meta["members"]]
    text = "\n".join([HASH_VERSION, seal_digest(meta), *digests])
    return hashlib.sha256(text.encode()).hexdigest()


def write_members(folder: Path, members: list[tuple[dict[str, np.ndarray], dict]], meta: dict,
                  dtype: str | None = None) -> dict:
    """Write each member's tensors (``member-1.safetensors`` ...) and model.json into ``folder`` (no atomicity
    here: call inside core.store.folders.atomic_folder). ``members`` pairs a state with its entry (``name``,
    ``architecture`` and anything else to record); returns the sealed meta. Each weights file carries the
    training record (core.store.provenance) of the model's decision fields with its member's architecture."""
    from core import __version__

    from ..nn._paddle import paddle

    if not members:
        raise ValueError("a model needs at least one member")
    folder.mkdir(parents=True, exist_ok=True)
    # new weights: their record starts here (as core.store.modelio.write_model_files)
    meta = {k: v for k, v in meta.items() if k not in ("weights", "seal", "provenance", "threshold_history")}
    entries = []
    for i, (state, entry) in enumerate(members, 1):
        record = record_text({**meta, "architecture": entry["architecture"]},
                             member_place(entry.get("name"), i, len(members)))
        write_tensors(folder / member_file(i), state, dtype, metadata={RECORD_KEY: record})
        weights = {"file": member_file(i), "sha256": sha256_file(folder / member_file(i)),
                   "dtype": dtype or "float32"}
        entries.append({**entry, "weights": weights})
    meta.setdefault("created", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    meta.update(format=FORMAT_MEMBERS, architecture=entries[0]["architecture"], members=entries,
                paddle_version=paddle.__version__, pmscreen_version=__version__)
    return write_meta(folder / META, meta)


def save_members(folder: str | Path, networks: list[tuple[object, str]], meta: dict, dtype: str | None = None) -> dict:
    """Save (network, name) pairs as the members of one model folder, atomically replacing any previous one (as
    core.store.modelio.save_model saves one network)."""
    with atomic_folder(folder) as tmp:
        return write_members(tmp, [(state_to_numpy(net.state_dict()), {"name": name,
                                                                        "architecture": net.config.to_dict()})
                                   for net, name in networks], meta, dtype)
