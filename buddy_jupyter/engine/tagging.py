"""Topics of a conversation, named by the configured model.

Offline, topics come from the built-in vocabulary (``analytics.topics``); with a
real model the model names them once per session, preferring the vocabulary's
names so that progress per topic adds up across notebooks.
"""

from __future__ import annotations

import re
import threading

from .events import ModelRequest, ModelRunner, TextDelta

INSTRUCTIONS = (
    "You label study conversations with topics. Reply with at most three topics, comma separated, "
    "nothing else. Prefer these names when they fit: {names}."
)


def topics_from_model(runner: ModelRunner, question: str, answer: str, vocabulary: list[str]) -> list[str]:
    """Up to three topics the model names for this question and answer."""
    request = ModelRequest(
        prompt=f"Question: {question[:2000]}\n\nAnswer: {answer[:2000]}\n\nTopics:",
        system=INSTRUCTIONS.format(names=", ".join(vocabulary)),
    )
    reply = "".join(e.text for e in runner.stream(request, threading.Event()) if isinstance(e, TextDelta))
    return parse_topics(reply, vocabulary)


def parse_topics(reply: str, vocabulary: list[str]) -> list[str]:
    """Topic names from a reply: vocabulary names keep their spelling, others stay short and plain."""
    known = {name.lower(): name for name in vocabulary}
    topics: list[str] = []
    for raw in re.split(r"[,\n;]", reply):
        name = raw.strip().strip("-*•.\"'` ").lower()
        if not name or len(name) > 40:
            continue
        topic = known.get(name, name)
        if topic not in topics:
            topics.append(topic)
    return topics[:3]
