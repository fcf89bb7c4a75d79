"""``%buddy`` subcommands that bring history in or reshape it: import, fork, compact."""

from __future__ import annotations

from IPython.core.error import UsageError

from .context import CommandContext
from .table import arg, subcommand


@subcommand("import", "import PATH [--kind buddy|opencode|llm|jupyter-ai]",
            "import conversations: our JSON export, OpenCode's storage, llm's logs.db, a jupyter-ai .chat",
            arg("path", help="file or folder to import"),
            arg("--kind", choices=("buddy", "opencode", "llm", "jupyter-ai"),
                help="the source's format (default: recognised from the file)"))
def _import(ctx: CommandContext, args, cell):
    from ..interop import import_path

    report = import_path(ctx.kb.store, args.path, fmt=args.kind)
    print(report.summary())


@subcommand("fork", "fork [ID] [--at MESSAGE]",
            "continue a session in a new one (from its last message, or from MESSAGE); the new one is current",
            arg("id", nargs="?", help="session id (default: the current one)"),
            arg("--at", help="message id (a unique start or end of it) to fork from"))
def _fork(ctx: CommandContext, args, cell):
    kb = ctx.kb
    store = kb.store
    if args.id:
        session = store.find_session(args.id)
    else:
        session = kb.current_session(create=False)
        if session is None:
            raise UsageError("no session to fork yet: ask a question first")
    messages = store.get_messages(session.id)
    if not messages:
        raise UsageError(f"session {session.id} has no messages to continue from")
    if args.at:
        found = [m for m in messages if m.info.id == args.at or m.info.id.startswith(args.at)
                 or m.info.id.endswith(args.at)]
        if len(found) != 1:
            raise UsageError(f"{'no' if not found else 'several'} message(s) of session {session.id} match {args.at!r}; "
                             "%buddy history shows their ids in %buddy sql SELECT message_id, text FROM messages")
        at = found[0].info.id
    else:
        at = messages[-1].info.id
    fork = store.fork_session(session.id, at)
    kb.current_session_id = fork.id
    print(f"forked session {session.id} at {at} into {fork.id} (now current): {fork.title}")


@subcommand("compact", "compact", "rewrite this notebook's store into a new file (readable by every DuckDB from 1.4; "
            "free space dropped)")
def _compact(ctx: CommandContext, args, cell):
    store = ctx.kb.store
    report = store.compact()
    print(f"rewrote {store.path}: {report['bytes_before'] / 1024:,.0f} KB -> {report['bytes_after'] / 1024:,.0f} KB "
          f"({report.get('session', 0)} sessions, {report.get('message', 0)} messages, {report.get('part', 0)} parts; "
          "row counts checked)")
