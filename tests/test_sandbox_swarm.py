"""The sandbox's swarm: netns nodes that init and join, run a replicated busybox
service without a registry, and survive one node's kill -9 or stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from conftest import SANDBOX, wait_until

from nkdocker_actors import sandbox


def _docker(node: sandbox.SandboxInfo, *args: str) -> str:
    """The docker CLI on one node's unix socket."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["DOCKER_HOST"] = node.unix_url
    proc = subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _nodes(swarm: sandbox.SwarmInfo, via: str = "") -> dict[str, str]:
    """hostname (= sandbox name) -> status, as `docker node ls` shows them."""
    manager = swarm.nodes[via or swarm.managers[0]]
    lines = _docker(manager, "node", "ls", "--format", "{{json .}}").splitlines()
    return {json.loads(line)["Hostname"]: json.loads(line)["Status"] for line in lines}


def _all_ready(swarm: sandbox.SwarmInfo) -> bool:
    try:
        return _nodes(swarm) == dict.fromkeys(swarm.nodes, "Ready")
    except AssertionError:  # a manager between leaders
        return False


def test_swarm_comes_up_with_every_node_ready(swarm_cluster: sandbox.SwarmInfo) -> None:
    swarm = swarm_cluster
    assert len(swarm.managers) == 3 and len(swarm.workers) == 1
    assert _nodes(swarm) == dict.fromkeys(swarm.nodes, "Ready")
    assert len(set(swarm.node_ids.values())) == 4
    assert [f"{swarm.nodes[m].address}:2377" for m in swarm.managers] == list(
        swarm.manager_addresses
    )
    assert swarm.worker_token.startswith("SWMTKN-") and swarm.worker_token not in repr(swarm)
    assert sandbox.swarm_env(swarm.name) == swarm.nodes[swarm.managers[0]].env()
    again = sandbox.swarm_up(swarm.name, managers=3, workers=1)  # running: returned as it is
    assert again.node_ids == swarm.node_ids


# exits at once on SIGTERM: no node waits 10 s for a task to stop
_SLEEPER = "trap 'exit 0' TERM; sleep 600 & wait"


def test_a_replicated_service_runs_tasks_on_several_nodes(
    swarm_cluster: sandbox.SwarmInfo,
) -> None:
    manager = swarm_cluster.nodes[swarm_cluster.managers[0]]
    service = f"nk-{uuid.uuid4().hex[:8]}"
    _docker(manager, "service", "create", "--detach", "--no-resolve-image", "--name", service,
            "--replicas", "4", "busybox:latest", "sh", "-c", _SLEEPER)  # fmt: skip
    try:

        def four_running() -> list[str] | None:
            """The nodes of the service's running tasks, once all four run."""
            shown = "{{.Node}} {{.CurrentState}}"
            listed = _docker(manager, "service", "ps", service, "--filter",
                             "desired-state=running", "--format", shown)  # fmt: skip
            nodes = [line.split()[0] for line in listed.splitlines() if " Running " in line]
            return nodes if len(nodes) == 4 else None

        nodes = wait_until(four_running, 60, interval=0.2)
        assert len(set(nodes)) > 1
        assert set(nodes) <= set(swarm_cluster.nodes)
    finally:
        _docker(manager, "service", "rm", service)


def test_a_killed_manager_and_a_stopped_worker_come_back(
    swarm_cluster: sandbox.SwarmInfo,
) -> None:
    swarm = swarm_cluster
    manager, worker = swarm.managers[2], swarm.workers[0]
    try:
        sandbox.kill(manager)
        sandbox.stop(worker)
        # two managers of three keep the quorum: the swarm still answers
        assert set(_nodes(swarm, via=swarm.managers[1])) == set(swarm.nodes)
    finally:
        sandbox.restart(manager)
        sandbox.restart(worker)
    wait_until(lambda: _all_ready(swarm), 60)
    for node in (manager, worker):
        state = json.loads(_docker(swarm.nodes[node], "info", "--format", "{{json .Swarm}}"))
        assert (state["LocalNodeState"], state["NodeID"]) == ("active", swarm.node_ids[node])


def test_swarm_down_leaves_nothing_behind() -> None:
    name = f"{SANDBOX}-swx"
    swarm = sandbox.swarm_up(name, managers=1, workers=1)
    assert _nodes(swarm) == dict.fromkeys(swarm.nodes, "Ready")
    sandbox.swarm_down(name)
    assert sandbox.swarm_info(name) is None
    for node in swarm.nodes.values():
        assert sandbox.info(node.name) is None
        assert not node.base_dir.exists()
        assert not Path(f"/var/run/netns/{node.netns}").exists()
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert not [n.veth for n in swarm.nodes.values() if f" {n.veth}@" in links]
    lan = next(iter(swarm.nodes.values())).address.rpartition(".")[0] + "."
    addrs = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    assert f" {lan}" not in addrs
    sandbox.swarm_down(name)  # idempotent


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "nkdocker_actors.sandbox", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_the_command_line_shows_the_swarm_without_its_tokens(
    swarm_cluster: sandbox.SwarmInfo,
) -> None:
    shown = _cli("swarm", "info", "--name", swarm_cluster.name)
    assert shown.returncode == 0, shown.stderr
    fields = json.loads(shown.stdout)
    assert fields["node_ids"] == swarm_cluster.node_ids
    assert swarm_cluster.worker_token not in shown.stdout
    assert swarm_cluster.manager_token not in shown.stdout
    env = _cli("swarm", "env", "--name", swarm_cluster.name).stdout
    assert f"export DOCKER_HOST={swarm_cluster.env()['DOCKER_HOST']}" in env.splitlines()
    assert _cli("swarm", "info", "--name", f"{SANDBOX}-nosuch").returncode == 1
    assert _cli("swarm", "--name", swarm_cluster.name).returncode == 2  # no action
