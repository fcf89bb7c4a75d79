"""A course's settings: ``buddy-course.toml`` found upward from the notebook, and the notebook's metadata.

The course file (the instructor ships it in the course folder)::

    [course]
    name = "data-101"
    exchange = "/srv/nbgrader/exchange"   # relative paths are relative to this file
    notes = "notes"                       # teacher notes for the offline buddy
    mode = "explain"                      # full | explain | off
    topics = ["pandas: merge/join", "pandas: groupby"]
    curriculum = ["python basics", "pandas groupby"]   # or [[course.curriculum]] topic/goal tables
    share_interval = 300                  # seconds between a learner's snapshots
    exercise_tags = ["exercise"]          # cell tags that mark exercise cells

A notebook's metadata may hold ``{"buddy": {"course": {"mode": "off", "exercise_cells": [...]}}}``.
The effective mode is the *strictest* of the course file and the notebook (off < explain < full),
so neither a notebook's metadata nor a learner's ``%config`` can loosen what the course set.
Exercise cells are nbgrader ``solution`` cells, cells tagged with one of ``exercise_tags``, cells
whose metadata has ``buddy.exercise = true``, and the cell ids the notebook's metadata lists.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

COURSE_FILE = "buddy-course.toml"
MODES = ("full", "explain", "off")
STRICTNESS = {"off": 0, "explain": 1, "full": 2}
DEFAULT_SHARE_INTERVAL = 300.0
DEFAULT_EXERCISE_TAGS = ("exercise",)


class CourseFileError(InvalidInput):
    """A course file or notebook metadata that cannot be used as written."""


@dataclass(frozen=True)
class CurriculumItem:
    topic: str
    goal: str = ""


@dataclass(frozen=True)
class ExerciseCell:
    """A cell whose solution the buddy must not write in ``explain`` mode."""

    cell_id: str
    source: str
    why: str
    """``nbgrader``, ``tag``, ``metadata`` or ``notebook`` (listed in the notebook's metadata)."""


@dataclass(frozen=True)
class CourseSettings:
    """What the course decides for one notebook; ``name`` empty: no course."""

    name: str = ""
    mode: str = "full"
    exchange: Path | None = None
    notes: Path | None = None
    topics: tuple[str, ...] = ()
    curriculum: tuple[CurriculumItem, ...] = ()
    share_interval: float = DEFAULT_SHARE_INTERVAL
    exercise_tags: tuple[str, ...] = DEFAULT_EXERCISE_TAGS
    course_file: Path | None = None
    notebook: Path | None = None
    mode_source: str = "default"
    """Where the mode came from: ``default``, ``course file``, ``notebook``."""
    notebook_meta: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def active(self) -> bool:
        return bool(self.name)

    @property
    def dataset(self) -> Path | None:
        """``<exchange>/<course>/buddy``: the folder every learner's snapshot goes under."""
        if self.exchange is None or not self.name:
            return None
        return self.exchange / self.name / "buddy"

    def describe(self) -> str:
        """One line for ``%buddy status``."""
        if not self.active and self.mode == "full":
            return "full (no course)"
        where = f" ({self.mode_source})" if self.mode_source != "default" else ""
        return f"{self.mode}{where}" + (f", course {self.name}" if self.name else "")


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def find_course_file(start: Path | None) -> Path | None:
    """The nearest ``buddy-course.toml`` in ``start``'s folder or above."""
    if start is None:
        return None
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / COURSE_FILE
        if path.is_file():
            return path
    return None


def _check_mode(value: Any, where: str) -> str:
    if value not in MODES:
        raise CourseFileError(f"{where}: mode must be one of {', '.join(MODES)}, not {value!r}")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CourseFileError(f"{where} must be a list of strings")
    return tuple(value)


def _curriculum(value: Any, where: str) -> tuple[CurriculumItem, ...]:
    items = []
    for item in value or ():
        if isinstance(item, str):
            items.append(CurriculumItem(item))
        elif isinstance(item, dict) and isinstance(item.get("topic"), str):
            items.append(CurriculumItem(item["topic"], str(item.get("goal", ""))))
        else:
            raise CourseFileError(f"{where}: each curriculum item is a topic or a table with a topic")
    return tuple(items)


def read_course_file(path: Path) -> dict[str, Any]:
    """The ``[course]`` table of ``path``, with paths made absolute; errors name the file."""
    try:
        data = _toml_loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CourseFileError(f"cannot read the course file {path}: {error}") from None
    table = data.get("course", data)
    if not isinstance(table, dict):
        raise CourseFileError(f"{path}: [course] must be a table")
    where = str(path)
    out: dict[str, Any] = {"course_file": path}
    name = table.get("name", "")
    if not isinstance(name, str) or (name and not _safe_name(name)):
        raise CourseFileError(f"{where}: the course name must be letters, digits, '.', '_' or '-', not {name!r}")
    out["name"] = name or path.parent.name
    if "mode" in table:
        out["mode"] = _check_mode(table["mode"], where)
    for key in ("exchange", "notes"):
        if table.get(key):
            if not isinstance(table[key], str):
                raise CourseFileError(f"{where}: {key} must be a path")
            out[key] = (path.parent / Path(table[key]).expanduser()).resolve()
    out["topics"] = _strings(table.get("topics"), f"{where}: topics")
    out["curriculum"] = _curriculum(table.get("curriculum") or data.get("curriculum"), where)
    if "share_interval" in table:
        interval = table["share_interval"]
        if not isinstance(interval, (int, float)) or interval < 0:
            raise CourseFileError(f"{where}: share_interval must be a number of seconds")
        out["share_interval"] = float(interval)
    if "exercise_tags" in table:
        out["exercise_tags"] = _strings(table["exercise_tags"], f"{where}: exercise_tags")
    return out


def _safe_name(name: str) -> bool:
    import re

    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name))


def read_notebook(path: Path | None) -> dict[str, Any]:
    """The notebook's JSON, or ``{}`` when it is missing or not JSON (a notebook being written)."""
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _notebook_course(notebook: dict[str, Any]) -> dict[str, Any]:
    meta = notebook.get("metadata")
    buddy = meta.get("buddy") if isinstance(meta, dict) else None
    course = buddy.get("course") if isinstance(buddy, dict) else None
    return course if isinstance(course, dict) else {}


_CACHE: dict[tuple, CourseSettings] = {}


def course_settings(notebook: Path | None, *, start: Path | None = None) -> CourseSettings:
    """The course settings for ``notebook`` (or, outside a notebook, the folder ``start``).

    Cached on the files' modification times: cheap to call before every question.
    """
    course_file = find_course_file(notebook if notebook is not None else start)
    key = (notebook, start, course_file, _mtime(course_file), _mtime(notebook))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    values: dict[str, Any] = {"notebook": notebook}
    mode_source = "default"
    if course_file is not None:
        values.update(read_course_file(course_file))
        if "mode" in values:
            mode_source = "course file"
    nb = read_notebook(notebook) if notebook is not None else {}
    meta = _notebook_course(nb)
    if meta:
        if meta.get("name") and not values.get("name"):
            if not isinstance(meta["name"], str) or not _safe_name(meta["name"]):
                raise CourseFileError(f"{notebook}: metadata buddy.course.name is not a usable name")
            values["name"] = meta["name"]
        if "mode" in meta:
            mode = _check_mode(meta["mode"], f"{notebook}: metadata buddy.course")
            if STRICTNESS[mode] < STRICTNESS[values.get("mode", "full")]:
                values["mode"], mode_source = mode, "notebook"
    values["mode_source"] = mode_source
    values["notebook_meta"] = nb
    settings = CourseSettings(**values)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = settings
    return settings


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def exercise_cells(settings: CourseSettings) -> list[ExerciseCell]:
    """The notebook's exercise cells (as last saved)."""
    nb = settings.notebook_meta
    listed = set(_strings(_notebook_course(nb).get("exercise_cells"), "exercise_cells") if nb else ())
    tags = set(settings.exercise_tags)
    found = []
    for index, cell in enumerate(nb.get("cells") or ()):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        cell_id = str(cell.get("id") or index)
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        nbgrader = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        buddy = meta.get("buddy") if isinstance(meta.get("buddy"), dict) else {}
        cell_tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
        why = ("nbgrader" if nbgrader.get("solution") else "metadata" if buddy.get("exercise") is True
               else "tag" if tags.intersection(t for t in cell_tags if isinstance(t, str))
               else "notebook" if cell_id in listed else None)
        if why:
            found.append(ExerciseCell(cell_id, source, why))
    return found
