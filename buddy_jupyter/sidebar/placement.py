"""Where the sidebar appears: JupyterLab's right side panel, or inline in the output.

``open_sidebar(kernel_buddy, where="auto")``:

- ``"right"``: into JupyterLab's right side panel through ipylab, then shown with
  the command ``application:toggle-sidebar-widget``. Each panel gets a rank
  lower than any before it, so the newest is the first tab of the right side
  bar, and the toggle is given index 0 once the frontend reports it added.
  Running it again closes this kernel's earlier tab and adds a fresh one. A
  kernel restart leaves the dead kernel's panel in JupyterLab (no Python can
  reach it any more): panels get the id ``buddy-sidebar-<store hash>-<pid>-<n>``
  and the live panel's CSS hides the tabs of every other panel of the same
  notebook (a rule that applies only while its own panel is not marked
  ``jupyter-widgets-disconnected``).
- ``"inline"``: displayed in the cell's output (Notebook 7, VS Code, terminals).
- ``"auto"``: inline in VS Code (``__vsc_ipynb_file__``, or ``VSCODE_PID`` outside
  Jupyter Server) and outside a kernel; otherwise a one-line placeholder is
  displayed and the frontend decides: ipylab reports the application's
  version, JupyterLab (major version below 7) gets the side panel, Notebook 7
  gets the sidebar inline in the placeholder, and so does a frontend that does
  not answer within ``fallback_after`` seconds of the cell finishing (no ipylab
  extension there).

One sidebar per ``KernelBuddy``: running it again refreshes and re-shows the
same panel (the old side-panel tab is replaced, never duplicated).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as w

from ..errors import InvalidInput
from .panel import BuddySidebar

if TYPE_CHECKING:
    from ..state import KernelBuddy

PLACES = ("auto", "right", "inline")
TOGGLE_COMMAND = "application:toggle-sidebar-widget"
FALLBACK_AFTER = 5.0
MIN_WIDTH = "340px"
"""The side panel widens to this when the sidebar shows (JupyterLab's default is 250 px)."""
ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">'
    '<path class="jp-icon3" fill="#616161" d="M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5'
    'a2 2 0 0 1 2-2zm3 5v2h2V8H7zm4 0v2h2V8h-2zm4 0v2h2V8h-2z"/></svg>'
)


@dataclass(eq=False)
class Placement:
    """The sidebar of one kernel and where it is shown."""

    sidebar: BuddySidebar
    where: str = ""
    """right or inline, once decided."""
    wrapper: Any = None
    """The ipylab Panel holding the sidebar in JupyterLab's right side panel."""
    slots: list[w.VBox] = field(default_factory=list)
    """Inline placeholders displayed by auto mode."""
    shown: threading.Event = field(default_factory=threading.Event)


_REGISTRY: "weakref.WeakKeyDictionary[Any, Placement]" = weakref.WeakKeyDictionary()
"""One sidebar per KernelBuddy (in practice one per kernel; ``close_sidebar`` ends it)."""
_COUNTER = itertools.count(1)
_FRONTEND: list[Any] = []
"""The kernel's one ipylab ``JupyterFrontEnd`` (created on first use)."""


def placement_of(kernel_buddy: "KernelBuddy") -> Placement | None:
    return _REGISTRY.get(kernel_buddy)


def frontend() -> Any:
    """ipylab's ``JupyterFrontEnd`` for this kernel (one, reused)."""
    if not _FRONTEND:
        from ipylab import JupyterFrontEnd

        _FRONTEND.append(JupyterFrontEnd())
    return _FRONTEND[0]


def detect(kernel_buddy: "KernelBuddy", env: dict[str, str] | None = None) -> str:
    """``inline`` where no side panel can exist, else ``ask`` (the frontend will tell)."""
    env = os.environ if env is None else env
    user_ns = getattr(kernel_buddy, "user_ns", {}) or {}
    if "__vsc_ipynb_file__" in user_ns:
        return "inline"
    if "VSCODE_PID" in env and "JPY_SESSION_NAME" not in env and "__session__" not in user_ns:
        return "inline"
    shell = _shell()
    if shell is None or getattr(shell, "kernel", None) is None:
        return "inline"
    try:
        import ipylab  # noqa: F401
    except ImportError:
        return "inline"
    return "ask"


def is_jupyterlab(version: str) -> bool:
    """JupyterLab reports 4.x (5.x, 6.x later); Notebook 7 reports 7.x."""
    try:
        return int(version.split(".")[0]) < 7
    except ValueError:
        return False


def open_sidebar(kernel_buddy: "KernelBuddy", where: str = "auto", *,
                 display: Callable[[Any], None] | None = None, fallback_after: float = FALLBACK_AFTER,
                 **sidebar_options: Any) -> BuddySidebar:
    """Show the history sidebar of ``kernel_buddy`` and return it.

    ``where``: ``"auto"`` (default), ``"right"`` (JupyterLab's right side panel) or
    ``"inline"`` (in the cell's output). Calling it again reuses the same panel.
    """
    if where not in PLACES:
        raise InvalidInput(f"where must be one of {', '.join(PLACES)}, not {where!r}")
    if display is None:
        from IPython.display import display
    placement = _REGISTRY.get(kernel_buddy)
    if placement is None or placement.sidebar.comm is None:
        placement = Placement(BuddySidebar(kernel_buddy, **sidebar_options))
        _REGISTRY[kernel_buddy] = placement
    else:
        placement.sidebar.refresh()
    mode = where if where != "auto" else detect(kernel_buddy)
    if mode == "inline":
        show_inline(placement, display)
    elif mode == "right":
        show_right(placement)
    else:
        _ask_frontend(placement, display, fallback_after)
    return placement.sidebar


def close_sidebar(kernel_buddy: "KernelBuddy") -> bool:
    """Remove the kernel's sidebar (its side-panel tab too) and stop following the store.

    For ``unload_ipython_extension``; False when there was none.
    """
    placement = _REGISTRY.pop(kernel_buddy, None)
    if placement is None:
        return False
    if placement.wrapper is not None and _FRONTEND:
        _remove_from_shell(_FRONTEND[0], placement.wrapper)
    for slot in placement.slots:
        slot.close()
    placement.sidebar.close()
    return True


def show_inline(placement: Placement, display: Callable[[Any], None]) -> None:
    placement.where = "inline"
    display(placement.sidebar)
    placement.shown.set()


def show_right(placement: Placement) -> Any:
    """Put the sidebar into JupyterLab's right side panel (replacing this kernel's earlier tab) and show it."""
    from ipylab import Icon, Panel

    app = frontend()
    old = placement.wrapper
    if old is not None:
        _remove_from_shell(app, old)
    wrapper = Panel([placement.sidebar], layout=w.Layout(overflow="auto", height="100%", min_width=MIN_WIDTH))
    wrapper.add_class("buddy-sidebar-panel")
    wrapper.title.label = "Buddy"
    wrapper.title.caption = "Buddy: conversations of this notebook"
    wrapper.title.icon = Icon(name="buddy-jupyter:chat", svgstr=ICON_SVG)
    placement.wrapper, placement.where = wrapper, "right"
    prefix = panel_id_prefix(placement.sidebar.kb)
    panel_id = f"{prefix}{os.getpid()}-{next(_COUNTER)}"
    placement.sidebar.add_css(  # only while this panel's kernel is alive (ipywidgets marks dead views)
        f'body:has(#{panel_id}:not(.jupyter-widgets-disconnected)) '
        f'.jp-SideBar .lm-TabBar-tab[data-id^="{prefix}"]:not([data-id="{panel_id}"]) {{ display: none; }}'
    )

    def added(change: dict) -> None:
        if any(entry.get("id") == panel_id for entry in change["new"] or ()):
            app.shell.unobserve(added, "_widgets")
            app.commands.execute(TOGGLE_COMMAND, {"side": "right", "index": 0})
            placement.shown.set()

    app.shell.observe(added, "_widgets")
    # ipylab's Shell.add with the lumino id its frontend accepts (Shell.add itself cannot pass one).
    app.shell.send({"func": "add", "payload": {"serializedWidget": _reference(wrapper), "area": "right",
                                               "args": {"rank": -time.time()}, "id": panel_id}})
    return wrapper


def panel_id_prefix(kernel_buddy: "KernelBuddy") -> str:
    """``buddy-sidebar-<hash of the store path>-``: the same for every kernel of one notebook."""
    digest = hashlib.sha1(str(kernel_buddy.store_path).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"buddy-sidebar-{digest}-"


def _reference(widget: Any) -> str:
    return f"IPY_MODEL_{widget.model_id}"


def _remove_from_shell(app: Any, wrapper: Any) -> None:
    """Close the old tab (closing its model disposes the view) and forget it in ipylab's restore list."""
    reference = _reference(wrapper) if wrapper.comm is not None else None
    kept = [e for e in app.shell._widgets if e.get("serializedWidget") != reference]
    if len(kept) != len(app.shell._widgets):
        app.shell.set_trait("_widgets", kept)
    for part in (wrapper.title.icon, wrapper.title):
        if part is not None:
            part.close()
    wrapper.close()


def _ask_frontend(placement: Placement, display: Callable[[Any], None], fallback_after: float) -> None:
    slot = w.VBox([w.HTML("<small>Opening Buddy's history…</small>")])
    slot.add_class("buddy-sidebar-slot")
    placement.slots.append(slot)
    display(slot)
    app = frontend()
    decided = threading.Event()

    def decide(version: str) -> None:
        if decided.is_set():
            return
        decided.set()
        if version and is_jupyterlab(version):
            show_right(placement)
            slot.children = [w.HTML("<small>Buddy's history is in the right side panel.</small>")]
        else:
            placement.where = "inline"
            slot.children = [placement.sidebar]
            placement.shown.set()

    if app.version:
        decide(app.version)
        return

    def on_version(change: dict) -> None:
        app.unobserve(on_version, "version")
        placement.sidebar.errors.guard(decide, "placement")(change["new"])

    app.observe(on_version, "version")
    _after_cell(lambda: _timer(fallback_after, lambda: placement.sidebar.errors.guard(decide, "placement")("")))


def _timer(seconds: float, fn: Callable[[], None]) -> None:
    timer = threading.Timer(seconds, fn)
    timer.daemon = True
    timer.start()


def _after_cell(fn: Callable[[], None]) -> None:
    """Run ``fn`` once the running cell has finished (at once outside IPython)."""
    shell = _shell()
    if shell is None:
        fn()
        return

    def once(*_args: Any) -> None:
        shell.events.unregister("post_run_cell", once)
        fn()

    shell.events.register("post_run_cell", once)


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
