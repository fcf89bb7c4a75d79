"""Hypothesis strategies for every stored model: the 12 part types, the 4 tool
states, both message roles and every assistant error.

Text is any Unicode hypothesis draws except lone surrogates (which the store
refuses on purpose, see tests/store/test_bad_input.py): NUL, emoji, combining
marks and right-to-left text all come up.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import strategies as st

from buddy_jupyter.schema import ids
from buddy_jupyter.schema import messages as m
from buddy_jupyter.schema import parts as p

ID_DIGITS = "0123456789abcdefghjkmnpqrstvwxyz"

texts = st.text(max_size=40)
small_texts = st.text(max_size=12)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
counts = st.integers(min_value=0, max_value=2**31)  # per message: session sums stay in BIGINT
floats = st.floats(allow_nan=False, allow_infinity=False)
times = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999))

json_values = st.recursive(
    st.none() | st.booleans() | ints | floats | small_texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(small_texts, inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(small_texts, json_values, max_size=4)


def an_id(kind: str) -> st.SearchStrategy[str]:
    """A well-formed id of ``kind`` (prefix, 14 time digits, 10 random digits)."""
    return st.text(ID_DIGITS, min_size=24, max_size=24).map(lambda s: f"{ids.PREFIXES[kind]}_{s}")


spans = st.builds(p.TimeSpan, start=ints, end=st.none() | ints)
tokens = st.builds(
    p.Tokens, input=counts, output=counts, reasoning=counts,
    cache=st.builds(p.Tokens.Cache, read=counts, write=counts), estimated=st.booleans(),
)

TOOL_STATES = {
    "pending": st.builds(p.ToolPending, input=json_objects, raw=texts),
    "running": st.builds(p.ToolRunning, input=json_objects, title=st.none() | texts, time=spans),
    "completed": st.builds(p.ToolCompleted, input=json_objects, output=texts, title=texts, time=spans),
    "error": st.builds(p.ToolErrored, input=json_objects, error=texts, time=spans),
}
tool_states = st.one_of(*TOOL_STATES.values())

ASSISTANT_ERRORS = {
    "ProviderAuthError": st.builds(m.ProviderAuthError, message=texts, provider_id=small_texts),
    "APIError": st.builds(m.APIError, message=texts, status_code=st.none() | st.integers(100, 599),
                          retryable=st.booleans()),
    "MessageAbortedError": st.builds(m.MessageAbortedError, message=texts),
    "MessageOutputLengthError": st.builds(m.MessageOutputLengthError, message=texts),
    "ContextOverflowError": st.builds(m.ContextOverflowError, message=texts),
    "UnknownError": st.builds(m.UnknownError, message=texts),
}
assistant_errors = st.one_of(*ASSISTANT_ERRORS.values())


def part_of(type_: str, session_id: str, message_id: str) -> st.SearchStrategy[p.PartBase]:
    """A part of the given type belonging to the given message."""
    keys = dict(id=an_id("part"), session_id=st.just(session_id), message_id=st.just(message_id))
    builders = {
        "text": lambda: st.builds(p.TextPart, **keys, text=texts, synthetic=st.booleans(), ignored=st.booleans(),
                                  time=st.none() | spans),
        "reasoning": lambda: st.builds(p.ReasoningPart, **keys, text=texts, time=st.none() | spans),
        "file": lambda: st.builds(p.FilePart, **keys, mime=small_texts, filename=st.none() | texts, url=texts,
                                  source=st.none() | json_objects),
        "tool": lambda: st.builds(p.ToolPart, **keys, call_id=small_texts, tool=small_texts, state=tool_states),
        "step-start": lambda: st.builds(p.StepStartPart, **keys, snapshot=st.none() | texts),
        "step-finish": lambda: st.builds(p.StepFinishPart, **keys, reason=small_texts, tokens=tokens,
                                         cost=st.none() | floats),
        "snapshot": lambda: st.builds(p.SnapshotPart, **keys, snapshot=texts),
        "patch": lambda: st.builds(p.PatchPart, **keys, hash=small_texts, files=st.lists(texts, max_size=3)),
        "agent": lambda: st.builds(p.AgentPart, **keys, name=small_texts, source=st.none() | json_objects),
        "retry": lambda: st.builds(p.RetryPart, **keys, attempt=ints, error=json_objects,
                                   time=st.dictionaries(small_texts, ints, max_size=2)),
        "compaction": lambda: st.builds(p.CompactionPart, **keys, auto=st.booleans(),
                                        overflow=st.none() | st.booleans(), summary=texts),
        "subtask": lambda: st.builds(p.SubtaskPart, **keys, prompt=texts, description=texts, agent=small_texts,
                                     model=st.none() | small_texts),
    }
    return builders[type_]()


def parts(session_id: str = "ses_00000000000000aaaaaaaaaa", message_id: str = "msg_00000000000000aaaaaaaaaa"):
    return st.sampled_from(p.PART_TYPES).flatmap(lambda t: part_of(t, session_id, message_id))


def user_messages(session_id: st.SearchStrategy[str] | None = None):
    return st.builds(
        m.UserMessage, id=an_id("message"), session_id=an_id("session") if session_id is None else session_id, time_created=times,
        model=st.none() | small_texts, agent=small_texts, system=st.none() | texts,
        context=st.builds(m.NotebookContext, cell_id=st.none() | small_texts, execution_count=st.none() | ints),
    )


def assistant_messages(session_id: st.SearchStrategy[str] | None = None):
    return st.builds(
        m.AssistantMessage, id=an_id("message"), session_id=an_id("session") if session_id is None else session_id, time_created=times,
        parent_id=an_id("message"), time_completed=st.none() | times, model_id=small_texts,
        provider_id=small_texts, tokens=tokens, cost=st.none() | floats, finish=st.none() | small_texts,
        error=st.none() | assistant_errors, owner=st.none() | small_texts,
    )


def messages(session_id: st.SearchStrategy[str] | None = None):
    return st.one_of(user_messages(session_id), assistant_messages(session_id))
