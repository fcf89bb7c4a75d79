"""The documents the tutor ranks, one shape for every source.

A document is what one search hit stands for: a teaching note, a section of
Python's own reference (``pydoc_data.topics``), or the docstring of one name
(``str.split``, ``pandas.DataFrame.merge``). Its id says where it came from:
``note:tuples``, ``teacher:my-note``, ``pydoc:typesseq#tuples``, ``doc:pandas.read_csv``.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from .notes import Note

KINDS = ("teacher", "note", "pydoc", "doc")
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class Document:
    id: str
    kind: str
    title: str
    aliases: str
    """Other names, comma-separated: weighed like the title."""
    body: str
    """The text ranked as the body (for docstrings: the summary and parameter names, not the whole page)."""
    summary: str
    """What an answer shows first."""
    example: str = ""
    see: str = ""
    """Related ids or names, comma-separated."""
    source: str = ""
    """One line naming where this comes from, for the answer's citation."""
    topic: str = ""
    """python, pandas, numpy, matplotlib, errors or notebook: what the question must be about to prefer it."""
    parameters: str = ""
    """A docstring's parameters, one ``name: description`` per line, for questions about one of them."""


def from_note(note: Note, kind: str = "note") -> Document:
    origin = "your teacher's notes" if kind == "teacher" else "buddy's teaching notes"
    return Document(
        id=f"{kind}:{note.id}", kind=kind, title=note.title, aliases=", ".join(note.aliases),
        body=note.explanation + "\n" + note.example, summary=note.explanation, example=note.example,
        see=", ".join(note.see), source=f"from {origin}: “{note.title}”", topic=note.topic,
    )


# -- Python's reference, shipped with every Python -------------------------------------------

_HEADING = re.compile(r"^(?P<title>\S.*)\n(?P<rule>[=\-*])(?P=rule){2,}[ \t]*$", re.M)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _help_names() -> dict[str, list[str]]:
    """pydoc topic key -> the keywords, symbols and topic names that lead to it (``help('TUPLES')``)."""
    import pydoc

    helper = pydoc.Helper
    labels: dict[str, list[str]] = {}

    def resolve(name: str, depth: int = 0) -> str | None:
        entry = helper.topics.get(name)
        if entry is None or depth > 4:
            return None
        target = entry if isinstance(entry, str) else entry[0]
        return resolve(target, depth + 1) if target in helper.topics else target

    for name in helper.topics:
        label = resolve(name)
        if label:
            labels.setdefault(label, []).append(name)
    for keyword, target in helper.keywords.items():
        target = target if isinstance(target, str) else target[0]
        label = resolve(target.split()[0]) if target.split() and target.split()[0] in helper.topics else target
        if label:
            labels.setdefault(label, []).append(keyword)
    return labels


def _first_code_block(text: str) -> str:
    """The first ``>>>`` example in reference text, as plain code."""
    lines, started = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>> ") or (started and stripped.startswith("... ")):
            lines.append(stripped[4:])
            started = True
        elif started and (not stripped or stripped.startswith(">>>")):
            if not stripped:
                break
        elif started:
            continue  # an output line
        if len(lines) >= 8:
            break
    return "\n".join(lines)


def pydoc_documents() -> Iterator[Document]:
    from pydoc_data.topics import topics

    names = _help_names()
    for key, text in topics.items():
        help_names = names.get(key, [])
        cite = f" (`help({help_names[0]!r})`)" if help_names else ""
        headings = list(_HEADING.finditer(text))
        top_title = headings[0].group("title").strip() if headings and headings[0].start() == 0 else key
        bounds = [(m.group("title").strip(), m.end(), m.start()) for m in headings]
        pieces: list[tuple[str, str, str]] = []  # (id, title, text)
        first_start = headings[1].start() if len(headings) > 1 and headings[0].start() == 0 else (
            headings[0].start() if headings and headings[0].start() > 0 else len(text))
        intro_from = headings[0].end() if headings and headings[0].start() == 0 else 0
        pieces.append((f"pydoc:{key}", top_title, text[intro_from:first_start]))
        for index, (title, body_start, _) in enumerate(bounds):
            if headings[index].start() == 0:
                continue
            end = bounds[index + 1][2] if index + 1 < len(bounds) else len(text)
            pieces.append((f"pydoc:{key}#{slug(title)}", title, text[body_start:end]))
        seen: set[str] = set()
        for doc_id, title, body in pieces:
            if doc_id in seen or not body.strip():
                continue
            seen.add(doc_id)
            is_intro = "#" not in doc_id
            aliases = ", ".join(n.lower() for n in help_names) if is_intro else ""
            context = "" if is_intro else f" (in “{_clean_title(top_title)}”)"
            yield Document(
                id=doc_id, kind="pydoc", title=_clean_title(title), aliases=aliases,
                body=body.strip(), summary=body.strip(), example=_first_code_block(body), see="",
                source=f"from the Python {PYTHON} reference: “{_clean_title(title)}”{context}{cite}",
                topic="python",
            )


def _clean_title(title: str) -> str:
    return title.replace('"', "").strip()


# -- docstrings -----------------------------------------------------------------------------

_SECTION = re.compile(r"^(?P<name>[A-Z][A-Za-z ]+)\n-{3,}[ \t]*$", re.M)


@dataclass(frozen=True)
class Docstring:
    summary: str
    parameters: dict[str, str]
    see_also: tuple[str, ...]
    examples: tuple[str, ...]
    """The ``>>>`` statements of the examples, in order (continuation lines joined)."""


def parse_docstring(doc: str) -> Docstring:
    """Split a numpydoc (pandas, NumPy, matplotlib) or plain docstring into the parts an answer uses."""
    sections: dict[str, str] = {}
    matches = list(_SECTION.finditer(doc))
    summary = doc[: matches[0].start()] if matches else doc
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
        sections[match.group("name").strip().lower()] = doc[match.end():end]
    parameters: dict[str, str] = {}
    for block in (sections.get("parameters", ""), sections.get("other parameters", "")):
        current = None
        for line in block.splitlines():
            if line and not line.startswith(" "):
                current = line.split(":")[0].strip().lstrip("*")
                parameters[current] = ""
            elif current and line.strip():
                parameters[current] = (parameters[current] + " " + line.strip()).strip()
    see = tuple(
        name.strip().split(":")[0].strip() for line in sections.get("see also", "").splitlines()
        if line and not line.startswith(" ") for name in line.split(",") if name.strip()
    )
    examples = _statements(sections.get("examples", doc))
    return Docstring(summary=_strip_signature(summary).strip(), parameters=parameters, see_also=see,
                     examples=examples)


def _statements(text: str) -> tuple[str, ...]:
    statements: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>>"):
            statements.append(stripped[4:])
        elif stripped.startswith("...") and statements:
            statements[-1] += "\n" + stripped[4:]
    return tuple(statements)


_BARE_NAME = re.compile(r"^[A-Za-z_][\w.]*$")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _example_for(statements: Sequence[str], name: str, limit: int = 10) -> str:
    """The first example statement that uses ``name``, with the set-up statements before it."""
    useful = [re.sub(r"\s*#\s*doctest:.*$", "", s, flags=re.M) for s in statements if not _BARE_NAME.match(s.strip())]
    for index, statement in enumerate(useful):
        if name in _IDENTIFIER.findall(statement):  # one shared pattern: a compiled regex per name costs seconds
            chosen = useful[max(0, index - 3): index + 1]
            lines = "\n".join(chosen).splitlines()
            return "\n".join(lines[-limit:])
    return "\n".join("\n".join(useful[:3]).splitlines()[:limit])


def _strip_signature(text: str) -> str:
    """Builtin docstrings start with their signature line(s): the prose follows."""
    lines = text.strip().splitlines()
    while lines and re.match(r"^[\w.]+\(.*\)( -> .*)?$", lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


def _library(name: str) -> tuple[str, str]:
    root = name.split(".")[0]
    if root in sys.modules and root not in sys.stdlib_module_names:
        module = sys.modules[root]
        label = {"numpy": "NumPy", "matplotlib": "Matplotlib"}.get(root, root)
        return label, getattr(module, "__version__", "")
    return "Python", PYTHON


def docstring_document(name: str, obj: Any) -> Document | None:
    try:
        doc = inspect.getdoc(obj)
    except Exception:  # a broken object: nothing to say about it
        return None
    if not doc or len(doc) < 20:
        return None
    parsed = parse_docstring(doc)
    if not parsed.summary:
        return None
    short = name.split(".")[-1]
    public = name[len("builtins."):] if name.startswith("builtins.") else name
    shown = public.split(".", 1)[1] if public.split(".")[0] in ("pandas", "numpy") and "." in public else public
    library, version = _library(public)
    body = "\n".join([parsed.summary[:1500], " ".join(parsed.parameters)])
    see = ", ".join(parsed.see_also[:5])
    return Document(
        id=f"doc:{public}", kind="doc", title=public, aliases=", ".join(dict.fromkeys([short, shown])),
        body=body, summary=parsed.summary, example=_example_for(parsed.examples, short), see=see,
        source=f"from the {library} {version} documentation of `{shown}`".replace("  ", " "),
        topic=public.split(".")[0] if public.split(".")[0] in ("pandas", "numpy", "matplotlib") else "python",
        parameters="\n".join(f"{name}: {text[:300]}" for name, text in list(parsed.parameters.items())[:40]),
    )


def public_names(module: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    names: Iterable[str] = getattr(module, "__all__", None) or dir(module)
    for name in names:
        if name.startswith("_"):
            continue
        try:
            yield f"{prefix}.{name}", getattr(module, name)
        except Exception:
            continue


def members(cls: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            yield f"{prefix}.{name}", inspect.getattr_static(cls, name)
        except Exception:
            continue
