"""The store's JSON codec: models to rows and back, and the checks on what may be stored.

A row keeps its keys (ids) and the columns analytics group on as real columns, and
every other field in one JSON ``data`` column; the keys are not repeated inside
``data`` and are put back when a row is read. Everything is checked before a write:
ids are plain ASCII, text is valid UTF-8 (no unpaired surrogates, also in dict keys),
and no payload exceeds ``MAX_TEXT_BYTES``.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Iterable, Sequence

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from ..errors import InvalidInput, NotFound
from ..schema.messages import Message, UserMessage
from ..schema.parts import Part, PartListAdapter
from ..schema.sessions import Session

log = logging.getLogger(__name__)

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""Largest JSON payload of one part or message: far above any real message, it bounds what one write may hold."""

_SAFE_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")  # used with fullmatch: "$" would let "id\n" through
MessageList = TypeAdapter(list[Message])

_SESSION_COLUMNS = ("id", "project_id", "parent_id", "title", "time_created", "time_updated", "time_archived",
                    "message_count", "tokens_input", "tokens_output", "cost")
"""The columns of ``sql.SELECT_SESSIONS``, in order."""


# -- checks ----------------------------------------------------------------------------

def is_id(value: Any) -> bool:
    """Letters, digits, ``_`` and ``-`` only (so an id can be put back into JSON unescaped)."""
    return isinstance(value, str) and _SAFE_ID.fullmatch(value) is not None


def check_ids(*values: str) -> None:
    for value in values:
        if not is_id(value):
            raise InvalidInput(f"{value!r} is not a valid id (letters, digits, _ and - only)")


def known_id(value: str, what: str) -> None:
    """An id that cannot be valid names nothing (and must not reach SQL as unencodable text)."""
    if not is_id(value):
        raise NotFound(f"no {what} {value!r}")


def check_text(text: str, what: str) -> None:
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be text, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidInput(
            f"{what} contains an unpaired surrogate (U+{ord(text[error.start]):04X} at {error.start}); "
            "it cannot be stored as UTF-8"
        ) from None


def check_part(part: Part) -> Part:
    from ..schema.parts import PartAdapter

    part = PartAdapter.validate_python(part)
    check_ids(part.id, part.session_id, part.message_id)
    return part


def _surrogate_key(value: Any) -> str | None:
    """A dict key (or extra field name) with an unpaired surrogate, anywhere in ``value``.

    pydantic refuses such text in values but writes such keys as U+FFFD: silently altered."""
    if isinstance(value, BaseModel):
        value = {**value.__dict__, **(value.__pydantic_extra__ or {})}
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not _utf8(key):
                return key
            found = _surrogate_key(item)
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for item in value:
            found = _surrogate_key(item)
            if found is not None:
                return found
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- models to rows --------------------------------------------------------------------

def _dump(model: Any, exclude: set[str], what: str) -> str:
    if _surrogate_key(model) is not None:
        raise InvalidInput(f"the {what} has a key with an unpaired surrogate character; it cannot be stored as UTF-8")
    try:
        payload = model.model_dump_json(exclude=exclude)
    except PydanticSerializationError as error:
        if "surrogates not allowed" in str(error):
            raise InvalidInput(f"the {what} contains an unpaired surrogate character; it cannot be stored as UTF-8") from None
        raise InvalidInput(f"the {what} cannot be stored: {error}") from None
    if len(payload) > MAX_TEXT_BYTES:
        raise InvalidInput(f"the {what} is {len(payload) / 2**20:.0f} MiB; the limit is {MAX_TEXT_BYTES // 2**20} MiB")
    return payload


def dump_part(part: Part) -> str:
    return _dump(part, {"id", "session_id", "message_id"}, f"{part.type} part")


def dump_message(message: Message) -> str:
    return _dump(message, {"id", "session_id"}, f"{message.role} message")


def message_columns(message: Message) -> list[Any]:
    """time_completed, model_id, provider_id, 5 token counts, cost, finish, error_name."""
    if isinstance(message, UserMessage):
        return [message.time_created, message.model, None, None, None, None, None, None, None, None, None]
    tokens = message.tokens
    return [
        message.time_completed, message.model_id, message.provider_id, tokens.input, tokens.output,
        tokens.reasoning, tokens.cache.read, tokens.cache.write, message.cost, message.finish,
        message.error.name if message.error else None,
    ]


def usage(message: Message) -> tuple[int, int, float]:
    """What a message adds to its session's token and cost totals."""
    if isinstance(message, UserMessage):
        return (0, 0, 0.0)
    return (message.tokens.input or 0, message.tokens.output or 0, message.cost or 0.0)


# -- rows to models --------------------------------------------------------------------

def message_json(row: Sequence[str]) -> str:
    """A message's JSON with its keys put back (ids are plain ASCII: no escaping needed)."""
    mid, sid, data = row
    return f'{{"id":"{mid}","session_id":"{sid}",{data[1:]}'


def part_json(row: Sequence[str]) -> str:
    pid, sid, mid, data = row
    return f'{{"id":"{pid}","session_id":"{sid}","message_id":"{mid}",{data[1:]}'


def json_array(payloads: Iterable[str]) -> str:
    return "[" + ",".join(payloads) + "]"


def load_parts(payloads: Iterable[str]) -> list[Part]:
    """Parts from their JSON; a part of a type a newer version added is left out, not fatal."""
    payloads = list(payloads)
    try:
        return PartListAdapter.validate_json(json_array(payloads))
    except ValidationError:
        from ..schema.parts import PART_TYPES, PartAdapter

        loaded = []
        for payload in payloads:
            try:
                loaded.append(PartAdapter.validate_json(payload))
            except ValidationError:
                kind = json.loads(payload).get("type")
                if kind in PART_TYPES:
                    raise  # a known type that does not validate is a real error
                log.warning("skipping a part of unknown type %r (written by a newer buddy_jupyter)", kind)
        return loaded


def first_row(rows: Sequence[Any], missing: str) -> Any:
    """The first of ``rows``; ``NotFound(missing)`` when there is none."""
    if not rows:
        raise NotFound(missing)
    return rows[0]


def session_from_row(row: Sequence[Any]) -> Session:
    return Session.model_validate(dict(zip(_SESSION_COLUMNS, row)))
