"""The bad-input corpus of issue 10: every ``%buddy`` line or cell a learner might type wrongly.

Each case runs on a real ``InteractiveShell`` serving ``course/lesson.ipynb`` in a temporary
folder, with a real store holding one conversation, and must end with one ``UsageError`` line or a
sensible result; never a traceback, never a hang; the conversation is intact afterwards and the
buddy still answers and stores the next question; nothing is written outside the notebook's folder
(and its ``.buddy/``) except the target the learner named, and no existing file changes unless the
case says so.
"""

from __future__ import annotations

import hashlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell


S = "\ud800"  # a lone surrogate: a Jupyter frontend can send one (JSON "\ud800")
CASE_TIMEOUT = 20.0
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


class CaseTimeout(BaseException):
    """A case ran longer than CASE_TIMEOUT: a hang."""


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    expect: str = "usage"
    """usage: one UsageError line; ok: no error; either: one of the two (a sensible result)."""
    setup: Callable[["Env"], None] | None = None
    changes: tuple[str, ...] = ()
    """Paths (relative to the notebook's folder, or absolute) the case may create or change."""
    check: Callable[["Env"], None] | None = None
    match: str = ""
    """Text the UsageError line must contain."""


@dataclass
class Env:
    root: Path
    folder: Path
    shell: InteractiveShell
    store_file: Path
    baseline: list = field(default_factory=list)

    @property
    def kb(self):
        from buddy_jupyter.magics import kernel_buddy

        return kernel_buddy(self.shell)


# -- setups and checks ------------------------------------------------------------------

def _make(path: str, text: str = "mine") -> Callable[[Env], None]:
    def setup(env: Env) -> None:
        target = env.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return setup


def _bad_str(env: Env) -> None:
    class Bad:
        def __str__(self):
            raise RuntimeError("no str for you")

        __repr__ = __str__

    env.shell.user_ns["bad"] = Bad()


def _surrogate_var(env: Env) -> None:
    env.shell.user_ns["odd"] = "abc" + S


def _huge_var(env: Env) -> None:
    env.shell.user_ns["huge"] = "x" * 5_000_000


def _store_replaced(make: Callable[[Path], None]) -> Callable[[Env], None]:
    """Replace this notebook's store file (the kernel lets go of it first) by something odd."""
    def setup(env: Env) -> None:
        env.kb.store.close()
        env.kb._store = None  # a kernel started afresh on this folder
        saved = env.store_file.with_name("saved.duckdb.keep")
        os.replace(env.store_file, saved)
        wal = env.store_file.with_name(env.store_file.name + ".wal")
        if wal.exists():
            os.replace(wal, saved.with_name("saved.wal.keep"))
        make(env.store_file)
        env.baseline = []  # another store: the history to keep is the learner's file, checked below
    return setup


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _symlink_to_notes(path: Path) -> None:
    path.symlink_to(path.parent.parent / "notes.md")


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent.parent / "nowhere" / "x.duckdb")


def _directory(path: Path) -> None:
    path.mkdir()


def _foreign(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE message (id INTEGER, body VARCHAR)")
    con.execute("INSERT INTO message VALUES (1, 'the learner''s own data')")
    con.close()


def _foreign_intact(env: Env) -> None:
    con = duckdb.connect(str(env.store_file), read_only=True)
    try:
        assert con.execute("SELECT * FROM message").fetchall() == [(1, "the learner's own data")]
    finally:
        con.close()


def _notes_intact(env: Env) -> None:
    assert (env.folder / "notes.md").read_text() == "my own notes"
    assert not list(env.folder.glob("notes*corrupt*"))
    assert not (env.folder / "nowhere").exists()


def _exported(name: str, contains: str = "first question") -> Callable[[Env], None]:
    def check(env: Env) -> None:
        assert contains in (env.folder / name).read_text(encoding="utf-8")
    return check


def _unchanged(name: str, text: str = "mine") -> Callable[[Env], None]:
    def check(env: Env) -> None:
        assert (env.folder / name).read_text() == text
    return check


def _model_is(expected: str) -> Callable[[Env], None]:
    def check(env: Env) -> None:
        assert env.kb.config.model == expected
    return check


def _title_is(title: str) -> Callable[[Env], None]:
    def check(env: Env) -> None:
        assert env.kb.store.get_session(env.baseline[0][0]).title == title
    return check


def _views_work(env: Env) -> None:
    store = env.kb.store
    with store.connection() as con:
        assert con.execute("SELECT count(*) FROM messages").fetchall()[0][0] >= 2


def _refused_switch_then_ask(env: Env) -> None:
    result = env.shell.run_cell(f"%buddy switch {S}")
    assert isinstance(result.error_in_exec, UsageError)


def _session_named(env: Env) -> None:
    env.shell.user_ns["sid"] = env.baseline[0][0]


def _jpy_outside(env: Env) -> None:
    os.environ["JPY_SESSION_NAME"] = "../../x.ipynb"
    env.kb._store = None


# -- the corpus -------------------------------------------------------------------------

CASES = [
    # sessions
    Case("sessions-n-negative", "%buddy sessions -n -5", "either"),
    Case("sessions-n-zero", "%buddy sessions -n 0", "either"),
    Case("sessions-n-huge", "%buddy sessions -n 99999999999999999999999", "either"),
    Case("sessions-n-text", "%buddy sessions -n abc"),
    Case("sessions-n-missing", "%buddy sessions -n"),
    Case("sessions-n-float", "%buddy sessions -n 1.5"),
    Case("sessions-unknown-option", "%buddy sessions --bogus"),
    Case("sessions-extra-word", "%buddy sessions now"),
    Case("sessions-both-filters", "%buddy sessions --archived --all", "either"),
    Case("sessions-open-quote", "%buddy sessions -n '5"),
    # switch
    Case("switch-open-quote", "%buddy switch 'abc"),
    Case("switch-open-double-quote", '%buddy switch "abc'),
    Case("switch-nothing", "%buddy switch"),
    Case("switch-unknown", "%buddy switch nosuchsession"),
    Case("switch-surrogate", f"%buddy switch {S}"),
    Case("switch-empty-quotes", "%buddy switch ''"),
    Case("switch-two-words", "%buddy switch a b"),
    Case("switch-sql-injection", "%buddy switch x' OR 1=1 --"),
    Case("switch-very-long", "%buddy switch " + "a" * 20_000),
    Case("switch-nul", "%buddy switch ab\x00c"),
    Case("switch-percent", "%buddy switch %"),
    Case("switch-underscore", "%buddy switch _"),
    Case("switch-trailing-backslash", "%buddy switch abc\\"),
    # new and title
    Case("new-surrogate", f"%buddy new a title {S}"),
    Case("new-nul", "%buddy new a\x00b", "either"),
    Case("new-open-quote", "%buddy new 'unclosed", "ok"),
    Case("new-huge-title", "%buddy new " + "t" * 200_000, "either"),
    Case("title-empty", "%buddy title"),
    Case("title-surrogate", f"%buddy title {S}"),
    Case("title-spaces", "%buddy title     "),
    # history, delete, archive
    Case("history-unknown", "%buddy history nosuch"),
    Case("history-open-quote", "%buddy history 'abc"),
    Case("history-surrogate", f"%buddy history {S}"),
    Case("history-two", "%buddy history a b"),
    Case("delete-unknown", "%buddy delete nosuch --yes"),
    Case("delete-without-yes", "%buddy delete {sid}", setup=_session_named, match="--yes"),
    Case("delete-nothing", "%buddy delete"),
    Case("delete-open-quote", "%buddy delete 'abc --yes"),
    Case("delete-surrogate", f"%buddy delete {S} --yes"),
    Case("archive-unknown", "%buddy archive nosuch"),
    Case("archive-nothing", "%buddy archive --undo"),
    # export
    Case("export-dev-full", "%buddy export --to /dev/full"),
    Case("export-a-directory", "%buddy export --to .", setup=None),
    Case("export-a-subfolder", "%buddy export --to sub", setup=lambda env: (env.folder / "sub").mkdir()),
    Case("export-missing-folder", "%buddy export --to missing/deeper/notes.md"),
    Case("export-nul-in-name", "%buddy export --to a\x00b.md"),
    Case("export-escaped-nul-text", '%buddy export --to "a\\x00b.md"', "ok", changes=("a\\x00b.md",)),
    Case("export-quoted-name", '%buddy export --to "my notes.md"', "ok", changes=("my notes.md",),
         check=_exported("my notes.md")),
    Case("export-single-quoted-name", "%buddy export --to 'my notes 2.md'", "ok", changes=("my notes 2.md",),
         check=_exported("my notes 2.md")),
    Case("export-open-quote", '%buddy export --to "my notes.md'),
    Case("export-onto-store", "%buddy export --to .buddy/lesson.duckdb", match="store"),
    Case("export-into-buddy-folder", "%buddy export --to .buddy/notes.md"),
    Case("export-onto-buddy-folder", "%buddy export --to .buddy"),
    Case("export-onto-notebook", "%buddy export --to lesson.ipynb --format ipynb"),
    Case("export-onto-notebook-forced", "%buddy export --to lesson.ipynb --force"),
    Case("export-onto-store-forced", "%buddy export --to .buddy/lesson.duckdb --force"),
    Case("export-existing-file", "%buddy export --to notes.md", match="--force"),
    Case("export-existing-forced", "%buddy export --to mine.md --force", "ok", setup=_make("mine.md"),
         changes=("mine.md",), check=_exported("mine.md")),
    Case("export-existing-other", "%buddy export --to mine.md", setup=_make("mine.md"), check=_unchanged("mine.md")),
    Case("export-symlink-to-store", "%buddy export --to link.md",
         setup=lambda env: (env.folder / "link.md").symlink_to(env.store_file)),
    Case("export-unknown-format", "%buddy export --format pdf"),
    Case("export-empty-target", "%buddy export --to ''", "either", changes=("buddy-first-question.md",)),
    Case("export-unknown-session", "%buddy export nosuch"),
    Case("export-surrogate-name", f"%buddy export --to {S}.md"),
    Case("export-name-too-long", "%buddy export --to " + "n" * 300 + ".md"),
    Case("export-proc", "%buddy export --to /proc/version --force"),
    Case("export-default", "%buddy export", "ok", changes=("buddy-first-question.md",)),
    Case("export-json-new", "%buddy export --format json --to out.json", "ok", changes=("out.json",)),
    # parquet
    Case("parquet-under-dev-null", "%buddy parquet /dev/null/x"),
    Case("parquet-dev-full", "%buddy parquet /dev/full"),
    Case("parquet-nothing", "%buddy parquet"),
    Case("parquet-onto-file", "%buddy parquet notes.md"),
    Case("parquet-into-buddy", "%buddy parquet .buddy/data"),
    Case("parquet-onto-buddy", "%buddy parquet .buddy"),
    Case("parquet-onto-notebook-folder", "%buddy parquet ."),
    Case("parquet-onto-store", "%buddy parquet .buddy/lesson.duckdb --force"),
    Case("parquet-existing-folder", "%buddy parquet data", setup=_make("data/keep.txt"), check=_unchanged("data/keep.txt")),
    Case("parquet-nul", "%buddy parquet da\x00ta"),
    Case("parquet-surrogate", f"%buddy parquet d{S}"),
    Case("parquet-open-quote", "%buddy parquet 'my data"),
    Case("parquet-quoted", "%buddy parquet 'my data'", "ok", changes=("my data",)),
    # sql: read-only unless --write
    Case("sql-delete", "%buddy sql DELETE FROM message"),
    Case("sql-drop-table", "%buddy sql DROP TABLE part"),
    Case("sql-drop-view", "%buddy sql DROP VIEW messages", check=_views_work),
    Case("sql-update", "%buddy sql UPDATE session SET title = 'x'"),
    Case("sql-insert", "%buddy sql INSERT INTO memory VALUES ('x')"),
    Case("sql-write-after-select", "%buddy sql SELECT 1; DELETE FROM message"),
    Case("sql-begin", "%buddy sql BEGIN"),
    Case("sql-begin-transaction", "%buddy sql BEGIN TRANSACTION; DELETE FROM part"),
    Case("sql-commit", "%buddy sql COMMIT"),
    Case("sql-rollback", "%buddy sql ROLLBACK"),
    Case("sql-alter", "%buddy sql ALTER TABLE session ADD COLUMN x INTEGER"),
    Case("sql-create-table", "%buddy sql CREATE TABLE mine AS SELECT 1"),
    Case("sql-create-or-replace-view", "%buddy sql CREATE OR REPLACE VIEW messages AS SELECT 1 AS x", check=_views_work),
    Case("sql-attach", "%buddy sql ATTACH 'other.duckdb' AS other"),
    Case("sql-copy-to", "%buddy sql COPY message TO 'leak.csv'"),
    Case("sql-export-database", "%buddy sql EXPORT DATABASE 'dump'"),
    Case("sql-checkpoint", "%buddy sql CHECKPOINT", "either"),
    Case("sql-set", "%buddy sql SET threads = 1", "either"),
    Case("sql-install", "%buddy sql INSTALL fts"),
    Case("sql-unknown-table", "%buddy sql SELECT * FROM nosuch"),
    Case("sql-typo", "%buddy sql SELEC 1"),
    Case("sql-nothing", "%buddy sql"),
    Case("sql-surrogate", f"%buddy sql SELECT '{S}'"),
    Case("sql-divide-by-zero", "%buddy sql SELECT 1 // 0", "either"),
    Case("sql-select-ok", "%buddy sql SELECT role, count(*) FROM messages GROUP BY role", "ok"),
    Case("sql-all-drop", "%buddy sql --all DROP TABLE part"),
    Case("sql-all-select", "%buddy sql --all SELECT count(*) FROM messages", "ok"),
    Case("sql-write-nothing", "%buddy sql --write"),
    Case("sql-write-drop-view", "%buddy sql --write DROP VIEW messages", check=_views_work),
    Case("sql-write-drop-table", "%buddy sql --write DROP TABLE part"),
    Case("sql-write-update", "%buddy sql --write UPDATE session SET title = 'renamed'", "ok",
         check=_title_is("renamed")),
    Case("sql-write-begin", "%buddy sql --write BEGIN"),
    Case("sql-cell-write", "%%buddy sql\nDELETE FROM part"),
    # remember, forget, topic, curriculum, memory
    Case("remember-surrogate", f"%buddy remember I like {S}"),
    Case("remember-nothing", "%buddy remember"),
    Case("remember-nul", "%buddy remember a\x00b", "either"),
    Case("remember-huge", "%buddy remember " + "m" * 100_000, "either"),
    Case("forget-unknown", "%buddy forget nosuch"),
    Case("forget-surrogate", f"%buddy forget {S}"),
    Case("forget-open-quote", "%buddy forget 'abc"),
    Case("topic-surrogate", f"%buddy topic loops, {S}"),
    Case("topic-commas", "%buddy topic ,,,", "either"),
    Case("curriculum-surrogate", f"%buddy curriculum loops: learn {S}"),
    Case("curriculum-colons", "%buddy curriculum :;:;", "either"),
    Case("memory-nothing", "%buddy memory"),
    Case("memory-surrogate", f"%buddy memory {S}"),
    Case("memory-quote", "%buddy memory '", "either"),
    Case("memory-regex", "%buddy memory (*[", "either"),
    Case("progress-days-negative", "%buddy progress --days -1"),
    Case("progress-days-huge", "%buddy progress --days 99999999999999999999"),
    Case("progress-days-text", "%buddy progress --days abc"),
    Case("profile-bogus", "%buddy profile --bogus"),
    # model
    Case("model-openai-empty", "%buddy model openai:", check=_model_is("script:x")),
    Case("model-colon", "%buddy model :", check=_model_is("script:x")),
    Case("model-unknown", "%buddy model gpt4", check=_model_is("script:x")),
    Case("model-anthropic-empty", "%buddy model anthropic:", check=_model_is("script:x")),
    Case("model-space", "%buddy model 'openai: x'", check=_model_is("script:x")),
    Case("model-surrogate", f"%buddy model openai:{S}", check=_model_is("script:x")),
    Case("config-model-empty", '%config Buddy.model = "openai:"', "either", check=_model_is("script:x")),
    Case("config-model-unknown", '%config Buddy.model = "nonsense"', "either", check=_model_is("script:x")),
    Case("question-model-empty", "%buddy -m openai: why?"),
    Case("question-model-unknown", "%buddy -m nosuch:x why?"),
    # questions
    Case("question-surrogate", f"%buddy why {S}?"),
    Case("question-nul", "%buddy why\x00?", "either"),
    Case("question-bad-str", "%buddy explain {bad}", setup=_bad_str),
    Case("question-surrogate-var", "%buddy what is {odd}", "either", setup=_surrogate_var),
    Case("question-huge-var", "%buddy what is {huge}", "ok", setup=_huge_var),
    Case("question-undefined-var", "%buddy what is {nothing_here}", "ok"),
    Case("question-bad-format", "%buddy -f pdf why?"),
    Case("question-unknown-session", "%buddy -s nosuch why?"),
    Case("question-session-missing", "%buddy -s"),
    Case("question-only-dashes", "%buddy --"),
    Case("question-only-options", "%buddy --no-context"),
    Case("question-question-mark", "%buddy ?", "either"),
    Case("question-bad-var-name", "%buddy -o 1abc why?", "either"),
    Case("question-after-refused-switch", "%buddy what is a list?", "ok", setup=_refused_switch_then_ask),
    Case("cell-empty", "%%buddy\n"),
    Case("cell-question-on-line", "%%buddy why\nbody"),
    Case("cell-bad-option", "%%buddy --bogus\nwhy?"),
    Case("cell-unknown-session", "%%buddy -s nosuch\nwhy?"),
    Case("cell-surrogate", f"%%buddy\nwhy {S}"),
    Case("unknown-subcommand-like", "%buddy statuss", "ok"),
    Case("status-extra", "%buddy status --x"),
    Case("sidebar-bad-where", "%buddy sidebar --where nowhere"),
    Case("help-extra", "%buddy help me", "either"),
    # the store file itself
    Case("store-is-fifo", "%buddy sessions", setup=_store_replaced(_fifo), match="not a regular file"),
    Case("store-is-symlink", "%buddy sessions", setup=_store_replaced(_symlink_to_notes), check=_notes_intact,
         match="symlink"),
    Case("store-is-dangling-symlink", "%buddy sessions", setup=_store_replaced(_dangling), check=_notes_intact,
         match="symlink"),
    Case("store-is-directory", "%buddy sessions", setup=_store_replaced(_directory)),
    Case("store-is-foreign-duckdb", "%buddy sessions", setup=_store_replaced(_foreign), check=_foreign_intact),
    Case("notebook-name-outside", "%buddy sessions", setup=_jpy_outside),
]


# -- the harness ------------------------------------------------------------------------

def _snapshot(root: Path, skip: Path) -> dict[str, tuple]:
    seen = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        if here == skip or skip in here.parents:
            dirs[:] = []
            continue
        for name in dirs + files:
            path = here / name
            st = os.lstat(path)
            digest = ""
            if path.is_file() and not path.is_symlink() and not name.endswith(".fifo") and st.st_size < 5_000_000:
                digest = hashlib.sha1(path.read_bytes()).hexdigest()
            seen[str(path)] = (st.st_mode, st.st_size, digest)
    return seen


def _history(env: Env) -> list:
    store = env.kb.store
    return [(s.id, [(m.info.role, m.text) for m in store.get_messages(s.id)])
            for s in store.list_sessions(limit=1000, archived=None)]


@pytest.fixture
def env(tmp_path, monkeypatch, model):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "lesson.ipynb").write_text(NOTEBOOK)
    (folder / "notes.md").write_text("my own notes")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keep.txt").write_text("keep")
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / "lesson.ipynb"))
    monkeypatch.chdir(folder)
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext buddy_jupyter", store_history=False)
    from buddy_jupyter.magics import kernel_buddy

    kb = kernel_buddy(shell)
    kb.config.idle_release = 0.2
    kb.config.lock_timeout = 3
    kb.config.model_topics = False
    kb.config.model = "script:x"
    model.answer("ok, here is why")
    first = shell.run_cell("%buddy first question")
    assert first.success, first.error_in_exec
    environment = Env(tmp_path, folder, shell, kb.store.path)
    environment.baseline = _history(environment)
    assert len(environment.baseline[0][1]) == 2
    yield environment
    shell.run_cell("%unload_ext buddy_jupyter", store_history=False)
    InteractiveShell.clear_instance()


def _alarm(signum, frame):
    raise CaseTimeout(f"the case ran longer than {CASE_TIMEOUT} s")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(env: Env, case: Case, capsys, monkeypatch):
    if case.setup is not None:
        case.setup(env)
    store_dir = env.store_file.parent
    before = _snapshot(env.root, store_dir)
    source = case.source.replace("{sid}", env.baseline[0][0]) if env.baseline else case.source
    capsys.readouterr()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CASE_TIMEOUT)
    watchdog = _FifoWatchdog(env.store_file)
    try:
        result = env.shell.run_cell(source)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        watchdog.stop()
    out = capsys.readouterr()
    text = out.out + out.err

    # 0 hangs, 0 tracebacks
    assert not watchdog.found_reader, "the kernel blocked opening a FIFO"
    error = result.error_in_exec or result.error_before_exec
    assert not isinstance(error, CaseTimeout), "hang"
    assert "Traceback" not in text and "-" * 40 not in text, text[-3000:]
    if error is not None:
        assert type(error) is UsageError, f"{type(error).__name__}: {error}"
        assert "\n" not in str(error).strip(), f"more than one line: {error}"
        assert case.expect in ("usage", "either"), f"refused: {error}"
        assert case.match in str(error), str(error)
    else:
        assert case.expect in ("ok", "either"), f"accepted, expected a UsageError; output: {text[-2000:]}"

    # nothing written outside the notebook's folder and .buddy/, or beyond the named target
    after = _snapshot(env.root, store_dir)
    allowed = {str(env.folder / c) if not os.path.isabs(c) else c for c in case.changes}
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    unexpected = {p for p in changed if p not in allowed and not any(p.startswith(a + os.sep) for a in allowed)}
    assert not unexpected, f"written where it should not be: {sorted(unexpected)}"
    assert (env.folder / "lesson.ipynb").read_text() == NOTEBOOK
    assert (env.root / "outside" / "keep.txt").read_text() == "keep"

    if case.check is not None:
        case.check(env)

    # nothing lost, and the buddy still works (a refused command poisons nothing)
    os.environ["JPY_SESSION_NAME"] = str(env.folder / "lesson.ipynb")
    if env.baseline:
        history = dict(_history(env))
        for session_id, messages in env.baseline:
            assert history.get(session_id, [])[: len(messages)] == messages, "history lost"
    else:  # the odd store file was refused or moved aside; the learner's real one is intact
        saved = env.store_file.with_name("saved.duckdb.keep")
        assert saved.exists()
    env.kb.config.model = "script:x"
    follow = env.shell.run_cell("%buddy -s " + (env.baseline[0][0] if env.baseline else "") + " and then?"
                                if env.baseline else "%buddy and then?")
    follow_out = capsys.readouterr()
    if env.baseline:
        assert follow.success, f"{follow.error_in_exec}\n{follow_out.out[-2000:]}"
        assert [m.text for m in env.kb.store.get_messages(env.baseline[0][0])][-2] == "and then?"


class _FifoWatchdog:
    """If the store path is a FIFO and someone opens it for reading, open it for writing: that
    frees the blocked reader (so the suite goes on) and records the hang. A separate process:
    a kernel blocked in DuckDB's open holds the GIL, so no thread of this one could run."""

    SCRIPT = (
        "import os, sys, time\n"
        "path, mark = sys.argv[1], sys.argv[2]\n"
        "while True:\n"
        "    time.sleep(0.5)\n"
        "    try:\n"
        "        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)\n"
        "    except OSError:\n"
        "        continue\n"
        "    open(mark, 'w').close()\n"
        "    os.close(fd)\n"
    )

    def __init__(self, path: Path):
        import subprocess
        import sys

        self.mark = path.with_name("fifo-reader-found")
        self._proc = None
        if path.is_fifo():
            self._proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT, str(path), str(self.mark)])

    @property
    def found_reader(self) -> bool:
        return self.mark.exists()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=10)
