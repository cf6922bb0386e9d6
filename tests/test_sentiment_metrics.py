"""Binary-classification measures of the sentiment page, against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.metrics import classification as C


@pytest.fixture
def yp():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    p = np.clip(0.5 * y + rng.uniform(0, 0.6, 300) - 0.05, 0, 1)
    return y, p


def test_f1_accuracy_and_auc_agree_with_scikit_learn(yp):
    sk = pytest.importorskip("sklearn.metrics")
    y, p = yp
    assert C.f1_score(y, p) == pytest.approx(sk.f1_score(y, p > 0.5))
    assert C.accuracy(y, p) == pytest.approx(sk.accuracy_score(y, p > 0.5))
    assert C.roc_auc(y, p) == pytest.approx(sk.roc_auc_score(y, p))


def test_auc_counts_ties_as_one_half():
    assert C.roc_auc([0, 1], [0.3, 0.3]) == 0.5
    assert C.roc_auc([0, 1], [0.2, 0.9]) == 1.0


def test_confusion_counts_add_up(yp):
    y, p = yp
    c = C.confusion_counts(y, p)
    assert sum(c.values()) == len(y) and c["tp"] + c["fn"] == y.sum()


def test_calibration_of_a_calibrated_model_is_near_zero():
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 200_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(int)
    assert C.expected_calibration_error(y, p) < 0.01
    b = C.calibration_bins(y, p, 5)
    np.testing.assert_allclose(b["frac_pos"], b["mean_p"], atol=0.01)
    assert b["count"].sum() == p.size


def test_an_overconfident_model_has_a_large_calibration_error():
    y = np.array([1, 0] * 50)
    p = np.where(np.arange(100) % 4 < 2, 0.99, 0.01)  # half of them confidently wrong
    assert C.expected_calibration_error(y, p) > 0.4


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="labels"):
        C.accuracy([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="both classes"):
        C.roc_auc([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="probabilities"):
        C.f1_score([0, 1], [0.1])
