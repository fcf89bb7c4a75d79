"""How the persistence benchmark times things: per-statement profiles of the real Store, and its report.

Only the real ``Store`` is measured, so the timing hooks wrap the connection its lease holds instead of
changing anything under ``buddy_jupyter/``: every statement's time is added to the profile under a
readable label, which is how the report can say where a turn's milliseconds go.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import duckdb

from buddy_jupyter.store import Store
from buddy_jupyter.store import sql as duck_sql

from store_generator import NOTEBOOK

MS = 1000.0


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


def duck_store(path: Path, profile: Profile | None = None, **kw: Any) -> ProfiledStore:
    return ProfiledStore(path, notebook=NOTEBOOK, profile=profile, **kw)


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
