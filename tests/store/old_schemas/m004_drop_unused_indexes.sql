-- Frozen copy of migration m004_drop_unused_indexes as released (buddy_jupyter 0.1.0).
-- Never edit: tests/store/test_migrations.py builds "a store at this migration" from this file,
-- and checks that the migration in the package still produces exactly this schema.
DROP INDEX IF EXISTS message_by_session; DROP INDEX IF EXISTS part_by_session; DROP INDEX IF EXISTS part_by_message;

INSERT INTO buddy_migrations (name, applied_at) VALUES ('m004_drop_unused_indexes', TIMESTAMP '2025-01-01 00:00:00');
