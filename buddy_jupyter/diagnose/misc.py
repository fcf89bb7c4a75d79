"""IndexError with the length, ZeroDivisionError with the operand that was zero,
UnboundLocalError, RecursionError."""

from __future__ import annotations

import ast
import re
from collections import Counter

from .diagnosis import Diagnosis
from .view import MISSING, View, describe, is_frame, is_series, shape_of


def _title(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"


def index_out_of_range(error: BaseException, view: View) -> Diagnosis | None:
    """``lst[5]`` on a 5-item list; ``df.iloc[10]`` on 3 rows; NumPy's 'out of bounds for axis'."""
    message = str(error)
    title = _title(error)
    if "out of range" not in message and "out-of-bounds" not in message and "out of bounds" not in message \
            and "empty" not in message:
        return None
    if message.startswith("pop from empty"):
        return Diagnosis(title, ["The list is already empty."], "Check `if lst:` before popping.", "")
    if "empty sequence" in message:
        return Diagnosis(title, ["The sequence given is empty: there is nothing to choose from."],
                         "Check that it has items first (`if items:`); a filter that matched nothing is the usual cause.",
                         "")
    node = view.node if isinstance(view.node, ast.Subscript) else next(
        (n for n in view.nodes_on_line() if isinstance(n, ast.Subscript)), None)
    if node is None:
        return None
    receiver = node.value
    is_iloc = isinstance(receiver, ast.Attribute) and receiver.attr == "iloc"
    base_node = receiver.value if is_iloc else receiver
    value = view.resolve(base_node)
    name = view.segment(base_node)
    index_node = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
    index = view.resolve(index_node)
    if value is MISSING and is_iloc:  # df.head(-1).iloc[10]: the frame pandas was indexing
        value = view.library_self(lambda v: is_frame(v) or is_series(v))
        if value is MISSING:
            owner = view.library_self(lambda v: type(v).__name__ == "_iLocIndexer")
            value = getattr(owner, "obj", MISSING) if owner is not MISSING else MISSING
    if value is MISSING:
        return None
    if is_frame(value) or is_series(value) or (shape_of(value) is not None):
        shape = shape_of(value) or ()
        length = shape[0] if shape else 0
        facts = [f"`{name}` has {length:,} rows" + (f" and {shape[1]} columns" if len(shape) > 1 else "") + "."]
    else:
        try:
            length = len(value) if type(value) in (list, tuple, str, range) else None
        except Exception:
            length = None
        if length is None:
            return None
        facts = [f"`{name}` is {describe(value)}."]
    if length == 0:
        facts.append("It is empty: there is no first or last item.")
        return Diagnosis(title, facts, "Find out why it is empty (a filter that matched nothing?), or check "
                         f"`if len({name}) > 0:` first.", "")
    facts.append(f"Valid positions are 0 to {length - 1} (or -1 for the last, down to -{length}).")
    if isinstance(index, int) and not isinstance(index, bool):
        facts.append(f"The position asked for was {index}.")
        if index == length:
            facts.append("Counting starts at 0, so the last item is at position len - 1.")
            return Diagnosis(title, facts, "Use -1 for the last item.", view.replaced(index_node, "-1"))
    loop = next((n for n in view.nodes_on_line() if isinstance(n, ast.For)), None)
    if loop is None and view.tree is not None:
        frame = view.user_frame
        for candidate in ast.walk(view.tree):
            if isinstance(candidate, ast.For) and candidate.lineno < frame.lineno <= candidate.end_lineno:
                loop = candidate
    if loop is not None and "range(" in view.segment(loop.iter) and "+ 1" in view.segment(loop.iter):
        facts.append(f"The loop `{view.segment(loop.iter)}` goes one past the end.")
    return Diagnosis(title, facts, f"Keep the position below `len({name})`.", "")


def division_by_zero(error: BaseException, view: View) -> Diagnosis | None:
    """``total / count`` with ``count == 0``: name the operand that was zero."""
    title = _title(error)
    divisions = [n for n in view.nodes_on_line() if isinstance(n, (ast.BinOp, ast.AugAssign))
                 and isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod))]
    for node in divisions:
        right = node.right if isinstance(node, ast.BinOp) else node.value
        value = view.resolve(right)
        if value is MISSING and isinstance(right, ast.Call) and isinstance(right.func, ast.Name) \
                and right.func.id == "len" and right.args:
            inner = view.resolve(right.args[0])
            if type(inner) in (list, tuple, dict, set, str):
                value = len(inner)
        if isinstance(right, ast.Constant):
            return Diagnosis(title, ["The line divides by the number 0 itself."], "Divide by a number other than 0.", "")
        if value == 0 and value is not MISSING:
            divisor = view.segment(right)
            facts = [f"`{divisor}` is 0 here, and nothing can be divided by zero."]
            if isinstance(right, ast.Call):
                facts.append(f"`{view.segment(right.args[0])}` is empty.")
            if isinstance(node, ast.BinOp):
                expression = view.segment(node)
                code = view.replaced(node, f"({expression} if {divisor} != 0 else 0)")
            else:
                code = f"if {divisor} != 0:\n    {view.line}"
            return Diagnosis(title, facts, f"Check `{divisor}` before dividing, and decide what the answer should be "
                             "when it is 0.", code)
    if divisions:
        node = divisions[0]
        right = node.right if isinstance(node, ast.BinOp) else node.value
        return Diagnosis(title, [f"The divisor `{view.segment(right)}` was 0 when this line ran."],
                         "Check the divisor before dividing.", "")
    return None


def unbound_local(error: BaseException, view: View) -> Diagnosis | None:
    """A function assigns a name, which makes it local everywhere in that function."""
    match = re.search(r"local variable '(\w+)'|cannot access local variable '(\w+)'", str(error))
    if not match:
        return None
    name = match.group(1) or match.group(2)
    frame = view.user_frame
    function = frame.code.co_name if frame is not None else "the function"
    facts = [f"`{function}` assigns `{name}` somewhere, so inside `{function}` every `{name}` is its own local "
             "variable, and this line reads it before the assignment."]
    has_global = name in view.namespace
    if has_global:
        facts.append(f"There is also a notebook variable `{name}`, but the function does not see it.")
        return Diagnosis(_title(error), facts, f"Pass `{name}` in as a parameter and return the new value (best), or "
                         f"declare `global {name}` as the first line of `{function}`.", f"global {name}")
    return Diagnosis(_title(error), facts, f"Give `{name}` a value at the start of `{function}` (e.g. `{name} = 0`) "
                     "before it is used.", f"{name} = 0")


def recursion(error: BaseException, view: View) -> Diagnosis | None:
    """A function that calls itself without reaching a base case."""
    if not isinstance(error, RecursionError):
        return None
    counts = Counter((f.code.co_name, f.filename) for f in view.frames if f.is_user)
    if not counts:
        counts = Counter((f.code.co_name, f.filename) for f in view.frames)
    if not counts:
        return None
    (function, filename), times = counts.most_common(1)[0]
    facts = [f"`{function}` called itself over and over ({view.depth:,} calls deep) until Python's limit "
             "(about 1,000) stopped it."]
    if function in ("__getattr__", "__getattribute__", "__setattr__") or function.startswith("__"):
        facts.append(f"`{function}` reads or sets an attribute of `self` that calls `{function}` again.")
        return Diagnosis(_title(error), facts, "Inside the method, use `self.__dict__` or `super()` for the attribute.", "")
    facts.append(f"Every call of `{function}` needs a base case that returns without calling again, and each call "
                 "must move towards it.")
    return Diagnosis(_title(error), facts, f"Add or fix the base case of `{function}` (e.g. `if n <= 1: return 1`), "
                     "and make each call use a smaller value (`n - 1`).", "")


def math_domain(error: BaseException, view: View) -> Diagnosis | None:
    """``math.sqrt(-1)``, ``math.log(0)``: outside what the function accepts."""
    if str(error) != "math domain error":
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and n.args), None)
    facts = ["`math.sqrt` needs a number >= 0, `math.log` a number > 0, `math.acos`/`asin` a number between -1 and 1."]
    if call is not None:
        value = view.resolve(call.args[0])
        if value is not MISSING:
            facts.insert(0, f"`{view.segment(call.args[0])}` is {describe(value)}.")
        else:
            facts.insert(0, f"The argument of `{view.segment(call.func)}` is outside its domain.")
    return Diagnosis("ValueError: math domain error", facts, "Check the value first (`if x >= 0:`), or use "
                     "`cmath` for complex results.", "")


def did_you_mean(error: BaseException, view: View) -> Diagnosis | None:
    """Any library's "Did you mean 'h'?": put its suggestion in place of the nearest quoted text on the line."""
    match = re.search(r"""[Dd]id you mean:? (?:to )?['"`]?([\w.\-]+)['"`]?\??""", str(error))
    if not match:
        return None
    suggestion = match.group(1)
    from .matching import close_matches

    texts = [n for n in view.nodes_on_line() if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    near = close_matches(suggestion, [n.value for n in texts], cutoff=0.5)
    node = next((n for n in texts if near and n.value == near[0]), None)
    first = str(error).strip().splitlines()[0]
    facts = [f"The library suggests `{suggestion}`" + (f" instead of {near[0]!r}." if node is not None else ".")]
    return Diagnosis(f"{type(error).__name__}: {first[:160]}", facts, f"Use `{suggestion}`.",
                     view.replaced(node, repr(suggestion)) if node is not None else "")


RULES = {
    Exception: [did_you_mean],
    IndexError: [index_out_of_range],
    ValueError: [math_domain],
    ZeroDivisionError: [division_by_zero],
    UnboundLocalError: [unbound_local],
    RecursionError: [recursion],
}
