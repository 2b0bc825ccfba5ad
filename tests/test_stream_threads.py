"""A stream costs one thread (its actor's), plus the process's one poller thread."""

from __future__ import annotations

import threading

from conftest import drain, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox


def test_streams_cost_one_thread_each(daemon: sandbox.SandboxInfo, no_leaks: None) -> None:
    with nk.connect(daemon.unix_url) as docker:
        docker.ping().get(10)
        before = threading.active_count()
        inbox = nk.Inbox()
        refs = [docker.events(subscriber=inbox).get(30) for _ in range(60)]
        wait_until(lambda: docker.connection_stats()["streams"] == 60)
        # 60 stream actors, the poller, and the liveness check; no reader threads.
        assert threading.active_count() - before <= 60 + 2
        # An idle stream hands its socket to the poller once its linger after the head ends.
        wait_until(lambda: "nkdocker-poller" in {t.name for t in threading.enumerate()})
        names = {thread.name for thread in threading.enumerate()}
        assert "nkdocker-stream" not in names
        docker.tag("busybox:latest", "nk-threads-probe", tag="x").get(30)
        try:
            woken: set[nk.Ref] = set()
            while len(woken) < len(refs):  # every idle stream is woken for the event
                message = inbox.get(timeout=30)
                assert isinstance(message.payload, nk.Data), message
                woken.add(message.ref)
            for ref in refs:
                docker.finish_async(ref).get(10)
            ends = {}
            while len(ends) < len(refs):
                message = inbox.get(timeout=30)
                if isinstance(message.payload, nk.Done | nk.Failed):
                    ends[message.ref] = message.payload
            assert set(ends.values()) == {nk.Done("finished")}
        finally:
            docker.rmi("nk-threads-probe:x").get(30)


def test_the_poller_and_timer_end_when_unused(daemon: sandbox.SandboxInfo) -> None:
    # (The leak checks of other tests do not wait for these two: they linger ~1 s.)
    with nk.connect(daemon.unix_url) as docker:
        inbox = nk.Inbox()
        ref = docker.events(subscriber=inbox).get(30)
        wait_until(lambda: "nkdocker-poller" in {t.name for t in threading.enumerate()})
        docker.finish_async(ref).get(10)
        assert drain(inbox, ref)[1] == nk.Done("finished")
        docker.ps(timeout=5).get(10)
    wait_until(
        lambda: (
            not {"nkdocker-poller", "nkdocker-deadlines"} & {t.name for t in threading.enumerate()}
        ),
        10,
    )
