"""``%buddy`` and ``%%buddy``: ask the learning buddy, and manage its history.

Anything that is not a subcommand is a question::

    %buddy why does my merge drop rows?
    %buddy -m openai:gpt-4o-mini -f code write a function that reverses a string
    %%buddy -s 3f9a --no-context
    A longer question, over several lines.

Subcommands go through the ``SUBCOMMANDS`` table of ``commands``; each declares its arguments,
so mistakes raise ``UsageError`` with one clear line and the cell fails. Their handlers see a
``CommandContext``, not this object: they ask through ``BuddyMagics.ask``.
This module is imported by ``%load_ext``: it imports nothing heavy at the top.
"""

from __future__ import annotations

import re
import shlex
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .commands import SUBCOMMANDS, CommandContext, Subcommand, help_text, split_args
from .config import Buddy
from .errors import BuddyError
from .formats import ANSWER_FORMATS
from .state import KernelBuddy

_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def unpaired_surrogate(text: str | None) -> str | None:
    """A one-line refusal when ``text`` holds an unpaired surrogate (it can be neither stored nor run)."""
    if not text:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return (f"the command contains an unpaired surrogate character (U+{ord(text[error.start]):04X} at "
                f"{error.start}); it cannot be stored as UTF-8. Retype that part")
    return None


def _listing_subcommands(magic):
    """``%buddy?`` shows the declared options, then the subcommands (the table is full by now)."""
    magic.__doc__ = (magic.__doc__ or "") + "\n\n" + help_text()
    return magic


@magics_class
class BuddyMagics(Magics):
    """The magics; configuration lives on the ``Buddy`` configurable."""

    def __init__(self, shell, kernel_buddy: KernelBuddy):
        super().__init__(shell)
        self.kb = kernel_buddy

    @no_var_expand
    @_listing_subcommands
    @magic_arguments()
    @argument("-s", "--session", help="Ask in this session (id, or a unique start or end of it).")
    @argument("-m", "--model", help="Answer with this model, e.g. offline, openai:gpt-4o-mini, ollama:llama3.2.")
    @argument("-f", "--format", choices=ANSWER_FORMATS, default="markdown",
              help="markdown (default), text, or code (the code goes into a new cell below).")
    @argument("--no-context", action="store_true", help="Send no notebook context with the question.")
    @argument("-o", "--var", help="Also store the answer in this variable.")
    @argument("question", nargs="*", help="The question; {name} inserts the value of a notebook variable.")
    @line_cell_magic
    def buddy(self, line: str = "", cell: str | None = None):
        """Ask your learning buddy, or manage the conversation history."""
        problem = unpaired_surrogate(line) or unpaired_surrogate(cell)
        if problem:
            raise UsageError(problem)
        try:
            return self._dispatch(line, cell)
        except BuddyError as error:
            raise UsageError(str(error)) from None

    # -- parsing -----------------------------------------------------------------------

    def _dispatch(self, line: str, cell: str | None):
        stripped = line.strip()
        if not stripped and cell is None:
            return self._run_subcommand(SUBCOMMANDS["help"], "", None)
        first, _, rest = stripped.partition(" ")
        command = SUBCOMMANDS.get(first)
        if command is not None:
            try:
                return self._run_subcommand(command, rest.strip(), cell)
            except UsageError:
                if cell is None and stripped.endswith("?"):
                    return self._ask(*self._question_from_line(stripped))  # "history of pandas?" is a question
                raise
        if cell is not None:
            options = self.buddy.parser.parse_args(split_args(line))
            if options.question:
                raise UsageError("with %%buddy the question goes in the cell body; the first line takes only options")
            return self._ask(options, cell)
        return self._ask(*self._question_from_line(stripped))

    def _question_from_line(self, line: str):
        """Leading options are parsed; the rest of the line is the question, untouched (quotes and all)."""
        takes_value = {"-s", "--session", "-m", "--model", "-f", "--format", "-o", "--var"}
        tokens: list[str] = []
        rest = line
        while rest.startswith("-"):
            token, _, after = rest.partition(" ")
            if token == "--":
                rest = after.lstrip()
                break
            tokens.append(token)
            rest = after.lstrip()
            if token in takes_value:
                value, _, rest = rest.partition(" ")
                tokens.append(value)
                rest = rest.lstrip()
        options = parse_argstring(self.buddy, " ".join(shlex.quote(t) for t in tokens))
        return options, rest

    def _run_subcommand(self, command: Subcommand, rest: str, cell: str | None):
        context = CommandContext(kb=self.kb, user_ns=self.shell.user_ns, ask=self.ask)
        if command.raw:
            return command.handler(context, rest, cell)
        args = command.parser().parse_args(split_args(rest))
        return command.handler(context, args, cell)

    # -- asking ------------------------------------------------------------------------

    def ask(self, text: str, **options: Any) -> None:
        """Ask ``text`` as ``%buddy TEXT`` does, with the magic's options by name (``session``,
        ``model``, ``format``, ``no_context``, ``var``); the others keep their defaults."""
        parsed = parse_argstring(self.buddy, "")
        unknown = sorted(set(options) - set(vars(parsed)))
        if unknown:
            raise TypeError(f"ask() got unknown options {unknown}; it takes {sorted(vars(parsed))}")
        for key, value in options.items():
            setattr(parsed, key, value)
        return self._ask(parsed, text)

    def _ask(self, options, text: str):
        from .ask import Question, ask

        text = self._interpolate(text).strip()
        if not text:
            raise UsageError("ask a question: %buddy why does my merge drop rows?")
        question = Question(
            text=text, session_id=options.session, model=options.model, fmt=options.format,
            context=not options.no_context, cell=self._previous_cell(), cell_id=self._cell_id(),
            execution_count=self.shell.execution_count, error_just_before=self._error_just_before(),
        )
        result, answer = ask(self.kb, question, user_ns=self.shell.user_ns)
        if options.var:
            self.shell.user_ns[options.var] = answer
        if result.error is not None:
            raise UsageError(f"{result.error.name}: {result.error.message} (recorded in session {result.session_id})")
        if result.interrupted:
            kept = f"the partial answer is kept in session {result.session_id}"
            if result.by_keyboard:
                raise KeyboardInterrupt(f"answer stopped; {kept}")
            raise UsageError(f"answer stopped from the sidebar; {kept}")
        if options.format == "code":
            from .display import code_of

            self.shell.set_next_input(code_of(answer), replace=False)
        return None

    def _interpolate(self, text: str) -> str:
        """``{name}`` becomes the value of notebook variable ``name``; other braces stay as typed."""
        user_ns = self.shell.user_ns

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in user_ns:
                return match.group(0)
            try:
                rendered = str(user_ns[name])
            except Exception as error:  # the learner's object: its failure is one line, not a traceback
                raise UsageError(f"cannot insert {{{name}}}: str() of it raised {type(error).__name__}: "
                                 f"{str(error)[:200]}") from None
            return rendered if len(rendered) <= 4000 else rendered[:4000] + "…"

        return _PLACEHOLDER.sub(value, text)

    def _previous_cell(self) -> str:
        """The cell before this one (what the learner was working on), or this cell's other lines."""
        history = getattr(self.shell.history_manager, "input_hist_raw", None) or []  # as typed
        current = history[-1] if history else ""
        if current.lstrip().startswith("%%buddy"):  # the body is the question itself
            return history[-2] if len(history) >= 2 else ""
        own_lines = [l for l in current.splitlines()
                     if not l.lstrip().startswith("%buddy")]
        if any(l.strip() for l in own_lines):
            return "\n".join(own_lines)
        return history[-2] if len(history) >= 2 else ""

    def _error_just_before(self) -> bool:
        """The last cell run before this one failed (its error is then what the learner is looking at)."""
        result = getattr(self.shell, "last_execution_result", None)
        return result is not None and (result.error_in_exec is not None or result.error_before_exec is not None)

    def _cell_id(self) -> str | None:
        parent = getattr(getattr(self.shell, "kernel", None), "get_parent", lambda *a: None)()
        return (parent or {}).get("metadata", {}).get("cellId")


# -- registration -----------------------------------------------------------------------

_KERNEL_BUDDIES: dict[int, KernelBuddy] = {}


def kernel_buddy(shell=None) -> KernelBuddy:
    """The ``KernelBuddy`` of ``shell`` (default: the running IPython)."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    try:
        return _KERNEL_BUDDIES[id(shell)]
    except KeyError:
        raise BuddyError("buddy_jupyter is not loaded here: run %load_ext buddy_jupyter") from None


def question_mark_transformer(lines: list[str]) -> list[str]:
    """Hand ``%buddy ... ?`` lines to the magic intact, before IPython reads the ``?`` as a help request."""
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("%buddy ") and stripped[7:].strip() and not stripped.startswith("%buddy ?"):
            indent = line[: len(line) - len(stripped)]
            newline = "\n" if line.endswith("\n") else ""
            out.append(f"{indent}get_ipython().run_line_magic('buddy', {stripped[7:].rstrip(chr(10))!r}){newline}")
        else:
            out.append(line)
    return out


def complete_subcommand(shell, event) -> list[str]:
    """Tab after ``%buddy `` offers the subcommands (a question needs no completion)."""
    words = event.line.split()
    if len(words) > 2 or (len(words) == 2 and event.line.endswith(" ")):
        return []
    return sorted(SUBCOMMANDS)


def register(shell) -> None:
    if id(shell) in _KERNEL_BUDDIES:
        return
    config = Buddy(parent=shell)
    kb = KernelBuddy(config, user_ns=shell.user_ns)
    _KERNEL_BUDDIES[id(shell)] = kb
    shell.configurables.append(config)
    shell.register_magics(BuddyMagics(shell, kb))
    shell.input_transformers_cleanup.append(question_mark_transformer)
    shell.set_hook("complete_command", complete_subcommand, str_key="%buddy")
    from .activity import ActivityRecorder

    kb.activity = ActivityRecorder(kb)
    kb.activity.register(shell)
    from .diagnose import recorder  # the standard library's warnings only

    recorder.install(shell)


def unregister(shell) -> None:
    kb = _KERNEL_BUDDIES.pop(id(shell), None)
    if kb is None:
        return
    activity = getattr(kb, "activity", None)
    if activity is not None:
        activity.unregister(shell)
    from .diagnose import recorder

    recorder.uninstall(shell)
    if "buddy_jupyter.sidebar.placement" in sys.modules:
        from .sidebar import close_sidebar

        close_sidebar(kb)
    completers = getattr(shell, "strdispatchers", {}).get("complete_command")
    if completers is not None:
        completers.strs.pop("%buddy", None)
    if question_mark_transformer in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(question_mark_transformer)
    for kind in ("line", "cell"):
        shell.magics_manager.magics[kind].pop("buddy", None)
    if kb.config in shell.configurables:
        shell.configurables.remove(kb.config)
    kb.close()
