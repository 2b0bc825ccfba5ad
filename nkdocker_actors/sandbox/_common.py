"""Shared plumbing of the sandbox: names, subprocesses, processes, locks,
state files, packages, ports, HTTP probes."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import ipaddress
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path("/tmp/nkd")
"""Parent of every sandbox's base directory (kept short: unix socket paths max 108 bytes)."""

_SUBNET_FMT = "10.213.{}.0/24"  # the sandbox bridge's own subnet
_POOL_FMT = "10.214.{}.0/24"  # --default-address-pool for networks the tests create
_LAN_FMT = "10.215.{}.0/24"  # a lan of netns sandboxes (bridge on the host: .1)
_POOL_SIZE = 27  # 8 user networks of 30 addresses per sandbox
_NET_INDEXES = range(1, 251)
_PORT_RANGE = (20000, 32000)  # below Linux's ephemeral range: outgoing sockets won't take them
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_SYS_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_BUSYBOX = Path("/bin/busybox")
_TAR_MTIME = 946684800  # fixed (2000-01-01) so the rootfs tar, hence the layer, is reproducible

# binary -> Debian package that provides it
_NEEDED: dict[str, str] = {
    "dockerd": "docker.io",
    "docker": "docker.io",  # the CLI: the swarm tests drive services with it
    "docker-proxy": "docker.io",
    "containerd": "containerd",
    "runc": "runc",
    "socat": "socat",
    "openssl": "openssl",
    "iptables": "iptables",
    "ip": "iproute2",
    "nsenter": "util-linux",
    "unshare": "util-linux",
    "docker-registry": "docker-registry",
    "htpasswd": "apache2-utils",
}

_apt_updated = False
# Popen objects of the daemons we started, kept so they are reaped (a zombie
# would still show in /proc, and dockerd refuses to start over a live pid file).
_children: dict[int, subprocess.Popen[bytes]] = {}


class SandboxError(RuntimeError):
    """A sandbox could not be set up, started or stopped (message says why)."""


@dataclass(frozen=True)
class SandboxInfo:
    """Where a running sandbox daemon listens, and its files."""

    name: str
    base_dir: Path
    unix_socket: Path
    unix_url: str
    tcp_port: int
    tcp_url: str
    tls_port: int
    tls_url: str
    cert_dir: Path
    bridge: str
    subnet: str
    pid: int
    log_path: Path
    netns: str = ""
    """The node's network namespace (``up(netns=True)``), or "" for the host's."""
    address: str = "127.0.0.1"
    """The address its TCP ports listen on: 127.0.0.1, or its address on the lan."""
    lan: str = ""
    """The lan (host bridge and 10.215.X.0/24 subnet) a netns node is on."""
    veth: str = ""
    """The host end of a netns node's veth pair (what link_down sets down)."""
    engine: str = "dockerd"  # or "podman" (nkdocker_actors.sandbox.podman)

    def env(self) -> dict[str, str]:
        """Environment for a client on the unix socket (DOCKER_HOST, DOCKER_CERT_PATH)."""
        return {"DOCKER_HOST": self.unix_url, "DOCKER_CERT_PATH": str(self.cert_dir)}

    def tls_env(self) -> dict[str, str]:
        """Environment for a client on the verified-TLS port."""
        return {
            "DOCKER_HOST": self.tls_url,
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(self.cert_dir),
        }


# ---------------------------------------------------------------- small helpers


def _check_name(name: str) -> None:
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"invalid sandbox name {name!r}: use [A-Za-z0-9_.-], at most 32 chars")


def _base_dir(name: str) -> Path:
    return ROOT / name


def _state_path(name: str) -> Path:
    return _base_dir(name) / "state.json"


def _short(name: str) -> str:
    """At most 10 chars; the hashed form has a '.', so it never equals a plain name."""
    if re.fullmatch(r"[A-Za-z0-9]{1,10}", name):
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()
    return re.sub(r"[^A-Za-z0-9]", "", name)[:4] + "." + digest[:5]


def _env() -> dict[str, str]:
    # DOCKER_* (e.g. DOCKER_TLS_VERIFY) would change dockerd's flag defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "REGISTRY_"))}
    env["PATH"] = env.get("PATH", "") + ":" + _SYS_PATH
    return env


def _which(binary: str) -> str:
    found = shutil.which(binary, path=os.environ.get("PATH", "") + ":" + _SYS_PATH)
    if found is None:
        raise SandboxError(f"{binary} not found")
    return found


def _run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=_env(), check=False
    )
    if check and proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip()[-2000:]
        raise SandboxError(f"{shlex.join(argv)} failed ({proc.returncode}): {out}")
    return proc


def _tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            data = f.read()
    except OSError:
        return f"(no log at {path})"
    return "\n".join(data.decode(errors="replace").splitlines()[-lines:])


def _wait_until(pred: Callable[[], bool], deadline: float, interval: float = 0.05) -> bool:
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)  # atomic: a reader never sees half a state file


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_pid(path: Path) -> int:
    try:
        return int(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    """Serialise sandbox operations across threads and processes (port/subnet choice)."""
    ROOT.mkdir(mode=0o700, parents=True, exist_ok=True)
    # /tmp is shared: refuse a root directory somebody else planted (or a symlink to one).
    status = ROOT.lstat()
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o022:
        raise SandboxError(f"{ROOT} must be a directory of ours, writable by us alone")
    with (ROOT / ".lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


# ---------------------------------------------------------------- packages


def _is_static_elf(path: Path) -> bool:
    """True when the ELF file has no PT_INTERP, i.e. runs in an empty rootfs."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF":
                return False
            end = "<" if head[5] == 1 else ">"
            if head[4] == 2:
                phoff = struct.unpack_from(end + "Q", head, 0x20)[0]
                phentsize, phnum = struct.unpack_from(end + "HH", head, 0x36)
            else:
                phoff = struct.unpack_from(end + "I", head, 0x1C)[0]
                phentsize, phnum = struct.unpack_from(end + "HH", head, 0x2A)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except OSError:
        return False
    pt_interp = 3
    return all(
        struct.unpack_from(end + "I", table, i * phentsize)[0] != pt_interp for i in range(phnum)
    )


def _ensure_packages(needed: dict[str, str] = _NEEDED) -> None:
    """apt-get install what is missing (CI machines start fresh)."""
    global _apt_updated
    path = os.environ.get("PATH", "") + ":" + _SYS_PATH
    missing = {pkg for binary, pkg in needed.items() if shutil.which(binary, path=path) is None}
    if not _is_static_elf(_BUSYBOX):
        missing.add("busybox-static")  # replaces a dynamic busybox, useless in an empty rootfs
    if not missing:
        return
    env = dict(_env(), DEBIAN_FRONTEND="noninteractive")
    steps = [["apt-get", "update"]] if not _apt_updated else []
    steps.append(["apt-get", "install", "-y", *sorted(missing)])
    for argv in steps:
        proc = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False
        )
        if proc.returncode != 0:
            out = (proc.stdout + proc.stderr).strip()[-3000:]
            raise SandboxError(f"{shlex.join(argv)} failed ({proc.returncode}):\n{out}")
        if argv[1] == "update":
            _apt_updated = True


def ensure_package(binary: str, package: str) -> str:
    """Install Debian's `package` unless `binary` is found (as the sandbox does for its
    own, e.g. openssh-server for the ssh tests); the binary's path."""
    _require_root()
    with _lock():  # one apt-get at a time
        _ensure_packages({binary: package})
    return _which(binary)


def _require_root() -> None:
    if os.geteuid() != 0:
        raise SandboxError(
            "the Docker sandbox must run as root (it starts dockerd, creates a bridge and mounts)"
        )


# ---------------------------------------------------------------- processes


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def _alive(pid: int) -> bool:
    """Is pid running (a zombie counts as gone; our own children get reaped)."""
    if pid <= 0:
        return False
    child = _children.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _children[pid]
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _owned(pid: int, base: Path) -> bool:
    """Every process of a sandbox names its base dir on its command line."""
    return _alive(pid) and f"{base}/" in _cmdline(pid)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _stop_pid(pid: int, grace: float) -> None:
    """SIGTERM, wait up to grace seconds, then SIGKILL and wait."""
    if not _alive(pid):
        return
    _signal(pid, signal.SIGTERM)
    if _wait_until(lambda: not _alive(pid), time.monotonic() + grace):
        return
    _signal(pid, signal.SIGKILL)
    if not _wait_until(lambda: not _alive(pid), time.monotonic() + 10):
        raise SandboxError(f"process {pid} survived SIGKILL")


def _spawn(argv: list[str], log_path: Path, *, truncate: bool) -> int:
    with log_path.open("wb" if truncate else "ab") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(),
            close_fds=True,
            start_new_session=True,  # outlives us, and a Ctrl-C to the caller doesn't reach it
        )
    _children[proc.pid] = proc
    return proc.pid


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, command line) of every process."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        table[int(entry.name)] = (int(fields[1]), _cmdline(int(entry.name)))
    return table


def _descendants(roots: set[int], table: dict[int, tuple[int, str]]) -> set[int]:
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def _networks(index: int) -> list[ipaddress.IPv4Network]:
    return [
        ipaddress.IPv4Network(_SUBNET_FMT.format(index)),
        ipaddress.IPv4Network(_POOL_FMT.format(index)),
    ]


def _sweep(
    base: Path, index: int, *, containers_only: bool = False, spare: frozenset[int] = frozenset()
) -> None:
    """SIGKILL what is left of a sandbox: shims, their containers, socat children,
    orphaned docker-proxy processes (found by their container IP); not ``spare``."""
    table = _process_table()
    protected = {os.getpid(), *spare}
    pid = os.getpid()
    while pid in table and pid > 1:  # never our own ancestors
        pid = table[pid][0]
        protected.add(pid)
    marker = f"{base}/"
    nets = _networks(index) if index else []
    roots: set[int] = set()
    for pid, (_, cmd) in table.items():
        args = cmd.split()
        if containers_only:
            if "containerd-shim" in cmd and marker in cmd:
                roots.update(p for p, (pp, _) in table.items() if pp == pid)
            continue
        if marker in cmd:
            roots.add(pid)
        elif args and args[0].endswith("docker-proxy") and "-container-ip" in args:
            i = args.index("-container-ip")
            with contextlib.suppress(IndexError, ValueError):
                ip = ipaddress.IPv4Address(args[i + 1])
                if any(ip in net for net in nets):
                    roots.add(pid)
    victims = _descendants(roots, table) - protected
    for pid in victims:
        _signal(pid, signal.SIGKILL)
    _wait_until(lambda: not any(_alive(p) for p in victims), time.monotonic() + 10)


def _unescape_mount(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def _mounts_under(base: Path) -> list[str]:
    prefix = f"{base}/"
    points = set()
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split(" ")
        if len(fields) > 1:
            point = _unescape_mount(fields[1])
            if point == str(base) or point.startswith(prefix):
                points.add(point)
    return sorted(points, key=lambda p: p.count("/"), reverse=True)  # deepest first


def _unmount_all(base: Path) -> None:
    for _ in range(5):  # stacked mounts on one point need one umount each
        points = _mounts_under(base)
        if not points:
            return
        for point in points:
            _run(["umount", "-l", point], check=False)
    if _mounts_under(base):
        raise SandboxError(f"could not unmount {_mounts_under(base)}")


# ---------------------------------------------------------------- claims: subnets and ports


def _all_states(skip: Path | None = None) -> list[dict[str, Any]]:
    """The state of every sandbox (stopped ones too: their kept networks use their
    subnets) and registry, but ``skip``: what they claim, subnets and ports."""
    paths = sorted(ROOT.glob("*/state.json")) + sorted(ROOT.glob("*/registry/state.json"))
    states = (_read_json(path) for path in paths if path != skip)
    return [state for state in states if state is not None]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_ports(name: str, count: int, prefer: tuple[int, ...] = ()) -> list[int]:
    """count free 127.0.0.1 ports that no other sandbox claims; ``prefer`` if free."""
    taken: set[int] = set()
    for s in _all_states(skip=_state_path(name)):
        taken.update(int(s.get(k, 0)) for k in ("tcp_port", "tls_port", "port"))
    ports: list[int] = []
    rng = random.Random()
    for i in range(count):
        wanted = [prefer[i]] if i < len(prefer) else []
        for port in wanted + [rng.randrange(*_PORT_RANGE) for _ in range(1000)]:
            if port not in taken and port not in ports and _port_free(port):
                ports.append(port)
                break
        else:
            raise SandboxError("no free port on 127.0.0.1")
    return ports


# ---------------------------------------------------------------- HTTP probes


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _http_get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _unix_get(sock: Path, path: str, timeout: float = 5) -> tuple[int, bytes]:
    return _http_get(_UnixHTTPConnection(str(sock), timeout), path)


def _unix_json(
    sock: Path, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 30
) -> Any:
    """One JSON request on a daemon's unix socket; SandboxError unless 2xx."""
    conn = _UnixHTTPConnection(str(sock), timeout)
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        status, raw = resp.status, resp.read()
    except (OSError, http.client.HTTPException) as exc:
        raise SandboxError(f"{method} {path} on {sock}: {exc}") from exc
    finally:
        conn.close()
    if not 200 <= status < 300:
        raise SandboxError(f"{method} {path} on {sock}: {status} {raw[:500]!r}")
    return json.loads(raw) if raw.strip() else None


def _ping(sock: Path) -> bool:
    try:
        return _unix_get(sock, "/_ping", timeout=2) == (200, b"OK")
    except (OSError, http.client.HTTPException):
        return False


def _tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _wait_answering(what: str, sock: Path, pid: int, log: Path, deadline: float) -> None:
    """Wait until the daemon `what` started as `pid` answers /_ping on `sock`, or fail
    with the tail of its log (killing it past the deadline)."""
    while not _ping(sock):
        if not _alive(pid):
            raise SandboxError(f"{what} exited; tail of {log}:\n{_tail(log)}")
        if time.monotonic() >= deadline:
            _signal(pid, signal.SIGKILL)
            raise SandboxError(
                f"{what} did not answer /_ping in time; tail of {log}:\n{_tail(log)}"
            )
        time.sleep(0.05)
