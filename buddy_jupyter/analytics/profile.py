"""The learner profile: ``.buddy/memories.local.md``, plain Markdown the learner may edit.

Rebuilt on request (``%buddy profile``) from every notebook under the history
root: topics covered, recurring errors, preferences and goals the learner
stated ("I prefer…", "my goal is…"), and explicit memories. The section
``## My notes`` belongs to the learner: a rebuild keeps it word for word. A
bounded part of the file goes into the system prompt of real models.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .history import reading
from .topics import PROGRESS_SQL, auto_tag_untagged

if TYPE_CHECKING:
    from .scope import HistoryScope

log = logging.getLogger(__name__)

PROFILE_NAME = "memories.local.md"
NOTES_HEADING = "## My notes"
DEFAULT_NOTES = "Write anything the buddy should know about you here; rebuilding keeps this section.\n"

STATED = (r"\b(i prefer|i'd prefer|i would prefer|i like|i'd like|i would like|i don't like|i do not like|"
          r"my goal is|my goal|i want to learn|i want to understand|i want to get better|i am learning|i'm learning|"
          r"i am trying to|i'm trying to|please always|please never|please don't|please do not)\b")

RECURRING_ERRORS_SQL = """
SELECT outcome, count(*) AS times, max(time_start) AS last
FROM activity WHERE outcome <> 'ok'
GROUP BY outcome HAVING count(*) >= 2
ORDER BY times DESC, outcome LIMIT 10
"""

STATED_SQL = """
SELECT text, time_created FROM messages
WHERE role = 'user' AND regexp_matches(lower(text), ?)
ORDER BY time_created DESC LIMIT 40
"""

MEMORIES_SQL = """
SELECT id, text, time_created FROM memory WHERE time_deleted IS NULL ORDER BY time_created LIMIT 100
"""


def profile_path(scope: "HistoryScope") -> Path:
    """``memories.local.md`` beside this notebook's store."""
    return Path(scope.store.path).parent / PROFILE_NAME


def build_profile(scope: "HistoryScope") -> Path:
    """Rebuild the learner profile from every notebook of ``scope``; returns its path.

    This notebook's conversations without a topic are tagged first (offline keyword rules).
    """
    path = profile_path(scope)
    notes = _learner_notes(path)
    store = scope.store
    auto_tag_untagged(store)  # this notebook's conversations without a topic (also creates a fresh store)
    params = {"threshold": float(scope.idle_threshold), "tz": None}
    with reading(store, scope.root, data_dir=scope.data_dir,
                 relations=("timeline", "session_topic", "activity", "messages", "memory")) as con:
        topics = con.execute(PROGRESS_SQL, params).fetchall()
        errors = con.execute(RECURRING_ERRORS_SQL).fetchall()
        stated = con.execute(STATED_SQL, [STATED]).fetchall()
        memories = con.execute(MEMORIES_SQL).fetchall()
    text = render_profile(topics, errors, stated, memories, notes)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def render_profile(topics, errors, stated, memories, notes: str) -> str:
    lines = [
        "# Learner profile",
        "",
        f"_Rebuilt by `%buddy profile` on {datetime.now():%Y-%m-%d %H:%M}. "
        f"Edit freely; the section \"{NOTES_HEADING[3:]}\" is kept when it is rebuilt._",
        "",
        "## Topics covered",
    ]
    for topic, sessions, questions, minutes, _first, last, errs in topics:
        extra = f", {errs} failed cell(s)" if errs else ""
        lines.append(f"- {topic}: {sessions} conversation(s), {questions} question(s), {minutes or 0:.0f} min, "
                     f"last {last:%Y-%m-%d}{extra}")
    if not topics:
        lines.append("- none yet")
    lines += ["", "## Recurring errors"]
    lines += [f"- {outcome}: {times} times, last {last:%Y-%m-%d}" for outcome, times, last in errors] or ["- none"]
    lines += ["", "## Preferences and goals"]
    sentences = list(dict.fromkeys(s for text, _ in stated for s in stated_sentences(text)))[:12]
    lines += [f"- \"{s}\"" for s in sentences] or ["- none stated yet"]
    lines += ["", "## Remembered"]
    lines += [f"- {' '.join(text.split())} ({memory_id})" for memory_id, text, _ in memories] or ["- nothing yet"]
    lines += ["", NOTES_HEADING, notes.rstrip("\n"), ""]
    return "\n".join(lines)


def stated_sentences(text: str) -> list[str]:
    """The sentences of ``text`` where the learner states a preference or goal."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        sentence = " ".join(sentence.split())
        if sentence and re.search(STATED, sentence.lower()):
            found.append(sentence[:200])
    return found


def _learner_notes(path: Path) -> str:
    if not path.exists():
        return DEFAULT_NOTES
    text = path.read_text(encoding="utf-8")
    at = text.find(NOTES_HEADING)
    return text[at + len(NOTES_HEADING):].strip("\n") + "\n" if at >= 0 else DEFAULT_NOTES


def profile_for_prompt(scope: "HistoryScope", limit_chars: int = 1500) -> str:
    """At most ``limit_chars`` of the profile for the system prompt ("" when there is nothing to say).

    Reads the file as it is (the learner may have edited it); builds it first when
    missing. Never raises: a question must not fail because of the profile.
    """
    try:
        path = profile_path(scope)
        if not path.exists():
            if not Path(scope.store.path).exists():
                return ""
            build_profile(scope)
        return condense(path.read_text(encoding="utf-8"), limit_chars)
    except Exception as error:
        log.warning("learner profile unavailable: %s", error)
        return ""


_EMPTY_ITEMS = {"- none yet", "- none", "- none stated yet", "- nothing yet", DEFAULT_NOTES.strip()}


def condense(text: str, limit_chars: int) -> str:
    """The profile without its title, empty sections and placeholders, cut at a line to ``limit_chars``."""
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# ") or (line.startswith("_") and line.endswith("_")):
            continue
        if line.startswith("## "):
            sections.append((line, []))
        elif line.strip() and line.strip() not in _EMPTY_ITEMS:
            if not sections:
                sections.append(("", []))
            sections[-1][1].append(line)
    kept = [line for heading, body in sections if body for line in ([heading] if heading else []) + body]
    out: list[str] = []
    size = 0
    for line in kept:
        if size + len(line) + 1 > limit_chars:
            if size + 1 < limit_chars:
                out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)
