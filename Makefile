# The two set-up commands of the README: `make demo` and `make test`.
# Each installs what it needs: Python packages into .venv here; Debian packages
# (docker.io, busybox-static, socat, openssl, docker-registry) are installed by the
# sandbox itself when it first starts a daemon.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# The bench extra (docker-py) too: the suite runs the benchmark's --quick mode.
install: $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'

demo: install
	$(PY) -m nkdocker_actors.demo

lint: install
	$(PY) -m ruff check nkdocker_actors tests $(wildcard bench examples)
	$(PY) -m ruff format --check nkdocker_actors tests $(wildcard bench examples)
	$(PY) -m mypy --strict nkdocker_actors

# NK_REQUIRE_DAEMON=1: a skipped test fails the run (see tests/conftest.py).
test: lint
	NK_REQUIRE_DAEMON=1 $(PY) -m pytest -ra --durations=15

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info
