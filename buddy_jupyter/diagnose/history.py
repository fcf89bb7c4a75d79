"""Where a name was defined: this kernel's inputs, earlier kernels' inputs, the notebook file.

Reads IPython's input history (``shell.history_manager``: this session's cells in memory,
earlier sessions from its SQLite file) and the notebook's own ``.ipynb`` when the kernel
knows its path. Never runs any of it: cells are parsed with ``ast``.
"""

from __future__ import annotations

import ast
import json
import os
import re
from typing import Any, Iterator

MAX_NOTEBOOK_BYTES = 5_000_000
MAX_EARLIER = 2000
"""Inputs of earlier sessions read at most (newest first)."""


def current_inputs(shell: Any) -> list[str]:
    """The cells run in this kernel session, oldest first.

    From IPython's compile cache (every cell run, in order, also those run without storing
    history), else from the history manager's list of inputs."""
    names = list(getattr(getattr(shell, "compile", None), "_filename_map", None) or {})
    if names:
        import linecache

        return ["".join(linecache.getlines(name)) for name in names]
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or []
    return [cell for cell in history if isinstance(cell, str)]


def last_assignment(view: Any, name: str) -> str:
    """The last line of this session's cells that assigned ``name`` (``df = ...``), or ''."""
    if not name:
        return ""
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=(?!=)")
    for cell in reversed(current_inputs(view.shell)):
        lines = cell.splitlines()
        for index in range(len(lines) - 1, -1, -1):
            if pattern.match(lines[index]):
                return lines[index].strip()
    return ""


def defines(source: str, name: str) -> str:
    """The line of ``source`` that binds ``name`` at the top level of a cell, or ''."""
    if name not in source:
        return ""
    try:
        tree = ast.parse(_without_magics(source))
    except (SyntaxError, ValueError):
        return ""
    lines = source.splitlines()
    for statement in tree.body:
        bound = _bound_names(statement)
        if name in bound:
            line = lines[statement.lineno - 1].strip() if statement.lineno <= len(lines) else ""
            return line
    return ""


def _bound_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    names: set[str] = set()
    targets: list[ast.AST] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    elif isinstance(statement, (ast.For, ast.AsyncFor)):
        targets = [statement.target]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
    for target in targets:
        names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    if isinstance(statement, (ast.If, ast.Try, ast.For, ast.While, ast.With)):
        for child in statement.body:
            names |= _bound_names(child)
    return names


def _without_magics(source: str) -> str:
    """Lines starting with % or ! become blank (they are IPython, not Python)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def earlier_sessions(shell: Any, name: str) -> Iterator[str]:
    """Cells from earlier kernel sessions (IPython's history file) that mention ``name``, newest first."""
    manager = getattr(shell, "history_manager", None)
    if manager is None or not getattr(manager, "enabled", False):
        return
    current = getattr(manager, "session_number", None)
    try:
        found = manager.search(f"*{name}*", raw=True, output=False, n=MAX_EARLIER)
        for session, _line, source in reversed(list(found)):
            if session != current and isinstance(source, str):
                yield source
    except Exception:
        return


def notebook_cells(shell: Any) -> list[str]:
    """The code cells of this kernel's notebook file, when it is known and small enough."""
    path = _notebook_path(shell)
    if not path:
        return []
    try:
        if os.path.getsize(path) > MAX_NOTEBOOK_BYTES:
            return []
        with open(path, encoding="utf-8") as handle:
            notebook = json.load(handle)
        cells = []
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                cells.append("".join(source) if isinstance(source, list) else str(source))
        return cells
    except (OSError, ValueError, AttributeError):
        return []


def _notebook_path(shell: Any) -> str:
    try:
        from ..locate import notebook_path

        path = notebook_path(getattr(shell, "user_ns", None) or {})
        return str(path) if path and str(path).endswith(".ipynb") else ""
    except Exception:
        return ""


def defined_elsewhere(shell: Any, name: str, failing_cell: str = "") -> tuple[str, str]:
    """(where, the defining line) for a name bound in a cell whose definition has not run in this session:
    a cell of the notebook not run yet, a cell of this session that stopped before the line, a cell
    of an earlier kernel session (newest first)."""
    inputs = current_inputs(shell)
    ran = {cell.strip() for cell in inputs}
    for source in notebook_cells(shell):
        line = defines(source, name)
        if line and source.strip() not in ran:
            return "a cell of this notebook", line
    for source in reversed(inputs):
        line = defines(source, name)
        if line and source != failing_cell:
            return "stopped", line
    for source in earlier_sessions(shell, name):
        line = defines(source, name)
        if line:
            return "a cell you ran before the kernel restarted", line
    return "", ""
