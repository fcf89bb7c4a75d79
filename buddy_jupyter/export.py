"""Export one session as notes a learner can keep: Markdown, JSON or a notebook.

Exports hold the conversation only: never settings, keys or the process that wrote it.
JSON is our versioned document (``interop/buddy_json.py``, with its JSON Schema), which
``%buddy import`` reads back unchanged; ``.ipynb`` is built with nbformat (cell ids,
``language_info``) and validates without warnings. The magic shows one line with a link
to the file, never its contents.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from .errors import InvalidInput
from .formats import EXPORT_FORMATS as FORMATS
from .schema.messages import MessageWithParts
from .store import Store
from .transcript import message_markdown, session_markdown



def export_session(store: Store, session_id: str, fmt: str = "md") -> str:
    """The session as text in ``fmt`` (md, json or ipynb)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        from .interop.buddy_json import document, dumps

        return dumps(document(store, session_id))
    session = store.get_session(session_id)
    messages = store.get_messages(session_id)
    if fmt == "md":
        return session_markdown(session, messages, store.notebook)
    return notebook_json(session.title, messages)


def notebook_json(title: str, messages: list[MessageWithParts]) -> str:
    """A notebook of Markdown cells, one per message, built and validated with nbformat."""
    import nbformat
    from nbformat import v4

    notebook = v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    notebook.cells.append(v4.new_markdown_cell(f"# {title or 'Buddy session'}"))
    for item in messages:
        notebook.cells.append(v4.new_markdown_cell(
            message_markdown(item), metadata={"buddy": {"message_id": item.info.id, "role": item.info.role}}))
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def default_export_path(store: Store, session_id: str, fmt: str) -> Path:
    """``<notebook folder>/buddy-<title>.<fmt>`` next to the notebook."""
    session = store.get_session(session_id)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", session.title or session.id).strip("-").lower()[:40] or session.id
    notebook = Path(store.notebook)
    folder = notebook.parent if notebook.suffix == ".ipynb" else Path.cwd()
    return folder / f"buddy-{slug}.{fmt}"


def _safe_target(target: Path, force: bool, store: Store | None = None) -> Path:
    """Where to write: never onto an existing file without ``force``, never onto a store or a notebook."""
    try:
        from .safe_paths import safe_target  # the shared check, when present
    except ImportError:
        safe_target = None
    if safe_target is not None:
        return safe_target(target, force=force, store_dir=store.path.parent if store else None,
                           notebook=store.notebook if store else None)
    if target.suffix in (".duckdb", ".wal") or target.name.endswith(".duckdb.wal"):
        raise InvalidInput(f"{target} looks like a buddy store; export somewhere else")
    if target.exists() and not force:
        raise InvalidInput(f"{target} exists; add --force to replace it")
    return target


def write_export(store: Store, session_id: str, fmt: str = "md", to: str | Path | None = None, *,
                 force: bool = False) -> Path:
    target = Path(to).expanduser() if to else _free(default_export_path(store, session_id, fmt), force)
    if to and target.suffix == ".ipynb" and fmt != "ipynb":
        raise InvalidInput(f"{target} is a notebook name; use --format ipynb, or another file name")
    text = export_session(store, session_id, fmt)
    target = _safe_target(target, force, store)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target


def _free(target: Path, force: bool) -> Path:
    """The default name, or ``-2``, ``-3``... after it when taken: a default never replaces a file."""
    n = 1
    candidate = target
    while candidate.exists() and not force:
        n += 1
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
    return candidate


class ExportedFile(os.PathLike):
    """What ``%buddy export`` shows: one line, with a link to the file (a path-like object)."""

    def __init__(self, session_id: str, path: Path):
        self.session_id = session_id
        self.path = Path(path).resolve()

    def __fspath__(self) -> str:
        return str(self.path)

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.path.read_text(encoding=encoding)

    def _href(self) -> str:
        try:
            relative = os.path.relpath(self.path, Path.cwd())
        except ValueError:  # another drive
            return self.path.as_uri()
        return self.path.as_uri() if relative.startswith("..") else "/".join(Path(relative).parts)

    def __repr__(self) -> str:
        return f"exported session {self.session_id} to {self.path}"

    def _repr_html_(self) -> str:
        return (f"exported session <code>{html.escape(self.session_id)}</code> to "
                f"<a href=\"{html.escape(self._href())}\" target=\"_blank\">{html.escape(str(self.path))}</a>")

    def _repr_markdown_(self) -> str:
        return f"exported session `{self.session_id}` to [{self.path.name}]({self._href()})"
