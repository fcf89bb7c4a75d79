"""OpenCode's storage, which our data model comes from: its JSON file layout and its SQLite database.

JSON layout (OpenCode before 1.2)::

    storage/session/<project>/<session>.json    {id, projectID, parentID?, title, time: {created, updated, archived?}, ...}
    storage/message/<session>/<message>.json    {id, sessionID, role, time: {created, completed?}, parentID, modelID, ...}
    storage/part/<message>/<part>.json          {id, sessionID, messageID, type, ...}

SQLite (``opencode.db``): tables ``session`` (columns, or a JSON ``data`` column in some
releases), ``message`` and ``part`` (keys and times as columns, the rest as JSON ``data``).

Mapping: OpenCode's camelCase keys become our snake_case ones (``callID`` -> ``call_id``,
``parentID`` -> ``parent_id``, ``modelID``/``providerID`` on assistant messages; a user
message's ``model: {providerID, modelID}`` -> ``model: "provider:model"``); times in epoch
milliseconds become the store's UTC times. A part type we do not know is kept as an
ignored text part with its original payload; fields we have no place for stay on the
part or message as extra fields.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from ..schema.messages import MessageAdapter, MessageWithParts
from ..schema.sessions import Session
from .common import Imported, ImportFormatError, from_ms, own_id, part

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_RENAME = {"callID": "call_id", "sessionID": "session_id", "messageID": "message_id", "parentID": "parent_id",
           "modelID": "model_id", "providerID": "provider_id", "projectID": "project_id"}
_SKIP = {"id", "sessionID", "messageID", "type"}


def _snake(key: str) -> str:
    return _RENAME.get(key) or _CAMEL.sub(lambda m: "_" + m.group(1).lower(), key)


def _snake_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_snake(k) if isinstance(k, str) else k: _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


def is_json_layout(path: Path) -> bool:
    storage = path / "storage" if (path / "storage").is_dir() else path
    return (storage / "session").is_dir() and (storage / "message").is_dir()


def is_database(path: Path) -> bool:
    return _tables(path) >= {"session", "message", "part"}


def _tables(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    try:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                return set()
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        finally:
            con.close()
    except sqlite3.Error:
        return set()


def _load(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFormatError(f"{path} is not readable JSON ({error}); nothing was imported") from None
    if not isinstance(value, dict):
        raise ImportFormatError(f"{path} is not an OpenCode record (a JSON object); nothing was imported")
    return value


def read_json_layout(path: Path) -> list[Imported]:
    storage = path / "storage" if (path / "storage").is_dir() else path
    sessions = [_load(p) for p in sorted((storage / "session").glob("*/*.json"))]
    imported = []
    for info in sessions:
        sid = info.get("id")
        if not isinstance(sid, str):
            raise ImportFormatError(f"a session in {storage / 'session'} has no id; nothing was imported")
        messages = []
        for message_file in sorted((storage / "message" / sid).glob("*.json")):
            message = _load(message_file)
            parts = [_load(p) for p in sorted((storage / "part" / str(message.get("id"))).glob("*.json"))]
            messages.append((message, parts))
        imported.append(_session(info, messages, source=str(path)))
    return imported


def read_database(path: Path) -> list[Imported]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        sessions = [_row_record(row) for row in con.execute("SELECT * FROM session ORDER BY time_created, id")] \
            if _has_column(con, "session", "time_created") else \
            [_row_record(row) for row in con.execute("SELECT * FROM session ORDER BY rowid")]
        messages: dict[str, list[dict]] = {}
        for row in con.execute("SELECT * FROM message ORDER BY time_created, id"):
            record = _row_record(row)
            messages.setdefault(record.get("sessionID"), []).append(record)
        parts: dict[str, list[dict]] = {}
        order = "time_created, id" if _has_column(con, "part", "time_created") else "id"
        for row in con.execute(f"SELECT * FROM part ORDER BY {order}"):
            record = _row_record(row, times=False)
            parts.setdefault(record.get("messageID"), []).append(record)
    except sqlite3.Error as error:
        raise ImportFormatError(f"{path} could not be read as OpenCode's database ({error}); nothing was imported") from None
    finally:
        con.close()
    return [_session(info, [(m, parts.get(m.get("id"), [])) for m in messages.get(info.get("id"), [])],
                     source=str(path)) for info in sessions]


def _has_column(con: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in con.execute(f"PRAGMA table_info({table})"))


def _row_record(row: sqlite3.Row, times: bool = True) -> dict[str, Any]:
    """A database row as the JSON file's record: ``data`` merged with the key columns (and the time
    columns, for sessions and messages: a part's are bookkeeping, its own times are in ``data``)."""
    columns = dict(zip(row.keys(), tuple(row)))
    record: dict[str, Any] = {}
    raw = columns.pop("data", None)
    if raw:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise ImportFormatError(f"a row of OpenCode's database has damaged JSON (id {columns.get('id')}); "
                                    "nothing was imported") from None
        if isinstance(value, dict):
            record.update(value)
    time = dict(record.get("time") or {})
    for column, value in columns.items():
        if value is None:
            continue
        if column.startswith("time_"):
            if times:
                time.setdefault(column[5:], value)
        elif column == "session_id":
            record.setdefault("sessionID", value)
        elif column == "message_id":
            record.setdefault("messageID", value)
        elif column == "parent_id":
            record.setdefault("parentID", value)
        elif column == "project_id":
            record.setdefault("projectID", value)
        else:
            record.setdefault(column, value)
    if time:
        record["time"] = time
    return record


def _session(info: dict[str, Any], messages: Iterable[tuple[dict, list[dict]]], source: str) -> Imported:
    sid = own_id("session", info["id"], "opencode")
    time = info.get("time") or {}
    created = from_ms(time.get("created")) or from_ms(0)
    items: list[MessageWithParts] = []
    ids: dict[str, str] = {}
    for message, parts in messages:
        mid = own_id("message", message.get("id"), "opencode", sid)
        ids[str(message.get("id"))] = mid
        items.append(_message(message, parts, sid, mid, ids))
    items.sort(key=lambda item: item.info.time_created)
    updated = max([from_ms(time.get("updated")) or created, *(m.info.time_created for m in items)])
    kept = {k: v for k, v in info.items() if k not in ("id", "title", "time", "parentID", "projectID")}
    session = Session(
        id=sid, project_id="", title=str(info.get("title") or ""), time_created=created, time_updated=updated,
        time_archived=from_ms(time.get("archived")),
        parent_id=own_id("session", info["parentID"], "opencode") if info.get("parentID") else None,
        message_count=len(items),
        tokens_input=sum(getattr(m.info, "tokens").input for m in items if m.info.role == "assistant"),
        tokens_output=sum(getattr(m.info, "tokens").output for m in items if m.info.role == "assistant"),
        cost=sum((getattr(m.info, "cost") or 0.0) for m in items if m.info.role == "assistant"),
    )
    return Imported(session=session, messages=items,
                    data={"source": {"kind": "opencode", "path": source, "id": info["id"],
                                     "project_id": info.get("projectID"), "session": kept}})


def _message(message: dict[str, Any], parts: list[dict], sid: str, mid: str, ids: dict[str, str]) -> MessageWithParts:
    time = message.get("time") or {}
    role = message.get("role")
    fields = {_snake(k): _snake_keys(v) for k, v in message.items() if k not in ("id", "sessionID", "time", "role")}
    created = from_ms(time.get("created")) or from_ms(0)
    if role == "assistant":
        fields["parent_id"] = ids.get(str(message.get("parentID")), own_id("message", message.get("parentID") or "",
                                                                            "opencode", sid))
        fields["time_completed"] = from_ms(time.get("completed"))
        error = fields.get("error")
        if isinstance(error, dict):
            inner = error.get("data") if isinstance(error.get("data"), dict) else {}
            fields["error"] = {**inner, "name": error.get("name", "UnknownError"),
                               "message": str(inner.get("message") or error.get("message") or error.get("name"))}
        info = {"role": "assistant", **fields}
    elif role == "user":
        model = fields.pop("model", None)
        if isinstance(model, dict):
            fields["opencode_model"] = model
            model = ":".join(str(model[k]) for k in ("provider_id", "model_id") if model.get(k))
        fields["model"] = model if isinstance(model, str) else None
        info = {"role": "user", **fields}
    else:
        raise ImportFormatError(f"an OpenCode message ({message.get('id')}) has role {role!r}; nothing was imported")
    try:
        parsed = MessageAdapter.validate_python({**info, "id": mid, "session_id": sid, "time_created": created})
    except Exception:
        # an error or a field of a shape we do not know: keep the message, with the original under opencode
        keep = {k: v for k, v in info.items() if k in ("role", "parent_id", "time_completed", "model_id",
                                                        "provider_id", "model", "agent")}
        keep.pop("error", None)
        parsed = MessageAdapter.validate_python({**keep, "id": mid, "session_id": sid, "time_created": created,
                                                 "opencode": _jsonable(message)})
    converted = []
    for raw in parts:
        pid = own_id("part", raw.get("id"), "opencode", mid)
        payload = {_snake(k): _snake_keys(v) for k, v in raw.items() if k not in _SKIP}
        converted.append(part(str(raw.get("type")), payload, id=pid, session_id=sid, message_id=mid, original=raw))
    return MessageWithParts(info=parsed, parts=converted)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
