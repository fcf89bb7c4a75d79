"""Errors read from the live kernel: the exact cause and the fix, never running learner code.

``diagnose(error, namespace=...)`` and ``diagnose_last(shell)`` try small rules, one module
per error family (keys, attributes, names, imports, files, types, values, syntax, misc,
warnings), in order, and return a ``Diagnosis`` or None. Importing this package imports
nothing heavy: the rules load when a diagnosis is asked for.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Diagnosis", "diagnose", "diagnose_last", "diagnose_warning"]


def __getattr__(name: str) -> Any:  # lazy: %load_ext must stay nearly free
    if name == "Diagnosis":
        from .diagnosis import Diagnosis

        return Diagnosis
    if name in ("diagnose", "diagnose_last", "diagnose_warning"):
        from . import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
