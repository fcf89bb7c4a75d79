"""The activity recorder on a real IPython shell running cells."""

from __future__ import annotations

import time

import pytest
from IPython.core.interactiveshell import InteractiveShell

from buddy_jupyter.analytics import sql
from buddy_jupyter.activity import ActivityRecorder
from buddy_jupyter.config import Buddy
from buddy_jupyter.state import KernelBuddy

MARKER = "secret_code_marker_4711"


@pytest.fixture
def shell():
    return InteractiveShell.instance()


@pytest.fixture
def kb(tmp_path):
    kb = KernelBuddy(Buddy(idle_release=0.05), user_ns={"__session__": str(tmp_path / "lab.ipynb")})
    yield kb
    kb.close()


@pytest.fixture
def recorder(kb, shell):
    recorder = ActivityRecorder(kb, flush_interval=3600)
    recorder.register(shell)
    yield recorder
    recorder.unregister(shell)


def run(shell, code: str):
    return shell.run_cell(code, store_history=True, silent=False)


def test_cells_are_recorded_with_time_duration_and_outcome_but_no_code(shell, kb, recorder, capsys):
    run(shell, f"{MARKER} = 41 + 1")
    run(shell, f"import time; time.sleep(0.05); {MARKER}")
    run(shell, "1 / 0")
    run(shell, "def broken(:")
    run(shell, f"print({MARKER})")
    assert recorder.pending == 5 and recorder.flush() == 5
    frame = sql("SELECT * FROM activity ORDER BY time_start, execution_count", store=kb.store)
    assert frame["outcome"].tolist() == ["ok", "ok", "ZeroDivisionError", "SyntaxError", "ok"]
    assert frame["duration_ms"][1] >= 50
    assert frame["execution_count"].is_monotonic_increasing
    assert (frame["time_start"].diff().dropna() >= __import__("pandas").Timedelta(0)).all()
    kb.store.close()
    stored = kb.store_path.read_bytes() + (kb.store_path.with_name(kb.store_path.name + ".wal").read_bytes()
                                           if kb.store_path.with_name(kb.store_path.name + ".wal").exists() else b"")
    assert MARKER.encode() not in stored  # no code, no output
    assert set(frame.columns) == {"id", "time_start", "duration_ms", "outcome", "execution_count", "cell_id"}


def test_activity_off_records_nothing(shell, kb, recorder):
    kb.config.activity = False
    run(shell, "x = 1")
    run(shell, "1 / 0")
    assert recorder.pending == 0 and recorder.flush() == 0
    kb.config.activity = True
    run(shell, "x = 2")
    assert recorder.flush() == 1


def test_rows_are_written_in_the_background_and_at_unregister(shell, kb):
    recorder = ActivityRecorder(kb, flush_interval=0.1)
    recorder.register(shell)
    try:
        run(shell, "y = 1")
        deadline = time.monotonic() + 5
        while recorder.flushed < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert recorder.flushed == 1
        recorder.flush_interval = 3600
        run(shell, "y = 2")
    finally:
        recorder.unregister(shell)
    assert recorder.flushed == 2
    assert sql("SELECT count(*) AS n FROM activity", store=kb.store)["n"].tolist() == [2]
    run(shell, "y = 3")  # unregistered: not followed any more
    assert recorder.pending == 0


def test_the_hooks_cost_the_cell_almost_nothing(kb):
    recorder = ActivityRecorder(kb)
    started = time.perf_counter()
    for _ in range(2000):
        recorder.pre_run_cell(None)
        recorder.post_run_cell(None)
    per_cell = (time.perf_counter() - started) / 2000
    assert per_cell < 0.0005, f"{per_cell * 1e6:.0f} µs per cell"
    assert recorder.pending == 2000


def test_rows_stay_buffered_while_the_store_cannot_be_written(kb, monkeypatch):
    recorder = ActivityRecorder(kb)
    recorder.pre_run_cell(None)
    recorder.post_run_cell(None)

    def refuse(*args, **kwargs):
        raise OSError("disk unavailable")

    monkeypatch.setattr("buddy_jupyter.store.records.record_activity", refuse)
    assert recorder.flush() == 0 and recorder.pending == 1
    monkeypatch.undo()
    assert recorder.flush() == 1 and recorder.pending == 0
