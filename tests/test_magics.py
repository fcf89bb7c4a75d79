"""%buddy on a real InteractiveShell, with the offline buddy or a scripted model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from IPython.core.error import UsageError

from buddy_jupyter.engine.events import ModelError, ReasoningDelta, Retry, StepFinish, StepStart, ToolCall, ToolResult, Usage
from buddy_jupyter.magics import kernel_buddy


def run(shell, source):
    result = shell.run_cell(source)
    return result


def messages(shell, session_id=None):
    kb = kernel_buddy(shell)
    return kb.store.get_messages(session_id or kb.current_session_id)


def test_question_ending_with_question_mark_reaches_the_buddy(shell, capsys):
    result = run(shell, "%buddy What is a list comprehension?")
    assert result.success, result.error_in_exec
    history = messages(shell)
    assert history[0].text == "What is a list comprehension?"
    assert "comprehension" in history[1].text
    assert "not found" not in capsys.readouterr().out


def test_help_still_works(shell, capsys):
    run(shell, "%buddy?")
    out = capsys.readouterr().out
    assert "Subcommands" in out and "%buddy sessions" in out and "--no-context" in out


def test_offline_answer_makes_the_parts_a_real_model_makes(shell):
    run(shell, "%buddy why does my merge drop rows?")
    answer = messages(shell)[1]
    kinds = [p.type for p in answer.parts]
    assert kinds[0] == "step-start"
    assert {"reasoning", "tool", "text", "step-finish"} <= set(kinds)
    assert "how='left'" in answer.text or 'how="left"' in answer.text
    info = answer.info
    assert info.provider_id == "offline" and info.finish == "stop" and info.tokens.estimated
    assert info.time_completed is not None and info.owner is None


def test_history_is_sent_to_the_model_and_survives_a_new_kernel(shell, model, tmp_path):
    run(shell, "%buddy -m script:x first question")
    run(shell, "%buddy -m script:x second question")
    assert [m.text for m in model.requests[1].history] == ["first question", "ok"]
    # a "restart": a brand-new shell on the same notebook rebuilds history from the store
    shell.run_cell("%unload_ext buddy_jupyter")
    shell.run_cell("%load_ext buddy_jupyter")
    run(shell, "%buddy -m script:x third")
    assert [m.text for m in model.requests[2].history] == ["first question", "ok", "second question", "ok"]


def test_user_message_is_stored_before_the_model_runs(shell, model):
    seen = []
    model.on_start = lambda request: seen.append([m.text for m in messages(shell)])
    run(shell, "%buddy -m script:x is it stored?")
    assert seen == [["is it stored?", ""]]  # the question, and the (empty) answer being written


def test_all_event_kinds_become_parts_and_usage_adds_up(shell, model):
    model.answer(StepStart(), ReasoningDelta("think "), ReasoningDelta("more"), ToolCall("c1", "search_history", {"query": "x"}),
                 ToolResult("c1", "search_history", output="found"), StepFinish("tool-calls", Usage(10, 2)),
                 StepStart(), Retry(1, "HTTP 500", 500), "Hello ", "world", StepFinish("stop", Usage(20, 5), cost=0.25))
    run(shell, "%buddy -m script:x go")
    answer = messages(shell)[1]
    kinds = [p.type for p in answer.parts]
    assert kinds == ["step-start", "reasoning", "tool", "step-finish", "step-start", "retry", "text", "step-finish"]
    reasoning = answer.parts[1]
    assert reasoning.text == "think more" and reasoning.time.end is not None
    tool = answer.parts[2]
    assert tool.state.status == "completed" and tool.state.output == "found" and tool.state.input == {"query": "x"}
    assert answer.text == "Hello world"
    assert (answer.info.tokens.input, answer.info.tokens.output, answer.info.cost) == (30, 7, 0.25)
    session = kernel_buddy(shell).store.get_session(answer.info.session_id)
    assert (session.message_count, session.tokens_input, session.tokens_output) == (2, 30, 7)


def test_provider_failure_is_one_line_and_recorded(shell, model):
    model.answer(StepStart(), "partial ", ModelError("rate limited", status_code=429))
    result = run(shell, "%buddy -m script:x hello")
    assert not result.success and isinstance(result.error_in_exec, UsageError)
    assert "rate limited" in str(result.error_in_exec)
    answer = messages(shell)[1]
    assert answer.info.error.name == "UnknownError" and answer.info.finish == "error"
    assert answer.text == "partial "


def test_interrupt_keeps_the_partial_answer_marked_aborted(shell, model):
    model.answer(StepStart(), "half an ", "answer", KeyboardInterrupt())
    result = run(shell, "%buddy -m script:x long one")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    answer = messages(shell)[1]
    assert answer.text == "half an answer"
    assert answer.info.finish == "aborted" and answer.info.error.name == "MessageAbortedError"
    assert answer.parts[-1].time.end is not None


def test_stop_from_another_thread_cancels(shell, model):
    kb = kernel_buddy(shell)
    model.answer(StepStart(), "one ", lambda: kb.cancel_answer(), "two")
    result = run(shell, "%buddy -m script:x stop me")
    assert isinstance(result.error_in_exec, UsageError) and "answer stopped" in str(result.error_in_exec)
    assert messages(shell)[1].text == "one "


def test_options_format_code_var_and_interpolation(shell, model):
    model.answer(StepStart(), "Here:\n```python\nprint('hi')\n```\n", StepFinish())
    shell.user_ns["topic"] = "merging"
    run(shell, "%buddy -m script:x -f code -o ans explain {topic} and {missing} {{x}}")
    assert messages(shell)[0].text == "explain merging and {missing} {{x}}"
    assert shell.user_ns["ans"].message_id == messages(shell)[1].info.id
    assert shell.rl_next_input == "print('hi')"  # the code goes into a new cell below


def test_cell_magic_question_and_options(shell, model):
    run(shell, "%%buddy -m script:x --no-context\nline one?\nline two?")
    assert messages(shell)[0].text == "line one?\nline two?"
    assert "## " not in model.requests[0].system.split("past conversations")[-1]


def test_context_includes_named_variables_and_last_error(shell, model):
    shell.run_cell("data = [1, 2, 3]")
    shell.run_cell("{}['missing']")
    run(shell, "%buddy -m script:x what is in data?")
    system = model.requests[0].system
    assert "## Last error" in system and "KeyError" in system
    assert "`data`: list of 3 items" in system


def test_sessions_new_switch_title_archive_delete(shell):
    run(shell, "%buddy new Pandas basics")
    run(shell, "%buddy what is a DataFrame?")
    kb = kernel_buddy(shell)
    first = kb.current_session_id
    run(shell, "%buddy new")
    run(shell, "%buddy what is groupby?")
    second = kb.current_session_id
    assert kb.store.get_session(second).title == "what is groupby?"
    frame = run(shell, "%buddy sessions").result
    assert list(frame["id"]) == [second, first]
    assert run(shell, f"%buddy switch {first[-6:]}").success and kb.current_session_id == first
    run(shell, "%buddy title Merging & joining 'data'")
    assert kb.store.get_session(first).title == "Merging & joining 'data'"
    run(shell, f"%buddy archive {second}")
    assert list(run(shell, "%buddy sessions").result["id"]) == [first]
    refused = run(shell, f"%buddy delete {first}")
    assert isinstance(refused.error_in_exec, UsageError) and "--yes" in str(refused.error_in_exec)
    assert run(shell, f"%buddy delete {first} --yes").success
    assert kb.store.count_sessions(archived=None) == 1


@pytest.mark.parametrize("line", [
    "%buddy switch", "%buddy switch nosuchsession", "%buddy export --format pdf", "%buddy model foo",
    "%buddy delete", "%buddy sessions -n many", "%buddy title",
])
def test_mistakes_raise_usage_error(shell, line):
    result = run(shell, line)
    assert isinstance(result.error_in_exec, UsageError), line


def test_history_and_export(shell, tmp_path):
    run(shell, "%buddy What is a KeyError?")
    md = run(shell, "%buddy history").result
    assert "What is a KeyError?" in md.data and "**Buddy**" in md.data
    for fmt in ("md", "json", "ipynb"):
        path = run(shell, f"%buddy export --format {fmt} --to {tmp_path / ('out.' + fmt)}").result
        text = path.read_text()
        assert "What is a KeyError?" in text
    nb = json.loads((tmp_path / "out.ipynb").read_text())
    assert nb["nbformat"] == 4 and len(nb["cells"]) == 3


def test_status_and_models(shell, capsys):
    run(shell, "%buddy hello")
    run(shell, "%buddy status")
    out = capsys.readouterr().out
    assert "lesson.duckdb" in out and "schema:" in out and "sessions:  1" in out
    assert "OPENAI_API_KEY" in run(shell, "%buddy models").result.data


def test_config_traitlets(shell):
    run(shell, "%config Buddy.model = 'openai:gpt-4o-mini'")
    assert kernel_buddy(shell).config.model == "openai:gpt-4o-mini"
    run(shell, "%buddy model offline")
    assert kernel_buddy(shell).config.model == "offline"


def test_store_lives_beside_the_notebook(shell, tmp_path):
    run(shell, "%buddy hi")
    assert (tmp_path / ".buddy" / "lesson.duckdb").exists()
    assert (tmp_path / ".buddy" / ".gitignore").read_text().strip().endswith("*")


def test_load_ext_imports_nothing_heavy():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "sh = InteractiveShell.instance(); sh.run_cell('%load_ext buddy_jupyter')\n"
        "import sys; print([m for m in ('duckdb', 'pandas', 'pydantic', 'pydantic_ai', 'openai', 'ipywidgets') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_answer_streams_into_one_display_throttled(shell, model, monkeypatch):
    import time

    published = []
    original = shell.display_pub.publish

    def record(data, *args, **kwargs):
        published.append((data.get("text/markdown", ""), kwargs.get("update", False)))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(shell.display_pub, "publish", record)
    pause = lambda: time.sleep(0.15)  # noqa: E731
    model.answer(StepStart(), "one ", pause, "two ", pause, "three ", pause, "four", StepFinish())
    assert run(shell, "%buddy -m script:x count slowly").success
    updates = [text for text, update in published if update]
    assert len(updates) >= 3  # streamed, not only the final answer
    assert any("▌" in text for text in updates)  # a partial answer was shown
    assert "one two three four" in updates[-1] and "scripted" in updates[-1]  # final answer with its footer
    assert len(published) - len(updates) == 1  # one display, updated in place


def test_context_cell_is_the_cell_before_the_question(shell, model):
    shell.run_cell("total = sum([1, 2, 3])", store_history=True)
    shell.run_cell("%%buddy -m script:x\nwhy is total 6?", store_history=True)
    shell.run_cell("y = total * 2\n%buddy -m script:x what is y?", store_history=True)
    first, second = (r.system for r in model.requests)
    assert "total = sum([1, 2, 3])" in first and "why is total" not in first.split("## The cell")[1]
    assert "y = total * 2" in second.split("## The cell")[1] and "%buddy" not in second.split("## The cell")[1]


def test_tab_completes_subcommands(shell):
    from IPython.core.completer import provisionalcompleter

    def offered(line):
        with provisionalcompleter():
            return {c.text for c in shell.Completer.completions(line, len(line))}

    assert "sessions" in offered("%buddy ses")
    assert {"history", "sidebar", "sql", "export"} <= offered("%buddy ")
    shell.run_cell("%unload_ext buddy_jupyter")
    assert "sessions" not in offered("%buddy ses")
    shell.run_cell("%load_ext buddy_jupyter")


def test_one_table_of_models_lists_every_provider_with_a_builder(shell):
    from buddy_jupyter.engine import providers
    from buddy_jupyter.models import PREFIXES, PROVIDERS

    assert set(providers._BUILDERS) == set(PREFIXES) - {"offline"}
    shown = run(shell, "%buddy models").result.data
    assert all(p.example in shown for p in PROVIDERS if p.listed)
    refused = run(shell, "%buddy model cohere:command")
    assert "provider one of openai, openai-chat, anthropic, google, ollama" in str(refused.error_in_exec)
