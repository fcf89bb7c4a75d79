"""Progress, time spent and memory: SQL and DataFrames over every notebook's history.

Importing this package is cheap: each name below loads its module (and duckdb,
pandas) on first use. ``time_spent`` and ``export_parquet`` are both a module
and a function; the package binds the function (their modules import nothing
heavy), so ``from buddy_jupyter.analytics import time_spent`` gives the function
and ``from buddy_jupyter.analytics.time_spent import study_sessions`` still works.
"""

from __future__ import annotations

from ..lazy import lazy_exports

from .export_parquet import export_parquet
from .time_spent import study_sessions, time_spent

_EXPORTS = {
    "sql": "query", "list_stores": "history", "open_history": "history", "HistoryWarning": "history",
    "tag_topics": "topics", "auto_tag_session": "topics", "auto_tag_untagged": "topics", "progress": "topics",
    "curriculum_status": "topics", "VOCABULARY": "topics",
    "progress_report": "report", "ProgressReport": "report",
    "search_memory": "memory",
    "build_profile": "profile", "profile_for_prompt": "profile", "profile_path": "profile",
    "run_sandboxed": "sandbox", "check_select": "sandbox", "QueryRefused": "sandbox",
    "HistoryScope": "scope",
}

__all__ = sorted([*_EXPORTS, "export_parquet", "study_sessions", "time_spent"])


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
