"""Process-wide runtime set-up: CPU threads and the compute device.

Paddle sets OMP_NUM_THREADS=1 on import when it is unset, leaving cores idle; ``configure_threads`` must
therefore run before the first ``import paddle`` (``core/__init__`` calls it).
"""

from __future__ import annotations

import os


def default_threads() -> int:
    # Under the distributed launcher the cores are shared between the local processes.
    local = int(os.environ.get("PADDLE_LOCAL_SIZE") or os.environ.get("PADDLE_TRAINERS_NUM") or 1)
    return max(1, (os.cpu_count() or 1) // max(1, local))


def configure_threads() -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(default_threads()))
    os.environ.setdefault("GLOG_minloglevel", "2")  # keep Paddle's C++ info logs off the terminal


def gpu_available() -> bool:
    from ._paddle import paddle

    try:
        return paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0
    except Exception:  # a broken CUDA install must not stop CPU work
        return False


def resolve_device(preference: str = "auto") -> str:
    """'auto' -> 'gpu:0' when this Paddle has CUDA and a GPU is visible, else 'cpu'."""
    pref = (preference or "auto").lower()
    if pref not in ("auto", "cpu") and not pref.startswith("gpu"):
        raise ValueError(f"device must be auto, cpu or gpu[:N], got {preference!r}")
    if pref == "auto":
        return "gpu:0" if gpu_available() else "cpu"
    if pref.startswith("gpu") and not gpu_available():
        raise ValueError("device gpu was asked for, but this Paddle has no CUDA or no GPU is visible")
    return "gpu:0" if pref == "gpu" else pref


def use_device(preference: str = "auto") -> str:
    from ._paddle import paddle

    device = resolve_device(preference)
    paddle.set_device(device)
    return device
