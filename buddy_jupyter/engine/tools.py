"""The buddy's tools, for real models: its history (ranked search, read-only SQL) and the docs.

``search_history`` and ``query_history`` span every notebook of a ``HistoryScope``; their answers
are plain text tables bounded in size (the model pays for every character). ``lookup_docs``
reads the documentation installed here through the offline tutor's sources and ranking, so a
model cites the pandas the learner has, not the one it was trained on. Errors the model can
correct come back as ``ToolError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .events import Tool, ToolError

if TYPE_CHECKING:
    from ..analytics.scope import HistoryScope
    from ..tutor.tutor import Tutor

MAX_OUTPUT_CHARS = 8000
MAX_CELL_CHARS = 300
MAX_DOCS_QUERY = 500

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


def history_tools(scope: Callable[[], "HistoryScope"]) -> list[Tool]:
    """``search_history(query)`` and ``query_history(sql)`` for the model, over every notebook of ``scope()``."""

    def search_history(query: str, limit: int = 8) -> str:
        from ..analytics.memory import search_memory

        if not isinstance(query, str) or not query.strip():
            raise ToolError("give a few keywords to search for")
        limit = max(1, min(int(limit or 8), 20))
        try:
            found = search_memory(query, limit=limit, **scope().where())
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
        from ..analytics.sandbox import ROW_LIMIT, QueryRefused, run_sandboxed

        where = scope()
        try:
            result = run_sandboxed(sql, paths=where.stores(), store=where.store)
        except QueryRefused as refused:
            raise ToolError(str(refused)) from None
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


def lookup_docs_tool(tutor: Callable[[], "Tutor"], namespace: Mapping[str, Any] | None = None) -> Tool:
    def lookup_docs(name_or_question: str) -> str:
        text = (name_or_question or "").strip()[:MAX_DOCS_QUERY]
        if not text:
            raise ToolError("give a name (e.g. 'DataFrame.merge', 'str.split') or a short question")
        return tutor().lookup(text, namespace=namespace)

    return Tool(
        name="lookup_docs",
        description=("Look up the documentation installed in the learner's environment (Python's reference, "
                     "docstrings of builtins, the standard library, pandas, NumPy, Matplotlib and any imported "
                     "module) and the course's teaching notes. Give a name such as 'df.merge' or 'str.split', "
                     "or a short question. Returns the best section with its source to cite."),
        parameters={"type": "object", "properties": {"name_or_question": {"type": "string"}},
                    "required": ["name_or_question"], "additionalProperties": False},
        function=lookup_docs,
    )


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
