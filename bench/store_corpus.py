"""The text the store benchmarks write: realistic English and Python, the same on every run.

A store's size and its read and write costs depend on what its JSON holds, so the conversations are made
of real prose and real code rather than random letters: English from the standard library's docstrings
and comments, code from its source (the files read in sorted order, so the text is the same on every
machine with the same Python). Sentences are spliced at a word boundary, so the text is not a few
thousand sentences repeated, which would compress better than any learner's conversation.
"""

from __future__ import annotations

import hashlib
import random
import re
import sysconfig
from pathlib import Path

_SKIP_DIRS = {"test", "tests", "idlelib", "site-packages", "lib2to3", "turtledemo", "ensurepip", "encodings"}
_DOCSTRING = re.compile(r'"""(.*?)"""', re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class Corpus:
    def __init__(self) -> None:
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        files = sorted(p for p in stdlib.rglob("*.py") if not (set(p.relative_to(stdlib).parts[:-1]) & _SKIP_DIRS))
        sentences: list[str] = []
        code: list[str] = []
        for path in files:
            src = path.read_text(encoding="utf-8", errors="replace")
            for match in _DOCSTRING.finditer(src):
                for s in _SENTENCE_END.split(" ".join(match.group(1).split())):
                    if 25 <= len(s) <= 250 and s[0].isupper() and s.isascii():
                        sentences.append(s)
            comment: list[str] = []
            for line in src.splitlines():
                stripped = line.strip()
                if stripped.startswith("# ") and stripped.isascii():
                    comment.append(stripped[2:])
                    continue
                if comment:
                    for s in _SENTENCE_END.split(" ".join(comment)):
                        if 25 <= len(s) <= 250 and s[0].isupper():
                            sentences.append(s)
                    comment = []
                if 8 <= len(line.rstrip()) <= 100 and line.isascii() and not stripped.startswith(("#", '"""')):
                    code.append(line.rstrip())
        self.sentences = sentences
        self.code = code
        self.words = sorted({w.strip(".,;:()`'\"") for s in sentences[:5000] for w in s.split() if w.isalpha()})
        digest = hashlib.sha1()
        digest.update(f"{len(sentences)}:{len(code)}".encode())
        digest.update("\n".join(sentences[::97]).encode())
        self.digest = digest.hexdigest()[:8]

    def english(self, r: random.Random, lo: int, hi: int) -> str:
        target = r.randint(lo, hi)
        out: list[str] = []
        n = 0
        sentences = self.sentences
        while n < target:
            a = sentences[r.randrange(len(sentences))]
            if r.random() < 0.6:  # splice two sentences at a word boundary: new sentences, same style
                b = sentences[r.randrange(len(sentences))]
                ia, ib = a.find(" ", len(a) // 2), b.find(" ", len(b) // 2)
                if ia > 0 and ib > 0:
                    a = a[:ia] + b[ib:]
            out.append(a)
            n += len(a) + 1
        text = " ".join(out)
        if len(text) > hi + 60:
            cut = text.rfind(" ", 0, hi)
            text = text[: cut if cut > lo else hi] + "."
        return text

    def code_block(self, r: random.Random, lo_lines: int, hi_lines: int) -> str:
        k = r.randint(lo_lines, hi_lines)
        i = r.randrange(len(self.code) - k)
        lines = self.code[i:i + k]
        indent = min(len(line) - len(line.lstrip()) for line in lines)
        return "\n".join(line[indent:] for line in lines)

    def answer(self, r: random.Random, lo: int, hi: int) -> str:
        if r.random() < 0.35:
            head = self.english(r, max(60, lo // 3), max(120, hi // 2))
            return f"{head}\n\n```python\n{self.code_block(r, 2, 9)}\n```\n\n{self.english(r, 40, 200)}"
        return self.english(r, lo, hi)

    def question(self, r: random.Random) -> str:
        if r.random() < 0.25:
            return f"{self.english(r, 30, 160)} Here is my cell:\n```python\n{self.code_block(r, 1, 6)}\n```"
        return self.english(r, 30, 300)

    def table(self, r: random.Random) -> str:
        cols = r.sample(self.words, r.randint(2, 5)) if len(self.words) > 5 else ["a", "b"]
        rows = [("     " + "  ".join(f"{c:>10}" for c in cols))]
        for i in range(r.randint(3, 8)):
            rows.append(f"{i:<5}" + "  ".join(f"{r.uniform(-1e4, 1e4):>10.3f}" for _ in cols))
        return "\n".join(rows) + f"\n\n[{r.randint(10, 100000)} rows x {len(cols)} columns]"


def make_deltas(corpus: Corpus, seed: int, tokens: int) -> list[str]:
    """An answer as a provider streams it: about 4 characters a token, word by word."""
    r = random.Random(seed)
    text = corpus.answer(r, tokens * 4, tokens * 4 + 200)
    while len(text) < tokens * 4:
        text += " " + corpus.english(r, 200, 400)
    words = re.findall(r"\S+\s*|\s+", text)
    deltas: list[str] = []
    for w in words:
        for i in range(0, len(w), 4):
            deltas.append(w[i:i + 4])
    return deltas[:tokens]
