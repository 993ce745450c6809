# Two commands on a fresh machine: `make html` and `make test`.
# Each sets up the local virtual environment it needs on first use.

VENV   ?= .venv
PYTHON := $(VENV)/bin/python
PIP    := $(PYTHON) -m pip --disable-pip-version-check -q
# torch first, pinned: a plain `torch` requirement would pull a multi-GB CUDA build
TORCH  ?= torch==2.13.0

.PHONY: install install-test math-font html translations bench lighthouse test test-fast figures serve clean

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

# The math font the pages ship (Latin Modern Math, an OpenType MATH font: Debian's fonts-lmodern);
# without it formulas use the reader's own math font
MATH_FONT := /usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf
math-font:
	@test -f $(MATH_FONT) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-lmodern; \
	  else echo "note: install Debian's fonts-lmodern so that pages ship their math font"; fi; }

html: install math-font
	$(VENV)/bin/site-gen build

# Bring the translation tables in line with the English (keeps every translation)
translations: install
	$(VENV)/bin/site-gen translate update
	$(VENV)/bin/site-gen translate status

test: install-test math-font
	$(PYTHON) -m pytest

test-fast: install-test
	$(PYTHON) -m pytest -m "not slow"

# Build speed and memory against pycco (a formula-heavy corpus, the stdlib) and on this site (cold, no-op, one edit)
bench: install-test math-font
	$(PYTHON) bench/bench.py
	$(PYTHON) -m labml_nn.optimizers.performance_test

# Lighthouse (npm) with Debian's Chromium on the home and Adam pages in every language
lighthouse: html
	cd bench && npm install --no-audit --no-fund --silent
	$(PYTHON) bench/lighthouse.py

figures: install-test
	$(PYTHON) -m labml_nn.optimizers.figures

# Serve html/ on 127.0.0.1:8000, rebuild on every change, reload the browser
serve: install math-font
	$(VENV)/bin/site-gen serve --port 8000

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .site_gen_cache test-artifacts .html.new .html.old .html.lock bench/node_modules
