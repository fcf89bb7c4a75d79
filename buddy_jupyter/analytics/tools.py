"""The buddy's own tools over the learner's history: ranked search and read-only SQL.

Both span every notebook under the kernel's ``history_root``. Their answers are
plain text tables bounded in size (the model pays for every character); errors
the model can correct come back as ``ToolError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ..engine.events import Tool, ToolError

if TYPE_CHECKING:
    from ..state import KernelBuddy

MAX_OUTPUT_CHARS = 8000
MAX_CELL_CHARS = 300

SCHEMA_HELP = """\
Views (every row has `notebook`, the notebook's path):
- messages(notebook, session_id, session_title, message_id, seq, role, parent_id, text, model_id, provider_id,
  tokens_input, tokens_output, tokens_reasoning, cost, time_created, time_completed, finish, error_name)
- turns(notebook, session_id, session_title, question_id, question, asked_at, answer_id, answer, answered_at,
  latency_seconds, tokens_input, tokens_output, cost, model_id, provider_id, error_name)
- tool_calls(notebook, session_id, message_id, part_id, call_id, tool, status, input, output, error, time_start,
  time_end, duration_ms)
- timeline(notebook, kind ['cell','question','answer'], id, session_id, time_start, time_end, duration_ms, outcome)
Tables: session(id, title, time_created, message_count, ...), activity(time_start, duration_ms, outcome ['ok' or the
error type], execution_count), session_topic(session_id, topic, source), memory(id, text, time_created,
time_deleted), curriculum(position, topic, goal). Times are UTC timestamps."""


def history_tools(kernel_buddy: "KernelBuddy") -> list[Tool]:
    """``search_history(query)`` and ``query_history(sql)`` for the model, bound to this kernel."""

    def search_history(query: str, limit: int = 8) -> str:
        from .memory import search_memory

        if not isinstance(query, str) or not query.strip():
            raise ToolError("give a few keywords to search for")
        limit = max(1, min(int(limit or 8), 20))
        try:
            found = search_memory(query, store=kernel_buddy.store, root=kernel_buddy.history_root,
                                  limit=limit, data_dir=kernel_buddy.config.data_dir)
        except Exception as error:  # the conversation goes on without the search
            raise ToolError(f"the history search failed: {error}") from None
        if found.empty:
            return f"No past messages match {query!r}."
        rows = [
            (_short_notebook(r.notebook), r.session_title or "", r.role, str(r.time_created)[:16], r.snippet)
            for r in found.itertuples()
        ]
        return _table(["notebook", "session", "role", "time (UTC)", "snippet"], rows, truncated=False)

    def query_history(sql: str) -> str:
        from .history import list_stores
        from .sandbox import ROW_LIMIT, run_sandboxed

        paths = list_stores(kernel_buddy.history_root, data_dir=kernel_buddy.config.data_dir)
        result = run_sandboxed(sql, paths=paths, store=kernel_buddy.store)
        text = _table(result.columns, result.rows, truncated=result.truncated, limit=ROW_LIMIT)
        if result.skipped:
            text += f"\n(skipped {len(result.skipped)} notebook(s) busy in another program)"
        return text

    return [
        Tool(
            name="search_history",
            description="Search the learner's past conversations in every notebook (ranked keyword search, "
                        "best match first). Use it when the learner refers to something discussed before.",
            parameters={
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Keywords, e.g. 'groupby mean KeyError'."},
                    "limit": {"type": "integer", "description": "How many results (1-20).", "default": 8},
                },
                "required": ["query"],
            },
            function=search_history,
        ),
        Tool(
            name="query_history",
            description="Run one read-only DuckDB SELECT over the learner's history in every notebook (at most "
                        "200 rows, 2 seconds). " + SCHEMA_HELP,
            parameters={
                "type": "object",
                "properties": {"sql": {"type": "string", "description": "One SELECT statement."}},
                "required": ["sql"],
            },
            function=query_history,
        ),
    ]


def _short_notebook(path: Any) -> str:
    text = str(path or "")
    return text.rsplit("/", 1)[-1]


def _cell(value: Any) -> str:
    text = "" if value is None else " ".join(str(value).split())
    text = text.replace("|", "\\|")
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, truncated: bool, limit: int = 0) -> str:
    """A Markdown table, cut to ``MAX_OUTPUT_CHARS`` (saying so)."""
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    size = sum(len(line) + 1 for line in lines)
    shown = 0
    for row in rows:
        line = "| " + " | ".join(_cell(v) for v in row) + " |"
        if size + len(line) > MAX_OUTPUT_CHARS:
            truncated = True
            break
        lines.append(line)
        size += len(line) + 1
        shown += 1
    if not rows:
        lines.append("(no rows)")
    if truncated:
        more = f"first {shown} rows shown" + (f"; results stop at {limit} rows" if limit else "")
        lines.append(f"(truncated: {more}. Aggregate or add LIMIT/WHERE for the rest.)")
    return "\n".join(lines)
