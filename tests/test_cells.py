"""Finding readable cells by correlation, with selection and test text kept apart."""

import numpy as np
import pytest

from lstmbook.cells import correlations, select_cells


def test_correlations_are_pearson_and_zero_for_constant_units():
    rng = np.random.default_rng(0)
    prop = rng.standard_normal(200)
    acts = np.stack([prop, -2 * prop + 1, np.ones(200), rng.standard_normal(200)], axis=1)
    r = correlations(acts, prop)
    np.testing.assert_allclose(r[:3], [1.0, -1.0, 0.0], atol=1e-12)
    assert r[3] == pytest.approx(np.corrcoef(acts[:, 3], prop)[0, 1])


def test_select_cells_finds_the_planted_cell_and_scores_it_on_other_text():
    rng = np.random.default_rng(1)

    def make(n):
        prop = rng.integers(0, 2, n).astype(float)
        acts = rng.standard_normal((n, 20))
        acts[:, 7] += 3 * prop
        return acts, {"in_string": prop}

    (a1, p1), (a2, p2) = make(500), make(500)
    control = (rng.standard_normal((500, 20)), rng.standard_normal((500, 20)))
    [found] = select_cells(a1, p1, a2, p2, control=control)
    assert found["cell"] == 7 and found["r_test"] > 0.7
    assert found["control_abs_r"] < 0.2 and found["median_abs_r"] < 0.2


def test_shape_mismatch_is_named():
    with pytest.raises(ValueError, match="acts"):
        correlations(np.zeros((3, 2)), np.zeros(4))
