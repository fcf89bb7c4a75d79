"""Shared fixtures: a temporary data folder and a real store on disk."""

from __future__ import annotations

import sys

# jsonschema pulls rfc3987-syntax, whose grammar build costs seconds per process
# (FIELD-NOTES: nbformat import 3 s -> fast); nothing here validates IRIs.
sys.modules.setdefault("rfc3987_syntax", None)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's settings, keys or stores."""
    for name in ("BUDDY_MODEL", "BUDDY_DATA_DIR", "BUDDY_BASE_URL", "BUDDY_HISTORY_ROOT", "OPENAI_BASE_URL",
                 "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "JPY_SESSION_NAME",
                 "BUDDY_NOTES_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _docs_index_cache(tmp_path_factory):
    """The tutor's docs index is built once for the whole run, never in the developer's cache."""
    import os

    os.environ["BUDDY_CACHE_DIR"] = str(tmp_path_factory.mktemp("buddy-cache"))
    yield


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "course" / ".buddy" / "lesson.duckdb"


@pytest.fixture
def store(store_path):
    """A real store on disk that releases the file quickly (as other processes expect)."""
    from buddy_jupyter.store import Store

    s = Store(store_path, notebook=str(store_path.parent.parent / "lesson.ipynb"), idle_release=0.2, lock_timeout=20)
    yield s
    s.close()
