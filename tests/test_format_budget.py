"""lstmbook.training.format_budget: the budget line printed beside a trained result."""

import pytest

from lstmbook.training import History, format_budget


def test_one_history_prints_updates_sequences_and_cpu_seconds():
    h = History(updates=550, sequences=35_200, cpu_seconds=4.123)
    assert format_budget(h) == "550 updates, 35,200 sequences, 4.1 CPU-s"


def test_several_runs_are_summed():
    a = History(updates=100, sequences=6_400, cpu_seconds=1.0)
    b = {"updates": 200, "sequences": 12_800, "cpu_seconds": 2.5}
    assert format_budget(a, b) == "300 updates, 19,200 sequences, 3.5 CPU-s"


def test_a_record_without_sequences_leaves_them_out():
    assert format_budget({"updates": 8000, "cpu_seconds": 40.0}) == "8,000 updates, 40.0 CPU-s"


def test_no_run_is_an_error():
    with pytest.raises(ValueError, match="at least one run"):
        format_budget()
