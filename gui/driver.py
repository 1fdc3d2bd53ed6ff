"""Scripted walkthroughs inside the running application, for the end-to-end tests of the launched program.

``PMSCREEN_DRIVER=walk.py pmscreen`` starts the program exactly as a user does and then runs ``walk(window)``
from that file on the UI thread: a generator that works the widgets (clicks, drops, key presses) and yields
``Wait`` conditions; between them the event loop runs, so the program behaves as it does for a person. The same
works in the frozen executable (``make package-check``). A step that fails or times out prints its reason and
ends the program with exit code 3; a walkthrough that closes the window ends it the normal way.

Setting an environment variable of a process already lets its starter run code in it (PYTHONPATH, LD_PRELOAD),
so this hook adds no new power: docs/security.md.
"""

from __future__ import annotations

import faulthandler
import runpy
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QTimer

FAILED = 3  # the program's exit code when a walkthrough fails
POLL_MS = 50


@dataclass
class Wait:
    """Resume the walkthrough once ``until()`` holds; fail after ``seconds`` (a hang, not a speed limit)."""

    what: str
    until: Callable[[], bool] = lambda: True
    seconds: float = 300.0


class Walkthrough:
    def __init__(self, steps: Iterator[Wait | None], window=None):
        self.steps = steps
        self.window = window
        self.waiting: Wait | None = None
        self.deadline = 0.0
        self.timer = QTimer()
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.timer.start()

    def _tick(self) -> None:
        try:
            if self.waiting is not None:
                if not self.waiting.until():
                    if time.monotonic() > self.deadline:
                        faulthandler.dump_traceback(all_threads=True)  # where the program is stuck
                        raise TimeoutError(f"still waiting after {self.waiting.seconds:g} s: {self.waiting.what}")
                    return
                print(f"walkthrough: {self.waiting.what}: ok", flush=True)
            self.waiting = next(self.steps) or Wait("next step")
            self.deadline = time.monotonic() + self.waiting.seconds
        except StopIteration:
            self.timer.stop()
        except Exception:  # any failure of the program or of the script ends the run with its reason
            self.timer.stop()
            status = self.window.statusBar().currentMessage() if self.window is not None else ""
            print(f"walkthrough FAILED (status bar: {status!r}):\n" + traceback.format_exc(), file=sys.stderr,
                  flush=True)
            QCoreApplication.exit(FAILED)


def run_script(path: str, window) -> Walkthrough:
    """Load ``walk`` from the file at ``path`` and start it on ``window`` once the event loop runs."""
    import signal

    if hasattr(signal, "SIGUSR1"):  # the test that started us sends it when we hang: where every thread is
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    walk = runpy.run_path(path)["walk"]
    walkthrough = Walkthrough(walk(window), window)
    QTimer.singleShot(0, walkthrough.start)
    return walkthrough


# ---------------------------------------------------------------- what a walkthrough does with the widgets
def click(widget) -> None:
    """A left click in the middle of ``widget``, which must be visible and enabled (else it would do nothing)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    if not (widget.isVisible() and widget.isEnabled()):
        raise AssertionError(f"cannot click {type(widget).__name__} {widget.objectName() or ''}: "
                             f"visible={widget.isVisible()} enabled={widget.isEnabled()}")
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def keys(widget, sequence: str) -> None:
    """Type a key sequence ("Ctrl+2", "F5") into ``widget``'s window, as the keyboard does (shortcuts fire)."""
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    QTest.keySequence(widget, QKeySequence(sequence))


def drop(widget, paths) -> None:
    """Drag local files or folders from a file manager and drop them on ``widget``."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    at = widget.rect().center()
    enter = QDragEnterEvent(QPoint(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        raise AssertionError(f"{type(widget).__name__} refused the dragged files {paths}")
    dropped = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, dropped)
    if not dropped.isAccepted():
        raise AssertionError(f"{type(widget).__name__} did not take the dropped files {paths}")


def later(action: Callable[[], object]) -> None:
    """Do ``action`` from the event loop, after the current step: for actions that open a modal dialog, whose
    own event loop would otherwise run inside the walkthrough's step."""
    QTimer.singleShot(0, action)


def report(key: str, value) -> None:
    """A fact for the test that started the program: one JSON line on stdout."""
    import json

    print("walkthrough-report " + json.dumps({key: value}), flush=True)
