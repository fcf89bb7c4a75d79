"""A pydantic-ai model as a ``ModelRunner``.

The kernel's own asyncio loop is busy on the main thread (``run_sync`` fails there), so every
run goes to one shared event loop on a daemon thread and its events come back through a
``queue.Queue`` to the caller's plain iterator. HTTP clients bind to the loop that first uses
them, so keeping all runs on that single loop also keeps each provider on one client.

Importing this module imports pydantic-ai (a second or more); ``providers.py`` imports it
only when a real model is resolved.
"""

from __future__ import annotations

import asyncio
import json
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

import fastjsonschema
from pydantic_ai import Agent, RetryModelRequest, RunContext
from pydantic_ai import exceptions as pai_errors
from pydantic_ai import messages as pai
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.models import Model, ModelRequestContext
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.models.test import TestModel
from pydantic_ai.tools import Tool as PydanticTool
from pydantic_ai.toolsets import FunctionToolset

from . import events as ev

DEFAULT_RETRY_DELAYS = (0.5, 1.0)
MAX_RETRY_AFTER = 5.0  # longest provider-requested wait we honour before retrying
_POLL = 0.05  # how often the consumer checks ``cancel`` while waiting for an event
_CLEANUP_WAIT = 0.5  # how long a cancelled consumer waits for the run to close its connection
_DONE = object()

Emit = Callable[[object], None]


# --- the shared background loop -------------------------------------------------------------

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The event loop every model run uses, started on a daemon thread on first use."""
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="buddy-model-loop", daemon=True).start()
            _loop = loop
        return _loop


# --- the runner -----------------------------------------------------------------------------


class PydanticAIRunner:
    """Streams answers from a pydantic-ai ``Model``.

    ``retry_delays`` are the waits before each retry of a request that failed transiently
    (429, 5xx, unreachable server) before producing output; its length is the number of
    retries. ``secrets`` are strings (API keys) scrubbed from every error message; they are
    kept only for that. ``endpoint`` names the server in connection errors.
    """

    def __init__(
        self,
        model: Model,
        *,
        provider_id: str,
        model_id: str,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        endpoint: str | None = None,
        key_env: str | None = None,
        secrets: Sequence[str] = (),
    ):
        self.provider_id = provider_id
        self.model_id = model_id
        self.model = model
        self.retry_delays = tuple(retry_delays)
        self.endpoint = (endpoint or getattr(model, "base_url", None) or provider_id).rstrip("/")
        self.key_env = key_env
        self._secrets = tuple(s for s in secrets if s)
        # pydantic-ai's test models make up their token counts from the text.
        self._estimates_usage = isinstance(model, (FunctionModel, TestModel))
        # Our own retries replace the SDK's (``max_retries``), so a retry is visible as an event.
        self._agent = Agent(model, name="buddy", model_settings={"max_retries": 0}, retries={"tools": 2})
        self._entered = False  # whether the agent (and so the provider's HTTP client) is open

    def __repr__(self) -> str:
        return f"PydanticAIRunner({self.provider_id}:{self.model_id})"

    def close(self) -> None:
        """Close the provider's HTTP connections; a later run opens new ones."""
        if self._entered:
            self._entered = False
            exit_agent = self._agent.__aexit__(None, None, None)
            asyncio.run_coroutine_threadsafe(exit_agent, background_loop()).result(timeout=5)

    def stream(self, request: ev.ModelRequest, cancel: threading.Event) -> Iterator[ev.ModelEvent]:
        events: queue.Queue[object] = queue.Queue()
        finished = threading.Event()
        future = asyncio.run_coroutine_threadsafe(self._run(request, events.put_nowait, finished), background_loop())
        try:
            while not cancel.is_set():
                try:
                    item = events.get(timeout=_POLL)
                except queue.Empty:
                    continue
                if item is _DONE or cancel.is_set():
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            # Reached on cancel, on an error, on KeyboardInterrupt in the consumer and when the
            # consumer drops the generator: stop the run so its HTTP stream is closed.
            if not future.done():
                future.cancel()
                finished.wait(_CLEANUP_WAIT)

    async def _run(self, request: ev.ModelRequest, emit: Emit, finished: threading.Event) -> None:
        outcome: object = _DONE
        try:
            await self._drive(request, emit)
        except Exception as exc:  # every failure reaches the consumer, as a ModelError
            outcome = self.describe_error(exc)
        finally:
            emit(outcome)  # after a cancel nobody reads it, which is fine
            finished.set()

    async def _drive(self, request: ev.ModelRequest, emit: Emit) -> None:
        if not self._entered:
            # Entered once, so its pooled connections last across runs until ``close``.
            self._entered = True
            await self._agent.__aenter__()
        retry = _RetryTransient(emit=emit, delays=self.retry_delays, describe=self.describe_error)
        toolsets = [FunctionToolset([_to_pydantic_tool(t) for t in request.tools])] if request.tools else None
        finish_reason: str | None = None
        async with self._agent.iter(
            request.prompt,
            message_history=_to_history(request.history),
            instructions=request.system or None,
            toolsets=toolsets,
            capabilities=[retry],
        ) as run:
            async for node in run:
                if Agent.is_model_request_node(node):
                    emit(ev.StepStart())
                    async with node.stream(run.ctx) as stream:
                        async for event in stream:
                            if (delta := _delta(event)) is not None:
                                emit(delta)
                        response = stream.response
                    finish_reason = response.finish_reason
                    emit(self._step_finish(response))
                elif Agent.is_call_tools_node(node):
                    async with node.stream(run.ctx) as stream:
                        async for event in stream:
                            if (tool_event := _tool_event(event)) is not None:
                                emit(tool_event)
        if finish_reason == "length":
            # pydantic-ai returns cut-off text as a normal result; the turn must know it was cut.
            raise ev.MessageOutputLengthError("the answer was cut off at the model's output token limit")

    def _step_finish(self, response: pai.ModelResponse) -> ev.StepFinish:
        usage = response.usage
        return ev.StepFinish(
            reason=response.finish_reason or "stop",
            usage=ev.Usage(
                input=usage.input_tokens,
                output=usage.output_tokens,
                reasoning=usage.output_reasoning_tokens,
                cache_read=usage.cache_read_tokens,
                cache_write=usage.cache_write_tokens,
            ),
            cost=float(usage.cost) if usage.cost is not None else None,
            # ``unmeasured_requests``: the provider sent no usage, so the zeros are no measurement.
            estimated=self._estimates_usage or usage.unmeasured_requests > 0,
        )

    def describe_error(self, exc: BaseException) -> ev.ModelError:
        """``exc`` as one of the events.py errors, on one line, with secrets scrubbed."""
        error = _classify(exc, endpoint=self.endpoint, key_env=self.key_env)
        message = " ".join(error.message.split())
        for secret in self._secrets:
            message = message.replace(secret, "***")
        message = _KEY_PATTERN.sub("***", message)
        return type(error)(message, status_code=error.status_code, retryable=error.retryable)


# --- retries --------------------------------------------------------------------------------


@dataclass
class _RetryTransient(AbstractCapability[Any]):
    """Retry a model request that failed before any output reached the consumer.

    With an ``on_model_request_error`` hook, pydantic-ai opens each streamed request and pulls
    its first event before handing it over, so a failure up to then lands here and can be
    retried by raising ``RetryModelRequest``; later failures propagate. This retries one
    request step, so tools that already ran are not run again.
    """

    emit: Emit
    delays: tuple[float, ...]
    describe: Callable[[BaseException], ev.ModelError]
    _: KW_ONLY
    id: str | None = "buddy_retry_transient"

    async def on_model_request_error(
        self, ctx: RunContext[Any], *, request_context: ModelRequestContext, error: Exception
    ) -> pai.ModelResponse:
        attempt = request_context.attempt  # 1 for the first try
        described = self.describe(error)
        if not described.retryable or attempt > len(self.delays):
            raise error
        self.emit(ev.Retry(attempt=attempt, error=described.message, status_code=described.status_code))
        delay = self.delays[attempt - 1]
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
        await asyncio.sleep(delay)
        raise RetryModelRequest()


# --- translation between our types and pydantic-ai's ------------------------------------------


def _to_history(history: Sequence[ev.HistoryMessage]) -> list[pai.ModelMessage]:
    messages: list[pai.ModelMessage] = []
    for message in history:
        if not message.text:
            continue  # an answer interrupted before any text; an empty part only confuses models
        if message.role == "user":
            messages.append(pai.ModelRequest(parts=[pai.UserPromptPart(message.text)]))
        else:
            messages.append(pai.ModelResponse(parts=[pai.TextPart(message.text)]))
    return messages


def _to_pydantic_tool(tool: ev.Tool) -> PydanticTool[Any]:
    # ``from_schema`` skips argument validation, so a model's wrong arguments would reach the
    # function as a TypeError and end the run; check them here and let the model correct itself.
    # fastjsonschema (already an nbformat dependency) imports quickly; jsonschema is slow to import.
    validate = fastjsonschema.compile(tool.parameters)

    def call(**kwargs: Any) -> str:
        try:
            arguments = validate(kwargs)  # also fills in schema defaults
        except fastjsonschema.JsonSchemaValueException as exc:
            problem = re.sub(r"^data\b", "arguments", exc.message)
            raise pai_errors.ModelRetry(f"invalid arguments for {tool.name}: {problem}") from exc
        try:
            return tool.function(**arguments)
        except ev.ToolError as exc:
            # ToolFailed reaches the model as a failed result and the run goes on; a plain
            # exception would end the whole run.
            raise pai_errors.ToolFailed(str(exc)) from exc
        except Exception as exc:  # a bug in the tool ends the run, naming the tool
            raise ev.ModelError(f"tool {tool.name!r} crashed: {type(exc).__name__}: {exc}") from exc

    return PydanticTool.from_schema(call, name=tool.name, description=tool.description, json_schema=tool.parameters)


def _delta(event: object) -> ev.TextDelta | ev.ReasoningDelta | None:
    """Text or reasoning that streamed: a part's first words, or what a delta adds to it."""
    if isinstance(event, pai.PartStartEvent):
        piece, text = event.part, getattr(event.part, "content", None)
    elif isinstance(event, pai.PartDeltaEvent):
        piece, text = event.delta, getattr(event.delta, "content_delta", None)
    else:
        return None
    if text and isinstance(piece, (pai.TextPart, pai.TextPartDelta)):
        return ev.TextDelta(text)
    if text and isinstance(piece, (pai.ThinkingPart, pai.ThinkingPartDelta)):
        return ev.ReasoningDelta(text)
    return None


def _tool_event(event: object) -> ev.ToolCall | ev.ToolResult | None:
    if isinstance(event, pai.FunctionToolCallEvent):
        part = event.part
        return ev.ToolCall(call_id=part.tool_call_id, tool_name=part.tool_name, args=part.args_as_dict())
    if isinstance(event, pai.FunctionToolResultEvent):
        part = event.part
        text = part.model_response_str(wrap_if_error=False)
        if part.outcome == "success":
            return ev.ToolResult(call_id=part.tool_call_id, tool_name=part.tool_name, output=text)
        return ev.ToolResult(call_id=part.tool_call_id, tool_name=part.tool_name, error=text or part.outcome)
    return None


# --- errors ---------------------------------------------------------------------------------

# Provider key shapes (OpenAI/Anthropic ``sk-...``, Google ``AIza...``), scrubbed even when the
# key in the message is not the one we sent.
_KEY_PATTERN = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{3,}|AIza[A-Za-z0-9_\-]{20,})")


def _classify(exc: BaseException, *, endpoint: str, key_env: str | None) -> ev.ModelError:
    if isinstance(exc, ev.ModelError):
        return exc
    status: int | None = getattr(exc, "status_code", None)
    detail = _detail(exc)
    if isinstance(exc, pai_errors.OutputTokenLimitExceeded):
        return ev.MessageOutputLengthError(f"the answer was cut off at the model's output token limit: {detail}")
    if isinstance(exc, pai_errors.ModelContextWindowExceededError):
        return ev.ContextOverflowError(f"the conversation is too long for the model: {detail}", status_code=status)
    if isinstance(exc, pai_errors.ModelAuthenticationError) or status in (401, 403):
        hint = f"; check {key_env}" if key_env else ""
        return ev.ProviderAuthError(
            f"{endpoint} rejected the credentials (HTTP {status}): {detail}{hint}", status_code=status
        )
    if isinstance(exc, pai_errors.ModelConnectionError):
        return ev.APIError(_connection_message(exc, endpoint), retryable=True)
    if isinstance(exc, pai_errors.ModelQuotaExceededError):
        return ev.APIError(f"the provider says the account's quota is used up: {detail}", status_code=status)
    if isinstance(exc, pai_errors.ModelRateLimitError) or status == 429:
        return ev.APIError(f"rate limited by {endpoint} (HTTP 429): {detail}", status_code=429, retryable=True)
    if isinstance(exc, (pai_errors.ModelServerError, pai_errors.ModelUnavailableError)) or (status or 0) >= 500:
        return ev.APIError(f"{endpoint} failed (HTTP {status}): {detail}", status_code=status, retryable=True)
    if isinstance(exc, pai_errors.ModelAPIError):
        where = f" (HTTP {status})" if status else ""
        return ev.APIError(f"{endpoint} refused the request{where}: {detail}", status_code=status)
    if isinstance(exc, pai_errors.UnexpectedModelBehavior):
        return ev.ModelError(f"the model misbehaved: {detail}")
    return ev.ModelError(f"{type(exc).__name__}: {detail}")


def _detail(exc: BaseException) -> str:
    """The provider's own error message if it sent one, else the exception's, cut to one short line."""
    body = getattr(exc, "body", None)
    text: object = None
    if isinstance(body, dict):
        text = body.get("message")
        if text is None and isinstance(body.get("error"), dict):
            text = body["error"].get("message")
        if text is None:
            text = json.dumps(body)
    elif isinstance(body, str) and body:
        text = body
    line = " ".join(str(text or getattr(exc, "message", None) or exc or type(exc).__name__).split())
    return line if len(line) <= 300 else line[:297] + "..."


def _connection_message(exc: BaseException, endpoint: str) -> str:
    """What went wrong with the transport, from the chain of causes the SDKs wrap it in."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return f"could not reach {endpoint}: connection refused"
    if any(isinstance(e, TimeoutError) or "timeout" in type(e).__name__.lower() for e in chain):
        return f"could not reach {endpoint}: timed out"
    if getattr(exc, "phase", None) == "read" or "incomplete chunked read" in text or "peer closed" in text:
        return f"the connection to {endpoint} dropped in the middle of the answer"
    return f"could not reach {endpoint}: {_detail(exc)}"
