"""Import: our JSON (a lossless round trip), OpenCode (files and SQLite), llm's logs.db (both layouts),
jupyter-ai chats; idempotent, one transaction per session, one clear line for bad input."""

from __future__ import annotations

import json

import pytest

from buddy_jupyter.errors import InvalidInput
from buddy_jupyter.export import export_session
from buddy_jupyter.interop import ImportFormatError, import_path
from buddy_jupyter.interop import buddy_json
from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import AssistantMessage, MessageAbortedError, UserMessage
from buddy_jupyter.schema.parts import (
    ReasoningPart, StepFinishPart, TextPart, TimeSpan, Tokens, ToolCompleted, ToolPart,
)

from . import fixtures


def _conversation(store) -> str:
    """A session with most of what a real one holds: text, reasoning, a tool, usage, an error, a fork."""
    session = store.create_session("Tuples")
    q, q_at = ids.new_id("message")
    store.append_message(UserMessage(id=q, session_id=session.id, time_created=q_at, model="offline"),
                         [TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=q,
                                   text="what is a ``tuple``? ```x```")])
    a, a_at = ids.new_id("message")
    answer = AssistantMessage(id=a, session_id=session.id, time_created=a_at, parent_id=q, model_id="m",
                              provider_id="offline", time_completed=a_at, cost=0.1 + 0.2,
                              tokens=Tokens(input=10, output=7), finish="aborted",
                              error=MessageAbortedError(message="stopped"))
    store.append_message(answer, [
        ReasoningPart(id=ids.new_id("part")[0], session_id=session.id, message_id=a, text="think",
                      time=TimeSpan(start=1, end=2)),
        ToolPart(id=ids.new_id("part")[0], session_id=session.id, message_id=a, call_id="c1", tool="search_history",
                 state=ToolCompleted(input={"q": "tuple"}, output="```\nx\n```", time=TimeSpan(start=3, end=4))),
        TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=a, text="An immutable sequence."),
        StepFinishPart(id=ids.new_id("part")[0], session_id=session.id, message_id=a, tokens=Tokens(input=10, output=7)),
    ])
    store.fork_session(session.id, q)
    return session.id


def test_our_json_round_trips_exactly(new_store, tmp_path):
    first = new_store("one")
    sid = _conversation(first)
    fork = next(s for s in first.list_sessions() if s.parent_id == sid)
    for session_id in (sid, fork.id):
        doc = export_session(first, session_id, "json")
        assert json.loads(doc)["format_version"] == buddy_json.FORMAT_VERSION
        path = tmp_path / f"{session_id}.json"
        path.write_text(doc)
        second = new_store("two")
        report = import_path(second, path)
        assert report.kind == "buddy" and report.new_sessions == 1
        assert export_session(second, session_id, "json") == doc
        again = import_path(second, path)
        assert again.messages == 0 and again.new_sessions == 0
    assert second.get_session(fork.id).parent_id == sid


def test_the_published_schema_is_current_and_validates_an_export(new_store):
    import jsonschema

    assert json.loads(buddy_json.SCHEMA_PATH.read_text()) == buddy_json.json_schema()
    store = new_store()
    doc = json.loads(export_session(store, _conversation(store), "json"))
    jsonschema.validate(doc, buddy_json.json_schema())


def test_llm_logs_db_from_llm_0_36(new_store, llm_db):
    store = new_store()
    report = import_path(store, llm_db)
    assert report.kind == "llm" and report.new_sessions == 3 and report.messages > 0
    sessions = {s.title: s for s in store.list_sessions()}
    chat = store.get_messages(sessions["what is a tuple?"].id)
    assert [m.info.role for m in chat] == ["user", "assistant", "user", "assistant"]
    assert [p.type for p in chat[1].parts] == ["reasoning", "text"]
    assert chat[1].info.model_id == "echo" and chat[1].info.tokens.output > 0
    system = store.get_messages(sessions["what is a dict?"].id)
    assert system[0].info.system == "be brief"
    tool_session = next(s for title, s in sessions.items() if "tool_calls" in title)
    tools = [p for m in store.get_messages(tool_session.id) for p in m.parts if p.type == "tool"]
    assert len(tools) == 1 and tools[0].tool == "add" and tools[0].state.status == "completed"
    assert tools[0].state.output == "3" and tools[0].state.input == {"a": 1, "b": 2}
    assert import_path(store, llm_db).messages == 0  # idempotent


def test_llm_logs_db_older_layout(new_store, tmp_path):
    store = new_store()
    report = import_path(store, fixtures.llm_old_logs(tmp_path / "logs.db"))
    assert report.new_sessions == 2 and report.messages == 6
    old = next(s for s in store.list_sessions() if s.title == "old chat")
    texts = [m.text for m in store.get_messages(old.id)]
    assert texts == ["hi", "hello!", "what is 2+2?", "4"]
    assert old.tokens_input == 10 and old.tokens_output == 6


def test_a_newer_llm_keeps_what_it_does_not_know(new_store, llm_db, tmp_path):
    import shutil
    import sqlite3

    newer = tmp_path / "newer.db"
    shutil.copy(llm_db, newer)
    con = sqlite3.connect(newer)
    message = con.execute("SELECT message_hash FROM parts WHERE type = 'text' LIMIT 1").fetchone()[0]
    con.execute("INSERT INTO parts (message_hash, position, type, text, payload) VALUES (?, 99, 'citation', "
                "'see the docs', '{\"url\": \"https://docs.python.org\"}')", [message])
    con.execute("INSERT INTO _llm_migrations VALUES ('m031_future_things', '2027-01-01')")
    con.commit()
    con.close()
    store = new_store()
    report = import_path(store, newer)
    assert report.kept_unknown == 1
    kept = [p for s in store.list_sessions() for m in store.get_messages(s.id) for p in m.parts
            if getattr(p, "source", None)]
    assert kept[0].text == "see the docs" and kept[0].source["type"] == "citation"


@pytest.mark.parametrize("layout", ["files", "sqlite"])
def test_opencode_storage(new_store, tmp_path, layout):
    source = fixtures.opencode_files(tmp_path / "oc") if layout == "files" else fixtures.opencode_db(tmp_path / "opencode.db")
    store = new_store()
    report = import_path(store, source)
    assert report.kind == "opencode" and report.new_sessions == 1 and report.messages == 2
    assert report.kept_unknown == 1  # the hologram part
    session = store.get_session("ses_oc1")
    assert session.title == "Merging frames" and session.tokens_input == 120
    question, answer = store.get_messages("ses_oc1")
    assert question.text == "why does my merge drop rows?" and question.info.model == "openai:gpt-5"
    assert answer.info.parent_id == "msg_oc1" and answer.info.tokens.output == 40 and answer.info.cost == 0.002
    assert [p.type for p in answer.parts] == ["step-start", "tool", "text", "text", "step-finish"]
    tool = answer.parts[1]
    assert tool.call_id == "call_1" and tool.state.output == "print(1)" and tool.state.metadata == {"lines": 1}
    hologram = answer.parts[3]
    assert hologram.ignored and hologram.source["payload"]["beam"] == {"colour": "blue"}
    assert answer.text == "An inner join keeps matching keys only."
    assert import_path(store, source).messages == 0


def test_jupyter_ai_chat(new_store, tmp_path):
    store = new_store()
    report = import_path(store, fixtures.jupyter_chat(tmp_path / "help.chat"))
    assert report.kind == "jupyter-ai" and report.messages == 3
    session = store.list_sessions()[0]
    assert session.title == "help"
    messages = store.get_messages(session.id)
    assert [m.info.role for m in messages] == ["user", "assistant", "user"]
    assert messages[1].info.parent_id == messages[0].info.id and messages[1].text == "Use `pandas.read_csv(path)`."
    assert messages[2].parts[0].ignored  # deleted in the chat
    assert import_path(store, tmp_path / "help.chat").messages == 0


@pytest.mark.parametrize("content, says", [
    ("id,text\n1,hello\n", "not valid JSON"),
    ('{"format": "buddy_jupyter.session", "session": {"id": "ses_x", "ti', "cut short"),
    ('{"format": "buddy_jupyter.session", "format_version": 9, "session": {}, "messages": []}', "format version 9"),
    ('{"hello": "world"}', "not a format buddy_jupyter imports"),
])
def test_bad_input_is_one_line_and_imports_nothing(new_store, tmp_path, content, says):
    store = new_store()
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ImportFormatError, match=says) as raised:
        import_path(store, path)
    assert "\n" not in str(raised.value)
    assert store.count_sessions(archived=None) == 0


def test_a_session_that_fails_midway_leaves_nothing(new_store, tmp_path, monkeypatch):
    from buddy_jupyter.store import sql

    store = new_store()
    source = fixtures.opencode_files(tmp_path / "oc")
    calls = {"n": 0}
    real = sql.INSERT_PART

    def failing_execute(con, statement, params=None):
        if statement == real:
            calls["n"] += 1
            if calls["n"] == 3:
                raise InvalidInput("disk full (simulated)")
        return con.execute(statement, params)

    original = store.transaction

    from contextlib import contextmanager

    @contextmanager
    def transaction():
        with original() as con:
            class Wrapped:
                def execute(self, statement, params=None):
                    return failing_execute(con, statement, params)

                def __getattr__(self, name):
                    return getattr(con, name)
            yield Wrapped()

    monkeypatch.setattr(store, "transaction", transaction)
    with pytest.raises(InvalidInput, match="simulated"):
        import_path(store, source)
    monkeypatch.undo()
    assert store.count_sessions(archived=None) == 0
    with store.connection() as con:
        assert con.execute("SELECT count(*) FROM message").fetchall()[0][0] == 0
        assert con.execute("SELECT count(*) FROM part").fetchall()[0][0] == 0
    assert import_path(store, source).messages == 2  # and it imports whole afterwards
