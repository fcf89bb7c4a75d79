"""Two learner processes and an instructor process on one exchange folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from buddy_jupyter.course import instructor
from tests.course.conftest import write_course

ROOT = Path(__file__).resolve().parents[2]


def _start(args, env):
    return subprocess.Popen([sys.executable, "-m", "tests.course.worker", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(process, timeout=90):
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_learners_share_and_withdraw_while_the_instructor_reads(tmp_path):
    dataset = tmp_path / "exchange" / "data-101" / "buddy"
    stop = tmp_path / "stop"
    base = {**os.environ, "PYTHONPATH": str(ROOT)}
    base.pop("JUPYTERHUB_USER", None)
    learners = []
    for name in ("ana", "ben"):
        write_course(tmp_path / name / "data-101", exchange=str(tmp_path / "exchange"))
        learners.append((name, {**base, "BUDDY_CONSENT_DIR": str(tmp_path / name / "consent")}))
    reader = _start(["instructor", str(dataset), str(stop)], base)
    ana = _start(["learner", str(tmp_path / "ana" / "data-101"), "ana", "8"], learners[0][1])
    ben = _start(["learner", str(tmp_path / "ben" / "data-101"), "ben", "6", "--withdraw"], learners[1][1])
    ana_out, ben_out = _result(ana), _result(ben)
    stop.touch()
    seen = _result(reader)

    assert ana_out["written"] == sorted(ana_out["written"]) and len(ana_out["written"]) == 8
    assert any(path.endswith("learner=ben") for path in ben_out["removed"])
    assert seen["problems"] == [] and seen["reads"] >= 2
    assert "ana" in seen["seen"] and set(seen["seen"]) <= {"ana", "ben"} and seen["seen"]["ana"] <= 8
    final = instructor.weekly_overview(dataset)
    assert set(final["learner"]) == {"ana"} and final["questions"].sum() == 8
    assert not (dataset / "learner=ben").exists()
    assert (dataset / "learner=ana" / ".lock").exists()  # hidden: every Parquet reader skips it
    import pyarrow.dataset as ds

    table = ds.dataset(dataset, format="parquet", partitioning="hive").to_table(filter=ds.field("kind") == "study")
    assert set(table.column("learner").to_pylist()) == {"ana"} and sum(table.column("questions").to_pylist()) == 8
