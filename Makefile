# Two commands do all the set-up on a fresh machine:
#   make lab    JupyterLab on notebooks/ with the extension loaded and the offline buddy
#   make test   the whole test suite (installs Chromium for the browser test when missing)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Jupyter refuses to run as root unless told (containers and CI machines run as root).
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
export BUDDY_MODEL ?= offline

.PHONY: install chromium lab test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

chromium:
	@command -v chromium >/dev/null 2>&1 || $(APT) install -y chromium \
		|| ($(APT) update && $(APT) install -y chromium)

lab: install
	$(BIN)/python -m buddy_jupyter.tutor.index  # the offline tutor's docs index, once per environment
	$(BIN)/jupyter lab --notebook-dir=notebooks $(AS_ROOT) \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

test: install chromium
	$(BIN)/python -m pytest

demo: install
	$(BIN)/python notebooks/demo.py

bench: install
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache notebooks/.buddy bench/.data tests/artifacts
