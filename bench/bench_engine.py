#!/usr/bin/env python
"""Engine benchmark: what the extension costs at load, at the first answer, per turn and on screen.

Run:  .venv/bin/python bench/bench_engine.py            (about 40 s)
      .venv/bin/python bench/bench_engine.py --quick    (fewer runs, for trying changes)

Figures (medians):
  1. ``%load_ext buddy_jupyter`` over a bare IPython start: fresh subprocesses, alternating, timing
     ``InteractiveShell.instance()`` with and without ``sh.run_cell('%load_ext buddy_jupyter')``; the
     difference of medians (target <= 30 ms), and the load_ext cell alone timed inside those processes;
     with ``-X importtime``, the modules load_ext adds when the target is missed (or with --verbose).
  2. first offline answer from a fresh kernel (jupyter_client ``start_new_kernel``, JPY_SESSION_NAME
     in a new temp folder per run, so the store is created): send ``%buddy What is a KeyError?`` ->
     execute reply (target <= 1.5 s); kernel start and the second answer reported beside it; then a
     phase breakdown of the first answer in a fresh in-process shell (imports, store creation, the turn).
  3. engine overhead of one turn beyond the store: ``Turn`` on a real store with a runner emitting
     StepStart, 500 TextDelta, StepFinish instantly; total turn time minus the time inside the Store
     methods (wrapped on the instance, nesting counted once; a transaction counts its BEGIN and COMMIT,
     not the engine code in its body).
  4. display updates per second while streaming: ``%buddy`` in an ``InteractiveShell`` with a runner
     emitting 500 tokens over ~2.5 s; ``LiveAnswer.updates`` / streaming time (target <= 20 /s).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable

ROWS: list[tuple[str, str, str, str]] = []
"""(figure, measured median, target, ok/MISS/-) for the final table."""


def row(figure: str, measured: str, target: str = "-", ok: bool | None = None) -> None:
    ROWS.append((figure, measured, target, "-" if ok is None else ("ok" if ok else "MISS")))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JPY_", "BUDDY_", "OPENAI_", "ANTHROPIC_", "GOOGLE_", "GEMINI_"))}
    env.update(extra)
    return env


# -- 1. %load_ext cost ---------------------------------------------------------------------------

BARE = ("import time; t0 = time.perf_counter()\n"
        "from IPython.core.interactiveshell import InteractiveShell; sh = InteractiveShell.instance()\n")
WITH = BARE + ("t1 = time.perf_counter(); sh.run_cell('%load_ext buddy_jupyter')\n"
               "print('LOAD_EXT', time.perf_counter() - t1)\n"
               "import sys; assert 'buddy' in sh.magics_manager.magics['line'], 'not loaded'\n")
PASS = BARE + "t1 = time.perf_counter(); sh.run_cell('pass'); print('PASS', time.perf_counter() - t1)\n"
"""Reference: IPython's own cost of a first cell (its lazy imports), which the load_ext cell also pays."""


def bench_load_ext(runs: int, verbose: bool, scratch: Path) -> None:
    print(f"\n[1] %load_ext buddy_jupyter over a bare IPython start ({runs} fresh processes each, alternating)")
    env = clean_env(IPYTHONDIR=str(scratch / "ipython"), PYTHONDONTWRITEBYTECODE="")
    cwd = scratch / "cwd1"
    cwd.mkdir()

    def spawn(code: str) -> tuple[float, str]:
        started = time.perf_counter()
        done = subprocess.run([PY, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"subprocess failed:\n{done.stderr}")
        return elapsed, done.stdout

    for _ in range(2):  # warm the page cache, the .pyc files and the IPython profile folder
        spawn(BARE), spawn(WITH)
    bare, loaded, inside, first_cell, pairs = [], [], [], [], []
    for i in range(runs):
        order = (BARE, WITH) if i % 2 == 0 else (WITH, BARE)
        pair = {}
        for code in order:
            elapsed, out = spawn(code)
            pair[code is BARE] = elapsed
            if code is BARE:
                bare.append(elapsed)
            else:
                loaded.append(elapsed)
                inside.append(float(re.search(r"LOAD_EXT ([0-9.e-]+)", out).group(1)))
        pairs.append(pair[False] - pair[True])
        if i % 2:  # a reference process every other round
            first_cell.append(float(re.search(r"PASS ([0-9.e-]+)", spawn(PASS)[1]).group(1)))
    b, w, i_med = statistics.median(bare), statistics.median(loaded), statistics.median(inside)
    p_med = statistics.median(first_cell)
    diff = w - b
    print(f"    bare IPython start       median {ms(b)}  (min {ms(min(bare))}, max {ms(max(bare))})")
    print(f"    + %load_ext              median {ms(w)}  (min {ms(min(loaded))}, max {ms(max(loaded))})")
    print(f"    difference of medians {ms(diff)}; median of paired differences {ms(statistics.median(pairs))}; "
          f"difference of minimums {ms(min(loaded) - min(bare))}")
    print(f"    load_ext cell in-process median {ms(i_med)}  (min {ms(min(inside))}, max {ms(max(inside))})")
    print(f"    a first 'pass' cell, in-process median {ms(p_med)} (IPython's own first-cell imports: "
          f"logger, hashlib, bdb; the load_ext cell pays them too)")
    row("1. %load_ext cost (diff of process medians)", ms(diff), "<= 30 ms", diff <= 0.030)
    row("1. %load_ext cell alone, in-process (cold)", ms(i_med), "<= 30 ms", i_med <= 0.030)
    row("1. ... of which a first IPython cell costs", ms(p_med))
    row("1. bare IPython start (reference)", ms(b))
    if diff > 0.030 or i_med > 0.030 or verbose:
        show_added_imports(env, cwd)


def importtime(code: str, env: dict[str, str], cwd: Path) -> dict[str, tuple[int, int, int]]:
    """module -> (self us, cumulative us, nesting level), from ``python -X importtime``."""
    done = subprocess.run([PY, "-X", "importtime", "-c", code], cwd=cwd, env=env, capture_output=True, text=True)
    found: dict[str, tuple[int, int, int]] = {}
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            found[m.group(4)] = (int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2)
    return found


def show_added_imports(env: dict[str, str], cwd: Path) -> None:
    bare, loaded, first = importtime(BARE, env, cwd), importtime(WITH, env, cwd), importtime(PASS, env, cwd)
    added = {name: t for name, t in loaded.items() if name not in bare}
    total_self = sum(t[0] for t in added.values())
    ipython_own = sum(t[0] for name, t in added.items() if name in first)
    print(f"    -X importtime: the load_ext cell adds {len(added)} modules, {total_self / 1000:.1f} ms of import time "
          f"(self), {ipython_own / 1000:.1f} ms of it also imported by a first 'pass' cell (IPython's own)")
    print("    top added imports by cumulative time (self / cumulative):")
    for name, (own, cum, level) in sorted(added.items(), key=lambda kv: -kv[1][1])[:12]:
        note = "  (IPython first cell)" if name in first else ""
        print(f"      {'  ' * min(level, 4)}{name:<48} {own / 1000:6.1f} / {cum / 1000:6.1f} ms{note}")


# -- 2. first answer in a fresh kernel ----------------------------------------------------------

def bench_kernel(runs: int, scratch: Path) -> None:
    from jupyter_client.manager import start_new_kernel

    print(f"\n[2] first offline answer from a fresh kernel ({runs} runs, a new folder and store each)")
    starts, firsts, seconds = [], [], []

    def ask(kc, code: str) -> tuple[float, str]:
        started = time.perf_counter()
        msg_id = kc.execute(code)
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        elapsed = time.perf_counter() - started
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"{code!r} failed in the kernel: {reply['content']}")
        output = []
        while True:  # the cell's outputs, up to its idle status
            msg = kc.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            output.append(str(msg["content"].get("data", "")) + str(msg["content"].get("text", "")))
        return elapsed, "".join(output)

    for run in range(runs + 1):  # run 0 warms the disk cache and is not counted
        folder = Path(tempfile.mkdtemp(prefix=f"kernel{run}-", dir=scratch))
        env = clean_env(JPY_SESSION_NAME=str(folder / "nb.ipynb"), BUDDY_MODEL="offline")
        started = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(folder), env=env,
                                  stderr=subprocess.DEVNULL)  # quiet the kernel's TCP warning
        try:
            start = time.perf_counter() - started
            first, out1 = ask(kc, "%buddy What is a KeyError?")
            second, out2 = ask(kc, "%buddy and a NameError?")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        assert "KeyError" in out1 and "NameError" in out2, (out1[:300], out2[:300])
        assert (folder / ".buddy" / "nb.duckdb").exists()
        shutil.rmtree(folder, ignore_errors=True)
        if run:
            starts.append(start), firsts.append(first), seconds.append(second)
            print(f"    run {run}: kernel start {ms(start)}, first answer {ms(first)}, second {ms(second)}")
    f = statistics.median(firsts)
    row("2. first offline answer, fresh kernel", ms(f), "<= 1500 ms", f <= 1.5)
    row("2. second answer, same kernel", ms(statistics.median(seconds)))
    row("2. kernel start (extension loaded by config)", ms(statistics.median(starts)))
    first_answer_breakdown(scratch)


BREAKDOWN = r"""
import os, sys, time
marks = []
def mark(name): marks.append((name, time.perf_counter()))
mark("start")
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance(); sh.run_cell('%load_ext buddy_jupyter'); mark("IPython + load_ext")
before = set(sys.modules)
from buddy_jupyter.magics import kernel_buddy
kb = kernel_buddy(sh)
import pydantic; mark("import pydantic")
import buddy_jupyter.schema; mark("import buddy_jupyter.schema (pydantic models)")
import duckdb; mark("import duckdb")
import buddy_jupyter.store; mark("import buddy_jupyter.store (rest)")
import buddy_jupyter.ask, buddy_jupyter.engine.turn; mark("import ask/turn (context, events)")
import buddy_jupyter.engine.offline, buddy_jupyter.engine.recall, buddy_jupyter.display, buddy_jupyter.transcript
mark("import offline, recall, display, transcript")
kb.current_session(create=True); mark("store: create file, migrate, first session")
sh.run_cell('%buddy What is a KeyError?'); mark("%buddy first answer (turn + display)")
sh.run_cell('%buddy and a NameError?'); mark("%buddy second answer")
for (_, a), (name, b) in zip(marks, marks[1:]):
    print(f"PHASE {(b - a) * 1000:.1f} {name}")
heavy = sorted(m for m in set(sys.modules) - before if "." not in m and not m.startswith("_"))
print("NEWTOP " + " ".join(heavy))
"""


def first_answer_breakdown(scratch: Path) -> None:
    """Where the first answer's time goes, phase by phase, in a fresh process (median of 3)."""
    phases: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    top = ""
    for run in range(3):
        folder = Path(tempfile.mkdtemp(prefix=f"phases{run}-", dir=scratch))
        env = clean_env(JPY_SESSION_NAME=str(folder / "nb.ipynb"), BUDDY_MODEL="offline",
                        IPYTHONDIR=str(scratch / "ipython"))
        done = subprocess.run([PY, "-c", BREAKDOWN], cwd=folder, env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"breakdown failed:\n{done.stderr}")
        for line in done.stdout.splitlines():
            if line.startswith("PHASE "):
                _, value, name = line.split(" ", 2)
                if name not in order:
                    order.append(name)
                phases[name].append(float(value))
            elif line.startswith("NEWTOP "):
                top = line[7:]
        shutil.rmtree(folder, ignore_errors=True)
    print("    first answer, phase by phase in a fresh in-process shell (median of 3; each import phase only "
          "counts what earlier phases did not load):")
    for name in order:
        print(f"      {statistics.median(phases[name]):8.1f} ms  {name}")
    print(f"    top-level packages the first answer imports: {top}")


# -- 3. engine overhead of a turn ------------------------------------------------------------------

STORE_METHODS = ("put_part", "append_message", "update_message", "transaction", "set_title", "get_session",
                 "get_messages")


class StoreTimer:
    """Wraps a Store instance's methods; time inside them is counted once however they nest."""

    def __init__(self, store, names=STORE_METHODS):
        self.total = 0.0
        self.by_method: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._depth = 0
        self._started = 0.0
        self._outer = ""
        for name in names:
            original = getattr(store, name)
            wrapper = self._wrap_cm(name, original) if name == "transaction" else self._wrap(name, original)
            setattr(store, name, wrapper)

    def reset(self) -> None:
        self.total = 0.0
        self.by_method.clear()
        self.calls.clear()

    def _enter(self, name: str) -> None:
        if self._depth == 0:
            self._started, self._outer = time.perf_counter(), name
            self.calls[name] += 1
        self._depth += 1

    def _leave(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            spent = time.perf_counter() - self._started
            self.total += spent
            self.by_method[self._outer] += spent

    def _wrap(self, name: str, original: Callable) -> Callable:
        def timed(*args, **kwargs):
            self._enter(name)
            try:
                return original(*args, **kwargs)
            finally:
                self._leave()
        return timed

    def _wrap_cm(self, name: str, original: Callable) -> Callable:
        timer = self

        @contextmanager
        def timed(*args, **kwargs) -> Iterator[Any]:
            cm = original(*args, **kwargs)
            timer._enter(name)
            try:
                value = cm.__enter__()  # BEGIN (and opening the file if it was released)
            finally:
                timer._leave()
            try:
                yield value  # the caller's body: its Store calls are timed by their own wrappers
            except BaseException:
                timer._enter(name)
                try:
                    if not cm.__exit__(*sys.exc_info()):
                        raise
                finally:
                    timer._leave()
            else:
                timer._enter(name)
                try:
                    cm.__exit__(None, None, None)  # COMMIT, then the events go out
                finally:
                    timer._leave()
        return timed


class InstantRunner:
    provider_id = "bench"
    model_id = "instant"

    def __init__(self, tokens: int = 500, delay: float = 0.0):
        self.tokens = tokens
        self.delay = delay
        self.first_token = self.last_token = 0.0

    def stream(self, request, cancel):
        from buddy_jupyter.engine.events import StepFinish, StepStart, TextDelta, Usage

        yield StepStart()
        self.first_token = time.perf_counter()
        for i in range(self.tokens):
            if cancel.is_set():
                return
            yield TextDelta(f"word{i} " if i % 12 else f"\n\nPara {i // 12}: ")
            if self.delay:
                time.sleep(self.delay)
        self.last_token = time.perf_counter()
        yield StepFinish(reason="stop", usage=Usage(input=100, output=self.tokens))


def one_turn(store, session_id: str, runner) -> float:
    """ask()'s store-facing steps for one question: history, the question, the streamed answer."""
    from buddy_jupyter.engine.events import ModelRequest
    from buddy_jupyter.engine.turn import Turn, history_for_model

    started = time.perf_counter()
    turn = Turn(store, session_id, runner, flush_interval=1.0)
    history = history_for_model(store, session_id, 40)
    user = turn.store_question("How do list comprehensions work?", context="## Cell\nx = [i for i in range(3)]")
    result = turn.run(user, ModelRequest(prompt="How do list comprehensions work?", history=history),
                      threading.Event())
    elapsed = time.perf_counter() - started
    assert result.error is None and len(result.text) > 2000
    return elapsed


def bench_turn(turns: int, scratch: Path) -> None:
    from buddy_jupyter.store import Store

    print(f"\n[3] engine overhead of a 500-token turn beyond the store ({turns} turns, 5 per session)")
    store = Store(scratch / "turns" / ".buddy" / "turns.duckdb", notebook=str(scratch / "turns" / "turns.ipynb"))
    timer = StoreTimer(store)
    runner = InstantRunner()
    session = store.create_session()
    for _ in range(3):  # first open, migrations, warm caches
        one_turn(store, session.id, runner)
    totals, stored, overheads = [], [], []
    by_method: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for i in range(turns):
        if i % 5 == 0:
            session = store.create_session()
        timer.reset()
        total = one_turn(store, session.id, runner)
        totals.append(total), stored.append(timer.total), overheads.append(total - timer.total)
        by_method.update(timer.by_method), calls.update(timer.calls)
    t, s, o = statistics.median(totals), statistics.median(stored), statistics.median(overheads)
    print(f"    turn total median {ms(t)}, inside Store methods {ms(s)}, engine overhead {ms(o)} "
          f"({o / t:.0%} of the turn; {o / 500 * 1e6:.1f} us per token)")
    print("    store time by outermost method, per turn (calls, mean):")
    for name, spent in by_method.most_common():
        print(f"      {name:<16} {calls[name] / turns:5.1f} calls  {ms(spent / turns)}")

    # where the overhead goes: the engine's own functions, store internals excluded
    profile = cProfile.Profile()
    session = store.create_session()
    profile.enable()
    for _ in range(5):
        one_turn(store, session.id, runner)
    profile.disable()
    stats = pstats.Stats(profile)
    own: list[tuple[float, int, str]] = []
    for (filename, line, func), (cc, nc, tottime, cumtime, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/buddy_jupyter/store/" in filename or "duckdb" in filename:
            continue
        short = filename.split("site-packages/")[-1].split("/buddy_jupyter/")[-1]
        own.append((tottime / 5, nc // 5, f"{short}:{line}({func})"))
    print("    top functions outside the store by own time, per turn (cProfile, so inflated):")
    for tottime, count, name in sorted(own, reverse=True)[:8]:
        print(f"      {tottime * 1000:6.2f} ms {count:6d} calls  {name}")
    store.close()
    row("3. 500-token turn, total", ms(t))
    row("3. ... inside Store methods", ms(s))
    row("3. ... engine overhead (total - store)", ms(o))


# -- 4. display updates while streaming ---------------------------------------------------------

def bench_display(runs: int, scratch: Path) -> None:
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    import buddy_jupyter.display as display_module
    from buddy_jupyter.models import register_runner, unregister_runner

    print(f"\n[4] display updates per second while streaming 500 tokens over ~2.5 s ({runs} runs)")

    class CountingPublisher(DisplayPublisher):
        """Counts what reaches the frontend instead of printing it."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.published = 0
            self.bytes = 0

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            self.published += 1
            self.bytes += sum(len(str(v)) for v in data.values())

    folder = scratch / "display"
    folder.mkdir()
    os.environ["JPY_SESSION_NAME"] = str(folder / "live.ipynb")
    for name in ("BUDDY_MODEL", "BUDDY_DATA_DIR", "BUDDY_HISTORY_ROOT"):
        os.environ.pop(name, None)
    shell = InteractiveShell.instance()
    shell.display_pub = CountingPublisher(shell=shell)
    shell.run_cell("%load_ext buddy_jupyter", store_history=False)

    lives: list[Any] = []
    original_init = display_module.LiveAnswer.__init__

    def recording_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        lives.append(self)

    display_module.LiveAnswer.__init__ = recording_init  # type: ignore[method-assign]
    runner = InstantRunner(tokens=500, delay=0.005)
    register_runner("bench", lambda model: runner)
    try:
        check = shell.run_cell("%buddy -m bench:warm warm up the store", store_history=True)  # store creation
        check.raise_error()
        rates, counts, windows, published = [], [], [], []
        for _ in range(runs):
            lives.clear()
            shell.display_pub.published = 0
            check = shell.run_cell("%buddy -m bench:slow tell me a long story", store_history=True)
            check.raise_error()
            [live] = lives
            window = runner.last_token - runner.first_token
            rates.append(live.updates / window), counts.append(live.updates), windows.append(window)
            published.append(shell.display_pub.published)
    finally:
        unregister_runner("bench")
        display_module.LiveAnswer.__init__ = original_init  # type: ignore[method-assign]
        shell.run_cell("%unload_ext buddy_jupyter", store_history=False)
        InteractiveShell.clear_instance()
        os.environ.pop("JPY_SESSION_NAME", None)
    r = statistics.median(rates)
    print(f"    updates per run {counts} over {[round(w, 2) for w in windows]} s of streaming; "
          f"display messages published per run {published} (first display + updates)")
    row("4. display updates per second while streaming", f"{r:.1f} /s", "<= 20 /s", r <= 20)


# -- main -----------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (not for reporting)")
    parser.add_argument("--verbose", action="store_true", help="always list the imports load_ext adds")
    parser.add_argument("--only", type=int, action="append", choices=(1, 2, 3, 4), help="run only these figures")
    args = parser.parse_args()
    only = set(args.only or (1, 2, 3, 4))
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        if 1 in only:
            bench_load_ext(6 if args.quick else 30, args.verbose, scratch)
        if 2 in only:
            bench_kernel(2 if args.quick else 5, scratch)
        if 3 in only:
            bench_turn(10 if args.quick else 30, scratch)
        if 4 in only:
            bench_display(1 if args.quick else 3, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    widths = [max(len(r[i]) for r in ROWS + [("figure", "measured (median)", "target", "")]) for i in range(4)]
    print()
    header = ("figure", "measured (median)", "target", "")
    for r in [header, tuple("-" * w for w in widths), *ROWS]:
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in
                        enumerate(zip(r, widths))).rstrip())
    print(f"\n({time.perf_counter() - started:.0f} s; python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    if any(r[3] == "MISS" for r in ROWS):
        sys.exit(1)


if __name__ == "__main__":
    main()
