# Commons Workbench: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= demo-project
PORT ?= 8866

.PHONY: help venv dev demo lab screenshots test test-unit test-browser system-deps lint bench readme-figures clean frontend

help:
	@echo "make demo   - create .venv, install, build the demo project, serve it at http://127.0.0.1:$(PORT)"
	@echo "make lab    - JupyterLab on the demo project (after make demo), every app notebook opened on it"
	@echo "make test   - install test needs (Python extras, Debian chromium) and run the whole suite"
	@echo "make screenshots - the README's phone screenshots (docs/screenshots/), taken again from the real apps"
	@echo "make lint   - ruff"
	@echo "make bench  - run the benchmarks (minutes; numbers go to benchmarks/RESULTS.md)"
	@echo "make readme-figures - write the README's Benchmarks table from benchmarks/RESULTS.md"
	@echo "make frontend - rebuild the participant pages' bundle from frontend/ (needs node and npm; commit the result)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Installed once per change of pyproject.toml or the pins: the versions mybinder runs (binder/requirements.txt)
# are the versions the tests run with, and tests/test_binder.py checks that they are.
$(VENV)/.installed: pyproject.toml binder/requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -c binder/requirements.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml binder/requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -c binder/requirements.txt -e ".[test]"
	touch $@

venv: $(VENV)/.installed
dev: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(VENV)/bin/workbench demo $(DEMO_DIR) --port $(PORT)

lab: $(VENV)/.installed
	$(VENV)/bin/workbench lab $(DEMO_DIR)

# The README's phone screenshots (docs/screenshots/), taken from the real apps on the demo; commit the PNGs.
screenshots: $(VENV)/.installed-test system-deps
	$(PY) scripts/screenshots.py

# Debian's chromium for the real-browser tests (Playwright drives it; no browser download) and
# PostgreSQL's server binaries (the tests start a throwaway cluster on 127.0.0.1 themselves).
system-deps:
	@{ command -v chromium >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium postgresql >/dev/null; }
	@chromium --version
	@$(MAKE) --no-print-directory $(HUB_PROXY)

# JupyterHub's default proxy (configurable-http-proxy, from npm) for tests/test_hub.py and
# benchmarks/bench_hub.py, in the venv's folder: no global npm install. Needs node >= 20.
HUB_PROXY := $(VENV)/hub-proxy/node_modules/.bin/configurable-http-proxy
$(HUB_PROXY):
	@command -v npm >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }
	npm install --silent --no-audit --no-fund --prefix $(VENV)/hub-proxy configurable-http-proxy@5
	@$@ --version

test: $(VENV)/.installed-test system-deps
	WORKBENCH_REQUIRE_POSTGRES=1 $(PY) -m pytest -q -n 2 --dist loadscope -m "not browser"
	WORKBENCH_REQUIRE_BROWSER=1 $(PY) -m pytest -q -m browser

test-unit: $(VENV)/.installed-test
	$(PY) -m pytest -q -n 2 --dist loadscope -m "not browser"

test-browser: $(VENV)/.installed-test system-deps
	$(PY) -m pytest -q -m browser

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed-test system-deps
	$(PY) benchmarks/bench_store.py
	$(PY) benchmarks/bench_load.py
	$(PY) benchmarks/bench_welcome.py

# The README's Benchmarks table, written from benchmarks/RESULTS.md (standard library only; run it after a
# benchmark rewrote its section). tests/test_readme_figures.py fails when the README is not what this writes.
readme-figures: $(VENV)/bin/python
	$(PY) scripts/readme_figures.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) test-output .pytest_cache

# The participant pages' small frontend: frontend/src -> workbench/serve/share/voila/templates/workbench-lite/static.
# The built files are committed (CI and Binder have no npm); tests/test_frontend.py fails when they are stale.
frontend:
	cd frontend && npm ci --no-audit --no-fund && node build.mjs
