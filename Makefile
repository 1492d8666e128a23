# The whole setup on a fresh machine: `make preview STACK=uat` and `make test` (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: preview test lint bench clean

# The runtime venv; the dev requirements are installed on top of it when tests need them.
$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

preview: $(VENV)/.runtime
	$(PY) -m stacks preview --stack $(STACK) --validate

# Every core: each worker previews the stacks it needs once (plans are cached per process). loadfile keeps a test
# file on one worker, so the consumer tests build their fresh virtual environment once (xdist 3.8's loadgroup
# does not group under pytest 9.2 here: measured 310 s with two builds, 231 s with loadfile, 392 s on one core).
test: $(VENV)/.dev
	$(PY) -m pytest -q -n auto --dist loadfile

bench: $(VENV)/.dev
	$(PY) -m bench.bench_stacks
	$(PY) -m bench.bench_growth
	$(PY) -m bench.bench_deploy_model --stack prod
	$(PY) bench/bench_schemacheck.py

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
