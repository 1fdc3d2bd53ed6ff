"""PM Screen's override of PyInstaller's PySide6.QtGui hook: the same collection, minus Qt plugins a desktop
program on Linux never loads. Dropped before dependency analysis, so their own libraries (GTK, cairo, pango,
EGL device integrations, ...) are not pulled in either.

Kept on Linux: the xcb, wayland, offscreen and minimal platforms (X11 and Wayland desktops; headless checks),
xcb GL integrations, image formats (SVG icons, JPEG), the SVG icon engine, input contexts (compose, IBus for
Chinese input) and the XDG desktop-portal theme. Windows and macOS plugins are not filtered.
"""

import os

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)

_DROP = {
    "platforms": ("libqeglfs", "libqlinuxfb", "libqminimalegl", "libqvnc", "libqvkkhrdisplay"),
    "platformthemes": ("libqgtk3",),  # links the build machine's GTK 3 stack; Qt's own dialogs are used instead
    "egldeviceintegrations": ("",),  # eglfs only (embedded, no window system)
    "generic": ("",),  # evdev / tslib / tuio input without a window system
}


def _keep(src: str, dest: str) -> bool:
    kind = os.path.basename(os.path.normpath(dest))
    name = os.path.basename(src)
    return not any(name.startswith(prefix) for prefix in _DROP.get(kind, ()))


binaries = [(src, dest) for src, dest in binaries if _keep(src, dest)]
