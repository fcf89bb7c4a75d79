"""A learner's question, read for searching: the words that carry meaning, the names, the library.

Learners ask "how do i ... in python", "whats the difference between ...": those
words carry no weight, so they are stopwords here, while code in the question
(``df.merge``, ``read_csv()``, ``*args``) is kept whole as a name. A question with no
topic of its own ("why?", "can you show it with a dict instead?") is a follow-up
and borrows the previous question's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

MAX_CHARS = 2000
"""Only the start of a huge question is read for ranking."""

STOPWORDS = frozenset("""
a about above after again against all also am an and any anyone are aren arent as at be because been before being
below between both but by can cannot could couldn did didn do does doesn doing don dont down during each either
else ever every few for from further get gets getting give given go going got had has have having he her here
hers him his how however i id if im in into is isn it its itself ive just know let lets like ll look me might
mine more most much must my myself need needs no nor not now of off often on once one only or other our out over
own please pls plz possible pretty probably python py quick quickly quite rather really right same say see
should show shown simple simply so some someone something sometimes still such sure tell than thank thanks that
thats the their them then there these they thing things this those though through thx to too trying try u under
understand until up us use used uses using ve very vs want wanted was way ways we well were what whats when
where whether which while who whom whose why will with without won would wouldn ya yes yet you your youre yours
explain explained meaning mean means work works working difference different differences between compare
versus example examples code good best better correct correctly properly actually basically exactly new
mine hey hi hello ok okay wonder wondering confused confusing question questions help instead another elaborate
further bit little
""".split())

# Words that say which library a question is about: a hint for ranking, not a search term.
LIBRARY_WORDS = {
    "pandas": "pandas", "pd": "pandas", "dataframe": "pandas", "dataframes": "pandas", "df": "pandas",
    "series": "pandas", "numpy": "numpy", "np": "numpy", "ndarray": "numpy", "matplotlib": "matplotlib",
    "plt": "matplotlib", "pyplot": "matplotlib", "seaborn": "matplotlib",
}
# Alternative words learners use for one thing; each adds its partners to the search.
SYNONYMS = {
    "dictionary": ("dict",), "dictionaries": ("dict",), "dicts": ("dict",), "func": ("function",),
    "funcs": ("function",), "fn": ("function",), "col": ("column",), "cols": ("columns",),
    "str": ("string",), "int": ("integer",), "ints": ("integer",), "var": ("variable",),
    "vars": ("variables",), "arr": ("array",), "args": ("arguments",), "param": ("parameter",),
    "params": ("parameters",), "nan": ("missing",), "nans": ("missing",), "null": ("missing",),
    "nulls": ("missing",), "na": ("missing",), "concatenate": ("concat", "join"), "combine": ("merge", "concat"),
    "csv": ("read_csv",), "excel": ("read_excel",), "xlsx": ("read_excel",), "graph": ("plot",),
    "chart": ("plot",), "histogram": ("hist",), "iterate": ("loop",), "iterating": ("loop",),
    "loops": ("loop",), "looping": ("loop",), "mutable": ("immutable",), "catch": ("except", "try"),
    "average": ("mean",), "avg": ("mean",), "length": ("len",), "biggest": ("max",), "largest": ("max",),
    "maximum": ("max",), "highest": ("max",), "smallest": ("min",), "lowest": ("min",), "minimum": ("min",),
    "capital": ("upper",), "capitals": ("upper",), "uppercase": ("upper",), "lowercase": ("lower",),
    "duplicate": ("duplicates",), "duplicated": ("duplicates",), "identical": ("duplicates",),
    "repeated": ("duplicates",), "allof": ("all",), "anyof": ("any",),
}
# Words that point back at the previous answer.
REFERRING = frozenset("it that this those them these instead another again else same elaborate".split())
# Python's keywords are also everyday words ("with", "is", "for"): they count when the question uses
# them as Python ("the with statement", "`in`", "is vs ==", "between for and while").
KEYWORDS = frozenset("and as assert async await break class continue def del elif else except finally for from "
                     "global if import in is lambda nonlocal not or pass raise return try while with yield none "
                     "true false match case".split())
_KIND = r"(?:statements?|keywords?|operators?|loops?|clauses?|blocks?|expressions?)"
_SYMBOLS = {"==": "equality equal", "!=": "equal", "//": "floor division", "%": "modulo remainder",
            "**": "power exponent", "@": "decorator", "<=": "comparison", ">=": "comparison",
            ":=": "walrus assignment expression", "++": "increment augmented assignment",
            "+=": "augmented assignment", "-=": "augmented assignment", "#": "comment"}
_TOKEN = re.compile(r"%%?[A-Za-z_]\w*|\*\*?[A-Za-z_]\w*|[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*(?:\(\))?"
                    r"|:=|\+\+|\+=|-=|==|!=|<=|>=|//|\*\*|[%@#]")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Query:
    text: str
    words: list[str] = field(default_factory=list)
    """Words that carry meaning, in order, lowercased."""
    names: list[str] = field(default_factory=list)
    """Code the question names (``df.merge``, ``read_csv``, ``__init__``, ``*args``), as written."""
    libraries: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    """Libraries the question rules out ("without pandas")."""
    follow_up: bool = False
    previous: "Query | None" = None

    @property
    def concepts(self) -> list[tuple[str, ...]]:
        """What the question is about: each word with its synonyms (any of them is a match), and the
        previous question's concepts for a follow-up."""
        concepts = [(word, *SYNONYMS.get(word, ())) for word in self.words]
        if self.follow_up and self.previous is not None:
            concepts += [c for c in self.previous.concepts if c not in concepts]
        if not concepts:  # "what is pandas?": the library is the topic
            concepts = [(library,) for library in sorted(self.libraries)]
        return concepts

    @property
    def terms(self) -> list[str]:
        """Search terms: every word of every concept."""
        return list(dict.fromkeys(term for concept in self.concepts for term in concept))

    @property
    def all_libraries(self) -> set[str]:
        if self.follow_up and self.previous is not None:
            return self.libraries | self.previous.libraries
        return self.libraries

    def match_expression(self) -> str:
        """An FTS5 expression: any term may match (bm25 rewards documents matching more of them)."""
        parts = []
        for term in self.terms:
            pieces = _WORD.findall(term.lower())
            if pieces:
                parts.append('"' + " ".join(pieces) + '"')
        return " OR ".join(dict.fromkeys(parts))


def _is_code(token: str) -> bool:
    return ("." in token or "_" in token.strip("_") or token.endswith("()") or token.startswith("*")
            or token.startswith("__"))  # operators are read before this, as _SYMBOLS


def _python_keywords(text: str) -> set[str]:
    """Keywords the question uses as Python rather than as English."""
    lowered = text.lower()
    words = "|".join(sorted(KEYWORDS))
    kept = set(re.findall(rf"[`'\"]({words})[`'\"]", lowered))
    kept |= set(re.findall(rf"\b({words})\s+{_KIND}\b", lowered))
    for first, second in re.findall(rf"\b(?:between|vs\.?|versus)?\s*\b({words})\s+(?:and|vs\.?|versus|or)\s+({words})\b",
                                    lowered):
        kept |= {first, second}
    kept |= set(re.findall(rf"\b(?:between|vs\.?|versus)\s+({words})\b", lowered))
    for first, second in re.findall(rf"\b({words})\s+({words})\b", lowered):  # "else if", "not in"
        if {first, second} - {"is", "in", "as", "for", "and", "or"} or first == second:
            kept |= {first, second}
    if re.search(r"==|!=|<=|>=", text):
        kept |= {w for w in ("is", "in", "not") if re.search(rf"\b{w}\b", lowered)}
    return kept


# Learners' phrasings, rewritten into the words the documentation uses before the question is read.
REWRITES = tuple((re.compile(pattern, re.I), replacement) for pattern, replacement in (
    (r"\bget rid of\b|\bdelete\b|\berase\b", " remove "),
    (r"\bon top of each other\b|\bend to end\b|\bglue\b|\bstack (them|two|2)\b", " concat "),
    (r"\bin common\b|\boverlap\b", " intersection "),
    (r"\bswap\b|\bsubstitute\b", " swap replace "),
    (r"\b(empty|blank|missing) (values|cells|entries|data)\b|\bnulls?\b", " missing "),
    (r"\bnans?\b", " nan missing "),
    (r"\bdecimal places?\b|\bdigits after the (decimal )?(point|comma)\b", " decimal format round "),
    (r"\b(hands?|gives?|sends?|passes?) (back|out)\b", " return "),
    (r"\bcalls? itself\b", " recursion "),
    (r"\bkeyboard shortcuts?\b|\bkeys? (do i|to|should i) (press|hit|use)\b|\bhotkeys?\b", " shortcuts "),
    (r"\bexecute\b", " run "),
    (r"\b(ignore|skip|disable) (a few |some |these |the )?lines\b|\bcomment (it |them )?out\b", " comment "),
    (r"\b(parent|child|base|super) class(es)?\b|\bsubclass(es|ing)?\b", " inheritance super "),
    (r"\bcombinations?\b|\bpermutations?\b", " itertools combinations "),
    (r"\b(every|each single) (number|item|element|value|entry) (is|are|has|have)\b", " allof "),
    (r"\bat least one\b", " anyof "),
    (r"\bhow many (different|distinct|unique)\b", " count unique nunique "),
    (r"\b(different|distinct) values\b", " unique values "),
    (r"\bwith\s+\w+\(.*?\)\s+as\s+\w+", " with statement context manager "),
    (r"\bwhole numbers?\b", " integer "),
    (r"\b(are|is) (exactly |all |completely )?the same\b", " duplicates "),
    (r"\bwhat'?s the point of\b|\bwhat is the point of\b", " "),
    (r"\b[\w-]*\.(csv|txt|json|xlsx?|py|ipynb|png|jpe?g|pdf|parquet|tsv|dat)\b", " file "),
    (r"\w+\[[^\]\n]*:[^\]\n]*\]", " slicing "),
    (r"\(\s*[\w.*+ ()]+ for \w+ in\b", " generator expression "),
    (r"\[\s*[\w.*+ ()]+ for \w+ in\b", " list comprehension "),
    (r"\{\s*\w+\s*:\s*[\w.*+ ()]+ for \w+ in\b", " dict comprehension "),
))


def _rewrite(text: str) -> str:
    for pattern, replacement in REWRITES:
        text = pattern.sub(replacement, text)
    return text


def parse(text: str, previous_questions: Sequence[str] = ()) -> Query:
    text = text[:MAX_CHARS]
    query = Query(text=text)
    text = _rewrite(text)
    keywords = _python_keywords(text)
    text = re.sub(rf"\b({'|'.join(sorted(KEYWORDS))})\s+(keywords?|statements?)\b", r"\1", text, flags=re.I)
    negated = set(re.findall(r"\b(?:without|no|not|instead of|plain python,? not)\s+(pandas|numpy|matplotlib)\b",
                             text.lower()))
    for token in _TOKEN.findall(text):
        lowered = token.lower()
        if token in _SYMBOLS:
            query.names.append(token)
            query.words.extend(_SYMBOLS[token].split())
            continue
        if token.startswith("%"):  # %timeit, %%time: an IPython magic
            query.words.extend(["magic", token.lstrip("%").lower()])
            continue
        if _is_code(token):
            query.names.append(token)
            root = lowered.lstrip("*").split(".")[0].removesuffix("()")
            if root in LIBRARY_WORDS:
                query.libraries.add(LIBRARY_WORDS[root])
            for piece in _WORD.findall(lowered.removesuffix("()")):
                called = token.endswith("()") and piece == lowered.removesuffix("()")  # all(), any()
                if piece not in LIBRARY_WORDS and (called or piece not in STOPWORDS) and len(piece) > 1:
                    query.words.append(piece)
            continue
        for word in _WORD.findall(lowered):
            if word in LIBRARY_WORDS:
                query.libraries.add(LIBRARY_WORDS[word])
                if word in ("dataframe", "dataframes", "series", "ndarray"):
                    query.words.append(word)
            elif word in keywords or (word not in STOPWORDS and (len(word) > 1 or word.isdigit())):
                query.words.append(word)
    if re.search(r"\bf[- ]?strings?\b", text, re.I):  # "f string": the one letter that matters
        query.words.append("f string")
    if re.search(r"(?<![\w.])\d+\.\d+(?![\w.])", text):  # 0.1 + 0.2: a question about floats
        query.words.append("float")
    query.libraries -= negated  # "in plain python without pandas"
    query.excluded = negated
    query.words = list(dict.fromkeys(query.words))
    if previous_questions and _refers_back(text, query):
        query.follow_up = True
        query.previous = parse(previous_questions[-1], previous_questions[:-1])
    return query


def _refers_back(text: str, query: Query) -> bool:
    """A short question with no topic of its own, or one that points at the last answer."""
    words = _WORD.findall(text.lower())
    if not query.words and not query.names:
        return not query.libraries
    return len(query.words) <= 2 and len(words) <= 14 and any(w in REFERRING for w in words)
