"""StreamingText: deltas are events only; the part is written at start, as soon as its first
words arrive, at most every flush_interval while it grows, and at finish (a crash loses at most
the last flush_interval of text)."""

from __future__ import annotations

import time

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.parts import ReasoningPart, TextPart
from buddy_jupyter.store import StreamingText

from .helpers import answer, question, rows


def streaming_setup(store):
    session = store.create_session()
    user, _ = question(store, session.id)
    reply = answer(store, user, "", complete=False)
    writes, deltas = [], []

    def follow(event):
        if event.kind == "part.updated":
            writes.append((time.monotonic(), event.data.text))
        elif event.kind == "part.delta":
            deltas.append(event.data["delta"])

    store.events.subscribe(follow)
    part = TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=reply.id)
    return part, writes, deltas


def test_a_fast_stream_is_written_three_times_however_many_deltas(store, store_path):
    part, writes, deltas = streaming_setup(store)
    stream = StreamingText(store, part, flush_interval=60)
    tokens = [f"tok{n} " for n in range(500)]
    for token in tokens:
        stream.append(token)
    assert deltas == tokens  # every delta is an event
    # written when it started and with its first words (a crash keeps them), not per token
    assert [text for _, text in writes] == ["", "tok0 "]
    final = stream.finish()
    assert [text for _, text in writes] == ["", "tok0 ", "".join(tokens)]
    assert final.time.start <= final.time.end
    stored = store.get_message(part.message_id).parts[-1]
    assert stored == final and stored.text == "".join(tokens)
    store.close()
    assert rows(store_path, "SELECT count(*) FROM part WHERE id = ?", [part.id]) == [(1,)]


def test_a_slow_stream_is_flushed_at_most_every_interval(store):
    part, writes, deltas = streaming_setup(store)
    interval = 0.1
    stream = StreamingText(store, part, flush_interval=interval)
    started = time.monotonic()
    sent = []
    while time.monotonic() - started < 0.65:
        sent.append("x")
        stream.append("x")
        time.sleep(0.004)
    elapsed = time.monotonic() - started
    stream.finish()
    assert len(deltas) == len(sent) > 50  # (fewer on a busy machine)
    assert writes[1][1] == "x"  # the first word, at once
    assert writes[1][0] - writes[0][0] < interval / 2
    flushes = writes[2:-1]
    assert stream.flushes == len(flushes)
    # bounded: no more than one write per interval, and a crash would lose at most ~one interval
    assert 3 <= len(flushes) <= elapsed / interval + 1
    times = [t for t, _ in writes[1:-1]]
    assert all(b - a >= interval * 0.95 for a, b in zip(times, times[1:]))
    lengths = [len(text) for _, text in writes]
    assert lengths == sorted(lengths) and lengths[-1] == len(sent)


def test_what_is_stored_mid_stream_is_the_text_at_the_last_flush(store):
    part, writes, _ = streaming_setup(store)
    stream = StreamingText(store, part, flush_interval=0.05)
    stream.append("Hello")
    time.sleep(0.06)
    stream.append(", world")  # flushed: interval passed
    stream.append("!!!")  # not yet
    stored = store.get_message(part.message_id).parts[-1]
    assert stored.text == "Hello, world" and stored.time.end is None
    assert stream.text == "Hello, world!!!" and stream.part.text == "Hello, world!!!"
    stream.flush()
    assert store.get_message(part.message_id).parts[-1].text == "Hello, world!!!"
    writes_before = len(writes)
    stream.flush()  # nothing new: no write
    assert len(writes) == writes_before
    assert stream.finish().time.end is not None


def test_reasoning_streams_the_same_way_and_keeps_its_initial_text(store):
    part, writes, deltas = streaming_setup(store)
    thinking = ReasoningPart(id=ids.new_id("part")[0], session_id=part.session_id, message_id=part.message_id,
                             text="Let me think. ")
    stream = StreamingText(store, thinking, flush_interval=60)
    stream.append("")  # empty deltas are neither events nor writes
    for word in ("The ", "join ", "is inner."):
        stream.append(word)
    final = stream.finish()
    assert final.type == "reasoning" and final.text == "Let me think. The join is inner."
    assert deltas == ["The ", "join ", "is inner."] and len(writes) == 3


def test_the_first_delta_can_open_the_part_in_one_write(store):
    part, writes, deltas = streaming_setup(store)
    stream = StreamingText(store, part, flush_interval=60, first="Hello")
    assert [text for _, text in writes] == ["Hello"] and deltas == ["Hello"]
    stream.append(" there")  # the first words are stored: the next wait for the interval
    assert len(writes) == 1
    assert stream.finish().text == "Hello there"
