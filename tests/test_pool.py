"""Quick calls share a small pool of keep-alive sockets, grown only while calls overlap.

Calls from one thread keep their order (a `pause` sent before an `unpause` without
waiting reaches the daemon first); calls from different threads run in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable

import pykka
from conftest import socket_fds, wait_until

import nkdocker_actors as nk
from nkdocker_actors import calls, http11, sandbox
from nkdocker_actors.transport import Address


def test_overlapping_calls_grow_the_pool_and_idle_sockets_close(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    before = socket_fds()
    with nk.connect(daemon.unix_url) as docker:
        barrier = threading.Barrier(12)
        errors: list[BaseException] = []

        def caller() -> None:
            barrier.wait(30)
            try:
                for _ in range(40):
                    docker.ps(all=True).get(30)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=caller) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors
        opened = docker.connection_stats()["shared_sockets_opened"]
        assert 1 < opened <= calls.POOL_SIZE  # grown while calls overlapped, never past it
        # Idle lanes end and close their sockets, but the last.
        wait_until(lambda: socket_fds() - before == 1, calls.LANE_LINGER + 10)
        assert docker.ps().get(10) == docker.ps().get(10)
        assert docker.connection_stats()["quick_calls"] == 0


def test_one_callers_calls_keep_their_order(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    container = cleanup(name("order"))
    docker.create("busybox:latest", name=container, cmds=["sleep", "600"]).get(30)
    docker.start(container).get(30)
    # Sent without waiting: each must reach the daemon after the one before.
    futures = []
    for _ in range(10):
        futures.append(docker.pause(container))
        futures.append(docker.inspect(container))
        futures.append(docker.unpause(container))
        futures.append(docker.inspect(container))
    results = [future.get(60) for future in futures]
    states = [result["State"]["Paused"] for result in results[1::2]]
    assert states == [True, False] * 10
    docker.kill(container).get(30)


def _done(future: nk.Future) -> bool:
    try:
        future.get(0)
    except pykka.Timeout:
        return False
    except nk.NkDockerError:
        pass
    return True


def test_a_stuck_caller_does_not_hold_the_others(docker: nk.Docker) -> None:
    # One thread's call waits on the daemon (an open-ended events GET)...
    futures: list[nk.Future] = []

    def stuck_caller() -> None:
        futures.append(docker.get("/events", {"until": "2000000000"}, timeout=3))
        futures.append(docker.version())  # ... its own next call waits behind it

    thread = threading.Thread(target=stuck_caller)
    thread.start()
    thread.join(10)
    slow, later = futures
    wait_until(lambda: docker.connection_stats()["quick_calls"] == 1)
    # ... while another thread's calls go on, on another socket.
    assert docker.ping().get(10) == "OK"
    assert not _done(slow) and not _done(later)
    assert later.get(30)["ApiVersion"]
    assert _done(slow)


def test_a_call_nobody_waits_on_is_carried_out(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    container = cleanup(name("unwaited"))
    docker.create("busybox:latest", name=container, cmds=["sleep", "600"]).get(30)
    docker.start(container).get(30)
    # Its caller (a thread that ends at once) never waits on it: a lane carries it out.
    thread = threading.Thread(target=lambda: docker.pause(container))
    thread.start()
    thread.join(10)
    wait_until(lambda: docker.inspect(container).get(10)["State"]["Paused"], 10)
    docker.unpause(container)  # behind it, in order, the same thread's next call
    assert docker.inspect(container).get(10)["State"]["Paused"] is False
    docker.kill(container).get(30)


def test_quick_calls_awaited_and_waited_briefly(docker: nk.Docker) -> None:
    async def both() -> tuple[str, list[object]]:
        return await docker.ping(), await docker.ps(all=True)

    assert asyncio.run(both())[0] == "OK"
    # A wait shorter than the call's own timeout: a lane carries it out, the result stays.
    future = docker.version(timeout=60)
    with contextlib.suppress(pykka.Timeout):
        future.get(0)
    assert future.get(30)["ApiVersion"]


def test_a_liveness_verdict_spares_calls_begun_after_its_ping(
    daemon: sandbox.SandboxInfo,
) -> None:
    # The liveness check closes the sockets of calls waiting when its ping went unanswered;
    # a call begun after that ping was sent (the daemon back meanwhile) keeps its socket.
    channel = http11.PersistentChannel(Address("unix", path=str(daemon.unix_socket)), 5)
    ping = http11.Request("GET", "/_ping")
    try:
        asked = time.monotonic()
        assert channel.exchange(ping, 5)[0].status == 200
        channel.interrupt("stopped answering", begun_before=asked)
        assert channel.interrupted is None and channel.channel is not None
        assert channel.exchange(ping, 5)[0].status == 200
        assert channel.opened == 1  # the same socket, kept
        channel.interrupt("stopped answering", begun_before=time.monotonic())
        assert channel.interrupted == "stopped answering" and channel.channel is None
    finally:
        channel.close()
