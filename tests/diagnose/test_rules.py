"""The rules on their own, their order, and the safety properties: no learner code runs, no
unbounded repr, a failing rule or a broken object never reaches the cell."""

from __future__ import annotations

import json
import sys
import time
import warnings

import pytest

from buddy_jupyter.diagnose import core, diagnose, diagnose_last, recorder
from buddy_jupyter.diagnose.diagnosis import Diagnosis
from buddy_jupyter.diagnose.matching import close_matches

from .conftest import explain, run_quietly


def last(shell):
    return diagnose_last(shell)


def test_close_matches_case_space_underscore_first_then_similarity():
    assert close_matches("score", ["Score", "scores"]) == ["Score"]
    assert close_matches("first name", ["First_Name", "name"]) == ["First_Name"]
    assert close_matches("colums", ["columns", "index"])[0] == "columns"
    assert close_matches("zzz", ["columns"]) == []
    assert close_matches(3, [3, "3"]) == []


def test_markdown_has_error_facts_fix_and_code_and_no_section_break():
    d = Diagnosis("KeyError: 'score'", ["`df` has no column 'score'."], "Use 'Score'.", "## df['Score']")
    text = d.markdown()
    assert text.startswith("**KeyError: 'score'**") and "- `df` has no column" in text
    assert "```python\n ## df['Score']\n```" in text  # a '## ' line cannot end the Diagnosis section
    assert d.context_block().startswith("## Diagnosis\n**KeyError")


def test_namerror_order_spelling_before_import(shell):
    run_quietly(shell, "pd_data = 1")
    run_quietly(shell, "pd_dta")
    assert last(shell).rule == "spelling"
    run_quietly(shell, "pd.DataFrame()")
    assert last(shell).rule == "missing_import"


def test_name_defined_in_a_notebook_cell_not_run_since_restart(shell, tmp_path):
    notebook = {"cells": [{"cell_type": "code", "source": ["import pandas as pd\n", "threshold = 50\n"],
                           "metadata": {}, "outputs": [], "execution_count": None}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "lesson.ipynb").write_text(json.dumps(notebook))
    run_quietly(shell, "print(threshold)")
    answer, _ = explain(shell)
    assert "threshold = 50" in answer and "restarted kernel" in answer


def test_name_defined_in_an_earlier_kernel_session(shell, monkeypatch):
    manager = shell.history_manager
    earlier = (manager.session_number or 1) - 1

    def search(pattern="*", raw=True, search_raw=True, output=False, n=None, unique=False):
        return iter([(earlier, 3, "rate = 0.2\nprint(rate)")])

    monkeypatch.setattr(manager, "search", search)
    monkeypatch.setattr(manager, "enabled", True)
    run_quietly(shell, "cost = 10 * rate")
    found = last(shell)
    assert found.rule == "not_run_since_restart" and found.code == "rate = 0.2"
    assert "before the kernel restarted" in " ".join(found.facts)


def test_a_failing_rule_is_skipped_and_never_raises(shell, monkeypatch):
    run_quietly(shell, "import pandas as pd\ndf = pd.DataFrame({'Score': [1]})")
    run_quietly(shell, "df['score']")

    def broken(error, view):
        raise RuntimeError("a bug in a rule")

    original = core.rules_for
    monkeypatch.setattr(core, "rules_for", lambda error: [broken] + original(error))
    assert last(shell).rule == "frame_column"
    monkeypatch.setattr(core, "rules_for", lambda error: [broken])
    assert last(shell) is None


def test_a_failure_outside_the_rules_gives_none_and_explain_still_answers(shell, monkeypatch):
    run_quietly(shell, "{}['missing']")

    def explode(*args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(core, "View", explode)
    assert diagnose(sys.last_value, namespace=shell.user_ns) is None
    answer, snapshot = explain(shell)
    assert "## Diagnosis" not in snapshot and "KeyError" in snapshot  # the traceback text is still there
    assert answer


REPR_TRAP = '''
calls = []
class Trap:
    def __repr__(self):
        calls.append("repr"); raise RuntimeError("no repr for you")
    __str__ = __repr__
    @property
    def value(self):
        calls.append("property"); return 1
    def __eq__(self, other):
        calls.append("eq"); raise RuntimeError("no eq")
    __hash__ = object.__hash__
trap = Trap()
'''


def test_objects_whose_repr_raises_are_described_by_type_only(shell):
    run_quietly(shell, REPR_TRAP)
    run_quietly(shell, "trap.valeu")
    found = last(shell)
    assert found.rule == "close_attribute" and "`value`" in found.facts[0] and found.code == "trap.value"
    run_quietly(shell, "box = {trap: 1, 'label': 2}\nbox['lable']")
    found = last(shell)
    assert found.code == "box['label']" and "Trap" in " ".join(found.facts)
    run_quietly(shell, "trap + 1")
    assert last(shell) is not None or True
    assert shell.user_ns["calls"] == [], "the diagnosis ran learner code"


def test_huge_frame_is_never_printed_and_stays_fast(shell):
    run_quietly(shell, "import numpy as np, pandas as pd\n"
                       "big = pd.DataFrame({'price': np.arange(1_000_000), 'Quantity': np.ones(1_000_000)})\n"
                       "big.index = big.index.astype(str)")
    run_quietly(shell, "import pandas as pd\npd.DataFrame.__repr__ = lambda self: 1 / 0")
    try:
        run_quietly(shell, "big['quantity'].sum()")
        started = time.perf_counter()
        found = last(shell)
        elapsed = time.perf_counter() - started
        assert found.code == "big['Quantity'].sum()" and "1,000,000 rows" not in found.markdown()
        assert elapsed < 5, elapsed  # not seconds of printing a million rows; the speed is bench_diagnose's
        run_quietly(shell, "big.loc['x']")
        started = time.perf_counter()
        found = last(shell)
        assert time.perf_counter() - started < 5
        assert "1,000,000 labels" in " ".join(found.facts)
    finally:
        del sys.modules["pandas"].DataFrame.__repr__


def test_an_error_raised_by_learner_code_inside_a_function_uses_its_frame(shell):
    run_quietly(shell, "def average(values):\n    total = sum(values)\n    return total / len(values)")
    run_quietly(shell, "average([])")
    found = last(shell)
    assert found.rule == "division_by_zero" and "`len(values)` is 0" in found.facts[0]


def test_warning_after_an_error_is_the_last_problem_and_explain_explains_it(shell):
    run_quietly(shell, "import pandas as pd\ndf = pd.DataFrame({'age': [20, 30], 'Score': [1, 2]})")
    run_quietly(shell, "1 / 0")
    run_quietly(shell, "df[df.age > 20]['Score'] = 0")
    kind, record = recorder.last_problem()
    assert kind == "warning" and "chained assignment" in record.message
    answer, snapshot = explain(shell)
    assert "df.loc[df.age > 20, 'Score'] = 0" in answer
    assert "## Diagnosis" in snapshot


def test_error_after_a_warning_wins(shell):
    run_quietly(shell, "import warnings\nwarnings.warn('old news', FutureWarning)")
    run_quietly(shell, "undefined_thing")
    assert recorder.last_problem()[0] == "error"


def test_future_warning_names_the_suggested_replacement(shell):
    run_quietly(shell, "import warnings\nwarnings.warn('frobnicate is deprecated; use `frob2()` instead', FutureWarning)")
    answer, _ = explain(shell)
    assert "frob2()" in answer and "does not stop" in answer


def test_inplace_column_method_warning(shell):
    run_quietly(shell, "import pandas as pd\ndf = pd.DataFrame({'Score': [1.0, None]})")
    run_quietly(shell, "df['Score'].fillna(0, inplace=True)")
    found = last(shell)
    assert found.code == "df['Score'] = df['Score'].fillna(0)"


def test_recorder_wraps_and_unwraps_showwarning(shell):
    assert warnings.showwarning is recorder._showwarning
    shell.run_cell("%unload_ext buddy_jupyter", store_history=False)
    assert warnings.showwarning is not recorder._showwarning
    assert recorder.last_warning() is None
    shell.run_cell("%load_ext buddy_jupyter", store_history=False)
    assert warnings.showwarning is recorder._showwarning


def test_buddy_cells_own_warnings_are_not_the_learners(shell):
    recorder.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        recorder._showwarning("inside the buddy", UserWarning, "x.py", 1)
    assert recorder.last_warning() is not None  # a learner's cell: recorded
    recorder.clear()
    run_quietly(shell, "%buddy help")
    shell.compile.cache("%buddy help", 99)
    recorder._showwarning("inside the buddy", UserWarning, "x.py", 1)
    assert recorder.last_warning() is None


def test_load_ext_does_not_import_the_rules():
    import subprocess

    code = ("from IPython.core.interactiveshell import InteractiveShell\nimport sys\n"
            "sh = InteractiveShell.instance()\nsh.run_cell('%load_ext buddy_jupyter')\n"
            "print(sorted(m for m in sys.modules if m.startswith('buddy_jupyter.diagnose')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip().endswith("['buddy_jupyter.diagnose', 'buddy_jupyter.diagnose.recorder']"), out


def test_syntax_fix_is_checked_by_parsing(shell):
    run_quietly(shell, "while True print('x')")
    found = last(shell)
    assert found is not None and found.error.startswith("SyntaxError")
    assert not found.code or "print" in found.code


def test_no_error_at_all(shell):
    sys.last_value = None
    recorder.clear()
    assert diagnose_last(shell) is None
    result = shell.run_cell("%buddy explain")
    assert type(result.error_in_exec).__name__ == "UsageError"


def test_knowledge_tables_are_checked_like_code():
    """The tables the rules use are data: every entry must parse, bind what it says, and name what exists."""
    import ast
    import re

    import numpy
    import pandas

    from buddy_jupyter.diagnose import attributes, imports, names

    assert len(imports.DISTRIBUTIONS) >= 30
    for module, package in imports.DISTRIBUTIONS.items():
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", package), package
    for alias, statement in names.IMPORTS.items():
        tree = ast.parse(statement)
        bound = {(a.asname or a.name) for node in tree.body for a in node.names}
        assert alias in bound, (alias, statement)
    for (owner, name), (replacement, fact) in attributes.REMOVED.items():
        if owner == "numpy":
            assert not hasattr(numpy, name) or name in ("bool", "object", "str", "int", "float") and \
                getattr(numpy, name, None) is not getattr(__builtins__, name, object()), name
        if owner in ("DataFrame", "Series"):
            assert not hasattr(getattr(pandas, owner), name), f"{owner}.{name} exists again"
    holders = [pandas, pandas.DataFrame, pandas.Series, list, str, dict]
    for wrong, right in attributes.SYNONYMS.items():
        assert any(hasattr(h, right) for h in holders), (wrong, right)
    for (kind, attr), (fact, fix, template) in attributes.WRONG_TYPE.items():
        ast.parse(template.format(obj="x"))
    for old, new in imports.MOVED.items():
        ast.parse(new.format(name="x"))


def test_the_learners_own_exception_class_is_not_read():
    class Odd(ValueError):
        def __str__(self):
            raise AssertionError("learner code ran")

    Odd.__module__ = "__main__"
    assert diagnose(Odd(), namespace={}) is None


def test_a_warning_whose_name_has_a_digit_still_opens_the_offline_answer(shell):
    run_quietly(shell, "import warnings\nclass Pandas4Warning(FutureWarning): pass\n"
                       "warnings.warn('the inplace keyword is deprecated', Pandas4Warning)")
    from buddy_jupyter.engine.context import last_error

    assert last_error().startswith("FutureWarning (Pandas4Warning): the inplace keyword")
    answer, _ = explain(shell)
    assert answer.startswith("**Pandas4Warning: the inplace keyword is deprecated**")
