"""NameError, in Thonny's order: a misspelling, missing quotes, a missing import, a name defined
in a cell that has not run since the kernel started, a name defined only inside a function."""

from __future__ import annotations

import ast
import builtins
from itertools import islice
import importlib.util
import re
import sys
from . import history
from .diagnosis import Diagnosis
from .matching import close_matches, how_it_differs, safe_contains
from .view import View, columns_of, describe, is_frame

# Well-known aliases and names, and the import that defines them (knowledge as data).
IMPORTS = {
    "pd": "import pandas as pd", "np": "import numpy as np", "plt": "import matplotlib.pyplot as plt",
    "sns": "import seaborn as sns", "px": "import plotly.express as px", "go": "import plotly.graph_objects as go",
    "tf": "import tensorflow as tf", "sm": "import statsmodels.api as sm", "smf": "import statsmodels.formula.api as smf",
    "mpl": "import matplotlib as mpl", "sp": "import scipy as sp", "stats": "from scipy import stats",
    "dt": "import datetime as dt", "datetime": "from datetime import datetime", "date": "from datetime import date",
    "timedelta": "from datetime import timedelta", "Path": "from pathlib import Path",
    "Counter": "from collections import Counter", "defaultdict": "from collections import defaultdict",
    "namedtuple": "from collections import namedtuple", "deque": "from collections import deque",
    "display": "from IPython.display import display", "Markdown": "from IPython.display import Markdown",
    "train_test_split": "from sklearn.model_selection import train_test_split",
    "LinearRegression": "from sklearn.linear_model import LinearRegression",
    "LogisticRegression": "from sklearn.linear_model import LogisticRegression",
    "accuracy_score": "from sklearn.metrics import accuracy_score",
    "mean_squared_error": "from sklearn.metrics import mean_squared_error",
    "StandardScaler": "from sklearn.preprocessing import StandardScaler",
    "KMeans": "from sklearn.cluster import KMeans", "tqdm": "from tqdm import tqdm", "glob": "import glob",
    "sqrt": "from math import sqrt", "pi": "from math import pi", "randint": "from random import randint",
    "sleep": "from time import sleep", "pprint": "from pprint import pprint", "reduce": "from functools import reduce",
    "partial": "from functools import partial", "dataclass": "from dataclasses import dataclass",
}
_WORD = re.compile(r"^[A-Za-z]+$")
# Words from other languages (JSON, JavaScript, R, SQL) and Python's spelling of them.
OTHER_LANGUAGES = {"true": "True", "false": "False", "none": "None", "null": "None", "nil": "None",
                   "undefined": "None", "nan": "np.nan", "na": "np.nan", "inf": "np.inf", "infinity": "np.inf"}
_FILE_SUFFIXES = ("csv", "txt", "xlsx", "xls", "json", "parquet", "tsv", "png", "jpg", "py", "ipynb", "zip", "pkl", "db")


def _name(error: BaseException) -> str:
    name = getattr(error, "name", None)
    if name:
        return name
    match = re.search(r"name '(\w+)' is not", str(error))
    return match.group(1) if match else ""


def _name_nodes(view: View, name: str) -> list[ast.Name]:
    return [n for n in view.nodes_on_line() if isinstance(n, ast.Name) and n.id == name]


def _replace_name(view: View, name: str, text: str) -> str:
    nodes = _name_nodes(view, name)
    return view.replaced(nodes[0], text) if nodes else (re.sub(rf"\b{re.escape(name)}\b", text, view.line, 1)
                                                         if view.line else "")


def _title(error: BaseException, name: str) -> str:
    return f"NameError: name '{name}' is not defined"


def file_name_without_quotes(error: BaseException, view: View) -> Diagnosis | None:
    """``pd.read_csv(sales.csv)``: a file name written without quotes."""
    name = _name(error)
    match = re.search(rf"(?<![\w.'\"]){re.escape(name)}((?:\.\w+)*\.({'|'.join(_FILE_SUFFIXES)}))\b", view.line)
    if not name or not match:
        return None
    written = name + match.group(1)
    return Diagnosis(_title(error, name), [f"`{written}` looks like a file name, but without quotes Python reads "
                                           f"`{name}` as a variable."],
                     "Put the file name in quotes.", view.line.replace(written, repr(written), 1))


def spelling(error: BaseException, view: View) -> Diagnosis | None:
    """A misspelling of a defined name (yours first, then Python's builtins)."""
    name = _name(error)
    if not name:
        return None
    mine = view.user_names()
    near = close_matches(name, list(mine), cutoff=0.7)
    source = "yours"
    if not near:  # Python's own names: only near-certain typos (a learner's word is not `sorted`)
        candidates = [n for n in dir(builtins) if not n.startswith("_")]
        near = [n for n in close_matches(name, candidates, cutoff=0.8) if n[:1].lower() == name[:1].lower()] or \
            [n for n in candidates if len(n) == len(name) and sorted(n.lower()) == sorted(name.lower())]
        source = "builtin"
    if name.lower() in OTHER_LANGUAGES and not (near and source == "yours"):
        word = OTHER_LANGUAGES[name.lower()]
        if word in ("np.nan", "np.inf") and not any(type(v).__name__ == "module" and getattr(v, "__name__", "") == "numpy"
                                                    for v in mine.values()):
            word = f"float('{word[3:]}')"
        return Diagnosis(_title(error, name), [f"Python writes `{name}` as `{word}`."], f"Use `{word}`.",
                         _replace_name(view, name, word))
    if not near:
        return None
    best = near[0]
    if name in IMPORTS and how_it_differs(name, best) == "by a few letters":
        return None  # `pd` is a missing import, not a misspelt `df`
    if source == "yours" and best in mine:
        fact = f"`{best}` is defined ({describe(mine[best])}); `{name}` differs from it {how_it_differs(name, best)}."
    else:
        fact = f"Python has `{best}`; `{name}` differs from it {how_it_differs(name, best)}."
    facts = [fact]
    if len(near) > 1:
        facts.append("Other near names: " + ", ".join(f"`{n}`" for n in near[1:]) + ".")
    return Diagnosis(_title(error, name), facts, f"Use `{best}`.", _replace_name(view, name, best))


def key_without_quotes(error: BaseException, view: View) -> Diagnosis | None:
    """``df[Score]`` or ``print(Score)`` where 'Score' is a column (or a dict's key): it needs quotes.

    Tried before spelling (unlike Thonny's order): an exact column name is stronger evidence
    than a near variable name."""
    name = _name(error)
    if not name:
        return None
    for node in view.nodes_on_line():
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == name:
            value = view.resolve(node.value)
            keys = columns_of(value) if is_frame(value) else list(islice(value, 5000)) if isinstance(value, dict) else []
            if safe_contains(keys, name):
                what = "column" if is_frame(value) else "key"
                return Diagnosis(_title(error, name), [f"`{view.segment(node.value)}` has a {what} {name!r}: "
                                                       f"without quotes Python looks for a variable `{name}`."],
                                 f"Put the {what} name in quotes.", view.replaced(node.slice, repr(name)))
    frames = [(owner, value) for owner, value in list(view.user_names().items())[:500] if is_frame(value)]
    for owner, frame in frames:
        if safe_contains(columns_of(frame), name):
            return Diagnosis(_title(error, name), [f"{name!r} is a column of `{owner}`, not a variable: a column is "
                                                   f"reached through its DataFrame."],
                             f"Write `{owner}[{name!r}]`.", _replace_name(view, name, f"{owner}[{name!r}]"))
    return None


def missing_quotes(error: BaseException, view: View) -> Diagnosis | None:
    """The name looks like text: a word compared with text, printed, or assigned."""
    name = _name(error)
    if not name:
        return None
    text_like = False
    for node in view.nodes_on_line():
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Name) and o.id == name for o in operands) and \
                    any(type(view.resolve(o)) is str for o in operands):
                text_like = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "input") \
                and any(isinstance(a, ast.Name) and a.id == name for a in node.args):
            text_like = True
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id == name:
            text_like = True
    if text_like and _WORD.match(name) and name not in IMPORTS:
        return Diagnosis(_title(error, name), [f"`{name}` is not a variable here; it looks like text you meant to "
                                               "write, and text needs quotes."],
                         "If you meant the word itself, put it in quotes.", _replace_name(view, name, repr(name)))
    return None


def missing_import(error: BaseException, view: View) -> Diagnosis | None:
    """``pd``, ``np``, ``plt``, ``sns``... used before the import that defines them (or a module by name)."""
    name = _name(error)
    statement = IMPORTS.get(name)
    if statement is None and (name in sys.modules or name in getattr(sys, "stdlib_module_names", ())):
        statement = f"import {name}"
    if statement is None:
        return None
    module = statement.split()[1].split(".")[0]
    facts = [f"`{name}` is defined by `{statement}`, which has not run in this kernel."]
    fix = "Run the import first (put imports in the first cell of the notebook)."
    code = statement
    try:
        installed = module in sys.modules or importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        installed = False
    if not installed:
        from .imports import distribution

        facts.append(f"The module `{module}` is not installed in this kernel's environment either.")
        fix = "Install it, then run the import."
        code = f"%pip install {distribution(module)}\n{statement}"
    return Diagnosis(_title(error, name), facts, fix, code)


def query_column(error: BaseException, view: View) -> Diagnosis | None:
    """``df.query('score > 70')``: a name in a query string is a column name; the closest column."""
    name = _name(error)
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr in ("query", "eval") and n.args and isinstance(n.args[0], ast.Constant)
                 and isinstance(n.args[0].value, str) and name in n.args[0].value), None)
    if not name or call is None:
        return None
    frame = view.resolve(call.func.value)
    if not is_frame(frame):
        return None
    near = close_matches(name, [c for c in columns_of(frame) if isinstance(c, str)])
    owner = view.segment(call.func.value)
    if not near:
        return Diagnosis(_title(error, name), [f"`{owner}` has no column `{name}`, so the query reads it as a variable."],
                         "Use a column name, or `@name` for a variable of the notebook.", "")
    fixed = re.sub(rf"\b{re.escape(name)}\b", near[0] if near[0].isidentifier() else f"`{near[0]}`",
                   call.args[0].value, 1)
    return Diagnosis(_title(error, name), [f"In a query, names are columns of `{owner}`; it has no `{name}` but has "
                                           f"{near[0]!r} (it differs {how_it_differs(name, near[0])})."],
                     "Use the column's exact name.", view.replaced(call.args[0], repr(fixed)))


def module_prefix(error: BaseException, view: View) -> Diagnosis | None:
    """``DataFrame(...)`` with pandas imported as ``pd``: the name lives inside a module you have."""
    name = _name(error)
    if not name:
        return None
    for alias, value in view.user_names().items():
        if type(value).__name__ != "module":
            continue
        members = getattr(value, "__dict__", {})
        if name in members and not name.startswith("_"):
            return Diagnosis(_title(error, name), [f"`{name}` lives inside the module `{alias}` "
                                                   f"(`{getattr(value, '__name__', alias)}`), which you imported: "
                                                   f"its names are reached as `{alias}.{name}`."],
                             f"Write `{alias}.{name}`.", _replace_name(view, name, f"{alias}.{name}"))
    return None


def defined_later_in_cell(error: BaseException, view: View) -> Diagnosis | None:
    """The name is defined further down in the same cell."""
    name = _name(error)
    frame = view.user_frame
    if not name or frame is None or view.tree is None:
        return None
    for statement in getattr(view.tree, "body", []):
        if statement.lineno > frame.lineno and history.defines(view.segment(statement) or "", name):
            return Diagnosis(_title(error, name), [f"`{name}` is defined further down in this cell (line "
                                                   f"{statement.lineno}: `{view.cell_lines[statement.lineno - 1].strip()}`), "
                                                   f"after line {frame.lineno} uses it."],
                             "Define it before using it: move that line up.", "")
    return None


def not_run_since_restart(error: BaseException, view: View) -> Diagnosis | None:
    """The name is defined in a cell that has not run since the kernel started."""
    name = _name(error)
    if not name or view.shell is None:
        return None
    where, line = history.defined_elsewhere(view.shell, name, view.cell_source)
    if not where:
        return None
    if where == "stopped":
        return Diagnosis(_title(error, name), [f"A cell that ran in this session defines `{name}` (`{line}`), but it "
                                               f"stopped with an error before that line ran, or `{name}` was deleted "
                                               "since."],
                         "Fix that cell and run it again; then run this one.", line)
    return Diagnosis(_title(error, name), [f"`{name}` is defined in {where}: `{line}`.",
                                           "A restarted kernel forgets every variable until the cells that make them "
                                           "run again."],
                     f"Run the cell that defines `{name}` again (or Run All Above), before this one.", line)


def local_to_function(error: BaseException, view: View) -> Diagnosis | None:
    """The name exists only inside one of your functions (a local variable)."""
    name = _name(error)
    if not name:
        return None
    for owner, value in view.user_names().items():
        code = getattr(value, "__code__", None)
        if code is None or type(value).__name__ != "function":
            continue
        if name in code.co_varnames or name in code.co_cellvars:
            is_argument = name in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
            kind = "a parameter" if is_argument else "a local variable"
            facts = [f"`{name}` is {kind} of your function `{owner}()`: it exists only while `{owner}` runs."]
            if is_argument:
                return Diagnosis(_title(error, name), facts, "Give the value a name outside the function "
                                 "before using it here.", "")
            return Diagnosis(_title(error, name), facts,
                             f"Make `{owner}` `return {name}` and keep the result: `{name} = {owner}(...)`.",
                             f"{name} = {owner}(...)")
    return None


def unknown_name(error: BaseException, view: View) -> Diagnosis | None:
    name = _name(error)
    if not name:
        return None
    return Diagnosis(_title(error, name), [f"No cell that has run in this kernel defines `{name}`, and it is not "
                                           "a Python builtin."],
                     f"Define `{name}` (or import it) in a cell above, and run that cell first.", "")


# Thonny's order, with two changes: an exact column or key name (strong evidence) comes before
# spelling, and a word that merely looks like text comes after every check that finds a real
# definition (a learner's `print(result)` is more often a local variable than a missing quote).
RULES = {NameError: [file_name_without_quotes, query_column, key_without_quotes, spelling, missing_import, module_prefix,
                     defined_later_in_cell,
                     not_run_since_restart, local_to_function, missing_quotes, unknown_name]}
