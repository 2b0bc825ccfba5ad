"""What the hostile review could not reach in its time: big streams and crowds.

`make test` runs them small; NK_LONG=1 runs them at full size (a 1 GiB `logs -f`,
a subscriber actor stopped in the middle of a 1 GiB attach, 32 threads of quick
calls beside 500 open streams). Every byte is counted, every ref ends once, and
threads and sockets come back to their baseline.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pykka
import pytest
from conftest import socket_fds, wait_until

import nkdocker_actors as nk

LONG = os.environ.get("NK_LONG") == "1"
MiB = 1 << 20
BIG = 1024 * MiB if LONG else 64 * MiB
BIG_LOG = 1024 * MiB if LONG else 16 * MiB  # json-file logging is slow: ~2 MB/s on a busy host
CROWD = 500 if LONG else 100
CALLERS = 32
CALLS_EACH = 100 if LONG else 25


def _writer(size: int) -> list[str]:
    # 64-byte lines, exactly `size` bytes in all.
    line = "nkdocker-long-haul-" + "x" * 44  # 63 characters and a newline
    return ["sh", "-c", f"yes {line} | head -c {size}"]


@pytest.mark.timeout(3600 if LONG else 300)  # 1 GiB through json-file logging is slow
def test_logs_follow_of_a_big_output(docker: nk.Docker, name: Any, cleanup: Any) -> None:
    container = cleanup(name("bigfollow"))
    docker.create("busybox:latest", name=container, cmds=_writer(BIG_LOG)).get(30)
    inbox = nk.Inbox()
    docker.start(container).get(30)  # dockerd 20.10 ends a follow at once before the start
    ref = docker.logs(container, follow=True, stdout=True, subscriber=inbox).get(30)
    received = 0
    while True:
        message = inbox.get(timeout=120)
        if message.ref is not ref:
            continue
        payload = message.payload
        if isinstance(payload, nk.Output):
            received += len(payload.data)
            continue
        assert isinstance(payload, nk.Done), payload
        break
    assert received == BIG_LOG


class Counter(pykka.ThreadingActor):
    """A subscriber actor that counts bytes and reports when it has seen `enough`."""

    def __init__(self, enough: int, reached: threading.Event) -> None:
        super().__init__()
        self.enough = enough
        self.reached = reached
        self.bytes = 0

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, nk.Message) and isinstance(message.payload, nk.Output):
            self.bytes += len(message.payload.data)
            if self.bytes >= self.enough:
                self.reached.set()
        return None


def test_stopping_the_subscriber_mid_stream_closes_it(
    docker: nk.Docker, name: Any, cleanup: Any
) -> None:
    threads, sockets = threading.active_count(), socket_fds()
    container = cleanup(name("bigattach"))
    docker.create("busybox:latest", name=container, cmds=_writer(BIG), log_config="none").get(30)
    reached = threading.Event()
    counter = Counter.start(BIG // 8, reached)
    docker.attach(container, stream=True, stdout=True, subscriber=counter).get(30)
    docker.start(container).get(30)
    assert reached.wait(120)
    counter.stop()
    # Its stream closes: the daemon's writer is cut off, nothing stays behind.
    wait_until(lambda: docker.connection_stats()["streams"] == 0, 30)
    wait_until(lambda: threading.active_count() <= threads + 1 and socket_fds() <= sockets, 30)


def test_quick_calls_beside_a_crowd_of_streams(
    docker: nk.Docker, name: Callable[[str], str]
) -> None:
    threads, sockets = threading.active_count(), socket_fds()
    inbox = nk.Inbox()
    label = name("crowd")
    refs = [
        docker.events(subscriber=inbox, filters={"label": [label]}).get(30) for _ in range(CROWD)
    ]
    errors: list[BaseException] = []

    def caller() -> None:
        try:
            for i in range(CALLS_EACH):
                if i % 2:
                    assert docker.ping().get(60) == "OK"
                else:
                    assert isinstance(docker.ps(filters={"label": [label]}).get(60), list)
        except BaseException as exc:
            errors.append(exc)

    callers = [threading.Thread(target=caller) for _ in range(CALLERS)]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join(300)
    assert errors == []
    for ref in refs:
        docker.finish_async(ref).get(30)
    ends: dict[nk.Ref, list[Any]] = {ref: [] for ref in refs}
    while not all(ends.values()):
        message = inbox.get(timeout=30)
        ends[message.ref].append(message.payload)
    assert all(payloads == [nk.Done("finished")] for payloads in ends.values())
    assert len(inbox) == 0
    wait_until(lambda: docker.connection_stats()["streams"] == 0, 30)
    wait_until(lambda: threading.active_count() <= threads + 1 and socket_fds() <= sockets, 30)
