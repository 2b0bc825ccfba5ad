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
    _wait_answering,
    _wait_until,
    _which,
    _write_json,
)
from ._netns import (
    _create_netns,
    _delete_netns,
    _drop_lan,
    _in_netns,
    _netns_name,
    _netns_ready,
    _pick_lan,
    _set_link,
    _veth_name,
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

_NETNS_TCP_PORT = 2375  # a netns node is alone on its address: the usual ports
_NETNS_TLS_PORT = 2376


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
        netns=state.get("netns", ""),
        address=state.get("address", "127.0.0.1"),
        lan=state.get("lan", ""),
        veth=state.get("veth", ""),
    )


def _new_state(
    name: str, index: int, tcp_port: int, tls_port: int, lan: tuple[str, int, str] | None
) -> dict[str, Any]:
    """A new sandbox's state; ``lan`` (name, index, address) puts it in a netns of its own."""
    base = _base_dir(name)
    sock = base / "docker.sock"
    address = lan[2] if lan else "127.0.0.1"
    info = SandboxInfo(
        name=name,
        base_dir=base,
        unix_socket=sock,
        unix_url=f"unix://{sock}",
        tcp_port=tcp_port,
        tcp_url=f"tcp://{address}:{tcp_port}",
        tls_port=tls_port,
        tls_url=f"tcp://{address}:{tls_port}",
        cert_dir=base / "certs",
        bridge=_bridge_name(name),
        subnet=_SUBNET_FMT.format(index),
        pid=0,
        log_path=base / "dockerd.log",
        netns=_netns_name(name) if lan else "",
        address=address,
        lan=lan[0] if lan else "",
        veth=_veth_name(name) if lan else "",
    )
    state = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(info).items()}
    state.update(net_index=index, socat_pid=0, lan_index=lan[1] if lan else 0)
    return state


def _dockerd_argv(state: dict[str, Any]) -> list[str]:
    """dockerd's command line; the single source for both up() and restart()."""
    base = Path(state["base_dir"])
    tls = base / "tls-server"
    namespace = f"nk-{_short(state['name'])}"
    argv = [
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
    if not state.get("netns"):
        return argv
    # its own hostname too (a UTS namespace), so that swarm nodes tell apart
    set_hostname = 'printf %s "$0" > /proc/sys/kernel/hostname && exec "$@"'
    return ["unshare", "--uts", "--", "sh", "-c", set_hostname, state["name"],
            *_in_netns(state["netns"], argv)]  # fmt: skip


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
    _wait_answering(f"dockerd of sandbox {state['name']!r}", sock, pid, log, deadline)
    return pid


def _start_socat(state: dict[str, Any], deadline: float) -> int:
    base = Path(state["base_dir"])
    port = int(state["tcp_port"])
    address = state.get("address", "127.0.0.1")
    argv = [
        _which("socat"),
        f"TCP-LISTEN:{port},bind={address},fork,reuseaddr",
        f"UNIX-CONNECT:{state['unix_socket']}",
    ]
    if state.get("netns"):
        argv = _in_netns(state["netns"], argv)
    pid = _spawn(argv, base / "socat.log", truncate=False)
    (base / "socat.pid").write_text(f"{pid}\n")
    opened = _wait_until(lambda: _tcp_open(port, address) or not _alive(pid), deadline)
    if not opened or not _alive(pid):
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
            _signal(pid, signal.SIGCONT)  # after pause(): SIGTERM waits for it
            if purge and state.get("netns"):
                # Its data and namespace go anyway, and a swarm manager would start
                # the swept tasks again, then give each its stop timeout.
                _signal(pid, signal.SIGKILL)
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
    _delete_netns(name)
    if state.get("lan"):
        _drop_lan(state["lan"], name)
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
    netns: bool = False,
    lan: str | None = None,
) -> SandboxInfo:
    """Start sandbox ``name`` (or return it if its daemon already answers) and
    make sure busybox:latest is there when ``with_busybox``. ``engine="podman"``:
    a Podman service instead of dockerd (see ``sandbox.podman``).

    With ``netns`` the daemon runs in a network namespace of its own, on lan
    ``lan`` (default: its own name; nodes naming the same lan reach each other):
    its unix socket is on the host's filesystem as usual, its TCP ports (plain
    2375, TLS 2376) on its lan address, reachable from the host. A running
    sandbox of the other kind under the same name is replaced.

    Raises SandboxError when not root or when the daemon cannot start (with the
    tail of its log). ``timeout`` bounds the wait for the daemon to answer.
    """
    if engine == "podman":
        if netns or lan is not None:
            raise ValueError("a podman sandbox has a network namespace of its own already")
        return podman.up(name, with_busybox=with_busybox, timeout=timeout)
    if engine != "dockerd":
        raise ValueError(f"unknown sandbox engine {engine!r}: use 'dockerd' or 'podman'")
    _check_name(name)
    if lan is not None:
        _check_name(lan)
        if not netns:
            raise ValueError("lan= needs netns=True")
    wanted_lan = (lan or name) if netns else ""
    _require_root()
    if _engine_of(name) == "podman":
        raise SandboxError(f"sandbox {name!r} is a podman sandbox")
    with _lock():  # also keeps two processes from running apt-get at once
        _ensure_packages()
        state = _read_json(_state_path(name))
        previous = state if state is not None and state.get("stopped") else None
        same_kind = state is not None and state.get("lan", "") == wanted_lan
        if state is not None and previous is None and same_kind and _healthy(state):
            if not _owned(int(state.get("socat_pid", 0)), _base_dir(name)):
                state["socat_pid"] = _start_socat(state, time.monotonic() + timeout)
                _write_json(_state_path(name), state)
        else:
            if state is not None and (previous is None or not same_kind):
                # stale (crash, reboot, killed) or of the other kind: start from
                # scratch, keeping a registry
                _teardown(name, purge=True, keep_registry=True)
                previous = None
            state = _start_new(name, timeout, previous, wanted_lan)
        result = _to_info(state)
        if with_busybox and not _has_busybox(result.unix_socket):
            _import_busybox(result)
    return result


def _start_new(
    name: str, timeout: float, previous: dict[str, Any] | None, lan: str
) -> dict[str, Any]:
    """Start a sandbox; after down(purge=False), on its old subnet and ports if free."""
    deadline = time.monotonic() + timeout
    base = _base_dir(name)
    base.mkdir(parents=True, exist_ok=True)
    old = previous or {}
    index = _pick_net_index(name, int(old.get("net_index", 0)))
    if lan:
        # alone in its namespace: fixed ports on its own address
        tcp_port, tls_port = _NETNS_TCP_PORT, _NETNS_TLS_PORT
        prefer = (int(old.get("lan_index", 0)), str(old.get("address", "")))
        place: tuple[str, int, str] | None = (lan, *_pick_lan(name, lan, prefer))
    else:
        prefer_ports = (int(old.get("tcp_port", 0)), int(old.get("tls_port", 0)))
        tcp_port, tls_port = _pick_ports(name, 2, prefer_ports if previous else ())
        place = None
    state = _new_state(name, index, tcp_port, tls_port, place)
    _write_json(base / "state.json", state)  # claim subnet and ports before using them
    try:
        _make_certs(base, state["address"])
        (base / "daemon.json").write_text("{}\n")
        _prepare_network(state)
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


def _prepare_network(state: dict[str, Any]) -> None:
    """A netns node's namespace and lan link (made again when lost: a crash, a
    reboot) and its bridge inside; else its bridge on the host and FORWARD rules."""
    if state.get("netns"):
        if not _netns_ready(state):
            socat = int(state.get("socat_pid", 0))
            if _owned(socat, Path(state["base_dir"])):  # listening in a lost namespace
                _stop_pid(socat, 5)
            _create_netns(state)
        if not _link_exists(state["bridge"], state["netns"]):
            _create_bridge(state["bridge"], state["net_index"], state["netns"])
        return
    if not _link_exists(state["bridge"]):
        _create_bridge(state["bridge"], state["net_index"])
    _allow_forwarding(state["name"], state["net_index"])


def down(name: str = "default", *, purge: bool = True) -> None:
    """Stop sandbox ``name`` (registry, socat, dockerd, its containerd, leftover
    shims and containers), unmount what it left mounted and delete its bridges,
    network namespace, veth pair and FORWARD rules (a lan's bridge with its last
    running node); with ``purge`` also delete its base directory. Idempotent."""
    _check_name(name)
    _require_root()
    if _engine_of(name) == "podman":
        return podman.down(name, purge=purge)
    with _lock():
        _teardown(name, purge=purge)


def _running_state(name: str) -> dict[str, Any]:
    """The state of a sandbox that is up. The faults (kill, stop, pause, resume,
    link_down, link_up) read it without the lock: they change no state file, and
    must land when the test says, not after another sandbox's start."""
    state = _read_json(_state_path(name))
    if state is None or state.get("stopped"):
        raise SandboxError(f"sandbox {name!r} is not up")
    if state.get("engine") == "podman":
        raise SandboxError(f"faults are for dockerd sandboxes; {name!r} is a podman sandbox")
    return state


def kill(name: str = "default") -> None:
    """SIGKILL the sandbox's dockerd only (a simulated crash; containerd, shims and
    socat live on) and wait until it is gone."""
    _check_name(name)
    _require_root()
    pid = int(_running_state(name)["pid"])
    if not _owned(pid, _base_dir(name)):
        return
    _signal(pid, signal.SIGKILL)
    if not _wait_until(lambda: not _alive(pid), time.monotonic() + 10):
        raise SandboxError(f"dockerd {pid} survived SIGKILL")


def stop(name: str = "default", timeout: float = 30) -> None:
    """Stop the sandbox's dockerd cleanly (SIGTERM; SIGKILL after ``timeout``
    seconds): it stops its containers and containerd; socket paths, socat,
    bridge, namespace and data stay, for restart()."""
    _check_name(name)
    _require_root()
    pid = int(_running_state(name)["pid"])
    if _owned(pid, _base_dir(name)):
        _signal(pid, signal.SIGCONT)  # after pause(): SIGTERM waits for it
        _stop_pid(pid, timeout)


def pause(name: str = "default") -> None:
    """SIGSTOP the sandbox's dockerd and wait until all its threads stopped: its
    sockets accept connections (the kernel queues them) but nothing answers, as
    with a hung daemon, until resume()."""
    _signal_dockerd(name, signal.SIGSTOP, stopped=True)


def resume(name: str = "default") -> None:
    """SIGCONT the sandbox's dockerd after pause(), and wait until it runs."""
    _signal_dockerd(name, signal.SIGCONT, stopped=False)


def _signal_dockerd(name: str, sig: int, *, stopped: bool) -> None:
    _check_name(name)
    _require_root()
    pid = int(_running_state(name)["pid"])
    if not _owned(pid, _base_dir(name)):
        raise SandboxError(f"the dockerd of sandbox {name!r} is not running")
    _signal(pid, sig)
    # a signal stops a process thread by thread, as each gets scheduled
    if not _wait_until(lambda: _all_stopped(pid) == stopped, time.monotonic() + 10):
        raise SandboxError(f"dockerd {pid} did not {'stop' if stopped else 'continue'}")


def _all_stopped(pid: int) -> bool:
    states = []
    for task in Path(f"/proc/{pid}/task").glob("*/stat"):
        with contextlib.suppress(OSError):
            states.append(task.read_text().rpartition(")")[2].split()[0])
    return bool(states) and all(state == "T" for state in states)


def link_down(name: str) -> None:
    """Cut a netns sandbox off its lan (the host end of its veth goes down):
    packets to and from it vanish, no socket is closed, requests time out."""
    _set_node_link(name, up=False)


def link_up(name: str) -> None:
    """Undo link_down(): the sandbox answers on its lan address again."""
    _set_node_link(name, up=True)


def _set_node_link(name: str, *, up: bool) -> None:
    _check_name(name)
    _require_root()
    _set_link(_running_state(name), up)


def restart(name: str = "default", timeout: float = 60) -> SandboxInfo:
    """Start the sandbox's dockerd again with the same ports, socket, bridge,
    certs and data (after kill(), stop() or a crash); a no-op if it answers already.
    A paused daemon counts as hung: it is killed and started again. A link cut by
    link_down() stays cut."""
    _check_name(name)
    _require_root()
    if _engine_of(name) == "podman":
        raise SandboxError(f"restart is for dockerd sandboxes; {name!r} is a podman sandbox")
    state = _read_json(_state_path(name))
    base = _base_dir(name)
    answers = state is not None and not state.get("stopped") and _healthy(state)
    if answers and state is not None and _owned(int(state.get("socat_pid", 0)), base):
        return _to_info(state)  # no need to wait for the lock
    with _lock():
        state = _read_json(_state_path(name))
        if state is None:
            raise SandboxError(f"sandbox {name!r} is not up: nothing to restart")
        if state.pop("stopped", False):  # after down(purge=False): same as a dead daemon
            state.update(pid=0, socat_pid=0)
        deadline = time.monotonic() + timeout
        if not _healthy(state):
            pid = int(state["pid"])
            if _owned(pid, base):  # alive but not answering: a hung daemon
                _signal(pid, signal.SIGKILL)
                _wait_until(lambda: not _alive(pid), time.monotonic() + 10)
            _prepare_network(state)
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
