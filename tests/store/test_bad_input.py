"""Bad files are moved aside, never deleted; odd text round-trips exactly; text that cannot be
stored is refused before anything is written."""

from __future__ import annotations

import hashlib
import os
import warnings
from datetime import datetime

import duckdb
import pytest

from buddy_jupyter.errors import InvalidInput, NotFound, StoreCorrupt
from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import AssistantMessage, UserMessage
from buddy_jupyter.schema.parts import TextPart, ToolPart, ToolPending
from buddy_jupyter.store import Store, StoreWarning
from buddy_jupyter.store import codec, health

from .helpers import answer, question, rows

NOTEBOOK = "/course/lesson.ipynb"


@pytest.fixture(scope="module")
def real_store_bytes(tmp_path_factory) -> bytes:
    """A real store with enough history to span several blocks of the file."""
    path = tmp_path_factory.mktemp("real") / "real.duckdb"
    source = Store(path, idle_release=30)
    for n in range(12):
        session = source.create_session(f"s{n}")
        user, _ = question(source, session.id, f"{n}: " + "x" * 40_000)
        answer(source, user, os.urandom(20_000).hex())
    source.close()
    return path.read_bytes()


def open_and_expect_moved(store_path, bad: bytes) -> Store:
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store_path.write_bytes(bad)
    before = set(store_path.parent.iterdir())
    store = Store(store_path, notebook=NOTEBOOK, idle_release=0)
    with pytest.warns(StoreWarning, match="moved to") as caught:
        assert store.list_sessions() == []  # a fresh store
    (moved,) = set(store_path.parent.iterdir()) - before
    assert moved.name.startswith("lesson.corrupt-") and moved.suffix == ".duckdb"
    assert moved.read_bytes() == bad  # its bytes intact
    assert str(moved) in str(caught[0].message) and any(str(moved) in n for n in store.notices)
    session = store.create_session("a new start")
    assert store.get_session(session.id).title == "a new start"
    return store


def test_random_bytes_are_moved_aside(store_path):
    open_and_expect_moved(store_path, os.urandom(300_000))


def test_an_empty_file_is_moved_aside(store_path):
    open_and_expect_moved(store_path, b"")


@pytest.mark.parametrize("keep", [0.001, 0.03, 0.3, 0.6, 0.95, "all but 1 byte", "whole blocks"])
def test_a_truncated_real_store_is_moved_aside(store_path, real_store_bytes, keep):
    whole = real_store_bytes
    if keep == "all but 1 byte":
        cut = len(whole) - 1
    elif keep == "whole blocks":  # cut at a block boundary, half the data blocks gone
        block, headers = 262144, 3 * 4096
        cut = headers + (len(whole) - headers) // block // 2 * block
    else:
        cut = int(len(whole) * keep)
    open_and_expect_moved(store_path, whole[:cut])


def test_the_intact_real_store_is_not_moved(store_path, real_store_bytes):
    whole = real_store_bytes
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(whole)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = Store(store_path, idle_release=0)
        assert store.count_sessions() == 12
        assert all(len(store.get_messages(s.id)) == 2 for s in store.list_sessions())
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["lesson.duckdb"]


def test_a_block_damaged_after_open_gives_one_clear_error_and_changes_nothing(store_path, real_store_bytes, tmp_path):
    """Damage the opening checks cannot see (a data block of the parts, mid-file): reading it
    says which file is damaged and what to do, in one line; the file is left as it was."""
    probe = tmp_path / "probe.duckdb"
    probe.write_bytes(real_store_bytes)
    con = duckdb.connect(str(probe), read_only=True)
    block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    block = con.execute("SELECT min(block_id) FROM pragma_storage_info('part') WHERE column_name = 'data'"
                        " AND persistent AND block_id >= 0").fetchone()[0]
    con.close()
    offset = 3 * 4096 + block * block_size + 64  # past the block's checksum
    damaged = bytearray(real_store_bytes)
    damaged[offset:offset + 4096] = os.urandom(4096)
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(bytes(damaged))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the open checks pass: nothing is moved aside
        store = Store(store_path, idle_release=0)
        sessions = store.list_sessions()
    assert len(sessions) == 12
    with pytest.raises(StoreCorrupt) as caught:
        for session in sessions:
            store.get_messages(session.id)
    message = str(caught.value)
    assert "\n" not in message and str(store_path) in message and "damaged" in message and "move the file aside" in message
    assert store_path.read_bytes() == bytes(damaged)
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["lesson.duckdb"]


@pytest.mark.parametrize("tail", [4096 * 5, 262144 + 8192])
def test_a_torn_tail_from_a_crash_mid_checkpoint_is_not_taken_for_corruption(store_path, real_store_bytes, tail):
    """A kernel killed while a checkpoint extends the file leaves part of an unreferenced block
    at the end: DuckDB reads such a file fine, so it must stay where it is."""
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(real_store_bytes + os.urandom(tail))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = Store(store_path, idle_release=0)
        assert store.count_sessions() == 12
        assert all(len(store.get_messages(s.id)) == 2 for s in store.list_sessions())
        store.create_session("and it takes writes")
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["lesson.duckdb"]


def test_two_corrupt_files_in_the_same_second_are_both_kept(store_path, monkeypatch):
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2030, 1, 2, 3, 4, 5)

    monkeypatch.setattr(health, "datetime", Frozen)
    first, second = os.urandom(5000), os.urandom(7000)
    for bad in (first, second):
        store_path.parent.mkdir(parents=True, exist_ok=True)
        store_path.write_bytes(bad)
        with pytest.warns(StoreWarning):
            Store(store_path, idle_release=0).list_sessions()
    kept = {p.read_bytes() for p in store_path.parent.iterdir() if "corrupt" in p.name}
    assert kept == {first, second}


# -- text ------------------------------------------------------------------------------

ODD_TEXTS = {
    "nul": "before\x00after\x00",
    "emoji": "👩‍👩‍👧‍👦 🐍🔥 \U0001F600 flags 🇫🇷🇯🇵",
    "combining": "e\u0301 a\u0308\u0304 Z̷̢̛a̸l̴g̷o̸ \u200d\u200c",
    "rtl": "مرحبا بالعالم \u202eevil\u202c שלום עולם",
    "sql": "'); DROP TABLE message; -- \" ' '' \\ % _ ; /* */ $$ `",
    "json": '{"id": "x", "session_id": "y"}\\u0000 \\" ]}',
    "controls": "\t\r\n\x0b\x0c\x1b[31mred\x1b[0m\x7f\u2028\u2029\ufeff",
    "edges": "\U0010ffff\ue000\ufffd\x80",
    "empty": "",
}


@pytest.mark.parametrize("name", ODD_TEXTS)
def test_odd_text_round_trips_exactly(store, store_path, name):
    text = ODD_TEXTS[name]
    session = store.create_session(text)
    user, _ = question(store, session.id, text)
    reply = answer(store, user, text + text)
    store.update_message(reply.model_copy(update={"finish": text, "model_id": text}))
    store.set_title(session.id, text + "!")
    store.close()
    again = Store(store_path, idle_release=0)
    assert again.get_session(session.id).title == text + "!"
    history = again.get_messages(session.id)
    assert [item.text for item in history] == [text, text + text]
    assert history[1].info.finish == text and history[1].info.model_id == text
    assert again.find_session(session.id).title == text + "!"
    again.close()
    # and what a user's DuckDB CLI sees in the columns is the same text
    assert rows(store_path, "SELECT title FROM session WHERE id = ?", [session.id]) == [(text + "!",)]
    assert rows(store_path, "SELECT count(*) FROM message") == [(2,)]


def test_a_ten_megabyte_message_round_trips(store, store_path):
    session = store.create_session()
    big = ("Lorem ipsum 🐍 ünïcødé '); DROP TABLE part; --\n" * 250_000)[: 10 * 2**20]
    user, _ = question(store, session.id, big)
    reply = answer(store, user, big[::-1])
    store.close()
    again = Store(store_path, idle_release=0)
    history = again.get_messages(session.id)
    assert history[0].text == big and history[1].text == big[::-1]
    assert hashlib.sha256(history[0].text.encode()).digest() == hashlib.sha256(big.encode()).digest()


def test_a_message_beyond_the_limit_is_refused_and_nothing_is_written(store, monkeypatch):
    monkeypatch.setattr(codec, "MAX_TEXT_BYTES", 2**20)
    session = store.create_session()
    user, _ = question(store, session.id)
    huge = TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=user.id, text="x" * (2**20 + 1))
    with pytest.raises(InvalidInput, match="limit"):
        store.put_part(huge)
    assert len(store.get_message(user.id).parts) == 1


SURROGATES = ["\ud800", "a\udfffb", "tail \udbff", "\udc00 lead"]


def counts(store) -> tuple[int, int, int]:
    with store.connection() as con:
        return con.execute("SELECT (SELECT count(*) FROM session), (SELECT count(*) FROM message),"
                           " (SELECT count(*) FROM part)").fetchall()[0]


@pytest.mark.parametrize("bad", SURROGATES)
def test_lone_surrogates_are_refused_and_nothing_is_half_written(store, bad):
    session = store.create_session("ok")
    user, _ = question(store, session.id, "fine")
    events = []
    store.events.subscribe(events.append)
    before = counts(store)
    mid, created = ids.new_id("message")
    attempts = {
        "title": lambda: store.create_session(bad),
        "set_title": lambda: store.set_title(session.id, bad),
        "fork title": lambda: store.fork_session(session.id, user.id, title=bad),
        "message field": lambda: store.append_message(
            UserMessage(id=mid, session_id=session.id, time_created=created, system=bad)),
        # the message is fine, its part is not: neither may be written
        "part of a new message": lambda: store.append_message(
            UserMessage(id=mid, session_id=session.id, time_created=created),
            [TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=mid, text="ok"),
             TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=mid, text=bad)]),
        "part": lambda: store.put_part(TextPart(id=ids.new_id("part")[0], session_id=session.id,
                                                message_id=user.id, text=bad)),
        "tool input key": lambda: store.put_part(ToolPart(
            id=ids.new_id("part")[0], session_id=session.id, message_id=user.id, call_id="c", tool="t",
            state=ToolPending(input={bad: 1}))),
        "update": lambda: store.update_message(
            AssistantMessage(id=user.id, session_id=session.id, time_created=created, parent_id=user.id,
                             model_id=bad)),
    }
    for what, attempt in attempts.items():
        with pytest.raises(InvalidInput) as caught:
            attempt()
        assert "surrogate" in str(caught.value), what
        assert counts(store) == before, what
    assert events == []
    assert store.get_session(session.id).title == "ok"
    assert [item.text for item in store.get_messages(session.id)] == ["fine"]


BAD_IDS = ["", "msg_abc\n", "msg abc", "msg_'; DROP TABLE message; --", "msg_\u00e9t\u00e9", "x" * 65,
           "msg_abc\x00", "../../etc/passwd", "msg_\ud800"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_invalid_ids_are_refused(store, bad):
    session = store.create_session()
    user, _ = question(store, session.id)
    before = counts(store)
    with pytest.raises(InvalidInput, match="not a valid id"):
        store.append_message(UserMessage(id=bad, session_id=session.id, time_created=ids.utcnow()))
    with pytest.raises(InvalidInput, match="not a valid id"):
        store.put_part(TextPart(id=bad, session_id=session.id, message_id=user.id, text="x"))
    with pytest.raises(InvalidInput, match="not a valid id"):
        store.put_part(TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=bad, text="x"))
    assert counts(store) == before
    for lookup in (store.get_session, store.get_message):
        with pytest.raises(NotFound):
            lookup(bad)


def test_a_part_for_another_message_is_refused_with_its_message(store):
    session = store.create_session()
    user, _ = question(store, session.id)
    mid, created = ids.new_id("message")
    stray = TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=user.id, text="stray")
    before = counts(store)
    with pytest.raises(InvalidInput, match="another message"):
        store.append_message(UserMessage(id=mid, session_id=session.id, time_created=created), [stray])
    assert counts(store) == before


def test_the_store_file_has_only_our_tables_after_hostile_text(store, store_path):
    session = store.create_session("'); DROP TABLE session; --")
    question(store, session.id, "'; DELETE FROM part; --")
    store.close()
    con = duckdb.connect(str(store_path), read_only=True)
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert {"session", "message", "part", "project", "buddy_migrations"} <= tables
    assert rows(store_path, "SELECT count(*) FROM part") == [(1,)]
