"""SyntaxError and IndentationError: the line, the caret and the usual cause (a missing colon,
an unclosed bracket, ``=`` for ``==``), with a corrected line checked by parsing it (never run)."""

from __future__ import annotations

import ast
import linecache
import re
from typing import Callable

from .diagnosis import Diagnosis
from .view import View

_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def _where(error: SyntaxError) -> tuple[int, str]:
    text = (error.text or "").rstrip("\n")
    return (error.lineno or 0), text


def _title(error: SyntaxError) -> str:
    return f"{type(error).__name__}: {error.msg}"


def _position_fact(error: SyntaxError) -> str:
    lineno, text = _where(error)
    if not text.strip():
        return f"Python stopped at line {lineno}."
    caret = ""
    if error.offset:
        column = max(0, error.offset - 1 - (len(text) - len(text.lstrip())))
        caret = f" (at `{text.strip()[column:column + 12] or 'the end'}`)" if column < len(text.strip()) else " (at the end)"
    return f"Python stopped at line {lineno}{caret}: `{text.strip()}`."


def _parses_with(error: SyntaxError, fixed_line: str) -> bool:
    """Does the cell parse (or fail only further down) with its failing line replaced?"""
    lines = linecache.getlines(error.filename) if error.filename else []
    lineno = error.lineno or 0
    if not lines or lineno < 1 or lineno > len(lines):
        lines, lineno = [(error.text or "") + "\n"], 1
    indent = "" if isinstance(error, IndentationError) else re.match(r"\s*", lines[lineno - 1]).group(0)
    fixed_lines = fixed_line.splitlines() or [""]
    candidate = lines[: lineno - 1] + [indent + (l.strip() if indent else l) + "\n" if i == 0 else indent + l + "\n"
                                       for i, l in enumerate(fixed_lines)] + lines[lineno:]
    source = "".join("\n" if l.lstrip().startswith(("%", "!")) else l for l in candidate)
    try:
        ast.parse(source)
        return True
    except SyntaxError as again:
        if again.lineno and again.lineno > lineno + len(fixed_lines) - 1:
            return True
        if again.msg.startswith(("expected an indented block", "unexpected EOF", "incomplete input")):
            return True  # only the body is missing, as in a cell cut at this line
        return False


def _diagnosis(error: SyntaxError, cause: str, fix: str, fixed: "str | list[str]" = "") -> Diagnosis:
    candidates = fixed if isinstance(fixed, list) else [fixed]
    code = next((c for c in candidates if c and _parses_with(error, c)), "")
    return Diagnosis(_title(error), [_position_fact(error), cause], fix, code)


_FOREIGN = ((re.compile(r"\belse\s+if\b"), "elif", "`else if` is written `elif` in Python."),
            (re.compile(r"===|(?<=[\w\s)])==(?==)"), "==", "`===` is JavaScript; Python compares with `==`."),
            (re.compile(r"!=="), "!=", "`!==` is JavaScript; Python writes `!=`."),
            (re.compile(r"\s*&&\s*"), " and ", "`&&` is written `and` in Python."),
            (re.compile(r"\s*\|\|\s*"), " or ", "`||` is written `or` in Python."),
            (re.compile(r"^(\s*)(\w+)\+\+\s*;?\s*$"), r"\1\2 += 1", "Python has no `++`: write `+= 1`."),
            (re.compile(r"^(\s*)(\w+)--\s*;?\s*$"), r"\1\2 -= 1", "Python has no `--`: write `-= 1`."),
            (re.compile(r"\s*//(?!.*['\"]).*$"), "", "Comments start with `#` in Python (`//` is floor division)."))


def _fix_foreign(error, text):
    """Spellings from other languages (``else if``, ``===``, ``&&``, ``x++``), checked by parsing."""
    for pattern, replacement, cause in _FOREIGN:
        if pattern.search(text):
            fixed = pattern.sub(replacement, text).rstrip()
            if fixed != text.rstrip() and _parses_with(error, fixed):
                return (cause, "Write it the Python way.", fixed)
    return None


_NEIGHBOURS = re.compile(r"""(\w|['")\]])(\s+)(?=[\w'"(\[])""")
_KEYWORDS = {"and", "or", "not", "in", "is", "if", "else", "for", "lambda", "async", "await", "from", "as", "import",
             "return", "yield", "with", "while", "del", "pass", "raise", "assert", "global", "nonlocal", "def", "class"}


def _fix_comma(error, text):
    """``[1 2 3]``, ``print('a' x)``: put commas between the values that stand side by side."""
    if "forgot a comma" not in error.msg:
        return None

    def add_comma(match: re.Match) -> str:
        before = text[: match.start() + 1]
        after = text[match.end():]
        last_word = re.search(r"(\w+)$", before)
        next_word = re.match(r"(\w+)", after)
        if (last_word and last_word.group(1) in _KEYWORDS) or (next_word and next_word.group(1) in _KEYWORDS):
            return match.group(0)
        return match.group(1) + ", "

    fixed = _NEIGHBOURS.sub(add_comma, text)
    if fixed != text and _parses_with(error, fixed):
        return ("Values stand next to each other with nothing between them.", "Put commas between them.", fixed)
    return ("Two values stand next to each other with nothing between them (in a list, a call, or a print).",
            "Put a comma (or an operator such as `+`) between them.", "")


def _fix_colon(error, text):
    if "expected ':'" in error.msg:
        return ("Lines that start a block (`if`, `for`, `while`, `def`, `class`, `else`, `try`...) end with a colon.",
                "Add the colon at the end of the line.", text.rstrip() + ":")


def _fix_print(error, text):
    if "Missing parentheses in call to" in error.msg:
        match = re.match(r"\s*(print|exec)\s+(.*)$", text)
        fixed = f"{match.group(1)}({match.group(2).rstrip()})" if match else ""
        return ("In Python 3, `print` is a function: its arguments go in parentheses.",
                "Put parentheses around what you print.", fixed)


def _fix_assign_in_test(error, text):
    if "Maybe you meant '=='" in error.msg or "instead of '='" in error.msg:
        fixed = re.sub(r"(?<![=!<>:])=(?!=)", "==", text, count=1)
        return ("A single `=` stores a value; comparing two values is written `==`.", "Use `==` to compare.", fixed)


def _fix_unclosed(error, text):
    match = re.search(r"'([(\[{])' was never closed", error.msg)
    if match or error.msg.startswith(("unexpected EOF", "incomplete input")):
        opener = match.group(1) if match else _last_open(text)
        if not opener:
            return None
        return (f"A `{opener}` opened on this line is never closed with `{_CLOSERS[opener]}`.",
                f"Add the missing `{_CLOSERS[opener]}`.", _close_brackets(text))


def _last_open(text: str) -> str:
    stack: list[str] = []
    for char in text:
        if char in _CLOSERS:
            stack.append(char)
        elif char in ")]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _close_brackets(text: str) -> str:
    stack: list[str] = []
    quote = ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in _CLOSERS:
            stack.append(_CLOSERS[char])
        elif char in ")]}" and stack:
            stack.pop()
    stripped = text.rstrip()
    colon = stripped.endswith(":") and re.match(r"\s*(if|for|while|def|elif|with|class)\b", stripped)
    body = stripped[:-1] if colon else stripped
    return body + "".join(reversed(stack)) + (":" if colon else "")


def _fix_fstring(error, text):
    if error.msg.startswith("f-string: expecting '}'"):
        candidates = []
        for quote in ('"', "'"):
            index = text.rfind(quote)
            if index > 0:
                candidates.append(text[:index] + "}" + text[index:])
        return ("A `{` inside an f-string opens a value that must be closed with `}`.", "Close it with `}`.",
                candidates)


def _fix_unmatched(error, text):
    match = re.search(r"unmatched '([)\]}])'", error.msg)
    if match and error.offset:
        column = error.offset - 1
        fixed = text[:column] + text[column + 1:] if 0 <= column < len(text) else text.replace(match.group(1), "", 1)
        return (f"There is a `{match.group(1)}` with no opening bracket before it.", "Remove it (or add its opener).",
                fixed)


def _fix_string(error, text):
    if error.msg.startswith("unterminated string literal"):
        start = (error.offset or 1) - 1
        quote = text[start] if 0 <= start < len(text) and text[start] in "'\"" else "'"
        body = text.rstrip()
        closers = re.search(r"[)\]}:,]*$", body).group(0)
        candidates = [body + quote, body[: len(body) - len(closers)] + quote + closers] if text.count(quote) % 2 else []
        return (f"A text that starts with {quote} must end with the same {quote} on the same line.",
                f"Close the text with {quote}.", candidates)


def _fix_indent(error, text):
    if error.msg.startswith("expected an indented block"):
        match = re.search(r"after '(\w+)' statement on line (\d+)", error.msg)
        what = f"the `{match.group(1)}` on line {match.group(2)}" if match else "the line ending with `:`"
        return (f"The body of {what} must be indented (4 spaces) under it.",
                "Indent the lines that belong to the block.", "    " + text.strip())
    if error.msg.startswith("unexpected indent"):
        return ("This line is indented although no block (`if`, `for`, `def`...) opens above it.",
                "Remove the spaces at the start of the line.", text.strip())
    if "unindent does not match" in error.msg or "inconsistent use of tabs" in error.msg:
        return ("The line's indentation matches none of the blocks above it (tabs and spaces mixed, or an odd "
                "number of spaces).", "Indent with 4 spaces per level, the same as the lines of its block.", "")


def _fix_number_name(error, text):
    if error.msg.startswith(("invalid decimal literal", "invalid imaginary literal")):
        match = re.search(r"\b(\d+)([A-Za-z_]\w*)", text)
        if match and match.group(2)[:1].isalpha() and len(match.group(2)) == 1:
            return ("A number written right before a name is not a multiplication in Python.", "Write the `*`.",
                    text.replace(match.group(0), f"{match.group(1)} * {match.group(2)}", 1))
        return ("Names cannot start with a digit (`1st_place`).", "Start the name with a letter (`first_place`).", "")


def _fix_keyword_name(error, text):
    if error.msg.startswith("invalid syntax") and re.match(r"\s*(else|elif)\s+.*:?$", text) is None:
        match = re.match(r"\s*(\w+)\s*=", text)
        import keyword

        if match and keyword.iskeyword(match.group(1)):
            return (f"`{match.group(1)}` is a Python keyword and cannot be a variable name.",
                    f"Use another name, e.g. `{match.group(1)}_`.", "")


_FIXERS: list[Callable] = [_fix_foreign, _fix_comma, _fix_fstring, _fix_colon, _fix_print, _fix_assign_in_test, _fix_unclosed, _fix_unmatched, _fix_string,
                           _fix_indent, _fix_number_name, _fix_keyword_name]


def _fix_at_caret(error, text):
    """A plain 'invalid syntax': try the usual missing piece at the caret (a colon, a comma, an operator)."""
    if not error.msg.startswith("invalid syntax") or not error.offset:
        return None
    at = error.offset - 1
    before, after = text[:at].rstrip(), text[at:]
    block = re.match(r"\s*(if|elif|else|for|while|def|class|with|try|except|finally)\b", text)
    tries = []
    if block:
        tries.append(("The line starts a block (`" + block.group(1) + "`), which needs a colon before its body.",
                      "Add the colon.", before + ": " + after.lstrip()))
    tries.append(("Two values stand side by side where Python expects a comma or an operator.",
                  "Put a comma (or the missing operator) between them.", before + ", " + after.lstrip()))
    for cause, fix, fixed in tries:
        if _parses_with(error, fixed):
            return cause, fix, fixed
    return None


def syntax(error: BaseException, view: View) -> Diagnosis | None:
    if not isinstance(error, SyntaxError):
        return None
    _, text = _where(error)
    for fixer in _FIXERS + [_fix_at_caret]:
        found = fixer(error, text)
        if found:
            cause, fix, fixed = found
            return _diagnosis(error, cause, fix, fixed)
    return Diagnosis(_title(error), [_position_fact(error), "Look just before the caret too: the real mistake is "
                                     "often at the end of the line above (a bracket or quote left open)."],
                     "Fix the line where Python stopped, or the one just above it.", "")


RULES = {SyntaxError: [syntax]}
