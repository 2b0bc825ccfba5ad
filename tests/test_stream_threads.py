"""A stream costs one thread (its actor's), plus the process's one poller thread."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from conftest import drain, wait_until

import nkdocker_actors as nk
from nkdocker_actors import calls, sandbox


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


def test_a_slow_calls_thread_serves_the_next_then_ends(
    docker: nk.Docker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread that has carried out a slow call waits for the next one (one thread at
    most waits), then ends."""

    def idle() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == calls.IDLE_CALL_THREAD]

    wait_until(lambda: not idle(), 10)  # (one an earlier test left)
    monkeypatch.setattr(calls, "IDLE_THREAD_SECONDS", 1.0)
    slow = [docker.kill(f"nk-no-such-{i}") for i in range(4)]  # (slow: a POST)
    for future in slow:
        with pytest.raises(nk.NotFound):
            future.get(30)
    wait_until(lambda: len(idle()) == 1, 10)
    waiting = idle()[0]
    with pytest.raises(nk.NotFound):
        docker.kill("nk-no-such").get(30)
    wait_until(lambda: len(idle()) == 1, 10)
    assert idle() == [waiting]  # the call ran on it
    wait_until(lambda: not waiting.is_alive(), 10)


def test_a_forked_child_starts_its_own_call_thread(docker: nk.Docker) -> None:
    """A thread waiting for the next slow call is the parent's: a forked child's slow
    call must not be handed to it (it would never run)."""
    with pytest.raises(nk.NotFound):
        docker.kill("nk-no-such").get(30)  # (a slow call: its thread now waits)
    wait_until(lambda: any(t.name == calls.IDLE_CALL_THREAD for t in threading.enumerate()))
    pid = os.fork()
    if pid == 0:  # the child: the job ends it with status 0, if it runs
        calls.call_threads.run(lambda: os._exit(0))
        time.sleep(30)
        os._exit(1)
    status: dict[str, int] = {}

    def reaped() -> bool:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status["code"] = os.waitstatus_to_exitcode(code)
        return bool(done)

    wait_until(reaped, 40)
    assert status["code"] == 0


def _cpu_seconds(thread: threading.Thread) -> float:
    """CPU time (user and system) of one thread of this process, from /proc."""
    with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_the_poller_rests_while_a_stream_waits_for_room(
    docker: nk.Docker, name: Any, cleanup: Any
) -> None:
    # The poller reads a `logs -f` stream itself (level-triggered) until its output comes
    # in bulk; then the stream's actor reads it, and waits while the Inbox is full. The
    # socket, unread, must be out of the poller's epoll meanwhile: left in, it would wake
    # the poller at once, over and over (a core busy for nothing).
    container = cleanup(name("spin"))
    script = "while [ ! -f /tmp/go ]; do sleep 0.05; done; yes line"
    docker.create("busybox:latest", name=container, cmds=["sh", "-c", script]).get(30)
    docker.start(container).get(30)
    inbox = nk.Inbox()
    ref = docker.logs(container, subscriber=inbox, follow=True, max_pending=4096).get(30)
    # Idle first: the poller watches it (and would read a trickle itself).
    wait_until(lambda: docker.connection_stats()["streams"] == 1)
    poller = wait_until(
        lambda: next((t for t in threading.enumerate() if t.name == "nkdocker-poller"), None)
    )
    go = docker.exec_create(container, ["touch", "/tmp/go"]).get(30)
    docker.exec_start(go, detach=True).get(30)
    wait_until(lambda: len(inbox) > 0)
    before = _cpu_seconds(poller)
    time.sleep(1.0)  # an observation window, not a wait for anything
    assert _cpu_seconds(poller) - before < 0.3
    docker.finish_async(ref).get(10)
    assert drain(inbox, ref)[1] == nk.Done("finished")
