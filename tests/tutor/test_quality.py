"""The tutor scored on the labelled learner questions in ``questions/`` (the bench prints the misses)."""

from __future__ import annotations

from pathlib import Path

from buddy_jupyter.tutor import evaluate
from buddy_jupyter.tutor.tutor import get_tutor

SETS = sorted((Path(__file__).parent / "questions").glob("*.jsonl"))


def test_the_labelled_set_is_large_and_well_formed():
    items = evaluate.load(SETS)
    assert len(items) >= 100
    assert all(item.sources and item.terms for item in items)
    assert len({item.question for item in items}) == len(items)
    kinds = {source.split(":")[0] for item in items for source in item.sources}
    assert {"note", "doc"} <= kinds


def test_top_source_and_answer_terms_reach_their_targets():
    result = evaluate.score(get_tutor(), evaluate.load(SETS))
    misses = "\n".join(f"{i.origin} {i.question!r} -> {first} missing {m}" for i, first, m in result.misses)
    assert result.top1_rate >= 0.85, misses
    assert result.terms_rate >= 0.9, misses
