"""Let a widget's clicks reach the kernel while a cell is running.

JupyterLab 4.6 sends comm messages on a kernel subshell by default (setting
``commsOverSubshells``, "perCommTarget"), and ipykernel 7 handles each subshell
on its own thread, so a widget callback could run while the main shell is busy.
But ipykernel (7.3 and later) re-routes each incoming ``comm_msg``/``comm_close``
on its shell-channel thread: ``kernelbase.shell_channel_thread_main`` asks the
comm's ``_reply_subshell_for(data, default)``, and ``BaseComm`` answers with the
subshell of the parent message the comm last *published* under
(``_reply_subshell_id``), so that a reply to a kernel-side request reaches the
event loop that waits for it. A widget created or updated by a cell on the main
shell last published under an ``execute_request`` without a subshell, so its
messages all go to the main shell and wait behind the running cell, whatever
subshell the frontend chose. (Our live updates publish from timer threads,
whose parent falls back to the main shell's request: they pin it there too.)

``follow_frontend_subshell(widget)`` makes ipykernel keep the subshell that the
frontend put in the message header (``default``): the frontend's subshell when
comms over subshells are on, the main shell when they are off or the kernel has
none. Only for widgets whose callbacks are safe on another thread and never wait
for a reply from the frontend (the Stop button: it sets a ``threading.Event``).
With an ipykernel that has no such routing (6.x, 7.0-7.2) the attribute is never
read and nothing changes.
"""

from __future__ import annotations

from typing import Any


def _frontend_choice(_data: Any, default: Any) -> Any:
    """The subshell id the frontend put in the message header (None: the main shell)."""
    return default


def follow_frontend_subshell(widget: Any) -> bool:
    """Route ``widget``'s incoming comm messages to the subshell the frontend chose.

    False when the widget has no comm (outside a kernel) or the comm takes no
    attributes.
    """
    comm = getattr(widget, "comm", None)
    if comm is None:
        return False
    try:
        comm._reply_subshell_for = _frontend_choice  # read by ipykernel's shell-channel thread
    except (AttributeError, TypeError):
        return False
    return True
