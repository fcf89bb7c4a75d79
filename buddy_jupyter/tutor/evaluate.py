"""Scoring the tutor on a labelled set of learner questions (JSON lines).

Each line: ``{"q": "What is a tuple?", "sources": ["note:tuples", "doc:tuple"], "terms": ["immutable"]}``;
``sources`` lists every id that is a right first source, ``terms`` what a correct answer holds.
Used by ``bench/bench_tutor.py`` and the quality test; a held-out set in the same format is
scored the same way (``bench/bench_tutor.py PATH.jsonl``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .tutor import Tutor


@dataclass(frozen=True)
class Labelled:
    question: str
    sources: tuple[str, ...]
    terms: tuple[str, ...]
    origin: str = ""


@dataclass
class Score:
    total: int = 0
    top1: int = 0
    terms_found: int = 0
    terms_total: int = 0
    misses: list[tuple[Labelled, str, list[str]]] = field(default_factory=list)
    """(question, the first source given, the terms missing)."""

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def terms_rate(self) -> float:
        return self.terms_found / self.terms_total if self.terms_total else 0.0


def load(paths: Iterable[Path]) -> list[Labelled]:
    items = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            items.append(Labelled(record["q"], tuple(record["sources"]), tuple(record.get("terms", ())),
                                  f"{path.name}:{number}"))
    return items


def score(tutor: Tutor, items: Iterable[Labelled]) -> Score:
    result = Score()
    for item in items:
        answer = tutor.answer(item.question)
        first = answer.hits[0].document.id if answer.hits else "(nothing)"
        text = answer.text.lower()
        missing = [term for term in item.terms if term.lower() not in text]
        result.total += 1
        result.top1 += first in item.sources
        result.terms_total += len(item.terms)
        result.terms_found += len(item.terms) - len(missing)
        if first not in item.sources or missing:
            result.misses.append((item, first, missing))
    return result
