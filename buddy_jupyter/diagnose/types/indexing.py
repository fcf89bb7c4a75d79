"""TypeError from indexing or looping over the wrong kind of object: ``x[0]`` on None or a function,
``for i in 10``, a list indexed by a name, ``len(5)``, changing a text or a tuple in place,
``.iloc`` with a label."""

from __future__ import annotations

import ast
import re
from functools import partial

from ..attributes import none_facts
from ..diagnosis import Diagnosis, error_line
from ..view import MISSING, View, columns_of, describe, is_frame, is_series

_title = partial(error_line, kind="TypeError")


def not_subscriptable(error: BaseException, view: View) -> Diagnosis | None:
    """``x[0]`` on None, on a function (``df.head[5]``), on a number."""
    match = re.match(r"'(\w+)' object is not subscriptable", str(error))
    if not match:
        return None
    kind = match.group(1)
    node = view.node if isinstance(view.node, ast.Subscript) else next(
        (n for n in view.nodes_on_line() if isinstance(n, ast.Subscript)
         and type(view.resolve(n.value)).__name__ == kind), None)
    title = _title(error)
    if node is None:
        return None
    base = view.segment(node.value)
    if kind == "NoneType":
        return none_facts(title, view, base, f"`{base}` is None, so it cannot be indexed with `[...]`.")
    if kind in ("dict_keys", "dict_values", "dict_items", "set", "generator", "map", "filter", "zip", "range_iterator",
                "enumerate", "odict_keys"):
        what = "a set: it has no order, so no positions" if kind == "set" else f"a {kind} view or iterator: it can " \
            "be looped over, not indexed"
        return Diagnosis(title, [f"`{base}` is {what}."],
                         "Make a list of it first.", view.replaced(node, f"list({base})[{view.segment(node.slice)}]"))
    if kind in ("method", "function", "builtin_function_or_method", "type"):
        return Diagnosis(title, [f"`{base}` is a function or method: it is called with `( )`, not indexed with `[ ]`."],
                         "Use parentheses.", view.replaced(node, f"{base}({view.segment(node.slice)})"))
    value = view.resolve(node.value)
    return Diagnosis(title, [f"`{base}` is {describe(value) if value is not MISSING else 'a ' + kind}; only "
                             "sequences (list, str, tuple), dicts and tables can be indexed with `[...]`."],
                     f"Check what `{base}` holds with `type({base})`.", f"type({base})")


def not_iterable(error: BaseException, view: View) -> Diagnosis | None:
    """``for i in len(x)`` / ``for i in 10``: loop over ``range(...)``."""
    match = re.match(r"'(\w+)' object is not iterable", str(error))
    if not match:
        return None
    kind = match.group(1)
    loop = next((n for n in view.nodes_on_line() if isinstance(n, (ast.For, ast.comprehension))), None)
    title = _title(error)
    if kind in ("int", "float") and loop is not None:
        target = loop.iter
        return Diagnosis(title, [f"`{view.segment(target)}` is a number; a `for` loop needs a sequence of values."],
                         "Loop over `range(...)` to count from 0 to that number.",
                         view.replaced(target, f"range({view.segment(target)})"))
    if kind in ("method", "builtin_function_or_method", "function") and loop is not None:
        target = loop.iter
        return Diagnosis(title, [f"`{view.segment(target)}` is a method, not its result: it has not been called."],
                         "Call it with `()`.", view.replaced(target, f"{view.segment(target)}()"))
    if kind == "NoneType":
        source = view.segment(loop.iter) if loop is not None else ""
        return none_facts(title, view, source, f"`{source or 'the value'}` is None, so there is nothing to loop over "
                          "or unpack.")
    return None


def wrong_index_type(error: BaseException, view: View) -> Diagnosis | None:
    """``lst['a']``, ``text['key']`` (a list or a str where a dict was expected), unhashable keys."""
    message = str(error)
    title = _title(error)
    if message.startswith(("list indices must be", "string indices must be", "tuple indices must be")):
        node = view.node if isinstance(view.node, ast.Subscript) else next(
            (n for n in view.nodes_on_line() if isinstance(n, ast.Subscript)), None)
        if node is None:
            return None
        base = view.segment(node.value)
        value = view.resolve(node.value)
        facts = [f"`{base}` is {describe(value) if value is not MISSING else 'a sequence'}, indexed by position "
                 f"(0, 1, 2...), and `{view.segment(node.slice)}` is not a whole number."]
        if type(value) is list and value and isinstance(value[0], dict):
            facts.append(f"Its items are dicts: take one first, e.g. `{base}[0][{view.segment(node.slice)}]`, or loop "
                         "over them.")
            return Diagnosis(title, facts, "Index an item of the list, not the list.",
                             view.replaced(node, f"{base}[0][{view.segment(node.slice)}]"))
        if type(value) is tuple and len(value) == 2 and is_series(value[1]):
            loop = next((n for n in ast.walk(view.tree) if isinstance(n, ast.For) and "iterrows" in view.segment(n.iter)),
                        None) if view.tree is not None else None
            facts = [f"`{base}` is a pair (index, row): `iterrows()` gives both at each step."]
            code = view.replaced(loop.target, f"i, {view.segment(loop.target)}") if loop is not None else ""
            return Diagnosis(title, facts, "Unpack the pair in the loop.", code.split("\n")[0] if code else "")
        if type(value) is str:
            facts.append(f"`{base}` is text, not a dict: perhaps a loop over a dict gave its keys, or JSON was not parsed.")
        return Diagnosis(title, facts, "Use a number position, or make it a dict if you want to look things up by name.",
                         "")
    match = re.match(r"unhashable type: '(\w+)'", message)
    if match:
        kind = match.group(1)
        if kind in ("list", "dict", "set"):
            return Diagnosis(title, [f"A {kind} can change, so it cannot be a dict key, a set member or a groupby key."],
                             "Use a tuple instead of a list (`tuple(x)`), or a string.", "")
        if kind in ("DataFrame", "Series"):
            return Diagnosis(title, [f"A {kind} was used where one label was expected (a dict key, a set, a column name)."],
                             "Pass the column name (text), not the column itself.", "")
    return None


def float_as_integer(error: BaseException, view: View) -> Diagnosis | None:
    """``range(n / 2)``, ``lst[i / 2]``: a float where a whole number is needed."""
    if not re.match(r"'float' object cannot be interpreted as an integer|(?:list|tuple|string) indices must be "
                    r"integers or slices, not float|slice indices must be integers", str(error)):
        return None
    division = next((n for n in view.nodes_on_line() if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)), None)
    facts = ["A position or a count must be a whole number (int); `/` always gives a float (7 / 2 is 3.5)."]
    if division is not None:
        return Diagnosis(_title(error), facts, "Use `//` for whole-number division, or `int(...)`.",
                         view.replaced(division, f"{view.segment(division.left)} // {view.segment(division.right)}"))
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and n.args), None)
    return Diagnosis(_title(error), facts, "Convert it with `int(...)` (or `round(...)`).",
                     view.replaced(call.args[0], f"int({view.segment(call.args[0])})") if call is not None else "")


def no_len(error: BaseException, view: View) -> Diagnosis | None:
    """``len(5)``: only collections have a length."""
    match = re.match(r"object of type '(\w+)' has no len\(\)", str(error))
    if not match:
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id == "len" and n.args), None)
    kind = match.group(1)
    article = "an" if kind[:1] in "aeiou" else "a"
    facts = [f"`len()` counts the items of a collection (list, text, dict, DataFrame); {article} {kind} is one value."]
    if call is not None:
        value = view.resolve(call.args[0])
        if value is not MISSING:
            facts.insert(0, f"`{view.segment(call.args[0])}` is {describe(value)}.")
        if kind in ("int", "float"):
            return Diagnosis(_title(error), facts, "To count its digits, make it text first.",
                             view.replaced(call, f"len(str({view.segment(call.args[0])}))"))
    return Diagnosis(_title(error), facts, "Check which value you meant to measure.", "")


def item_assignment(error: BaseException, view: View) -> Diagnosis | None:
    """``text[0] = 'H'``, ``point[0] = 5`` on a tuple: these cannot change; build a new one."""
    match = re.match(r"'(\w+)' object does not support item assignment", str(error))
    if not match:
        return None
    kind = match.group(1)
    assign = next((n for n in view.nodes_on_line() if isinstance(n, ast.Assign)
                   and isinstance(n.targets[0], ast.Subscript)), None)
    title = _title(error)
    if kind == "str" and assign is not None:
        target = assign.targets[0]
        name = view.segment(target.value)
        code = ""
        if isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, int):
            i = target.slice.value
            code = f"{name} = {name}[:{i}] + {view.segment(assign.value)} + {name}[{i + 1}:]" if i else \
                f"{name} = {view.segment(assign.value)} + {name}[1:]"
        return Diagnosis(title, ["Text (str) cannot be changed in place; every change makes a new text."],
                         f"Build a new text and assign it (or use `{name}.replace(...)`).", code)
    if kind == "tuple" and assign is not None:
        name = view.segment(assign.targets[0].value)
        return Diagnosis(title, [f"`{name}` is a tuple, and tuples cannot change."],
                         "Make it a list if it has to change.", f"{name} = list({name})")
    return Diagnosis(title, [f"A {kind} cannot be changed with `[...] = ...`."], "Build a new value instead.", "")


def iloc_with_label(error: BaseException, view: View) -> Diagnosis | None:
    """``df.iloc['Name']``: ``.iloc`` takes positions; names go through ``[]`` or ``.loc``."""
    if "Cannot index by location index with a non-integer key" not in str(error):
        return None
    node = next((n for n in view.nodes_on_line() if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Attribute)
                 and n.value.attr == "iloc"), None)
    if node is None:
        return None
    frame = view.resolve(node.value.value)
    name, key = view.segment(node.value.value), view.segment(node.slice)
    label = view.resolve(node.slice)
    if is_frame(frame) and isinstance(label, str) and label in [c for c in columns_of(frame) if isinstance(c, str)]:
        return Diagnosis(_title(error), [f"`.iloc` takes positions (0, 1, 2...); {key} is a column name of `{name}`."],
                         "Select the column by its name.", view.replaced(node, f"{name}[{key}]"))
    return Diagnosis(_title(error), ["`.iloc` takes positions (0, 1, 2...), not labels."],
                     "Use `.loc` for labels.", view.replaced(node, f"{name}.loc[{key}]"))
