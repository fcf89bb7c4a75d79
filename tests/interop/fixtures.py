"""Sources to import, made by the real programs where we can run them here.

* llm's logs.db (llm 0.36 layout): written by the ``llm`` package's own CLI (in-process, click's runner)
  with the ``llm-echo`` test model, in a temporary ``LLM_USER_PATH``.
* llm's older layout (``conversations``/``responses``): llm's own migrations up to m022 (the last before
  its message store), with rows as those releases logged them (no old llm release is installed here).
* OpenCode's JSON files and SQLite database, and a jupyter-ai ``.chat``: written here in their formats
  (from OpenCode's and jupyterlab-chat's sources); neither program runs in Python.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

ADD_TOOL = "def add(a: int, b: int) -> int:\n    return a + b\n"
TOOL_PROMPT = json.dumps({"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}], "prompt": "add them"})


def llm_logs(folder: Path) -> Path:
    """A logs.db written by llm 0.36 with llm-echo: a conversation of two turns (with reasoning), a system
    prompt, and a tool call with its result."""
    from click.testing import CliRunner
    from llm.cli import cli

    folder.mkdir(parents=True, exist_ok=True)
    runner = CliRunner()
    env = {"LLM_USER_PATH": str(folder)}
    old = os.environ.get("LLM_USER_PATH")
    os.environ["LLM_USER_PATH"] = str(folder)  # llm reads it through os.environ as well
    try:
        for args in (["-m", "echo", "-o", "thinking", "1", "what is a tuple?"],
                     ["-m", "echo", "-c", "and a list?"],
                     ["-m", "echo", "--system", "be brief", "what is a dict?"],
                     ["-m", "echo", "--functions", ADD_TOOL, TOOL_PROMPT]):
            result = runner.invoke(cli, ["prompt", *args], env=env, catch_exceptions=False)
            assert result.exit_code == 0, result.output
    finally:
        if old is None:
            os.environ.pop("LLM_USER_PATH", None)
        else:
            os.environ["LLM_USER_PATH"] = old
    return folder / "logs.db"


def llm_old_logs(path: Path) -> Path:
    """A logs.db as llm wrote it before its message store (0.2x): conversations and responses."""
    import sqlite_utils
    from llm.migrations import MIGRATIONS, ensure_migrations_table

    db = sqlite_utils.Database(path)
    ensure_migrations_table(db)
    for fn in MIGRATIONS:
        if fn.__name__.startswith("m023"):
            break
        fn(db)
        db["_llm_migrations"].insert({"name": fn.__name__, "applied_at": "2025-01-01 00:00:00"})
    db["conversations"].insert({"id": "01jold0conversation0000000", "name": "old chat", "model": "gpt-4o-mini"})
    for n, (prompt, answer) in enumerate((("hi", "hello!"), ("what is 2+2?", "4"))):
        db["responses"].insert({
            "id": f"01jold0response00000000000{n}", "model": "gpt-4o-mini", "prompt": prompt, "system": None,
            "prompt_json": None, "options_json": "{}", "response": answer, "response_json": None,
            "conversation_id": "01jold0conversation0000000", "duration_ms": 900,
            "datetime_utc": f"2025-01-02T10:0{n}:00.000000", "input_tokens": 5, "output_tokens": 3,
        })
    db["responses"].insert({  # a prompt outside any conversation
        "id": "01jold0single00000000000000", "model": "gpt-4o-mini", "prompt": "alone", "system": "terse",
        "prompt_json": None, "options_json": "{}", "response": "yes", "response_json": None,
        "conversation_id": None, "duration_ms": 100, "datetime_utc": "2025-01-03T09:00:00", "input_tokens": 1,
        "output_tokens": 1,
    })
    db.conn.close()
    return path


OC_SESSION = {"id": "ses_oc1", "projectID": "global", "directory": "/home/learner/course", "title": "Merging frames",
              "version": "1.1.40", "time": {"created": 1764000000000, "updated": 1764000060000}}
OC_MESSAGES = [
    ({"id": "msg_oc1", "sessionID": "ses_oc1", "role": "user", "time": {"created": 1764000000000},
      "agent": "build", "model": {"providerID": "openai", "modelID": "gpt-5"}},
     [{"id": "prt_oc1", "sessionID": "ses_oc1", "messageID": "msg_oc1", "type": "text",
       "text": "why does my merge drop rows?"}]),
    ({"id": "msg_oc2", "sessionID": "ses_oc1", "role": "assistant", "parentID": "msg_oc1",
      "time": {"created": 1764000001000, "completed": 1764000005000}, "modelID": "gpt-5", "providerID": "openai",
      "mode": "build", "path": {"cwd": "/home/learner/course", "root": "/home/learner/course"}, "cost": 0.002,
      "tokens": {"input": 120, "output": 40, "reasoning": 0, "cache": {"read": 0, "write": 0}}, "finish": "stop"},
     [{"id": "prt_oc2", "sessionID": "ses_oc1", "messageID": "msg_oc2", "type": "step-start", "snapshot": "abc"},
      {"id": "prt_oc3", "sessionID": "ses_oc1", "messageID": "msg_oc2", "type": "tool", "callID": "call_1",
       "tool": "read", "state": {"status": "completed", "input": {"filePath": "a.py"}, "output": "print(1)",
                                 "title": "a.py", "metadata": {"lines": 1}, "time": {"start": 1764000002000,
                                                                                    "end": 1764000003000}}},
      {"id": "prt_oc4", "sessionID": "ses_oc1", "messageID": "msg_oc2", "type": "text",
       "text": "An inner join keeps matching keys only.", "time": {"start": 1764000003000, "end": 1764000004000}},
      {"id": "prt_oc5", "sessionID": "ses_oc1", "messageID": "msg_oc2", "type": "hologram",
       "beam": {"colour": "blue"}},
      {"id": "prt_oc6", "sessionID": "ses_oc1", "messageID": "msg_oc2", "type": "step-finish", "reason": "stop",
       "cost": 0.002, "tokens": {"input": 120, "output": 40, "reasoning": 0, "cache": {"read": 0, "write": 0}}}]),
]


def opencode_files(root: Path) -> Path:
    """OpenCode's JSON file layout (before 1.2), with a part of a type we do not know (``hologram``)."""
    storage = root / "storage"
    (storage / "session" / "global").mkdir(parents=True)
    (storage / "session" / "global" / "ses_oc1.json").write_text(json.dumps(OC_SESSION))
    for message, parts in OC_MESSAGES:
        folder = storage / "message" / message["sessionID"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{message['id']}.json").write_text(json.dumps(message))
        part_folder = storage / "part" / message["id"]
        part_folder.mkdir(parents=True, exist_ok=True)
        for part in parts:
            (part_folder / f"{part['id']}.json").write_text(json.dumps(part))
    return root


OPENCODE_SQL = """
CREATE TABLE project (id TEXT PRIMARY KEY, worktree TEXT NOT NULL, time_created INTEGER NOT NULL,
    time_updated INTEGER NOT NULL);
CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, slug TEXT NOT NULL,
    directory TEXT NOT NULL, title TEXT NOT NULL, version TEXT NOT NULL, share_url TEXT,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, time_archived INTEGER);
CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL,
    time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
"""


def opencode_db(path: Path) -> Path:
    """OpenCode's SQLite database (1.2 and later): columns for keys and times, the rest as JSON ``data``."""
    con = sqlite3.connect(path)
    con.executescript(OPENCODE_SQL)
    s = OC_SESSION
    con.execute("INSERT INTO session VALUES (?, ?, NULL, 'merging', ?, ?, ?, NULL, ?, ?, NULL)",
                [s["id"], s["projectID"], s["directory"], s["title"], s["version"], s["time"]["created"],
                 s["time"]["updated"]])
    for message, parts in OC_MESSAGES:
        data = {k: v for k, v in message.items() if k not in ("id", "sessionID")}
        con.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?)", [message["id"], message["sessionID"],
                    message["time"]["created"], message["time"]["created"], json.dumps(data)])
        for n, part in enumerate(parts):
            data = {k: v for k, v in part.items() if k not in ("id", "sessionID", "messageID")}
            con.execute("INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)", [part["id"], part["messageID"],
                        part["sessionID"], message["time"]["created"] + n, message["time"]["created"] + n,
                        json.dumps(data)])
    con.commit()
    con.close()
    return path


def jupyter_chat(path: Path) -> Path:
    """A jupyter-ai chat as jupyterlab-chat saves it."""
    bot = "jupyter-ai-personas::jupyter_ai::JupyternautPersona"
    path.write_text(json.dumps({
        "messages": [
            {"type": "msg", "id": "6f1c2b1e-0000-4000-8000-000000000001", "sender": "learner",
             "body": "How do I read a CSV?", "time": 1764100000.5, "raw_time": False},
            {"type": "msg", "id": "6f1c2b1e-0000-4000-8000-000000000002", "sender": bot,
             "body": "Use `pandas.read_csv(path)`.", "time": 1764100003.25, "raw_time": False},
            {"type": "msg", "id": "6f1c2b1e-0000-4000-8000-000000000003", "sender": "learner",
             "body": "", "time": 1764100010.0, "deleted": True},
        ],
        "users": {"learner": {"username": "learner", "name": "Ada", "display_name": "Ada L", "initials": "AL"},
                  bot: {"username": bot, "name": "Jupyternaut", "display_name": "Jupyternaut", "bot": True}},
        "metadata": {"id": "0a6c9d0e-1111-4222-8333-444455556666"},
    }, indent=2))
    return path
