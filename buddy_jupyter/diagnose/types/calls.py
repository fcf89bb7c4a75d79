"""TypeError from a call: arguments checked against the real signature, a class whose ``__init__``
is misspelt, a builtin name overwritten or a value called like a function, a value of the wrong
type passed, a one-argument method given several, a shape passed as two arguments."""

from __future__ import annotations

import ast
import builtins
import inspect
import re
from functools import partial

from ..diagnosis import Diagnosis, error_line
from ..matching import close_matches
from ..view import MISSING, View, describe, is_frame, is_series

_title = partial(error_line, kind="TypeError")


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
                         "Rename the method.", "def __init__(self, ...):")
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
