"""A submission summary of one conversation: what was asked, the key explanations, the time spent.

The summary ends with the conversation's content hash: the SHA-256 of its messages in order
(``role:message_id:text`` lines). The learner's snapshot carries the same hash per conversation
(``session`` rows), so the instructor's view matches a handed-in summary to the shared history
(``instructor.match_summary``) without reading any text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Store

# The same expression on the store (learner) and on the dataset's message rows (instructor).
HASH_EXPRESSION = ("sha256(string_agg(role || ':' || message_id || ':' || coalesce(text, ''), chr(10) "
                   "ORDER BY {order}))")
SESSION_HASH_SQL = f"""
SELECT {HASH_EXPRESSION.format(order='time_created, seq')}, count(*) FROM messages WHERE session_id = ?
"""
HASH_LINE = re.compile(r"content hash: sha256:([0-9a-f]{64}) \((\d+) messages, session ([^)\s]+)\)")
EXCERPT = 600


def session_hash(store: "Store", session_id: str) -> tuple[str, int]:
    """(hex SHA-256, message count) of a conversation as stored now."""
    with store.connection() as con:
        digest, count = con.execute(SESSION_HASH_SQL, [session_id]).fetchall()[0]
    return digest or "", int(count)


def _first_paragraphs(text: str, limit: int = EXCERPT) -> str:
    """The start of an answer, up to ``limit`` characters, never cutting a code block open."""
    out, size, fence = [], 0, False
    for line in text.strip().splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        out.append(line)
        size += len(line) + 1
        if size >= limit and not fence:
            break
    if fence:
        out.append("```")
    more = "\n\n…" if size < len(text.strip()) else ""
    return "\n".join(out) + more


def summary_markdown(store: "Store", session_id: str, *, notebook: str = "", minutes: float | None = None) -> str:
    """The Markdown summary of a conversation (what ``%buddy summary`` writes)."""
    session = store.get_session(session_id)
    with store.connection() as con:
        turns = con.execute(
            "SELECT question, coalesce(answer, ''), asked_at FROM turns WHERE session_id = ? ORDER BY asked_at",
            [session_id],
        ).fetchall()
    digest, count = session_hash(store, session_id)
    lines = [f"# Summary: {session.title or 'conversation with the buddy'}", ""]
    if notebook:
        lines.append(f"- notebook: `{notebook}`")
    lines.append(f"- questions: {len(turns)}")
    if turns:
        lines.append(f"- from {turns[0][2]:%Y-%m-%d %H:%M} to {turns[-1][2]:%Y-%m-%d %H:%M} (UTC)")
    if minutes is not None:
        lines.append(f"- time spent: {minutes:.0f} min (active time, cells run in between included)")
    lines += ["", "## What I asked", ""]
    lines += [f"{n}. {q.strip().splitlines()[0] if q.strip() else '(empty)'}" for n, (q, _, _) in enumerate(turns, 1)]
    lines += ["", "## Key explanations", ""]
    for n, (question, answer, _) in enumerate(turns, 1):
        if answer.strip():
            lines += [f"### {n}. {question.strip().splitlines()[0][:80] if question.strip() else ''}", "",
                      _first_paragraphs(answer), ""]
    lines += ["---", f"content hash: sha256:{digest} ({count} messages, session {session_id})", ""]
    return "\n".join(lines)


def read_summary_hash(path: str | Path) -> tuple[str, int, str] | None:
    """(hash, message count, session id) from a summary file, or None."""
    match = HASH_LINE.search(Path(path).read_text(encoding="utf-8", errors="replace"))
    return (match.group(1), int(match.group(2)), match.group(3)) if match else None


def summary_notebook(markdown: str) -> str:
    """The summary as a notebook (nbformat 4 JSON): one Markdown cell per section, the hash line kept."""
    import json

    sections, current = [], []
    for line in markdown.splitlines():
        if line.startswith("## ") and current:
            sections.append(current)
            current = []
        current.append(line)
    sections.append(current)
    cells = [{"cell_type": "markdown", "id": f"summary-{n}", "metadata": {}, "source": "\n".join(lines).strip()}
             for n, lines in enumerate(sections)]
    notebook = {"cells": cells, "metadata": {"buddy": {"summary": True}}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
