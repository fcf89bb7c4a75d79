"""Where the sidebar appears, and that opening it again never makes a second panel."""

from __future__ import annotations

import subprocess
import sys

import pytest

from buddy_jupyter.errors import InvalidInput
from buddy_jupyter.sidebar import placement
from tests.sidebar.conftest import converse, wait_for

# ipylab 1.1 declares List(Unicode) with a type, which traitlets deprecates: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Traits should be given as instances:DeprecationWarning")


@pytest.fixture(autouse=True)
def _fresh_registry():
    placement._REGISTRY.clear()
    placement._FRONTEND.clear()
    yield
    for entry in list(placement._REGISTRY.values()):
        entry.sidebar.close()
    placement._REGISTRY.clear()
    placement._FRONTEND.clear()


@pytest.fixture
def frontend(monkeypatch):
    """ipylab's frontend object with the messages it would send to JupyterLab recorded."""
    app = placement.frontend()
    sent = {"add": [], "execute": []}

    def shell_message(content, buffers=None):
        assert content["func"] == "add"
        payload = content["payload"]
        wrappers = [p.wrapper for p in placement._REGISTRY.values() if p.wrapper is not None]
        widget = next(w for w in wrappers if f"IPY_MODEL_{w.model_id}" == payload["serializedWidget"])
        sent["add"].append((widget, payload["area"], payload["args"], payload["id"]))

    monkeypatch.setattr(app.shell, "send", shell_message)
    monkeypatch.setattr(app.commands, "execute", lambda command, args=None: sent["execute"].append((command, args)))
    app.sent = sent
    return app


def lab_reports_added(app, added):
    """What ipylab's frontend does once the panel is in the side bar: sync ``_widgets`` back."""
    wrapper, area, args, panel_id = added
    entry = {"serializedWidget": f"IPY_MODEL_{wrapper.model_id}", "area": area, "args": args, "id": panel_id}
    app.shell.set_trait("_widgets", list(app.shell._widgets) + [entry])


def test_inline_twice_is_one_panel(kb):
    shown = []
    first = placement.open_sidebar(kb, where="inline", display=shown.append)
    converse(kb.store, "Later", "q", "a")
    second = placement.open_sidebar(kb, where="inline", display=shown.append)
    assert second is first
    assert shown == [first, first]
    assert [r.title for r in second.history.visible_rows] == ["Later"]  # refreshed when shown again
    assert "buddy-sidebar" in first._dom_classes


def test_package_exports_open_sidebar(kb):
    import buddy_jupyter.sidebar as sidebar_package

    shown = []
    panel = sidebar_package.open_sidebar(kb, where="inline", display=shown.append)
    assert isinstance(panel, sidebar_package.BuddySidebar)
    assert shown == [panel]


def test_where_is_checked(kb):
    with pytest.raises(InvalidInput, match="where must be one of"):
        placement.open_sidebar(kb, where="left", display=lambda _: None)


def test_a_closed_panel_is_rebuilt(kb):
    first = placement.open_sidebar(kb, where="inline", display=lambda _: None)
    first.close()
    second = placement.open_sidebar(kb, where="inline", display=lambda _: None)
    assert second is not first and second.comm is not None


def test_right_side_panel_then_shown_and_reused(kb, frontend):
    sidebar = placement.open_sidebar(kb, where="right")
    (first,) = frontend.sent["add"]
    wrapper, area, args, panel_id = first
    assert area == "right" and wrapper.children == (sidebar,)
    assert wrapper.title.label == "Buddy" and wrapper.title.icon is not None
    prefix = placement.panel_id_prefix(kb)
    assert panel_id.startswith(prefix)
    assert frontend.sent["execute"] == []  # shown only once the frontend has added it

    lab_reports_added(frontend, first)
    assert frontend.sent["execute"] == [("application:toggle-sidebar-widget", {"side": "right", "index": 0})]
    assert placement.placement_of(kb).shown.is_set()

    again = placement.open_sidebar(kb, where="right")
    assert again is sidebar
    assert wrapper.comm is None  # the old tab is closed, not left as a duplicate
    assert all(e["serializedWidget"] != f"IPY_MODEL_{wrapper.model_id}" for e in frontend.shell._widgets)
    second = frontend.sent["add"][1]
    new_wrapper, _, new_args, new_id = second
    assert new_wrapper is not wrapper and new_wrapper.children == (sidebar,)
    assert new_args["rank"] < args["rank"]  # newest first: index 0 of the right side bar
    assert new_id != panel_id and new_id.startswith(prefix)
    lab_reports_added(frontend, second)
    assert len(frontend.sent["execute"]) == 2
    assert sidebar.comm is not None
    # A panel left by a restarted kernel of this notebook has its tab hidden while this one lives.
    css = sidebar.style_sheet.value
    assert f'body:has(#{new_id}:not(.jupyter-widgets-disconnected))' in css
    assert f'[data-id^="{prefix}"]:not([data-id="{new_id}"])' in css


def test_close_sidebar_removes_tab_and_stops_following(kb, frontend):
    import buddy_jupyter.sidebar as sidebar_package

    sidebar = placement.open_sidebar(kb, where="right")
    wrapper = placement.placement_of(kb).wrapper
    lab_reports_added(frontend, frontend.sent["add"][0])
    assert sidebar_package.close_sidebar(kb) is True
    assert wrapper.comm is None and sidebar.comm is None
    assert frontend.shell._widgets == []
    assert placement.placement_of(kb) is None
    assert sidebar_package.close_sidebar(kb) is False
    converse(kb.store, "After", "q", "a")  # no error from a closed panel following the store


def test_auto_in_vscode_is_inline(folder):
    from tests.sidebar.conftest import make_kb

    kb = make_kb(folder / "lesson.ipynb")
    kb.user_ns["__vsc_ipynb_file__"] = str(folder / "lesson.ipynb")
    assert placement.detect(kb) == "inline"
    shown = []
    sidebar = placement.open_sidebar(kb, display=shown.append)
    assert shown == [sidebar]
    assert placement.detect(kb.__class__(user_ns={}), env={"VSCODE_PID": "1"}) == "inline"
    kb.close()


def test_auto_outside_a_kernel_is_inline(kb):
    assert placement.detect(kb) == "inline"  # pytest runs no kernel


@pytest.mark.parametrize("version, where", [("4.6.6", "right"), ("7.4.1", "inline"), ("", "inline")])
def test_auto_asks_the_frontend(kb, frontend, monkeypatch, version, where):
    monkeypatch.setattr(placement, "detect", lambda _kb: "ask")
    shown = []
    sidebar = placement.open_sidebar(kb, display=shown.append, fallback_after=0.05)
    (slot,) = shown
    assert "buddy-sidebar-slot" in slot._dom_classes
    if version:
        frontend.set_trait("version", version)  # what ipylab's frontend reports
    wait_for(lambda: placement.placement_of(kb).where == where, what=f"placement {where}")
    if where == "right":
        assert frontend.sent["add"][0][0].children == (sidebar,)
        assert "right side panel" in slot.children[0].value
    else:
        assert slot.children == (sidebar,)
        assert frontend.sent["add"] == []


def test_import_is_lazy():
    code = ("import sys, buddy_jupyter.sidebar as s; "
            "print(sorted(m for m in ('ipywidgets', 'duckdb', 'pandas', 'ipylab') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
