# streamfit: `make demo` and `make test` are all a user needs; each installs
# what is missing first (idempotent: a second run skips installed parts).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
NATIVE := python/streamfit/_native/libstreamfit_native.so
# The CPU build of TensorFlow; set TF_PACKAGE=tensorflow==2.21.0 for the GPU-capable wheel.
TF_PACKAGE ?= tensorflow-cpu==2.21.0
# Node >= 18 from PATH wins; without one, scripts/ensure_node.sh puts the
# nodejs-bin fallback's node/npm wrappers into .venv/bin, found last on PATH.
export PATH := $(PATH):$(CURDIR)/$(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install install-python install-node install-bench test test-python test-js test-cross demo golden golden-check bench bench-memory bench-packed bench-huge clean

install: install-python install-node

install-python: $(VENV)/.stamp-python $(NATIVE)
$(VENV)/.stamp-python: pyproject.toml
	@[ -x $(VPY) ] || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check '$(TF_PACKAGE)' -e '.[dev]'
	@touch $@

# Python's optional native kernel (CSV numbers; streamfit parses with numpy alone without it):
# the C compiler the tfjs-node binding needs anyway. No -ffast-math: its division must be IEEE's.
$(NATIVE): python/streamfit/_native/csv_decimal.c
	$(CC) -O2 -shared -fPIC -o $@ $<

install-node: node_modules/.stamp-node
node_modules/.stamp-node: package-lock.json $(VENV)/.stamp-python scripts/build_tfjs_binding.sh scripts/patch_tfjs_binding.py
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
	$(VPY) -m streamfit crosscheck examples/demo_shapes.json --engine graph

# Benchmarks print figures and assert nothing (BENCHMARKS.md says what each produced).
# matplotlib draws the suite's charts: only `make bench*` installs it (the `bench` extra).
install-bench: $(VENV)/.stamp-bench
$(VENV)/.stamp-bench: $(VENV)/.stamp-python
	$(VPY) -m pip install -q --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

# the suite: every contender, alone and into fit, and the memory proof; rewrites BENCHMARKS.md's tables
bench: install install-bench
	$(VPY) bench/suite.py

# the memory proof: every source's peak RSS at 1x and 10x the data; then BENCHMARKS.md again
bench-memory: install install-bench
	$(VPY) bench/memory.py
	$(VPY) bench/suite.py --report-only

# packs: pack speed, packed alone, packed fit vs in-memory in alternating pairs, pack memory
bench-packed: install
	$(VPY) bench/packed.py

# opt-in: packs more than this machine's RAM (25 GiB by default; checks the disk first) and trains one epoch
bench-huge: install
	$(VPY) bench/huge.py

clean:
	rm -rf build .pytest_cache
