"""``%buddy`` subcommands for sessions, models, the store and the sidebar."""

from __future__ import annotations

import os

from IPython.core.error import UsageError

from ..formats import EXPORT_FORMATS
from ..models import PROVIDERS, model_name_problem
from .context import CommandContext
from .table import arg, count, help_text, subcommand



def _markdown(text: str):
    from IPython.display import Markdown

    return Markdown(text)


def _session_or_current(ctx: CommandContext, fragment: str | None):
    kb = ctx.kb
    if fragment:
        return kb.store.find_session(fragment)
    session = kb.current_session(create=False)
    if session is None:
        raise UsageError("no session yet: ask a question first, or %buddy new TITLE")
    return session


@subcommand("help", "help", "show this help")
def _help(ctx: CommandContext, args, cell):
    return _markdown(f"```\n{help_text()}\n```")


@subcommand("new", "new [TITLE]", "start a new session (the next questions go there)", raw=True)
def _new(ctx: CommandContext, title: str, cell):
    session = ctx.kb.store.create_session(title.strip())
    ctx.kb.current_session_id = session.id
    print(f"new session {session.id}" + (f": {session.title}" if session.title else ""))


@subcommand("sessions", "sessions [-n N] [--archived|--all]", "this notebook's sessions, newest first (a DataFrame)",
            arg("-n", "--limit", type=count, default=50, help="how many"),
            arg("--archived", action="store_true", help="only archived sessions"),
            arg("--all", action="store_true", help="archived ones too"))
def _sessions(ctx: CommandContext, args, cell):
    from ..analytics.sessions import sessions  # the same rows as `buddy sessions`; parent: the forked-from session

    archived = None if args.all else (True if args.archived else False)
    return sessions(ctx.kb.store, limit=args.limit, archived=archived, current=ctx.kb.current_session_id)


@subcommand("switch", "switch ID", "make a session current (a unique start or end of its id is enough)",
            arg("id", help="session id"))
def _switch(ctx: CommandContext, args, cell):
    session = ctx.kb.switch(args.id)
    print(f"now in session {session.id}: {session.title or '(untitled)'}")


@subcommand("title", "title TEXT", "rename the current session", raw=True)
def _title(ctx: CommandContext, text: str, cell):
    if not text.strip():
        raise UsageError("give the new title: %buddy title Merging data frames")
    session = _session_or_current(ctx, None)
    ctx.kb.store.set_title(session.id, text.strip())
    print(f"session {session.id} is now titled {text.strip()!r}")


@subcommand("history", "history [ID]", "show a session's conversation (default: the current one)",
            arg("id", nargs="?", help="session id"))
def _history(ctx: CommandContext, args, cell):
    from ..transcript import session_markdown

    session = _session_or_current(ctx, args.id)
    store = ctx.kb.store
    return _markdown(session_markdown(session, store.get_messages(session.id), store.notebook))


@subcommand("delete", "delete ID --yes", "delete a session with all its messages",
            arg("id", help="session id"), arg("--yes", action="store_true", help="confirm"))
def _delete(ctx: CommandContext, args, cell):
    store = ctx.kb.store
    session = store.find_session(args.id)
    if not args.yes:
        raise UsageError(f"this deletes session {session.id} ({session.message_count} messages) for good; "
                         f"add --yes to confirm (or %buddy archive {args.id} to hide it)")
    store.delete_session(session.id)
    if ctx.kb.current_session_id == session.id:
        ctx.kb.current_session_id = None
    print(f"deleted session {session.id}")


@subcommand("archive", "archive ID [--undo]", "hide a session from lists (nothing is deleted)",
            arg("id", help="session id"), arg("--undo", action="store_true", help="bring it back"))
def _archive(ctx: CommandContext, args, cell):
    store = ctx.kb.store
    session = store.find_session(args.id)
    store.archive_session(session.id, archived=not args.undo)
    print(f"{'unarchived' if args.undo else 'archived'} session {session.id}")


@subcommand("export", "export [ID] [--format md|json|ipynb] [--to PATH] [--force]", "save a session as notes",
            arg("id", nargs="?", help="session id (default: current)"),
            arg("--format", choices=EXPORT_FORMATS, default="md"),
            arg("--to", help="file to write (default: buddy-<title>.<format> beside the notebook)"),
            arg("--force", action="store_true", help="replace the file if it exists"))
def _export(ctx: CommandContext, args, cell):
    from ..export import ExportedFile, write_export

    session = _session_or_current(ctx, args.id)
    path = write_export(ctx.kb.store, session.id, args.format, args.to, force=args.force)
    return ExportedFile(session.id, path)  # one line with a link to the file (path-like: open(notes) works)


@subcommand("model", "model [NAME]", "show or set the model (offline, openai:…, anthropic:…, google:…, ollama:…)",
            arg("name", nargs="?", help="model name"))
def _model(ctx: CommandContext, args, cell):
    config = ctx.kb.config
    if not args.name:
        base = f" via {config.base_url}" if config.base_url else ""
        print(f"model: {config.model}{base}")
        return
    problem = model_name_problem(args.name)
    if problem:
        raise UsageError(problem)
    config.model = args.name
    print(f"model set to {args.name}")


@subcommand("models", "models", "the models you can use and whether their key is set")
def _models(ctx: CommandContext, args, cell):
    current = ctx.kb.config.model
    lines = ["| model | what | key |", "|---|---|---|"]
    for provider in (p for p in PROVIDERS if p.listed):
        name, what, key = provider.example, provider.what, provider.key
        state = "not needed" if key is None else (f"`{key}` set" if os.environ.get(key) else f"set `{key}`")
        mark = " **(current)**" if current.split(":")[0] == name.split(":")[0] else ""
        lines.append(f"| `{name}`{mark} | {what} | {state} |")
    return _markdown("\n".join(lines) + "\n\nChoose one with `%buddy model NAME` or `%config Buddy.model = 'NAME'`.")


@subcommand("status", "status", "store path, schema version, model and counts")
def _status(ctx: CommandContext, args, cell):
    kb = ctx.kb
    store = kb.store
    from ..store.fileformat import current_format

    with store.connection() as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM session), (SELECT count(*) FROM message), (SELECT count(*) FROM part)"
        ).fetchall()[0]
        storage, block = current_format(con)
    size = store.path.stat().st_size if store.path.exists() else 0
    lines = [
        f"notebook:  {kb.notebook or '(none: terminal IPython)'}",
        f"store:     {store.path} ({size / 2**20:.1f} MiB, {'read-only' if store.read_only else 'read-write'})",
        f"schema:    {store.schema_version()}",
        f"file:      DuckDB storage {storage} (DuckDB 1.4 and later read it), {block // 1024} KiB blocks",
        f"model:     {kb.config.model}" + (f" via {kb.config.base_url}" if kb.config.base_url else ""),
        f"course:    {course_settings_line(kb)}",
        f"sessions:  {counts[0]}   messages: {counts[1]}   parts: {counts[2]}",
        f"current:   {kb.current_session_id or '(none)'}",
        f"file held: {'yes' if store.lease.is_open else 'no'} (released after {kb.config.idle_release:g} s idle)",
    ]
    lines += [f"note:      {notice}" for notice in store.notices]
    print("\n".join(lines))


def course_settings_line(kb) -> str:
    """The course's mode for ``status`` (a broken course file is reported, not raised)."""
    from ..course.policy import settings_for
    from ..errors import BuddyError

    try:
        return settings_for(kb.notebook).describe()
    except BuddyError as error:
        return f"unreadable ({error})"


@subcommand("explain", "explain", "explain the last error in this notebook")
def _explain(ctx: CommandContext, args, cell):
    from ..engine.context import last_error

    problem = last_error()
    if not problem:
        raise UsageError("no error to explain yet: run the cell that fails, then %buddy explain")
    kind = "warning" if problem.split(":")[0].strip().endswith("Warning") else "error"
    return ctx.ask(f"Explain the last {kind} in my notebook and how to fix it.")


@subcommand("sidebar", "sidebar [--where auto|right|inline]", "browse, search and continue conversations in a side panel",
            arg("--where", choices=("auto", "right", "inline"), default="auto", help="where to show it"))
def _sidebar(ctx: CommandContext, args, cell):
    from ..sidebar import open_sidebar

    open_sidebar(ctx.kb, where=args.where)  # it displays itself; returning it would show it twice
