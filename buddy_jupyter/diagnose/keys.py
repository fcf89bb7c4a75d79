"""KeyError: a column, row label or dict key that is not there, and the closest ones that are."""

from __future__ import annotations

import ast
import re
from typing import Any

from .diagnosis import Diagnosis
from .matching import close_matches, how_it_differs, quoted_list, safe_contains, short
from .view import MISSING, View, columns_of, first_name, is_frame, is_pandas, is_series, safe_getattr

SHOW_ALL = 20
"""List every column (or key) when there are at most this many."""
_LIST_MESSAGES = (
    re.compile(r"^(\[.*\]) not (?:in index|found in axis)$", re.S),
    re.compile(r"^None of \[Index\((\[.*\]), dtype=.*\)\] are in the \[(?:columns|index)\]$", re.S),
    re.compile(r"^Columns? not found: (.*)$", re.S),
    re.compile(r"^None of (\[.*\]) are in the columns$", re.S),
    re.compile(r"^Label\(s\) (\[.*\]) do not exist$", re.S),
    re.compile(r"^.*?('[^']+') not found in columns\.?$", re.S),
)


def missing_keys(error: KeyError) -> list[Any]:
    """The keys a KeyError is about: its argument, or the list pandas puts in its message."""
    if not error.args:
        return []
    key = error.args[0]
    if isinstance(key, str):
        for pattern in _LIST_MESSAGES:
            match = pattern.match(key)
            if match:
                text = match.group(1)
                try:
                    value = ast.literal_eval(text)
                    return list(value) if isinstance(value, (list, tuple, set)) else [value]
                except (ValueError, SyntaxError):
                    return [part.strip().strip("'\"") for part in text.split(",") if part.strip()]
    return [key]


def _subscripts(view: View, key: Any):
    """Each subscript by ``key`` on the failing line: (receiver node, its value, the key's node, 'loc'|'get',
    position in a tuple)."""
    for node in view.nodes_on_line():
        if not isinstance(node, ast.Subscript):
            continue
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for position, part in enumerate(parts):
            for inner in ast.walk(part):
                if isinstance(inner, (ast.Constant, ast.Name)) and _same_key(view.resolve(inner), key):
                    receiver, mode = node.value, "get"
                    if isinstance(receiver, ast.Attribute) and receiver.attr in ("loc", "at"):
                        receiver, mode = receiver.value, "loc"
                    yield (receiver, view.resolve(receiver), inner, mode,
                           position if isinstance(node.slice, ast.Tuple) else None)
                    break


def _same_key(value: Any, key: Any) -> bool:
    try:
        return value is not MISSING and type(value) is type(key) and value == key
    except Exception:
        return False


def _labels_fact(name: str, what: str, labels: list[Any], key: Any) -> tuple[list[str], Any]:
    """Facts about the nearest labels, and the best one (or MISSING)."""
    facts: list[str] = []
    best: Any = MISSING
    close = close_matches(key, labels)
    plain = (str, int, float, bool)
    typed = [label for label in labels if type(label) in plain and type(key) in plain
             and type(label) is not type(key) and str(label) == str(key)]  # str() of builtins only
    if typed:
        best = typed[0]
        facts.append(f"{short(best)} is there, but as {type(best).__name__}, not {type(key).__name__} "
                     f"({short(key)}).")
    elif close:
        best = close[0]
        facts.append(f"The closest {what} is {short(best)}: it differs from {short(key)} {how_it_differs(key, best)}.")
        if len(close) > 1:
            facts.append("Other near ones: " + quoted_list(close[1:]) + ".")
    if len(labels) <= SHOW_ALL:
        facts.append(f"The {what}s of {_ref(name)} are: {quoted_list(labels)}." if labels else f"{_ref(name)} is empty.")
    else:
        facts.append(f"{_ref(name)} has {len(labels):,} {what}s.")
    return facts, best


def frame_column(error: BaseException, view: View) -> Diagnosis | None:
    """``df['score']`` (or ``.loc[:, 'score']``, ``df[['a', 'b']]``) on a DataFrame without that column."""
    keys = missing_keys(error)
    if not keys:
        return None
    key = keys[0]
    for receiver_node, frame, key_node, mode, position in _subscripts(view, key):
        if not is_frame(frame) or (mode == "loc" and position != 1):
            if mode == "loc" or is_series(frame) or isinstance(frame, dict):
                return None  # a row label or a dict key: the rules below
            continue
        name = view.segment(receiver_node) or first_name(receiver_node) or "the DataFrame"
        return _column_diagnosis(error, view, frame, name, key, key_node)
    # a method call such as df.drop(columns=[...]), df.groupby('x'), pd.merge(a, b, on='x'):
    frames = [(n, v) for n, v in _frames_on_line(view)]
    library = view.library_self(lambda value: is_frame(value) or is_pandas(value, "DataFrameGroupBy"))
    if library is not MISSING and is_pandas(library, "DataFrameGroupBy"):
        library = safe_getattr(library, "obj")
    if library is not MISSING and is_frame(library) and not any(v is library for _, v in frames):
        frames.append(("the DataFrame", library))
    for frame_info in view.library_frames[:15]:  # frames made on the line itself: merge(..., right=pd.DataFrame(...))
        try:
            local_items = list(frame_info.frame.f_locals.items())[:60]
        except Exception:
            continue
        for local, value in local_items:
            if is_frame(value) and not any(v is value for _, v in frames):
                frames.append((f"the {local} DataFrame" if local in ("left", "right") else "a DataFrame on this line",
                               value))
    for name, frame in frames:
        columns = columns_of(frame)
        absent = [k for k in keys if not _contains(columns, k)]
        if absent:
            key_node = next((n for n in view.nodes_on_line() if isinstance(n, ast.Constant)
                             and _same_key(n.value, absent[0])), None)
            found = _column_diagnosis(error, view, frame, name, absent[0], key_node)
            others = [n for n, f in frames if f is not frame and _contains(columns_of(f), absent[0])]
            on = next((k for n in view.nodes_on_line() if isinstance(n, ast.Call) for k in n.keywords
                       if k.arg == "on" and isinstance(k.value, ast.Constant)), None)
            best = close_matches(absent[0], columns)
            if others and on is not None and best:  # a merge whose key is spelt differently on each side
                side = "left" if "left" in name else "right"
                other = "right" if side == "left" else "left"
                found.facts.append(f"{_ref(others[0])} has {short(absent[0])}: the key is spelt differently on "
                                   "each side.")
                found.fix = "Name the key of each side with `left_on` and `right_on`."
                found.code = view.replaced(on, f"{other}_on={absent[0]!r}, {side}_on={best[0]!r}")
            return found
    return None


def _ref(name: str) -> str:
    """`df` for an expression, plain words for a description ('the right DataFrame')."""
    return name if name.startswith(("the ", "a ")) else f"`{name}`"


_contains = safe_contains


def _frames_on_line(view: View):
    seen = []
    for node in view.nodes_on_line():
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            value = view.resolve(node)
            if is_frame(value) and not any(value is v for v in seen):
                seen.append(value)
                yield view.segment(node) or "the DataFrame", value


def _column_diagnosis(error, view: View, frame: Any, name: str, key: Any, key_node) -> Diagnosis:
    columns = columns_of(frame)
    facts = [f"{_ref(name)} has no column {short(key)}."]
    if len(columns) == 1 and isinstance(columns[0], str) and isinstance(key, str):
        for separator, shown in ((",", "','"), (";", "';'"), ("\t", "'\\t'"), ("|", "'|'")):
            if separator in columns[0] and key in columns[0].split(separator):
                facts.append(f"It has one column, {short(columns[0])}: the file was read with the wrong separator.")
                return Diagnosis(f"KeyError: {short(key)}", facts, f"Read the file again with `sep={shown}`.",
                                 f"{name} = pd.read_csv(..., sep={shown})")
    unsaved = _unsaved_change(view, name, key)
    if unsaved:
        facts.append(f"The line `{unsaved}` did not change `{name}`: that method returns a new DataFrame, and "
                     "the result was not kept.")
        return Diagnosis(f"KeyError: {short(key)}", facts, f"Assign the result back to `{name}`, then run this again.",
                         f"{name} = {unsaved}")
    if isinstance(key, int) and not isinstance(key, bool) and not any(isinstance(c, int) for c in columns):
        facts.append(f"`{name}[{key}]` looks for a column named {key}; the columns have names, not numbers.")
        more, _ = _labels_fact(name, "column", columns, key)
        return Diagnosis(f"KeyError: {key}", facts + more[-1:], "For a row by position use `.iloc`; for a column by "
                         "position use `.iloc[:, n]`.", f"{name}.iloc[{key}]")
    more, best = _labels_fact(name, "column", columns, key)
    index_name = safe_getattr(safe_getattr(frame, "index"), "name")
    fix, code = "", ""
    if best is not MISSING:
        facts += more
        fix = f"Use the column's exact name, {short(best)}."
        if key_node is not None:
            code = view.replaced(key_node, repr(best))
        if not code:
            code = f"{name}[{best!r}]"
    elif type(index_name) is type(key) and index_name == key:
        facts.append(f"{short(key)} is the name of the index of `{name}` (after `set_index`), not a column.")
        fix = "Read it from the index, or make it a column again with `reset_index()`."
        code = f"{name} = {name}.reset_index()"
    else:
        facts += more
        fix = "Use one of the existing columns: check the spelling against the list of columns."
        code = f"{name}.columns"
    return Diagnosis(f"KeyError: {short(key)}", facts, fix, code)


_MAKES_COLUMNS = ("rename", "assign", "merge", "join", "reset_index", "melt", "pivot", "pivot_table")
"""Methods that return a new DataFrame with new column names (the learner may expect them on the old one)."""


def _unsaved_change(view: View, name: str, key: Any) -> str:
    """A line of this session like ``df.rename(columns={'a': 'score'})`` that mentions ``key`` and was not kept."""
    if not name.isidentifier() or not isinstance(key, str):
        return ""
    from . import history

    pattern = re.compile(rf"^\s*{re.escape(name)}\.({'|'.join(_MAKES_COLUMNS)})\(.*$")
    for cell in reversed(history.current_inputs(view.shell)[-50:]):
        if cell == view.cell_source:
            continue
        for line in cell.splitlines():
            if pattern.match(line) and (repr(key) in line or f'"{key}"' in line) and "inplace" not in line:
                return line.strip()
    return ""


def row_label(error: BaseException, view: View) -> Diagnosis | None:
    """``df.loc['x']``, ``s['x']``: a row label that is not in the index."""
    keys = missing_keys(error)
    if not keys:
        return None
    key = keys[0]
    for receiver_node, value, key_node, mode, position in _subscripts(view, key):
        if not (is_frame(value) and mode == "loc" and position in (0, None)) and not is_series(value):
            continue
        name = view.segment(receiver_node) or "the data"
        index = safe_getattr(value, "index")
        size = len(index) if index is not MISSING else 0
        labels = list(index[:5000]) if index is not MISSING and size <= 5000 else []
        facts = [f"{short(key)} is not a label in the index of `{name}`."]
        fix, code = "Use a label that is in the index, or `.iloc[n]` for the n-th row by position.", ""
        if is_frame(value) and _contains(columns_of(value), key):
            facts.append(f"{short(key)} is a column of `{name}`, not a row label.")
            return Diagnosis(f"KeyError: {short(key)}", facts, "Select the column by name.",
                             f"{name}[{key!r}]")
        if labels:
            more, best = _labels_fact(name, "label", labels, key)
            facts += more
            if best is not MISSING and key_node is not None:
                fix, code = f"Use the label {short(best)}.", view.replaced(key_node, repr(best))
        else:
            facts.append(f"The index has {size:,} labels" + (f" of dtype {safe_getattr(index, 'dtype')}"
                                                               if index is not MISSING else "") + ".")
        if isinstance(key, int) and not isinstance(key, bool) and not code:
            if 0 <= key < size or -size <= key < 0:
                code = f"{name}.iloc[{key}]"
                fix = "To take a row by its position, use `.iloc`."
            else:
                facts.append(f"`{name}` has {size:,} rows, so there is no row at position {key} either.")
        return Diagnosis(f"KeyError: {short(key)}", facts, fix, code)
    return None


def dict_key(error: BaseException, view: View) -> Diagnosis | None:
    """``d['x']`` on a dict (or another mapping) without that key."""
    keys = missing_keys(error)
    if not keys:
        return None
    key = keys[0]
    for receiver_node, value, key_node, _, _ in _subscripts(view, key):
        if not isinstance(value, dict) and type(value).__name__ not in ("_Environ", "OrderedDict", "defaultdict"):
            continue
        name = view.segment(receiver_node) or "the dict"
        try:
            labels = list(value.keys())[:5000] if len(value) <= 5000 else []
        except Exception:
            labels = []
        facts = [f"`{name}` has no key {short(key)}."]
        more, best = _labels_fact(name, "key", labels, key)
        facts += more
        if best is not MISSING:
            return Diagnosis(f"KeyError: {short(key)}", facts, f"Use the existing key {short(best)}.",
                             view.replaced(key_node, repr(best)) or f"{name}[{best!r}]")
        return Diagnosis(f"KeyError: {short(key)}", facts,
                         "Check the key, or use `.get()` to get a default instead of an error when it is missing.",
                         f"{name}.get({key!r})")
    return None


def pop_or_remove(error: BaseException, view: View) -> Diagnosis | None:
    """``s.remove(x)`` on a set, ``d.pop(k)`` on a dict: the element is not there."""
    keys = missing_keys(error)
    node = view.node
    if not keys or not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    receiver = view.resolve(node.func.value)
    name = view.segment(node.func.value)
    if isinstance(receiver, set) and node.func.attr == "remove":
        return Diagnosis(f"KeyError: {short(keys[0])}", [f"`{name}` (a set) does not contain {short(keys[0])}."],
                         "`discard` removes an element if it is there and does nothing otherwise.",
                         view.replaced(node.func, f"{name}.discard"))
    if isinstance(receiver, dict) and node.func.attr == "pop":
        args = ", ".join(view.segment(a) for a in node.args[:1])
        return Diagnosis(f"KeyError: {short(keys[0])}", [f"`{name}` has no key {short(keys[0])} to pop."],
                         "Give `pop` a default for a missing key.", view.replaced(node, f"{name}.pop({args}, None)"))
    return None


def drop_rows_not_columns(error: BaseException, view: View) -> Diagnosis | None:
    """``df.drop('Score')``: ``drop`` looks in the row labels unless told ``columns=``."""
    keys = missing_keys(error)
    if not keys or "not found in axis" not in str(error.args[0] if error.args else ""):
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr == "drop" and n.args and not n.keywords), None)
    if call is None:
        return None
    frame = view.resolve(call.func.value)
    if not is_frame(frame) or not all(safe_contains(columns_of(frame), k) for k in keys):
        return None
    name = view.segment(call.func.value)
    return Diagnosis(f"KeyError: {quoted_list(keys)} not found in axis",
                     [f"{quoted_list(keys)} {'is a column' if len(keys) == 1 else 'are columns'} of `{name}`, but "
                      "`drop` looks among the row labels unless it is told to drop columns."],
                     "Say that they are columns.", view.replaced(call, f"{name}.drop(columns={view.segment(call.args[0])})"))


RULES = {KeyError: [drop_rows_not_columns, frame_column, row_label, dict_key, pop_or_remove]}
