"""PyInstaller runtime hook: point Paddle at its bundled native libraries before anything imports paddle.

Paddle dlopen()s MKL (libmklml_intel) from FLAGS_mklml_dir, falling back to <site-packages>/paddle/libs; a frozen
program has no site-packages, so without this flag the first MKL-backed operator fails. The spec collects
paddle/libs/* into <bundle>/paddle/libs, where libpaddle's RUNPATH ($ORIGIN/../libs) also finds oneDNN,
libphi and libiomp5.
"""

import os
import sys


def _point_paddle_at_bundled_libs():
    base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
    libs = os.path.join(base, "paddle", "libs")
    if not os.path.isdir(libs):
        return
    os.environ["FLAGS_mklml_dir"] = libs  # always the bundled copy: a stray outside value would not match
    if sys.platform == "win32":  # DLLs are not found through RUNPATH on Windows
        os.add_dll_directory(libs)
        os.environ["PATH"] = libs + os.pathsep + os.environ.get("PATH", "")


_point_paddle_at_bundled_libs()
del _point_paddle_at_bundled_libs
