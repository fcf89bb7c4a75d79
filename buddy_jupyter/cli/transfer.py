"""The verbs that move history in and out of the stores: ``export``, ``import``, ``parquet``."""

from __future__ import annotations

import argparse

from .where import Where, pick_session


def _export(args: argparse.Namespace) -> None:
    from ..export import write_export

    store = Where(args.path, args.lock_timeout).store()
    session = pick_session(store, args.session)
    path = write_export(store, session.id, args.format, args.to, force=args.force)
    store.close()
    print(f"exported session {session.id} to {path}")


def _import(args: argparse.Namespace) -> None:
    from ..interop import import_path

    where = Where(args.into, args.lock_timeout)
    if where.folder is not None:
        from ..locate import store_path

        where.store_path = store_path(None, where.config.data_dir, cwd=where.folder)
    store = where.store(write=True)
    try:
        report = import_path(store, args.source, fmt=args.kind)
    finally:
        store.close()
    print(f"{report.summary()} into {store.path}")


def _parquet(args: argparse.Namespace) -> None:
    from ..analytics import export_parquet

    where = Where(args.path, args.lock_timeout)
    path = export_parquet(where.root, args.target, data_dir=where.config.data_dir, lock_wait=args.lock_timeout,
                          force=args.force)
    print(f"wrote a Parquet dataset (partitioned by notebook) to {path}")


COMMANDS = {"export": _export, "import": _import, "parquet": _parquet}
