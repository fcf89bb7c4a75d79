"""Shared fixtures: a temporary data folder, a real store on disk, a real shell with the extension, and a
scripted model registered for one test."""

from __future__ import annotations

import sys

# jsonschema pulls rfc3987-syntax, whose grammar build costs seconds per process and makes
# importing nbformat slow; nothing here validates IRIs.
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
def shell(tmp_path, monkeypatch):
    """A real InteractiveShell with the extension loaded, serving tmp_path/lesson.ipynb."""
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "lesson.ipynb"))
    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext buddy_jupyter", store_history=False)
    from buddy_jupyter.magics import kernel_buddy

    kb = kernel_buddy(sh)
    kb.config.idle_release = 0.2
    kb.config.model_topics = False  # scripted models answer exactly the questions a test asks
    yield sh
    sh.run_cell("%unload_ext buddy_jupyter", store_history=False)
    InteractiveShell.clear_instance()


@pytest.fixture
def model():
    """A scripted model answering ``script:...`` names; registered for this test only."""
    from tests.scripted import scripted_model

    with scripted_model() as scripted:
        yield scripted


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


@pytest.fixture(scope="session")
def llm_db(tmp_path_factory):
    """An llm ``logs.db`` written by the llm package itself."""
    from tests.interop import fixtures

    return fixtures.llm_logs(tmp_path_factory.mktemp("llm") / "user")


@pytest.fixture
def new_store(tmp_path):
    """A factory of fresh notebook stores under ``tmp_path``, released quickly."""
    from buddy_jupyter.store import Store

    made = []

    def make(name: str = "lesson"):
        s = Store(tmp_path / name / ".buddy" / f"{name}.duckdb", notebook=str(tmp_path / name / f"{name}.ipynb"),
                  idle_release=0.1)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def pytest_sessionfinish(session, exitstatus):
    """Every InteractiveShell a test made resets itself at exit with a full ``gc.collect()`` each; with
    hundreds of shells over a large heap that took minutes. Frozen objects are skipped by the collector,
    so the resets still run, in well under a second each."""
    import gc

    gc.freeze()
