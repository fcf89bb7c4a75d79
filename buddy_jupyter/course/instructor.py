"""The instructor's view: DataFrames over every learner's snapshot, with DuckDB.

``open_class`` lists ``<dataset>/learner=*/snapshot.parquet`` and keeps only files that are
safe to read: a learner folder or file that is a symlink, a file larger than ``max_bytes``,
a file that is not Parquet or lacks the snapshot's columns is skipped with a ``CourseWarning``
naming it. The others are one view, ``snapshots`` (with ``learner`` from the folder name).
Each function below takes a ``ClassData``, a course's settings, a course file or the dataset
folder, and returns a DataFrame.
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence, Union

from ..errors import InvalidInput
from . import exchange
from .settings import COURSE_FILE, CourseSettings, CurriculumItem, course_settings

if TYPE_CHECKING:
    import duckdb
    import pandas

MAX_BYTES = 256 * 2**20
"""A snapshot larger than this is skipped (a class's snapshots are kilobytes to a few MiB)."""


_CHECKED: dict[str, tuple[int, int, int]] = {}
"""Snapshots whose schema was checked in this process: path -> (inode, ctime, size) then."""


class CourseWarning(UserWarning):
    """A learner's snapshot was skipped; the message names it and says why."""


@dataclass
class ClassData:
    """The readable snapshots of one course, in an in-memory DuckDB with a ``snapshots`` view."""

    dataset: Path
    files: dict[str, Path] = field(default_factory=dict)
    """learner -> the snapshot read."""
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    curriculum: tuple[CurriculumItem, ...] = ()
    con: Any = None

    def sql(self, query: str, params: Any = None) -> "pandas.DataFrame":
        import duckdb

        while True:
            try:
                return self.con.execute(query, params).df() if params else self.con.execute(query).df()
            except duckdb.IOException:
                # A learner who withdrew while this ran: their files are gone, as if never shared.
                gone = [learner for learner, path in self.files.items() if not path.exists()]
                if not gone:
                    raise
                for learner in gone:
                    del self.files[learner]
                _create_view(self)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()

    def __enter__(self) -> "ClassData":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Source = Union[ClassData, CourseSettings, str, os.PathLike]


def _skip(data: ClassData, path: Path, why: str) -> None:
    data.skipped.append((path, why))
    warnings.warn(f"skipped {path}: {why}", CourseWarning, stacklevel=4)


def open_class(source: Source, *, max_bytes: int = MAX_BYTES) -> ClassData:
    """The class's snapshots: ``source`` is a course's settings, its course file, or the dataset folder."""
    import duckdb

    if isinstance(source, ClassData):
        return source
    dataset, curriculum = _dataset_of(source)
    data = ClassData(dataset=dataset, curriculum=curriculum)
    data.con = duckdb.connect()
    data.con.execute("SET enable_progress_bar = false")
    candidates: dict[str, Path] = {}
    signatures: dict[str, tuple[int, int, int]] = {}
    try:
        entries = sorted(os.scandir(dataset), key=lambda e: e.name)
    except FileNotFoundError:
        entries = []
    for entry in entries:
        if not entry.name.startswith("learner="):
            continue
        path = Path(entry.path)
        learner = entry.name[len("learner="):]
        if not exchange.LEARNER_ID.fullmatch(learner):
            _skip(data, path, "not a usable learner id")
            continue
        if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            _skip(data, path, "a symlink or not a folder")
            continue
        snapshot = path / exchange.SNAPSHOT
        try:
            others = [n for n in os.listdir(path) if n != exchange.SNAPSHOT and not n.startswith((".", "_"))]
        except OSError:
            others = []
        if others:  # a Parquet engine reading the whole folder would take them in: say so
            _skip(data, path / others[0], f"unexpected file in a learner folder ({len(others)} such), not read")
        try:
            info = os.lstat(snapshot)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
            _skip(data, snapshot, "a symlink or not a regular file")
        elif info.st_size > max_bytes:
            _skip(data, snapshot, f"{info.st_size / 2**20:.0f} MiB, over the {max_bytes / 2**20:g} MiB limit")
        else:
            candidates[learner] = snapshot
            signatures[learner] = (info.st_ino, info.st_ctime_ns, info.st_size)  # ctime: no user can set it
    reference = exchange.reference_schema(data.con)
    unchecked = [p for learner, p in candidates.items() if _CHECKED.get(str(p)) != signatures[learner]]
    found = exchange.schemas(data.con, unchecked)
    for learner, path in candidates.items():
        if str(path) not in found:  # checked before, and the same file since (a rewrite is a new inode)
            data.files[learner] = path
            continue
        rows = found[str(path)]
        if rows is None and not path.exists():
            continue  # withdrawn while the class was listed: as if never shared
        if rows is None:
            _skip(data, path, "not a Parquet file")
        elif rows != reference:
            _skip(data, path, "not a snapshot (other columns)")
        else:
            data.files[learner] = path
            _CHECKED[str(path)] = signatures[learner]
    _create_view(data)
    return data


def _create_view(data: ClassData) -> None:
    """The ``snapshots`` view over the files read (an empty relation of the same shape when none)."""
    if data.files:
        listing = ", ".join("'" + str(p).replace("'", "''") + "'" for p in data.files.values())
        data.con.execute(f"CREATE OR REPLACE VIEW snapshots AS SELECT * FROM read_parquet([{listing}], "
                         "hive_partitioning = true, hive_types = {'learner': VARCHAR})")
    else:
        data.con.execute(f"CREATE OR REPLACE VIEW snapshots AS SELECT *, CAST(NULL AS VARCHAR) AS learner "
                         f"FROM {exchange.empty_relation()}")


def _dataset_of(source: Source) -> tuple[Path, tuple[CurriculumItem, ...]]:
    if isinstance(source, CourseSettings):
        if source.dataset is None:
            raise InvalidInput("this course names no exchange folder (exchange = \"...\" in buddy-course.toml)")
        return source.dataset, source.curriculum
    path = Path(source).expanduser()
    if path.is_dir() and (path / COURSE_FILE).is_file():
        path = path / COURSE_FILE
    if path.is_file() and path.suffix == ".toml":
        settings = course_settings(None, start=path.parent)
        return _dataset_of(settings)
    return path, ()


def _with(source: Source, query: str, params: Any = None) -> "pandas.DataFrame":
    data = open_class(source)
    try:
        return data.sql(query, params)
    finally:
        if data is not source:
            data.close()


TIME_SQL = """
SELECT learner, CAST(date_trunc('{by}', day) AS DATE) AS {by}, sum(minutes) AS minutes,
       CAST(sum(questions) AS BIGINT) AS questions, CAST(sum(cells) AS BIGINT) AS cells,
       CAST(sum(errors) AS BIGINT) AS errors, count(DISTINCT notebook) AS notebooks, count(DISTINCT day) AS days
FROM snapshots WHERE kind = 'study'
GROUP BY ALL ORDER BY learner, {by}
"""


def study_time(source: Source, *, by: str = "week") -> "pandas.DataFrame":
    """Active minutes, questions, cell runs and errors per learner and ``by`` (week, day or month)."""
    if by not in ("day", "week", "month"):
        raise InvalidInput("by must be day, week or month")
    return _with(source, TIME_SQL.format(by=by))


def weekly_overview(source: Source) -> "pandas.DataFrame":
    """One row per learner and week: the class's weekly overview."""
    return study_time(source, by="week")


STRUGGLES_SQL = """
SELECT topic, count(DISTINCT learner) AS learners, CAST(sum(questions) AS BIGINT) AS questions,
       CAST(sum(errors) AS BIGINT) AS errors, sum(minutes) AS minutes,
       (sum(questions) + sum(errors)) / count(DISTINCT learner) AS per_learner
FROM snapshots WHERE kind = 'study' AND topic <> '(no topic)' AND day >= $since
GROUP BY topic ORDER BY sum(questions) + sum(errors) DESC, topic
"""


def struggles(source: Source, *, since: str | None = None) -> "pandas.DataFrame":
    """Topics ranked by questions plus failed cell runs, with how many learners met them."""
    return _with(source, STRUGGLES_SQL, {"since": since or "0001-01-01"})


ERRORS_SQL = """
SELECT e.key AS error, CAST(sum(e.value) AS BIGINT) AS count, count(DISTINCT learner) AS learners,
       count(DISTINCT notebook) AS notebooks, max(day) AS last_seen
FROM (SELECT learner, notebook, day, unnest(map_entries(error_kinds)) AS e FROM snapshots WHERE kind = 'study')
GROUP BY 1 HAVING count(DISTINCT learner) >= $min_learners ORDER BY count DESC, error
"""


def error_kinds(source: Source, *, min_learners: int = 1) -> "pandas.DataFrame":
    """Exception types of failed cell runs across the class, most frequent first."""
    return _with(source, ERRORS_SQL, {"min_learners": int(min_learners)})


INACTIVE_SQL = """
WITH everyone AS (SELECT unnest($learners::VARCHAR[]) AS learner),
last AS (SELECT learner, max(last_seen) AS last_active FROM snapshots WHERE kind = 'study' GROUP BY learner)
SELECT e.learner, l.last_active, date_diff('day', l.last_active, $now) AS days_inactive
FROM everyone e LEFT JOIN last l USING (learner)
WHERE l.last_active IS NULL OR l.last_active < $now - to_days($days)
ORDER BY l.last_active NULLS FIRST, e.learner
"""


def inactive(source: Source, *, days: int = 7, now: datetime | None = None) -> "pandas.DataFrame":
    """Learners with no activity in the last ``days`` days (naive UTC), longest inactive first."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    data = open_class(source)
    try:
        return data.sql(INACTIVE_SQL, {"learners": sorted(data.files), "now": now, "days": int(days)})
    finally:
        if data is not source:
            data.close()


def learners(source: Source) -> "pandas.DataFrame":
    """One row per learner: level shared, notebooks, minutes, questions, last activity, last snapshot."""
    return _with(source, """
SELECT learner, any_value(level) AS level, count(DISTINCT notebook) AS notebooks,
       sum(minutes) FILTER (WHERE kind = 'study') AS minutes,
       CAST(sum(questions) FILTER (WHERE kind = 'study') AS BIGINT) AS questions,
       max(last_seen) AS last_active, max(snapshot_at) AS last_snapshot
FROM snapshots GROUP BY learner ORDER BY learner""")


CURRICULUM_SQL = """
WITH items AS (SELECT unnest($positions::INTEGER[]) AS position, unnest($topics::VARCHAR[]) AS topic,
                      unnest($matches::VARCHAR[]) AS matches),
everyone AS (SELECT unnest($learners::VARCHAR[]) AS learner),
per AS (
    SELECT i.position, s.learner, sum(s.minutes) AS minutes, CAST(sum(s.questions) AS BIGINT) AS questions,
           CAST(sum(s.conversations) AS BIGINT) AS conversations, max(s.last_seen) AS last_studied
    FROM items i JOIN snapshots s ON s.kind = 'study' AND list_contains(string_split(i.matches, '|'), s.topic)
    GROUP BY ALL
)
SELECT e.learner, i.position, i.topic, coalesce(p.minutes, 0) AS minutes, coalesce(p.questions, 0) AS questions,
       coalesce(p.conversations, 0) AS conversations, p.last_studied,
       CASE WHEN coalesce(p.conversations, 0) = 0 AND coalesce(p.minutes, 0) = 0 THEN 'not started'
            WHEN p.conversations >= 2 OR p.minutes >= $practised THEN 'practised' ELSE 'started' END AS status
FROM everyone e CROSS JOIN items i LEFT JOIN per p ON p.learner = e.learner AND p.position = i.position
ORDER BY e.learner, i.position
"""


def curriculum(source: Source, items: Sequence[str | CurriculumItem] | None = None) -> "pandas.DataFrame":
    """Per learner and curriculum topic: minutes, questions, conversations (counted per day) and ``status``.

    ``items``: the curriculum (default: the course file's). A topic matches the snapshot's topics
    of the vocabulary it names (``"pandas groupby"`` matches ``pandas: groupby``) or the same name.
    Status as in ``%buddy progress``: practised after two conversations or 30 minutes.
    """
    from ..analytics.topics import CURRICULUM_PRACTISED_MINUTES, tag_topics

    data = open_class(source)
    try:
        chosen = [CurriculumItem(i) if isinstance(i, str) else i for i in (items if items is not None else data.curriculum)]
        if not chosen:
            raise InvalidInput("no curriculum: give items, or list them in the course file (curriculum = [...])")
        matches = ["|".join(dict.fromkeys([item.topic, *tag_topics(item.topic)])) for item in chosen]
        return data.sql(CURRICULUM_SQL, {
            "positions": list(range(1, len(chosen) + 1)), "topics": [i.topic for i in chosen], "matches": matches,
            "learners": sorted(data.files), "practised": CURRICULUM_PRACTISED_MINUTES,
        })
    finally:
        if data is not source:
            data.close()


def match_summary(source: Source, summary: str | os.PathLike) -> "pandas.DataFrame":
    """Which learner's shared conversation a handed-in summary comes from.

    ``match`` is ``exact`` when a conversation's hash equals the summary's, ``prefix`` when the
    conversation went on after the summary (its first messages hash the same; needs the
    conversations level), else the row is missing.
    """
    from .summary import HASH_EXPRESSION, read_summary_hash

    found = read_summary_hash(summary)
    if found is None:
        raise InvalidInput(f"{summary} has no buddy content hash line")
    digest, count, session_id = found
    return _with(source, f"""
WITH prefix AS (
    SELECT learner, notebook, session_id, {HASH_EXPRESSION.format(order='first_seen, message_id')} AS content_hash
    FROM (SELECT * FROM snapshots WHERE kind = 'message' AND session_id = $sid
          QUALIFY row_number() OVER (PARTITION BY learner, notebook ORDER BY first_seen, message_id) <= $n)
    GROUP BY ALL
)
SELECT learner, notebook, session_id, 'exact' AS match FROM snapshots
WHERE kind = 'session' AND session_id = $sid AND content_hash = $hash AND questions + answers = $n
UNION
SELECT learner, notebook, session_id, 'prefix' AS match FROM prefix WHERE content_hash = $hash
ORDER BY learner""", {"sid": session_id, "hash": digest, "n": count})
