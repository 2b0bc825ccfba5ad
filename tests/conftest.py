"""Fixtures: a real sandboxed dockerd, connections to it, and leak checks.

Integration tests never skip for want of a daemon: the session starts one (root
is required). With NK_REQUIRE_DAEMON=1 (as .ci/run sets) any skipped test fails
the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pykka
import pytest
from faultserver import FaultServer
from plugin_context import build_listener, context_tar

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.http11 import Channel

SANDBOX = os.environ.get("NK_SANDBOX", "test")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        daemons = {"daemon", "docker", "daemon_b", "daemon_c", "registry", "netns_daemon"}
        if (daemons | {"swarm_cluster", "podman_daemon"}) & fixtures:
            item.add_marker(pytest.mark.integration)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and os.environ.get("NK_REQUIRE_DAEMON") == "1":
        names = ", ".join(r.nodeid for r in skipped[:10])
        if reporter:
            reporter.write_line(f"FAILED: {len(skipped)} test(s) skipped in CI: {names}", red=True)
        session.exitstatus = 1


def _sandbox_for_session(name: str, **options: Any) -> Iterator[sandbox.SandboxInfo]:
    """Start (or reuse) a sandbox; stop it at the end unless NK_KEEP_SANDBOX=1."""
    info = sandbox.up(name, **options)
    yield info
    if os.environ.get("NK_KEEP_SANDBOX") != "1":
        sandbox.down(name)


@pytest.fixture(scope="session")
def daemon() -> Iterator[sandbox.SandboxInfo]:
    """The session's sandbox daemon (started if needed, stopped at the end)."""
    yield from _sandbox_for_session(SANDBOX)


@pytest.fixture(scope="session")
def daemon_b() -> Iterator[sandbox.SandboxInfo]:
    """A second sandbox daemon, for multi-daemon tests."""
    yield from _sandbox_for_session(SANDBOX + "-b")


@pytest.fixture(scope="session")
def daemon_c() -> Iterator[sandbox.SandboxInfo]:
    """A third sandbox daemon, for fan-out tests."""
    yield from _sandbox_for_session(SANDBOX + "-c")


@pytest.fixture(scope="session")
def podman_daemon() -> Iterator[sandbox.SandboxInfo]:
    """The session's Podman sandbox (Podman 4.3's Docker-compatible service)."""
    yield from _sandbox_for_session(SANDBOX + "-pm", engine="podman")


@dataclasses.dataclass(frozen=True)
class Engine:
    """One real engine of the engine-agnostic tests: its name and its sandbox."""

    name: str  # "dockerd" or "podman"
    daemon: sandbox.SandboxInfo


@pytest.fixture(params=["dockerd", "podman"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Runs the test once per real engine; `docker` and `cleanup` then talk to it.
    Where Podman answers differently the test says so: `if engine.name == "podman"`."""
    fixture = "podman_daemon" if request.param == "podman" else "daemon"
    return Engine(request.param, request.getfixturevalue(fixture))


def _daemon_of(request: pytest.FixtureRequest) -> sandbox.SandboxInfo:
    """The engine's sandbox in an engine-parametrised test, else the dockerd sandbox."""
    found = request.getfixturevalue("engine" if "engine" in request.fixturenames else "daemon")
    return found.daemon if isinstance(found, Engine) else found


@pytest.fixture(scope="session")
def netns_session() -> Iterator[sandbox.SandboxInfo]:
    """A sandbox daemon in a network namespace of its own; use netns_daemon."""
    yield from _sandbox_for_session(SANDBOX + "-ns", netns=True)


@pytest.fixture
def netns_daemon(netns_session: sandbox.SandboxInfo) -> Iterator[sandbox.SandboxInfo]:
    """The netns sandbox, its TCP API on its own address (info.tcp_url), for partition
    tests: sandbox.link_down/pause/kill/stop it freely; it is healed after the test
    (link up, resumed, restarted if needed). Its info is read afresh for each test (a test
    before may have restarted it: a new pid); after a restart in the test it is stale."""
    yield sandbox.info(netns_session.name) or netns_session
    sandbox.link_up(netns_session.name)
    with contextlib.suppress(sandbox.SandboxError):  # a killed/stopped dockerd
        sandbox.resume(netns_session.name)
    sandbox.restart(netns_session.name)


@pytest.fixture(scope="session")
def swarm_cluster() -> Iterator[sandbox.SwarmInfo]:
    """A swarm of netns sandboxes, 3 managers + 1 worker, busybox:latest on each;
    swarm_down at the end unless NK_KEEP_SANDBOX=1. A test that kills, stops or cuts
    off a node restarts it and waits until it is Ready again."""
    info = sandbox.swarm_up(SANDBOX + "-sw", managers=3, workers=1)
    yield info
    if os.environ.get("NK_KEEP_SANDBOX") != "1":
        sandbox.swarm_down(info.name)


@pytest.fixture(scope="session")
def registry(daemon: sandbox.SandboxInfo) -> Iterator[sandbox.RegistryInfo]:
    """Debian's docker-registry on 127.0.0.1 with htpasswd auth, next to the sandbox."""
    info = sandbox.registry_up(SANDBOX)
    yield info
    sandbox.registry_down(SANDBOX)


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    """Our fault-injection HTTP server (tests/faultserver/), in a process of its own."""
    server = FaultServer()
    yield server
    server.close()


@pytest.fixture
def fault(fault_server: FaultServer) -> Iterator[FaultServer]:
    """The fault server, answering well until a test says otherwise."""
    fault_server.set("good")
    yield fault_server


@pytest.fixture
def docker(request: pytest.FixtureRequest) -> Iterator[nk.Docker]:
    """A connection over the sandbox's unix socket (the `engine`'s, if the test
    has one), closed after the test."""
    with nk.connect(_daemon_of(request).unix_url) as connection:
        yield connection


@pytest.fixture
def name() -> Callable[[str], str]:
    """Unique container/image names for this test run."""
    run = uuid.uuid4().hex[:8]
    return lambda prefix="nk": f"{prefix}-{run}"


@pytest.fixture(scope="session")
def plugin_listener(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin's socket listener (tests/plugin_context.py), compiled once."""
    return build_listener(tmp_path_factory.mktemp("plugin"))


@pytest.fixture(scope="module")
def plugin_context(plugin_listener: Path) -> bytes:
    """A plugin context as a tar: config.json and rootfs/ (busybox plus the listener)."""
    return context_tar(plugin_listener)


@pytest.fixture
def plugin_name(docker: nk.Docker, name: Callable[[str], str]) -> Iterator[Callable[[str], str]]:
    """Plugin names for this test, each removed (forced) afterwards."""
    made: list[str] = []

    def make(prefix: str) -> str:
        made.append(f"{prefix}{name('nkplugin')}:latest")
        return made[-1]

    yield make
    for plugin in made:
        with contextlib.suppress(nk.NotFound):
            docker.plugin_rm(plugin, force=True).get(60)


@pytest.fixture
def kernel_gathers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes wanted by each read gathered in the kernel (Channel._read_at_least), from
    now to the test's end; clear it to count afresh."""
    wanted: list[int] = []
    read_at_least = Channel._read_at_least

    def counted(channel: Channel, size: int, longest: float) -> bool:
        wanted.append(size)
        return read_at_least(channel, size, longest)

    monkeypatch.setattr(Channel, "_read_at_least", counted)
    return wanted


@pytest.fixture
def cleanup(request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """Register container names to force-remove after the test."""
    daemon = _daemon_of(request)
    names: list[str] = []
    yield lambda container: names.append(container) or container  # type: ignore[func-returns-value]
    if names:
        with nk.connect(daemon.unix_url) as connection:
            for container in names:
                with contextlib.suppress(nk.NotFound):
                    connection.rm(container, force=True, v=True).get(30)


def client_certs(daemon: sandbox.SandboxInfo) -> dict[str, str]:
    """connect() arguments for the sandbox's verified-TLS port: CA, client cert and key."""
    return {
        "cafile": str(daemon.cert_dir / "ca.pem"),
        "certfile": str(daemon.cert_dir / "cert.pem"),
        "keyfile": str(daemon.cert_dir / "key.pem"),
    }


def tar_of(files: dict[str, bytes]) -> bytes:
    """An uncompressed tar holding `files` ({path: content})."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def open_fds() -> int:
    """How many file descriptors this process holds."""
    return len(os.listdir("/proc/self/fd"))


def socket_fds() -> int:
    """How many sockets this process holds."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count


def child_pids() -> set[int]:
    """Pids of this process's child processes (ssh, credential helpers...)."""
    me, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                found.add(int(entry))
    return found


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll `predicate` until it is truthy; fail the test past `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """Assert the test leaves no thread or socket behind."""
    threads, sockets = counted_threads(), socket_fds()
    yield
    wait_until(lambda: counted_threads() <= threads and socket_fds() <= sockets, 10)


@pytest.fixture
def baseline() -> Iterator[None]:
    """Threads, descriptors and child processes (ssh, helpers) come back to what they were."""
    threads, fds, children = counted_threads(), open_fds(), child_pids()
    yield
    wait_until(
        lambda: counted_threads() <= threads and open_fds() <= fds and child_pids() <= children,
        15,
    )


# Process-wide singletons that end by themselves after their last use: the stream poller
# and the deadline timer (1-1.5 s), a slow call's thread waiting for the next one (5 s).
# One each at most, so they cannot pile up (that they end is checked in
# test_stream_threads); waiting for them after every test cost seconds each.
LINGERING_THREADS = frozenset({"nkdocker-poller", "nkdocker-deadlines", "nkdocker-call-idle"})


def counted_threads() -> int:
    """Threads of this process but the lingering singletons (LINGERING_THREADS)."""
    return sum(1 for thread in threading.enumerate() if thread.name not in LINGERING_THREADS)


class Collector(pykka.ThreadingActor):
    """A subscriber actor that keeps what it is told."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[nk.Message] = []
        self.ended = threading.Event()

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, nk.Message):
            self.messages.append(message)
            if isinstance(message.payload, nk.Done | nk.Failed):
                self.ended.set()
        return None


def drain(inbox: nk.Inbox, ref: nk.Ref, timeout: float = 30.0) -> tuple[list[Any], Any]:
    """Payloads of `ref` up to and including its terminal one: (items, terminal)."""
    items: list[Any] = []
    deadline = time.monotonic() + timeout
    while True:
        message = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        if message.ref is not ref:
            continue
        if isinstance(message.payload, nk.Done | nk.Failed):
            return items, message.payload
        items.append(message.payload)


@pytest.fixture(scope="module")
def single_swarm(daemon: sandbox.SandboxInfo) -> Iterator[nk.Docker]:
    """The sandbox daemon as a one-node swarm on 127.0.0.1 (for this module only)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    connection = nk.connect(daemon.unix_url)
    with contextlib.suppress(nk.DockerError):
        connection.swarm_leave(force=True).get(60)  # a swarm left over by a killed run
    connection.swarm_init(listen_addr=address, advertise_addr=address).get(60)
    yield connection
    for service in connection.services().get(30):
        connection.service_rm(service["ID"]).get(30)
    # Tasks of removed services stop in the background, 10 s for a `sleep` that ignores
    # SIGTERM, and the swarm's leave waits for them: killed at once here.
    tasks = {"label": ["com.docker.swarm.service.id"]}
    for task in connection.ps(all=True, filters=tasks).get(30):
        with contextlib.suppress(nk.NotFound, nk.Conflict):
            connection.rm(task["Id"], force=True).get(30)
    connection.swarm_leave(force=True).get(60)
    # Swarm mode made a docker_gwbridge in the host's namespace: it goes with the swarm.
    with contextlib.suppress(nk.NotFound, nk.Forbidden, nk.Conflict):
        connection.network_rm("docker_gwbridge").get(30)
    connection.close()
