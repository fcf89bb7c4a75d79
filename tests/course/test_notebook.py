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
