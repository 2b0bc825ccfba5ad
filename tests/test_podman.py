"""Podman 4.3 as a second real engine: what connect() negotiates with it, and the
podman sandbox itself (isolation, command line, teardown).

The engine-agnostic tests run against Podman through the `engine` fixture
(conftest.py); the differences they found are asserted there, where they occur.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SANDBOX, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox


def test_connect_negotiates_podmans_api_version(podman_daemon: sandbox.SandboxInfo) -> None:
    with nk.connect(podman_daemon.unix_url) as docker:
        version = docker.version().get(10)
        # Podman 4.3 speaks Docker's API 1.41 (down to 1.24) next to its own libpod API 4.x
        assert (version["ApiVersion"], version["MinAPIVersion"]) == ("1.41", "1.24")
        engine = next(c for c in version["Components"] if c["Name"] == "Podman Engine")
        assert engine["Version"].startswith("4.3.")
        assert docker.api_version == (1, 41)
        assert docker.ping().get(10) == "OK"
        info = docker.info().get(10)
        assert info["DockerRootDir"] == str(podman_daemon.base_dir / "storage")
        assert (info["CgroupDriver"], info["DefaultRuntime"]) == ("cgroupfs", "runc")


def test_the_sandbox_keeps_podman_to_itself(
    podman_daemon: sandbox.SandboxInfo, name: Callable[[str], str], cleanup: Any
) -> None:
    info = sandbox.info(podman_daemon.name)
    assert info == podman_daemon and info.engine == "podman"
    assert info.env()["DOCKER_HOST"] == f"unix://{podman_daemon.base_dir}/podman.sock"
    # its own network and mount namespaces
    for kind in ("net", "mnt"):
        theirs = os.readlink(f"/proc/{podman_daemon.pid}/ns/{kind}")
        assert theirs != os.readlink(f"/proc/self/ns/{kind}")
    with nk.connect(podman_daemon.unix_url) as docker:
        network = name("pm-net")
        docker.network_create(network).get(10)
        try:
            container = cleanup(name("pm-ip"))
            docker.create("busybox:latest", name=container, cmds=["sleep", "100"]).get(10)
            docker.start(container).get(10)  # default_ulimits = []: the rlimit error is gone
            state = docker.inspect(container).get(10)
            address = state["NetworkSettings"]["IPAddress"]
            assert ipaddress.IPv4Address(address) in ipaddress.IPv4Network(podman_daemon.subnet)
            inside = ["nsenter", f"--net=/proc/{podman_daemon.pid}/ns/net", "ip", "-o", "link"]
            links = subprocess.run(inside, capture_output=True, text=True, check=True).stdout
            assert f": {podman_daemon.bridge}:" in links  # the bridge lives in there
            # runc keeps its state in the sandbox's /run/runc, not the host's
            assert (podman_daemon.base_dir / "ns" / "run-runc" / state["Id"]).is_dir()
            assert not (Path("/run/runc") / state["Id"]).exists()
            docker.kill(container).get(10)
            assert docker.wait(container).get(20)["StatusCode"] == 137
        finally:
            docker.network_rm(network).get(10)
    # the paths Podman hardcodes for root are bind mounts of the sandbox's own dirs
    assert (podman_daemon.base_dir / "ns" / "run-containers" / "networks").is_dir()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nkdocker_actors.sandbox", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _processes_naming(base: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if f"{base}/".encode() in cmdline:
                found.append(int(entry.name))
    return found


def test_command_line_up_env_info_down() -> None:
    sandbox_name = SANDBOX + "-pm2"
    up = _cli("up", "--engine", "podman", "--name", sandbox_name, "--no-busybox")
    assert up.returncode == 0, up.stderr
    try:
        shown = json.loads(up.stdout)
        assert (shown["engine"], shown["unix_socket"]) == (
            "podman",
            f"{sandbox.ROOT}/{sandbox_name}/podman.sock",
        )
        env = _cli("env", "--name", sandbox_name)
        assert f"export DOCKER_HOST=unix://{shown['unix_socket']}" in env.stdout.splitlines()
        assert json.loads(_cli("info", "--name", sandbox_name).stdout) == shown
        with nk.connect(shown["tcp_url"]) as docker:
            assert docker.ps(all=True).get(10) == []
            docker.volume_create("nk-kept").get(10)
        # down without purge, then up: the same ports, the storage kept
        sandbox.down(sandbox_name, purge=False)
        assert sandbox.info(sandbox_name) is None
        again = sandbox.up(sandbox_name, engine="podman", with_busybox=False)
        assert again.tcp_port == shown["tcp_port"]
        with nk.connect(shown["tcp_url"]) as docker:
            assert docker.volume_inspect("nk-kept").get(10)["Name"] == "nk-kept"
        with pytest.raises(sandbox.SandboxError, match="podman sandbox"):
            sandbox.kill(sandbox_name)  # the faults are for dockerd sandboxes
        with pytest.raises(sandbox.SandboxError, match="is a podman sandbox"):
            sandbox.up(sandbox_name)  # not as a dockerd
        with pytest.raises(ValueError, match="network namespace of its own"):
            sandbox.up(sandbox_name, engine="podman", netns=True)
        with pytest.raises(ValueError, match="unknown sandbox engine"):
            sandbox.up(sandbox_name, engine="lxc")
    finally:
        down = _cli("down", "--name", sandbox_name)
    assert down.returncode == 0, down.stderr
    base = Path(shown["base_dir"])
    assert not base.exists()
    wait_until(lambda: not _processes_naming(base))
    assert sandbox.info(sandbox_name) is None
