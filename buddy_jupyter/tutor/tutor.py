"""The tutor: a question in, a ranked and cited answer out, from local sources only.

Used by the offline buddy for its answers, by ``%buddy docs`` to show what it would
use, and by real models through the ``lookup_docs`` tool.
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import compose
from .documents import from_note
from .index import DocsIndex, ensure_index
from .notes import load_notes
from .query import Query, parse
from .rank import Hit, rank

CONFIDENT = 0.5
"""A best hit scoring under this is not an answer: the learner gets the nearest things instead."""
_WORD = re.compile(r"[a-z][a-z0-9]+")


@dataclass
class TutorAnswer:
    text: str
    query: Query
    hits: list[Hit] = field(default_factory=list)
    confident: bool = False

    @property
    def sources(self) -> list[str]:
        return [hit.document.id for hit in self.hits]


class Tutor:
    def __init__(self, notes_path: str | Path | None = None, index_path: Path | None = None):
        self.notes_path = Path(notes_path).expanduser() if notes_path else None
        self._index_path = index_path
        self._index: DocsIndex | None = None
        self._vocabulary: list[str] | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> DocsIndex:
        if self._index is None:
            teacher = []
            if self.notes_path is not None:
                teacher = [from_note(note, "teacher") for note in load_notes(self.notes_path)]
            self._index = DocsIndex(ensure_index(self._index_path), teacher)
        return self._index

    def _correct(self, query: Query) -> Query:
        """Misspelled words ("tupel", "dictonary") become the nearest word the index knows."""
        corrected = []
        for word in query.words:
            if len(word) < 4 or self.index.search(f'"{word}"', 1):
                corrected.append(word)
                continue
            close = difflib.get_close_matches(word, self.vocabulary(), n=1, cutoff=0.8)
            corrected.append(close[0] if close else word)
        query.words = list(dict.fromkeys(corrected))
        return query

    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            rows = self.index.con.execute("SELECT title, aliases FROM docs WHERE kind <> 'doc'").fetchall()
            words = {w for title, aliases in rows for w in _WORD.findall(f"{title} {aliases}".lower())}
            self._vocabulary = sorted(words)
        return self._vocabulary

    def search(self, question: str, *, previous: Sequence[str] = (), namespace: Mapping[str, Any] | None = None,
               limit: int = 5) -> tuple[Query, list[Hit]]:
        with self._lock:
            query = self._correct(parse(question, previous))
            return query, rank(self.index, query, namespace, limit)

    def answer(self, question: str, *, previous: Sequence[str] = (), namespace: Mapping[str, Any] | None = None,
               prefer: Sequence[str] = ()) -> TutorAnswer:
        """``prefer``: ids that answer first when they exist (an error's own note, for a question about it)."""
        query, hits = self.search(question, previous=previous, namespace=namespace)
        if prefer:
            with self._lock:
                found = self.index.by_ids(list(prefer))
            first = next((found[i] for i in prefer if i in found), None)
            if first is not None:
                top = max((hit.score for hit in hits), default=CONFIDENT)
                hits = [Hit(first, top + 0.01, 0.0, 1.0)] + [h for h in hits if h.document.id != first.id]
        if hits and hits[0].score >= CONFIDENT:
            with self._lock:
                text = compose.compose(hits, query, self.index)
            return TutorAnswer(text, query, hits, confident=True)
        return TutorAnswer(compose.nearest(hits, question), query, hits, confident=False)

    def lookup(self, name_or_question: str, namespace: Mapping[str, Any] | None = None) -> str:
        """What the buddy would use for a name or a question: the best source, cut, with its citation."""
        return self.answer(name_or_question, namespace=namespace).text

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


_TUTORS: dict[str, Tutor] = {}
_TUTORS_LOCK = threading.Lock()


def get_tutor(notes_path: str | Path | None = None) -> Tutor:
    """One tutor per teacher-notes folder in this process (the index opens once)."""
    key = str(notes_path or "")
    with _TUTORS_LOCK:
        if key not in _TUTORS:
            _TUTORS[key] = Tutor(notes_path)
        return _TUTORS[key]
