"""Time spent studying, from cell runs and messages, in one SQL pass.

Every row of the ``timeline`` view (a cell run, a question, an answer) is an
event with a start and an end. Sorted by start, the gap from the latest end of
all earlier events (a window ``max`` over the rows before: a plain ``LAG`` of
the previous end is wrong when events overlap, e.g. a cell that asks the buddy)
to the next start decides: a gap up to ``idle_threshold`` seconds is active
time, a longer one ends a *study session*. A study session's active time is
therefore its span, from its first start to its last end. Each event carries
the share it adds (its gap plus what it extends beyond the latest end), so the
groupings by day, week, notebook and conversation add up to the same total (a
conversation with two topics counts fully for both topics).

A cell run belongs to the conversation of the latest question or answer before
it in the same notebook and study session (cells have no conversation of their
own); cells before any question belong to none.

Times and days are local wall-clock times in ``tz`` (default: the machine's
time zone, as DuckDB reads it); the store itself keeps naive UTC.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from ..errors import InvalidInput
from .history import reading
from .scope import DEFAULT_IDLE_THRESHOLD

if TYPE_CHECKING:
    import duckdb
    import pandas

    from ..store import Store

By = Literal["day", "week", "notebook", "session", "topic"]



def local(expression: str) -> str:
    """SQL for a naive-UTC ``expression`` as local wall-clock time in ``$tz`` (NULL: DuckDB's TimeZone)."""
    return f"timezone(coalesce($tz::VARCHAR, current_setting('TimeZone')), ({expression}) AT TIME ZONE 'UTC')"


# prev_end: the latest end among the earlier events, in one window (the frame stops a row before).
# Ties in (start, end) may come in any order: the totals are the same either way, so two windows
# and one time-zone conversion per row suffice (three windows sorted by (start, end, id) and two
# conversions were much slower over a big folder).
EVENTS_SQL = f"""
WITH ev AS (
    SELECT notebook, kind, id, session_id, time_start, greatest(time_end, time_start) AS time_end, outcome
    FROM timeline
),
gapped AS (
    SELECT *, max(time_end) OVER (ORDER BY time_start, time_end ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
              AS prev_end
    FROM ev
),
flagged AS (
    SELECT *, prev_end IS NULL OR epoch(time_start - prev_end) > $threshold AS starts_study,
           CASE WHEN prev_end IS NULL OR epoch(time_start - prev_end) > $threshold THEN epoch(time_end - time_start)
                ELSE greatest(epoch(time_end - prev_end), 0) END AS active_seconds,
           {local('time_start')} AS local_start
    FROM gapped
)"""

STUDIES_SQL = EVENTS_SQL + """,
events AS (
    SELECT *, CAST(sum(starts_study::INTEGER) OVER (ORDER BY time_start, time_end ROWS UNBOUNDED PRECEDING) AS BIGINT)
              AS study_id
    FROM flagged
)"""

ATTRIBUTED_SQL = STUDIES_SQL + """,
attributed AS (
    SELECT e.*, coalesce(e.session_id, a.session_id) AS conversation_id
    FROM events e
    ASOF LEFT JOIN (
        SELECT notebook, study_id, time_start, session_id FROM events WHERE session_id IS NOT NULL
    ) a ON e.notebook = a.notebook AND e.study_id = a.study_id AND e.time_start >= a.time_start
)"""


def _measures(study_sessions: str) -> str:
    return f"""
    sum(active_seconds) AS active_seconds,
    sum(active_seconds) / 60 AS minutes,
    {study_sessions} AS study_sessions,
    count(*) FILTER (WHERE kind = 'question') AS questions,
    count(*) FILTER (WHERE kind = 'cell') AS cells,
    count(*) FILTER (WHERE kind = 'cell' AND outcome <> 'ok') AS errors,
    {local('min(time_start)')} AS first,
    {local('max(time_end)')} AS last"""


# Per day or week: the study sessions that started then. Per notebook, conversation or topic:
# the study sessions that touched it.
_STARTED = _measures("count(*) FILTER (WHERE starts_study)")
_TOUCHED = _measures("count(DISTINCT study_id)")

_GROUPINGS: dict[str, tuple[tuple[str, ...], str]] = {
    # by: (relations read, query)
    "day": (("timeline",), EVENTS_SQL + f"""
SELECT CAST(local_start AS DATE) AS day, {_STARTED}
FROM flagged GROUP BY 1 ORDER BY 1"""),
    "week": (("timeline",), EVENTS_SQL + f"""
SELECT CAST(date_trunc('week', local_start) AS DATE) AS week, {_STARTED}
FROM flagged GROUP BY 1 ORDER BY 1"""),
    "notebook": (("timeline",), STUDIES_SQL + f"""
SELECT notebook, {_TOUCHED}
FROM events GROUP BY 1 ORDER BY active_seconds DESC, notebook"""),
    "session": (("timeline", "session"), ATTRIBUTED_SQL + f"""
SELECT any_value(notebook ORDER BY time_start) AS notebook, conversation_id AS session_id,
       any_value(s.title) AS session_title, {_TOUCHED}
FROM attributed LEFT JOIN (SELECT id, title FROM session) s ON s.id = conversation_id
GROUP BY conversation_id ORDER BY first"""),
    "topic": (("timeline", "session_topic"), ATTRIBUTED_SQL + f"""
SELECT coalesce(t.topic, '(untagged)') AS topic, count(DISTINCT conversation_id) AS sessions, {_TOUCHED}
FROM attributed LEFT JOIN (SELECT session_id, topic FROM session_topic) t ON t.session_id = conversation_id
GROUP BY 1 ORDER BY active_seconds DESC, topic"""),
}

STUDY_SESSIONS_SQL = STUDIES_SQL + f"""
SELECT study_id, CAST(min(local_start) AS DATE) AS day, {local('min(time_start)')} AS start,
       {local('max(time_end)')} AS "end", list(DISTINCT notebook ORDER BY notebook) AS notebooks,
       sum(active_seconds) AS active_seconds, sum(active_seconds) / 60 AS minutes,
       count(*) FILTER (WHERE kind = 'question') AS questions, count(*) FILTER (WHERE kind = 'cell') AS cells,
       count(*) FILTER (WHERE kind = 'cell' AND outcome <> 'ok') AS errors
FROM events GROUP BY study_id ORDER BY study_id"""


def time_spent(
    store: "Store | None" = None,
    *,
    root: str | os.PathLike[str] | None = None,
    by: By = "day",
    idle_threshold: float = DEFAULT_IDLE_THRESHOLD,
    tz: str | None = None,
    data_dir: str | os.PathLike[str] = "",
) -> "pandas.DataFrame":
    """Active study time grouped ``by`` day, week, notebook, session (conversation) or topic.

    One row per group: the key column(s), ``active_seconds``, ``minutes``,
    ``study_sessions`` (per day/week: those that started then; otherwise: those that
    touched the group), ``questions``, ``cells``, ``errors`` (cells that failed),
    ``first`` and ``last`` (local times). ``store`` alone: this notebook; ``root``:
    every notebook under it (the ``store`` included).
    """
    if by not in _GROUPINGS:
        raise InvalidInput(f"unknown grouping {by!r}; use one of {', '.join(_GROUPINGS)}")
    relations, query = _GROUPINGS[by]
    return timeline_frame(query, relations, store, root, idle_threshold, tz, data_dir)


def study_sessions(
    store: "Store | None" = None,
    *,
    root: str | os.PathLike[str] | None = None,
    idle_threshold: float = DEFAULT_IDLE_THRESHOLD,
    tz: str | None = None,
    data_dir: str | os.PathLike[str] = "",
) -> "pandas.DataFrame":
    """One row per study session (events with no gap over ``idle_threshold`` seconds).

    Columns: ``study_id``, ``day``, ``start``, ``end`` (local), ``notebooks``,
    ``active_seconds``, ``minutes``, ``questions``, ``cells``, ``errors``.
    """
    return timeline_frame(STUDY_SESSIONS_SQL, ("timeline",), store, root, idle_threshold, tz, data_dir)


def timeline_frame(query, relations, store, root, idle_threshold, tz, data_dir) -> "pandas.DataFrame":
    """``query`` (with ``$threshold`` and ``$tz``) over the ``relations`` of ``store``, or of every store
    under ``root``, as a DataFrame: the one way the time-spent and topic reports read."""
    params = {"threshold": _threshold(idle_threshold), "tz": tz}
    with reading(store, root, relations=relations, data_dir=data_dir) as con:
        return run_local(con, query, params)


def run_local(con: "duckdb.DuckDBPyConnection", query: str, params: dict) -> "pandas.DataFrame":
    """``query`` as a DataFrame; an unknown ``$tz`` is the caller's mistake, said in one line."""
    import duckdb

    try:
        return con.execute(query, params).df()
    except duckdb.Error as error:
        if params.get("tz") and "time zone" in str(error).lower().replace("timezone", "time zone"):
            raise InvalidInput(f"unknown time zone {params['tz']!r}; use a name like 'Europe/Paris'") from None
        raise


def _threshold(value: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"idle_threshold must be a number of seconds, not {value!r}") from None
    if value < 0:
        raise InvalidInput("idle_threshold must be zero or more seconds")
    return value
