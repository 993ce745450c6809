# Two commands on a fresh machine: `make html` and `make test`.
# Each sets up the local virtual environment it needs on first use.

VENV   ?= .venv
PYTHON := $(VENV)/bin/python
PIP    := $(PYTHON) -m pip --disable-pip-version-check -q
# torch first, pinned: a plain `torch` requirement would pull a multi-GB CUDA build
TORCH  ?= torch==2.13.0

.PHONY: install install-test katex-assets html translations bench lighthouse test test-fast figures serve clean

$(PYTHON):
	python3 -m venv $(VENV)

# The generator alone: no torch needed to build the site
$(VENV)/.installed: pyproject.toml | $(PYTHON)
	$(PIP) install -e .
	touch $@

# Everything the tests use, torch included
$(VENV)/.installed-test: pyproject.toml | $(PYTHON)
	$(PIP) install $(TORCH)
	$(PIP) install -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# KaTeX's stylesheet and fonts, so that pages work offline (Debian packages)
KATEX_CSS := /usr/share/javascript/katex/katex.min.css
katex-assets:
	@test -f $(KATEX_CSS) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjs-katex fonts-katex; \
	  else echo "note: install Debian's libjs-katex and fonts-katex for offline math"; fi; }

html: install katex-assets
	$(VENV)/bin/site-gen build

# Bring the translation tables in line with the English (keeps every translation)
translations: install
	$(VENV)/bin/site-gen translate update
	$(VENV)/bin/site-gen translate status

test: install-test katex-assets
	$(PYTHON) -m pytest

test-fast: install-test
	$(PYTHON) -m pytest -m "not slow"

# Build speed and memory against pycco (a formula-heavy corpus, the stdlib) and on this site (cold, no-op, one edit)
bench: install-test katex-assets
	$(PYTHON) bench/bench.py
	$(PYTHON) -m labml_nn.optimizers.performance_test

# Lighthouse (npm) with Debian's Chromium on the home and Adam pages in every language
lighthouse: html
	cd bench && npm install --no-audit --no-fund --silent
	$(PYTHON) bench/lighthouse.py

figures: install-test
	$(PYTHON) -m labml_nn.optimizers.figures

# Serve html/ on 127.0.0.1:8000, rebuild on every change, reload the browser
serve: install katex-assets
	$(VENV)/bin/site-gen serve --port 8000

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .site_gen_cache test-artifacts .html.new .html.old .html.lock bench/node_modules
