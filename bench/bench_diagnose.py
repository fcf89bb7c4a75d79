"""How long a diagnosis takes in a heavy notebook: a 1M-row DataFrame and 200 variables.

Runs real failing cells in a real ``InteractiveShell`` (so the tracebacks, frames and
linecache entries are the ones a kernel has), then times ``diagnose_last`` on each error:
a misspelt column and a missing row label of the 1M-row frame, an attribute typo, a name
typo among 200 variables, a Series used with ``and``, mixed operand types, a missing file,
an unknown module. Also times the whole notebook context with the diagnosis (``gather``).
Prints the median and the max per case and overall; target: at most 50 ms.

    .venv/bin/python bench/bench_diagnose.py [--runs 15] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TARGET_MS = 50.0

SETUP = """
import numpy as np, pandas as pd
big = pd.DataFrame({{'price': np.arange({rows}, dtype=float), 'Quantity': np.ones({rows}),
                    'customer_name': ['c'] * {rows}, 'Region': ['north'] * {rows}}})
big.index = 'row' + big.index.astype(str)
"""

CASES = [
    ("KeyError column (1M rows)", "big['quantity'].sum()"),
    ("KeyError row label (1M labels)", "big.loc['row_12']"),
    ("AttributeError typo", "big.colums"),
    ("NameError typo (200 names)", "print(variable_1O7)"),
    ("ValueError and on Series", "big[(big.price > 5) and (big.Quantity > 0)]"),
    ("TypeError str + int", "'total: ' + var_int_6"),
    ("FileNotFoundError", "pd.read_csv('sales_2024.csv')"),
    ("ModuleNotFoundError", "import sklearn"),
]


def namespace_of_200(shell) -> None:
    """200 learner variables of mixed kinds (numbers, text, lists, dicts, small frames, functions)."""
    import pandas as pd

    ns = shell.user_ns
    for i in range(200):
        kind = i % 6
        if kind == 0:
            ns[f"var_int_{i}"] = i
        elif kind == 1:
            ns[f"variable_{i}"] = f"text {i}"
        elif kind == 2:
            ns[f"items_{i}"] = list(range(50))
        elif kind == 3:
            ns[f"lookup_{i}"] = {f"k{j}": j for j in range(20)}
        elif kind == 4:
            ns[f"frame_{i}"] = pd.DataFrame({"a": range(100), "b": range(100)})
        else:
            exec(f"def helper_{i}(x):\n    local_{i} = x * 2\n    return local_{i}", ns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rows", type=int, default=1_000_000)
    options = parser.parse_args()

    from IPython.core.interactiveshell import InteractiveShell

    from buddy_jupyter.diagnose import diagnose_last, recorder
    from buddy_jupyter.engine.context import gather

    shell = InteractiveShell.instance()
    recorder.install(shell)
    quiet = lambda source: shell.run_cell(source, store_history=True)  # noqa: E731
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        quiet(SETUP.format(rows=options.rows))
        namespace_of_200(shell)
    print(f"namespace: {sum(1 for k in shell.user_ns if not k.startswith('_'))} names; "
          f"big: {shell.user_ns['big'].shape[0]:,} rows; runs per case: {options.runs}\n")

    # The first diagnosis in a kernel imports the rule modules (once): measured apart.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        quiet("{}['warm-up']")
    started = time.perf_counter()
    diagnose_last(shell)
    first = (time.perf_counter() - started) * 1000
    print(f"first diagnosis in the kernel (imports the rules): {first:.1f} ms\n")

    every: list[float] = []
    print(f"{'case':<34} {'median ms':>10} {'max ms':>8}  rule")
    for label, cell in CASES:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = quiet(cell)
        assert not result.success, cell
        times, found = [], None
        for _ in range(options.runs):
            started = time.perf_counter()
            found = diagnose_last(shell)
            times.append((time.perf_counter() - started) * 1000)
        every += times
        rule = found.rule if found else "(none)"
        print(f"{label:<34} {statistics.median(times):>10.2f} {max(times):>8.2f}  {rule}")

    context_times = []
    for _ in range(options.runs):
        started = time.perf_counter()
        gather("why does this fail?", "import sklearn", shell.user_ns, include_error=True)
        context_times.append((time.perf_counter() - started) * 1000)
    median, worst = statistics.median(every), max(every)
    print(f"\nall diagnoses: median {median:.2f} ms, max {worst:.2f} ms (target <= {TARGET_MS:.0f} ms) "
          f"{'OK' if worst <= TARGET_MS else 'OVER'}")
    print(f"whole context with the diagnosis (gather): median {statistics.median(context_times):.2f} ms, "
          f"max {max(context_times):.2f} ms")


if __name__ == "__main__":
    main()
