"""Swarm on one node (the sandbox daemon as a single-manager swarm): every area's
commands, the service options, service and task logs as streams, secrets and configs
mounted into tasks, and watching a service converge. Nothing is pulled: services run
the sandbox's busybox by image id, which a node never tries to resolve remotely."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import pytest
from conftest import drain, wait_until

import nkdocker_actors as nk
from nkdocker_actors import cluster
from nkdocker_actors.commands import lookup
from nkdocker_actors.commands.spec import build
from nkdocker_actors.swarm_options import SERVICE_OPTIONS, service_spec

API = (1, 41)


def _image(docker: nk.Docker) -> str:
    return str(docker.inspect_image("busybox:latest").get(30)["Id"])


def _running_tasks(docker: nk.Docker, service: str) -> list[dict[str, Any]]:
    tasks = docker.tasks(filters={"service": [service], "desired-state": ["running"]}).get(30)
    return [t for t in tasks if t["Status"]["State"] == "running"]


# -- the option layer (nothing sent) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"image": "busybox", "replicaz": 2}, "unknown service option 'replicaz'"),
        ({"image": "busybox", "replicas": -1}, "'replicas'"),
        ({"image": "busybox", "mode": "global", "replicas": 2}, "no replicas with mode"),
        ({"image": "busybox", "constraints": ["node.role"]}, "node.role==manager"),
        ({"replicas": 2}, "'image' is required"),
        ({"image": "busybox", "env": [("K", 1)]}, "service option 'env'"),
        ({"image": "busybox", "ports": ["80:x"]}, "'ports'"),
        ({"image": "busybox", "secrets": [{"name": "s"}]}, "an 'id' and a 'name'"),
        ({"image": "busybox", "update_config": {"failure_action": "explode"}}, "'rollback'"),
        ({"image": "busybox", "rollback_config": {"failure_action": "rollback"}}, "'pause'"),
        ({"image": "busybox", "resources": {"limits": {"cpus": -1}}}, "'resources'"),
        ({"image": "busybox", "mounts": ["type=bind,target=/x"]}, "a Source for a bind"),
        ({"image": "../x"}, "invalid image identifier"),
    ],
)
def test_bad_service_options_are_refused_before_sending(options: Any, words: str) -> None:
    with pytest.raises(nk.InvalidOption, match=re.escape(words)):
        service_spec(options, API)


def test_service_options_are_version_gated_and_update_merges() -> None:
    with pytest.raises(nk.InvalidOption, match=r"needs API 1.41"):
        service_spec({"image": "busybox", "cap_add": ["NET_ADMIN"]}, (1, 40))
    with pytest.raises(nk.InvalidOption, match=r"needs API 1.30"):
        service_spec({"image": "busybox", "configs": []}, (1, 29))
    with pytest.raises(nk.InvalidOption, match=r"needs API 1.29"):
        build(lookup("service_logs", (1, 28)), ("web",), {}, (1, 28))
    base = service_spec(
        {"name": "web", "image": "busybox", "env": {"A": "1"}, "labels": {"x": "1"}, "replicas": 3},
        API,
    )
    updated = service_spec({"env": {"B": "2"}, "labels": {"y": "2"}, "mode": "global"}, API, base)
    container = updated["TaskTemplate"]["ContainerSpec"]
    assert container == {"Image": "busybox", "Env": ["B=2"]}
    assert (updated["Labels"], updated["Mode"], updated["Name"]) == (
        {"y": "2"},
        {"Global": {}},
        "web",
    )
    assert base["TaskTemplate"]["ContainerSpec"]["Env"] == ["A=1"]  # the base is untouched
    assert {"mode", "replicas", "image", "secrets", "ports"} <= SERVICE_OPTIONS


def test_availability_on_init_and_join_is_checked_and_version_gated() -> None:
    """The node's availability as it enters (docker's `--availability`; a body field the
    API reference omits, sent since Docker 17.04, API 1.28)."""
    join = lookup("swarm_join", API)
    prepared = build(join, (["a:1"], "SWMTKN-1-x"), {"availability": "drain"}, API)
    assert b'"Availability": "drain"' in prepared.request.body
    with pytest.raises(nk.InvalidOption, match=r"needs API 1.28"):
        build(
            lookup("swarm_join", (1, 27)),
            (["a:1"], "SWMTKN-1-x"),
            {"availability": "drain"},
            (1, 27),
        )
    with pytest.raises(nk.InvalidOption, match=r"'Drain'.*'active', 'pause', 'drain'"):
        build(lookup("swarm_init", API), (), {"availability": "Drain"}, API)


def test_secret_data_and_tokens_never_shown() -> None:
    data = "hunter2-" + uuid.uuid4().hex
    command = lookup("secret_create", API)
    prepared = build(command, ("pw", data), {}, API)
    assert data not in repr(prepared)
    with pytest.raises(nk.InvalidOption) as bad:
        build(command, ("pw", {"value": data}), {}, API)
    assert data not in str(bad.value)
    token = "SWMTKN-1-" + data
    with pytest.raises(nk.InvalidOption) as bad:
        build(lookup("swarm_join", API), (["10.0.0.1:2377"], token + "\n"), {}, API)
    assert data not in str(bad.value)
    assert data not in repr(build(lookup("swarm_join", API), (["a:1"], token), {}, API))
    auth = {"username": "u", "password": data}
    prepared = build(lookup("service_create", API), (), {"image": "busybox", "auth": auth}, API)
    assert data not in repr(prepared) and "X-Registry-Auth" in repr(prepared)


# -- a one-node swarm -------------------------------------------------------------------------


def test_swarm_and_nodes(single_swarm: nk.Docker) -> None:
    docker = single_swarm
    swarm = docker.swarm_inspect().get(30)
    assert swarm["JoinTokens"]["Worker"].startswith("SWMTKN-")
    docker.swarm_update(swarm["Version"]["Index"], swarm["Spec"], rotate_worker_token=True).get(30)
    rotated = docker.swarm_inspect().get(30)
    assert rotated["JoinTokens"]["Worker"] != swarm["JoinTokens"]["Worker"]
    assert docker.swarm_unlockkey().get(30) == {"UnlockKey": ""}  # not autolocked
    [node] = docker.nodes().get(30)
    assert node["Spec"]["Role"] == "manager" and node["Status"]["State"] == "ready"
    docker.node_update(
        node["ID"], node["Version"]["Index"], spec=node["Spec"], labels={"zone": "a"}
    ).get(30)
    again = docker.node_inspect(node["ID"]).get(30)
    assert again["Spec"]["Labels"] == {"zone": "a"}
    assert again["Spec"]["Availability"] == node["Spec"]["Availability"]
    assert docker.nodes(filters={"node.label": "zone=a"}).get(30)[0]["ID"] == node["ID"]
    with pytest.raises(nk.DockerError):
        docker.swarm_init().get(30)  # already part of a swarm
    with pytest.raises(nk.NotFound):
        docker.node_inspect("nosuchnode").get(30)


def test_service_converges_updates_and_rolls_back(
    single_swarm: nk.Docker, name: Any, no_leaks: None
) -> None:
    docker = single_swarm
    service = name("svc")
    created = docker.service_create(
        name=service,
        image=_image(docker),
        args=["sleep", "1000"],
        env={"WAVE": "1"},
        replicas=2,
        labels={"nk": "test"},
        update_config={"parallelism": 2, "delay": 0, "monitor": "200ms", "order": "start-first"},
        rollback_config={"parallelism": 2, "monitor": "200ms"},
        restart_policy={"condition": "any", "delay": "100ms"},
        stop_grace_period=0,
    ).get(30)
    inbox = nk.Inbox()
    watch = cluster.watch_service(docker, service, inbox, until="converged", interval=0.2)
    tasks, end = drain(inbox, watch.ref, 60)
    assert end == nk.Done("converged")
    states = [p.value for p in tasks]
    assert {s["state"] for s in states if s["desired"] == "running"} >= {"running"}
    assert all({"task", "node", "desired", "state"} <= s.keys() for s in states)
    assert len(_running_tasks(docker, service)) == 2
    listed = docker.services(filters={"label": "nk=test"}).get(30)
    assert [s["ID"] for s in listed] == [created["ID"]]

    watch = cluster.watch_service(docker, service, inbox, interval=0.2)
    cluster.update_service(docker, service, env={"WAVE": "2"})
    updates, end = drain(inbox, watch.ref, 90)
    assert end == nk.Done("converged")
    assert nk.Data({"update": "completed", "message": "update completed"}) in updates
    envs = [t["Spec"]["ContainerSpec"]["Env"] for t in _running_tasks(docker, service)]
    assert envs == [["WAVE=2"], ["WAVE=2"]]

    watch = cluster.watch_service(docker, service, inbox, interval=0.2)
    cluster.rollback_service(docker, service)
    _, end = drain(inbox, watch.ref, 90)
    assert end == nk.Done("rolled_back")
    envs = [t["Spec"]["ContainerSpec"]["Env"] for t in _running_tasks(docker, service)]
    assert envs == [["WAVE=1"], ["WAVE=1"]]

    cluster.scale_service(docker, service, 1)
    wait_until(lambda: len(_running_tasks(docker, service)) == 1, 60)
    docker.service_rm(service).get(30)
    with pytest.raises(nk.NotFound):
        docker.service_inspect(service).get(30)


def test_service_and_task_logs_stream(single_swarm: nk.Docker, name: Any) -> None:
    docker = single_swarm
    service = name("logs")
    docker.service_create(
        name=service,
        image=_image(docker),
        command=["sh", "-c"],
        args=["echo out-line; echo err-line >&2; sleep 1000"],
        replicas=1,
    ).get(30)
    [task] = wait_until(lambda: _running_tasks(docker, service), 60)
    wait_until(lambda: len(docker.service_logs(service).get(30)) == 2, 30)
    assert sorted(docker.service_logs(service).get(30)) == [
        nk.Output("stderr", b"err-line\n"),
        nk.Output("stdout", b"out-line\n"),
    ]
    inbox = nk.Inbox()
    for command, target in (("service_logs", service), ("task_logs", task["ID"])):
        # Following: the output so far, then only finish_async ends it, once.
        ref = docker.call(command, target, follow=True, subscriber=inbox).get(30)
        seen: list[Any] = []
        wait_until(lambda: seen.append(inbox.get(10).payload) or len(seen) == 2, 30)  # noqa: B023
        assert sorted(seen) == [
            nk.Output("stderr", b"err-line\n"),
            nk.Output("stdout", b"out-line\n"),
        ]
        docker.finish_async(ref).get(10)
        rest, end = drain(inbox, ref, 10)
        assert (rest, end) == ([], nk.Done("finished"))
        # Not following: everything, then one Done("eof").
        ref = docker.call(command, target, stdout=True, stderr=False, subscriber=inbox).get(30)
        out, end = drain(inbox, ref, 30)
        assert (out, end) == ([nk.Output("stdout", b"out-line\n")], nk.Done("eof"))
        with pytest.raises(TimeoutError):
            inbox.get(timeout=0.3)  # nothing after the terminal message
    with pytest.raises(nk.InvalidOption, match="give it a subscriber"):
        docker.service_logs(service, follow=True)
    docker.service_rm(service).get(30)


def test_secret_and_config_mounted_and_never_shown(
    single_swarm: nk.Docker, name: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    docker = single_swarm
    data = ("s3cr3t-" + uuid.uuid4().hex).encode()
    secret_name, config_name = name("sec"), name("cfg")
    secret = docker.secret_create(secret_name, data, labels={"a": "1"}).get(30)
    config = docker.config_create(config_name, b"setting=on\n").get(30)
    with pytest.raises(nk.Conflict) as again:
        docker.secret_create(secret_name, data).get(30)
    inspected = docker.secret_inspect(secret_name).get(30)
    docker.secret_update(
        secret["ID"], inspected["Version"]["Index"], spec=inspected["Spec"], labels={"b": "2"}
    ).get(30)
    assert docker.secret_inspect(secret["ID"]).get(30)["Spec"]["Labels"] == {"b": "2"}
    cfg = docker.config_inspect(config["ID"]).get(30)
    docker.config_update(
        config_name, cfg["Version"]["Index"], spec=cfg["Spec"], labels={"c": "3"}
    ).get(30)
    assert docker.configs(filters={"label": "c=3"}).get(30)[0]["ID"] == config["ID"]

    service = name("mounted")
    docker.service_create(
        name=service,
        image=_image(docker),
        args=["sleep", "1000"],
        secrets=[cluster.reference(docker, "secret", secret_name)],
        configs=[cluster.reference(docker, "config", config_name, target="/etc/app.conf")],
    ).get(30)
    [task] = wait_until(lambda: _running_tasks(docker, service), 60)
    container = task["Status"]["ContainerStatus"]["ContainerID"]
    run = docker.exec_create(
        container, ["cat", f"/run/secrets/{secret_name}", "/etc/app.conf"]
    ).get(30)
    output = docker.exec_start(run).get(30)
    assert b"".join(o.data for o in output) == data + b"setting=on\n"

    shown = [
        repr(inspected),
        repr(docker.secrets().get(30)),
        repr(docker.secret_inspect(secret_name).get(30)),
        repr(docker.service_inspect(service).get(30)),
        repr(docker.tasks(filters={"service": [service]}).get(30)),
        str(again.value),
        caplog.text,
    ]
    for text in shown:
        assert data.decode() not in text
        assert data.decode() not in text.encode().decode("unicode_escape")
    docker.service_rm(service).get(30)
    wait_until(lambda: _gone(docker, secret_name), 60)
    docker.config_rm(config["ID"]).get(30)
    assert [s["ID"] for s in docker.secrets().get(30)] == []


def _gone(docker: nk.Docker, secret: str) -> bool:
    try:
        docker.secret_rm(secret).get(30)
    except nk.Conflict:
        return False  # a task still holds it
    return True


def test_swarm_handle_never_sends_a_write_twice(
    single_swarm: nk.Docker, daemon: Any, fault: Any, name: Any, no_leaks: None
) -> None:
    """A manager that takes a call and dies before answering (the fault server): a write
    fails with ConnectionFailed and is not sent to the next manager; a read is."""
    with nk.supervisor(check_interval=60) as sup:
        swarm = sup.swarm("pair", [fault.url, daemon.unix_url])
        assert [state for _, state in swarm.managers()] == ["up", "up"]
        fault.set("eof_no_response")
        service = name("once")
        with pytest.raises(nk.ConnectionFailed, match="may or may not have been applied"):
            swarm.service_create(name=service, image=_image(single_swarm), args=["true"]).get(30)
        assert [r["target"] for r in fault.requests()] == ["/v1.41/services/create"]
        assert single_swarm.services(filters={"name": [service]}).get(30) == []
        listed = swarm.services().get(30)  # sent to the fault server, then to the daemon
        assert isinstance(listed, list)
        assert str(swarm.manager().config.address) == str(
            single_swarm.config.address
        )  # it sticks to the manager that answered
        with pytest.raises(nk.InvalidOption):
            swarm.service_create(name=service)  # checked before anything is sent
        inbox = nk.Inbox()
        ref = swarm.call("swarm_inspect", reply_to=inbox).get(10)
        message = inbox.get(timeout=30)
        assert message.ref is ref and message.payload.value["ID"]
        # A durable subscription and a watch end, once each, when the supervisor closes.
        events = swarm.events(subscriber=inbox).get(10)
        kept = name("kept")
        single_swarm.service_create(name=kept, image=_image(single_swarm), args=["true"]).get(30)
        watch = swarm.watch_service(kept, inbox, until=None, interval=0.1).get(10)
        wait_until(lambda: len(inbox) >= 2, 30)  # the service's event, the watch's first poll
    ends: dict[Any, Any] = {}
    while len(ends) < 2:
        message = inbox.get(timeout=30)
        if isinstance(message.payload, nk.Done | nk.Failed):
            assert message.ref not in ends
            ends[message.ref] = message.payload
    assert set(ends) == {events, watch}
    assert all(isinstance(end.error, nk.ConnectionFailed) for end in ends.values())
    single_swarm.service_rm(kept).get(30)


def test_a_watch_ends_once_when_its_service_goes(single_swarm: nk.Docker, name: Any) -> None:
    docker = single_swarm
    service = name("gone")
    docker.service_create(name=service, image=_image(docker), args=["sleep", "1000"]).get(30)
    inbox = nk.Inbox()
    watch = cluster.watch_service(docker, service, inbox, until=None, interval=0.1)
    wait_until(lambda: len(inbox) > 0, 30)  # the first poll reported the task
    docker.service_rm(service).get(30)
    _, end = drain(inbox, watch.ref, 30)
    assert isinstance(end, nk.Failed) and isinstance(end.error, nk.NotFound)
    watch.finish()  # already ended: nothing more
    with pytest.raises(TimeoutError):
        inbox.get(timeout=0.3)
    with pytest.raises(nk.InvalidOption):
        cluster.watch_service(docker, service, inbox, until="forever")


def test_service_create_and_update_send_registry_auth(fault: Any) -> None:
    import base64
    import json

    auth = {"username": "u", "password": "pw-" + uuid.uuid4().hex}
    with nk.connect(fault.url) as docker:
        fault.set("good")
        docker.service_create(name="web", image="registry.local/app:1", auth=auth).get(10)
        docker.service_update("web", 3, spec={"Name": "web"}, auth=auth, replicas=2).get(10)
        sent = fault.requests()
    assert [r["target"] for r in sent] == [
        "/v1.41/services/create",
        "/v1.41/services/web/update?version=3",
    ]
    for request in sent:
        header = dict((k.lower(), v) for k, v in request["headers"])["x-registry-auth"]
        assert json.loads(base64.urlsafe_b64decode(header)) == auth
    assert json.loads(sent[1]["body"]) == {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}}}


def test_views_as_the_docker_cli_lists_them(single_swarm: nk.Docker, name: Any) -> None:
    from nkdocker_actors import swarm_views

    docker = single_swarm
    replicated, everywhere = name("rep"), name("glob")
    image = _image(docker)
    docker.service_create(name=replicated, image=image, args=["sleep", "1000"], replicas=2).get(30)
    docker.service_create(name=everywhere, image=image, args=["sleep", "1000"], mode="global").get(
        30
    )
    wait_until(lambda: len(_running_tasks(docker, replicated)) == 2, 60)
    wait_until(lambda: len(_running_tasks(docker, everywhere)) == 1, 60)
    [node] = swarm_views.node_rows(docker)
    assert (node["Self"], node["Status"], node["Availability"], node["ManagerStatus"]) == (
        True, "Ready", "Active", "Leader",
    )  # fmt: skip
    rows = {r["Name"]: r for r in swarm_views.service_rows(docker)}
    assert (rows[replicated]["Mode"], rows[replicated]["Replicas"]) == ("replicated", "2/2")
    assert (rows[everywhere]["Mode"], rows[everywhere]["Replicas"]) == ("global", "1/1")
    assert rows[replicated]["Image"] == image and rows[replicated]["Ports"] == ""
    tasks = swarm_views.task_rows(docker, replicated)
    assert [t["Name"] for t in tasks] == [f"{replicated}.1", f"{replicated}.2"]
    assert {(t["Node"], t["DesiredState"], t["CurrentState"]) for t in tasks} == {
        (node["Hostname"], "Running", "Running")
    }
    overview = {r["Name"]: r for r in swarm_views.service_overview(docker)}
    assert overview[replicated]["Wanted"] == 2
    assert overview[replicated]["Running"] == {node["Hostname"]: 2}
    assert overview[everywhere]["Running"] == {node["Hostname"]: 1}
    for service in (replicated, everywhere):
        docker.service_rm(service).get(30)
    published = {"Endpoint": {"Ports": [
        {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"},
        {"Protocol": "udp", "TargetPort": 53, "PublishedPort": 5353, "PublishMode": "host"},
    ]}}  # fmt: skip
    assert swarm_views._ports(published) == "*:8080->80/tcp"  # host-mode ports are per task
