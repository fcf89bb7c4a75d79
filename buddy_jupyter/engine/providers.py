"""Which model runs: a model string such as ``openai:gpt-4o-mini`` becomes a ``ModelRunner``.

``runner_for`` is the one decision: a model registered at run time (``models.register_runner``),
else the offline buddy, else a real provider's runner from the builders below, kept in a
``RunnerCache`` while its name and endpoint stay the same (it holds an HTTP client).

pydantic-ai and the provider SDKs cost seconds to import, so nothing here imports them until
a real model is resolved, and then only the configured provider's.

``openai:`` always uses the Chat Completions API (``OpenAIChatModel``): OpenAI-compatible
servers (vLLM, LM Studio, llama.cpp) have nothing else, and it is the path the tests drive.
``openai-chat:`` is the same thing under its explicit name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..models import KNOWN, registered_factory
from .events import ModelError, ModelRunner, ProviderAuthError

if TYPE_CHECKING:
    from pydantic_ai.models import Model

    from .pydantic_runner import PydanticAIRunner

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434/v1"
NO_KEY = "not-needed"  # the OpenAI client insists on some key; local servers ignore it


def runner_for(model: str, *, offline: Callable[[], ModelRunner], cache: "RunnerCache",
               base_url: str | None = None) -> ModelRunner:
    """The runner that answers as ``model``: ``ValueError`` for a name no provider knows; a model that
    cannot be set up (no key, a missing library) answers with its error, which the turn records."""
    factory = registered_factory(model.split(":", 1)[0])
    if factory is not None:
        return factory(model)
    if model.strip() == "offline":
        return offline()
    try:
        return cache.get(model, base_url)
    except ModelError as error:
        return FailedRunner(model, error)


class FailedRunner:
    """A model that could not be set up: it raises its error when asked, like a failing provider."""

    def __init__(self, model: str, error: ModelError):
        self.provider_id, _, self.model_id = model.partition(":")
        self.error = error

    def stream(self, request: object, cancel: object):
        raise self.error
        yield  # a generator, like every runner


class RunnerCache:
    """One real model's runner, kept while the model and base URL stay the same."""

    def __init__(self) -> None:
        self._kept: tuple[tuple[str, str | None], ModelRunner] | None = None

    def get(self, model: str, base_url: str | None) -> ModelRunner:
        key = (model, base_url or None)
        if self._kept is not None and self._kept[0] == key:
            return self._kept[1]
        self.close()
        runner = resolve_runner(model, base_url=base_url or None)
        if runner is None:
            raise ValueError(f"{model!r} is not a remote model")
        self._kept = (key, runner)
        return runner

    def close(self) -> None:
        if self._kept is not None:
            close = getattr(self._kept[1], "close", None)
            self._kept = None
            if close is not None:
                close()


def resolve_runner(
    model: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    retry_delays: Sequence[float] | None = None,
) -> ModelRunner | None:
    """The runner for ``model``, or ``None`` for ``offline`` (the caller runs the offline buddy).

    ``base_url`` (else ``OPENAI_BASE_URL``) points ``openai:`` at an OpenAI-compatible server;
    ``retry_delays`` overrides the waits between retries of transient failures.
    Raises ``ValueError`` for an unknown model string, ``ProviderAuthError`` when the key is
    missing and ``ModelError`` when the provider's library is not installed.
    """
    model = model.strip()
    if model == "offline":
        return None
    prefix, _, name = model.partition(":")
    build = _BUILDERS.get(prefix)
    if build is None or not name:
        raise ValueError(f"unknown model {model!r}; use {KNOWN}")
    runner = build(name, base_url, api_key)
    if retry_delays is not None:
        runner.retry_delays = tuple(retry_delays)
    return runner


def _openai(name: str, base_url: str | None, api_key: str | None) -> PydanticAIRunner:
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    if base_url:
        key = api_key or os.environ.get("OPENAI_API_KEY") or NO_KEY
    else:
        key = _key("openai", api_key, "OPENAI_API_KEY")
    with _extra("openai"):
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider
    provider = OpenAIProvider(base_url=base_url, api_key=key)
    model = OpenAIChatModel(name, provider=provider)
    return _runner(model, "openai", name, endpoint=provider.base_url, key_env="OPENAI_API_KEY", key=key)


def _ollama(name: str, base_url: str | None, api_key: str | None) -> PydanticAIRunner:
    base_url = base_url or os.environ.get("OLLAMA_BASE_URL") or OLLAMA_DEFAULT_URL
    key = api_key or os.environ.get("OLLAMA_API_KEY") or NO_KEY
    with _extra("openai"):
        # Chat Completions too, but Ollama's provider picks per-family profiles (tool schemas, thinking).
        from pydantic_ai.models.ollama import OllamaModel
        from pydantic_ai.providers.ollama import OllamaProvider
    provider = OllamaProvider(base_url=base_url, api_key=key)
    model = OllamaModel(name, provider=provider)
    return _runner(model, "ollama", name, endpoint=provider.base_url, key_env="OLLAMA_API_KEY", key=key)


def _anthropic(name: str, base_url: str | None, api_key: str | None) -> PydanticAIRunner:
    key = _key("anthropic", api_key, "ANTHROPIC_API_KEY")
    with _extra("anthropic"):
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider
    model = AnthropicModel(name, provider=AnthropicProvider(api_key=key, base_url=base_url))
    endpoint = base_url or "https://api.anthropic.com"
    return _runner(model, "anthropic", name, endpoint=endpoint, key_env="ANTHROPIC_API_KEY", key=key)


def _google(name: str, base_url: str | None, api_key: str | None) -> PydanticAIRunner:
    key = _key("google", api_key, "GOOGLE_API_KEY", "GEMINI_API_KEY")
    with _extra("google"):
        from pydantic_ai.models.google import GoogleModel
        from pydantic_ai.providers.google import GoogleProvider
    model = GoogleModel(name, provider=GoogleProvider(api_key=key))
    endpoint = "https://generativelanguage.googleapis.com"
    return _runner(model, "google", name, endpoint=endpoint, key_env="GOOGLE_API_KEY", key=key)


def _runner(model: Model, provider_id: str, name: str, *, endpoint: str, key_env: str, key: str) -> PydanticAIRunner:
    from .pydantic_runner import PydanticAIRunner

    secrets = [key] if key != NO_KEY else []
    return PydanticAIRunner(
        model, provider_id=provider_id, model_id=name, endpoint=endpoint, key_env=key_env, secrets=secrets
    )


def _key(provider: str, given: str | None, *env_names: str) -> str:
    """The API key from the argument or the environment, or a one-line error naming the variable."""
    key = given or next((os.environ[n] for n in env_names if os.environ.get(n)), None)
    if not key:
        raise ProviderAuthError(f"no API key for {provider}: set the {env_names[0]} environment variable")
    return key


@contextmanager
def _extra(extra: str) -> Iterator[None]:
    """Imports from pydantic-ai's ``extra``: a missing library is one line saying what to install."""
    try:
        yield
    except ImportError as exc:
        raise ModelError(f'the {extra} provider needs an extra library: '
                         f'pip install "pydantic-ai-slim[{extra}]"') from exc


_BUILDERS: dict[str, Callable[[str, str | None, str | None], PydanticAIRunner]] = {
    "openai": _openai,
    "openai-chat": _openai,
    "ollama": _ollama,
    "anthropic": _anthropic,
    "google": _google,
}
