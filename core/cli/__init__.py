"""The ``pmscreen`` command line: train, evaluate, predict, ... (``python -m core``; the ``pmscreen`` launcher,
gui.launch, hands it the desktop application to start when run without a command).

Exit codes: 0 success, 1 a training run failed, 2 bad usage or unreadable input (one line on stderr),
130 interrupted (Ctrl+C, or SIGTERM: the same clean stop).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from .models import cmd_finalize, cmd_seal, cmd_selftest, cmd_set_threshold
from .parser import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, build_parser
from .screen import cmd_evaluate, cmd_predict
from .train import cmd_cv, cmd_train


def _start_app(app, argv: list[str]) -> int:
    if app is None:
        print("pmscreen: the desktop application is started by the pmscreen command (gui.launch), not by "
              "python -m core; give a command (python -m core --help)", file=sys.stderr)
        return EXIT_USAGE
    return app(argv)


def main(argv: list[str] | None = None, app=None) -> int:
    """Run a command. ``app(argv) -> int`` starts the desktop application (without a command, or ``gui ...``):
    the launcher passes it, core itself never imports the GUI."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["gui"]:
        return _start_app(app, argv[1:])
    for stream in (sys.stdout, sys.stderr):  # a name that slipped through unescaped never kills a batch
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    args = build_parser().parse_args(argv)
    out = getattr(args, "out", None)
    if out and Path(out).name in ("", ".."):  # "--out .": the first save replaces the working folder itself
        args.out = os.path.abspath(out)
    if args.version:
        from core import __version__

        print(f"pmscreen {__version__}")
        return EXIT_OK
    if args.command is None:
        return _start_app(app, [])
    from ..data.datasets import DatasetError
    from ..images.imageio import ImageError
    from ..store.modelio import ModelFileError

    previous = _stop_cleanly_on_sigterm()
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _ReaderMayLeave(sys.stdout), _ReaderMayLeave(sys.stderr)
    try:
        commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "finalize": cmd_finalize,
                    "selftest": cmd_selftest, "cv": cmd_cv, "set-threshold": cmd_set_threshold, "seal": cmd_seal}
        return commands[args.command](args, argv)
    except (UsageError, DatasetError, ModelFileError, ImageError, ValueError, OSError) as exc:
        from ..images.textsafe import shown

        print(f"pmscreen {args.command}: error: {shown(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"pmscreen {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        sys.stdout, sys.stderr = streams
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class _ReaderMayLeave:
    """A standard stream whose reader may go away (`| head`, `less` quit, a closed terminal): the output ends
    there, not the command. Hours of training, or a batch's report and audit log, never die of a progress line."""

    def __init__(self, stream):
        self._stream = stream
        self.reader_left = False

    def write(self, text: str) -> int:
        if not self.reader_left:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._left()
        return len(text)

    def flush(self) -> None:
        if not self.reader_left:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._left()

    def _left(self) -> None:
        self.reader_left = True
        try:  # what is still buffered, and the interpreter's last flush, go nowhere instead of failing
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _terminated(signum, frame):
    raise KeyboardInterrupt  # the path of Ctrl+C: a training stops after its batch, temporary folders go


def _stop_cleanly_on_sigterm():
    """SIGTERM (``kill``, a scheduler, a closing terminal session) stops a command as Ctrl+C does, instead of
    ending the process where it stands with its temporary folders left behind. core.nn._paddle keeps this
    handler when Paddle's import installs its own (which prints a fatal-error report and aborts). Returns the
    handler to restore (None off the main thread, where Python cannot set one)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _terminated)
