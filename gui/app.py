"""Start the desktop application: ``pmscreen`` (no command), ``pmscreen gui``, ``python -m gui`` or ``make run``."""

from __future__ import annotations

import argparse
import os
import sys
import time

_T0 = time.perf_counter()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pmscreen gui", description="PM Screen desktop application")
    p.add_argument("--lang", choices=["system", "en", "zh_CN"], help="user-interface language for this session")
    p.add_argument("--dataset", help="open this data set folder at start")
    return p


def configure_plots() -> None:
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="#333333")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from . import i18n
    from .resources import icon
    from .settings import APPLICATION, ORGANIZATION

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_DontShowIconsInMenus, False)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationDisplayName("PM Screen")
    app.setWindowIcon(icon("app"))
    if args.lang:
        i18n.apply_language("" if args.lang == "system" else args.lang)
    else:
        i18n.apply_language(i18n.preferred_language())
    configure_plots()

    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    if args.dataset:
        window.dataset_view.open_folder(args.dataset)
    if os.environ.get("PMSCREEN_STARTUP_TIMING"):
        QTimer.singleShot(0, lambda: print(f"window shown after {time.perf_counter() - _T0:.2f}s "
                                           "(from the import of gui.app)", file=sys.stderr, flush=True))
    _quit_after(window)
    if os.environ.get("PMSCREEN_DRIVER"):  # an end-to-end test's walkthrough (gui/driver.py)
        from .driver import run_script

        window.walkthrough = run_script(os.environ["PMSCREEN_DRIVER"], window)
    return app.exec()


def _quit_after(window) -> None:
    """PMSCREEN_QUIT_AFTER=SECONDS closes the window that long after start, the normal way (settings saved,
    exit code 0): the packaging check (`make package-check`) starts the frozen GUI offscreen with it."""
    from PySide6.QtCore import QTimer

    seconds = os.environ.get("PMSCREEN_QUIT_AFTER")
    if seconds:
        QTimer.singleShot(round(float(seconds) * 1000), window.close)
