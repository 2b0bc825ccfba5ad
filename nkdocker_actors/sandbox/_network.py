"""The host side of a sandbox's network: its bridge, FORWARD rules, subnet choice."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shlex
import shutil
from pathlib import Path

from ._common import (
    _NET_INDEXES,
    _POOL_FMT,
    _SUBNET_FMT,
    _SYS_PATH,
    SandboxError,
    _all_states,
    _networks,
    _run,
    _short,
    _state_path,
)


def _bridge_name(name: str) -> str:
    return f"nkbr-{_short(name)}"  # <= 15 chars, the kernel's IFNAMSIZ limit


def _ip(netns: str) -> list[str]:
    """The ip command, in network namespace ``netns`` when not ""."""
    return ["ip", "-n", netns] if netns else ["ip"]


def _link_exists(link: str, netns: str = "") -> bool:
    return _run([*_ip(netns), "link", "show", "dev", link], check=False).returncode == 0


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


def _create_bridge(bridge: str, index: int, netns: str = "") -> None:
    ip = _ip(netns)
    if _link_exists(bridge, netns):
        _run([*ip, "link", "delete", bridge])
    gateway = ipaddress.IPv4Network(_SUBNET_FMT.format(index))[1]
    _run([*ip, "link", "add", bridge, "type", "bridge"])
    _run([*ip, "addr", "add", f"{gateway}/24", "dev", bridge])
    _run([*ip, "link", "set", bridge, "up"])


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


def _pick_net_index(name: str, prefer: int = 0) -> int:
    taken = {int(s.get("net_index", 0)) for s in _all_states(skip=_state_path(name))}
    host = _host_networks()
    for index in [prefer, *_NET_INDEXES] if prefer else _NET_INDEXES:
        if index in taken:
            continue
        if not any(net.overlaps(h) for net in _networks(index) for h in host):
            return index
    raise SandboxError("no free 10.213.X.0/24 subnet left for a sandbox bridge")
