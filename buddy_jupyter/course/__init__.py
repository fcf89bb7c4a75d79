"""A course: settings and modes, consent and snapshots to the exchange, the instructor's view.

Importing this package is cheap; each name below loads its module on first use.
See README.md ("A course") for the course file, the modes and the exchange's layout.
"""

from __future__ import annotations

from ..lazy import lazy_exports

_EXPORTS = {
    "course_settings": "settings", "CourseSettings": "settings", "find_course_file": "settings",
    "course_runner": "policy", "CourseOff": "policy",
    "give_consent": "share", "withdraw": "share", "read_consent": "share", "write_snapshot": "share",
    "open_class": "instructor", "ClassData": "instructor", "study_time": "instructor", "weekly_overview": "instructor",
    "struggles": "instructor", "error_kinds": "instructor", "inactive": "instructor", "curriculum": "instructor",
    "learners": "instructor", "match_summary": "instructor", "CourseWarning": "instructor",
    "summary_markdown": "summary",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
