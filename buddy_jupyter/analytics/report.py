"""``%buddy progress``: time per day, topics and curriculum, as one rich display object.

The chart is drawn with matplotlib's object API (no pyplot: the learner's own
figures and backend are left alone) into an inline PNG; without matplotlib
the minutes per day are a text bar chart.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas

    from .scope import HistoryScope


@dataclass
class ProgressReport:
    """What ``%buddy progress`` shows; each table is also a DataFrame to work with."""

    scope: str
    """"this notebook" or the folder every notebook was read from."""
    by_day: "pandas.DataFrame"
    topics: "pandas.DataFrame"
    curriculum: "pandas.DataFrame"
    chart_png: bytes | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def total_minutes(self) -> float:
        return float(self.by_day["minutes"].sum()) if len(self.by_day) else 0.0

    def _summary(self) -> str:
        sessions = int(self.by_day["study_sessions"].sum()) if len(self.by_day) else 0
        days = len(self.by_day)
        return (f"{self.total_minutes:.0f} min of study over {days} day(s), "
                f"{sessions} study session(s) ({self.scope})")

    def _ipython_display_(self) -> None:
        """The chart as a real ``image/png`` output (nbconvert extracts it), then the tables."""
        from IPython.display import display

        if self.chart_png:
            display({"image/png": self.chart_png, "text/plain": "<minutes of study per day>"}, raw=True,
                    metadata={"image/png": {"alt": "minutes of study per day"}})
        display({"text/plain": repr(self), "text/html": self._repr_html_(chart=False),
                 "text/markdown": self._repr_markdown_(chart=False)}, raw=True)

    def _repr_markdown_(self, chart: bool = True) -> str:
        parts = ["### Your progress", "", self._summary(), ""]
        if self.chart_png and not chart:
            pass
        elif self.chart_png:
            parts += [f"![minutes per day](data:image/png;base64,{base64.b64encode(self.chart_png).decode()})", ""]
        else:
            parts += ["```", text_bars(self.by_day), "```", ""]
        parts += ["#### Topics", "", markdown_table(self.topics, _TOPIC_COLUMNS), ""]
        if len(self.curriculum):
            parts += ["#### Curriculum", "", markdown_table(self.curriculum, _CURRICULUM_COLUMNS), ""]
        if self.skipped:
            parts.append(f"_Skipped (busy in another program): {', '.join(self.skipped)}_")
        return "\n".join(parts)

    def _repr_html_(self, chart: bool = True) -> str:
        parts = ["<h3>Your progress</h3>", f"<p>{html.escape(self._summary())}</p>"]
        if self.chart_png and not chart:
            pass
        elif self.chart_png:
            data = base64.b64encode(self.chart_png).decode()
            parts.append(f'<img alt="minutes per day" src="data:image/png;base64,{data}"/>')
        else:
            parts.append(f"<pre>{html.escape(text_bars(self.by_day))}</pre>")
        parts += ["<h4>Topics</h4>", _html_table(self.topics, _TOPIC_COLUMNS)]
        if len(self.curriculum):
            parts += ["<h4>Curriculum</h4>", _html_table(self.curriculum, _CURRICULUM_COLUMNS)]
        if self.skipped:
            parts.append(f"<p><em>Skipped (busy in another program): {html.escape(', '.join(self.skipped))}</em></p>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        return "\n".join([self._summary(), text_bars(self.by_day), "", markdown_table(self.topics, _TOPIC_COLUMNS)])


_TOPIC_COLUMNS = ["topic", "sessions", "questions", "minutes", "first_studied", "last_studied", "errors"]
_CURRICULUM_COLUMNS = ["position", "topic", "goal", "status", "sessions", "minutes", "last_studied"]


def progress_report(scope: "HistoryScope", *, days: int = 30) -> ProgressReport:
    """Minutes per day (last ``days`` days), progress per topic and the curriculum's status.

    Conversations of this notebook without a topic are tagged first (offline
    keyword rules). A scope with a root reads every notebook under it.
    """
    import warnings

    from .history import HistoryWarning
    from .time_spent import time_spent
    from .topics import auto_tag_untagged, curriculum_status, progress

    store = scope.store
    auto_tag_untagged(store)
    threshold = scope.idle_threshold
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", HistoryWarning)
        by_day = time_spent(by="day", idle_threshold=threshold, **scope.where())
        topics = progress(idle_threshold=threshold, **scope.where())
    skipped = sorted({str(w.message.path) for w in caught if isinstance(w.message, HistoryWarning)})
    curriculum = curriculum_status(store, idle_threshold=threshold)
    recent = _last_days(by_day, days)
    return ProgressReport(
        scope=scope.describe(),
        by_day=by_day, topics=topics, curriculum=curriculum, chart_png=minutes_chart(recent), skipped=skipped,
    )


def _last_days(by_day: "pandas.DataFrame", days: int) -> list[tuple[date, float]]:
    """(day, minutes) for each day of the last ``days`` up to the latest studied (from the first studied)."""
    if by_day.empty:
        return []
    minutes = {_as_date(d): float(m) for d, m in zip(by_day["day"], by_day["minutes"])}
    last = max(minutes)
    span = min(days, (last - min(minutes)).days + 1)
    return [(last - timedelta(days=i), minutes.get(last - timedelta(days=i), 0.0)) for i in reversed(range(span))]


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def minutes_chart(points: list[tuple[date, float]]) -> bytes | None:
    """A bar chart of minutes per day as PNG bytes; None without matplotlib or data."""
    if not points:
        return None
    try:
        figure = chart_figure(points)
    except ImportError:
        return None
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(points: list[tuple[date, float]]):
    """The matplotlib ``Figure`` of ``minutes_chart`` (object API: the learner's pyplot is left alone)."""
    from matplotlib.figure import Figure

    # One bar per day at 0..n-1, each tick labelled with its own day: a date locator put month labels
    # (and an offset like "2026-Dec") under bars of another month.
    days = [d for d, _ in points]
    figure = Figure(figsize=(7, 2.4), dpi=100)
    axes = figure.subplots()
    axes.bar(range(len(points)), [m for _, m in points], color="#4c78a8", width=0.8)
    step = max(1, -(-len(days) // 10))
    ticks = list(range(len(days) - 1, -1, -step))[::-1]  # the last day always has its label
    axes.set_xticks(ticks, [f"{days[i].day} {days[i]:%b}" for i in ticks], fontsize=8)
    axes.set_xlim(-0.6, len(days) - 0.4)
    first, last = days[0], days[-1]
    axes.set_xlabel(f"{first:%d %b %Y} – {last:%d %b %Y}" if first != last else f"{last:%d %b %Y}", fontsize=8)
    axes.set_ylabel("minutes")
    axes.set_title("Study time per day")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def text_bars(by_day: "pandas.DataFrame", width: int = 40) -> str:
    """Minutes per day as a text bar chart."""
    if by_day.empty:
        return "no study time recorded yet"
    peak = max(float(by_day["minutes"].max()), 1e-9)
    return "\n".join(
        f"{_as_date(d)}  {'#' * max(1, round(width * float(m) / peak)) if m else '':<{width}} {float(m):6.1f} min"
        for d, m in zip(by_day["day"], by_day["minutes"])
    )


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if value is None or (hasattr(value, "__class__") and value.__class__.__name__ in ("NaTType", "NAType")):
        return ""
    text = str(value)
    return text[:16] if len(text) >= 19 and text[4] == "-" and text[10] == " " else text


def markdown_table(frame: "pandas.DataFrame", columns: list[str]) -> str:
    columns = [c for c in columns if c in frame.columns]
    if frame.empty:
        return "_none yet_"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame[columns].itertuples(index=False):
        lines.append("| " + " | ".join(_format(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def _html_table(frame: "pandas.DataFrame", columns: list[str]) -> str:
    columns = [c for c in columns if c in frame.columns]
    if frame.empty:
        return "<p><em>none yet</em></p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_format(v))}</td>" for v in row) + "</tr>"
        for row in frame[columns].itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
