"""Timings in rounds and the words that compare them: "faster" only where the spread allows.

The examples are timings of the kind a loaded 2-core machine gives: two builds of the same
page, the second busier, must never print opposite conclusions.
"""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstmbook.bench import (
    Row,
    Timing,
    compare,
    median_rows,
    one_thread,
    round_timings,
    summary_table,
    time_rounds,
    word_comparison,
)


def test_a_timing_reports_the_median_and_the_extremes_over_rounds():
    t = Timing((0.012, 0.010, 0.011, 0.020, 0.011))
    assert t.median == 0.011 and t.low == 0.010 and t.high == 0.020
    assert t.spread == pytest.approx(1.0)
    assert t.format(".1f", scale=1e3) == "11.0 (10.0–20.0)"


def test_a_timing_refuses_no_rounds_and_non_positive_values():
    for bad in ((), (0.0,), (-1.0, 1.0), (float("nan"),)):
        with pytest.raises(ValueError, match="positive"):
            Timing(bad)


def test_dividing_two_timings_pairs_them_round_by_round():
    a, b = Timing((1.0, 2.0, 3.0)), Timing((2.0, 4.0, 6.0))
    assert (a / b).rounds == (0.5, 0.5, 0.5)  # the load moved both: the ratio did not move
    assert (a / 2).rounds == (0.5, 1.0, 1.5) and (2 * a).rounds == (2.0, 4.0, 6.0)
    with pytest.raises(ValueError, match="same number of rounds"):
        a / Timing((1.0, 1.0))


def test_time_rounds_interleaves_the_callables_and_times_each_once_per_round():
    log, now = [], [0.0]

    def clock():
        return now[0]

    def work(name, seconds):
        def run():
            log.append(name)
            now[0] += seconds

        return run

    out = time_rounds({"a": work("a", 1.0), "b": work("b", 3.0)}, rounds=3, warmup=1, clock=clock)
    assert log == ["a", "b"] + ["a", "b"] * 3  # warm-up, then a, b in every round
    assert out["a"].rounds == (1.0,) * 3 and out["b"].rounds == (3.0,) * 3
    single = time_rounds(work("c", 2.0), rounds=2, warmup=0, clock=clock)
    assert isinstance(single, Timing) and single.rounds == (2.0, 2.0)
    with pytest.raises(ValueError, match="rounds"):
        time_rounds(work("c", 1.0), rounds=0)


def test_compare_says_below_or_above_only_where_the_ranges_and_margin_allow():
    assert compare(Timing((0.70, 0.80, 0.75)), 1.0) == "below"
    assert compare(Timing((1.20, 1.30)), 1.0) == "above"
    assert compare(Timing((0.85, 0.95)), 1.0) == "within"  # under 1, but not by the margin
    assert compare(Timing((0.80, 1.30)), 1.0) == "within"  # the rounds straddle it
    assert compare(Timing((1.0, 1.1)), Timing((1.3, 1.4))) == "below"
    assert compare(Timing((1.0, 1.25)), Timing((1.3, 1.4))) == "within"
    with pytest.raises(ValueError, match="margin"):
        compare(Timing((1.0,)), 1.0, margin=-0.1)


def test_a_busier_build_weakens_a_conclusion_but_never_reverses_it():
    quiet = Timing((0.72, 0.75, 0.78, 0.74, 0.76))  # GRU / LSTM, idle machine
    busy = Timing((0.70, 0.95, 1.40, 0.80, 0.77))  # the same, one round up by 100%
    assert compare(quiet, 1.0) == "below" and compare(busy, 1.0) == "within"


@given(
    st.lists(st.floats(0.1, 10.0), min_size=3, max_size=7),
    st.lists(st.floats(0.1, 10.0), min_size=3, max_size=7),
)
def test_two_builds_whose_rounds_overlap_never_print_opposite_verdicts(one, other):
    verdicts = {compare(Timing(tuple(one)), 1.0), compare(Timing(tuple(other)), 1.0)}
    if max(min(one), min(other)) <= min(max(one), max(other)):  # the ranges share a value
        assert verdicts != {"below", "above"}


def test_word_comparison_words_each_case_with_the_ratio_and_its_range():
    fast, slow = Timing((1.0, 1.1, 1.05)), Timing((2.0, 2.1, 2.3))
    assert word_comparison(fast, slow, "GRU", "LSTM").startswith("GRU is faster than LSTM")
    assert word_comparison(slow, fast, "GRU", "LSTM").startswith("GRU is slower than LSTM")
    same = word_comparison(Timing((1.0, 1.3, 1.1)), Timing((1.1, 1.0, 1.2)), "A", "B")
    assert same.startswith("A and B are within the run-to-run spread of each other")
    assert "over 3 rounds" in same
    unpaired = word_comparison(Timing((1.0, 1.1)), Timing((2.0, 2.1, 2.2)), "A", "B")
    assert unpaired.startswith("A is faster than B") and "medians" in unpaired


def _run(scale):
    return [
        Row(
            (10, 32, 32, 128),
            "lstmbook.numpy",
            0.002 * scale,
            0.006 * scale,
            1.0 / scale,
            3.0 / scale,
            1e-7,
        ),
        Row(
            (10, 32, 32, 128), "torch", 0.001 * scale, 0.003 * scale, 2.0 / scale, 6.0 / scale, 0.0
        ),
    ]


def test_median_rows_takes_each_time_as_the_median_over_runs_and_rescales_the_rates():
    rows = median_rows([_run(1.0), _run(3.0), _run(1.5)])
    assert rows[0].forward_backward_s == pytest.approx(0.009)
    assert rows[0].forward_backward_gflops == pytest.approx(3.0 / 1.5)
    timings = round_timings([_run(1.0), _run(3.0), _run(1.5)])
    assert timings["torch", (10, 32, 32, 128)].rounds == pytest.approx((0.003, 0.009, 0.0045))
    with pytest.raises(ValueError, match="different"):
        round_timings([_run(1.0), _run(1.0)[::-1]])


def test_summary_table_adds_the_spread_column_and_stays_narrow():
    runs = [_run(1.0), _run(3.0), _run(1.5)]
    table = summary_table(
        median_rows(runs), "T", labels={"torch": "torch.nn.LSTM"}, spreads=round_timings(runs)
    )
    lines = table.splitlines()
    assert lines[0].endswith("spread") and lines[1].split()[-1] == "200%"
    assert max(len(line) for line in lines) < 80


def test_one_thread_limits_torch_inside_the_block_and_restores_it_after():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with one_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_time_rounds_on_the_real_clock_gives_positive_rounds():
    t = time_rounds(lambda: time.sleep(0.001), rounds=2)
    assert len(t.rounds) == 2 and t.low >= 0.0009


def test_peak_allocated_bytes_is_a_peak_not_a_sum():
    torch = pytest.importorskip("torch")
    from lstmbook.cost import peak_allocated_bytes

    n = 2**18  # 1 MiB of float32

    def one_after_the_other():
        for _ in range(3):
            torch.ones(n).sum()  # allocated and freed: never two alive at once

    def all_alive():
        keep = [torch.ones(n) for _ in range(3)]
        return sum(float(k.sum()) for k in keep)

    _, sequential = peak_allocated_bytes(one_after_the_other)
    _, together = peak_allocated_bytes(all_alive)
    assert 2**20 <= sequential < 1.5 * 2**20
    assert 3 * 2**20 <= together < 3.5 * 2**20


def test_operators_run_names_the_operators_and_keeps_the_profiler_quiet(capfd):
    torch = pytest.importorskip("torch")
    from lstmbook.cost import operators_run, peak_allocated_bytes

    ops = operators_run(lambda: torch.ones(3).sum())
    assert "aten::sum" in ops and "aten::mkldnn_rnn_layer" not in ops
    peak_allocated_bytes(lambda: torch.ones(3).sum())
    assert capfd.readouterr().err == ""  # no profiler start/stop lines in a page
