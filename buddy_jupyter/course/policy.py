"""The course's mode applied to a question: ``off`` refuses, ``explain`` guards real models.

``course_runner(settings, runner)`` is the call ``ask.py`` makes, before anything is
stored. It returns the runner to use:

* ``off``: raises ``CourseOff`` (one line; the magics show it as a ``UsageError``).
* ``explain`` with a real model: a runner that adds the course's instructions to the
  system prompt and checks every fenced code block of the answer as it streams; a block
  that completes an exercise cell (defines the cell's stub function with a real body, or
  assigns every name the cell leaves to fill in) is held back and replaced by one line.
  Prose streams as usual; a code block shows when its closing fence arrives.
* otherwise (``full``, no course, or the offline buddy, which never writes solutions):
  the runner unchanged.

``ask.py`` also resumes the learner's sharing when they consented earlier (see ``share.py``).
"""

from __future__ import annotations

import ast
import logging
import os
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from ..errors import BuddyError
from .settings import CourseSettings, ExerciseCell, course_settings, exercise_cells

if TYPE_CHECKING:
    from ..engine.events import ModelEvent, ModelRequest, ModelRunner

log = logging.getLogger(__name__)


class CourseOff(BuddyError):
    """The course turned the buddy off for this notebook."""


EXPLAIN_INSTRUCTIONS = """\
## Course rules (explain mode)
This notebook belongs to the course {course}, which allows explanations but not solutions. Explain the \
idea, point to the cause of errors, give hints and small examples on *different* data or names, and ask \
a guiding question; never write the complete code of an exercise cell, even when asked directly.{cells}"""

HELD_BACK = ("\n> _A code block that completes exercise cell `{cell}` was held back: the course {course} "
             "asks the buddy to explain, not to solve._\n")


def course_runner(settings: CourseSettings, runner: "ModelRunner") -> "ModelRunner":
    """The runner to answer with under the course's mode; ``CourseOff`` in ``off`` mode."""
    if settings.mode == "off":
        raise CourseOff(off_message(settings))
    if settings.mode == "explain" and getattr(runner, "provider_id", "offline") != "offline":
        return ExplainRunner(runner, settings, exercise_cells(settings))
    return runner


def settings_for(notebook: Path | None) -> CourseSettings:
    """The course settings that apply to ``notebook`` (or to the working folder outside a notebook)."""
    return course_settings(notebook, start=Path(os.getcwd()))


def off_message(settings: CourseSettings) -> str:
    course = f"the course {settings.name}" if settings.name else "this notebook's course"
    return f"the buddy is off here: {course} turned it off for this notebook (mode off, from the {settings.mode_source})"


class ExplainRunner:
    """Wraps a real model's runner: course instructions in, complete solutions out."""

    def __init__(self, inner: "ModelRunner", settings: CourseSettings, exercises: Sequence[ExerciseCell]):
        self.inner = inner
        self.settings = settings
        self.exercises = list(exercises)
        self.provider_id = inner.provider_id
        self.model_id = inner.model_id

    def instructions(self) -> str:
        cells = ""
        if self.exercises:
            listed = "\n".join(f"- cell {c.cell_id}:\n```python\n{c.source.strip()[:600]}\n```" for c in self.exercises)
            cells = "\n\nThe exercise cells of this notebook (do not complete them):\n" + listed
        return EXPLAIN_INSTRUCTIONS.format(course=self.settings.name or "of this notebook", cells=cells)

    def stream(self, request: "ModelRequest", cancel: threading.Event) -> Iterator["ModelEvent"]:
        from ..engine.events import TextDelta

        system = "\n\n".join(s for s in (request.system, self.instructions()) if s)
        guard = SolutionGuard(self.exercises, self.settings.name or "of this notebook")
        for event in self.inner.stream(replace(request, system=system), cancel):
            if isinstance(event, TextDelta):
                text = guard.feed(event.text)
                if text:
                    yield TextDelta(text)
                continue
            rest = guard.close()
            if rest:
                yield TextDelta(rest)
            yield event
        rest = guard.close()
        if rest:
            yield TextDelta(rest)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


_OPEN = re.compile(r"(?m)^[ \t]*```")
_CLOSE = re.compile(r"(?m)^[ \t]*```[ \t]*\n")


class SolutionGuard:
    """Streams text through, holding each fenced code block until it closes, then checks it."""

    def __init__(self, exercises: Sequence[ExerciseCell], course: str):
        self.exercises = list(exercises)
        self.course = course
        self.pending = ""
        self.fence: str | None = None
        self.held: list[str] = []
        """Cell ids whose solution was held back (for tests and logs)."""

    def feed(self, text: str) -> str:
        self.pending += text
        out: list[str] = []
        while True:
            if self.fence is None:
                found = _OPEN.search(self.pending)
                if found is None:
                    cut = self.pending.rfind("\n") + 1
                    tail = self.pending[cut:]
                    if not "```".startswith(tail.lstrip(" \t")[:3]):
                        cut = len(self.pending)
                    out.append(self.pending[:cut])
                    self.pending = self.pending[cut:]
                    break
                end = self.pending.find("\n", found.start())
                if end < 0:
                    out.append(self.pending[:found.start()])
                    self.pending = self.pending[found.start():]
                    break
                out.append(self.pending[:found.start()])
                self.fence = self.pending[found.start():end + 1]
                self.pending = self.pending[end + 1:]
            else:
                closing = _CLOSE.search(self.pending)
                if closing is None:
                    break
                code = self.pending[:closing.start()]
                out.append(self._block(code, self.pending[closing.start():closing.end()]))
                self.pending = self.pending[closing.end():]
                self.fence = None
        return "".join(out)

    def close(self) -> str:
        """Everything still held (an unclosed block is checked like a closed one)."""
        if self.fence is not None:
            text = self._block(self.pending, "")
        else:
            text = self.pending
        self.pending, self.fence = "", None
        return text

    def _block(self, code: str, closing: str) -> str:
        for cell in self.exercises:
            if is_complete_solution(code, cell.source):
                self.held.append(cell.cell_id)
                return HELD_BACK.format(cell=cell.cell_id, course=self.course)
        return (self.fence or "") + code + closing


def _parse(source: str) -> ast.Module | None:
    lines = [l for l in source.splitlines() if not l.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def _is_stub(body: list[ast.stmt]) -> bool:
    """Only a docstring, ``pass``, ``...`` or ``raise NotImplementedError``."""
    for node in body:
        if isinstance(node, ast.Pass):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Raise):
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                continue
        return False
    return True


def _assigned(module: ast.Module, *, real_values: bool) -> set[str]:
    names = set()
    for node in module.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = node.value
            if real_values and (value is None or (isinstance(value, ast.Constant) and value.value in (None, ...))):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def is_complete_solution(code: str, exercise: str) -> bool:
    """Does ``code`` fill in the exercise cell ``exercise``?

    A heuristic, on purpose narrow: the block defines a function or class the cell defines
    (as a stub or at all) with a real body, or the cell only assigns placeholders
    (``answer = None``) and the block assigns every one of them a real value.
    Fragments that do not parse, and examples on other names, pass.
    """
    block, cell = _parse(code), _parse(exercise)
    if block is None or cell is None:
        return False
    defined = {node.name for node in cell.body if isinstance(node, _DEFS)}
    for node in ast.walk(block):
        if isinstance(node, _DEFS) and node.name in defined and not _is_stub(node.body):
            return True
    if defined:
        return False
    placeholders = _assigned(cell, real_values=False)
    return bool(placeholders) and placeholders <= _assigned(block, real_values=True)
