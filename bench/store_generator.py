"""The big stores the persistence benchmark reads and writes: 10,000 sessions, 200,000 messages, 1M parts.

A store's costs depend on how its rows lie in the file, so the generated conversations follow a
learner's: most sessions short, a few running for months (their rows interleaved with every other
session's), answers with reasoning and tool calls, the step-finish parts with their tokens and cost.
Every row is what the Store itself would write (``store_build.check_row_format`` checks a sample), and
the whole is seeded, so every run and every machine builds the same stores.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import datetime
from typing import Any, Iterator

from buddy_jupyter.schema import ids

from store_corpus import Corpus

NOTEBOOK = "/home/learner/course/week3-pandas.ipynb"
SEED = 20260601

# Ids in the Store's format (prefix_ + 14 base32 digits of microseconds + 10 random), minted for the
# generated time rather than now, since the Store reads a row's creation time from its id; two digits per
# table lookup, as a build mints well over a million.
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
        _append(parts, id=pid, session_id=sid, message_id=mid, seq=seq, type=ptype, tc=created, tu=updated,
                data=_dumps(data))

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
        _append(S, id=sid, project_id=self.project_id, title=title, tc=created, tu=updated,
                ta=updated + 86_400_000_000 if si in plan.archived else None, message_count=count,
                tokens_input=tin, tokens_output=tout, cost=round(cost_total, 6))

    @staticmethod
    def _message(M: dict, mid: str, sid: str, seq: int, role: str, tc: int, tu: int, tcomp: int, model_id: str,
                 provider_id: str | None, usage: list[int] | None, cost: float | None, data: dict,
                 finish: str | None = None, error_name: str | None = None) -> None:
        ti, to, tr, tcr, tcw = usage if usage else (None,) * 5
        _append(M, id=mid, session_id=sid, seq=seq, role=role, tc=tc, tu=tu, tcomp=tcomp, model_id=model_id,
                provider_id=provider_id, ti=ti, to=to, tr=tr, tcr=tcr, tcw=tcw, cost=cost, finish=finish,
                error_name=error_name, data=_dumps(data))


def _append(columns: dict[str, list], **row: Any) -> None:
    """One row into the column lists the staging frames are built from."""
    for name, value in row.items():
        columns[name].append(value)
