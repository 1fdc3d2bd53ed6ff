"""What a file system entry that is not a regular file is, in the words of PM Screen's one-line messages (a FIFO is
never opened: it would block the reader)."""

from __future__ import annotations

import stat


def file_kind(mode: int) -> str:
    """"a FIFO", "a device", "a socket" or "not a plain file", from an ``os.stat`` mode."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"
