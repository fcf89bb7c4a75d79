"""``buddy``: the history of the magics, from a terminal (``buddy ...`` or ``python -m buddy_jupyter ...``).

Every command reads a notebook (``lesson.ipynb``: its store, where the magics keep it),
a store file (``.buddy/lesson.duckdb``) or a folder (every store under it; the default
is the working directory), and calls the same functions as the ``%buddy`` magic, so
both give the same rows. Tables print as text; ``--format csv|json|parquet`` writes
them for other programs (``-o FILE``, else standard output). Stores a kernel is
using are waited for, as a kernel waits for another (``--lock-timeout``).

Only ``argparse`` is imported at the top: ``buddy --help`` starts in well under a
second; duckdb and pandas load when a command needs them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

TABLE_FORMATS = ("text", "csv", "json", "parquet")
EXPORT_FORMATS = ("md", "json", "ipynb")
_CELL_WIDTH = 60

COMMANDS: dict[str, Callable[[argparse.Namespace], int | None]] = {}


def command(name: str):
    def register(fn: Callable[[argparse.Namespace], int | None]):
        COMMANDS[name] = fn
        return fn
    return register


class CliError(Exception):
    """A mistake in the command line: one line on standard error, exit status 2."""


# -- where: a notebook, a store or a folder ------------------------------------------------

class Where:
    """What a command reads: one store (a notebook's or a store file) or every store under a folder."""

    def __init__(self, path: str | None, lock_timeout: float):
        from .config import Buddy

        self.config = Buddy()
        self.lock_timeout = lock_timeout
        target = Path(path or ".").expanduser()
        if path and not target.exists() and target.suffix not in (".ipynb", ".duckdb"):
            raise CliError(f"{path}: no such notebook, store or folder")
        self.target = target.resolve()
        self.folder: Path | None = None
        self.store_path: Path | None = None
        self.notebook: Path | None = None
        if self.target.is_dir():
            self.folder = self.target
        elif self.target.suffix == ".duckdb":
            self.store_path = self.target
        elif self.target.suffix == ".ipynb":
            from .locate import store_path

            self.notebook = self.target
            self.store_path = store_path(self.target, self.config.data_dir)
        else:
            raise CliError(f"{path}: give a notebook (.ipynb), a store (.duckdb) or a folder")

    @property
    def root(self) -> Path:
        """The folder whose stores ``--all`` reads."""
        if self.folder is not None:
            return self.folder
        if self.notebook is not None:
            return self.notebook.parent
        assert self.store_path is not None
        return self.store_path.parent.parent if self.store_path.parent.name == ".buddy" else self.store_path.parent

    def store(self, *, write: bool = False):
        """The one store (read-only unless ``write``)."""
        from .store import Store

        if self.store_path is None:
            raise CliError(f"{self.target} is a folder: give a notebook or a store for this command")
        if not write and not self.store_path.exists():
            raise CliError(f"no buddy history for {self.notebook or self.store_path} (no store at {self.store_path})")
        notebook = str(self.notebook) if self.notebook else None
        return Store(self.store_path, notebook=notebook, read_only=not write, idle_release=0,
                     lock_timeout=self.lock_timeout)


# -- output ----------------------------------------------------------------------------------

def _cell(value: Any, width: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.4g}"
    if hasattr(value, "isoformat"):
        if type(value).__name__ == "NaTType":
            return ""
        text = value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else value.isoformat()
    else:
        text = str(value)
    text = text.replace("\n", " ")
    if width is not None and len(text) > width:
        # a path keeps its end (the file's name), other text its start
        text = "…" + text[-(width - 1):] if text.startswith("/") else text[: width - 1] + "…"
    return text


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "isoformat"):
        return None if type(value).__name__ == "NaTType" else value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return str(value)


def table_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows as aligned text columns (long cells cut)."""
    cells = [[_cell(v, _CELL_WIDTH) for v in row] for row in rows]
    if not cells:
        return "(no rows)"
    widths = [max(len(str(c)), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def emit_table(args: argparse.Namespace, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print or write a table in ``args.format`` (to ``args.output`` when given)."""
    fmt = getattr(args, "format", "text") or "text"
    output = getattr(args, "output", None)
    rows = [tuple(row) for row in rows]
    if fmt == "parquet":
        if not output:
            raise CliError("--format parquet writes a file: add -o FILE.parquet")
        _write_parquet(columns, rows, _output_path(args))
        print(f"wrote {len(rows)} row(s) to {Path(output).resolve()}")
        return
    if fmt == "text":
        text = table_text(columns, rows) + "\n"
    elif fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v, None) for v in row] for row in rows])
        text = buffer.getvalue()
    else:
        import json

        text = json.dumps([{c: _json_value(v) for c, v in zip(columns, row)} for row in rows],
                          ensure_ascii=False, indent=1) + "\n"
    _write_text(args, text)


def emit_frame(args: argparse.Namespace, frame) -> None:
    emit_table(args, [str(c) for c in frame.columns], list(frame.itertuples(index=False, name=None)))


def _output_path(args: argparse.Namespace) -> Path:
    path = Path(args.output).expanduser()
    if path.exists() and not getattr(args, "force", False):
        raise CliError(f"{path} exists; add --force to replace it")
    return path


def _write_text(args: argparse.Namespace, text: str) -> None:
    if getattr(args, "output", None):
        path = _output_path(args)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.resolve()}")
    else:
        sys.stdout.write(text)


def _write_parquet(columns: Sequence[str], rows: list[tuple], path: Path) -> None:
    import duckdb
    import pandas

    frame = pandas.DataFrame(rows, columns=list(columns))
    con = duckdb.connect(":memory:")
    try:
        con.register("result_rows", frame)
        tmp = path.with_name(path.name + ".tmp")
        con.execute(f"COPY result_rows TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
        tmp.replace(path)
    finally:
        con.close()


# -- the commands ----------------------------------------------------------------------------

@command("sessions")
def _sessions(args: argparse.Namespace) -> None:
    from .analytics.sessions import session_rows

    where = Where(args.path, args.lock_timeout)
    archived = None if args.all else (True if args.archived else False)
    if where.folder is not None:
        columns, rows = session_rows(root=where.folder, limit=args.limit, archived=archived,
                                     data_dir=where.config.data_dir)
        if (args.format or "text") == "text":  # for reading: notebooks relative to the folder
            rows = [(_shown(row[0], where.folder), *row[1:]) for row in rows]
    else:
        store = where.store()
        columns, rows = session_rows(store, limit=args.limit, archived=archived)
        store.close()
    emit_table(args, columns, rows)


def _pick_session(store, fragment: str | None):
    if fragment:
        return store.find_session(fragment)
    latest = store.list_sessions(limit=1)
    if not latest:
        raise CliError(f"no sessions in {store.path}")
    return latest[0]


@command("history")
def _history(args: argparse.Namespace) -> None:
    from .transcript import session_markdown

    store = Where(args.path, args.lock_timeout).store()
    session = _pick_session(store, args.session)
    text = session_markdown(session, store.get_messages(session.id), store.notebook)
    store.close()
    sys.stdout.write(text)


@command("sql")
def _sql(args: argparse.Namespace) -> None:
    from .analytics import sql

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


@command("memory")
def _memory(args: argparse.Namespace) -> None:
    from .analytics import search_memory

    where = Where(args.path, args.lock_timeout)
    emit_frame(args, search_memory(" ".join(args.query), root=where.root, data_dir=where.config.data_dir,
                                   limit=args.limit))


@command("progress")
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
    from .analytics.report import ProgressReport, _last_days, minutes_chart, progress_report
    from .analytics.scope import HistoryScope

    if where.folder is None:
        store = where.store(write=True)
        try:
            return progress_report(HistoryScope(store, idle_threshold=where.config.idle_threshold), days=days)
        finally:
            store.close()
    import pandas

    from .analytics.time_spent import time_spent
    from .analytics.topics import progress

    threshold, data_dir = where.config.idle_threshold, where.config.data_dir
    by_day = time_spent(root=where.folder, by="day", idle_threshold=threshold, data_dir=data_dir)
    topics = progress(root=where.folder, idle_threshold=threshold, data_dir=data_dir)
    return ProgressReport(scope=str(where.folder), by_day=by_day, topics=topics, curriculum=pandas.DataFrame(),
                          chart_png=minutes_chart(_last_days(by_day, days)))


@command("export")
def _export(args: argparse.Namespace) -> None:
    from .export import write_export

    store = Where(args.path, args.lock_timeout).store()
    session = _pick_session(store, args.session)
    path = write_export(store, session.id, args.format, args.to, force=args.force)
    store.close()
    print(f"exported session {session.id} to {path}")


@command("import")
def _import(args: argparse.Namespace) -> None:
    from .interop import import_path

    where = Where(args.into, args.lock_timeout)
    if where.folder is not None:
        from .locate import store_path

        where.store_path = store_path(None, where.config.data_dir, cwd=where.folder)
    store = where.store(write=True)
    try:
        report = import_path(store, args.source, fmt=args.kind)
    finally:
        store.close()
    print(f"{report.summary()} into {store.path}")


@command("parquet")
def _parquet(args: argparse.Namespace) -> None:
    from .analytics import export_parquet

    where = Where(args.path, args.lock_timeout)
    path = export_parquet(where.root, args.target, data_dir=where.config.data_dir, lock_wait=args.lock_timeout,
                          force=args.force)
    print(f"wrote a Parquet dataset (partitioned by notebook) to {path}")


@command("compact")
def _compact(args: argparse.Namespace) -> None:
    store = Where(args.path, args.lock_timeout).store(write=True)
    report = store.compact()
    store.close()
    print(f"rewrote {store.path}: {report['bytes_before'] / 1024:,.0f} KB -> {report['bytes_after'] / 1024:,.0f} KB, "
          f"{report.get('session', 0)} session(s), {report.get('message', 0)} message(s), "
          f"{report.get('part', 0)} part(s)")


@command("status")
def _status(args: argparse.Namespace) -> None:
    from .analytics.history import list_stores, open_history

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
            rows.append((_shown(history.notebooks[alias], where.root), _shown(str(path), where.root),
                         round(path.stat().st_size / 1024),
                         formats.get(alias), schema, *counts))
    emit_table(args, columns, rows)


def _shown(path: str, root: Path) -> str:
    """A path relative to the folder the command reads, when it is inside it."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def _with_table(history, table: str) -> set[str]:
    return {row[0] for row in history.con.execute(
        "SELECT database_name FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()}


# -- the parser ------------------------------------------------------------------------------

def _path_help() -> str:
    return "a notebook (.ipynb), a store (.duckdb) or a folder (default: the working directory)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buddy",
        description="Your learning buddy's history from a terminal: the same answers as the %buddy magics.",
        epilog="buddy class ... runs the course commands (when installed). Docs: README.md, 'buddy on the command line'.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--lock-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="how long to wait for a store a kernel is using (default 30)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def table_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=TABLE_FORMATS, default="text", help="text (default), csv, json or parquet")
        p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
        p.add_argument("--force", action="store_true", help="replace FILE if it exists")

    p = sub.add_parser("sessions", help="the sessions, newest first")
    p.add_argument("path", nargs="?", help=_path_help())
    p.add_argument("-n", "--limit", type=int, default=50, help="how many (default 50)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--archived", action="store_true", help="only archived sessions")
    group.add_argument("--all", action="store_true", help="archived ones too")
    table_options(p)

    p = sub.add_parser("history", help="a session's conversation as Markdown (default: the latest)")
    p.add_argument("path", nargs="?", help="a notebook (.ipynb) or a store (.duckdb)")
    p.add_argument("-s", "--session", help="session id (a unique start or end of it is enough)")

    p = sub.add_parser("sql", help="SQL over the history (views: messages, turns, tool_calls, timeline)")
    p.add_argument("query", nargs="+", help="the query ('-' reads it from standard input)")
    p.add_argument("-p", "--path", help=_path_help())
    p.add_argument("--all", action="store_true", help="every notebook under the notebook's folder")
    table_options(p)

    p = sub.add_parser("memory", help="search past conversations, best first")
    p.add_argument("query", nargs="+", help="words to look for")
    p.add_argument("-p", "--path", help="a folder (default: the working directory) or a notebook in it")
    p.add_argument("-n", "--limit", type=int, default=10)
    table_options(p)

    p = sub.add_parser("progress", help="study time per day and per topic")
    p.add_argument("path", nargs="?", help=_path_help())
    p.add_argument("--days", type=int, default=30, help="days in the chart (default 30)")
    p.add_argument("--chart", metavar="FILE.png", help="also write the chart as PNG")
    table_options(p)

    p = sub.add_parser("export", help="save a session as Markdown, JSON or a notebook")
    p.add_argument("path", nargs="?", help="a notebook (.ipynb) or a store (.duckdb)")
    p.add_argument("-s", "--session", help="session id (default: the latest)")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="md")
    p.add_argument("--to", metavar="FILE", help="file to write (default: buddy-<title>.<format> beside the notebook)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

    p = sub.add_parser("import", help="import conversations: our JSON export, OpenCode, llm's logs.db, jupyter-ai .chat")
    p.add_argument("source", help="a file or folder to import")
    p.add_argument("--into", help="the notebook (.ipynb) or store (.duckdb) to import into "
                                  "(default: the terminal store, .buddy/ipython.duckdb)")
    p.add_argument("--kind", choices=("buddy", "opencode", "llm", "jupyter-ai"),
                   help="the source's format (default: recognised from the file)")

    p = sub.add_parser("parquet", help="every notebook's history as a Parquet dataset")
    p.add_argument("target", help="folder to write")
    p.add_argument("-p", "--path", help="a folder (default: the working directory)")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")

    p = sub.add_parser("compact", help="rewrite a store into a new file (portable format, free space dropped)")
    p.add_argument("path", help="a notebook (.ipynb) or a store (.duckdb)")

    p = sub.add_parser("status", help="each store: size, format, schema and counts")
    p.add_argument("path", nargs="?", help=_path_help())
    table_options(p)
    return parser


def _course(argv: list[str]) -> int:
    """``buddy class ...``: the course commands, when their module is installed."""
    from importlib import import_module
    from importlib.util import find_spec

    try:
        found = find_spec("buddy_jupyter.course.cli") is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        print("buddy: error: the course commands (buddy class) are not installed in this version", file=sys.stderr)
        return 2
    try:
        return int(import_module("buddy_jupyter.course.cli").main(argv) or 0)
    except SystemExit as done:  # its own argparse (e.g. --help)
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 2)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["class"]:
        return _course(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"buddy_jupyter {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    import warnings

    from .errors import BuddyError

    warnings.showwarning = lambda message, *rest, **kw: print(f"buddy: warning: {message}", file=sys.stderr)
    try:
        return int(COMMANDS[args.command](args) or 0)
    except CliError as error:
        print(f"buddy: error: {error}", file=sys.stderr)
        return 2
    except BuddyError as error:
        print(f"buddy: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
