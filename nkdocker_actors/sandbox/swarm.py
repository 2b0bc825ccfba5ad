"""A Docker Swarm of netns sandboxes on one lan, for tests.

Nodes are sandboxes named ``<name>-m1..mM`` (managers) and ``<name>-w1..wW``
(workers), each a dockerd in a network namespace of its own on lan ``<name>``,
each with busybox:latest imported (services run without a registry: create them
with QueryRegistry=false / ``--no-resolve-image``). The first manager inits the
swarm, the others join it over their lan addresses (port 2377), by raw HTTP on
their unix sockets. Kill, stop, restart, pause or cut off one node with the
sandbox's functions on its name (``kill(info.managers[1])``...). restart()
returns once the node's dockerd answers, which for a manager may wait until it is
back in raft (dockerd waits up to 20 s for its swarm node before serving), and
after stopping any task containers that ignore SIGTERM (10 s each).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._common import (
    ROOT,
    SandboxError,
    SandboxInfo,
    _all_states,
    _check_name,
    _read_json,
    _remove,
    _require_root,
    _unix_json,
    _wait_until,
    _write_json,
)
from .daemon import down, info, up

_SWARM_DIR = ROOT / ".swarm"  # not a sandbox name (those start with a letter or digit)
# Overlay networks' subnets: they live inside the nodes' namespaces only.
_SWARM_POOL = "10.216.0.0/16"
_SWARM_PORT = 2377


@dataclass(frozen=True)
class SwarmInfo:
    """A running sandbox swarm: its nodes (sandbox names) and how to join it."""

    name: str
    managers: tuple[str, ...]
    """Manager nodes' sandbox names; the first one initialised the swarm."""
    workers: tuple[str, ...]
    nodes: dict[str, SandboxInfo]
    """Every node's sandbox, by sandbox name."""
    node_ids: dict[str, str]
    """Every node's swarm node ID, by sandbox name."""
    manager_addresses: tuple[str, ...]
    """``address:2377`` of each manager, in the order of ``managers``."""
    manager_token: str = field(repr=False)
    worker_token: str = field(repr=False)

    def env(self) -> dict[str, str]:
        """Environment for a client (docker CLI) on the first manager's unix socket."""
        return self.nodes[self.managers[0]].env()


def _record_path(name: str) -> Path:
    return _SWARM_DIR / f"{name}.json"


def _node_names(name: str, managers: int, workers: int) -> tuple[list[str], list[str]]:
    if managers < 1 or workers < 0:
        raise ValueError("a swarm needs managers >= 1 and workers >= 0")
    names = [f"{name}-m{i}" for i in range(1, managers + 1)]
    workers_names = [f"{name}-w{i}" for i in range(1, workers + 1)]
    for node in names + workers_names:
        _check_name(node)
    return names, workers_names


def swarm_up(
    name: str = "swarm", *, managers: int = 3, workers: int = 1, timeout: float = 120
) -> SwarmInfo:
    """Start swarm ``name`` (or return it if it runs with as many nodes, all in
    the swarm): its nodes, busybox:latest on each, init on the first manager,
    the others joined; returns when every node is Ready and every manager
    reachable. A failed start leaves nothing behind (SandboxError says why)."""
    _check_name(name)
    manager_names, worker_names = _node_names(name, managers, workers)
    _require_root()
    deadline = time.monotonic() + timeout
    found = swarm_info(name)
    if found is not None:
        same = (list(found.managers), list(found.workers)) == (manager_names, worker_names)
        if same and _all_active(found):
            return found
    swarm_down(name)
    _SWARM_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    record: dict[str, Any] = {"name": name, "managers": manager_names, "workers": worker_names}
    _write_json(_record_path(name), record)  # first: swarm_down finds the nodes after a crash
    try:
        nodes = {
            node: up(node, netns=True, lan=name, timeout=max(deadline - time.monotonic(), 1))
            for node in manager_names + worker_names
        }
        _form(record, nodes, deadline)
    except BaseException:
        swarm_down(name)
        raise
    _write_json(_record_path(name), record)
    os.chmod(_record_path(name), 0o600)  # join tokens
    result = swarm_info(name)
    if result is None:
        raise SandboxError(f"swarm {name!r} vanished while starting")
    return result


def _form(record: dict[str, Any], nodes: dict[str, SandboxInfo], deadline: float) -> None:
    """Init on the first manager, join the others, wait until all are Ready."""
    first = nodes[record["managers"][0]]
    first_addr = f"{first.address}:{_SWARM_PORT}"
    _unix_json(
        first.unix_socket,
        "POST",
        "/swarm/init",
        {
            "ListenAddr": first_addr,
            "AdvertiseAddr": first_addr,
            "DefaultAddrPool": [_SWARM_POOL],
            "SubnetSize": 24,
        },
    )
    tokens = _unix_json(first.unix_socket, "GET", "/swarm")["JoinTokens"]
    record.update(manager_token=tokens["Manager"], worker_token=tokens["Worker"])
    for node in record["managers"][1:] + record["workers"]:
        role = "Manager" if node in record["managers"] else "Worker"
        addr = f"{nodes[node].address}:{_SWARM_PORT}"
        body = {
            "ListenAddr": addr,
            "AdvertiseAddr": addr,
            "RemoteAddrs": [first_addr],
            "JoinToken": tokens[role],
        }
        _unix_json(nodes[node].unix_socket, "POST", "/swarm/join", body, timeout=60)
    record["node_ids"] = {
        node: _unix_json(sandbox.unix_socket, "GET", "/info")["Swarm"]["NodeID"]
        for node, sandbox in nodes.items()
    }
    record["manager_addresses"] = [f"{nodes[m].address}:{_SWARM_PORT}" for m in record["managers"]]
    if not _wait_until(lambda: _all_ready(first, len(nodes)), deadline, interval=0.2):
        raise SandboxError(f"swarm {record['name']!r}: not every node Ready in time")


def _all_ready(manager: SandboxInfo, count: int) -> bool:
    listed = _unix_json(manager.unix_socket, "GET", "/nodes")
    ready = [n for n in listed if n.get("Status", {}).get("State") == "ready"]
    unreachable = [
        n
        for n in listed
        if n.get("ManagerStatus", {}).get("Reachability", "reachable") != "reachable"
    ]
    return len(ready) == count and not unreachable


def _all_active(swarm: SwarmInfo) -> bool:
    """Every node's daemon answers and is in the swarm (not probed: Ready)."""
    try:
        return all(
            _unix_json(node.unix_socket, "GET", "/info", timeout=5)["Swarm"]["LocalNodeState"]
            == "active"
            for node in swarm.nodes.values()
        )
    except SandboxError:
        return False


def swarm_info(name: str = "swarm") -> SwarmInfo | None:
    """The recorded swarm ``name``, or None if it is not (completely) up; not probed."""
    _check_name(name)
    record = _read_json(_record_path(name))
    if record is None or "node_ids" not in record:
        return None
    nodes = {node: info(node) for node in record["managers"] + record["workers"]}
    if any(node is None for node in nodes.values()):
        return None
    return SwarmInfo(
        name=name,
        managers=tuple(record["managers"]),
        workers=tuple(record["workers"]),
        nodes={node: sandbox for node, sandbox in nodes.items() if sandbox is not None},
        node_ids=dict(record["node_ids"]),
        manager_addresses=tuple(record["manager_addresses"]),
        manager_token=record["manager_token"],
        worker_token=record["worker_token"],
    )


def swarm_env(name: str = "swarm") -> dict[str, str]:
    """Environment for a client on the swarm's first manager (SandboxError if down)."""
    found = swarm_info(name)
    if found is None:
        raise SandboxError(f"swarm {name!r} is not up")
    return found.env()


def swarm_down(name: str = "swarm") -> None:
    """Stop and delete every node of swarm ``name`` (and its lan). Idempotent."""
    _check_name(name)
    _require_root()
    record = _read_json(_record_path(name)) or {}
    nodes = set(record.get("managers", [])) | set(record.get("workers", []))
    node_name = re.compile(rf"{re.escape(name)}-[mw][0-9]+")
    nodes |= {
        str(s["name"])
        for s in _all_states()
        if s.get("lan") == name and node_name.fullmatch(str(s.get("name", "")))
    }
    for node in sorted(nodes):
        down(node)
    if _record_path(name).exists():
        _remove(_record_path(name))
