"""%buddy with a real model client talking to a local OpenAI-compatible server."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from buddy_jupyter.magics import kernel_buddy
from tests.fake_openai import Fail, FakeOpenAI, FunctionCall, Reply, usage

SECRET = "sk-test" + "Q" * 32


@pytest.fixture
def server(monkeypatch):
    import pydantic_ai.models

    monkeypatch.setattr(pydantic_ai.models, "ALLOW_MODEL_REQUESTS", True)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def real_shell(shell, server):
    shell.run_cell(f"%config Buddy.base_url = '{server.url}/v1'")
    shell.run_cell("%config Buddy.model = 'openai:gpt-test'")
    shell.run_cell("%config Buddy.model_topics = False")  # each test scripts exactly its requests
    kb = kernel_buddy(shell)
    yield shell
    kb.close_runner()


def last_answer(shell):
    kb = kernel_buddy(shell)
    return kb.store.get_messages(kb.current_session_id)[-1]


def test_streamed_answer_with_reasoning_and_usage(real_shell, server):
    server.push(Reply(reasoning=["Let me ", "think."], text=["A list ", "comprehension ", "builds lists."],
                      usage=usage(40, 9)))
    result = real_shell.run_cell("%buddy What is a list comprehension?")
    assert result.success, result.error_in_exec
    answer = last_answer(real_shell)
    assert answer.text == "A list comprehension builds lists."
    assert [p.type for p in answer.parts] == ["step-start", "reasoning", "text", "step-finish"]
    assert answer.parts[1].text == "Let me think."
    info = answer.info
    assert (info.provider_id, info.model_id) == ("openai", "gpt-test")
    assert (info.tokens.input, info.tokens.output, info.tokens.estimated) == (40, 9, False)
    assert server.requests[0]["messages"][-1]["content"] == "What is a list comprehension?"


def test_history_tool_round_trip(real_shell, server):
    real_shell.run_cell("%buddy -m offline what is a merge?")
    server.push(
        Reply(tool_calls=[FunctionCall("search_history", {"query": "merge"})], usage=usage(50, 5)),
        Reply(text=["You asked about merges before."], usage=usage(80, 7)),
    )
    assert real_shell.run_cell("%buddy did I ask about merges?").success
    answer = last_answer(real_shell)
    tool = next(p for p in answer.parts if p.type == "tool")
    assert tool.tool == "search_history" and tool.state.status == "completed"
    assert "merge" in tool.state.output
    assert [p.type for p in answer.parts].count("step-start") == 2
    # the second request carried the tool's result back to the model
    assert any(m.get("role") == "tool" for m in server.requests[1]["messages"])


def test_http_500_is_retried_then_recorded_with_one_clear_line(real_shell, server):
    kb = kernel_buddy(real_shell)
    kb.close_runner()
    server.always(Fail(500, "upstream exploded"))
    result = real_shell.run_cell("%buddy hello?")
    assert isinstance(result.error_in_exec, UsageError)
    message = str(result.error_in_exec)
    assert "APIError" in message and "\n" not in message
    answer = last_answer(real_shell)
    assert answer.info.error.name == "APIError" and answer.info.error.status_code == 500
    assert [p.type for p in answer.parts].count("retry") == 2


def test_bad_key_is_recorded_and_never_stored(real_shell, server, tmp_path):
    server.push(Fail(401, "bad key"))
    result = real_shell.run_cell("%buddy hello?")
    assert isinstance(result.error_in_exec, UsageError)
    assert "ProviderAuthError" in str(result.error_in_exec) and SECRET not in str(result.error_in_exec)
    assert last_answer(real_shell).info.error.name == "ProviderAuthError"
    server.push(Reply(text=["fine now"], usage=usage(5, 2)))
    assert real_shell.run_cell("%buddy again?").success
    real_shell.run_cell(f"%buddy export --format json --to {tmp_path / 'e.json'}")
    kb = kernel_buddy(real_shell)
    kb.store.close()
    for path in [kb.store.path, tmp_path / "e.json", *kb.store.path.parent.iterdir()]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_missing_key_gives_one_line_naming_the_variable(shell, monkeypatch):
    result = shell.run_cell("%buddy -m anthropic:claude-x hi")
    assert isinstance(result.error_in_exec, UsageError)
    assert "ANTHROPIC_API_KEY" in str(result.error_in_exec)


def test_unknown_model_is_a_usage_error_and_stores_nothing(shell):
    result = shell.run_cell("%buddy -m nosuch:model hi")
    assert isinstance(result.error_in_exec, UsageError)
    assert kernel_buddy(shell).store.count_sessions() == 0


def test_the_model_names_the_topics_once_per_session(real_shell, server):
    real_shell.run_cell("%config Buddy.model_topics = True")
    server.push(Reply(text=["Use merge with how='left'."], usage=usage(30, 8)),
                Reply(text=["Pandas: merge/join, data cleaning"], usage=usage(20, 5)),
                Reply(text=["Indicator shows matches."], usage=usage(40, 6)))
    assert real_shell.run_cell("%buddy why does my merge drop rows?").success
    assert real_shell.run_cell("%buddy and the indicator?").success
    assert len(server.requests) == 3  # one naming request, for the first answer only
    assert "Prefer these names" in server.requests[1]["messages"][0]["content"]
    kb = kernel_buddy(real_shell)
    with kb.store.connection() as con:
        rows = con.execute("SELECT topic, source FROM session_topic WHERE source = 'model' ORDER BY topic").fetchall()
    assert rows == [("data cleaning", "model"), ("pandas: merge/join", "model")]


def test_lookup_docs_round_trip_reads_the_installed_documentation(real_shell, server):
    import pandas

    server.push(
        Reply(tool_calls=[FunctionCall("lookup_docs", {"name_or_question": "DataFrame.merge"})], usage=usage(50, 5)),
        Reply(text=["Use how='left'."], usage=usage(80, 7)),
    )
    assert real_shell.run_cell("%buddy how do I keep every row when merging?").success
    assert "lookup_docs" in [t["function"]["name"] for t in server.requests[0]["tools"]]
    tool = next(p for p in last_answer(real_shell).parts if p.type == "tool")
    assert tool.tool == "lookup_docs" and tool.state.status == "completed"
    assert f"pandas {pandas.__version__} documentation of `DataFrame.merge`" in tool.state.output
    assert any(m.get("role") == "tool" and "DataFrame.merge" in str(m.get("content"))
               for m in server.requests[1]["messages"])
