"""The code picture: a question travels one way through the package.

Every runtime import (at the top of a module or inside a function; ``if TYPE_CHECKING:`` blocks are
annotations, not arrows) must point to the same layer or a lower one, and no module may import,
directly or through others, a module that imports it back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "buddy_jupyter"
ROOT = "buddy_jupyter"
"""The package itself: every module imports it first anyway, and it holds only ``__version__`` and the
extension's two hooks, so ``from .. import __version__`` is no arrow."""

LAYERS: list[set[str]] = [
    {"errors", "lazy", "safe_paths", "locate", "models", "formats", "schema", "transcript", "config"},
    {"store"},
    {"tutor", "diagnose", "analytics", "interop", "export"},
    {"engine"},
    {"course"},
    {"state", "display", "activity"},
    {"ask"},
    {"commands", "sidebar", "cli", "__main__"},
    {"magics"},
    {"__init__", "autoload"},
]
"""Bottom to top. A room may use the rooms below it, never one above."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports at run time."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                visit(ast.Module(body=child.orelse, type_ignores=[]))
                continue
            if isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([child.module] if child.module else []))
                targets = [f"{base}.{a.name}" for a in child.names] + [base]
            else:
                visit(child)
                continue
            for target in targets:
                while target and target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name and target != ROOT:
                    found.add(target)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, modules) for name, path in paths.items()}


def _rank(room: str) -> int:
    for rank, rooms in enumerate(LAYERS):
        if room in rooms:
            return rank
    raise AssertionError(f"the room {room!r} is in no layer: add it to LAYERS")


def test_every_import_points_down_or_across():
    upward = [
        f"{module} -> {target}"
        for module, targets in _graph().items()
        for target in targets
        if _rank(_room(target)) > _rank(_room(module))
    ]
    assert upward == []


def test_no_import_circle_between_rooms():
    graph = _graph()
    rooms: dict[str, set[str]] = {}
    for module, targets in graph.items():
        rooms.setdefault(_room(module), set()).update(_room(t) for t in targets if _room(t) != _room(module))
    circles = [f"{a} <-> {b}" for a in rooms for b in rooms[a] if a < b and a in rooms.get(b, set())]
    assert circles == []


def _planted(tmp_path: Path, source: str) -> set[str]:
    """What the checker finds ``buddy_jupyter/store/x.py`` importing, in a planted package."""
    package = tmp_path / "buddy_jupyter"
    for folder in ("store", "engine"):
        (package / folder).mkdir(parents=True, exist_ok=True)
        (package / folder / "__init__.py").write_text("")
    (package / "engine" / "turn.py").write_text("")
    (package / "store" / "sql.py").write_text("")
    (package / "store" / "x.py").write_text(source)
    global PACKAGE
    saved, PACKAGE = PACKAGE, package
    try:
        return _graph()["buddy_jupyter.store.x"]
    finally:
        PACKAGE = saved


@pytest.mark.parametrize("source", [
    "from ..engine import turn", "from ..engine.turn import Turn", "import buddy_jupyter.engine.turn",
    "from buddy_jupyter.engine import turn", "from .. import engine", "def f():\n    from ..engine.turn import Turn\n",
    "if TYPE_CHECKING:\n    pass\nelse:\n    from ..engine import turn\n",
])
def test_the_checker_sees_every_spelling_of_an_import(tmp_path, source):
    assert _planted(tmp_path, source) & {"buddy_jupyter.engine", "buddy_jupyter.engine.turn"}


@pytest.mark.parametrize("source", [
    "if TYPE_CHECKING:\n    from ..engine.turn import Turn\n", "from .sql import X", "import buddy_jupyter_x.engine",
    "from .. import __version__",
])
def test_the_checker_ignores_what_is_no_arrow(tmp_path, source):
    assert not _planted(tmp_path, source) & {"buddy_jupyter.engine", "buddy_jupyter.engine.turn"}
