"""Export one session as notes a learner can keep: Markdown, JSON or a notebook.

Exports hold the conversation only: never settings, keys or the process that
wrote it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .errors import InvalidInput
from .schema.messages import MessageWithParts
from .store import Store
from .transcript import message_markdown, session_markdown

FORMATS = ("md", "json", "ipynb")


def export_session(store: Store, session_id: str, fmt: str = "md") -> str:
    """The session as text in ``fmt`` (md, json or ipynb)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    session = store.get_session(session_id)
    messages = store.get_messages(session_id)
    if fmt == "md":
        return session_markdown(session, messages, store.notebook)
    if fmt == "json":
        payload = {
            "session": session.model_dump(mode="json"),
            "notebook": store.notebook,
            "messages": [_public(item) for item in messages],
        }
        return json.dumps(payload, ensure_ascii=False, indent=1)
    return json.dumps(_notebook(session.title, messages), ensure_ascii=False, indent=1)


def _public(item: MessageWithParts) -> dict:
    info = item.info.model_dump(mode="json", exclude={"owner"})
    return {"info": info, "parts": [part.model_dump(mode="json") for part in item.parts]}


def _notebook(title: str, messages: list[MessageWithParts]) -> dict:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": f"# {title or 'Buddy session'}"}]
    for item in messages:
        cells.append({
            "cell_type": "markdown",
            "metadata": {"buddy": {"message_id": item.info.id, "role": item.info.role}},
            "source": message_markdown(item),
        })
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def default_export_path(store: Store, session_id: str, fmt: str) -> Path:
    """``<notebook folder>/buddy-<title>.<fmt>`` next to the notebook."""
    session = store.get_session(session_id)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", session.title or session.id).strip("-").lower()[:40] or session.id
    notebook = Path(store.notebook)
    folder = notebook.parent if notebook.suffix == ".ipynb" else Path.cwd()
    return folder / f"buddy-{slug}.{fmt}"


def write_export(store: Store, session_id: str, fmt: str = "md", to: str | Path | None = None) -> Path:
    target = Path(to).expanduser() if to else default_export_path(store, session_id, fmt)
    text = export_session(store, session_id, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
