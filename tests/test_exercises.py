"""The exercise framework: every registered exercise accepts its own solution, rejects
typical wrong answers with a message that says what is wrong, and every content page of
the book ends with at least three exercises whose solutions run in the build."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lstmbook import exercises
from lstmbook.exercises import EXERCISES, Feedback, WrongAnswer, check, solution
from lstmbook.exercises.compare import compare_array, compare_function, compare_number

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
#: Notebooks that are not content pages (no exercises required).
NOT_CONTENT = {"running", "exercises"}
IDS = sorted(EXERCISES)


def content_notebooks() -> list[Path]:
    return sorted(
        p
        for p in BOOK.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
        and str(p.relative_to(BOOK).with_suffix("")) not in NOT_CONTENT
    )


def page_of(nb: Path) -> str:
    return str(nb.relative_to(BOOK).with_suffix(""))


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_solution_passes(exercise_id):
    feedback = check(exercise_id, solution(exercise_id))
    assert isinstance(feedback, Feedback)
    assert feedback.passed, feedback.message
    assert bool(feedback) is True


@pytest.mark.parametrize("exercise_id", IDS)
def test_typical_wrong_answers_are_rejected_with_a_reason(exercise_id):
    wrong = list(EXERCISES[exercise_id].wrong_answers())
    assert len(wrong) >= 2, f"{exercise_id}: register at least two typical wrong answers"
    for w in wrong:
        assert isinstance(w, WrongAnswer)
        feedback = check(exercise_id, w.answer)
        assert not feedback, f"{exercise_id}: wrong answer {w.label or w.answer!r} passed"
        assert feedback.attempted, f"{exercise_id}: {w.label!r} counted as not attempted"
        assert w.says.lower() in feedback.message.lower(), (
            f"{exercise_id}: for {w.label or w.answer!r} expected the message to say "
            f"{w.says!r}, got {feedback.message!r}"
        )


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_empty_answer_is_not_attempted_rather_than_an_error(exercise_id):
    for empty in (None, ...):
        feedback = check(exercise_id, empty)
        assert not feedback and not feedback.attempted
        assert "not attempted" in str(feedback)


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_exercise_belongs_to_an_existing_page_that_checks_it(exercise_id):
    ex = EXERCISES[exercise_id]
    nb = BOOK / f"{ex.page}.ipynb"
    assert nb.is_file(), f"{exercise_id}: page {ex.page!r} does not exist"
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert any(f'check("{exercise_id}"' in src for src in sources), (
        f"{exercise_id}: no cell of {ex.page} calls check({exercise_id!r}, ...)"
    )


def exercise_cells(nb: Path) -> tuple[list[dict], list[dict]]:
    """(cells after the 'Exercises (练习)' heading, all cells)."""
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    for k, cell in enumerate(cells):
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "## Exercises (练习)" in text:
            return cells[k:], cells
    return [], cells


@pytest.mark.parametrize("nb", content_notebooks(), ids=page_of)
def test_every_content_page_ends_with_three_exercises_with_hidden_solutions(nb):
    page = page_of(nb)
    registered = exercises.for_page(page)
    assert len(registered) >= 3, f"{page}: {len(registered)} exercises registered, need 3"
    tail, _ = exercise_cells(nb)
    assert tail, f"{page}: no '## Exercises (练习)' section"
    for ex in registered:
        skeleton = [
            c for c in tail
            if c["cell_type"] == "code" and f'check("{ex.id}"' in "".join(c["source"])
            and "hide-cell" not in c["metadata"].get("tags", [])
        ]
        hidden = [
            c for c in tail
            if c["cell_type"] == "code" and f'check("{ex.id}"' in "".join(c["source"])
            and "hide-cell" in c["metadata"].get("tags", [])
        ]
        assert skeleton, f"{page}: no skeleton cell for {ex.id}"
        assert hidden, f"{page}: no hidden solution cell for {ex.id}"
        src = "".join(hidden[0]["source"])
        assert "assert" in src, f"{page}: the solution of {ex.id} does not assert it passes"
        jupyter = hidden[0]["metadata"].get("jupyter", {})
        assert jupyter.get("source_hidden") and jupyter.get("outputs_hidden"), (
            f"{page}: the solution of {ex.id} (code and output, which says the answer) is "
            "not collapsed in JupyterLab"
        )


# --- the comparisons name the mistake --------------------------------------------------


def test_feedback_is_truthy_exactly_when_passed_and_renders_in_a_notebook():
    yes, no = Feedback("x-1", True, "fine"), Feedback("x-1", False, "wrong shape")
    assert yes and not no
    assert "passed" in yes._repr_html_() and "not yet" in no._repr_html_()
    assert str(no).startswith("✗ x-1: not yet")


def test_unknown_exercise_id_suggests_the_nearest():
    name = IDS[0]
    with pytest.raises(ValueError, match=name):
        check(name + "x", 1.0)


def test_compare_number_names_a_factor_of_two_and_a_sign():
    assert compare_number(2.0, 1.0)[1].startswith("Your answer is twice")
    assert "sign" in compare_number(-3.0, 3.0)[1]
    assert "too small" in compare_number(0.7, 1.0)[1]
    assert "expected a number" in compare_number("one", 1.0)[1].lower()
    assert compare_number(1.0 + 1e-9, 1.0)[0]


def test_compare_array_names_shape_transpose_and_gate_order():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 3))
    assert "transpose" in compare_array(w.T, w)[1]
    assert "shape" in compare_array(w[:4], w)[1]
    i, f, g, o = np.split(w, 4)
    ok, msg = compare_array(np.concatenate([f, i, g, o]), w, gate_axis=0)
    assert not ok and "order f, i, g, o; expected i, f, g, o" in msg
    assert "factor" in compare_array(0.5 * w, w)[1]
    assert "NaN" in compare_array(np.full_like(w, np.nan), w)[1]


def test_compare_array_says_from_which_time_step_it_is_wrong():
    y = np.arange(12.0).reshape(6, 2)
    z = y.copy()
    z[4:] += 1
    ok, msg = compare_array(z, y, time_axis=0)
    assert not ok and "wrong from step 4" in msg


def test_a_broken_or_skeleton_function_gets_a_message_not_a_traceback():
    from lstmbook.exercises._core import register

    cases = [((np.ones(3),), np.ones(3))]
    register(
        "selftest-1", title="identity", page="selftest", kind="function",
        checker=lambda fn: compare_function(fn, cases),
        reference=lambda: (lambda x: x),
        wrong_answers=lambda: [],
    )
    try:
        assert check("selftest-1", lambda x: x)

        def broken(x):
            return x @ np.ones((2, 2))

        def skeleton(x):
            raise NotImplementedError("your code here")

        feedback = check("selftest-1", broken)
        assert not feedback and "raised ValueError" in feedback.message
        assert not check("selftest-1", skeleton).attempted
        assert "NotImplementedError" in check("selftest-1", skeleton).message
        returned_none = check("selftest-1", lambda x: None)
        assert returned_none.attempted and "returned None" in returned_none.message
        assert "skeleton" not in returned_none.message

        def in_place(x):
            x *= 1.0
            x += 0.0
            x[0] = 2.0

        fb = check("selftest-1", in_place)
        assert "returned None" in fb.message and "in place" in fb.message and "`x`" in fb.message
    finally:
        del EXERCISES["selftest-1"]
