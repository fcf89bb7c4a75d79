"""`make demo`: run the tour headless in a real kernel, then show what the store holds."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # nbformat's slow optional import

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    path = HERE / "tour.ipynb"
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}})
    client.execute(env={"JPY_SESSION_NAME": str(path), "BUDDY_MODEL": "offline"})
    print(f"ran {path.name} in a real kernel in {time.perf_counter() - started:.1f} s")

    from buddy_jupyter.locate import store_path
    from buddy_jupyter.store import Store

    store = Store(store_path(path), notebook=str(path), read_only=True)
    with store.connection() as con:
        sessions, messages, parts = con.execute(
            "SELECT (SELECT count(*) FROM session), (SELECT count(*) FROM message), (SELECT count(*) FROM part)"
        ).fetchall()[0]
    print(f"store: {store.path}")
    print(f"holds: {sessions} sessions, {messages} messages, {parts} parts")
    for session in store.list_sessions(limit=5):
        print(f"  {session.id}  {session.message_count:3d} messages  {session.title}")
    store.close()


if __name__ == "__main__":
    main()
