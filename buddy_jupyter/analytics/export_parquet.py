"""Every notebook's history as a Parquet dataset, partitioned by notebook (hive style).

``target/<table>/notebook=<name>/data.parquet`` for the tables below, so any
tool reads them together::

    SELECT notebook, count(*) FROM read_parquet('target/messages/**/*.parquet', hive_partitioning = true)
    GROUP BY notebook

``<name>`` is the notebook's file name without ``.ipynb`` (plus a short hash of
its folder when two notebooks share a name); each file also holds the full
path as ``notebook_path``. A re-export replaces each notebook's files
atomically; notebooks no longer under ``root`` keep their old files. Read with
``union_by_name = true`` when notebooks were written by different versions.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .history import list_stores, open_history

if TYPE_CHECKING:
    from ..store import Store

# Parquet table -> the store relation it holds.
EXPORTED = {
    "sessions": "session",
    "messages": "messages",
    "parts": "part",
    "activity": "activity",
    "turns": "turns",
    "tool_calls": "tool_calls",
    "session_topics": "session_topic",
}


def export_parquet(
    root: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    store: "Store | None" = None,
    data_dir: str | os.PathLike[str] = "",
    lock_wait: float = 5.0,
    force: bool = False,
) -> Path:
    """Write every store under ``root`` to ``target`` as Parquet; returns ``target``.

    ``store``: this kernel's store (closed meanwhile so that it can be read).
    Stores busy in another program past ``lock_wait`` seconds are skipped with a
    ``HistoryWarning``. ``target`` must be a new or empty folder unless ``force`` (never a
    store, nor in a ``.buddy`` folder: ``safe_paths.check_target``).
    """
    from ..errors import InvalidInput
    from ..safe_paths import check_target

    target = check_target(target, force=force, folder=True, store_dir=store.path.parent if store else None)
    try:
        target.mkdir(exist_ok=True)
    except OSError as error:
        raise InvalidInput(f"cannot create the folder {target}: {error.strerror or error}") from None
    with open_history(list_stores(root, data_dir=data_dir), store=store, lock_wait=lock_wait) as history:
        labels = partition_labels(history.notebooks)
        present = {(alias, name) for name, aliases in history._has.items() for alias in aliases}
        for alias, label in labels.items():
            notebook = history.notebooks[alias].replace("'", "''")
            for table, relation in EXPORTED.items():
                if (alias, relation) not in present:
                    continue
                folder = target / table / f"notebook={label}"
                folder.mkdir(parents=True, exist_ok=True)
                columns = "* RENAME (notebook AS notebook_path)" if relation in ("messages", "turns", "tool_calls") \
                    else f"'{notebook}' AS notebook_path, *"
                tmp = folder / "data.parquet.tmp"
                final = str(tmp)[: -len(".tmp")]
                history.con.execute(
                    f"COPY (SELECT {columns} FROM {alias}.main.{relation}) TO '{_sql_path(tmp)}' (FORMAT parquet)"
                )
                os.replace(tmp, final)
    return target


def partition_labels(notebooks: dict[str, str]) -> dict[str, str]:
    """alias -> a partition value: the notebook's name, made unique with a hash of its folder."""
    names = {alias: _safe(Path(path).stem or "notebook") for alias, path in notebooks.items()}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {
        alias: name if counts[name] == 1
        else f"{name}-{hashlib.sha1(str(Path(notebooks[alias]).parent).encode()).hexdigest()[:8]}"
        for alias, name in names.items()
    }


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "notebook"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")

