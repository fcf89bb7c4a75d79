"""TypeError from combining values of the wrong types: ``'I am ' + age`` (with each value's type),
a number written as text, a text column in arithmetic or a reduction, a text or list times a float."""

from __future__ import annotations

import ast
import re
from functools import partial
from typing import Any

from ..attributes import none_facts
from ..diagnosis import Diagnosis, error_line
from ..view import MISSING, View, describe, is_frame, is_pandas, is_series

_title = partial(error_line, kind="TypeError")


_OPERANDS = (
    re.compile(r'can only concatenate (\w+) \(not "(\w+)"\) to (\w+)'),
    re.compile(r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'"),
    re.compile(r"'(\S+)' not supported between instances of '(\w+)' and '(\w+)'"),
    re.compile(r"must be (\w+), not (\w+)"),
    re.compile(r"operation '(\w+)' not supported for dtype '(\w+)' with"),  # pandas 3: a text column in arithmetic
    re.compile(r"Invalid comparison between dtype=(\w+) and (\w+)"),
)


def _operand_facts(view: View, nodes: list[ast.AST]) -> list[str]:
    facts = []
    for node in nodes:
        if isinstance(node, ast.Constant):
            continue
        value = view.resolve(node)
        if value is not MISSING:
            facts.append(f"`{view.segment(node)}` is {describe(value)}.")
    return facts


def _flatten_add(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _flatten_add(node.left) + _flatten_add(node.right)
    return [node]


def _whole_sum(view: View, node: ast.BinOp) -> ast.BinOp:
    best = node
    for candidate in view.nodes_on_line():
        if isinstance(candidate, ast.BinOp) and isinstance(candidate.op, ast.Add) and candidate is not best \
                and any(inner is node for inner in ast.walk(candidate)) and _flatten_add(candidate).count(node) == 0 \
                and node in _add_parts(candidate):
            if len(view.segment(candidate)) > len(view.segment(best)):
                best = candidate
    return best


def _add_parts(node: ast.AST) -> list[ast.AST]:
    """Every + node in a chain of additions (the chain's own inner sums)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [node] + _add_parts(node.left) + _add_parts(node.right)
    return []


def _numeric_text(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        float(value.strip())
        return True
    except ValueError:
        return False


def mixed_operands(error: BaseException, view: View) -> Diagnosis | None:
    """``'I am ' + age`` -> an f-string; ``'3' + 1`` -> ``int('3') + 1``; ``x < '5'`` with both types."""
    message = str(error)
    if not any(p.search(message) for p in _OPERANDS):
        return None
    node = view.node
    title = _title(error)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sum" and node.args:
        items = view.segment(node.args[0])
        value = view.resolve(node.args[0])
        facts = [f"`{items}` is {describe(value)}" + (" holding text." if value is not MISSING else ".")
                 if value is not MISSING else f"`{items}` holds text, and `sum` adds numbers."]
        return Diagnosis(title, facts, "Convert each item to a number while summing (or join texts with `''.join`).",
                         view.replaced(node, f"sum(float(x) for x in {items})"))
    if not isinstance(node, (ast.BinOp, ast.Compare, ast.AugAssign)):
        node = next((n for n in view.nodes_on_line() if isinstance(n, (ast.BinOp, ast.Compare, ast.AugAssign))), None)
    if node is None:
        compare = _OPERANDS[2].search(message)
        if compare:  # sorted(), max(), sort_values(): the comparison happens inside
            return Diagnosis(title, [f"The values mix {compare.group(2)} and {compare.group(3)}, and Python cannot "
                                     f"order {compare.group(2)} against {compare.group(3)}."],
                             "Make every value the same type first (e.g. numbers with `pd.to_numeric`, text with "
                             "`astype(str)`), or find the odd values.", "")
        return None
    operands = [node.left, *node.comparators] if isinstance(node, ast.Compare) else \
        [node.target, node.value] if isinstance(node, ast.AugAssign) else [node.left, node.right]
    texty = [p for p in operands if is_series(view.resolve(p))
             and str(getattr(view.resolve(p), "dtype", "")) in ("object", "str", "string")]
    if texty:
        target = texty[0]
        return Diagnosis(title, _operand_facts(view, operands) + [f"`{view.segment(target)}` holds text, not numbers "
                                                                  "(read from a file with symbols or spaces in it?)."],
                         "Convert the column to numbers first (`errors='coerce'` turns what cannot be read into NaN).",
                         view.replaced(target, f"pd.to_numeric({view.segment(target)}, errors='coerce')"))
    if isinstance(node, ast.Compare):
        facts = _operand_facts(view, operands)
        texts = [o for o in operands if _numeric_text(view.resolve(o))]
        if texts:
            target = texts[0]
            return Diagnosis(title, facts + [f"`{view.segment(target)}` holds a number written as text."],
                             "Convert the text to a number before comparing.",
                             view.replaced(target, f"float({view.segment(target)})"))
        return Diagnosis(title, facts, "Compare values of the same type: convert one side with `int()`, `float()` "
                         "or `str()`.", "")
    if isinstance(node, ast.AugAssign):
        parts = [node.target, node.value]
    else:
        parts = [node.left, node.right]
    facts = _operand_facts(view, parts)
    values = [view.resolve(p) for p in parts]
    if any(v is None for v in values):
        culprit = parts[[v is None for v in values].index(True)]
        return none_facts(title, view, view.segment(culprit), f"`{view.segment(culprit)}` is None.")
    has_text = any(type(v) is str for v in values)
    is_add = isinstance(getattr(node, "op", None), ast.Add)
    if isinstance(node, ast.BinOp) and is_add and has_text:
        node = _whole_sum(view, node)  # 'I am ' + age + ' years' fails at the first +: rewrite the whole sum
        chain = _flatten_add(node)
        constants = [p for p in chain if isinstance(p, ast.Constant) and isinstance(p.value, str)]
        numbers = [p for p in chain if not isinstance(p, ast.Constant) and _numeric_text(view.resolve(p))]
        if constants or not numbers:
            body = "".join(p.value.replace("{", "{{").replace("}", "}}") if isinstance(p, ast.Constant)
                           and isinstance(p.value, str) else "{" + view.segment(p) + "}" for p in chain)
            quote = '"' if '"' not in body else "'"
            return Diagnosis(title, facts + ["`+` joins text only with text; numbers must be turned into text first."],
                             "Put the values into an f-string: it turns each one into text.",
                             view.replaced(node, f"f{quote}{body}{quote}"))
        target = numbers[0]
        return Diagnosis(title, facts + [f"`{view.segment(target)}` is a number written as text "
                                         "(`input()` and files give text)."],
                         "Convert the text to a number before the arithmetic.",
                         view.replaced(target, f"int({view.segment(target)})"))
    if has_text:
        numbers = [p for p, v in zip(parts, values) if _numeric_text(v)]
        if numbers:
            target = numbers[0]
            return Diagnosis(title, facts + [f"`{view.segment(target)}` is a number written as text."],
                             "Convert it to a number first.", view.replaced(target, f"float({view.segment(target)})"))
    if isinstance(node, ast.BinOp) and is_add and any(type(v) is list for v in values):
        other = [p for p, v in zip(parts, values) if type(v) is not list]
        if other:
            return Diagnosis(title, facts + ["`+` joins a list only with another list."],
                             "Wrap the item in a list, or use `append`.",
                             view.replaced(other[0], f"[{view.segment(other[0])}]"))
    return Diagnosis(title, facts, "Convert the values to one type before combining them (`int()`, `float()`, "
                     "`str()`).", "") if facts else None


def text_in_numbers(error: BaseException, view: View) -> Diagnosis | None:
    """``df.mean()`` over text columns (pandas): name the text columns, ``numeric_only=True``."""
    message = str(error)
    if not re.search(r"Cannot perform reduction '\w+' with string dtype|[Cc]ould not convert .* to numeric|"
                     r"dtype '(?:str|object|string)' does not support operation|agg function failed|"
                     r"unsupported operand type\(s\) for [+/]: 'str' and '(?:int|float)'", message):
        return None
    call = view.node if isinstance(view.node, ast.Call) else next(
        (n for n in view.nodes_on_line() if isinstance(n, ast.Call)), None)
    if call is None or not isinstance(call.func, ast.Attribute):
        return None
    value = view.resolve(call.func.value)
    name = view.segment(call.func.value)
    if value is MISSING or is_pandas(value, "DataFrameGroupBy", "SeriesGroupBy"):
        found = view.library_self(lambda v: is_frame(v) or is_series(v))
        grouped = value if value is not MISSING else view.library_self(
            lambda v: is_pandas(v, "DataFrameGroupBy", "SeriesGroupBy"))
        if grouped is not MISSING:
            found = getattr(grouped, "obj", found)
        value = found
        name = name if len(name) <= 30 else "the DataFrame"
    if not (is_frame(value) or is_series(value)):
        return None
    title = _title(error)
    if is_series(value):
        return Diagnosis(title, [f"`{name}` holds text (dtype {value.dtype}), not numbers."],
                         "Convert it to numbers first (`pd.to_numeric`; `errors='coerce'` turns bad values into NaN).",
                         f"pd.to_numeric({name}, errors='coerce').{call.func.attr}()")
    text_columns = [c for c, t in value.dtypes.items() if str(t) in ("object", "str", "string", "category")][:15]
    facts = [f"`{name}` has text columns: " + ", ".join(repr(c) if isinstance(c, str) else str(c)
                                                        for c in text_columns) + "."]
    keywords = ", ".join([view.segment(a) for a in call.args] + [view.segment(k) for k in call.keywords]
                         + ["numeric_only=True"])
    return Diagnosis(title, facts, "Ask for numeric columns only.",
                     view.replaced(call, f"{view.segment(call.func)}({keywords})"))


def multiply_sequence(error: BaseException, view: View) -> Diagnosis | None:
    """``'3' * 1.5`` or ``[1, 2] * 1.5``: a text or list times a float."""
    match = re.match(r"can't multiply sequence by non-int of type '(\w+)'", str(error))
    if not match:
        return None
    node = next((n for n in view.nodes_on_line() if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)), None)
    if node is None:
        return None
    facts = _operand_facts(view, [node.left, node.right])
    for side in (node.left, node.right):
        value = view.resolve(side)
        if type(value) is str:
            return Diagnosis(_title(error), facts + ["Text times a number repeats the text; the text must become a "
                                                     "number first."],
                             "Convert the text to a number.", view.replaced(side, f"float({view.segment(side)})"))
        if type(value) in (list, tuple):
            other = node.right if side is node.left else node.left
            return Diagnosis(_title(error), facts + ["A list times a number repeats the list; it does not multiply each "
                                                     "item."],
                             "Multiply each item (a list comprehension), or use a NumPy array.",
                             view.replaced(node, f"[x * {view.segment(other)} for x in {view.segment(side)}]"))
    return None
