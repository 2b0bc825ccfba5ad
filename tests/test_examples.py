"""Every example in examples/ runs to exit 0 against the sandbox daemon; docs/api.md's
generated command reference matches the command tables.

Each example runs as a subprocess with DOCKER_HOST pointed at the session's sandbox, as
a user would run it; multi_daemon.py also starts (and here, afterwards stops) a
second sandbox of its own, "examples-b", whose dockerd it kills and restarts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nkdocker_actors import sandbox

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "quickstart.py": [b"stdout: hello from quick", b"exit code 3", b"NotFound: No such container"],
    "actor_events.py": [b"exited 2, said 'job 2 done'", b"all containers collected and removed"],
    "interactive_exec.py": [b"exit code 42", b"tty size ['43', '132']"],
    "multi_daemon.py": [
        b"status: {'a': 'up', 'b': 'restarting'}",
        b"restarted: {'a': 'up', 'b': 'up'}",
        b"ping everywhere: {'a': 'OK', 'b': 'OK'}",
    ],
    "monitor.py": [b"start: nk-monitored-", b"stats: memory", b"still running: False"],
}


def test_api_reference_is_in_sync() -> None:
    check = subprocess.run(
        [sys.executable, str(EXAMPLES.parent / "docs" / "gen_api.py"), "--check"],
        capture_output=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr.decode()


def test_every_example_is_tested() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def second_daemon() -> Iterator[None]:
    """multi_daemon.py's own sandbox: stopped after the test."""
    yield
    if os.environ.get("NK_KEEP_SANDBOX") != "1":
        sandbox.down("examples-b")


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_example(example: str, daemon: sandbox.SandboxInfo, second_daemon: None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env.update(daemon.env())
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / example)],
        capture_output=True,
        env=env,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    report = f"stdout:\n{result.stdout.decode()}\nstderr:\n{result.stderr.decode()}"
    assert result.returncode == 0, report
    for needle in EXPECTED[example]:
        assert needle in result.stdout, report
    assert b"Traceback" not in result.stderr, report
