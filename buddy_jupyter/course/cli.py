"""``buddy class ...``: the instructor's view from a terminal.

    buddy class [overview|time|topics|errors|inactive|curriculum|learners|match SUMMARY]
                [--course PATH] [--days N] [--by day|week|month] [--format text|csv|json]

``--course`` is the course file, the course folder or the dataset folder
(``<exchange>/<course>/buddy``); by default the course file found upward from the
working directory. The top-level ``buddy`` command dispatches ``class`` here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .views import CLASS_VIEWS, show

VIEWS = tuple(CLASS_VIEWS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buddy class", description="The instructor's view of a course's shared snapshots.")
    parser.add_argument("view", nargs="?", choices=VIEWS, default="overview",
                        help="overview: minutes per learner and week; topics: where the class struggles; errors: "
                             "recurring error kinds; inactive: learners idle --days days; curriculum: who finished "
                             "which topic; learners: one row each; match SUMMARY: whose conversation a summary is")
    parser.add_argument("summary", nargs="?", help="match: the summary file handed in")
    parser.add_argument("--course", help="course file, course folder or dataset folder (default: found upward)")
    parser.add_argument("--days", type=int, default=7, help="inactive: days without activity (default 7)")
    parser.add_argument("--by", choices=("day", "week", "month"), default="week", help="time: the period")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text")
    return parser


def _source(course: str | None):
    from .settings import course_settings, find_course_file

    if course:
        path = Path(course).expanduser().resolve()
        if not path.exists():
            raise ValueError(f"{course}: no such course file or folder")
        return path
    found = find_course_file(Path.cwd())
    if found is None:
        raise ValueError("no buddy-course.toml here or above: give --course")
    return course_settings(None, start=found.parent)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    import warnings

    from ..errors import BuddyError

    warnings.showwarning = lambda message, *rest, **kw: print(f"buddy class: warning: {message}", file=sys.stderr)
    try:
        source = _source(args.course)
        view = args.view
        if view == "match" and not args.summary:
            raise ValueError("match needs the summary file: buddy class match buddy-summary-xxxx.md")
        if args.summary and view != "match":
            raise ValueError(f"unexpected argument {args.summary!r}")
        frame = show(source, view, by=args.by, days=args.days, summary=args.summary)
    except (ValueError, OSError, BuddyError) as error:
        print(f"buddy class: error: {error}", file=sys.stderr)
        return 2
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        sys.stdout.write(frame.to_json(orient="records", date_format="iso") + "\n")
    else:
        print(frame.to_string(index=False) if len(frame) else "(no rows)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
