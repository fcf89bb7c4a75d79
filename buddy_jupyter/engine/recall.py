"""The learner's own related past answers, for the offline buddy.

Plain SQL over this notebook's store (no pandas: the first offline answer must
be quick); the ranked search across every notebook is ``analytics.memory``.
"""

from __future__ import annotations

from ..store import Store

_RELATED = """
SELECT s.title, m.role, p.data->>'text' AS text, count(*) FILTER (WHERE contains(lower(p.data->>'text'), w.word)) AS hits
FROM part p
JOIN message m ON m.id = p.message_id AND (m.role = 'user' OR m.provider_id <> 'offline')
JOIN session s ON s.id = p.session_id
CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS word) w
WHERE p.type = 'text' AND p.session_id <> ?
GROUP BY ALL
HAVING hits > 0
ORDER BY hits DESC, max(p.time_created) DESC
LIMIT ?
"""


def related_answers(store: Store, query: str, *, exclude_session: str = "", limit: int = 3) -> list[tuple[str, str]]:
    """[(session title, snippet)] of past questions and model answers sharing words with ``query``."""
    words = [w for w in query.lower().split() if len(w) > 2][:8]
    if not words:
        return []
    with store.connection() as con:
        rows = con.execute(_RELATED, [words, exclude_session, limit]).fetchall()
    return [
        (title or "untitled", ("you asked: " if role == "user" else "") + _snippet(text, words))
        for title, role, text, _ in rows
    ]


def _snippet(text: str, words: list[str], width: int = 160) -> str:
    lowered = text.lower()
    at = min((lowered.find(w) for w in words if w in lowered), default=0)
    start = max(0, at - 40)
    snippet = " ".join(text[start:start + width].split())
    return ("…" if start else "") + snippet + ("…" if start + width < len(text) else "")
