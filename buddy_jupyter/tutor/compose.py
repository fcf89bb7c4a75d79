"""An answer a learner can use: the explanation first, one example, related names, the source.

About 250 words at most. Reference pages and docstrings are cut to the paragraphs
that hold the question's words, never shown whole.
"""

from __future__ import annotations

import re
from typing import Sequence

from .documents import Document
from .index import DocsIndex
from .query import Query
from .rank import Hit, _stems, stem

MAX_WORDS = 150
"""Words of explanation; the example, "see also" and the source line come on top, about 250 in all."""
_TABLE = re.compile(r"^\s*(\+[-=+]+\+|\|.*\|)\s*$")
_FOOTNOTE = re.compile(r"\[\d+\]")
_SIGNATURE = re.compile(r"^(class |async def |def )?[\w.]+\(.*\)( -> .*)?:?$")


def _paragraphs(text: str) -> list[str]:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if not _TABLE.match(line)]
        if not lines or lines[0].lstrip().startswith(">>>"):
            continue
        if all(line.startswith("   ") for line in lines):  # an indented code or grammar block
            continue
        if len(lines) == 1 and _SIGNATURE.match(lines[0].strip()):  # "class tuple([iterable])"
            continue
        paragraphs.append(_FOOTNOTE.sub("", " ".join(line.strip() for line in lines)))
    return paragraphs


def _cut(text: str, words: int) -> str:
    parts = text.split()
    if len(parts) <= words:
        return text
    cut = " ".join(parts[:words])
    sentence_end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: sentence_end + 1] if sentence_end > len(cut) // 2 else cut + "…"


def relevant_text(document: Document, query: Query, words: int = MAX_WORDS) -> str:
    """The explanation: a note's own prose, or the paragraphs of a page that hold the question's words."""
    if document.kind in ("note", "teacher"):
        return _cut(document.summary.strip(), words)
    paragraphs = _paragraphs(document.summary)
    if not paragraphs:
        return ""
    wanted = {stem(w) for term in query.terms for w in re.findall(r"[a-z0-9]+", term.lower())}
    chosen = [0]
    scored = sorted(range(1, len(paragraphs)), key=lambda i: -len(wanted & _stems(paragraphs[i])))
    for index in scored[:2]:
        if wanted & _stems(paragraphs[index]):
            chosen.append(index)
    text, used = [], 0
    for index in sorted(chosen):
        paragraph = _cut(paragraphs[index], max(20, words - used))
        text.append(paragraph)
        used += len(paragraph.split())
        if used >= words:
            break
    return "\n\n".join(text)


def parameters_asked(document: Document, query: Query, limit: int = 2) -> list[tuple[str, str]]:
    """The parameters of a docstring the question is about: "skip rows in read_csv" -> ``skiprows``."""
    wanted = {stem(w) for term in query.terms for w in re.findall(r"[a-z0-9]+", term.lower())}
    pairs = {a + b for a in wanted for b in wanted if a != b}
    exact, partial = [], []
    for line in document.parameters.splitlines():
        name, _, text = line.partition(": ")
        if len(name) <= 2:
            continue
        if stem(name.lower().replace("_", "")) in wanted | pairs:
            exact.append((name, text))
        elif {stem(p) for p in re.findall(r"[a-z0-9]+", name.lower())} & wanted:
            partial.append((name, text))
    return (exact + partial)[:limit]


def _name(document: Document) -> str:
    if document.kind == "doc":
        return f"`{document.aliases.split(',')[-1].strip() or document.title}`"
    return f"“{document.title}”"


def _origin(document: Document) -> str:
    """A short citation for a "see also" entry: the source line without the repeated title."""
    if document.kind == "note":
        return "teaching note"
    if document.kind == "teacher":
        return "your teacher's note"
    return document.source.removeprefix("from the ").split(" documentation")[0].split(" reference")[0] + (
        " documentation" if document.kind == "doc" else " reference")


def see_also(best: Hit, hits: Sequence[Hit], index: DocsIndex, limit: int = 3) -> list[Document]:
    related: list[Document] = []
    declared = [item.strip() for item in best.document.see.split(",") if item.strip()]
    if best.document.kind in ("note", "teacher") and declared:
        found = index.by_ids([f"note:{item}" for item in declared] + [f"teacher:{item}" for item in declared])
        related.extend(found[key] for key in found)
    for hit in hits[1:]:
        if hit.document.id != best.document.id and hit.score > best.score * 0.5:
            related.append(hit.document)
    unique = {doc.id: doc for doc in related if doc.id != best.document.id}
    return list(unique.values())[:limit]


def compose(hits: Sequence[Hit], query: Query, index: DocsIndex) -> str:
    best = hits[0]
    document = best.document
    lines = [f"**{document.title}**", "", relevant_text(document, query)]
    asked = parameters_asked(document, query)
    if asked:
        lines += [""] + [f"- `{name}`: {_cut(text, 40)}" for name, text in asked]
    if document.example:
        lines += ["", "```python", document.example, "```"]
    related = see_also(best, hits, index)
    if related:
        lines += ["", "**See also:** " + "; ".join(f"{_name(doc)} ({_origin(doc)})" for doc in related)]
    lines += ["", f"_Source: {document.source}._"]
    return "\n".join(lines)


def nearest(hits: Sequence[Hit], question: str) -> str:
    """When nothing ranks well: say so, and name the nearest things the buddy does know."""
    shown = question.strip().splitlines()[0][:80] if question.strip() else ""
    lines = [f"I don't have a good answer to “{shown}” in my notes or the documentation installed here."
             if shown else "I did not find a question there."]
    if hits:
        lines += ["", "The nearest things I do know:"]
        lines += [f"- {_name(hit.document)}: {hit.document.source}" for hit in hits[:3]]
        lines += ["", "Ask about one of them, or rephrase with the name of the function or error you mean."]
    return "\n".join(lines)
