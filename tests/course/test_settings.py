"""The course file found upward, the notebook's metadata, the strictest mode, exercise cells."""

from __future__ import annotations

import pytest

from buddy_jupyter.course.settings import (
    CourseFileError, CurriculumItem, course_settings, exercise_cells, find_course_file,
)
from tests.course.conftest import code_cell, write_course, write_notebook


def test_course_file_is_found_upward_and_paths_are_relative_to_it(tmp_path):
    write_course(tmp_path / "data-101", mode="explain", extra='notes = "teacher-notes"\n')
    week = tmp_path / "data-101" / "week1"
    week.mkdir()
    notebook = write_notebook(week / "lesson.ipynb")
    assert find_course_file(notebook) == tmp_path / "data-101" / "buddy-course.toml"
    settings = course_settings(notebook)
    assert settings.name == "data-101" and settings.mode == "explain" and settings.mode_source == "course file"
    assert settings.exchange == (tmp_path / "exchange").resolve()
    assert settings.dataset == (tmp_path / "exchange" / "data-101" / "buddy").resolve()
    assert settings.notes == (tmp_path / "data-101" / "teacher-notes").resolve()
    assert settings.curriculum == (CurriculumItem("python basics"), CurriculumItem("pandas groupby"))
    assert settings.describe() == "explain (course file), course data-101"


def test_no_course_means_full(tmp_path):
    settings = course_settings(write_notebook(tmp_path / "free.ipynb"))
    assert not settings.active and settings.mode == "full"
    assert settings.describe() == "full (no course)"


def test_curriculum_tables_and_a_bad_mode(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "buddy-course.toml").write_text(
        '[course]\nname = "c1"\n[[course.curriculum]]\ntopic = "pandas groupby"\ngoal = "split-apply-combine"\n')
    assert course_settings(None, start=folder).curriculum == (CurriculumItem("pandas groupby", "split-apply-combine"),)
    (folder / "buddy-course.toml").write_text('[course]\nname = "c1"\nmode = "lenient"\n')
    with pytest.raises(CourseFileError, match="mode must be one of full, explain, off"):
        course_settings(None, start=folder)
    (folder / "buddy-course.toml").write_text('[course\nname = ')
    with pytest.raises(CourseFileError, match="cannot read the course file"):
        course_settings(None, start=folder)


@pytest.mark.parametrize("course_mode, notebook_mode, expected, source", [
    ("full", "off", "off", "notebook"),
    ("explain", "off", "off", "notebook"),
    ("off", "full", "off", "course file"),        # a notebook cannot loosen the course
    ("explain", "full", "explain", "course file"),
])
def test_the_strictest_mode_wins(tmp_path, course_mode, notebook_mode, expected, source):
    write_course(tmp_path / "c", mode=course_mode)
    notebook = write_notebook(tmp_path / "c" / "exam.ipynb", course_meta={"mode": notebook_mode})
    settings = course_settings(notebook)
    assert (settings.mode, settings.mode_source) == (expected, source)


def test_exercise_cells_nbgrader_tags_metadata_and_listed(tmp_path):
    write_course(tmp_path / "c", extra='exercise_tags = ["exercise", "homework"]\n')
    cells = [
        code_cell("import pandas as pd", "c0"),
        code_cell("def reverse(s):\n    # YOUR CODE HERE\n    raise NotImplementedError()", "c1",
                  nbgrader={"solution": True, "grade_id": "reverse"}),
        code_cell("total = None", "c2", tags=["homework"]),
        code_cell("answer = ...", "c3", buddy={"exercise": True}),
        code_cell("x = 1", "c4"),
        {"cell_type": "markdown", "id": "m1", "source": "solve it", "metadata": {"tags": ["exercise"]}},
    ]
    notebook = write_notebook(tmp_path / "c" / "hw.ipynb", cells, course_meta={"exercise_cells": ["c4"]})
    found = {c.cell_id: c.why for c in exercise_cells(course_settings(notebook))}
    assert found == {"c1": "nbgrader", "c2": "tag", "c3": "metadata", "c4": "notebook"}
