"""The course's exchange: where a learner's shared snapshot goes, and how it is written.

Layout (one Parquet dataset, hive-partitioned by learner; modelled on nbgrader's exchange)::

    <exchange>/<course>/buddy/                      the dataset's root
        learner=<id>/snapshot.parquet               one file per learner, every shared notebook
        learner=<id>/.lock, .snapshot-*.tmp         the writer's lock and temporary file (hidden:
                                                    Spark, Trino, pyarrow and DuckDB's *.parquet skip them)

Every file has the columns of ``COLUMNS``; ``learner`` comes from the folder name only.
``kind`` tells the row's grain: ``study`` (one notebook, day and topic: minutes, counts,
error kinds; no text), ``session`` (one conversation: its content hash and counts, no text)
and, only at the ``conversations`` level, ``message`` (one message with its text).

A learner's kernel replaces its own notebook's rows (the other notebooks' rows stay), under
the folder's lock, into a temporary file renamed over ``snapshot.parquet``: a reader sees the
old file or the new one, never half of one. Files are 0640 and the folder 0750 (the group:
the course's); a folder that is a symlink or owned by someone else is refused, with one line.
"""

from __future__ import annotations

import os
import re
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..errors import BuddyError, InvalidInput

if TYPE_CHECKING:
    import duckdb

SNAPSHOT = "snapshot.parquet"
LOCK = ".lock"
FILE_MODE = 0o640
FOLDER_MODE = 0o750
LEVELS = ("progress", "conversations")
LEARNER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")

# The dataset's columns, in order (DuckDB types). One schema for every kind of row, so the
# whole folder is one table for any engine.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", "VARCHAR"),                   # study | session | message
    ("notebook", "VARCHAR"),               # the notebook, relative to the course folder, without .ipynb
    ("day", "DATE"),                       # local day (study), first day (session), day sent (message)
    ("topic", "VARCHAR"),                  # study: one topic of the conversations ('(no topic)' if none)
    ("minutes", "DOUBLE"),                 # study: active minutes (a conversation's time split over its topics)
    ("questions", "BIGINT"),
    ("answers", "BIGINT"),
    ("cells", "BIGINT"),                   # cell runs
    ("errors", "BIGINT"),                  # cell runs that failed
    ("conversations", "BIGINT"),
    ("error_kinds", "MAP(VARCHAR, BIGINT)"),  # study: failed cell runs per exception type
    ("first_seen", "TIMESTAMP"),           # naive UTC
    ("last_seen", "TIMESTAMP"),
    ("session_id", "VARCHAR"),             # session, message
    ("content_hash", "VARCHAR"),           # session: sha256 of its messages (see summary.py)
    ("message_id", "VARCHAR"),             # message
    ("role", "VARCHAR"),                   # message: user | assistant
    ("text", "VARCHAR"),                   # message: its text (conversations level only)
    ("model_id", "VARCHAR"),               # message
    ("level", "VARCHAR"),                  # progress | conversations: the consent the row was shared under
    ("snapshot_at", "TIMESTAMP"),          # when the notebook's rows were written (naive UTC)
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


class ExchangeRefused(BuddyError):
    """The exchange folder is not one this learner may write to."""


def check_learner_id(learner: str) -> str:
    if not isinstance(learner, str) or not LEARNER_ID.fullmatch(learner) or learner in (".", ".."):
        raise InvalidInput(f"{learner!r} cannot be a learner id: use letters, digits, '.', '_', '@' or '-' "
                           "(at most 64, starting with a letter or digit)")
    return learner


def learner_folder(dataset: Path, learner: str) -> Path:
    return dataset / f"learner={check_learner_id(learner)}"


def own_folder(dataset: Path, learner: str, *, create: bool = True) -> Path:
    """The learner's folder, created 0750 if missing; refused if not a real folder this user owns."""
    folder = learner_folder(dataset, learner)
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        if not create:
            return folder
        exchange_root = dataset.parent.parent
        if not exchange_root.is_dir():
            raise ExchangeRefused(f"the course's exchange folder {exchange_root} does not exist (ask your instructor); "
                                  "nothing was shared")
        try:
            dataset.mkdir(parents=True, exist_ok=True)
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:
            pass
        except OSError as error:
            raise ExchangeRefused(f"cannot create {folder} ({error.strerror or error}); nothing was shared") from None
        info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ExchangeRefused(f"refused: {folder} is not a plain folder (a symlink or a file); nothing was written")
    if info.st_uid != os.getuid():
        raise ExchangeRefused(f"refused: {folder} belongs to user id {info.st_uid}, not you; nothing was written "
                              "(is this another learner's id? choose another with --as)")
    if stat.S_IMODE(info.st_mode) != FOLDER_MODE:
        os.chmod(folder, FOLDER_MODE)
    return folder


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """The learner folder's lock: one writer at a time (several kernels of one learner)."""
    import fcntl

    path = folder / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def select_columns(source: str) -> str:
    """``SELECT`` every dataset column from ``source`` in order and type (missing ones NULL)."""
    return "SELECT " + ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in COLUMNS) + f" FROM {source}"


def empty_relation() -> str:
    return "(SELECT " + ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in COLUMNS) + " WHERE false)"


def write_rows(con: "duckdb.DuckDBPyConnection", folder: Path, rows_sql: str, params: dict, *,
               replace_notebook: str, keep_messages: bool) -> int:
    """Rewrite ``folder/snapshot.parquet``: ``rows_sql`` replaces ``replace_notebook``'s rows.

    Call inside ``locked(folder)``. Returns the rows written. Rows of other notebooks are
    kept when the old file reads with the dataset's schema (else dropped, with a warning).
    """
    import warnings

    target = folder / SNAPSHOT
    keep = empty_relation()
    if target.is_file() and not target.is_symlink():
        if schema_matches(con, target):
            label = replace_notebook.replace("'", "''")
            condition = f"notebook IS DISTINCT FROM '{label}'"
            if not keep_messages:
                condition += " AND kind <> 'message'"
            keep = f"(SELECT * FROM read_parquet('{_sql_path(target)}') WHERE {condition})"
        else:
            warnings.warn(f"{target} did not have the snapshot's columns; it is rewritten with this notebook only",
                          stacklevel=3)
    tmp = folder / f".snapshot-{os.getpid()}-{time.monotonic_ns()}.tmp"
    query = (f"COPY ({select_columns(f'(({rows_sql}) UNION ALL BY NAME (SELECT * FROM {keep}))')} "
             f"ORDER BY kind, notebook, day) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd)")
    try:
        written = con.execute(query, params).fetchall()[0][0]  # COPY answers with its row count
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)  # no fsync: a file lost to a power cut is skipped by readers, rewritten next time
    finally:
        if tmp.exists():
            tmp.unlink()
    return int(written)


_REFERENCE: list[tuple] = []


def reference_schema(con: "duckdb.DuckDBPyConnection") -> list[tuple]:
    """The Parquet schema rows (name, type, logical type, children) a snapshot must have."""
    if not _REFERENCE:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "reference.parquet"
            con.execute(f"COPY ({select_columns(empty_relation())}) TO '{_sql_path(path)}' (FORMAT parquet)")
            _REFERENCE.extend(_schema_rows(con, [path])[str(path)])
    return list(_REFERENCE)


def _schema_rows(con: "duckdb.DuckDBPyConnection", paths: list[Path]) -> dict[str, list[tuple]]:
    listing = "[" + ", ".join(f"'{_sql_path(p)}'" for p in paths) + "]"
    rows = con.execute(
        f"SELECT file_name, name, type, converted_type, num_children "
        f"FROM parquet_schema({listing})"
    ).fetchall()
    out: dict[str, list[tuple]] = {str(p): [] for p in paths}
    for file_name, *rest in rows:
        out.setdefault(file_name, []).append(tuple(rest))
    return out


def schema_matches(con: "duckdb.DuckDBPyConnection", path: Path) -> bool:
    import duckdb

    try:
        return _schema_rows(con, [path])[str(path)] == reference_schema(con)
    except duckdb.Error:
        return False


def schemas(con: "duckdb.DuckDBPyConnection", paths: list[Path]) -> dict[str, list[tuple] | None]:
    """Each file's schema rows, ``None`` for a file that is not Parquet (read one by one then)."""
    import duckdb

    if not paths:
        return {}
    try:
        return dict(_schema_rows(con, paths))
    except duckdb.Error:
        out: dict[str, list[tuple] | None] = {}
        for path in paths:
            try:
                out[str(path)] = _schema_rows(con, [path])[str(path)]
            except duckdb.Error:
                out[str(path)] = None
        return out


def remove_learner(dataset: Path, learner: str) -> list[Path]:
    """Delete the learner's folder and what it holds (refused unless it is theirs); the paths removed."""
    folder = own_folder(dataset, learner, create=False)
    if not folder.exists():
        return []
    removed = []
    with locked(folder):
        entries = [e for e in os.scandir(folder) if e.name != LOCK]
        for entry in entries:  # all checked before any is removed
            if entry.stat(follow_symlinks=False).st_uid != os.getuid() or entry.is_dir(follow_symlinks=False):
                raise ExchangeRefused(f"refused: {entry.path} is not a file of yours; the folder was left as it is")
        for entry in entries:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    os.unlink(folder / LOCK)
    os.rmdir(folder)
    removed.append(folder)
    return removed
