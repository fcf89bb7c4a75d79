"""Progress, time spent and memory: SQL and DataFrames over every notebook's history.

Importing this package is cheap: each name below loads its module (and duckdb,
pandas) on first use. ``time_spent`` and ``export_parquet`` are both a module
and a function; the package binds the function (their modules import nothing
heavy), so ``from buddy_jupyter.analytics import time_spent`` gives the function
and ``from buddy_jupyter.analytics.time_spent import study_sessions`` still works.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .export_parquet import export_parquet
from .time_spent import study_sessions, time_spent

_EXPORTS = {
    "sql": "query", "list_stores": "history", "open_history": "history", "HistoryWarning": "history",
    "tag_topics": "topics", "auto_tag_session": "topics", "auto_tag_untagged": "topics", "progress": "topics",
    "curriculum_status": "topics", "VOCABULARY": "topics",
    "progress_report": "report", "ProgressReport": "report",
    "search_memory": "memory",
    "build_profile": "profile", "profile_for_prompt": "profile", "profile_path": "profile",
    "history_tools": "tools",
    "run_sandboxed": "sandbox", "check_select": "sandbox",
    "ActivityRecorder": "activity",
}

__all__ = sorted([*_EXPORTS, "export_parquet", "study_sessions", "time_spent"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
