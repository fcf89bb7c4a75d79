"""off refuses questions in one line; explain instructs real models and holds back complete solutions."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from buddy_jupyter.course.policy import SolutionGuard, is_complete_solution
from buddy_jupyter.course.settings import ExerciseCell
from buddy_jupyter.engine.events import StepFinish, StepStart, Usage
from buddy_jupyter.magics import kernel_buddy
from tests.course.conftest import code_cell, write_course, write_notebook

STUB = "def reverse(s):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def _sessions(shell) -> int:
    return kernel_buddy(shell).store.count_sessions(archived=None)


def test_off_refuses_in_one_line_and_stores_nothing(course, course_shell, model):
    write_course(course, mode="off")
    with pytest.raises(UsageError) as raised:
        course_shell.run_line_magic("buddy", "what is a list?")
    assert "\n" not in str(raised.value) and "off" in str(raised.value) and "data-101" in str(raised.value)
    course_shell.run_cell("%config Buddy.model = 'script:x'")  # a learner's %config cannot get round it
    with pytest.raises(UsageError):
        course_shell.run_line_magic("buddy", "-m script:x write my exam answer")
    with pytest.raises(UsageError):
        course_shell.run_line_magic("buddy", "explain")
    assert model.requests == [] and _sessions(course_shell) == 0
    result = course_shell.run_cell("%buddy what is a tuple?")  # as a learner's cell: it fails
    assert not result.success and isinstance(result.error_in_exec, UsageError)


def test_notebook_metadata_turns_an_exam_off(course, course_shell, model):
    write_notebook(course / "lesson.ipynb", course_meta={"mode": "off"})
    with pytest.raises(UsageError, match="mode off, from the notebook"):
        course_shell.run_line_magic("buddy", "-m script:x help")


def test_status_shows_the_mode(course, course_shell, capsys):
    write_course(course, mode="explain")
    course_shell.run_line_magic("buddy", "status")
    assert "course:    explain (course file), course data-101" in capsys.readouterr().out


def test_share_and_status_still_work_when_off(course, course_shell, capsys):
    write_course(course, mode="off")
    course_shell.run_line_magic("buddy", "share status")
    assert "not sharing" in capsys.readouterr().out


def test_full_mode_leaves_the_prompt_alone(course, course_shell, model):
    model.answer(StepStart(), "```python\ndef reverse(s):\n    return s[::-1]\n```\n", StepFinish(usage=Usage(1, 1)))
    write_notebook(course / "lesson.ipynb", [code_cell(STUB, "c1", nbgrader={"solution": True})])
    course_shell.run_line_magic("buddy", "-m script:x solve it")
    assert "Course rules" not in model.requests[0].system
    assert "return s[::-1]" in kernel_buddy(course_shell).store.get_messages(kernel_buddy(course_shell).current_session_id)[1].text


def test_explain_instructs_a_real_model_and_holds_back_the_solution(course, course_shell, model):
    write_course(course, mode="explain")
    write_notebook(course / "lesson.ipynb", [code_cell(STUB, "c1", nbgrader={"solution": True})])
    model.answer(StepStart(), "Slicing with a negative step walks backwards:\n\n```py", "thon\nword = 'abc'\n",
                 "print(word[::-1])\n```\n\nSo for the exercise:\n```python\ndef reverse(s):\n",
                 "    return s[::-1]\n```\nTry it!", StepFinish(usage=Usage(1, 1)))
    course_shell.run_line_magic("buddy", "-m script:x please write reverse for me")
    request = model.requests[0]
    assert "Course rules (explain mode)" in request.system and "def reverse(s)" in request.system
    kb = kernel_buddy(course_shell)
    answer = kb.store.get_messages(kb.current_session_id)[1].text
    assert "print(word[::-1])" in answer  # an example on other names stays
    assert "return s[::-1]" not in answer and "was held back" in answer and "Try it!" in answer


def test_offline_buddy_is_untouched_in_explain_mode(course, course_shell):
    write_course(course, mode="explain")
    from buddy_jupyter.course.policy import course_runner, settings_for
    from buddy_jupyter.engine.offline import OfflineBuddy

    runner = OfflineBuddy()
    settings = settings_for(kernel_buddy(course_shell).notebook)
    assert settings.mode == "explain"
    assert course_runner(settings, runner) is runner


@pytest.mark.parametrize("code, complete", [
    ("def reverse(s):\n    return s[::-1]", True),
    ("def reverse(text):\n    out = ''\n    for c in text:\n        out = c + out\n    return out", True),
    ("def reverse(s):\n    raise NotImplementedError()", False),
    ("def backwards(s):\n    return s[::-1]", False),
    ("word[::-1]", False),
    ("def reverse(s):\n    return s[::-1", False),  # a fragment that does not parse
])
def test_complete_solution_heuristic_for_a_function(code, complete):
    assert is_complete_solution(code, STUB) is complete


def test_complete_solution_heuristic_for_placeholders():
    cell = "# YOUR CODE HERE\nmean_price = None\ncheapest = None"
    assert is_complete_solution("mean_price = df.price.mean()\ncheapest = df.price.idxmin()", cell)
    assert not is_complete_solution("mean_price = df.price.mean()", cell)
    assert not is_complete_solution("print('hello')", "# YOUR CODE HERE")


def test_guard_streams_prose_and_splits_fences_across_deltas():
    guard = SolutionGuard([ExerciseCell("c1", STUB, "nbgrader")], "data-101")
    out = "".join(guard.feed(piece) for piece in ["Hi ", "there\n`", "``python\ndef rev", "erse(s):\n    return s",
                                                   "[::-1]\n``", "`\nbye"]) + guard.close()
    assert out.startswith("Hi there\n") and out.endswith("bye") and "return" not in out and guard.held == ["c1"]
    assert guard.feed("unclosed\n```\ndef reverse(s):\n    return 1\n") == "unclosed\n"
    assert "held back" in guard.close()


def test_the_course_notes_feed_the_offline_tutor(course, course_shell):
    write_course(course, extra='notes = "teacher-notes"\n')
    (course / "teacher-notes").mkdir()
    course_shell.run_line_magic("buddy", "what is a list?")
    assert kernel_buddy(course_shell).config.notes_path == str((course / "teacher-notes").resolve())
