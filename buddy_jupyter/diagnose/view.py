"""What the rules look at: the error, the learner's failing line and its objects, read safely.

Nothing here runs learner code: names are looked up in frames and the namespace, attributes
are read statically unless the object comes from a library we know (pandas, NumPy, the
standard library), values are described by their type, and only small builtin values are
shown with ``repr``.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import os
import re
import sysconfig
from functools import cached_property
from inspect import getattr_static
from typing import Any, Mapping

from .matching import safe_contains, short

_MISSING = object()
_TRUSTED = {"pandas", "numpy", "builtins", "collections", "datetime", "decimal", "fractions", "pathlib", "re"}
_CELL_NAME = re.compile(r"^<ipython-input-\d+-|[\\/]ipykernel_\d+[\\/]")
_LIBRARY_DIRS = tuple({os.path.normcase(p) for key in ("stdlib", "platstdlib", "purelib", "platlib")
                       if (p := sysconfig.get_paths().get(key))})
MAX_FRAMES = 200
"""Frames read from a traceback (a RecursionError has thousands)."""


def top_module(value: Any) -> str:
    return (type(value).__module__ or "").split(".")[0]


def is_pandas(value: Any, *names: str) -> bool:
    """Is ``value`` a pandas object of one of these class names (subclasses too)?"""
    if top_module(value) != "pandas" and not any(
            (c.__module__ or "").startswith("pandas") for c in type(value).__mro__[1:]):
        return False
    return any(c.__name__ in names and (c.__module__ or "").startswith("pandas") for c in type(value).__mro__)


def is_frame(value: Any) -> bool:
    return is_pandas(value, "DataFrame")


def is_series(value: Any) -> bool:
    return is_pandas(value, "Series")


def is_ndarray(value: Any) -> bool:
    return top_module(value) == "numpy" and type(value).__name__ == "ndarray"


def columns_of(frame: Any) -> list[Any]:
    try:
        return list(frame.columns[:5000])
    except Exception:
        return []


def shape_of(value: Any) -> tuple | None:
    if is_frame(value) or is_series(value) or is_ndarray(value) or is_pandas(value, "Index"):
        try:
            shape = value.shape
            return tuple(int(n) for n in shape)
        except Exception:
            return None
    return None


def dtype_of(value: Any) -> str:
    try:
        return str(value.dtype) if (is_series(value) or is_ndarray(value) or is_pandas(value, "Index")) else ""
    except Exception:
        return ""


def describe(value: Any) -> str:
    """A few words on a value, without calling its repr: 'a DataFrame with 3 rows and 2 columns'."""
    try:
        if value is None:
            return "None"
        if is_frame(value):
            rows, cols = shape_of(value) or (0, 0)
            return f"a DataFrame with {rows:,} rows and {cols} columns"
        if is_series(value):
            return f"a Series of {len(value):,} values (dtype {dtype_of(value)})"
        if is_ndarray(value):
            return f"a NumPy array of shape {shape_of(value)} (dtype {dtype_of(value)})"
        kind = type(value)
        if kind in (list, tuple, set, dict, frozenset):
            return f"a {kind.__name__} of {len(value)} items"
        if kind is str:
            return f"the text {short(value)}"
        if kind in (int, float, bool, complex):
            return f"the {kind.__name__} {value!r}"
        if kind.__name__ == "module":
            return f"the module `{getattr_static(value, '__name__', '?')}`"
        if callable(value) and kind.__name__ in ("function", "builtin_function_or_method", "method", "type"):
            return f"the {'class' if isinstance(value, type) else 'function'} `{getattr(value, '__name__', '?')}`"
        article = "an" if kind.__name__[:1].lower() in "aeiou" else "a"
        return f"{article} {kind.__name__}"
    except Exception:
        return f"a {type(value).__name__}"


def is_library_file(filename: str) -> bool:
    name = os.path.normcase(filename or "")
    return name.startswith("<frozen") or name.startswith(_LIBRARY_DIRS) or "site-packages" in name


class Frame:
    """One traceback entry: its frame, line and, from Python 3.11, the exact span that failed."""

    def __init__(self, tb: Any):
        self.frame = tb.tb_frame
        self.code = tb.tb_frame.f_code
        self.filename = self.code.co_filename
        self.lineno = tb.tb_lineno
        self.span: tuple[int, int, int, int] | None = None
        try:
            positions = list(self.code.co_positions())[tb.tb_lasti // 2]
            if None not in positions:
                self.span = positions  # (line, end line, column, end column), columns in UTF-8 bytes
        except Exception:
            pass

    @property
    def is_user(self) -> bool:
        """A notebook cell, or the learner's own ``.py`` file (not a library, not compiled ``.pyx`` code)."""
        name = self.filename
        return in_cell(name) or (os.path.isabs(name) and name.endswith(".py") and not is_library_file(name))


class View:
    """The error and what surrounds it, built lazily; every rule gets the same one."""

    def __init__(self, error: BaseException, namespace: Mapping[str, Any], shell: Any = None):
        self.error = error
        self.namespace = namespace if namespace is not None else {}
        self.shell = shell
        self.frames: list[Frame] = []
        self.depth = 0
        """How many frames the traceback has (a RecursionError has thousands; only MAX_FRAMES are read)."""
        tb = getattr(error, "__traceback__", None)
        inner: list[Any] = []
        while tb is not None:
            self.depth += 1
            if len(self.frames) < MAX_FRAMES:
                self.frames.append(Frame(tb))
            else:
                inner.append(tb)
                if len(inner) > MAX_FRAMES:
                    inner.pop(0)
            tb = tb.tb_next
        self.frames += [Frame(t) for t in inner]  # very deep: keep the innermost ones too

    # -- the learner's failing line ----------------------------------------------------

    @cached_property
    def user_frame(self) -> Frame | None:
        """The innermost frame running the learner's code (a cell or their own module)."""
        for frame in reversed(self.frames):
            if frame.is_user and not frame.filename.endswith(("interactiveshell.py",)):
                return frame
        return None

    @cached_property
    def library_frames(self) -> list[Frame]:
        """Frames inside libraries below the learner's line, outermost first."""
        user = self.user_frame
        if user is None:
            return []
        index = self.frames.index(user)
        return [f for f in self.frames[index + 1:] if not f.is_user]

    @cached_property
    def cell_lines(self) -> list[str]:
        frame = self.user_frame
        if frame is None:
            return []
        return linecache.getlines(frame.filename)

    @cached_property
    def cell_source(self) -> str:
        return "".join(self.cell_lines)

    @cached_property
    def tree(self) -> ast.AST | None:
        try:
            return ast.parse(self.cell_source) if self.cell_source else None
        except (SyntaxError, ValueError):
            return None

    @cached_property
    def line(self) -> str:
        """The failing line of the learner's code, stripped ('' when unknown)."""
        frame = self.user_frame
        if frame is None or not self.cell_lines or frame.lineno > len(self.cell_lines):
            return ""
        return self.cell_lines[frame.lineno - 1].strip()

    @cached_property
    def node(self) -> ast.AST | None:
        """The expression that failed (e.g. the ``df['score']`` subscript), from the frame's exact span."""
        frame = self.user_frame
        if frame is None or frame.span is None or self.tree is None:
            return None
        line, end_line, col, end_col = frame.span
        for node in ast.walk(self.tree):
            if (getattr(node, "lineno", None) == line and getattr(node, "end_lineno", None) == end_line
                    and node.col_offset == col and node.end_col_offset == end_col):
                if isinstance(node, ast.expr):
                    return node
        return None

    def nodes_on_line(self) -> list[ast.AST]:
        """Every AST node on the failing line (the failing node's own subtree first); computed once."""
        return self._line_nodes

    @cached_property
    def _line_nodes(self) -> list[ast.AST]:
        found: list[ast.AST] = []
        if self.node is not None:
            found += list(ast.walk(self.node))
        frame = self.user_frame
        if frame is None or self.tree is None:
            return found
        for node in ast.walk(self.tree):
            start = getattr(node, "lineno", None)
            if start is None:
                continue
            if isinstance(node, ast.stmt):
                if start == frame.lineno:
                    found.append(node)
            elif start <= frame.lineno <= (node.end_lineno or start):
                found.append(node)
        return found

    def segment(self, node: ast.AST) -> str:
        try:
            return ast.get_source_segment(self.cell_source, node) or ""
        except Exception:
            return ""

    def replaced(self, node: ast.AST, text: str) -> str:
        """The failing line(s) with ``node``'s source replaced by ``text`` (the corrected line)."""
        lines = self.cell_lines
        if not lines or getattr(node, "lineno", None) is None:
            return ""
        first, last = node.lineno - 1, node.end_lineno - 1
        head = lines[first].encode()[: node.col_offset].decode(errors="ignore")
        tail = lines[last].encode()[node.end_col_offset:].decode(errors="ignore")
        block = head + text + tail
        return _dedent(block.rstrip("\n"))

    def line_with(self, old: str, new: str) -> str:
        """The failing line with the first ``old`` replaced by ``new`` (when the node is unknown)."""
        return self.line.replace(old, new, 1) if old and old in self.line else ""

    # -- values ------------------------------------------------------------------------

    def lookup(self, name: str) -> Any:
        """The value of a name as the failing line saw it, or ``MISSING``."""
        frame = self.user_frame
        scopes = []
        if frame is not None:
            scopes += [frame.frame.f_locals, frame.frame.f_globals]
        scopes += [self.namespace]
        for scope in scopes:
            try:
                if name in scope:
                    return scope[name]
            except Exception:
                continue
        return getattr(builtins, name, _MISSING)

    def resolve(self, node: ast.AST | None) -> Any:
        """The value of a simple expression (names, safe attributes, constant subscripts), or ``MISSING``."""
        if node is None:
            return _MISSING
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return _MISSING if base is _MISSING else safe_getattr(base, node.attr)
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value)
            key = self.resolve(node.slice)
            if base is _MISSING or key is _MISSING:
                return _MISSING
            try:
                if type(base) in (dict, list, tuple, str):
                    return base[key]
                if is_frame(base) and type(key) is str and safe_contains(columns_of(base), key):
                    return base[key]
            except Exception:
                return _MISSING
        return _MISSING

    def user_names(self) -> dict[str, Any]:
        """The learner's names: the failing frame's locals and the notebook namespace (no _ or IPython's)."""
        names: dict[str, Any] = {}
        scopes = [self.namespace]
        frame = self.user_frame
        if frame is not None and frame.frame.f_locals is not frame.frame.f_globals:
            scopes.append(frame.frame.f_locals)
        for scope in scopes:
            try:
                for key in list(scope)[:5000]:
                    if isinstance(key, str) and not key.startswith("_") and key not in _IPYTHON_NAMES:
                        names[key] = scope[key]
            except Exception:
                continue
        return names

    def library_self(self, predicate) -> Any:
        """The first ``self`` in the library frames below the learner's line that matches, or MISSING."""
        for frame in self.library_frames[:40]:
            try:
                value = frame.frame.f_locals.get("self", _MISSING)
            except Exception:
                continue
            if value is not _MISSING and predicate(value):
                return value
        return _MISSING


MISSING = _MISSING
_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def safe_getattr(value: Any, name: str) -> Any:
    """An attribute without running learner code: static lookup, or a real one on trusted libraries."""
    try:
        if type(value).__name__ == "module":
            return value.__dict__.get(name, _MISSING)
        if top_module(value) in _TRUSTED or isinstance(value, (list, dict, tuple, set, str, int, float)):
            return getattr(value, name, _MISSING)
        found = getattr_static(value, name, _MISSING)
        if found is _MISSING or hasattr(type(found), "__get__") and not callable(found):
            return _MISSING  # a property of an unknown class would run its code
        return found
    except Exception:
        return _MISSING


def attribute_names(value: Any) -> list[str]:
    """Attribute names of a value, from its type and its instance dictionary (no ``__dir__`` call)."""
    names: set[str] = set()
    try:
        for klass in type(value).__mro__:
            names.update(k for k in vars(klass) if isinstance(k, str))
        if type(value).__name__ == "module":
            names.update(k for k in value.__dict__ if isinstance(k, str))
        else:
            instance = getattr_static(value, "__dict__", None)
            if isinstance(instance, dict):
                names.update(k for k in instance if isinstance(k, str))
    except Exception:
        pass
    return sorted(n for n in names if not n.startswith("_"))


def _dedent(text: str) -> str:
    lines = text.splitlines()
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[indent:] for l in lines)


def first_name(node: ast.AST | None) -> str:
    """The name at the root of an expression: ``df`` for ``df.loc['a']['b']``."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def cell_number(filename: str, shell: Any = None) -> int | None:
    mapping = getattr(getattr(shell, "compile", None), "_filename_map", None) or {}
    if filename in mapping:
        return mapping[filename]
    match = re.match(r"<ipython-input-(\d+)-", filename or "")
    return int(match.group(1)) if match else None


def in_cell(filename: str) -> bool:
    return bool(_CELL_NAME.search(filename or ""))
