"""Character n-gram baselines: proper distributions, sensible orderings, clear errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.baselines.ngram import NGram


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=5, max_size=60), st.integers(1, 4),
       st.floats(0.05, 0.95))
def test_every_order_gives_a_distribution_that_sums_to_one(ids, order, d):
    model = NGram(order, 5, discount=d).fit(np.array(ids))
    p = model.probs(np.array(ids[-3:]))
    assert np.all(p > 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)


def test_unigram_is_add_one_frequency():
    model = NGram(1, 3).fit(np.array([0, 0, 1]))
    np.testing.assert_allclose(model.probs(np.array([], dtype=int)), [3 / 6, 2 / 6, 1 / 6])


def test_higher_order_wins_on_repetitive_text_and_log_probs_align():
    ids = np.tile(np.array([0, 1, 2, 3]), 200)
    bpc = [NGram(n, 4).fit(ids).bits_per_char(ids) for n in (1, 2, 3)]
    assert bpc[0] == pytest.approx(2.0, abs=0.01)
    assert bpc[2] < bpc[1] < 0.5 * bpc[0]
    assert NGram(3, 4).fit(ids).log_probs(ids).shape == (len(ids) - 1,)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="discount"):
        NGram(2, 4, discount=1.0)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        NGram(2, 4).fit(np.array([0, 5]))
    with pytest.raises(RuntimeError, match="before fit"):
        NGram(2, 4).log_probs(np.array([0, 1]))
