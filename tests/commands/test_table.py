"""The subcommand table: every entry complete and listed in the help and in ``%buddy?``; handlers see the context."""

from __future__ import annotations

import re

from buddy_jupyter.commands import SUBCOMMANDS, CommandContext, Subcommand, help_text
from buddy_jupyter.commands.table import arg
from buddy_jupyter.magics import BuddyMagics, kernel_buddy

NAMES = {  # every subcommand there is; one more (or fewer) is a change to the magics, not a refactor
    "sql", "progress", "topic", "memory", "remember", "forget", "profile", "curriculum", "parquet",
    "import", "fork", "compact",
    "help", "new", "sessions", "switch", "title", "history", "delete", "archive", "export", "model", "models",
    "status", "explain", "sidebar",
    "docs",
    "share", "class", "summary",
}


def table_problems(table: dict[str, Subcommand], listing: str) -> list[str]:
    """What is wrong with ``table``, one line each; ``listing`` is a help text that must show every entry."""
    problems = []
    lines = listing.splitlines()
    for name, command in table.items():
        if command.name != name:
            problems.append(f"{name}: registered as {command.name!r}")
        if not command.usage.strip() or command.usage.split()[0] != name:
            problems.append(f"{name}: usage {command.usage!r} does not start with its name")
        if not command.help.strip() or "\n" in command.help:
            problems.append(f"{name}: help is not one line: {command.help!r}")
        for flags, _ in command.arguments:
            options = [flag for flag in flags if flag.startswith("-")]
            if options and not any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", command.usage) for o in options):
                problems.append(f"{name}: usage {command.usage!r} does not show {'/'.join(options)}")
        try:
            parser = command.parser()
            parser.format_help()
            if parser.prog != f"%buddy {name}":
                problems.append(f"{name}: its parser is called {parser.prog!r}")
        except Exception as error:  # any failure to build is the finding
            problems.append(f"{name}: its parser does not build: {type(error).__name__}: {error}")
        if command.help.strip() and not any(line.strip().startswith(f"%buddy {command.usage}")
                                            and line.rstrip().endswith(command.help) for line in lines):
            problems.append(f"{name}: not listed with its help")
    return problems


def test_every_subcommand_has_usage_help_a_parser_and_a_line_in_the_help():
    assert set(SUBCOMMANDS) == NAMES
    assert table_problems(SUBCOMMANDS, help_text()) == []
    assert table_problems(SUBCOMMANDS, BuddyMagics.buddy.__doc__) == []  # what %buddy? prints


def test_the_check_finds_each_kind_of_bad_entry():
    def handler(ctx, args, cell):
        return None

    bad = {
        "oops": Subcommand("oops", "OOPS [--x]", "", handler, (arg("--y", type=int, nargs=0),)),
        "twin": Subcommand("other", "twin", "two\nlines", handler),
    }
    problems = table_problems(bad, help_text())
    expected = [
        "oops: usage 'OOPS [--x]' does not start with its name", "oops: help is not one line",
        "oops: usage 'OOPS [--x]' does not show --y", "oops: its parser does not build: ValueError",
        "twin: registered as 'other'", "twin: help is not one line", "twin: its parser is called '%buddy other'",
        "twin: not listed with its help",
    ]
    assert len(problems) == len(expected) and all(p.startswith(e) for p, e in zip(problems, expected)), problems


def test_question_mark_help_lists_every_subcommand(shell, capsys):
    shell.run_cell("%buddy?")
    shown = capsys.readouterr().out
    assert "--no-context" in shown and table_problems(SUBCOMMANDS, shown) == []


def test_a_handler_sees_the_context_and_asks_through_it(shell, model, monkeypatch):
    seen = []

    def probe(magics, rest, cell):
        seen.append(magics)
        return magics.ask(f"what is {{x}} {rest}?", model="script:x")

    monkeypatch.setitem(SUBCOMMANDS, "probe", Subcommand("probe", "probe TEXT", "a test's probe", probe, raw=True))
    shell.user_ns["x"] = "a tuple"
    assert shell.run_cell("%buddy probe really").success
    context = seen[0]
    assert isinstance(context, CommandContext) and not isinstance(context, BuddyMagics)
    assert context.kb is kernel_buddy(shell) and context.user_ns is shell.user_ns
    kb = kernel_buddy(shell)
    assert [m.text for m in kb.store.get_messages(kb.current_session_id)] == ["what is a tuple really?", "ok"]
    assert len(model.requests) == 1


def test_ask_refuses_an_option_the_magic_does_not_have(shell):
    import pytest

    magics = shell.magics_manager.registry["BuddyMagics"]
    with pytest.raises(TypeError, match="colour"):
        magics.ask("what is a list?", colour="red")
