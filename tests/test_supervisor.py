"""Supervision: restarts with backoff, intensity limits, lossless events, many daemons."""

from __future__ import annotations

import collections
import os
import signal
import time
import uuid
from collections.abc import Iterator

import pytest
from conftest import wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox


def _statuses(sup: nk.SupervisorHandle, name: str, seen: list[str]) -> str:
    state = sup.status()[name]
    if not seen or seen[-1] != state:
        seen.append(state)
    return state


@pytest.fixture
def restartable(daemon_b: sandbox.SandboxInfo) -> Iterator[sandbox.SandboxInfo]:
    """daemon_b, brought back up after a test that kills it."""
    yield daemon_b
    if not _answers(daemon_b):
        sandbox.restart(daemon_b.name)


def _answers(info: sandbox.SandboxInfo) -> bool:
    try:
        with nk.connect(info.unix_url, connect_timeout=2) as docker:
            return bool(docker.ping().get(5))
    except nk.ConnectionFailed:
        return False


def test_events_survive_daemon_kill(restartable: sandbox.SandboxInfo, no_leaks: None) -> None:
    info = restartable
    label = f"nksup={uuid.uuid4().hex[:8]}"
    # A long backoff holds the reconnection back while we create containers.
    with nk.supervisor(check_interval=0.2, backoff=4, max_backoff=4) as sup:
        docker = sup.connect("b", info.unix_url)
        inbox = nk.Inbox()
        ref = docker.events(subscriber=inbox, filters={"label": [label], "event": ["create"]}).get(
            10
        )
        direct = nk.connect(info.unix_url)
        names = [f"sup-{label[-8:]}-{i}" for i in range(6)]
        for n in names[:2]:
            direct.create(
                "busybox:latest", name=n, cmds=["true"], labels=dict([label.split("=")])
            ).get(30)
        direct.close()

        seen: list[str] = []
        sandbox.kill(info.name)
        wait_until(lambda: _statuses(sup, "b", seen) == "restarting", 20)
        sandbox.restart(info.name)
        # Created after the daemon is back but (very likely) before we reconnect.
        with nk.connect(info.unix_url) as direct:
            for n in names[2:4]:
                direct.create(
                    "busybox:latest", name=n, cmds=["true"], labels=dict([label.split("=")])
                ).get(30)
            assert sup.status()["b"] == "restarting"  # really created before we reconnected
            wait_until(lambda: _statuses(sup, "b", seen) == "up", 60)
            for n in names[4:]:
                direct.create(
                    "busybox:latest", name=n, cmds=["true"], labels=dict([label.split("=")])
                ).get(30)

            counts: collections.Counter[str] = collections.Counter()
            deadline = time.monotonic() + 30
            while sum(counts.values()) < len(names) and time.monotonic() < deadline:
                message = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
                assert message.ref is ref
                assert isinstance(message.payload, nk.Data), message.payload  # nothing terminal
                counts[message.payload.value["Actor"]["Attributes"]["name"]] += 1
            with pytest.raises(TimeoutError):
                inbox.get(timeout=1)  # and no duplicate after them
            assert counts == dict.fromkeys(names, 1)
            assert seen[:3] == ["up", "restarting", "up"] or seen[:2] == ["restarting", "up"]
            assert docker.ps(all=True).get(10) is not None  # the handle reaches the new actor
            docker.finish_async(ref).get(10)
            assert inbox.get(timeout=10) == (ref, nk.Done("finished"))
            for n in names:
                direct.rm(n, force=True).get(30)


def test_intensity_limit_gives_up(restartable: sandbox.SandboxInfo) -> None:
    info = restartable
    with nk.supervisor(max_restarts=3, within=60, backoff=0.1, max_backoff=0.2,
                       check_interval=0.2) as sup:  # fmt: skip
        docker = sup.connect("b", info.unix_url)
        inbox = nk.Inbox()
        ref = docker.events(subscriber=inbox).get(10)
        logs_inbox = nk.Inbox()
        sandbox.kill(info.name)
        wait_until(lambda: sup.status()["b"] == "failed", 30)
        message = inbox.get(timeout=10)
        assert message.ref is ref and isinstance(message.payload, nk.Failed)
        assert isinstance(message.payload.error, nk.ConnectionFailed)
        with pytest.raises(nk.ConnectionFailed):
            docker.ps()
        assert len(logs_inbox) == 0


def test_fan_out_with_one_daemon_down(
    daemon: sandbox.SandboxInfo, restartable: sandbox.SandboxInfo, daemon_c: sandbox.SandboxInfo
) -> None:
    with nk.supervisor(check_interval=0.2, backoff=5, max_backoff=5) as sup:
        sup.connect("a", daemon.unix_url)
        sup.connect("b", restartable.unix_url)
        sup.connect("c", daemon_c.tcp_url)
        results = sup.each("ps", all=True)
        assert all(isinstance(r, list) for r in results.values()), results
        roots = {name: info["DockerRootDir"] for name, info in sup.each("info").items()}
        assert len(set(roots.values())) == 3  # three distinct daemons
        sandbox.kill(restartable.name)
        wait_until(lambda: sup.status()["b"] == "restarting", 20)
        results = sup.each("ps", all=True)
        assert isinstance(results["a"], list) and isinstance(results["c"], list)
        assert isinstance(results["b"], nk.ConnectionFailed)
        assert sup.status() == {"a": "up", "b": "restarting", "c": "up"}


def test_disconnect_ends_durable_subscriptions(daemon: sandbox.SandboxInfo) -> None:
    with nk.supervisor() as sup:
        docker = sup.connect("a", daemon.unix_url)
        inbox = nk.Inbox()
        ref = docker.events(subscriber=inbox).get(10)
        sup.disconnect("a")
        message = inbox.get(timeout=10)
        assert message.ref is ref and isinstance(message.payload, nk.Failed)
        assert sup.status() == {}  # the supervisor lives on
        sup.connect("a", daemon.unix_url)
        assert sup.each("ping") == {"a": "OK"}


def test_relay_keeps_events_that_arrive_out_of_order() -> None:
    """dockerd stamps an event before publishing it: a later stamp can arrive first."""
    from nkdocker_actors.messages import Sink
    from nkdocker_actors.supervisor import EventRelay, _Slot

    inbox = nk.Inbox()
    relay = EventRelay(None, _Slot("x", None, {}), Sink(inbox), nk.Ref(), {})  # type: ignore[arg-type]
    stream = relay.current = nk.Ref()

    def event(nano: int, container: str) -> nk.Message:
        value = {"timeNano": nano, "id": container, "Action": "create", "Type": "container"}
        return nk.Message(stream, nk.Data(value))

    for message in (event(2_000, "b"), event(1_000, "a"), event(2_000, "b"), event(3_000, "c")):
        relay._from_stream(message)  # the third is a replay across a resubscription
    got = [inbox.get(timeout=1).payload.value["id"] for _ in range(3)]
    assert got == ["b", "a", "c"]
    assert len(inbox) == 0


def test_a_hung_daemon_does_not_stall_the_others(
    daemon: sandbox.SandboxInfo, restartable: sandbox.SandboxInfo
) -> None:
    with nk.supervisor(check_interval=0.2, backoff=0.2, max_backoff=0.5) as sup:
        a = sup.connect("a", daemon.unix_url)
        sup.connect("b", restartable.unix_url)
        current = sandbox.info(restartable.name)  # its pid now: earlier tests restart it
        assert current is not None
        os.kill(current.pid, signal.SIGSTOP)  # accepts connections, answers nothing
        try:
            wait_until(lambda: sup.status()["b"] == "restarting", 20)
            for _ in range(5):  # meanwhile the supervisor and the other daemon answer at once
                started = time.monotonic()
                assert sup.status()["a"] == "up"
                assert a.ping().get(5) == "OK"
                assert time.monotonic() - started < 1
        finally:
            os.kill(current.pid, signal.SIGCONT)
        wait_until(lambda: sup.status()["b"] == "up", 30)
