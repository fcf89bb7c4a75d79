"""``buddy``: the history of the magics, from a terminal (``buddy ...`` or ``python -m buddy_jupyter ...``).

Every command reads a notebook (``lesson.ipynb``: its store, where the magics keep it),
a store file (``.buddy/lesson.duckdb``) or a folder (every store under it; the default
is the working directory), and calls the same functions as the ``%buddy`` magic, so
both give the same rows. Tables print as text; ``--format csv|json|parquet`` writes
them for other programs (``-o FILE``, else standard output). Stores a kernel is
using are waited for, as a kernel waits for another (``--lock-timeout``).

``main``: the parser and the entry point; ``where``: what a command reads; ``output``: tables as
text, CSV, JSON or Parquet; the verbs by concern: ``reading`` (sessions, history, sql, memory,
progress), ``transfer`` (export, import, parquet), ``stores`` (compact, status).

Only ``argparse`` is imported at the top: ``buddy --help`` starts without duckdb or pandas,
which load when a command needs them.
"""

from __future__ import annotations

from .main import COMMANDS, EXPORT_FORMATS, TABLE_FORMATS, build_parser, main
from .output import emit_frame, emit_table, table_text
from .where import CliError, Where

__all__ = ["COMMANDS", "EXPORT_FORMATS", "TABLE_FORMATS", "CliError", "Where", "build_parser", "emit_frame",
           "emit_table", "main", "table_text"]
