"""``lookup_docs``: real models read the documentation installed here instead of guessing.

The same sources and ranking as the offline buddy (``tutor``), so a model cites the
pandas the learner has, not the one it was trained on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from .events import Tool, ToolError

if TYPE_CHECKING:
    from ..tutor.tutor import Tutor

MAX_QUERY = 500


def lookup_docs_tool(tutor: Callable[[], "Tutor"], namespace: Mapping[str, Any] | None = None) -> Tool:
    def lookup_docs(name_or_question: str) -> str:
        text = (name_or_question or "").strip()[:MAX_QUERY]
        if not text:
            raise ToolError("give a name (e.g. 'DataFrame.merge', 'str.split') or a short question")
        return tutor().lookup(text, namespace=namespace)

    return Tool(
        name="lookup_docs",
        description=("Look up the documentation installed in the learner's environment (Python's reference, "
                     "docstrings of builtins, the standard library, pandas, NumPy, Matplotlib and any imported "
                     "module) and the course's teaching notes. Give a name such as 'df.merge' or 'str.split', "
                     "or a short question. Returns the best section with its source to cite."),
        parameters={"type": "object", "properties": {"name_or_question": {"type": "string"}},
                    "required": ["name_or_question"], "additionalProperties": False},
        function=lookup_docs,
    )
