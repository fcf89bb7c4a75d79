"""In a real ipykernel (cells are files under /tmp/ipykernel_*): the notebook's errors, a warning,
and a name defined in a cell of the notebook that has not run since the kernel started."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tests.test_kernels import execute, outputs_text


def failing(source: str):
    return new_code_cell(source, metadata={"tags": ["raises-exception"]})


def test_explain_in_a_real_kernel(tmp_path):
    path = tmp_path / "lesson.ipynb"
    cells = [
        new_code_cell("import pandas as pd\ndf = pd.DataFrame({'Score': [90, 75], 'age': [20, 30]})"),
        failing("df['score'].mean()"), new_code_cell("%buddy explain"),
        new_code_cell("df[df.age > 20]['Score'] = 0"), new_code_cell("%buddy explain"),
        failing("print(limit)"), new_code_cell("%buddy explain"),
        failing("for i in range(3)\n    print(i)"), new_code_cell("%buddy explain"),
        new_code_cell("open('Grades.csv', 'w').close()"), failing("open('grades.csv')"), new_code_cell("%buddy explain"),
        new_code_cell("limit = 10"),  # below: never run before the cell that needs it
    ]
    nbformat.write(new_notebook(cells=cells), path)
    nb = execute(path)
    column, warning, later, syntax, missing = (outputs_text(nb.cells[i]) for i in (2, 4, 6, 8, 11))
    assert "for i in range(3):" in syntax
    assert "open('Grades.csv')" in missing
    assert "df['Score'].mean()" in column and "'Score'" in column
    assert "df.loc[df.age > 20, 'Score'] = 0" in warning
    assert "limit = 10" in later
