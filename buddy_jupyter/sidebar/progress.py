"""The Progress tab: time spent per day (a chart) and per topic (a table).

Figures come from ``analytics.time_spent.time_spent(by="day")`` and
``analytics.topics.progress``. The tab loads when first shown (the panel opens
without importing pandas or matplotlib) and on Refresh. matplotlib draws
through its object API (``Figure`` + the Agg canvas), so the learner's own
plotting backend is never touched; without matplotlib the days are a table.
"""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING, Any, Callable, Sequence

import ipywidgets as w

from .errors import ErrorArea
from .fmt import duration

if TYPE_CHECKING:
    import pandas

    from ..analytics.scope import HistoryScope

DAY_COLUMNS = (("day", "Day", "date"), ("active_seconds", "Time", "seconds"), ("questions", "Questions", "int"),
               ("cells", "Cells run", "int"))
TOPIC_COLUMNS = (("topic", "Topic", "text"), ("sessions", "Sessions", "int"), ("questions", "Questions", "int"),
                 ("minutes", "Time", "minutes"), ("last_studied", "Last", "date"))
CHART_DAYS = 14


def _text(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if kind == "seconds":
        return duration(float(value))
    if kind == "minutes":
        return duration(float(value) * 60)
    if kind == "int":
        return f"{int(value):,}"
    if kind == "date":
        return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)[:10]
    return str(value)


def table_html(frame: "pandas.DataFrame", columns: Sequence[tuple[str, str, str]], max_rows: int = 30) -> str:
    """A small HTML table of ``columns`` (name, heading, kind) of ``frame``."""
    if len(frame) == 0:
        return "<i>Nothing recorded yet.</i>"
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_text(record[name], kind))}</td>" for name, _, kind in columns) + "</tr>"
        for record in frame.head(max_rows).to_dict("records")
    )
    return f"<table class='buddy-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def day_chart_png(days: "pandas.DataFrame") -> bytes | None:
    """Minutes per day for the last ``CHART_DAYS`` days with activity, as PNG; None without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    recent = days.tail(CHART_DAYS)
    labels = [_text(d, "date")[5:] for d in recent["day"]]
    minutes = [float(s) / 60 for s in recent["active_seconds"]]
    figure = Figure(figsize=(3.2, 1.9), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(range(len(labels)), minutes, color="#4a90d9")
    step = max(1, len(labels) // 6)
    axes.set_xticks(range(0, len(labels), step), labels[::step], fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_ylabel("minutes", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


class ProgressView(w.VBox):
    """Time spent per day and per topic, for this notebook or the whole folder."""

    def __init__(self, scope: Callable[[], "HistoryScope"], errors: ErrorArea):
        self.history_scope = scope
        self.loaded = False
        self.scope = w.ToggleButtons(options=[("This notebook", "notebook"), ("Folder", "folder")],
                                     value="notebook", style={"button_width": "auto"})
        self.scope.add_class("buddy-progress-scope")
        self.refresh_button = w.Button(description="Refresh", layout=w.Layout(width="auto"))
        self.refresh_button.add_class("buddy-progress-refresh")
        self.total = w.HTML()
        self.total.add_class("buddy-progress-total")
        self.chart = w.Image(format="png", layout=w.Layout(display="none", max_width="100%"))
        self.chart.add_class("buddy-progress-chart")
        self.days_table = w.HTML()
        self.days_table.add_class("buddy-progress-days")
        self.topics_table = w.HTML()
        self.topics_table.add_class("buddy-progress-topics")
        super().__init__([w.HBox([self.scope, self.refresh_button]), self.total, w.HTML("<b>Time spent per day</b>"),
                          self.chart, self.days_table, w.HTML("<b>Per topic</b>"), self.topics_table],
                         layout=w.Layout(width="100%"))
        self.add_class("buddy-progress")
        self.refresh_button.on_click(errors.guard(lambda _: self.load(), "progress"))
        self.scope.observe(errors.guard(lambda _: self.load(), "progress"), "value")

    def _scope(self) -> "HistoryScope":
        scope = self.history_scope()
        return scope if self.scope.value == "folder" else scope.this_notebook()

    def load(self) -> None:
        from ..analytics.time_spent import time_spent
        from ..analytics.topics import progress

        scope = self._scope()
        days = time_spent(by="day", idle_threshold=scope.idle_threshold, **scope.where())
        topics = progress(idle_threshold=scope.idle_threshold, **scope.where())
        self.loaded = True
        total = float(days["active_seconds"].sum()) if len(days) else 0.0
        self.total.value = f"<small>{duration(total)} in {len(days):,} day{'s' if len(days) != 1 else ''}</small>"
        png = day_chart_png(days) if len(days) else None
        if png is not None:
            self.chart.value = png
            self.chart.layout.display = "block"
            self.days_table.value = ""
        else:
            self.chart.layout.display = "none"
            self.days_table.value = table_html(days.iloc[::-1], DAY_COLUMNS)
        self.topics_table.value = table_html(topics, TOPIC_COLUMNS)

    def load_once(self) -> None:
        if not self.loaded:
            self.load()
