"""Small RNN / LSTM / GRU classifiers and regressors for the memory tasks, and their training.

The Background chapter (``book/background/index.ipynb``) trains them on the adding problem
and on delayed recall over a sweep of sequence lengths (``scripts/sweep_memory_tasks.py``);
the Gates chapter (``book/gates/index.ipynb``) reads the gates of one trained on
:func:`lstmbook.data.memory.bracket_text`. The recurrent layers are PyTorch's own
(``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) for speed; :class:`lstmbook.torch.LSTM` and
:class:`lstmbook.numpy.LSTM` compute the same LSTM (their tests check it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lstmbook._checks import check_positive_int
from lstmbook.data import adding_problem
from lstmbook.data.memory import adding_accuracy, delayed_recall
from lstmbook.torch.train import train_step

__all__ = [
    "KINDS",
    "TASKS",
    "MemoryNet",
    "task_batch",
    "task_accuracy",
    "TrainResult",
    "train_memory_task",
]

#: Recurrent layers by name.
KINDS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

#: Memory tasks: input size, output size, loss, accuracy of guessing.
TASKS = {
    "adding": {"inputs": 2, "outputs": 1, "chance": None},
    "recall": {"inputs": 8, "outputs": 4, "chance": 0.25},
}


class MemoryNet(nn.Module):
    """A one-layer recurrent network with a linear read-out.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
        ``nn.RNN`` (tanh), ``nn.LSTM`` or ``nn.GRU``.
    input_size, hidden_size, output_size : int
    per_step : bool
        Read out at every step ((B, T, O)) instead of after the last one ((B, O)).
    forget_bias : float or None
        LSTM only: set the forget-gate slice of ``bias_ih`` to this and of ``bias_hh``
        to 0 (PyTorch's default leaves both random around 0).

    Forward: ``x`` (B, T, input_size) -> (B, output_size), or (B, T, output_size).
    """

    def __init__(
        self,
        kind: str,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        per_step: bool = False,
        forget_bias: float | None = None,
    ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
        if forget_bias is not None and kind != "lstm":
            raise ValueError(f"forget_bias applies to an LSTM only, not to kind={kind!r}")
        self.kind, self.per_step = kind, bool(per_step)
        H = check_positive_int(hidden_size, "hidden_size")
        self.rnn = KINDS[kind](check_positive_int(input_size, "input_size"), H, batch_first=True)
        self.out = nn.Linear(H, check_positive_int(output_size, "output_size"))
        if forget_bias is not None:
            with torch.no_grad():
                self.rnn.bias_ih_l0[H : 2 * H] = float(forget_bias)
                self.rnn.bias_hh_l0[H : 2 * H] = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[-1] != self.rnn.input_size:
            raise ValueError(
                f"MemoryNet: expected x of shape (B, T, {self.rnn.input_size}), "
                f"got {tuple(x.shape)}"
            )
        hs, _ = self.rnn(x)
        return self.out(hs if self.per_step else hs[:, -1])


def task_batch(task: str, n: int, seq_len: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` sequences of a memory task as float32 / int64 tensors.

    ``"adding"``: x (n, T, 2), y (n, 1) float; ``"recall"``: delayed recall of one of 4
    symbols shown at the first step, among 4 distractors, x (n, T, 8), y (n,) int64.
    """
    if task == "adding":
        x, y = adding_problem(n, seq_len, seed=seed, dtype=np.float32)
    elif task == "recall":
        x, y = delayed_recall(n, seq_len, n_symbols=4, n_distractors=4, seed=seed)
    else:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    return torch.from_numpy(x), torch.from_numpy(y)


def _loss_fn(task: str) -> nn.Module:
    return nn.MSELoss() if task == "adding" else nn.CrossEntropyLoss()


@torch.no_grad()
def task_accuracy(task: str, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Adding problem: fraction within 0.04 of the sum; recall: fraction named right."""
    was_training = model.training
    model.eval()
    pred = model(x)
    model.train(was_training)
    if task == "adding":
        return adding_accuracy(pred.numpy(), y.numpy())
    return float((pred.argmax(-1) == y).float().mean())


@dataclass
class TrainResult:
    """What :func:`train_memory_task` returns."""

    accuracy: float  #: held-out accuracy of the final model
    solved: bool  #: accuracy >= the threshold
    steps: int  #: updates made (fewer than allowed when it solved the task early)
    seconds: float
    loss: list[float] = field(default_factory=list)  #: training loss per update
    val_accuracy: list[tuple[int, float]] = field(default_factory=list)  #: (step, accuracy)
    model: nn.Module | None = None  #: the trained network


def train_memory_task(
    task: str,
    kind: str,
    seq_len: int,
    *,
    seed: int = 0,
    hidden_size: int = 32,
    steps: int = 1000,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip_norm: float | None = 1.0,
    forget_bias: float | None = None,
    eval_every: int = 100,
    threshold: float = 0.9,
    n_test: int = 1000,
) -> TrainResult:
    """Train a :class:`MemoryNet` on fresh batches of a task; stop early once solved.

    Every batch is new (the task generator has unlimited data), so there is no
    over-fitting to a training set; validation and test sets are separate seeds. Every
    ``eval_every`` updates the validation accuracy is measured; training stops when it
    reaches ``threshold``, and the final model is scored on the test set.

    Parameters
    ----------
    task : {"adding", "recall"}
    kind : {"rnn", "lstm", "gru"}
    seq_len : int
    seed : int
        Seeds the initialisation (``torch.manual_seed``) and the data streams.
    hidden_size, steps, batch_size : int
    lr : float
        Adam's learning rate.
    clip_norm : float or None
        Global gradient-norm clipping.
    forget_bias : float or None
        LSTM only, see :class:`MemoryNet`.
    eval_every : int
    threshold : float
        Test accuracy that counts as solving the task.
    n_test : int
        Size of the validation and of the test set.

    Returns
    -------
    TrainResult
    """
    steps = check_positive_int(steps, "steps")
    spec = TASKS.get(task)
    if spec is None:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    torch.manual_seed(seed)
    model = MemoryNet(kind, spec["inputs"], hidden_size, spec["outputs"], forget_bias=forget_bias)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = _loss_fn(task)
    base = 1_000_003 * (seed + 1)
    x_val, y_val = task_batch(task, n_test, seq_len, seed=base - 1)
    result = TrainResult(accuracy=math.nan, solved=False, steps=0, seconds=0.0)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        x, y = task_batch(task, batch_size, seq_len, seed=base + step)
        loss, _ = train_step(model, loss_fn, opt, x, y, clip_norm=clip_norm)
        result.loss.append(loss)
        if step % eval_every == 0 or step == steps:
            acc = task_accuracy(task, model, x_val, y_val)
            result.val_accuracy.append((step, acc))
            if acc >= threshold:
                break
    result.steps = step
    x_test, y_test = task_batch(task, n_test, seq_len, seed=base - 2)
    result.accuracy = task_accuracy(task, model, x_test, y_test)
    result.solved = result.accuracy >= threshold
    result.seconds = time.perf_counter() - start
    result.model = model
    return result
