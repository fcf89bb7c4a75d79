"""The offline tutor: ranking quality on the labelled questions, answer speed, the docs index.

    .venv/bin/python bench/bench_tutor.py                 # the labelled set in tests/tutor/questions/
    .venv/bin/python bench/bench_tutor.py held-out.jsonl  # any set in the same format
    options: --misses (print every miss)  --runs N (timed answers, default 200)

Figures and targets (issue 12): top-1 source >= 0.85, answer terms >= 0.9, median answer <= 150 ms warm,
first answer in a fresh process <= 1.5 s with the index cached, index build <= 5 s, index <= 30 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from buddy_jupyter.tutor import evaluate  # noqa: E402
from buddy_jupyter.tutor.index import build, index_path  # noqa: E402
from buddy_jupyter.tutor.tutor import Tutor  # noqa: E402

FIRST_ANSWER = (
    "import time; t = time.perf_counter()\n"
    "from buddy_jupyter.tutor.tutor import get_tutor\n"
    "get_tutor().answer('What is a tuple in Python?')\n"
    "print(time.perf_counter() - t)\n"
)


def row(name: str, value: str, target: str, ok: bool) -> None:
    print(f"  {name:<44} {value:>14}   target {target:<10} {'PASS' if ok else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--runs", type=int, default=200)
    options = parser.parse_args()
    sets = options.sets or sorted((ROOT / "tests" / "tutor" / "questions").glob("*.jsonl"))

    with tempfile.TemporaryDirectory() as cache:
        os.environ["BUDDY_CACHE_DIR"] = cache
        path = index_path()
        started = time.perf_counter()
        documents = build(path)
        build_s = time.perf_counter() - started
        size_mb = path.stat().st_size / 2**20

        tutor = Tutor(index_path=path)
        items = evaluate.load(sets)
        result = evaluate.score(tutor, items)

        questions = [item.question for item in items] or ["What is a tuple?"]
        times = []
        for run in range(options.runs):
            t = time.perf_counter()
            tutor.answer(questions[run % len(questions)])
            times.append(time.perf_counter() - t)

        firsts = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", FIRST_ANSWER], capture_output=True, text=True, check=True,
                                 cwd=ROOT, env={**os.environ, "BUDDY_CACHE_DIR": cache})
            firsts.append(float(out.stdout.strip().splitlines()[-1]))

    print(f"\nThe offline tutor on {len(items)} labelled questions ({', '.join(p.name for p in sets)})")
    row("top-1 source", f"{result.top1_rate:.3f}", ">= 0.85", result.top1_rate >= 0.85)
    row("answer terms", f"{result.terms_rate:.3f}", ">= 0.9", result.terms_rate >= 0.9)
    median = statistics.median(times) * 1000
    row(f"answer, warm (median of {len(times)})", f"{median:.1f} ms", "<= 150 ms", median <= 150)
    row("p95 answer, warm", f"{sorted(times)[int(len(times) * 0.95) - 1] * 1000:.1f} ms", "-", True)
    row("first answer, fresh process, index cached", f"{statistics.median(firsts):.2f} s", "<= 1.5 s",
        statistics.median(firsts) <= 1.5)
    row(f"index build ({documents} documents)", f"{build_s:.2f} s", "<= 5 s", build_s <= 5)
    row("index size", f"{size_mb:.1f} MB", "<= 30 MB", size_mb <= 30)
    if options.misses or result.misses:
        print(f"\n{len(result.misses)} questions with a wrong first source or a missing term:")
        for item, first, missing in result.misses if options.misses else result.misses[:15]:
            print(f"  {item.origin:<16} {item.question[:60]!r:<64} got {first}"
                  + (f"  missing {missing}" if missing else ""))


if __name__ == "__main__":
    main()
