import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A real InteractiveShell with the extension loaded (offline buddy), serving tmp_path/lesson.ipynb."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "lesson.ipynb"))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # no input history from other runs (nor written for them)
    sh = InteractiveShell.instance(config=config)
    sh.run_cell("%load_ext buddy_jupyter", store_history=False)
    from buddy_jupyter.magics import kernel_buddy

    kb = kernel_buddy(sh)
    kb.config.idle_release = 0.2
    kb.config.model_topics = False
    yield sh
    sh.run_cell("%unload_ext buddy_jupyter", store_history=False)
    InteractiveShell.clear_instance()


def run_quietly(shell, source):
    """Run a cell as a notebook would (stored in history), without printing its traceback."""
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return shell.run_cell(source, store_history=True)


def explain(shell) -> tuple[str, str]:
    """``%buddy explain``: (the answer's text, the context stored with the question)."""
    from buddy_jupyter.magics import kernel_buddy

    with redirect_stdout(io.StringIO()):
        result = shell.run_cell("%buddy explain", store_history=True)
    assert result.error_in_exec is None, result.error_in_exec
    kb = kernel_buddy(shell)
    question, answer = kb.store.get_messages(kb.current_session_id)[-2:]
    snapshot = "".join(getattr(p, "snapshot", "") or "" for p in question.parts if p.type == "snapshot")
    return answer.text, snapshot
