"""A command's table: aligned text for reading, or CSV, JSON or Parquet for other programs
(``-o FILE``, else standard output)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

from .where import CliError

_CELL_WIDTH = 60


def _cell(value: Any, width: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.4g}"
    if hasattr(value, "isoformat"):
        if type(value).__name__ == "NaTType":
            return ""
        text = value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "hour") else value.isoformat()
    else:
        text = str(value)
    text = text.replace("\n", " ")
    if width is not None and len(text) > width:
        # a path keeps its end (the file's name), other text its start
        text = "…" + text[-(width - 1):] if text.startswith("/") else text[: width - 1] + "…"
    return text


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "isoformat"):
        return None if type(value).__name__ == "NaTType" else value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return str(value)


def table_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows as aligned text columns (long cells cut)."""
    cells = [[_cell(v, _CELL_WIDTH) for v in row] for row in rows]
    if not cells:
        return "(no rows)"
    widths = [max(len(str(c)), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def emit_table(args: argparse.Namespace, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print or write a table in ``args.format`` (to ``args.output`` when given)."""
    fmt = getattr(args, "format", "text") or "text"
    output = getattr(args, "output", None)
    rows = [tuple(row) for row in rows]
    if fmt == "parquet":
        if not output:
            raise CliError("--format parquet writes a file: add -o FILE.parquet")
        _write_parquet(columns, rows, _output_path(args))
        print(f"wrote {len(rows)} row(s) to {Path(output).resolve()}")
        return
    if fmt == "text":
        text = table_text(columns, rows) + "\n"
    elif fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v, None) for v in row] for row in rows])
        text = buffer.getvalue()
    else:
        import json

        text = json.dumps([{c: _json_value(v) for c, v in zip(columns, row)} for row in rows],
                          ensure_ascii=False, indent=1) + "\n"
    _write_text(args, text)


def emit_frame(args: argparse.Namespace, frame) -> None:
    emit_table(args, [str(c) for c in frame.columns], list(frame.itertuples(index=False, name=None)))


def _output_path(args: argparse.Namespace) -> Path:
    path = Path(args.output).expanduser()
    if path.exists() and not getattr(args, "force", False):
        raise CliError(f"{path} exists; add --force to replace it")
    return path


def _write_text(args: argparse.Namespace, text: str) -> None:
    if getattr(args, "output", None):
        path = _output_path(args)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.resolve()}")
    else:
        sys.stdout.write(text)


def _write_parquet(columns: Sequence[str], rows: list[tuple], path: Path) -> None:
    import duckdb
    import pandas

    frame = pandas.DataFrame(rows, columns=list(columns))
    con = duckdb.connect(":memory:")
    try:
        con.register("result_rows", frame)
        tmp = path.with_name(path.name + ".tmp")
        con.execute(f"COPY result_rows TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
        tmp.replace(path)
    finally:
        con.close()
