"""The data model round-trips through JSON, and stored shapes of other versions keep loading."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buddy_jupyter.schema import PART_TYPES, MessageAdapter, PartAdapter, PartListAdapter
from buddy_jupyter.schema import messages as m
from buddy_jupyter.schema import parts as p
from buddy_jupyter.schema.messages import AssistantErrorAdapter, MessageWithParts

from .model_strategies import ASSISTANT_ERRORS, TOOL_STATES, json_objects, messages, part_of, parts

SID, MID = "ses_00000000000000aaaaaaaaaa", "msg_00000000000000aaaaaaaaaa"
TOOL_STATUSES = ("pending", "running", "completed", "error")
ERROR_NAMES = ("ProviderAuthError", "APIError", "MessageAbortedError", "MessageOutputLengthError",
               "ContextOverflowError", "UnknownError")


def test_the_model_has_exactly_the_documented_unions():
    """12 part types, 4 tool states, 2 roles, 6 assistant errors: the strategies below cover each."""
    assert len(PART_TYPES) == len(set(PART_TYPES)) == 12
    assert set(TOOL_STATES) == set(TOOL_STATUSES) and set(ASSISTANT_ERRORS) == set(ERROR_NAMES)
    part_union = p.Part.__origin__.__args__  # Annotated[Union[...], ...]
    assert {cls.model_fields["type"].default for cls in part_union} == set(PART_TYPES)
    state_union = p.ToolState.__origin__.__args__
    assert {cls.model_fields["status"].default for cls in state_union} == set(TOOL_STATUSES)
    error_union = m.AssistantError.__origin__.__args__
    assert {cls.model_fields["name"].default for cls in error_union} == set(ERROR_NAMES)
    message_union = m.Message.__origin__.__args__
    assert {cls.model_fields["role"].default for cls in message_union} == {"user", "assistant"}


@pytest.mark.parametrize("type_", PART_TYPES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_part_type_round_trips_through_json(type_, data):
    part = data.draw(part_of(type_, SID, MID))
    payload = PartAdapter.dump_json(part)
    again = PartAdapter.validate_json(payload)
    assert type(again) is type(part)
    assert again == part
    assert PartAdapter.dump_json(again) == payload
    # and as a list, the way the store reads a message's parts
    assert PartListAdapter.validate_json(PartListAdapter.dump_json([part, part])) == [part, part]


@pytest.mark.parametrize("status", TOOL_STATUSES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_tool_state_round_trips_through_json(status, data):
    state = data.draw(TOOL_STATES[status])
    part = p.ToolPart(id="prt_1", session_id=SID, message_id=MID, call_id="c1", tool="read", state=state)
    again = PartAdapter.validate_json(PartAdapter.dump_json(part))
    assert again == part and again.state.status == status and type(again.state) is type(state)


@pytest.mark.parametrize("name", ERROR_NAMES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_assistant_error_round_trips_through_json(name, data):
    error = data.draw(ASSISTANT_ERRORS[name])
    again = AssistantErrorAdapter.validate_json(AssistantErrorAdapter.dump_json(error))
    assert again == error and type(again) is type(error)


@settings(max_examples=150, deadline=None)
@given(message=messages())
def test_both_message_roles_round_trip_through_json(message):
    payload = MessageAdapter.dump_json(message)
    again = MessageAdapter.validate_json(payload)
    assert type(again) is type(message)
    assert again == message
    assert again.time_created == message.time_created  # naive UTC, microseconds kept


@settings(max_examples=60, deadline=None)
@given(message=messages(), items=st.lists(parts(), max_size=4))
def test_a_message_with_parts_round_trips(message, items):
    whole = MessageWithParts(info=message, parts=items)
    assert MessageWithParts.model_validate_json(whole.model_dump_json()) == whole


# -- stored shapes from other versions ------------------------------------------------

OLDER_PARTS = {
    # an older version wrote fewer fields: every field added since has a default
    "text": {"type": "text", "text": "hi"},
    "reasoning": {"type": "reasoning"},
    "file": {"type": "file", "mime": "image/png", "url": "data:,"},
    "tool": {"type": "tool", "call_id": "c", "tool": "t", "state": {"status": "pending"}},
    "step-start": {"type": "step-start"},
    "step-finish": {"type": "step-finish"},
    "snapshot": {"type": "snapshot", "snapshot": "x = 1"},
    "patch": {"type": "patch", "hash": "abc"},
    "agent": {"type": "agent", "name": "buddy"},
    "retry": {"type": "retry", "attempt": 1, "error": {"name": "APIError", "message": "503"}},
    "compaction": {"type": "compaction"},
    "subtask": {"type": "subtask", "prompt": "p"},
}


def test_older_payloads_of_every_part_type_load_with_defaults():
    assert set(OLDER_PARTS) == set(PART_TYPES)
    for type_, payload in OLDER_PARTS.items():
        part = PartAdapter.validate_python({"id": "prt_1", "session_id": SID, "message_id": MID, **payload})
        assert part.type == type_
        assert part.model_extra == {}
    tool = PartAdapter.validate_python({"id": "prt_1", "session_id": SID, "message_id": MID, **OLDER_PARTS["tool"]})
    assert tool.state == p.ToolPending(input={}, raw="")
    finish = PartAdapter.validate_python({"id": "p", "session_id": SID, "message_id": MID, "type": "step-finish"})
    assert finish.tokens == p.Tokens() and finish.reason == "stop" and finish.cost is None


def test_older_message_payloads_load_with_defaults():
    user = MessageAdapter.validate_json(json.dumps(
        {"id": MID, "session_id": SID, "role": "user", "time_created": "2024-01-02T03:04:05.123456"}))
    assert user == m.UserMessage(id=MID, session_id=SID, time_created=datetime(2024, 1, 2, 3, 4, 5, 123456))
    assert user.agent == "buddy" and user.context == m.NotebookContext()
    answer = MessageAdapter.validate_json(json.dumps({
        "id": "msg_2", "session_id": SID, "role": "assistant", "time_created": "2024-01-02T03:04:06",
        "parent_id": MID, "tokens": {"input": 3}, "error": {"name": "APIError", "message": "boom"},
    }))
    assert answer.tokens == p.Tokens(input=3) and answer.tokens.cache == p.Tokens.Cache()
    assert answer.error == m.APIError(message="boom") and answer.error.retryable is False
    assert answer.time_completed is None and answer.owner is None


@settings(max_examples=60, deadline=None)
@given(part=parts(), extra=json_objects, nested=json_objects)
def test_unknown_fields_from_a_newer_version_survive_a_rewrite(part, extra, nested):
    """A newer version's fields, top-level and nested, are kept when this version rewrites the part."""
    payload = json.loads(PartAdapter.dump_json(part))
    extra = {f"future_{key}": value for key, value in extra.items()}
    payload.update(extra)
    if payload.get("time") and "start" in payload["time"]:  # a nested model gains fields too
        payload["time"].update({f"future_{key}": value for key, value in nested.items()})
    loaded = PartAdapter.validate_python(payload)
    rewritten = loaded.model_copy(update={"session_id": "ses_other"}) if part.type != "text" else \
        loaded.model_copy(update={"text": loaded.text + " (edited)"})
    again = json.loads(PartAdapter.dump_json(rewritten))
    for key, value in extra.items():
        assert again[key] == value
    if payload.get("time") and "start" in payload["time"]:
        assert again["time"] == payload["time"]
