"""Logging on "nkdocker_actors": restarts, give-ups, stream failures and failing
subscribers are each reported once, without secrets, against real daemons."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from conftest import drain, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox

LOGGER = "nkdocker_actors"


@pytest.fixture
def restartable(daemon_b: sandbox.SandboxInfo) -> Iterator[sandbox.SandboxInfo]:
    """daemon_b, brought back up after a test that kills it."""
    yield daemon_b
    try:
        with nk.connect(daemon_b.unix_url, connect_timeout=2) as docker:
            docker.ping().get(5)
    except nk.ConnectionFailed:
        sandbox.restart(daemon_b.name)


def _messages(caplog: pytest.LogCaptureFixture, pattern: str) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records
        if r.name.startswith(LOGGER) and re.search(pattern, r.getMessage())
    ]  # fmt: skip


def test_restart_give_up_and_stream_failure_are_each_logged_once(
    restartable: sandbox.SandboxInfo, caplog: pytest.LogCaptureFixture
) -> None:
    info = restartable
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    patient = nk.supervisor(check_interval=0.2, backoff=0.1, max_backoff=0.3)
    hasty = nk.supervisor(check_interval=0.2, backoff=0.1, max_backoff=0.1, max_restarts=2)
    plain = nk.connect(info.unix_url)
    try:
        patient.connect("patient", info.unix_url)
        hasty.connect("hasty", info.unix_url)
        inbox = nk.Inbox()
        ref = plain.events(subscriber=inbox).get(10)

        sandbox.kill(info.name)
        wait_until(lambda: hasty.status()["hasty"] == "failed", 30)
        assert patient.status()["patient"] == "restarting"
        _, end = drain(inbox, ref)
        assert isinstance(end, nk.Failed)
        sandbox.restart(info.name)
        wait_until(lambda: patient.status()["patient"] == "up", 60)
    finally:
        plain.close()
        patient.close()
        hasty.close()

    where = re.escape(f"({info.unix_url})")
    for name in ("patient", "hasty"):
        lost = _messages(caplog, rf"^connection '{name}' {where} lost: restarting it$")
        assert [r.levelno for r in lost] == [logging.WARNING]
    back = _messages(caplog, r"^connection 'patient' .* is back after (\d+) attempt\(s\)$")
    assert [r.levelno for r in back] == [logging.INFO]
    # Several reconnections failed while the daemon was down: none of them was logged.
    assert int(re.findall(r"after (\d+) attempt", back[0].getMessage())[0]) >= 2
    gave_up = _messages(caplog, r"^connection 'hasty' .* given up: 2 restarts within 60 s$")
    assert [r.levelno for r in gave_up] == [logging.ERROR]
    assert _messages(caplog, r"'hasty' .* is back") == []
    failed = _messages(caplog, rf"^stream {re.escape(repr(ref))} \(events\) failed: ")
    assert [r.levelno for r in failed] == [logging.WARNING]


def test_a_failed_stream_is_logged_without_its_credentials(
    docker: nk.Docker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    password = "pw-never-logged-7f3a"
    auth = {"username": "nk", "password": password, "serveraddress": "127.0.0.1:9"}
    inbox = nk.Inbox()
    # Nothing listens on port 9: the daemon's pull fails, in-band.
    ref = docker.pull("127.0.0.1:9/nk/nothing:latest", auth=auth, subscriber=inbox).get(30)
    _, end = drain(inbox, ref, timeout=60)
    assert isinstance(end, nk.Failed)
    failed = _messages(caplog, rf"^stream {re.escape(repr(ref))} \(pull\) failed: ")
    assert len(failed) == 1
    header = base64.urlsafe_b64encode(json.dumps(auth).encode()).decode()
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "")
        assert password not in text and header not in text


def test_a_raising_subscriber_is_logged_once_per_stream(
    docker: nk.Docker,
    name: Callable[[str], str],
    cleanup: Callable[[str], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    container = cleanup(name("log-raising"))
    script = "for i in $(seq 40); do echo line $i; sleep 0.02; done"
    docker.create("busybox:latest", name=container, cmds=["sh", "-c", script]).get(30)
    seen: list[nk.Message] = []

    def broken(message: nk.Message) -> None:
        seen.append(message)
        raise RuntimeError("a bug in the subscriber")

    docker.start(container).get(30)
    # Followed while it writes: the lines come as many messages.
    refs = [docker.logs(container, follow=True, subscriber=broken).get(10) for _ in range(2)]
    for ref in refs:
        wait_until(lambda ref=ref: any(m.ref is ref and m.payload == nk.Done("eof") for m in seen))
    for ref in refs:
        calls = [m for m in seen if m.ref is ref]
        assert len(calls) > 2  # it raised on every message...
        records = _messages(caplog, rf"^subscriber .* raised on {re.escape(repr(ref))} ")
        assert [r.levelno for r in records] == [logging.ERROR]  # ...and was logged once
        assert records[0].exc_info is not None
        assert "a bug in the subscriber" in str(records[0].exc_info[1])
