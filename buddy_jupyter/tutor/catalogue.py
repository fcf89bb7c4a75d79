"""Which names' docstrings go into the docs index: what a learner meets.

Builtins and their types' methods, the stdlib modules of a first course, and the
installed pandas, NumPy and Matplotlib. Anything else a learner imports is read
live, on demand, when a question names it (``tutor.live``).
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import logging
import types
from typing import Any, Iterator

from .documents import Document, docstring_document, members, public_names

log = logging.getLogger(__name__)

STDLIB = ("math", "random", "statistics", "datetime", "collections", "itertools", "functools", "pathlib",
          "os.path", "json", "csv", "re", "string")
BUILTIN_TYPES = ("str", "list", "dict", "set", "frozenset", "tuple", "int", "float", "bytes", "range")
STDLIB_CLASSES = ("datetime.datetime", "datetime.date", "datetime.timedelta", "collections.Counter",
                  "collections.deque", "collections.OrderedDict", "pathlib.Path", "re.Pattern", "re.Match")
# (import path, public prefix): classes whose methods learners call.
LIBRARY_CLASSES = (
    ("pandas.DataFrame", "pandas.DataFrame"),
    ("pandas.Series", "pandas.Series"),
    ("pandas.Index", "pandas.Index"),
    ("pandas.core.strings.accessor.StringMethods", "pandas.Series.str"),
    ("pandas.core.indexes.accessors.CombinedDatetimelikeProperties", "pandas.Series.dt"),
    ("pandas.core.groupby.DataFrameGroupBy", "pandas.DataFrameGroupBy"),
    ("numpy.ndarray", "numpy.ndarray"),
    ("numpy.random.Generator", "numpy.random.Generator"),
    ("matplotlib.axes.Axes", "matplotlib.axes.Axes"),
    ("matplotlib.figure.Figure", "matplotlib.figure.Figure"),
)
LIBRARY_MODULES = ("pandas", "numpy", "numpy.random", "matplotlib.pyplot")
LIBRARIES = ("pandas", "numpy", "matplotlib")


def installed_libraries() -> dict[str, str]:
    """Library -> version, read from the installed metadata (no import): part of the index's key."""
    from importlib import metadata

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _resolve(path: str) -> Any:
    module_path, _, attr = path.rpartition(".")
    module = importlib.import_module(module_path)
    return getattr(module, attr)


def docstring_documents() -> Iterator[Document]:
    """Every docstring document, deduplicated by id."""
    seen: set[str] = set()

    def emit(pairs) -> Iterator[Document]:
        for name, obj in pairs:
            if isinstance(obj, types.ModuleType):
                continue
            document = docstring_document(name, obj)
            if document is not None and document.id not in seen:
                seen.add(document.id)
                yield document

    yield from emit((f"builtins.{n}", getattr(builtins, n)) for n in dir(builtins) if not n.startswith("_"))
    for type_name in BUILTIN_TYPES:
        yield from emit(members(getattr(builtins, type_name), type_name))
    for module_name in STDLIB:
        yield from emit(public_names(importlib.import_module(module_name), module_name))
    for class_path in STDLIB_CLASSES:
        yield from emit(members(_resolve(class_path), class_path))
    for module_name in LIBRARY_MODULES:
        if importlib.util.find_spec(module_name.split(".")[0]) is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # a broken install must not stop the index
            log.warning("skipped %s in the docs index: %s", module_name, error)
            continue
        yield from emit(public_names(module, module_name))
    for class_path, prefix in LIBRARY_CLASSES:
        if importlib.util.find_spec(class_path.split(".")[0]) is None:
            continue
        try:
            cls = _resolve(class_path)
        except Exception as error:
            log.warning("skipped %s in the docs index: %s", class_path, error)
            continue
        yield from emit(members(cls, prefix))
