"""Which notebook this kernel serves, and where its store lives.

Jupyter Server puts the notebook's path in ``__session__`` and
``JPY_SESSION_NAME`` (relative to the server root when the session was created
without a full path; the kernel's working directory is the notebook's folder);
VS Code sets ``__vsc_ipynb_file__``. Terminal IPython has no notebook: it gets
a stable store named ``ipython`` in the working directory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Mapping

from .errors import InvalidInput, StoreUnwritable

STORE_FOLDER = ".buddy"
STORE_SUFFIX = ".duckdb"
TERMINAL_NAME = "ipython"
NOTEBOOK_SUFFIXES = (".ipynb",)


def notebook_path(
    user_ns: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Path | None:
    """The notebook this kernel runs, or None outside a notebook."""
    user_ns = user_ns or {}
    env = os.environ if env is None else env
    cwd = Path(cwd or os.getcwd())
    candidates = (user_ns.get("__vsc_ipynb_file__"), user_ns.get("__session__"), env.get("JPY_SESSION_NAME"))
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.lower().endswith(NOTEBOOK_SUFFIXES):
            continue
        path = Path(candidate).expanduser()
        if not path.is_absolute() and ".." in path.parts:
            # a server gives a path below its root: "..", from the notebook's folder, leads elsewhere
            raise InvalidInput(f"the notebook name {candidate!r} points outside its folder; the buddy keeps a "
                               "notebook's history beside it (rename the notebook, or start it from its folder)")
        if not path.is_absolute():
            # Relative to the server root; the kernel runs in the notebook's folder, so
            # the file name alone usually resolves, and the full relative path may not.
            joined = cwd / path
            path = joined if joined.exists() or not (cwd / path.name).exists() else cwd / path.name
        return path.resolve()
    return None


def store_path(notebook: Path | None, data_dir: str = "", cwd: str | os.PathLike[str] | None = None) -> Path:
    """``<notebook folder>/.buddy/<notebook name>.duckdb`` unless ``data_dir`` is set.

    In a shared ``data_dir`` the name gets a short hash of the notebook's folder, so
    two ``Untitled.ipynb`` in different folders never share a store.
    """
    cwd = Path(cwd or os.getcwd())
    name = notebook.stem if notebook is not None else TERMINAL_NAME
    if data_dir:
        origin = str(notebook.parent if notebook is not None else cwd.resolve())
        digest = hashlib.sha1(origin.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        return Path(data_dir).expanduser().resolve() / f"{name}-{digest}{STORE_SUFFIX}"
    folder = (notebook.parent if notebook is not None else cwd.resolve()) / STORE_FOLDER
    return folder / f"{name}{STORE_SUFFIX}"


def prepare_folder(folder: Path) -> None:
    """Create the store's folder (with a .gitignore when it is ours) and check it is writable."""
    created = not folder.exists()
    hint = "set %config Buddy.data_dir = '...' or the BUDDY_DATA_DIR environment variable to a writable folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if created and folder.name == STORE_FOLDER:
            (folder / ".gitignore").write_text("# buddy_jupyter's conversation history: keep it out of git\n*\n")
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as error:
        raise StoreUnwritable(f"cannot write the buddy store folder {folder} ({error.strerror or error}); {hint}") from None
