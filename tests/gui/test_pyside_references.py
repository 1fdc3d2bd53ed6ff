"""The installed PySide6 keeps the reference counts of None and True: PySide6 6.12.0 returned None from every void
method and True from ``Signal.emit`` without a reference for the caller, so a long session ran the counts down to
zero and Python aborted (``none_dealloc`` / ``bool_dealloc``). pyproject.toml excludes that release; this test
catches a future release with the same defect. (On Python 3.12+ None and True are immortal: nothing to lose.)"""

import sys

from PySide6.QtCore import QObject, Signal

CALLS = 2000
CHUNK = 100  # checked after every chunk: a leaking release fails here long before a count can reach zero
NOISE = 50  # references that other code may take or give back meanwhile


class Emitter(QObject):
    ping = Signal(object)


def test_void_slot_calls_keep_the_references_of_none():
    probe = QObject()
    before = sys.getrefcount(None)
    for done in range(CHUNK, CALLS + 1, CHUNK):
        for _ in range(CHUNK):
            probe.setObjectName("probe")  # a void method: returns None
        lost = before - sys.getrefcount(None)
        assert lost < NOISE, f"{lost} references of None lost in {done} void calls"


def test_signal_emits_keep_the_references_of_true_and_none():
    emitter, received = Emitter(), []
    emitter.ping.connect(received.append)
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    for done in range(CHUNK, CALLS + 1, CHUNK):
        for _ in range(CHUNK):
            emitter.ping.emit(None)
        lost_true, lost_none = before_true - sys.getrefcount(True), before_none - sys.getrefcount(None)
        assert lost_true < NOISE, f"{lost_true} references of True lost in {done} emits"
        assert lost_none < NOISE, f"{lost_none} references of None lost in {done} emits"
    assert len(received) == CALLS  # the slot ran every time: the calls were real
