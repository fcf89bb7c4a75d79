"""buddy_jupyter: a learning buddy in every notebook, with its history in DuckDB.

``%load_ext buddy_jupyter`` only registers the magics and an input transformer;
the store, pandas and the model layer are imported when first used.
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    from .magics import register

    register(ipython)


def unload_ipython_extension(ipython):
    from .magics import unregister

    unregister(ipython)
