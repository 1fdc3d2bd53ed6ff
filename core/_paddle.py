"""Import Paddle once, quietly: its import prints an OMP_NUM_THREADS notice (we set the threads on purpose,
see core.runtime) and warns about a missing ccache that only matters for compiling C++ extensions."""

import contextlib
import io
import warnings

from .runtime import configure_threads

configure_threads()
with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import paddle  # noqa: F401

# Paddle warns on every BatchNorm call under DataParallel that it tracks global statistics: expected here.
warnings.filterwarnings("ignore", message="When training, we now always track")
# Raised again when Paddle lazily imports its C++-extension helpers.
warnings.filterwarnings("ignore", message="No ccache found")
