"""A scripted OpenAI-compatible server on 127.0.0.1, for driving the real client offline.

It speaks Chat Completions (``POST /v1/chat/completions``, streamed as SSE or not) and
``GET /v1/models``. Each chat request takes the next scripted behaviour from a queue and
its JSON body is recorded, so tests can assert on the history and tools that were sent::

    with FakeOpenAI(Reply(["Hel", "lo"], usage=usage(10, 2))) as server:
        runner = resolve_runner("openai:gpt-test", base_url=server.url + "/v1", api_key="sk-test")
        ...
        assert server.requests[0]["messages"][-1]["content"] == "hi"

Streams use chunked transfer encoding, so a dropped connection is a protocol error for the
client rather than a clean end of the body.
"""

from __future__ import annotations

import collections
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Sequence, Union

import pytest

MODEL = "gpt-test"
CREATED = 1_700_000_000


def usage(prompt: int, completion: int, *, cached: int = 0, reasoning: int = 0) -> dict[str, Any]:
    """A Chat Completions ``usage`` object."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


@dataclass(frozen=True)
class FunctionCall:
    """A tool call the model makes; its arguments are streamed in two pieces."""

    name: str
    arguments: dict[str, Any]
    id: str = "call_1"


@dataclass(frozen=True)
class Reply:
    """An assistant answer: reasoning chunks, then text chunks, then tool calls.

    ``reasoning`` goes out in the ``reasoning_content`` delta field (vLLM, DeepSeek), which
    pydantic-ai's ``OpenAIChatModel`` reads as thinking. ``usage`` is sent as a final
    choice-less chunk when the client asked for ``stream_options.include_usage``.
    """

    text: Sequence[str] = ()
    reasoning: Sequence[str] = ()
    tool_calls: Sequence[FunctionCall] = ()
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    delay: float = 0.0

    @property
    def finish(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")


@dataclass(frozen=True)
class Fail:
    """An HTTP error status with an OpenAI-style error body.

    For 401 the message echoes the bearer key, as careless servers do, so tests can check
    that it never reaches a user-facing message.
    """

    status: int
    message: str = "scripted failure"
    code: str | None = None


@dataclass(frozen=True)
class Drop:
    """Stream ``text`` chunks, then close the socket without ending the body."""

    text: Sequence[str] = ()


@dataclass(frozen=True)
class Endless:
    """Stream ``text`` every ``interval`` seconds until the client goes away."""

    text: str = "tick "
    interval: float = 0.05


Behaviour = Union[Reply, Fail, Drop, Endless]


@dataclass
class _Script:
    queue: collections.deque[Behaviour] = field(default_factory=collections.deque)
    always: Behaviour | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> Behaviour:
        with self.lock:
            if self.queue:
                return self.queue.popleft()
        if self.always is not None:
            return self.always
        return Fail(500, "fake server: no scripted reply left")


class FakeOpenAI:
    """The server; a context manager. ``url`` has no ``/v1`` suffix."""

    def __init__(self, *behaviours: Behaviour, always: Behaviour | None = None):
        self._script = _Script(collections.deque(behaviours), always)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.disconnected = threading.Event()  # an endless stream saw its client leave
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *behaviours: Behaviour) -> None:
        with self._script.lock:
            self._script.queue.extend(behaviours)

    def always(self, behaviour: Behaviour | None) -> None:
        """Answer every request after the queue with ``behaviour``."""
        self._script.always = behaviour

    def start(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeOpenAI

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "created": CREATED, "owned_by": "fake"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error", "code": None}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error", "code": None}})
            return
        body = json.loads(raw or b"{}")
        self.fake.requests.append(body)
        self.fake.headers.append({k.lower(): v for k, v in self.headers.items()})
        behaviour = self.fake._script.next()
        if isinstance(behaviour, Fail):
            self._fail(behaviour)
        elif not body.get("stream"):
            self._complete(body, behaviour)
        else:
            self._stream(body, behaviour)

    # --- plain responses -------------------------------------------------------------------

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, fail: Fail) -> None:
        message = fail.message
        if fail.status == 401:
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            message = f"Incorrect API key provided: {key}"
        error_type = {401: "invalid_request_error", 429: "rate_limit_exceeded"}.get(fail.status, "server_error")
        self._json(fail.status, {"error": {"message": message, "type": error_type, "code": fail.code}})

    def _complete(self, body: dict[str, Any], behaviour: Behaviour) -> None:
        if not isinstance(behaviour, Reply):
            self._fail(Fail(400, f"{type(behaviour).__name__} needs stream=true"))
            return
        message: dict[str, Any] = {"role": "assistant", "content": "".join(behaviour.text) or None}
        if behaviour.reasoning:
            message["reasoning_content"] = "".join(behaviour.reasoning)
        if behaviour.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                for c in behaviour.tool_calls
            ]
        payload: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": CREATED,
            "model": body.get("model", MODEL),
            "choices": [{"index": 0, "message": message, "finish_reason": behaviour.finish}],
        }
        if behaviour.usage is not None:
            payload["usage"] = behaviour.usage
        self._json(200, payload)

    # --- streams -----------------------------------------------------------------------------

    def _stream(self, body: dict[str, Any], behaviour: Behaviour) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        model = body.get("model", MODEL)
        if isinstance(behaviour, Reply):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream_reply(model, behaviour, include_usage)
        elif isinstance(behaviour, Drop):
            self._send_delta(model, {"role": "assistant", "content": ""})
            for piece in behaviour.text:
                self._send_delta(model, {"content": piece})
            time.sleep(0.05)  # let the client read what was sent before the connection breaks
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif isinstance(behaviour, Endless):
            self._stream_endless(model, behaviour)

    def _stream_reply(self, model: str, reply: Reply, include_usage: bool) -> None:
        self._send_delta(model, {"role": "assistant", "content": ""})
        for piece in reply.reasoning:
            self._pause(reply.delay)
            self._send_delta(model, {"reasoning_content": piece})
        for piece in reply.text:
            self._pause(reply.delay)
            self._send_delta(model, {"content": piece})
        for index, call in enumerate(reply.tool_calls):
            arguments = json.dumps(call.arguments)
            half = len(arguments) // 2
            self._send_delta(model, {"tool_calls": [{
                "index": index, "id": call.id, "type": "function",
                "function": {"name": call.name, "arguments": arguments[:half]},
            }]})
            self._send_delta(model, {"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]})
        self._send_delta(model, {}, finish_reason=reply.finish)
        if include_usage and reply.usage is not None:
            self._send_event({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED,
                              "model": model, "choices": [], "usage": reply.usage})
        self._send_raw(b"data: [DONE]\n\n")
        self._send_raw(b"")  # the zero-length chunk ends the body

    def _stream_endless(self, model: str, endless: Endless) -> None:
        try:
            self._send_delta(model, {"role": "assistant", "content": ""})
            while not self.fake._stopping.is_set():
                self._send_delta(model, {"content": endless.text})
                time.sleep(endless.interval)
        except OSError:  # BrokenPipe / ConnectionReset: the client went away, which is the point
            self.fake.disconnected.set()
        self.close_connection = True

    def _pause(self, delay: float) -> None:
        if delay:
            time.sleep(delay)

    def _send_delta(self, model: str, delta: dict[str, Any], finish_reason: str | None = None) -> None:
        self._send_event({
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        })

    def _send_event(self, payload: dict[str, Any]) -> None:
        self._send_raw(f"data: {json.dumps(payload)}\n\n".encode())

    def _send_raw(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
