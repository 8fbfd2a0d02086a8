# Credence: `make run` starts the whole platform locally, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CREDENCE := $(VENV)/bin/credence

.PHONY: install stack browser run test lint bench stop status clean

# $(call debian,COMMAND,PACKAGE): install a Debian package when its command is missing (as root).
debian = command -v $(1) >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq $(2) || (apt-get update -qq && apt-get install -y -qq $(2))); } || { echo "install $(2) (Debian package $(2))"; exit 1; }

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

# PostgreSQL, Kafka and the mail sink (or DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set),
# the schema, and one development API key per role in .devstack/dev.env.
stack: install
	$(CREDENCE) dev up
	$(CREDENCE) db upgrade
	$(CREDENCE) dev env

run: stack
	$(CREDENCE) run

# The API explorer (and later the console) is tested in Debian's real Chromium.
browser:
	@$(call debian,chromium,chromium)

test: stack browser
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

# wrk generates the load: a C client leaves the CPU to the servers being measured.
bench: stack
	@$(call debian,wrk,wrk)
	$(PY) -m bench

stop:
	@if [ -x $(CREDENCE) ]; then $(CREDENCE) dev down; fi

status: install
	$(CREDENCE) dev status

clean: stop
	rm -rf .devstack $(VENV)
