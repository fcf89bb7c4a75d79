"""Ranking: the index's bm25 candidates, re-ordered by what learners mean.

bm25 alone favours long reference pages that repeat a word. Three signals fix
that, each measured on the labelled set (``bench/bench_tutor.py``):
- coverage: how many of the question's words the title and aliases hold (a note
  titled "Lists vs tuples" answers "list or tuple?" better than a page that
  mentions both);
- priors by source: a teacher's notes, then the teaching notes, then Python's
  reference and the docstrings;
- names and library: code named in the question (``df.merge`` when ``df`` is a
  DataFrame) points at its docstring, and a question about pandas prefers pandas.
"""

from __future__ import annotations

import inspect
import re
import types
from dataclasses import dataclass
from typing import Any, Mapping

from .documents import Document, docstring_document
from .index import DocsIndex
from .query import KEYWORDS, Query

PRIORS = {"teacher": 0.3, "note": 0.2, "pydoc": 0.05, "doc": 0.0}
LIBRARIES = ("pandas", "numpy", "matplotlib")
CONVENTIONAL = {
    "pd": "pandas", "np": "numpy", "plt": "matplotlib.pyplot", "df": "pandas.DataFrame",
    "ser": "pandas.Series", "s": "pandas.Series", "arr": "numpy.ndarray", "ax": "matplotlib.axes.Axes",
    "fig": "matplotlib.figure.Figure", "pandas": "pandas", "numpy": "numpy",
}
PUBLIC_CLASSES = {
    "pandas.core.frame.DataFrame": "pandas.DataFrame", "pandas.core.series.Series": "pandas.Series",
    "pandas.core.indexes.base.Index": "pandas.Index", "numpy.ndarray": "numpy.ndarray",
    "pandas.core.groupby.generic.DataFrameGroupBy": "pandas.DataFrameGroupBy",
    "matplotlib.axes._axes.Axes": "matplotlib.axes.Axes", "matplotlib.figure.Figure": "matplotlib.figure.Figure",
}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Hit:
    document: Document
    score: float
    relevance: float
    """The bm25 relevance from the index, before re-ranking."""
    coverage: float


def stem(word: str) -> str:
    """A light stemmer for comparing a question's words with titles: plurals and -ing/-ed forms."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "sorted" -> "sort", "mapping" -> "map"
            break
    return word


def _stems(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower())}


def _title_stems(text: str) -> set[str]:
    """A title's meaningful words ("Lists vs tuples" is about lists and tuples)."""
    from .query import STOPWORDS

    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def resolve(name: str, namespace: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """A name from a question as the public dotted names it may mean, with the live object when the
    kernel has it: ``df.merge`` is ``pandas.DataFrame.merge`` when ``df`` is a DataFrame."""
    parts = name.lstrip("*").removesuffix("()").split(".")
    root, rest = parts[0], parts[1:]
    namespace = namespace or {}
    bases: list[tuple[str, Any]] = []
    if root in namespace and not root.startswith("_"):
        value = namespace[root]
        if isinstance(value, types.ModuleType):
            bases.append((value.__name__, value))
        else:
            cls = type(value)
            full = f"{cls.__module__}.{cls.__qualname__}"
            public = PUBLIC_CLASSES.get(full) or (
                f"{cls.__module__.split('.')[0]}.{cls.__name__}" if cls.__module__ != "builtins" else cls.__name__)
            bases.append((public, cls))
    if root in CONVENTIONAL:
        bases.append((CONVENTIONAL[root], None))
    bases.append((root, None))
    bases += [(f"{library}.{root}", None) for library in ("pandas", "numpy", "matplotlib.pyplot")]
    resolved = []
    for base, obj in bases:
        for attr in rest:
            if obj is not None:
                try:
                    obj = inspect.getattr_static(obj, attr)  # never runs a property or the learner's code
                except Exception:
                    obj = None
            base = f"{base}.{attr}"
        resolved.append((base, obj))
    return resolved


def rank(index: DocsIndex, query: Query, namespace: Mapping[str, Any] | None = None, limit: int = 5) -> list[Hit]:
    match = query.match_expression()
    candidates = {doc.id: (doc, relevance) for doc, relevance in index.search(match, 60)}
    for doc, relevance in index.search(match, 20, kinds=("note", "teacher")):
        candidates.setdefault(doc.id, (doc, relevance))
    named: set[str] = set()
    meanings = [resolve(name, namespace) for name in query.names]
    indexed = index.by_ids([f"doc:{dotted}" for resolved in meanings for dotted, _ in resolved])  # one read
    for resolved in meanings:
        for dotted, obj in resolved:
            document = indexed.get(f"doc:{dotted}")
            if document is None and obj is not None:  # a library the index does not hold: read it live
                document = docstring_document(dotted, obj)
            if document is not None:
                named.add(document.id)
                candidates.setdefault(document.id, (document, 0.0))
                break
    if not candidates:
        return []
    best = max(relevance for _, relevance in candidates.values()) or 1.0
    concepts = [[{stem(w) for w in _WORD.findall(term.lower())} for term in concept] for concept in query.concepts]
    concepts = [[t for t in concept if t] for concept in concepts if any(concept)]
    query_stems = {s for concept in concepts for term in concept for s in term}
    code_names = {n.lstrip("*").removesuffix("()").split(".")[-1].lower() for n in query.names}
    libraries = query.all_libraries
    keywords_asked = set(query.words) & KEYWORDS
    hits = []
    for doc, relevance in candidates.values():
        heading = _stems(doc.title + " " + doc.aliases)
        matched = sum(any(term <= heading for term in concept) for concept in concepts)
        coverage = matched / len(concepts) if concepts else 0.0
        title = _title_stems(doc.title)
        specificity = len(query_stems & title) / len(title) if title else 0.0  # "tuple" over "tuple.count"
        score = (0.45 * (relevance / best) + 0.45 * coverage + 0.1 * specificity
                 + PRIORS.get(doc.kind, 0.0))
        if doc.kind == "pydoc" and keywords_asked & {a.strip() for a in doc.aliases.split(",")}:
            score += 0.2  # "what does pass do": the reference's own page on that keyword
        if doc.kind == "teacher" and coverage >= 0.5:  # the course's own word on it comes first
            score += 0.25
        if doc.id in named:
            score += 0.8
        elif code_names and code_names & {a.strip().lower() for a in doc.aliases.split(",")}:
            score += 0.3
        if doc.topic in query.excluded:
            score -= 0.3
        if libraries:
            if doc.topic in libraries:
                score += 0.15
            elif doc.topic in LIBRARIES:
                score -= 0.1
            elif doc.kind in ("pydoc", "doc"):
                score -= 0.05
        elif doc.topic in LIBRARIES and doc.id not in named:
            score -= 0.15
        hits.append(Hit(doc, score, relevance, coverage))
    hits.sort(key=lambda hit: hit.score, reverse=True)
    return hits[:limit]
