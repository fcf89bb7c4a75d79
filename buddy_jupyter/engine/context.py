"""Notebook context sent with a question: the cell, the last error, named variables.

Bounded in size (``Buddy.context_limit``) and opt-out (``--no-context`` or
``Buddy.context = False``). Summaries never import pandas or NumPy: they only
describe objects the learner already has.
"""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Mapping

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class NotebookContext:
    cell: str = ""
    error: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    diagnosis: str = ""
    """Facts read from the live objects about the last error, and the fix (``buddy_jupyter.diagnose``)."""

    def render(self, limit: int) -> str:
        """Markdown sections, cut to ``limit`` characters (the diagnosis, then the error: they matter most)."""
        sections = []
        if self.diagnosis:
            sections.append("## Diagnosis\n" + self.diagnosis)
        if self.error:
            sections.append("## Last error\n" + self.error)
        if self.cell:
            sections.append("## The cell\n```python\n" + self.cell + "\n```")
        if self.variables:
            sections.append("## Variables\n" + "\n".join(f"- `{k}`: {v}" for k, v in self.variables.items()))
        text = "\n\n".join(sections)
        return text if len(text) <= limit else text[: max(0, limit - 20)] + "\n…(context cut)"


def last_error(shell: Any | None = None) -> str:
    """The notebook's last exception with a short traceback, or its last warning when that came later, or ''."""
    from ..diagnose.recorder import last_problem  # standard library only

    kind, problem = last_problem()
    if kind == "warning":
        where = f"\n\nShown for line {problem.lineno} of {problem.filename}" + (
            f": `{problem.line.strip()}`" if problem.line.strip() else "")
        # Readers look for `SomeWarning:` at the start: Pandas4Warning is shown as "FutureWarning (Pandas4Warning):"
        plain = next((k.__name__ for k in problem.category.__mro__ if re.fullmatch(r"[A-Z][A-Za-z]*", k.__name__)),
                     "Warning")
        label = plain if plain == problem.category.__name__ else f"{plain} ({problem.category.__name__})"
        return _ANSI.sub("", f"{label}: {problem.message}")[:2500] + where
    value = problem if kind == "error" else None  # a magic's UsageError is not the learner's error
    if value is None:
        return ""
    lines = traceback.format_exception(type(value), value, getattr(sys, "last_traceback", None))
    tail = "".join(lines[-8:])  # the innermost frames and the message
    summary = f"{type(value).__name__}: {value}"
    return _ANSI.sub("", summary + "\n\nTraceback (innermost frames):\n" + tail)[:3000]


def describe(value: Any) -> str:
    """A short summary of one variable, by duck typing (no heavy imports)."""
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__qualname__
    try:
        if name.startswith("pandas.") and hasattr(value, "dtypes") and hasattr(value, "head"):
            dtypes = ", ".join(f"{c}: {t}" for c, t in list(value.dtypes.items())[:20])
            head = value.head(5).to_string(max_cols=12, max_colwidth=30)
            return f"DataFrame, shape {value.shape}; dtypes: {dtypes}\n```\n{head}\n```"
        if name.startswith("pandas.") and hasattr(value, "dtype") and hasattr(value, "head"):
            return f"Series {value.name!r}, length {len(value)}, dtype {value.dtype}; head: {value.head(5).tolist()!r}"
        if name.startswith("numpy.") and hasattr(value, "shape") and hasattr(value, "dtype"):
            return f"ndarray, shape {value.shape}, dtype {value.dtype}"
        if isinstance(value, (list, tuple, set, dict)):
            return f"{name} of {len(value)} items: {_short(value)}"
        if callable(value):
            return f"{name} {getattr(value, '__name__', '')}"
        return f"{name}: {_short(value)}"
    except Exception as error:  # a broken __repr__ must not stop the question
        return f"{name} (could not summarise: {type(error).__name__})"


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def diagnosis_of_last_error(shell: Any | None = None, user_ns: Mapping[str, Any] | None = None) -> str:
    """The diagnosis of the notebook's last error (or warning) as Markdown, or '' (never raises)."""
    try:
        from ..diagnose import diagnose_last  # imported only when an error is in the context

        found = diagnose_last(shell, namespace=user_ns)
        return found.markdown() if found is not None else ""
    except Exception:  # the traceback text still goes to the model
        return ""


def gather(question: str, cell: str, user_ns: Mapping[str, Any], *, include_error: bool = True,
           shell: Any | None = None) -> NotebookContext:
    names = []
    for name in dict.fromkeys(_IDENT.findall(question)):
        if name.startswith("_") or name not in user_ns:
            continue
        value = user_ns[name]
        if type(value).__name__ == "module":
            continue
        names.append(name)
    error = last_error() if include_error else ""
    return NotebookContext(
        cell=cell.strip()[:2000],
        error=error,
        variables={name: describe(user_ns[name]) for name in names[:5]},
        diagnosis=diagnosis_of_last_error(shell, user_ns) if error else "",
    )
