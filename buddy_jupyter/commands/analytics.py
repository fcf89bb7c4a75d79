"""``%buddy`` subcommands over the history: SQL, progress, topics, memory, profile."""

from __future__ import annotations



from IPython.core.error import UsageError

from .context import CommandContext
from .table import arg, count, subcommand


@subcommand("sql", "sql [--all|--write] QUERY", "run read-only SQL over this notebook's history (--all: every "
            "notebook in the folder; --write: change this store, a copy is kept); a DataFrame", raw=True)
def _sql(ctx: CommandContext, rest: str, cell):
    from ..analytics import sql

    flags = set()
    words = rest.split(None, 1)
    while words and words[0] in ("--all", "--write"):
        flags.add(words[0])
        rest = words[1] if len(words) > 1 else ""
        words = rest.split(None, 1)
    query = rest.strip()
    if cell is not None:
        query = (query + "\n" + cell).strip()
    if not query:
        raise UsageError("give a query: %buddy sql SELECT role, count(*) FROM messages GROUP BY role")
    kb = ctx.kb
    if "--all" in flags:
        # --all waits for a busy notebook as long as a write would (lock_timeout), rather than leave it out
        return sql(query, write="--write" in flags, lock_wait=kb.config.lock_timeout, **kb.history_scope().where())
    return sql(query, store=kb.store, write="--write" in flags)


@subcommand("progress", "progress [--all] [--days N]", "time spent per day and per topic, as tables and a chart",
            arg("--all", action="store_true", help="every notebook in the folder"),
            arg("--days", type=count, default=30, help="days in the chart"))
def _progress(ctx: CommandContext, args, cell):
    from ..analytics import progress_report

    if ctx.kb.activity is not None:
        ctx.kb.activity.flush()
    return progress_report(ctx.kb.history_scope(everywhere=args.all), days=args.days)


@subcommand("topic", "topic [TOPIC, ...]", "show or set the current session's topics (comma separated)", raw=True)
def _topic(ctx: CommandContext, rest: str, cell):
    from ..store import records

    kb = ctx.kb
    session = kb.current_session(create=False)
    if session is None:
        raise UsageError("no session yet: ask a question first, or %buddy new TITLE")
    if rest.strip():
        topics = [t.strip() for t in rest.split(",") if t.strip()]
        records.set_topics(kb.store, session.id, topics, source="learner")
    with kb.store.connection() as con:
        rows = con.execute("SELECT topic, source FROM session_topic WHERE session_id = ? ORDER BY topic",
                           [session.id]).fetchall()
    print(f"{session.title or session.id}: " + (", ".join(f"{t} ({s})" for t, s in rows) or "no topics yet"))


@subcommand("memory", "memory QUERY", "search every notebook's past conversations (best first; a DataFrame)", raw=True)
def _memory(ctx: CommandContext, rest: str, cell):
    from ..analytics import search_memory

    if not rest.strip():
        raise UsageError("give words to look for: %buddy memory groupby")
    return search_memory(rest.strip(), **ctx.kb.history_scope().where())


@subcommand("remember", "remember TEXT", "keep a fact about you for the buddy (e.g. your goal)", raw=True)
def _remember(ctx: CommandContext, rest: str, cell):
    from ..store import records

    text = (rest + ("\n" + cell if cell else "")).strip()
    if not text:
        raise UsageError("give the text to remember: %buddy remember I am preparing for a data analyst interview")
    memory_id = records.add_memory(ctx.kb.store, text)
    print(f"remembered ({memory_id})")


@subcommand("forget", "forget ID", "hide a remembered fact (a unique start or end of its id is enough)",
            arg("id", help="memory id"))
def _forget(ctx: CommandContext, args, cell):
    from ..store import records

    print(f"forgot {records.forget_memory(ctx.kb.store, args.id)}")


@subcommand("profile", "profile [--rebuild]", "show your learner profile (.buddy/memories.local.md)",
            arg("--rebuild", action="store_true", help="rebuild it from your sessions"))
def _profile(ctx: CommandContext, args, cell):
    from IPython.display import Markdown

    from ..analytics import build_profile, profile_path

    scope = ctx.kb.history_scope()
    path = profile_path(scope)
    if args.rebuild or not path.exists():
        path = build_profile(scope)
    return Markdown(path.read_text(encoding="utf-8"))


@subcommand("curriculum", "curriculum [TOPIC: GOAL; ...]", "show or set your curriculum: ordered topics with goals",
            raw=True)
def _curriculum(ctx: CommandContext, rest: str, cell):
    from ..analytics import curriculum_status
    from ..store import records

    text = (rest + ("\n" + cell if cell else "")).strip()
    kb = ctx.kb
    if text:
        items = []
        for chunk in (c.strip() for c in text.replace("\n", ";").split(";")):
            if chunk:
                topic, _, goal = chunk.partition(":")
                items.append((topic.strip(), goal.strip()))
        records.set_curriculum(kb.store, items)
    return curriculum_status(kb.store, idle_threshold=kb.config.idle_threshold)


@subcommand("parquet", "parquet TARGET [--force]", "export every notebook's history under the folder as a Parquet "
            "dataset", arg("target", help="a new (or empty) folder to write"),
            arg("--force", action="store_true", help="write into a folder that has files (a re-export)"))
def _parquet(ctx: CommandContext, args, cell):
    from ..analytics import export_parquet

    scope = ctx.kb.history_scope()
    path = export_parquet(scope.root, args.target, store=scope.store, data_dir=scope.data_dir, force=args.force,
                          lock_wait=ctx.kb.config.lock_timeout)
    print(f"wrote a Parquet dataset (partitioned by notebook) to {path}")
    return path



