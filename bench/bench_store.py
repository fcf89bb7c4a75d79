#!/usr/bin/env python
"""Persistence benchmark: buddy_jupyter's DuckDB ``Store`` beside a minimal SQLite store with OpenCode's schema.

Run:  .venv/bin/python bench/bench_store.py            (full size; the big stores are cached in bench/.data/)
      .venv/bin/python bench/bench_store.py --quick    (1/10 size, for trying changes)
      options: --turns N, --rebuild, --no-paced, --keep-work

Both stores do the same work with the same pydantic models and the same JSON payloads; the DuckDB side goes
through the real ``Store`` API (lease, migrations, events), the SQLite side is ~100 lines below (tables
project/session/message/part as OpenCode, ``data`` JSON TEXT, WAL + synchronous=NORMAL).

Figures:
  1. persistence cost of one chat turn as the issue names it (user message, assistant message, 6 parts: the
     question's text and cell snapshot, step-start, a streamed reasoning, a 500-token answer streamed through
     ``StreamingText``, step-finish; the final message update), warm and after an idle release, naive (one
     transaction per write) and grouped (writes of the same moment in one ``store.transaction()``); on a
     fresh store and on the big store; and the same for a heavier turn with a tool call (8 parts over two
     model steps, the tool pending -> running -> completed);
  2. list the 50 newest of 10,000 sessions;
  3. load one 500-message session with its parts (``get_messages``);
  4. open an existing store (first operation on a fresh ``Store`` object);
  5. file size at 10,000 sessions / 200,000 messages / 1,000,000 parts;
plus a per-statement profile, the cost of each statement the Store's write path runs (and of a few
alternatives), and the same rows in other layouts (with/without secondary indexes, zstd or uncompressed
``data``). Only the real ``Store`` is measured; nothing under buddy_jupyter/ is changed by this script.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import inspect
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import sysconfig
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from buddy_jupyter.schema import ids  # noqa: E402
from buddy_jupyter.schema.messages import (  # noqa: E402
    AssistantMessage, MessageAdapter, MessageWithParts, NotebookContext, UserMessage,
)
from buddy_jupyter.schema.parts import (  # noqa: E402
    PartListAdapter, ReasoningPart, SnapshotPart, StepFinishPart, StepStartPart, TextPart, TimeSpan, Tokens,
    ToolCompleted, ToolPart, ToolPending, ToolRunning,
)
from buddy_jupyter.store import Store, StreamingText  # noqa: E402
from buddy_jupyter.store import fileformat  # noqa: E402
from buddy_jupyter.store import migrations  # noqa: E402
from buddy_jupyter.store import sql as duck_sql  # noqa: E402
from buddy_jupyter.store import store as store_mod  # noqa: E402
from buddy_jupyter.store.events import Event, EventBus  # noqa: E402

BENCH = Path(__file__).resolve().parent
DATA = BENCH / ".data"
NOTEBOOK = "/home/learner/course/week3-pandas.ipynb"
SEED = 20260601
GEN_VERSION = "gen1"
MS = 1000.0
FLUSH_INTERVAL = inspect.signature(StreamingText).parameters["flush_interval"].default

# =====================================================================================================
# Deterministic realistic content: English from the standard library's docstrings and comments, code from
# its source (Python 3.11's stdlib, sorted file order); sentences are spliced at a word boundary so the
# text is not a few thousand sentences repeated.
# =====================================================================================================

_SKIP_DIRS = {"test", "tests", "idlelib", "site-packages", "lib2to3", "turtledemo", "ensurepip", "encodings"}
_DOCSTRING = re.compile(r'"""(.*?)"""', re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class Corpus:
    def __init__(self) -> None:
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        files = sorted(p for p in stdlib.rglob("*.py") if not (set(p.relative_to(stdlib).parts[:-1]) & _SKIP_DIRS))
        sentences: list[str] = []
        code: list[str] = []
        for path in files:
            src = path.read_text(encoding="utf-8", errors="replace")
            for match in _DOCSTRING.finditer(src):
                for s in _SENTENCE_END.split(" ".join(match.group(1).split())):
                    if 25 <= len(s) <= 250 and s[0].isupper() and s.isascii():
                        sentences.append(s)
            comment: list[str] = []
            for line in src.splitlines():
                stripped = line.strip()
                if stripped.startswith("# ") and stripped.isascii():
                    comment.append(stripped[2:])
                    continue
                if comment:
                    for s in _SENTENCE_END.split(" ".join(comment)):
                        if 25 <= len(s) <= 250 and s[0].isupper():
                            sentences.append(s)
                    comment = []
                if 8 <= len(line.rstrip()) <= 100 and line.isascii() and not stripped.startswith(("#", '"""')):
                    code.append(line.rstrip())
        self.sentences = sentences
        self.code = code
        self.words = sorted({w.strip(".,;:()`'\"") for s in sentences[:5000] for w in s.split() if w.isalpha()})
        digest = hashlib.sha1()
        digest.update(f"{len(sentences)}:{len(code)}".encode())
        digest.update("\n".join(sentences[::97]).encode())
        self.digest = digest.hexdigest()[:8]

    def english(self, r: random.Random, lo: int, hi: int) -> str:
        target = r.randint(lo, hi)
        out: list[str] = []
        n = 0
        sentences = self.sentences
        while n < target:
            a = sentences[r.randrange(len(sentences))]
            if r.random() < 0.6:  # splice two sentences at a word boundary: new sentences, same style
                b = sentences[r.randrange(len(sentences))]
                ia, ib = a.find(" ", len(a) // 2), b.find(" ", len(b) // 2)
                if ia > 0 and ib > 0:
                    a = a[:ia] + b[ib:]
            out.append(a)
            n += len(a) + 1
        text = " ".join(out)
        if len(text) > hi + 60:
            cut = text.rfind(" ", 0, hi)
            text = text[: cut if cut > lo else hi] + "."
        return text

    def code_block(self, r: random.Random, lo_lines: int, hi_lines: int) -> str:
        k = r.randint(lo_lines, hi_lines)
        i = r.randrange(len(self.code) - k)
        lines = self.code[i:i + k]
        indent = min(len(line) - len(line.lstrip()) for line in lines)
        return "\n".join(line[indent:] for line in lines)

    def answer(self, r: random.Random, lo: int, hi: int) -> str:
        if r.random() < 0.35:
            head = self.english(r, max(60, lo // 3), max(120, hi // 2))
            return f"{head}\n\n```python\n{self.code_block(r, 2, 9)}\n```\n\n{self.english(r, 40, 200)}"
        return self.english(r, lo, hi)

    def question(self, r: random.Random) -> str:
        if r.random() < 0.25:
            return f"{self.english(r, 30, 160)} Here is my cell:\n```python\n{self.code_block(r, 1, 6)}\n```"
        return self.english(r, 30, 300)

    def table(self, r: random.Random) -> str:
        cols = r.sample(self.words, r.randint(2, 5)) if len(self.words) > 5 else ["a", "b"]
        rows = [("     " + "  ".join(f"{c:>10}" for c in cols))]
        for i in range(r.randint(3, 8)):
            rows.append(f"{i:<5}" + "  ".join(f"{r.uniform(-1e4, 1e4):>10.3f}" for _ in cols))
        return "\n".join(rows) + f"\n\n[{r.randint(10, 100000)} rows x {len(cols)} columns]"


# =====================================================================================================
# Ids in the Store's format (prefix_ + 14 base32 digits of microseconds + 10 random), made fast.
# =====================================================================================================

_PAIR = [a + b for a in ids._ALPHABET for b in ids._ALPHABET]


def fast_id(prefix: str, us: int, rand: int) -> str:
    p = _PAIR
    return (f"{prefix}_{p[(us >> 60) & 1023]}{p[(us >> 50) & 1023]}{p[(us >> 40) & 1023]}{p[(us >> 30) & 1023]}"
            f"{p[(us >> 20) & 1023]}{p[(us >> 10) & 1023]}{p[us & 1023]}{p[(rand >> 40) & 1023]}"
            f"{p[(rand >> 30) & 1023]}{p[(rand >> 20) & 1023]}{p[(rand >> 10) & 1023]}{p[rand & 1023]}")


def iso(us: int) -> str:
    """A naive-UTC datetime as pydantic's JSON writes it."""
    return ids.from_us(us).isoformat()


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


# =====================================================================================================
# The big stores: 10,000 sessions / 200,000 messages / 1,000,000 parts.
# =====================================================================================================

MODELS = [("gpt-4o-mini", "openai", 0.15, 0.6), ("claude-haiku-4-5", "anthropic", 1.0, 5.0),
          ("llama3.2:3b", "ollama", 0.0, 0.0), ("gpt-4.1", "openai", 2.0, 8.0)]
TOOLS = [("read_variable", "name"), ("inspect_dataframe", "name"), ("search_history", "query"),
         ("read_cell", "cell_id"), ("list_variables", None), ("run_snippet", "code")]


class Plan:
    """How many turns each session has, tools per turn, which user messages carry a snapshot part."""

    def __init__(self, scale: float):
        r = random.Random(SEED)
        self.n_sessions = int(10_000 * scale)
        self.n_messages = int(200_000 * scale)
        self.n_parts = int(1_000_000 * scale)
        turns_total = self.n_messages // 2
        # three sessions of 500 messages, each running for months (their rows interleave with other sessions')
        self.big = [self.n_sessions // 10, (7 * self.n_sessions) // 20, (3 * self.n_sessions) // 5]
        turns = [0] * self.n_sessions
        for i in range(self.n_sessions):
            turns[i] = 250 if i in self.big else 1 + min(120, int(r.expovariate(1 / 9.0)))
        small = [i for i in range(self.n_sessions) if i not in self.big]
        while sum(turns) > turns_total:
            i = small[r.randrange(len(small))]
            if turns[i] > 1:
                turns[i] -= 1
        while sum(turns) < turns_total:
            turns[small[r.randrange(len(small))]] += 1
        self.turns = turns
        tools = r.choices([0, 1, 2, 3], weights=[15, 35, 30, 20], k=turns_total)
        # parts per turn: user text (+ snapshot) + step-start, reasoning, text, step-finish + 3 per tool call
        base = 5 * turns_total + 3 * sum(tools)
        while base > self.n_parts:  # too many: fewer tools
            j = r.randrange(turns_total)
            if tools[j]:
                tools[j] -= 1
                base -= 3
        while self.n_parts - base > turns_total:  # too few even with a snapshot in every turn: more tools
            tools[r.randrange(turns_total)] += 1
            base += 3
        snaps = set(r.sample(range(turns_total), self.n_parts - base))
        self.tools = tools
        self.snapshot = snaps
        self.start_us = [0] * self.n_sessions
        t0 = int(datetime(2024, 6, 1).timestamp() * 1e6)
        span = int(700 * 86400 * 1e6)
        self.start_us = sorted(t0 + r.randrange(span) for _ in range(self.n_sessions))
        self.archived = set(r.sample(range(self.n_sessions), self.n_sessions // 30)) - set(self.big)


class Generator:
    def __init__(self, corpus: Corpus, plan: Plan, project_id: str):
        self.c = corpus
        self.plan = plan
        self.project_id = project_id
        self.r = random.Random(SEED + 1)
        self.turn_index = 0
        self.big_ids: list[str] = []

    def chunks(self, size: int = 500) -> Iterator[tuple[dict, dict, dict]]:
        for lo in range(0, self.plan.n_sessions, size):
            sessions: dict[str, list] = defaultdict(list)
            messages: dict[str, list] = defaultdict(list)
            parts: dict[str, list] = defaultdict(list)
            for si in range(lo, min(lo + size, self.plan.n_sessions)):
                self._session(si, sessions, messages, parts)
            yield sessions, messages, parts

    def _part(self, parts: dict, sid: str, mid: str, seq: int, ptype: str, created: int, updated: int,
              data: dict) -> None:
        pid = fast_id("prt", created, self.r.getrandbits(50))
        parts["id"].append(pid)
        parts["session_id"].append(sid)
        parts["message_id"].append(mid)
        parts["seq"].append(seq)
        parts["type"].append(ptype)
        parts["tc"].append(created)
        parts["tu"].append(updated)
        parts["data"].append(_dumps(data))

    def _session(self, si: int, S: dict, M: dict, P: dict) -> None:
        r, c, plan = self.r, self.c, self.plan
        t = plan.start_us[si]
        sid = fast_id("ses", t, r.getrandbits(50))
        if si in plan.big:
            self.big_ids.append(sid)
        model_id, provider_id, pin, pout = MODELS[si % len(MODELS)]
        created = t
        title = ""
        count = tin = tout = 0
        cost_total = 0.0
        seq = 0
        exec_count = 0
        for turn in range(plan.turns[si]):
            ti = self.turn_index
            self.turn_index += 1
            # -- the learner's question --------------------------------------------------------------
            t += r.randint(1_000, 3_000_000)
            seq += 1
            exec_count += r.randint(0, 4)
            uid = fast_id("msg", t, r.getrandbits(50))
            question = c.question(r)
            if not title:
                title = question.split("\n")[0][:60]
            cell = f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}"
            self._message(M, uid, sid, seq, "user", t, t, t, model_id, None, None, None, {
                "time_created": iso(t), "role": "user", "model": model_id, "agent": "buddy", "system": None,
                "context": {"cell_id": cell, "execution_count": exec_count}})
            self._part(P, sid, uid, 1, "text", t + 1, t + 1, {
                "type": "text", "text": question, "synthetic": False, "ignored": False, "time": None})
            if ti in plan.snapshot:
                self._part(P, sid, uid, 2, "snapshot", t + 2, t + 2,
                           {"type": "snapshot", "snapshot": c.code_block(r, 3, 25)})
            # -- the answer ----------------------------------------------------------------------------
            a = t + r.randint(50_000, 1_500_000)
            seq += 1
            aid = fast_id("msg", a, r.getrandbits(50))
            clock = a
            pseq = 0
            usage = [0, 0, 0, 0, 0]
            n_tools = plan.tools[ti]

            def step_start() -> None:
                nonlocal clock, pseq
                clock += r.randint(200_000, 1_500_000)
                pseq += 1
                self._part(P, sid, aid, pseq, "step-start", clock, clock, {"type": "step-start", "snapshot": None})

            def streamed(kind: str, text: str) -> None:
                nonlocal clock, pseq
                start = clock + r.randint(100_000, 900_000)
                clock = start + len(text) * r.randint(2_000, 12_000)
                pseq += 1
                data = {"type": kind, "text": text}
                if kind == "text":
                    data.update(synthetic=False, ignored=False)
                data["time"] = {"start": start // 1000, "end": clock // 1000}
                self._part(P, sid, aid, pseq, kind, start, clock, data)

            def step_finish(reason: str) -> None:
                nonlocal clock, pseq
                i_, o_, rs = r.randint(400, 9000), r.randint(20, 900), r.choice([0, 0, r.randint(10, 600)])
                cr = r.choice([0, i_ // 2, i_ - 200 if i_ > 400 else 0])
                step_cost = round((i_ * pin + o_ * pout) / 1e6, 6)
                for k, v in enumerate((i_, o_, rs, cr, 0)):
                    usage[k] += v
                pseq += 1
                clock += r.randint(10_000, 50_000)
                self._part(P, sid, aid, pseq, "step-finish", clock, clock, {
                    "type": "step-finish", "reason": reason,
                    "tokens": {"input": i_, "output": o_, "reasoning": rs, "cache": {"read": cr, "write": 0},
                               "estimated": provider_id == "ollama"},
                    "cost": step_cost if pin else None})

            step_start()
            streamed("reasoning", c.english(r, 200, 800))
            for _ in range(n_tools):
                pseq_tool = pseq + 1
                pseq += 1
                name, arg = TOOLS[r.randrange(len(TOOLS))]
                tool_in: dict[str, Any] = {}
                if arg == "name":
                    tool_in = {"name": r.choice(["df", "df_sales", "result", "model", "X_train", "scores", "cleaned"])}
                elif arg == "query":
                    tool_in = {"query": " ".join(r.sample(c.words, 3)), "limit": 5}
                elif arg == "cell_id":
                    tool_in = {"cell_id": f"{r.getrandbits(32):08x}"}
                elif arg == "code":
                    tool_in = {"code": c.code_block(r, 1, 4)}
                output = c.table(r) if name in ("inspect_dataframe", "read_variable") else c.code_block(r, 3, 18)
                t_start = clock + r.randint(10_000, 200_000)
                t_end = t_start + r.randint(5_000, 3_000_000)
                call_id = f"call_{r.getrandbits(64):016x}"
                # the tool part is created when the call starts streaming, completed after the step ends
                self._part(P, sid, aid, pseq_tool, "tool", clock + 5_000, t_end, {
                    "type": "tool", "call_id": call_id, "tool": name, "state": {
                        "status": "completed", "input": tool_in, "output": output,
                        "title": f"{name}({', '.join(str(v)[:20] for v in tool_in.values())})",
                        "time": {"start": t_start // 1000, "end": t_end // 1000}}})
                step_finish("tool-calls")
                clock = t_end
                step_start()
            streamed("text", c.answer(r, 200, 800))
            failed = r.random() < 0.01
            step_finish("error" if failed else "stop")
            completed = clock + r.randint(1_000, 30_000)
            cost = round((usage[0] * pin + usage[1] * pout) / 1e6, 6) if pin else None
            error = {"name": "APIError", "message": "the provider returned HTTP 500", "status_code": 500,
                     "retryable": True} if failed else None
            self._message(M, aid, sid, seq, "assistant", a, completed, completed, model_id, provider_id, usage, cost, {
                "time_created": iso(a), "role": "assistant", "parent_id": uid, "time_completed": iso(completed),
                "model_id": model_id, "provider_id": provider_id,
                "tokens": {"input": usage[0], "output": usage[1], "reasoning": usage[2],
                           "cache": {"read": usage[3], "write": usage[4]}, "estimated": provider_id == "ollama"},
                "cost": cost, "finish": "error" if failed else "stop", "error": error, "owner": None},
                finish="error" if failed else "stop", error_name="APIError" if failed else None)
            count += 2
            tin += usage[0]
            tout += usage[1]
            cost_total += cost or 0.0
            if si in plan.big:  # a long-running conversation, resumed every day or so
                t = completed + int(r.expovariate(1 / 50_000.0) * 1e6)
            elif r.random() < 0.1:  # a session resumed days later
                t = completed + int(r.expovariate(1 / 170_000.0) * 1e6)
            else:
                t = completed + int(r.expovariate(1 / 240.0) * 1e6)
            updated = completed
        S["id"].append(sid)
        S["project_id"].append(self.project_id)
        S["title"].append(title)
        S["tc"].append(created)
        S["tu"].append(updated)
        S["ta"].append(updated + 86_400_000_000 if si in plan.archived else None)
        S["message_count"].append(count)
        S["tokens_input"].append(tin)
        S["tokens_output"].append(tout)
        S["cost"].append(round(cost_total, 6))

    @staticmethod
    def _message(M: dict, mid: str, sid: str, seq: int, role: str, tc: int, tu: int, tcomp: int, model_id: str,
                 provider_id: str | None, usage: list[int] | None, cost: float | None, data: dict,
                 finish: str | None = None, error_name: str | None = None) -> None:
        M["id"].append(mid)
        M["session_id"].append(sid)
        M["seq"].append(seq)
        M["role"].append(role)
        M["tc"].append(tc)
        M["tu"].append(tu)
        M["tcomp"].append(tcomp)
        M["model_id"].append(model_id)
        M["provider_id"].append(provider_id)
        for k, name in enumerate(("ti", "to", "tr", "tcr", "tcw")):
            M[name].append(usage[k] if usage else None)
        M["cost"].append(cost)
        M["finish"].append(finish)
        M["error_name"].append(error_name)
        M["data"].append(_dumps(data))


def _frame(columns: dict[str, list], ints: Sequence[str] = (), floats: Sequence[str] = ()) -> pd.DataFrame:
    out = {}
    for name, values in columns.items():
        if name in ints:
            out[name] = pd.array(values, dtype="Int64")
        elif name in floats:
            out[name] = pd.array(values, dtype="Float64")
        else:
            out[name] = values
    return pd.DataFrame(out)


# -- the minimal SQLite store with OpenCode's schema ----------------------------------------------------

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS project (
    id TEXT PRIMARY KEY, worktree TEXT NOT NULL, vcs TEXT, name TEXT, icon_url TEXT, icon_color TEXT,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, time_initialized INTEGER,
    sandboxes TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS session (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES project(id) ON DELETE CASCADE, workspace_id TEXT,
    parent_id TEXT, slug TEXT NOT NULL, directory TEXT NOT NULL, path TEXT, title TEXT NOT NULL,
    version TEXT NOT NULL, share_url TEXT, summary_additions INTEGER, summary_deletions INTEGER,
    summary_files INTEGER, summary_diffs TEXT, cost REAL NOT NULL DEFAULT 0,
    tokens_input INTEGER NOT NULL DEFAULT 0, tokens_output INTEGER NOT NULL DEFAULT 0,
    tokens_reasoning INTEGER NOT NULL DEFAULT 0, tokens_cache_read INTEGER NOT NULL DEFAULT 0,
    tokens_cache_write INTEGER NOT NULL DEFAULT 0, revert TEXT, permission TEXT, goal TEXT, agent TEXT, model TEXT,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, time_compacting INTEGER, time_archived INTEGER);
CREATE INDEX IF NOT EXISTS session_project_idx ON session (project_id);
CREATE INDEX IF NOT EXISTS session_workspace_idx ON session (workspace_id);
CREATE INDEX IF NOT EXISTS session_parent_idx ON session (parent_id);
CREATE TABLE IF NOT EXISTS message (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS message_session_time_created_id_idx ON message (session_id, time_created, id);
CREATE TABLE IF NOT EXISTS part (
    id TEXT PRIMARY KEY, message_id TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS part_message_id_id_idx ON part (message_id, id);
CREATE INDEX IF NOT EXISTS part_session_idx ON part (session_id);
"""


def sqlite_connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA busy_timeout=5000")
    return con


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else ids.epoch_ms(moment)


class SqliteStore:
    """OpenCode's way: upsert the message/part row with its JSON on every change; same models, same payloads."""

    def __init__(self, path: Path, notebook: str = NOTEBOOK):
        self.path = Path(path)
        self.notebook = notebook
        self.events = EventBus()
        self._con: sqlite3.Connection | None = None
        self._depth = 0
        self._pending: list[Event] = []
        self.project_id = ""
        self.opens = 0

    @property
    def con(self) -> sqlite3.Connection:
        if self._con is None:
            self._con = sqlite_connect(self.path)
            self.opens += 1
            if not self.project_id:
                self._con.executescript(SQLITE_SCHEMA)
                row = self._con.execute("SELECT id FROM project ORDER BY time_created LIMIT 1").fetchone()
                if row is None:
                    pid, created = ids.new_id("project")
                    self._con.execute("INSERT INTO project (id, worktree, time_created, time_updated) VALUES (?,?,?,?)",
                                      [pid, self.notebook, _ms(created), _ms(created)])
                    row = (pid,)
                self.project_id = row[0]
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        con = self.con
        if self._depth:
            self._depth += 1
            try:
                yield con
            finally:
                self._depth -= 1
            return
        con.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            self._pending = []
            raise
        finally:
            self._depth = 0
        events, self._pending = self._pending, []
        for event in events:
            self.events.publish(event)

    def publish_delta(self, session_id: str, part_id: str, delta: str, field: str = "text") -> None:
        self.events.publish(Event("part.delta", session_id, {"part_id": part_id, "field": field, "delta": delta}))

    def create_session(self, title: str = "") -> str:
        sid, created = ids.new_id("session")
        with self.transaction() as con:
            con.execute("INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated)"
                        " VALUES (?,?,?,?,?,?,?,?)", [sid, self.project_id, sid[-8:], "/", title, "bench", _ms(created),
                                                      _ms(created)])
            self._pending.append(Event("session.created", sid, sid))
        return sid

    def append_message(self, message, parts=()) -> None:
        message = MessageAdapter.validate_python(message)
        data = store_mod._dump_message(message)
        payloads = [(store_mod._check_part(p), store_mod._dump_part(p)) for p in parts]
        now = ids.epoch_ms()
        with self.transaction() as con:
            con.execute("INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?)"
                        " ON CONFLICT (id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data",
                        [message.id, message.session_id, _ms(message.time_created), now, data])
            for part, payload in payloads:
                self._write_part(con, part, payload)
            con.execute("UPDATE session SET time_updated = ? WHERE id = ?", [now, message.session_id])
            self._pending.append(Event("message.updated", message.session_id, message))
            self._pending.extend(Event("part.updated", p.session_id, p) for p, _ in payloads)

    def update_message(self, message) -> None:
        message = MessageAdapter.validate_python(message)
        data = store_mod._dump_message(message)
        now = ids.epoch_ms()
        with self.transaction() as con:
            con.execute("UPDATE message SET time_updated = ?, data = ? WHERE id = ?", [now, data, message.id])
            if isinstance(message, AssistantMessage) and message.time_completed is not None:
                tk = message.tokens
                con.execute("UPDATE session SET time_updated = ?, cost = cost + ?, tokens_input = tokens_input + ?,"
                            " tokens_output = tokens_output + ?, tokens_reasoning = tokens_reasoning + ?,"
                            " tokens_cache_read = tokens_cache_read + ?, tokens_cache_write = tokens_cache_write + ?"
                            " WHERE id = ?", [now, message.cost or 0, tk.input, tk.output, tk.reasoning, tk.cache.read,
                                              tk.cache.write, message.session_id])
            self._pending.append(Event("message.updated", message.session_id, message))

    def put_part(self, part) -> None:
        part = store_mod._check_part(part)
        payload = store_mod._dump_part(part)
        with self.transaction() as con:
            self._write_part(con, part, payload)
            self._pending.append(Event("part.updated", part.session_id, part))

    def _write_part(self, con: sqlite3.Connection, part, payload: str) -> None:
        now = ids.epoch_ms()
        con.execute("INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?,?)"
                    " ON CONFLICT (id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data",
                    [part.id, part.message_id, part.session_id, _ms(ids.time_of(part.id)), now, payload])

    def list_sessions(self, limit: int = 50):
        rows = self.con.execute(
            "SELECT id, project_id, parent_id, title, time_created, time_updated, time_archived, 0, tokens_input,"
            " tokens_output, cost FROM session WHERE project_id = ? AND time_archived IS NULL"
            " ORDER BY time_updated DESC, id DESC LIMIT ?", [self.project_id, limit]).fetchall()
        out = []
        for row in rows:
            row = list(row)
            for k in (4, 5, 6):
                row[k] = None if row[k] is None else datetime.fromtimestamp(row[k] / 1000, timezone.utc).replace(tzinfo=None)
            out.append(store_mod._session_from_row(row))
        return out

    def get_messages(self, session_id: str) -> list[MessageWithParts]:
        con = self.con
        messages = con.execute(
            "SELECT '{\"id\":\"' || id || '\",\"session_id\":\"' || session_id || '\",' || substr(data, 2) FROM message"
            " WHERE session_id = ? ORDER BY time_created, id", [session_id]).fetchall()
        parts = con.execute(
            "SELECT '{\"id\":\"' || id || '\",\"session_id\":\"' || session_id || '\",\"message_id\":\"' || message_id"
            " || '\",' || substr(data, 2) FROM part WHERE session_id = ? ORDER BY time_created, id",
            [session_id]).fetchall()
        infos = store_mod._MessageList.validate_json(store_mod._json_array(row[0] for row in messages))
        by_message: dict[str, list] = {info.id: [] for info in infos}
        for part in PartListAdapter.validate_json(store_mod._json_array(row[0] for row in parts)):
            by_message.setdefault(part.message_id, []).append(part)
        return [MessageWithParts.model_construct(info=info, parts=by_message[info.id]) for info in infos]


# =====================================================================================================
# Building and caching the big stores
# =====================================================================================================

def version_key(scale: float, corpus: Corpus) -> str:
    """Changes whenever the data, the generator, the schema or DuckDB changes (the cache is rebuilt then)."""
    schema = hashlib.sha1("|".join(name for name, _ in migrations.MIGRATIONS).encode()).hexdigest()[:6]
    code = hashlib.sha1(("".join(inspect.getsource(obj) for obj in (
        Corpus, Plan, Generator, fast_id, build, size_variants, secondary_indexes))
        + repr(M001_INDEXES) + repr(KEEP_LAYOUTS)).encode()).hexdigest()[:6]
    size = "full" if scale == 1 else f"x{scale:g}"
    return f"{GEN_VERSION}-{size}-duckdb{duckdb.__version__}-schema{schema}-code{code}-corpus{corpus.digest}"


def build(target: Path, scale: float, corpus: Corpus) -> dict:
    tmp = target.with_name(target.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    duck_path, lite_path = tmp / "buddy.duckdb", tmp / "opencode.sqlite"
    t_start = time.perf_counter()
    plan = Plan(scale)
    s = Store(duck_path, notebook=NOTEBOOK)  # the real migrations, indexes and project row
    project_id = s.project.id
    s.close()
    lcon = sqlite_connect(lite_path)
    lcon.executescript(SQLITE_SCHEMA)
    created_ms = _ms(s.project.time_created)
    lcon.execute("INSERT INTO project (id, worktree, time_created, time_updated) VALUES (?,?,?,?)",
                 [project_id, NOTEBOOK, created_ms, created_ms])
    gen = Generator(corpus, plan, project_id)
    spent = defaultdict(float)
    # Generate session by session into an in-memory staging database, then insert everything in time order:
    # a real store grows by appending, so a long session's rows end up interleaved with other sessions'.
    stage = duckdb.connect()
    t = time.perf_counter()
    first = True
    for S, M, P in gen.chunks():
        spent["generate"] += time.perf_counter() - t
        t = time.perf_counter()
        frames = {"s_session": _frame(S, ints=("ta",), floats=("cost",)),
                  "s_message": _frame(M, ints=("tcomp", "ti", "to", "tr", "tcr", "tcw"), floats=("cost",)),
                  "s_part": pd.DataFrame(P)}
        for name, df in frames.items():
            stage.register("chunk", df)
            stage.execute(f"CREATE TABLE {name} AS SELECT * FROM chunk" if first else
                          f"INSERT INTO {name} SELECT * FROM chunk")
            stage.unregister("chunk")
        first = False
        del frames, df
        spent["stage"] += time.perf_counter() - t
        t = time.perf_counter()
    t = time.perf_counter()
    stage.execute(f"ATTACH '{duck_path}' AS tgt")
    stage.execute("INSERT INTO tgt.session (id, project_id, parent_id, title, time_created, time_updated, time_archived,"
                  " message_count, tokens_input, tokens_output, cost) SELECT id, project_id, NULL, title,"
                  " make_timestamp(tc), make_timestamp(tu), make_timestamp(ta), message_count, tokens_input,"
                  " tokens_output, cost FROM s_session ORDER BY tc")
    stage.execute("INSERT INTO tgt.message (id, session_id, seq, role, time_created, time_updated, time_completed,"
                  " model_id, provider_id, tokens_input, tokens_output, tokens_reasoning, tokens_cache_read,"
                  " tokens_cache_write, cost, finish, error_name, data) SELECT id, session_id, seq, role,"
                  " make_timestamp(tc), make_timestamp(tu), make_timestamp(tcomp), model_id, provider_id, ti, \"to\","
                  " tr, tcr, tcw, cost, finish, error_name, data FROM s_message ORDER BY tc")
    stage.execute("INSERT INTO tgt.part (id, session_id, message_id, seq, type, time_created, time_updated, data)"
                  " SELECT id, session_id, message_id, seq, type, make_timestamp(tc), make_timestamp(tu), data"
                  " FROM s_part ORDER BY tc")
    stage.execute("CHECKPOINT tgt")
    stage.execute("DETACH tgt")
    spent["duckdb insert"] += time.perf_counter() - t
    # A store grown this large has been rewritten with large blocks when a kernel opened it (past
    # fileformat.LARGE_AT); a bulk load skips that step, so take it here.
    t = time.perf_counter()
    fileformat.rewrite(duck_path)
    spent["duckdb rewrite (block size for its size)"] = time.perf_counter() - t
    t = time.perf_counter()
    for select, insert in (
        ("SELECT id, project_id, right(id, 8), '/home/learner/course', title, 'bench', cost, tokens_input,"
         " tokens_output, tc // 1000, tu // 1000, ta // 1000 FROM s_session ORDER BY tc",
         "INSERT INTO session (id, project_id, slug, directory, title, version, cost, tokens_input, tokens_output,"
         " time_created, time_updated, time_archived) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"),
        ("SELECT id, session_id, tc // 1000, tu // 1000, data FROM s_message ORDER BY tc",
         "INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?)"),
        ("SELECT id, message_id, session_id, tc // 1000, tu // 1000, data FROM s_part ORDER BY tc",
         "INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?,?)"),
    ):
        cur = stage.execute(select)
        lcon.execute("BEGIN")
        while rows := cur.fetchmany(50_000):
            lcon.executemany(insert, rows)
        lcon.execute("COMMIT")
    lcon.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    lcon.close()
    stage.close()
    spent["sqlite insert"] += time.perf_counter() - t
    counts = duckdb.connect(str(duck_path), read_only=True)
    n = {tbl: counts.execute(f"SELECT count(*) FROM {tbl}").fetchall()[0][0] for tbl in ("session", "message", "part")}
    big_counts = [counts.execute("SELECT count(*) FROM message WHERE session_id = ?", [b]).fetchall()[0][0]
                  for b in gen.big_ids]
    counts.close()
    t = time.perf_counter()
    variants = size_variants(duck_path, tmp)
    spent["size variants"] = time.perf_counter() - t
    meta = {"version": target.name, "build_seconds": round(time.perf_counter() - t_start, 1), "variants": variants,
            "phases": {k: round(v, 1) for k, v in spent.items()}, "counts": n, "big_sessions": gen.big_ids,
            "big_session_messages": big_counts, "project_id": project_id}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return meta


def bench_layouts(files: dict[str, Path], big_sid: str, reps: int = 25) -> list[str]:
    """Reads and writes on the same rows in other layouts, round-robin (ms, medians)."""
    cons = {name: duckdb.connect(str(path)) for name, path in files.items()}
    con0 = next(iter(cons.values()))
    # the session's first part (the statement benchmark added part-less messages at its end)
    mid, pid = con0.execute("SELECT message_id, id FROM part WHERE session_id = ? ORDER BY time_created LIMIT 1",
                            [big_sid]).fetchall()[0]
    payload = _dumps({"type": "text", "text": "y" * 1500, "synthetic": False, "ignored": False,
                      "time": {"start": 1, "end": None}})

    def load(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(duck_sql.SELECT_MESSAGE_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id",
                    [big_sid]).fetchall()
        con.execute(duck_sql.SELECT_PART_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id",
                    [big_sid]).fetchall()

    def listing(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(duck_sql.SELECT_SESSIONS + " WHERE time_archived IS NULL ORDER BY time_updated DESC, id DESC"
                    " LIMIT 50").fetchall()

    def insert(con: duckdb.DuckDBPyConnection) -> None:
        now = ids.utcnow()
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO part (id, session_id, message_id, seq, type, time_created, time_updated, data)"
                    " VALUES (?, ?, ?, 99, 'text', ?, ?, ?)", [ids.new_id("part")[0], big_sid, mid, now, now, payload])
        con.execute("COMMIT")

    def update(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE part SET time_updated = ?, data = ? WHERE id = ?", [ids.utcnow(), payload, pid])
        con.execute("COMMIT")

    def max_seq(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("SELECT coalesce(max(seq), 0) + 1 FROM part WHERE message_id = ?", [mid]).fetchall()

    ops = {"load 500-message session (SQL only)": load, "list 50 sessions (SQL only)": listing,
           "INSERT part + commit": insert, "UPDATE part by id + commit": update, "max(seq) by message_id": max_seq}
    got: dict[tuple[str, str], list[float]] = defaultdict(list)
    for name, con in cons.items():
        for fn in ops.values():
            fn(con)  # warm
    for _ in range(reps):
        for op, fn in ops.items():
            for name, con in cons.items():
                t = time.perf_counter()
                fn(con)
                got[(name, op)].append(time.perf_counter() - t)
    for con in cons.values():
        con.close()
    width = max(len(op) for op in ops)
    lines = ["    " + " " * width + "  " + "  ".join(f"{name:>24}" for name in cons)]
    for op in ops:
        lines.append(f"    {op:<{width}}  " + "  ".join(f"{median(got[(name, op)]) * MS:>21.2f} ms" for name in cons))
    return lines


# The secondary indexes migration m001 creates (a later migration may drop them): a size variant shows their cost.
M001_INDEXES = {"message_by_session": "CREATE INDEX message_by_session ON message (session_id, time_created, id)",
                "part_by_session": "CREATE INDEX part_by_session ON part (session_id, time_created, id)",
                "part_by_message": "CREATE INDEX part_by_message ON part (message_id, id)"}
PK_ONLY = "m004's layout: a primary key on every table, data compressed"
WITH_M001 = "primary keys + m001's 3 secondary indexes"
# variant -> (file kept for the layout timings, its column label there); a variant equal to the Store's own
# layout is not built (the Store's file stands for it)
KEEP_LAYOUTS = {PK_ONLY: ("layout-pk.duckdb", "m004: PK, compressed"),
                WITH_M001: ("layout-m001.duckdb", "PK + m001's 3 indexes"),
                "primary keys only + data JSON USING COMPRESSION zstd": ("layout-pk-zstd.duckdb", "PK only + zstd data"),
                "primary keys only + data JSON USING COMPRESSION uncompressed": ("layout-pk-raw.duckdb",
                                                                               "PK only + raw data")}


def secondary_indexes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """name -> CREATE INDEX statement of the explicit indexes on the conversation tables (primary keys excluded)."""
    return dict(con.execute(
        "SELECT index_name, sql FROM duckdb_indexes() WHERE database_name = current_database()"
        " AND table_name IN ('session', 'message', 'part') AND NOT is_primary ORDER BY index_name").fetchall())


def describe_layout(con: duckdb.DuckDBPyConnection) -> str:
    """The Store's own layout in a few words: which tables have a primary key, how part.data is stored."""
    keyed = [t for (t,) in con.execute(
        "SELECT DISTINCT table_name FROM duckdb_constraints() WHERE database_name = current_database()"
        " AND constraint_type = 'PRIMARY KEY' AND table_name IN ('session', 'message', 'part') ORDER BY 1").fetchall()]
    ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE database_name = current_database()"
                      " AND table_name = 'part'").fetchall()[0][0]
    found = re.search(r"USING COMPRESSION (\w+)", ddl)
    data = found.group(1).lower() if found else "compressed"
    extra = secondary_indexes(con)
    return (f"PK on {'/'.join(keyed) or 'none'}" + (f" + {len(extra)} indexes" if extra else "")
            + f", part.data {data}")


def size_variants(duck_path: Path, folder: Path) -> dict[str, dict[str, float]]:
    """The same rows in other layouts: how much of the file the indexes and the string compression decide."""
    ddl = {
        "session": "id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL, parent_id VARCHAR, title VARCHAR NOT NULL,"
                   " time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL, time_archived TIMESTAMP,"
                   " message_count INTEGER NOT NULL, tokens_input BIGINT NOT NULL, tokens_output BIGINT NOT NULL,"
                   " cost DOUBLE NOT NULL, data JSON",
        "message": "id VARCHAR PRIMARY KEY, session_id VARCHAR NOT NULL, seq INTEGER NOT NULL, role VARCHAR NOT NULL,"
                   " time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL, time_completed TIMESTAMP,"
                   " model_id VARCHAR, provider_id VARCHAR, tokens_input BIGINT, tokens_output BIGINT,"
                   " tokens_reasoning BIGINT, tokens_cache_read BIGINT, tokens_cache_write BIGINT, cost DOUBLE,"
                   " finish VARCHAR, error_name VARCHAR, data JSON NOT NULL",
        "part": "id VARCHAR PRIMARY KEY, session_id VARCHAR NOT NULL, message_id VARCHAR NOT NULL, seq INTEGER NOT NULL,"
                " type VARCHAR NOT NULL, time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL,"
                " data JSON NOT NULL",
    }
    src = duckdb.connect(str(duck_path), read_only=True)
    own = secondary_indexes(src)  # whatever the real migrations left
    own_ddl = dict(src.execute("SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database()"
                               " AND table_name IN ('session', 'message', 'part')").fetchall())
    own_layout = describe_layout(src)
    src.close()
    # name -> (the Store's own CREATE TABLEs?, no primary keys?, data compression, indexes)
    layouts: dict[str, tuple[bool, bool, str, list[str]]] = {
        f"the Store's own layout ({own_layout}), rebuilt": (True, False, "", list(own.values())),
        PK_ONLY: (False, False, "", []),
        WITH_M001: (False, False, "", list(M001_INDEXES.values())),
        "no indexes at all": (False, True, "", []),
        "primary keys only + data JSON USING COMPRESSION zstd": (False, False, "zstd", []),
        "primary keys only + data JSON USING COMPRESSION uncompressed": (False, False, "uncompressed", []),
    }
    out: dict[str, dict[str, float]] = {}
    for name, (as_store, no_pk, compression, indexes) in layouts.items():
        path = folder / "variant.duckdb"
        for f in (path, path.with_name(path.name + ".wal")):
            if f.exists():
                f.unlink()
        con = duckdb.connect(str(path))
        con.execute(f"ATTACH '{duck_path}' AS src (READ_ONLY)")
        for table, cols in ddl.items():
            if no_pk:
                cols = cols.replace(" PRIMARY KEY", "")
            if compression:
                cols = cols.replace("data JSON", f"data JSON USING COMPRESSION {compression}")
            con.execute(own_ddl[table] if as_store else f"CREATE TABLE {table} ({cols})")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table}")
        for statement in indexes:
            con.execute(statement)
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
        con.close()
        out[name] = {"bytes": dir_size(path, path.with_name(path.name + ".wal"))}
        if name in KEEP_LAYOUTS:
            path.rename(folder / KEEP_LAYOUTS[name][0])
        for f in (path, path.with_name(path.name + ".wal")):
            if f.exists():
                f.unlink()
    return out


def check_row_format(path: Path, sessions: list[str]) -> str:
    """Rows built in bulk must be what Store itself writes: re-serialise what Store reads and compare."""
    s = Store(path, notebook=NOTEBOOK)
    checked = 0
    try:
        for sid in sessions:
            history = s.get_messages(sid)
            with s.connection() as con:
                mrows = dict((r[0], r[1:]) for r in con.execute(
                    "SELECT id, data::VARCHAR, time_completed, model_id, provider_id, tokens_input, tokens_output,"
                    " tokens_reasoning, tokens_cache_read, tokens_cache_write, cost, finish, error_name, seq"
                    " FROM message WHERE session_id = ?", [sid]).fetchall())
                prows = dict((r[0], r[1:]) for r in con.execute(
                    "SELECT id, data::VARCHAR, type, time_created FROM part WHERE session_id = ?", [sid]).fetchall())
            for item in history[:60]:
                row = mrows[item.info.id]
                assert store_mod._dump_message(item.info) == row[0], (item.info.id, row[0][:200])
                assert list(row[1:12]) == store_mod._message_columns(item.info), (item.info.id, row[1:12])
                for part in item.parts:
                    prow = prows[part.id]
                    assert store_mod._dump_part(part) == prow[0], (part.id, prow[0][:200])
                    assert prow[1] == part.type and prow[2] == ids.time_of(part.id), part.id
                    checked += 1
            seqs = sorted(row[12] for row in mrows.values())
            assert seqs == list(range(1, len(seqs) + 1)), "message seq"
    finally:
        s.close()
    return f"{checked} parts and their messages re-serialise identically"


def dir_size(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.exists())


# =====================================================================================================
# Timing helpers and a profiled Store (timing in this script only)
# =====================================================================================================

def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def p90(xs: Sequence[float]) -> float:
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(round(0.9 * (len(ys) - 1))))]


_LABELS = {
    duck_sql.INSERT_MESSAGE: "INSERT message (seq given)",
    duck_sql.INSERT_PART: "INSERT part (seq from memory)",
    duck_sql.UPDATE_PART_AT: "UPDATE part by time and id (a part this Store wrote)",
    duck_sql.UPDATE_PART: "UPDATE part by id alone (an id from elsewhere)",
    duck_sql.PART_SLOT: "PART_SLOT (session, max(seq), exists) of a message",
    duck_sql.ADD_TO_SESSION: "ADD to session totals at commit (count, tokens, cost)",
    duck_sql.SHIFT_SESSION_USAGE: "SHIFT session usage (before a message update)",
    duck_sql.TITLE_IF_UNTITLED: "TITLE_IF_UNTITLED",
    duck_sql.SESSION_SLOT: "SESSION_SLOT check (exists, last seq)",
    duck_sql.UPDATE_MESSAGE: "UPDATE message",
    duck_sql.REFRESH_SESSION_TOTALS: "REFRESH session totals (count/sum over message)",
    duck_sql.INSERT_SESSION: "INSERT session",
    "BEGIN TRANSACTION": "BEGIN",
    "COMMIT": "COMMIT",
}


def _label(query: str) -> str:
    if query in _LABELS:
        return _LABELS[query]
    if query.startswith(duck_sql.SELECT_MESSAGE_JSON):
        return "SELECT message JSON" + (" (recover scan)" if "time_completed IS NULL" in query else "")
    if query.startswith(duck_sql.SELECT_PART_JSON):
        return "SELECT part JSON"
    if query.startswith(duck_sql.SELECT_SESSIONS):
        return "SELECT sessions"
    return " ".join(query.split())[:60]


class Profile:
    def __init__(self) -> None:
        self.t: dict[str, float] = defaultdict(float)
        self.n: dict[str, int] = defaultdict(int)

    def add(self, label: str, dt: float, count: bool = True) -> None:
        self.t[label] += dt
        if count:
            self.n[label] += 1

    def reset(self) -> None:
        self.t.clear()
        self.n.clear()


class TimedCon:
    """Wraps the DuckDB connection the lease holds: times every execute/fetch/close (into ``owner.profile``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, owner: Any):
        self._con = con
        self._owner = owner
        self._last = ""

    def execute(self, query: str, params: Any = None) -> "TimedCon":
        t = time.perf_counter()
        if params is None:
            self._con.execute(query)
        else:
            self._con.execute(query, params)
        self._last = _label(query)
        self._owner.profile.add(self._last, time.perf_counter() - t)
        return self

    def fetchall(self) -> list:
        t = time.perf_counter()
        rows = self._con.fetchall()
        self._owner.profile.add(self._last, time.perf_counter() - t, count=False)
        return rows

    def close(self) -> None:
        t = time.perf_counter()
        self._con.close()
        self._owner.profile.add("close (checkpoint on close)", time.perf_counter() - t)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class ProfiledStore(Store):
    def __init__(self, *args: Any, profile: Profile | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.profile = profile or Profile()
        lease = self._lease
        raw_connect, raw_on_open = lease._connect, lease.on_open

        def on_open(con: duckdb.DuckDBPyConnection) -> None:
            t = time.perf_counter()
            raw_on_open(TimedCon(con, self))  # type: ignore[misc]
            self.profile.add("open: on_open hook (total)", time.perf_counter() - t)

        def connect() -> TimedCon:
            t = time.perf_counter()
            con = raw_connect()
            self.profile.add("open: duckdb.connect + on_open", time.perf_counter() - t)
            return self._wrap(con)

        lease.on_open = on_open
        lease._connect = connect  # type: ignore[method-assign]

    def _wrap(self, con: duckdb.DuckDBPyConnection) -> TimedCon:
        return TimedCon(con, self)


# =====================================================================================================
# One chat turn, written the way the engine writes it
# =====================================================================================================

def make_deltas(corpus: Corpus, seed: int, tokens: int) -> list[str]:
    r = random.Random(seed)
    text = corpus.answer(r, tokens * 4, tokens * 4 + 200)
    while len(text) < tokens * 4:
        text += " " + corpus.english(r, 200, 400)
    words = re.findall(r"\S+\s*|\s+", text)
    deltas: list[str] = []
    for w in words:  # ~4 characters a token, as providers stream them
        for i in range(0, len(w), 4):
            deltas.append(w[i:i + 4])
    return deltas[:tokens]


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


# =====================================================================================================
# The measurements
# =====================================================================================================

class Results:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.notes: list[str] = []

    def add(self, figure: str, duck: float | str | None, lite: float | str | None, target: str = "",
            ok: bool | None = None, unit: str = "ms") -> None:
        def fmt(v: float | str | None) -> str:
            if v is None:
                return "-"
            if isinstance(v, str):
                return v
            return f"{v:,.1f} {unit}" if unit else f"{v:,.1f}"
        mark = "" if ok is None else ("PASS" if ok else "MISS")
        self.rows.append((figure, fmt(duck), fmt(lite), target, mark))
        print(f"  {figure}: duckdb {fmt(duck)}, sqlite {fmt(lite)} {target} {mark}", flush=True)

    def table(self) -> str:
        head = ("figure", "DuckDB (Store)", "SQLite (OpenCode)", "target", "")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(5)]
        line = "  ".join("-" * w for w in widths)
        out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)), line]
        for r in self.rows:
            out.append("  ".join((r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].rjust(widths[2]),
                                  r[3].ljust(widths[3]), r[4])))
        return "\n".join(out)


def duck_store(path: Path, profile: Profile | None = None, **kw: Any) -> ProfiledStore:
    return ProfiledStore(path, notebook=NOTEBOOK, profile=profile, **kw)


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


def bench_reads(res: Results, duck_path: Path, lite_path: Path, big_sid: str, n_list: int = 30,
                n_load: int = 15) -> dict[str, Profile]:
    profiles = {}
    # 4. open an existing store: first operation (list the newest 50) on a fresh Store object
    opens, lite_opens, closes, connects = [], [], [], []
    prof_open = Profile()
    for i in range(8):
        gc.collect()
        s = duck_store(duck_path, prof_open if i >= 1 else None)
        t = time.perf_counter()
        s.list_sessions(limit=50)
        opens.append(time.perf_counter() - t)
        t = time.perf_counter()
        s.close()
        closes.append(time.perf_counter() - t)
        t = time.perf_counter()
        raw = duckdb.connect(str(duck_path))
        connects.append(time.perf_counter() - t)
        raw.close()
        ls = SqliteStore(lite_path)
        t = time.perf_counter()
        ls.list_sessions(limit=50)
        lite_opens.append(time.perf_counter() - t)
        ls.close()
    profiles["open"] = prof_open
    if hasattr(Store, "_check_whole"):
        raw = duckdb.connect(str(duck_path))
        probe = Store(duck_path, notebook=NOTEBOOK)
        whole, cheap = [], []
        for _ in range(5):
            t = time.perf_counter()
            probe._check_whole(raw)  # type: ignore[attr-defined]
            whole.append(time.perf_counter() - t)
            t = time.perf_counter()
            raw.execute("SELECT total_blocks, block_size FROM pragma_database_size()"
                        " WHERE database_name = current_database()").fetchall()
            cheap.append(time.perf_counter() - t)
        raw.close()
        res.notes.append(f"open: Store._check_whole (pragma_storage_info of every table) {median(whole) * MS:.1f} ms "
                         f"at each first open; pragma_database_size() (total_blocks x block_size vs the file size) "
                         f"{median(cheap) * MS:.2f} ms")
    res.add("4 open existing store + first op (list 50)", median(opens[1:]) * MS, median(lite_opens[1:]) * MS,
            "(none)")
    res.notes.append(f"open: bare duckdb.connect {median(connects[1:]) * MS:.1f} ms, Store.close() after a read "
                     f"{median(closes[1:]) * MS:.1f} ms; first-ever open of the cached file {opens[0] * MS:.1f} ms")
    # 2. list the 50 newest sessions, warm
    prof_list = Profile()
    s = duck_store(duck_path, prof_list, max_hold=3600.0, idle_release=60.0)
    ls = SqliteStore(lite_path)
    s.list_sessions(limit=50)
    ls.list_sessions(limit=50)
    prof_list.reset()
    dt, lt = [], []
    for _ in range(n_list):
        t = time.perf_counter()
        got = s.list_sessions(limit=50)
        dt.append(time.perf_counter() - t)
        t = time.perf_counter()
        got2 = ls.list_sessions(limit=50)
        lt.append(time.perf_counter() - t)
    assert len(got) == 50 and len(got2) == 50 and [x.id for x in got] == [x.id for x in got2], "lists differ"
    profiles["list"] = prof_list
    res.add("2 list 50 newest of 10,000 sessions (warm)", median(dt) * MS, median(lt) * MS, "<= 20 ms",
            median(dt) * MS <= 20)
    # 3. load one 500-message session with its parts
    prof_load = Profile()
    s.close()
    s = duck_store(duck_path, prof_load, max_hold=3600.0, idle_release=60.0)
    s.get_messages(big_sid)
    ls.get_messages(big_sid)
    prof_load.reset()
    dt, lt = [], []
    for _ in range(n_load):
        gc.collect()
        t = time.perf_counter()
        hist = s.get_messages(big_sid)
        dt.append(time.perf_counter() - t)
        t = time.perf_counter()
        hist2 = ls.get_messages(big_sid)
        lt.append(time.perf_counter() - t)
    n_parts = sum(len(m.parts) for m in hist)
    assert len(hist) == len(hist2) == 500 and n_parts == sum(len(m.parts) for m in hist2), "histories differ"
    profiles["load"] = prof_load
    sql_ms = sum(v for k, v in prof_load.t.items()) * MS / n_load
    res.add(f"3 load a 500-message session ({n_parts:,} parts)", median(dt) * MS, median(lt) * MS, "<= 50 ms",
            median(dt) * MS <= 50)
    res.notes.append(f"load: of the DuckDB {median(dt) * MS:.1f} ms, SQL+fetch is {sql_ms:.1f} ms, the rest is "
                     "JSON validation into pydantic models (the same code path on both sides)")
    s.close()
    ls.close()
    return profiles


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


def file_sizes(res: Results, duck: Path, lite: Path, counts: dict, variants: dict | None = None) -> None:
    dsize = dir_size(duck, duck.with_name(duck.name + ".wal"))
    lsize = dir_size(lite, lite.with_name(lite.name + "-wal"), lite.with_name(lite.name + "-shm"))
    ratio = dsize / lsize
    con = duckdb.connect(str(duck), read_only=True)
    own = secondary_indexes(con)  # what the real migrations left
    res.add(f"5 file size {counts['session']:,} / {counts['message']:,} / {counts['part']:,} "
            f"(DuckDB {describe_layout(con)})",
            f"{dsize / 2**20:,.0f} MiB", f"{lsize / 2**20:,.0f} MiB",
            f"<= 60% of SQLite ({ratio:.0%})", ratio <= 0.60)
    comp = con.execute(
        "SELECT column_name, compression, count(*) AS segments FROM pragma_storage_info('part')"
        " WHERE column_name = 'data' AND segment_type <> 'VALIDITY' GROUP BY ALL ORDER BY segments DESC").fetchall()
    blocks = con.execute("SELECT total_blocks, block_size, free_blocks FROM pragma_database_size()").fetchall()[0]
    payload = con.execute("SELECT sum(strlen(data::VARCHAR)) FROM part").fetchall()[0][0] + con.execute(
        "SELECT sum(strlen(data::VARCHAR)) FROM message").fetchall()[0][0]
    con.close()
    lcon = sqlite3.connect(str(lite))
    try:
        idx = lcon.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'sqlite_autoindex%' OR name LIKE '%_idx'"
                           ).fetchall()[0][0]
    except sqlite3.Error:
        idx = None
    lcon.close()
    res.notes.append(
        f"size: DuckDB secondary indexes (from the migrations): {', '.join(own) or 'none'}; "
        f"JSON payload bytes (message+part data) {payload / 2**20:,.0f} MiB; DuckDB part.data compression "
        f"{', '.join(f'{c} x{n}' for _, c, n in comp)}; DuckDB blocks {blocks[0]:,} x {blocks[1]:,} B, free {blocks[2]:,}"
        + (f"; SQLite indexes {idx / 2**20:,.0f} MiB" if idx else ""))
    for name, v in (variants or {}).items():
        timings = ", ".join(f"{k} {x:.1f} ms" for k, x in v.items() if k != "bytes")
        res.notes.append(f"layout '{name}': {v['bytes'] / 2**20:,.0f} MiB ({v['bytes'] / lsize:.0%} of SQLite)"
                         + (f"; {timings}" if timings else ""))


# =====================================================================================================

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1/10 of the size (1,000 sessions), for trying changes")
    ap.add_argument("--turns", type=int, default=30, help="turns per measured mode (median over them)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached big stores")
    ap.add_argument("--no-paced", action="store_true", help="skip the real-time paced turn (about 25 s)")
    ap.add_argument("--keep-work", action="store_true", help="keep the working copies under bench/.data/work-*")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    t_all = time.perf_counter()
    load_start = os.getloadavg()[0]
    print(f"buddy_jupyter store benchmark: duckdb {duckdb.__version__}, sqlite {sqlite3.sqlite_version}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} cores", flush=True)
    t = time.perf_counter()
    corpus = Corpus()
    print(f"corpus: {len(corpus.sentences):,} sentences, {len(corpus.code):,} code lines from the stdlib "
          f"({time.perf_counter() - t:.1f} s)", flush=True)
    key = version_key(scale, corpus)
    cache = DATA / key
    if args.rebuild or not (cache / "meta.json").exists():
        print(f"building the big stores into {cache.relative_to(ROOT)} ...", flush=True)
        meta = build(cache, scale, corpus)
        print(f"built in {meta['build_seconds']} s {meta['phases']}", flush=True)
        size_class = key.split("-")[1]
        for old in DATA.glob(f"gen*-{size_class}-duckdb*"):  # this script's older caches of the same size only
            if old.is_dir() and old != cache and re.fullmatch(r"gen\d+-[\w.]+-duckdb.*", old.name):
                shutil.rmtree(old, ignore_errors=True)
                print(f"removed the stale cache {old.name}", flush=True)
        fresh_build = True
    else:
        meta = json.loads((cache / "meta.json").read_text())
        print(f"using cached stores {cache.relative_to(ROOT)} (built in {meta['build_seconds']} s "
              f"{meta['phases']})", flush=True)
        fresh_build = False
    counts = meta["counts"]
    big_sid = meta["big_sessions"][0]
    print(f"rows: {counts}; 500-message sessions: {meta['big_session_messages']}", flush=True)
    if fresh_build:
        print("row format check:", check_row_format(cache / "buddy.duckdb", meta["big_sessions"][:1] + [
            r[0] for r in duckdb.connect(str(cache / "buddy.duckdb"), read_only=True).execute(
                "SELECT id FROM session USING SAMPLE 3 ROWS (reservoir, 7)").fetchall()]), flush=True)

    res = Results()
    file_sizes(res, cache / "buddy.duckdb", cache / "opencode.sqlite", counts, meta.get("variants"))
    work = Path(tempfile.mkdtemp(prefix="work-", dir=DATA))
    try:
        duck, lite = work / "buddy.duckdb", work / "opencode.sqlite"
        shutil.copy(cache / "buddy.duckdb", duck)
        shutil.copy(cache / "opencode.sqlite", lite)
        print("reads on the big stores ...", flush=True)
        read_profiles = bench_reads(res, duck, lite, big_sid)
        print("turns on a fresh store ...", flush=True)
        small_profiles = bench_turns(res, "fresh", work / "small.duckdb", work / "small.sqlite", corpus, args.turns)
        print("turns on the big store ...", flush=True)
        big_profiles = bench_turns(res, "big", duck, lite, corpus, args.turns)
        if not args.no_paced:
            print("paced turns on the big store (real time) ...", flush=True)
            bench_paced(res, duck, corpus)
        print("statement costs ...", flush=True)
        stmt_big = bench_statements(duck, big_sid)
        s = Store(work / "small.duckdb", notebook=NOTEBOOK)
        small_sid = s.list_sessions(limit=1)[0].id
        s.close()
        stmt_small = bench_statements(work / "small.duckdb", small_sid)
        print("layouts ...", flush=True)
        layouts = {"Store (its own layout)": duck}
        for fname, label in KEEP_LAYOUTS.values():
            if (cache / fname).exists():
                shutil.copy(cache / fname, work / fname)
                layouts[label] = work / fname
        try:
            layout_lines = bench_layouts(layouts, big_sid)
        except Exception as error:  # never lose the report for this section
            layout_lines = [f"    (failed: {error!r})"]
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print("=" * 100)
    print(f"RESULTS (medians; scale {'1/10 (--quick)' if args.quick else 'full'}; {args.turns} turns per mode; "
          f"build {'this run' if fresh_build else 'cached'}: {meta['build_seconds']} s)")
    print(res.table())
    print()
    print("Notes:")
    for note in res.notes:
        print("  - " + note)
    print()
    print("DuckDB time per turn by statement (ms per turn; calls per turn):")
    for label, profiles in (("fresh store", small_profiles), ("big store", big_profiles)):
        for mode in ("warm, Store, naive", "warm, Store, grouped", "warm, Store, grouped, tool",
                     "after release, Store, naive", "after release, Store, grouped",
                     "after release, Store, grouped, tool"):
            prof = profiles[mode]
            total = sum(prof.t.values()) * MS / args.turns
            items = sorted(prof.t.items(), key=lambda kv: -kv[1])
            close = prof.t.get("close (checkpoint on close)", 0.0) * MS / args.turns
            print(f"  {label}, {mode}: SQL and open total {total - close:.1f} ms"
                  + (f" (plus the close before the turn, {close:.1f} ms)" if close else ""))
            for k, v in items[:7]:
                print(f"    {v * MS / args.turns:7.2f} ms  {prof.n[k] / args.turns:5.1f}x  {k}")
    print("DuckDB open (first operation on a fresh Store) by step (ms per open):")
    prof = read_profiles["open"]
    n_open = max(1, prof.n.get("open: duckdb.connect + on_open", 1))
    for k, v in sorted(prof.t.items(), key=lambda kv: -kv[1])[:9]:
        print(f"    {v * MS / n_open:7.2f} ms  {prof.n[k] / n_open:4.1f}x  {k}")
    print("DuckDB statement costs, each in its own transaction (median of 15):")
    print("  big store:")
    print("\n".join(stmt_big))
    print("  fresh store (30-odd turns):")
    print("\n".join(stmt_small))
    print("The same rows in other layouts (big store; reads and writes round-robin, median of 25):")
    print("\n".join(layout_lines))
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (1 min); at the start: {load_start:.2f}")
    print(f"total run time {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    main()
