"""Our own JSON export: one session, versioned, with a JSON Schema published in the package.

The document (``FORMAT``, ``FORMAT_VERSION``)::

    {"format": "buddy_jupyter.session", "format_version": 1,
     "notebook": "/path/lesson.ipynb",            # where the session was first asked
     "session": {...},                            # the Session model, without the store's project id
     "messages": [{"info": {...}, "parts": [...]}],
     "data": {...}}                               # optional: what an import kept (e.g. its source)

Exporting a session, importing that file into another store and exporting again gives the
same document. ``session.schema.json`` beside this module is generated from the pydantic
models (``python -m buddy_jupyter.interop.buddy_json`` rewrites it; a test checks it is current).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..schema.messages import MessageWithParts
from ..schema.sessions import Session
from .common import Imported, ImportFormatError

if TYPE_CHECKING:
    from ..store import Store

FORMAT = "buddy_jupyter.session"
FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("session.schema.json")


class ExportedSession(Session):
    """A session as exported: the store's project id is left out (it means nothing in another store)."""

    project_id: str = Field(default="", exclude=True)


class SessionDocument(BaseModel):
    """One exported session (``%buddy export --format json``, ``buddy export --format json``)."""

    model_config = ConfigDict(extra="allow", title="buddy_jupyter session export")

    format: Literal["buddy_jupyter.session"] = FORMAT
    """Always ``buddy_jupyter.session``."""
    format_version: int = FORMAT_VERSION
    """The document's version; a reader refuses versions newer than it knows."""
    notebook: Optional[str] = None
    """The notebook the session was first asked in."""
    session: ExportedSession
    """The session: id, title, times, parent (a fork's origin), totals."""
    messages: list[MessageWithParts] = Field(default_factory=list)
    """Its messages in order, each with its parts in order."""
    data: dict[str, Any] = Field(default_factory=dict)
    """What an import kept beyond the model (its source), when any."""


def json_schema() -> dict[str, Any]:
    schema = SessionDocument.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://buddy-jupyter.invalid/schema/session-v{FORMAT_VERSION}.json"
    return schema


def document(store: "Store", session_id: str) -> dict[str, Any]:
    """The session as an export document (plain JSON types)."""
    session = store.get_session(session_id)
    messages = store.get_messages(session_id)
    data = store.session_data(session_id)
    notebook = data.pop("notebook", None) or store.notebook
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "notebook": notebook,
        "session": session.model_dump(mode="json", exclude={"project_id"}),
        "messages": [
            {"info": item.info.model_dump(mode="json", exclude={"owner"}),
             "parts": [part.model_dump(mode="json") for part in item.parts]}
            for item in messages
        ],
    }
    if data:
        doc["data"] = data
    return doc


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def looks_like(payload: Any) -> bool:
    return isinstance(payload, dict) and (payload.get("format") == FORMAT or
                                          ("session" in payload and "messages" in payload))


def read(payload: Any, source: str, store: "Store") -> list[Imported]:
    """The session of an export document (older exports, without a version, read as version 1)."""
    version = payload.get("format_version", 1)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ImportFormatError(f"{source} is a buddy_jupyter export of format version {version}; this version "
                                f"reads up to {FORMAT_VERSION} (upgrade buddy_jupyter to import it)")
    session = dict(payload.get("session") or {})
    session.setdefault("project_id", "")
    try:
        doc = SessionDocument.model_validate({**payload, "format": FORMAT, "session": session})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ImportFormatError(f"{source} is not a valid buddy_jupyter export ({where}: {first['msg']})") from None
    data = dict(doc.data)
    if doc.notebook and doc.notebook != store.notebook:
        data["notebook"] = doc.notebook
    return [Imported(session=Session.model_validate(doc.session.model_dump() | {"project_id": ""}),
                     messages=doc.messages, data=data)]


if __name__ == "__main__":  # regenerate the published schema
    SCHEMA_PATH.write_text(json.dumps(json_schema(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
