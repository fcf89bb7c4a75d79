"""ModuleNotFoundError and ImportError: ``%pip install`` with the right distribution name, a
misspelt module, a name that moved or that the module does not have."""

from __future__ import annotations

import importlib.util
import re
import sys

from .diagnosis import Diagnosis
from .matching import close_matches
from .view import View, attribute_names

# Import name -> the name to give pip, where they differ (knowledge as data).
DISTRIBUTIONS = {
    "sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml", "bs4": "beautifulsoup4",
    "skimage": "scikit-image", "dateutil": "python-dateutil", "dotenv": "python-dotenv", "docx": "python-docx",
    "pptx": "python-pptx", "Crypto": "pycryptodome", "serial": "pyserial", "usb": "pyusb", "attr": "attrs",
    "jwt": "PyJWT", "magic": "python-magic", "fitz": "PyMuPDF", "OpenSSL": "pyOpenSSL", "google.protobuf": "protobuf",
    "MySQLdb": "mysqlclient", "psycopg2": "psycopg2-binary", "wx": "wxPython", "gi": "PyGObject",
    "sentence_transformers": "sentence-transformers", "umap": "umap-learn", "Levenshtein": "python-Levenshtein",
    "tensorflow_datasets": "tensorflow-datasets", "kaggle": "kaggle", "ruamel": "ruamel.yaml", "win32api": "pywin32",
    "lxml": "lxml", "git": "GitPython", "telegram": "python-telegram-bot", "discord": "discord.py",
    "pymupdf": "PyMuPDF", "mpl_toolkits": "matplotlib", "skopt": "scikit-optimize", "imblearn": "imbalanced-learn",
    "category_encoders": "category-encoders", "statsmodels": "statsmodels",
}
WELL_KNOWN = {"pandas", "numpy", "matplotlib", "seaborn", "scipy", "sklearn", "plotly", "requests", "statsmodels",
              "tensorflow", "torch", "keras", "nltk", "spacy", "openpyxl", "xlrd", "pyarrow", "polars", "duckdb",
              "bs4", "cv2", "PIL", "yaml", "tqdm", "ipywidgets", "altair", "bokeh", "folium", "geopandas", "networkx",
              "sympy", "xgboost", "lightgbm", "catboost", "transformers", "datasets", "jupyter", "IPython"}
# Names that moved: (module, name) -> the import that works now.
MOVED = {
    ("sklearn.cross_validation", None): "from sklearn.model_selection import {name}",
    ("collections", "Mapping"): "from collections.abc import Mapping",
    ("collections", "MutableMapping"): "from collections.abc import MutableMapping",
    ("collections", "Iterable"): "from collections.abc import Iterable",
    ("collections", "Sequence"): "from collections.abc import Sequence",
    ("collections", "Callable"): "from collections.abc import Callable",
    ("pandas.io.json", "json_normalize"): "from pandas import json_normalize",
    ("pandas.util.testing", None): "import pandas.testing",
    ("sklearn.externals", "joblib"): "import joblib",
    ("scipy.misc", "imread"): "from imageio.v3 import imread",
}


def distribution(module: str) -> str:
    """The name to give ``pip install`` for an import name."""
    top = module.split(".")[0]
    return DISTRIBUTIONS.get(module) or DISTRIBUTIONS.get(top) or top


def _missing_module(error: BaseException) -> str:
    name = getattr(error, "name", None)
    if name:
        return name
    match = re.search(r"No module named '([\w.]+)'", str(error))
    return match.group(1) if match else ""


def moved(error: BaseException, view: View) -> Diagnosis | None:
    """A module or name that moved in a newer version (``sklearn.cross_validation``, ``collections.Mapping``)."""
    module = _missing_module(error)
    match = re.search(r"cannot import name '(\w+)' from '([\w.]+)'", str(error))
    imported = match.group(1) if match else ""
    if match:
        module = match.group(2)
    for (old, old_name), new in MOVED.items():
        if module == old and (old_name is None or old_name == imported):
            names = re.findall(r"import\s+(.+)$", view.line)
            statement = new.format(name=imported or (names[0].strip() if names else "..."))
            return Diagnosis(f"{type(error).__name__}: " + re.sub(r" \(\S*\)$", "", str(error).splitlines()[0])[:120],
                             [f"`{old}{'.' + old_name if old_name else ''}` moved in a newer version of the library."],
                             "Import it from its new place.", statement)
    return None


def not_installed(error: BaseException, view: View) -> Diagnosis | None:
    """``import sklearn`` with scikit-learn not installed: ``%pip install scikit-learn``."""
    if not isinstance(error, ModuleNotFoundError):
        return None
    module = _missing_module(error)
    if not module:
        return None
    top = module.split(".")[0]
    title = f"ModuleNotFoundError: No module named '{module}'"
    if top != module and _importable(top):
        parent = sys.modules.get(top)
        subs = _submodules(top)
        near = close_matches(module.split(".", 1)[1].split(".")[0], subs)
        facts = [f"`{top}` is installed, but it has no submodule `{module.split('.', 1)[1]}`."]
        if near:
            facts.append(f"It has `{top}.{near[0]}`.")
            return Diagnosis(title, facts, f"Use `{top}.{near[0]}`.",
                             view.line.replace(module, f"{top}.{near[0]}", 1) if module in view.line else "")
        if parent is not None and subs:
            facts.append(f"Its submodules include: {', '.join(subs[:12])}.")
        return Diagnosis(title, facts, "Check the submodule's name in the library's documentation.", "")
    known = set(DISTRIBUTIONS) | WELL_KNOWN | {m.split(".")[0] for m in list(sys.modules)}
    known |= set(getattr(sys, "stdlib_module_names", ()))
    near = [] if top in DISTRIBUTIONS or top in WELL_KNOWN else [
        n for n in close_matches(top, sorted(known), cutoff=0.75) if _importable(n)]
    if near:
        best = near[0]
        return Diagnosis(title, [f"There is no module `{top}`; `{best}` is installed and is the closest name."],
                         f"Import `{best}`.", view.line.replace(top, best, 1) if top in view.line else f"import {best}")
    package = distribution(module)
    facts = [f"The module `{top}` is not installed in the environment this kernel runs ({sys.executable})."]
    if package != top:
        facts.append(f"It comes in the package `{package}` (the name to install differs from the name to import).")
    return Diagnosis(title, facts, "Install it from a cell with `%pip` (it installs into this kernel's own "
                     "environment), then run the import again; restart the kernel if it still fails.",
                     f"%pip install {package}")


def _importable(name: str) -> bool:
    try:
        return name in sys.modules or importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _submodules(top: str) -> list[str]:
    try:
        import pkgutil

        spec = importlib.util.find_spec(top)
        paths = list(spec.submodule_search_locations or []) if spec else []
        return sorted(m.name for m in pkgutil.iter_modules(paths) if not m.name.startswith("_"))[:500]
    except Exception:
        return []


def cannot_import_name(error: BaseException, view: View) -> Diagnosis | None:
    """``from module import Nmae``: the closest names the module has, or a circular import."""
    match = re.search(r"cannot import name '(\w+)' from '([\w.]+)'", str(error))
    if not match:
        return None
    name, module = match.groups()
    title = f"ImportError: cannot import name '{name}' from '{module}'"
    if "partially initialized module" in str(error) or "circular import" in str(error):
        return Diagnosis(title, [f"`{module}` was still being imported when `{name}` was asked for: a circular "
                                 "import, or your own file named like the module."],
                         f"Rename your file if it is called `{module.split('.')[-1]}.py`; otherwise move the import.", "")
    loaded = sys.modules.get(module)
    names = attribute_names(loaded) if loaded is not None else []
    near = close_matches(name, names)
    if near:
        return Diagnosis(title, [f"`{module}` has no `{name}`; it has `{near[0]}`."], f"Import `{near[0]}`.",
                         view.line.replace(name, near[0], 1) if name in view.line else "")
    return Diagnosis(title, [f"`{module}` has no `{name}` (in the version installed here)."],
                     "Check the name in the library's documentation for your version, or upgrade it with `%pip install -U`.",
                     f"%pip install -U {distribution(module)}")


def optional_dependency(error: BaseException, view: View) -> Diagnosis | None:
    """pandas' ``Missing optional dependency 'openpyxl'`` (read_excel, to_parquet...): install that package."""
    message = str(error)
    match = re.search(r"Missing optional dependency '([\w.-]+)'", message) or \
        re.search(r"Unable to find a usable engine; tried using: '([\w.-]+)'", message)
    if not match:
        return None
    package = distribution(match.group(1))
    return Diagnosis(f"ImportError: {message.splitlines()[0][:120]}",
                     [f"This function needs the package `{package}`, which pandas does not install by itself."],
                     "Install it into this kernel's environment, then run the cell again.", f"%pip install {package}")


RULES = {ModuleNotFoundError: [moved, not_installed], ImportError: [optional_dependency, moved, cannot_import_name]}
