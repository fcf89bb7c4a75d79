"""AttributeError: the closest attribute names, a Series where a DataFrame was meant, a module
typo, a library name removed in a new version, and ``None`` from an in-place method."""

from __future__ import annotations

import ast
import re
from typing import Any

from .diagnosis import Diagnosis
from .matching import close_matches, how_it_differs, quoted_list
from .view import (
    MISSING, View, attribute_names, columns_of, describe, is_frame, is_ndarray, is_series,
)
from . import history

# Names that libraries removed, with what replaces them (knowledge as data).
REMOVED = {
    ("numpy", "float"): ("float", "`np.float` was an alias of Python's `float`, removed in NumPy 1.24."),
    ("numpy", "int"): ("int", "`np.int` was an alias of Python's `int`, removed in NumPy 1.24."),
    ("numpy", "bool"): ("bool", "`np.bool` was an alias of Python's `bool`, removed in NumPy 1.24."),
    ("numpy", "object"): ("object", "`np.object` was an alias of Python's `object`, removed in NumPy 1.24."),
    ("numpy", "str"): ("str", "`np.str` was an alias of Python's `str`, removed in NumPy 1.24."),
    ("numpy", "NaN"): ("np.nan", "`np.NaN` was removed in NumPy 2.0; the name is `np.nan`."),
    ("numpy", "NAN"): ("np.nan", "`np.NAN` was removed in NumPy 2.0; the name is `np.nan`."),
    ("numpy", "Inf"): ("np.inf", "`np.Inf` was removed in NumPy 2.0; the name is `np.inf`."),
    ("numpy", "product"): ("np.prod", "`np.product` was removed in NumPy 2.0; use `np.prod`."),
    ("DataFrame", "append"): ("pd.concat([df, other])", "`DataFrame.append` was removed in pandas 2.0: use `pd.concat`."),
    ("Series", "append"): ("pd.concat([s, other])", "`Series.append` was removed in pandas 2.0: use `pd.concat`."),
    ("DataFrame", "iteritems"): ("items", "`DataFrame.iteritems` was removed in pandas 2.0; it is `items` now."),
    ("Series", "iteritems"): ("items", "`Series.iteritems` was removed in pandas 2.0; it is `items` now."),
    ("DataFrame", "applymap"): ("map", "`DataFrame.applymap` was renamed `DataFrame.map` in pandas 2.1."),
    ("dict", "iteritems"): ("items", "`dict.iteritems` is Python 2; in Python 3 it is `items`."),
    ("dict", "has_key"): ("in", "`dict.has_key` is Python 2; in Python 3 write `key in d`."),
}
# What learners reach for on the wrong type: (type name, attribute) -> (fact, fix, code template).
WRONG_TYPE = {
    ("list", "shape"): ("a list has no shape; NumPy arrays and DataFrames do.", "Use `len()` for a list.", "len({obj})"),
    ("list", "lower"): ("`lower` is a method of each text, not of the list.", "Apply it to every element.",
                        "[s.lower() for s in {obj}]"),
    ("list", "upper"): ("`upper` is a method of each text, not of the list.", "Apply it to every element.",
                        "[s.upper() for s in {obj}]"),
    ("list", "split"): ("`split` is a method of a text, not of a list.", "Apply it to every element.",
                        "[s.split() for s in {obj}]"),
    ("list", "strip"): ("`strip` is a method of a text, not of a list.", "Apply it to every element.",
                        "[s.strip() for s in {obj}]"),
    ("list", "add"): ("lists grow with `append`; `add` is for sets.", "Use `append`.", "{obj}.append(...)"),
    ("list", "push"): ("lists grow with `append` (there is no `push` in Python).", "Use `append`.", "{obj}.append(...)"),
    ("list", "length"): ("a list's length is `len(lst)`, not an attribute.", "Use `len()`.", "len({obj})"),
    ("list", "size"): ("a list's length is `len(lst)`, not an attribute.", "Use `len()`.", "len({obj})"),
    ("list", "sum"): ("`sum` is a Python function, not a list method.", "Call `sum(...)` on the list.", "sum({obj})"),
    ("list", "max"): ("`max` is a Python function, not a list method.", "Call `max(...)` on the list.", "max({obj})"),
    ("list", "min"): ("`min` is a Python function, not a list method.", "Call `min(...)` on the list.", "min({obj})"),
    ("list", "mean"): ("lists have no `mean`.", "Use `statistics.mean`, or a NumPy array / pandas Series.",
                       "sum({obj}) / len({obj})"),
    ("list", "len"): ("a list's length is `len(lst)`.", "Use `len()`.", "len({obj})"),
    ("list", "sort_values"): ("`sort_values` is pandas; a list sorts with `sort()` or `sorted()`.",
                              "Use `sorted()`.", "sorted({obj})"),
    ("float", "round"): ("`round` is a Python function, not a method of a float.", "Call `round(x, digits)`.",
                         "round({obj}, 2)"),
    ("int", "round"): ("`round` is a Python function, not a method of an int.", "Call `round(x)`.", "round({obj})"),
    ("str", "append"): ("texts cannot change; `append` is for lists.", "Build a new text with `+`.", "{obj} = {obj} + ..."),
    ("str", "length"): ("a text's length is `len(s)`, not an attribute.", "Use `len()`.", "len({obj})"),
    ("str", "contains"): ("a text has no `contains`: Python uses `in`.", "Write `'x' in text`.", "'...' in {obj}"),
    ("dict", "append"): ("dicts have no `append`: set a key instead.", "Assign to a key.", "{obj}[key] = value"),
    ("tuple", "append"): ("tuples cannot change; `append` is for lists.", "Use a list, or build a new tuple.",
                          "{obj} = {obj} + (item,)"),
    ("set", "append"): ("sets grow with `add`; `append` is for lists.", "Use `add`.", "{obj}.add(...)"),
    ("int", "append"): ("an int holds one number; `append` is for lists.", "Make a list first.", "{obj} = [{obj}]"),
    ("ndarray", "append"): ("NumPy arrays have no `append` method.", "Use `np.append` (it returns a new array), "
                            "or collect values in a list and convert once.", "{obj} = np.append({obj}, value)"),
    ("DataFrame", "str"): ("`.str` works on one column (a Series), not on a whole DataFrame.",
                           "Pick a column first.", "{obj}['column'].str"),
    ("DataFrame", "dt"): ("`.dt` works on one column (a Series), not on a whole DataFrame.",
                          "Pick a column first.", "{obj}['column'].dt"),
    ("DataFrame", "unique"): ("`unique` is a Series method.", "Pick a column first.", "{obj}['column'].unique()"),
    ("DataFrame", "tolist"): ("`tolist` is a Series method.", "Pick a column first, or use `values.tolist()`.",
                              "{obj}['column'].tolist()"),
}
# Names learners bring from other tools, and the name the object really has (knowledge as data).
SYNONYMS = {
    "avg": "mean", "average": "mean", "len": "size", "length": "size", "uniq": "unique", "distinct": "unique",
    "sort": "sort_values", "orderby": "sort_values", "order_by": "sort_values", "where_": "query",
    "read_xlsx": "read_excel", "read_xls": "read_excel", "read_txt": "read_csv", "to_xlsx": "to_excel",
    "push": "append", "size_": "shape", "count_values": "value_counts", "valuecounts": "value_counts",
    "isnan": "isna", "is_null": "isna", "dropnan": "dropna", "fill_na": "fillna", "group_by": "groupby",
    "lenght": "size", "toList": "tolist", "to_list": "tolist", "includes": "isin", "contains": "isin",
}
_INPLACE_ASSIGN = re.compile(r"^\s*(\w+)\s*=\s*.*(inplace\s*=\s*True|\.(?:sort|append|extend|insert|reverse|shuffle|"
                             r"update|clear|remove)\(|\bprint\()", re.S)


def _target(error: AttributeError, view: View) -> tuple[Any, str, str]:
    """(the object, the attribute, the object's source text) of an AttributeError."""
    name = getattr(error, "name", None)
    obj = getattr(error, "obj", MISSING)
    node = view.node
    if isinstance(node, ast.Attribute):
        name = name or node.attr
        if obj is MISSING:
            obj = view.resolve(node.value)
        return obj, name or "", view.segment(node.value)
    if not name:
        match = re.search(r"has no attribute '(\w+)'", str(error))
        name = match.group(1) if match else ""
    for candidate in view.nodes_on_line():
        if isinstance(candidate, ast.Attribute) and candidate.attr == name:
            if obj is MISSING:
                obj = view.resolve(candidate.value)
            return obj, name, view.segment(candidate.value)
    return obj, name or "", ""


def _attribute_node(view: View, name: str):
    node = view.node
    if isinstance(node, ast.Attribute) and node.attr == name:
        return node
    return next((n for n in view.nodes_on_line() if isinstance(n, ast.Attribute) and n.attr == name), None)


def none_value(error: BaseException, view: View) -> Diagnosis | None:
    """``x.head()`` where ``x`` is None: often ``x = x.method(..., inplace=True)`` or ``x = lst.sort()``."""
    obj, name, source = _target(error, view)
    if obj is not None or not name:
        return None
    return none_facts(f"AttributeError: 'NoneType' object has no attribute '{name}'", view, source,
                      f"`{source or 'the value'}` is None, so it has no `.{name}`.")


def none_facts(title: str, view: View, source: str, first: str) -> Diagnosis:
    facts = [first]
    variable = source if source.isidentifier() else ""
    cause = history.last_assignment(view, variable) if variable else ""
    if cause and _INPLACE_ASSIGN.match(cause):
        facts.append(f"It got None from `{cause.strip()}`: methods that change something in place "
                     f"(`inplace=True`, `list.sort()`, `append`) return None, and the assignment stored that None.")
        fixed = re.sub(r",?\s*inplace\s*=\s*True", "", cause.strip())
        if fixed != cause.strip():
            return Diagnosis(title, facts, f"Either keep the assignment and drop `inplace=True`, or drop the "
                             f"assignment. Then run the cells that make `{variable}` again.", fixed)
        method = re.search(r"=\s*(.+?)\.(sort|append|extend|insert|reverse|shuffle|update|clear|remove)\(", cause)
        if method:
            return Diagnosis(title, facts, f"Call the method on its own line, without assigning its result, "
                             f"then rebuild `{variable}`.", f"{method.group(1).strip()}.{method.group(2)}(...)")
        return Diagnosis(title, facts, "Assign a value that is not None (`print` shows a value, it does not return it).",
                         "")
    facts.append("A function without `return`, an in-place method (`inplace=True`, `list.sort()`) or a lookup "
                 "that found nothing gives None.")
    return Diagnosis(title, facts, f"Find where `{source or 'it'}` was set and make that give a real value.", "")


def removed_name(error: BaseException, view: View) -> Diagnosis | None:
    """A name a library removed (``np.float``, ``df.append``, ``df.iteritems``)."""
    obj, name, source = _target(error, view)
    if obj is MISSING:
        return None
    if type(obj).__name__ == "module":
        owner = (getattr(obj, "__name__", "") or "").split(".")[0]
    else:
        owner = "DataFrame" if is_frame(obj) else "Series" if is_series(obj) else type(obj).__name__
    entry = REMOVED.get((owner, name))
    if entry is None:
        return None
    replacement, fact = entry
    node = _attribute_node(view, name)
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and n.func is node), None)
    code = ""
    if node is not None:
        if replacement.startswith("pd.concat") and call is not None and call.args:
            code = view.replaced(call, f"pd.concat([{source}, {view.segment(call.args[0])}])")
        elif replacement == "in" and call is not None and call.args:
            code = view.replaced(call, f"{view.segment(call.args[0])} in {source}")
        elif owner == "numpy":
            code = view.replaced(node, replacement)
        elif replacement.isidentifier():
            code = view.replaced(node, f"{source}.{replacement}")
    return Diagnosis(f"AttributeError: {owner} has no attribute '{name}'", [fact],
                     f"Use `{replacement}` instead.", code)


def accessor(error: BaseException, view: View) -> Diagnosis | None:
    """``.str`` on numbers, ``.dt`` on text: the column's dtype and the conversion it needs."""
    obj, name, source = _target(error, view)
    if name not in ("str", "dt", "cat") or not is_series(obj):
        return None
    dtype = str(getattr(obj, "dtype", "?"))
    title = f"AttributeError: {str(error).splitlines()[0][:120]}"
    node = _attribute_node(view, name)
    if name == "dt":
        return Diagnosis(title, [f"`{source}` holds {dtype} values, not dates: `.dt` works only on datetime columns.",
                                 "Dates read from a file arrive as text until they are converted."],
                         "Convert the column with `pd.to_datetime` (once, assigning it back), then use `.dt`.",
                         view.replaced(node, f"pd.to_datetime({source}).dt") if node is not None else "")
    if name == "str":
        return Diagnosis(title, [f"`{source}` holds {dtype} values, not text: `.str` works only on text columns."],
                         "Convert to text first with `.astype(str)`, or use a numeric method instead.",
                         view.replaced(node, f"{source}.astype(str).str") if node is not None else "")
    return Diagnosis(title, [f"`{source}` is {dtype}, not category."], "Convert with `.astype('category')`.",
                     view.replaced(node, f"{source}.astype('category').cat") if node is not None else "")


def synonym(error: BaseException, view: View) -> Diagnosis | None:
    """A name from another tool (``avg``, ``sort``, ``read_xlsx``) for one the object has (``mean``...)."""
    obj, name, source = _target(error, view)
    target = SYNONYMS.get(name)
    if obj is MISSING or target is None or target not in attribute_names(obj):
        return None
    node = _attribute_node(view, name)
    kind = type(obj).__name__ if type(obj).__name__ != "module" else f"module '{getattr(obj, '__name__', '?')}'"
    return Diagnosis(f"AttributeError: {kind} has no attribute '{name}'",
                     [f"`{source}` is {describe(obj)}; what other tools call `{name}` is `{target}` here."],
                     f"Use `{target}`.", view.replaced(node, f"{source}.{target}") if node is not None else "")


def wrong_type(error: BaseException, view: View) -> Diagnosis | None:
    """A method of another type: ``lst.lower()``, ``arr.append(x)``, ``df.str``; a Series for a DataFrame."""
    obj, name, source = _target(error, view)
    if obj is MISSING or not name:
        return None
    kind = "DataFrame" if is_frame(obj) else "Series" if is_series(obj) else "ndarray" if is_ndarray(obj) \
        else type(obj).__name__
    entry = WRONG_TYPE.get((kind, name))
    if entry and entry[0]:
        fact, fix, template = entry
        return Diagnosis(f"AttributeError: '{kind}' object has no attribute '{name}'",
                         [f"`{source or 'the value'}` is {describe(obj)}: {fact}"], fix,
                         template.format(obj=source or "x"))
    if is_series(obj) and name in attribute_names(""):  # a text method on a column: through .str
        node = _attribute_node(view, name)
        return Diagnosis(f"AttributeError: 'Series' object has no attribute '{name}'",
                         [f"`{source}` is a Series; text methods such as `{name}` apply to each value through `.str`."],
                         f"Use `.str.{name}`.", view.replaced(node, f"{source}.str.{name}") if node is not None else "")
    if is_series(obj) and name in ("year", "month", "day", "hour", "minute", "weekday", "dayofweek", "date",
                                   "day_name", "month_name", "quarter"):
        node = _attribute_node(view, name)
        return Diagnosis(f"AttributeError: 'Series' object has no attribute '{name}'",
                         [f"`{source}` is a Series; date parts such as `{name}` are reached through `.dt`."],
                         f"Use `.dt.{name}` (after `pd.to_datetime` if the column holds text).",
                         view.replaced(node, f"{source}.dt.{name}") if node is not None else "")
    import sys

    pandas = sys.modules.get("pandas")
    frame_type = getattr(pandas, "DataFrame", None)
    if frame_type is not None and not is_frame(obj) and not is_series(obj) and hasattr(frame_type, name) \
            and (is_ndarray(obj) or type(obj) in (list, dict, tuple)) and not hasattr(type(obj), name):
        return Diagnosis(f"AttributeError: '{type(obj).__name__}' object has no attribute '{name}'",
                         [f"`{source}` is {describe(obj)}, not a DataFrame: `.{name}` belongs to DataFrames."] +
                         (["NumPy arrays come out of `.values`, `to_numpy()` and scikit-learn's `fit_transform`/"
                           "`train_test_split` on arrays."] if is_ndarray(obj) else []),
                         "Make it a DataFrame first (or use the DataFrame it came from).",
                         view.replaced(_attribute_node(view, name), f"pd.DataFrame({source}).{name}")
                         if _attribute_node(view, name) is not None else f"pd.DataFrame({source}).{name}")
    if is_series(obj):
        frame_type = getattr(pandas, "DataFrame", None)
        if frame_type is not None and hasattr(frame_type, name):
            inner = source
            match = re.match(r"^(.+)\[(['\"].+['\"])\]$", source or "")
            code = f"{match.group(1)}[[{match.group(2)}]].{name}" if match else ""
            return Diagnosis(f"AttributeError: 'Series' object has no attribute '{name}'",
                             [f"`{inner or 'the value'}` is a Series (one column), and `.{name}` belongs to "
                              f"DataFrames."],
                             "Keep a DataFrame by selecting with a list of columns (double brackets).", code)
    return None


def own_class(error: BaseException, view: View) -> Diagnosis | None:
    """``obj.name`` on an object of the learner's class: ``name`` set as a local in ``__init__`` (no ``self.``),
    or ``__init__`` misspelt so it never ran."""
    obj, name, source = _target(error, view)
    if obj is MISSING or not name or type(obj).__module__ != "__main__" or isinstance(obj, type):
        return None
    cls = type(obj)
    title = f"AttributeError: '{cls.__name__}' object has no attribute '{name}'"
    init = vars(cls).get("__init__")
    misspelt = [n for n in vars(cls) if isinstance(n, str) and n != "__init__"
                and n.strip("_").lower() in ("init", "int", "innit", "intit", "inti")]
    if init is None and misspelt:
        return Diagnosis(title, [f"`{cls.__name__}` defines `{misspelt[0]}`, not `__init__`, so it never ran and never "
                                 f"set `self.{name}`."], "Rename the method `__init__` (two underscores on each side), "
                                 "then create the object again.", "def __init__(self, ...):")
    code = getattr(init, "__code__", None)
    if code is not None and name in code.co_varnames[code.co_argcount:]:
        return Diagnosis(title, [f"In `{cls.__name__}.__init__`, `{name} = ...` makes a local variable that disappears "
                                 f"when `__init__` ends; the object keeps only what is stored as `self.{name}`."],
                         f"Write `self.{name} = ...` in `__init__`, then create the object again.",
                         f"self.{name} = {name}")
    if code is not None and name in code.co_varnames[1:code.co_argcount]:
        return Diagnosis(title, [f"`{name}` is a parameter of `{cls.__name__}.__init__`, but `__init__` does not store "
                                 f"it on the object."], f"Add `self.{name} = {name}` in `__init__`, then create the "
                                 "object again.", f"self.{name} = {name}")
    return None


def close_attribute(error: BaseException, view: View) -> Diagnosis | None:
    """The closest attribute names of that object (``df.colums`` -> ``columns``), or a column by that name."""
    obj, name, source = _target(error, view)
    if obj is MISSING or not name:
        return None
    kind = type(obj).__name__ if type(obj).__name__ != "module" else f"module '{getattr(obj, '__name__', '?')}'"
    title = f"AttributeError: {kind if kind.startswith('module') else repr(kind) + ' object'} has no attribute '{name}'"
    node = _attribute_node(view, name)
    what = source or "the object"
    called = node is not None and any(isinstance(n, ast.Call) and n.func is node for n in view.nodes_on_line())
    if is_frame(obj) and not called:
        columns = [c for c in columns_of(obj) if isinstance(c, str)]
        near_columns = close_matches(name, columns)
        if near_columns:
            best = near_columns[0]
            code = view.replaced(node, f"{source}[{best!r}]") if node is not None else f"{source}[{best!r}]"
            return Diagnosis(title, [f"`{what}` has no attribute or column `{name}`.",
                                     f"It has a column {best!r} (it differs {how_it_differs(name, best)}); "
                                     "columns are safest to reach with brackets."],
                             f"Select the column {best!r} with brackets.", code)
    candidates = attribute_names(obj)
    near = [n for n in close_matches(name, candidates, cutoff=0.7) if len(n) > 1]
    if not near:  # df.sort -> sort_values, sort_index
        near = [n for n in candidates if n.lower().startswith(name.lower() + "_")][:3]
    shadow = _shadowing_file(obj)
    if shadow:
        return Diagnosis(title, [f"`{what}` is your own file {shadow}, not the library of that name: "
                                 "it hides the library."], f"Rename {shadow} (and delete its `__pycache__`), "
                                 "then restart the kernel.", "")
    if not near:
        facts = [f"`{what}` is {describe(obj)}, which has no attribute `{name}`."]
        if is_frame(obj):
            columns = columns_of(obj)
            if len(columns) <= 20:
                facts.append(f"Its columns are: {quoted_list(columns)}.")
        return Diagnosis(title, facts, f"List what it has with `dir({what})`, or check its type with `type({what})`.",
                         f"type({what})" if source else "")
    best = near[0]
    facts = [f"`{what}` is {describe(obj)}; it has no `{name}`, but it has `{best}` "
             f"(it differs {how_it_differs(name, best)})."]
    if len(near) > 1:
        facts.append("Other near names: " + ", ".join(f"`{n}`" for n in near[1:]) + ".")
    code = view.replaced(node, f"{view.segment(node.value)}.{best}") if node is not None else ""
    return Diagnosis(title, facts, f"Use `{best}`.", code)


def _shadowing_file(obj: Any) -> str:
    """A learner's file named like a library (``pandas.py``) imported instead of it."""
    if type(obj).__name__ != "module":
        return ""
    path = getattr(obj, "__file__", "") or ""
    from .imports import DISTRIBUTIONS, WELL_KNOWN
    from .view import is_library_file

    base = (getattr(obj, "__name__", "") or "").split(".")[0]
    if path and not is_library_file(path) and (base in DISTRIBUTIONS or base in WELL_KNOWN):
        return path
    return ""


RULES = {AttributeError: [none_value, removed_name, accessor, synonym, wrong_type, own_class, close_attribute]}
