"""Data-parallel training of a small LSTM regressor, launched with torchrun.

    torchrun --standalone --nproc_per_node 2 scripts/train_distributed.py --out ddp.npz
    python scripts/train_distributed.py --out single.npz          # one process, same batches

``--losses FILE`` also writes the loss on the whole global batch at every update (the
processes' shard losses averaged), as an npz file with one array ``loss``.

Every process trains on its half of each global batch (``lstmbook.torch.distributed``);
rank 0 writes the trained parameters with ``lstmbook.io.save_weights``. Without torchrun's
variables the script trains in one process on the whole global batch, so the two files can
be compared. Used by ``book/challenges/distributed``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from lstmbook import data
from lstmbook.io import save_weights
from lstmbook.torch import distributed as ddp
from lstmbook.torch.models import RecurrentNet


def make_model() -> torch.nn.Module:
    """An LSTM of 16 units read out on its last step: the adding problem's sum."""
    return RecurrentNet("lstm", input_size=2, hidden_size=16, output_size=1)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="npz file for the trained parameters")
    p.add_argument("--losses", help="npz file for the loss at every update")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=64, help="global batch")
    p.add_argument("--seq-len", type=int, default=20)
    p.add_argument("--backend", default="gloo", help="gloo (CPU) or nccl (GPUs)")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    launched = "RANK" in os.environ
    rank, world = ddp.init_from_env(args.backend) if launched else (0, 1)
    x, y = data.adding_problem(512, args.seq_len, seed=0)
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    t0 = time.perf_counter()
    state, history = ddp.train_data_parallel(
        make_model, x, y, steps=args.steps, batch_size=args.batch_size, seed=0,
        return_history=True,
    )
    seconds = time.perf_counter() - t0
    if rank == 0:
        save_weights(args.out, state)
        if args.losses:
            save_weights(args.losses, {"loss": np.asarray(history.loss)})
        print(f"world size {world}: {args.steps} steps of a global batch of {args.batch_size} "
              f"({args.batch_size // world} per process) in {seconds:.2f} s -> {args.out}")
    if launched:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
