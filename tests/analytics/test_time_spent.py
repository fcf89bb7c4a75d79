"""Time spent, study sessions, topics and progress on scripted timelines with known answers."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pandas as pd
import pytest

from buddy_jupyter.analytics import curriculum_status, progress, study_sessions, time_spent
from buddy_jupyter.errors import InvalidInput
from buddy_jupyter.store import records
from .timelines import T0

D2 = T0 + timedelta(days=1)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


@pytest.fixture
def timeline(course):
    """Notebook ``lesson``: three study sessions over two days (390 s, 123 s, 280 s).

    Day 1: a groupby question at 09:00:00 answered by 09:00:20, cells at 09:01 (2 s),
    09:03 (1 s, KeyError), 09:05 (5 s), a second question at 09:06:00 answered by
    09:06:30 -> 390 s; then 13.5 min idle; a plotting question at 09:20 (10 s) and a
    failing cell at 09:22 (3 s) -> 123 s. Day 2: cells at 10:00 and 10:04 (1 s each)
    before any question, then a groupby question at 10:04:30 answered by 10:04:40 -> 280 s.
    """
    store, script = course("lesson")
    groupby = script.session("groupby", ["pandas: groupby"])
    plots = script.session("plots", ["plotting"])
    script.turn(groupby, "How do I group by city?", "Use df.groupby('city').", T0, seconds=20)
    script.cells((T0 + s(60), 2000, "ok"), (T0 + s(180), 1000, "KeyError"), (T0 + s(300), 5000, "ok"))
    script.turn(groupby, "And the mean per group?", "Add .mean().", T0 + s(360), seconds=30)
    script.turn(plots, "How do I draw a histogram?", "plt.hist(values)", T0 + s(1200), seconds=10)
    script.cells((T0 + s(1320), 3000, "ValueError"))
    script.cells((D2 + s(60 * 60), 1000, "ok"), (D2 + s(64 * 60), 1000, "ok"))
    script.turn(groupby, "Group by two columns?", "Pass a list.", D2 + s(64 * 60 + 30), seconds=10)
    return store, {"groupby": groupby, "plots": plots}


def by(frame, key):
    """{group: active seconds}; days come back as pandas Timestamps, compared as dates; NULL as None."""
    keys = [None if pd.isna(k) else k.date() if key in ("day", "week") else k for k in frame[key]]
    return dict(zip(keys, frame["active_seconds"]))


def test_active_time_per_day_sums_event_spans_and_splits_at_idle_gaps(timeline):
    store, _ = timeline
    days = time_spent(store, by="day", tz="UTC")
    assert by(days, "day") == {date(2024, 3, 4): 513.0, date(2024, 3, 5): 280.0}
    row = days.iloc[0]
    assert (row.study_sessions, row.questions, row.cells, row.errors) == (2, 3, 4, 2)
    assert days["minutes"].tolist() == pytest.approx([513 / 60, 280 / 60])


def test_study_sessions_are_the_clusters(timeline):
    store, _ = timeline
    studies = study_sessions(store, tz="UTC")
    assert studies["active_seconds"].tolist() == [390.0, 123.0, 280.0]
    assert str(studies["start"][2]) == "2024-03-05 10:00:00"
    assert str(studies["end"][2]) == "2024-03-05 10:04:40"
    merged = study_sessions(store, tz="UTC", idle_threshold=1000)
    assert merged["active_seconds"].tolist() == [1323.0, 280.0]


def test_week_notebook_session_and_topic_groupings_add_up(timeline):
    store, sessions = timeline
    assert by(time_spent(store, by="week", tz="UTC"), "week") == {date(2024, 3, 4): 793.0}
    notebooks = time_spent(store, by="notebook", tz="UTC")
    assert notebooks["notebook"].tolist() == [store.notebook]
    per_session = by(time_spent(store, by="session", tz="UTC"), "session_id")
    # The day-2 cells ran before any question: they belong to no conversation.
    assert per_session == {sessions["groupby"]: 429.0, sessions["plots"]: 123.0, None: 241.0}
    assert by(time_spent(store, by="topic", tz="UTC"), "topic") == {
        "pandas: groupby": 429.0, "plotting": 123.0, "(untagged)": 241.0}


def test_days_follow_the_local_time_zone(timeline):
    store, _ = timeline
    # UTC+14: day 1 (09:00-09:22 UTC) is 23:00-23:22 local, day 2 (10:00 UTC) is past midnight.
    days = time_spent(store, by="day", tz="Pacific/Kiritimati")
    assert by(days, "day") == {date(2024, 3, 4): 513.0, date(2024, 3, 6): 280.0}
    assert str(days["first"][0]) == "2024-03-04 23:00:00"
    with pytest.raises(InvalidInput, match="time zone"):
        time_spent(store, tz="Mars/Olympus_Mons")


def test_progress_per_topic(timeline):
    store, _ = timeline
    table = progress(store, tz="UTC").set_index("topic")
    groupby = table.loc["pandas: groupby"]
    assert (groupby.sessions, groupby.questions, groupby.errors) == (1, 3, 1)
    assert groupby.minutes == pytest.approx(429 / 60)
    assert str(groupby.first_studied) == "2024-03-04 09:00:00"
    assert str(groupby.last_studied) == "2024-03-05 10:04:40"
    plotting = table.loc["plotting"]
    assert (plotting.sessions, plotting.questions, plotting.errors, plotting.minutes) == (1, 1, 1, pytest.approx(123 / 60))


def test_curriculum_status(timeline):
    store, _ = timeline
    records.set_curriculum(store, ["pandas groupby", ("plotting", "histograms"), "numpy"])
    status = curriculum_status(store, tz="UTC")
    assert status["topic"].tolist() == ["pandas groupby", "plotting", "numpy"]
    assert status["status"].tolist() == ["started", "started", "not started"]
    assert status["matches"][0] == "pandas: groupby"
    assert status["goal"][1] == "histograms"
    assert status["sessions"].tolist() == [1, 1, 0]


def test_all_notebooks_never_count_overlapping_time_twice(timeline, course):
    store, sessions = timeline
    other, script = course("numpy_intro", folder="week2")
    arrays = script.session("arrays", ["numpy"], source="auto")
    # Inside lesson's day-2 study session: 10:02:00-10:02:30.
    script.turn(arrays, "What is broadcasting?", "Shapes are stretched.", D2 + s(62 * 60), seconds=30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no store may be skipped here
        notebooks = time_spent(store, root=course.root, by="notebook", tz="UTC")
        days = time_spent(store, root=course.root, by="day", tz="UTC")
        per_session = by(time_spent(store, root=course.root, by="session", tz="UTC"), "session_id")
    assert by(notebooks, "notebook") == {store.notebook: 644.0, other.notebook: 149.0}
    assert by(days, "day") == {date(2024, 3, 4): 513.0, date(2024, 3, 5): 280.0}
    assert per_session == {sessions["groupby"]: 429.0, sessions["plots"]: 123.0, arrays: 149.0, None: 92.0}
    topics = progress(store, root=course.root, tz="UTC").set_index("topic")
    assert topics.loc["numpy", "minutes"] == pytest.approx(149 / 60)


def test_empty_store_and_bad_arguments(course):
    store, _ = course("empty")
    assert time_spent(store, tz="UTC").empty
    assert study_sessions(store).empty
    assert progress(store).empty
    with pytest.raises(InvalidInput):
        time_spent(store, by="month")
    with pytest.raises(InvalidInput):
        time_spent(store, idle_threshold=-1)
    with pytest.raises(InvalidInput):
        time_spent()
