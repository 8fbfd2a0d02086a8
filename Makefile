# Credence: `make run` starts the whole platform locally, `make test` runs the whole suite.
SHELL := /bin/bash
# A failing command on the left of a pipe fails the recipe.
.SHELLFLAGS := -o pipefail -c
# Some shells and images turn bytecode caching off; then every process of the platform, of the suite
# and every `credence` command compiles its dependencies again (about 1.5 s each on two cores).
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CREDENCE := $(VENV)/bin/credence
TOXIPROXY := .devstack/toxiproxy/server

.PHONY: install lock audit stack browser pdf run test test-faults fuzz lint bench stop status clean

# $(call apt,PACKAGE): install a Debian package (as root); $(call debian,COMMAND,PACKAGE): when its
# command is missing.
apt = { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq $(1) || (apt-get update -qq && apt-get install -y -qq $(1))); } || { echo "install $(1) (Debian package $(1))"; exit 1; }
debian = command -v $(1) >/dev/null || $(call apt,$(2))

install: $(VENV)/.installed node_modules/.installed

# uv installs exactly the versions and hashes that uv.lock pins, in a fraction of pip's time; it
# lives in a venv of its own so that syncing .venv never removes it. `--locked` refuses a lockfile
# that no longer matches pyproject.toml (run `make lock` after changing a dependency).
UV_VERSION := 0.13.9
UV_HOME := .devstack/uv
UV := $(UV_HOME)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install -q uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --python $(PYTHON) --quiet
	touch $@

lock: | $(UV)
	$(UV) lock

# The locked dependencies checked against the OSV vulnerability database (api.osv.dev) by uv's audit
# (a preview feature of the pinned uv); a known vulnerability fails it. Not part of `lint`: it needs
# that service, which a build machine without outside network cannot reach.
audit: | $(UV)
	$(UV) audit --locked --preview-features audit-command

# The console's browser packages (htmx, ECharts; axe-core for its tests), pinned by the lockfile and
# served by credit_api itself.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# PostgreSQL, Kafka and the mail sink (or DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set),
# the schema, and one development API key per role in .devstack/dev.env.
stack: install
	$(CREDENCE) dev up
	$(CREDENCE) db upgrade
	$(CREDENCE) dev env

run: stack pdf
	$(CREDENCE) run

# Statements of account as PDF: ReportLab embeds TrueType fonts that fontconfig finds, DejaVu Sans
# for Latin, Greek and Cyrillic beyond Windows-1252 and WenQuanYi Micro Hei for Chinese; the tests
# read the PDFs back with poppler's pdftoppm and pdftotext.
pdf:
	@$(call debian,fc-list,fontconfig)
	@fc-list "DejaVu Sans" | grep -q . || $(call apt,fonts-dejavu-core)
	@fc-list "WenQuanYi Micro Hei" | grep -q . || $(call apt,fonts-wqy-microhei)

# The API explorer and the console are tested in Debian's real Chromium, with CJK fonts for the
# Chinese pages.
browser:
	@$(call debian,chromium,chromium)
	@fc-list :lang=zh | grep -q . || $(call apt,fonts-noto-cjk)

# The fault tests stop and start the stack's broker and database server: they run after the rest.
test: stack browser pdf
	@$(call debian,pdftotext,poppler-utils)
	$(PY) -m pytest
	$(MAKE) --no-print-directory test-faults

# Each fault test prints how long the platform took to recover.
test-faults: stack $(TOXIPROXY)
	$(PY) -m pytest -m faults -s tests/integration/test_faults.py

# Toxiproxy, the fault proxy put between the services and PostgreSQL, built from its Go module.
$(TOXIPROXY):
	@$(call debian,go,golang-go)
	GOBIN=$(abspath $(dir $@)) go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0

# The API fuzzed as in `make test`, twenty times as long per role.
fuzz: stack
	CREDENCE_FUZZ_SCALE=20 $(PY) -m pytest -s tests/integration/test_api_fuzz.py

# Helm, built from its Go module.
HELM := .devstack/helm/helm
$(HELM):
	@$(call debian,go,golang-go)
	GOBIN=$(abspath $(dir $@)) go install helm.sh/helm/v4/cmd/helm@v4.3.2

# The Helm chart is linted, rendered and checked against the Kubernetes 1.37 schemas (strict: an
# unknown field is an error), and must refuse worker scaling beyond the topics' partitions.
CHART := deploy/helm/credence
CHART_VALUES := --set secrets.existingSecret=credence
lint: install $(HELM)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache
	$(HELM) lint --strict $(CHART) $(CHART_VALUES)
	$(HELM) template credence $(CHART) $(CHART_VALUES) | $(VENV)/bin/kubernetes-validate --strict --quiet -
	! $(HELM) template credence $(CHART) $(CHART_VALUES) --set services.riskWorker.autoscaling.maxReplicas=4 >/dev/null 2>&1


# wrk generates the load: a C client leaves the CPU to the servers being measured.
bench: stack pdf
	@$(call debian,wrk,wrk)
	$(PY) -m bench

stop:
	@if [ -x $(CREDENCE) ]; then $(CREDENCE) dev down; fi

status: install
	$(CREDENCE) dev status

clean: stop
	rm -rf .devstack $(VENV)
