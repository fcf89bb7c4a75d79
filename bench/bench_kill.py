"""SIGKILL mid-answer, N rounds: are the words already shown kept (issue 10)?

Each round starts a process running a real ``Turn`` (reasoning, a tool call, then one word every
``--pace`` seconds, flushed every second), kills it with SIGKILL at a random moment of its first
``--within`` seconds of text, reopens the store and compares: the answer must be marked aborted, its
stored text a prefix of what was shown, and non-empty whenever a word had been shown.

    .venv/bin/python bench/bench_kill.py --rounds 100
"""

from __future__ import annotations

import argparse
import json
import random
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
WORKER = REPO / "tests" / "store" / "worker.py"


def one_round(folder: Path, delay: float, pace: float) -> dict:
    from buddy_jupyter.store import Store

    path = folder / ".buddy" / "lesson.duckdb"
    proc = subprocess.Popen([sys.executable, str(WORKER), "streaming-turn", json.dumps([str(path), 1.0, pace])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "PATH": "/usr/bin:/bin"})
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    answer_id, shown, first_at = None, "", None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        timeout = None if first_at is None else max(0.0, first_at + delay - time.monotonic())
        if first_at is not None and timeout == 0:
            break
        if not selector.select(timeout=timeout if timeout is not None else 1.0):
            continue
        line = proc.stdout.readline()
        if line.startswith("ANSWER"):
            answer_id = line.split()[1]
        elif line.startswith("SHOWN text "):
            shown = json.loads(line.split(" ", 2)[2])
            if first_at is None:
                first_at = time.monotonic()
                if delay == 0:
                    break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for line in proc.stdout.read().splitlines():  # shown before the kill, still in the pipe
        if line.startswith("SHOWN text "):
            shown = json.loads(line.split(" ", 2)[2])
    store = Store(path, notebook=str(folder / "lesson.ipynb"), idle_release=0)
    message = store.get_message(answer_id)
    text = "".join(p.text for p in message.parts if p.type == "text")
    store.close()
    return {"shown_words": len(shown.split()), "kept_words": len(text.split()),
            "aborted": message.info.finish == "aborted", "prefix": shown.startswith(text),
            "kept_any": bool(text) or not shown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--within", type=float, default=1.5, help="kill within this many seconds of the first word")
    parser.add_argument("--pace", type=float, default=0.1, help="seconds between words (about 10 words a second)")
    args = parser.parse_args()
    rng = random.Random(10)
    results = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            results.append(one_round(Path(tmp) / f"r{n}", rng.uniform(0, args.within), args.pace))
    lost_all = [r for r in results if not r["kept_any"]]
    behind = [r["shown_words"] - r["kept_words"] for r in results]
    print(f"{args.rounds} SIGKILLs within {args.within:g} s of the first word ({time.monotonic() - started:.0f} s)")
    print(f"  answers marked aborted: {sum(r['aborted'] for r in results)}/{len(results)}")
    print(f"  stored text a prefix of the shown text: {sum(r['prefix'] for r in results)}/{len(results)}")
    print(f"  rounds where words were shown but none kept: {len(lost_all)}")
    print(f"  words shown but not kept: median {sorted(behind)[len(behind) // 2]}, max {max(behind)} "
          f"(at most one flush interval of words)")


if __name__ == "__main__":
    main()
