"""The search index's tables and every statement it runs: on the index (SQLite) and on a store (DuckDB).

Tokens: SQLite's ``unicode61`` tokenizer with ``_`` as a word character and no diacritics folding
gives, for ASCII text, exactly the words the direct search's RE2 ``\\b`` finds, so term
frequencies, document frequencies, lengths (in characters) and the BM25 formula are the same;
scores agree to rounding. (Beyond ASCII the index is the better one: RE2's ``\\b`` is ASCII-only,
so the direct search finds "caf" inside "café"; the index does not.)
"""

from __future__ import annotations

FORMAT = 3
"""Bumped when the tables change: an index of another format is rebuilt."""
HASH_MOD = 2147483647
"""Ids are checksummed as DuckDB ``hash(id) % HASH_MOD``: sums fit SQLite's 64-bit integers."""

SCHEMA = f"""
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS store (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    notebook TEXT NOT NULL,
    signature TEXT NOT NULL,
    watermark TEXT,
    docs INTEGER NOT NULL DEFAULT 0,
    chars INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS doc (
    rowid INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL,            -- 'part' or 'memory'
    session_id TEXT,
    message_id TEXT NOT NULL,
    role TEXT,                     -- the message's role; NULL: no such message (a memory)
    time_created TEXT NOT NULL,    -- the document's, ISO with microseconds (sorts as time)
    message_time TEXT,             -- the message's
    size INTEGER NOT NULL,         -- characters
    hash INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (store_id, doc_id)
);
CREATE TABLE IF NOT EXISTS session (  -- what the sidebar lists for a hit
    store_id INTEGER NOT NULL, id TEXT NOT NULL, title TEXT, time_created TEXT, time_updated TEXT,
    time_archived TEXT, message_count INTEGER, PRIMARY KEY (store_id, id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(
    text, content = 'doc', content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_terms USING fts5vocab(doc_fts, instance);
INSERT OR IGNORE INTO meta VALUES ('format', '{FORMAT}');
"""

# -- reading a store (DuckDB; {db} is '' for a store's own connection, else 'alias.main.') ----------

PART_ROWS = """
SELECT p.id, p.session_id, p.message_id, p.time_created, p.data->>'text' AS text,
       coalesce(p.data->>'ignored', 'false') <> 'true' AND coalesce(p.data->>'text', '') <> '' AS visible,
       m.role, m.time_created, hash(p.id) % {mod}, p.time_updated
FROM {db}part p LEFT JOIN {db}message m ON m.id = p.message_id
WHERE p.type = 'text' {since}
"""
PART_CHECK = """
SELECT count(*), coalesce(sum(hash(id) % {mod}), 0) FROM (
    SELECT DISTINCT id FROM {db}part
    WHERE type = 'text' AND coalesce(data->>'ignored', 'false') <> 'true' AND coalesce(data->>'text', '') <> ''
)
"""
SESSION_ROWS = """
SELECT 'session' AS kind, id, title, time_created, NULL::BIGINT, time_updated, time_archived, message_count
FROM {db}session"""
MEMORY_AND_SESSION_ROWS = SESSION_ROWS + """
UNION ALL
SELECT 'memory', id, text, time_created, hash(id) % {mod}, NULL, NULL, NULL
FROM {db}memory WHERE time_deleted IS NULL AND text <> ''
"""
NOTEBOOK_ROW = "SELECT path FROM {db}project ORDER BY time_created LIMIT 1"

# -- the search (SQLite) ---------------------------------------------------------------------------

SEARCH_SQL = """
WITH terms(variant, term) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:terms)
),
tf AS MATERIALIZED (  -- the index's postings of the query's spellings: no document is read
    SELECT doc, term AS variant, count(*) AS tf
    FROM doc_terms WHERE term IN (SELECT variant FROM terms)
    GROUP BY doc, term
),
hits AS MATERIALIZED (
    SELECT tf.doc, t.term, sum(tf.tf) AS tf, d.size, d.store_id, d.message_id, d.time_created, d.doc_id
    FROM tf JOIN terms t USING (variant) JOIN doc d ON d.rowid = tf.doc
    WHERE d.store_id IN (SELECT value FROM json_each(:stores))
    GROUP BY tf.doc, t.term
),
df AS (
    SELECT term, count(*) AS df FROM hits GROUP BY term
),
scored AS MATERIALIZED (
    SELECT h.doc, h.store_id, h.message_id, h.time_created, h.doc_id,
           sum(ln(1 + (:n - df.df + 0.5) / (df.df + 0.5))
               * h.tf * (:k1 + 1) / (h.tf + :k1 * (1 - :b + :b * h.size / :avg_size))) AS score
    FROM hits h JOIN df USING (term)
    GROUP BY h.doc
),
best AS (  -- a message once, with its best document (SQLite takes the bare columns from the max row)
    SELECT max(score) AS score, doc, time_created, doc_id
    FROM scored JOIN store s ON s.id = scored.store_id
    GROUP BY s.notebook, scored.message_id
)
SELECT s.notebook, d.session_id, d.message_id, d.doc_id, d.text, d.time_created, d.role, d.message_time,
       (SELECT title FROM session WHERE store_id = d.store_id AND id = d.session_id) AS title, best.score
FROM (SELECT * FROM best ORDER BY round(score, 9) DESC, time_created DESC, doc_id LIMIT :limit) best
JOIN doc d ON d.rowid = best.doc JOIN store s ON s.id = d.store_id
ORDER BY round(best.score, 9) DESC, best.time_created DESC, best.doc_id  -- as memory.SEARCH_SQL
"""


SESSIONS_SQL = """
SELECT s.notebook, x.id, x.title, x.time_created, x.time_updated, x.time_archived, x.message_count
FROM session x JOIN store s ON s.id = x.store_id
WHERE x.store_id IN (SELECT value FROM json_each(:stores)) AND x.id IN (SELECT value FROM json_each(:ids))
"""
