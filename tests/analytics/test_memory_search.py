"""BM25 search over past conversations in every notebook: a labelled set of queries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from buddy_jupyter.analytics import search_memory
from buddy_jupyter.analytics.memory import query_terms
from buddy_jupyter.store import records

from .timelines import T0, Script, open_store

CONVERSATIONS = {
    "pandas_intro": [
        ("merge drops rows", "Why does my merge drop rows when I join customers and orders?",
         "An inner merge keeps only keys present in both DataFrames; use how='left' to keep every customer."),
        ("average per category", "How do I compute the average price per category with groupby?",
         "df.groupby('category')['price'].mean() gives the average for each category."),
        ("missing values", "My age column has NaN values, how do I fill them?",
         "Use fillna, for example df['age'].fillna(df['age'].median())."),
    ],
    "python_basics": [
        ("list comprehension", "How do I write a list comprehension that squares the even numbers?",
         "[x**2 for x in numbers if x % 2 == 0] squares every even number."),
        ("KeyError in a dict", "I get a KeyError when I read a dictionary key that does not exist.",
         "Use d.get(key, default), or check `if key in d` first."),
        ("reading a file", "How do I read a text file line by line?",
         "with open(path) as f: then loop over f; each iteration gives one line."),
    ],
    "plots": [
        ("histogram bins", "How do I change the number of bins in a matplotlib histogram?",
         "plt.hist(values, bins=20) draws twenty bins."),
        ("scatter colours", "How can I colour scatter plot points by category?",
         "Pass c= with the category codes and choose a colormap."),
        ("tick labels", "How do I rotate the x axis tick labels?", "plt.xticks(rotation=45) rotates them."),
    ],
    "stats": [
        ("standard deviation", "What is the difference between population and sample standard deviation?",
         "The sample version divides by n-1: use ddof=1 in numpy."),
    ],
}
FILLER = [("thanks", "Thanks, that worked!", "Glad it helped. Ask me anything else about your notebook."),
          ("hello", "Hello buddy, what can you do?", "I can explain code, errors and data analysis ideas.")]

LABELLED = [
    ("why does merge drop rows", "merge drops rows"),
    ("average per category", "average per category"),
    ("fill NaN values", "missing values"),
    ("square even numbers with a comprehension", "list comprehension"),
    ("KeyError dictionary", "KeyError in a dict"),
    ("read file lines", "reading a file"),
    ("histogram bins", "histogram bins"),
    ("colour scatter points", "scatter colours"),
    ("rotate tick labels", "tick labels"),
    ("sample standard deviation ddof", "standard deviation"),
]


class Library(dict):
    root: Path


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Four notebooks' stores (built once for this module), keyed by notebook name."""
    stores = Library()
    stores.root = tmp_path_factory.mktemp("library")
    minute = 0
    for notebook, sessions in CONVERSATIONS.items():
        store = open_store(stores.root / notebook, notebook)
        script = Script(store)
        stores[notebook] = store
        for title, question, answer in sessions + FILLER:
            session = script.session(title)
            script.turn(session, question, answer, T0 + timedelta(minutes=minute))
            minute += 3
    yield stores
    for store in stores.values():
        store.close()


@pytest.mark.parametrize("query, expected", LABELLED)
def test_the_right_conversation_is_in_the_top_three(library, query, expected):
    found = search_memory(query, store=library["pandas_intro"], root=library.root, limit=3)
    assert expected in found["session_title"].tolist(), found[["session_title", "score", "snippet"]]
    assert found["score"].is_monotonic_decreasing


def test_results_name_their_notebook_and_quote_the_match(library):
    found = search_memory("histogram bins", store=library["pandas_intro"], root=library.root, limit=5)
    top = found.iloc[0]
    assert top["notebook"].endswith("plots.ipynb")
    assert "bins" in top["snippet"].lower()
    assert list(found.columns) == ["notebook", "session_id", "session_title", "message_id", "role", "snippet",
                                   "score", "time_created"]


def test_one_store_only_searches_itself(library):
    found = search_memory("histogram bins", store=library["pandas_intro"], limit=5)
    assert not found["notebook"].str.endswith("plots.ipynb").any()


def test_explicit_memories_are_found_until_forgotten(library):
    store = library["stats"]
    memory_id = records.add_memory(store, "I prefer short answers with one worked example")
    found = search_memory("short answers", store=library["pandas_intro"], root=library.root, limit=3)
    assert found.iloc[0]["role"] == "memory" and found.iloc[0]["message_id"] == memory_id
    assert found.iloc[0]["notebook"].endswith("stats.ipynb")
    assert search_memory("short answers", store=store).iloc[0]["message_id"] == memory_id
    records.forget_memory(store, memory_id)
    again = search_memory("short answers", store=library["pandas_intro"], root=library.root, limit=3)
    assert memory_id not in again["message_id"].tolist()


def test_stop_words_alone_find_nothing(library):
    assert query_terms("how do I do it?") == {}
    assert search_memory("how do I do it?", store=library["plots"]).empty
    assert query_terms("Bins") == {"bins": ["bins", "bin"]}
