# Two entry points for users: `make serve` and `make test`. Everything else is a building block.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
ARGS    ?=
APT_GET := $(shell command -v apt-get 2>/dev/null)

.PHONY: install serve test lint unit bench browser-deps bench-deps clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/kling-mock serve --host $(HOST) --port $(PORT) $(ARGS)

# Headless Chromium plays the served MP4s and drives the docs and playground in the browser tests; Debian's package, installed once.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ -n "$(APT_GET)" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: chromium could not be installed; the browser tests will be skipped"; \
	  else echo "warning: no apt-get; the browser tests will be skipped"; fi; \
	fi

bench-deps:
	@if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg wrk >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy mock_server contracts

unit: $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: $(STAMP) browser-deps lint unit

bench: $(STAMP) bench-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis cache
