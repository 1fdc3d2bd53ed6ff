"""Atomic model folders: the new folder is filled completely beside the target, then swapped in with two renames
(target -> backup, new -> target) and the backup removed. A kill at any moment leaves a complete folder at
the target or at the backup. Readers never rename or delete (a training run may be swapping the folder at that
moment): they read the backup while the target is missing (``readable_folder``). Writers run ``recover_folder``
first.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from pathlib import Path

META = "model.json"


def real_place(target: str | Path) -> Path:
    """Where a model folder really is: a link to a folder is followed, so the swap happens beside the folder and
    the link stays (renaming the link itself left a real folder in its place and broke every later save)."""
    target = Path(target)
    if target.is_symlink():
        return Path(os.path.realpath(target))
    # "." and ".." have no name to put beside ("PosixPath('.') has an empty name" after a whole epoch)
    return Path(os.path.abspath(target)) if target.name in ("", "..") else target


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
    target = real_place(target)
    backup = _backup(target)
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
def changing(folder: str | Path):
    """Held while a model folder is read, changed and written anew (set-threshold, seal): one change at a time,
    each reading what the one before wrote (two at once both said "sealed" and one change was lost). The lock is
    on the parent folder, which stays while the model folder itself is replaced; a no-op where flock is absent."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    parent = real_place(folder).absolute().parent
    try:
        fd = os.open(parent, os.O_RDONLY)
    except OSError:  # the folder's own checks say what is wrong
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class FolderBusy(ValueError):
    """Another process is writing the same model folder (a second training run into one --out)."""


@contextlib.contextmanager
def writing_alone(folder: str | Path):
    """Held by a training run for as long as it writes ``folder``: a second run into the same folder is refused at
    its start (both saved in turn and the last save won, so one run's work was lost). The lock is a small
    ``.NAME.lock`` file beside the folder, removed at the end; a no-op where flock is absent."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    target = real_place(folder).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = target.with_name(f".{target.name}.lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a read-only parent of a writable cross-validation folder: unguarded, as before the lock
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(f"{target}: another training run is writing to this folder; wait until it ends or "
                             "choose another folder") from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock)
    finally:
        os.close(fd)  # releases the lock


MOUNTINFO = "/proc/self/mountinfo"


def _mount_points() -> set[str]:
    """Where the kernel has something mounted (Linux; empty elsewhere). Names are octal-escaped there."""
    try:
        with open(MOUNTINFO, encoding="utf-8", errors="surrogateescape") as f:
            fields = [line.split(" ") for line in f]
    except OSError:
        return set()
    return {_unescaped(f[4]) for f in fields if len(f) > 4}


def _unescaped(name: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), name)  # "\040" is a space


def is_mount_point(folder: Path) -> bool:
    """A file system's root, or a bind mount of a folder of the same file system, which os.path.ismount misses
    (it compares devices)."""
    return os.path.ismount(folder) or os.path.realpath(folder) in _mount_points()


def check_folder_name(target: str | Path, replaces: str = "model") -> None:
    """Refuse, before any work, a model folder ``atomic_folder`` could not write or must not replace: an existing
    file, or a folder that holds something and is no model folder (replacing it would delete the user's files);
    a model folder unless ``replaces`` allows it ("model": a model made again, but not a training run, whose
    checkpoint Resume needs; "run": a run resumed into itself; "": none, as for a new training run); a place that
    cannot be written; a name too long for the working copy written beside it under a longer name
    (".NAME.tmp-PID", ".NAME.previous")."""
    if Path(target).is_symlink() and not Path(target).exists():
        raise ValueError(f"{target}: is a link to a missing folder ({os.readlink(target)})")
    target = real_place(target)
    if target.is_dir() and is_mount_point(target):  # the swap renames it: EBUSY after the first epoch
        raise ValueError(f"{target}: is a mount point, which a save cannot replace: choose a folder inside it")
    if target.is_dir():
        if (target / "model.json").is_file() and replaces != "run":
            if not replaces:
                raise ValueError(f"{target}: already holds a model, which a new training run would replace whole: "
                                 "choose a new or empty folder (or --resume to continue a stopped run)")
            if (target / "checkpoint").is_dir():
                raise ValueError(f"{target}: is a training run (it holds the checkpoint Resume needs), which would "
                                 "be replaced whole: choose a new or empty folder")
            others = _not_the_models(target)
            if others:  # notes, approvals, reports kept beside the model would go with it
                raise ValueError(f"{target}: holds a model and other files ({', '.join(others[:3])}"
                                 f"{' …' if len(others) > 3 else ''}), which replacing the model would delete: "
                                 "move them or choose another folder")
        if any(target.iterdir()) and not (target / "model.json").is_file():
            raise ValueError(f"{target}: the folder holds files and is no model folder; it would be replaced "
                             "whole: choose a new or empty folder")
    elif os.path.lexists(target):
        raise ValueError(f"{target}: is a file, not a folder")
    parent = next((p for p in target.absolute().parents if p.is_dir()), Path("/"))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{target}: cannot be written here ({parent} is read-only or not yours)")
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # not on this system or file system: the common limit
        limit = 255
    longest = len(os.fsencode(f".{target.name}.tmp-{2 ** 22}"))  # the longest pid Linux gives
    if longest > limit:
        raise ValueError(f"{target}: the folder name is too long: its working copy's name would be {longest} "
                         f"bytes, {limit} at most here; choose a name of at most "
                         f"{len(os.fsencode(target.name)) - (longest - limit)} bytes")


def _not_the_models(folder: Path) -> list[str]:
    """Names in a model folder other than the files a model is made of (model.json, MODEL_CARD.md, the weights
    files it names, or any a model folder may hold: model.safetensors, member-N.safetensors)."""
    own = {META, "MODEL_CARD.md", "model.safetensors"}
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        entries = [meta, *(meta.get("members") or [])] if isinstance(meta, dict) else []
        own |= {str((e.get("weights") or {}).get("file")) for e in entries if isinstance(e, dict)}
    except (OSError, ValueError, AttributeError, RecursionError):
        pass  # unreadable: only the usual names are the model's
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in own and not re.fullmatch(r"member-\d+\.safetensors", p.name))


@contextlib.contextmanager
def atomic_folder(target: str | Path):
    """Yield an empty temporary folder; when the block succeeds it replaces ``target`` atomically."""
    target = real_place(target)
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
        try:
            os.replace(target, backup)
        except OSError as exc:  # EBUSY: a mount point check_folder_name could not see; the old folder stays
            shutil.rmtree(tmp, ignore_errors=True)
            raise OSError(f"{target}: cannot be replaced ({exc.strerror or exc}); the previous version is kept: "
                          "save into a folder inside it") from None
    os.replace(tmp, target)
    shutil.rmtree(backup, ignore_errors=True)


def link_or_copy(src: Path, dst: Path) -> None:
    """Carry an unchanged file into a new folder without rewriting it (files are never modified in place)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def carry_over(folder: Path, tmp: Path, skip: tuple[str, ...] = ()) -> None:
    """Copy into the new folder ``tmp`` everything of ``folder`` that the writer did not write itself (what is
    already in ``tmp``) nor leaves out (``skip``, top-level names): the user's notes, reports and sub-folders
    survive a save. Files as hard links where possible; links are kept as links, never followed; empty folders
    stay."""
    for src in sorted(folder.rglob("*")):
        rel = src.relative_to(folder)
        dst = tmp / rel
        if rel.parts[0] in skip or os.path.lexists(dst):
            continue
        if src.is_symlink():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dst)
        elif src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
        elif src.is_file():
            link_or_copy(src, dst)


def readable_folder(folder: str | Path) -> Path:
    """``folder``, or its complete backup while a swap is half done (never modifies anything)."""
    folder = Path(folder)
    backup = _backup(real_place(folder))
    if not (folder / META).is_file() and (backup / META).is_file():
        return backup
    return folder


class SmallFileError(ValueError):
    """A small text file (model.json, MODEL_CARD.md, a cross-validation's cv.json) that cannot be read as one."""


def read_small_text(path: str | Path, limit: int) -> str:
    """The UTF-8 text of the regular file ``path`` of at most ``limit`` bytes, else a one-line SmallFileError
    naming it. Opened without blocking and checked after opening: a FIFO put in its place never hangs a reader, a
    sparse multi-gigabyte file is not read."""
    import stat

    from ..images.filekinds import file_kind

    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise SmallFileError(f"{path}: " + ("a link to a missing file" if path.is_symlink() else "file not found")
                             ) from None
    except OSError as exc:
        raise SmallFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    st = os.fstat(fd)  # before fdopen, which refuses a directory with its own IsADirectoryError
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SmallFileError(f"{path}: " + ("is a directory" if stat.S_ISDIR(st.st_mode)
                                            else f"not a regular file ({file_kind(st.st_mode)}); not opened"))
    with os.fdopen(fd, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise SmallFileError(f"{path}: larger than the {limit // (1 << 20)} MB such a file may have; not read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SmallFileError(f"{path}: not UTF-8 text") from None
