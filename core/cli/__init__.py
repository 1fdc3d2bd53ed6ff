"""The ``pmscreen`` command line: train, evaluate, predict, ... (``python -m core``; the ``pmscreen`` launcher,
gui.launch, hands it the desktop application to start when run without a command).

Exit codes: 0 success, 1 a training run failed, 2 bad usage or unreadable input (one line on stderr),
130 interrupted (Ctrl+C, or SIGTERM: the same clean stop).
"""

from __future__ import annotations

import signal
import sys
import threading

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
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


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
