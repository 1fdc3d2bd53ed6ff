"""Model folders: ``weights.safetensors`` + ``model.json``, written atomically, loaded with checks.

No pickle anywhere: tensors go to safetensors, everything else to JSON.

Seal: the decision fields of model.json (``SEALED``: architecture, classes, positive class, temperature,
threshold, preprocessing, and the weights file name, dtype and SHA-256) are hashed over a canonical JSON text into
``seal.sha256`` whenever PM Screen writes a model folder. ``load_model`` range-checks those fields, checks the
seal and the weights' SHA-256 (over the very bytes it then loads), and refuses non-float or non-finite tensors;
any failure is a ModelFileError with a one-line reason. So a hand edit of a decision field (a flipped positive
class, a negative temperature, threshold 2.0) or a swapped weights file is refused. The seal is a checksum, not
a signature: it catches edits made outside PM Screen, not someone who recomputes it on purpose (docs/security.md).
Legitimate changes go through PM Screen: ``set_threshold`` (``pmscreen set-threshold``) re-seals and records
who and when; ``seal_folder`` (``pmscreen seal``) seals a folder written before seals existed, after checking it.

Weights files are opened and read with the bounds of core.store.tensorfile (a regular file inside the folder,
of the size its header declares, holding the tensors of the architecture) before their bytes are hashed and
loaded. Model folders are written atomically (core.store.folders). Models of several member networks:
core.store.members.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .folders import (
    META,
    SmallFileError,
    atomic_folder,
    carry_over,
    changing,
    read_small_text,
    readable_folder,
    writing_alone,
)
from .provenance import (
    RECORD_KEY,
    ProvenanceError,
    check_provenance,
    describe,
    member_place,
    record_text,
    seal_traces,
    threshold_changes,
)
from .tensorfile import TensorFileError, file_inside, read_weights_file, regular_file

FORMAT = "pmscreen-model/1"
FORMAT_MEMBERS = "pmscreen-model/2"  # model.json lists several member networks (core.store.members)
FORMATS = (FORMAT, FORMAT_MEMBERS)
WEIGHTS = "weights.safetensors"
CARD = "MODEL_CARD.md"
MAX_META_BYTES = 16 << 20  # a model.json of 20 members with their histories is under 1 MB
MAX_CARD_BYTES = 4 << 20
SEALED = ("format", "architecture", "class_names", "positive_class", "temperature", "threshold", "preprocessing",
          "weights")
SEAL_VERSION = "pmscreen-seal/1"
# What a finalized model tells a clinician (its card and expected performance): sealed when present as the seal is
# written, and named in its field list; a seal made before lists none of them and stays valid, but then its card
# counts as no card (has_model_card). A card added to a research model by hand made its verdicts look validated.
CLAIMS = ("card", "metrics", "metrics_ci95", "metrics_at_0_5", "calibration", "threshold_rule")
MAX_CLASSES = 1000
MAX_MEMBERS = 64


class ModelFileError(Exception):
    """A model folder that cannot be loaded; the message names the file and the problem."""


# ---------------------------------------------------------------- tensors

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_tensors(path: Path, tensors: dict[str, np.ndarray], dtype: str | None = None,
                  metadata: dict[str, str] | None = None) -> None:
    from safetensors.numpy import save

    out = {}
    for k, v in tensors.items():
        v = np.ascontiguousarray(v)
        if dtype and v.dtype.kind == "f":
            v = v.astype(dtype)
        out[k] = v
    # written by Python, not safetensors' save_file, which makes the file 0600: a model another account of the
    # machine (a clinic's shared model library) could not read, beside a readable model.json
    with open(path, "wb") as f:
        f.write(save(out, metadata=metadata))


def read_tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    try:
        regular_file(path)  # a FIFO would block safetensors' open
    except TensorFileError as exc:
        raise ModelFileError(str(exc)) from None
    try:
        return load_file(str(path))
    except Exception as exc:  # SafetensorError, OSError, …: all mean "not a usable weights file"
        raise ModelFileError(f"{path}: truncated or not a safetensors file ({exc})") from None


def state_to_numpy(state: dict) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in state.items()}


# ---------------------------------------------------------------- model folders

def write_model_files(folder: Path, state: dict[str, np.ndarray], meta: dict, dtype: str | None = None) -> dict:
    """Write weights + model.json into ``folder`` (no atomicity here; see ``save_model``). Returns the meta."""
    from core import __version__

    from ..nn._paddle import paddle

    folder.mkdir(parents=True, exist_ok=True)
    # new weights: their record starts here (earlier changes belong to the weights they were made from)
    meta = {k: v for k, v in meta.items() if k not in ("provenance", "threshold_history")}
    write_tensors(folder / WEIGHTS, state, dtype, metadata={RECORD_KEY: record_text(meta)})
    meta.setdefault("created", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    meta.update(
        format=FORMAT,
        paddle_version=paddle.__version__,
        pmscreen_version=__version__,
        weights={"file": WEIGHTS, "sha256": sha256_file(folder / WEIGHTS), "dtype": dtype or "float32"},
    )
    return write_meta(folder / META, meta)


def seal_digest(meta: dict, claims: tuple[str, ...] = ()) -> str:
    """SHA-256 over the canonical JSON of the sealed fields (absent ones as null), and of the member list when
    there is one (each member's architecture and weights file, dtype and SHA-256), and of ``claims`` (of CLAIMS)."""
    payload = {k: meta.get(k) for k in SEALED}
    for key in _sealed_if_present(meta):  # only then: the seals of folders without them stay as they were
        payload[key] = meta[key]
    try:
        json.dumps(payload, allow_nan=False)  # decision fields: finite numbers only
        # a claim may hold NaN (the AUC of a validation set of one class): written as NaN, as model.json has it
        payload.update({key: meta.get(key) for key in claims})
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{META}: decision fields cannot be sealed ({exc})") from None
    return hashlib.sha256(f"{SEAL_VERSION}\n{text}".encode()).hexdigest()


def _sealed_if_present(meta: dict) -> tuple[str, ...]:
    """Sealed fields newer than the seal itself: the member list, and the images the model was trained on
    (core.data.contents; which ``evaluate`` trusts to say whether figures measure fit)."""
    return tuple(k for k in ("members", "trained_on") if k in meta)


def write_meta(path: Path, meta: dict, claims: tuple[str, ...] | None = None) -> dict:
    """Write ``meta`` as model.json with a fresh seal over its decision fields and ``claims`` (by default every
    claim it holds: what PM Screen has just made); returns what was written. A rewrite of a folder passes the
    claims its seal covered: resealing must never vouch for a card added by hand."""
    meta = {k: v for k, v in meta.items() if k != "seal"}
    claims = tuple(k for k in CLAIMS if k in meta and (claims is None or k in claims))
    meta["seal"] = {"version": SEAL_VERSION, "fields": [*SEALED, *_sealed_if_present(meta), *claims],
                    "sha256": seal_digest(meta, claims)}
    write_json(path, meta)
    return meta


def write_json(path: Path, obj) -> None:
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=True) + "\n"
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a folder named in bytes that are not UTF-8 (kept by Python as lone surrogates):
        data = (json.dumps(obj, indent=2, allow_nan=True) + "\n").encode()  # \u escapes keep the name exact
    path.write_bytes(data)


def save_model(folder: str | Path, model, meta: dict, dtype: str | None = None) -> dict:
    """Save ``model`` with ``meta`` as a model folder, atomically replacing any previous one."""
    with atomic_folder(folder) as tmp:
        return write_model_files(tmp, state_to_numpy(model.state_dict()), meta, dtype)


def read_meta(folder: str | Path) -> dict:
    folder = readable_folder(folder)
    path = folder / META
    if not folder.is_dir():
        raise ModelFileError(f"{folder}: model folder not found")
    if not path.is_file():
        raise ModelFileError(f"{folder}: not a model folder (no {META})")
    try:
        meta = json.loads(read_small_text(path, MAX_META_BYTES))
    except SmallFileError as exc:
        raise ModelFileError(str(exc)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: unreadable ({exc})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: unreadable (nested too deeply)") from None
    if not isinstance(meta, dict) or meta.get("format") not in FORMATS or "architecture" not in meta:
        raise ModelFileError(f"{path}: not a PM Screen model description (format {' or '.join(FORMATS)} expected)")
    return meta


def sealed_claims(meta: dict) -> tuple[str, ...]:
    """The CLAIMS the seal of ``meta`` names (a seal made before claims were sealed names none)."""
    fields = (meta.get("seal") or {}).get("fields") if isinstance(meta.get("seal"), dict) else None
    return tuple(k for k in CLAIMS if isinstance(fields, list) and k in fields)


def has_model_card(meta: dict) -> bool:
    """Made by ``pmscreen finalize`` (a card: intended use, protocol, calibration) and sealed with it; a trained
    run has none, and its verdicts are for research, not for patients (said in the Diagnosis view, by predict and
    in every report). A card the seal does not cover was added by hand, or sealed before cards were: no card."""
    return isinstance(meta.get("card"), dict) and "card" in sealed_claims(meta)


CARD_NOT_SEALED = "its model card is not sealed"  # research_reason: a card the seal does not cover


def research_reason(meta: dict) -> str:
    """Why a model's verdicts are for research, not for patients ("" when it has a model card): it was never
    finalized, or its card is one the seal does not cover (added by hand, or written before cards were sealed)."""
    if has_model_card(meta):
        return ""
    return CARD_NOT_SEALED if "card" in meta else "never finalized"


def member_list(meta: dict) -> list[dict]:
    """The networks a model is made of, each as the model.json of that network alone: the model's own fields
    with the member's ``name``, ``architecture`` and ``weights`` (file, SHA-256, dtype). A single-network
    folder is its one member."""
    if meta.get("format") != FORMAT_MEMBERS:
        return [meta]
    shared = {k: v for k, v in meta.items() if k not in ("members", "seal")}
    members = meta.get("members") or []
    return [{**shared, "name": m.get("name"), "architecture": m.get("architecture"), "weights": m.get("weights"),
             "member": member_place(m.get("name"), i, len(members))} for i, m in enumerate(members, 1)]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_meta(meta: dict, folder: Path) -> None:
    """Range checks of the decision fields, whatever the seal says; a ModelFileError names the field."""
    from ..images.preprocess import PREPROCESSING

    path = folder / META

    def bad(what: str):
        raise ModelFileError(f"{path}: {what}")

    arch = meta.get("architecture")
    if not isinstance(arch, dict):
        bad("architecture must be an object")
    n = arch.get("num_classes", 2)
    if not isinstance(n, int) or isinstance(n, bool) or not 2 <= n <= MAX_CLASSES:
        bad(f"architecture.num_classes must be a whole number from 2 to {MAX_CLASSES}, got {n!r}")
    names = meta.get("class_names", [])
    if not isinstance(names, list) or not all(isinstance(c, str) for c in names) or (names and len(names) != n):
        bad(f"class_names must be {n} names, got {names!r}"[:200])
    positive = meta.get("positive_class", 1)
    if not isinstance(positive, int) or isinstance(positive, bool) or not 0 <= positive < n:
        bad(f"positive_class must be a class index from 0 to {n - 1}, got {positive!r}")
    if "temperature" in meta and not (_number(meta["temperature"]) and 0 < meta["temperature"] <= 1000):
        bad(f"temperature must be a finite number above 0, got {meta['temperature']!r}")
    if "threshold" in meta and not (_number(meta["threshold"]) and 0 < meta["threshold"] < 1):
        bad(f"threshold must be a number between 0 and 1, got {meta['threshold']!r}")
    pre = meta.get("preprocessing")
    if pre is not None and json.loads(json.dumps(pre)) != json.loads(json.dumps(PREPROCESSING)):
        bad("preprocessing differs from PM Screen's (resize to 224x224 by area, RGB, x / 127.5 - 1, NCHW)")
    if (meta.get("format") == FORMAT_MEMBERS) != ("members" in meta):
        bad(f"a member list goes with format {FORMAT_MEMBERS} only")
    if "members" in meta:
        _check_members(meta["members"], n, bad)
    else:
        _check_weights(meta.get("weights", {}), "weights", bad)


def _check_members(members, n: int, bad) -> None:
    if not isinstance(members, list) or not 1 <= len(members) <= MAX_MEMBERS:
        bad(f"members must be a list of 1 to {MAX_MEMBERS} networks")
    files = []
    for i, member in enumerate(members, 1):
        if not isinstance(member, dict) or not isinstance(member.get("architecture"), dict):
            bad(f"members[{i}] must be an object with an architecture")
        if member["architecture"].get("num_classes", 2) != n:
            bad(f"members[{i}].architecture.num_classes differs from the model's ({n})")
        _check_weights(member.get("weights"), f"members[{i}].weights", bad)
        files.append(member["weights"].get("file"))
    if len(set(files)) != len(files):
        bad("two members name the same weights file")


def _check_weights(weights, where: str, bad) -> None:
    if not isinstance(weights, dict):
        bad(f"{where} must be an object with file and sha256, got {type(weights).__name__}")
    name = weights.get("file", WEIGHTS)
    if (not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name
            or name != Path(name).name or Path(name).is_absolute() or ":" in name):
        bad(f"{where}.file must be a plain file name inside the model folder, got {name!r}"[:200])
    digest = weights.get("sha256")
    if digest is not None and not (isinstance(digest, str) and len(digest) == 64
                                   and all(c in "0123456789abcdef" for c in digest)):
        bad(f"{where}.sha256 must be 64 hexadecimal digits")


def check_seal(meta: dict, folder: Path) -> None:
    """The seal of model.json must fit its decision fields (see the module's docstring)."""
    path = folder / META
    seal = meta.get("seal")
    if not isinstance(seal, dict) or "sha256" not in seal:
        raise ModelFileError(f"{path}: not sealed (written by an older PM Screen, or edited); after checking it, "
                             f"seal it with: pmscreen seal {folder}")
    claims = sealed_claims(meta)
    if seal.get("version") != SEAL_VERSION or seal.get("sha256") != seal_digest(meta, claims):
        fields = SEALED[1:] + _sealed_if_present(meta) + claims
        raise ModelFileError(f"{path}: its decision fields ({', '.join(fields)}) were changed outside PM "
                             f"Screen (the seal differs); refused. A threshold is changed with pmscreen "
                             f"set-threshold")
    if not all((m.get("weights") or {}).get("sha256") for m in member_list(meta)):
        raise ModelFileError(f"{path}: no weights.sha256 to check the weights against")


def check_tensors(tensors: dict, weights: Path) -> None:
    """Every tensor must be floating point (16, 32 or 64 bit) and finite."""
    for key, value in tensors.items():
        if value.dtype.kind != "f" or value.dtype.itemsize not in (2, 4, 8):
            raise ModelFileError(f"{weights}: tensor {key} is {value.dtype}, not floating point")
        if not np.isfinite(value).all():
            raise ModelFileError(f"{weights}: tensor {key} holds NaN or infinite values")
        if value.dtype.itemsize > 4 and value.size and np.abs(value).max() > np.finfo(np.float32).max:
            # the network runs in float32: such a value becomes infinite there, and every probability NaN
            raise ModelFileError(f"{weights}: tensor {key} holds values beyond the float32 range")


def read_weights(folder: Path, meta: dict, verify_hash: bool = True,
                 check_shapes: Callable[[dict[str, list[int]]], None] | None = None) -> dict[str, np.ndarray]:
    """The tensors of the weights file named by ``meta``, checked against its SHA-256 (over the bytes loaded).
    The file is read only when it is a regular file inside ``folder`` of the size its header declares, and
    (``check_shapes``) holds the tensors expected (core.store.tensorfile)."""
    from safetensors.numpy import load as load_bytes

    weights, data, digest = weights_bytes(folder, meta, check_shapes)
    expected = meta.get("weights", {}).get("sha256")
    if verify_hash and expected and digest != expected:
        raise ModelFileError(f"{weights}: does not fit {META} (checksum differs: replaced or damaged file)")
    try:
        tensors = load_bytes(data)
    except Exception as exc:  # SafetensorError, …: all mean "not a usable weights file"
        raise ModelFileError(f"{weights}: truncated or not a safetensors file ({exc})") from None
    check_tensors(tensors, weights)
    if verify_hash:  # the decision fields against the record the weights were made with (core.store.provenance)
        _check_provenance(meta, data, digest, folder)
    return tensors


def weights_bytes(folder: Path, meta: dict,
                  check_shapes: Callable[[dict[str, list[int]]], None] | None = None) -> tuple[Path, bytes, str]:
    """(path, bytes, SHA-256) of the weights file named by ``meta``, read with core.store.tensorfile's bounds."""
    weights = folder / meta.get("weights", {}).get("file", WEIGHTS)
    try:
        data, digest = read_weights_file(file_inside(folder, weights.name), check_shapes)
    except TensorFileError as exc:
        raise ModelFileError(str(exc)) from None
    return weights, data, digest


def _check_provenance(meta: dict, data: bytes, digest: str, folder: Path) -> bool:
    """core.store.provenance.check_provenance with a ModelFileError naming model.json."""
    try:
        return check_provenance(meta, data, digest)
    except ProvenanceError as exc:
        raise ModelFileError(f"{folder / META}: {exc}") from None


def load_model(folder: str | Path, verify_hash: bool = True):
    """Build the network described by ``model.json`` and load its weights; returns (model in eval mode, meta).

    The decision fields are range-checked; with ``verify_hash`` (the default; off only for tests of damaged
    folders) the seal and the weights' SHA-256 are checked too. A folder of several member networks is loaded
    with core.store.members.load_members."""
    folder, meta = checked_meta(folder, verify_hash)
    if meta.get("format") == FORMAT_MEMBERS:
        count = len(meta["members"])
        raise ModelFileError(f"{folder / META}: a model made of member networks ({count} of them), where one trained "
                             "network (a training run's folder) is expected")
    return build_member(folder, meta, verify_hash), meta


def checked_meta(folder: str | Path, verify_hash: bool = True) -> tuple[Path, dict]:
    """(readable folder, its model.json), range-checked and, with ``verify_hash``, its seal checked."""
    folder = readable_folder(folder)
    meta = read_meta(folder)
    check_meta(meta, folder)
    if verify_hash:
        check_seal(meta, folder)
    return folder, meta


def build_member(folder: Path, member: dict, verify_hash: bool = True):
    """The network of one member (``architecture`` and ``weights`` of model.json or of one of its members) with
    its checked weights loaded, in eval mode."""
    from ..nn._paddle import ensure_dynamic_mode, paddle
    from ..nn.models import build_from_config

    ensure_dynamic_mode()  # set_state_dict fails in static mode (a thread's mode is its own: core.nn._paddle)
    try:
        # no random initialisation of weights about to be replaced: ~1 s less per ResNet-18 to start up. The file
        # must hold every parameter and buffer (fits() below), so none is left uninitialised. Paddle 2.6's
        # set_state_dict leaves lazy parameters empty: there they are initialised as built.
        lazy = not paddle.__version__.startswith("2.")
        with paddle.LazyGuard() if lazy else contextlib.nullcontext():
            model = build_from_config(member["architecture"])
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ModelFileError(f"{folder / META}: bad architecture ({exc})") from None
    own = {k: list(v.shape) for k, v in model.state_dict().items()}
    weights = folder / member.get("weights", {}).get("file", WEIGHTS)

    def fits(shapes: dict[str, list[int]]) -> None:  # from the file's header, before its tensors are read
        missing, unexpected = sorted(set(own) - set(shapes)), sorted(set(shapes) - set(own))
        wrong = [k for k in own if k in shapes and shapes[k] != own[k]]
        if missing or unexpected or wrong:
            detail = "; ".join(
                f"{what}: {', '.join(keys[:3])}{' …' if len(keys) > 3 else ''}"
                for what, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)) if keys
            )
            raise ModelFileError(f"{weights}: does not fit the architecture in {META} ({detail})")

    tensors = read_weights(folder, member, verify_hash, fits)
    model.set_state_dict({k: paddle.to_tensor(v.astype(np.float32)) for k, v in tensors.items()})
    model.eval()
    return model


# ---------------------------------------------------------------- legitimate changes of a model folder

NOTE_LIMIT = 1000  # characters of a threshold change's reason


def _user() -> str:
    import getpass

    from ..images.textsafe import shown

    try:  # shown: LOGNAME is anyone's to set, and a newline or ESC in it went raw into the card and the terminal
        return shown(getpass.getuser())
    except Exception:  # no login name (some containers, services)
        return "unknown"


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _rewrite(folder: Path, meta: dict, card_note: str | None = None, claims: tuple[str, ...] | None = None) -> dict:
    """Replace ``folder`` atomically by a copy whose model.json is ``meta`` (sealed anew, over ``claims``: see
    write_meta); the other files are carried over unchanged (hard links where possible), MODEL_CARD.md with
    ``card_note`` appended."""
    with atomic_folder(folder) as tmp:
        if card_note and os.path.lexists(folder / CARD):  # a FIFO or dangling link is refused, not dropped
            try:
                text = read_small_text(folder / CARD, MAX_CARD_BYTES).rstrip("\n")
            except SmallFileError as exc:
                raise ModelFileError(str(exc)) from None
            (tmp / CARD).write_text(f"{text}\n\n{card_note}\n", encoding="utf-8", errors="backslashreplace")
        carry_over(folder, tmp, skip=(META,))  # the weights, and whatever else the user keeps in the folder
        return write_meta(tmp / META, meta, claims)


def _verified(folder: str | Path, sealed: bool = True) -> tuple[Path, dict]:
    folder, meta = checked_meta(folder, verify_hash=sealed)
    if not sealed and not all((m.get("weights") or {}).get("sha256") for m in member_list(meta)):
        raise ModelFileError(f"{folder / META}: no weights.sha256: the weights cannot be checked; not sealed")
    for member in member_list(meta):
        read_weights(folder, member)  # the weights fit their checksum and are finite floats
    return folder, meta


# A threshold a user sets is shown with 4 decimals everywhere: 5e-324 was accepted and shown as 0.0000
THRESHOLD_LOW = 0.0001


def set_threshold(folder: str | Path, threshold: float, note: str | None = None, user: str | None = None) -> dict:
    """Change a model's decision threshold (its operating point): the folder must be intact (sealed, weights
    fitting); the new model.json is re-sealed and records who changed it, when, from what and why in its
    ``provenance`` list (which loading checks the threshold against: core.store.provenance), as does
    MODEL_CARD.md when there is one. Returns the new meta."""
    if not (_number(threshold) and THRESHOLD_LOW <= threshold <= 1 - THRESHOLD_LOW):
        raise ValueError(f"the threshold must be a number between {THRESHOLD_LOW} and {1 - THRESHOLD_LOW}, "
                         f"got {threshold!r}")
    if note and len(note) > NOTE_LIMIT:  # each change's note is kept in the card: 33 long ones outgrew its 4 MB
        raise ValueError(f"the note is {len(note)} characters long; a reason of at most {NOTE_LIMIT} is recorded")
    with changing(folder), writing_alone(folder):  # a training run's next save wiped the change without a word
        return _set_threshold(folder, threshold, note, user)


def _set_threshold(folder: str | Path, threshold: float, note: str | None, user: str | None) -> dict:
    folder, meta = _verified(folder)
    user, when = user or _user(), _utc_now()
    sealed = (*sealed_claims(meta), "threshold_rule")  # what was sealed stays so, and no more (a hand-added card)
    old = meta.get("threshold", 0.5)
    if threshold == old:  # a change of nothing was recorded as one, in the card too
        raise ValueError(f"{folder}: the threshold is already {old:.4f}; nothing was changed")
    change = {"action": "set-threshold", "from": old, "to": float(threshold), "by": user, "when": when,
              "note": note or ""}
    meta = dict(meta)
    meta["threshold"] = float(threshold)
    meta["threshold_rule"] = f"set to {threshold:.4f} by {user} on {when}" + (
        f" ({note})" if note else "")
    meta["provenance"] = [*meta.get("provenance", []), change]
    return _rewrite(folder, meta, threshold_change_note(change, meta), sealed)


def threshold_change_note(change: dict, meta: dict | None = None) -> str:
    """The paragraph a threshold change appends to MODEL_CARD.md, and to the card the application shows; with
    the figures the card recorded at the new threshold when it measured them there (its 0.5 point)."""
    old, new, note = float(change["from"]), float(change["to"]), change.get("note")
    text = (f"**Decision threshold changed** on {change.get('when', '?')} by {change.get('by', '?')}: {old:.4f} -> "
            f"{new:.4f}" + (f" ({note})" if note else "") + f". Metrics above were measured at {old:.4f}.")
    at = (meta or {}).get("metrics_at_0_5")
    if isinstance(at, dict) and abs(new - 0.5) < 1e-9:
        try:
            text += (" At 0.5000 the card records accuracy {:.3f}, sensitivity {:.3f}, specificity {:.3f}.".format(
                float(at["accuracy"]), float(at["sensitivity"]), float(at["specificity"])))
        except (KeyError, TypeError, ValueError):
            pass
    return text


def seal_folder(folder: str | Path, user: str | None = None) -> tuple[dict, bool]:
    """Seal a model folder written before PM Screen sealed its models, after checking its fields and weights.
    Returns (meta, changed). An intact sealed folder is left alone; one whose seal differs is refused, naming the
    changed field when the weights' training record tells (core.store.provenance). An unsealed folder is sealed
    only when nothing can have been changed behind a removed seal: its fields agree with the weights' record,
    or it shows no sign of an earlier seal (then the values sealed are recorded in ``provenance`` and shown)."""
    with changing(folder):
        return _seal_folder(folder, user)


def _seal_folder(folder: str | Path, user: str | None) -> tuple[dict, bool]:
    folder = readable_folder(folder)
    meta = read_meta(folder)
    check_meta(meta, folder)
    if "seal" in meta:
        for member in member_list(meta):
            read_weights(folder, member)
        check_seal(meta, folder)
        unsealed = [k for k in CLAIMS if k in meta and k not in sealed_claims(meta)]
        if not unsealed:
            return meta, False
        # a card and figures written before PM Screen sealed them: sealed now at the user's word, on the record
        entry = {"action": "seal", "by": user or _user(), "when": _utc_now(), "sealed": ", ".join(unsealed),
                 "note": f"{', '.join(unsealed)} sealed by pmscreen seal (written before PM Screen sealed them)"}
        return _rewrite(folder, {**meta, "provenance": [*meta.get("provenance", []), entry]}), True
    if meta.get("format") == FORMAT_MEMBERS:
        # Every PM Screen that writes several members seals them, and a member's training record cannot tell
        # whether a member was dropped or added: an unsealed list of members is never trusted.
        raise ModelFileError(f"{folder / META}: a model of members without its seal: its member list "
                             f"cannot be checked; restore the folder from a copy, or make it again")
    folder, meta = _verified(folder, sealed=False)
    recorded = all([_check_provenance(m, *weights_bytes(folder, m)[1:], folder) for m in member_list(meta)])
    trace = seal_traces(meta)
    changes = threshold_changes(meta)
    if changes:
        # Only a seal vouches for the recorded threshold changes: without it, an entry added by hand would pass
        # for a change made with set-threshold (and seal would approve an edited threshold).
        raise ModelFileError(f"{folder / META}: not sealed, yet it lists {len(changes)} threshold change(s) that only "
                             f"its seal vouched for: they cannot be told from a hand edit; restore the folder from "
                             f"a copy, or retrain")
    if trace and not recorded:
        raise ModelFileError(f"{folder / META}: not sealed, yet sealed by PM Screen before (its {trace} says so): "
                             f"the seal was removed and what it covered cannot be checked; restore the folder "
                             f"from a copy, or retrain")
    entry = {"action": "seal", "by": user or _user(), "when": _utc_now(), "sealed": describe(meta),
             "note": "the seal was missing; the fields agree with the weights' training record" if recorded else
                     "sealed by pmscreen seal (the folder was written before PM Screen sealed models)"}
    meta = dict(meta)
    meta["provenance"] = [*meta.get("provenance", []), entry]
    return _rewrite(folder, meta), True
