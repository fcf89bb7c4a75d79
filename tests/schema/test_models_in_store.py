"""Every model round-trips through a real store on disk (put_part / append_message / get_messages)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buddy_jupyter.schema import PART_TYPES, ids
from buddy_jupyter.schema import messages as m
from buddy_jupyter.schema import parts as p
from buddy_jupyter.store import Store
from buddy_jupyter.store.recovery import owner_tag

from .model_strategies import ASSISTANT_ERRORS, TOOL_STATES, assistant_messages, json_objects, messages, part_of, parts

pytestmark = pytest.mark.filterwarnings("error")
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """One store for the module, held open between examples (reopening costs ~50 ms)."""
    path = tmp_path_factory.mktemp("models") / ".buddy" / "models.duckdb"
    store = Store(path, idle_release=30, max_hold=60)
    session = store.create_session("models")
    question, created = ids.new_id("message")
    store.append_message(m.UserMessage(id=question, session_id=session.id, time_created=created))
    store.sid, store.mid = session.id, question
    yield store
    store.close()


def expected_as_stored(message: m.Message) -> m.Message:
    """What the store keeps: the runtime-only owner is the writing process while an answer runs."""
    if isinstance(message, m.AssistantMessage):
        owner = (message.owner or owner_tag()) if message.time_completed is None else None
        return message.model_copy(update={"owner": owner})
    return message


def fresh(part: p.PartBase, store: Store) -> p.PartBase:
    return part.model_copy(update={"id": ids.new_id("part")[0], "session_id": store.sid, "message_id": store.mid})


@pytest.mark.parametrize("type_", PART_TYPES)
@FAST
@given(data=st.data())
def test_every_part_type_round_trips_through_the_store(db, type_, data):
    part = fresh(data.draw(part_of(type_, db.sid, db.mid)), db)
    db.put_part(part)
    stored = db.get_message(db.mid).parts
    assert stored[-1] == part and type(stored[-1]) is type(part)
    assert part in next(item for item in db.get_messages(db.sid) if item.info.id == db.mid).parts


@pytest.mark.parametrize("status", TOOL_STATES)
@FAST
@given(data=st.data())
def test_every_tool_state_round_trips_through_the_store(db, status, data):
    part = p.ToolPart(id=ids.new_id("part")[0], session_id=db.sid, message_id=db.mid, call_id="call",
                      tool="read_variable", state=data.draw(TOOL_STATES[status]))
    db.put_part(part)
    assert db.get_message(db.mid).parts[-1] == part


@pytest.mark.parametrize("name", ASSISTANT_ERRORS)
@FAST
@given(data=st.data())
def test_every_assistant_error_round_trips_through_the_store(db, name, data):
    answer = data.draw(assistant_messages(st.just(db.sid)))
    answer = answer.model_copy(update={"id": ids.new_id("message")[0], "error": data.draw(ASSISTANT_ERRORS[name])})
    db.append_message(answer)
    stored = db.get_message(answer.id).info
    assert stored == expected_as_stored(answer)
    assert type(stored.error) is type(answer.error)
    with db.connection() as con:
        assert con.execute("SELECT error_name FROM message WHERE id = ?", [answer.id]).fetchall() == [(name,)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=messages(st.just("ses_placeholder")), items=st.lists(parts(), max_size=3))
def test_both_message_roles_round_trip_through_the_store(db, message, items):
    message = message.model_copy(update={"id": ids.new_id("message")[0], "session_id": db.sid})
    items = [part.model_copy(update={"id": ids.new_id("part")[0], "session_id": db.sid, "message_id": message.id})
             for part in items]
    db.append_message(message, items)
    stored = db.get_message(message.id)
    assert stored.info == expected_as_stored(message)
    assert stored.parts == items
    # and the same again when updated in place
    db.update_message(message)
    assert db.get_message(message.id).info == expected_as_stored(message)


@FAST
@given(part=parts(), extra=json_objects)
def test_a_newer_versions_fields_survive_a_rewrite_through_the_store(db, part, extra):
    """A part stored by a newer version (extra fields) keeps them when this version updates it."""
    part = fresh(part, db)
    extra = {f"future_{key}": value for key, value in extra.items()}
    payload = json.loads(part.model_dump_json(exclude={"id", "session_id", "message_id"}))
    payload.update(extra)
    # written the way a newer version would have written it; the store's own write path assumes a
    # message's parts come from the process that wrote the message, so forget what it wrote
    db._written = type(db._written)()
    with db.transaction() as con:
        con.execute("INSERT INTO part (id, session_id, message_id, seq, type, time_created, time_updated, data) "
                    "VALUES (?, ?, ?, 1000, ?, now(), now(), ?)",
                    [part.id, part.session_id, part.message_id, part.type, json.dumps(payload)])
    loaded = db.get_message(db.mid).parts[-1]
    assert loaded.id == part.id and loaded.model_extra == extra
    db.put_part(loaded.model_copy(update={"session_id": db.sid}))  # this version rewrites it
    with db.connection() as con:
        (data,) = con.execute("SELECT data FROM part WHERE id = ?", [part.id]).fetchall()[0]
    stored = json.loads(data)
    for key, value in extra.items():
        assert stored[key] == value
