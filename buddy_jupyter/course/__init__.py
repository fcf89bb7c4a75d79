"""A course: settings and modes, consent and snapshots to the exchange, the instructor's view.

Importing this package is cheap; each name below loads its module on first use.
See README.md ("A course") for the course file, the modes and the exchange's layout.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "course_settings": "settings", "CourseSettings": "settings", "find_course_file": "settings",
    "course_policy": "policy", "CourseOff": "policy",
    "give_consent": "share", "withdraw": "share", "read_consent": "share", "write_snapshot": "share",
    "open_class": "instructor", "ClassData": "instructor", "study_time": "instructor", "weekly_overview": "instructor",
    "struggles": "instructor", "error_kinds": "instructor", "inactive": "instructor", "curriculum": "instructor",
    "learners": "instructor", "match_summary": "instructor", "CourseWarning": "instructor",
    "summary_markdown": "summary",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
