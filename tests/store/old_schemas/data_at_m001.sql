-- A conversation as buddy_jupyter 0.1.0 (schema m001) wrote it. Never edit: the migration
-- tests load it into a store at m001 and check every later schema keeps it whole.
INSERT INTO project VALUES ('prj_0001jx0000000000000000', '/course/lesson.ipynb',
    TIMESTAMP '2025-01-01 09:00:00', TIMESTAMP '2025-01-01 09:00:00', NULL);
INSERT INTO session VALUES
    ('ses_0001jx0000000100000000', 'prj_0001jx0000000000000000', NULL, 'Why does merge drop rows?',
     TIMESTAMP '2025-01-01 09:00:01', TIMESTAMP '2025-01-01 09:00:09', NULL, 2, 120, 45, 0.0012, NULL),
    ('ses_0001jx0000000200000000', 'prj_0001jx0000000000000000', 'ses_0001jx0000000100000000', 'Old fork',
     TIMESTAMP '2025-01-01 09:00:02', TIMESTAMP '2025-01-01 09:00:03', TIMESTAMP '2025-01-02 10:00:00', 0, 0, 0, 0, NULL);
INSERT INTO message VALUES
    ('msg_0001jx0000000300000000', 'ses_0001jx0000000100000000', 1, 'user',
     TIMESTAMP '2025-01-01 09:00:04', TIMESTAMP '2025-01-01 09:00:04', TIMESTAMP '2025-01-01 09:00:04',
     'offline', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     '{"role":"user","time_created":"2025-01-01T09:00:04","model":"offline","agent":"buddy","system":null,"context":{"cell_id":"c-7","execution_count":3}}'),
    ('msg_0001jx0000000400000000', 'ses_0001jx0000000100000000', 2, 'assistant',
     TIMESTAMP '2025-01-01 09:00:05', TIMESTAMP '2025-01-01 09:00:09', TIMESTAMP '2025-01-01 09:00:09',
     'offline', 'offline', 120, 45, 0, 0, 0, 0.0012, 'stop', NULL,
     '{"role":"assistant","time_created":"2025-01-01T09:00:05","parent_id":"msg_0001jx0000000300000000","time_completed":"2025-01-01T09:00:09","model_id":"offline","provider_id":"offline","tokens":{"input":120,"output":45,"reasoning":0,"cache":{"read":0,"write":0}},"cost":0.0012,"finish":"stop","error":null}');
INSERT INTO part VALUES
    ('prt_0001jx0000000500000000', 'ses_0001jx0000000100000000', 'msg_0001jx0000000300000000', 1, 'text',
     TIMESTAMP '2025-01-01 09:00:04', TIMESTAMP '2025-01-01 09:00:04',
     '{"type":"text","text":"Why does my merge drop rows? ''); DROP TABLE message; --","synthetic":false,"ignored":false,"time":null}'),
    ('prt_0001jx0000000600000000', 'ses_0001jx0000000100000000', 'msg_0001jx0000000400000000', 1, 'tool',
     TIMESTAMP '2025-01-01 09:00:06', TIMESTAMP '2025-01-01 09:00:07',
     '{"type":"tool","call_id":"call_1","tool":"read_variable","state":{"status":"completed","input":{"name":"df"},"output":"3 rows","title":"df","time":{"start":1735722006000,"end":1735722007000}}}'),
    ('prt_0001jx0000000700000000', 'ses_0001jx0000000100000000', 'msg_0001jx0000000400000000', 2, 'text',
     TIMESTAMP '2025-01-01 09:00:07', TIMESTAMP '2025-01-01 09:00:09',
     '{"type":"text","text":"An inner join keeps only keys found in both frames. 🐼","time":{"start":1735722007000,"end":1735722009000}}'),
    ('prt_0001jx0000000800000000', 'ses_0001jx0000000100000000', 'msg_0001jx0000000400000000', 3, 'step-finish',
     TIMESTAMP '2025-01-01 09:00:09', TIMESTAMP '2025-01-01 09:00:09',
     '{"type":"step-finish","reason":"stop","tokens":{"input":120,"output":45},"cost":0.0012}');
