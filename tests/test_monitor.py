"""The Docker monitor: notifications, table, stats, refresh repair, lifecycle, restarts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pykka
import pytest
from conftest import wait_until

import nkdocker_actors as nk
from nkdocker_actors import monitor, sandbox


class Recorder:
    """A callback that keeps (mon, notification) pairs."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, tuple[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, mon: str, notification: tuple[str, Any]) -> None:
        with self.lock:
            self.seen.append((mon, notification))

    def find(self, kind: str, name: str) -> Any:
        with self.lock:
            for _, (k, value) in self.seen:
                if k == kind and value[0] == name:
                    return value[1]
        return None


@pytest.fixture
def recorder(daemon: sandbox.SandboxInfo) -> Iterator[Recorder]:
    record = Recorder()
    yield record
    monitor.unregister(record, daemon.unix_url)


def test_lifecycle_and_notifications(
    daemon: sandbox.SandboxInfo, docker: nk.Docker, name: Callable[[str], str], cleanup: Any,
    recorder: Recorder, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    def broken(mon: str, notification: Any) -> None:
        raise RuntimeError("this callback always fails")

    mon = monitor.register(broken, daemon.unix_url)
    assert monitor.register(recorder, daemon.unix_url) == mon  # one monitor per daemon
    assert mon in monitor.get_all()
    container = cleanup(name("mon"))
    docker.create("busybox:latest", name=container, cmds=["sleep", "300"],
                  env={"A": "1", "B": "x=y"}, labels={"team": "nk"}).get(30)  # fmt: skip
    docker.start(container).get(30)
    data = wait_until(lambda: recorder.find("start", container))
    assert data["env"]["A"] == "1" and data["env"]["B"] == "x=y"
    assert data["labels"] == {"team": "nk"} and data["image"] == "busybox:latest"
    assert monitor.get_running(mon)[container] == data
    assert monitor.get_data(mon, data["id"][:12]) == data
    assert any(n[0] == "docker" and n[1]["status"] == "start" and n[1]["id"] == data["id"]
               for _, n in recorder.seen)  # fmt: skip
    assert "this callback always fails" in caplog.text  # logged; the other callback still ran

    monitor.start_stats(mon, container)
    sample = wait_until(lambda: recorder.find("stats", container), 20)
    assert "memory_stats" in sample

    docker.kill(container).get(10)
    assert wait_until(lambda: recorder.find("stop", container))["id"] == data["id"]
    assert container not in monitor.get_running(mon)
    with pytest.raises(nk.NotFound):
        monitor.get_data(mon, container)
    monitor.unregister(broken, daemon.unix_url)


def test_refresh_repairs_missed_start(
    daemon: sandbox.SandboxInfo, docker: nk.Docker, name: Callable[[str], str], cleanup: Any,
) -> None:  # fmt: skip
    record = Recorder()
    mon = monitor.register(record, daemon.unix_url, refresh=1.0)
    try:
        watcher = monitor._monitors[mon].proxy()
        events_ref = watcher.events.get()
        # Take the monitor's event stream away: only the refresh can see what follows.
        watcher.docker.get().finish_async(events_ref).get(10)
        wait_until(lambda: watcher.events.get() is None)
        container = cleanup(name("missed"))
        docker.create("busybox:latest", name=container, cmds=["sleep", "300"]).get(30)
        docker.start(container).get(30)
        assert wait_until(lambda: record.find("start", container), 15)
        assert wait_until(lambda: record.find("ping", container), 15)
        assert wait_until(lambda: watcher.events.get() is not None)  # resubscribed
        docker.rm(container, force=True).get(30)
        assert wait_until(lambda: record.find("stop", container), 15)
    finally:
        monitor.unregister(record, daemon.unix_url)


class Listener(pykka.ThreadingActor):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []

    def on_receive(self, message: Any) -> Any:
        self.seen.append(message)
        return None


def test_actor_callback_survives_daemon_restart(
    daemon_b: sandbox.SandboxInfo, name: Callable[[str], str], no_leaks: None
) -> None:
    listener = Listener.start()
    mon = monitor.register(listener, daemon_b.unix_url)
    try:
        sandbox.kill(daemon_b.name)
        sandbox.restart(daemon_b.name)
        container = name("after")
        with nk.connect(daemon_b.unix_url) as docker:
            docker.create("busybox:latest", name=container, cmds=["sleep", "300"]).get(30)
            docker.start(container).get(30)
            seen = listener.proxy().seen

            def started() -> bool:
                return any(m == mon and n[0] == "start" and n[1][0] == container
                           for m, n in seen.get())  # fmt: skip

            wait_until(started, 30)
            docker.rm(container, force=True).get(30)
    finally:
        monitor.unregister(listener, daemon_b.unix_url)
        listener.stop()
    assert mon not in monitor.get_all()
    with pytest.raises(nk.ConnectionFailed):
        monitor.get_running(mon)


def test_register_rejects_non_callables(daemon: sandbox.SandboxInfo) -> None:
    with pytest.raises(nk.InvalidOption):
        monitor.register("not a callback", daemon.unix_url)  # type: ignore[arg-type]
