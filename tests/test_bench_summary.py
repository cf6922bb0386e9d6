"""The speed page's narrow benchmark table: one line per row, sizes and ratios right."""

import pytest

from lstmbook.bench import Row, summary_table


def _rows():
    return [
        Row((10, 32, 32, 128), "lstmbook.numpy", 0.002, 0.006, 0.0, 0.0, 1e-7),
        Row((10, 32, 32, 128), "torch", 0.001, 0.003, 0.0, 0.0, 0.0),
        Row((20, 32, 32, 128), "lstmbook.numpy", 0.004, 0.012, 0.0, 0.0, 2e-7),
        Row((20, 32, 32, 128), "torch", 0.002, 0.004, 0.0, 0.0, 0.0),
    ]


def test_summary_table_prints_each_row_with_its_ratio_to_the_baseline():
    table = summary_table(_rows(), "T", labels={"torch": "torch.nn.LSTM"})
    lines = table.splitlines()
    assert len(lines) == 5 and "f+b / torch.nn.LSTM" in lines[0]
    numpy_20 = lines[3].split()
    assert numpy_20[:4] == ["20", "lstmbook.numpy", "4.00", "12.00"]
    assert numpy_20[4] == "3.00" and numpy_20[5] == "2.0e-07"
    assert max(len(line) for line in lines) < 80


def test_summary_table_reads_the_swept_size_and_refuses_an_unknown_one():
    assert summary_table(_rows(), "H").splitlines()[1].split()[0] == "128"
    with pytest.raises(ValueError, match="sweep"):
        summary_table(_rows(), "X")
