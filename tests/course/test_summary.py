"""%buddy summary writes a Markdown summary whose content hash the instructor's view matches; %buddy class."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from buddy_jupyter.course import instructor
from buddy_jupyter.course.summary import read_summary_hash


def test_summary_is_matched_exactly_then_by_prefix(course, course_shell, model, tmp_path):
    model.answer("A merge joins rows on keys.\n\n```python\npd.merge(a, b, on='id')\n```\n")
    model.answer("Use how='left' to keep every row.")
    course_shell.run_line_magic("buddy", "-m script:x what does merge do?")
    course_shell.run_line_magic("buddy", "-m script:x why does it drop rows?")
    target = tmp_path / "handed-in.md"
    assert course_shell.run_line_magic("buddy", f"summary --to {target}") == target
    text = target.read_text()
    assert "## What I asked" in text and "1. what does merge do?" in text and "pd.merge(a, b, on='id')" in text
    assert "time spent:" in text
    digest, count, session_id = read_summary_hash(target)
    assert count == 4 and len(digest) == 64

    course_shell.run_line_magic("buddy", "share on")
    dataset = course.parent / "exchange" / "data-101" / "buddy"
    matched = instructor.match_summary(dataset, target)
    assert matched.to_dict("records") == [
        {"learner": "ana", "notebook": "lesson", "session_id": session_id, "match": "exact"}]

    course_shell.run_line_magic("buddy", "-m script:x one more thing")  # the conversation goes on
    course_shell.run_line_magic("buddy", "share on --level conversations")
    assert list(instructor.match_summary(dataset, target)["match"]) == ["prefix"]
    target.write_text(text.replace(digest, "0" * 64))
    assert instructor.match_summary(dataset, target).empty


def test_summary_needs_a_session(course_shell):
    with pytest.raises(UsageError, match="no session yet"):
        course_shell.run_line_magic("buddy", "summary")


def test_class_magic_reads_the_course_exchange(course, course_shell, model):
    from buddy_jupyter.course.sample import generate_class

    generate_class(course.parent / "exchange" / "data-101" / "buddy", learners=3, notebooks=2)
    overview = course_shell.run_line_magic("buddy", "class")
    assert set(overview["learner"]) == {"learner0000", "learner0001", "learner0002"}
    assert list(course_shell.run_line_magic("buddy", "class curriculum")["topic"].unique()) == [
        "python basics", "pandas groupby"]
    assert "error" in course_shell.run_line_magic("buddy", "class errors").columns


def test_summary_as_a_notebook_keeps_the_hash(course, course_shell, model, tmp_path):
    import json

    course_shell.run_line_magic("buddy", "-m script:x what is a tuple?")
    target = tmp_path / "summary.ipynb"
    course_shell.run_line_magic("buddy", f"summary --to {target}")
    nb = json.loads(target.read_text())
    assert nb["nbformat"] == 4 and [c["cell_type"] for c in nb["cells"]] == ["markdown"] * 3
    assert read_summary_hash(target)[1] == 2
