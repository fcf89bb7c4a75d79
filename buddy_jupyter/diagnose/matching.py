"""Close matches: case-, space- and underscore-insensitive first, then by similarity."""

from __future__ import annotations

import difflib
import re
from typing import Any, Iterable

MAX_CANDIDATES = 20_000
"""Beyond this many names (a big index), no similarity search: it would cost seconds."""

_NOISE = re.compile(r"[\s_\-.]+")


def normalize(text: str) -> str:
    return _NOISE.sub("", text).lower()


def how_it_differs(wanted: str, found: str) -> str:
    """A few words on how two near names differ, e.g. 'only in upper/lower case'."""
    if wanted.lower() == found.lower():
        return "only in upper/lower case"
    if wanted.strip() == found.strip():
        return "only in spaces at the start or end"
    if normalize(wanted) == normalize(found):
        return "only in spaces, underscores or case"
    return "by a few letters"


def close_matches(wanted: Any, candidates: Iterable[Any], n: int = 3, cutoff: float = 0.6) -> list[Any]:
    """The candidates closest to ``wanted`` (strings only), best first; [] when none is close."""
    if not isinstance(wanted, str):
        return []
    names: list[str] = []
    for i, candidate in enumerate(candidates):
        if i >= MAX_CANDIDATES:
            return [c for c in names if normalize(c) == normalize(wanted)][:n] if len(names) < MAX_CANDIDATES else []
        if isinstance(candidate, str) and candidate != wanted:
            names.append(candidate)
    key = normalize(wanted)
    same = [c for c in names if normalize(c) == key]
    if same:
        return same[:n]
    lowered: dict[str, str] = {}
    for c in names:
        lowered.setdefault(c.lower(), c)
    found = difflib.get_close_matches(wanted.lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[f] for f in found]


def quoted_list(items: Iterable[Any], limit: int = 15) -> str:
    """``'a', 'b', 'c'`` (with '… and N more' past ``limit``)."""
    items = list(items)
    shown = ", ".join(short(i) for i in items[:limit])
    return shown + (f" … and {len(items) - limit} more" if len(items) > limit else "")


def short(value: Any, limit: int = 40) -> str:
    """A repr for small builtin values only (str, numbers, bool, None); the type name otherwise."""
    if value is None or type(value) in (bool, int, float, complex):
        return repr(value)
    if type(value) is str:
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 2] + "…'"
    if type(value) is tuple and len(value) <= 4:
        return "(" + ", ".join(short(v, limit) for v in value) + ("," if len(value) == 1 else "") + ")"
    module = type(value).__module__
    if module.split(".")[0] == "numpy" and type(value).__name__.startswith(("int", "float", "bool", "str")):
        try:
            return repr(value.item())
        except Exception:
            pass
    return f"a {type(value).__name__}"


def safe_contains(labels: Iterable[Any], key: Any) -> bool:
    """``key in labels``, comparing only labels of the key's own type (no learner ``__eq__`` runs)."""
    try:
        return any(type(label) is type(key) and label == key for label in labels)
    except Exception:
        return False
