"""What every importer shares: one imported session, stable ids, times, and keeping what does not map.

An importer reads its source completely first and yields ``Imported`` sessions; nothing
is written until a whole session is read, and each session is then written in one
transaction (``Store.import_session``). Ids are derived from the source's own ids
(``stable_id``), so importing the same source twice finds the same ids and adds nothing.
What our data model has no field for stays in the part or message (extra fields, which the
models keep) or in the session's ``data`` under ``source``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import InvalidInput
from ..schema.messages import MessageWithParts
from ..schema.parts import PART_TYPES, PartAdapter, TextPart
from ..schema.sessions import Session

_SAFE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_EPOCH = datetime(1970, 1, 1)


class ImportFormatError(InvalidInput):
    """The source is not in a format we read, or is damaged (nothing was imported)."""


@dataclass
class Imported:
    """One session read from a source, ready to be written in one transaction."""

    session: Session
    messages: list[MessageWithParts]
    data: dict[str, Any] = field(default_factory=dict)
    """Kept in the session's ``data`` column: where it came from, fields without a column."""


@dataclass
class ImportReport:
    kind: str
    source: str
    sessions: int = 0
    """Sessions read from the source."""
    new_sessions: int = 0
    messages: int = 0
    """Messages added (0 when everything was imported before)."""
    kept_unknown: int = 0
    """Parts of a type we do not know, kept as ignored text parts with their original payload."""

    def summary(self) -> str:
        what = {"buddy": "buddy_jupyter JSON", "opencode": "OpenCode", "llm": "llm logs.db",
                "jupyter-ai": "jupyter-ai chat"}.get(self.kind, self.kind)
        text = (f"imported {self.messages} message(s) in {self.new_sessions} new and "
                f"{self.sessions - self.new_sessions} known session(s) from {what} {self.source}")
        if self.kept_unknown:
            text += f" ({self.kept_unknown} part(s) of unknown types kept as they were)"
        return text


def stable_id(kind: str, *keys: Any) -> str:
    """A store id (``ses_``, ``msg_``, ``prt_``) for a source's key: the same key, the same id."""
    prefix = {"session": "ses", "message": "msg", "part": "prt"}[kind]
    digest = hashlib.sha1("\x1f".join(str(k) for k in keys).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}_imp{digest[:24]}"


def own_id(kind: str, value: Any, *scope: Any) -> str:
    """The source's id when it is a valid store id, else a stable id made from it."""
    if isinstance(value, str) and _SAFE.fullmatch(value):
        return value
    return stable_id(kind, *scope, value)


def from_ms(ms: Any) -> datetime | None:
    """Epoch milliseconds -> naive UTC (the store's convention)."""
    if ms is None or isinstance(ms, bool):
        return None
    try:
        return _EPOCH + timedelta(milliseconds=float(ms))
    except (TypeError, ValueError, OverflowError):
        return None


def from_seconds(seconds: Any) -> datetime | None:
    if seconds is None:
        return None
    return from_ms(float(seconds) * 1000)


def from_iso(text: Any) -> datetime | None:
    """An ISO time (with or without offset) -> naive UTC."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def to_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def part(kind: str, payload: dict[str, Any], *, id: str, session_id: str, message_id: str, original: Any = None):
    """A part of a known type from ``payload``; one that does not validate is kept as an unknown one
    (with ``original``, the source's own payload, when given)."""
    from pydantic import ValidationError

    if kind in PART_TYPES:
        try:
            return PartAdapter.validate_python({**payload, "type": kind, "id": id, "session_id": session_id,
                                                "message_id": message_id})
        except ValidationError:
            pass
    return unknown_part(kind, payload if original is None else original, id=id, session_id=session_id,
                        message_id=message_id)


def unknown_part(kind: str, payload: Any, *, id: str, session_id: str, message_id: str, text: str = "") -> TextPart:
    """A part we have no type for: an ignored, synthetic text part keeping the original under ``source``."""
    return TextPart(id=id, session_id=session_id, message_id=message_id, text=text, synthetic=True,
                    ignored=not text, source={"type": kind, "payload": payload})  # type: ignore[call-arg]


def is_unknown(part: Any) -> bool:
    return part.type == "text" and part.synthetic and isinstance(getattr(part, "source", None), dict)
