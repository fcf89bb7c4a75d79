"""The store's verb API on a real file: sessions, messages, parts, forks, events, totals."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from buddy_jupyter.errors import InvalidInput, NotFound
from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import UserMessage
from buddy_jupyter.schema.parts import TextPart, Tokens, TimeSpan, ToolCompleted, ToolPart, ToolPending, ToolRunning
from buddy_jupyter.store import Store

from .helpers import answer, question, rows


def test_create_get_and_reopen(store, store_path):
    session = store.create_session("Pandas merges")
    assert session.id.startswith("ses_") and session.title == "Pandas merges"
    assert session.project_id == store.project.id and session.time_archived is None
    assert store.get_session(session.id) == session
    store.close()
    again = Store(store_path, idle_release=0)  # no notebook given: the recorded one stays
    assert again.get_session(session.id) == session
    assert again.project == store.project and again.project.path.endswith("lesson.ipynb")
    again.close()
    moved = Store(store_path, notebook="/elsewhere/renamed.ipynb", idle_release=0)
    assert moved.project.id == store.project.id and moved.project.path == "/elsewhere/renamed.ipynb"
    with pytest.raises(NotFound, match="no session"):
        again.get_session("ses_missing")


def test_find_by_unique_start_or_end(store):
    made = [store.create_session(f"s{n}") for n in range(5)]
    target = made[2]
    assert store.find_session(target.id) == target
    assert store.find_session(target.id[-6:]) == target  # a unique end (the random digits)
    assert store.find_session(f"  {target.id[-6:]} ") == target
    # a unique start: the shortest prefix no other session shares
    for length in range(5, len(target.id) + 1):
        prefix = target.id[:length]
        if sum(s.id.startswith(prefix) for s in made) == 1 and not any(s.id.endswith(prefix) for s in made):
            assert store.find_session(prefix) == target
            break
    else:
        pytest.fail("no unique prefix")
    with pytest.raises(InvalidInput, match="several"):
        store.find_session("ses_")  # every id starts so
    with pytest.raises(NotFound):
        store.find_session("zzzzzzzzzzz")
    with pytest.raises(InvalidInput):
        store.find_session("   ")


def test_list_is_newest_first_hides_archived_and_pages(store):
    made = [store.create_session(f"s{n}") for n in range(7)]
    newest_first = [s.id for s in reversed(made)]
    assert [s.id for s in store.list_sessions()] == newest_first
    assert store.count_sessions() == 7

    store.archive_session(made[1].id)
    store.archive_session(made[4].id)
    visible = [sid for sid in newest_first if sid not in (made[1].id, made[4].id)]
    assert [s.id for s in store.list_sessions()] == visible
    assert {s.id for s in store.list_sessions(archived=True)} == {made[1].id, made[4].id}
    assert len(store.list_sessions(archived=None)) == 7
    assert (store.count_sessions(), store.count_sessions(archived=True), store.count_sessions(archived=None)) == (5, 2, 7)

    pages = [store.list_sessions(limit=2, offset=offset) for offset in range(0, 6, 2)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [s.id for page in pages for s in page] == visible  # no gap, no overlap

    # activity moves a session to the top
    question(store, made[0].id)
    assert store.list_sessions(limit=1)[0].id == made[0].id


def test_set_title_archive_and_unarchive(store):
    session = store.create_session("old")
    renamed = store.set_title(session.id, "new title")
    assert renamed.title == "new title" == store.get_session(session.id).title
    assert renamed.time_updated > session.time_updated
    archived = store.archive_session(session.id)
    assert archived.time_archived is not None and store.list_sessions() == []
    back = store.archive_session(session.id, archived=False)
    assert back.time_archived is None and [s.id for s in store.list_sessions()] == [session.id]
    for verb in (lambda: store.set_title("ses_nope", "x"), lambda: store.archive_session("ses_nope")):
        with pytest.raises(NotFound):
            verb()


def test_delete_removes_the_session_with_its_messages_and_parts(store, store_path):
    keep, doomed = store.create_session("keep"), store.create_session("doomed")
    for session in (keep, doomed):
        for n in range(3):
            user, _ = question(store, session.id, f"q{n}")
            answer(store, user, f"a{n}")
    store.delete_session(doomed.id)
    with pytest.raises(NotFound):
        store.get_session(doomed.id)
    with pytest.raises(NotFound):
        store.delete_session(doomed.id)
    store.close()
    for table in ("session", "message", "part"):
        key = "id" if table == "session" else "session_id"
        assert rows(store_path, f"SELECT count(*) FROM {table} WHERE {key} = ?", [doomed.id]) == [(0,)]
    assert rows(store_path, "SELECT count(*) FROM message WHERE session_id = ?", [keep.id]) == [(6,)]
    assert rows(store_path, "SELECT count(*) FROM part WHERE session_id = ?", [keep.id]) == [(6,)]


def test_append_and_update_message_and_messages_in_order(store):
    session = store.create_session()
    turns = []
    for n in range(4):
        user, _ = question(store, session.id, f"question {n}")
        turns.append((user, answer(store, user, f"answer {n}")))
    history = store.get_messages(session.id)
    assert [item.info.id for item in history] == [m.id for turn in turns for m in turn]
    assert [item.text for item in history] == [t for n in range(4) for t in (f"question {n}", f"answer {n}")]
    assert history[1].info.finish == "stop" and history[1].info.time_completed is not None
    assert history[1].info.owner is None  # runtime only: cleared on completion
    assert store.get_message(turns[2][1].id).text == "answer 2"
    with pytest.raises(NotFound):
        store.update_message(turns[0][1].model_copy(update={"id": "msg_unknown"}))
    with pytest.raises(NotFound):
        store.get_message("msg_unknown")


def test_messages_with_the_same_time_keep_their_insertion_order(store):
    """Two processes can mint the same microsecond: seq, not the random id, decides."""
    session = store.create_session()
    moment = datetime(2030, 1, 1)
    made = [f"msg_{c * 24}" for c in "zyxwv"]  # ids that sort the other way round
    for mid in made:
        store.append_message(UserMessage(id=mid, session_id=session.id, time_created=moment))
    assert [item.info.id for item in store.get_messages(session.id)] == made


def test_messages_from_many_threads_come_back_in_creation_order(store):
    session = store.create_session()
    made: list[tuple[datetime, str]] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        for k in range(15):
            user, _ = question(store, session.id, f"t{n}-{k}")
            with lock:
                made.append((user.time_created, user.id))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = store.get_messages(session.id)
    assert [item.info.id for item in history] == [mid for _, mid in sorted(made)]
    assert len(history) == 60 and store.get_session(session.id).message_count == 60


def test_a_part_is_updated_in_place(store, store_path):
    session = store.create_session()
    user, _ = question(store, session.id)
    reply = answer(store, user, complete=False)
    tool = ToolPart(id=ids.new_id("part")[0], session_id=session.id, message_id=reply.id, call_id="c1",
                    tool="read_variable", state=ToolPending(raw='{"na'))
    for n in range(60):
        store.put_part(tool.model_copy(update={"state": ToolPending(raw='{"na' + "x" * n)}))
    store.put_part(tool.model_copy(update={"state": ToolRunning(input={"name": "df"}, time=TimeSpan(start=1))}))
    done = tool.model_copy(update={"state": ToolCompleted(input={"name": "df"}, output="3 rows", title="df",
                                                           time=TimeSpan(start=1, end=2))})
    store.put_part(done)
    parts = store.get_message(reply.id).parts
    assert [p.id for p in parts].count(tool.id) == 1 and parts[-1] == done
    assert parts[0].type == "text"  # position kept: the first part stays first
    store.close()
    assert rows(store_path, "SELECT count(*) FROM part WHERE id = ?", [tool.id]) == [(1,)]
    assert rows(store_path, "SELECT count(*) FROM part") == [(2 + 1,)]


def test_fork_at_a_message(store):
    source = store.create_session("original")
    turns = []
    for n in range(3):
        user, _ = question(store, source.id, f"q{n}")
        turns.append((user, answer(store, user, f"a{n}", tokens={"input": 10, "output": 5}, cost=0.5)))
    fork = store.fork_session(source.id, turns[1][1].id)
    assert fork.parent_id == source.id and fork.title == "original (fork)" and fork.id != source.id
    copied = store.get_messages(fork.id)
    assert [item.text for item in copied] == ["q0", "a0", "q1", "a1"]
    assert not {item.info.id for item in copied} & {m.id for turn in turns for m in turn}
    assert all(item.info.session_id == fork.id and all(p.session_id == fork.id for p in item.parts) for item in copied)
    assert copied[1].info.parent_id == copied[0].info.id and copied[3].info.parent_id == copied[2].info.id
    assert (fork.message_count, fork.tokens_input, fork.cost) == (4, 20, 1.0)
    assert len(store.get_messages(source.id)) == 6  # the original is untouched
    assert store.fork_session(source.id, turns[0][0].id, title="just q0").title == "just q0"
    with pytest.raises(NotFound):
        store.fork_session(source.id, "msg_not_there")


def test_session_running_totals(store):
    session = store.create_session()
    user, _ = question(store, session.id)
    reply = answer(store, user, complete=False)
    assert store.get_session(session.id).message_count == 2
    store.update_message(reply.model_copy(update={"tokens": Tokens(input=100, output=40), "cost": 0.25,
                                                  "time_completed": ids.utcnow(), "finish": "stop"}))
    user2, _ = question(store, session.id)
    answer(store, user2, tokens={"input": 7, "output": 3}, cost=0.5)
    totals = store.get_session(session.id)
    assert (totals.message_count, totals.tokens_input, totals.tokens_output, totals.cost) == (4, 107, 43, 0.75)
    assert store.list_sessions()[0] == totals


def test_title_if_untitled_names_a_session_once(store, store_path):
    session = store.create_session()
    seen = []
    store.events.subscribe(lambda e: seen.append(e) if e.kind == "session.updated" else None)
    assert store.title_if_untitled(session.id, "Why does merge drop rows?") is True
    assert store.title_if_untitled(session.id, "A later question") is False
    assert store.get_session(session.id).title == "Why does merge drop rows?"
    assert [e.data.title for e in seen] == ["Why does merge drop rows?"]
    other = Store(store_path, idle_release=0)  # another kernel: reads the title, leaves it
    assert other.title_if_untitled(session.id, "Another") is False
    other.close()
    store.set_title(session.id, "")  # cleared by the learner: the next question names it again
    assert store.title_if_untitled(session.id, "Next question") is True
    assert store.get_session(session.id).title == "Next question"


def test_session_totals_add_up_across_stores_and_rewrites(store, store_path):
    """Totals are added at commit, from the usage as stored before each rewrite (whoever wrote
    it): they always equal the sums over the session's messages."""
    session = store.create_session()
    user, _ = question(store, session.id)
    reply = answer(store, user, complete=False)
    other = Store(store_path, idle_release=0)  # a second kernel finishing the answer: it never wrote it
    other.update_message(reply.model_copy(update={"tokens": Tokens(input=11, output=4), "cost": 0.125,
                                                  "time_completed": ids.utcnow(), "finish": "stop"}))
    other.close()
    with store.transaction():  # several changes in one transaction: one addition at commit
        user2, _ = question(store, session.id)
        reply2 = answer(store, user2, complete=False)
        for n in range(1, 4):  # usage rewritten as it grows: only the last one counts
            store.update_message(reply2.model_copy(update={"tokens": Tokens(input=10 * n, output=n), "cost": 0.25 * n}))
    store.update_message(reply.model_copy(update={"tokens": Tokens(input=1, output=1), "cost": 0.0,
                                                  "time_completed": ids.utcnow(), "finish": "stop"}))
    totals = store.get_session(session.id)
    with store.connection() as con:
        expected = con.execute("SELECT count(*), sum(tokens_input), sum(tokens_output), sum(cost) FROM message"
                               " WHERE session_id = ?", [session.id]).fetchall()[0]
    assert (totals.message_count, totals.tokens_input, totals.tokens_output, totals.cost) == expected == (4, 31, 4, 0.75)


def test_writes_into_a_missing_session_or_message_are_refused(store, store_path):
    """A part or message whose session is gone (deleted meanwhile) must not leave orphan rows."""
    session = store.create_session()
    user, _ = question(store, session.id)
    with pytest.raises(NotFound):
        store.append_message(UserMessage(id=ids.new_id("message")[0], session_id="ses_gone", time_created=ids.utcnow()))
    with pytest.raises(NotFound):
        store.put_part(TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id="msg_gone", text="x"))
    store.delete_session(session.id)
    with pytest.raises(NotFound):
        store.put_part(TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=user.id, text="late"))
    store.close()
    assert rows(store_path, "SELECT (SELECT count(*) FROM message), (SELECT count(*) FROM part)") == [(0, 0)]


# -- events ---------------------------------------------------------------------------

def test_events_go_out_after_the_commit_and_see_the_committed_row(store):
    seen = []

    def follow(event):
        # a subscriber that reads the store from inside the callback sees the committed row
        if event.kind == "session.created":
            seen.append((event.kind, store.get_session(event.session_id).title))
        elif event.kind == "message.updated":
            seen.append((event.kind, store.get_message(event.data.id).text))
        else:
            seen.append((event.kind, None))

    store.events.subscribe(follow)
    session = store.create_session("hello")
    question(store, session.id, "a question")
    assert seen == [("session.created", "hello"), ("message.updated", "a question"), ("part.updated", None)]

    seen.clear()
    with store.transaction():
        store.set_title(session.id, "renamed")
        question(store, session.id, "second")
        assert seen == []  # nothing before the commit
    assert [kind for kind, _ in seen] == ["session.updated", "message.updated", "part.updated"]


def test_a_failed_transaction_publishes_nothing_and_writes_nothing(store):
    session = store.create_session("before")
    seen = []
    store.events.subscribe(seen.append)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.set_title(session.id, "during")
            question(store, session.id)
            raise RuntimeError("the turn failed")
    assert seen == []
    assert store.get_session(session.id).title == "before" and store.get_messages(session.id) == []
    with pytest.raises(NotFound):
        store.set_title("ses_missing", "x")  # a verb that fails on its own
    assert seen == []


def test_a_failing_subscriber_does_not_break_the_writer(store, caplog):
    store.events.subscribe(lambda event: 1 / 0)
    later = []
    unsubscribe = store.events.subscribe(later.append)
    session = store.create_session("still written")
    assert store.get_session(session.id).title == "still written"
    assert [e.kind for e in later] == ["session.created"] and "ZeroDivisionError" in caplog.text
    unsubscribe()
    store.create_session("unheard")
    assert len(later) == 1


def test_a_part_type_from_a_newer_version_is_skipped_not_fatal(store):
    from buddy_jupyter.schema import ids
    from buddy_jupyter.schema.messages import UserMessage
    from buddy_jupyter.schema.parts import TextPart

    session = store.create_session("future")
    mid, created = ids.new_id("message")
    store.append_message(UserMessage(id=mid, session_id=session.id, time_created=created),
                         [TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=mid, text="kept")])
    with store.transaction() as con:  # what a newer version might write
        con.execute("INSERT INTO part VALUES (?, ?, ?, 2, 'hologram', now()::TIMESTAMP, now()::TIMESTAMP, ?)",
                    [ids.new_id("part")[0], session.id, mid, '{"type": "hologram", "beam": 1}'])
    [message] = store.get_messages(session.id)
    assert [p.text for p in message.parts] == ["kept"]
    assert store.get_message(mid).text == "kept"


def test_the_store_connection_draws_no_progress_bar(store):
    """A long statement (a migration copying a big table) must not draw DuckDB's progress bar
    into the learner's cell."""
    with store.connection() as con:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
