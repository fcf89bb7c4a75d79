"""``%buddy docs``: what the offline buddy (and a model's ``lookup_docs``) would use for a name or a question."""

from __future__ import annotations

from IPython.core.error import UsageError

from .context import CommandContext
from .table import subcommand


@subcommand("docs", "docs NAME|QUESTION", "the documentation the buddy would use: the best source, cut and "
            "cited, and the ranked sources behind it", raw=True)
def _docs(ctx: CommandContext, rest: str, cell):
    from IPython.display import Markdown

    from ..tutor.tutor import get_tutor

    text = (rest + ("\n" + cell if cell else "")).strip()
    if not text:
        raise UsageError("name something to look up: %buddy docs DataFrame.merge, or %buddy docs what is a tuple")
    tutor = get_tutor(ctx.kb.config.notes_path or None)
    answer = tutor.answer(text, namespace=ctx.user_ns)
    ranked = "\n".join(f"{i}. `{hit.document.id}` ({hit.score:.2f})" for i, hit in enumerate(answer.hits, 1))
    return Markdown(answer.text + ("\n\n**Ranked sources:**\n" + ranked if ranked else ""))
