"""The ``buddy`` command's parser and entry point: one subcommand per verb, dispatched through
``COMMANDS``; ``buddy class ...`` goes to the course commands."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from ..formats import EXPORT_FORMATS, TABLE_FORMATS
from . import reading, stores, transfer
from .where import CliError


COMMANDS: dict[str, Callable[[argparse.Namespace], int | None]] = {
    **reading.COMMANDS, **transfer.COMMANDS, **stores.COMMANDS}
"""Subcommand -> handler (each verb module lists its own)."""


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
        from .. import __version__

        print(f"buddy_jupyter {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    import warnings

    from ..errors import BuddyError

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
