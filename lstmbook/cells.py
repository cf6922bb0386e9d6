"""Finding readable cells (可解释的细胞): units whose activation tracks a property of the text.

Karpathy, Johnson & Fei-Fei (2015) found LSTM cells that switch on inside quotes or count
line length. Here such cells are *found by measurement*, not by eye: every cell's
activation is correlated (Pearson r) with labelled properties of the text (for Python
source: :func:`lstmbook.data.text.text_properties`), the best cell for a property is
chosen on one stretch of text and its correlation reported on another, and the same is
done for an untrained network of the same shape -- the control that says how large r
gets by chance and by the input alone.

Defined for ``book/applications/language_model.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["correlations", "select_cells", "CellFinding"]


def correlations(acts: np.ndarray, prop: np.ndarray) -> np.ndarray:
    """Pearson correlation of every unit with one property.

    Parameters
    ----------
    acts : ndarray (N, H)
        Activations of H units at N characters.
    prop : ndarray (N,)
        The property's value at each character.

    Returns
    -------
    ndarray (H,)
        r of each unit; 0 for a constant unit (or a constant property).
    """
    acts, prop = np.asarray(acts, dtype=float), np.asarray(prop, dtype=float)
    if acts.ndim != 2 or prop.shape != acts.shape[:1]:
        raise ValueError(
            f"correlations: expected acts (N, H) and prop (N,), got {acts.shape} and {prop.shape}"
        )
    a = acts - acts.mean(axis=0)
    p = prop - prop.mean()
    denom = np.sqrt((a**2).sum(axis=0) * (p**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * p[:, None]).sum(axis=0) / denom
    return np.where(denom > 0, r, 0.0)


class CellFinding(dict):
    """One property's result: ``property``, ``cell`` (chosen on the selection text),
    ``r_select``, ``r_test`` (its r on the test text, sign included), ``median_abs_r``
    (over all cells, test text) and ``control_abs_r`` (the untrained network's best cell,
    chosen and tested the same way; NaN without a control)."""


def select_cells(
    acts_select: np.ndarray,
    props_select: Mapping[str, np.ndarray],
    acts_test: np.ndarray,
    props_test: Mapping[str, np.ndarray],
    control: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[CellFinding]:
    """For each property, the cell with the largest |r| on the selection text, scored on
    the test text.

    Parameters
    ----------
    acts_select, acts_test : ndarray (N1, H), (N2, H)
    props_select, props_test : dict name -> (N1,), (N2,)
    control : (acts_select, acts_test) of an untrained model, optional

    Returns
    -------
    list of :class:`CellFinding`, one per property, in the order of ``props_select``.
    """
    out = []
    for name, prop in props_select.items():
        r_sel = correlations(acts_select, prop)
        cell = int(np.argmax(np.abs(r_sel)))
        r_all = correlations(acts_test, props_test[name])
        finding = CellFinding(property=name, cell=cell, r_select=float(r_sel[cell]),
                              r_test=float(r_all[cell]),
                              median_abs_r=float(np.median(np.abs(r_all))),
                              control_abs_r=float("nan"))
        if control is not None:
            c_sel = correlations(control[0], prop)
            c_cell = int(np.argmax(np.abs(c_sel)))
            r_control = correlations(control[1], props_test[name])[c_cell]
            finding["control_abs_r"] = float(abs(r_control))
        out.append(finding)
    return out
