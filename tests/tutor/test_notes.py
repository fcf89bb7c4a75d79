"""The shipped teaching notes: each parses, links to notes that exist, and its example runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from buddy_jupyter.tutor.notes import PACKAGE_NOTES, NoteError, load_notes, parse_note

NOTES = load_notes(PACKAGE_NOTES)
RUN_ALL = r"""
import json, sys, warnings, io, contextlib
import matplotlib
matplotlib.use("Agg")
failures = {}
for note_id, code in json.load(sys.stdin).items():
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, note_id, "exec"), {"__name__": "__main__"})
    except BaseException as error:
        failures[note_id] = f"{type(error).__name__}: {error}"
    finally:
        import matplotlib.pyplot as plt
        plt.close("all")
print(json.dumps(failures))
"""


def test_enough_notes_ship_and_every_file_parses():
    files = [p for p in PACKAGE_NOTES.glob("*.md") if p.name != "README.md"]
    assert len(NOTES) == len(files), "a shipped note does not parse (see the warning)"
    assert len(NOTES) >= 150
    topics = {note.topic for note in NOTES}
    assert {"python", "pandas", "numpy", "matplotlib", "errors"} <= topics


def test_see_also_names_notes_that_exist():
    ids = {note.id for note in NOTES}
    dangling = {note.id: [s for s in note.see if s not in ids] for note in NOTES}
    assert not {k: v for k, v in dangling.items() if v}


def test_first_paragraph_answers_on_its_own():
    long = [note.id for note in NOTES if len(note.explanation.split("\n\n")[0].split()) > 110]
    assert not long


def test_every_example_runs_in_a_fresh_namespace(tmp_path):
    examples = {note.id: note.example for note in NOTES}
    done = subprocess.run([sys.executable, "-c", RUN_ALL], input=json.dumps(examples), capture_output=True,
                          text=True, cwd=tmp_path, timeout=300, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}


@pytest.mark.parametrize("text, problem", [
    ("no header at all\n```python\nx = 1\n```\n", "no header"),
    ("---\naliases: a\n---\nText\n```python\nx = 1\n```\n", "no title"),
    ("---\ntitle: T\ntopic: cooking\n---\nText\n```python\nx = 1\n```\n", "unknown topic"),
    ("---\ntitle: T\n---\nText without an example\n", "exactly one"),
    ("---\ntitle: T\nbroken line\n---\nText\n```python\nx = 1\n```\n", "key: value"),
])
def test_a_malformed_note_is_refused_with_the_reason(text, problem):
    with pytest.raises(NoteError, match=problem):
        parse_note(text, "broken")


def test_a_broken_teacher_note_is_skipped_with_a_warning_naming_its_file(tmp_path, caplog):
    (tmp_path / "good.md").write_text("---\ntitle: Good\n---\nFine.\n```python\nx = 1\n```\n")
    (tmp_path / "bad.md").write_text("not a note")
    (tmp_path / "binary.md").write_bytes(b"\xff\xfe\x00garbage")
    notes = load_notes(tmp_path)
    assert [n.id for n in notes] == ["good"]
    assert "bad.md" in caplog.text and "binary.md" in caplog.text
