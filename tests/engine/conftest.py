import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.engine.scripted import install


@pytest.fixture
def model():
    return install()


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A real InteractiveShell with the extension loaded, serving tmp_path/lesson.ipynb."""
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
