"""A real multi-node swarm (3 managers + 1 worker, each a dockerd in its own network
namespace, started once per session): a 6-replica service survives the kill -9 of its
worker and of the leader, the swarm handle fails over, an update rolls out, and the
watch and the durable event subscription report exactly what happened."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pykka
from conftest import drain, wait_until

import nkdocker_actors as nk
from nkdocker_actors import cluster, sandbox
from nkdocker_actors.supervisor import _daemon_now

CLUSTER_TYPES = ("service", "node", "secret", "config")


def _event_key(event: dict[str, Any]) -> tuple[Any, ...]:
    actor = event.get("Actor") or {}
    attributes = tuple(sorted((actor.get("Attributes") or {}).items()))
    return (event["Type"], event["Action"], actor.get("ID"), attributes)


def _nano(since: str) -> int:
    seconds, _, fraction = since.partition(".")
    return int(seconds) * 10**9 + int(fraction)


def _running(swarm: Any, service: str) -> list[dict[str, Any]]:
    tasks = swarm.tasks(filters={"service": [service], "desired-state": ["running"]}).get(30)
    return [t for t in tasks if t["Status"]["State"] == "running"]


def _same_busybox(first: nk.Docker, urls: list[str]) -> str:
    """busybox:latest's id, made the same on every node (each imported its own): a task
    given an image id never tries a registry."""
    image = str(first.inspect_image("busybox:latest").get(30)["Id"])
    saved: bytes | None = None
    for url in urls:
        with nk.connect(url) as node:
            if node.inspect_image("busybox:latest").get(30)["Id"] != image:
                saved = saved or first.get_image("busybox:latest").get(60)
                node.load(saved).get(60)
    return image


def _heartbeat(manager: nk.Docker, period: int) -> int:
    """Set the dispatcher's heartbeat period (ns); returns the previous one."""
    swarm = manager.swarm_inspect().get(30)
    spec = swarm["Spec"]
    previous = int(spec["Dispatcher"].get("HeartbeatPeriod", 5 * 10**9))
    spec["Dispatcher"]["HeartbeatPeriod"] = period
    manager.swarm_update(swarm["Version"]["Index"], spec).get(30)
    return previous


def _all_ready(url: str, count: int) -> bool:
    try:
        with nk.connect(url) as manager:
            nodes = manager.nodes().get(30)
    except nk.NkDockerError:
        return False  # between leaders
    return len(nodes) == count and all(n["Status"]["State"] == "ready" for n in nodes)


def _active(url: str) -> bool:
    """The node answers promptly and is in the swarm (as sandbox.swarm_up checks it)."""
    try:
        with nk.connect(url, timeout=5) as node:
            return bool(node.info().get(10)["Swarm"]["LocalNodeState"] == "active")
    except (nk.NkDockerError, TimeoutError):
        return False


def test_worker_and_leader_die_service_converges(
    swarm_cluster: sandbox.SwarmInfo, name: Any
) -> None:
    swarm = swarm_cluster
    urls = {node: info.unix_url for node, info in swarm.nodes.items()}
    ids = {urls[node]: node_id for node, node_id in swarm.node_ids.items()}
    with nk.connect(urls[swarm.managers[0]]) as first:
        leader = next(
            n for n in first.nodes().get(30) if (n.get("ManagerStatus") or {}).get("Leader")
        )
        image = _same_busybox(first, [urls[node] for node in swarm.nodes])
        heartbeat = _heartbeat(first, 10**9)  # a dead node is noticed in seconds
    # The leader first: the handle starts there, and its death is the failover tested.
    managers = sorted((urls[m] for m in swarm.managers), key=lambda u: ids[u] != leader["ID"])
    [worker] = [urls[w] for w in swarm.workers]
    killed: list[str] = []
    try:
        _converge_through_deaths(swarm, managers, worker, ids, image, name, killed)
    finally:
        for node in killed:
            sandbox.restart(node)
        wait_until(lambda: _all_ready(urls[swarm.managers[0]], len(swarm.nodes)), 120)
        wait_until(lambda: all(_active(url) for url in urls.values()), 60)
        with nk.connect(urls[swarm.managers[0]]) as first:
            _heartbeat(first, heartbeat)


def _converge_through_deaths(
    swarm: sandbox.SwarmInfo,
    managers: list[str],
    worker: str,
    ids: dict[str, str],
    image: str,
    name: Any,
    killed: list[str],
) -> None:
    names = {info.unix_url: node for node, info in swarm.nodes.items()}

    def kill(url: str) -> None:
        killed.append(names[url])
        sandbox.kill(names[url])

    with nk.supervisor(check_interval=1) as sup:
        prod = sup.swarm("prod", managers)
        started = _daemon_now(prod.manager())
        events = nk.Inbox()
        event_ref = prod.events(
            subscriber=events, filters={"type": [*CLUSTER_TYPES, "container"]}
        ).get(30)

        service = name("six")
        prod.service_create(
            name=service,
            image=image,
            # exits at once on SIGTERM: a killed node's restart stops its old tasks
            # without their 10 s stop timeout
            command=["sh", "-c"],
            args=["trap 'exit 0' TERM; sleep 100000 & wait"],
            env={"WAVE": "1"},
            replicas=6,
            preferences=["spread=node.id"],
            update_config={"parallelism": 6, "monitor": "200ms", "order": "start-first"},
            restart_policy={"condition": "any", "delay": "100ms"},
            stop_grace_period=0,
        ).get(60)
        wait_until(lambda: len(_running(prod, service)) == 6, 120)
        inbox = nk.Inbox()
        watch = prod.watch_service(service, inbox, interval=0.25).get(10)
        on_worker = {
            t["ID"]: t["Slot"] for t in _running(prod, service) if t["NodeID"] == ids[worker]
        }
        assert on_worker, "spread placement puts tasks on the worker"

        # kill -9 the worker: its tasks are shut down and replaced on the managers.
        kill(worker)
        seen: list[dict[str, Any]] = []

        def moved() -> bool:
            while True:
                try:
                    message = inbox.get(timeout=0.1)
                except TimeoutError:
                    break
                assert message.ref is watch and isinstance(message.payload, nk.Data)
                seen.append(message.payload.value)
            replaced = {
                s["slot"]
                for s in seen
                if s.get("state") == "running"
                and s.get("node") != ids[worker]
                and s["task"] not in on_worker
            }
            return set(on_worker.values()) <= replaced

        wait_until(moved, 120, interval=0.1)
        assert {s["task"] for s in seen if s.get("desired") == "shutdown"} >= set(on_worker)

        # kill -9 the leader: the handle moves on, the update rolls out and converges.
        kill(managers[0])
        survivors = {ids[m] for m in managers[1:]}

        def rescheduled() -> bool:  # the dead leader's tasks run on the survivors
            try:
                running = _running(prod, service)
            except (nk.NkDockerError, pykka.Timeout):
                return False  # still electing a leader
            return len([t for t in running if t["NodeID"] in survivors]) == 6

        wait_until(rescheduled, 120, interval=0.25)
        cluster.update_service(prod, service, timeout=120, env={"WAVE": "2"})
        try:
            progress, end = drain(inbox, watch, 180)
        except TimeoutError:
            state = prod.service_inspect(service).get(30).get("UpdateStatus")
            tasks = [(t["NodeID"], t["DesiredState"], t["Status"]["State"]) for t in
                     prod.tasks(filters={"service": [service]}).get(30)]  # fmt: skip
            raise AssertionError(f"no convergence: {state} {tasks}") from None
        assert end == nk.Done("converged"), progress
        assert prod.manager().config.address != prod.managers()[0][0]
        running = _running(prod, service)
        assert len(running) == 6
        assert {t["NodeID"] for t in running} <= survivors
        assert all(t["Spec"]["ContainerSpec"]["Env"] == ["WAVE=2"] for t in running)

        # Durable events: every cluster event a surviving manager has, once.
        with nk.connect(managers[1]) as survivor:
            until = _daemon_now(survivor)
            kept = survivor.events(
                since=started, until=until, filters={"type": list(CLUSTER_TYPES)}
            ).get(60)
        delivered: list[dict[str, Any]] = []
        containers: list[tuple[Any, ...]] = []
        deadline = time.monotonic() + 30
        while Counter(map(_event_key, delivered)) != Counter(map(_event_key, kept)):
            try:
                message = events.get(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            assert message.ref is event_ref and isinstance(message.payload, nk.Data)
            event = message.payload.value
            if event["Type"] in CLUSTER_TYPES and event["timeNano"] <= _nano(until):
                delivered.append(event)
            elif event["Type"] == "container":
                containers.append((event["timeNano"], *_event_key(event)))
        assert Counter(map(_event_key, delivered)) == Counter(map(_event_key, kept))
        assert containers and len(set(containers)) == len(containers)  # each at most once
        assert any(e["Type"] == "service" and e["Action"] == "update" for e in kept)
        prod.finish_async(event_ref).get(10)
        prod.service_rm(service).get(60)
