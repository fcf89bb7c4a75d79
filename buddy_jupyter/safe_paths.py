"""Where the buddy may write a file the learner named, and which store files it may open.

``check_target`` is the one check before an export or a Parquet dataset is written:
never onto an existing file without ``force``, never onto a store, into a ``.buddy``
folder or onto the notebook itself, nor any notebook with a store beside it (not even
with ``force``), never onto a device, a FIFO, a symlink or a folder given as a file,
never into a folder that does not exist or cannot be written. ``check_store_file`` refuses a store path that is a
symlink, a FIFO or anything but a regular file: such a path is never followed, opened
or renamed. Both raise ``InvalidInput`` (one line for the learner).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InvalidInput, StoreError

STORE_FOLDER = ".buddy"
STORE_SUFFIXES = (".duckdb", ".duckdb.wal", ".wal")


def as_path(value: str | os.PathLike[str], what: str = "the path") -> Path:
    """``value`` as a ``Path`` the file system can take: no NUL, no unpaired surrogate, not empty."""
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{what} is empty; give a file name")
    if "\x00" in text:
        raise InvalidInput(f"{what} {text!r} contains a NUL character")
    try:
        os.fsencode(text)
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} {text!r} contains an unpaired surrogate character") from None
    return Path(text).expanduser()


def check_target(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    store_dir: str | os.PathLike[str] | None = None,
    notebook: str | os.PathLike[str] | None = None,
    folder: bool = False,
) -> Path:
    """The absolute path to write, after the checks above; ``folder``: the target is a folder
    (a Parquet dataset), refused when it exists with anything in it unless ``force``."""
    target = as_path(path, "the target")
    target = Path(os.path.abspath(target))
    what = "folder" if folder else "file"
    try:
        parent_ok = target.parent.is_dir()
        try:
            info = os.lstat(target)
        except FileNotFoundError:
            info = None
        real = Path(os.path.realpath(target))
    except OSError as error:  # a name too long, a loop of links, a file as a folder...
        raise InvalidInput(f"cannot write to {target}: {error.strerror or error}") from None
    if not parent_ok:
        raise InvalidInput(f"there is no folder {target.parent}; create it first, or name another {what}")
    _refuse_protected(target, real, store_dir, notebook)
    if info is None:
        _check_writable(target.parent)
        return target
    if stat.S_ISLNK(info.st_mode):
        raise InvalidInput(f"{target} is a symbolic link; name the {what} itself")
    if folder:
        if not stat.S_ISDIR(info.st_mode):
            raise InvalidInput(f"{target} exists and is not a folder; name a new folder for the dataset")
        if not force and any(target.iterdir()):
            raise InvalidInput(f"the folder {target} is not empty; add --force to write the dataset into it "
                               "(its files of the same notebooks are replaced)")
        return target
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"{target} is a folder; give a file name, e.g. {target / 'notes.md'}")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"{target} is not a regular file (a device, a FIFO or a socket); name a file")
    if not force:
        raise InvalidInput(f"{target} already exists; add --force to replace it, or name another file")
    _check_writable(target.parent)
    return target


def safe_target(path: str | os.PathLike[str], *, force: bool = False, store_dir=None, notebook=None) -> Path:
    """``check_target`` for one file (the name export.py asks for)."""
    return check_target(path, force=force, store_dir=store_dir, notebook=notebook)


def _check_writable(folder: Path) -> None:
    """A file can be created in ``folder`` (exports write a temporary file there, then rename it)."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".buddy-write-check-"):
            pass
    except OSError as error:
        raise InvalidInput(f"cannot write in {folder}: {error.strerror or error}") from None


def _refuse_protected(target: Path, real: Path, store_dir, notebook) -> None:
    protected_dirs = [Path(os.path.abspath(store_dir))] if store_dir else []
    for candidate in {target, real}:
        if STORE_FOLDER in candidate.parts:
            raise InvalidInput(f"{target} is inside a {STORE_FOLDER} folder, where the buddy keeps its stores; "
                               "name a file elsewhere")
        for folder in protected_dirs:
            if candidate == folder or folder in candidate.parents:
                raise InvalidInput(f"{target} is in the buddy's store folder {folder}; name a file elsewhere")
        if candidate.name.endswith(STORE_SUFFIXES):
            raise InvalidInput(f"{target} looks like a store (a DuckDB file); the buddy never writes over one")
        if notebook and candidate in (Path(os.path.abspath(notebook)), Path(os.path.realpath(notebook))):
            raise InvalidInput(f"{target} is this notebook; name another file")
        if candidate.suffix == ".ipynb" and (candidate.parent / STORE_FOLDER / f"{candidate.stem}.duckdb").exists():
            raise InvalidInput(f"{target} is a notebook the buddy serves; name another file")


def check_store_file(path: str | os.PathLike[str]) -> None:
    """Refuse a store path that is a symlink (dangling or not), a FIFO, a folder or a device.

    Nothing is opened, followed or renamed: the learner's file stays as it is."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return  # a new store
    except OSError as error:
        raise StoreError(f"cannot use the store path {path}: {error.strerror or error}") from None
    if stat.S_ISLNK(info.st_mode):
        raise StoreError(f"the store path {path} is a symlink (to {os.readlink(path)}); the buddy never follows "
                         "one. Move it away, or set %config Buddy.data_dir to another folder")
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise StoreError(f"the store path {path} is not a regular file ({kind}); move it away, or set "
                         "%config Buddy.data_dir to another folder")
