"""The sidebar's Stop button while a ``%buddy`` cell blocks the main shell, in a real kernel.

Speaks the kernel protocol as JupyterLab 4.6 does with comms over subshells: it
creates a subshell on the control channel and sends the button's click as a
``comm_msg`` whose header names that subshell. ipykernel 7.3+ re-routes such a
message to the subshell its comm last published under (the main shell, for a
widget made by a cell) unless the widget opts out (``follow_frontend_subshell``).
The browser test (tests/browser/test_stop_browser.py) checks the same through
JupyterLab and Chromium.
"""

from __future__ import annotations

import os
import time

from buddy_jupyter.store import Store
from tests.fake_openai import Endless, FakeOpenAI

SETUP = """\
%load_ext buddy_jupyter
from buddy_jupyter.magics import kernel_buddy
from buddy_jupyter.sidebar import open_sidebar
sidebar = open_sidebar(kernel_buddy(get_ipython()), where="inline")
"""


def _quiet(_msg) -> None:
    """Drop a cell's outputs (execute_interactive prints them otherwise)."""


def _expression(kc, expression: str) -> str:
    reply = kc.execute_interactive("", user_expressions={"x": expression}, timeout=30, output_hook=_quiet)
    assert reply["content"]["status"] == "ok", reply["content"]
    value = reply["content"]["user_expressions"]["x"]
    assert value["status"] == "ok", value
    return value["data"]["text/plain"]


def _reply_to(kc, msg_id: str, within: float):
    """The shell reply to ``msg_id``, or None when none came ``within`` seconds."""
    from queue import Empty

    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            reply = kc.get_shell_msg(timeout=left)
        except Empty:
            return None
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply
    return None


def test_stop_click_on_a_subshell_stops_a_running_answer(tmp_path):
    from jupyter_client.manager import start_new_kernel

    with FakeOpenAI(always=Endless("tick ", 0.05)) as server:
        env = {**os.environ, "JPY_SESSION_NAME": str(tmp_path / "stop.ipynb"), "BUDDY_MODEL": "openai:gpt-test",
               "OPENAI_BASE_URL": server.url + "/v1", "OPENAI_API_KEY": "sk-local"}
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
        try:
            info = kc.kernel_info(reply=True, timeout=30)
            assert "kernel subshells" in info["content"].get("supported_features", [])
            assert kc.execute_interactive(SETUP, timeout=60, output_hook=_quiet)["content"]["status"] == "ok"
            comm_id = _expression(kc, "sidebar.stop.comm.comm_id").strip("'")

            request = kc.session.msg("create_subshell_request", {})
            kc.control_channel.send(request)
            subshell_id = kc.get_control_msg(timeout=10)["content"]["subshell_id"]

            # stop_on_error=False: the stopped cell fails on purpose, and the kernel must not abort the
            # requests that read the sidebar afterwards (it aborts what arrives just after a failed cell)
            msg_id = kc.execute("%buddy tell me an endless story", stop_on_error=False)
            deadline = time.monotonic() + 60
            while True:  # until text streams into the cell
                msg = kc.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") == msg_id and "tick" in str(msg["content"].get("data", "")):
                    break
                assert time.monotonic() < deadline, "the answer never streamed"
            time.sleep(0.3)

            click = kc.session.msg("comm_msg", {"comm_id": comm_id,
                                                "data": {"method": "custom", "content": {"event": "click"}}})
            click["header"]["subshell_id"] = subshell_id
            clicked = time.monotonic()
            kc.shell_channel.send(click)
            reply = _reply_to(kc, msg_id, within=10)
            assert reply is not None, "the cell still ran 10 s after the click: the click waits behind it"
            stopped_in = time.monotonic() - clicked
            print(f"the cell finished {stopped_in:.2f} s after the click")
            assert stopped_in < 2.0, f"the cell went on for {stopped_in:.2f} s after the click"
            assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "UsageError"
            assert "answer stopped" in reply["content"]["evalue"]
            notice = _expression(kc, "sidebar.notice.value")
            assert "Stopping the answer" in notice
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        assert server.disconnected.wait(5)

    store = Store(tmp_path / ".buddy" / "stop.duckdb", read_only=True, lock_timeout=20)
    try:
        [session] = store.list_sessions()
        answer = store.get_messages(session.id)[1]
        assert answer.text.startswith("tick tick tick")
        assert answer.info.finish == "aborted" and answer.info.error.name == "MessageAbortedError"
    finally:
        store.close()


def test_the_stop_button_keeps_the_subshell_the_frontend_chose(kb, open_sidebar_for):
    from buddy_jupyter.sidebar.subshell import follow_frontend_subshell

    sidebar = open_sidebar_for(kb)
    route = sidebar.stop.comm._reply_subshell_for  # what ipykernel's shell-channel thread asks
    assert route({"method": "custom", "content": {"event": "click"}}, "subshell-1") == "subshell-1"
    assert route({}, None) is None  # comms over subshells off: the main shell, as before

    class NoComm:
        comm = None

    assert not follow_frontend_subshell(NoComm())
