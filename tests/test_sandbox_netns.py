"""Sandbox daemons in network namespaces of their own: reachable from the host on
their lan address, cut off by link_down, frozen by pause, killed, stopped and
restarted; down leaves nothing behind."""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import SANDBOX, client_certs, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox


def _host_port(info: sandbox.SandboxInfo) -> tuple[str, int]:
    url = urlsplit(info.tcp_url)
    assert url.hostname is not None and url.port is not None
    return url.hostname, url.port


def _tcp_ping(info: sandbox.SandboxInfo, timeout: float = 2) -> bytes:
    """GET /_ping on the plain TCP port; raises TimeoutError when nothing answers."""
    host, port = _host_port(info)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/_ping")
        return conn.getresponse().read()
    finally:
        conn.close()


def _unix_ping(info: sandbox.SandboxInfo, timeout: float = 2) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(info.unix_socket))
        sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return data.partition(b"\r\n\r\n")[2]


def _process_state(pid: int) -> str:
    """R, S, T (stopped), ... or "" when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return ""


def _answers(info: sandbox.SandboxInfo) -> bool:
    try:
        return _tcp_ping(info, timeout=1) == b"OK"
    except (OSError, http.client.HTTPException):
        return False


def test_netns_daemon_answers_over_tcp_from_the_host(netns_daemon: sandbox.SandboxInfo) -> None:
    info = netns_daemon
    address = ipaddress.IPv4Address(info.address)
    assert not address.is_loopback
    assert address in ipaddress.IPv4Network("10.215.0.0/16")
    assert _host_port(info) == (info.address, 2375)
    assert os.readlink(f"/proc/{info.pid}/ns/net") != os.readlink("/proc/self/ns/net")
    assert _tcp_ping(info) == b"OK"
    assert _unix_ping(info) == b"OK"  # the unix socket is on the host's filesystem
    with nk.connect(info.tcp_url) as docker:
        assert docker.version().get(10)["ApiVersion"]
    tls = {"host": info.address, "port": info.tls_port, "proto": "tls", **client_certs(info)}
    with nk.connect(**tls) as docker:  # its certificate names the address
        assert docker.ping().get(10) == "OK"


def test_link_down_silences_the_daemon_without_closing_sockets(
    netns_daemon: sandbox.SandboxInfo,
) -> None:
    info = netns_daemon
    host, port = _host_port(info)
    held = socket.create_connection((host, port), timeout=5)
    try:
        sandbox.link_down(info.name)
        with pytest.raises(TimeoutError):
            _tcp_ping(info, timeout=1)
        held.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
        held.settimeout(1)
        with pytest.raises(TimeoutError):
            held.recv(4096)
        assert _process_state(info.pid) in ("R", "S")
        assert _unix_ping(info) == b"OK"  # alive, only cut off
        sandbox.link_up(info.name)
        assert _tcp_ping(info) == b"OK"
        held.settimeout(30)  # the request held during the cut is retransmitted and answered
        assert held.recv(4096).startswith(b"HTTP/1.0 200 OK")
    finally:
        held.close()


def test_pause_freezes_the_daemon_and_resume_thaws_it(netns_daemon: sandbox.SandboxInfo) -> None:
    info = netns_daemon
    sandbox.pause(info.name)
    assert _process_state(info.pid) == "T"
    with pytest.raises(TimeoutError):
        _tcp_ping(info, timeout=1)
    with pytest.raises(TimeoutError):
        _unix_ping(info, timeout=1)
    sandbox.resume(info.name)
    assert _tcp_ping(info) == b"OK"


@pytest.mark.parametrize("how", ["kill", "stop"])
def test_a_killed_or_stopped_node_restarts_on_the_same_address(
    netns_daemon: sandbox.SandboxInfo, how: str
) -> None:
    info = sandbox.restart(netns_daemon.name)  # the fixture's pid may be an earlier one's
    namespace = os.readlink(f"/proc/{info.pid}/ns/net")
    getattr(sandbox, how)(info.name)
    assert _process_state(info.pid) in ("", "Z")  # gone, or a zombie of this process
    assert not _answers(info)
    again = sandbox.restart(info.name)
    assert (again.tcp_url, again.netns) == (info.tcp_url, info.netns)
    assert again.pid != info.pid
    assert _tcp_ping(again) == b"OK"
    assert os.readlink(f"/proc/{again.pid}/ns/net") == namespace


def _from_namespace(netns: str, url_host: str, timeout: float) -> str:
    """GET /_ping on url_host:2375 from inside network namespace ``netns``."""
    code = (
        "import http.client, sys\n"
        f"c = http.client.HTTPConnection({url_host!r}, 2375, timeout={timeout})\n"
        "try:\n"
        "    c.request('GET', '/_ping'); print(c.getresponse().read().decode())\n"
        "except OSError as e:\n"
        "    print(type(e).__name__)\n"
    )
    argv = ["nsenter", f"--net=/var/run/netns/{netns}", sys.executable, "-c", code]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def _leftovers(infos: list[sandbox.SandboxInfo], lan_net: ipaddress.IPv4Network) -> list[str]:
    found = [f"netns {i.netns}" for i in infos if Path(f"/var/run/netns/{i.netns}").exists()]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    found += [f"link {i.veth}" for i in infos if f" {i.veth}@" in links or f" {i.veth}:" in links]
    addrs = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    for line in addrs.splitlines():
        if ipaddress.IPv4Interface(line.split()[3]).ip in lan_net:
            found.append(f"address {line.split()[3]} on {line.split()[1]}")
    rules = subprocess.run(["iptables", "-w", "-S"], capture_output=True, text=True).stdout
    found += [rule for rule in rules.splitlines() if str(lan_net) in rule]
    found += [rule for i in infos for rule in rules.splitlines() if f":{i.name}" in rule]
    found += [str(i.base_dir) for i in infos if i.base_dir.exists()]
    return found


def test_nodes_on_one_lan_reach_each_other_and_down_leaves_nothing() -> None:
    lan = f"{SANDBOX}-lan"
    names = [f"{SANDBOX}-nsa", f"{SANDBOX}-nsb"]
    try:
        a, b = (sandbox.up(n, netns=True, lan=lan, with_busybox=False) for n in names)
        lan_net = ipaddress.IPv4Network(f"{a.address}/24", strict=False)
        assert a.lan == b.lan == lan
        assert a.address != b.address and ipaddress.IPv4Address(b.address) in lan_net
        assert _from_namespace(b.netns, a.address, 5) == "OK"
        sandbox.link_down(a.name)
        assert _from_namespace(b.netns, a.address, 1) == "TimeoutError"
        sandbox.link_up(a.name)
        assert _from_namespace(b.netns, a.address, 5) == "OK"
    finally:
        for n in names:
            sandbox.down(n)
    assert _leftovers([a, b], lan_net) == []
    for n in names:
        sandbox.down(n)  # idempotent
        assert sandbox.info(n) is None


def test_a_netns_node_comes_back_after_a_lost_namespace(netns_daemon: sandbox.SandboxInfo) -> None:
    """restart() rebuilds namespace and links when they are gone (a crash, a reboot)."""
    info = netns_daemon
    sandbox.kill(info.name)
    subprocess.run(["ip", "netns", "delete", info.netns], check=True)
    wait_until(lambda: not Path(f"/var/run/netns/{info.netns}").exists())
    again = sandbox.restart(info.name)
    assert _tcp_ping(again) == b"OK"
