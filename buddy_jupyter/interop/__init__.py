"""Conversations in and out: our JSON export, OpenCode's storage, llm's logs.db, jupyter-ai's chats.

``import_path(store, path)`` recognises the source, reads it whole (a damaged or unknown
source is one clear ``ImportFormatError`` and nothing is written), then writes each
session in its own transaction (``Store.import_session``). Ids come from the source,
so importing again adds only what is new. The mapping of each format is described in
its module and in the README ("Importing history").
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import ImportFormatError, Imported, ImportReport, is_unknown

if TYPE_CHECKING:
    from ..store import Store

KINDS = ("buddy", "opencode", "llm", "jupyter-ai")

__all__ = ["KINDS", "ImportFormatError", "ImportReport", "Imported", "import_path", "read_source"]


def read_source(store: "Store", path: str | os.PathLike[str], fmt: str | None = None) -> tuple[str, list[Imported]]:
    """(kind, sessions) read from ``path``; nothing is written."""
    from . import buddy_json, jupyter_chat, llm_logs, opencode

    source = Path(path).expanduser()
    if not source.exists():
        raise ImportFormatError(f"nothing to import at {source}")
    if fmt is not None and fmt not in KINDS:
        raise ImportFormatError(f"unknown format {fmt!r}; use one of {', '.join(KINDS)}")
    if source.is_dir():
        if fmt in (None, "opencode") and opencode.is_json_layout(source):
            return "opencode", opencode.read_json_layout(source)
        database = source / "opencode.db"
        if fmt in (None, "opencode") and opencode.is_database(database):
            return "opencode", opencode.read_database(database)
        raise ImportFormatError(f"{source} is a folder but not OpenCode's storage (storage/session, storage/message) "
                                "or a folder with opencode.db; nothing was imported")
    if fmt in (None, "opencode") and opencode.is_database(source):
        return "opencode", opencode.read_database(source)
    if fmt in (None, "llm") and llm_logs.is_logs_db(source):
        return "llm", llm_logs.read(source)
    if fmt in ("opencode", "llm"):
        raise ImportFormatError(f"{source} is not {'an OpenCode database' if fmt == 'opencode' else 'an llm logs.db'}; "
                                "nothing was imported")
    payload = _json(source)
    if fmt in (None, "buddy") and buddy_json.looks_like(payload):
        return "buddy", buddy_json.read(payload, str(source), store)
    if fmt in (None, "jupyter-ai") and jupyter_chat.looks_like(payload):
        return "jupyter-ai", jupyter_chat.read(payload, source)
    raise ImportFormatError(f"{source} is not a format buddy_jupyter imports (our JSON export, OpenCode's storage, "
                            "llm's logs.db, a jupyter-ai .chat); nothing was imported")


def _json(source: Path) -> Any:
    try:
        head = source.open("rb").read(16)
    except OSError as error:
        raise ImportFormatError(f"cannot read {source}: {error.strerror or error}") from None
    if head.startswith(b"SQLite format 3"):
        raise ImportFormatError(f"{source} is an SQLite database but neither OpenCode's nor llm's; nothing was imported")
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ImportFormatError(f"{source} is not text (JSON) nor a database buddy_jupyter imports; "
                                "nothing was imported") from None
    except json.JSONDecodeError as error:
        text = source.read_text(encoding="utf-8").rstrip()
        cut = error.msg.startswith("Unterminated") or error.pos >= len(text) - 1
        raise ImportFormatError(f"{source} is not valid JSON{' (it looks cut short)' if cut else ''}: {error.msg} "
                                f"(line {error.lineno}, column {error.colno}); nothing was imported") from None


def import_path(store: "Store", path: str | os.PathLike[str], fmt: str | None = None) -> ImportReport:
    """Import every session found at ``path`` into ``store``; one transaction per session."""
    kind, sessions = read_source(store, path, fmt)
    report = ImportReport(kind=kind, source=str(Path(path).expanduser()))
    existing = {s.id for s in store.list_sessions(limit=1_000_000, archived=None)}
    for item in sessions:
        report.sessions += 1
        report.kept_unknown += sum(1 for m in item.messages for p in m.parts if is_unknown(p))
        added = store.import_session(item.session, item.messages, data=item.data)
        if item.session.id not in existing:
            report.new_sessions += 1
        report.messages += added
    return report
