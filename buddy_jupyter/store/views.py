"""The readable views users query (``%buddy sql``) and analytics build on, defined once.

The same four views exist in two places: inside each store (created by migration m003,
over the store's own tables) and in the folder-wide history (over the union of every
store's tables, where each row carries its store's notebook). Both are generated here
from one definition, so a column added to one cannot be forgotten in the other.

``STORE_VIEWS`` is exactly the text m003 ran when it was released: a migration must keep
producing the same schema, and a test pins this text. A later change to a view is a new
migration with its own text; this module then describes the newest views.

Unqualified names bind to the store's own tables, also when another DuckDB ATTACHes the
file (``--all`` reads them there).
"""

from __future__ import annotations

NAMES = ("messages", "turns", "tool_calls", "timeline")
"""The views, in the order they are created."""

# Inside one store, a row's notebook is its project's path (found through these joins).
_FIRST_PROJECT = "(SELECT path FROM project ORDER BY time_created LIMIT 1)"
_MESSAGE_PROJECT = "LEFT JOIN project p ON p.id = s.project_id\n"
_PART_PROJECT = "LEFT JOIN session s ON s.id = p.session_id\nLEFT JOIN project pr ON pr.id = s.project_id\n"


def create_views(*, folder: bool) -> str:
    """The statements that create the four views: over one store's tables, or (``folder``)
    over the folder-wide unions, whose rows carry a ``notebook`` column.

    In the folder, a row's notebook is its own store's, and joins also match the notebook,
    so that two stores holding the same ids (a notebook folder copied with its ``.buddy``)
    never multiply each other's rows."""

    def notebook(alias: str, in_store: str) -> str:
        """The expression naming a row's notebook: its own column in the folder."""
        if not folder:
            return in_store
        return f"{alias}.notebook" if alias else "notebook"

    def same_notebook(a: str, b: str) -> str:
        return f" AND {a}.notebook = {b}.notebook" if folder else ""

    def store_only(joins: str) -> str:
        """Joins that find a row's notebook inside one store (the folder's rows carry it)."""
        return "" if folder else joins

    by_notebook = "notebook, " if folder else ""
    return f"""
-- One row per message, with its visible text (its non-ignored text parts, in order).
CREATE OR REPLACE VIEW messages AS
SELECT {notebook("m", "p.path")} AS notebook, m.session_id, s.title AS session_title, m.id AS message_id, m.seq, m.role,
       m.data->>'parent_id' AS parent_id,
       coalesce(t.text, '') AS text, m.model_id, m.provider_id, m.tokens_input, m.tokens_output,
       m.tokens_reasoning, m.cost, m.time_created, m.time_completed, m.finish, m.error_name
FROM message m
LEFT JOIN session s ON s.id = m.session_id{same_notebook("s", "m")}
{store_only(_MESSAGE_PROJECT)}LEFT JOIN (
    SELECT {by_notebook}message_id, string_agg(data->>'text', '' ORDER BY seq) AS text
    FROM part
    WHERE type = 'text' AND coalesce(data->>'ignored', 'false') <> 'true'
    GROUP BY {by_notebook}message_id
) t ON t.message_id = m.id{same_notebook("t", "m")};

-- One row per question with its answer (several assistant messages answering one question
-- are added up; latency runs from the question to the last answer's completion).
CREATE OR REPLACE VIEW turns AS
WITH m AS MATERIALIZED (SELECT * FROM messages)
SELECT q.notebook, q.session_id, q.session_title, q.message_id AS question_id, q.text AS question,
       q.time_created AS asked_at, min(a.message_id) AS answer_id,
       string_agg(a.text, chr(10) || chr(10) ORDER BY a.time_created) AS answer,
       max(a.time_completed) AS answered_at, epoch(max(a.time_completed) - q.time_created) AS latency_seconds,
       CAST(sum(a.tokens_input) AS BIGINT) AS tokens_input, CAST(sum(a.tokens_output) AS BIGINT) AS tokens_output,
       sum(a.cost) AS cost, any_value(a.model_id) AS model_id, any_value(a.provider_id) AS provider_id,
       max(a.error_name) AS error_name
FROM m q
LEFT JOIN m a ON a.role = 'assistant' AND a.parent_id = q.message_id{same_notebook("a", "q")}
WHERE q.role = 'user'
GROUP BY q.notebook, q.session_id, q.session_title, q.message_id, q.text, q.time_created;

-- One row per tool the buddy ran (times inside part JSON are epoch milliseconds).
CREATE OR REPLACE VIEW tool_calls AS
SELECT {notebook("p", "pr.path")} AS notebook, p.session_id, p.message_id, p.id AS part_id, p.data->>'call_id' AS call_id,
       p.data->>'tool' AS tool, p.data->'state'->>'status' AS status, p.data->'state'->'input' AS input,
       p.data->'state'->>'output' AS output, p.data->'state'->>'error' AS error,
       epoch_ms(TRY_CAST(p.data->'state'->'time'->>'start' AS BIGINT)) AS time_start,
       epoch_ms(TRY_CAST(p.data->'state'->'time'->>'end' AS BIGINT)) AS time_end,
       TRY_CAST(p.data->'state'->'time'->>'end' AS BIGINT)
           - TRY_CAST(p.data->'state'->'time'->>'start' AS BIGINT) AS duration_ms
FROM part p
{store_only(_PART_PROJECT)}WHERE p.type = 'tool';

-- Everything that happened, as events: cell runs, questions, answers. Reads the base tables
-- only (no part JSON), so time-spent analytics stay fast on large stores.
CREATE OR REPLACE VIEW timeline AS
SELECT {notebook("", _FIRST_PROJECT)} AS notebook, 'cell' AS kind, id,
       CAST(NULL AS VARCHAR) AS session_id, time_start,
       time_start + to_milliseconds(duration_ms) AS time_end, duration_ms, outcome
FROM activity
UNION ALL
SELECT {notebook("", _FIRST_PROJECT)} AS notebook,
       CASE WHEN role = 'user' THEN 'question' ELSE 'answer' END AS kind, id, session_id,
       time_created AS time_start, coalesce(time_completed, time_created) AS time_end,
       CAST(epoch_ms(coalesce(time_completed, time_created)) - epoch_ms(time_created) AS BIGINT) AS duration_ms,
       coalesce(error_name, 'ok') AS outcome
FROM message;
"""


STORE_VIEWS = create_views(folder=False)
"""The views inside one store, as migration m003 creates them (and as a store missing one is repaired)."""

FOLDER_VIEWS = create_views(folder=True)
"""The same views in the folder-wide history, over the unions of every store's tables."""
