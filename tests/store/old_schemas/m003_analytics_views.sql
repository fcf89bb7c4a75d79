-- Frozen copy of migration m003_analytics_views as released (buddy_jupyter 0.1.0).
-- Never edit: tests/store/test_migrations.py builds "a store at this migration" from this file,
-- and checks that the migration in the package still produces exactly this schema.
-- One row per message, with its visible text (its non-ignored text parts, in order).
CREATE OR REPLACE VIEW messages AS
SELECT p.path AS notebook, m.session_id, s.title AS session_title, m.id AS message_id, m.seq, m.role,
       m.data->>'parent_id' AS parent_id,
       coalesce(t.text, '') AS text, m.model_id, m.provider_id, m.tokens_input, m.tokens_output,
       m.tokens_reasoning, m.cost, m.time_created, m.time_completed, m.finish, m.error_name
FROM message m
LEFT JOIN session s ON s.id = m.session_id
LEFT JOIN project p ON p.id = s.project_id
LEFT JOIN (
    SELECT message_id, string_agg(data->>'text', '' ORDER BY seq) AS text
    FROM part
    WHERE type = 'text' AND coalesce(data->>'ignored', 'false') <> 'true'
    GROUP BY message_id
) t ON t.message_id = m.id;

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
LEFT JOIN m a ON a.role = 'assistant' AND a.parent_id = q.message_id
WHERE q.role = 'user'
GROUP BY q.notebook, q.session_id, q.session_title, q.message_id, q.text, q.time_created;

-- One row per tool the buddy ran (times inside part JSON are epoch milliseconds).
CREATE OR REPLACE VIEW tool_calls AS
SELECT pr.path AS notebook, p.session_id, p.message_id, p.id AS part_id, p.data->>'call_id' AS call_id,
       p.data->>'tool' AS tool, p.data->'state'->>'status' AS status, p.data->'state'->'input' AS input,
       p.data->'state'->>'output' AS output, p.data->'state'->>'error' AS error,
       epoch_ms(TRY_CAST(p.data->'state'->'time'->>'start' AS BIGINT)) AS time_start,
       epoch_ms(TRY_CAST(p.data->'state'->'time'->>'end' AS BIGINT)) AS time_end,
       TRY_CAST(p.data->'state'->'time'->>'end' AS BIGINT)
           - TRY_CAST(p.data->'state'->'time'->>'start' AS BIGINT) AS duration_ms
FROM part p
LEFT JOIN session s ON s.id = p.session_id
LEFT JOIN project pr ON pr.id = s.project_id
WHERE p.type = 'tool';

-- Everything that happened, as events: cell runs, questions, answers. Reads the base tables
-- only (no part JSON), so time-spent analytics stay fast on large stores.
CREATE OR REPLACE VIEW timeline AS
SELECT (SELECT path FROM project ORDER BY time_created LIMIT 1) AS notebook, 'cell' AS kind, id,
       CAST(NULL AS VARCHAR) AS session_id, time_start,
       time_start + to_milliseconds(duration_ms) AS time_end, duration_ms, outcome
FROM activity
UNION ALL
SELECT (SELECT path FROM project ORDER BY time_created LIMIT 1) AS notebook,
       CASE WHEN role = 'user' THEN 'question' ELSE 'answer' END AS kind, id, session_id,
       time_created AS time_start, coalesce(time_completed, time_created) AS time_end,
       CAST(epoch_ms(coalesce(time_completed, time_created)) - epoch_ms(time_created) AS BIGINT) AS duration_ms,
       coalesce(error_name, 'ok') AS outcome
FROM message;

INSERT INTO buddy_migrations (name, applied_at) VALUES ('m003_analytics_views', TIMESTAMP '2025-01-01 00:00:00');
