"""Data-parallel training with 2 gloo processes on localhost equals one process on the
same global batches, to rounding."""

from __future__ import annotations

import pytest
import torch

from lstmbook.torch import distributed as ddp
from lstmbook.torch.models import RecurrentNet


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 6, 2, generator=g)
    return x, x.sum(dim=(1, 2))[:, None]


def _model():
    return RecurrentNet("lstm", 2, 6, 1)


def _train():
    x, y = _data()
    return ddp.train_data_parallel(_model, x, y, steps=8, batch_size=16, seed=3)


def test_two_gloo_processes_give_the_parameters_of_one_process():
    torch.set_num_threads(1)
    one = {k: v.numpy() for k, v in _train().items()}  # first: forked children reuse its imports
    two = ddp.spawn(_train, 2, start_method="fork")
    start = {k: v.detach().numpy() for k, v in _model().state_dict().items()}
    assert ddp.max_abs_difference(two, one) < 1e-5
    assert ddp.max_abs_difference(one, start) > 1e-3  # training did move the weights


def _train_with_losses():
    x, y = _data()
    state, history = ddp.train_data_parallel(
        _model, x, y, steps=8, batch_size=16, seed=3, return_history=True
    )
    return {**state, "loss": torch.tensor(history.loss)}


def test_two_processes_record_the_global_batch_loss_of_one_process():
    torch.set_num_threads(1)
    one = _train_with_losses()
    two = ddp.spawn(_train_with_losses, 2, start_method="fork")
    assert one["loss"].shape == (8,) and two["loss"].shape == (8,)
    # each process alone sees half the batch; the recorded loss is the whole batch's
    assert abs(two["loss"] - one["loss"].numpy()).max() < 1e-5


def test_shard_splits_the_global_batch_evenly_and_refuses_a_remainder():
    b = torch.arange(10)
    assert torch.equal(torch.cat([ddp.shard(b, r, 2) for r in range(2)]), b)
    with pytest.raises(ValueError, match="evenly"):
        ddp.shard(b, 0, 3)
    with pytest.raises(ValueError, match="rank"):
        ddp.shard(b, 2, 2)


def test_global_batches_are_the_same_for_the_same_seed():
    a, b = ddp.global_batches(50, 8, 3, 1), ddp.global_batches(50, 8, 3, 1)
    assert all((u == v).all() for u, v in zip(a, b, strict=True))


def test_init_from_env_says_to_use_torchrun(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(RuntimeError, match="torchrun"):
        ddp.init_from_env()


def test_max_abs_difference_refuses_different_keys():
    with pytest.raises(ValueError, match="keys differ"):
        ddp.max_abs_difference({"a": 1.0}, {"b": 1.0})
