"""``%buddy`` subcommands of a course: sharing with the course, the class's view, a summary to hand in."""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError

from .context import CommandContext
from .table import arg, subcommand

from ..course.views import CLASS_VIEWS as VIEWS, show

CLASS_VIEWS = tuple(v for v, (_, takes) in VIEWS.items() if "summary" not in takes)
"""A handed-in summary is matched from the command line (``buddy class match FILE``), not here."""


def _settings(ctx: CommandContext):
    from ..course.policy import settings_for

    return settings_for(ctx.kb.notebook)


@subcommand("share", "share on|off|status [--level progress|conversations] [--as NAME] [off --delete]",
            "share your progress (or conversations) with the course; off stops, --delete removes your files",
            arg("action", nargs="?", choices=("on", "off", "status"), default="status"),
            arg("--level", choices=("progress", "conversations"), default=None,
                help="progress: time, counts, topics, no text (default); conversations: also the messages"),
            arg("--as", dest="pseudonym", help="share under this pseudonym instead of your hub user name"),
            arg("--delete", action="store_true", help="with off: remove your files from the course's exchange"))
def _share(ctx: CommandContext, args, cell):
    from ..course import share

    kb = ctx.kb
    settings = _settings(ctx)
    if args.action == "status":
        print(_share_status(kb, settings))
        return None
    if args.action == "off":
        if args.level or (args.pseudonym and not args.delete):
            raise UsageError("share off takes only --delete (and --as NAME with it)")
        share.stop_sharing(kb)
        removed = share.withdraw(settings, delete=args.delete, pseudonym=args.pseudonym) if settings.active else []
        if args.delete:
            print(f"stopped sharing with {settings.name}; removed {len(removed)} file(s) and folder(s) from the exchange")
        else:
            where = f" in {settings.dataset}" if settings.dataset else ""
            print(f"stopped sharing with {settings.name or 'the course'}; what was shared stays{where} "
                  "(%buddy share off --delete removes it)")
        return None
    if args.delete:
        raise UsageError("--delete goes with share off")
    earlier = share.read_consent(settings.name)
    level = args.level or (earlier.level if earlier else "progress")
    consent = share.give_consent(settings, level, args.pseudonym)
    sharer = share.start_sharing(kb, settings, consent)
    if kb.activity is not None:
        kb.activity.flush()
    result = sharer.write(force=True)
    print(f"sharing your {level} with the course {settings.name} as {consent.learner}: {result.path} "
          f"({result.rows} rows; again every {sharer.interval:g} s when your history changed, and when the kernel stops)")
    return None


def _share_status(kb, settings) -> str:
    from ..course import share

    if not settings.active:
        return "no course here (no buddy-course.toml in this folder or above): nothing is shared"
    consent = share.read_consent(settings.name)
    if consent is None:
        return f"course {settings.name}: not sharing (%buddy share on to share your progress)"
    lines = [f"course {settings.name}: sharing {consent.level} as {consent.learner} since {consent.since}"]
    sharer = share.sharer_of(kb)
    if sharer is not None and sharer.last is not None:
        lines.append(f"last snapshot: {sharer.last.path} ({sharer.last.rows} rows, {sharer.last.seconds * 1000:.0f} ms)")
    if sharer is not None and sharer.last_error:
        lines.append(f"last problem: {sharer.last_error}")
    return "\n".join(lines)


@subcommand("class", f"class [{'|'.join(CLASS_VIEWS)}] [--days N] [--by week]",
            "the instructor's view of the course's shared snapshots (a DataFrame)",
            arg("view", nargs="?", choices=CLASS_VIEWS, default="overview"),
            arg("--days", type=int, default=7, help="inactive: days without activity"),
            arg("--by", choices=("day", "week", "month"), default="week", help="time: the period"))
def _class(ctx: CommandContext, args, cell):
    settings = _settings(ctx)
    if not settings.active:
        raise UsageError("no course here: %buddy class reads the exchange named by buddy-course.toml")
    return show(settings, args.view, by=args.by, days=args.days)


@subcommand("summary", "summary [ID] [--to PATH]", "write a summary of a session to hand in (Markdown, or a notebook with --to X.ipynb; with a content hash)",
            arg("id", nargs="?", help="session id (default: current)"),
            arg("--to", help="file to write, .md or .ipynb (default: buddy-summary-<session>.md beside the notebook)"))
def _summary(ctx: CommandContext, args, cell):
    from ..analytics.time_spent import time_spent
    from ..course.summary import summary_markdown

    kb = ctx.kb
    session = kb.store.find_session(args.id) if args.id else kb.current_session(create=False)
    if session is None:
        raise UsageError("no session yet: ask a question first")
    if kb.activity is not None:
        kb.activity.flush()
    spent = time_spent(kb.store, by="session", idle_threshold=kb.config.idle_threshold)
    row = spent[spent["session_id"] == session.id]
    minutes = float(row["minutes"].iloc[0]) if len(row) else 0.0
    text = summary_markdown(kb.store, session.id, notebook=str(kb.notebook or ""), minutes=minutes)
    folder = kb.notebook.parent if kb.notebook else Path.cwd()
    path = Path(args.to).expanduser() if args.to else folder / f"buddy-summary-{session.id[-8:]}.md"
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give a file name")
    if path.suffix == ".ipynb":
        from ..course.summary import summary_notebook

        text = summary_notebook(text)
    path.write_text(text, encoding="utf-8")
    print(f"wrote the summary of session {session.id} to {path}")
    return path
