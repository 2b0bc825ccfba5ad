# The two set-up commands of the README: `make demo` and `make test`.
# Each installs what it needs: Debian packages (docker.io, busybox-static, ...) are
# installed by the sandbox itself when it first starts a daemon; Python packages here.
PYTHON ?= python3

.PHONY: install demo test lint bench

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'

demo: install
	$(PYTHON) -m nkdocker_actors.demo

lint: install
	ruff check nkdocker_actors tests bench examples
	ruff format --check nkdocker_actors tests bench examples
	mypy --strict nkdocker_actors

# NK_REQUIRE_DAEMON=1: a skipped test fails the run (see tests/conftest.py).
test: lint
	NK_REQUIRE_DAEMON=1 $(PYTHON) -m pytest -ra --durations=15

bench: install
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(PYTHON) -m bench
