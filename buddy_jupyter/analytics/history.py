"""Every notebook's history in one DuckDB connection.

Design: an in-memory DuckDB instance ``ATTACH``es each store ``(READ_ONLY)``
(a few threads at once) as ``nb0``, ``nb1``, ... Each store
*table* becomes a view of the same name in the in-memory catalog: the ``UNION
ALL BY NAME`` of that table in every store, with a ``notebook`` column (the
notebook's path) first. The store's *views* (``messages``, ``turns``,
``tool_calls``, ``timeline``) are then defined once over those unions
(``UNION_VIEWS``: the same definition as the store's own, joins matching the
notebook too). So the same query runs on one notebook (``store.connection()``)
or on all of them, and stores not yet migrated to the views still count.
(Unioning each store's own views instead would cost a query plan per store.)

Two DuckDB facts shape this module:

* Within one process, a file this process already holds through a ``Store``
  cannot be attached by another instance ("Unique file handle conflict"): the
  caller's own store is closed for the duration (``store.lease.suspended()``).
* A file held read-write by another process cannot be opened at all, not even
  read-only. Other kernels release their store when idle (about 1-5 s), so
  locked stores are retried with backoff up to ``lock_wait`` seconds; a store
  still locked then is skipped with a ``HistoryWarning`` naming it. A query
  never fails because of one busy notebook, and we hold each file only for the
  duration of the query.
"""

from __future__ import annotations

import atexit
import os
import random
import re
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, Sequence

from ..store import views as store_views

if TYPE_CHECKING:
    import duckdb

    from ..store import Store


TABLES = ("project", "session", "message", "part", "activity", "session_topic", "memory", "curriculum")
VIEWS = store_views.NAMES
RELATIONS = TABLES + VIEWS
VIEW_TABLES = ("session", "message", "part", "activity")
"""The tables the views read."""

UNION_VIEWS = store_views.FOLDER_VIEWS
"""The store's views over the unions: generated from the definition of the store's own views."""

_SKIP_DIRS = {"node_modules", "__pycache__", "site-packages", ".git", ".venv", "venv", ".tox", ".ipynb_checkpoints"}
_RETRYABLE = ("Could not set lock", "Conflicting lock", "Unique file handle conflict")


class HistoryWarning(UserWarning):
    """A store could not be read (held by another process, damaged); the rest were."""

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message)
        self.path = path


def list_stores(root: str | os.PathLike[str], *, data_dir: str | os.PathLike[str] = "") -> list[Path]:
    """Every store under ``root`` (``**/.buddy/*.duckdb``) plus every store in ``data_dir``.

    Hidden folders other than ``.buddy`` and virtual environments are not searched;
    files moved aside as corrupt are left out.
    """
    found: set[Path] = set()
    root = Path(root).expanduser().resolve()
    if root.is_dir():
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d == ".buddy" or not (d.startswith(".") or d in _SKIP_DIRS)]
            if Path(folder).name == ".buddy":
                found.update(Path(folder) / f for f in files if _is_store(f) and _regular(Path(folder) / f))
    if data_dir:
        folder = Path(data_dir).expanduser().resolve()
        if folder.is_dir():
            found.update(p for p in folder.iterdir() if _is_store(p.name) and _regular(p))
    return sorted(found)


def _is_store(name: str) -> bool:
    return name.endswith(".duckdb") and ".corrupt-" not in name


def _regular(path: Path) -> bool:
    """A regular file, not a symlink, FIFO or device (opening a FIFO would block forever)."""
    import stat

    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


@dataclass
class History:
    """An in-memory connection with every readable store attached."""

    con: "duckdb.DuckDBPyConnection"
    stores: dict[str, Path] = field(default_factory=dict)
    """alias (``nb0``...) -> store file."""
    notebooks: dict[str, str] = field(default_factory=dict)
    """alias -> the notebook's path as its store records it."""
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    """Stores left out, with the reason."""
    _has: dict[str, list[str]] = field(default_factory=dict)
    _defined: set[str] = field(default_factory=set)

    def define(self, relations: Iterable[str] = RELATIONS) -> None:
        """Create the union views named in ``relations`` (others cost nothing until asked)."""
        wanted = [name for name in relations if name in RELATIONS and name not in self._defined]
        if any(name in VIEWS for name in wanted):
            wanted = [*VIEW_TABLES, *wanted]
        for name in dict.fromkeys(wanted):
            if name in TABLES and name not in self._defined:
                self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {self._union(name)}")
                self._defined.add(name)
        if any(name in VIEWS for name in wanted) and "messages" not in self._defined:
            self.con.execute(UNION_VIEWS)
            self._defined.update(VIEWS)

    def define_for(self, query: str) -> None:
        """Create the views that ``query`` mentions."""
        words = set(re.findall(r"[a-z_]+", query.lower()))
        self.define(name for name in RELATIONS if name in words)

    def _empty(self, name: str) -> str:
        """No store has ``name``: an empty relation of the current schema, so queries still bind."""
        if "empty" not in self._defined:
            from ..store.migrations import MIGRATIONS

            self.con.execute("ATTACH ':memory:' AS empty_store")
            self.con.execute("USE empty_store")
            try:
                for _, migrate in MIGRATIONS:
                    migrate(self.con)
            finally:
                self.con.execute("USE memory")
            self._defined.add("empty")
        return f"SELECT NULL::VARCHAR AS notebook, * FROM empty_store.main.{name}"

    def _union(self, name: str) -> str:
        aliases = self._has.get(name, [])
        if not aliases:
            return self._empty(name)
        return " UNION ALL BY NAME ".join(
            f"SELECT {_quote(self.notebooks[alias])} AS notebook, * FROM {alias}.main.{name}" for alias in aliases
        )


@contextmanager
def open_history(
    paths: Sequence[str | os.PathLike[str]],
    *,
    store: "Store | None" = None,
    lock_wait: float = 5.0,
    config: Mapping[str, object] | None = None,
) -> Iterator[History]:
    """Attach every store in ``paths`` read-only to a fresh in-memory DuckDB.

    ``store``: this process's own store, closed while the history is open so that
    it can be attached (its writers wait). Stores held by other processes are
    retried up to ``lock_wait`` seconds, then skipped with a ``HistoryWarning``.
    Views are created on demand with ``History.define``.
    """
    import duckdb

    wanted = [Path(p).expanduser().resolve() for p in paths]
    with ExitStack() as stack:
        if store is not None and store.path.exists():
            if store.path not in wanted:
                wanted.append(store.path)
            if not store.lease.opens:
                with store.connection():
                    pass  # migrate a store this process has not opened yet, before attaching it
            stack.enter_context(store.lease.suspended())
        con = duckdb.connect(":memory:", config=dict(config or {}))
        history = History(con)
        stack.callback(_release, history, store)
        _attach_all(history, list(dict.fromkeys(wanted)), lock_wait)
        _inspect(history)
        yield history


_closing: set[threading.Thread] = set()


def _release(history: History, store: "Store | None") -> None:
    """Detach this kernel's own store now (its lease reopens it next); close the rest in the background.

    Closing many attached stores takes a while that nobody needs to wait for; other
    kernels get their file back a moment later.
    """
    own = [alias for alias, path in history.stores.items() if store is not None and path == store.path]
    try:
        for alias in own:
            history.con.execute(f"DETACH {alias}")
    except Exception:
        history.con.close()
        raise
    if len(history.stores) - len(own) < 8:
        history.con.close()
        return
    closer = threading.Thread(target=_close, args=(history.con,), name="buddy-history-close", daemon=True)
    _closing.add(closer)
    closer.start()


def _close(con: "duckdb.DuckDBPyConnection") -> None:
    try:
        con.close()
    finally:
        _closing.discard(threading.current_thread())


@atexit.register
def _finish_closing() -> None:
    for closer in list(_closing):
        closer.join(timeout=5)


def _attach_all(history: History, paths: list[Path], lock_wait: float) -> None:
    """Attach every path; retry the locked ones until ``lock_wait``; skip (and warn about) the rest."""
    import duckdb

    pending = list(enumerate(paths))
    deadline = time.monotonic() + lock_wait
    delay = 0.02
    reasons: dict[Path, str] = {}
    workers = min(4, os.cpu_count() or 1, len(pending)) or 1
    while pending:
        # Attaching is mostly file reads: a few threads at once take less time.
        with ThreadPoolExecutor(workers) as pool:
            outcomes = list(pool.map(lambda item: _attach(history.con, *item), pending))
        retry = []
        for (index, path), error in zip(pending, outcomes):
            if error is None:
                history.stores[f"nb{index}"] = path
            elif any(sign in error for sign in _RETRYABLE):
                retry.append((index, path))
                reasons[path] = error
            else:
                history.skipped.append((path, error))
        pending, workers = retry, 1
        if pending:
            if time.monotonic() >= deadline:
                break
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)
    history.stores = dict(sorted(history.stores.items(), key=lambda item: int(item[0][2:])))
    for _, path in pending:
        history.skipped.append((path, f"held by another program ({reasons[path]}); waited {lock_wait:g} s"))
    for path, reason in history.skipped:
        warnings.warn(HistoryWarning(f"skipped the store {path}: {reason}", path), stacklevel=4)


def _attach(con: "duckdb.DuckDBPyConnection", index: int, path: Path) -> str | None:
    """None when attached, else the error's first line."""
    import duckdb

    cursor = con.cursor()  # one connection object refuses concurrent calls; cursors do not
    try:
        cursor.execute(f"ATTACH {_quote(str(path))} AS nb{index} (READ_ONLY)")
        return None
    except duckdb.Error as error:
        return str(error).splitlines()[0]
    finally:
        cursor.close()


def _inspect(history: History) -> None:
    """Which relations each store has, and the notebook each belongs to (one query each)."""
    if not history.stores:
        return
    rows = history.con.execute(
        "SELECT database_name, table_name FROM duckdb_tables() WHERE schema_name = 'main' "
        "UNION ALL SELECT database_name, view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
    ).fetchall()
    has: dict[str, list[str]] = {}
    present = set()
    for alias, name in rows:
        if alias in history.stores and name in RELATIONS:
            present.add((alias, name))
    for alias in history.stores:  # keep the attach order: stable notebook order in unions
        for name in RELATIONS:
            if (alias, name) in present:
                has.setdefault(name, []).append(alias)
    history._has = has
    with_project = [a for a in history.stores if (a, "project") in present]
    names: dict[str, str] = {}
    if with_project:  # one plain union (one scalar subquery per store is much slower)
        union = " UNION ALL ".join(f"SELECT '{a}', path, time_created FROM {a}.main.project" for a in with_project)
        for alias, path, _ in sorted(history.con.execute(union).fetchall(), key=lambda r: r[2], reverse=True):
            if path:
                names[alias] = path  # the earliest project wins, as in the store's own views
    for alias, path in history.stores.items():
        history.notebooks[alias] = notebook_of(path, names.get(alias))


def notebook_of(store_path: Path, recorded: str | None) -> str:
    """The notebook a store belongs to: where its file is, not only what it recorded.

    A notebook folder copied with its ``.buddy`` holds a store that still records the
    original notebook; counted under that name, the copy and the original merge (a Parquet
    partition overwritten, messages counted twice). A ``.buddy/<name>.duckdb`` whose recorded
    notebook is in another folder is the copy's: ``<its folder>/<name>.ipynb``."""
    if store_path.parent.name != ".buddy":
        return recorded or guess_notebook(store_path)  # a shared data_dir: the name holds a hash of the folder
    folder = store_path.parent.parent
    if recorded and recorded.endswith(" (IPython)"):  # a terminal's store records its folder
        if Path(recorded.removesuffix(" (IPython)")) == folder:
            return recorded
        return f"{folder} (IPython)"
    if recorded and Path(recorded).parent == folder:
        return recorded
    return guess_notebook(store_path)


def guess_notebook(store_path: Path) -> str:
    """``<folder>/.buddy/<name>.duckdb`` belongs to ``<folder>/<name>.ipynb``."""
    if store_path.parent.name == ".buddy":
        return str(store_path.parent.parent / f"{store_path.stem}.ipynb")
    return str(store_path)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def reading(
    store: "Store | None" = None,
    root: str | os.PathLike[str] | None = None,
    *,
    relations: Iterable[str] = RELATIONS,
    data_dir: str | os.PathLike[str] = "",
    lock_wait: float = 5.0,
) -> Iterator["duckdb.DuckDBPyConnection"]:
    """A connection where ``relations`` name one store's data (``root`` None) or every store's.

    Analytics write their SQL once against the store's table and view names and run
    it through this, on one notebook or on all of them.
    """
    if root is None:
        if store is None:
            from ..errors import InvalidInput

            raise InvalidInput("give a store, or a root folder to read every notebook under it")
        with store.connection() as con:
            yield con
        return
    with open_history(list_stores(root, data_dir=data_dir), store=store, lock_wait=lock_wait) as history:
        history.define(relations)
        yield history.con
