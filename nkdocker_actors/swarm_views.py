"""A swarm as the docker CLI lists it: rows for `node ls`, `service ls`, `service ps`, and
what a monitor shows beside containers (replicas wanted, running per node).

Each function takes any handle on a manager (a `Docker`, a `SwarmHandle`), blocks
for its answers (`timeout` seconds per call) and returns plain dicts, keyed by the
docker CLI's column names, for a command line or a monitor to render.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .connection import Docker

__all__ = ["node_rows", "service_overview", "service_rows", "task_rows"]


def _capitalized(text: Any) -> str:
    return str(text or "").capitalize()


def node_rows(docker: Docker, timeout: float = 60, filters: Any = None) -> list[dict[str, Any]]:
    """`node ls`: ID, Self (the node asked), Hostname, Status, Availability, ManagerStatus
    ("Leader", "Reachable", "Unreachable" or ""), EngineVersion; by hostname. `filters`:
    as `nodes` takes them."""
    me = docker.info().get(timeout)["Swarm"].get("NodeID")
    rows = []
    for node in docker.nodes(filters=filters).get(timeout):
        manager = node.get("ManagerStatus") or {}
        description = node.get("Description") or {}
        rows.append(
            {
                "ID": node["ID"],
                "Self": node["ID"] == me,
                "Hostname": description.get("Hostname", ""),
                "Status": _capitalized((node.get("Status") or {}).get("State")),
                "Availability": _capitalized((node.get("Spec") or {}).get("Availability")),
                "ManagerStatus": "Leader"
                if manager.get("Leader")
                else _capitalized(manager.get("Reachability")),
                "EngineVersion": (description.get("Engine") or {}).get("EngineVersion", ""),
            }
        )
    return sorted(rows, key=lambda row: (row["Hostname"], row["ID"]))


def _image(spec: dict[str, Any]) -> str:
    image = str(((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", ""))
    return image.partition("@")[0]  # the CLI shows the reference without its pinned digest


def _ports(service: dict[str, Any]) -> str:
    # As the docker CLI: the routing mesh's (ingress) ports only; host-mode ones are per task.
    return ", ".join(
        f"*:{port.get('PublishedPort')}->{port.get('TargetPort')}/{port.get('Protocol', 'tcp')}"
        for port in (service.get("Endpoint") or {}).get("Ports") or []
        if port.get("PublishMode", "ingress") == "ingress"
    )


def _mode(spec: dict[str, Any]) -> str:
    mode = spec.get("Mode") or {}
    for key, name in (
        ("Replicated", "replicated"),
        ("Global", "global"),
        ("ReplicatedJob", "replicated job"),
        ("GlobalJob", "global job"),
    ):
        if key in mode:
            return name
    return ""


def service_rows(docker: Docker, timeout: float = 60, filters: Any = None) -> list[dict[str, Any]]:
    """`service ls`: ID, Name, Mode, Replicas ("running/desired"), Image, Ports; by name.
    `filters`: as `services` takes them."""
    services = docker.services(filters=filters).get(timeout)
    running, desired = _task_counts(docker, timeout)
    rows = []
    for service in services:
        spec = service.get("Spec") or {}
        wanted = ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas")
        if wanted is None:
            wanted = desired[service["ID"]]
        rows.append(
            {
                "ID": service["ID"],
                "Name": spec.get("Name", ""),
                "Mode": _mode(spec),
                "Replicas": f"{running[service['ID']]}/{wanted}",
                "Image": _image(spec),
                "Ports": _ports(service),
            }
        )
    return sorted(rows, key=lambda row: row["Name"])


def _task_counts(docker: Docker, timeout: float) -> tuple[Counter[str], Counter[str]]:
    """Per service id: its running tasks, and the tasks that should run (on nodes up)."""
    up = {
        node["ID"]
        for node in docker.nodes().get(timeout)
        if (node.get("Status") or {}).get("State") == "ready"
    }
    running: Counter[str] = Counter()
    desired: Counter[str] = Counter()
    for task in docker.tasks(filters={"desired-state": ["running"]}).get(timeout):
        if task.get("NodeID") in up or not task.get("NodeID"):
            desired[task["ServiceID"]] += 1
            if (task.get("Status") or {}).get("State") == "running":
                running[task["ServiceID"]] += 1
    return running, desired


def task_rows(docker: Docker, service: str, timeout: float = 60) -> list[dict[str, Any]]:
    """`service ps`: ID, Name ("web.1"), Image, Node (hostname), DesiredState, CurrentState,
    Since (the state's timestamp, RFC 3339), Error; by slot, newest first."""
    found = docker.service_inspect(service).get(timeout)
    name = (found.get("Spec") or {}).get("Name", service)
    hosts = {
        node["ID"]: (node.get("Description") or {}).get("Hostname", node["ID"])
        for node in docker.nodes().get(timeout)
    }
    tasks = docker.tasks(filters={"service": [found["ID"]]}).get(timeout)
    tasks.sort(key=lambda t: t.get("CreatedAt", ""), reverse=True)
    tasks.sort(key=lambda t: (t.get("Slot") or 0, t.get("NodeID", "")))
    rows = []
    for task in tasks:
        status = task.get("Status") or {}
        slot = task.get("Slot") or task.get("NodeID", "")
        rows.append(
            {
                "ID": task["ID"],
                "Name": f"{name}.{slot}",
                "Image": str(
                    ((task.get("Spec") or {}).get("ContainerSpec") or {}).get("Image", "")
                ).partition("@")[0],
                "Node": hosts.get(task.get("NodeID", ""), task.get("NodeID", "")),
                "DesiredState": _capitalized(task.get("DesiredState")),
                "CurrentState": _capitalized(status.get("State")),
                "Since": status.get("Timestamp", ""),
                "Error": status.get("Err", ""),
            }
        )
    return rows


def service_overview(docker: Docker, timeout: float = 60) -> list[dict[str, Any]]:
    """For a monitor: per service its id, name, replicas wanted and running tasks per node
    (hostname -> count); by name."""
    hosts = {
        node["ID"]: (node.get("Description") or {}).get("Hostname", node["ID"])
        for node in docker.nodes().get(timeout)
    }
    per_node: dict[str, Counter[str]] = {}
    for task in docker.tasks(filters={"desired-state": ["running"]}).get(timeout):
        if (task.get("Status") or {}).get("State") == "running":
            node = hosts.get(task.get("NodeID", ""), task.get("NodeID", ""))
            per_node.setdefault(task["ServiceID"], Counter())[node] += 1
    rows = []
    for row in service_rows(docker, timeout):
        running = per_node.get(row["ID"], Counter())
        rows.append(
            {
                "ID": row["ID"],
                "Name": row["Name"],
                "Wanted": int(row["Replicas"].partition("/")[2]),
                "Running": dict(sorted(running.items())),
            }
        )
    return rows
