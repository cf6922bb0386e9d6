from lstmbook.display import show_source
from lstmbook.numpy import functional


def test_show_source_returns_the_current_code_of_the_library():
    shown = show_source(functional.sigmoid)
    text = shown if isinstance(shown, str) else shown.data
    assert "def sigmoid" in text and "tanh" in text
