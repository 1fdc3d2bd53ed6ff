"""Model folders: ``weights.safetensors`` + ``model.json``, written atomically, loaded with checks.

No pickle anywhere: tensors go to safetensors, everything else to JSON.

Atomic write: the new folder is filled completely beside the target, then swapped in with two renames
(target -> backup, new -> target) and the backup removed. A kill at any moment leaves a complete folder at
the target or at the backup. Readers never rename or delete (a training run may be swapping the folder at that
moment): they read the backup while the target is missing. Writers run ``recover_folder`` first.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

FORMAT = "pmscreen-model/1"
WEIGHTS = "weights.safetensors"
META = "model.json"


class ModelFileError(Exception):
    """A model folder that cannot be loaded; the message names the file and the problem."""


# ---------------------------------------------------------------- atomic folders

def _backup(target: Path) -> Path:
    return target.with_name(f".{target.name}.previous")


def _writer_gone(tmp: Path) -> bool:
    try:
        pid = int(tmp.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return True
    if pid == os.getpid():
        return False
    if os.name != "posix":  # no safe liveness probe: only clear leftovers older than a day
        return time.time() - tmp.stat().st_mtime > 86400
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def recover_folder(target: Path) -> None:
    """Finish or undo a swap that a killed process left half done, and clear its temporary folder."""
    target, backup = Path(target), _backup(Path(target))
    if backup.is_dir() and not target.exists():
        os.replace(backup, target)  # killed between the two renames: the previous folder comes back
    elif backup.is_dir():
        shutil.rmtree(backup, ignore_errors=True)  # killed after the swap, before the clean-up
    if target.parent.is_dir():
        for tmp in target.parent.glob(f".{target.name}.tmp-*"):
            if _writer_gone(tmp):
                shutil.rmtree(tmp, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_folder(target: str | Path):
    """Yield an empty temporary folder; when the block succeeds it replaces ``target`` atomically."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        _fsync_tree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    backup = _backup(target)
    if target.exists():
        os.replace(target, backup)
    os.replace(tmp, target)
    shutil.rmtree(backup, ignore_errors=True)


def link_or_copy(src: Path, dst: Path) -> None:
    """Carry an unchanged file into a new folder without rewriting it (files are never modified in place)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


# ---------------------------------------------------------------- tensors

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_tensors(path: Path, tensors: dict[str, np.ndarray], dtype: str | None = None) -> None:
    from safetensors.numpy import save_file

    out = {}
    for k, v in tensors.items():
        v = np.ascontiguousarray(v)
        if dtype and v.dtype.kind == "f":
            v = v.astype(dtype)
        out[k] = v
    save_file(out, str(path))


def read_tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    if not path.is_file():
        raise ModelFileError(f"{path}: file not found")
    try:
        return load_file(str(path))
    except Exception as exc:  # SafetensorError, OSError, …: all mean "not a usable weights file"
        raise ModelFileError(f"{path}: truncated or not a safetensors file ({exc})") from None


def state_to_numpy(state: dict) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in state.items()}


# ---------------------------------------------------------------- model folders

def write_model_files(folder: Path, state: dict[str, np.ndarray], meta: dict, dtype: str | None = None) -> dict:
    """Write weights + model.json into ``folder`` (no atomicity here; see ``save_model``). Returns the meta."""
    from . import __version__
    from ._paddle import paddle

    folder.mkdir(parents=True, exist_ok=True)
    write_tensors(folder / WEIGHTS, state, dtype)
    meta = dict(meta)
    meta.setdefault("created", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    meta.update(
        format=FORMAT,
        paddle_version=paddle.__version__,
        pmscreen_version=__version__,
        weights={"file": WEIGHTS, "sha256": sha256_file(folder / WEIGHTS), "dtype": dtype or "float32"},
    )
    write_json(folder / META, meta)
    return meta


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=True) + "\n", encoding="utf-8")


def save_model(folder: str | Path, model, meta: dict, dtype: str | None = None) -> dict:
    """Save ``model`` with ``meta`` as a model folder, atomically replacing any previous one."""
    with atomic_folder(folder) as tmp:
        return write_model_files(tmp, state_to_numpy(model.state_dict()), meta, dtype)


def readable_folder(folder: str | Path) -> Path:
    """``folder``, or its complete backup while a swap is half done (never modifies anything)."""
    folder = Path(folder)
    backup = _backup(folder)
    if not (folder / META).is_file() and (backup / META).is_file():
        return backup
    return folder


def read_meta(folder: str | Path) -> dict:
    folder = readable_folder(folder)
    path = folder / META
    if not folder.is_dir():
        raise ModelFileError(f"{folder}: model folder not found")
    if not path.is_file():
        raise ModelFileError(f"{folder}: not a model folder (no {META})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: unreadable ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "architecture" not in meta:
        raise ModelFileError(f"{path}: not a PM Screen model description (format {FORMAT} expected)")
    return meta


def load_model(folder: str | Path, verify_hash: bool = True):
    """Build the network described by ``model.json`` and load its weights; returns (model in eval mode, meta)."""
    from ._paddle import ensure_dynamic_mode, paddle
    from .models import build_from_config

    ensure_dynamic_mode()  # set_state_dict fails in static mode (a thread's mode is its own: core._paddle)
    folder = readable_folder(folder)
    meta = read_meta(folder)
    weights = folder / meta.get("weights", {}).get("file", WEIGHTS)
    expected = meta.get("weights", {}).get("sha256")
    if verify_hash and expected and weights.is_file() and sha256_file(weights) != expected:
        raise ModelFileError(f"{weights}: does not fit {META} (checksum differs: replaced or damaged file)")
    tensors = read_tensors(weights)
    try:
        model = build_from_config(meta["architecture"])
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{folder / META}: bad architecture ({exc})") from None
    own = model.state_dict()
    missing, unexpected = sorted(set(own) - set(tensors)), sorted(set(tensors) - set(own))
    wrong = [k for k in own if k in tensors and list(tensors[k].shape) != list(own[k].shape)]
    if missing or unexpected or wrong:
        detail = "; ".join(
            f"{what}: {', '.join(keys[:3])}{' …' if len(keys) > 3 else ''}"
            for what, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)) if keys
        )
        raise ModelFileError(f"{weights}: does not fit the architecture in {META} ({detail})")
    model.set_state_dict({k: paddle.to_tensor(v.astype(np.float32)) for k, v in tensors.items()})
    model.eval()
    return model, meta


def model_summary(meta: dict) -> str:
    arch = meta["architecture"]
    name = meta.get("name") or f"ResNet-{arch['depth']}-{meta.get('variant') or 'custom'}"
    return f"{name} (threshold {meta.get('threshold', 0.5):.3f})"
