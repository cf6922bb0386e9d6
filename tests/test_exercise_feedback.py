"""The exercises never reject a right answer and name the mistake in a wrong one.

* every registered typical mistake gets a message with a word specific to *that* mistake
  (not a generic "differ" or "too small"), and no other mistake's message has that word;
* a number typed with 3 or more significant figures passes; fewer get "give at least 3";
  what a solution cell prints, typed back, passes; no message says "by 0%";
* a right answer written a second way (tests/exercise_alternatives) passes;
* Run All is safe: a solution cell never rebinds a name that the page's skeleton cells
  bind, and it checks with ``record=False`` so it does not count as the reader's pass.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from exercise_alternatives import all_alternatives

from lstmbook.exercises import EXERCISES, check, progress, solution
from lstmbook.exercises._core import _RESULTS
from lstmbook.exercises.compare import (
    Mistake,
    compare_function,
    compare_number,
    significant_figures,
)

BOOK = Path(__file__).resolve().parents[1] / "book"
IDS = sorted(EXERCISES)

#: Words that say only that an answer is wrong, not which mistake it is.
GENERIC = {
    "differ", "differs", "too small", "too large", "too", "test case", "test case 1",
    "shape", "factor", "elements", "wrong", "not right", "is not right", "expected",
    "index", "not yet", "incorrect", "is not", "steps wrong", "wrong from step 0",
}

ALTERNATIVES = all_alternatives()


def _messages(exercise_id):
    wrong = list(EXERCISES[exercise_id].wrong_answers())
    return wrong, [check(exercise_id, w.answer, record=False).message for w in wrong]


@pytest.mark.parametrize("exercise_id", IDS)
def test_each_typical_mistake_is_named_by_a_word_of_its_own(exercise_id):
    wrong, messages = _messages(exercise_id)
    says = [w.says.lower().strip() for w in wrong]
    for w, s, msg in zip(wrong, says, messages, strict=True):
        label = w.label or repr(w.answer)
        assert s not in GENERIC, (
            f"{exercise_id}: the mistake {label!r} is recognised only by the generic {w.says!r}"
            f"; its message is {msg!r}")
        assert s in msg.lower(), f"{exercise_id}: {label!r} should say {w.says!r}: {msg!r}"
        assert "by 0%" not in msg, f"{exercise_id}: {msg!r}"
    assert len(set(says)) == len(says), f"{exercise_id}: two mistakes share a word: {says}"
    for j, s in enumerate(says):
        for k, msg in enumerate(messages):
            if j != k:
                assert s not in msg.lower(), (
                    f"{exercise_id}: {s!r} (the word of {wrong[j].label!r}) also appears in "
                    f"the message of {wrong[k].label!r}: {msg!r}")


NON_WHOLE_NUMBERS = [
    i for i in IDS
    if EXERCISES[i].kind == "number" and not float(solution(i)).is_integer()
]


def _to_figures(x: float, k: int) -> float:
    return float(f"{x:.{k - 1}e}")


@pytest.mark.parametrize("exercise_id", NON_WHOLE_NUMBERS)
def test_a_number_typed_to_three_or_more_figures_passes(exercise_id):
    x = float(solution(exercise_id))
    for k in (3, 4, 5, 6, 8):
        typed = _to_figures(x, k)
        fb = check(exercise_id, typed, record=False)
        assert fb, f"{exercise_id}: {typed} ({k} figures of {x!r}) rejected: {fb.message}"
        as_text = f"{x:.{k - 1}e}"
        assert check(exercise_id, as_text, record=False), (exercise_id, as_text)
    two = _to_figures(x, 2)
    fb = check(exercise_id, two, record=False)
    if not fb:
        assert "right to 2 significant figures" in fb.message, (exercise_id, fb.message)


@pytest.mark.parametrize("exercise_id", [i for i in IDS if EXERCISES[i].kind == "number"])
def test_a_number_is_a_number_in_any_type(exercise_id):
    import torch

    x = float(solution(exercise_id))
    for answer in (np.float64(x), np.array(x), torch.tensor(x, dtype=torch.float64),
                   torch.tensor([x], dtype=torch.float64)):
        fb = check(exercise_id, answer, record=False)
        assert fb, f"{exercise_id}: {type(answer).__name__} refused: {fb.message}"


def _solution_cells():
    for nb in sorted(BOOK.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            src = "".join(cell["source"])
            if cell["cell_type"] == "code" and "hide-cell" in cell["metadata"].get("tags", []):
                m = re.search(r'check\("([\w-]+)"', src)
                if m:
                    yield nb, m.group(1), src


@pytest.mark.parametrize("exercise_id", [i for i in IDS if EXERCISES[i].kind == "number"])
def test_what_the_solution_prints_passes_when_typed_back(exercise_id):
    x = float(solution(exercise_id))
    specs = []
    for _, eid, src in _solution_cells():
        if eid == exercise_id:
            specs += re.findall(r"\{our_answer(?:\s*\*\s*100)?:([^}]*)\}", src)
    for spec in specs:
        scale = 100 if f"our_answer * 100:{spec}" in "".join(
            s for _, e, s in _solution_cells() if e == exercise_id) else 1
        printed = format(x * scale, spec).replace(",", "")
        typed = float(printed.rstrip("%")) / scale
        fb = check(exercise_id, typed, record=False)
        assert fb, (f"{exercise_id}: the solution prints {printed!r} (format {spec!r}), "
                    f"which typed back is rejected: {fb.message}")


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_right_answer_written_another_way_passes(exercise_id):
    assert exercise_id in ALTERNATIVES, (
        f"{exercise_id}: add a right answer written another way to tests/exercise_alternatives")
    answer = ALTERNATIVES[exercise_id]()
    if callable(answer):
        assert answer is not solution(exercise_id)
    fb = check(exercise_id, answer, record=False)
    assert fb, f"{exercise_id}: the alternative right answer is rejected: {fb.message}"


# --- numbers ---------------------------------------------------------------------------


def test_significant_figures_are_counted_as_typed():
    assert significant_figures(0.607) == 3
    assert significant_figures("0.600") == 3
    assert significant_figures(12352.0) == 5
    assert significant_figures(6.07e-5) == 3
    assert significant_figures(math.pi) is None


def test_compare_number_rounding_rule():
    assert compare_number(0.607, 0.60653)[0]
    assert compare_number(0.6065, 0.60653)[0]
    assert not compare_number(0.6066, 0.60653)[0]
    ok, msg = compare_number(0.61, 0.60653)
    assert not ok and "right to 2 significant figures: give at least 3" in msg
    ok, msg = compare_number(12400.0, 12352.0)  # a count is exact
    assert not ok
    ok, msg = compare_number(1.0001, 1.0)
    assert not ok and "by 0.01%" in msg and "by 0%" not in msg


def test_compare_number_accepts_tensors_numpy_scalars_and_strings_and_keeps_type_names():
    import torch

    assert compare_number(torch.tensor(2.5), 2.5)[0]
    assert compare_number(np.float32(2.5), 2.5)[0]
    assert compare_number(" 2.50 ", 2.5)[0]
    ok, msg = compare_number(torch.Size([3, 4]), 12.0)
    assert not ok and "torch.Size" in msg
    ok, msg = compare_number("zwölf", 12.0)
    assert not ok and "string" in msg


def test_percentages_are_accepted_as_fraction_or_per_cent():
    assert compare_number(0.372, 0.3721, percent=True)[0]
    assert compare_number(37.2, 0.3721, percent=True)[0]
    assert compare_number("37.2%", 0.3721, percent=True)[0]
    assert not compare_number(37.2, 0.3721)[0]


def test_a_named_mistake_is_recognised_when_typed_rounded():
    mistakes = [(1 / (1 + math.exp(-1)), "That is what one step keeps.")]
    ok, msg = compare_number(0.731, 0.7310585786300049 ** 50, rtol=1e-3, mistakes=mistakes)
    assert not ok and msg == "That is what one step keeps."


# --- functions -------------------------------------------------------------------------


def _step_problem(seed=0):
    from lstmbook.numpy.reference import lstm_step

    B, I, H = 2, 3, 4
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H)),
            rng.normal(size=(4 * H, I)), rng.normal(size=(4 * H, H)),
            rng.normal(size=4 * H), rng.normal(size=4 * H))
    return lstm_step, args


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _step(x, h, c, W_ih, W_hh, b_ih, b_hh, *, order="ifgo", use_b_hh=True, swap=False,
          stale_h=False):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + (b_hh if use_b_hh else 0)
    blocks = dict(zip(order, np.split(a, 4, axis=-1), strict=True))
    c_new = _sig(blocks["f"]) * c + _sig(blocks["i"]) * np.tanh(blocks["g"])
    h_new = _sig(blocks["o"]) * np.tanh(c if stale_h else c_new)
    return (c_new, h_new) if swap else (h_new, c_new)


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"order": "figo"}, "order"),
    ({"stale_h": True}, "h from c_prev"),
    ({"use_b_hh": False}, "b_hh is missing"),
    ({"swap": True}, "swapped"),
])
def test_the_shared_detectors_name_step_mistakes(kwargs, word):
    reference, args = _step_problem()
    roles = {3: "gates", 4: "gates", 5: ("gates", "bias"), 6: ("gates", "bias"),
             1: "state", 2: "state"}

    def wrong(*a):
        return _step(*a, **kwargs)

    ok, msg = compare_function(
        wrong, [(args, reference(*args))], names=("h", "c"), reference=reference,
        roles=roles, mistakes=[Mistake(lambda *a: _step(*a, stale_h=True), "h from c_prev")])
    assert not ok and word in msg, msg


def test_a_matrix_product_with_the_wrong_layout_is_explained():
    reference, args = _step_problem()

    def untransposed(x, h, c, W_ih, W_hh, b_ih, b_hh):
        return x @ W_ih, c

    ok, msg = compare_function(untransposed, [(args, reference(*args))], names=("h", "c"))
    assert not ok and "W_ih.T" in msg and "Traceback" not in msg


# --- Run All and progress ----------------------------------------------------------------


def _bound(src: str) -> set[str]:
    out = set()
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.For | ast.With):
            out |= {n.id for n in ast.walk(node)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            out.add(node.name)
        if isinstance(node, ast.Import | ast.ImportFrom):
            out |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return out


def _exercise_notebooks():
    for nb in sorted(BOOK.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        starts = [k for k, c in enumerate(cells) if c["cell_type"] == "markdown"
                  and "## Exercises (练习)" in "".join(c["source"])]
        if starts:
            yield nb, cells[starts[0]:]


@pytest.mark.parametrize("nb_tail", list(_exercise_notebooks()),
                         ids=lambda t: str(t[0].relative_to(BOOK)))
def test_run_all_leaves_the_readers_names_alone(nb_tail):
    nb, tail = nb_tail
    code = [c for c in tail if c["cell_type"] == "code"]
    skeleton = set().union(*[_bound("".join(c["source"])) for c in code
                             if "hide-cell" not in c["metadata"].get("tags", [])])
    for c in code:
        if "hide-cell" in c["metadata"].get("tags", []):
            src = "".join(c["source"])
            clash = _bound(src) & skeleton
            assert not clash, f"{nb.name}: a solution cell rebinds the reader's {clash}"
            if "check(" in src:
                assert "record=False" in src, f"{nb.name}: a solution cell counts as a pass"


def test_progress_shows_the_page_of_the_last_check_and_ignores_solutions():
    _RESULTS.clear()
    ex = EXERCISES["gates-1"]
    check("gates-1", solution("gates-1"), record=False)
    assert "passed" not in {r[4] for r in progress("gates/index").rows}
    check("gates-1", 0.5)
    table = progress()
    assert table.scope == "page gates/index"
    assert dict((r[1], r[4]) for r in table.rows)["gates-1"] == "not yet"
    check("gates-1", solution("gates-1"))
    assert progress().passed == 1 and "1 of" in str(progress())
    assert "passed" in progress()._repr_html_()
    whole = progress(book=True)
    assert len(whole.rows) == len(EXERCISES) and "gates/index: 1 of 3" in str(whole)
    with pytest.raises(ValueError, match="gates/index"):
        progress("gates/indx")
    assert ex.page == "gates/index"
    _RESULTS.clear()


def test_the_registry_follows_the_books_order():
    from test_project_files import toc_files

    from lstmbook.exercises import PAGE_ORDER

    toc = [entry.removeprefix("book/") for entry in toc_files()]
    pages_in_toc = [page for page in toc if page in PAGE_ORDER]
    assert list(PAGE_ORDER) == pages_in_toc
    assert {ex.page for ex in EXERCISES.values()} == set(PAGE_ORDER)
    seen = list(dict.fromkeys(ex.page for ex in EXERCISES.values()))
    assert seen == list(PAGE_ORDER)


def test_a_count_is_exact_but_a_large_one_may_be_typed_rounded():
    assert not compare_number(8927233, 8927232.0)[0]
    assert "off by +1" in compare_number(8927233, 8927232.0)[1]
    ok, msg = compare_number(1.485e4, 14848.0)
    assert not ok and "give all 5 digits" in msg
    assert compare_number("3.93e7", 39321600.0)[0]
    assert compare_number(2.0, 2.0)[0] and "twice" in compare_number(2.0, 1.0)[1]


def test_a_decimal_comma_and_thousands_separators_are_read():
    assert compare_number("1,58e-7", 1.576e-7)[0]
    assert compare_number("0,607", 0.60653)[0]
    assert compare_number("12,352", 12352.0)[0]


def test_far_off_answers_are_described_without_a_meaningless_percentage():
    assert "far too small" in compare_number(0, 1.5e-7)[1]
    assert "times the answer" in compare_number(5000.0, 0.3)[1]
    assert "sign flipped" in compare_number(-3.0, 3.0)[1]


def test_arrays_typed_to_three_figures_pass_and_float32_is_named():
    from lstmbook.exercises.compare import compare_array

    e = np.array([0.473423, 0.22362, 0.19732, 0.1056])
    assert compare_array([0.473, 0.224, 0.197, 0.106], e, rtol=1e-6)[0]
    assert compare_array(["0.4734", "0.2236", "0.1973", "0.1056"], e, rtol=1e-6)[0]
    ok, msg = compare_array([0.47, 0.22, 0.2, 0.11], e)
    assert not ok and "give at least 3" in msg
    ok, msg = compare_array(e.astype(np.float32), e, rtol=1e-9)
    assert not ok and "float32" in msg
    W = np.arange(12.0).reshape(3, 4) + 0.5
    ok, msg = compare_array(W.reshape(4, 3), W.T)
    assert not ok and "reshaped instead of transposed" in msg
    ok, msg = compare_array(np.zeros((5, 2)), np.ones((6, 2)), time_axis=0)
    assert not ok and "one step too few" in msg.lower()


def test_a_choice_ignores_case_quotes_and_a_plural_s():
    from lstmbook.exercises.compare import compare_choice

    for typed in ("gradient", " Gradients ", "'gradients'"):
        assert compare_choice(typed, "gradients", ("gradients", "losses"))[0], typed


def test_one_array_expected_but_a_tuple_returned_is_said_so():
    ok, msg = compare_function(lambda x: (x, x), [((np.ones(3),), np.ones(3))], names=("h",))
    assert not ok and "returned a tuple of 2; expected one array (h)" in msg
