# guarantor — the two commands: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench clean venv browser-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $(DEVSTAMP)

venv: $(DEVSTAMP)

demo: $(STAMP)
	$(BIN)/guarantor demo

test: $(DEVSTAMP) browser-deps
	$(BIN)/python -m pytest -n 2 -q

# The browser tests need Debian's chromium and the web/ test tools (playwright-core, axe-core).
# Installed here when possible; elsewhere those tests skip and say why. Under CI=true a failed
# install is an error, so that the browser tests can never be skipped silently in CI.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium (Debian) for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| { echo "chromium could not be installed"; [ "$$CI" != "true" ]; }; \
	fi
	@if [ ! -d web/node_modules/playwright-core ] && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix web --no-audit --no-fund --loglevel=error \
			|| { echo "npm ci --prefix web failed"; [ "$$CI" != "true" ]; }; \
	fi

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src

bench: $(DEVSTAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
