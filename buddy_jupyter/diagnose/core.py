"""The rule runner: the rules of each error family, tried in order, most specific class first.

A rule is a function ``(error, view) -> Diagnosis | None``; each family module lists its
rules in ``RULES`` (exception class -> ordered rules). Adding a case is adding a function
to one list and a test. Nothing here may raise into the learner's cell: a rule that fails
is skipped, and any other failure gives None (the caller falls back to the traceback text).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from .diagnosis import Diagnosis
from .recorder import last_problem
from .view import View

log = logging.getLogger(__name__)

Rule = Callable[[BaseException, View], "Diagnosis | None"]


def _table() -> dict[type, list[Rule]]:
    from . import attributes, files, imports, keys, misc, names, syntax, types, values

    table: dict[type, list[Rule]] = {}
    # misc first: UnboundLocalError (a NameError) and RecursionError (a RuntimeError) are specific
    for module in (misc, keys, attributes, names, imports, files, types, values, syntax):
        for kind, rules in module.RULES.items():
            table.setdefault(kind, []).extend(rules)
    return table


_RULES: dict[type, list[Rule]] | None = None


def rules_for(error: BaseException) -> list[Rule]:
    global _RULES
    if _RULES is None:
        _RULES = _table()
    found: list[Rule] = []
    for kind in type(error).__mro__:  # the most specific class's rules first
        found += [rule for rule in _RULES.get(kind, ()) if rule not in found]
    return found


def diagnose(error: BaseException, *, namespace: Mapping[str, Any], shell: Any = None) -> Diagnosis | None:
    """The first diagnosis a rule finds for ``error``, or None (never raises)."""
    try:
        if type(error).__module__ == "__main__":
            return None  # the learner's own exception class: its message may run their code
        view = View(error, namespace, shell)
        for rule in rules_for(error):
            try:
                found = rule(error, view)
            except Exception as failure:  # a broken rule must not hide the others
                log.debug("diagnose: rule %s failed: %r", getattr(rule, "__name__", rule), failure)
                continue
            if found is not None:
                found.rule = found.rule or rule.__name__
                return found
        return None
    except Exception as failure:
        log.debug("diagnose failed: %r", failure)
        return None


def diagnose_warning(record: Any, *, namespace: Mapping[str, Any], shell: Any = None) -> Diagnosis | None:
    """A diagnosis of a recorded warning (see ``recorder``), or None (never raises)."""
    try:
        from . import warnings as warning_rules

        return warning_rules.diagnose(record, namespace, shell)
    except Exception as failure:
        log.debug("diagnose_warning failed: %r", failure)
        return None


def diagnose_last(shell: Any = None, *, namespace: Mapping[str, Any] | None = None) -> Diagnosis | None:
    """The diagnosis of the notebook's last error (or of its last warning when that came later)."""
    try:
        if shell is None:
            from IPython import get_ipython

            shell = get_ipython()
        if namespace is None:
            namespace = getattr(shell, "user_ns", None) or {}
        kind, problem = last_problem()
        if kind == "warning":
            return diagnose_warning(problem, namespace=namespace, shell=shell)
        if kind == "error":
            return diagnose(problem, namespace=namespace, shell=shell)
        return None
    except Exception as failure:
        log.debug("diagnose_last failed: %r", failure)
        return None
