"""The store's SQL, in one place."""

SELECT_PROJECT = "SELECT id, path, time_created, time_updated FROM project ORDER BY time_created LIMIT 1"

SELECT_SESSIONS = (
    "SELECT id, project_id, parent_id, title, time_created, time_updated, time_archived,"
    " message_count, tokens_input, tokens_output, cost FROM session"
)

# Whether a session exists, and the seq of its last message.
SESSION_SLOT = (
    "SELECT (SELECT count(*) FROM session WHERE id = ?), "
    "(SELECT coalesce(max(seq), 0) FROM message WHERE session_id = ?)"
)

INSERT_SESSION = (
    "INSERT INTO session (id, project_id, parent_id, title, time_created, time_updated) VALUES (?, ?, ?, ?, ?, ?)"
)

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
# whole table (130 ms at 1M parts); the time skips every other row group (under 1 ms). bench/README.md.
UPDATE_PART_AT = "UPDATE part SET type = ?, time_updated = ?, data = ? WHERE time_created = ? AND id = ?"
# UPDATE and DELETE answer with the number of rows they changed: fetched instead of RETURNING,
# which cost 0.3-1 ms more per statement (bench/bench_store.py, statement costs).

# Where a new part of a message goes: the message's session, its last part seq, and whether
# the part already exists (no row: the message does not exist).
PART_SLOT = """
SELECT m.session_id,
       (SELECT coalesce(max(seq), 0) FROM part WHERE message_id = ?),
       (SELECT count(*) FROM part WHERE id = ?)
FROM message m WHERE m.id = ?
"""

# A transaction's new messages and usage changes, added to the session's totals in one
# statement at commit (one row, by primary key), rather than re-aggregating its messages.
ADD_TO_SESSION = """
UPDATE session SET message_count = message_count + ?, tokens_input = tokens_input + ?,
    tokens_output = tokens_output + ?, cost = cost + ?, time_updated = ?
WHERE id = ?
"""

# Before a message is rewritten: move its session's totals from the usage as stored (whoever
# wrote it) to the new one. Parameters: message id, its time_created, session id; new input tokens,
# output tokens, cost; now; session id. (A CTE with the session's key: 1.6 ms at 1M parts; a join on
# the message's session_id 1.9-2.2 ms; a read of the usage and an addition at commit 1.85 ms.) The
# message's time_created, which never changes, lets a v1.4.0 file skip row groups (see UPDATE_PART_AT).
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

# A session from elsewhere (an import) keeps its id, times and parent; ``data`` keeps what has no column.
INSERT_IMPORTED_SESSION = """
INSERT INTO session (id, project_id, parent_id, title, time_created, time_updated, time_archived, message_count,
    tokens_input, tokens_output, cost, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
SESSION_MESSAGE_IDS = "SELECT id FROM message WHERE session_id = ?"
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
SELECT_SESSION_DATA = "SELECT data::VARCHAR FROM session WHERE id = ?"

# The first question names an untitled session; a title already there stays.
TITLE_IF_UNTITLED = "UPDATE session SET title = ?, time_updated = ? WHERE id = ? AND title = ''"

# A row's key columns and its JSON; the store puts the keys back into the JSON in Python
# (they are not repeated inside ``data``). Concatenating in SQL cost 14 ms more per 2,500 parts.
SELECT_MESSAGE_JSON = "SELECT id, session_id, data::VARCHAR FROM message"
SELECT_PART_JSON = "SELECT id, session_id, message_id, data::VARCHAR FROM part"

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
