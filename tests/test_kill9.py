"""kill -9 the real daemon in the middle of every stream kind.

On a sandbox of its own (the session's daemon stays untouched): events, logs
follow, attach, an attached exec, stats and a build's progress are all flowing
when dockerd is SIGKILLed. Each ref must get exactly one terminal message
(Done or Failed) within 2 s, and nothing after it; once the daemon is back, the
same connection works again. NK_LONG=1 repeats the crash several times.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import SANDBOX, client_certs, socket_fds, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox

LONG = os.environ.get("NK_LONG") == "1"
ROUNDS = 5 if LONG else 1
NAME = f"{SANDBOX}-k9"
LABEL = "nkk9"
# A container that logs forever and exits at once on SIGTERM (a restarting daemon
# stops running containers; one ignoring TERM would cost 10 s).
TICKER = ["sh", "-c", "trap 'exit 0' TERM; while :; do echo tick; sleep 0.1; done"]
EXEC = ["sh", "-c", "trap 'exit 0' TERM; while :; do echo exec; sleep 0.1; done"]
DOCKERFILE = b"""FROM busybox:latest
RUN trap 'exit 1' TERM; echo building; sleep 60 & wait
"""


@pytest.fixture(scope="module")
def k9() -> Iterator[sandbox.SandboxInfo]:
    """A sandbox daemon of this module's own, to kill."""
    info = sandbox.up(NAME)
    yield info
    if os.environ.get("NK_KEEP_SANDBOX") != "1":
        sandbox.down(NAME)


def _cleanup(info: sandbox.SandboxInfo) -> None:
    with nk.connect(info.unix_url) as docker:
        for container in docker.ps(all=True).get(30):
            docker.rm(container["Id"], force=True).get(30)


class Streams:
    """Every stream kind open on one connection, all flowing into one inbox."""

    def __init__(self, docker: nk.Docker, run: str) -> None:
        self.docker = docker
        self.inbox = nk.Inbox()
        self.refs: dict[str, nk.Ref] = {}
        self.seen: dict[nk.Ref, list[Any]] = {}
        self.kinds: dict[nk.Ref, str] = {}
        container = f"k9-{run}"
        self._open("events", docker.events(subscriber=self.inbox, filters={"label": [LABEL]}))
        docker.create(
            "busybox:latest", name=container, cmds=TICKER, labels={LABEL: run}, interactive=True
        ).get(30)
        self._open("logs", docker.logs(container, follow=True, subscriber=self.inbox))
        self._open(
            "attach",
            docker.attach(container, stream=True, stdin=True, stdout=True, subscriber=self.inbox),
        )
        docker.start(container).get(30)
        exec_id = docker.exec_create(container, EXEC).get(30)
        self._open("exec", docker.exec_start(exec_id, subscriber=self.inbox))
        self._open("stats", docker.stats(container, subscriber=self.inbox))
        self._open(
            "build",
            docker.build({"Dockerfile": DOCKERFILE}, subscriber=self.inbox, t=f"k9-{run}:1"),
        )

    def _open(self, kind: str, future: Any) -> None:
        ref = future.get(30)
        self.refs[kind] = ref
        self.seen[ref] = []
        self.kinds[ref] = kind

    def pump(self, timeout: float) -> None:
        """Move what has arrived into `seen`, waiting up to `timeout` for the first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return
            self.seen[message.ref].append((time.monotonic(), message.payload))
            if time.monotonic() >= deadline:
                return

    def flowing(self) -> bool:
        """Each stream has delivered something (the build: its RUN step is running)."""
        self.pump(0.05)
        for ref, items in self.seen.items():
            payloads = [p for _, p in items]
            if not payloads:
                return False
            if self.kinds[ref] == "build" and not any(
                isinstance(p, nk.Data) and "building" in str(p.value.get("stream", ""))
                for p in payloads
            ):
                return False
        return True

    def terminals(self) -> dict[str, list[tuple[float, Any]]]:
        return {
            self.kinds[ref]: [(t, p) for t, p in items if isinstance(p, nk.Done | nk.Failed)]
            for ref, items in self.seen.items()
        }


@pytest.mark.parametrize("transport", ["unix", "tcp", "tls"])
def test_every_stream_kind_ends_once_when_the_daemon_is_killed(
    k9: sandbox.SandboxInfo, transport: str, name: Callable[[str], str]
) -> None:
    url = {"unix": k9.unix_url, "tcp": k9.tcp_url, "tls": k9.tls_url}[transport]
    tls = {"proto": "tls", **client_certs(k9)} if transport == "tls" else {}
    threads, sockets = threading.active_count(), socket_fds()
    try:
        with nk.connect(url, timeout=30, **tls) as docker:
            for round_ in range(ROUNDS):
                run = name(f"{transport}{round_}")
                streams = Streams(docker, run)
                wait_until(streams.flowing, 60)
                killed = time.monotonic()
                sandbox.kill(k9.name)
                # Every ref ends within 2 s of the crash...
                deadline = killed + 2.0
                while time.monotonic() < deadline and not all(streams.terminals().values()):
                    streams.pump(0.05)
                ends = streams.terminals()
                late = {kind: ends[kind] for kind in ends if not ends[kind]}
                assert not late, f"no terminal message within 2 s for {sorted(late)}"
                for kind, found in ends.items():
                    assert found[0][0] - killed < 2.0, (kind, found)
                # ... exactly once, and nothing after it.
                streams.pump(0.3)
                for ref, items in streams.seen.items():
                    kinds = [type(p).__name__ for _, p in items]
                    terminal = [
                        i for i, (_, p) in enumerate(items) if isinstance(p, nk.Done | nk.Failed)
                    ]
                    assert terminal == [len(items) - 1], (streams.kinds[ref], kinds[-5:])
                    final = items[-1][1]
                    if isinstance(final, nk.Failed):
                        assert isinstance(final.error, nk.ConnectionFailed | nk.DockerError)
                assert len(streams.inbox) == 0
                wait_until(lambda: docker.connection_stats()["streams"] == 0, 5)
                sandbox.restart(k9.name)
                # The same connection is usable once the daemon is back.
                assert docker.ping().get(30) == "OK"
                _cleanup(k9)
    finally:
        if not _alive(k9):  # a failed assertion left it dead: bring it back for the next
            sandbox.restart(k9.name)
        _cleanup(k9)
    wait_until(lambda: threading.active_count() <= threads and socket_fds() <= sockets, 10)


def _alive(info: sandbox.SandboxInfo) -> bool:
    try:
        with nk.connect(info.unix_url, timeout=5, connect_timeout=2) as docker:
            return bool(docker.ping().get(10) == "OK")
    except nk.ConnectionFailed:
        return False
