"""TypeError: mixed operand types (with each value's type), wrong arguments against the real
signature, a builtin name overwritten, calling or indexing the wrong kind of object."""

from __future__ import annotations

import ast
import builtins
import inspect
import re
from typing import Any

from .attributes import none_facts
from .diagnosis import Diagnosis
from .matching import close_matches, short
from .view import MISSING, View, columns_of, describe, is_frame, is_pandas, is_series

_OPERANDS = (
    re.compile(r'can only concatenate (\w+) \(not "(\w+)"\) to (\w+)'),
    re.compile(r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'"),
    re.compile(r"'(\S+)' not supported between instances of '(\w+)' and '(\w+)'"),
    re.compile(r"must be (\w+), not (\w+)"),
    re.compile(r"operation '(\w+)' not supported for dtype '(\w+)' with"),  # pandas 3: a text column in arithmetic
    re.compile(r"Invalid comparison between dtype=(\w+) and (\w+)"),
)


def _title(error: BaseException) -> str:
    return f"TypeError: {str(error).strip().splitlines()[0][:160]}"


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


_SIGNATURE = re.compile(
    r"^(?P<func>[\w.<>]+)\(\) (?:(?P<missing>missing \d+ required (?:positional |keyword-only )?arguments?: (?P<names>.+))"
    r"|got an unexpected keyword argument '(?P<unexpected>\w+)'"
    r"|takes (?P<takes>(?:from )?\d+(?: to \d+)?) positional arguments? but (?P<given>\d+) (?:were|was) given"
    r"|got multiple values for argument '(?P<multiple>\w+)')")


def arguments(error: BaseException, view: View) -> Diagnosis | None:
    """Missing or unexpected arguments, shown against the function's real signature."""
    match = _SIGNATURE.match(str(error))
    if not match:
        return None
    short_name = match.group("func").split(".")[-1]
    call = view.node if isinstance(view.node, ast.Call) else None
    if call is None:
        call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call)
                     and view.segment(n.func).split(".")[-1] == short_name), None)
    callee = view.resolve(call.func) if call is not None else MISSING
    facts: list[str] = []
    signature = None
    if callee is not MISSING:
        try:
            signature = inspect.signature(callee)
            facts.append(f"The signature is `{short_name}{_short_signature(signature)}`.")
        except (TypeError, ValueError):
            signature = None
    title = _title(error)
    if match.group("missing"):
        names = re.findall(r"'(\w+)'", match.group("names"))
        if names == ["self"]:
            return Diagnosis(title, facts + [f"`{short_name}` was called on the class itself, so there is no "
                                             "object for `self`."],
                             "Make an object first, then call the method on it.",
                             f"obj = {view.segment(call.func).rsplit('.', 1)[0]}()" if call is not None else "")
        facts.insert(0, f"`{short_name}` needs " + ", ".join(f"`{n}`" for n in names) + ", and the call does not give "
                     + ("it." if len(names) == 1 else "them."))
        code = ""
        if call is not None:
            given = [view.segment(a) for a in call.args] + [view.segment(k) for k in call.keywords]
            code = view.replaced(call, f"{view.segment(call.func)}({', '.join(given + [n + '=...' for n in names])})")
        return Diagnosis(title, facts, "Pass every required argument.", code)
    if match.group("unexpected"):
        wrong = match.group("unexpected")
        params = list(signature.parameters) if signature else []
        near = close_matches(wrong, params)
        facts.insert(0, f"`{short_name}` has no parameter `{wrong}`.")
        if near and call is not None:
            keyword = next((k for k in call.keywords if k.arg == wrong), None)
            code = view.replaced(keyword, f"{near[0]}={view.segment(keyword.value)}") if keyword is not None else ""
            facts.append(f"The closest parameter is `{near[0]}`.")
            return Diagnosis(title, facts, f"Use `{near[0]}`.", code)
        return Diagnosis(title, facts, "Use one of the parameters in the signature.", "")
    if match.group("takes"):
        facts.insert(0, f"`{short_name}` takes {match.group('takes')} positional arguments, and the call gives "
                     f"{match.group('given')}.")
        first = next(iter(signature.parameters.values()), None) if signature else None
        if first is not None and call is not None and len(call.args) > 1 and (
                first.name in ("objs", "iterable", "items", "values", "seq", "sequence", "args_list")
                or "Iterable" in str(first.annotation) or "list" in str(first.annotation).lower()):
            facts.append(f"Its first parameter, `{first.name}`, takes all the items together, as one list.")
            inner = ", ".join(view.segment(a) for a in call.args)
            rest = ", ".join(view.segment(k) for k in call.keywords)
            return Diagnosis(title, facts, "Put the items in a list.",
                             view.replaced(call, f"{view.segment(call.func)}([{inner}]{', ' + rest if rest else ''})"))
        function = getattr(callee, "__func__", None) if inspect.ismethod(callee) else None
        qualified = match.group("func").split(".")
        if function is None and len(qualified) == 2 and isinstance(view.lookup(qualified[0]), type):
            found = vars(view.lookup(qualified[0])).get(qualified[1])
            function = found if type(found).__name__ == "function" else None
        if function is not None and getattr(function, "__code__", None) is not None:
            code = function.__code__
            names = code.co_varnames[:code.co_argcount]
            if not names or names[0] != "self":
                facts.append(f"A method gets its object as the first argument (`self`), and `{short_name}` does not "
                             "declare it.")
                return Diagnosis(title, facts, "Add `self` as the first parameter of the method.",
                                 f"def {short_name}({', '.join(('self',) + names)}):")
        if signature and "self" in signature.parameters:
            facts.append("For a method, `self` counts as one: define it as `def method(self, ...)`.")
        elif signature is None and call is not None and callee is not MISSING and inspect.isclass(callee):
            facts.append("A class gets its arguments through `__init__(self, ...)`: check that it is spelt "
                         "`__init__` with two underscores on each side.")
        return Diagnosis(title, facts, "Pass as many arguments as the function declares.", "")
    wrong = match.group("multiple")
    return Diagnosis(title, facts + [f"`{wrong}` was given twice: once by position and once by name."],
                     f"Give `{wrong}` only once.", "")


def takes_no_arguments(error: BaseException, view: View) -> Diagnosis | None:
    """``Person('Ann')`` where the class's ``__init__`` is misspelt (``_init_``, ``__int__``) or missing."""
    match = re.match(r"(\w+)\(\) takes no arguments", str(error))
    if not match:
        return None
    cls = view.lookup(match.group(1))
    if not isinstance(cls, type):
        return None
    own = [n for n in vars(cls) if isinstance(n, str)]
    near = [n for n in own if n != "__init__" and n.strip("_").lower() in ("init", "int", "innit", "intit", "inti")]
    if near:
        return Diagnosis(_title(error), [f"`{match.group(1)}` defines `{near[0]}`, not `__init__` (two underscores "
                                         "on each side), so Python never calls it."],
                         "Rename the method.", f"def __init__(self, ...):")
    return Diagnosis(_title(error), [f"`{match.group(1)}` has no `__init__` method, so it accepts no arguments."],
                     "Add `def __init__(self, ...):` to the class to take them.", "")


def _short_signature(signature: inspect.Signature, limit: int = 160) -> str:
    text = str(signature)
    return text if len(text) <= limit else text[:limit] + "…)"


def not_callable(error: BaseException, view: View) -> Diagnosis | None:
    """``list = [...]`` then ``list(x)``; ``df.shape()``; ``2(x + 1)``."""
    match = re.match(r"'(\w+)' object is not callable", str(error))
    if not match:
        return None
    call = view.node if isinstance(view.node, ast.Call) else next(
        (n for n in view.nodes_on_line() if isinstance(n, ast.Call)
         and type(view.resolve(n.func)).__name__ == match.group(1)), None)
    if call is None:
        return None
    title = _title(error)
    func = call.func
    value = view.resolve(func)
    if isinstance(func, ast.Name) and hasattr(builtins, func.id) and value is not getattr(builtins, func.id):
        name = func.id
        return Diagnosis(title, [f"`{name}` is {describe(value)} in this notebook, so it hides Python's `{name}()`.",
                                 f"A line such as `{name} = ...` replaced the builtin."],
                         f"Delete your variable to get `{name}()` back, and rename it (e.g. `my_{name}`) where "
                         "you made it.", f"del {name}")
    if type(value).__name__ == "module":
        inner = getattr(value, "__dict__", {}).get(func.attr if isinstance(func, ast.Attribute) else
                                                     getattr(func, "id", ""))
        short_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if inner is not None and callable(inner):
            return Diagnosis(title, [f"`{view.segment(func)}` is the module `{value.__name__}`; the "
                                     f"{'class' if isinstance(inner, type) else 'function'} you call has the same name "
                                     "inside it."],
                             "Import the name from the module (or call `module.name`).",
                             f"from {value.__name__} import {short_name}")
    if isinstance(func, ast.Constant) and isinstance(func.value, (int, float)):
        return Diagnosis(title, [f"`{view.segment(call)}`: in Python a number next to brackets is not a multiplication."],
                         "Write the `*`.", view.replaced(call, f"{view.segment(func)} * ({', '.join(view.segment(a) for a in call.args)})"))
    if value is not MISSING and (is_frame(value) or is_series(value) or type(value) in (dict, list, tuple, str)) \
            and len(call.args) == 1 and not call.keywords:
        return Diagnosis(title, [f"`{view.segment(func)}` is {describe(value)}: it is indexed with square brackets, "
                                 "not called with round ones."],
                         "Use square brackets.", view.replaced(call, f"{view.segment(func)}[{view.segment(call.args[0])}]"))
    facts = [f"`{view.segment(func)}` is {describe(value)}, not a function." if value is not MISSING else
             f"`{view.segment(func)}` is a {match.group(1)}, not a function."]
    if isinstance(func, ast.Attribute) and not call.args and not call.keywords:
        facts.append(f"`{func.attr}` is a value (an attribute), read without parentheses.")
        return Diagnosis(title, facts, "Drop the parentheses.", view.replaced(call, view.segment(func)))
    return Diagnosis(title, facts, "Only functions, methods and classes can be called with `(...)`.", "")


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
        name, index = view.segment(target.value), view.segment(target.slice)
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


_CONVERT = {"real number": "float", "int": "int", "integer": "int", "str": "str", "float": "float"}


def argument_type(error: BaseException, view: View) -> Diagnosis | None:
    """``math.sqrt('4')``: 'must be real number, not str' -> convert the argument."""
    match = re.search(r"must be (real number|int|integer|str|float),? not (\w+)", str(error))
    if not match:
        return None
    wanted, got = match.groups()
    call = view.node if isinstance(view.node, ast.Call) else next(
        (n for n in view.nodes_on_line() if isinstance(n, ast.Call) and len(n.args) == 1), None)
    facts = [f"The function wants a {wanted} and got a {got}."]
    if call is None or len(call.args) != 1:
        return Diagnosis(_title(error), facts, f"Convert the value with `{_CONVERT[wanted]}()` first.", "")
    arg = call.args[0]
    value = view.resolve(arg)
    if value is not MISSING:
        facts.insert(0, f"`{view.segment(arg)}` is {describe(value)}.")
    return Diagnosis(_title(error), facts, f"Convert it with `{_CONVERT[wanted]}()`.",
                     view.replaced(arg, f"{_CONVERT[wanted]}({view.segment(arg)})"))


def one_argument_method(error: BaseException, view: View) -> Diagnosis | None:
    """``lst.append(1, 2)``: one item at a time, or ``extend`` with a list."""
    match = re.match(r"(\w+)\.(\w+)\(\) takes exactly one argument \((\d+) given\)", str(error))
    if not match:
        return None
    kind, method, given = match.groups()
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr == method), None)
    facts = [f"`{kind}.{method}` takes exactly one argument; the call gives {given}."]
    if call is not None and kind == "list" and method == "append":
        items = ", ".join(view.segment(a) for a in call.args)
        return Diagnosis(_title(error), facts, "To add several items at once, use `extend` with a list.",
                         view.replaced(call, f"{view.segment(call.func.value)}.extend([{items}])"))
    return Diagnosis(_title(error), facts, "Pass one value (a list or tuple if you mean several).", "")


def shape_as_dtype(error: BaseException, view: View) -> Diagnosis | None:
    """``np.zeros(3, 3)``: the shape is one tuple, the second argument is the dtype."""
    if not re.match(r"Cannot interpret '.*' as a data type|data type .* not understood", str(error)):
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and len(n.args) >= 2
                 and view.segment(n.func).split(".")[-1] in ("zeros", "ones", "empty", "full", "reshape", "random",
                                                             "rand", "ndarray")), None)
    if call is None:
        return None
    dims = ", ".join(view.segment(a) for a in call.args)
    return Diagnosis(_title(error), ["The shape goes in as one tuple; a second argument is read as the data type."],
                     "Put the sizes in parentheses.", view.replaced(call, f"{view.segment(call.func)}(({dims}))"))


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


RULES = {TypeError: [text_in_numbers, iloc_with_label, argument_type, one_argument_method, shape_as_dtype, mixed_operands, takes_no_arguments, arguments, not_callable, not_subscriptable, not_iterable,
                     float_as_integer, wrong_index_type, no_len, item_assignment, multiply_sequence]}
