"""The ``buddy`` command: the same rows as the magics, text and machine-readable output, quick to start."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from buddy_jupyter.cli import main

from tests.interop import fixtures


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def course(tmp_path, new_store):
    """A folder with two notebooks' stores: one with imported llm history, one with an OpenCode session."""
    first = new_store("week1")
    fixtures.jupyter_chat(tmp_path / "help.chat")
    from buddy_jupyter.interop import import_path

    import_path(first, tmp_path / "help.chat")
    second = new_store("week2")
    import_path(second, fixtures.opencode_files(tmp_path / "oc"))
    first.close()
    second.close()
    return tmp_path


def test_help_starts_quickly():
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "buddy_jupyter", "--help"], capture_output=True, text=True, timeout=30)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0 and "sessions" in done.stdout and "import" in done.stdout
    assert elapsed < 10, f"buddy --help took {elapsed:.2f} s"  # no heavy import (below); the figure is a bench's
    heavy = subprocess.run([sys.executable, "-c", "import sys, buddy_jupyter.cli; "
                            "print(sorted(m for m in ('duckdb', 'pandas', 'pydantic', 'IPython') if m in sys.modules))"],
                           capture_output=True, text=True, timeout=30)
    assert heavy.stdout.strip() == "[]"


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "buddy"
    assert script.exists(), "reinstall: pip install -e '.[dev]'"


def test_sessions_of_a_folder_and_of_a_notebook(capsys, course):
    code, out, _ = run(capsys, "sessions", str(course))
    assert code == 0 and "help" in out and "Merging frames" in out and "notebook" in out.splitlines()[0]
    code, out, _ = run(capsys, "sessions", str(course / "week2" / "week2.ipynb"), "--format", "json")
    rows = json.loads(out)
    assert [r["title"] for r in rows] == ["Merging frames"] and rows[0]["messages"] == 2
    code, out, _ = run(capsys, "sessions", str(course / "week1"), "--format", "csv")
    assert next(csv.DictReader(io.StringIO(out)))["title"] == "help"


def test_the_same_rows_as_the_magic(course):
    from buddy_jupyter.analytics.sessions import session_rows, sessions
    from buddy_jupyter.store import Store

    store = Store(course / "week2" / ".buddy" / "week2.duckdb", read_only=True)
    frame = sessions(store)
    columns, rows = session_rows(store)
    store.close()
    assert list(frame.columns[:-1]) == columns and len(frame) == len(rows) == 1


def test_sql_history_status_memory(capsys, course):
    code, out, _ = run(capsys, "sql", "SELECT role, count(*) AS n FROM messages GROUP BY role ORDER BY role",
                       "--path", str(course), "--format", "json")
    assert json.loads(out) == [{"role": "assistant", "n": 2}, {"role": "user", "n": 3}]
    code, out, _ = run(capsys, "history", str(course / "week2" / "week2.ipynb"))
    assert out.startswith("# Merging frames") and "inner join" in out
    code, out, _ = run(capsys, "status", str(course))
    assert code == 0 and "v1.4.0" in out and "week1" in out
    code, out, _ = run(capsys, "memory", "read_csv", "--path", str(course), "--format", "json")
    assert any("read_csv" in row["snippet"] for row in json.loads(out))


def test_parquet_output_and_export(capsys, course, tmp_path):
    target = tmp_path / "out" / "sessions.parquet"
    target.parent.mkdir()
    code, out, _ = run(capsys, "sessions", str(course), "--format", "parquet", "-o", str(target))
    assert code == 0 and target.exists()
    import duckdb

    assert duckdb.sql(f"SELECT count(*) FROM '{target}'").fetchall()[0][0] == 2
    code, _, err = run(capsys, "sessions", str(course), "--format", "parquet", "-o", str(target))
    assert code == 2 and "exists" in err
    dataset = tmp_path / "dataset"
    code, out, _ = run(capsys, "parquet", str(dataset), "--path", str(course))
    assert code == 0 and (dataset / "messages").is_dir()
    code, _, err = run(capsys, "parquet", str(dataset), "--path", str(course))
    assert code == 1 and "--force" in err
    assert run(capsys, "parquet", str(dataset), "--path", str(course), "--force")[0] == 0
    notes = tmp_path / "out" / "notes.md"
    code, out, _ = run(capsys, "export", str(course / "week2" / "week2.ipynb"), "--to", str(notes))
    assert code == 0 and out.count("\n") == 1 and notes.read_text().startswith("# Merging frames")


def test_import_into_a_notebook(capsys, tmp_path):
    source = fixtures.jupyter_chat(tmp_path / "help.chat")
    code, out, _ = run(capsys, "import", str(source), "--into", str(tmp_path / "lesson.ipynb"))
    assert code == 0 and "3 message(s)" in out
    code, out, _ = run(capsys, "import", str(source), "--into", str(tmp_path / "lesson.ipynb"))
    assert "imported 0 message(s)" in out
    (tmp_path / "bad.json").write_text("{")
    code, _, err = run(capsys, "import", str(tmp_path / "bad.json"), "--into", str(tmp_path / "lesson.ipynb"))
    assert code == 1 and err.count("\n") == 1 and "not valid JSON" in err


def test_errors_are_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "history", str(tmp_path / "missing.ipynb"))
    assert code == 2 and err.startswith("buddy: error: no buddy history")
    code, out, err = run(capsys, "class", "--help")  # the course commands (another module), when installed
    from importlib.util import find_spec

    if find_spec("buddy_jupyter.course") is not None and find_spec("buddy_jupyter.course.cli") is not None:
        assert code == 0 and out
    else:
        assert code == 2 and err.count("\n") == 1 and "buddy class" in err
