"""Topics a conversation was about, and the learner's progress per topic.

Tagging is offline keyword rules over a small built-in vocabulary (no model
call): a question about ``df.groupby`` is "pandas: groupby". The learner's own
tags (``%buddy topic``) are never replaced by automatic ones (see
``store.records.set_topics``).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ..store import records
from .time_spent import ATTRIBUTED_SQL, DEFAULT_IDLE_THRESHOLD, local, timeline_frame

if TYPE_CHECKING:
    import pandas

    from ..store import Store

# topic -> keyword patterns (regular expressions, case-insensitive, matched as whole words).
# Kept specific on purpose: "set", "try", "mean" or "axis" alone are ordinary English or
# belong to other topics, so they need their code form ("try:", "mean(").
VOCABULARY: dict[str, tuple[str, ...]] = {
    "python basics": (r"variables?", r"print", r"if\s+statements?", r"for\s+loops?", r"while\s+loops?", r"loops?",
                      r"lists?", r"tuples?", r"dictionar(?:y|ies)", r"dicts?", r"strings?", r"f-strings?",
                      r"indentation", r"booleans?", r"range"),
    "functions": (r"functions?", r"def", r"return\s+values?", r"arguments?", r"parameters?", r"lambdas?",
                  r"\*args", r"\*\*kwargs", r"scope", r"decorators?"),
    "classes": (r"class(?:es)?", r"__init__", r"self", r"methods?", r"inheritance", r"dataclass(?:es)?",
                r"attributes?", r"instances?", r"object-oriented|oop"),
    "comprehensions": (r"(?:list|dict|set)\s+comprehensions?", r"comprehensions?", r"generator\s+expressions?",
                       r"generators?", r"yield"),
    "exceptions": (r"exceptions?", r"try\s*:", r"try\s*/\s*except", r"except\s*\w*\s*:", r"raise[sd]?",
                   r"traceback", r"\w*Error", r"errors?", r"finally\s*:"),
    "files": (r"files?", r"open\(", r"with\s+open", r"to_csv", r"paths?", r"pathlib", r"csv",
              r"director(?:y|ies)", r"folders?"),
    "pandas: indexing": (r"loc\[", r"iloc\[", r"at\[", r"boolean\s+(?:mask|indexing)", r"set_index", r"reset_index",
                         r"indexing", r"index", r"select(?:ing)?\s+(?:rows|columns)", r"filter(?:ing)?\s+rows",
                         r"slic(?:e|es|ing)"),
    "pandas: groupby": (r"group\s*by", r"groupby", r"agg", r"aggregat(?:e|es|ed|ion|ions|ing)", r"pivot_table",
                        r"pivot", r"split-apply-combine", r"transform"),
    "pandas: merge/join": (r"merg(?:e|es|ed|ing)", r"joins?", r"concat", r"combin(?:e|ing)\s+(?:data\s*frames|tables)"),
    "pandas: missing data": (r"missing\s+(?:data|values?)", r"nan", r"isna", r"isnull", r"fillna", r"dropna",
                             r"null\s+values?", r"na\s+values?"),
    "pandas: dtypes": (r"dtypes?", r"astype", r"to_datetime", r"to_numeric", r"categorical", r"data\s+types?",
                       r"object\s+(?:column|dtype)", r"int64|float64"),
    "pandas": (r"pandas", r"data\s*frames?", r"df", r"series", r"read_csv", r"columns?", r"rows?"),
    "numpy": (r"numpy", r"np\.\w+", r"arrays?", r"ndarray", r"broadcast(?:ing)?", r"vectori[sz]ed?", r"linspace",
              r"arange", r"reshape", r"matri(?:x|ces)"),
    "plotting": (r"matplotlib", r"plt\.\w+", r"plot(?:s|ting|ted)?", r"charts?", r"histograms?", r"scatter",
                 r"figures?", r"subplots?", r"seaborn", r"legend", r"[xy]label"),
    "statistics": (r"statistics?", r"mean\(\)", r"average", r"median", r"standard\s+deviation", r"std", r"variance",
                   r"correlations?", r"regression", r"distributions?", r"probability", r"hypothesis", r"p-?values?",
                   r"t-?tests?", r"quantiles?|percentiles?", r"describe\(\)"),
}

_RULES = {
    topic: re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?![\w-])", re.IGNORECASE)
    for topic, patterns in VOCABULARY.items()
}
# Broad topics count only when nothing more specific matched.
_SPECIFIC_OF = {
    "pandas": ("pandas: indexing", "pandas: groupby", "pandas: merge/join", "pandas: missing data", "pandas: dtypes"),
    "python basics": tuple(t for t in VOCABULARY if t != "python basics"),
}
_MIN_HITS_IN_ANSWERS = 2


def tag_topics(text: str, *, min_hits: int = 1, limit: int = 3) -> list[str]:
    """Topics of ``text`` from the vocabulary, strongest first (at most ``limit``).

    >>> tag_topics("How do I use df.groupby to get the mean per city?")
    ['pandas: groupby']
    """
    if not text:
        return []
    hits = {topic: len(rule.findall(text)) for topic, rule in _RULES.items()}
    for broad, specific in _SPECIFIC_OF.items():
        if any(hits[s] >= min_hits for s in specific):
            hits[broad] = 0
    order = list(VOCABULARY)
    ranked = sorted((t for t, n in hits.items() if n >= min_hits), key=lambda t: (-hits[t], order.index(t)))
    return ranked[:limit]


_SESSION_TEXT = """
SELECT string_agg(text, chr(10) ORDER BY time_created, seq) FILTER (WHERE role = 'user'),
       string_agg(text, chr(10) ORDER BY time_created, seq) FILTER (WHERE role = 'assistant')
FROM messages WHERE session_id = ?
"""


def auto_tag_session(store: "Store", session_id: str) -> list[str]:
    """Tag a conversation from its questions (or, if they name nothing, its answers); returns the tags.

    Stored with source ``auto``: tags the learner gave stay as they are.
    """
    with store.connection() as con:
        questions, answers = con.execute(_SESSION_TEXT, [session_id]).fetchall()[0]
    topics = tag_topics(questions or "")
    if not topics:
        topics = tag_topics(answers or "", min_hits=_MIN_HITS_IN_ANSWERS)
    return records.set_topics(store, session_id, topics, "auto")


SESSION_TOPICS_SQL = """
SELECT topic FROM session_topic
WHERE session_id = $session_id AND ($source IS NULL OR source = $source)
ORDER BY topic
"""


def session_topics(store: "Store", session_id: str, *, source: str | None = None) -> list[str]:
    """The session's topics, or only those given by ``source`` (learner, auto or model)."""
    with store.connection() as con:
        rows = con.execute(SESSION_TOPICS_SQL, {"session_id": session_id, "source": source}).fetchall()
    return [topic for (topic,) in rows]


def auto_tag_untagged(store: "Store") -> dict[str, list[str]]:
    """Tag every conversation of ``store`` that has no topic yet; returns {session_id: topics}."""
    with store.connection() as con:
        ids = [row[0] for row in con.execute(
            "SELECT id FROM session WHERE id NOT IN (SELECT session_id FROM session_topic) "
            "AND message_count > 0 ORDER BY time_created"
        ).fetchall()]
    return {sid: auto_tag_session(store, sid) for sid in ids}


PROGRESS_SQL = ATTRIBUTED_SQL + f""",
per_topic AS (
    SELECT t.topic, a.*
    FROM attributed a JOIN (SELECT session_id, topic FROM session_topic) t ON t.session_id = a.conversation_id
)
SELECT topic,
       count(DISTINCT conversation_id) AS sessions,
       count(*) FILTER (WHERE kind = 'question') AS questions,
       sum(active_seconds) / 60 AS minutes,
       {local('min(time_start)')} AS first_studied,
       {local('max(time_end)')} AS last_studied,
       count(*) FILTER (WHERE kind = 'cell' AND outcome <> 'ok') AS errors
FROM per_topic
GROUP BY topic
ORDER BY minutes DESC, topic
"""


def progress(
    store: "Store | None" = None,
    *,
    root: str | os.PathLike[str] | None = None,
    idle_threshold: float = DEFAULT_IDLE_THRESHOLD,
    tz: str | None = None,
    data_dir: str | os.PathLike[str] = "",
) -> "pandas.DataFrame":
    """Per topic: ``sessions``, ``questions``, ``minutes``, ``first_studied``, ``last_studied``, ``errors``.

    ``minutes`` is the active time of the topic's conversations (cells run in
    between included); ``errors`` the cells that failed meanwhile. Times are local.
    """
    return timeline_frame(PROGRESS_SQL, ("timeline", "session_topic"), store, root, idle_threshold, tz, data_dir)


CURRICULUM_SQL = """
SELECT position, topic, goal FROM curriculum ORDER BY position
"""

CURRICULUM_PRACTISED_MINUTES = 30.0
"""A curriculum topic counts as practised after two conversations or this many minutes."""


def curriculum_status(
    store: "Store",
    *,
    idle_threshold: float = DEFAULT_IDLE_THRESHOLD,
    tz: str | None = None,
) -> "pandas.DataFrame":
    """The curriculum in order with ``status`` (not started, started, practised) and the figures behind it.

    A curriculum topic matches the tags of the vocabulary it names (``"pandas groupby"``
    matches ``pandas: groupby``) or, failing that, a tag equal to it.
    """
    import pandas

    with store.connection() as con:
        items = con.execute(CURRICULUM_SQL).fetchall()
    done = progress(store, idle_threshold=idle_threshold, tz=tz).set_index("topic")
    rows = []
    for position, topic, goal in items:
        tags = [topic] if topic in done.index else tag_topics(topic) or [topic]
        found = done.loc[[t for t in tags if t in done.index]]
        sessions = int(found["sessions"].sum()) if len(found) else 0
        minutes = float(found["minutes"].sum()) if len(found) else 0.0
        if sessions == 0:
            status = "not started"
        elif sessions >= 2 or minutes >= CURRICULUM_PRACTISED_MINUTES:
            status = "practised"
        else:
            status = "started"
        rows.append({
            "position": position, "topic": topic, "goal": goal, "status": status, "matches": ", ".join(tags),
            "sessions": sessions, "questions": int(found["questions"].sum()) if len(found) else 0,
            "minutes": minutes, "last_studied": found["last_studied"].max() if len(found) else pandas.NaT,
        })
    columns = ["position", "topic", "goal", "status", "matches", "sessions", "questions", "minutes", "last_studied"]
    return pandas.DataFrame(rows, columns=columns)
