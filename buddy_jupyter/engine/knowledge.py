"""The offline buddy's built-in notes on common Python and pandas stumbling blocks.

Each note has the words that trigger it and a short explanation with a fix.
Matching is by keyword overlap, so the notes stay plain data a teacher can extend.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    topic: str
    triggers: tuple[str, ...]
    text: str


NOTES: tuple[Note, ...] = (
    Note("KeyError", ("keyerror", "key error", "missing key", "column not found"),
         "A `KeyError` means you looked up a key (a dict key, or a DataFrame column or index label) "
         "that is not there. Check the exact spelling and case, and look for stray spaces: "
         "`df.columns.tolist()` or `list(d)` shows what exists. For dicts, `d.get(key, default)` avoids "
         "the error; for DataFrames, `df.columns = df.columns.str.strip()` fixes padded headers."),
    Note("NameError", ("nameerror", "not defined", "name error"),
         "A `NameError` means Python does not know that name yet. In a notebook the usual cause is "
         "running cells out of order, or after a kernel restart: run the cell that defines it first "
         "(Run All Above helps). Also check for typos and for names defined only inside a function."),
    Note("TypeError", ("typeerror", "not subscriptable", "unsupported operand", "not callable",
                       "can only concatenate", "missing 1 required"),
         "A `TypeError` means an operation got a value of the wrong type: adding a `str` to an `int`, "
         "calling something that is not a function, or indexing `None`. Print `type(x)` of each value "
         "on the failing line; convert explicitly (`str(n)`, `int(s)`, `float(s)`) where you mix types."),
    Note("ValueError", ("valueerror", "invalid literal", "could not convert", "truth value of"),
         "A `ValueError` means the type was right but the value was not: `int('3.5')`, or using a whole "
         "Series in an `if`. For the latter (\"The truth value of a Series is ambiguous\") use `.any()`, "
         "`.all()`, or combine conditions with `&` and `|` inside parentheses instead of `and`/`or`."),
    Note("IndexError", ("indexerror", "out of range", "index error"),
         "An `IndexError` means a position past the end of a list or array. Python counts from 0, so "
         "the last item of a list of length n is `n - 1` (or `-1`). Check `len(x)` first; with "
         "DataFrames prefer `.iloc[i]` for positions and `.loc[label]` for labels."),
    Note("AttributeError", ("attributeerror", "has no attribute", "nonetype"),
         "An `AttributeError` means the object has no such method or attribute. Very often the object is "
         "`None` because a function (or an in-place method like `list.sort()` or `df.drop(..., "
         "inplace=True)`) returned nothing. Check `type(obj)` and whether the method exists with `dir(obj)`."),
    Note("ImportError", ("modulenotfounderror", "importerror", "no module named", "import error"),
         "`ModuleNotFoundError` means the package is not installed in the environment the kernel runs "
         "in. Install it into that kernel with `%pip install package-name` in a cell, then restart the "
         "kernel. Check the spelling: the import name can differ from the pip name (e.g. `sklearn` is "
         "`scikit-learn`)."),
    Note("ZeroDivisionError", ("zerodivisionerror", "division by zero"),
         "A `ZeroDivisionError` means a divisor was 0. Guard it (`x / n if n else 0`), or with pandas "
         "and NumPy, division by zero gives `inf`/`NaN` instead of an error: clean them with "
         "`.replace([np.inf, -np.inf], np.nan)`."),
    Note("merge", ("merge", "join", "drop rows", "drops rows", "lost rows", "rows missing"),
         "`pd.merge` keeps only rows whose keys match in both frames by default (`how='inner'`). Rows "
         "disappear when keys differ in type (`'1'` vs `1`), case or whitespace, or are missing. Use "
         "`how='left'` to keep every row of the left frame, and `indicator=True` to see which rows "
         "matched (`_merge` column). Check `df.key.dtype` on both sides and `validate='one_to_one'` to "
         "catch duplicate keys, which multiply rows instead."),
    Note("groupby", ("groupby", "group by", "aggregate", "agg("),
         "`df.groupby('col')` splits rows into groups; then aggregate with `.sum()`, `.mean()`, "
         "`.size()` or `.agg({'x': 'mean', 'y': 'max'})`. Use `as_index=False` or `.reset_index()` to "
         "get the key back as a column; `dropna=False` keeps a group for missing keys; non-numeric "
         "columns need `numeric_only=True` for `mean`."),
    Note("SettingWithCopyWarning", ("settingwithcopy", "copy of a slice", "chained assignment"),
         "`SettingWithCopyWarning` warns that you may be changing a temporary copy: `df[df.a > 0]['b'] "
         "= 1` does not change `df`. Write it in one step with `.loc`: `df.loc[df.a > 0, 'b'] = 1`, or "
         "take an explicit copy first: `sub = df[df.a > 0].copy()`."),
    Note("missing data", ("nan", "missing values", "isna", "fillna", "dropna", "null"),
         "Missing values show as `NaN`/`NaT`/`<NA>`. Count them with `df.isna().sum()`; drop rows with "
         "`df.dropna(subset=['col'])` or fill with `df['col'].fillna(value)`. Note `NaN != NaN`: test "
         "with `pd.isna(x)`, never `x == np.nan`."),
    Note("list comprehension", ("comprehension", "list comp"),
         "A list comprehension builds a list in one expression: `[expr for item in iterable if "
         "condition]`. For example `[x * x for x in range(5) if x % 2 == 0]` gives `[0, 4, 16]`. It "
         "reads left to right like the loop it replaces; use `{k: v for ...}` for a dict and `(... for "
         "...)` for a lazy generator."),
    Note("loops", ("for loop", "while loop", "iterate", "enumerate", "range("),
         "A `for` loop runs once per item: `for i, item in enumerate(items):` gives position and item. "
         "`range(n)` counts 0 to n-1. With pandas, prefer column operations (`df['c'] = df.a * 2`) over "
         "looping rows; they are simpler and much faster."),
    Note("functions", ("def ", "function", "return", "argument", "parameter"),
         "A function packages steps under a name: `def area(w, h): return w * h`. Without `return` it "
         "gives back `None`. Default values go last (`def f(x, n=2)`); never use a mutable default like "
         "`[]`, use `None` and create the list inside."),
    Note("plotting", ("plot", "matplotlib", "chart", "figure", "axis", "seaborn"),
         "In a notebook, `df.plot(x='day', y='minutes')` or `plt.plot(xs, ys)` draws inline. Give every "
         "chart a title and axis labels (`ax.set_title`, `ax.set_xlabel`); `fig, ax = plt.subplots()` "
         "gives explicit control, and `plt.tight_layout()` fixes overlapping labels."),
    Note("dtypes", ("dtype", "astype", "object column", "to_numeric", "to_datetime"),
         "Each column has a dtype; numbers read from messy CSVs often arrive as `object` (text). Convert "
         "with `pd.to_numeric(df.c, errors='coerce')` or `pd.to_datetime(df.d)`; `errors='coerce'` turns "
         "bad values into `NaN` so you can find them with `isna()`."),
)


def match_notes(text: str, limit: int = 2) -> list[Note]:
    """The notes whose triggers occur in ``text``, best first."""
    lowered = text.lower()
    scored = []
    for index, note in enumerate(NOTES):
        hits = sum(1 for trigger in note.triggers if trigger in lowered)
        if note.topic.lower() in lowered:
            hits += 2
        if hits:
            scored.append((-hits, index, note))
    return [note for _, _, note in sorted(scored)[:limit]]
