"""Which notebook a kernel serves and where its store lives (buddy_jupyter.locate)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from buddy_jupyter import locate
from buddy_jupyter.errors import StoreUnwritable
from buddy_jupyter.state import KernelBuddy
from buddy_jupyter.store import Store


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "course" / "week 1"
    folder.mkdir(parents=True)
    (folder / "lesson.ipynb").write_text("{}")
    return folder


def test_session_global_with_an_absolute_path(course, tmp_path):
    nb = course / "lesson.ipynb"
    assert locate.notebook_path({"__session__": str(nb)}, env={}, cwd=tmp_path) == nb
    assert locate.store_path(nb) == course / ".buddy" / "lesson.duckdb"


def test_session_global_relative_to_the_server_root_resolves_against_the_kernels_cwd(course, tmp_path):
    # Jupyter Server: relative to the server root; the kernel runs in the notebook's folder.
    assert locate.notebook_path({"__session__": "course/week 1/lesson.ipynb"}, env={}, cwd=course) == course / "lesson.ipynb"
    # a relative path that does resolve from the working directory is taken as it is
    assert locate.notebook_path({"__session__": "course/week 1/lesson.ipynb"}, env={}, cwd=tmp_path) == course / "lesson.ipynb"
    # the default cwd is the process's working directory
    os.chdir(course)
    assert locate.notebook_path({"__session__": "lesson.ipynb"}, env={}) == course / "lesson.ipynb"


def test_a_notebook_not_yet_saved_still_gets_a_path_in_cwd(tmp_path):
    assert locate.notebook_path({"__session__": "Untitled3.ipynb"}, env={}, cwd=tmp_path) == tmp_path / "Untitled3.ipynb"


def test_jpy_session_name_from_the_environment(course, tmp_path, monkeypatch):
    nb = course / "lesson.ipynb"
    assert locate.notebook_path({}, env={"JPY_SESSION_NAME": str(nb)}, cwd=tmp_path) == nb
    monkeypatch.setenv("JPY_SESSION_NAME", str(nb))
    assert locate.notebook_path() == nb  # os.environ is the default


def test_vscode_notebook_file_wins(course, tmp_path):
    nb = course / "lesson.ipynb"
    ns = {"__vsc_ipynb_file__": str(nb), "__session__": str(tmp_path / "other.ipynb")}
    assert locate.notebook_path(ns, env={"JPY_SESSION_NAME": str(tmp_path / "x.ipynb")}, cwd=tmp_path) == nb


def test_a_session_that_is_not_a_notebook_is_ignored(tmp_path):
    # consoles and scripts get session names too; they are not notebooks
    assert locate.notebook_path({"__session__": "console-1"}, env={"JPY_SESSION_NAME": "script.py"}, cwd=tmp_path) is None
    assert locate.notebook_path({"__session__": None}, env={}, cwd=tmp_path) is None


def test_terminal_ipython_gets_a_stable_store_in_cwd(tmp_path):
    assert locate.notebook_path({}, env={}, cwd=tmp_path) is None
    assert locate.store_path(None, cwd=tmp_path) == tmp_path / ".buddy" / "ipython.duckdb"
    assert locate.store_path(None) == Path.cwd().resolve() / ".buddy" / "ipython.duckdb"
    buddy = KernelBuddy(user_ns={})
    assert buddy.store_path == tmp_path.resolve() / ".buddy" / "ipython.duckdb"


def test_data_dir_setting_keeps_same_named_notebooks_apart(tmp_path):
    shared = tmp_path / "stores"
    a = locate.store_path(tmp_path / "a" / "Untitled.ipynb", data_dir=str(shared))
    b = locate.store_path(tmp_path / "b" / "Untitled.ipynb", data_dir=str(shared))
    assert a.parent == b.parent == shared
    assert a != b and a.name.startswith("Untitled-") and a.suffix == ".duckdb"
    assert a == locate.store_path(tmp_path / "a" / "Untitled.ipynb", data_dir=str(shared))  # stable


def test_data_dir_from_the_environment_reaches_the_kernels_store(tmp_path, monkeypatch, course):
    monkeypatch.setenv("BUDDY_DATA_DIR", str(tmp_path / "stores"))
    buddy = KernelBuddy(user_ns={"__session__": str(course / "lesson.ipynb")})
    assert buddy.store_path.parent == tmp_path / "stores"
    buddy.store.create_session("hello")
    buddy.close()
    assert buddy.store_path.exists() and not (course / ".buddy").exists()
    assert not (tmp_path / "stores" / ".gitignore").exists()  # not our folder: left alone


def test_the_store_folder_gets_a_gitignore(course):
    path = locate.store_path(course / "lesson.ipynb")
    store = Store(path, idle_release=0)
    store.create_session("first")
    store.close()
    ignore = course / ".buddy" / ".gitignore"
    assert ignore.exists() and "*" in ignore.read_text().splitlines()
    assert sorted(p.name for p in (course / ".buddy").iterdir()) == [".gitignore", "lesson.duckdb"]


@pytest.fixture
def unwritable(tmp_path):
    """A folder nobody may write to, root included (root ignores chmod, not chattr +i)."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


def test_unwritable_folder_names_the_setting_to_change(unwritable):
    with pytest.raises(OSError):
        (unwritable / "probe").write_text("x")  # the fixture really makes it unwritable
    for path in (unwritable / "lesson.duckdb", unwritable / ".buddy" / "lesson.duckdb"):
        store = Store(path)
        with pytest.raises(StoreUnwritable) as caught:
            store.create_session("x")
        message = str(caught.value)
        assert "Buddy.data_dir" in message and "BUDDY_DATA_DIR" in message
        assert str(path.parent) in message
    assert list(unwritable.iterdir()) == []


def test_prepare_folder_on_an_unwritable_folder(unwritable):
    with pytest.raises(StoreUnwritable, match="Buddy.data_dir"):
        locate.prepare_folder(unwritable)


@pytest.mark.parametrize("name", ["../../x.ipynb", "../x.ipynb", "a/../../x.ipynb"])
def test_a_notebook_name_pointing_outside_its_folder_is_refused(course, name):
    from buddy_jupyter.errors import InvalidInput

    with pytest.raises(InvalidInput, match="outside its folder"):
        locate.notebook_path({}, env={"JPY_SESSION_NAME": name}, cwd=course)
    assert not (course.parent / ".buddy").exists() and not (course.parent.parent / ".buddy").exists()


def test_a_store_path_that_is_a_symlink_or_fifo_is_refused_and_left_alone(course):
    import os

    from buddy_jupyter.errors import StoreError

    notes = course / "notes.md"
    notes.write_text("mine")
    folder = course / ".buddy"
    folder.mkdir()
    (folder / "lesson.duckdb").symlink_to(notes)
    with pytest.raises(StoreError, match="symlink"):
        Store(folder / "lesson.duckdb", notebook=str(course / "lesson.ipynb")).list_sessions()
    assert notes.read_text() == "mine" and sorted(p.name for p in folder.iterdir()) == ["lesson.duckdb"]
    (folder / "lesson.duckdb").unlink()
    os.mkfifo(folder / "lesson.duckdb")
    with pytest.raises(StoreError, match="not a regular file"):  # refused before any open: no hang
        Store(folder / "lesson.duckdb", notebook=str(course / "lesson.ipynb")).list_sessions()
    assert (folder / "lesson.duckdb").is_fifo()
