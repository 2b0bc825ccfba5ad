"""A sandbox dockerd: start, stop, kill, restart, info."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from . import podman
from ._busybox import _has_busybox, _import_busybox
from ._common import (
    _POOL_FMT,
    _POOL_SIZE,
    _SUBNET_FMT,
    SandboxError,
    SandboxInfo,
    _alive,
    _base_dir,
    _check_name,
    _ensure_packages,
    _lock,
    _owned,
    _pick_ports,
    _ping,
    _read_json,
    _read_pid,
    _remove,
    _require_root,
    _short,
    _signal,
    _spawn,
    _state_path,
    _stop_pid,
    _sweep,
    _tail,
    _tcp_open,
    _unmount_all,
    _wait_until,
    _which,
    _write_json,
)
from ._network import (
    _allow_forwarding,
    _bridge_name,
    _create_bridge,
    _delete_links,
    _drop_forwarding,
    _link_exists,
    _pick_net_index,
)
from ._tls import _make_certs
from .registry import _registry_stop


def _engine_of(name: str) -> str:
    """Which engine sandbox ``name`` runs (its state file says; dockerd if none)."""
    _check_name(name)
    return str((_read_json(_state_path(name)) or {}).get("engine", "dockerd"))


def _to_info(state: dict[str, Any]) -> SandboxInfo:
    return SandboxInfo(
        name=state["name"],
        base_dir=Path(state["base_dir"]),
        unix_socket=Path(state["unix_socket"]),
        unix_url=state["unix_url"],
        tcp_port=int(state["tcp_port"]),
        tcp_url=state["tcp_url"],
        tls_port=int(state["tls_port"]),
        tls_url=state["tls_url"],
        cert_dir=Path(state["cert_dir"]),
        bridge=state["bridge"],
        subnet=state["subnet"],
        pid=int(state["pid"]),
        log_path=Path(state["log_path"]),
    )


def _new_state(name: str, index: int, tcp_port: int, tls_port: int) -> dict[str, Any]:
    base = _base_dir(name)
    sock = base / "docker.sock"
    info = SandboxInfo(
        name=name,
        base_dir=base,
        unix_socket=sock,
        unix_url=f"unix://{sock}",
        tcp_port=tcp_port,
        tcp_url=f"tcp://127.0.0.1:{tcp_port}",
        tls_port=tls_port,
        tls_url=f"tcp://127.0.0.1:{tls_port}",
        cert_dir=base / "certs",
        bridge=_bridge_name(name),
        subnet=_SUBNET_FMT.format(index),
        pid=0,
        log_path=base / "dockerd.log",
    )
    state = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(info).items()}
    state.update(net_index=index, socat_pid=0)
    return state


def _dockerd_argv(state: dict[str, Any]) -> list[str]:
    """dockerd's command line; the single source for both up() and restart()."""
    base = Path(state["base_dir"])
    tls = base / "tls-server"
    namespace = f"nk-{_short(state['name'])}"
    return [
        _which("dockerd"),
        "--config-file", str(base / "daemon.json"),  # never read /etc/docker/daemon.json
        "--data-root", str(base / "data"),
        "--exec-root", str(base / "run"),
        "--pidfile", str(base / "dockerd.pid"),
        "--host", state["unix_url"],
        "--host", state["tls_url"],
        "--tlsverify",
        "--tlscacert", str(tls / "ca.pem"),
        "--tlscert", str(tls / "cert.pem"),
        "--tlskey", str(tls / "key.pem"),
        "--bridge", state["bridge"],
        # two daemons must not fight over iptables chains; docker-proxy still publishes ports
        "--iptables=false",
        "--ip-masq=false",
        "--ip-forward=false",
        "--default-address-pool", f"base={_POOL_FMT.format(state['net_index'])},size={_POOL_SIZE}",
        "--containerd-namespace", namespace,
        "--containerd-plugins-namespace", f"{namespace}-plugins",
    ]  # fmt: skip


def _start_dockerd(state: dict[str, Any], deadline: float, *, fresh_log: bool) -> int:
    base = Path(state["base_dir"])
    log = Path(state["log_path"])
    with contextlib.suppress(FileNotFoundError):
        (base / "dockerd.pid").unlink()  # a dead daemon's pid file could name a reused pid
    # dockerd reuses the containerd its pid file names if that pid exists, but a
    # killed dockerd takes its containerd along (Pdeathsig) and the zombie may not
    # be reaped yet: dockerd would then wait for a socket that never comes.
    containerd_dir = base / "run" / "containerd"
    containerd_pid = _read_pid(containerd_dir / "containerd.pid")
    if not (_owned(containerd_pid, base) and (containerd_dir / "containerd.sock").exists()):
        if _owned(containerd_pid, base):
            _stop_pid(containerd_pid, 10)
        with contextlib.suppress(FileNotFoundError):
            (containerd_dir / "containerd.pid").unlink()
    pid = _spawn(_dockerd_argv(state), log, truncate=fresh_log)
    sock = Path(state["unix_socket"])
    while not _ping(sock):
        if not _alive(pid):
            raise SandboxError(
                f"dockerd of sandbox {state['name']!r} exited; tail of {log}:\n{_tail(log)}"
            )
        if time.monotonic() >= deadline:
            _signal(pid, signal.SIGKILL)
            raise SandboxError(
                f"dockerd of sandbox {state['name']!r} did not answer /_ping in time;"
                f" tail of {log}:\n{_tail(log)}"
            )
        time.sleep(0.05)
    return pid


def _start_socat(state: dict[str, Any], deadline: float) -> int:
    base = Path(state["base_dir"])
    port = int(state["tcp_port"])
    argv = [
        _which("socat"),
        f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr",
        f"UNIX-CONNECT:{state['unix_socket']}",
    ]
    pid = _spawn(argv, base / "socat.log", truncate=False)
    (base / "socat.pid").write_text(f"{pid}\n")
    if not _wait_until(lambda: _tcp_open(port) or not _alive(pid), deadline) or not _alive(pid):
        raise SandboxError(f"socat on port {port} did not start: {_tail(base / 'socat.log')}")
    return pid


def _teardown(name: str, *, purge: bool, keep_registry: bool = False) -> None:
    """Stop everything of one sandbox (found by pid files and its base dir, so it
    works after a crash too), unmount, delete its links; purge removes the files."""
    base = _base_dir(name)
    state = _read_json(base / "state.json") or {}
    index = int(state.get("net_index", 0))
    if not keep_registry:
        _registry_stop(name)
    for pid in {int(state.get("socat_pid", 0)), _read_pid(base / "socat.pid")}:
        if _owned(pid, base):
            _stop_pid(pid, 5)
    for pid in {int(state.get("pid", 0)), _read_pid(base / "dockerd.pid")}:
        if _owned(pid, base):
            if purge:
                # The data goes anyway: kill the containers first, or dockerd would give
                # each one its 10 s stop timeout.
                _sweep(base, index, containers_only=True)
            _stop_pid(pid, 30)
    containerd_pid = _read_pid(base / "run" / "containerd" / "containerd.pid")
    if _owned(containerd_pid, base):
        _stop_pid(containerd_pid, 10)
    registry = _read_json(base / "registry" / "state.json") if keep_registry else None
    _sweep(base, index, spare=frozenset({int(registry["pid"])} if registry else ()))
    _unmount_all(base)
    _delete_links(state.get("bridge", _bridge_name(name)), index)
    _drop_forwarding(name)
    if purge and base.exists():
        if keep_registry:
            for child in base.iterdir():
                if child.name != "registry":
                    _remove(child)
        else:
            shutil.rmtree(base)
    elif state:
        # kept data (networks on this subnet, images): the next up() reuses subnet and ports
        state.update(pid=0, socat_pid=0, stopped=True)
        _write_json(base / "state.json", state)


def _healthy(state: dict[str, Any]) -> bool:
    base = Path(state["base_dir"])
    return _owned(int(state["pid"]), base) and _ping(Path(state["unix_socket"]))


# ---------------------------------------------------------------- public API


def up(
    name: str = "default",
    *,
    with_busybox: bool = True,
    timeout: float = 60,
    engine: str = "dockerd",
) -> SandboxInfo:
    """Start sandbox ``name`` (or return it if its daemon already answers) and
    make sure busybox:latest is there when ``with_busybox``. ``engine="podman"``:
    a Podman service instead of dockerd (see ``sandbox.podman``).

    Raises SandboxError when not root or when the daemon cannot start (with the
    tail of its log). ``timeout`` bounds the wait for the daemon to answer.
    """
    if engine == "podman":
        return podman.up(name, with_busybox=with_busybox, timeout=timeout)
    if engine != "dockerd":
        raise ValueError(f"unknown sandbox engine {engine!r}: use 'dockerd' or 'podman'")
    _check_name(name)
    _require_root()
    if _engine_of(name) == "podman":
        raise SandboxError(f"sandbox {name!r} is a podman sandbox")
    with _lock():  # also keeps two processes from running apt-get at once
        _ensure_packages()
        state = _read_json(_state_path(name))
        previous = state if state is not None and state.get("stopped") else None
        if state is not None and previous is None and _healthy(state):
            if not _owned(int(state.get("socat_pid", 0)), _base_dir(name)):
                state["socat_pid"] = _start_socat(state, time.monotonic() + timeout)
                _write_json(_state_path(name), state)
        else:
            if state is not None and previous is None:
                # stale (crash, reboot, killed): start from scratch, keeping a registry
                _teardown(name, purge=True, keep_registry=True)
            state = _start_new(name, timeout, previous)
        result = _to_info(state)
        if with_busybox and not _has_busybox(result.unix_socket):
            _import_busybox(result)
    return result


def _start_new(name: str, timeout: float, previous: dict[str, Any] | None) -> dict[str, Any]:
    """Start a sandbox; after down(purge=False), on its old subnet and ports if free."""
    deadline = time.monotonic() + timeout
    base = _base_dir(name)
    base.mkdir(parents=True, exist_ok=True)
    old = previous or {}
    prefer = (int(old.get("tcp_port", 0)), int(old.get("tls_port", 0)))
    tcp_port, tls_port = _pick_ports(name, 2, prefer if previous else ())
    index = _pick_net_index(name, int(old.get("net_index", 0)))
    state = _new_state(name, index, tcp_port, tls_port)
    _write_json(base / "state.json", state)  # claim subnet and ports before using them
    try:
        _make_certs(base)
        (base / "daemon.json").write_text("{}\n")
        _create_bridge(state["bridge"], state["net_index"])
        _allow_forwarding(name, state["net_index"])
        state["pid"] = _start_dockerd(state, deadline, fresh_log=True)
        _write_json(base / "state.json", state)
        state["socat_pid"] = _start_socat(state, deadline)
        _write_json(base / "state.json", state)
    except BaseException:
        # keep the files (the log) for a look
        with contextlib.suppress(Exception):
            _teardown(name, purge=False, keep_registry=True)
        raise
    return state


def down(name: str = "default", *, purge: bool = True) -> None:
    """Stop sandbox ``name`` (registry, socat, dockerd, its containerd, leftover
    shims and containers), unmount what it left mounted and delete its bridges;
    with ``purge`` also delete its base directory. Idempotent."""
    _check_name(name)
    _require_root()
    if _engine_of(name) == "podman":
        return podman.down(name, purge=purge)
    with _lock():
        _teardown(name, purge=purge)


def kill(name: str = "default") -> None:
    """SIGKILL the sandbox's dockerd only (a simulated crash; containerd, shims and
    socat live on) and wait until it is gone."""
    _check_name(name)
    _require_root()
    if _engine_of(name) == "podman":
        raise SandboxError(f"kill is for dockerd sandboxes; {name!r} is a podman sandbox")
    with _lock():
        state = _read_json(_state_path(name))
        if state is None or state.get("stopped"):
            raise SandboxError(f"sandbox {name!r} is not up")
        pid = int(state["pid"])
        if not _owned(pid, _base_dir(name)):
            return
        _signal(pid, signal.SIGKILL)
        if not _wait_until(lambda: not _alive(pid), time.monotonic() + 10):
            raise SandboxError(f"dockerd {pid} survived SIGKILL")


def restart(name: str = "default", timeout: float = 60) -> SandboxInfo:
    """Start the sandbox's dockerd again with the same ports, socket, bridge,
    certs and data (after kill() or a crash); a no-op if it answers already."""
    _check_name(name)
    _require_root()
    if _engine_of(name) == "podman":
        raise SandboxError(f"restart is for dockerd sandboxes; {name!r} is a podman sandbox")
    with _lock():
        state = _read_json(_state_path(name))
        if state is None:
            raise SandboxError(f"sandbox {name!r} is not up: nothing to restart")
        if state.pop("stopped", False):  # after down(purge=False): same as a dead daemon
            state.update(pid=0, socat_pid=0)
        deadline = time.monotonic() + timeout
        base = _base_dir(name)
        if not _healthy(state):
            pid = int(state["pid"])
            if _owned(pid, base):  # alive but not answering: a hung daemon
                _signal(pid, signal.SIGKILL)
                _wait_until(lambda: not _alive(pid), time.monotonic() + 10)
            if not _link_exists(state["bridge"]):
                _create_bridge(state["bridge"], state["net_index"])
            _allow_forwarding(name, state["net_index"])
            state["pid"] = _start_dockerd(state, deadline, fresh_log=False)
            _write_json(base / "state.json", state)
        if not _owned(int(state.get("socat_pid", 0)), base):
            state["socat_pid"] = _start_socat(state, deadline)
            _write_json(base / "state.json", state)
        return _to_info(state)


def info(name: str = "default") -> SandboxInfo | None:
    """The recorded info of sandbox ``name``, or None if it is not up (not probed)."""
    _check_name(name)
    if _engine_of(name) == "podman":
        return podman.info(name)
    state = _read_json(_state_path(name))
    return _to_info(state) if state is not None and not state.get("stopped") else None
