"""The import arrow runs one way: the magics import the commands, no command module imports the magics."""

from __future__ import annotations

import ast
from pathlib import Path

import buddy_jupyter.commands

COMMANDS = Path(buddy_jupyter.commands.__file__).parent
FORBIDDEN = "buddy_jupyter.magics"


def imported_modules(source: str, package: str) -> set[str]:
    """Every module ``source`` imports (at the top or inside a function), relative ones resolved
    against ``package``; ``from X import name`` counts as both ``X`` and ``X.name``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def magics_imports(source: str, package: str = "buddy_jupyter.commands") -> set[str]:
    return {m for m in imported_modules(source, package) if m == FORBIDDEN or m.startswith(FORBIDDEN + ".")}


def test_no_command_module_imports_the_magics():
    files = sorted(COMMANDS.rglob("*.py"))
    assert len(files) >= 7  # __init__, table, context and the command modules
    offenders = {str(f.relative_to(COMMANDS)): magics_imports(f.read_text(encoding="utf-8")) for f in files}
    assert {f: found for f, found in offenders.items() if found} == {}


def test_the_check_sees_every_way_of_importing_the_magics():
    for source in ("from ..magics import BuddyMagics", "from .. import magics", "import buddy_jupyter.magics",
                   "from buddy_jupyter import magics", "from buddy_jupyter.magics import kernel_buddy",
                   "def handler():\n    from ..magics import kernel_buddy\n"):
        assert magics_imports(source), source
    for source in ("from .table import arg", "from ..models import PROVIDERS", "import buddy_jupyter.magicsx",
                   "from ..commands import magics_like"):
        assert not magics_imports(source), source
