"""The instructor's view over a generated class: DuckDB and pyarrow read the same dataset; hostile files are skipped."""

from __future__ import annotations

import json
import os
import warnings
from datetime import datetime

import pytest

from buddy_jupyter.course import instructor
from buddy_jupyter.course.sample import generate_class
from tests.course.conftest import write_course


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    return generate_class(tmp_path_factory.mktemp("exchange") / "data-101" / "buddy", learners=12, notebooks=6)


def test_pyarrow_dataset_reads_the_layout_unchanged(klass):
    import pyarrow.dataset as ds

    import duckdb

    table = ds.dataset(klass, format="parquet", partitioning="hive").to_table()
    by_duckdb = duckdb.sql(f"SELECT count(*), count(DISTINCT learner) FROM read_parquet('{klass}/*/*.parquet', "
                           "hive_partitioning = true)").fetchall()[0]
    assert (table.num_rows, len(set(table.column("learner").to_pylist()))) == by_duckdb
    assert by_duckdb[1] == 12
    assert set(table.column("kind").to_pylist()) == {"study", "session"}
    assert {"learner", "error_kinds", "minutes", "day"} <= set(table.schema.names)


def test_overview_and_views(klass):
    overview = instructor.weekly_overview(klass)
    assert list(overview.columns) == ["learner", "week", "minutes", "questions", "cells", "errors", "notebooks", "days"]
    assert overview["learner"].nunique() == 12 and (overview["minutes"] > 0).all()
    assert all(day.weekday() == 0 for day in overview["week"])
    topics = instructor.struggles(klass)
    assert "pandas: merge/join" in list(topics["topic"][:2])  # the generated class struggles there
    errors = instructor.error_kinds(klass)
    assert {"KeyError", "NameError"} <= set(errors["error"]) and errors["count"].is_monotonic_decreasing
    idle = instructor.inactive(klass, days=14, now=datetime(2026, 11, 30))
    assert set(idle.columns) == {"learner", "last_active", "days_inactive"} and (idle["days_inactive"] >= 14).all()
    plan = instructor.curriculum(klass, ["python basics", "pandas groupby", "web scraping"])
    assert len(plan) == 12 * 3 and set(plan[plan["topic"] == "web scraping"]["status"]) == {"not started"}
    assert "practised" in set(plan["status"])
    assert len(instructor.learners(klass)) == 12


def test_hostile_snapshots_are_skipped_with_a_warning_naming_them(tmp_path):
    dataset = generate_class(tmp_path / "buddy", learners=3, notebooks=2)
    good = instructor.weekly_overview(dataset)["learner"].nunique()
    (dataset / "learner=wrong").mkdir()
    import duckdb

    duckdb.sql(f"COPY (SELECT 1 AS a, 'x' AS kind) TO '{dataset / 'learner=wrong' / 'snapshot.parquet'}' (FORMAT parquet)")
    (dataset / "learner=junk").mkdir()
    (dataset / "learner=junk" / "snapshot.parquet").write_bytes(b"PAR1 not really")
    (dataset / "learner=linkfile").mkdir()
    (dataset / "learner=linkfile" / "snapshot.parquet").symlink_to(dataset / "learner=learner0000" / "snapshot.parquet")
    (dataset / "learner=linkdir").symlink_to(dataset / "learner=learner0001")
    (dataset / "learner=big").mkdir()
    (dataset / "learner=learner0002" / "extra.parquet").write_bytes(b"x")
    with open(dataset / "learner=big" / "snapshot.parquet", "wb") as handle:
        handle.truncate(3 * 2**20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = instructor.open_class(dataset, max_bytes=2**20)
        overview = instructor.weekly_overview(data)
        data.close()
    messages = [str(w.message) for w in caught if issubclass(w.category, instructor.CourseWarning)]
    for name, why in [("learner=wrong", "other columns"), ("learner=junk", "not a Parquet file"),
                      ("learner=linkfile", "symlink"), ("learner=linkdir", "symlink"), ("learner=big", "limit"),
                      ("extra.parquet", "unexpected file")]:
        assert any(name in m and why in m for m in messages), (name, messages)
    assert overview["learner"].nunique() == good


def test_an_empty_exchange_gives_empty_frames(tmp_path):
    assert instructor.weekly_overview(tmp_path / "nothing").empty
    assert instructor.struggles(tmp_path / "nothing").empty


def test_cli_reads_the_course_file(tmp_path, capsys, monkeypatch):
    from buddy_jupyter.course.cli import main

    write_course(tmp_path / "data-101")
    generate_class(tmp_path / "exchange" / "data-101" / "buddy", learners=3, notebooks=2)
    monkeypatch.chdir(tmp_path / "data-101")
    assert main(["topics", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"topic", "learners", "questions", "errors"} <= set(rows[0])
    assert main(["curriculum"]) == 0
    assert "pandas groupby" in capsys.readouterr().out
    assert main(["overview", "--course", str(tmp_path / "nowhere")]) == 2
    assert "no such course" in capsys.readouterr().err


def test_top_level_buddy_dispatches_class(tmp_path, capsys):
    from buddy_jupyter.cli import main

    generate_class(tmp_path / "buddy", learners=2, notebooks=1)
    assert main(["class", "learners", "--course", str(tmp_path / "buddy")]) == 0
    assert "learner0001" in capsys.readouterr().out


def test_a_checked_file_replaced_in_place_is_checked_again(tmp_path):
    dataset = generate_class(tmp_path / "buddy", learners=2, notebooks=1)
    assert instructor.weekly_overview(dataset)["learner"].nunique() == 2  # both checked and remembered
    snapshot = dataset / "learner=learner0001" / "snapshot.parquet"
    before = snapshot.stat()
    with open(snapshot, "r+b") as handle:  # same inode, same size, mtime put back
        handle.write(b"\0" * before.st_size)
    os.utime(snapshot, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.warns(instructor.CourseWarning, match="learner=learner0001.*not a Parquet file"):
        assert list(instructor.weekly_overview(dataset)["learner"].unique()) == ["learner0000"]


def test_a_learner_withdrawing_between_listing_and_reading_drops_out_quietly(tmp_path):
    klass = generate_class(tmp_path / "exchange" / "data-101" / "buddy", learners=3, notebooks=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # withdrawing is not a bad snapshot: no warning
        data = instructor.open_class(klass)
        try:
            gone = sorted(data.files)[0]
            data.files[gone].unlink()  # %buddy share off --delete, while the view is open
            overview = data.sql("SELECT DISTINCT learner FROM snapshots ORDER BY learner")
        finally:
            data.close()
    assert gone not in set(overview["learner"]) and len(overview) == 2
