"""Before the window opens on an X display: are the system libraries of Qt's xcb platform plugin installed?

Qt's own error names only one of them ("xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform
plugin") and then aborts, though libxcb-icccm4 and libxcb-keysyms1 are often missing too. ``make run`` calls
``python -m gui.xcb_check`` first: it says in one message which packages are missing (exit code 1), or nothing.
It checks only when the program would use xcb: a DISPLAY is set and QT_QPA_PLATFORM is unset or "xcb".
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
from pathlib import Path

# Loaded by the plugin at run time (dlopen), so not among the libraries ldd lists.
RUNTIME_LIBS = ("libxcb-cursor.so.0",)
# Debian / Ubuntu package of a library whose name does not follow the usual rule (see ``package_of``).
PACKAGES = {"libxcb.so.1": "libxcb1"}


def package_of(soname: str) -> str:
    """The Debian / Ubuntu package of a library: libxcb-icccm.so.4 -> libxcb-icccm4, libdbus-1.so.3 ->
    libdbus-1-3, libEGL.so.1 -> libegl1."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    m = re.fullmatch(r"(lib.+?)\.so\.(\d+).*", soname)
    if not m:
        return soname
    name, major = m.group(1).lower(), m.group(2)
    return f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"


def plugin_path() -> Path | None:
    try:
        from PySide6.QtCore import QLibraryInfo
    except ImportError:
        return None
    plugin = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def unresolved(library: Path) -> list[str]:
    """Libraries ``library`` links to that the dynamic loader cannot find (from ldd)."""
    try:
        out = subprocess.run(["ldd", str(library)], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]


def loadable(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
        return True
    except OSError:
        return False


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """The libraries the xcb plugin needs that this system lacks, in a stable order."""
    plugin = plugin or plugin_path()
    if plugin is None:
        return []
    missing = unresolved(plugin)
    missing += [lib for lib in RUNTIME_LIBS if lib not in missing and not loadable(lib)]
    return sorted(dict.fromkeys(missing))


def uses_xcb(env=os.environ) -> bool:
    return bool(env.get("DISPLAY")) and env.get("QT_QPA_PLATFORM", "xcb").split(":")[0] in ("", "xcb") and \
        sys.platform.startswith("linux")


def message(libraries: list[str]) -> str:
    packages = list(dict.fromkeys(package_of(lib) for lib in libraries))
    return (f"PM Screen cannot open its window yet: Qt's X11 (xcb) platform plugin needs system packages that are "
            f"not installed: {', '.join(packages)}.\n"
            f"On Debian or Ubuntu install them with:\n    sudo apt-get install {' '.join(packages)}\n"
            f"(On other systems, install the packages that provide {', '.join(libraries)}.)")


def main(env=os.environ) -> int:
    if not uses_xcb(env):
        return 0
    libraries = missing_libraries()
    if not libraries:
        return 0
    print(message(libraries), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
