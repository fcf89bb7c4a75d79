"""The verbs about the store files themselves: ``compact`` (rewrite one) and ``status`` (each one's size,
format, schema and counts)."""

from __future__ import annotations

import argparse

from .output import emit_table
from .where import CliError, Where, shown


def _compact(args: argparse.Namespace) -> None:
    store = Where(args.path, args.lock_timeout).store(write=True)
    report = store.compact()
    store.close()
    print(f"rewrote {store.path}: {report['bytes_before'] / 1024:,.0f} KB -> {report['bytes_after'] / 1024:,.0f} KB, "
          f"{report.get('session', 0)} session(s), {report.get('message', 0)} message(s), "
          f"{report.get('part', 0)} part(s)")


def _status(args: argparse.Namespace) -> None:
    from ..analytics.history import list_stores, open_history

    where = Where(args.path, args.lock_timeout)
    paths = list_stores(where.folder, data_dir=where.config.data_dir) if where.folder else [where.store_path]
    if where.folder is None and not where.store_path.exists():
        raise CliError(f"no buddy history for {where.notebook or where.store_path} (no store at {where.store_path})")
    columns = ["notebook", "store", "kb", "format", "schema", "sessions", "messages", "parts"]
    rows = []
    with open_history(paths, lock_wait=args.lock_timeout) as history:
        formats = dict(history.con.execute(
            "SELECT database_name, tags['storage_version'] FROM duckdb_databases()").fetchall())
        for alias, path in history.stores.items():
            counts = []
            for table in ("session", "message", "part"):
                has = alias in history._has.get(table, [])
                counts.append(history.con.execute(f"SELECT count(*) FROM {alias}.main.{table}").fetchall()[0][0]
                              if has else 0)
            schema = (history.con.execute(f"SELECT max(name) FROM {alias}.main.buddy_migrations").fetchall()[0][0]
                      if alias in _with_table(history, "buddy_migrations") else "empty")
            rows.append((shown(history.notebooks[alias], where.root), shown(str(path), where.root),
                         round(path.stat().st_size / 1024),
                         formats.get(alias), schema, *counts))
    emit_table(args, columns, rows)


def _with_table(history, table: str) -> set[str]:
    return {row[0] for row in history.con.execute(
        "SELECT database_name FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()}


COMMANDS = {"compact": _compact, "status": _status}
