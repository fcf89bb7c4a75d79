"""Writes the example notebooks (run it after editing the cells below; the .ipynb files are committed)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    return nb


TOUR = [
    new_markdown_cell(
        "# A tour of buddy_jupyter\n\n"
        "Your learning buddy lives in this notebook. Ask with `%buddy`; every question and answer is kept in "
        "`.buddy/tour.duckdb` beside this notebook, so the conversation survives kernel restarts.\n\n"
        "No API key is needed: the **offline buddy** answers from teaching notes, the documentation installed with Python and your libraries, and your own history. "
        "Set a real model any time with `%buddy model openai:gpt-4o-mini` (and `OPENAI_API_KEY`)."
    ),
    new_code_cell("%load_ext buddy_jupyter"),
    new_markdown_cell("## Ask\nA question on the line; it may end with `?`."),
    new_code_cell("%buddy new Tour of the buddy"),
    new_code_cell("%buddy What is a list comprehension?"),
    new_markdown_cell("Follow-ups continue the same session; the buddy sees the history."),
    new_code_cell("%buddy Can you show it with a dict instead?"),
    new_markdown_cell("## Errors\nWhen a cell fails, ask the buddy to explain it."),
    new_code_cell(
        "import pandas as pd\n\n"
        "scores = pd.DataFrame({'name': ['Ada', 'Grace'], 'score': [92, 88]})\n"
        "scores['Score']",
        metadata={"tags": ["raises-exception"]},
    ),
    new_code_cell("%buddy explain"),
    new_markdown_cell("A longer question goes in a `%%buddy` cell; `{name}` inserts a variable, `-o` keeps the answer."),
    new_code_cell(
        "%%buddy -o merge_answer\n"
        "I merged {scores_shape} rows with another frame and some rows disappeared.\n"
        "Why does my merge drop rows?",
    ),
    new_code_cell("print(merge_answer[:120])"),
    new_markdown_cell("## Sessions and history"),
    new_code_cell("%buddy sessions"),
    new_code_cell("%buddy history"),
    new_code_cell(
        "# exports/ is git-ignored here: the notes stay out of the repository; the link opens them\n"
        "import os\n"
        "os.makedirs(\"exports\", exist_ok=True)\n"
        "%buddy export --format md --to exports/tour-notes.md --force"
    ),
    new_markdown_cell(
        "## Your history is a database\n"
        "Ask it anything with SQL: `messages`, `turns`, `tool_calls` and `timeline` are views over the store."
    ),
    new_code_cell("%buddy sql SELECT role, count(*) AS messages, sum(tokens_output) AS tokens FROM messages GROUP BY role ORDER BY role"),
    new_code_cell("%buddy status"),
]

# {scores_shape} needs a variable of that name
TOUR.insert(11, new_code_cell("scores_shape = len(scores)"))


PROGRESS = [
    new_markdown_cell(
        "# Where did my study time go?\n\n"
        "Time spent, topics and memory across every notebook in this folder, as DataFrames."
    ),
    new_code_cell("%load_ext buddy_jupyter"),
    new_code_cell("%buddy How do I group rows with pandas groupby?"),
    new_code_cell("%buddy progress"),
    new_code_cell("%buddy memory groupby"),
    new_code_cell("%buddy sql --all SELECT notebook, count(*) AS messages FROM messages GROUP BY notebook"),
    new_code_cell(
        "from buddy_jupyter.analytics import time_spent\n"
        "time_spent(root='.', by='day')"
    ),
]

SIDEBAR = [
    new_markdown_cell("# The history sidebar\n\nBrowse, search and continue your conversations in a side panel."),
    new_code_cell("%load_ext buddy_jupyter"),
    new_code_cell("%buddy What is a KeyError?"),
    new_code_cell("%buddy sidebar"),
]

INSTRUCTOR = [
    new_markdown_cell(
        "# The class at a glance\n\n"
        "What the learners of a course shared with `%buddy share on`: study time per week, the topics the class "
        "struggles with, recurring errors, who went quiet and how far each learner is in the curriculum. "
        "Every function returns a DataFrame.\n\n"
        "For your course, open the course file: `klass = instructor.open_class('path/to/buddy-course.toml')`. "
        "Here a generated class of 40 learners is written to a temporary folder (and removed at the end)."
    ),
    new_code_cell(
        "import shutil\nimport tempfile\nfrom pathlib import Path\n\n"
        "import matplotlib.pyplot as plt\n\n"
        "from buddy_jupyter.course import instructor\n"
        "from buddy_jupyter.course.sample import generate_class\n\n"
        "exchange = Path(tempfile.mkdtemp(prefix='buddy-class-'))\n"
        "dataset = generate_class(exchange / 'data-101' / 'buddy', learners=40, notebooks=10)\n"
        "klass = instructor.open_class(dataset)\n"
        "print(f'{len(klass.files)} learners shared a snapshot; {len(klass.skipped)} skipped')"
    ),
    new_markdown_cell("## Study time per week\nActive minutes per learner and week; the chart shows the median "
                      "learner and the middle half of the class."),
    new_code_cell(
        "overview = instructor.weekly_overview(klass)\n"
        "per_week = overview.groupby('week')['minutes'].describe()\n"
        "fig, ax = plt.subplots(figsize=(8, 3.5))\n"
        "ax.fill_between(per_week.index, per_week['25%'], per_week['75%'], alpha=0.3, label='middle half')\n"
        "ax.plot(per_week.index, per_week['50%'], marker='o', label='median learner')\n"
        "ax.set_ylabel('minutes'); ax.set_title('Study time per week'); ax.legend()\n"
        "fig.autofmt_xdate(); plt.show()\n"
        "overview.head()"
    ),
    new_markdown_cell("## Where the class struggles\nQuestions and failed cell runs per topic."),
    new_code_cell(
        "topics = instructor.struggles(klass)\n"
        "ax = topics.set_index('topic')[['questions', 'errors']].iloc[::-1].plot.barh(stacked=True, figsize=(8, 4))\n"
        "ax.set_title('Questions and errors per topic'); plt.show()\n"
        "topics"
    ),
    new_markdown_cell("## Recurring errors"),
    new_code_cell(
        "errors = instructor.error_kinds(klass)\n"
        "ax = errors.set_index('error')['learners'].plot.bar(figsize=(8, 3))\n"
        "ax.set_ylabel('learners who met it'); plt.show()\n"
        "errors"
    ),
    new_markdown_cell("## Learners inactive for two weeks\n(`now` is fixed here so the generated class "
                      "always shows some; leave it out for today.)"),
    new_code_cell(
        "import datetime\n"
        "instructor.inactive(klass, days=14, now=datetime.datetime(2026, 11, 23))"
    ),
    new_markdown_cell("## The curriculum\nPractised: two conversations or 30 minutes on the topic."),
    new_code_cell(
        "plan = instructor.curriculum(klass, ['python basics', 'functions', 'pandas groupby', "
        "'merging data frames', 'plotting'])\n"
        "status = plan.pivot_table(index='topic', columns='status', values='learner', aggfunc='count', "
        "fill_value=0, sort=False).reindex(columns=['practised', 'started', 'not started'], fill_value=0)\n"
        "ax = status.iloc[::-1].plot.barh(stacked=True, figsize=(8, 3.5), color=['tab:green', 'tab:orange', 'lightgrey'])\n"
        "ax.set_xlabel('learners'); ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1)); plt.show()\n"
        "status"
    ),
    new_code_cell("klass.close()\nshutil.rmtree(exchange)"),
]


if __name__ == "__main__":
    for name, cells in (("tour", TOUR), ("progress", PROGRESS), ("sidebar", SIDEBAR), ("instructor", INSTRUCTOR)):
        nbformat.write(notebook(cells), HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")
