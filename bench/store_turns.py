"""Figure 1 and the write path: one chat turn through the engine, and what each of its statements costs.

The turn is the engine's own (``scripted_turn``): the question and the empty answer, then the parts as a
scripted model's events arrive. Two shapes: the issue's turn (the question's text and cell snapshot, one
model step: step-start, streamed reasoning, a 500-token streamed answer, step-finish) and a heavier one with
a tool call (two model steps, the tool running then completed between them). Each is measured grouped, as
the engine writes it, and naive, with the engine's transactions made no-ops so that every write commits on
its own, which is what the grouping saves; warm, and after a release (the file closed before the turn, as
the idle timer does between questions); on a fresh store and on the big one; the SQLite baseline through
the same engine beside it. A paced turn streams in real time, to show what the lease's release and reopen
cost while an answer streams.
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

from buddy_jupyter.engine.events import StepFinish, ToolCall, ToolResult, Usage
from buddy_jupyter.engine.turn import Turn
from buddy_jupyter.schema import ids
from buddy_jupyter.schema.parts import ReasoningPart, TextPart
from buddy_jupyter.store import sql as duck_sql

from scripted_turn import SNAPSHOT, ScriptedModel, ask
from sqlite_baseline import SqliteStore
from store_corpus import Corpus, make_deltas
from store_generator import NOTEBOOK
from store_profile import MS, Profile, ProfiledStore, Results, duck_store, median, p90

FLUSH_INTERVAL = inspect.signature(Turn).parameters["flush_interval"].default
TABLE = "   a   b\n0  1  2\n1  3  4\n\n[2 rows x 2 columns]"


class TurnStore:
    """The store as one turn sees it: counts the commits the turn makes and times each store call made
    outside a transaction (a transaction is one call). ``grouped=False`` makes the engine's
    ``transaction()`` a no-op, so each write commits on its own."""

    def __init__(self, store: Any, *, grouped: bool = True):
        self._store = store
        self._grouped = grouped
        self._depth = 0
        self._streamed: set[str] = set()
        self.commits = 0
        self.flushes = 0
        """Writes of a streamed part between its first words and its end (at the flush interval)."""
        self.calls: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth or not self._grouped:
            yield
            return
        started = time.perf_counter()
        self._depth += 1
        try:
            with self._store.transaction():
                yield
        finally:
            self._depth -= 1
        self.commits += 1
        self.calls.append(time.perf_counter() - started)

    def append_message(self, message: Any, parts: Any = ()) -> None:
        self._call(self._store.append_message, message, parts)

    def update_message(self, message: Any) -> None:
        self._call(self._store.update_message, message)

    def put_part(self, part: Any) -> None:
        if isinstance(part, (TextPart, ReasoningPart)) and part.time is not None and part.time.end is None:
            self.flushes += part.id in self._streamed
            self._streamed.add(part.id)
        self._call(self._store.put_part, part)

    def title_if_untitled(self, session_id: str, title: str) -> bool:
        # a session seen titled costs no statement, so only a change counts as a commit
        return self._call(self._store.title_if_untitled, session_id, title, commits=None)

    def publish_delta(self, *args: Any) -> None:
        self._call(self._store.publish_delta, *args, commits=False)

    def _call(self, verb: Callable[..., Any], *args: Any, commits: bool | None = True) -> Any:
        if self._depth:
            return verb(*args)
        started = time.perf_counter()
        result = verb(*args)
        self.calls.append(time.perf_counter() - started)
        self.commits += bool(result) if commits is None else commits
        return result


def turn_models(corpus: Corpus, pace: float = 0.0) -> tuple[str, dict[bool, ScriptedModel]]:
    """The question and the model of each shape (with a tool call or not), from the corpus's realistic text."""
    question = corpus.question(random.Random(5))
    reasoning = make_deltas(corpus, 6, 80)
    answer = make_deltas(corpus, 7, 500)
    plain = ScriptedModel(reasoning, answer, StepFinish("stop", Usage(2400, len(answer), len(reasoning)), 0.0007),
                          pace=pace)
    tool = ScriptedModel(reasoning, answer, StepFinish("stop", Usage(2400, len(answer), cache_read=1800), 0.0007),
                         tool=(ToolCall("call_0001", "inspect_dataframe", {"name": "df"}),
                               ToolResult("call_0001", "inspect_dataframe", output=TABLE),
                               StepFinish("tool-calls", Usage(2100, 60, 80), 0.0004)), pace=pace)
    return question, {False: plain, True: tool}


def one_turn(store: Any, session_id: str, question: str, model: ScriptedModel, *, grouped: bool,
             tool: bool) -> TurnStore:
    seen = TurnStore(store, grouped=grouped)
    ask(seen, session_id, model, question, context="" if tool else SNAPSHOT)
    return seen


def bench_turns(res: Results, label: str, duck_path: Path, lite_path: Path, corpus: Corpus,
                n: int) -> dict[str, Profile]:
    """Turns on one kind of store, round-robin over the variants so that the machine's noise hits all alike.

    Variants: Store naive / Store grouped (one Store object, alternating turns in one session), SQLite naive /
    grouped, each in both shapes. ``released``: the store is closed right before each of its turns (the close
    is timed separately), so the turn must reopen the file.
    """
    question, models = turn_models(corpus)
    profiles: dict[str, Profile] = {}
    for released in (False, True):
        phase = "after release" if released else "warm"
        duck = duck_store(duck_path, None, max_hold=3600.0, idle_release=60.0)
        lite = SqliteStore(lite_path)
        sids = {id(duck): duck.create_session("benchmark conversation").id,
                id(lite): lite.create_session("benchmark conversation")}
        for st in (duck, lite):
            st.events.subscribe(lambda event: None)  # a listener, as the display is in a kernel
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
                txs[name] = one_turn(store, sids[id(store)], question, models[tool], grouped=grouped, tool=tool).commits
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
    """The turn with a tool call streamed in real time (60 tokens/s) with the Store's default lease, and with a
    1 s idle release."""
    question, models = turn_models(corpus, pace=1 / 60)
    for name, kwargs in (("Store (default lease)", {}), ("Store idle_release=1 s", {"idle_release": 1.0})):
        prof = Profile()
        store = ProfiledStore(duck_path, notebook=NOTEBOOK, profile=prof, **kwargs)
        idle, hold = store.lease.idle_release, store.lease.max_hold
        sid = store.create_session("paced conversation").id
        store.close()
        prof.reset()
        totals, stalls, opens, txs, flushes = [], [], [], [], []
        for _ in range(turns):
            before = store.lease.opens
            seen = one_turn(store, sid, question, models[True], grouped=True, tool=True)
            txs.append(seen.commits)
            flushes.append(seen.flushes)
            totals.append(sum(seen.calls))
            stalls.append(max(seen.calls))
            opens.append(store.lease.opens - before)
            time.sleep(idle + 0.2)  # the idle release closes the file between turns, as between questions
        store.close()
        res.add(f"1 turn big, paced 60 tok/s, {name}: store time", median(totals) * MS, None, "(info)")
        res.notes.append(
            f"paced turn, {name} (grouped; {median(txs):.0f} transactions incl. {median(flushes):.0f} flushes; "
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
