"""The sidebar's Stop button stops a running ``%buddy`` cell, in a real JupyterLab.

The answer streams endlessly from a local OpenAI-compatible server, so the cell
only ends when something stops it. JupyterLab 4.6 (comms over subshells, on by
default) sends the click on a kernel subshell; the Stop button opts out of
ipykernel's reply routing (``buddy_jupyter.sidebar.subshell``), so the click runs
on that subshell's thread while the main shell is still busy with the cell. The
cell must finish within 2 s of the click, and the store must hold the answer
aborted, with the text streamed before the click.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.browser.conftest import ARTIFACTS, open_notebook, run_cells, write_notebook
from tests.fake_openai import Endless, FakeOpenAI

QUESTION = "tell me an endless story"


@pytest.fixture
def model():
    with FakeOpenAI(always=Endless("tick ", 0.05)) as server:
        yield server


@pytest.fixture
def lab_env(model):
    return {"BUDDY_MODEL": "openai:gpt-test", "OPENAI_BASE_URL": model.url + "/v1", "OPENAI_API_KEY": "sk-local"}


def _header(payload) -> dict:
    """The header of a kernel message sent over JupyterLab's websocket (JSON, or the v1 binary protocol:
    a count, that many offsets, then channel, header, parent header, metadata, content and buffers)."""
    if isinstance(payload, str):
        return json.loads(payload).get("header", {})
    count = int.from_bytes(payload[:8], "little")
    offsets = [int.from_bytes(payload[8 * i:8 * (i + 1)], "little") for i in range(1, count + 1)]
    return json.loads(payload[offsets[1]:offsets[2]])


@pytest.mark.browser
def test_stop_button_stops_a_running_answer(lab, page, model):
    started = time.monotonic()
    write_notebook(lab.root / "stop.ipynb", ["%load_ext buddy_jupyter", "%buddy sidebar", f"%buddy {QUESTION}"])
    clicks: list[dict] = []

    def watch(socket) -> None:
        def sent(payload) -> None:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            if '"comm_msg"' in text and '"click"' in text:
                clicks.append(_header(payload))

        socket.on("framesent", sent)

    page.on("websocket", watch)
    notebook = open_notebook(page, lab.tree("stop.ipynb"))
    run_cells(page, notebook, 2)
    cells = notebook.locator(".jp-Cell")
    sidebar = page.locator("#jp-right-stack .buddy-sidebar:visible")
    sidebar.wait_for()

    cells.nth(2).locator(".jp-InputArea-editor").click()  # the side panel took the focus
    page.keyboard.press("Shift+Enter")  # the endless answer
    answer = cells.nth(2).locator(".jp-OutputArea-output").first
    answer.get_by_text("tick tick", exact=False).wait_for()
    stop = sidebar.locator("button.buddy-stop:visible")
    stop.wait_for()
    time.sleep(0.3)  # a few more ticks
    assert cells.nth(2).locator(".jp-InputPrompt", has_text="[*]:").count() == 1  # still running

    clicked = time.monotonic()
    stop.click()
    cells.nth(2).locator(".jp-InputPrompt", has_text="[3]:").wait_for(timeout=10_000)
    stopped_in = time.monotonic() - clicked
    print(f"the cell finished {stopped_in:.2f} s after the click, sent on subshell "
          f"{clicks[-1].get('subshell_id') if clicks else None}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "stop.png"))
    assert stopped_in < 2.0, f"the cell ran on for {stopped_in:.2f} s after Stop"

    output = cells.nth(2).locator(".jp-OutputArea").inner_text()
    assert "tick tick" in output and "answer stopped" in output
    sidebar.locator(".buddy-notice", has_text="Stopping the answer").wait_for()
    assert sidebar.locator(".buddy-error-text").inner_text() == ""
    assert clicks and clicks[-1].get("subshell_id"), clicks  # JupyterLab sent the click on a subshell
    assert model.disconnected.wait(5)  # the model's stream was closed, not left running

    from buddy_jupyter.store import Store

    store = Store(lab.root / ".buddy" / "stop.duckdb", read_only=True, lock_timeout=20)  # once the kernel lets go
    try:
        [session] = store.list_sessions()
        question, reply = store.get_messages(session.id)
        assert question.text == QUESTION
        assert reply.text.startswith("tick tick") and reply.text.strip() in output
        assert reply.info.finish == "aborted" and reply.info.error.name == "MessageAbortedError"
    finally:
        store.close()
    assert time.monotonic() - started < 40
