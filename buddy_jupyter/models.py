"""The one table of models: the providers a learner can name, what each needs, and how a name is checked.

Everything that lists, validates or explains model names reads this table (``%buddy model``,
``%buddy models``, ``%config Buddy.model``, the provider builders). Models added at run time
(scripted test models, plugins) register here too, so a name check sees them. Which runner a name
gets is decided in ``engine/providers.py``. Imported when the extension loads: it imports nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Provider:
    prefix: str
    example: str
    what: str
    key: str | None
    """The environment variable holding its API key, or None when it needs none."""
    listed: bool = True
    """Shown by ``%buddy models`` (``openai-chat`` is a spelling of ``openai``, not a choice of its own)."""


PROVIDERS = (
    Provider("offline", "offline", "the offline tutor: teaching notes, the installed documentation and your "
             "history; no key, no network", None),
    Provider("openai", "openai:gpt-4o-mini", "OpenAI (Chat Completions when Buddy.base_url is set)", "OPENAI_API_KEY"),
    Provider("openai-chat", "openai-chat:gpt-4o-mini", "an OpenAI-compatible server's Chat Completions",
             "OPENAI_API_KEY", listed=False),
    Provider("anthropic", "anthropic:claude-sonnet-4-5", "Anthropic (pip install 'pydantic-ai-slim[anthropic]')",
             "ANTHROPIC_API_KEY"),
    Provider("google", "google:gemini-2.5-flash", "Google Gemini (pip install 'pydantic-ai-slim[google]')",
             "GEMINI_API_KEY"),
    Provider("ollama", "ollama:llama3.2", "a local Ollama server (OLLAMA_BASE_URL, default 127.0.0.1:11434)", None),
)
PREFIXES = tuple(p.prefix for p in PROVIDERS)
KNOWN = ", ".join("offline" if p.prefix == "offline" else f"{p.prefix}:MODEL" for p in PROVIDERS)
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")


RunnerFactory = Callable[[str], Any]
"""Makes the runner for a full model name (``PREFIX:NAME``)."""
_REGISTERED: dict[str, RunnerFactory] = {}


def register_runner(prefix: str, factory: RunnerFactory) -> None:
    """Make ``PREFIX:...`` model names run through ``factory`` (scripted test models, plugins)."""
    _REGISTERED[prefix] = factory


def unregister_runner(prefix: str) -> None:
    _REGISTERED.pop(prefix, None)


def registered_factory(prefix: str) -> RunnerFactory | None:
    return _REGISTERED.get(prefix)


def registered_prefixes() -> set[str]:
    """The table's prefixes and those registered at run time."""
    return set(PREFIXES) | set(_REGISTERED)


def model_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a model (one line), or None: ``offline`` or ``PROVIDER:MODEL``."""
    if name == "offline":
        return None
    if not isinstance(name, str):
        return f"a model name is text, not {type(name).__name__}"
    prefix, colon, model = name.partition(":")
    if prefix not in registered_prefixes() or prefix == "offline":
        return (f"unknown model {name!r}; use offline or PROVIDER:MODEL with provider one of "
                + ", ".join(p for p in PREFIXES if p != "offline"))
    if not colon or not model.strip():
        return f"{name!r} names no model; use {prefix}:MODEL, e.g. openai:gpt-4o-mini"
    if not _MODEL_NAME.fullmatch(model):
        return f"{model!r} is not a model name (letters, digits and . _ : / @ + - only)"
    return None
