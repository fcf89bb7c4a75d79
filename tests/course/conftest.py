"""A course folder with its course file, an exchange, and consent kept in a temporary folder."""

from __future__ import annotations

import json

import pytest
from IPython.core.interactiveshell import InteractiveShell


@pytest.fixture(autouse=True)
def _course_env(monkeypatch, tmp_path):
    monkeypatch.setenv("BUDDY_CONSENT_DIR", str(tmp_path / "consent"))
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")


def write_course(folder, *, mode="full", name="data-101", extra="", exchange="../exchange"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "buddy-course.toml").write_text(
        f'[course]\nname = "{name}"\nexchange = "{exchange}"\nmode = "{mode}"\nshare_interval = 300\n'
        f'curriculum = ["python basics", "pandas groupby"]\n{extra}')
    (folder / exchange).resolve().mkdir(parents=True, exist_ok=True)
    return folder / "buddy-course.toml"


def write_notebook(path, cells=(), course_meta=None):
    nb = {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    if course_meta is not None:
        nb["metadata"]["buddy"] = {"course": course_meta}
    path.write_text(json.dumps(nb))
    return path


def code_cell(source, cell_id, **metadata):
    return {"cell_type": "code", "id": cell_id, "source": source, "metadata": metadata, "outputs": [],
            "execution_count": None}


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "data-101"
    write_course(folder)
    return folder


@pytest.fixture
def course_shell(course, monkeypatch):
    """A real InteractiveShell serving data-101/lesson.ipynb, with the extension loaded."""
    notebook = write_notebook(course / "lesson.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    monkeypatch.chdir(course)
    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext buddy_jupyter", store_history=False)
    from buddy_jupyter.magics import kernel_buddy

    kb = kernel_buddy(sh)
    kb.config.idle_release = 0.2
    kb.config.model_topics = False
    yield sh
    from buddy_jupyter.course.share import stop_sharing

    stop_sharing(kb)
    sh.run_cell("%unload_ext buddy_jupyter", store_history=False)
    InteractiveShell.clear_instance()
