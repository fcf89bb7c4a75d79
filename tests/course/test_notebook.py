"""notebooks/instructor.ipynb runs under nbclient on a generated class, draws its charts, writes nothing tracked."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "instructor.ipynb"


def test_instructor_notebook_runs_and_draws(tmp_path):
    path = tmp_path / "instructor.ipynb"
    shutil.copy(NOTEBOOK, path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env={"JPY_SESSION_NAME": str(path), "MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    assert "40 learners shared a snapshot; 0 skipped" in "".join(o.get("text", "") for o in outputs)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".buddy") == ["instructor.ipynb"]


def test_a_kernel_writes_its_last_snapshot_when_it_shuts_down(tmp_path):
    import duckdb
    from nbformat.v4 import new_code_cell, new_notebook

    from tests.course.conftest import write_course

    course = tmp_path / "data-101"
    write_course(course, exchange=str(tmp_path / "exchange"))
    path = course / "lesson.ipynb"
    nb = new_notebook(cells=[new_code_cell("%load_ext buddy_jupyter"),
                             new_code_cell("%buddy share on --as kernel-learner"),
                             new_code_cell("{}['missing']"), new_code_cell("x = 1")])
    nbformat.write(nb, path)
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(course)}}).execute(
        env={"JPY_SESSION_NAME": str(path), "BUDDY_CONSENT_DIR": str(tmp_path / "consent"), "BUDDY_MODEL": "offline"})
    assert "sharing your progress" in "".join(o.get("text", "") for o in nb.cells[1].outputs)
    snapshot = tmp_path / "exchange" / "data-101" / "buddy" / "learner=kernel-learner" / "snapshot.parquet"
    kinds = duckdb.sql(f"SELECT error_kinds FROM read_parquet('{snapshot}') WHERE kind = 'study'").fetchall()
    assert any((row[0] or {}).get("KeyError") == 1 for row in kinds)  # run after share on: only the exit wrote it
