"""Consent, snapshots in the exchange, withdrawing, and what a learner's process refuses."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import duckdb
import pytest
from IPython.core.error import UsageError

from buddy_jupyter.course import exchange, share
from buddy_jupyter.course.settings import course_settings
from buddy_jupyter.magics import kernel_buddy
from tests.analytics.timelines import T0, Script, open_store
from tests.course.conftest import write_notebook

SECRET_QUESTION = "zebraquestion why does my merge of sales drop rows"
SECRET_CODE = "quokka_code = sales.merge(prices)"
SECRET_OUTPUT = "platypus-output-line"


def dataset(course):
    return (course.parent / "exchange" / "data-101" / "buddy").resolve()


def read(path):
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}')").df()


def test_nothing_is_shared_without_consent(course, course_shell, model):
    course_shell.run_line_magic("buddy", "-m script:x hello")
    assert list((course.parent / "exchange").iterdir()) == []
    course_shell.run_line_magic("buddy", "share status")


def test_share_on_writes_an_owned_snapshot_and_status_says_so(course, course_shell, model, capsys):
    course_shell.run_line_magic("buddy", "-m script:x what is groupby?")
    course_shell.run_line_magic("buddy", "share on")
    out = capsys.readouterr().out
    assert "sharing your progress with the course data-101 as ana" in out
    folder = dataset(course) / "learner=ana"
    snapshot = folder / "snapshot.parquet"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750 and stat.S_IMODE(snapshot.stat().st_mode) == 0o640
    rows = read(snapshot)
    assert set(rows["kind"]) == {"study", "session"} and set(rows["notebook"]) == {"lesson"}
    assert rows["text"].isna().all() and set(rows["level"]) == {"progress"}
    course_shell.run_line_magic("buddy", "share status")
    assert "sharing progress as ana" in capsys.readouterr().out
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == ["snapshot.parquet"]


def test_progress_level_carries_no_text_code_or_output(course, course_shell, model):
    course_shell.run_cell(f"sales = 1\n{SECRET_CODE.split(' =')[0]} = 2\nprint('{SECRET_OUTPUT}')")
    model.answer(f"Here is {SECRET_OUTPUT} and {SECRET_CODE}")
    course_shell.run_line_magic("buddy", f"-m script:x {SECRET_QUESTION}")
    course_shell.run_line_magic("buddy", "share on --level progress")
    data = (dataset(course) / "learner=ana" / "snapshot.parquet").read_bytes()
    for secret in ("zebraquestion", "quokka_code", "platypus-output"):
        assert secret.encode() not in data
    # the same history at the conversations level does carry the text (the check above can fail)
    course_shell.run_line_magic("buddy", "share on --level conversations")
    rows = read(dataset(course) / "learner=ana" / "snapshot.parquet")
    assert SECRET_QUESTION in set(rows["text"]) and set(rows["level"]) == {"conversations"}
    # and going back to progress drops every message row again
    course_shell.run_line_magic("buddy", "share on --level progress")
    assert b"zebraquestion" not in (dataset(course) / "learner=ana" / "snapshot.parquet").read_bytes()


def test_share_off_keeps_files_and_delete_removes_them(course, course_shell, model, capsys):
    course_shell.run_line_magic("buddy", "-m script:x hi")
    course_shell.run_line_magic("buddy", "share on --as river-otter")
    folder = dataset(course) / "learner=river-otter"
    assert (folder / "snapshot.parquet").exists()
    course_shell.run_line_magic("buddy", "share off")
    assert "stays" in capsys.readouterr().out and (folder / "snapshot.parquet").exists()
    assert share.read_consent("data-101") is None
    course_shell.run_line_magic("buddy", "share on")  # the pseudonym is not kept after off
    course_shell.run_line_magic("buddy", "share off --delete")
    assert not (dataset(course) / "learner=ana").exists()
    with pytest.raises(UsageError, match="--delete goes with share off"):
        course_shell.run_line_magic("buddy", "share on --delete")


def test_consent_resumes_in_a_new_kernel_at_the_first_question(course, course_shell, model):
    kb = kernel_buddy(course_shell)
    course_shell.run_line_magic("buddy", "share on")
    share.stop_sharing(kb)  # as if the kernel restarted: consent stays on disk
    course_shell.run_line_magic("buddy", "-m script:x again")
    assert share.sharer_of(kb) is not None


def test_a_missing_exchange_is_not_created(course_shell, course):
    (course.parent / "exchange").rmdir()
    with pytest.raises(UsageError, match="exchange folder .* does not exist"):
        course_shell.run_line_magic("buddy", "share on")
    assert not (course.parent / "exchange").exists()


def test_no_course_and_no_hub_user(course_shell, course, monkeypatch, tmp_path):
    monkeypatch.delenv("JUPYTERHUB_USER")
    with pytest.raises(UsageError, match="choose a pseudonym"):
        course_shell.run_line_magic("buddy", "share on")
    with pytest.raises(UsageError, match="cannot be a learner id"):
        course_shell.run_line_magic("buddy", "share on --as ../bob")
    (course / "buddy-course.toml").unlink()
    with pytest.raises(UsageError, match="belongs to no course"):
        course_shell.run_line_magic("buddy", "share on --as x")


@pytest.fixture
def history(course):
    store = open_store(course, "lesson")
    script = Script(store)
    sid = script.session("merging", ["pandas: merge/join", "pandas: missing data"])
    script.turn(sid, SECRET_QUESTION, "use how='left'", T0)
    script.cells((T0 + timedelta(seconds=20), 500, "KeyError"), (T0 + timedelta(seconds=40), 500, "ok"),
                 (T0 + timedelta(seconds=60), 500, "KeyError"))
    yield store
    store.close()


def test_rows_split_time_over_topics_and_count_error_kinds(course, history):
    settings = course_settings(write_notebook(course / "lesson.ipynb"))
    consent = share.give_consent(settings, "progress")
    result = share.write_snapshot(history, settings, consent, notebook=course / "lesson.ipynb")
    study = read(result.path).query("kind == 'study'").set_index("topic")
    assert set(study.index) == {"pandas: merge/join", "pandas: missing data"}
    assert study["minutes"].sum() == pytest.approx(60.5 / 60)  # one minute of work, split, not doubled
    assert dict(study.loc["pandas: merge/join", "error_kinds"]) == {"KeyError": 2}
    assert study.loc["pandas: merge/join", "questions"] == 1 and study.loc["pandas: merge/join", "cells"] == 3


def test_a_snapshot_replaces_only_its_notebook_and_skips_when_unchanged(course, history, course_shell):
    settings = course_settings(write_notebook(course / "lesson.ipynb"))
    consent = share.give_consent(settings, "progress")
    other = open_store(course / "week2", "other")
    Script(other).cells((T0, 1000, "ok"))
    share.write_snapshot(other, course_settings(write_notebook(course / "week2" / "other.ipynb")), consent,
                         notebook=course / "week2" / "other.ipynb")
    other.close()
    result = share.write_snapshot(history, settings, consent, notebook=course / "lesson.ipynb")
    assert set(read(result.path)["notebook"]) == {"lesson", "week2/other"}
    sharer = share.Sharer(kernel_buddy(course_shell), settings, consent)
    assert sharer.write() is not None and sharer.write() is None  # nothing changed since
    course_shell.run_line_magic("buddy", "share on")


def test_refuses_a_folder_someone_else_owns(course, history):
    if os.getuid() != 0:
        pytest.skip("needs root to give a folder to another user")
    settings = course_settings(write_notebook(course / "lesson.ipynb"))
    consent = share.give_consent(settings, "progress", "bob")
    folder = dataset(course) / "learner=bob"
    folder.mkdir(parents=True)
    os.chown(folder, 4242, 4242)
    with pytest.raises(exchange.ExchangeRefused, match="belongs to user id 4242, not you") as raised:
        share.write_snapshot(history, settings, consent, notebook=course / "lesson.ipynb")
    assert "\n" not in str(raised.value) and list(folder.iterdir()) == []
    with pytest.raises(exchange.ExchangeRefused):
        exchange.remove_learner(dataset(course), "bob")


def test_refuses_a_symlinked_learner_folder(course, history, tmp_path):
    settings = course_settings(write_notebook(course / "lesson.ipynb"))
    consent = share.give_consent(settings, "progress")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dataset(course).mkdir(parents=True)
    (dataset(course) / "learner=ana").symlink_to(elsewhere)
    with pytest.raises(exchange.ExchangeRefused, match="not a plain folder"):
        share.write_snapshot(history, settings, consent, notebook=course / "lesson.ipynb")
    assert list(elsewhere.iterdir()) == []


def test_the_exit_hook_writes_the_last_snapshot(course, course_shell, model):
    kb = kernel_buddy(course_shell)
    course_shell.run_line_magic("buddy", "share on")
    before = (dataset(course) / "learner=ana" / "snapshot.parquet").stat().st_mtime_ns
    course_shell.run_line_magic("buddy", "-m script:x one more")
    share.sharer_of(kb).at_exit()
    after = dataset(course) / "learner=ana" / "snapshot.parquet"
    assert after.stat().st_mtime_ns > before
    assert read(after).query("kind == 'session'")["questions"].sum() == 1


def test_the_background_writer_follows_changes(course, course_shell, model):
    import time

    from tests.course.conftest import write_course

    write_course(course, extra="")
    (course / "buddy-course.toml").write_text((course / "buddy-course.toml").read_text().replace(
        "share_interval = 300", "share_interval = 0.2"))
    course_shell.run_line_magic("buddy", "share on")
    snapshot = dataset(course) / "learner=ana" / "snapshot.parquet"
    course_shell.run_line_magic("buddy", "-m script:x a new question")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if read(snapshot).query("kind == 'session'")["questions"].sum() == 1:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the background writer did not write the new question")


def test_withdrawing_stops_the_other_kernels_and_delete_works_after_off(course, course_shell, model, history):
    settings = course_settings(course / "lesson.ipynb")
    course_shell.run_line_magic("buddy", "share on")
    other_kernel = share.Sharer(kernel_buddy(course_shell), settings, share.read_consent("data-101"))
    course_shell.run_line_magic("buddy", "share off")
    course_shell.run_line_magic("buddy", "share off --delete")  # consent already gone: the hub user's folder
    assert not (dataset(course) / "learner=ana").exists()
    assert other_kernel.write(force=True) is None  # a kernel still running notices and writes nothing
    assert not (dataset(course) / "learner=ana").exists()
