"""The subcommand table: each command module registers its handlers here with ``@subcommand``.

A handler is called as ``handler(ctx, args, cell)``: ``ctx`` is a ``CommandContext``,
``args`` the parsed arguments (or, for a ``raw`` subcommand, the rest of the line as typed)
and ``cell`` the cell body of ``%%buddy`` (else ``None``). It returns what IPython displays.
The help text (``%buddy``, ``%buddy help``, ``%buddy?``) is built from the table.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser


@dataclass(frozen=True)
class Subcommand:
    name: str
    """The first word after ``%buddy``."""
    usage: str
    """The name and its arguments, as the help lists them."""
    help: str
    """One line: what it does."""
    handler: Callable[..., Any]
    """``handler(magics: CommandContext, args, cell)``."""
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = ()
    """``arg(...)`` declarations, in the order ``argparse`` adds them."""
    raw: bool = False
    """The rest of the line is free text (a title, SQL, a memory): no option parsing."""

    def parser(self) -> MagicArgumentParser:
        parser = MagicArgumentParser(prog=f"%buddy {self.name}", description=self.help, add_help=False)
        for flags, kwargs in self.arguments:
            parser.add_argument(*flags, **kwargs)
        return parser


def split_args(text: str) -> list[str]:
    """Shell-like words: quotes group words and are removed (``--to "my notes.md"``); an unclosed
    quote is one ``UsageError`` line."""
    try:
        return shlex.split(text, posix=True)
    except ValueError as error:  # "No closing quotation", "No escaped character"
        raise UsageError(f"{str(error).lower()} in: {text.strip()[:200]}") from None


def count(text: str) -> int:
    """An argument type: a whole number from 0 to a billion (argparse makes a bad one one line)."""
    from argparse import ArgumentTypeError

    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 10**9:
        raise ArgumentTypeError(f"{text} is out of range (0 to 1000000000)")
    return value


def arg(*flags: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, kwargs


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, usage: str, help: str, *arguments, raw: bool = False):
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        SUBCOMMANDS[name] = Subcommand(name, usage, help, handler, tuple(arguments), raw)
        return handler
    return register


def _subcommand_help() -> str:
    width = max(len(s.usage) for s in SUBCOMMANDS.values())
    return "\n".join(f"  %buddy {s.usage.ljust(width)}  {s.help}" for s in SUBCOMMANDS.values())


def help_text() -> str:
    return (
        "Ask your learning buddy:\n"
        "  %buddy QUESTION                 ask in the current session (the answer streams here)\n"
        "  %%buddy [options]               the cell body is the question\n"
        "  options: -s SESSION  -m MODEL  -f markdown|text|code  --no-context  -o VAR\n"
        "  {name} in a question inserts a notebook variable's value; -- ends the options\n\n"
        "Subcommands:\n" + _subcommand_help() + "\n\n"
        "Settings: %config Buddy (e.g. %config Buddy.model = 'openai:gpt-4o-mini')"
    )
