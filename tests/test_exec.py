"""Exec commands against the real daemon: create with every option, start (output or
detached), inspect, resize, and their error paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Engine, wait_until

import nkdocker_actors as nk

BUSYBOX = "busybox:latest"


@pytest.fixture
def running(docker: nk.Docker, name: Callable[[str], str], cleanup: Any) -> str:
    """A running container (sleep), removed after the test."""
    container = cleanup(name("exec"))
    docker.create(BUSYBOX, name=container, cmds=["sleep", "1000"]).get(10)
    docker.start(container).get(10)
    return str(container)


def test_exec_output_and_options(engine: Engine, docker: nk.Docker, running: str) -> None:
    exec_id = docker.exec_create(
        running,
        ["sh", "-c", "echo $NK_A $NK_B; pwd; id -u; echo oops >&2; exit 7"],
        env={"NK_A": "1", "NK_B": "two"},
        workdir="/etc",
        user="nobody",
    ).get(10)
    assert isinstance(exec_id, str) and len(exec_id) == 64
    before = docker.exec_inspect(exec_id).get(10)
    # podman reports an exec that has not run yet with ExitCode 0, dockerd with null
    assert (before["Running"], before["ExitCode"]) == (
        False,
        0 if engine.name == "podman" else None,
    )
    assert before["ProcessConfig"]["user"] == "nobody"
    output = docker.exec_start(exec_id).get(10)
    assert b"".join(o.data for o in output if o.stream == "stdout") == b"1 two\n/etc\n65534\n"
    assert b"".join(o.data for o in output if o.stream == "stderr") == b"oops\n"
    assert docker.exec_inspect(exec_id).get(10)["ExitCode"] == 7
    if engine.name == "podman":  # an exec runs once: podman says so with a 500, attached too
        for detach in (True, False):
            with pytest.raises(nk.ServerError, match="can only start created exec sessions"):
                docker.exec_start(exec_id, detach=detach).get(10)
    else:
        with pytest.raises(nk.Conflict, match="already run"):  # an exec runs once
            docker.exec_start(exec_id, detach=True).get(10)
        # attached, dockerd has upgraded the connection before it finds out: it says so in
        # the output, as `docker exec` shows it
        again = docker.exec_start(exec_id).get(10)
        assert b"has already run" in b"".join(o.data for o in again)

    # env as pairs or "K=V", a TTY (one stream), no stderr attached
    exec_id = docker.exec_create(
        running, ["sh", "-c", "echo $NK_C; echo e >&2"], env=[("NK_C", "c")], tty=True
    ).get(10)
    assert docker.exec_start(exec_id, tty=True).get(10) == [nk.Output("stdout", b"c\r\ne\r\n")]
    exec_id = docker.exec_create(
        running, ["sh", "-c", "echo $NK_D; echo e >&2"], env=["NK_D=d"], stderr=False
    ).get(10)
    assert docker.exec_start(exec_id).get(10) == [nk.Output("stdout", b"d\n")]
    exec_id = docker.exec_create(running, ["cat"], stdin=True, privileged=True).get(10)
    assert docker.exec_inspect(exec_id).get(10)["OpenStdin"] is True


def test_exec_detached_and_resize(engine: Engine, docker: nk.Docker, running: str) -> None:
    exec_id = docker.exec_create(
        running, ["sh", "-c", "read line; echo $line > /got"], tty=True, stdin=True
    ).get(10)
    assert docker.exec_start(exec_id, detach=True, tty=True).get(10) is None
    wait_until(lambda: docker.exec_inspect(exec_id).get(10)["Running"])
    docker.exec_resize(exec_id, 132, 43).get(10)
    assert docker.exec_inspect(exec_id).get(10)["Pid"] > 0

    exec_id = docker.exec_create(running, ["sh", "-c", "echo done > /done"]).get(10)
    docker.exec_start(exec_id, detach=True).get(10)
    wait_until(lambda: docker.exec_inspect(exec_id).get(10)["ExitCode"] == 0)
    check = docker.exec_create(running, ["cat", "/done"]).get(10)
    assert docker.exec_start(check).get(10) == [nk.Output("stdout", b"done\n")]


def test_exec_errors(
    engine: Engine, docker: nk.Docker, running: str, name: Callable[[str], str]
) -> None:
    with pytest.raises(nk.NotFound):
        docker.exec_create(name("nothere"), ["true"]).get(10)
    with pytest.raises(nk.NotFound):
        docker.exec_inspect("0" * 64).get(10)
    with pytest.raises(nk.NotFound):
        docker.exec_start("0" * 64).get(10)
    with pytest.raises(nk.NotFound):
        docker.exec_resize("0" * 64, 80, 24).get(10)
    exec_id = docker.exec_create(running, ["true"]).get(10)
    docker.pause(running).get(10)
    with pytest.raises(nk.Conflict, match="paused"):
        docker.exec_start(exec_id).get(10)
    with pytest.raises(nk.Conflict, match="paused"):
        docker.exec_create(running, ["true"]).get(10)
    docker.unpause(running).get(10)
    docker.kill(running).get(10)
    docker.wait(running).get(10)
    if engine.name == "podman":  # a 500 here; and it keeps a stopped container's execs
        with pytest.raises(nk.ServerError, match="can only create exec sessions on running"):
            docker.exec_create(running, ["true"]).get(10)
        with pytest.raises(nk.Conflict, match="not running"):
            docker.exec_start(exec_id).get(10)
    else:
        with pytest.raises(nk.Conflict, match="not running"):
            docker.exec_create(running, ["true"]).get(10)
        with pytest.raises(nk.NotFound):  # a stopped container's execs are gone
            docker.exec_start(exec_id).get(10)
    # no command: dockerd's 400, podman's 500
    with pytest.raises(nk.ServerError if engine.name == "podman" else nk.BadParameter):
        docker.exec_create(running, []).get(10)
    for bad in ({"env": 3}, {"tty": "yes"}, {"workdir": "a\nb"}, {"nosuch": 1}):
        with pytest.raises(nk.InvalidOption):
            docker.exec_create(running, ["true"], **bad)
    with pytest.raises(nk.InvalidOption):
        docker.exec_resize(exec_id, 80, -1)
