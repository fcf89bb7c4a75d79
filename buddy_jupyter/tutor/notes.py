"""Teaching notes: one Markdown file per thing beginners ask (format in ``notes/README.md``).

The package ships its notes; a teacher's folder (``Buddy.notes_path``) adds more in the
same format. A note that cannot be read is skipped with a warning naming its file: one
broken file must not take the tutor down.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PACKAGE_NOTES = Path(__file__).with_name("notes")
TOPICS = ("python", "pandas", "numpy", "matplotlib", "errors", "notebook")
LEVELS = ("beginner", "intermediate")
_HEADER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_EXAMPLE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


class NoteError(ValueError):
    """A note file that does not follow the format."""


@dataclass(frozen=True)
class Note:
    id: str
    """The file name without ``.md``: what labelled questions and "see also" refer to."""
    title: str
    aliases: tuple[str, ...]
    topic: str
    level: str
    see: tuple[str, ...]
    explanation: str
    """The prose before the example: its first paragraph answers the question on its own."""
    example: str
    after: str = ""
    """An optional closing line after the example."""
    path: Path | None = field(default=None, compare=False)


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def parse_note(text: str, note_id: str, path: Path | None = None) -> Note:
    match = _HEADER.match(text.replace("\r\n", "\n"))
    if not match:
        raise NoteError("no header: the file must start with a '---' line, key: value lines, and '---'")
    header: dict[str, str] = {}
    for line in match.group(1).splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise NoteError(f"header line without 'key: value': {line.strip()!r}")
        header[key.strip().lower()] = value.strip()
    if not header.get("title"):
        raise NoteError("the header has no title")
    topic = header.get("topic", "python").lower()
    if topic not in TOPICS:
        raise NoteError(f"unknown topic {topic!r} (one of {', '.join(TOPICS)})")
    level = header.get("level", "beginner").lower()
    if level not in LEVELS:
        raise NoteError(f"unknown level {level!r} (beginner or intermediate)")
    body = text.replace("\r\n", "\n")[match.end():]
    examples = _EXAMPLE.findall(body)
    if len(examples) != 1:
        raise NoteError(f"a note has exactly one ```python example (found {len(examples)})")
    example_match = _EXAMPLE.search(body)
    assert example_match is not None
    explanation = body[: example_match.start()].strip()
    if not explanation:
        raise NoteError("the explanation before the example is empty")
    return Note(
        id=note_id, title=header["title"], aliases=_split_list(header.get("aliases", "")), topic=topic,
        level=level, see=_split_list(header.get("see", "")), explanation=explanation,
        example=examples[0].rstrip("\n"), after=body[example_match.end():].strip(), path=path,
    )


def load_notes(folder: Path) -> list[Note]:
    """Every note in ``folder`` (not recursive), skipping broken ones with a warning."""
    notes = []
    try:
        paths = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
    except OSError as error:
        log.warning("teaching notes folder %s cannot be read: %s", folder, error)
        return []
    for path in paths:
        try:
            notes.append(parse_note(path.read_text(encoding="utf-8"), path.stem, path))
        except (OSError, UnicodeDecodeError, NoteError) as error:
            log.warning("skipped the teaching note %s: %s", path, error)
    return notes
