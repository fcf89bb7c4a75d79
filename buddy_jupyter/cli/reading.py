"""The verbs that read the history: ``sessions``, ``history``, ``sql``, ``memory``, ``progress``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .output import emit_frame, emit_table
from .where import CliError, Where, pick_session, shown


def _sessions(args: argparse.Namespace) -> None:
    from ..analytics.sessions import session_rows

    where = Where(args.path, args.lock_timeout)
    archived = None if args.all else (True if args.archived else False)
    if where.folder is not None:
        columns, rows = session_rows(root=where.folder, limit=args.limit, archived=archived,
                                     data_dir=where.config.data_dir)
        if (args.format or "text") == "text":  # for reading: notebooks relative to the folder
            rows = [(shown(row[0], where.folder), *row[1:]) for row in rows]
    else:
        store = where.store()
        columns, rows = session_rows(store, limit=args.limit, archived=archived)
        store.close()
    emit_table(args, columns, rows)


def _history(args: argparse.Namespace) -> None:
    from ..transcript import session_markdown

    store = Where(args.path, args.lock_timeout).store()
    session = pick_session(store, args.session)
    text = session_markdown(session, store.get_messages(session.id), store.notebook)
    store.close()
    sys.stdout.write(text)


def _sql(args: argparse.Namespace) -> None:
    from ..analytics import sql

    where = Where(args.path, args.lock_timeout)
    query = " ".join(args.query)
    if query.strip() == "-":
        query = sys.stdin.read()
    if where.folder is not None or args.all:
        frame = sql(query, root=where.root, data_dir=where.config.data_dir, lock_wait=args.lock_timeout)
    else:
        store = where.store()
        frame = sql(query, store=store)
        store.close()
    emit_frame(args, frame)


def _memory(args: argparse.Namespace) -> None:
    from ..analytics import search_memory

    where = Where(args.path, args.lock_timeout)
    emit_frame(args, search_memory(" ".join(args.query), root=where.root, data_dir=where.config.data_dir,
                                   limit=args.limit))


def _progress(args: argparse.Namespace) -> None:
    where = Where(args.path, args.lock_timeout)
    report = _progress_report(where, args.days)
    if args.chart:
        if not report.chart_png:
            raise CliError("no chart: nothing recorded yet, or matplotlib is not installed")
        Path(args.chart).expanduser().write_bytes(report.chart_png)
        print(f"wrote the chart to {Path(args.chart).resolve()}", file=sys.stderr)
    if (args.format or "text") == "text" and not args.output:
        print(repr(report))
        return
    emit_frame(args, report.by_day)


def _progress_report(where: Where, days: int):
    """``%buddy progress`` for one notebook (the same function), or over a folder."""
    from ..analytics.report import ProgressReport, _last_days, minutes_chart, progress_report
    from ..analytics.scope import HistoryScope

    if where.folder is None:
        store = where.store(write=True)
        try:
            return progress_report(HistoryScope(store, idle_threshold=where.config.idle_threshold), days=days)
        finally:
            store.close()
    import pandas

    from ..analytics.time_spent import time_spent
    from ..analytics.topics import progress

    threshold, data_dir = where.config.idle_threshold, where.config.data_dir
    by_day = time_spent(root=where.folder, by="day", idle_threshold=threshold, data_dir=data_dir)
    topics = progress(root=where.folder, idle_threshold=threshold, data_dir=data_dir)
    return ProgressReport(scope=str(where.folder), by_day=by_day, topics=topics, curriculum=pandas.DataFrame(),
                          chart_png=minutes_chart(_last_days(by_day, days)))


COMMANDS = {"sessions": _sessions, "history": _history, "sql": _sql, "memory": _memory, "progress": _progress}
