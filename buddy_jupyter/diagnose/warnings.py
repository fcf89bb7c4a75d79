"""The last warning of a cell: chained assignment (``SettingWithCopyWarning``,
``ChainedAssignmentError``), FutureWarning and DeprecationWarning, NumPy's RuntimeWarnings,
and a plain reading of any other."""

from __future__ import annotations

import ast
import linecache
import re
from typing import Any, Callable, Mapping

from .diagnosis import Diagnosis
from . import history


class WarningView:
    """What a warning rule looks at: the record, the line that caused it, the namespace."""

    def __init__(self, record: Any, namespace: Mapping[str, Any], shell: Any = None):
        self.record = record
        self.namespace = namespace
        self.shell = shell
        line = ""
        try:
            line = linecache.getline(record.filename, record.lineno).strip()
        except Exception:
            pass
        self.line = line or (record.line or "").strip()
        try:
            tree = ast.parse(self.line)
            self.statement = tree.body[0] if tree.body else None
        except SyntaxError:
            self.statement = None

    @property
    def names(self) -> list[str]:
        return self.record.category_names

    @property
    def title(self) -> str:
        first = self.record.message.strip().splitlines()[0] if self.record.message.strip() else ""
        return f"{self.record.category.__name__}: {first[:160]}"

    def where(self) -> str:
        return f"It comes from the line `{self.line}`." if self.line else ""


def _segment(node: ast.AST, line: str) -> str:
    return ast.get_source_segment(line, node) or ""


def chained_assignment(view: WarningView) -> Diagnosis | None:
    """``df[mask]['col'] = v`` -> ``df.loc[mask, 'col'] = v``; ``df['c'].fillna(0, inplace=True)``; ``.copy()``."""
    if not ({"SettingWithCopyWarning", "ChainedAssignmentError"} & set(view.names)
            or "chained assignment" in view.record.message or "copy of a slice" in view.record.message):
        return None
    facts = ["A value was set on a temporary copy (one selection after another), so the original DataFrame "
             "did not change."]
    if view.where():
        facts.append(view.where())
    statement, line = view.statement, view.line
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript):
            inner = target.value
            frame = _segment(inner.value, line)
            fixed = f"{frame}.loc[{_segment(inner.slice, line)}, {_segment(target.slice, line)}] = " \
                    f"{_segment(statement.value, line)}"
            return Diagnosis(view.title, facts, "Select the rows and the column in one `.loc[rows, column]`, on the "
                             "original DataFrame.", fixed)
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            name = target.value.id
            made = history.last_assignment(view, name)
            if made and ".copy()" not in made:
                facts.append(f"`{name}` was made by `{made}`, a selection from another DataFrame.")
                return Diagnosis(view.title, facts, f"If `{name}` should be a separate table, make it one with "
                                 "`.copy()` where you create it.", made.rstrip() + ".copy()")
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        inplace = [k for k in call.keywords if k.arg == "inplace"]
        if inplace and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Subscript):
            column = _segment(call.func.value, line)
            args = ", ".join([_segment(a, line) for a in call.args] +
                             [_segment(k, line) for k in call.keywords if k.arg != "inplace"])
            return Diagnosis(view.title, facts + ["`inplace=True` on a selected column changes only that copy."],
                             "Assign the result back to the column instead of using `inplace=True`.",
                             f"{column} = {column}.{call.func.attr}({args})")
    return Diagnosis(view.title, facts, "Use `.loc[rows, column] = value` on the original DataFrame, or `.copy()` "
                     "the selection if it should be a separate table.", "")


_USE_INSTEAD = re.compile(r"(?:[Uu]se|[Pp]ass|[Ss]pecify|[Tt]ry using|call) (`[^`]+`|'[^']+'|\"[^\"]+\"|[\w.]+\(\S*\)) "
                          r"(?:instead|explicitly|to)")


def future_behaviour(view: WarningView) -> Diagnosis | None:
    """FutureWarning / DeprecationWarning: it works today, and the message says what to write instead."""
    if not ({"FutureWarning", "DeprecationWarning", "PendingDeprecationWarning"} & set(view.names)):
        return None
    message = view.record.message
    facts = ["The cell ran: a warning does not stop it. But a future version of the library will change or "
             "remove what this line does."]
    if view.where():
        facts.append(view.where())
    fix, code = "Change the line now, as the message suggests, so it keeps working after an upgrade.", ""
    if "treating keys as positions is deprecated" in message:
        facts.append("`s[0]` on a Series means the label 0 in future, not the first position.")
        fix = "Use `.iloc[...]` for a position (or `.loc[...]` for a label)."
        match = re.search(r"(\w+)\[(-?\d+)\]", view.line)
        code = view.line.replace(match.group(0), f"{match.group(1)}.iloc[{match.group(2)}]", 1) if match else ""
    elif "observed=False is deprecated" in message:
        fix = "Pass `observed=True` (only the categories that occur) or `observed=False` to `groupby`."
        code = re.sub(r"groupby\(([^)]*)\)", r"groupby(\1, observed=True)", view.line, 1) if "groupby(" in view.line else ""
    elif "inplace method" in message and "chained assignment" in message:
        return chained_assignment(view)
    elif "inplace" in message and re.search(r"inplace\s*=\s*True", view.line):
        facts.append("`inplace=True` is on its way out: methods return a new object instead.")
        fix = "Drop `inplace=True` and assign the result."
        code = re.sub(r",?\s*inplace\s*=\s*True", "", view.line)
        match = re.match(r"\s*(\w+)\.(\w+)\(", code)
        if match and "=" not in code.split("(")[0]:
            code = f"{match.group(1)} = {code.strip()}"
    else:
        match = _USE_INSTEAD.search(message)
        if match:
            suggestion = match.group(1).strip("`'\"")
            facts.append(f"The message suggests `{suggestion}`.")
        swap = re.search(r"""['"`]([^'"`]+)['"`] is deprecated.*?use ['"`]([^'"`]+)['"`]""", message, re.S | re.I)
        if swap and swap.group(1) in view.line:  # 'H' is deprecated ... use 'h' instead
            code = view.line.replace(swap.group(1), swap.group(2))
    return Diagnosis(view.title, facts, fix, code)


def numeric_runtime(view: WarningView) -> Diagnosis | None:
    """NumPy/pandas RuntimeWarnings: division by zero, invalid values, the mean of nothing."""
    if "RuntimeWarning" not in view.names:
        return None
    message = view.record.message
    facts = [view.where()] if view.where() else []
    if "divide by zero" in message:
        facts.insert(0, "Some values were divided by zero; NumPy gave `inf` there instead of an error.")
        return Diagnosis(view.title, facts, "Mask or replace the zeros before dividing, e.g. `np.where(b != 0, a / b, "
                         "np.nan)`.", "")
    if "invalid value encountered" in message:
        facts.insert(0, "An operation had no valid result for some values (0/0, the square root or log of a "
                     "negative number), and NumPy put NaN there.")
        return Diagnosis(view.title, facts, "Check the inputs (`(x < 0).sum()`, `(x == 0).sum()`) and filter them out.",
                         "")
    if "Mean of empty slice" in message or "empty" in message:
        facts.insert(0, "A mean (or other statistic) was taken over no values at all, so it is NaN.")
        return Diagnosis(view.title, facts, "Check that the selection is not empty (`len(x)`).", "")
    return None


def pandas_hints(view: WarningView) -> Diagnosis | None:
    names = set(view.names)
    message = view.record.message
    if "DtypeWarning" in names:
        match = re.search(r"Columns \(([^)]*)\)", message)
        return Diagnosis(view.title, [f"Columns {match.group(1) if match else ''} hold a mix of numbers and text in the "
                                      "file, so pandas guessed their type chunk by chunk."],
                         "Give the type of those columns with `dtype=`, or read the whole file at once with "
                         "`low_memory=False`.", "")
    if "PerformanceWarning" in names and "fragmented" in message:
        return Diagnosis(view.title, ["Columns were added one at a time in a loop, which makes the DataFrame slow."],
                         "Build the new columns in a dict and add them at once with `pd.concat([df, pd.DataFrame(new)], "
                         "axis=1)`.", "")
    if "ConvergenceWarning" in names:
        return Diagnosis(view.title, ["The model stopped at its iteration limit before it settled."],
                         "Scale the features (`StandardScaler`) or raise `max_iter` (e.g. `max_iter=1000`).", "")
    return None


def any_warning(view: WarningView) -> Diagnosis | None:
    facts = ["It is a warning, not an error: the cell ran to the end."]
    if view.where():
        facts.append(view.where())
    return Diagnosis(view.title, facts, "Read the message: it says what the library thinks may be wrong. Change the "
                     "line if it applies to you.", "")


RULES: list[Callable[[WarningView], Diagnosis | None]] = [chained_assignment, future_behaviour, numeric_runtime,
                                                          pandas_hints, any_warning]


def diagnose(record: Any, namespace: Mapping[str, Any], shell: Any = None) -> Diagnosis | None:
    view = WarningView(record, namespace, shell)
    for rule in RULES:
        try:
            found = rule(view)
        except Exception:
            continue
        if found is not None:
            found.rule = found.rule or rule.__name__
            return found
    return None
