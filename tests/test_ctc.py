"""CTC decoding and alignment on hand-made probability tables (blank is label 0 unless said)."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.torch.ctc import (
    collapse,
    ctc_alignment,
    ctc_log_prob,
    greedy_decode,
    greedy_decode_batch,
    prefix_beam_search,
)

# two frames, blank more likely than "a" (label 1) in each
TWO_FRAMES = np.array([[0.6, 0.4], [0.6, 0.4]])

# clear spikes of labels 1 and 2 among blanks
SPIKES = np.array([
    [0.90, 0.05, 0.05],
    [0.10, 0.85, 0.05],
    [0.80, 0.10, 0.10],
    [0.90, 0.05, 0.05],
    [0.10, 0.05, 0.85],
    [0.90, 0.05, 0.05],
])


def random_table(rng, T, C):
    return rng.dirichlet(np.ones(C), size=T)


def brute_force(table, blank=0):
    """Sum over all C**T paths, grouped by the label sequence each collapses to."""
    totals = {}
    T, C = table.shape
    for path in itertools.product(range(C), repeat=T):
        p = np.prod(table[np.arange(T), path])
        key = tuple(collapse(path, blank))
        totals[key] = totals.get(key, 0.0) + p
    return totals


def test_collapse_merges_runs_then_drops_blanks():
    assert collapse([1, 1, 0, 1, 2, 2, 0, 0]) == [1, 1, 2]
    assert collapse([0, 0, 0]) == []
    assert collapse([2, 2, 1], blank=2) == [1]


def test_greedy_decode_reads_the_best_path():
    assert greedy_decode(SPIKES) == [1, 2]
    assert greedy_decode(np.log(SPIKES)) == [1, 2]  # log-probabilities: same argmax


def test_greedy_decode_keeps_a_repeat_separated_by_a_blank():
    table = np.eye(3)[[1, 1, 0, 1, 2, 2]]  # path 1 1 - 1 2 2
    assert greedy_decode(table) == [1, 1, 2]


def test_beam_search_beats_greedy_when_paths_merge():
    # best path is (blank, blank), p = 0.36 -> ""; but "a" has three paths:
    # (a, a) 0.16 + (a, -) 0.24 + (-, a) 0.24 = 0.64
    assert greedy_decode(TWO_FRAMES) == []
    beams = prefix_beam_search(TWO_FRAMES, beam_width=4)
    assert [labels for labels, _ in beams] == [[1], []]
    assert np.exp([score for _, score in beams]) == pytest.approx([0.64, 0.36])


def test_beam_of_one_keeps_the_best_prefix_not_the_best_path():
    # greedy reads a - a -> "a a" (p = 0.36); "a" has p = 0.24 + 0.16 + 0.24 = 0.64
    table = np.array([[0.0, 1.0], [0.6, 0.4], [0.4, 0.6]])
    assert greedy_decode(table) == [1, 1]
    (labels, score), = prefix_beam_search(table, beam_width=1)
    assert labels == [1] and np.exp(score) == pytest.approx(0.64)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_beam_of_one_equals_greedy_when_every_frame_is_confident(T, C, seed):
    rng = np.random.default_rng(seed)
    best = rng.integers(0, C, T)
    table = 0.25 * random_table(rng, T, C)
    table[np.arange(T), best] += 0.75  # each frame's best label has p >= 0.75
    assert prefix_beam_search(table, beam_width=1)[0][0] == greedy_decode(table)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_greedy_output_has_no_blank_and_ignores_longer_runs(T, C, seed):
    table = random_table(np.random.default_rng(seed), T, C)
    out = greedy_decode(table)
    assert 0 not in out and len(out) <= T
    # every frame twice: runs get longer, the decoded sequence does not change
    assert greedy_decode(np.repeat(table, 2, axis=0)) == out


def test_wide_beam_scores_are_exact_against_brute_force_forward_and_torch():
    torch = pytest.importorskip("torch")
    table = random_table(np.random.default_rng(3), 3, 3)
    exact = brute_force(table)
    beams = prefix_beam_search(table, beam_width=100)
    assert {tuple(labels) for labels, _ in beams} == set(exact)  # every reachable sequence
    assert np.logaddexp.reduce([s for _, s in beams]) == pytest.approx(0.0, abs=1e-12)
    loss = torch.nn.CTCLoss(blank=0, reduction="sum")
    log_probs = torch.tensor(np.log(table)).unsqueeze(1)  # (T, 1, C)
    for labels, score in beams:
        assert score == pytest.approx(np.log(exact[tuple(labels)]), abs=1e-10)
        assert ctc_log_prob(table, labels) == pytest.approx(score, abs=1e-10)
        if labels:  # torch wants a non-empty target here
            target = torch.tensor([labels])
            nll = loss(log_probs, target, torch.tensor([3]), torch.tensor([len(labels)]))
            assert -nll.item() == pytest.approx(score, abs=1e-8)


@pytest.mark.parametrize("target", [[1, 2, 1], [2, 2], [3], [1, 1, 1]])
def test_forward_algorithm_matches_torch_ctc_loss_with_the_blank_last(target):
    torch = pytest.importorskip("torch")
    T, C = 9, 4
    log_probs = torch.randn(T, 1, C, generator=torch.Generator().manual_seed(0),
                            dtype=torch.float64).log_softmax(-1)
    labels = [c - 1 for c in target]  # blank is C - 1 = 3, labels are 0, 1, 2
    nll = torch.nn.CTCLoss(blank=C - 1, reduction="sum")(
        log_probs, torch.tensor([labels]), torch.tensor([T]), torch.tensor([len(labels)]))
    assert ctc_log_prob(log_probs[:, 0], labels, blank=C - 1) == pytest.approx(-nll.item())


def test_alignment_puts_each_label_on_its_spike():
    assert ctc_alignment(SPIKES, [1, 2]) == [0, 1, 0, 0, 2, 0]


def test_alignment_puts_a_blank_between_a_repeated_label():
    # "a" likely everywhere; the blank a repeat needs goes where it is least unlikely
    table = np.array([[0.1, 0.9], [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]])
    assert ctc_alignment(table, [1, 1]) == [1, 1, 0, 1]  # 0.9 * 0.9 * 0.3 * 0.8
    assert ctc_alignment(table, [1]) == [1, 1, 1, 1]
    assert ctc_alignment(table, []) == [0, 0, 0, 0]


def test_alignment_is_the_most_probable_path_of_the_target():
    table = random_table(np.random.default_rng(5), 5, 3)
    for target in ([1], [2, 1], [1, 1], [1, 2, 1]):
        paths = [p for p in itertools.product(range(3), repeat=5) if collapse(p) == target]
        best = max(paths, key=lambda p: np.prod(table[np.arange(5), p]))
        assert ctc_alignment(table, target) == list(best)
        assert collapse(ctc_alignment(table, target)) == target


def test_batched_greedy_decode_respects_lengths_and_takes_tensors():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    batch = np.stack([random_table(rng, 8, 4) for _ in range(3)], axis=1)  # (T, B, C)
    lengths = [8, 5, 0]
    expected = [greedy_decode(batch[:n, b]) for b, n in enumerate(lengths[:2])] + [[]]
    assert greedy_decode_batch(batch, lengths) == expected
    as_tensor = torch.tensor(np.log(batch), requires_grad=True)
    assert greedy_decode_batch(as_tensor, torch.tensor(lengths)) == expected
    assert greedy_decode_batch(batch) == [greedy_decode(batch[:, b]) for b in range(3)]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: greedy_decode(np.zeros((2, 3, 4))), r"expected a 2-D array \(T, C\)"),
        (lambda: greedy_decode(np.zeros((0, 3))), "non-empty"),
        (lambda: greedy_decode(np.array([[0.5, np.nan]])), "NaN"),
        (lambda: greedy_decode(np.array([[0.5, np.inf]])), r"\+inf"),
        (lambda: greedy_decode(SPIKES, blank=3), r"blank=3 is out of range for C=3"),
        (lambda: greedy_decode_batch(SPIKES), r"3-D array \(T, B, C\)"),
        (lambda: greedy_decode_batch(SPIKES[:, None], [7]), r"lengths must be in \[0, T=6\]"),
        (lambda: greedy_decode_batch(SPIKES[:, None], [1, 2]), "expected 1 lengths"),
        (lambda: prefix_beam_search(np.array([[2.0, -1.0]])), "apply log_softmax"),
        (lambda: prefix_beam_search(SPIKES, beam_width=0), "beam_width must be a positive"),
        (lambda: ctc_alignment(SPIKES[:2], [1, 2, 1]), "needs at least 3 frames"),
        (lambda: ctc_alignment(SPIKES[:3], [1, 1, 2]), "needs at least 4 frames"),
        (lambda: ctc_alignment(SPIKES, [1, 0]), "contains the blank label 0"),
        (lambda: ctc_alignment(SPIKES, [1, 5]), r"target labels must be in \[0, 3\)"),
        (lambda: ctc_log_prob(SPIKES, [[1, 2]]), "1-D sequence of integer labels"),
        (lambda: ctc_alignment(np.eye(2)[[0, 0]], [1]), "all have probability 0"),
    ],
)
def test_bad_input_raises_a_value_error_that_says_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_non_integer_blank_is_a_type_error():
    with pytest.raises(TypeError, match="blank must be an integer"):
        greedy_decode(SPIKES, blank=1.0)


def test_decode_runs_either_decoder_over_a_list_of_tables():
    from lstmbook.torch.ctc import decode

    assert decode([SPIKES, SPIKES], "greedy") == [[1, 2], [1, 2]]
    assert decode([TWO_FRAMES], "beam", beam_width=4) == [[1]]
    with pytest.raises(ValueError, match="'greedy' or 'beam'"):
        decode([SPIKES], "viterbi")


def test_log_posteriors_of_a_padded_batch_equal_those_of_each_utterance_alone():
    import torch

    from lstmbook.torch.ctc import log_posteriors
    from lstmbook.torch.models import RecurrentNet

    torch.manual_seed(0)
    model = RecurrentNet("lstm", 3, 5, 4, bidirectional=True, readout="all")
    model.train()
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((T, 3)).astype(np.float32) for T in (7, 3, 5)]
    batched = log_posteriors(model, inputs, batch_size=2)
    alone = [log_posteriors(model, [x])[0] for x in inputs]
    assert [t.shape for t in batched] == [(7, 4), (3, 4), (5, 4)]
    for a, b in zip(batched, alone, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
        np.testing.assert_allclose(np.exp(a).sum(-1), 1.0, rtol=1e-5)
    assert model.training  # its mode is given back
