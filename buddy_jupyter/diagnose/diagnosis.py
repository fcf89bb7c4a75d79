"""What a diagnosis says: the error in one line, the facts read from the live objects, the fix."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Diagnosis:
    error: str
    """The error in one line, e.g. ``KeyError: 'score'``."""
    facts: list[str] = field(default_factory=list)
    """Short plain sentences naming the exact column, attribute, package, file, type or shape."""
    fix: str = ""
    """What to do, in plain words."""
    code: str = ""
    """The corrected line of code, when one can be derived from the failing line."""
    rule: str = ""
    """The rule that produced it (for tests and for reading the history)."""

    def markdown(self) -> str:
        """The error, the facts, then the fix with the corrected line in a ``python`` block."""
        lines = [f"**{self.error}**", ""]
        lines += [f"- {fact}" for fact in self.facts]
        if self.fix or self.code:
            lines.append("")
            lines.append(f"**Fix:** {self.fix}" if self.fix else "**Fix:**")
        if self.code:
            lines += ["", "```python", self.code, "```"]
        # The offline buddy reads this section up to the next "## " heading: keep the body free of one.
        return "\n".join(" " + line if line.startswith("## ") else line for line in lines).strip()

    def context_block(self) -> str:
        """A short "## Diagnosis" section for the notebook context real models get."""
        return "## Diagnosis\n" + self.markdown()


def error_line(error: BaseException, kind: str = "") -> str:
    """The error in one line, as ``Diagnosis.error`` holds it: ``kind`` (default: the class's name),
    then the message's first line, cut at 160 characters."""
    return f"{kind or type(error).__name__}: {str(error).strip().splitlines()[0][:160]}"
