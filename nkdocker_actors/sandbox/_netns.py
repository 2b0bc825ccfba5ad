"""Sandboxes in network namespaces of their own, joined by a private "lan".

A netns node is a dockerd started with ``nsenter --net=/var/run/netns/nkd-<name>``
(not ``ip netns exec``: that remounts /sys, and dockerd then fails with "Devices
cgroup isn't mounted"). The namespace holds the node's end of a veth pair, named
``eth0``, with the node's address on the lan; the host end ``nkv-<short>`` is a
port of the lan's bridge ``nkln-<short lan>`` in the host namespace, which has
the lan's ``.1`` address, so the host reaches every node. Nodes of one lan (a
swarm) reach each other through that bridge. Cutting a node off is setting its
host-side veth down: packets vanish both ways, sockets stay open.

Every address on a lan has a fixed MAC (``06:6b:`` + its four bytes) and every
neighbour entry on it is permanent: with ARP, a cut-off node would, after a few
seconds, get "No route to host" at once instead of silence, unlike a real
partition, and would stay so for a while after the link came back.
"""

from __future__ import annotations

import ipaddress
import shlex
from pathlib import Path
from typing import Any

from ._common import _LAN_FMT, _NET_INDEXES, SandboxError, _all_states, _run, _short
from ._network import _bridge_netfilter_on, _host_networks, _link_exists

_NETNS_DIR = Path("/var/run/netns")


def _netns_name(name: str) -> str:
    return f"nkd-{name}"


def _netns_path(netns: str) -> Path:
    return _NETNS_DIR / netns


def _veth_name(name: str) -> str:
    return f"nkv-{_short(name)}"  # <= 15 chars, the kernel's IFNAMSIZ limit


def _lan_bridge(lan: str) -> str:
    return f"nkln-{_short(lan)}"


def _lan_rule_tag(lan: str) -> str:
    return f"nkdocker-sandbox-lan:{lan}"


def _mac(address: str | ipaddress.IPv4Address) -> str:
    return "06:6b:" + ":".join(f"{b:02x}" for b in ipaddress.IPv4Address(address).packed)


def _in_netns(netns: str, argv: list[str]) -> list[str]:
    """argv run in the namespace's network only (same mounts, /sys and cgroups)."""
    return ["nsenter", f"--net={_netns_path(netns)}", "--", *argv]


def _pick_lan(name: str, lan: str, prefer: tuple[int, str] = (0, "")) -> tuple[int, str]:
    """(lan index, node address): the lan's index if another node has it, else a
    free 10.215.X.0/24; the first free host address from .2 (``prefer`` if free)."""
    others = [s for s in _all_states() if s.get("name") != name]
    members = [s for s in others if s.get("lan") == lan and s.get("lan_index")]
    if members:
        index = int(members[0]["lan_index"])
    else:
        _drop_lan(lan, name)  # a bridge left by a crash: nobody uses it
        taken = {int(s.get("lan_index", 0)) for s in others}
        host = _host_networks()
        candidates = [prefer[0], *_NET_INDEXES] if prefer[0] else list(_NET_INDEXES)
        for index in candidates:
            net = ipaddress.IPv4Network(_LAN_FMT.format(index))
            if index not in taken and not any(net.overlaps(h) for h in host):
                break
        else:
            raise SandboxError("no free 10.215.X.0/24 subnet left for a sandbox lan")
    net = ipaddress.IPv4Network(_LAN_FMT.format(index))
    used = {s.get("address") for s in members}
    hosts = list(net.hosts())[1:]  # .1 is the host's address on the bridge
    wanted = [ipaddress.IPv4Address(prefer[1])] if prefer[1] and prefer[0] == index else []
    for address in wanted + hosts:
        if str(address) not in used:
            return index, str(address)
    raise SandboxError(f"lan {lan!r} is full")


def _ensure_lan(lan: str, index: int) -> None:
    """The lan's bridge in the host namespace, and a FORWARD rule for bridged
    traffic between its nodes (br_netfilter may send it through a DROP policy)."""
    bridge = _lan_bridge(lan)
    net = ipaddress.IPv4Network(_LAN_FMT.format(index))
    if not _link_exists(bridge):
        gateway = net.network_address + 1
        _run(["ip", "link", "add", bridge, "address", _mac(gateway), "type", "bridge"])
        _run(["ip", "addr", "add", f"{net.network_address + 1}/{net.prefixlen}", "dev", bridge])
        _run(["ip", "link", "set", bridge, "up"])
    rule = ["FORWARD", "-s", str(net), "-d", str(net), "-m", "comment",
            "--comment", _lan_rule_tag(lan), "-j", "ACCEPT"]  # fmt: skip
    if _run(["iptables", "-w", "-C", *rule], check=False).returncode != 0:
        added = _run(["iptables", "-w", "-I", *rule], check=False)
        if added.returncode != 0 and _bridge_netfilter_on():
            raise SandboxError(f"iptables -I {shlex.join(rule)} failed: {added.stderr.strip()}")


def _drop_lan(lan: str, leaving: str) -> None:
    """Delete the lan's bridge and rule once no running node but ``leaving`` uses it."""
    for state in _all_states():
        if state.get("lan") == lan and state.get("name") != leaving and not state.get("stopped"):
            return
    bridge = _lan_bridge(lan)
    if _link_exists(bridge):
        _run(["ip", "link", "delete", bridge], check=False)
    listed = _run(["iptables", "-w", "-S", "FORWARD"], check=False).stdout
    for line in listed.splitlines():
        args = shlex.split(line)
        if args[:1] == ["-A"] and _lan_rule_tag(lan) in args:
            _run(["iptables", "-w", "-D", *args[1:]], check=False)


def _create_netns(state: dict[str, Any]) -> None:
    """A fresh namespace: lo up, eth0 on the lan (host end ``veth`` in the lan's bridge)."""
    netns, veth = state["netns"], state["veth"]
    _delete_netns(state["name"])
    _ensure_lan(state["lan"], int(state["lan_index"]))
    _run(["ip", "netns", "add", netns])
    _run(["ip", "-n", netns, "link", "set", "lo", "up"])
    _run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns])
    _run(["ip", "link", "set", veth, "master", _lan_bridge(state["lan"])])
    _run(["ip", "link", "set", veth, "up"])
    prefix = ipaddress.IPv4Network(_LAN_FMT.format(state["lan_index"])).prefixlen
    _run(["ip", "-n", netns, "link", "set", "eth0", "address", _mac(state["address"])])
    _run(["ip", "-n", netns, "addr", "add", f"{state['address']}/{prefix}", "dev", "eth0"])
    _run(["ip", "-n", netns, "link", "set", "eth0", "up"])
    _add_neighbours(state)


def _add_neighbours(state: dict[str, Any]) -> None:
    """Permanent neighbour entries: the node in the host's and its lan peers'
    tables, the host's and its peers' addresses in the node's."""
    lan, netns, address = state["lan"], state["netns"], state["address"]
    gateway = ipaddress.IPv4Network(_LAN_FMT.format(state["lan_index"])).network_address + 1
    peers = [
        s
        for s in _all_states()
        if s.get("lan") == lan and s.get("name") != state["name"] and not s.get("stopped")
    ]
    entries = [("", _lan_bridge(lan), address)]  # (namespace, device, address)
    entries.append((netns, "eth0", str(gateway)))
    for peer in peers:
        if _netns_path(peer["netns"]).exists():
            entries.append((peer["netns"], "eth0", address))
            entries.append((netns, "eth0", peer["address"]))
    for where, dev, addr in entries:
        ip = ["ip", "-n", where] if where else ["ip"]
        _run([*ip, "neigh", "replace", addr, "lladdr", _mac(addr), "dev", dev, "nud", "permanent"])


def _netns_ready(state: dict[str, Any]) -> bool:
    """Namespace, its eth0 and the lan bridge all there (after a crash they may not be)."""
    return (
        _netns_path(state["netns"]).exists()
        and _link_exists(state["veth"])
        and _link_exists(_lan_bridge(state["lan"]))
    )


def _delete_netns(name: str) -> None:
    """Delete the node's veth pair (synchronously: the name is free at once) and
    namespace; by their names, so a lost state file leaves nothing behind."""
    veth = _veth_name(name)
    if _link_exists(veth):
        _run(["ip", "link", "delete", veth], check=False)
    if _netns_path(_netns_name(name)).exists():
        _run(["ip", "netns", "delete", _netns_name(name)])


def _set_link(state: dict[str, Any], up: bool) -> None:
    if not state.get("netns"):
        raise SandboxError(f"sandbox {state['name']!r} has no network namespace of its own")
    _run(["ip", "link", "set", state["veth"], "up" if up else "down"])
