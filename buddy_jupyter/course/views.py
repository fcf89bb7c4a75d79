"""The instructor's views by name: what ``%buddy class VIEW`` and ``buddy class VIEW`` show.

One table for the magic and the command line: each name maps to its function in ``instructor.py``
(imported on use: the magic's choices are read when the extension loads) and the options it takes.
"""

from __future__ import annotations

from typing import Any

CLASS_VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "overview": ("weekly_overview", ()),
    "time": ("study_time", ("by",)),
    "topics": ("struggles", ()),
    "errors": ("error_kinds", ()),
    "inactive": ("inactive", ("days",)),
    "curriculum": ("curriculum", ()),
    "learners": ("learners", ()),
    "match": ("match_summary", ("summary",)),
}
"""view -> (the function in ``instructor.py``, the options it takes by name)."""


def show(source: Any, view: str, **options: Any) -> Any:
    """The DataFrame of ``view`` over ``source`` (course settings, a course file or the dataset folder)."""
    from . import instructor

    function, takes = CLASS_VIEWS[view]
    return getattr(instructor, function)(source, **{name: options[name] for name in takes})
