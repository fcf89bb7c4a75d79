"""Consent and snapshots: what a learner shares with the course, and when.

Nothing leaves the learner's store without consent (``%buddy share on``). Consent is kept per
course in the learner's own settings folder (``$BUDDY_CONSENT_DIR``, else
``$XDG_CONFIG_HOME/buddy_jupyter/courses``, else ``~/.config/buddy_jupyter/courses``), so it holds
for every notebook of the course and across kernel restarts. Levels:

* ``progress``: time spent per day and topic, question, cell-run and error counts, error kinds,
  and a content hash per conversation. No message text, no code, no cell output.
* ``conversations``: the above and every message's text.

While consent holds, each kernel writes its notebook's snapshot at most every
``share_interval`` seconds (the course file; default 300), only when its history changed, and
once more when the kernel stops (``atexit``).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BuddyError, InvalidInput
from . import exchange
from .settings import CourseSettings

if TYPE_CHECKING:
    from ..state import KernelBuddy
    from ..store import Store

log = logging.getLogger(__name__)


class NoConsent(BuddyError):
    """Sharing was asked for without the learner's consent."""


@dataclass(frozen=True)
class Consent:
    course: str
    learner: str
    level: str
    since: str
    pseudonym: bool = False


def consent_dir() -> Path:
    if os.environ.get("BUDDY_CONSENT_DIR"):
        return Path(os.environ["BUDDY_CONSENT_DIR"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "buddy_jupyter" / "courses"


def consent_path(course: str) -> Path:
    return consent_dir() / f"{course}.json"


def read_consent(course: str) -> Consent | None:
    if not course:
        return None
    try:
        data = json.loads(consent_path(course).read_text(encoding="utf-8"))
        return Consent(**{k: data[k] for k in ("course", "learner", "level", "since")},
                       pseudonym=bool(data.get("pseudonym")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def learner_id(pseudonym: str | None = None) -> tuple[str, bool]:
    """(the id, whether it is a pseudonym): ``--as`` if given, else ``JUPYTERHUB_USER``."""
    if pseudonym:
        return exchange.check_learner_id(pseudonym), True
    user = os.environ.get("JUPYTERHUB_USER", "")
    if not user:
        raise InvalidInput("no JupyterHub user here: choose a pseudonym, e.g. %buddy share on --as river-otter")
    if not exchange.LEARNER_ID.fullmatch(user):
        raise InvalidInput(f"the hub user name {user!r} cannot name a folder safely: choose a pseudonym with --as")
    return user, False


def give_consent(settings: CourseSettings, level: str, pseudonym: str | None = None) -> Consent:
    """Record the learner's consent to share at ``level`` (replacing an earlier one)."""
    if level not in exchange.LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(exchange.LEVELS)}")
    require_dataset(settings)
    earlier = read_consent(settings.name)
    if pseudonym is None and earlier is not None:
        learner, is_pseudonym = earlier.learner, earlier.pseudonym
    else:
        learner, is_pseudonym = learner_id(pseudonym)
    consent = Consent(settings.name, learner, level, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      is_pseudonym)
    path = consent_path(settings.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(consent), handle, indent=1)
    os.replace(tmp, path)
    return consent


def withdraw(settings: CourseSettings, *, delete: bool = False, pseudonym: str | None = None) -> list[Path]:
    """Stop sharing with the course; with ``delete`` also remove the learner's files (returned).

    The files are found under the id of the consent, else ``pseudonym``, else the hub user.
    Other kernels of the learner see the consent gone before their next write, and stop.
    """
    consent = read_consent(settings.name)
    consent_path(settings.name).unlink(missing_ok=True)
    if not delete or settings.dataset is None:
        return []
    learner = pseudonym or (consent.learner if consent is not None else learner_id()[0])
    return exchange.remove_learner(settings.dataset, exchange.check_learner_id(learner))


def require_dataset(settings: CourseSettings) -> Path:
    if not settings.active:
        raise InvalidInput("this notebook belongs to no course: there is no buddy-course.toml in its folder or above")
    if settings.dataset is None:
        raise InvalidInput(f"the course file {settings.course_file} names no exchange folder (exchange = \"...\")")
    return settings.dataset


# -- the snapshot ---------------------------------------------------------------------

def notebook_label(settings: CourseSettings, notebook: Path | None) -> str:
    """The notebook relative to the course folder, without ``.ipynb`` (its name outside one)."""
    if notebook is None:
        return "ipython"
    if settings.course_file is not None:
        try:
            return notebook.with_suffix("").relative_to(settings.course_file.parent).as_posix()
        except ValueError:
            pass
    return notebook.stem


def _rows_sql(level: str) -> str:
    from ..analytics.time_spent import ATTRIBUTED_SQL
    from .summary import HASH_EXPRESSION

    sql = ATTRIBUTED_SQL + f""",
topic_of AS (SELECT session_id, topic, count(*) OVER (PARTITION BY session_id) AS n FROM session_topic),
tagged AS (
    SELECT a.*, coalesce(t.topic, '(no topic)') AS topic, 1.0 / coalesce(t.n, 1) AS weight
    FROM attributed a LEFT JOIN topic_of t ON t.session_id = a.conversation_id
),
study AS (
    SELECT 'study' AS kind, * FROM (
        SELECT $notebook AS notebook, CAST(local_start AS DATE) AS day, topic,
               sum(active_seconds * weight) / 60 AS minutes,
               count(*) FILTER (WHERE kind = 'question') AS questions,
               count(*) FILTER (WHERE kind = 'answer') AS answers,
               count(*) FILTER (WHERE kind = 'cell') AS cells,
               count(*) FILTER (WHERE kind = 'cell' AND outcome <> 'ok') AS errors,
               count(DISTINCT conversation_id) AS conversations,
               CAST(histogram(outcome) FILTER (WHERE kind = 'cell' AND outcome <> 'ok') AS MAP(VARCHAR, BIGINT))
                   AS error_kinds,
               min(time_start) AS first_seen, max(time_end) AS last_seen
        FROM tagged GROUP BY 2, 3)
),
msgs AS MATERIALIZED (
    SELECT session_id, message_id, seq, role, text, model_id, time_created, time_completed FROM messages
),
conversation AS (
    SELECT 'session' AS kind, $notebook AS notebook, CAST(min(time_created) AS DATE) AS day,
           session_id, {HASH_EXPRESSION.format(order='time_created, seq')} AS content_hash,
           count(*) FILTER (WHERE role = 'user') AS questions, count(*) FILTER (WHERE role = 'assistant') AS answers,
           min(time_created) AS first_seen, max(coalesce(time_completed, time_created)) AS last_seen
    FROM msgs GROUP BY session_id
)"""
    parts = ["SELECT * FROM study", "SELECT * FROM conversation"]
    if level == "conversations":
        parts.append("SELECT 'message' AS kind, $notebook AS notebook, CAST(time_created AS DATE) AS day, session_id, "
                     "message_id, role, text, model_id, time_created AS first_seen, "
                     "coalesce(time_completed, time_created) AS last_seen FROM msgs")
    body = " UNION ALL BY NAME ".join(parts)
    return f"SELECT *, $level AS level, $snapshot_at AS snapshot_at FROM ({sql} {body})"


@dataclass(frozen=True)
class SnapshotResult:
    path: Path
    rows: int
    seconds: float


def write_snapshot(store: "Store", settings: CourseSettings, consent: Consent, *, notebook: Path | None = None,
                   idle_threshold: float = 300.0, tz: str | None = None) -> SnapshotResult:
    """Replace this notebook's rows in the learner's snapshot (one atomic rename)."""
    t0 = time.perf_counter()
    dataset = require_dataset(settings)
    if consent.course != settings.name:
        raise NoConsent(f"no consent to share with {settings.name}")
    folder = exchange.own_folder(dataset, consent.learner)
    params = {
        "threshold": float(idle_threshold), "tz": tz, "notebook": notebook_label(settings, notebook),
        "level": consent.level, "snapshot_at": datetime.now(timezone.utc).replace(tzinfo=None),
    }
    with exchange.locked(folder), store.connection() as con:
        if read_consent(settings.name) != consent:  # withdrawn or changed meanwhile (checked under the lock)
            raise NoConsent(f"the consent to share with {settings.name} changed; nothing was written")
        rows = exchange.write_rows(con, folder, _rows_sql(consent.level), params,
                                   replace_notebook=params["notebook"],
                                   keep_messages=consent.level == "conversations")
    return SnapshotResult(folder / exchange.SNAPSHOT, rows, time.perf_counter() - t0)


WATERMARK_SQL = """
SELECT (SELECT count(*) FROM message), (SELECT max(coalesce(time_completed, time_created)) FROM message),
       (SELECT count(*) FROM activity), (SELECT max(time_start) FROM activity), (SELECT count(*) FROM session_topic)
"""


class Sharer:
    """Writes a kernel's snapshot every ``interval`` seconds when its history changed, and at exit."""

    def __init__(self, kb: "KernelBuddy", settings: CourseSettings, consent: Consent):
        self.kb = kb
        self.settings = settings
        self.consent = consent
        self.interval = max(float(settings.share_interval), 1.0)
        self.last: SnapshotResult | None = None
        self.last_error: str = ""
        self._mark: tuple | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="buddy-course-share", daemon=True)
            self._thread.start()
            atexit.register(self.at_exit)

    def stop(self) -> None:
        self._stop.set()
        atexit.unregister(self.at_exit)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None

    def write(self, *, force: bool = False) -> SnapshotResult | None:
        """Write now if the history changed since the last snapshot (or ``force``)."""
        with self._lock:
            consent = read_consent(self.settings.name)
            if consent is None:  # withdrawn, maybe from another kernel: write nothing more
                self._stop.set()
                return None
            if consent != self.consent:
                self.consent, force = consent, True
            store = self.kb.store
            with store.connection() as con:
                mark = tuple(con.execute(WATERMARK_SQL).fetchall()[0])
            if not force and mark == self._mark:
                return None
            try:
                self.last = write_snapshot(store, self.settings, self.consent, notebook=self.kb.notebook,
                                           idle_threshold=self.kb.config.idle_threshold)
            except NoConsent:
                return None
            self._mark = mark
            self.last_error = ""
            return self.last

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._attempt()

    def _attempt(self) -> None:
        try:
            self.write()
        except Exception as error:  # the notebook goes on; status shows the last problem
            self.last_error = str(error)
            log.warning("could not share the buddy snapshot with %s: %s", self.settings.name, error)

    def at_exit(self) -> None:
        """At kernel shutdown: the last cell runs into the store, then the last snapshot."""
        activity = getattr(self.kb, "activity", None)
        if activity is not None:
            try:
                activity.flush()
            except Exception:  # noqa: BLE001 - exiting anyway
                pass
        self._attempt()


def sharer_of(kb: "KernelBuddy") -> Sharer | None:
    return getattr(kb, "course_sharer", None)


def start_sharing(kb: "KernelBuddy", settings: CourseSettings, consent: Consent) -> Sharer:
    """(Re)start this kernel's sharer under ``consent``."""
    stop_sharing(kb)
    sharer = Sharer(kb, settings, consent)
    kb.course_sharer = sharer
    sharer.start()
    return sharer


def stop_sharing(kb: "KernelBuddy") -> None:
    sharer = sharer_of(kb)
    if sharer is not None:
        sharer.stop()
        kb.course_sharer = None


def resume(kb: "KernelBuddy", settings: CourseSettings) -> Sharer | None:
    """Start sharing in this kernel if the learner consented earlier (cheap when already running)."""
    sharer = sharer_of(kb)
    if sharer is not None and sharer.settings.name == settings.name:
        return sharer
    consent = read_consent(settings.name)
    if consent is None or settings.dataset is None:
        return None
    return start_sharing(kb, settings, consent)
