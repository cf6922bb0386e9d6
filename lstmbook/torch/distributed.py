"""Data-parallel training (数据并行) with ``torch.distributed``: the helper of
``book/challenges/distributed``.

Each of ``W`` processes holds a full copy of the model and, at every step, takes its slice
of the same *global* batch; ``DistributedDataParallel`` (DDP) averages the gradients over the
processes (an all-reduce) during ``backward``, so every copy makes the same update, the one a
single process would make on the whole global batch with a mean loss. The functions here
train that way -- :func:`lstmbook.torch.train.fit` on the DDP-wrapped model -- and the
same without DDP, so the two can be compared to rounding.

Imported on use (``import lstmbook.torch.distributed``), never by :mod:`lstmbook.torch`.
Launch with ``torchrun --nproc_per_node 2 scripts/train_distributed.py`` (which sets
``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), or with :func:`spawn` from Python.
Backend ``"gloo"`` runs on CPUs; ``"nccl"`` is the one for NVIDIA GPUs.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from lstmbook._checks import check_positive_int
from lstmbook.torch.train import fit
from lstmbook.training import History

__all__ = [
    "free_port",
    "shard",
    "global_batches",
    "train_data_parallel",
    "init_from_env",
    "spawn",
    "max_abs_difference",
]


def free_port() -> int:
    """A TCP port on localhost that is free now (for ``MASTER_PORT``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shard(batch: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Process ``rank``'s contiguous slice of a global batch (first axis).

    Raises
    ------
    ValueError
        If the global batch does not divide evenly: DDP averages the processes' gradients
        with equal weights, which equals the global mean only for equal shards.
    """
    world_size = check_positive_int(world_size, "world_size")
    if not 0 <= rank < world_size:
        raise ValueError(f"shard: rank must be in [0, {world_size}), got {rank}")
    n = batch.shape[0]
    if n % world_size:
        raise ValueError(
            f"shard: global batch of {n} does not split evenly over {world_size} processes"
        )
    k = n // world_size
    return batch[rank * k : (rank + 1) * k]


def global_batches(n: int, batch_size: int, steps: int, seed: int) -> list[np.ndarray]:
    """Indices of ``steps`` global batches, the same in every process (same ``seed``)."""
    rng = np.random.default_rng(seed)
    return [rng.choice(n, size=batch_size, replace=False) for _ in range(steps)]


def train_data_parallel(
    make_model: Callable[[], nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 1e-2,
    seed: int = 0,
    return_history: bool = False,
) -> dict[str, torch.Tensor] | tuple[dict[str, torch.Tensor], History]:
    """Train with Adam on an MSE loss, data-parallel if a process group is up.

    With ``torch.distributed`` initialised (``W`` processes), every process
    builds the model, wraps it in DDP and uses its :func:`shard` of each global
    batch; without it, one process uses the whole global batch. Both see the
    same sequence of global batches.

    Parameters
    ----------
    make_model : callable () -> nn.Module
        Called after ``torch.manual_seed(seed)``; DDP also broadcasts rank 0's
        weights.
    x : tensor (N, T, I)
    y : tensor (N, O)
    steps, batch_size : int
        ``batch_size`` is the *global* batch, divisible by the number of
        processes.
    lr : float
    seed : int
    return_history : bool
        Also return the run's :class:`~lstmbook.training.History`, its
        ``loss`` the loss on the whole global batch at every update (the
        processes' shard losses averaged, the same on every process).

    Returns
    -------
    dict name -> tensor
        The trained parameters (of the inner module, the same on every
        process); with ``return_history``, the pair ``(parameters, history)``.
    """
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    distributed = dist.is_available() and dist.is_initialized()
    rank, world = (0, 1)
    if distributed:
        rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(seed)
    model = make_model().to(x.dtype)
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    batches = global_batches(len(x), batch_size, steps, seed)

    def local_batch(update: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = shard(torch.as_tensor(batches[update]), rank, world)
        return x[idx], y[idx]

    # the book's one loop; DDP all-reduces the gradients inside backward()
    history = fit(net, local_batch, loss_fn=nn.functional.mse_loss,
                  optimizer=opt, steps=steps, progress=False)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if not return_history:
        return state
    if distributed:  # equal shards: the mean of shard means is the batch mean
        losses = torch.tensor(history.loss, dtype=torch.float64)
        dist.all_reduce(losses)
        history.loss = (losses / world).tolist()
    return state, history


def init_from_env(backend: str = "gloo") -> tuple[int, int]:
    """``init_process_group`` from the variables torchrun sets; returns ``(rank, world_size)``.

    Raises
    ------
    RuntimeError
        If ``RANK`` / ``WORLD_SIZE`` / ``MASTER_ADDR`` / ``MASTER_PORT`` are missing (the
        script was not started by ``torchrun``).
    """
    needed = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
    missing = [v for v in needed if v not in os.environ]
    if missing:
        raise RuntimeError(
            f"init_from_env: {', '.join(missing)} not set; start the script with torchrun "
            "(e.g. torchrun --nproc_per_node 2 script.py)"
        )
    dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size()


def _spawn_entry(rank: int, world: int, port: int, fn: Callable, args: tuple, queue) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        result = fn(*args)
        if rank == 0:
            queue.put({k: v.numpy() for k, v in result.items()})
    finally:
        dist.destroy_process_group()


def spawn(
    fn: Callable[..., Mapping[str, torch.Tensor]],
    world_size: int,
    *args: Any,
    start_method: str = "spawn",
) -> dict:
    """Run ``fn(*args)`` in ``world_size`` gloo processes on localhost; rank 0's result.

    ``fn`` returns a state dict; the processes join a process group on a free port, as
    ``torchrun`` would set up. ``start_method="spawn"`` (the default, safe everywhere)
    starts fresh interpreters, so ``fn`` must be a module-level function; ``"fork"``
    (Linux) copies the parent and starts in a fraction of the time, safe while the parent
    has run no multithreaded torch work.
    """
    import torch.multiprocessing as mp

    world_size = check_positive_int(world_size, "world_size")
    ctx = mp.get_context(start_method)
    queue = ctx.SimpleQueue()
    mp.start_processes(
        _spawn_entry,
        args=(world_size, free_port(), fn, args, queue),
        nprocs=world_size,
        join=True,
        start_method=start_method,
    )
    return queue.get()


def max_abs_difference(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Largest ``|a[k] - b[k]|`` over the arrays of two state dicts with the same keys."""
    if set(a) != set(b):
        raise ValueError(
            f"max_abs_difference: the two state dicts' keys differ: {sorted(set(a) ^ set(b))}"
        )
    return max(
        float(np.max(np.abs(np.asarray(a[k], float) - np.asarray(b[k], float)))) for k in a
    )
