-- Frozen copy of migration m001_conversation_tables as released (buddy_jupyter 0.1.0).
-- Never edit: tests/store/test_migrations.py builds "a store at m001" from this file,
-- and checks that the migration in the package still produces exactly this schema.
CREATE TABLE project (
    id VARCHAR PRIMARY KEY,
    path VARCHAR NOT NULL,
    time_created TIMESTAMP NOT NULL,
    time_updated TIMESTAMP NOT NULL,
    data JSON
);
CREATE TABLE session (
    id VARCHAR PRIMARY KEY,
    project_id VARCHAR NOT NULL,
    parent_id VARCHAR,
    title VARCHAR NOT NULL DEFAULT '',
    time_created TIMESTAMP NOT NULL,
    time_updated TIMESTAMP NOT NULL,
    time_archived TIMESTAMP,
    message_count INTEGER NOT NULL DEFAULT 0,
    tokens_input BIGINT NOT NULL DEFAULT 0,
    tokens_output BIGINT NOT NULL DEFAULT 0,
    cost DOUBLE NOT NULL DEFAULT 0,
    data JSON
);
CREATE TABLE message (
    id VARCHAR PRIMARY KEY,
    session_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    role VARCHAR NOT NULL,
    time_created TIMESTAMP NOT NULL,
    time_updated TIMESTAMP NOT NULL,
    time_completed TIMESTAMP,
    model_id VARCHAR,
    provider_id VARCHAR,
    tokens_input BIGINT,
    tokens_output BIGINT,
    tokens_reasoning BIGINT,
    tokens_cache_read BIGINT,
    tokens_cache_write BIGINT,
    cost DOUBLE,
    finish VARCHAR,
    error_name VARCHAR,
    data JSON NOT NULL
);
CREATE TABLE part (
    id VARCHAR PRIMARY KEY,
    session_id VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    type VARCHAR NOT NULL,
    time_created TIMESTAMP NOT NULL,
    time_updated TIMESTAMP NOT NULL,
    data JSON NOT NULL
);
CREATE INDEX message_by_session ON message (session_id, time_created, id);
CREATE INDEX part_by_session ON part (session_id, time_created, id);
CREATE INDEX part_by_message ON part (message_id, id);

CREATE TABLE IF NOT EXISTS buddy_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
INSERT INTO buddy_migrations (name, applied_at) VALUES ('m001_conversation_tables', TIMESTAMP '2025-01-01 00:00:00');
