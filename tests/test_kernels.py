"""The extension in real kernels: the example notebooks, a restart, an interrupt."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from buddy_jupyter.store import Store
from tests.fake_openai import Endless, FakeOpenAI

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(path: Path, **env) -> nbformat.NotebookNode:
    """Run a notebook as Jupyter Server would: in its folder, with JPY_SESSION_NAME set."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={"JPY_SESSION_NAME": str(path), "BUDDY_MODEL": "offline", **env})
    return nb


def outputs_text(cell) -> str:
    chunks = []
    for output in cell.get("outputs", []):
        chunks.append(output.get("text", ""))
        data = output.get("data", {})
        chunks.append(data.get("text/markdown", "") + data.get("text/plain", "") + data.get("text/html", ""))
    return "".join(chunks)


def read_store(path: Path) -> Store:
    return Store(path, read_only=True, lock_timeout=20)


@pytest.mark.parametrize("name", ["tour", "progress"])
def test_example_notebook_runs_end_to_end(tmp_path, name):
    path = tmp_path / f"{name}.ipynb"
    shutil.copy(NOTEBOOKS / f"{name}.ipynb", path)
    nb = execute(path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
              and "raises-exception" not in c.metadata.get("tags", [])]
    assert not errors, errors
    store = read_store(tmp_path / ".buddy" / f"{name}.duckdb")
    sessions = store.list_sessions()
    assert sessions and sessions[0].message_count >= 2
    written = sorted(p.name for p in tmp_path.iterdir() if p.name not in (".buddy", "exports"))
    assert written == [f"{name}.ipynb"], written  # an example writes nothing a repository would track
    if name == "tour":
        assert sessions[0].title == "Tour of the buddy"
        assert (tmp_path / "exports" / "tour-notes.md").exists()  # notebooks/exports/ is git-ignored
        explain = next(c for c in nb.cells if c.source == "%buddy explain")
        assert "KeyError" in outputs_text(explain)
    store.close()


def test_load_ext_in_a_kernel_that_loaded_the_buddy_prints_nothing(tmp_path):
    """Kernels of this environment load the buddy by themselves (the installed kernel config);
    a notebook's own %load_ext line must then be silent, not IPython's "already loaded"."""
    path = tmp_path / "quiet.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("%load_ext buddy_jupyter"),
                                       new_code_cell("%buddy What is a KeyError?")]), path)
    nb = execute(path)
    assert nb.cells[0].outputs == []
    assert "KeyError" in outputs_text(nb.cells[1])


def test_history_survives_a_kernel_restart(tmp_path):
    path = tmp_path / "study.ipynb"
    nb = new_notebook(cells=[new_code_cell("%buddy What is a KeyError?")])
    nbformat.write(nb, path)
    execute(path)
    nb = new_notebook(cells=[new_code_cell("%buddy history"), new_code_cell("%buddy and a NameError?")])
    nbformat.write(nb, path)
    ran = execute(path)  # a new kernel: nothing in memory
    assert "What is a KeyError?" in outputs_text(ran.cells[0])
    store = read_store(tmp_path / ".buddy" / "study.duckdb")
    [session] = store.list_sessions()
    texts = [m.text for m in store.get_messages(session.id)]
    assert texts[0] == "What is a KeyError?" and texts[2] == "and a NameError?" and len(texts) == 4
    store.close()


def test_interrupt_stops_a_slow_stream_and_keeps_the_partial_answer(tmp_path):
    from jupyter_client.manager import start_new_kernel

    with FakeOpenAI(always=Endless("tick ", 0.05)) as server:
        env = {"JPY_SESSION_NAME": str(tmp_path / "slow.ipynb"), "BUDDY_MODEL": "openai:gpt-test",
               "OPENAI_BASE_URL": server.url + "/v1", "OPENAI_API_KEY": "sk-local"}
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env={**__import__("os").environ, **env})
        try:
            msg_id = kc.execute("%buddy tell me an endless story")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # wait until text streams into the cell
                msg = kc.get_iopub_msg(timeout=30)
                if msg["parent_header"].get("msg_id") == msg_id and "tick" in str(msg["content"].get("data", "")):
                    break
            time.sleep(0.3)  # let a few more ticks stream
            interrupted_at = time.monotonic()
            km.interrupt_kernel()
            reply = kc.get_shell_msg(timeout=10)
            while reply["parent_header"].get("msg_id") != msg_id:  # a reply to the client's own start-up requests
                reply = kc.get_shell_msg(timeout=10)
            stopped_in = time.monotonic() - interrupted_at
            assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
            assert stopped_in < 5.0, stopped_in  # promptly, not after the endless stream; the speed is a bench figure
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        assert server.disconnected.wait(5)
    store = read_store(tmp_path / ".buddy" / "slow.duckdb")
    [session] = store.list_sessions()
    answer = store.get_messages(session.id)[1]
    assert answer.text.startswith("tick tick tick")
    assert answer.info.finish == "aborted" and answer.info.error.name == "MessageAbortedError"
    store.close()
