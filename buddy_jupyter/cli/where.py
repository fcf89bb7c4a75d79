"""What a command reads: a notebook's store, a store file or every store under a folder; and the
mistakes in naming it (``CliError``)."""

from __future__ import annotations

from pathlib import Path


class CliError(Exception):
    """A mistake in the command line: one line on standard error, exit status 2."""


class Where:
    """What a command reads: one store (a notebook's or a store file) or every store under a folder."""

    def __init__(self, path: str | None, lock_timeout: float):
        from ..config import Buddy

        self.config = Buddy()
        self.lock_timeout = lock_timeout
        target = Path(path or ".").expanduser()
        if path and not target.exists() and target.suffix not in (".ipynb", ".duckdb"):
            raise CliError(f"{path}: no such notebook, store or folder")
        self.target = target.resolve()
        self.folder: Path | None = None
        self.store_path: Path | None = None
        self.notebook: Path | None = None
        if self.target.is_dir():
            self.folder = self.target
        elif self.target.suffix == ".duckdb":
            self.store_path = self.target
        elif self.target.suffix == ".ipynb":
            from ..locate import store_path

            self.notebook = self.target
            self.store_path = store_path(self.target, self.config.data_dir)
        else:
            raise CliError(f"{path}: give a notebook (.ipynb), a store (.duckdb) or a folder")

    @property
    def root(self) -> Path:
        """The folder whose stores ``--all`` reads."""
        if self.folder is not None:
            return self.folder
        if self.notebook is not None:
            return self.notebook.parent
        assert self.store_path is not None
        return self.store_path.parent.parent if self.store_path.parent.name == ".buddy" else self.store_path.parent

    def store(self, *, write: bool = False):
        """The one store (read-only unless ``write``)."""
        from ..store import Store

        if self.store_path is None:
            raise CliError(f"{self.target} is a folder: give a notebook or a store for this command")
        if not write and not self.store_path.exists():
            raise CliError(f"no buddy history for {self.notebook or self.store_path} (no store at {self.store_path})")
        notebook = str(self.notebook) if self.notebook else None
        return Store(self.store_path, notebook=notebook, read_only=not write, idle_release=0,
                     lock_timeout=self.lock_timeout)


def shown(path: str, root: Path) -> str:
    """A path relative to the folder the command reads, when it is inside it."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def pick_session(store, fragment: str | None):
    if fragment:
        return store.find_session(fragment)
    latest = store.list_sessions(limit=1)
    if not latest:
        raise CliError(f"no sessions in {store.path}")
    return latest[0]
