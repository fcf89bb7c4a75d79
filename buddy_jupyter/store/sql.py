"""The store's SQL, in one place: every statement the store runs, named for what it does.

The migrations keep their own statements (a released migration never changes), and
the readable views are generated in ``views.py``.
"""

# -- transactions ----------------------------------------------------------------------

BEGIN = "BEGIN TRANSACTION"
COMMIT = "COMMIT"
ROLLBACK = "ROLLBACK"

# -- project ---------------------------------------------------------------------------

SELECT_PROJECT = "SELECT id, path, time_created, time_updated FROM project ORDER BY time_created LIMIT 1"
INSERT_PROJECT = "INSERT INTO project (id, path, time_created, time_updated) VALUES (?, ?, ?, ?)"
# The notebook was renamed or moved: the store follows it.
UPDATE_PROJECT_PATH = "UPDATE project SET path = ?, time_updated = ? WHERE id = ?"

# -- sessions --------------------------------------------------------------------------

SELECT_SESSIONS = (
    "SELECT id, project_id, parent_id, title, time_created, time_updated, time_archived,"
    " message_count, tokens_input, tokens_output, cost FROM session"
)
SELECT_SESSION = SELECT_SESSIONS + " WHERE id = ?"
# Sessions whose id is, starts or ends with a fragment (three at most: enough to tell one from several).
FIND_SESSIONS = SELECT_SESSIONS + " WHERE id = ? OR starts_with(id, ?) OR ends_with(id, ?) LIMIT 3"

# ``archived``: False hides archived sessions, True shows only them, None shows all.
_ARCHIVED = {False: " WHERE time_archived IS NULL", True: " WHERE time_archived IS NOT NULL", None: ""}
LIST_SESSIONS = {
    archived: SELECT_SESSIONS + where + " ORDER BY time_updated DESC, id DESC LIMIT ? OFFSET ?"
    for archived, where in _ARCHIVED.items()
}
COUNT_SESSIONS = {archived: "SELECT count(*) FROM session" + where for archived, where in _ARCHIVED.items()}
SESSION_EXISTS = "SELECT count(*) FROM session WHERE id = ?"

# Whether a session exists, and the seq of its last message.
SESSION_SLOT = (
    "SELECT (SELECT count(*) FROM session WHERE id = ?), "
    "(SELECT coalesce(max(seq), 0) FROM message WHERE session_id = ?)"
)

INSERT_SESSION = (
    "INSERT INTO session (id, project_id, parent_id, title, time_created, time_updated) VALUES (?, ?, ?, ?, ?, ?)"
)
SET_SESSION_TITLE = "UPDATE session SET title = ?, time_updated = ? WHERE id = ?"
SET_SESSION_ARCHIVED = "UPDATE session SET time_archived = ?, time_updated = ? WHERE id = ?"
# The first question names an untitled session; a title already there stays.
TITLE_IF_UNTITLED = "UPDATE session SET title = ?, time_updated = ? WHERE id = ? AND title = ''"

# Deleting a session takes its messages and parts with it (the tables have no foreign keys).
DELETE_SESSION = "DELETE FROM session WHERE id = ?"
DELETE_SESSION_PARTS = "DELETE FROM part WHERE session_id = ?"
DELETE_SESSION_MESSAGES = "DELETE FROM message WHERE session_id = ?"

# A session from elsewhere (an import) keeps its id, times and parent; ``data`` keeps what has no column.
INSERT_IMPORTED_SESSION = """
INSERT INTO session (id, project_id, parent_id, title, time_created, time_updated, time_archived, message_count,
    tokens_input, tokens_output, cost, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
SESSION_MESSAGE_IDS = "SELECT id FROM message WHERE session_id = ?"
SELECT_SESSION_DATA = "SELECT data::VARCHAR FROM session WHERE id = ?"

# -- session totals --------------------------------------------------------------------

# A transaction's new messages and usage changes, added to the session's totals in one
# statement at commit (one row, by primary key), rather than re-aggregating its messages.
ADD_TO_SESSION = """
UPDATE session SET message_count = message_count + ?, tokens_input = tokens_input + ?,
    tokens_output = tokens_output + ?, cost = cost + ?, time_updated = ?
WHERE id = ?
"""

# Before a message is rewritten: move its session's totals from the usage as stored (whoever
# wrote it) to the new one. Parameters: message id, its time_created, session id; new input tokens,
# output tokens, cost; now; session id. A CTE keyed by the session costs less than a join on the
# message's session_id, or than reading the usage back to add it at commit. The message's
# time_created, which never changes, lets a v1.4.0 file skip row groups (see UPDATE_PART_AT).
SHIFT_SESSION_USAGE = """
WITH m AS (
    SELECT coalesce(tokens_input, 0) AS tokens_input, coalesce(tokens_output, 0) AS tokens_output,
           coalesce(cost, 0) AS cost
    FROM message WHERE id = ? AND time_created = ? AND session_id = ?
)
UPDATE session SET tokens_input = session.tokens_input + ? - m.tokens_input,
    tokens_output = session.tokens_output + ? - m.tokens_output, cost = session.cost + ? - m.cost, time_updated = ?
FROM m WHERE session.id = ?
"""

# A session's totals recomputed from its messages; {time} is what time_updated becomes.
_SESSION_TOTALS = """
UPDATE session SET
    message_count = t.n, tokens_input = t.tin, tokens_output = t.tout, cost = t.cost,
    time_updated = {time}
FROM (
    SELECT count(*) AS n, coalesce(sum(tokens_input), 0) AS tin, coalesce(sum(tokens_output), 0) AS tout,
           coalesce(sum(cost), 0) AS cost
    FROM message WHERE session_id = ?
) AS t
WHERE session.id = ?
"""
REFRESH_SESSION_TOTALS = _SESSION_TOTALS.format(time="?")
# After an import: time_updated as the source had it (or later).
IMPORTED_SESSION_TOTALS = _SESSION_TOTALS.format(time="greatest(session.time_updated, ?)")

# -- messages and parts ----------------------------------------------------------------

# seq: the message's position in its session (ordering is by time_created first; seq breaks ties).
INSERT_MESSAGE = """
INSERT INTO message (id, session_id, seq, role, time_created, time_updated, time_completed, model_id,
    provider_id, tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write,
    cost, finish, error_name, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

UPDATE_MESSAGE = """
UPDATE message SET time_updated = ?, time_completed = ?, model_id = ?, provider_id = ?, tokens_input = ?,
    tokens_output = ?, tokens_reasoning = ?, tokens_cache_read = ?, tokens_cache_write = ?, cost = ?,
    finish = ?, error_name = ?, data = ?
WHERE id = ?
"""

# One row per part, updated in place: never a copy per update.
INSERT_PART = """
INSERT INTO part (id, session_id, message_id, seq, type, time_created, time_updated, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""
UPDATE_PART = "UPDATE part SET type = ?, time_updated = ?, data = ? WHERE id = ?"
# The same with the part's creation time, which its id carries: DuckDB's v1.4.0 storage keeps 8 bytes of
# a string's min/max, and every part id starts with the same 8 ("prt_0001"), so ``id = ?`` alone scans the
# whole table; the time lets it skip every other row group.
UPDATE_PART_AT = "UPDATE part SET type = ?, time_updated = ?, data = ? WHERE time_created = ? AND id = ?"
# UPDATE and DELETE answer with the number of rows they changed: fetched instead of RETURNING,
# which costs more per statement.

# Where a new part of a message goes: the message's session, its last part seq, and whether
# the part already exists (no row: the message does not exist).
PART_SLOT = """
SELECT m.session_id,
       (SELECT coalesce(max(seq), 0) FROM part WHERE message_id = ?),
       (SELECT count(*) FROM part WHERE id = ?)
FROM message m WHERE m.id = ?
"""

# A row's key columns and its JSON; the store puts the keys back into the JSON in Python
# (they are not repeated inside ``data``), which is quicker than concatenating in SQL.
SELECT_MESSAGE_JSON = "SELECT id, session_id, data::VARCHAR FROM message"
SELECT_PART_JSON = "SELECT id, session_id, message_id, data::VARCHAR FROM part"
SELECT_MESSAGE = SELECT_MESSAGE_JSON + " WHERE id = ?"
SELECT_MESSAGE_PARTS = SELECT_PART_JSON + " WHERE message_id = ? ORDER BY seq, id"
SELECT_SESSION_MESSAGES = SELECT_MESSAGE_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id"
SELECT_SESSION_PARTS = SELECT_PART_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id"

# -- crash recovery --------------------------------------------------------------------

# Answers still running as stored: their writer is alive, or a crash left them behind.
SELECT_UNFINISHED_ANSWERS = SELECT_MESSAGE_JSON + " WHERE role = 'assistant' AND time_completed IS NULL"
# When an interrupted answer was last written to: it is marked as ending then.
LAST_PART_UPDATE = "SELECT max(time_updated) FROM part WHERE message_id = ?"

# -- the learner's records: activity, topics, memories, curriculum -----------------------

INSERT_ACTIVITY = (
    "INSERT INTO activity (id, time_start, duration_ms, outcome, execution_count, cell_id) "
    "SELECT * FROM (SELECT unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::BIGINT[]), "
    "unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[])) "
)

# Who tagged a topic, as a rank: a learner's tag is never replaced by a model's or an automatic one.
_SOURCE_RANK = "CASE {col} WHEN 'learner' THEN 3 WHEN 'model' THEN 2 ELSE 1 END"
UPSERT_TOPIC = f"""
INSERT INTO session_topic (session_id, topic, source, time_created) VALUES (?, ?, ?, ?)
ON CONFLICT (session_id, topic) DO UPDATE SET source = excluded.source, time_created = excluded.time_created
WHERE {_SOURCE_RANK.format(col='excluded.source')} >= {_SOURCE_RANK.format(col='session_topic.source')}
"""
DELETE_TOPICS_FROM = "DELETE FROM session_topic WHERE session_id = ? AND source = ?"

INSERT_MEMORY = "INSERT INTO memory (id, text, time_created) VALUES (?, ?, ?)"
# Memories not hidden whose id is, starts or ends with a fragment.
FIND_MEMORIES = ("SELECT id FROM memory WHERE time_deleted IS NULL"
                 " AND (id = ? OR starts_with(id, ?) OR ends_with(id, ?))")
HIDE_MEMORY = "UPDATE memory SET time_deleted = ? WHERE id = ?"

CLEAR_CURRICULUM = "DELETE FROM curriculum"
INSERT_CURRICULUM_ITEM = "INSERT INTO curriculum (position, topic, goal, time_created) VALUES (?, ?, ?, ?)"

# -- the migrations' ledger ------------------------------------------------------------

CREATE_LEDGER = (
    "CREATE TABLE IF NOT EXISTS buddy_migrations ("
    " name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
)
LEDGER_EXISTS = (
    "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
    "AND schema_name = 'main' AND table_name = 'buddy_migrations'"
)
APPLIED_MIGRATIONS = "SELECT name FROM buddy_migrations ORDER BY name"
RECORD_MIGRATION = "INSERT INTO buddy_migrations (name) VALUES (?)"
# Everything a file holds, to tell someone's own DuckDB file from a store before touching it.
TABLES_AND_VIEWS = (
    "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
    "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal"
)
VIEW_NAMES = "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main'"

# -- the file: its health and its format -------------------------------------------------

# DuckDB draws a progress bar (a widget in Jupyter) for a statement that runs over 2 s: never
# for the store's own work.
NO_PROGRESS_BAR = "SET enable_progress_bar = false"

# The file's own layout (DuckDB 2.x): three 4 KiB headers, then blocks of ``block_size`` bytes.
FILE_HEADERS_BYTES = 3 * 4096
BLOCKS = ("SELECT block_size, total_blocks, free_blocks FROM pragma_database_size()"
          " WHERE database_name = current_database()")
TABLES = ("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
          " AND schema_name = 'main'")
# The highest block a table's stored data lives in (from metadata: no data is read).
LAST_BLOCK = """
SELECT max(b) FROM (
    SELECT unnest(list_append(coalesce(additional_block_ids, []), block_id)) AS b
    FROM pragma_storage_info(?) WHERE persistent
)
"""

SELECT_STORAGE_VERSION = ("SELECT tags['storage_version'] FROM duckdb_databases()"
                          " WHERE database_name = current_database()")
SELECT_BLOCK_SIZE = "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"

# Writing a store file in a chosen format: {path} is quoted, {options} is FILE_OPTIONS.
FILE_OPTIONS = "BLOCK_SIZE {block}, STORAGE_VERSION '{version}'"
ATTACH_NEW_STORE = "ATTACH {path} AS new_store ({options})"
DETACH_NEW_STORE = "DETACH new_store"

# A rewrite copies the store (``src``) into a new file (``dst``) and compares their row counts.
ATTACH_SOURCE = "ATTACH {path} AS src"
CHECKPOINT_SOURCE = "CHECKPOINT src"  # the write-ahead log goes into the file before it is copied
SOURCE_BLOCK_SIZE = "SELECT block_size FROM pragma_database_size() WHERE database_name = 'src'"
ATTACH_COPY = "ATTACH {path} AS dst ({options})"
COPY_SOURCE = "COPY FROM DATABASE src TO dst"
CHECKPOINT_COPY = "CHECKPOINT dst"
DETACH_COPY = "DETACH dst"
DETACH_SOURCE = "DETACH src"
TABLES_OF = "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY 1"
COUNT_ROWS = 'SELECT count(*) FROM {database}.main."{table}"'
