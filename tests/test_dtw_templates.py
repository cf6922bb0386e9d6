"""DTW template matching (lstmbook.baselines.templates), the speech-commands baseline."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmbook.baselines.templates import TemplateMatcher, cmvn, dtw_cost, voiced_stretch

frames = arrays(np.float64, st.tuples(st.integers(1, 12), st.just(3)),
                elements=st.floats(-5, 5, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(frames, frames)
def test_dtw_cost_is_symmetric_and_zero_only_against_itself(a, b):
    assert dtw_cost(a, b) == pytest.approx(dtw_cost(b, a))
    assert dtw_cost(a, a) == pytest.approx(0.0, abs=1e-12)


def test_a_slowed_down_copy_warps_onto_the_original_at_no_cost():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20, 4))
    slow = np.repeat(a, 3, axis=0)
    other = rng.normal(size=(60, 4))
    assert dtw_cost(a, slow) == pytest.approx(0.0, abs=1e-12)
    assert dtw_cost(a, other) > 0.5


def test_the_cost_is_divided_by_both_lengths():
    a, b = np.zeros((4, 2)), np.ones((6, 2))
    # every frame pair is sqrt(2) apart; the cheapest path has max(4, 6) = 6 steps
    assert dtw_cost(a, b) == pytest.approx(6 * np.sqrt(2) / 10)


def test_voiced_stretch_drops_the_quiet_frames_around_the_word():
    c0 = np.array([-100, -90, -20, -5, -30, -10, -95, -100.0])
    f = np.stack([c0, np.arange(8.0)], axis=1)
    assert voiced_stretch(f, drop_db=30)[:, 1].tolist() == [2, 3, 4, 5]


def test_cmvn_gives_each_coefficient_mean_zero_and_unit_spread():
    f = np.random.default_rng(1).normal(3, 7, size=(50, 5))
    out = cmvn(f)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(0), 1, atol=1e-6)


def _word(kind: int, rng: np.random.Generator) -> np.ndarray:
    """A fake clip: silence, a 'word' (rising or falling pattern at a random speed), silence."""
    n = int(rng.integers(15, 40))
    t = np.linspace(0, 1, n)
    shape = np.stack([np.sin(3 * t), np.cos(5 * t), t], 1) if kind else \
        np.stack([np.cos(3 * t), np.sin(5 * t), 1 - t], 1)
    word = np.concatenate([np.full((n, 1), -10.0), shape + rng.normal(0, 0.05, shape.shape)], 1)
    quiet = np.concatenate([np.full((5, 1), -80.0), rng.normal(0, 1, (5, 3))], 1)
    clip = np.concatenate([quiet, word, quiet])
    return np.pad(clip, ((0, 60 - len(clip)), (0, 0)), mode="edge")


def test_template_matcher_recognises_words_spoken_at_other_speeds():
    rng = np.random.default_rng(2)
    labels = np.array([0, 1] * 20)
    clips = np.stack([_word(k, rng) for k in labels])
    matcher = TemplateMatcher(per_label=5, seed=0).fit(clips[:20], labels[:20])
    assert len(matcher.templates) == 10
    assert (matcher.predict(clips[20:]) == labels[20:]).mean() == 1.0


def test_template_matcher_names_bad_input():
    with pytest.raises(RuntimeError, match="call fit first"):
        TemplateMatcher().predict_one(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="3 clips but 2 labels"):
        TemplateMatcher().fit(np.zeros((3, 5, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\(frames, coefficients\)"):
        dtw_cost(np.zeros(5), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="NaN"):
        cmvn(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="coefficients per frame"):
        dtw_cost(np.zeros((5, 2)), np.zeros((5, 3)))
