"""The offline tutor as a learner meets it: answers, citations, context, follow-ups, bad input."""

from __future__ import annotations

import socket

import pytest

from buddy_jupyter.ask import error_is_relevant
from buddy_jupyter.magics import kernel_buddy
from buddy_jupyter.tutor.index import index_key
from buddy_jupyter.tutor.tutor import Tutor, get_tutor


def answers(shell):
    kb = kernel_buddy(shell)
    return [m.text for m in kb.store.get_messages(kb.current_session_id) if m.info.role == "assistant"]


@pytest.fixture(scope="module")
def tutor():
    return get_tutor()


def test_what_is_a_tuple_ranks_tuples_first_and_cites_its_source(tutor):
    answer = tutor.answer("What is a tuple in Python?")
    assert answer.confident
    assert answer.hits[0].document.id in ("note:tuples", "pydoc:typesseq#tuples", "doc:tuple")
    assert "immutable" in answer.text.lower() and "_Source: from" in answer.text
    assert "```python" in answer.text and len(answer.text.split()) <= 320


def test_a_name_resolves_against_the_live_namespace(tutor):
    import pandas as pd

    frame = pd.DataFrame({"a": [1]})
    answer = tutor.answer("how do I use frame.merge?", namespace={"frame": frame})
    assert answer.hits[0].document.id == "doc:pandas.DataFrame.merge"
    assert f"pandas {pd.__version__} documentation of `DataFrame.merge`" in answer.text


def test_a_module_the_index_does_not_hold_is_read_live(tutor):
    import fractions

    answer = tutor.answer("what does fractions.Fraction.limit_denominator do", namespace={"fractions": fractions})
    assert answer.hits[0].document.id == "doc:fractions.Fraction.limit_denominator"
    assert "denominator" in answer.text


@pytest.mark.parametrize("question", ["", "   ", "asdkjh qwzx", "!!!???", "\x00\x01"])
def test_empty_or_nonsense_gets_the_nearest_things_never_a_generic_paragraph(tutor, question):
    answer = tutor.answer(question)
    assert not answer.confident
    assert "I don't have a good answer" in answer.text or "I did not find a question" in answer.text


def test_a_misspelled_word_is_corrected(tutor):
    answer = tutor.answer("what is a tupel")
    assert answer.confident and "tuple" in answer.hits[0].document.id


def test_a_ten_megabyte_question_is_cut_for_ranking(tutor):
    import time

    started = time.perf_counter()
    answer = tutor.answer("What is a dictionary? " + "x" * 10_000_000)
    assert answer.confident and "dict" in answer.hits[0].document.id
    assert time.perf_counter() - started < 5


def test_a_teachers_note_ranks_first(tmp_path):
    (tmp_path / "our-tuples.md").write_text(
        "---\ntitle: Tuples in our course\naliases: tuple, tuples\ntopic: python\n---\n"
        "In this course a tuple is a frozen record.\n\n```python\nrecord = ('Ada', 1815)\n```\n")
    answer = Tutor(tmp_path).answer("What is a tuple?")
    assert answer.hits[0].document.id == "teacher:our-tuples"
    assert "your teacher's notes" in answer.text


def test_the_tutor_answers_with_the_network_blocked(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("BUDDY_CACHE_DIR", str(tmp_path))  # a cold cache: the index is built offline too
    answer = Tutor().answer("How do I catch an exception?")
    assert answer.confident and "except" in answer.text


def test_the_index_key_follows_the_library_versions(monkeypatch):
    from buddy_jupyter.tutor import catalogue

    before = index_key()
    monkeypatch.setattr(catalogue, "installed_libraries", lambda: {"pandas": "0.0.1"})
    assert index_key() != before


def test_an_old_error_stays_out_of_a_concept_question(shell):
    shell.run_cell("1 / 0")
    shell.run_cell("x = 1")
    shell.run_cell("y = 2")
    assert shell.run_cell("%buddy What is a list comprehension?").success
    text = answers(shell)[-1]
    assert not text.startswith("Your last cell raised")
    assert "comprehension" in text.lower() and "ZeroDivisionError" not in text.split("\n\n")[0]


def test_an_error_in_the_cell_just_before_is_context_but_a_concept_question_gets_its_answer(shell):
    shell.run_cell("{}['missing']")
    assert shell.run_cell("%buddy What is a decorator?").success
    text = answers(shell)[-1]
    assert "decorator" in text.lower().split("\n\n")[0] + text.lower().split("\n\n")[1]
    assert "%buddy explain" in text  # one line pointing at the error, not a KeyError lesson


def test_a_question_naming_an_old_error_gets_it(shell):
    shell.run_cell("{}['missing']")
    shell.run_cell("x = 1")
    assert shell.run_cell("%buddy why do I get a KeyError?").success
    assert "KeyError" in answers(shell)[-1].split("\n\n")[0]


def test_error_relevance_rule():
    error = "KeyError: 'missing'"
    assert error_is_relevant("explain the last error", error, just_before=False)
    assert error_is_relevant("what does KeyError mean here", error, just_before=False)
    assert error_is_relevant("what is a decorator?", error, just_before=True)
    assert not error_is_relevant("What is a list comprehension?", error, just_before=False)
    assert not error_is_relevant("What is a list comprehension?", "", just_before=True)


def test_a_follow_up_continues_the_previous_topic(shell):
    assert shell.run_cell("%buddy What is a list comprehension?").success
    assert shell.run_cell("%buddy Can you show it with a dict instead?").success
    text = answers(shell)[-1].lower()
    assert "comprehension" in text and "dict" in text and "{" in text
    assert "keyerror" not in text


def test_past_sessions_never_cite_the_question_just_asked(shell):
    shell.run_cell("%buddy What is a list comprehension?")
    shell.run_cell("%buddy new")
    shell.run_cell("%buddy Can you show it with a dict instead?")
    shell.run_cell("%buddy new")
    assert shell.run_cell("%buddy Can you show it with a dict instead?").success
    assert "you asked: Can you show it with a dict instead?" not in answers(shell)[-1]


def test_buddy_docs_shows_the_source_and_the_ranking(shell, capsys):
    shell.run_cell("import pandas as pd")
    result = shell.run_cell("%buddy docs pd.read_csv")
    text = result.result.data
    assert "read_csv" in text and "Ranked sources" in text and "doc:pandas.read_csv" in text
    refused = shell.run_cell("%buddy docs")
    assert refused.error_in_exec is not None and "name something" in str(refused.error_in_exec)


def test_code_format_puts_the_example_in_a_new_cell(shell):
    shell.run_cell("%buddy -f code How do I sort a dictionary by value?")
    pending = shell.rl_next_input or ""
    assert "sorted(" in pending
