"""Exports (one line with a link; ipynb valid without warnings; fences longer than the content's
backticks), %buddy import / fork, and %buddy progress as a real image/png with right day labels."""

from __future__ import annotations

import json
import warnings
from datetime import date, timedelta

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import AssistantMessage, UserMessage
from buddy_jupyter.schema.parts import TextPart, TimeSpan, ToolCompleted, ToolPart

from tests.interop import fixtures


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "lesson.ipynb"))
    monkeypatch.setenv("BUDDY_MODEL", "offline")
    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext buddy_jupyter", store_history=False)
    from buddy_jupyter.magics import kernel_buddy

    kernel_buddy(sh).config.idle_release = 0.1
    yield sh
    sh.run_cell("%unload_ext buddy_jupyter", store_history=False)
    InteractiveShell.clear_instance()


def _session_with_backticks(store) -> str:
    session = store.create_session("Fences")
    q, at = ids.new_id("message")
    store.append_message(UserMessage(id=q, session_id=session.id, time_created=at),
                         [TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=q, text="show me")])
    a, at = ids.new_id("message")
    store.append_message(AssistantMessage(id=a, session_id=session.id, time_created=at, parent_id=q, time_completed=at), [
        ToolPart(id=ids.new_id("part")[0], session_id=session.id, message_id=a, call_id="c", tool="read",
                 state=ToolCompleted(input={}, output="a ```` fence\n```\nx\n```", time=TimeSpan(start=1, end=2))),
        TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=a, text="done"),
    ])
    return session.id


def line(shell, text):
    return shell.run_line_magic("buddy", text)


def test_export_shows_one_line_and_writes_valid_files(shell, tmp_path):
    import nbformat

    from buddy_jupyter.magics import kernel_buddy

    sid = _session_with_backticks(kernel_buddy(shell).store)
    with capture_output() as captured:
        result = line(shell, f"export {sid} --format md --to {tmp_path / 'notes.md'}")
    assert captured.stdout == ""
    assert repr(result).count("\n") == 0 and 'href="notes.md"' in result._repr_html_()
    text = (tmp_path / "notes.md").read_text()
    assert "`````\na ```` fence" in text  # a fence longer than the longest run of backticks inside
    line(shell, f"export {sid} --format ipynb --to {tmp_path / 'notes.ipynb'}")
    notebook = nbformat.read(tmp_path / "notes.ipynb", as_version=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbformat.validate(notebook)
    assert all(cell.get("id") for cell in notebook.cells)
    assert notebook.metadata.language_info.name == "python"
    with pytest.raises(Exception, match="exists"):
        line(shell, f"export {sid} --format md --to {tmp_path / 'notes.md'}")
    line(shell, f"export {sid} --format md --to {tmp_path / 'notes.md'} --force")
    line(shell, f"export {sid} --format json --to {tmp_path / 'notes.json'}")
    assert json.loads((tmp_path / "notes.json").read_text())["format"] == "buddy_jupyter.session"


def test_import_and_fork(shell, tmp_path, capsys):
    from buddy_jupyter.magics import kernel_buddy

    line(shell, f"import {fixtures.opencode_files(tmp_path / 'oc')}")
    assert "imported 2 message(s)" in capsys.readouterr().out
    line(shell, "switch ses_oc1")
    line(shell, "fork --at msg_oc1")
    kb = kernel_buddy(shell)
    fork = kb.store.get_session(kb.current_session_id)
    assert fork.parent_id == "ses_oc1" and fork.message_count == 1
    sessions = line(shell, "sessions")
    assert sessions.set_index("id").loc[fork.id, "parent"] == "ses_oc1"
    from buddy_jupyter.sidebar.sources import row_from_session

    assert row_from_session(fork, kb.store, local=True).parent_id == "ses_oc1"  # drawn as a branch (↳)
    line(shell, "compact")
    assert kb.store.get_session(fork.id).parent_id == "ses_oc1"


def test_progress_is_a_png_output_with_each_day_labelled(shell):
    from buddy_jupyter.analytics.report import ProgressReport, chart_figure, minutes_chart
    import pandas

    days = [date(2026, 11, 20) + timedelta(days=i) for i in range(13)]  # 20 Nov to 2 Dec
    points = [(d, float(i)) for i, d in enumerate(days)]
    figure = chart_figure(points)
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels[-1] == "2 Dec" and labels[0].endswith("Nov") and "2026-Dec" not in labels
    assert figure.axes[0].get_xlabel() == "20 Nov 2026 – 02 Dec 2026"
    report = ProgressReport(scope="this notebook", by_day=pandas.DataFrame({"day": days, "minutes": [1.0] * 13,
                                                                            "study_sessions": [1] * 13}),
                            topics=pandas.DataFrame(), curriculum=pandas.DataFrame(), chart_png=minutes_chart(points))
    with capture_output() as captured:
        report._ipython_display_()
    assert captured.outputs[0].data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image/png" not in captured.outputs[1].data["text/html"]
