"""Import Paddle once, quietly, in dynamic-graph mode for every thread.

Its import prints an OMP_NUM_THREADS notice (we set the threads on purpose, see core.nn.cpu) and warns
about a missing ccache that only matters for compiling C++ extensions (filtered by core/__init__).
"""

import contextlib
import io
import signal
import threading
import warnings

from .cpu import configure_threads

configure_threads()
# sys.stderr is process-wide: swapping it from a worker thread (the GUI imports Paddle on one) would swallow
# what the UI thread prints meanwhile, so off the main thread the notice is left to print.
_quiet = threading.current_thread() is threading.main_thread()
# Paddle's import replaces the SIGTERM handler with its own, which prints a fatal-error report and aborts; a
# handler set in Python before (the command line's clean stop: core.cli) is put back.
_sigterm = signal.getsignal(signal.SIGTERM) if _quiet else None
with contextlib.redirect_stderr(io.StringIO()) if _quiet else contextlib.nullcontext():
    import paddle  # noqa: F401  (its "No ccache found" warning is filtered at ``import core``)
if callable(_sigterm):
    signal.signal(signal.SIGTERM, _sigterm)

# Paddle warns on every BatchNorm call under DataParallel that it tracks global statistics: expected here.
warnings.filterwarnings("ignore", message="When training, we now always track")


def _keep_dynamic_mode_for_all_threads():
    """Paddle 3 keeps the graph mode per thread: a thread starts with the process-wide tracer that is current
    when it first touches Paddle, and the importing thread's dygraph guard lives in that thread's locals. When
    the importing thread ends (the GUI imports Paddle on a worker), the guard is closed and resets the
    process-wide tracer to None, so every thread after it, the main thread too, is in static mode and
    ``backward`` fails. Holding the guard here keeps dynamic mode for every thread, wherever Paddle was
    imported first."""
    try:
        from paddle.base.framework import global_var
    except ImportError:  # another Paddle line without it: ensure_dynamic_mode() still covers each thread
        return None
    return global_var._functional_dygraph_context_manager


_IMPORT_GUARD = _keep_dynamic_mode_for_all_threads()


def _init_numpy_bridge() -> None:
    """The first tensor made from a NumPy array initialises pybind11's NumPy API once for the process. The frozen
    program crashed there (SIGSEGV in TensorInit's call_once) when the trainer thread made its first tensor while
    another thread could too; making one here, on the importing thread, leaves nothing for threads to race on."""
    import numpy

    paddle.to_tensor(numpy.zeros(1, numpy.float32))


_init_numpy_bridge()


def ensure_dynamic_mode() -> None:
    """Call at the start of work on any thread that runs Paddle: switches that thread to dynamic-graph mode if
    it is not in it (public API; a safety net beside the held guard above)."""
    if not paddle.in_dynamic_mode():
        paddle.disable_static()
