"""The compute device for Paddle's work (CPU threads are set up before Paddle, in core.nn.cpu), and the plain
dygraph forward pass that validation and the reference engine share."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
    """Select the device for Paddle's work on the calling thread (in dynamic-graph mode, see core.nn._paddle)."""
    from ._paddle import ensure_dynamic_mode, paddle

    ensure_dynamic_mode()
    device = resolve_device(preference)
    paddle.set_device(device)
    return device


def dygraph_forward(model, amp: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """The model's logits for a batch, under no-grad (and autocast with ``amp``), as float32 numpy."""
    from ._paddle import paddle

    def forward(x: np.ndarray) -> np.ndarray:
        with paddle.no_grad(), paddle.amp.auto_cast(enable=amp):
            return model(paddle.to_tensor(x)).astype("float32").numpy()

    return forward
