"""simonw/llm's ``logs.db`` (SQLite), in both of its layouts.

* llm 0.36 and later: ``threads`` (one conversation; ``tip_message_hash`` is its last
  message), ``messages`` (content-addressed by ``hash``, chained by ``parent_hash``;
  role system, user, assistant or tool), ``parts`` (text, reasoning, tool_call,
  tool_result, attachment; long text may be stored as fragments, ``text_ref``) and
  ``turns`` (one prompt and its response: model, tokens, time, duration).
* older releases: ``conversations`` and ``responses`` (one row per prompt and its
  response, with ``prompt``, ``system``, ``response``, tokens and time).

Mapping: a thread or conversation becomes a session (its name the title); each turn
or response a user message and an assistant message (model and tokens from the turn,
``provider_id`` "llm"); a system prompt goes into the user message's ``system``; a
tool call and its result become one tool part (completed, or error with the exception).
A message is found in several threads when one was forked from another: it is imported
once per thread (ids come from the thread and the message hash). Anything else (an
attachment without a path or URL, a part type or role a newer llm adds) is kept as an
ignored text part carrying the original row.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..schema.messages import AssistantMessage, MessageWithParts, UserMessage
from ..schema.parts import FilePart, ReasoningPart, TextPart, TimeSpan, Tokens, ToolCompleted, ToolErrored, ToolPart, ToolPending
from ..schema.sessions import Session
from .common import Imported, ImportFormatError, from_iso, from_ms, own_id, stable_id, to_ms, unknown_part

NEW_TABLES = {"threads", "turns", "messages", "parts"}
OLD_TABLES = {"conversations", "responses"}


def is_logs_db(path: Path) -> bool:
    from .opencode import _tables

    tables = _tables(path)
    return bool(tables >= NEW_TABLES or tables >= OLD_TABLES) and not tables >= {"session", "message", "part"}


def read(path: Path) -> list[Imported]:
    from .opencode import _tables

    tables = _tables(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        newest = _last_migration(con, tables)
        if tables >= NEW_TABLES and con.execute("SELECT count(*) FROM threads").fetchone()[0]:
            sessions = _read_threads(con, path, newest)
        elif tables >= OLD_TABLES:
            sessions = _read_responses(con, path, newest)
        else:
            sessions = []
    except (sqlite3.Error, KeyError, IndexError) as error:
        raise ImportFormatError(f"{path} is an llm logs.db whose tables this version cannot read ({error}; last llm "
                                f"migration {newest}); nothing was imported") from None
    finally:
        con.close()
    return sessions


def _last_migration(con: sqlite3.Connection, tables: set[str]) -> str:
    if "_llm_migrations" not in tables:
        return "unknown"
    row = con.execute("SELECT name FROM _llm_migrations ORDER BY name DESC LIMIT 1").fetchone()
    return row[0] if row else "none"


# -- llm 0.36: threads, turns, messages, parts ----------------------------------------------------

def _read_threads(con: sqlite3.Connection, path: Path, newest: str) -> list[Imported]:
    messages = {row["hash"]: dict(row) for row in con.execute("SELECT * FROM messages")}
    parts: dict[str, list[dict]] = {}
    for row in con.execute("SELECT * FROM parts ORDER BY message_hash, position"):
        parts.setdefault(row["message_hash"], []).append(dict(row))
    fragments = {row[0]: row[1] for row in con.execute("SELECT id, content FROM fragments")} \
        if _exists(con, "fragments") else {}
    turns: dict[str, list[dict]] = {}
    for row in con.execute("SELECT * FROM turns ORDER BY datetime_utc, id"):
        turns.setdefault(row["thread_id"], []).append(dict(row))
    imported = []
    for thread in con.execute("SELECT * FROM threads ORDER BY datetime_utc, id"):
        thread = dict(thread)
        chain = _chain(messages, thread["tip_message_hash"])
        imported.append(_thread(thread, chain, parts, fragments, turns.get(thread["id"], []), path, newest))
    return imported


def _exists(con: sqlite3.Connection, table: str) -> bool:
    return con.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", [table]).fetchone()[0] > 0


def _chain(messages: dict[str, dict], tip: str | None) -> list[dict]:
    chain, seen = [], set()
    while tip and tip in messages and tip not in seen:
        seen.add(tip)
        chain.append(messages[tip])
        tip = messages[tip]["parent_hash"]
    return chain[::-1]


def _text(part: dict, fragments: dict[int, str]) -> str:
    if part.get("text") is not None:
        return part["text"]
    payload = _payload(part)
    if "text" in payload:
        return str(payload["text"])
    return "".join(piece["literal"] if "literal" in piece else fragments.get(piece.get("fragment"), "")
                   for piece in payload.get("text_ref") or [])


def _payload(part: dict) -> dict[str, Any]:
    try:
        value = json.loads(part.get("payload") or "{}")
    except json.JSONDecodeError:
        return {"unparsed": part.get("payload")}
    return value if isinstance(value, dict) else {"value": value}


def _thread(thread: dict, chain: list[dict], parts: dict[str, list[dict]], fragments: dict[int, str],
            turns: list[dict], path: Path, newest: str) -> Imported:
    sid = own_id("session", thread["id"], "llm")
    position = {m["hash"]: i for i, m in enumerate(chain)}
    owner: dict[int, dict] = {}  # chain position -> its turn
    start = 0
    for turn in turns:
        end = position.get(turn.get("tip_message_hash"), -1)
        for i in range(start, end + 1):
            owner[i] = turn
        start = max(start, end + 1)
    created = from_iso(thread.get("datetime_utc")) or (from_iso(turns[0]["datetime_utc"]) if turns else from_ms(0))
    items: list[MessageWithParts] = []
    tools: dict[str, ToolPart] = {}
    system: list[str] = []
    last_user = ""
    previous_time = created
    for i, message in enumerate(chain):
        turn = owner.get(i) or {}
        at = max(from_iso(turn.get("datetime_utc")) or previous_time, previous_time)
        previous_time = at
        mid = stable_id("message", "llm", thread["id"], message["hash"])
        rows = parts.get(message["hash"], [])
        role = message.get("role")
        if role == "system":
            system.extend(_text(p, fragments) for p in rows if p.get("type") == "text")
            continue
        converted = []
        for row in rows:
            pid = stable_id("part", "llm", thread["id"], message["hash"], row.get("position"))
            converted.extend(_part(row, fragments, pid, sid, mid, tools, at))
        if role == "assistant":
            is_tip = turn.get("tip_message_hash") == message["hash"]
            done = at + timedelta(milliseconds=turn.get("duration_ms") or 0)
            info = AssistantMessage(
                id=mid, session_id=sid, time_created=at, parent_id=last_user, time_completed=done,
                model_id=turn.get("resolved_model") or turn.get("model") or "", provider_id="llm", finish="stop",
                tokens=Tokens(input=(turn.get("input_tokens") or 0) if is_tip else 0,
                              output=(turn.get("output_tokens") or 0) if is_tip else 0),
            )
        else:
            if role != "user" and not converted:
                continue  # tool results, merged into the assistant's tool parts
            extra = {} if role == "user" else {"llm_role": role}  # a role a newer llm adds
            info = UserMessage(id=mid, session_id=sid, time_created=at, model=turn.get("model"),
                               system="\n\n".join(system) or None, agent="llm", **extra)
            system = []
            if role == "user":
                last_user = mid
        items.append(MessageWithParts(info=info, parts=converted))
    for item in items:  # each tool call with its result
        item.parts[:] = [tools.get(p.call_id, p) if p.type == "tool" else p for p in item.parts]
    assistants = [m.info for m in items if m.info.role == "assistant"]
    session = Session(
        id=sid, project_id="", title=thread.get("name") or "", time_created=created,
        time_updated=max([created, *(m.info.time_created for m in items)]),
        parent_id=own_id("session", thread["forked_from"], "llm") if thread.get("forked_from") else None,
        message_count=len(items), tokens_input=sum(a.tokens.input for a in assistants),
        tokens_output=sum(a.tokens.output for a in assistants),
    )
    return Imported(session=session, messages=items,
                    data={"source": {"kind": "llm", "path": str(path), "layout": "threads", "id": thread["id"],
                                     "llm_migration": newest}})


def _part(row: dict, fragments: dict[int, str], pid: str, sid: str, mid: str, tools: dict[str, ToolPart], at) -> list:
    kind = row.get("type")
    payload = _payload(row)
    ms = to_ms(at)
    if kind == "text":
        return [TextPart(id=pid, session_id=sid, message_id=mid, text=_text(row, fragments))]
    if kind == "reasoning":
        return [ReasoningPart(id=pid, session_id=sid, message_id=mid, text=_text(row, fragments))]
    if kind == "tool_call":
        call_id = str(payload.get("tool_call_id") or pid)
        tool = ToolPart(id=pid, session_id=sid, message_id=mid, call_id=call_id,
                        tool=row.get("tool_name") or str(payload.get("name") or ""),
                        state=ToolPending(input=payload.get("arguments") if isinstance(payload.get("arguments"), dict)
                                          else {"arguments": payload.get("arguments")}))
        tools[call_id] = tool
        return [tool]
    if kind == "tool_result":
        call_id = str(payload.get("tool_call_id") or "")
        tool = tools.get(call_id)
        if tool is not None:
            state = (ToolErrored(input=tool.state.input, error=str(payload["exception"]), time=TimeSpan(start=ms, end=ms))
                     if payload.get("exception") else
                     ToolCompleted(input=tool.state.input, output=_text({"payload": json.dumps(payload)}, fragments)
                                   if "output" not in payload else str(payload["output"]),
                                   time=TimeSpan(start=ms, end=ms)))
            tools[call_id] = tool.model_copy(update={"state": state})  # put in place once the thread is read
            return []
    if kind == "attachment":
        attachment = payload.get("attachment") or {}
        url = attachment.get("url") or (f"file://{attachment['path']}" if attachment.get("path") else None)
        if url:
            return [FilePart(id=pid, session_id=sid, message_id=mid, mime=attachment.get("type") or
                             "application/octet-stream", filename=Path(str(attachment.get("path") or url)).name,
                             url=url, source={"llm": attachment})]
    return [unknown_part(str(kind), {k: v for k, v in row.items() if k != "id"}, id=pid, session_id=sid,
                         message_id=mid, text=_text(row, fragments) if kind not in ("attachment", "tool_result") else "")]


# -- older llm: conversations, responses --------------------------------------------------------

def _read_responses(con: sqlite3.Connection, path: Path, newest: str) -> list[Imported]:
    columns = {row[1] for row in con.execute("PRAGMA table_info(responses)")}
    conversations = {row["id"]: dict(row) for row in con.execute("SELECT * FROM conversations")}
    groups: dict[str, list[dict]] = {}
    for row in con.execute("SELECT * FROM responses ORDER BY datetime_utc, id"):
        row = dict(row)
        groups.setdefault(row.get("conversation_id") or row["id"], []).append(row)
    imported = []
    for key, responses in groups.items():
        conversation = conversations.get(key, {})
        sid = own_id("session", key, "llm")
        items: list[MessageWithParts] = []
        for response in responses:
            at = from_iso(response.get("datetime_utc")) or from_ms(0)
            qid = stable_id("message", "llm", key, response["id"], "prompt")
            aid = stable_id("message", "llm", key, response["id"], "response")
            items.append(MessageWithParts(
                info=UserMessage(id=qid, session_id=sid, time_created=at, model=response.get("model"),
                                 system=response.get("system") or None, agent="llm"),
                parts=[TextPart(id=stable_id("part", qid, 0), session_id=sid, message_id=qid,
                                text=response.get("prompt") or "")]))
            parts = []
            if response.get("reasoning"):
                parts.append(ReasoningPart(id=stable_id("part", aid, "reasoning"), session_id=sid, message_id=aid,
                                           text=response["reasoning"]))
            parts.append(TextPart(id=stable_id("part", aid, 0), session_id=sid, message_id=aid,
                                  text=response.get("response") or ""))
            kept = {c: response[c] for c in ("options_json", "response_json", "prompt_json", "token_details")
                    if c in columns and response.get(c)}
            answer = AssistantMessage(
                **({"llm": kept} if kept else {}),
                id=aid, session_id=sid, time_created=at, parent_id=qid,
                time_completed=at + timedelta(milliseconds=response.get("duration_ms") or 0),
                model_id=response.get("resolved_model") or response.get("model") or "", provider_id="llm",
                finish="stop", tokens=Tokens(input=response.get("input_tokens") or 0,
                                             output=response.get("output_tokens") or 0),
            )
            items.append(MessageWithParts(info=answer, parts=parts))
        created = items[0].info.time_created
        assistants = [m.info for m in items if m.info.role == "assistant"]
        session = Session(
            id=sid, project_id="", title=conversation.get("name") or (responses[0].get("prompt") or "")[:60],
            time_created=created, time_updated=max(m.info.time_created for m in items), message_count=len(items),
            tokens_input=sum(a.tokens.input for a in assistants), tokens_output=sum(a.tokens.output for a in assistants),
        )
        imported.append(Imported(session=session, messages=items, data={"source": {
            "kind": "llm", "path": str(path), "layout": "responses", "id": key, "llm_migration": newest}}))
    return imported
