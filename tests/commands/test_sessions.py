"""The history subcommands of %buddy on a real shell and real stores."""

from __future__ import annotations

import pandas as pd
from IPython.core.error import UsageError

from buddy_jupyter.magics import kernel_buddy
from buddy_jupyter.store import Store


def test_sql_over_this_notebook_and_the_folder(shell, tmp_path):
    shell.run_cell("%buddy What is a KeyError?")
    other = Store(tmp_path / ".buddy" / "other.duckdb", notebook=str(tmp_path / "other.ipynb"), idle_release=0.1)
    other.create_session("elsewhere")
    other.close()
    frame = shell.run_cell("%buddy sql SELECT role, count(*) AS n FROM messages GROUP BY role ORDER BY role").result
    assert isinstance(frame, pd.DataFrame) and frame.to_dict("list") == {"role": ["assistant", "user"], "n": [1, 1]}
    every = shell.run_cell("%buddy sql --all SELECT notebook, count(*) AS n FROM session GROUP BY notebook ORDER BY notebook").result
    assert len(every) == 2 and every["n"].tolist() == [1, 1]
    cell = shell.run_cell("%%buddy sql\nSELECT count(*) AS questions\nFROM messages WHERE role = 'user'").result
    assert cell["questions"].tolist() == [1]


def test_bad_sql_is_one_line_and_changes_nothing(shell):
    shell.run_cell("%buddy hello")
    result = shell.run_cell("%buddy sql SELEC nonsense")
    assert isinstance(result.error_in_exec, UsageError)
    assert kernel_buddy(shell).store.count_sessions() == 1


def test_topics_memory_and_progress(shell, capsys):
    shell.run_cell("%buddy How do I use pandas groupby to aggregate?")
    shell.run_cell("%buddy topic statistics, my own topic")
    out = capsys.readouterr().out
    assert "statistics (learner)" in out and "my own topic (learner)" in out
    found = shell.run_cell("%buddy memory groupby").result
    assert found.iloc[0]["session_title"].startswith("How do I use pandas groupby")
    report = shell.run_cell("%buddy progress").result
    html = report._repr_html_()
    assert "statistics" in html


def test_remember_forget_profile_curriculum(shell, capsys):
    shell.run_cell("%buddy remember My goal is to pass the data analyst exam")
    memory_id = capsys.readouterr().out.split("(")[1].rstrip(")\n")
    profile = shell.run_cell("%buddy profile --rebuild").result
    assert "data analyst exam" in profile.data
    shell.run_cell(f"%buddy forget {memory_id}")
    assert "data analyst exam" not in shell.run_cell("%buddy profile --rebuild").result.data
    status = shell.run_cell("%buddy curriculum pandas groupby: aggregate by key; plotting: label axes").result
    assert status["topic"].tolist()[:2] == ["pandas groupby", "plotting"]


def test_parquet_export_of_the_folder(shell, tmp_path):
    shell.run_cell("%buddy What is a NameError?")
    path = shell.run_cell(f"%buddy parquet {tmp_path / 'export'}").result
    import duckdb

    rows = duckdb.sql(f"SELECT notebook, count(*) FROM read_parquet('{path}/messages/**/*.parquet', "
                      "hive_partitioning = true) GROUP BY notebook").fetchall()
    assert rows == [("lesson", 2)]
