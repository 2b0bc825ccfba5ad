"""Container commands against the real daemon: every command, its options, its error paths."""

from __future__ import annotations

import io
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Engine, tar_of, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.commands import COMMANDS, Command

BUSYBOX = "busybox:latest"
MiB = 1024 * 1024


def _members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {
            m.name: (tar.extractfile(m) or io.BytesIO()).read()
            for m in tar.getmembers()
            if m.isfile()
        }


def _run(docker: nk.Docker, container: str, *cmds: str, **options: Any) -> str:
    """Create and start a container; its id."""
    created = docker.create(BUSYBOX, name=container, cmds=list(cmds), **options).get(10)
    docker.start(container).get(10)
    return str(created["Id"])


def test_lifecycle_and_error_paths(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    container = cleanup(name("life"))
    # Podman answers 500 to most refusals that dockerd answers 400 or 409 to
    podman = engine.name == "podman"
    with pytest.raises(nk.NotFound):
        docker.inspect(container).get(10)
    created = docker.create(BUSYBOX, name=container, cmds=["sleep", "1000"]).get(10)
    assert created["Id"].startswith(docker.inspect(container).get(10)["Id"][:12])
    with pytest.raises(nk.ServerError if podman else nk.Conflict, match="already in use"):
        docker.create(BUSYBOX, name=container, cmds=["true"]).get(10)  # the name is taken
    assert docker.inspect(container).get(10)["State"]["Status"] == "created"

    assert docker.start(container).get(10) is None
    with pytest.raises(nk.NotModified) as info:
        docker.start(container).get(10)
    assert info.value.status == 304 and container in info.value.message  # names it
    state = docker.inspect(container, size=True).get(10)
    assert state["State"]["Running"] is True
    assert "SizeRootFs" in state

    top = docker.top(container, "aux").get(10)
    assert any("sleep 1000" in " ".join(p) for p in top["Processes"])
    titles = docker.top(container, ps_args="-o pid,comm").get(10)["Titles"]
    if podman:  # the container's own (busybox) ps: one column holding its whole lines
        assert top["Titles"][0].split() == ["PID", "USER", "COMMAND"]
        assert titles == ["PID   COMMAND"]
        assert docker.top(container, "--nonsense").get(10) is None  # no error either
    else:
        assert "COMMAND" in top["Titles"] and titles == ["PID", "COMMAND"]
        with pytest.raises(nk.ServerError):  # ps refuses the arguments
            docker.top(container, "--nonsense").get(10)

    docker.pause(container).get(10)
    assert docker.inspect(container).get(10)["State"]["Paused"] is True
    with pytest.raises(nk.ServerError if podman else nk.Conflict, match="already paused"):
        docker.pause(container).get(10)
    docker.unpause(container).get(10)
    with pytest.raises(nk.ServerError):  # dockerd's answer to unpausing a running container
        docker.unpause(container).get(10)

    with pytest.raises(nk.ServerError if podman else nk.Conflict):  # running: rm needs force
        docker.rm(container).get(10)
    with pytest.raises(nk.ServerError if podman else nk.BadParameter):
        docker.kill(container, signal="NOSUCHSIGNAL").get(10)

    docker.kill(container, signal="SIGKILL").get(10)
    assert docker.wait(container).get(10)["StatusCode"] == 137
    with pytest.raises(nk.ServerError if podman else nk.Conflict):  # not running
        docker.kill(container).get(10)
    with pytest.raises(nk.NotModified):
        docker.stop(container).get(10)

    docker.restart(container, t=0).get(20)
    assert docker.inspect(container).get(10)["State"]["Running"] is True
    docker.stop(container, 0).get(20)
    assert docker.inspect(container).get(10)["State"]["ExitCode"] == 137

    renamed = cleanup(name("renamed"))
    docker.rename(container, renamed).get(10)
    assert docker.inspect(renamed).get(10)["Name"] == "/" + renamed
    with pytest.raises(nk.NotFound):
        docker.inspect(container).get(10)
    other = cleanup(name("other"))
    docker.create(BUSYBOX, name=other, cmds=["true"]).get(10)
    with pytest.raises(nk.Conflict):
        docker.rename(renamed, other).get(10)

    docker.rm(renamed, v=True).get(10)
    with pytest.raises(nk.NotFound):
        docker.rm(renamed).get(10)
    for command in ("start", "stop", "restart", "kill", "pause", "unpause", "wait"):
        with pytest.raises(nk.NotFound):
            docker.call(command, renamed).get(10)
    with pytest.raises(nk.ServerError if podman else nk.BadParameter):  # busybox: no CMD
        docker.create(BUSYBOX).get(10)
    with pytest.raises(nk.NotFound):
        docker.create("nk-no-such-image:1", cmds=["true"]).get(10)


def test_logs_wait_and_attach(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    container = cleanup(name("logs"))
    script = "echo out1; echo err1 >&2; echo out2; exit 3"
    _run(docker, container, "sh", "-c", script)
    assert docker.wait(container, condition="not-running").get(20)["StatusCode"] == 3
    logs = docker.logs(container).get(10)
    assert b"".join(o.data for o in logs if o.stream == "stdout") == b"out1\nout2\n"
    assert b"".join(o.data for o in logs if o.stream == "stderr") == b"err1\n"
    assert docker.logs(container, stderr=False).get(10) == [nk.Output("stdout", b"out1\nout2\n")]
    last = docker.logs(container, tail=1).get(10)  # the last line, of either stream
    assert len(last) == 1 and last[0].data in (b"out2\n", b"err1\n")
    stamped = docker.logs(container, stdout=False, timestamps=True).get(10)
    assert stamped[0].data.endswith(b" err1\n") and stamped[0].data[:4].isdigit()
    assert docker.logs(container, since=time.time() + 3600).get(10) == []
    assert len(docker.logs(container, until=time.time() + 3600).get(10)) >= 2
    if engine.name == "podman":  # no replay: the attach waits for the container to run again
        with pytest.raises(nk.TimedOut):
            docker.attach(container, logs=True, stdout=True, stderr=True, timeout=1).get(10)
    else:
        attached = docker.attach(container, logs=True, stdout=True, stderr=True).get(10)
        assert sorted(attached) == sorted(logs)

    tty = cleanup(name("logs-tty"))
    _run(docker, tty, "sh", "-c", "echo a; echo b >&2", tty=True)
    assert docker.wait(tty).get(20)["StatusCode"] == 0
    # a TTY's output is not multiplexed: one stdout stream
    assert docker.logs(tty).get(10) == [nk.Output("stdout", b"a\r\nb\r\n")]

    # streaming forms need a subscriber
    with pytest.raises(nk.InvalidOption):
        docker.logs(container, follow=True)
    with pytest.raises(nk.InvalidOption):
        docker.attach(container, stream=True)
    with pytest.raises(nk.InvalidOption):
        docker.stats(container, stream=True)
    with pytest.raises(nk.InvalidOption):
        docker.wait(container, condition="whenever")
    with pytest.raises(nk.NotFound):
        docker.logs(name("nothere")).get(10)


def test_diff_export_cp_and_archives(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any, tmp_path: Path
) -> None:
    container = cleanup(name("files"))
    _run(docker, container, "sh", "-c", "echo hello > /new.txt; mkdir /d; rm /bin/vi")
    docker.wait(container).get(20)
    changes = {(c["Path"], c["Kind"]) for c in docker.diff(container).get(10)}
    assert {("/new.txt", 1), ("/d", 1), ("/bin/vi", 2), ("/bin", 0)} <= changes

    exported = tmp_path / "export.tar"
    assert docker.export(container, str(exported)).get(30) is None
    with tarfile.open(exported) as tar:
        names = tar.getnames()
        assert "new.txt" in names and "bin/busybox" in names and "bin/vi" not in names
    into = io.BytesIO()
    docker.export(container, file=into).get(30)
    assert into.getvalue() == exported.read_bytes()[: len(into.getvalue())]
    assert _members(docker.export(container).get(30))["new.txt"] == b"hello\n"

    copied = tmp_path / "cp.tar"
    docker.cp(container, "/new.txt", str(copied)).get(10)
    assert _members(copied.read_bytes()) == {"new.txt": b"hello\n"}
    target = io.BytesIO()
    docker.cp(container, "/new.txt", target).get(10)
    assert _members(target.getvalue()) == {"new.txt": b"hello\n"}
    assert _members(docker.cp(container, "/new.txt").get(10)) == {"new.txt": b"hello\n"}

    docker.put_archive(container, "/d", tar_of({"a.txt": b"A", "sub/b.txt": b"B"})).get(10)
    docker.put_archive(container, "/d", io.BytesIO(tar_of({"c.txt": b"C"}))).get(10)
    got = _members(docker.get_archive(container, "/d").get(10))
    assert got == {"d/a.txt": b"A", "d/sub/b.txt": b"B", "d/c.txt": b"C"}
    saved = tmp_path / "d.tar"
    docker.get_archive(container, "/d/a.txt", file=saved).get(10)  # a Path will do
    assert _members(saved.read_bytes()) == {"a.txt": b"A"}
    stat = docker.archive_stat(container, "/d/a.txt").get(10)
    assert (stat["name"], stat["size"]) == ("a.txt", 1)

    with pytest.raises(nk.NotFound):
        docker.get_archive(container, "/nothere").get(10)
    with pytest.raises(nk.NotFound):
        docker.archive_stat(container, "/nothere").get(10)
    if engine.name == "podman":  # podman makes the missing directory
        docker.put_archive(container, "/nothere", tar_of({"x": b"x"})).get(10)
        assert _members(docker.cp(container, "/nothere").get(10)) == {"nothere/x": b"x"}
    else:
        with pytest.raises(nk.NotFound):
            docker.put_archive(container, "/nothere", tar_of({"x": b"x"})).get(10)
        with pytest.raises(nk.NotFound):
            docker.cp(container, "/nothere").get(10)
    # dockerd says 500 here; podman too, its words depending on which of its processes
    # fails first (its tar extraction's, or the pipe feeding it: seen 1 run in 4)
    onto_a_file = "not a directory|passing bulk input to subprocess"
    with pytest.raises(nk.ServerError, match=onto_a_file):
        docker.put_archive(container, "/new.txt", tar_of({"x": b"x"})).get(10)
    refusal = "file exists" if engine.name == "podman" else "cannot overwrite directory"
    with pytest.raises(nk.ServerError, match=refusal):
        docker.put_archive(container, "/", tar_of({"d": b"x"}), no_overwrite_dir_non_dir=True).get(
            10
        )
    with pytest.raises(nk.NotFound):
        docker.export(name("nothere"), io.BytesIO()).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.export(container, 42)


def test_stats_resize_update_and_port(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    container = cleanup(name("res"))
    _run(docker, container, "sleep", "1000", tty=True, publish=[80, "53/udp"], memory="32m")
    sample = docker.stats(container, one_shot=True).get(20)
    podman = engine.name == "podman"
    # the sample names its container "Id" in podman, "id" in dockerd
    assert sample["Id" if podman else "id"].startswith(docker.inspect(container).get(10)["Id"])
    assert sample["memory_stats"]["limit"] == 32 * MiB

    docker.resize(container, 120, 40).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.resize(container, -1, 40)

    ports = docker.port(container).get(10)
    assert set(ports) == {"80/tcp", "53/udp"}
    bound = docker.port(container, 80).get(10)
    assert bound and int(bound[0]["HostPort"]) > 0
    assert docker.port(container, "53/udp").get(10)
    assert docker.port(container, 81).get(10) is None

    if podman:  # Podman 4.3 has no POST /containers/{id}/update: 404 for any container
        for target in (container, name("nothere")):
            with pytest.raises(nk.NotFound, match="Not Found"):
                docker.update(target, memory="64m").get(10)
        docker.kill(container).get(10)
        return
    result = docker.update(
        container, memory="64m", memory_swap="128m", cpu_shares=512, restart=("on-failure", 2)
    ).get(10)
    assert "Warnings" in result
    host = docker.inspect(container).get(10)["HostConfig"]
    assert (host["Memory"], host["MemorySwap"], host["CpuShares"]) == (64 * MiB, 128 * MiB, 512)
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    docker.update(container, cpus=0.5, pids_limit=100).get(10)
    host = docker.inspect(container).get(10)["HostConfig"]
    assert (host["NanoCpus"], host["PidsLimit"]) == (500_000_000, 100)
    with pytest.raises(nk.BadParameter):  # under dockerd's 6 MB minimum
        docker.update(container, memory="1m", memory_swap=-1).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.update(container)
    with pytest.raises(nk.InvalidOption):
        docker.update(container, tty=True)
    with pytest.raises(nk.NotFound):
        docker.update(name("nothere"), memory="64m").get(10)
    docker.kill(container).get(10)


def test_ps_and_prune(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    label = name("ps")
    first, second = cleanup(name("ps-a")), cleanup(name("ps-b"))
    docker.create(BUSYBOX, name=first, cmds=["true"], labels={"nkps": label}).get(10)
    _run(docker, second, "sleep", "1000", labels=[("nkps", label)])
    mine = {"label": [f"nkps={label}"]}
    running = docker.ps(filters=mine).get(10)
    assert [c["Names"] for c in running] == [["/" + second]]
    every = docker.ps(all=True, size=True, filters=mine).get(10)
    assert {c["Names"][0] for c in every} == {"/" + first, "/" + second}
    assert all("SizeRootFs" in c for c in every)
    assert len(docker.ps(all=True, limit=1, filters=mine).get(10)) == 1
    assert [c["Names"] for c in docker.ps(all=True, since=first, filters=mine).get(10)] == [
        ["/" + second]
    ]
    assert docker.ps(filters={"name": [name("nobody")]}).get(10) == []
    with pytest.raises(nk.ServerError if engine.name == "podman" else nk.BadParameter):
        docker.ps(filters={"nosuchfilter": ["x"]}).get(10)  # podman: a 500

    pruned = docker.container_prune(filters={"label": [f"nkps={label}"]}).get(20)
    assert pruned["ContainersDeleted"] and len(pruned["ContainersDeleted"]) == 1  # not the running
    with pytest.raises(nk.NotFound):
        docker.inspect(first).get(10)
    docker.kill(second).get(10)


def test_create_options_reach_the_container(
    engine: Engine,
    docker: nk.Docker,
    daemon: sandbox.SandboxInfo,
    name: Callable[[str], str],
    cleanup: Any,
    tmp_path: Path,
) -> None:
    network = name("opts-net")
    docker.network_create(network).get(10)
    source = cleanup(name("opts-src"))
    docker.create(BUSYBOX, name=source, cmds=["true"], volumes=["/shared"]).get(10)
    linked = cleanup(name("opts-link"))
    _run(docker, linked, "sleep", "1000")
    (tmp_path / "hostfile").write_text("from host")
    container = cleanup(name("opts"))
    options: dict[str, Any] = {
        "attach": ["stdout", "stderr"],
        "add_hosts": [("nkhost", "10.1.2.3")],
        "cap_add": ["NET_ADMIN"],
        "cap_drop": ["MKNOD"],
        "cidfile": str(tmp_path / "cid"),
        "cmds": ["sleep", "1000"],
        "cpu_set_cpus": "0",
        "cpu_shares": 256,
        "devices": [("/dev/null", "/dev/nknull", "rw")],
        "dns": ["10.0.0.53"],
        "dns_search": ["nk.example"],
        "domain_name": "nk.example",
        "env": {"NK_A": "1", "NK_B": "two words"},
        "entrypoints": ["/bin/env"],
        "expose": [8080, (9090, "udp")],
        "hostname": "nkbox",
        "interactive": True,
        "labels": [("nk.test", "yes")],
        "links": [(linked, "peer")],
        "log_config": ("json-file", {"max-size": "1m"}),
        "mac_address": "02:42:ac:11:00:99",
        "memory": "64m",
        "memory_swap": "128m",
        "publish": [(80, 18080, "127.0.0.1")],
        "read_only": True,
        "restart": ("on-failure", 3),
        "security_opts": ["no-new-privileges"],
        "tty": True,
        "ulimits": [("nofile", 1024, 2048)],
        "user": "nobody",
        "volumes": [(str(tmp_path), "/host", "ro"), "/anon"],
        "volumes_from": [(source, "ro")],
        "workdir": "/tmp",
        "cpus": 0.5,
        "shm_size": "16m",
        "tmpfs": {"/run": "size=1m"},
        "mounts": ["type=tmpfs,target=/scratch,tmpfs-size=1m"],
        "healthcheck": {"test": ["CMD", "true"], "interval": "1s", "retries": 2},
        "init": True,
        "stop_signal": "SIGUSR1",
        "stop_timeout": 3,
        "pids_limit": 50,
        "ipc_mode": "shareable",
        "sysctls": {"net.ipv4.ip_forward": "1"},
        "group_add": ["100"],
        "oom_kill_disable": False,
    }
    podman = engine.name == "podman"
    if podman:
        # Podman 4.3 has no links; and it sets every rlimit not given to 1048576, more
        # than this host lets a container have (it would not start): nproc is given too
        with pytest.raises(nk.BadParameter, match="link is not supported"):
            docker.create(BUSYBOX, cmds=["true"], links=options.pop("links")).get(10)
        options["ulimits"] = [*options["ulimits"], ("nproc", 1024, 2048)]
    docker.create(BUSYBOX, name=container, **options).get(10)
    info = docker.inspect(container).get(10)
    config, host = info["Config"], info["HostConfig"]
    # Podman reports neither the attached streams nor the domain name
    assert (config["AttachStdin"], config["AttachStdout"], config["OpenStdin"]) == (
        not podman,
        not podman,
        True,
    )
    assert config["Cmd"] == ["sleep", "1000"] and config["Entrypoint"] == ["/bin/env"]
    assert {"NK_A=1", "NK_B=two words"} <= set(config["Env"])
    assert set(config["ExposedPorts"]) == {"8080/tcp", "9090/udp", "80/tcp"}
    domain = "" if podman else "nk.example"
    assert (config["Hostname"], config["Domainname"]) == ("nkbox", domain)
    assert config["Labels"]["nk.test"] == "yes"
    assert (config["User"], config["WorkingDir"], config["Tty"]) == ("nobody", "/tmp", True)
    health = {"Test": ["CMD", "true"], "Interval": 10**9, "Retries": 2}
    assert (host["CapAdd"], host["CapDrop"]) == (["NET_ADMIN"], ["MKNOD"])
    assert host["ExtraHosts"] == ["nkhost:10.1.2.3"]
    assert host["ContainerIDFile"] == str(tmp_path / "cid")  # kept; only the CLI writes it
    assert (host["CpusetCpus"], host["CpuShares"], host["NanoCpus"]) == ("0", 256, 500_000_000)
    assert (host["Dns"], host["DnsSearch"]) == (["10.0.0.53"], ["nk.example"])
    assert (host["Memory"], host["MemorySwap"]) == (64 * MiB, 128 * MiB)
    assert (host["ReadonlyRootfs"], host["SecurityOpt"]) == (True, ["no-new-privileges"])
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert host["VolumesFrom"] == [f"{source}:ro"]
    assert (host["Init"], host["PidsLimit"], host["IpcMode"]) == (True, 50, "shareable")
    assert (host["GroupAdd"], host["OomKillDisable"]) == (["100"], False)
    if podman:
        # what Podman 4.3 reports differently: no MAC address, anonymous volumes, sysctls,
        # log options or mounts (the tmpfs mount is under Tmpfs, with /tmp and /var/tmp
        # that a read-only root gets); the health check's default timeout; the stop
        # signal's number; no device permissions; rlimits by their C names; binds with
        # their mount options, the anonymous and volumes_from ones among them; the
        # exposed ports among the bindings
        assert "MacAddress" not in config and config["Volumes"] is None
        assert config["Healthcheck"] == {**health, "Timeout": 30 * 10**9}
        assert (config["StopSignal"], config["StopTimeout"]) == ("10", 3)
        assert host["Devices"] == [
            {"PathOnHost": "/dev/null", "PathInContainer": "/dev/nknull", "CgroupPermissions": ""}
        ]
        assert host["LogConfig"] == {"Type": "json-file", "Config": None}
        assert host["PortBindings"] == {
            "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}],
            "8080/tcp": None,
            "9090/udp": None,
        }
        assert host["Ulimits"] == [
            {"Name": "RLIMIT_NOFILE", "Hard": 2048, "Soft": 1024},
            {"Name": "RLIMIT_NPROC", "Hard": 2048, "Soft": 1024},
        ]
        assert host["Binds"][0] == f"{tmp_path}:/host:ro,rprivate,rbind"
        assert {bind.split(":")[1] for bind in host["Binds"]} == {"/host", "/anon", "/shared"}
        assert host["ShmSize"] == 16 * MiB
        assert set(host["Tmpfs"]) == {"/run", "/scratch", "/tmp", "/var/tmp"}
        assert host["Tmpfs"]["/run"].startswith("size=1m,")
        assert host["Tmpfs"]["/scratch"].startswith("size=1048576,")
        assert {"Mounts", "Sysctls"}.isdisjoint(host) and host["Links"] is None
    else:
        assert config["MacAddress"] == "02:42:ac:11:00:99"
        assert "/anon" in config["Volumes"]
        assert config["Healthcheck"] == health
        assert (config["StopSignal"], config["StopTimeout"]) == ("SIGUSR1", 3)
        assert host["Devices"] == [
            {"PathOnHost": "/dev/null", "PathInContainer": "/dev/nknull", "CgroupPermissions": "rw"}
        ]
        assert host["Links"] == [f"/{linked}:/{container}/peer"]
        assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-size": "1m"}}
        assert host["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}]}
        assert host["Ulimits"] == [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]
        assert host["Binds"] == [f"{tmp_path}:/host:ro"]
        assert (host["ShmSize"], host["Tmpfs"]) == (16 * MiB, {"/run": "size=1m"})
        assert host["Mounts"] == [
            {"Type": "tmpfs", "Target": "/scratch", "TmpfsOptions": {"SizeBytes": MiB}}
        ]
        assert host["Sysctls"] == {"net.ipv4.ip_forward": "1"}

    # and the process really runs with them
    docker.start(container).get(10)
    exec_id = docker.exec_create(container, ["sh", "-c", "id -u; echo $NK_B"]).get(10)
    output = b"".join(o.data for o in docker.exec_start(exec_id, tty=True).get(10))
    if podman:  # the exec's own TTY setting (none) wins: stream frames, headers and all
        data = b""
        while output:
            size = int.from_bytes(output[4:8], "big")
            assert output[:4] == b"\x01\x00\x00\x00"  # stdout
            data, output = data + output[8 : 8 + size], output[8 + size :]
        assert data == b"65534\ntwo words\n"
    else:
        assert output.split() == [b"65534", b"two", b"words"]
    exec_id = docker.exec_create(container, ["cat", "/host/hostfile"], user="root").get(10)
    output = b"".join(o.data for o in docker.exec_start(exec_id, tty=not podman).get(10))
    assert output == b"from host"
    docker.rm(container, force=True, v=True).get(10)  # v: their anonymous volumes too
    docker.rm(source, v=True).get(10)

    # options that exclude some of the above
    other = cleanup(name("opts-host"))
    docker.create(
        BUSYBOX,
        name=other,
        cmds=["true"],
        net="host",
        pid_mode="host",
        uts_mode="host",
        privileged=True,
        auto_remove=True,
        cgroup_parent="/nktest",
        cpu_period=100000,
        cpu_quota=50000,
        cpu_set="0",
        publish_all=True,
    ).get(10)
    host = docker.inspect(other).get(10)["HostConfig"]
    assert (host["NetworkMode"], host["PidMode"], host["UTSMode"]) == ("host", "host", "host")
    assert (host["Privileged"], host["AutoRemove"], host["CgroupParent"]) == (
        True,
        True,
        "/nktest",
    )
    assert (host["CpuPeriod"], host["CpuQuota"], host["CpusetCpus"]) == (100000, 50000, "0")
    assert host["PublishAllPorts"] is not podman  # Podman reports False

    # networking options: a user-defined network with aliases
    net_container = cleanup(name("opts-netc"))
    docker.create(
        BUSYBOX, name=net_container, cmds=["true"], network=network, aliases=["nkalias"]
    ).get(10)
    endpoints = docker.inspect(net_container).get(10)["NetworkSettings"]["Networks"]
    assert "nkalias" in endpoints[network]["Aliases"]
    docker.rm(net_container).get(10)
    docker.network_rm(network).get(10)
    for bad in ({"memory": "lots"}, {"env": 3}, {"publish": [70000]}, {"nosuch": 1}):
        with pytest.raises(nk.InvalidOption):
            docker.create(BUSYBOX, cmds=["true"], **bad)
    with pytest.raises(  # volumes_from: Podman says 500
        nk.ServerError if podman else nk.BadParameter,
        match="no container with name or ID" if podman else "No such container",
    ):
        docker.create(BUSYBOX, cmds=["true"], volumes_from=[name("nothere")]).get(10)


def test_reply_to_and_timeout(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    inbox = nk.Inbox()
    ref = docker.ps(all=True, reply_to=inbox).get(5)
    message = inbox.get(timeout=10)
    assert message.ref is ref and isinstance(message.payload, nk.Data)
    assert isinstance(message.payload.value, list)
    ref = docker.inspect(name("nothere"), reply_to=inbox).get(5)
    message = inbox.get(timeout=10)
    assert message.ref is ref and isinstance(message.payload, nk.Failed)
    assert isinstance(message.payload.error, nk.NotFound)
    container = cleanup(name("reply"))
    ref = docker.create(BUSYBOX, name=container, cmds=["sleep", "1000"], reply_to=inbox).get(5)
    message = inbox.get(timeout=10)
    assert message.ref is ref and "Id" in message.payload.value
    docker.start(container, timeout=10).get(10)
    with pytest.raises(nk.ConnectionFailed, match="timed out"):
        docker.wait(container, timeout=0.3).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.ps(timeout="soon")
    docker.kill(container).get(10)


def test_a_blocking_wait_never_delays_ps(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    container = cleanup(name("block"))
    _run(docker, container, "sleep", "1000")
    started = time.monotonic()
    waited = docker.wait(container)
    stopping = docker.stop(container, t=2)  # sleep ignores SIGTERM: killed after 2 s
    for _ in range(20):
        docker.ps().get(5)
        docker.inspect(container).get(5)
    assert time.monotonic() - started < 1.5
    stopping.get(20)
    assert time.monotonic() - started >= 2
    assert waited.get(20)["StatusCode"] == 137
    done = threading.Event()
    docker.ping(reply_to=lambda message: done.set()).get(5)
    wait_until(done.is_set)


def _applies(command: Command, api: tuple[int, int]) -> bool:
    since, until = command.since_api, command.until_api
    return (since is None or api >= since) and (until is None or api < until)


def _every_call(none: str) -> dict[str, tuple[tuple[Any, ...], dict[str, Any]]]:
    """A quick call of every command: on objects that do not exist, or harmless."""
    image, nothing = f"{none}:x", {"label": [f"nk-none={none}"]}
    return {
        "archive_stat": ((none, "/"), {}),
        "attach": ((none,), {"logs": True, "stdout": True}),
        "attach_ws": ((none,), {"logs": True, "stream": False}),
        "build": ((b"not a tar",), {}),
        "build_prune": ((), {"filters": nothing}),
        "commit": ((none,), {}),
        "container_prune": ((), {"filters": nothing}),
        "cp": ((none, "/"), {}),
        "create": ((image,), {"cmds": ["true"]}),
        "create_image": ((), {"from_image": f"127.0.0.1:1/{none}"}),
        "diff": ((none,), {}),
        "events": ((), {"since": 0, "until": 1}),
        "exec_create": ((none, ["true"]), {}),
        "exec_inspect": (("0" * 64,), {}),
        "exec_resize": (("0" * 64, 80, 24), {}),
        "exec_start": (("0" * 64,), {"detach": True}),
        "export": ((none,), {}),
        "get_archive": ((none, "/"), {}),
        "get_image": ((image,), {}),
        "get_images": (([image],), {}),
        "history": ((image,), {}),
        "image_prune": ((), {"filters": nothing}),
        "images": ((), {"filters": {"reference": [image]}}),
        "import_image": ((b"not a tar",), {}),
        "info": ((), {}),
        "inspect": ((none,), {}),
        "inspect_image": ((image,), {}),
        "kill": ((none,), {}),
        "load": ((b"not a tar",), {}),
        "login": (("u", "p"), {"serveraddress": "127.0.0.1:1"}),
        "logs": ((none,), {}),
        "network_connect": ((none, none), {}),
        "network_create": ((none,), {"ipam": {"Config": [{"Subnet": "bad"}]}}),
        "network_disconnect": ((none, none), {}),
        "network_inspect": ((none,), {}),
        "network_prune": ((), {"filters": nothing}),
        "network_rm": ((none,), {}),
        "networks": ((), {"filters": {"name": [none]}}),
        "pause": ((none,), {}),
        "ping": ((), {}),
        "port": ((none,), {}),
        "ps": ((), {"filters": {"name": [none]}}),
        "pull": ((f"127.0.0.1:1/{none}",), {}),
        "push": ((image,), {}),
        "put_archive": ((none, "/", b""), {}),
        "rename": ((none, none + "b"), {}),
        "resize": ((none, 80, 24), {}),
        "restart": ((none,), {}),
        "rm": ((none,), {}),
        "rmi": ((image,), {}),
        "search": (("x",), {"auth": {"serveraddress": "127.0.0.1:1"}}),
        "start": ((none,), {}),
        "stats": ((none,), {}),
        "stop": ((none,), {}),
        "system_df": ((), {}),
        "tag": ((image, none), {}),
        "top": ((none,), {}),
        "unpause": ((none,), {}),
        "update": ((none,), {"memory": "64m"}),
        "version": ((), {}),
        "volume_create": (("a",), {}),  # too short a name: refused by the daemon
        "volume_inspect": ((none,), {}),
        "volume_prune": ((), {"filters": nothing}),
        "volume_rm": ((none,), {}),
        "volumes": ((), {"filters": {"name": [none]}}),
        "wait": ((none,), {}),
        "ping_head": ((), {}),
        "distribution_inspect": ((f"127.0.0.1:1/{none}",), {}),
        "plugins": ((), {"filters": {"capability": [none]}}),
        "plugin_privileges": ((f"127.0.0.1:1/{none}",), {}),
        "plugin_pull": ((f"127.0.0.1:1/{none}",), {}),
        "plugin_inspect": ((none,), {}),
        "plugin_rm": ((none,), {}),
        "plugin_enable": ((none,), {}),
        "plugin_disable": ((none,), {}),
        "plugin_upgrade": ((none, f"127.0.0.1:1/{none}"), {}),
        "plugin_create": ((none, b"not a tar"), {}),
        "plugin_push": ((none,), {}),
        "plugin_set": ((none, ["A=1"]), {}),
        # Swarm: this daemon is no manager (503), and init/join refuse the listen address.
        "swarm_init": ((), {"listen_addr": "nk-no-such-interface:2377"}),
        "swarm_join": ((["127.0.0.1:1"], "SWMTKN-1-x"), {"listen_addr": "nk-no-such-if:1"}),
        "swarm_leave": ((), {}),
        "swarm_inspect": ((), {}),
        "swarm_update": ((1, {}), {}),
        "swarm_unlockkey": ((), {}),
        "swarm_unlock": (("SWMKEY-1-x",), {}),
        "nodes": ((), {}),
        "node_inspect": ((none,), {}),
        "node_update": ((none, 1), {"availability": "active"}),
        "node_rm": ((none,), {}),
        "services": ((), {}),
        "service_create": ((), {"name": none, "image": image}),
        "service_inspect": ((none,), {}),
        "service_update": ((none, 1), {"replicas": 1}),
        "service_rm": ((none,), {}),
        "service_logs": ((none,), {}),
        "tasks": ((), {}),
        "task_inspect": ((none,), {}),
        "task_logs": ((none,), {}),
        "secrets": ((), {}),
        "secret_create": ((none, b"x"), {}),
        "secret_inspect": ((none,), {}),
        "secret_update": ((none, 1), {"labels": {}}),
        "secret_rm": ((none,), {}),
        "configs": ((), {}),
        "config_create": ((none, b"x"), {}),
        "config_inspect": ((none,), {}),
        "config_update": ((none, 1), {"labels": {}}),
        "config_rm": ((none,), {}),
    }


def test_every_command_takes_reply_to_and_timeout(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str]
) -> None:
    calls = _every_call(name("none"))
    talked = {n for n, vs in COMMANDS.items() if any(_applies(v, docker.api_version) for v in vs)}
    assert set(calls) == talked  # a new command needs a line here
    inbox = nk.Inbox()
    refs = {
        docker.call(command, *args, reply_to=inbox, timeout=30, **options).get(5): command
        for command, (args, options) in calls.items()
    }
    results: dict[str, Any] = {}
    while len(results) < len(refs):
        message = inbox.get(timeout=60)
        results[refs[message.ref]] = message.payload
    for command, payload in results.items():
        assert isinstance(payload, nk.Data | nk.Failed), (command, payload)
        if isinstance(payload, nk.Failed):  # the daemon answered: no transport fault
            assert isinstance(payload.error, nk.DockerError), (command, payload)
    assert isinstance(results["ping"], nk.Data) and results["ping"].value == "OK"
    assert isinstance(results["inspect"], nk.Failed)
    assert isinstance(results["inspect"].error, nk.NotFound)
    if engine.name == "podman":  # Podman takes the one-letter volume name
        assert isinstance(results["volume_create"], nk.Data)
        docker.volume_rm("a").get(10)
    else:
        assert isinstance(results["volume_create"], nk.Failed)
