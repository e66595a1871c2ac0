# Faktura — developer entry points. Everything the project needs is installed from the lock file.
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format e2e-deps messages clean
.DELETE_ON_ERROR:

PO_FILES := $(wildcard src/faktura/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $(VENV)/.installed

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

install: $(VENV)/.installed $(MO_FILES)

# Re-extract the translatable strings (needs GNU gettext) after changing texts.
messages: install
	cd src/faktura && ../../$(BIN)/django-admin makemessages -l de --no-obsolete \
		--settings=faktura.config.settings --pythonpath=..

run: install
	$(BIN)/faktura migrate
	$(BIN)/faktura demo
	$(BIN)/faktura serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/lint-imports
	$(BIN)/mypy src/faktura/core src/faktura/billing src/faktura/billingreview src/faktura/receivables src/faktura/offers src/faktura/frameorders src/faktura/integrations \
		src/faktura/common/inputs.py src/faktura/contacts src/faktura/catalog/inputs.py \
		src/faktura/tenancy/inputs.py src/faktura/work

format: install
	$(BIN)/ruff format src tests $(wildcard benchmarks)
	$(BIN)/ruff check --fix src tests $(wildcard benchmarks)

# Debian packages the tests use: Chromium for the browser tests (Playwright drives
# /usr/bin/chromium), poppler (pdftotext/pdftoppm) and zbar (reads the GiroCode back).
E2E_PACKAGES := chromium poppler-utils zbar-tools
e2e-deps:
	@missing=""; for p in $(E2E_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; fi

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache
