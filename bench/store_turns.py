"""Figure 1 and the write path: one chat turn, and what each statement of the Store's write path costs.

The turn is written the way the engine writes it: the question and the empty answer, then the parts as a
model's events arrive. Two shapes: the issue's turn (the question's text and cell snapshot, one model
step) and a heavier one with a tool call (two model steps). Each is measured grouped and naive (one
transaction per write), warm and after a release, on a fresh store and on the big one, with the SQLite
baseline beside it; a paced turn streams in real time to show what the lease's release and reopen cost.
"""

from __future__ import annotations

import gc
import inspect
import json
import random
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import AssistantMessage, NotebookContext, UserMessage
from buddy_jupyter.schema.parts import (
    ReasoningPart, SnapshotPart, StepFinishPart, StepStartPart, TextPart, TimeSpan, Tokens, ToolCompleted, ToolPart,
    ToolPending, ToolRunning,
)
from buddy_jupyter.store import StreamingText
from buddy_jupyter.store import sql as duck_sql
from buddy_jupyter.store import store as store_mod
from buddy_jupyter.store.events import Event

from sqlite_baseline import SqliteStore
from store_corpus import Corpus, make_deltas
from store_generator import NOTEBOOK
from store_profile import MS, Profile, ProfiledStore, Results, duck_store, median, p90

FLUSH_INTERVAL = inspect.signature(StreamingText).parameters["flush_interval"].default


class TurnTimer:
    """Wall time of every store call of a turn (used when the stream is paced in real time)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    @contextmanager
    def __call__(self) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.calls.append(time.perf_counter() - t)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _stream(T: Callable[[], Any], text: StreamingText, deltas: list[str], pace: float) -> int:
    """Stream ``deltas`` into ``text`` (``pace`` seconds apart); returns the flushes it wrote."""
    before = text.flushes
    for d in deltas:
        if pace:
            time.sleep(pace)
        with T():
            text.append(d)
    return text.flushes - before


def run_turn(store: Any, sid: str, question: str, reasoning: list[str], answer: list[str], *, grouped: bool,
             pace: float = 0.0, timer: TurnTimer | None = None, tool: bool = True) -> int:
    """Write one turn; returns the number of transactions. ``pace``: seconds per streamed token.

    ``tool``: the heavier turn (8 parts over two model steps, a tool call between them); without it, the
    issue's turn (6 parts: the question's text and cell snapshot, then one model step)."""
    if not tool:
        return _run_plain_turn(store, sid, question, reasoning, answer, grouped=grouped, pace=pace, timer=timer)
    tx = store.transaction if grouped else _nothing
    T = timer or (lambda: _nothing())
    n_tx = 0
    exec_count = 7
    uid, ut = ids.new_id("message")
    user = UserMessage(id=uid, session_id=sid, time_created=ut, model="gpt-4o-mini",
                       context=NotebookContext(cell_id="a1b2c3d4", execution_count=exec_count))
    utext = TextPart(id=ids.new_id("part")[0], session_id=sid, message_id=uid, text=question)
    with T():
        if grouped:
            store.append_message(user, [utext])
            n_tx += 1
        else:
            store.append_message(user)
            store.put_part(utext)
            n_tx += 2
    aid, at = ids.new_id("message")
    asst = AssistantMessage(id=aid, session_id=sid, time_created=at, parent_id=uid, model_id="gpt-4o-mini",
                            provider_id="openai", owner=store_mod.owner_tag())
    ss1 = StepStartPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid)
    with T():
        if grouped:
            store.append_message(asst, [ss1])
            n_tx += 1
        else:
            store.append_message(asst)
            store.put_part(ss1)
            n_tx += 2
    with T():
        rs = StreamingText(store, ReasoningPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid))
    n_tx += 1
    n_tx += _stream(T, rs, reasoning, pace)
    call = ToolPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid, call_id="call_0001",
                    tool="inspect_dataframe", state=ToolPending(input={"name": "df"}, raw='{"name": "df"}'))
    with T(), tx():  # the tool call starts: reasoning ends
        rs.finish()
        store.put_part(call)
    n_tx += 1 if grouped else 2
    sf1 = StepFinishPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid, reason="tool-calls",
                         tokens=Tokens(input=2100, output=60, reasoning=80), cost=0.0004)
    t_run = ids.epoch_ms()
    with T(), tx():  # the model request ends, the tool starts
        store.put_part(sf1)
        store.put_part(call.model_copy(update={"state": ToolRunning(input={"name": "df"}, time=TimeSpan(start=t_run))}))
    n_tx += 1 if grouped else 2
    done = ToolCompleted(input={"name": "df"}, output="   a   b\n0  1  2\n1  3  4\n\n[2 rows x 2 columns]",
                         title="inspect_dataframe(df)", time=TimeSpan(start=t_run, end=ids.epoch_ms()))
    ss2 = StepStartPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid)
    with T(), tx():  # the tool returns, the next request starts, the answer begins
        store.put_part(call.model_copy(update={"state": done}))
        store.put_part(ss2)
        st = StreamingText(store, TextPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid))
    n_tx += 1 if grouped else 3
    n_tx += _stream(T, st, answer, pace)
    sf2 = StepFinishPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid, reason="stop",
                         tokens=Tokens(input=2400, output=len(answer), cache=Tokens.Cache(read=1800)), cost=0.0007)
    final = asst.model_copy(update={
        "time_completed": ids.utcnow(), "finish": "stop", "owner": None, "cost": 0.0011,
        "tokens": Tokens(input=4500, output=60 + len(answer), reasoning=80, cache=Tokens.Cache(read=1800))})
    with T(), tx():  # the answer ends: text end + step-finish + message completion
        st.finish()
        store.put_part(sf2)
        store.update_message(final)
    n_tx += 1 if grouped else 3
    return n_tx


def _run_plain_turn(store: Any, sid: str, question: str, reasoning: list[str], answer: list[str], *, grouped: bool,
                    pace: float, timer: TurnTimer | None) -> int:
    """The issue's turn: user message, assistant message, 6 parts, a 500-token streamed text."""
    tx = store.transaction if grouped else _nothing
    T = timer or (lambda: _nothing())
    n_tx = 0
    uid, ut = ids.new_id("message")
    user = UserMessage(id=uid, session_id=sid, time_created=ut, model="gpt-4o-mini",
                       context=NotebookContext(cell_id="a1b2c3d4", execution_count=7))
    user_parts = [TextPart(id=ids.new_id("part")[0], session_id=sid, message_id=uid, text=question),
                  SnapshotPart(id=ids.new_id("part")[0], session_id=sid, message_id=uid,
                               snapshot="df = pd.read_csv('sales.csv')\ndf.merge(regions, on='region')")]
    aid, at = ids.new_id("message")
    asst = AssistantMessage(id=aid, session_id=sid, time_created=at, parent_id=uid, model_id="gpt-4o-mini",
                            provider_id="openai", owner=store_mod.owner_tag())
    with T(), tx():  # the question and the (empty) answer, as the engine stores them
        if grouped:
            store.append_message(user, user_parts)
        else:
            store.append_message(user)
            for part in user_parts:
                store.put_part(part)
        store.append_message(asst)
    n_tx += 2 if grouped else 4
    with T():  # the model request starts
        store.put_part(StepStartPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid))
    n_tx += 1
    with T():
        rs = StreamingText(store, ReasoningPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid))
    n_tx += 1
    n_tx += _stream(T, rs, reasoning, pace)
    with T(), tx():  # reasoning ends, the answer begins
        rs.finish()
        st = StreamingText(store, TextPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid))
    n_tx += 1 if grouped else 2
    n_tx += _stream(T, st, answer, pace)
    sf = StepFinishPart(id=ids.new_id("part")[0], session_id=sid, message_id=aid, reason="stop",
                        tokens=Tokens(input=2400, output=len(answer), reasoning=len(reasoning)), cost=0.0007)
    final = asst.model_copy(update={
        "time_completed": ids.utcnow(), "finish": "stop", "owner": None, "cost": 0.0007,
        "tokens": Tokens(input=2400, output=len(answer), reasoning=len(reasoning))})
    with T(), tx():  # the answer ends: text end + step-finish + message completion
        st.finish()
        store.put_part(sf)
        store.update_message(final)
    n_tx += 1 if grouped else 3
    return n_tx


def bench_turns(res: Results, label: str, duck_path: Path, lite_path: Path, corpus: Corpus,
                n: int) -> dict[str, Profile]:
    """Turns on one kind of store, round-robin over the variants so that the machine's noise hits all alike.

    Variants: Store naive / Store grouped (one Store object, alternating turns in one session), SQLite naive /
    grouped. ``released``: the store is closed right before each of its turns (the close is timed separately),
    so the turn must reopen the file.
    """
    question = corpus.question(random.Random(5))
    reasoning = make_deltas(corpus, 6, 80)
    answer = make_deltas(corpus, 7, 500)
    profiles: dict[str, Profile] = {}
    events = [0]

    def count(_: Event) -> None:
        events[0] += 1

    for released in (False, True):
        phase = "after release" if released else "warm"
        duck = duck_store(duck_path, None, max_hold=3600.0, idle_release=60.0)
        lite = SqliteStore(lite_path)
        sids = {id(duck): duck.create_session("benchmark conversation").id,
                id(lite): lite.create_session("benchmark conversation")}
        for st in (duck, lite):
            st.events.subscribe(count)
        variants = [("Store, naive", duck, False, False), ("Store, grouped", duck, True, False),
                    ("SQLite, naive", lite, False, False), ("SQLite, grouped", lite, True, False),
                    ("Store, naive, tool", duck, False, True), ("Store, grouped, tool", duck, True, True),
                    ("SQLite, naive, tool", lite, False, True), ("SQLite, grouped, tool", lite, True, True)]
        times: dict[str, list[float]] = {v[0]: [] for v in variants}
        closes: dict[str, list[float]] = {v[0]: [] for v in variants}
        txs: dict[str, int] = {}
        profs = {name: Profile() for name, _, _, _ in variants}
        for i in range(n + 2):
            for name, store, grouped, tool in variants:
                if isinstance(store, ProfiledStore):
                    store.profile = profs[name] if i >= 2 else Profile()
                if released:
                    t = time.perf_counter()
                    store.close()
                    closes[name].append(time.perf_counter() - t)
                    if isinstance(store, ProfiledStore):
                        store.profile = profs[name] if i >= 2 else Profile()
                gc.collect()
                t = time.perf_counter()
                txs[name] = run_turn(store, sids[id(store)], question, reasoning, answer, grouped=grouped, tool=tool)
                if i >= 2:
                    times[name].append(time.perf_counter() - t)
        duck.profile = Profile()  # the final close belongs to no turn
        for st in (duck, lite):
            st.close()
        for name in ("Store, naive", "Store, grouped", "Store, naive, tool", "Store, grouped, tool"):
            profiles[f"{phase}, {name}"] = profs[name]
        target = 100.0 if released else 25.0
        for name, lite_name in (("Store, naive", "SQLite, naive"), ("Store, grouped", "SQLite, grouped"),
                                ("Store, naive, tool", "SQLite, naive, tool"),
                                ("Store, grouped, tool", "SQLite, grouped, tool")):
            d, q = median(times[name]) * MS, median(times[lite_name]) * MS
            shown = name.split(", ", 1)[1]
            what = "with a tool, 8 parts" if name.endswith("tool") else "6 parts"
            shown = shown.replace(", tool", "")
            res.add(f"1 turn {label}, {phase}, {what}, {shown} ({txs[name]} tx)", d, q, f"<= {target:g} ms",
                    d <= target)
            note = (f"turn {label}, {phase}, {name}: p90 {p90(times[name]) * MS:.1f} ms ({lite_name} p90 "
                    f"{p90(times[lite_name]) * MS:.1f} ms)")
            if released:
                note += (f"; the close before each turn (not in the figure): duckdb {median(closes[name][2:]) * MS:.1f}"
                         f" ms, sqlite {median(closes[lite_name][2:]) * MS:.2f} ms")
            res.notes.append(note)
    return profiles


def bench_paced(res: Results, duck_path: Path, corpus: Corpus, turns: int = 2) -> None:
    """A turn streamed in real time (60 tokens/s) with the Store's default lease, and with a 1 s idle release."""
    question = corpus.question(random.Random(5))
    reasoning = make_deltas(corpus, 6, 80)
    answer = make_deltas(corpus, 7, 500)
    for name, kwargs in (("Store (default lease)", {}), ("Store idle_release=1 s", {"idle_release": 1.0})):
        prof = Profile()
        store = ProfiledStore(duck_path, notebook=NOTEBOOK, profile=prof, **kwargs)
        idle, hold = store.lease.idle_release, store.lease.max_hold
        sid = store.create_session("paced conversation").id
        store.close()
        prof.reset()
        totals, stalls, opens, txs = [], [], [], []
        for _ in range(turns):
            timer = TurnTimer()
            before = store.lease.opens
            txs.append(run_turn(store, sid, question, reasoning, answer, grouped=True, pace=1 / 60, timer=timer))
            totals.append(sum(timer.calls))
            stalls.append(max(timer.calls))
            opens.append(store.lease.opens - before)
            time.sleep(idle + 0.2)  # the idle release closes the file between turns, as between questions
        store.close()
        res.add(f"1 turn big, paced 60 tok/s, {name}: store time", median(totals) * MS, None, "(info)")
        res.notes.append(
            f"paced turn, {name} (grouped; {median(txs):.0f} transactions incl. {median(txs) - 7:.0f} flushes; "
            f"idle_release={idle:g} s, max_hold={hold:g} s, flush_interval={FLUSH_INTERVAL:g} s): store time "
            f"{median(totals) * MS:.0f} ms per turn, longest single call {max(stalls) * MS:.0f} ms, file opened "
            f"{median(opens):.0f} times per turn; by statement (ms per turn): "
            + ", ".join(f"{k} {v * MS / turns:.1f} ({prof.n[k] / turns:.0f}x)"
                        for k, v in sorted(prof.t.items(), key=lambda kv: -kv[1])[:6]))


# The message insert the Store ran before its current write path (kept here to compare; the Store no longer has it).
OLD_INSERT_MESSAGE = """
INSERT INTO message (id, session_id, seq, role, time_created, time_updated, time_completed, model_id,
    provider_id, tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write,
    cost, finish, error_name, data)
VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM message WHERE session_id = ?), ?, ?, ?, ?, ?,
    ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def bench_statements(duck_path: Path, big_sid: str, reps: int = 15) -> list[str]:
    """What each statement of the Store's write path costs on this store (own transaction each), and a few
    alternatives for comparison."""
    con = duckdb.connect(str(duck_path))
    mid, mtime = con.execute("SELECT id, time_created FROM message WHERE session_id = ? ORDER BY seq DESC LIMIT 1",
                             [big_sid]).fetchall()[0]
    pid, ptime = con.execute("SELECT id, time_created FROM part WHERE message_id = ? ORDER BY type <> 'text', seq"
                             " LIMIT 1", [mid]).fetchall()[0]
    mrow = con.execute("SELECT time_completed, model_id, provider_id, tokens_input, tokens_output, tokens_reasoning,"
                       " tokens_cache_read, tokens_cache_write, cost, finish, error_name, data::VARCHAR FROM message"
                       " WHERE id = ?", [mid]).fetchall()[0]
    payload = json.dumps({"type": "text", "text": "x" * 1500, "synthetic": False, "ignored": False,
                          "time": {"start": 1, "end": None}}, separators=(",", ":"))
    now = ids.utcnow()
    seq = [1000]

    def one(stmt: str, params: Callable[[], list]) -> float:
        ts = []
        for _ in range(reps):
            p = params()
            t = time.perf_counter()
            con.execute("BEGIN TRANSACTION")
            con.execute(stmt, p).fetchall()
            con.execute("COMMIT")
            ts.append(time.perf_counter() - t)
        return median(ts) * MS

    def new_msg() -> list:
        i, tc = ids.new_id("message")
        return [i, big_sid, big_sid, "user", tc, tc, tc, "m", None, None, None, None, None, None, None, None, None,
                '{"role":"user"}']

    def new_part() -> list:  # INSERT_PART's parameters: the seq comes from the Store's memory
        seq[0] += 1
        return [ids.new_id("part")[0], big_sid, mid, seq[0], "text", now, now, payload]

    lines = []
    cases = [
        ("empty transaction (BEGIN; COMMIT)", "SELECT 1", lambda: []),
        ("SESSION_SLOT [append_message, a session this Store did not write]", duck_sql.SESSION_SLOT,
         lambda: [big_sid, big_sid]),
        ("INSERT message, seq via max(seq) subquery [the old form]", OLD_INSERT_MESSAGE, new_msg),
        ("INSERT_MESSAGE, seq from memory [append_message]", duck_sql.INSERT_MESSAGE,
         lambda: (lambda p: p[:2] + [1] + p[3:])(new_msg())),
        ("ADD_TO_SESSION (message_count, tokens, cost +=) [at commit]", duck_sql.ADD_TO_SESSION,
         lambda: [1, 100, 10, 0.001, ids.utcnow(), big_sid]),
        ("SHIFT_SESSION_USAGE [update_message]", duck_sql.SHIFT_SESSION_USAGE,
         lambda: [mid, mtime, big_sid, 100, 10, 0.001, ids.utcnow(), big_sid]),
        ("PART_SLOT (session, max(seq), exists) [put_part, a message this Store did not write]",
         duck_sql.PART_SLOT, lambda: [mid, pid, mid]),
        ("INSERT_PART, seq from memory [put_part, new part]", duck_sql.INSERT_PART, new_part),
        ("UPDATE_PART_AT by time and id [put_part, a part this Store wrote: flush/state change]",
         duck_sql.UPDATE_PART_AT, lambda: ["text", ids.utcnow(), payload, ptime, pid]),
        ("UPDATE_PART by id alone [a part with an id from elsewhere]",
         duck_sql.UPDATE_PART, lambda: ["text", ids.utcnow(), payload, pid]),
        ("UPDATE_MESSAGE [update_message]", duck_sql.UPDATE_MESSAGE,
         lambda: [ids.utcnow(), *mrow, mid]),
        ("REFRESH_SESSION_TOTALS [crash recovery]", duck_sql.REFRESH_SESSION_TOTALS,
         lambda: [ids.utcnow(), big_sid, big_sid]),
        ("UPDATE_PART by id RETURNING id [the Store before]", duck_sql.UPDATE_PART + " RETURNING id",
         lambda: ["text", ids.utcnow(), payload, pid]),
    ]
    for name, stmt, params in cases:
        ms = one(stmt, params)
        lines.append(f"    {ms:7.2f} ms  {name}")
    con.execute("SET fsync_mode = 'NONE'")
    ms = one(duck_sql.INSERT_PART, new_part)
    lines.append(f"    {ms:7.2f} ms  INSERT_PART with SET fsync_mode='NONE' (unsafe: an OS crash can corrupt the "
                 "file; shows what the fsync of each commit costs)")
    con.execute("SET fsync_mode = 'STANDARD'")
    scans = []
    for what, q, p in (("max(seq) by message_id", "SELECT coalesce(max(seq), 0) + 1 FROM part WHERE message_id = ?", [mid]),
                       ("part by id", "SELECT data FROM part WHERE id = ?", [pid]),
                       ("message by session_id", "SELECT id FROM message WHERE session_id = ?", [big_sid])):
        plan = " ".join(str(r[-1]) for r in con.execute("EXPLAIN " + q, p).fetchall())
        found = re.findall(r"Type:\s*([A-Za-z ]+?Scan)", plan)
        scans.append(f"{what}: {found[0] if found else '?'}")
    lines.append("    plans: " + "; ".join(scans))
    con.close()
    return lines
