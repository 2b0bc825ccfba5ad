"""Private, real Docker daemons for tests and demos (root only).

A sandbox is a dockerd of Debian's docker.io with everything of its own under
``/tmp/nkd/<name>/``: data root, exec root, pid file, a unix socket, a
verified-TLS TCP port on 127.0.0.1, a plain TCP port on 127.0.0.1 (a socat
forwarder to the unix socket, since dockerd's TLS flags apply to all its TCP
listeners), a bridge ``nkbr-<short>`` and a /24 subnet that no other sandbox or
host route uses, and its own containerd namespaces. Several sandboxes run side
by side without touching each other or a system dockerd. No internet registry
is needed: ``busybox:latest`` is built from the host's static busybox and
imported through this package's own client. A private registry (Debian's
docker-registry with htpasswd auth) can be started next to a sandbox.

Command line::

    python -m nkdocker_actors.sandbox up|down|env|kill|restart|info [--name NAME]
    eval "$(python -m nkdocker_actors.sandbox env --name a)"
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import http.client
import io
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
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ROOT",
    "RegistryInfo",
    "SandboxError",
    "SandboxInfo",
    "busybox_rootfs_tar",
    "down",
    "ensure_package",
    "info",
    "kill",
    "main",
    "registry_down",
    "registry_up",
    "restart",
    "up",
]

ROOT = Path("/tmp/nkd")
"""Parent of every sandbox's base directory (kept short: unix socket paths max 108 bytes)."""

_SUBNET_FMT = "10.213.{}.0/24"  # the sandbox bridge's own subnet
_POOL_FMT = "10.214.{}.0/24"  # --default-address-pool for networks the tests create
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
    "docker-proxy": "docker.io",
    "containerd": "containerd",
    "runc": "runc",
    "socat": "socat",
    "openssl": "openssl",
    "iptables": "iptables",
    "ip": "iproute2",
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


@dataclass(frozen=True)
class RegistryInfo:
    """A private docker-registry on 127.0.0.1 with htpasswd (basic) auth."""

    host: str
    user: str
    password: str
    pid: int
    url: str


# ---------------------------------------------------------------- small helpers


def _check_name(name: str) -> None:
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"invalid sandbox name {name!r}: use [A-Za-z0-9_.-], at most 32 chars")


def _base_dir(name: str) -> Path:
    return ROOT / name


def _short(name: str) -> str:
    """At most 10 chars; the hashed form has a '.', so it never equals a plain name."""
    if re.fullmatch(r"[A-Za-z0-9]{1,10}", name):
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()
    return re.sub(r"[^A-Za-z0-9]", "", name)[:4] + "." + digest[:5]


def _bridge_name(name: str) -> str:
    return f"nkbr-{_short(name)}"  # <= 15 chars, the kernel's IFNAMSIZ limit


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


# ---------------------------------------------------------------- network


def _link_exists(link: str) -> bool:
    return _run(["ip", "link", "show", "dev", link], check=False).returncode == 0


def _host_networks() -> list[ipaddress.IPv4Network]:
    """Destinations of the host's IPv4 routes and the networks of its addresses."""
    nets: list[ipaddress.IPv4Network] = []
    for line in _run(["ip", "-4", "route", "show", "table", "all"]).stdout.splitlines():
        words = line.split()
        if words and words[0] in ("local", "broadcast", "unicast", "anycast", "multicast"):
            words = words[1:]
        if words and words[0] != "default":
            with contextlib.suppress(ValueError):
                nets.append(ipaddress.IPv4Network(words[0], strict=False))
    for line in _run(["ip", "-4", "-o", "addr", "show"]).stdout.splitlines():
        words = line.split()
        if len(words) > 3:
            with contextlib.suppress(ValueError):
                nets.append(ipaddress.IPv4Interface(words[3]).network)
    return nets


def _delete_links(bridge: str, index: int) -> None:
    """Delete the sandbox bridge and the br-* bridges of the networks it created."""
    pool = ipaddress.IPv4Network(_POOL_FMT.format(index)) if index else None
    doomed = {bridge} if _link_exists(bridge) else set()
    if pool is not None:
        for line in _run(["ip", "-4", "-o", "addr", "show"]).stdout.splitlines():
            words = line.split()
            if len(words) > 3 and words[1].startswith("br-"):
                with contextlib.suppress(ValueError):
                    if ipaddress.IPv4Interface(words[3]).ip in pool:
                        doomed.add(words[1])
    for link in doomed:
        _run(["ip", "link", "delete", link], check=False)


def _create_bridge(bridge: str, index: int) -> None:
    if _link_exists(bridge):
        _run(["ip", "link", "delete", bridge])
    gateway = ipaddress.IPv4Network(_SUBNET_FMT.format(index))[1]
    _run(["ip", "link", "add", bridge, "type", "bridge"])
    _run(["ip", "addr", "add", f"{gateway}/24", "dev", bridge])
    _run(["ip", "link", "set", bridge, "up"])


def _rule_tag(name: str) -> str:
    return f"nkdocker-sandbox:{name}"


def _allow_forwarding(name: str, index: int) -> None:
    """ACCEPT traffic within the sandbox's subnets in FORWARD.

    With br_netfilter loaded (any dockerd with iptables on loads it) bridged
    packets go through FORWARD, whose policy such a dockerd sets to DROP: with
    --iptables=false nobody would let our containers talk to each other.
    """
    for net in _networks(index):
        rule = ["FORWARD", "-s", str(net), "-d", str(net), "-m", "comment",
                "--comment", _rule_tag(name), "-j", "ACCEPT"]  # fmt: skip
        if _run(["iptables", "-w", "-C", *rule], check=False).returncode == 0:
            continue
        added = _run(["iptables", "-w", "-I", *rule], check=False)
        if added.returncode != 0 and _bridge_netfilter_on():
            raise SandboxError(f"iptables -I {shlex.join(rule)} failed: {added.stderr.strip()}")


def _bridge_netfilter_on() -> bool:
    try:
        return Path("/proc/sys/net/bridge/bridge-nf-call-iptables").read_text().strip() == "1"
    except OSError:
        return False


def _drop_forwarding(name: str) -> None:
    """Delete the FORWARD rules that _allow_forwarding added (found by their comment)."""
    if shutil.which("iptables", path=os.environ.get("PATH", "") + ":" + _SYS_PATH) is None:
        return
    listed = _run(["iptables", "-w", "-S", "FORWARD"], check=False).stdout
    for line in listed.splitlines():
        args = shlex.split(line)
        if args[:1] == ["-A"] and _rule_tag(name) in args:
            _run(["iptables", "-w", "-D", *args[1:]], check=False)


def _all_states(skip: Path | None = None) -> list[dict[str, Any]]:
    """The state of every sandbox (stopped ones too: their kept networks use their
    subnets) and registry, but ``skip``: what they claim, subnets and ports."""
    paths = sorted(ROOT.glob("*/state.json")) + sorted(ROOT.glob("*/registry/state.json"))
    states = (_read_json(path) for path in paths if path != skip)
    return [state for state in states if state is not None]


def _pick_net_index(name: str, prefer: int = 0) -> int:
    taken = {int(s.get("net_index", 0)) for s in _all_states(skip=_state_path(name))}
    host = _host_networks()
    for index in [prefer, *_NET_INDEXES] if prefer else _NET_INDEXES:
        if index in taken:
            continue
        if not any(net.overlaps(h) for net in _networks(index) for h in host):
            return index
    raise SandboxError("no free 10.213.X.0/24 subnet left for a sandbox bridge")


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


def _ping(sock: Path) -> bool:
    try:
        return _unix_get(sock, "/_ping", timeout=2) == (200, b"OK")
    except (OSError, http.client.HTTPException):
        return False


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- TLS

_OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = nkdocker-sandbox
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
"""


def _make_certs(base: Path) -> None:
    """CA (base/tls-ca), server pair (base/tls-server), client pair (base/certs)."""
    ca_dir, server_dir, client_dir = base / "tls-ca", base / "tls-server", base / "certs"
    for d in (ca_dir, server_dir, client_dir):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(mode=0o700, parents=True)
    cnf = ca_dir / "openssl.cnf"
    cnf.write_text(_OPENSSL_CNF)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_key, ca_cert = ca_dir / "ca-key.pem", ca_dir / "ca.pem"
    _run(["openssl", "req", "-x509", *ec, "-config", str(cnf), "-extensions", "ca",
          "-subj", "/CN=nkdocker sandbox CA", "-days", "3650", "-sha256",
          "-keyout", str(ca_key), "-out", str(ca_cert)])  # fmt: skip
    for d, cn, ext in ((server_dir, "localhost", "server"), (client_dir, "client", "client")):
        key, csr, cert = d / "key.pem", d / "req.csr", d / "cert.pem"
        _run(["openssl", "req", "-new", *ec, "-config", str(cnf), "-subj", f"/CN={cn}",
              "-keyout", str(key), "-out", str(csr)])  # fmt: skip
        _run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert),
              "-CAkey", str(ca_key), "-set_serial", str(random.getrandbits(63)),
              "-days", "3650", "-sha256", "-extfile", str(cnf), "-extensions", ext,
              "-out", str(cert)])  # fmt: skip
        csr.unlink()
        key.chmod(0o600)
        shutil.copy(ca_cert, d / "ca.pem")


# ---------------------------------------------------------------- state


def _state_path(name: str) -> Path:
    return _base_dir(name) / "state.json"


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


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _healthy(state: dict[str, Any]) -> bool:
    base = Path(state["base_dir"])
    return _owned(int(state["pid"]), base) and _ping(Path(state["unix_socket"]))


# ---------------------------------------------------------------- busybox


def busybox_rootfs_tar() -> bytes:
    """A busybox root filesystem as an uncompressed tar, built in memory from the
    host's static /bin/busybox: bin/busybox, a bin/<applet> symlink per applet,
    etc/passwd and etc/group (root, nobody), tmp/ with mode 1777."""
    binary = _BUSYBOX.read_bytes()
    listed = _run([str(_BUSYBOX), "--list"]).stdout.split()
    applets = sorted(set(listed) - {"busybox"})
    files = {
        "etc/passwd": (
            b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
        ),
        "etc/group": b"root:x:0:\nnobody:x:65534:\n",
    }
    dirs = {"bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o755,
            "root": 0o700, "sys": 0o755, "tmp": 0o1777, "usr": 0o755, "var": 0o755}  # fmt: skip
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(member: tarfile.TarInfo, data: bytes | None = None) -> None:
            member.mtime = _TAR_MTIME
            member.uname = member.gname = "root"
            if data is not None:
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None else None)

        for path, mode in sorted(dirs.items()):
            member = tarfile.TarInfo(path)
            member.type, member.mode = tarfile.DIRTYPE, mode
            add(member)
        member = tarfile.TarInfo("bin/busybox")
        member.mode = 0o755
        add(member, binary)
        for applet in applets:
            member = tarfile.TarInfo(f"bin/{applet}")
            member.type, member.linkname, member.mode = tarfile.SYMTYPE, "busybox", 0o777
            add(member)
        for path, data in sorted(files.items()):
            member = tarfile.TarInfo(path)
            member.mode = 0o644
            add(member, data)
    return buf.getvalue()


def _has_busybox(sock: Path) -> bool:
    status, body = _unix_get(sock, "/images/busybox:latest/json")
    if status == 404:
        return False
    if status != 200:
        raise SandboxError(f"GET /images/busybox:latest/json: {status} {body[:200]!r}")
    return True


def _import_busybox(info: SandboxInfo) -> None:
    """Import busybox:latest through our own client (it is what the tests exercise)."""
    import nkdocker_actors as nk  # late: the package imports its core modules

    docker = nk.connect(info.unix_url)
    try:
        docker.import_image(busybox_rootfs_tar(), repo="busybox", tag="latest").get(timeout=120)
    finally:
        docker.close()
    if not _has_busybox(info.unix_socket):
        raise SandboxError("busybox:latest is still missing after import_image")


# ---------------------------------------------------------------- public API


def up(name: str = "default", *, with_busybox: bool = True, timeout: float = 60) -> SandboxInfo:
    """Start sandbox ``name`` (or return it if its daemon already answers) and
    make sure busybox:latest is there when ``with_busybox``.

    Raises SandboxError when not root or when the daemon cannot start (with the
    tail of its log). ``timeout`` bounds the wait for the daemon to answer.
    """
    _check_name(name)
    _require_root()
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
    with _lock():
        _teardown(name, purge=purge)


def kill(name: str = "default") -> None:
    """SIGKILL the sandbox's dockerd only (a simulated crash; containerd, shims and
    socat live on) and wait until it is gone."""
    _check_name(name)
    _require_root()
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
    state = _read_json(_state_path(name))
    return _to_info(state) if state is not None and not state.get("stopped") else None


# ---------------------------------------------------------------- registry


def _registry_dir(name: str) -> Path:
    return _base_dir(name) / "registry"


def _registry_status(port: int) -> int:
    try:
        return _http_get(http.client.HTTPConnection("127.0.0.1", port, timeout=2), "/v2/")[0]
    except (OSError, http.client.HTTPException):
        return 0


def _registry_stop(name: str) -> None:
    rdir = _registry_dir(name)
    state = _read_json(rdir / "state.json")
    if state is None:
        return
    pid = int(state.get("pid", 0))
    if _owned(pid, _base_dir(name)):
        _stop_pid(pid, 10)
    (rdir / "state.json").unlink()


def registry_up(
    name: str = "default", *, user: str = "nkuser", password: str = "nkpass", timeout: float = 30
) -> RegistryInfo:
    """Start (or return) a docker-registry on a free 127.0.0.1 port for sandbox
    ``name``, with htpasswd auth for ``user``/``password`` and storage under the
    sandbox's base dir. dockerd allows plain HTTP to 127.0.0.0/8 registries."""
    _check_name(name)
    _require_root()
    with _lock():  # also keeps two processes from running apt-get at once
        _ensure_packages()
        rdir = _registry_dir(name)
        state = _read_json(rdir / "state.json")
        if state is not None:
            same = (state.get("user"), state.get("password")) == (user, password)
            pid, port = int(state["pid"]), int(state["port"])
            if same and _owned(pid, _base_dir(name)) and _registry_status(port) == 401:
                return _registry_info(state)
            _registry_stop(name)
        (rdir / "data").mkdir(parents=True, exist_ok=True)
        port = _pick_ports(name, 1)[0]
        htpasswd = _run(["htpasswd", "-Bbn", user, password]).stdout.strip()
        (rdir / "htpasswd").write_text(htpasswd + "\n")
        config = rdir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: info\n"
            f"storage:\n  filesystem:\n    rootdirectory: {rdir / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{port}\n"
            f"auth:\n  htpasswd:\n    realm: nkdocker-sandbox\n    path: {rdir / 'htpasswd'}\n"
        )
        log = rdir / "registry.log"
        pid = _spawn([_which("docker-registry"), "serve", str(config)], log, truncate=True)
        state = {"pid": pid, "port": port, "user": user, "password": password}
        _write_json(rdir / "state.json", state)
        ready = _wait_until(
            lambda: _registry_status(port) == 401 or not _alive(pid), time.monotonic() + timeout
        )
        if not ready or not _alive(pid):
            _registry_stop(name)
            raise SandboxError(f"docker-registry did not start; tail of {log}:\n{_tail(log)}")
        return _registry_info(state)


def _registry_info(state: dict[str, Any]) -> RegistryInfo:
    host = f"127.0.0.1:{state['port']}"
    return RegistryInfo(
        host=host,
        user=state["user"],
        password=state["password"],
        pid=int(state["pid"]),
        url=f"http://{host}",
    )


def registry_down(name: str = "default") -> None:
    """Stop the registry of sandbox ``name`` (its stored images stay until down())."""
    _check_name(name)
    _require_root()
    with _lock():
        _registry_stop(name)


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Command line: up | down | env | kill | restart | info | registry-up | registry-down."""
    parser = argparse.ArgumentParser(
        prog="python -m nkdocker_actors.sandbox",
        description="Private, real Docker daemons for tests and demos (root only).",
    )
    parser.add_argument(
        "action",
        choices=["up", "down", "env", "kill", "restart", "info", "registry-up", "registry-down"],
    )
    parser.add_argument("--name", default="default", help="sandbox name (default: default)")
    parser.add_argument("--tls", action="store_true", help="env: the verified-TLS variables")
    parser.add_argument("--no-busybox", action="store_true", help="up: skip busybox:latest")
    parser.add_argument("--keep", action="store_true", help="down: keep the files (no purge)")
    parser.add_argument("--timeout", type=float, default=60, help="up/restart: seconds")
    args = parser.parse_args(argv)
    try:
        if args.action in ("up", "restart", "info"):
            if args.action == "up":
                got = up(args.name, with_busybox=not args.no_busybox, timeout=args.timeout)
            elif args.action == "restart":
                got = restart(args.name, timeout=args.timeout)
            else:
                found = info(args.name)
                if found is None:
                    print(f"sandbox {args.name!r} is not up", file=sys.stderr)
                    return 1
                got = found
            fields = dataclasses.asdict(got)
            fields = {k: str(v) if isinstance(v, Path) else v for k, v in fields.items()}
            print(json.dumps(fields, indent=2))
        elif args.action == "env":
            found = info(args.name)
            if found is None:
                print(f"sandbox {args.name!r} is not up", file=sys.stderr)
                return 1
            if not args.tls:
                print("unset DOCKER_TLS_VERIFY")
            env = found.tls_env() if args.tls else found.env()
            for key, value in env.items():
                print(f"export {key}={shlex.quote(value)}")
        elif args.action == "down":
            down(args.name, purge=not args.keep)
        elif args.action == "kill":
            kill(args.name)
        elif args.action == "registry-up":
            print(json.dumps(dataclasses.asdict(registry_up(args.name)), indent=2))
        else:
            registry_down(args.name)
    except SandboxError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
