"""ValueError: the ambiguous truth of a Series or array, a merge on keys of different dtypes,
text that is not a number, shapes that do not match, unpacking the wrong number of values."""

from __future__ import annotations

import ast
import re

from .diagnosis import Diagnosis
from .matching import short
from .view import MISSING, View, describe, is_frame, is_ndarray, is_series, shape_of

_LOGICAL = {ast.And: "&", ast.Or: "|"}


def _title(error: BaseException) -> str:
    return f"ValueError: {str(error).strip().splitlines()[0][:160]}"


def ambiguous_truth(error: BaseException, view: View) -> Diagnosis | None:
    """``a > 1 and b < 2`` on Series: ``&``/``|`` with parentheses; ``if s == x`` -> ``.any()``/``.all()``."""
    if "truth value of" not in str(error) or "ambiguous" not in str(error):
        return None
    kind = "a Series" if "Series" in str(error) else "a DataFrame" if "DataFrame" in str(error) else "an array"
    title = _title(error)
    facts = [f"Python's `and`, `or`, `not` and `if` need one True or False, but {kind} holds one per row."]
    for node in view.nodes_on_line():
        if isinstance(node, ast.BoolOp):
            symbol = _LOGICAL[type(node.op)]
            parts = [f"({view.segment(v)})" if not _wrapped(view, v) else view.segment(v) for v in node.values]
            return Diagnosis(title, facts + [f"Element by element, `{'and' if symbol == '&' else 'or'}` is written "
                                             f"`{symbol}`, and each comparison needs its own parentheses."],
                             f"Use `{symbol}` with parentheses around each condition.",
                             view.replaced(node, f" {symbol} ".join(parts)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Diagnosis(title, facts + ["Element by element, `not` is written `~`."], "Use `~`.",
                             view.replaced(node, f"~({view.segment(node.operand)})"))
    for node in view.nodes_on_line():
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            test = view.segment(node.test)
            return Diagnosis(title, facts + [f"`{test}` gives {kind.split()[-1]} of True/False values, one per row."],
                             "Say which you mean: `.any()` (at least one is True) or `.all()` (every one is).",
                             view.replaced(node.test, f"({test}).any()"))
    return Diagnosis(title, facts, "Use `&`, `|`, `~` between conditions, or `.any()` / `.all()` to get one answer.", "")


def _wrapped(view: View, node: ast.AST) -> bool:
    text = view.segment(node)
    return text.startswith("(") and text.endswith(")")


_MERGE = re.compile(r"You are trying to merge on (\S+) and (\S+) columns(?: for key '([^']+)')?")


def merge_dtypes(error: BaseException, view: View) -> Diagnosis | None:
    """``pd.merge`` on keys of different dtypes: both dtypes and the ``astype`` fix."""
    match = _MERGE.search(str(error))
    if not match:
        return None
    left_type, right_type, key = match.groups()
    found: list[tuple[tuple[int, int], str, object]] = []
    for node in view.nodes_on_line():
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            value = view.resolve(node)
            if is_frame(value) and not any(value is v for _, _, v in found):
                found.append(((node.lineno, node.col_offset), view.segment(node), value))
    frames = [(name, value) for _, name, value in sorted(found, key=lambda item: item[0])]  # left, then right
    title = _title(error)
    facts = [f"The key columns have different types: {left_type} on the left, {right_type} on the right."]
    numeric = left_type if left_type.startswith(("int", "float")) else right_type
    texty = right_type if numeric == left_type else left_type
    code = ""
    if len(frames) >= 2 and key:
        (left, _), (right, _) = frames[0], frames[1]
        facts = [f"`{left}['{key}']` is {left_type} and `{right}['{key}']` is {right_type}."]
        text_side = right if texty == right_type else left
        if texty in ("object", "str", "string"):
            code = f"{text_side}['{key}'] = {text_side}['{key}'].astype('{numeric}')"
            facts.append("Text that looks like numbers ('1') never equals the number (1), so no row would match.")
        else:
            code = f"{right}['{key}'] = {right}['{key}'].astype({left}['{key}'].dtype)"
    return Diagnosis(title, facts, "Give both key columns the same dtype with `astype` before merging "
                     "(`pd.to_numeric(..., errors='coerce')` if some text is not a number).", code)


_LITERAL = re.compile(r"invalid literal for int\(\) with base \d+: (.+)$|could not convert string to float: (.+)$")


def not_a_number(error: BaseException, view: View) -> Diagnosis | None:
    """``int('3.5')``, ``float('1,234')``, ``int('')``: what the text holds and how to convert it."""
    match = _LITERAL.search(str(error))
    if not match:
        return None
    raw = match.group(1) or match.group(2)
    try:
        text = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        text = raw.strip("'\"")
    title = _title(error)
    target = "int" if match.group(1) else "float"
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id == target and n.args), None)
    inner = view.segment(call.args[0]) if call is not None else "x"
    replace = (lambda text_: view.replaced(call, text_)) if call is not None else (lambda text_: text_)
    if isinstance(text, str):
        stripped = text.strip()
        if not stripped:
            return Diagnosis(title, [f"The text is empty ({short(text)}): an empty line, cell or input."],
                             "Skip empty values, or give a default.", replace(f"{target}({inner}) if {inner}.strip() else 0"))
        if target == "int" and re.fullmatch(r"[-+]?\d*\.\d+(e[-+]?\d+)?|[-+]?\d+e[-+]?\d+", stripped, re.I):
            return Diagnosis(title, [f"{short(text)} has a decimal point; `int()` reads only whole numbers from text."],
                             "Read it as a float first (then `int()` cuts off the decimals, or `round()` rounds).",
                             replace(f"int(float({inner}))"))
        if re.fullmatch(r"[-+]?[\d,]+(\.\d+)?", stripped):
            return Diagnosis(title, [f"{short(text)} has thousands separators (commas)."],
                             "Remove the commas first.", replace(f"{target}({inner}.replace(',', ''))"))
        if re.fullmatch(r"[-+]?\d+,\d+", stripped):
            return Diagnosis(title, [f"{short(text)} uses a comma as the decimal mark."],
                             "Swap it for a point.", replace(f"float({inner}.replace(',', '.'))"))
        if re.search(r"[$€£%]", stripped):
            return Diagnosis(title, [f"{short(text)} has a currency or percent sign."],
                             "Strip the sign first.", replace(f"{target}({inner}.strip('$€£% '))"))
        astype = re.search(r"([\w.\[\]'\"]+)\.astype\((?:float|int|'float\d*'|'int\d*'|\"float\d*\"|\"int\d*\")\)",
                           view.line)
        return Diagnosis(title, [f"{short(text)} is not a number written as text" +
                                 (", and the column holds it." if astype else ".")],
                         "Check the value; in pandas, `pd.to_numeric(col, errors='coerce')` turns such values into NaN.",
                         view.line.replace(astype.group(0), f"pd.to_numeric({astype.group(1)}, errors='coerce')", 1)
                         if astype else "")
    return None


def shapes(error: BaseException, view: View) -> Diagnosis | None:
    """Shape and length mismatches, with both shapes."""
    message = str(error)
    title = _title(error)
    match = re.search(r"Length of values \((\d+)\) does not match length of index \((\d+)\)", message)
    if match:
        values, rows = match.groups()
        return Diagnosis(title, [f"The new values have {values} items, but the DataFrame has {rows} rows."],
                         "Give one value per row (or a single value for every row).", "")
    match = re.search(r"Length mismatch: Expected axis has (\d+) elements, new values have (\d+) elements", message)
    if match:
        have, given = match.groups()
        return Diagnosis(title, [f"The table has {have} columns (or rows), and the new labels are {given}."],
                         "Give exactly one name per column; to rename only some, use `rename(columns={'old': 'new'})`.",
                         "")
    match = re.search(r"x and y must have same first dimension, but have shapes (\(.*?\)) and (\(.*?\))", message)
    if match:
        return Diagnosis(title, [f"x has shape {match.group(1)} and y has shape {match.group(2)}: a plot needs one y "
                                 "for each x."] + _shapes_on_line(view),
                         "Plot values of the same length (filter both the same way).", "")
    match = re.search(r"operands could not be broadcast together with shapes (.+?) (\(.*?\))\s*$", message)
    if match:
        facts = [f"The shapes are {match.group(1)} and {match.group(2)}; element-wise operations need equal "
                 "shapes (or a dimension of 1)."]
        facts += _shapes_on_line(view)
        return Diagnosis(title, facts, "Make the arrays the same length, or reshape one of them.", "")
    match = re.search(r"shapes (\(.*?\)) and (\(.*?\)) not aligned|matmul: Input operand 1 has a mismatch in its core "
                      r"dimension", message)
    if match:
        facts = ["In a matrix product the number of columns on the left must equal the number of rows on the right."]
        facts += _shapes_on_line(view)
        return Diagnosis(title, facts, "Transpose one side (`.T`) or check which matrices you multiply.", "")
    match = re.search(r"cannot reshape array of size (\d+) into shape (\(.*?\))", message)
    if match:
        return Diagnosis(title, [f"The array has {match.group(1)} values, and shape {match.group(2)} needs a different "
                                 "number."],
                         "Choose a shape whose sizes multiply to that number (`-1` lets NumPy work one out).", "")
    match = re.search(r"Expected 2D array, got 1D array instead", message)
    if match:
        call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and n.args), None)
        arg = call.args[0] if call is not None else None
        value = view.resolve(arg) if arg is not None else MISSING
        code = ""
        if isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Constant) and is_series(value):
            code = view.replaced(arg, f"{view.segment(arg.value)}[[{view.segment(arg.slice)}]]")
        elif arg is not None and is_ndarray(value):
            code = view.replaced(arg, f"{view.segment(arg)}.reshape(-1, 1)")
        facts = ["scikit-learn wants X as a table: one row per sample and one column per feature."]
        if value is not MISSING:
            facts.append(f"`{view.segment(arg)}` is {describe(value)}.")
        return Diagnosis(title, facts, "Select the feature with double brackets (a one-column DataFrame), or "
                         "`.reshape(-1, 1)` an array.", code)
    match = re.search(r"Found input variables with inconsistent numbers of samples: \[(.*?)\]", message)
    if match:
        facts = [f"X and y have different numbers of rows: {match.group(1)}."] + _shapes_on_line(view)
        return Diagnosis(title, facts, "Build X and y from the same rows (filter before splitting).", "")
    return None


def _shapes_on_line(view: View) -> list[str]:
    facts = []
    for node in view.nodes_on_line():
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            value = view.resolve(node)
            shape = shape_of(value) if value is not MISSING else None
            if shape is not None and len(facts) < 4:
                fact = f"`{view.segment(node)}` has shape {shape}."
                if fact not in facts:
                    facts.append(fact)
    return facts


def unpacking(error: BaseException, view: View) -> Diagnosis | None:
    """``a, b = [1, 2, 3]``; ``for k, v in d:`` -> ``d.items()``."""
    match = re.search(r"(too many values to unpack|not enough values to unpack) \(expected (\d+)(?:, got (\d+))?\)",
                      str(error))
    if not match:
        return None
    title = _title(error)
    expected, got = match.group(2), match.group(3)
    loop = next((n for n in view.nodes_on_line() if isinstance(n, (ast.For, ast.comprehension))), None)
    if loop is not None:
        value = view.resolve(loop.iter)
        if isinstance(value, dict):
            return Diagnosis(title, [f"Looping over a dict gives only its keys, and `{view.segment(loop.target)}` "
                                     f"asks for {expected} values each time."],
                             "Loop over `.items()` to get key and value together.",
                             view.replaced(loop.iter, f"{view.segment(loop.iter)}.items()"))
        if is_frame(value):
            return Diagnosis(title, ["Looping over a DataFrame gives its column names only."],
                             "Loop over `.iterrows()` for (index, row) pairs.",
                             view.replaced(loop.iter, f"{view.segment(loop.iter)}.iterrows()"))
    facts = [f"The left side names {expected} variables" + (f", the right side gives {got} values." if got else
                                                            ", the right side gives more values.")]
    return Diagnosis(title, facts, "Use as many names on the left as there are values on the right "
                     "(`*rest` collects the extra ones).", "")


def pandas_values(error: BaseException, view: View) -> Diagnosis | None:
    """Common pandas ValueErrors: NaN to int, masks with NaN, columns of a different length."""
    message = str(error)
    title = _title(error)
    if "Cannot convert non-finite values (NA or inf) to integer" in message or \
            "cannot convert float NaN to integer" in message:
        return Diagnosis(title, ["The column has missing values (NaN), and plain integers cannot hold NaN."],
                         "Fill them first (`.fillna(0)`), or use pandas' nullable integer type `'Int64'`.",
                         view.line.replace("astype(int)", "astype('Int64')") if "astype(int)" in view.line else "")
    if "Cannot mask with non-boolean array containing NA / NaN values" in message:
        code = re.sub(r"(\.str\.(?:contains|startswith|endswith|match)\([^)]*)\)", r"\1, na=False)", view.line, 1)
        return Diagnosis(title, ["The condition has missing values (NaN) where True/False was needed: "
                                 "`.str` methods give NaN for missing text."],
                         "Tell the string method what missing text counts as: `na=False`.",
                         code if code != view.line else "")
    return None


def unparsable_number(error: BaseException, view: View) -> Diagnosis | None:
    """``pd.to_numeric(col)`` with a value that is not a number: ``errors='coerce'``."""
    match = re.search(r"""Unable to parse string ["'](.*?)["'] at position (\d+)""", str(error))
    if not match:
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call)
                 and view.segment(n.func).endswith("to_numeric")), None)
    code = ""
    if call is not None and not any(k.arg == "errors" for k in call.keywords):
        parts = [view.segment(a) for a in call.args] + [view.segment(k) for k in call.keywords]
        code = view.replaced(call, f"{view.segment(call.func)}({', '.join(parts + [repr('coerce')])})".replace(
            f", {repr('coerce')})", ", errors='coerce')"))
    return Diagnosis(_title(error), [f"The value {short(match.group(1))} at position {match.group(2)} is not a number."],
                     "Turn what cannot be read into NaN with `errors='coerce'` (then look at those rows), or clean "
                     "the text first.", code)


def substring_missing(error: BaseException, view: View) -> Diagnosis | None:
    """``text.index('z')``: the text does not contain it; ``find`` gives -1 instead of an error."""
    if str(error) != "substring not found":
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr in ("index", "rindex")), None)
    code = view.replaced(call.func, f"{view.segment(call.func.value)}.{'find' if call.func.attr == 'index' else 'rfind'}") \
        if call is not None else ""
    return Diagnosis(_title(error), ["The text does not contain what `index` looked for."],
                     "Use `find` (it gives -1 when the text is not there), or test with `in` first.", code)


def list_remove(error: BaseException, view: View) -> Diagnosis | None:
    """``lst.remove(x)`` / ``lst.index(x)`` with x not in the list."""
    match = re.match(r"list\.remove\(x\): x not in list|(.+) is not in list", str(error))
    if not match:
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr in ("remove", "index")), None)
    name = view.segment(call.func.value) if call is not None else "the list"
    value = view.resolve(call.func.value) if call is not None else MISSING
    facts = [f"`{name}` does not contain that value" + (f" ({describe(value)})." if value is not MISSING else ".")]
    code = f"if {view.segment(call.args[0])} in {name}:\n    {view.segment(call)}" if call is not None and call.args else ""
    return Diagnosis(_title(error), facts, "Check with `in` before removing or looking it up.", code)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y", "%Y%m%d",
                 "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y")


def date_format(error: BaseException, view: View) -> Diagnosis | None:
    """``pd.to_datetime(..., format=...)`` / ``strptime`` with a format the text does not follow."""
    match = re.search(r"""time data ["'](.+?)["'] does not match format ["'](.+?)["']|time data ["'](.+?)["'] """
                      r"""doesn't match format ["'](.+?)["']""", str(error))
    if not match:
        return None
    text = match.group(1) or match.group(3)
    wanted = match.group(2) or match.group(4)
    from datetime import datetime

    fits = []
    for candidate in _DATE_FORMATS:
        try:
            datetime.strptime(text, candidate)
            fits.append(candidate)
        except ValueError:
            continue
    facts = [f"The text {short(text)} does not follow the format `{wanted}`."]
    if not fits:
        return Diagnosis(_title(error), facts, "Write the format the text really has (`%d` day, `%m` month, `%Y` "
                         "year), or pass `format='mixed'` to `pd.to_datetime`.", "")
    facts.append(f"It fits `{fits[0]}`" + (f" (and `{fits[1]}`: check which is day and which is month)." if len(fits) > 1
                                          else "."))
    code = view.line.replace(wanted, fits[0], 1) if wanted in view.line else ""
    return Diagnosis(_title(error), facts, "Use the format the text has.", code)


def json_text(error: BaseException, view: View) -> Diagnosis | None:
    """``json.loads`` on text that is not JSON: single quotes, an empty answer, an HTML page."""
    if type(error).__name__ != "JSONDecodeError":
        return None
    message = str(error)
    title = f"JSONDecodeError: {message[:120]}"
    if "Expecting property name enclosed in double quotes" in message:
        return Diagnosis(title, ["JSON needs double quotes around names and texts; `{'a': 1}` is a Python dict written "
                                 "as text, not JSON."],
                         "Write JSON with double quotes, or read Python-style text with `ast.literal_eval`.",
                         "import ast\ndata = ast.literal_eval(text)")
    if "Expecting value: line 1 column 1 (char 0)" in message:
        return Diagnosis(title, ["The text is empty or does not start like JSON (an empty file, or an HTML error page "
                                 "from a web request)."],
                         "Print the first characters of the text (`text[:200]`) to see what arrived.", "")
    return Diagnosis(title, [f"The text is not valid JSON at {message.split('line', 1)[-1].strip() if 'line' in message else 'that point'}."],
                     "Look at the text around that position.", "")


def file_encoding(error: BaseException, view: View) -> Diagnosis | None:
    """``UnicodeDecodeError`` reading a file: it is not UTF-8 (often Windows' latin-1/cp1252)."""
    if not isinstance(error, UnicodeDecodeError):
        return None
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call) and n.args
                 and view.segment(n.func).split(".")[-1] in ("read_csv", "read_table", "open", "read_text", "loadtxt",
                                                             "read_fwf", "genfromtxt")), None)
    facts = [f"The file is not UTF-8 text: byte {error.object[error.start:error.start + 1]!r} at position "
             f"{error.start} is not valid in {error.encoding}.",
             "Files saved by Excel or Windows programs are often in latin-1 (cp1252)."]
    code = ""
    if call is not None:
        parts = [view.segment(a) for a in call.args] + [view.segment(k) for k in call.keywords if k.arg != "encoding"]
        code = view.replaced(call, f"{view.segment(call.func)}({', '.join(parts + [repr('latin-1')][:0] + ['encoding=' + repr('latin-1')])})")
    return Diagnosis(f"UnicodeDecodeError: '{error.encoding}' codec can't decode the file",
                     facts, "Tell Python the file's encoding.", code)


def bad_lines(error: BaseException, view: View) -> Diagnosis | None:
    """pandas ``ParserError: Expected 3 fields in line 5, saw 4``: a different separator or stray commas."""
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
    if not match:
        return None
    expected, line, saw = match.groups()
    call = next((n for n in view.nodes_on_line() if isinstance(n, ast.Call)
                 and view.segment(n.func).endswith("read_csv")), None)
    facts = [f"The first lines have {expected} fields, but line {line} has {saw}: a text with a comma inside and "
             "no quotes, or a file separated by `;` or tabs."]
    code = ""
    if call is not None:
        parts = [view.segment(a) for a in call.args] + [view.segment(k) for k in call.keywords]
        code = view.replaced(call, f"{view.segment(call.func)}({', '.join(parts + ['sep=None', 'engine=' + repr('python')])})")
    return Diagnosis(f"ParserError: Expected {expected} fields in line {line}, saw {saw}", facts,
                     f"Look at line {line} of the file. Let pandas detect the separator (`sep=None, engine='python'`), "
                     "or give it (`sep=';'`); `on_bad_lines='skip'` drops the odd lines.", code)


def format_code(error: BaseException, view: View) -> Diagnosis | None:
    """``f"{x:d}"`` with a float, ``f"{name:.2f}"`` with a str: the format code does not fit the value."""
    match = re.match(r"Unknown format code '(\w)' for object of type '(\w+)'", str(error))
    if not match:
        return None
    code, kind = match.groups()
    fix = {("d", "float"): "Use `.0f` to show a float without decimals, or convert it with `int()`.",
           ("f", "str"): "The value is text: convert it with `float()` before formatting."}.get(
        (code, kind), f"Pick a format code that fits a {kind}.")
    return Diagnosis(f"ValueError: {str(error)[:120]}", [f"The format code `{code}` does not apply to a {kind}."], fix,
                     view.line.replace(":d}", ":.0f}", 1) if (code, kind) == ("d", "float") and ":d}" in view.line else "")


RULES = {ValueError: [unparsable_number, substring_missing, file_encoding, bad_lines, format_code, json_text, date_format, ambiguous_truth, merge_dtypes, not_a_number, shapes, unpacking, pandas_values, list_remove]}
