"""Data-parallel training with Paddle's own launcher (``python -m paddle.distributed.launch``).

With one process every function here is a no-op, so the trainer has a single code path. On CPU the launcher
runs with the gloo backend (PADDLE_DISTRI_BACKEND=gloo), on GPUs with NCCL.
"""

from __future__ import annotations

import os
import sys

import numpy as np


def world_size() -> int:
    return int(os.environ.get("PADDLE_TRAINERS_NUM", "1"))


def rank() -> int:
    return int(os.environ.get("PADDLE_TRAINER_ID", "0"))


_initialised = False


def init() -> tuple[int, int]:
    """(rank, world size); sets up the process group once when launched with more than one process."""
    global _initialised
    if world_size() > 1 and not _initialised:
        import paddle.distributed as pdist

        pdist.init_parallel_env()
        _initialised = True
    return rank(), world_size()


def wrap(model):
    if world_size() > 1:
        from ..nn._paddle import paddle

        return paddle.DataParallel(model)
    return model


def steps_per_epoch(n: int, batch_size: int, world: int) -> int:
    per_rank = -(-n // world)  # DistributedBatchSampler pads every rank to the same length
    full, rest = divmod(per_rank, batch_size)
    return full + (1 if rest > 1 else 0)  # a trailing batch of one is dropped (BatchNorm)


def epoch_order(n: int, batch_size: int, epoch: int, rng: np.random.Generator, rank_: int, world: int) -> np.ndarray:
    """This process's image order for ``epoch``: a seeded shuffle, sharded across processes."""
    if world == 1:
        return rng.permutation(n)
    import paddle.io

    sampler = paddle.io.DistributedBatchSampler(list(range(n)), batch_size=batch_size, num_replicas=world,
                                                rank=rank_, shuffle=True)
    sampler.set_epoch(epoch)  # every rank draws the same permutation, then takes its own slice
    return np.array([i for batch in sampler for i in batch], dtype=np.int64)


def sync_buffers(model) -> None:
    """Average BatchNorm running statistics over the processes, so every rank holds the same model."""
    if world_size() == 1:
        return
    import paddle.distributed as pdist

    from ..nn._paddle import paddle

    # Paddle keeps BatchNorm's running mean/variance as non-trainable parameters, not as buffers.
    stats = [p for p in model.parameters() if p.stop_gradient] + list(model.buffers())
    with paddle.no_grad():
        for buf in stats:
            if buf.dtype in (paddle.float32, paddle.float16, paddle.bfloat16):
                pdist.all_reduce(buf)
                buf.set_value(buf / world_size())


def launch(argv: list[str], nproc: int, gpu: bool) -> int:
    """Re-run this CLI under ``paddle.distributed.launch`` with ``nproc`` local processes; returns its exit code."""
    import subprocess
    import tempfile

    env = dict(os.environ)
    if not gpu:
        env["PADDLE_DISTRI_BACKEND"] = "gloo"
    cores = max(1, (os.cpu_count() or 1) // nproc)
    env["OMP_NUM_THREADS"] = str(cores)
    log_dir = os.environ.get("PMSCREEN_LAUNCH_LOG_DIR") or tempfile.mkdtemp(prefix="pmscreen-launch-")
    print(f"{nproc} processes; their logs: {log_dir}", file=sys.stderr)
    entry = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "__main__.py")
    cmd = [sys.executable, "-m", "paddle.distributed.launch", "--nproc_per_node", str(nproc), "--log_dir", log_dir]
    if gpu:
        cmd += ["--devices", ",".join(str(i) for i in range(nproc))]
    return subprocess.call(cmd + [entry, *argv], env=env)
