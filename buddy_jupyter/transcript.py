"""A conversation as Markdown: used by ``%buddy history``, exports and the sidebar.

Reasoning and tool calls are folded into ``<details>`` blocks, which JupyterLab,
Notebook 7, VS Code and GitHub all render collapsed.
"""

from __future__ import annotations

import html
import json
import re
from typing import Iterable

from .schema.messages import AssistantMessage, MessageWithParts
from .schema.parts import Part
from .schema.sessions import Session


def footer(message: AssistantMessage, elapsed: float | None = None) -> str:
    """One compact line: model, tokens, time, cost where known."""
    bits = [f"{message.provider_id}:{message.model_id}" if message.provider_id else message.model_id or "?"]
    tokens = message.tokens
    if tokens.input or tokens.output:
        approx = "~" if tokens.estimated else ""
        bits.append(f"{approx}{tokens.input:,} in / {approx}{tokens.output:,} out tokens")
    if elapsed is None and message.time_completed is not None:
        elapsed = (message.time_completed - message.time_created).total_seconds()
    if elapsed is not None:
        bits.append(f"{elapsed:.1f} s")
    if message.cost:
        bits.append(f"${message.cost:.4f}")
    if message.error is not None:
        bits.append(f"{message.error.name}: {message.error.message}")
    return " · ".join(bits)


def fence(text: str, info: str = "") -> str:
    """``text`` as a Markdown code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>\n\n{body}\n\n</details>"


def part_markdown(part: Part) -> str:
    """Markdown for one part ('' for parts that are bookkeeping only)."""
    if part.type == "text":
        return "" if part.ignored else part.text
    if part.type == "reasoning":
        return _details("Reasoning", part.text) if part.text.strip() else ""
    if part.type == "tool":
        state = part.state
        args = json.dumps(state.input, ensure_ascii=False)
        if state.status == "completed":
            body = fence(state.output)
        elif state.status == "error":
            body = f"**error:** {state.error}"
        else:
            body = f"_{state.status}_"
        return _details(f"Tool {part.tool}({args[:80]})", body)
    if part.type == "retry":
        return f"> retry {part.attempt}: {part.error.get('message', '')}"
    if part.type == "file":
        return f"[{part.filename or part.mime}]({part.url})" if not part.url.startswith("data:") else f"_attached {part.filename or part.mime}_"
    if part.type == "compaction":
        return _details("Earlier history summarised for the model", part.summary)
    if part.type == "subtask":
        return f"> sub-task: {part.description or part.prompt}"
    return ""


def message_markdown(item: MessageWithParts) -> str:
    body = "\n\n".join(text for text in (part_markdown(p) for p in item.parts) if text)
    if item.info.role == "user":
        return f"**You** · {item.info.time_created:%Y-%m-%d %H:%M}\n\n{body}"
    info = item.info
    head = "**Buddy**"
    tail = f"\n\n<sub>{html.escape(footer(info))}</sub>"
    return f"{head}\n\n{body or '_(no answer text)_'}{tail}"


def session_markdown(session: Session, messages: Iterable[MessageWithParts], notebook: str | None = None) -> str:
    """The whole conversation, ready to render or save as notes."""
    title = session.title or "Untitled session"
    lines = [f"# {title}", ""]
    meta = f"Session `{session.id}` · started {session.time_created:%Y-%m-%d %H:%M} UTC"
    if notebook:
        meta += f" · {notebook}"
    lines += [meta, ""]
    for item in messages:
        lines += ["---", "", message_markdown(item), ""]
    return "\n".join(lines).rstrip() + "\n"
