"""The docs index: every document in one SQLite FTS5 table, built once per environment.

Why SQLite FTS5: it ships with Python's ``sqlite3`` (no dependency, no download),
its ``porter`` tokenizer stems "tuples" to "tuple", ``bm25()`` weighs the title and
aliases above the body per column, and the index is one file that opens at
once. What makes learners' questions rank well is in ``query.py``
(stopwords, names, follow-ups) and ``rank.py`` (priors by source); the engine only
has to be fast and dependable, and this one is both.

The file lives in the user's cache folder, keyed by the Python version, the
installed pandas/NumPy/Matplotlib versions and the shipped notes, and is rebuilt
when any of them changes. It is built in a child process so a learner's kernel
never imports libraries it does not use. The per-notebook stores stay the only
source of truth for history: this file holds nothing of the learner's.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Iterable, Sequence

from .documents import Document

FORMAT = 2
"""Bumped when the table layout or the document shapes change."""
COLUMNS = tuple(f.name for f in fields(Document))
RANKED = ("title", "aliases", "body")
WEIGHTS = {"title": 10.0, "aliases": 8.0, "body": 1.0}
BUILD_TIMEOUT = 120.0


def cache_dir() -> Path:
    if os.environ.get("BUDDY_CACHE_DIR"):
        return Path(os.environ["BUDDY_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "buddy_jupyter"


def index_key() -> str:
    """What the index depends on: a change to any of it means a new file."""
    from .. import __version__
    from .catalogue import installed_libraries
    from .notes import PACKAGE_NOTES

    notes = sorted((p.name, p.stat().st_size, int(p.stat().st_mtime)) for p in PACKAGE_NOTES.glob("*.md"))
    facts = [FORMAT, sys.version, __version__, installed_libraries(), notes]
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


def index_path() -> Path:
    return cache_dir() / f"docs-{index_key()}.sqlite"


def _create(con: sqlite3.Connection, schema: str = "main", table: str = "docs") -> None:
    columns = ", ".join(c if c in RANKED else f"{c} UNINDEXED" for c in COLUMNS)
    con.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {schema}.{table} USING fts5({columns}, "
                "tokenize = 'porter unicode61 remove_diacritics 2')")


def insert(con: sqlite3.Connection, documents: Iterable[Document], table: str = "docs") -> int:
    rows = [tuple(getattr(d, c) for c in COLUMNS) for d in documents]
    con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return len(rows)


def all_documents() -> Iterable[Document]:
    from .catalogue import docstring_documents
    from .documents import from_note, pydoc_documents
    from .notes import PACKAGE_NOTES, load_notes

    yield from (from_note(note) for note in load_notes(PACKAGE_NOTES))
    yield from pydoc_documents()
    yield from docstring_documents()


def build(path: Path) -> int:
    """Write the index to ``path`` atomically (a temporary file, then a rename); returns the documents."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    con = sqlite3.connect(temporary)
    try:
        _create(con)
        count = insert(con, all_documents())
        con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        con.commit()
    finally:
        con.close()
    os.replace(temporary, path)
    for old in path.parent.glob("docs-*.sqlite"):  # indexes of earlier versions
        if old != path:
            old.unlink(missing_ok=True)
    return count


def ensure_index(path: Path | None = None, timeout: float = BUILD_TIMEOUT) -> Path:
    """The index file, built first (in a child process) if this environment has none yet."""
    path = path or index_path()
    if path.exists():
        return path
    env = {**os.environ, "MPLBACKEND": "Agg"}
    try:
        subprocess.run([sys.executable, "-m", "buddy_jupyter.tutor.index", str(path)], env=env, timeout=timeout,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (OSError, subprocess.SubprocessError):
        if not path.exists():  # no child process here (or it failed): build in this one
            build(path)
    return path


class DocsIndex:
    """Read access to a built index, plus a teacher's notes added in memory."""

    def __init__(self, path: Path, teacher: Sequence[Document] = ()):
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        if teacher:  # a teacher's notes join the same table, so bm25 scores stay comparable
            self.con = sqlite3.connect(":memory:", check_same_thread=False)
            source.backup(self.con)
            source.close()
            insert(self.con, teacher)
        else:
            self.con = source
        self.path = path

    def search(self, match: str, limit: int = 40, kinds: tuple[str, ...] = ()) -> list[tuple[Document, float]]:
        """Documents matching an FTS5 query, best first, with their bm25 relevance (higher is better);
        ``kinds`` keeps only those sources (the notes, say, so hundreds of docstrings cannot crowd them out)."""
        if not match:
            return []
        weights = ", ".join(str(WEIGHTS.get(c, 0.0)) for c in COLUMNS)
        only = f"AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        try:
            rows = self.con.execute(
                f"SELECT {', '.join(COLUMNS)}, -bm25(docs, {weights}) AS score FROM docs WHERE docs MATCH ? {only} "
                "ORDER BY score DESC LIMIT ?", (match, *kinds, limit)).fetchall()
        except sqlite3.OperationalError:  # a query FTS5 cannot parse: nothing matches
            return []
        return [(Document(*row[:-1]), row[-1]) for row in rows]

    def by_ids(self, ids: Sequence[str]) -> dict[str, Document]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self.con.execute(f"SELECT {', '.join(COLUMNS)} FROM docs WHERE id IN ({marks})", tuple(ids))
        return {row[0]: Document(*row) for row in rows}

    def close(self) -> None:
        self.con.close()


if __name__ == "__main__":
    # python -m buddy_jupyter.tutor.index PATH: build there (the child process of ensure_index);
    # without PATH: make sure this environment's index exists (``make lab`` runs it once).
    started = time.perf_counter()
    if len(sys.argv) > 1:
        total = build(Path(sys.argv[1]))
        print(f"{total} documents in {time.perf_counter() - started:.1f} s: {sys.argv[1]}")
    else:
        print(f"docs index: {ensure_index()}")
