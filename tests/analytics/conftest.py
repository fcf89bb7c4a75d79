"""Fixtures for analytics: real stores on disk holding scripted conversations at chosen times."""

from __future__ import annotations

import pytest

from .timelines import Script, open_store


@pytest.fixture
def notebook_store(tmp_path):
    """One notebook's store under ``tmp_path/course`` and a Script writing into it."""
    store = open_store(tmp_path / "course", "lesson")
    yield store, Script(store)
    store.close()


@pytest.fixture
def course(tmp_path):
    """A factory of notebook stores under ``tmp_path/course``; all closed at the end."""
    opened: list[Store] = []

    def make(name: str, folder: str = "") -> tuple[Store, Script]:
        store = open_store(tmp_path / "course" / folder if folder else tmp_path / "course", name)
        opened.append(store)
        return store, Script(store)

    make.root = tmp_path / "course"  # type: ignore[attr-defined]
    yield make
    for store in opened:
        store.close()
