"""jupyter-ai's chats: jupyterlab-chat's ``.chat`` documents (JSON).

The document::

    {"messages": [{"type": "msg", "id": uuid, "sender": username, "body": markdown, "time": epoch seconds,
                   "raw_time"?, "edited"?, "deleted"?, "attachments"?, "mentions"?}],
     "users": {username: {"username", "name", "display_name", "bot"?, ...}},
     "metadata": {"id": uuid, ...}}

Mapping: the file is one session (its name the title, ``metadata.id`` its key); a message
from a bot user (jupyter-ai's personas; their usernames start with ``jupyter-ai-personas``)
is an assistant message answering the last human one, the others user messages; ``body``
becomes a text part. A deleted message is kept as an ignored text part; attachments,
mentions and the sender stay on the message (``chat`` extra field).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..schema.messages import AssistantMessage, MessageWithParts, UserMessage
from ..schema.parts import TextPart
from ..schema.sessions import Session
from .common import Imported, ImportFormatError, from_seconds, own_id, stable_id


def looks_like(payload: Any) -> bool:
    return (isinstance(payload, dict) and isinstance(payload.get("messages"), list) and "users" in payload
            and all(isinstance(m, dict) and "body" in m and "sender" in m for m in payload["messages"]))


def _is_bot(username: str, user: dict[str, Any]) -> bool:
    return bool(user.get("bot")) or username.startswith("jupyter-ai-personas") or username.startswith("jupyter-ai")


def read(payload: dict[str, Any], path: Path) -> list[Imported]:
    users = payload.get("users") or {}
    metadata = payload.get("metadata") or {}
    key = metadata.get("id") or str(path.resolve())
    sid = own_id("session", key, "jupyter-ai")
    items: list[MessageWithParts] = []
    last_question = ""
    for raw in sorted(payload["messages"], key=lambda m: float(m.get("time") or 0)):
        if raw.get("type", "msg") != "msg":
            continue
        mid = own_id("message", raw.get("id"), "jupyter-ai", key)
        at = from_seconds(raw.get("time"))
        if at is None:
            raise ImportFormatError(f"{path}: a message ({raw.get('id')}) has no time; nothing was imported")
        sender = str(raw.get("sender") or "")
        user = users.get(sender) or {}
        chat = {k: v for k, v in raw.items() if k not in ("type", "id", "body", "time")}
        if user:
            chat["sender_name"] = user.get("display_name") or user.get("name")
        text = str(raw.get("body") or "")
        parts = [TextPart(id=stable_id("part", mid, 0), session_id=sid, message_id=mid, text=text,
                          ignored=bool(raw.get("deleted")))]
        if _is_bot(sender, user):
            info = AssistantMessage(id=mid, session_id=sid, time_created=at, parent_id=last_question,
                                    time_completed=at, model_id=sender.split("::")[-1] or "jupyter-ai",
                                    provider_id="jupyter-ai", finish="stop", chat=chat)
        else:
            info = UserMessage(id=mid, session_id=sid, time_created=at, agent="jupyter-ai", chat=chat)
            last_question = mid
        items.append(MessageWithParts(info=info, parts=parts))
    if not items:
        created = from_seconds(path.stat().st_mtime)
    else:
        created = items[0].info.time_created
    session = Session(id=sid, project_id="", title=path.stem, time_created=created,
                      time_updated=max([created, *(m.info.time_created for m in items)]), message_count=len(items))
    return [Imported(session=session, messages=items,
                     data={"source": {"kind": "jupyter-ai", "path": str(path), "id": key,
                                      "metadata": metadata, "users": users}})]


def load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"{path} is not valid JSON ({error.msg} at line {error.lineno}); nothing was imported") from None
