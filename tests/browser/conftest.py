"""JupyterLab on 127.0.0.1 and headless Chromium, for tests marked ``browser``.

The server gets its own root, settings, workspaces, config and runtime folders
(nothing of the developer's is read), a random token, no news or update checks,
and ``BUDDY_MODEL=offline`` (a test module's ``lab_env`` fixture adds to or changes
that environment). It is started with ``rfc3987_syntax`` blocked (importing nbformat would
otherwise build that package's grammar, the slowest part of the server's start-up).
Chromium is Debian's (/usr/bin/chromium), driven by Playwright; never
``playwright install``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LAUNCH = ("import sys; sys.modules['rfc3987_syntax'] = None; "
          "from jupyterlab.labapp import LabApp; LabApp.launch_instance()")


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def tree(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


def write_notebook(path: Path, sources: list[str]) -> None:
    """A notebook (nbformat 4.5) with one code cell per source, without importing nbformat."""
    cells = [{"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {}, "outputs": [],
              "source": source} for i, source in enumerate(sources)]
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"}}}
    path.write_text(json.dumps(notebook, indent=1))


def open_notebook(page, url: str):
    """Open a notebook and wait until its kernel is really idle: the status bar and the notebook's
    execution indicator both say so."""
    page.goto(url)
    notebook = page.locator(".jp-NotebookPanel:visible")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    notebook.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    return notebook


def run_cells(page, notebook, count: int) -> None:
    """Shift+Enter through the first ``count`` cells, each until its prompt shows its number."""
    cells = notebook.locator(".jp-Cell")
    cells.first.locator(".jp-InputArea-editor").click()
    for n in range(1, count + 1):
        page.keyboard.press("Shift+Enter")
        cells.nth(n - 1).locator(".jp-InputPrompt", has_text=f"[{n}]:").wait_for()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def lab_env() -> dict[str, str]:
    """More environment for the server and its kernels; a test module overrides this fixture."""
    return {}


@pytest.fixture
def lab(tmp_path, lab_env):
    root = tmp_path / "root"
    root.mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_", "BUDDY_", "VSCODE"))}
    env.update(BUDDY_MODEL="offline", JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), IPYTHONDIR=str(tmp_path / "ipython"),
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    env.update(lab_env)
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no "Would you like to get notified about Jupyter news?" toast
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    log = tmp_path / "jupyterlab.log"
    args = [sys.executable, "-c", LAUNCH, f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--ServerApp.port_retries=0", "--ServerApp.allow_root=True"]
    with open(log, "wb") as out:
        server = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield Lab(url, token, root, log)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        yield tab
        context.close()
        browser.close()
