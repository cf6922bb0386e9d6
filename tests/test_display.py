from pathlib import Path

import numpy as np

from lstmbook.display import show_source
from lstmbook.numpy import functional


def test_show_source_returns_the_current_code_of_the_library():
    shown = show_source(functional.sigmoid)
    text = shown if isinstance(shown, str) else shown.data
    assert "def sigmoid" in text and "tanh" in text


def test_show_source_shows_a_method_at_the_left_margin():
    from lstmbook.numpy import LSTM

    shown = show_source(LSTM._layer_forward)
    text = shown if isinstance(shown, str) else shown.data
    assert text.startswith("def _layer_forward(")


def test_shows_error_prints_type_and_message_in_one_line(capsys):
    from lstmbook.display import shows_error

    with shows_error(ValueError) as caught:
        raise ValueError("Exception encountered when calling LSTM.call().\n\n"
                         "too many   values\nto unpack\n\nArguments received by LSTM.call(): x")
    assert isinstance(caught.error, ValueError)
    assert capsys.readouterr().out == "ValueError: too many values to unpack\n"


def test_shows_error_fails_when_nothing_is_raised():
    import pytest

    from lstmbook.display import shows_error

    with pytest.raises(AssertionError, match="expected the block to raise KeyError"):
        with shows_error(KeyError):
            pass


def test_shows_error_lets_other_errors_through():
    import pytest

    from lstmbook.display import shows_error

    with pytest.raises(TypeError):
        with shows_error(ValueError):
            raise TypeError("not the failure the page describes")


def test_a_shown_error_names_no_folder_of_the_machine_that_ran_it(capsys):
    import lstmbook
    from lstmbook.display import shows_error

    path = str(Path(lstmbook.__file__).resolve())
    site = str(Path(np.__file__).resolve())
    with shows_error(OSError):
        raise OSError(f"cannot read {path} (called from {site})")
    out = capsys.readouterr().out
    assert out == "OSError: cannot read lstmbook/__init__.py (called from numpy/__init__.py)\n"


def test_a_long_message_is_wrapped_to_the_column_and_indented(capsys):
    from lstmbook.display import WIDTH, shows_error

    with shows_error(RuntimeError):
        raise RuntimeError("the size of tensor a (3) must match " * 6)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 1 and lines[0].startswith("RuntimeError: the size of tensor")
    assert all(len(line) <= WIDTH for line in lines)
    assert all(line.startswith("    ") for line in lines[1:])


def test_shows_warnings_prints_each_message_once(capsys):
    import warnings

    from lstmbook.display import shows_warnings

    with shows_warnings(UserWarning) as recorded:
        for _ in range(2):
            warnings.warn("Do not pass an `input_shape`", UserWarning, stacklevel=1)
    assert len(recorded) == 2
    assert capsys.readouterr().out == "UserWarning: Do not pass an `input_shape`\n"
