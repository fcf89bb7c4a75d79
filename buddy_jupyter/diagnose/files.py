"""FileNotFoundError (and a folder given for a file): close file names in that folder, a missing
extension, the file found one folder away, and the working directory."""

from __future__ import annotations

import os

from .diagnosis import Diagnosis
from .matching import close_matches, normalize
from .view import View

MAX_ENTRIES = 2000
"""Names read from one folder at most."""


def _listing(folder: str) -> list[str]:
    names: list[str] = []
    try:
        with os.scandir(folder or ".") as entries:
            for entry in entries:
                names.append(entry.name)
                if len(names) >= MAX_ENTRIES:
                    break
    except OSError:
        pass
    return names


def _subfolders(folder: str) -> list[str]:
    try:
        with os.scandir(folder or ".") as entries:
            return [e.name for e in entries if e.is_dir() and not e.name.startswith(".")][:50]
    except OSError:
        return []


def _quoted_in_line(view: View, path: str) -> str:
    for quote in ("'", '"'):
        if f"{quote}{path}{quote}" in view.line:
            return f"{quote}{path}{quote}"
    return ""


def _with(view: View, path: str, new: str) -> str:
    old = _quoted_in_line(view, path)
    if old:
        return view.line.replace(old, repr(new), 1)
    return view.line.replace(path, new, 1) if path and path in view.line else repr(new)


def missing_file(error: BaseException, view: View) -> Diagnosis | None:
    if not isinstance(error, FileNotFoundError):
        return None
    path = error.filename if isinstance(error.filename, str) else ""
    if not path:
        return None
    title = f"FileNotFoundError: no such file: {path!r}"
    cwd = os.getcwd()
    folder, base = os.path.split(path)
    facts = []
    if not os.path.isabs(path):
        facts.append(f"A relative path is read from the working directory, `{cwd}`.")
    if path.startswith("~"):
        expanded = os.path.expanduser(path)
        return Diagnosis(title, [f"Python does not expand `~` in file names; it means `{expanded}`."],
                         "Expand it first.", _with(view, path, expanded))
    if folder and not os.path.isdir(folder):
        parent = folder
        while parent and not os.path.isdir(parent):
            parent = os.path.dirname(parent)
        existing = _subfolders(parent)
        near = close_matches(os.path.basename(folder), existing)
        facts.insert(0, f"The folder `{folder}` does not exist.")
        if near:
            fixed = os.path.join(parent, near[0], base) if parent else os.path.join(near[0], base)
            facts.append(f"There is a folder `{near[0]}`" + (f" in `{parent}`." if parent else " here."))
            return Diagnosis(title, facts, "Fix the folder's name.", _with(view, path, fixed))
        return Diagnosis(title, facts, "Check the folder's name and where the notebook runs (`%pwd`).", "%pwd")
    names = _listing(folder)
    facts.insert(0, f"There is no `{base}` in `{folder or cwd}`.")
    stem_matches = [n for n in names if os.path.splitext(n)[0] == base or normalize(os.path.splitext(n)[0]) ==
                    normalize(base)]
    if stem_matches:
        best = stem_matches[0]
        how = "it has an extension you left out" if os.path.splitext(best)[0] == base and "." not in base else \
            "it differs only in upper/lower case" if best.lower() == base.lower() else "it differs only in spaces or case"
        facts.append(f"`{best}` is there: {how}.")
        return Diagnosis(title, facts, f"Use the file's exact name, `{best}`.",
                         _with(view, path, os.path.join(folder, best) if folder else best))
    for sub in _subfolders(folder):  # the file one folder down (data/, input/)
        if base in _listing(os.path.join(folder, sub)):
            fixed = os.path.join(folder, sub, base)
            facts.append(f"`{base}` is in the subfolder `{sub}`.")
            return Diagnosis(title, facts, "Include the subfolder in the path.", _with(view, path, fixed))
    parent = os.path.dirname(os.path.abspath(folder or cwd))
    if base in _listing(parent):
        fixed = os.path.join("..", folder, base) if folder else os.path.join("..", base)
        facts.append(f"`{base}` is in the folder above, `{parent}`.")
        return Diagnosis(title, facts, "Point one folder up with `..`.", _with(view, path, fixed))
    near = close_matches(base, names)
    if near:
        best = near[0]
        facts.append(f"`{best}` is there: it is the closest name.")
        return Diagnosis(title, facts, f"Use the file's exact name, `{best}`, if that is the one you mean.",
                         _with(view, path, os.path.join(folder, best) if folder else best))
    shown = sorted(n for n in names if not n.startswith("."))[:15]
    if shown:
        facts.append("That folder has: " + ", ".join(f"`{n}`" for n in shown) + (" …" if len(names) > 15 else "") + ".")
    return Diagnosis(title, facts, "Check the name and the folder; `%ls` lists the files here.", "%ls")


def folder_for_file(error: BaseException, view: View) -> Diagnosis | None:
    if not isinstance(error, IsADirectoryError):
        return None
    path = error.filename if isinstance(error.filename, str) else ""
    names = sorted(n for n in _listing(path) if not n.startswith("."))[:15]
    facts = [f"`{path}` is a folder, not a file."]
    if names:
        facts.append("It holds: " + ", ".join(f"`{n}`" for n in names) + ".")
    example = os.path.join(path, names[0]) if names else path
    return Diagnosis(f"IsADirectoryError: {path!r} is a folder", facts, "Give the path of a file inside it.",
                     _with(view, path, example))


RULES = {FileNotFoundError: [missing_file], IsADirectoryError: [folder_for_file]}
