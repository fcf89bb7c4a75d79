"""The history sidebar in a real JupyterLab, driven by headless Chromium.

A notebook asks the offline buddy a question and opens the sidebar; the session
shows in JupyterLab's right side panel, its transcript holds the answer, and
the search box finds it by a word of the question. Then: a follow-up question
updates the open list live; running the sidebar cell again, and again after a
kernel restart, leaves exactly one Buddy tab.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, open_notebook, run_cells, write_notebook

QUESTION = "What is a list comprehension?"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "sidebar.png"


def sidebar_cell() -> str:
    """``%buddy sidebar`` once the magics offer it; the Python API until then."""
    from buddy_jupyter.magics import SUBCOMMANDS  # registers the subcommands' table
    import buddy_jupyter.commands  # noqa: F401

    if "sidebar" in SUBCOMMANDS:
        return "%buddy sidebar"
    return ("from buddy_jupyter.magics import kernel_buddy\n"
            "from buddy_jupyter.sidebar import open_sidebar\n"
            "open_sidebar(kernel_buddy(get_ipython()));")


@pytest.mark.browser
def test_history_sidebar_in_jupyterlab(lab, page):
    started = time.monotonic()
    write_notebook(lab.root / "lesson.ipynb", ["%load_ext buddy_jupyter", f"%buddy {QUESTION}", sidebar_cell()])
    notebook = open_notebook(page, lab.tree("lesson.ipynb"))
    run_cells(page, notebook, 3)
    cells = notebook.locator(".jp-Cell")
    answer = cells.nth(1).locator(".jp-OutputArea-output").first.inner_text()
    first_line = next(line for line in answer.splitlines() if line.strip())[:60]
    assert first_line

    sidebar = page.locator("#jp-right-stack .buddy-sidebar")
    row = sidebar.locator(".buddy-session-row", has_text="list comprehension")
    row.wait_for()
    assert sidebar.locator(".buddy-session-row:visible").count() == 1
    assert cells.nth(2).locator(".buddy-sidebar").count() == 0  # in the side panel, not also inline
    cells.nth(2).get_by_text("in the right side panel").wait_for()

    row.locator("button.buddy-session-open").click()
    transcript = sidebar.locator(".buddy-transcript")
    transcript.get_by_text(QUESTION).wait_for()
    transcript.get_by_text(first_line, exact=False).first.wait_for()
    assert "tokens" in sidebar.locator(".buddy-footer").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "sidebar.png"
    page.screenshot(path=str(shot))
    if os.environ.get("BUDDY_UPDATE_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    sidebar.locator("button.buddy-back").click()
    search = sidebar.locator(".buddy-search input")
    search.fill("comprehension")
    search.press("Enter")
    sidebar.locator(".buddy-summary", has_text="1 conversation match").wait_for()
    hit = sidebar.locator(".buddy-session-row", has_text="list comprehension")
    hit.wait_for()
    assert "comprehension" in hit.inner_text().lower()
    assert sidebar.locator(".buddy-error-text").inner_text() == ""

    # Live: a follow-up question in the notebook updates the open list.
    sidebar.locator("button.buddy-search-clear").click()
    sidebar.locator(".buddy-session-meta", has_text="2 messages").wait_for()
    cells.nth(3).locator(".jp-InputArea-editor").click()
    page.keyboard.type("%buddy And a dict comprehension")
    page.keyboard.press("Shift+Enter")
    cells.nth(3).locator(".jp-InputPrompt", has_text="[4]:").wait_for()
    sidebar.locator(".buddy-session-meta", has_text="4 messages").wait_for()

    # Running the sidebar cell again re-shows the same panel: never a second Buddy tab.
    cells.nth(2).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    cells.nth(2).locator(".jp-InputPrompt", has_text="[5]:").wait_for()
    page.wait_for_function("document.querySelectorAll('#jp-right-stack .buddy-sidebar-panel').length === 1")
    visible = page.locator("#jp-right-stack .buddy-sidebar:visible")
    visible.locator(".buddy-session-row:visible", has_text="list comprehension").wait_for()
    tabs = page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab:visible", has_text="Buddy")
    assert tabs.count() == 1

    # After a kernel restart the dead kernel's panel stays in JupyterLab; only the new one shows.
    page.locator("#jp-MainMenu").get_by_text("Kernel", exact=True).click()
    page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel").first.click()
    page.locator(".jp-Dialog-button.jp-mod-accept").click()
    page.locator("#jp-right-stack .buddy-sidebar-panel.jupyter-widgets-disconnected").wait_for(state="attached")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    cells.nth(2).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    cells.nth(2).locator(".jp-InputPrompt", has_text="[1]:").wait_for()
    page.wait_for_function("document.querySelectorAll('#jp-right-stack .buddy-sidebar-panel').length === 2")
    page.locator("#jp-right-stack .buddy-sidebar:visible .buddy-session-row:visible").first.wait_for()
    assert tabs.count() == 1
    assert page.locator("#jp-right-stack .buddy-sidebar:visible").count() == 1
    assert time.monotonic() - started < 60
