"""The real-model path: resolve_runner + PydanticAIRunner through the real OpenAI client,
against the scripted local server in ``fake_openai.py``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pydantic_ai.models
import pytest

from buddy_jupyter.engine import events as ev
from buddy_jupyter.engine.providers import resolve_runner
from buddy_jupyter.engine.pydantic_runner import PydanticAIRunner
from tests.fake_openai import Drop, Endless, Fail, FakeOpenAI, FunctionCall, Reply, fake_openai, usage  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-test"


@pytest.fixture(autouse=True)
def allow_local_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    # Requests to the fake server on 127.0.0.1 are the point here, whatever other modules set.
    monkeypatch.setattr(pydantic_ai.models, "ALLOW_MODEL_REQUESTS", True)


_open_runners: list[Any] = []


@pytest.fixture(autouse=True)
def close_runners() -> Iterator[None]:
    yield
    while _open_runners:
        _open_runners.pop().close()


def runner_for(server: FakeOpenAI, *, retry_delays: tuple[float, ...] = (0.01, 0.01), url: str | None = None) -> Any:
    base_url = (url or server.url) + "/v1"
    runner = resolve_runner("openai:gpt-test", base_url=base_url, api_key=KEY, retry_delays=retry_delays)
    _open_runners.append(runner)
    return runner


def collect(server: FakeOpenAI, request: ev.ModelRequest) -> list[ev.ModelEvent]:
    return list(runner_for(server).stream(request, threading.Event()))


def of_type(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def add_tool(calls: list[dict[str, Any]]) -> ev.Tool:
    def add(a: int, b: int) -> str:
        calls.append({"a": a, "b": b})
        if a < 0:
            raise ev.ToolError("a must not be negative")
        return str(a + b)

    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}
    return ev.Tool("add", "Add two integers.", schema, add)


# --- streaming -------------------------------------------------------------------------------


def test_text_streams_as_ordered_deltas_between_step_start_and_finish(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["Merge ", "drops ", "rows ", "here."], usage=usage(12, 4, cached=5)))

    events = collect(fake_openai, ev.ModelRequest("why?"))

    assert isinstance(events[0], ev.StepStart)
    assert [e.text for e in of_type(events, ev.TextDelta)] == ["Merge ", "drops ", "rows ", "here."]
    assert events[-1] == ev.StepFinish(reason="stop", usage=ev.Usage(input=12, output=4, cache_read=5), estimated=False)


def test_missing_usage_is_flagged_estimated(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["hi"]))

    events = collect(fake_openai, ev.ModelRequest("hello"))

    assert events[-1].estimated is True


def test_reasoning_streams_as_reasoning_deltas(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["Answer."], reasoning=["Let me ", "think."], usage=usage(9, 6, reasoning=4)))

    events = collect(fake_openai, ev.ModelRequest("q"))

    kinds = [type(e).__name__ for e in events]
    assert kinds == ["StepStart", "ReasoningDelta", "ReasoningDelta", "TextDelta", "StepFinish"]
    assert "".join(e.text for e in of_type(events, ev.ReasoningDelta)) == "Let me think."
    assert events[-1].usage == ev.Usage(input=9, output=6, reasoning=4)


# --- tools -----------------------------------------------------------------------------------


def test_tool_round_trip(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(
        Reply(tool_calls=[FunctionCall("add", {"a": 2, "b": 3}, id="call_7")], usage=usage(20, 8)),
        Reply(["It is 5."], usage=usage(30, 3)),
    )
    calls: list[dict[str, Any]] = []

    events = collect(fake_openai, ev.ModelRequest("2+3?", tools=(add_tool(calls),)))

    assert calls == [{"a": 2, "b": 3}]
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["StepStart", "StepFinish", "ToolCall", "ToolResult", "StepStart", "TextDelta", "StepFinish"]
    assert events[1].reason == "tool_call"
    assert events[2] == ev.ToolCall(call_id="call_7", tool_name="add", args={"a": 2, "b": 3})
    assert events[3] == ev.ToolResult(call_id="call_7", tool_name="add", output="5")
    assert events[5] == ev.TextDelta("It is 5.")
    first, second = fake_openai.requests
    assert first["tools"][0]["function"]["name"] == "add"
    assert first["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]
    tool_message = second["messages"][-1]
    assert tool_message == {"role": "tool", "tool_call_id": "call_7", "content": "5"}


def test_tool_error_goes_back_to_the_model_and_the_run_continues(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(tool_calls=[FunctionCall("add", {"a": -1, "b": 3})]), Reply(["Sorry, negatives."]))
    calls: list[dict[str, Any]] = []

    events = collect(fake_openai, ev.ModelRequest("-1+3?", tools=(add_tool(calls),)))

    assert calls == [{"a": -1, "b": 3}]
    (result,) = of_type(events, ev.ToolResult)
    assert result.error == "a must not be negative"
    assert of_type(events, ev.TextDelta) == [ev.TextDelta("Sorry, negatives.")]
    tool_message = fake_openai.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool"
    assert "a must not be negative" in tool_message["content"]
    assert "error" in tool_message["content"]


def test_invalid_tool_arguments_are_sent_back_for_correction(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(tool_calls=[FunctionCall("add", {"a": 1})]), Reply(["ok"]))
    calls: list[dict[str, Any]] = []

    events = collect(fake_openai, ev.ModelRequest("1+?", tools=(add_tool(calls),)))

    assert calls == []  # the function never saw the bad call
    (result,) = of_type(events, ev.ToolResult)
    assert result.error == "invalid arguments for add: arguments must contain ['b'] properties"
    assert "arguments must contain ['b'] properties" in fake_openai.requests[1]["messages"][-1]["content"]


# --- what reaches the server -----------------------------------------------------------------


def test_system_history_and_prompt_reach_the_server(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["ok"]))
    history = (ev.HistoryMessage("user", "What is a merge?"), ev.HistoryMessage("assistant", "It joins tables."))

    collect(fake_openai, ev.ModelRequest("And a left merge?", system="You are a patient tutor.", history=history))

    (body,) = fake_openai.requests
    assert body["model"] == "gpt-test"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    messages = [(m["role"], m["content"]) for m in body["messages"]]
    assert messages == [
        ("system", "You are a patient tutor."),
        ("user", "What is a merge?"),
        ("assistant", "It joins tables."),
        ("user", "And a left merge?"),
    ]
    assert fake_openai.headers[0]["authorization"] == f"Bearer {KEY}"


# --- failures and retries --------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 429])
def test_transient_failures_are_retried_with_retry_events(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.push(Fail(status), Fail(status), Reply(["recovered"]))

    events = collect(fake_openai, ev.ModelRequest("q"))

    retries = of_type(events, ev.Retry)
    assert [(r.attempt, r.status_code) for r in retries] == [(1, status), (2, status)]
    assert of_type(events, ev.TextDelta) == [ev.TextDelta("recovered")]
    assert len(fake_openai.requests) == 3  # the SDK's own retries are off: ours are the only ones


def test_persistent_500_raises_api_error_after_retries(fake_openai: FakeOpenAI) -> None:
    fake_openai.always(Fail(500, "the GPU caught fire"))
    seen: list[ev.ModelEvent] = []

    with pytest.raises(ev.APIError) as caught:
        for event in runner_for(fake_openai).stream(ev.ModelRequest("q"), threading.Event()):
            seen.append(event)

    assert caught.value.status_code == 500
    assert caught.value.retryable is True
    assert "the GPU caught fire" in caught.value.message
    assert len(of_type(seen, ev.Retry)) == 2
    assert len(fake_openai.requests) == 3


def test_401_is_an_auth_error_that_never_shows_the_key(fake_openai: FakeOpenAI) -> None:
    fake_openai.always(Fail(401))

    with pytest.raises(ev.ProviderAuthError) as caught:
        collect(fake_openai, ev.ModelRequest("q"))

    message = caught.value.message
    assert KEY not in message and KEY not in str(caught.value)
    assert "401" in message and "OPENAI_API_KEY" in message
    assert "\n" not in message
    assert len(fake_openai.requests) == 1  # not worth retrying


def test_dropped_connection_fails_after_the_text_before_it(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Drop(["Half an ", "answer"]))
    seen: list[ev.ModelEvent] = []
    started = time.monotonic()

    with pytest.raises(ev.ModelError) as caught:
        for event in runner_for(fake_openai).stream(ev.ModelRequest("q"), threading.Event()):
            seen.append(event)

    assert time.monotonic() - started < 5
    assert [e.text for e in of_type(seen, ev.TextDelta)] == ["Half an ", "answer"]
    assert "dropped" in caught.value.message
    assert of_type(seen, ev.Retry) == []  # output had started: no retry
    assert len(fake_openai.requests) == 1


def test_unreachable_server_names_the_address() -> None:
    with FakeOpenAI() as server:
        url = server.url  # a port that was just free and is now closed
    runner = runner_for(server, url=url, retry_delays=(0.01,))
    seen: list[ev.ModelEvent] = []

    with pytest.raises(ev.APIError) as caught:
        for event in runner.stream(ev.ModelRequest("q"), threading.Event()):
            seen.append(event)

    assert caught.value.message == f"could not reach {url}/v1: connection refused"
    assert [r.attempt for r in of_type(seen, ev.Retry)] == [1]


def test_length_finish_raises_output_length_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["cut o"], finish_reason="length"))
    seen: list[ev.ModelEvent] = []

    with pytest.raises(ev.MessageOutputLengthError):
        for event in runner_for(fake_openai).stream(ev.ModelRequest("q"), threading.Event()):
            seen.append(event)

    assert of_type(seen, ev.TextDelta) == [ev.TextDelta("cut o")]
    assert seen[-1].reason == "length"


def test_context_overflow_is_its_own_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Fail(400, "This model's maximum context length is 8192 tokens", code="context_length_exceeded"))

    with pytest.raises(ev.ContextOverflowError) as caught:
        collect(fake_openai, ev.ModelRequest("q"))

    assert caught.value.status_code == 400
    assert len(fake_openai.requests) == 1


# --- cancellation ----------------------------------------------------------------------------


def test_cancel_ends_an_endless_stream_within_a_second(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Endless(interval=0.05))
    cancel = threading.Event()
    set_at: list[float] = []

    def fire() -> None:
        set_at.append(time.monotonic())
        cancel.set()

    timer = threading.Timer(0.3, fire)
    texts: list[str] = []
    timer.start()
    for event in runner_for(fake_openai).stream(ev.ModelRequest("go on forever"), cancel):
        if isinstance(event, ev.TextDelta):
            texts.append(event.text)
    ended = time.monotonic()
    timer.join()

    assert set_at and ended - set_at[0] < 1.0
    assert len(texts) >= 2  # it really was streaming when cancelled
    assert fake_openai.disconnected.wait(1.0)  # the HTTP stream was closed, not left running


def test_keyboard_interrupt_in_the_consumer_cancels_the_run(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Endless(interval=0.02))
    stream = runner_for(fake_openai).stream(ev.ModelRequest("q"), threading.Event())
    while not isinstance(next(stream), ev.TextDelta):
        pass

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stream.throw(KeyboardInterrupt)

    assert time.monotonic() - started < 1.0
    assert fake_openai.disconnected.wait(1.0)


def test_runs_share_one_background_loop(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["one"]), Reply(["two"]))
    runner = runner_for(fake_openai)

    first = list(runner.stream(ev.ModelRequest("1"), threading.Event()))
    second = list(runner.stream(ev.ModelRequest("2"), threading.Event()))

    assert of_type(first, ev.TextDelta) == [ev.TextDelta("one")]
    assert of_type(second, ev.TextDelta) == [ev.TextDelta("two")]
    assert [t.name for t in threading.enumerate()].count("buddy-model-loop") == 1


def test_streams_from_inside_a_running_event_loop(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["from ", "a kernel"]))
    runner = runner_for(fake_openai)

    async def cell() -> list[ev.ModelEvent]:
        # As in ipykernel: this thread's loop is running while the cell iterates synchronously.
        return list(runner.stream(ev.ModelRequest("q"), threading.Event()))

    events = asyncio.run(cell())

    assert [e.text for e in of_type(events, ev.TextDelta)] == ["from ", "a kernel"]


def test_function_model_usage_is_flagged_estimated() -> None:
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    async def stream(messages: list[Any], info: AgentInfo) -> Any:
        yield "offline "
        yield "answer"

    runner = PydanticAIRunner(FunctionModel(stream_function=stream), provider_id="test", model_id="function")
    _open_runners.append(runner)

    events = list(runner.stream(ev.ModelRequest("q"), threading.Event()))

    assert [e.text for e in of_type(events, ev.TextDelta)] == ["offline ", "answer"]
    assert events[-1].estimated is True
    assert events[-1].usage.output > 0


# --- resolution ------------------------------------------------------------------------------


def test_importing_providers_loads_no_model_library() -> None:
    code = (
        "import sys, buddy_jupyter.engine.providers\n"
        "heavy = [m for m in ('pydantic_ai', 'openai', 'anthropic', 'google', 'httpx', 'httpx2') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"


def test_offline_resolves_to_none() -> None:
    assert resolve_runner("offline") is None


@pytest.mark.parametrize("model", ["mistral:large", "gpt-4o", "openai:"])
def test_unknown_model_is_a_value_error(model: str) -> None:
    with pytest.raises(ValueError, match="unknown model .*use offline, openai:MODEL"):
        resolve_runner(model)


def test_anthropic_without_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)

    with pytest.raises(ev.ProviderAuthError, match="ANTHROPIC_API_KEY"):
        resolve_runner("anthropic:claude-x")


def test_openai_without_key_or_base_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    with pytest.raises(ev.ProviderAuthError, match="OPENAI_API_KEY"):
        resolve_runner("openai:gpt-4o-mini")


def test_missing_extra_library_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setitem(sys.modules, "anthropic", None)  # makes ``import anthropic`` fail
    monkeypatch.delitem(sys.modules, "pydantic_ai.models.anthropic", raising=False)

    with pytest.raises(ev.ModelError, match=r'pip install "pydantic-ai-slim\[anthropic\]"') as caught:
        resolve_runner("anthropic:claude-x")
    assert "sk-ant-test" not in caught.value.message


def test_base_url_from_environment_uses_chat_completions_without_a_key(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    fake_openai.push(Reply(["local"]))

    runner = resolve_runner("openai:llama-local")
    _open_runners.append(runner)
    events = list(runner.stream(ev.ModelRequest("q"), threading.Event()))

    assert (runner.provider_id, runner.model_id) == ("openai", "llama-local")
    assert of_type(events, ev.TextDelta) == [ev.TextDelta("local")]
    assert fake_openai.requests[0]["model"] == "llama-local"
    assert fake_openai.headers[0]["authorization"] == "Bearer not-needed"


# --- the fake server itself ------------------------------------------------------------------


def test_fake_server_answers_models_and_plain_completions(fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Reply(["plain ", "answer"], usage=usage(3, 2)))

    with urllib.request.urlopen(fake_openai.url + "/v1/models") as response:
        models = json.load(response)
    body = json.dumps({"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]}).encode()
    post = urllib.request.Request(fake_openai.url + "/v1/chat/completions", data=body,
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(post) as response:
        completion = json.load(response)

    assert models["data"][0]["id"] == "gpt-test"
    assert completion["choices"][0]["message"]["content"] == "plain answer"
    assert completion["usage"]["total_tokens"] == 5
