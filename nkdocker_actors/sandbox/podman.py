"""Private Podman services: Podman 4.3's Docker-compatible API, a second real engine.

A podman sandbox is ``podman system service --time=0`` with everything of its own
under ``/tmp/nkd/<name>/``: storage (``--root``, ``--runroot``), tmp dir, file
locks, events log, network configs, and its own containers.conf, storage.conf and
registries.conf (``CONTAINERS_CONF`` etc.: /etc/containers is never read). It runs
in a network and a mount namespace of its own (``unshare``), so its bridge,
netavark's iptables rules and ip_forward sysctl, aardvark-dns, and the paths that
Podman hardcodes for root (``/run/containers``, ``/run/netns``, ``/run/runc``,
``/var/lib/containers``: bind mounts of the base dir's ``ns/`` there) never touch
the host, the host's podman or another sandbox. Published ports therefore live
inside that namespace. As for a dockerd sandbox, socat serves plain TCP and
verified TLS on 127.0.0.1 (Podman 4.3 has no TLS of its own), and busybox:latest
is imported through our client. The containers' cgroups (cgroupfs) are the
host's: down() removes them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from . import _common
from ._busybox import _has_busybox, _import_busybox
from ._common import (
    _SYS_PATH,
    SandboxError,
    SandboxInfo,
    _alive,
    _base_dir,
    _check_name,
    _descendants,
    _ensure_packages,
    _env,
    _lock,
    _owned,
    _pick_ports,
    _ping,
    _process_table,
    _read_json,
    _require_root,
    _signal,
    _spawn,
    _state_path,
    _stop_pid,
    _tail,
    _tcp_open,
    _unmount_all,
    _wait_answering,
    _wait_until,
    _which,
    _write_json,
)
from ._tls import _make_certs

__all__ = ["down", "info", "up"]

ENGINE = "podman"
_BRIDGE = "podman0"  # Podman's default network, inside the sandbox's own netns
_SUBNET = "10.88.0.0/16"
# binary -> Debian package (podman pulls conmon and runc with it)
_NEEDED = {
    "podman": "podman",
    "netavark": "netavark",
    "aardvark-dns": "aardvark-dns",
    "catatonit": "catatonit",  # init=True (only recommended by Debian's podman)
}
_HELPERS = ("/usr/lib/podman", "/usr/libexec/podman")  # where Debian puts netavark
_PACKAGERS = ("/usr/bin/dpkg", "/usr/bin/rpm")  # where Podman 4.3 looks them up
# Paths Podman 4.3 hardcodes for root, made private (bind mounts in its mount namespace).
_PRIVATE_PATHS = {
    "run-containers": "/run/containers",  # netavark's IPAM db and aardvark-dns configs
    "run-netns": "/run/netns",  # the containers' network namespaces
    "run-runc": "/run/runc",  # runc's state of the containers
    "var-lib-containers": "/var/lib/containers",  # the blob-info cache
}


def _containers_conf(base: Path) -> str:
    return f"""\
[containers]
# Podman's own default rlimits (nproc 1048576) are more than a container may have
# on these hosts: "error setting rlimit type 6: operation not permitted".
default_ulimits = []
log_driver = "k8s-file"

[network]
network_backend = "netavark"
network_config_dir = "{base}/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{base}/events.log"
image_copy_tmp_dir = "{base}/tmp"
lock_type = "file"
runtime = "runc"
static_dir = "{base}/storage/libpod"
tmp_dir = "{base}/tmp"
volume_path = "{base}/storage/volumes"
"""


def _storage_conf(base: Path) -> str:
    return f"""\
[storage]
driver = "overlay"
graphroot = "{base}/storage"
runroot = "{base}/runroot"
"""


def _service_script(base: Path, sock: Path) -> str:
    """The shell run inside the new namespaces: loopback up, private paths, podman."""
    lines = ["set -e", "ip link set lo up"]
    for own, path in _PRIVATE_PATHS.items():
        lines.append(f"mkdir -p {path}")
        lines.append(f"mount --bind {shlex.quote(str(base / 'ns' / own))} {path}")
    # Every /version and /info asks the package manager which package holds conmon, runc
    # and slirp4netns (dpkg -S: about a second each time); in here it answers nothing
    # at once, and the replies leave out the Debian package names.
    for packager in _PACKAGERS:
        lines.append(f"if [ -e {packager} ]; then mount --bind /bin/false {packager}; fi")
    env = {
        "CONTAINERS_CONF": base / "etc" / "containers.conf",
        "CONTAINERS_STORAGE_CONF": base / "etc" / "storage.conf",
        "CONTAINERS_REGISTRIES_CONF": base / "etc" / "registries.conf",
        "REGISTRY_AUTH_FILE": base / "etc" / "auth.json",
        "TMPDIR": base / "tmp",
        "PATH": f"{os.environ.get('PATH', '')}:{_SYS_PATH}:{':'.join(_HELPERS)}",
    }
    lines += [f"export {k}={shlex.quote(str(v))}" for k, v in env.items()]
    argv = [
        _which("podman"),
        "--root", str(base / "storage"),
        "--runroot", str(base / "runroot"),
        "--tmpdir", str(base / "tmp"),
        "--network-config-dir", str(base / "networks"),
        "--cgroup-manager", "cgroupfs",
        "--events-backend", "file",
        "system", "service", "--time=0", f"unix://{sock}",
    ]  # fmt: skip
    lines.append("exec " + shlex.join(argv))
    return "\n".join(lines) + "\n"


def _namespaces(pid: int) -> str:
    """The mount and network namespaces of pid, e.g. 'mnt:[4026532] net:[4026533]'."""
    try:
        return " ".join(os.readlink(f"/proc/{pid}/ns/{kind}") for kind in ("mnt", "net"))
    except OSError:
        return ""


def _kill_all(base: Path, namespaces: str) -> None:
    """SIGKILL every process of the sandbox and its descendants: those in its
    namespaces (aardvark-dns names no path of ours) or naming its base dir
    (conmon, socat); the containers are conmon's children."""
    table = _process_table()
    protected = {os.getpid()}
    pid = os.getpid()
    while pid in table and pid > 1:  # never our own ancestors
        pid = table[pid][0]
        protected.add(pid)
    marker = f"{base}/"
    roots = {p for p, (_, cmd) in table.items() if marker in cmd}
    if namespaces:
        roots |= {p for p in table if _namespaces(p) == namespaces}
    victims = _descendants(roots, table) - protected
    for victim in victims:
        _signal(victim, signal.SIGKILL)
    _wait_until(lambda: not any(_alive(p) for p in victims), time.monotonic() + 10)


def _to_info(state: dict[str, Any]) -> SandboxInfo:
    # fields newer than the state file keep their defaults
    fields = {f.name: state[f.name] for f in dataclasses.fields(SandboxInfo) if f.name in state}
    for key in ("base_dir", "unix_socket", "cert_dir", "log_path"):
        fields[key] = Path(fields[key])
    return SandboxInfo(**fields)


def _new_state(name: str, tcp_port: int, tls_port: int) -> dict[str, Any]:
    base = _base_dir(name)
    sock = base / "podman.sock"
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
        bridge=_BRIDGE,
        subnet=_SUBNET,
        pid=0,
        log_path=base / "podman.log",
        engine=ENGINE,
    )
    state = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(info).items()}
    state.update(namespaces="", socat_pid=0, tls_socat_pid=0)
    return state


def _ensure_podman() -> None:
    """apt-get install Podman when missing (as the dockerd sandbox does its packages)."""
    path = f"{os.environ.get('PATH', '')}:{_SYS_PATH}:{':'.join(_HELPERS)}"
    missing = {pkg for binary, pkg in _NEEDED.items() if shutil.which(binary, path=path) is None}
    if not missing:
        return
    env = dict(_env(), DEBIAN_FRONTEND="noninteractive")
    steps = [] if _common._apt_updated else [["apt-get", "update"]]
    for argv in [*steps, ["apt-get", "install", "-y", *sorted(missing)]]:
        proc = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False
        )
        if proc.returncode != 0:
            out = (proc.stdout + proc.stderr).strip()[-3000:]
            raise SandboxError(f"{shlex.join(argv)} failed ({proc.returncode}):\n{out}")
    _common._apt_updated = True


def _write_configs(base: Path) -> None:
    etc = base / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "containers.conf").write_text(_containers_conf(base))
    (etc / "storage.conf").write_text(_storage_conf(base))
    # no short-name search: "busybox" means docker.io/library/busybox, never a lookup
    (etc / "registries.conf").write_text("unqualified-search-registries = []\n")
    (base / "networks").mkdir(exist_ok=True)
    # what a reboot would wipe: a new service must not trust an old run's state
    for run_dir in ("runroot", "tmp", "ns"):
        shutil.rmtree(base / run_dir, ignore_errors=True)
    (base / "tmp").mkdir()
    for own in _PRIVATE_PATHS:
        (base / "ns" / own).mkdir(parents=True)


def _start_service(state: dict[str, Any], deadline: float) -> int:
    base = Path(state["base_dir"])
    log = Path(state["log_path"])
    sock = Path(state["unix_socket"])
    script = _service_script(base, sock)
    argv = [_which("unshare"), "--mount", "--net", "--propagation", "private", "--"]
    pid = _spawn([*argv, "sh", "-c", script], log, truncate=True)
    _wait_answering(f"podman of sandbox {state['name']!r}", sock, pid, log, deadline)
    return pid


def _start_socat(state: dict[str, Any], deadline: float, *, tls: bool) -> int:
    """127.0.0.1 forwarders to the unix socket: plain TCP, or verified TLS."""
    base = Path(state["base_dir"])
    port = int(state["tls_port" if tls else "tcp_port"])
    listen = f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr"
    if tls:
        server = base / "tls-server"
        listen = (
            f"OPENSSL-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr,verify=1,"
            f"cert={server / 'cert.pem'},key={server / 'key.pem'},cafile={server / 'ca.pem'}"
        )
    argv = [_which("socat"), listen, f"UNIX-CONNECT:{state['unix_socket']}"]
    log = base / "socat.log"
    pid = _spawn(argv, log, truncate=False)
    if not _wait_until(lambda: _tcp_open(port) or not _alive(pid), deadline) or not _alive(pid):
        raise SandboxError(f"socat on port {port} did not start: {_tail(log)}")
    return pid


def _container_ids(base: Path) -> list[str]:
    try:
        listed = json.loads(
            (base / "storage" / "overlay-containers" / "containers.json").read_text()
        )
    except (OSError, ValueError):
        return []
    return [str(c["id"]) for c in listed if isinstance(c, dict) and "id" in c]


def _remove_cgroups(ids: list[str]) -> None:
    """The host's cgroups of our containers (cgroupfs: <hierarchy>/libpod_parent/libpod-<id>)."""
    root = Path("/sys/fs/cgroup")
    for cid in ids:
        for pattern in (f"libpod_parent/libpod-{cid}", f"*/libpod_parent/libpod-{cid}"):
            for group in root.glob(pattern):
                for sub in sorted(group.rglob("*"), key=lambda p: -len(p.parts)):
                    if sub.is_dir():
                        with contextlib.suppress(OSError):
                            sub.rmdir()
                with contextlib.suppress(OSError):
                    group.rmdir()
    for parent in (*root.glob("libpod_parent"), *root.glob("*/libpod_parent")):
        for group in (parent / "conmon", parent):  # gone when no other podman uses them
            with contextlib.suppress(OSError):
                group.rmdir()


def _teardown(name: str, *, purge: bool) -> None:
    """Stop socat, the service and everything in its namespaces (after a crash too)."""
    base = _base_dir(name)
    state = _read_json(base / "state.json") or {}
    for key in ("socat_pid", "tls_socat_pid"):
        if _owned(int(state.get(key, 0)), base):
            _stop_pid(int(state[key]), 5)
    pid = int(state.get("pid", 0))
    if _owned(pid, base) and not purge:
        _stop_pid(pid, 10)  # the API service holds no state a SIGTERM would lose
    _kill_all(base, str(state.get("namespaces", "")))
    _remove_cgroups(_container_ids(base))
    _unmount_all(base)
    if purge and base.exists():
        shutil.rmtree(base)
    elif state:
        state.update(pid=0, socat_pid=0, tls_socat_pid=0, namespaces="", stopped=True)
        _write_json(base / "state.json", state)


def _healthy(state: dict[str, Any]) -> bool:
    return _owned(int(state["pid"]), Path(state["base_dir"])) and _ping(Path(state["unix_socket"]))


def up(name: str = "default", *, with_busybox: bool = True, timeout: float = 60) -> SandboxInfo:
    """Start podman sandbox ``name`` (or return it if it answers already) and make
    sure busybox:latest is there when ``with_busybox``. After ``down(purge=False)``
    it starts on the kept storage (images, volumes, stopped containers)."""
    _check_name(name)
    _require_root()
    with _lock():
        _ensure_packages()  # socat, openssl, a static busybox
        _ensure_podman()
        state = _read_json(_state_path(name))
        if state is not None and state.get("engine", "dockerd") != ENGINE:
            raise SandboxError(f"sandbox {name!r} is a {state.get('engine', 'dockerd')} sandbox")
        previous = state if state is not None and state.get("stopped") else None
        if state is None or previous is not None or not _healthy(state):
            if state is not None and previous is None:
                _teardown(name, purge=True)  # stale: crashed or killed
            state = _start_new(name, timeout, previous)
        for key, tls in (("socat_pid", False), ("tls_socat_pid", True)):
            if not _owned(int(state[key]), _base_dir(name)):  # a forwarder died alone
                state[key] = _start_socat(state, time.monotonic() + timeout, tls=tls)
                _write_json(_state_path(name), state)
        result = _to_info(state)
        if with_busybox and not _has_busybox(result.unix_socket):
            _import_busybox(result)
    return result


def _start_new(name: str, timeout: float, previous: dict[str, Any] | None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    base = _base_dir(name)
    base.mkdir(parents=True, exist_ok=True)
    old = previous or {}
    prefer = (int(old.get("tcp_port", 0)), int(old.get("tls_port", 0)))
    tcp_port, tls_port = _pick_ports(name, 2, prefer if previous else ())
    state = _new_state(name, tcp_port, tls_port)
    _write_json(base / "state.json", state)  # claim the ports before using them
    try:
        _make_certs(base)
        _write_configs(base)
        state["pid"] = _start_service(state, deadline)
        state["namespaces"] = _namespaces(state["pid"])
        _write_json(base / "state.json", state)
        state["socat_pid"] = _start_socat(state, deadline, tls=False)
        state["tls_socat_pid"] = _start_socat(state, deadline, tls=True)
        _write_json(base / "state.json", state)
    except BaseException:
        with contextlib.suppress(Exception):
            _teardown(name, purge=False)  # keep the files (the log) for a look
        raise
    return state


def down(name: str = "default", *, purge: bool = True) -> None:
    """Stop podman sandbox ``name`` (socat, the service, its containers and
    helpers); with ``purge`` also delete its base directory. Idempotent."""
    _check_name(name)
    _require_root()
    with _lock():
        _teardown(name, purge=purge)


def info(name: str = "default") -> SandboxInfo | None:
    """The recorded info of podman sandbox ``name``, or None if it is not up."""
    _check_name(name)
    state = _read_json(_state_path(name))
    up_now = state is not None and not state.get("stopped") and state.get("engine") == ENGINE
    return _to_info(state) if state is not None and up_now else None
