"""Weights files (safetensors) of a model folder, opened and read with bounds.

A model folder names its weights files in model.json; each must be a regular file inside the folder: a link is
followed only when it ends inside the folder (a member that links to /somewhere/else.safetensors is refused as
``weights.file = "../x"`` is), and a directory, FIFO, device or socket is named as what it is and never opened
(a FIFO would block the reader).

A safetensors file is an 8-byte little-endian header length, a JSON header (every tensor's dtype, shape and byte
range) and the tensor bytes. The header is read first (at most ``MAX_HEADER_BYTES``) and checked: the ranges
must fit the dtypes and shapes and follow each other, so the header fixes the file's size; a file of another
size is refused before its tensors are read (a sparse 6 GB file gave a MemoryError traceback), as are tensors
totalling more than ``MAX_WEIGHTS_BYTES`` or, when the caller knows the architecture, tensors of other names or
shapes. Only then is the file read, in chunks of 1 MB hashed as they come.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ..images.filekinds import file_kind

MAX_HEADER_BYTES = 16 << 20  # a ResNet-152's header, with its training record, is about 100 KB
MAX_WEIGHTS_BYTES = 1 << 30  # the largest network PM Screen builds (ResNet-152, float64) has about 480 MB
CHUNK = 1 << 20
MAX_DIMS = 8  # a convolution's weights have 4
ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
            "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}


class TensorFileError(Exception):
    """A weights file that cannot be used; the message names the file and the problem in one line."""


def _regular(path: Path, st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise TensorFileError(f"{path}: is a directory, not a weights file")
    if not stat.S_ISREG(st.st_mode):
        raise TensorFileError(f"{path}: is not a regular file ({file_kind(st.st_mode)}); not opened")


def regular_file(path: Path) -> Path:
    """``path`` when it is (or links to) a regular file; else a TensorFileError saying what it is."""
    try:
        _regular(path, os.stat(path))
    except FileNotFoundError:
        raise TensorFileError(f"{path}: " + ("a link to a missing file" if os.path.islink(path)
                                             else "file not found")) from None
    except OSError as exc:
        raise TensorFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return path


def file_inside(folder: Path, name: str) -> Path:
    """The regular file ``name`` of ``folder``: a link is resolved and must end inside the folder."""
    path = folder / name
    try:
        if not os.path.islink(path):
            return regular_file(path)
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise TensorFileError(f"{path}: a link to a missing file") from None
    except (OSError, RuntimeError) as exc:  # a link loop
        raise TensorFileError(f"{path}: a link that cannot be followed ({getattr(exc, 'strerror', None) or exc})"
                              ) from None
    if not target.is_relative_to(folder.resolve()):
        raise TensorFileError(f"{path}: a link to {target}, outside the model folder; refused")
    return regular_file(target)


def _header(raw: bytes, path: Path) -> dict[str, tuple[str, list[int], int, int]]:
    """name -> (dtype, shape, begin, end) of a safetensors header, its byte ranges checked against the dtypes
    and shapes and following each other from 0."""
    def bad(what: str):
        raise TensorFileError(f"{path}: not a safetensors file ({what})")

    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        bad("its header is not JSON")
    if not isinstance(header, dict):
        bad("its header is not a JSON object")
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, shape, offsets = (entry.get(k) for k in ("dtype", "shape", "data_offsets")) if isinstance(
            entry, dict) else (None, None, None)
        if (not isinstance(dtype, str) or dtype not in ITEMSIZE or not isinstance(shape, list)
                or not isinstance(offsets, list)
                or len(offsets) != 2 or len(shape) > MAX_DIMS or not all(_count(x) for x in shape + offsets)):
            bad(f"tensor {name[:80]!r} has no usable dtype, shape and data_offsets")
        begin, end = offsets
        if end - begin != math.prod(shape) * ITEMSIZE[dtype]:
            bad(f"tensor {name[:80]!r}: its byte range does not fit {dtype} {shape}"[:200])
        out[name] = (dtype, shape, begin, end)
    at = 0
    for name, (_, _, begin, end) in sorted(out.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != at:
            bad(f"tensor {name[:80]!r} does not start where the one before it ends")
        at = end
    return out


def _count(x) -> bool:
    # bounded, so that multiplying a shape out stays cheap (a 2 MB header of huge dimensions took 51 s)
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 1 << 40


def read_weights_file(path: Path, check_shapes: Callable[[dict[str, list[int]]], None] | None = None,
                      limit: int = MAX_WEIGHTS_BYTES) -> tuple[bytes, str]:
    """(the bytes of the safetensors file ``path``, their SHA-256), read only after its header was found sound,
    of the size the header declares, with at most ``limit`` bytes of tensors and (``check_shapes``, given the
    header's name -> shape, raises when they do not fit) the tensors expected. ``path`` must have been checked
    to be a regular file (``file_inside``); it is opened without blocking and checked again once open."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise TensorFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as f:
        _regular(path, os.fstat(fd))  # the file may have been swapped since it was checked
        size = os.fstat(fd).st_size
        head = f.read(8)
        length = int.from_bytes(head, "little") if len(head) == 8 else None
        if length is None or 8 + length > size:
            raise TensorFileError(f"{path}: truncated or not a safetensors file (a header of {length:,} bytes "
                                  f"in a file of {size:,})" if length is not None else
                                  f"{path}: truncated or not a safetensors file ({size} bytes)")
        if length > MAX_HEADER_BYTES:
            raise TensorFileError(f"{path}: not a safetensors file (a header of {length:,} bytes; at most "
                                  f"{MAX_HEADER_BYTES >> 20} MB expected)")
        raw = f.read(length)
        tensors = _header(raw, path)
        body = max((end for *_, end in tensors.values()), default=0)
        expected = 8 + length + body
        if size != expected:
            problem = "larger than its header declares" if size > expected else "truncated"
            raise TensorFileError(f"{path}: {problem} ({size:,} bytes; its header declares {expected:,}); "
                                  f"not read")
        if body > limit:
            raise TensorFileError(f"{path}: declares {body / (1 << 20):.0f} MB of tensors, more than the "
                                  f"{limit / (1 << 20):.0f} MB a PM Screen network can hold; refused")
        if check_shapes is not None:
            check_shapes({name: shape for name, (_, shape, _, _) in tensors.items()})
        return _read_hashed(f, head + raw, size, path)


def _read_hashed(f, start: bytes, size: int, path: Path) -> tuple[bytes, str]:
    """The rest of ``f`` after ``start``, read in chunks and hashed as it comes; exactly ``size`` bytes in all."""
    digest = hashlib.sha256(start)
    chunks, got = [start], len(start)
    while got < size:
        chunk = f.read(min(CHUNK, size - got))
        if not chunk:
            break
        digest.update(chunk)
        chunks.append(chunk)
        got += len(chunk)
    if got != size or f.read(1):
        raise TensorFileError(f"{path}: changed while it was read; try again")
    return b"".join(chunks), digest.hexdigest()
