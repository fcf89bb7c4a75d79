import pytest

from . import fixtures


@pytest.fixture(scope="session")
def llm_db(tmp_path_factory):
    return fixtures.llm_logs(tmp_path_factory.mktemp("llm") / "user")


@pytest.fixture
def new_store(tmp_path):
    """A fresh store for a notebook, released quickly."""
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
