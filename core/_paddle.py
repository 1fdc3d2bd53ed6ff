"""Import Paddle once, quietly: its import prints an OMP_NUM_THREADS notice (we set the threads on purpose,
see core.runtime) and warns about a missing ccache that only matters for compiling C++ extensions."""

import contextlib
import io
import threading
import warnings

from .runtime import configure_threads

configure_threads()
# sys.stderr is process-wide: swapping it from a worker thread (the GUI imports Paddle on one) would swallow
# what the UI thread prints meanwhile, so off the main thread the notice is left to print.
_quiet = threading.current_thread() is threading.main_thread()
with contextlib.redirect_stderr(io.StringIO()) if _quiet else contextlib.nullcontext():
    warnings.filterwarnings("ignore", message="No ccache found")  # also raised by later lazy imports
    import paddle  # noqa: F401

# Paddle warns on every BatchNorm call under DataParallel that it tracks global statistics: expected here.
warnings.filterwarnings("ignore", message="When training, we now always track")
