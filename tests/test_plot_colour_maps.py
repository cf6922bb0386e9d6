"""Every plotting helper colours values in [0, 1] (gates, shares, pixel intensities) with a
sequential colour map, and keeps a diverging map for signed values only.

Each helper that maps values to colours is drawn with known inputs; every image and
scatter of the figure is read back: its colour map, and the range of the values it shows.
A last test checks that no helper in ``lstmbook/plots`` names a colour map without a case
here, so a new one cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstmbook import plots  # noqa: E402
from lstmbook.plots import attention, background, diagrams, digits, forecasts, text  # noqa: E402

PLOTS = Path(plots.__file__).parent

#: Matplotlib's diverging maps (and their reversals): white or pale in the middle, for
#: values with a sign.
DIVERGING = {
    name + suffix
    for name in ("PiYG", "PRGn", "BrBG", "PuOr", "RdGy", "RdBu", "RdYlBu", "RdYlGn",
                 "Spectral", "coolwarm", "bwr", "seismic", "berlin", "managua", "vanimo")
    for suffix in ("", "_r")
}


def colour_maps(fig) -> list[tuple[str, float, float]]:
    """(colour map, smallest value shown, largest value shown) of every image and
    scatter in ``fig``."""
    found = []
    for ax in fig.axes:
        for artist in [*ax.images, *ax.collections]:
            data = artist.get_array()
            if data is None or artist.get_cmap() is None:
                continue
            data = np.ma.masked_invalid(np.ma.asarray(data, dtype=float))
            if data.count():
                found.append((artist.get_cmap().name, float(data.min()), float(data.max())))
    return found


def assert_maps_follow_the_rule(fig, where: str) -> list[tuple[str, float, float]]:
    maps = colour_maps(fig)
    assert maps, f"{where}: nothing coloured by a colour map"
    for cmap, lo, hi in maps:
        if lo >= 0:
            assert cmap not in DIVERGING, (
                f"{where}: values in [{lo:.3g}, {hi:.3g}] (never negative) drawn with the "
                f"diverging map {cmap}")
        else:
            assert cmap in DIVERGING, (
                f"{where}: signed values [{lo:.3g}, {hi:.3g}] drawn with {cmap}, which has "
                "no neutral middle")
    plt.close(fig)
    return maps


def _activations(T=12, B=2, H=3, seed=0):
    rng = np.random.default_rng(seed)
    gates = {k: rng.uniform(0.01, 0.99, size=(T, B, H)) for k in "ifo"}
    signed = {"g": np.tanh(rng.normal(size=(T, B, H))), "c": 3 * rng.normal(size=(T, B, H)),
              "h": np.tanh(rng.normal(size=(T, B, H)))}
    return gates | signed


def draw_gates():
    return plots.plot_gates(_activations())


def draw_text_heatmap():
    snippet = "def f(x):\n    return (x)"
    n = len(snippet)
    depth = np.cumsum([{"(": 1, ")": -1}.get(ch, 0) for ch in snippet])
    cell = np.tanh(np.linspace(-2, 2, n))
    return text.plot_text_heatmap(snippet, [("count", depth), ("a cell", cell)],
                                  title="t", width=16)


def draw_gate_traces():
    acts = {k: v[:, 0] for k, v in _activations(T=6).items()}
    return background.plot_gate_traces(acts, "ab(c).", 0,
                                       extra={"count": np.array([0, 1, 2, 1, 0, 0])})


def draw_attention():
    w = np.random.default_rng(0).dirichlet(np.ones(4), size=3)
    return attention.plot_attention(w, ["a", "b", "c", "d"], ["x", "y", "z"], title="t")


def draw_attention_grid():
    w = np.random.default_rng(0).dirichlet(np.ones(4), size=3)
    return attention.plot_attention_grid([w], [["a", "b", "c", "d"]], [["x", "y", "z"]],
                                         titles=["t"], suptitle="s")


def draw_confusion_matrix():
    return digits.plot_confusion_matrix(np.array([[5, 1], [2, 7]]), title="t")


def draw_digit_samples():
    return digits.plot_digit_samples(np.random.default_rng(0).uniform(size=(2, 3, 8, 8)),
                                     title="t")


def draw_digits():
    images = np.random.default_rng(0).uniform(size=(4, 8, 8))
    return plots.plot_digits(images, np.arange(4), title="t", columns=4)


def draw_search():
    rng = np.random.default_rng(0)

    def trials(n):
        return [{"lr": float(10 ** rng.uniform(-4, -1)), "hidden_size": int(rng.integers(2, 64)),
                 "val_loss": float(rng.uniform(0.1, 1.0))} for _ in range(n)]

    return forecasts.plot_search(trials(6), [trials(6), trials(6)], title="t")


#: helper (as named in its module) -> a function drawing it with known inputs
CASES = {
    "plot_gates": draw_gates,
    "_draw_panel": draw_text_heatmap,
    "plot_gate_traces": draw_gate_traces,
    "plot_attention": draw_attention,
    "plot_attention_grid": draw_attention_grid,
    "plot_confusion_matrix": draw_confusion_matrix,
    "plot_digit_samples": draw_digit_samples,
    "plot_digits": draw_digits,
    "plot_search": draw_search,
}

#: helpers that colour patches themselves, from a sequential and a diverging map, with
#: the rule checked by their own test below
PATCH_COLOURED = {"draw_lstm_frames"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_in_0_1_get_a_sequential_map_and_only_signed_values_a_diverging_one(name):
    assert_maps_follow_the_rule(CASES[name](), name)


def test_the_gate_heat_maps_use_one_sequential_map_for_gates_and_a_diverging_one_for_states():
    fig = draw_gates()
    kinds = [im.get_cmap().name in DIVERGING for ax in fig.axes for im in ax.images]
    plt.close(fig)
    assert kinds == [False, False, True, False, True, True]  # i, f, g, o, c, h


def test_the_step_by_step_frames_colour_gates_sequentially_and_the_candidate_divergingly():
    values = {"i": [0.1, 0.9], "f": [0.5, 0.95], "g": [-0.8, 0.7], "o": [0.3, 0.6],
              "c": [0.2, 0.8], "h": [0.1, 0.4]}
    fig = diagrams.draw_lstm_frames(values, ["a", "b"])
    faces = [p.get_facecolor() for p in fig.axes[0].patches
             if getattr(p, "get_boxstyle", None) and p.get_width() < 0.5]
    # per step: i, f, g, o; a sequential map is never red, a diverging one is red above 0
    assert len(faces) == 8
    g_positive = faces[4 + 2]
    assert g_positive[0] > g_positive[2], "candidate g > 0 should take the diverging red"
    for face in faces[0:2] + faces[3:6] + faces[7:8]:
        assert face[2] >= face[0], f"gate colour {face} is not from the sequential blues"
    plt.close(fig)


def _functions_naming_a_colour_map() -> set[str]:
    names = set()
    for path in sorted(PLOTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for node in ast.walk(fn):
                cmap_kw = isinstance(node, ast.keyword) and node.arg == "cmap"
                cmap_call = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                             and node.func.attr in ("get_cmap", "colormaps"))
                if cmap_kw or cmap_call:
                    names.add(fn.name)
                    break
    return names


def test_every_helper_that_names_a_colour_map_is_checked_here():
    unchecked = _functions_naming_a_colour_map() - set(CASES) - PATCH_COLOURED
    assert not unchecked, f"plotting helpers with a colour map and no case here: {unchecked}"
