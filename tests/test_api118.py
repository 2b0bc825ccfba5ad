"""Pinned to API 1.18 (NkDOCKER's version) on our 1.41 daemon: the original's image and
container flows, the endpoints picked by version (cp: /copy below 1.20, /archive from
it), where 1.18 puts create options, and what 1.18 does not have."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import tar_of
from test_images import image_flow, run_output

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.http11 import Channel

BUSYBOX = "busybox:latest"
MiB = 1024 * 1024


@pytest.fixture
def old(daemon: sandbox.SandboxInfo) -> Iterator[nk.Docker]:
    """A connection talking API 1.18."""
    with nk.connect(daemon.unix_url, api_version="1.18") as connection:
        yield connection


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The request targets this process sends from now on."""
    targets: list[str] = []
    original = Channel.send_request

    def record(self: Channel, request: Any) -> None:
        targets.append(request.target)
        original(self, request)

    monkeypatch.setattr(Channel, "send_request", record)
    return targets


def test_image_flow_at_118(old: nk.Docker, name: Callable[[str], str]) -> None:
    assert old.api_version == (1, 18)
    image_flow(old, name("flow18") + ":v1")


def test_container_flow_at_118(
    old: nk.Docker, name: Callable[[str], str], cleanup: Any, sent: list[str]
) -> None:
    container = cleanup(name("run18"))
    old.create(BUSYBOX, name=container, interactive=True, tty=True, cmds=["/bin/sh"]).get(10)
    assert sent[-1].startswith("/v1.18/containers/create?name=")
    old.start(container).get(10)
    with pytest.raises(nk.NotModified):
        old.start(container).get(10)
    old.pause(container).get(10)
    assert old.inspect(container).get(10)["State"]["Paused"] is True
    old.unpause(container).get(10)
    old.kill(container).get(10)
    assert old.wait(container).get(10)["StatusCode"] == 137
    old.start(container).get(10)
    old.resize(container, 100, 30).get(10)
    assert "sh" in str(old.top(container).get(10)["Processes"])
    renamed = cleanup(name("run18b"))
    old.rename(container, renamed).get(10)
    old.restart(renamed, t=0).get(20)
    assert old.inspect(renamed).get(10)["State"]["Running"] is True
    assert [c["Names"] for c in old.ps(filters={"name": [renamed]}).get(10)] == [["/" + renamed]]
    old.kill(renamed, signal="SIGKILL").get(10)
    old.wait(renamed).get(10)
    old.kill(renamed).get(10)  # below 1.20 dockerd lets a stopped container be killed
    old.rm(renamed).get(10)
    with pytest.raises(nk.NotFound):
        old.inspect(renamed).get(10)
    assert all(target.startswith("/v1.18/") for target in sent)


def test_files_logs_and_exec_at_118(
    old: nk.Docker, docker: nk.Docker, name: Callable[[str], str], cleanup: Any, sent: list[str]
) -> None:
    container = cleanup(name("files18"))
    old.create(BUSYBOX, name=container, cmds=["sh", "-c", "echo hi > /f; echo logged"]).get(10)
    old.start(container).get(10)
    assert old.wait(container).get(10)["StatusCode"] == 0
    assert old.logs(container, tail=5, timestamps=False).get(10) == [
        nk.Output("stdout", b"logged\n")
    ]
    assert ("/f", 1) in {(c["Path"], c["Kind"]) for c in old.diff(container).get(10)}

    # cp: POST /copy at 1.18, GET /archive at 1.41, the same tar either way
    del sent[:]
    via_copy = old.cp(container, "/f").get(10)
    assert sent[-1] == f"/v1.18/containers/{container}/copy"
    via_archive = docker.cp(container, "/f").get(10)
    assert sent[-1] == f"/v1.41/containers/{container}/archive?path=%2Ff"
    for data in (via_copy, via_archive):
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = tar.extractfile("f")
            assert member is not None and member.read() == b"hi\n"
    with pytest.raises(nk.NotFound):
        old.cp(container, "/nothere").get(10)

    exported = io.BytesIO()
    old.export(container, exported).get(30)
    with tarfile.open(fileobj=io.BytesIO(exported.getvalue())) as tar:
        assert "f" in tar.getnames()

    old.start(container, timeout=10).get(10)  # runs its command again, then exits
    old.wait(container).get(10)
    running = cleanup(name("exec18"))
    old.create(BUSYBOX, name=running, cmds=["sleep", "1000"]).get(10)
    old.start(running).get(10)
    exec_id = old.exec_create(running, ["sh", "-c", "echo out; echo err >&2"]).get(10)
    output = old.exec_start(exec_id).get(10)
    assert sorted(output) == [nk.Output("stderr", b"err\n"), nk.Output("stdout", b"out\n")]
    assert old.exec_inspect(exec_id).get(10)["ExitCode"] == 0
    old.kill(running).get(10)


def test_create_options_at_118(old: nk.Docker, name: Callable[[str], str], cleanup: Any) -> None:
    container = cleanup(name("opts18"))
    old.create(
        BUSYBOX,
        name=container,
        cmds=["true"],
        memory="32m",
        memory_swap=-1,
        cpu_shares=128,
        cpu_set="0",
        labels={"nk": "18"},
        ulimits=[("nofile", 100, 200)],
        log_config="json-file",
        restart="always",
        publish=[(80, 18081)],
        env=[("A", "1")],
    ).get(10)
    info = old.inspect(container).get(10)
    host = info["HostConfig"]
    assert (host["Memory"], host["MemorySwap"], host["CpuShares"]) == (32 * MiB, -1, 128)
    assert host["CpusetCpus"] == "0"
    assert host["Ulimits"] == [{"Name": "nofile", "Soft": 100, "Hard": 200}]
    assert host["RestartPolicy"]["Name"] == "always"
    assert host["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "18081"}]}
    assert info["Config"]["Labels"] == {"nk": "18"} and "A=1" in info["Config"]["Env"]
    # options 1.18 does not have: refused before anything is sent
    for option, value in (
        ("auto_remove", True),
        ("init", True),
        ("mounts", ["type=tmpfs,target=/t"]),
        ("network", "bridge"),
        ("healthcheck", {"test": "true"}),
        ("stop_signal", "SIGINT"),
        ("tmpfs", ["/t"]),
    ):
        with pytest.raises(nk.InvalidOption, match="needs API"):
            old.create(BUSYBOX, cmds=["true"], **{option: value})


def test_what_118_does_not_have(old: nk.Docker, name: Callable[[str], str]) -> None:
    missing: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("update", ("c1",), {"memory": "64m"}),
        ("networks", (), {}),
        ("network_create", ("n1",), {}),
        ("volumes", (), {}),
        ("volume_create", ("v1",), {}),
        ("system_df", (), {}),
        ("container_prune", (), {}),
        ("image_prune", (), {}),
        ("build_prune", (), {}),
        ("get_archive", ("c1", "/"), {}),
        ("put_archive", ("c1", "/", b""), {}),
        ("archive_stat", ("c1", "/"), {}),
    ]
    for command, args, options in missing:
        with pytest.raises(nk.InvalidOption, match="needs API"):
            old.call(command, *args, **options)
    for command, args, options in [
        ("wait", ("c1",), {"condition": "next-exit"}),
        ("logs", ("c1",), {"since": 0}),
        ("stats", ("c1",), {"one_shot": True}),
        ("exec_create", ("c1", ["true"]), {"env": {"A": "1"}}),
        ("build", (b"",), {"buildargs": {"A": "1"}}),
        ("search", ("x",), {"limit": 1}),
    ]:
        with pytest.raises(nk.InvalidOption, match="needs API"):
            old.call(command, *args, **options)
    # and what 1.18 had that is gone since: tag's force
    tag = name("force18")
    old.tag(BUSYBOX, tag, "v1", force=True).get(10)
    old.rmi(f"{tag}:v1").get(10)


def test_build_save_load_at_118(old: nk.Docker, name: Callable[[str], str]) -> None:
    tag = name("build18") + ":v1"
    context = tar_of({"Dockerfile": b"FROM busybox:latest\nRUN echo built > /b\n"})
    lines = old.build(context, t=tag, nocache=True, forcerm=True, memory="64m").get(60)
    assert any("Successfully built" in line.get("stream", "") for line in lines)
    try:
        assert run_output(old, tag, "cat", "/b") == b"built\n"
        assert old.history(tag).get(10)[0]["CreatedBy"].endswith("echo built > /b")
        saved = old.get_image(tag).get(30)
        old.rmi(tag).get(10)
        old.load(saved).get(60)
        assert old.inspect_image(tag).get(10)["RepoTags"] == [tag]
        assert tag in {t for i in old.images().get(10) for t in i["RepoTags"] or []}
    finally:
        old.rmi(tag, force=True).get(10)
