"""A daemon that stops answering without closing its sockets.

The sandbox daemon lives in a network namespace of its own: its link is cut
(`link_down`: packets vanish, no socket closes) or its process stopped
(SIGSTOP). Every stream and slow call then ends `Failed` within the liveness
bound (a ping on a fresh socket every `liveness` seconds, unanswered within
`liveness`: at most twice `liveness` after the cut, plus scheduling); the same
connection works again once the daemon answers. A supervisor marks the daemon
down, reconnects when it returns, and its event subscriptions resume with nothing
lost or repeated: what happened during the cut (done here through the daemon's
unix socket, which the cut does not reach) is delivered once it heals.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import drain, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox

LIVENESS = 1.0
BOUND = 2 * LIVENESS + 10  # the documented bound, plus slack (once 10 s at load 12)
TICKER = ["sh", "-c", "trap 'exit 0' TERM; while :; do echo tick; sleep 0.2; done"]

Fault = tuple[Callable[[str], None], Callable[[str], None]]
FAULTS: dict[str, Fault] = {
    "link_down": (sandbox.link_down, sandbox.link_up),
    "sigstop": (sandbox.pause, sandbox.resume),
}


@pytest.fixture
def ticker(netns_daemon: sandbox.SandboxInfo, name: Callable[[str], str]) -> Iterator[str]:
    """A running container on the netns daemon (removed through its unix socket)."""
    container = name("part")
    with nk.connect(netns_daemon.unix_url) as docker:
        docker.create("busybox:latest", name=container, cmds=TICKER).get(30)
        docker.start(container).get(30)
    yield container
    with nk.connect(netns_daemon.unix_url) as docker:
        docker.rm(container, force=True).get(30)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_streams_and_slow_calls_fail_within_the_liveness_bound(
    netns_daemon: sandbox.SandboxInfo, ticker: str, fault: str, no_leaks: None
) -> None:
    cut, heal = FAULTS[fault]
    with nk.connect(netns_daemon.tcp_url, liveness=LIVENESS, timeout=None) as docker:
        inbox = nk.Inbox()
        refs = [
            docker.events(subscriber=inbox).get(30),
            docker.logs(ticker, follow=True, stdout=True, subscriber=inbox).get(30),
            docker.stats(ticker, subscriber=inbox).get(30),
        ]
        waiting = docker.wait(ticker)  # a slow call with no deadline at all
        wait_until(lambda: docker.connection_stats()["calls"] == 1)
        cut(netns_daemon.name)
        started = time.monotonic()
        try:
            for terminal in _terminals(inbox, refs, BOUND * 2).values():
                assert isinstance(terminal, nk.Failed), terminal
                assert "stopped answering" in str(terminal.error)
            with pytest.raises(nk.ConnectionFailed, match="stopped answering"):
                waiting.get(BOUND * 2)
            assert time.monotonic() - started < BOUND
        finally:
            heal(netns_daemon.name)
        # The same connection works again once the daemon answers.
        assert docker.ping().get(30) == "OK"
        assert docker.inspect(ticker).get(30)["State"]["Running"]


def test_a_quick_call_without_deadline_is_freed(netns_daemon: sandbox.SandboxInfo) -> None:
    with nk.connect(netns_daemon.tcp_url, liveness=LIVENESS, timeout=None) as docker:
        inbox = nk.Inbox()
        ref = docker.events(subscriber=inbox).get(30)  # something waits: liveness checks
        sandbox.link_down(netns_daemon.name)
        try:
            # Failed by the liveness check with its reason, not retried on a fresh socket
            # (whose connect would wait out the connect timeout on the cut link).
            with pytest.raises(nk.ConnectionFailed, match="stopped answering"):
                docker.ps(timeout=None).get(BOUND)
            _, terminal = drain(inbox, ref, timeout=BOUND * 2)
            assert isinstance(terminal, nk.Failed)
        finally:
            sandbox.link_up(netns_daemon.name)
        assert docker.ping().get(30) == "OK"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_supervised_events_resume_after_a_partition(
    netns_daemon: sandbox.SandboxInfo, name: Callable[[str], str], fault: str
) -> None:
    cut, heal = FAULTS[fault]
    label = name("partlabel")
    sup = nk.supervisor(check_interval=0.5, max_restarts=100, within=60)
    local = nk.connect(netns_daemon.unix_url)  # not cut: the daemon's own socket
    made: list[str] = []

    def make(tag: str) -> None:
        container = f"{label}-{tag}"
        local.create("busybox:latest", name=container, cmds=["true"], labels={label: tag}).get(30)
        made.append(container)

    try:
        handle = sup.connect("ns", netns_daemon.tcp_url, liveness=LIVENESS, timeout=5)
        inbox = nk.Inbox()
        ref = handle.events(subscriber=inbox, filters={"label": [label], "type": ["container"]})
        ref = ref.get(30)
        make("before")
        first = inbox.get(timeout=30)
        assert first.payload.value["Actor"]["Attributes"][label] == "before"
        cut(netns_daemon.name)
        try:
            wait_until(lambda: sup.status()["ns"] != "up", BOUND * 3)
            if fault == "link_down":
                make("during")  # the daemon goes on; we cannot hear it
        finally:
            heal(netns_daemon.name)
        wait_until(lambda: sup.status()["ns"] == "up", 60)
        make("after")
        tags = [label_of(first)]
        while tags[-1] != "after":
            message = inbox.get(timeout=60)
            assert message.ref is ref and isinstance(message.payload, nk.Data), message
            tags.append(label_of(message))
        expected = ["before", "during", "after"] if fault == "link_down" else ["before", "after"]
        assert tags == expected  # each once, in order: nothing lost, nothing repeated
        assert len(inbox) == 0
        handle.finish_async(ref).get(10)
    finally:
        sup.close()
        for container in made:
            local.rm(container, force=True).get(30)
        local.close()


def _terminals(inbox: nk.Inbox, refs: list[nk.Ref], timeout: float) -> dict[nk.Ref, Any]:
    """Each ref's terminal payload (other messages of these refs are read past)."""
    ends: dict[nk.Ref, Any] = {}
    deadline = time.monotonic() + timeout
    while len(ends) < len(refs):
        message = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        if message.ref in refs and isinstance(message.payload, nk.Done | nk.Failed):
            assert message.ref not in ends, "a second terminal message"
            ends[message.ref] = message.payload
    return ends


def label_of(message: Any) -> str:
    attributes = message.payload.value["Actor"]["Attributes"]
    return next(value for key, value in attributes.items() if key.startswith("partlabel"))
