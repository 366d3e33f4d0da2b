# partyrel: two commands on a fresh machine.
#   make demo   set up .venv, build the bundled sample into out/, print a summary
#   make test   set up .venv with the test extras and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv clean eval-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test,notebooks,cluster]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/kg build examples/readouts -o out
	$(BIN)/kg query engagements-by-type --store out

# The browser tests drive Debian's chromium (never a browser downloaded by playwright);
# the push tests start Debian's Virtuoso (and the Oxigraph server from PyPI) on loopback.
test: $(STAMP)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make test: installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "make test: the browser tests need Debian's chromium at /usr/bin/chromium;" \
	         "run make test as root, or: sudo apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; \
	fi
	@if [ ! -x /usr/bin/virtuoso-t ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make test: installing Debian's virtuoso-opensource for the push tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; \
	  else \
	    echo "make test: the push tests need Debian's virtuoso-opensource (/usr/bin/virtuoso-t);" \
	         "run make test as root, or: sudo apt-get install -y virtuoso-opensource" >&2; \
	    exit 1; \
	  fi; \
	fi
	$(BIN)/python -m pytest

eval-dev: $(STAMP)
	$(BIN)/python bench/eval_dev.py

clean:
	rm -rf out .pytest_cache
