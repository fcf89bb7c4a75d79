"""The name every kernel of this environment loads the buddy under.

``etc/ipython/ipython_kernel_config.json`` (installed with the package) lists this module in
``InteractiveShellApp.extra_extensions``. It is a different name from the package's own so that
a notebook's ``%load_ext buddy_jupyter`` (needed wherever kernels do not load it by themselves)
finds the magics registered and stays silent, instead of IPython's "already loaded".
"""

from . import load_ipython_extension, unload_ipython_extension

__all__ = ["load_ipython_extension", "unload_ipython_extension"]
