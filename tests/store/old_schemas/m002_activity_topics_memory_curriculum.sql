-- Frozen copy of migration m002_activity_topics_memory_curriculum as released (buddy_jupyter 0.1.0).
-- Never edit: tests/store/test_migrations.py builds "a store at this migration" from this file,
-- and checks that the migration in the package still produces exactly this schema.
CREATE TABLE activity (
    id VARCHAR NOT NULL,
    time_start TIMESTAMP NOT NULL,
    duration_ms BIGINT NOT NULL,
    outcome VARCHAR NOT NULL,
    execution_count INTEGER,
    cell_id VARCHAR
);
CREATE TABLE session_topic (
    session_id VARCHAR NOT NULL,
    topic VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    time_created TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, topic)
);
CREATE TABLE memory (
    id VARCHAR PRIMARY KEY,
    text VARCHAR NOT NULL,
    time_created TIMESTAMP NOT NULL,
    time_deleted TIMESTAMP
);
CREATE TABLE curriculum (
    position INTEGER NOT NULL,
    topic VARCHAR NOT NULL,
    goal VARCHAR NOT NULL DEFAULT '',
    time_created TIMESTAMP NOT NULL
);

INSERT INTO buddy_migrations (name, applied_at) VALUES ('m002_activity_topics_memory_curriculum', TIMESTAMP '2025-01-01 00:00:00');
