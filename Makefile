# streamfit: `make demo` and `make test` are all a user needs; each installs
# what is missing first (idempotent: a second run skips installed parts).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
# The CPU build of TensorFlow; set TF_PACKAGE=tensorflow==2.21.0 for the GPU-capable wheel.
TF_PACKAGE ?= tensorflow-cpu==2.21.0
# Node >= 18 from PATH wins; without one, scripts/ensure_node.sh puts the
# nodejs-bin fallback's node/npm wrappers into .venv/bin, found last on PATH.
export PATH := $(PATH):$(CURDIR)/$(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install install-python install-node test test-python test-js test-cross demo golden golden-check bench clean

install: install-python install-node

install-python: $(VENV)/.stamp-python
$(VENV)/.stamp-python: pyproject.toml
	@[ -x $(VPY) ] || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check '$(TF_PACKAGE)' -e '.[dev]'
	@touch $@

install-node: node_modules/.stamp-node
node_modules/.stamp-node: package-lock.json $(VENV)/.stamp-python scripts/build_tfjs_binding.sh
	scripts/ensure_node.sh >/dev/null
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	scripts/build_tfjs_binding.sh
	@touch $@

golden: install-python
	$(VPY) tools/make_golden.py

golden-check: install-python
	$(VPY) tools/make_golden.py --check

test-python: install-python
	$(VPY) -m pytest -q tests/python

test-js: install
	node --test tests/js/
	node_modules/.bin/tsc --noEmit -p js/tsconfig.json

test-cross: install
	$(VPY) -m pytest -q tests/cross

test: install golden-check test-python test-js test-cross

demo: install
	$(VPY) tools/make_demo_data.py build/demo
	$(VPY) -m streamfit crosscheck examples/demo_csv.json --plot build/demo_csv_loss.png
	$(VPY) -m streamfit crosscheck examples/demo_shapes.json --plot build/demo_shapes_loss.png

bench: install
	$(VPY) bench/run.py
	$(VPY) bench/packed.py

clean:
	rm -rf build .pytest_cache
