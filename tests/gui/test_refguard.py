"""The guard against PySide6 6.12.0 taking references from None and True (gui/refguard.py)."""

import sys

import pytest
from PySide6.QtCore import QObject, Signal

from gui import refguard


class Emitter(QObject):
    ping = Signal(object)


def test_none_and_true_keep_their_references_through_many_calls(qtbot):
    if not refguard.leaks():
        pytest.skip("this PySide6 does not take references from None: no guard needed")
    assert refguard._timer is not None and refguard._timer.isActive()  # installed at start (conftest, gui.app)
    probe, emitter = QObject(), Emitter()
    for _ in range(8):  # 8 x 40,000 calls: far more than None had references before the guard
        for _ in range(40_000):
            probe.setObjectName("x")
            emitter.ping.emit(1)
        qtbot.wait(600)  # the guard's timer tops up twice a second
        assert sys.getrefcount(None) > refguard.LOW // 2 and sys.getrefcount(True) > refguard.LOW // 2
    assert refguard.spare() >= refguard.BATCH  # without the guard Python would have aborted by now
