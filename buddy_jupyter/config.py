"""``Buddy``: every setting, as traitlets.

``%config Buddy.model = "openai:gpt-4o-mini"`` in a notebook and
``c.Buddy.model = ...`` in an IPython config file both work; environment
variables are the fallback when neither is set. API keys are not settings: they
come from the providers' usual environment variables and are never stored.
"""

from __future__ import annotations

import os

from traitlets import Bool, Float, Int, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from .errors import InvalidInput
from .models import model_name_problem


class InvalidModel(InvalidInput, TraitError):
    """A model name refused when set: a ``TraitError`` (``%config`` keeps the old value and logs one
    line) and a ``BuddyError`` (``%buddy model`` shows one ``UsageError`` line)."""


class Buddy(Configurable):
    """Settings of the buddy_jupyter extension."""

    model = Unicode(help="The model: offline, openai:MODEL, anthropic:MODEL, google:MODEL, ollama:MODEL "
                    "(env BUDDY_MODEL; default offline).").tag(config=True)
    base_url = Unicode(help="Base URL of an OpenAI-compatible server; with it, openai:MODEL speaks Chat "
                       "Completions (env BUDDY_BASE_URL or OPENAI_BASE_URL).").tag(config=True)
    data_dir = Unicode(help="Folder for the stores (env BUDDY_DATA_DIR); default: a .buddy folder beside "
                       "each notebook.").tag(config=True)
    history_root = Unicode(help="Folder whose stores --all, memory and the sidebar span (env BUDDY_HISTORY_ROOT); "
                           "default: the notebook's folder.").tag(config=True)
    idle_release = Float(3.0, help="Seconds without activity after which the store file is released "
                         "so other processes can open it (longer than flush_interval, so a streaming "
                         "answer keeps the file between flushes).").tag(config=True)
    max_hold = Float(5.0, help="Seconds after which a busy kernel lets go of the store file between "
                     "writes, so readers elsewhere get a turn.").tag(config=True)
    lock_timeout = Float(30.0, help="Seconds to wait for a store another process holds before "
                         "giving up with an error naming that process.").tag(config=True)
    flush_interval = Float(1.0, help="Seconds between writes of a streaming answer: a crash loses at "
                           "most this much text.").tag(config=True)
    context = Bool(True, help="Send notebook context (the cell, the last error, variables the question "
                   "names) with each question.").tag(config=True)
    context_limit = Int(6000, help="Most characters of notebook context sent with a question.").tag(config=True)
    history_limit = Int(40, help="Most earlier messages of the session sent to the model.").tag(config=True)
    activity = Bool(True, help="Record each cell execution's time, duration and outcome (no code, no "
                    "output) so that time spent covers working in the notebook.").tag(config=True)
    model_topics = Bool(True, help="With a real model, ask it once per session to name the session's "
                        "topics (one extra short request).").tag(config=True)
    idle_threshold = Float(300.0, help="Seconds of inactivity that end a study session in time-spent "
                           "analytics.").tag(config=True)
    notes_path = Unicode(help="A folder of your own teaching notes (Markdown, the format of the shipped "
                         "notes); they rank first in the offline buddy's answers (env BUDDY_NOTES_PATH)."
                         ).tag(config=True)
    display_interval = Float(0.1, help="Seconds between display updates of a streaming answer.").tag(config=True)

    @validate("model")
    def _valid_model(self, proposal) -> str:
        problem = model_name_problem(proposal["value"])
        if problem is not None:
            raise InvalidModel(problem)
        return proposal["value"]

    @default("model")
    def _default_model(self) -> str:
        model = os.environ.get("BUDDY_MODEL", "offline")
        if model_name_problem(model) is not None:
            import warnings

            warnings.warn(f"BUDDY_MODEL: {model_name_problem(model)}; using offline", stacklevel=2)
            return "offline"
        return model

    @default("base_url")
    def _default_base_url(self) -> str:
        return os.environ.get("BUDDY_BASE_URL") or os.environ.get("OPENAI_BASE_URL", "")

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return os.environ.get("BUDDY_DATA_DIR", "")

    @default("notes_path")
    def _default_notes_path(self) -> str:
        return os.environ.get("BUDDY_NOTES_PATH", "")

    @default("history_root")
    def _default_history_root(self) -> str:
        return os.environ.get("BUDDY_HISTORY_ROOT", "")
