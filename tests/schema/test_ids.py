"""Ids sort by creation and never wrap: an id carries its row's creation time, so sorting by id sorts by time."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import UserMessage

KINDS = tuple(ids.PREFIXES)
FAR = [datetime(2026, 8, 14), datetime(2038, 1, 19, 3, 14, 8), datetime(2500, 1, 1),
       datetime(9999, 12, 31, 23, 59, 59, 999999)]


def us_of(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)


@pytest.mark.parametrize("moment", FAR, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_far_future_times_survive_the_id(kind, moment):
    an_id = ids.make_id(kind, us_of(moment))
    assert ids.time_of(an_id) == ids.from_us(us_of(moment)) == moment
    assert an_id.startswith(ids.PREFIXES[kind] + "_")
    # the store accepts it, and it sorts after an id made today
    assert len(an_id) <= 64 and an_id.replace("_", "").isalnum()
    assert an_id > ids.make_id(kind, us_of(datetime(2025, 1, 1)))


def test_the_time_field_has_room_beyond_the_last_datetime():
    last = us_of(datetime.max)
    assert last < 32 ** ids._TIME_DIGITS
    assert ids.time_of(ids.make_id("message", last)) == datetime.max


@settings(max_examples=300, deadline=None)
@given(a=st.integers(0, us_of(datetime.max)), b=st.integers(0, us_of(datetime.max)))
def test_id_order_is_time_order(a, b):
    """Across any two times up to year 9999 (no wrap anywhere), ids order as their times do."""
    id_a, id_b = ids.make_id("part", a), ids.make_id("part", b)
    if a < b:
        assert id_a < id_b
    elif a > b:
        assert id_a > id_b
    assert ids.time_of(id_a) == ids.from_us(a)


def test_ids_minted_in_a_tight_loop_are_unique_and_in_creation_order():
    minted = [ids.new_id("message") for _ in range(20_000)]
    names = [an_id for an_id, _ in minted]
    times = [created for _, created in minted]
    assert len(set(names)) == len(names)
    assert sorted(names) == names
    assert all(earlier < later for earlier, later in zip(times, times[1:]))  # strictly increasing
    assert all(ids.time_of(an_id) == created for an_id, created in minted)  # one clock read


def test_ids_minted_across_threads_are_unique_and_each_threads_order_holds():
    per_thread: dict[int, list[tuple[str, datetime]]] = {}
    start = threading.Barrier(4)

    def mint(n: int) -> None:
        start.wait()
        per_thread[n] = [ids.new_id("part") for _ in range(5_000)]

    threads = [threading.Thread(target=mint, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [item for minted in per_thread.values() for item in minted]
    assert len({an_id for an_id, _ in everything}) == len(everything) == 20_000
    assert len({created for _, created in everything}) == 20_000  # one process never repeats a time
    for minted in per_thread.values():
        assert sorted(minted) == minted
    # ordered by (time_created, id), the ids come back in the order the clock handed out their times
    by_time = sorted(everything, key=lambda item: (item[1], item[0]))
    assert [an_id for an_id, _ in by_time] == sorted(an_id for an_id, _ in everything)


def test_a_clock_that_steps_back_still_mints_increasing_ids(monkeypatch):
    """NTP can move the wall clock backwards; the ids and times of one process still increase."""
    real = time.time_ns
    before = [ids.new_id("message") for _ in range(5)]
    monkeypatch.setattr(time, "time_ns", lambda: real() - 3_600 * 10**9)
    after = [ids.new_id("message") for _ in range(5)]
    together = before + after
    assert sorted(together) == together
    assert all(a[1] < b[1] for a, b in zip(together, together[1:]))


def test_ids_made_in_year_2500_and_9999_go_through_the_store_in_order(store):
    """A message created in year 9999 is stored and sorts after one created in 2500 and one today."""
    session = store.create_session("far future")
    made = []
    for moment in (datetime(2024, 5, 1), datetime(2500, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)):
        an_id = ids.make_id("message", us_of(moment))
        store.append_message(UserMessage(id=an_id, session_id=session.id, time_created=moment))
        made.append((an_id, moment))
    stored = [(item.info.id, item.info.time_created) for item in store.get_messages(session.id)]
    assert stored == made


def test_time_of_refuses_ids_that_carry_no_time():
    for bad in ("msg_", "msg_short", "nounderscore", "msg_IIIIIIIIIIIIIIaaaaaaaaaa", "msg_uuuuuuuuuuuuuu"):
        with pytest.raises(ValueError):
            ids.time_of(bad)


def test_epoch_ms_matches_the_id_clock():
    an_id, created = ids.new_id("part")
    assert ids.epoch_ms(created) == us_of(created) // 1000
    assert ids.epoch_ms(datetime(9999, 12, 31)) == us_of(datetime(9999, 12, 31)) // 1000
