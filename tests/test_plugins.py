"""The Plugin API on the real sandbox dockerd: create from a local rootfs, enable, disable,
set, inspect, remove; push to and pull from the sandbox registry.

dockerd enables a plugin once something listens on its interface socket: the
plugin's entrypoint is a tiny static program (compiled here with the machine's
gcc) that listens on /run/docker/plugins/nk.sock, added to the sandbox's busybox
root filesystem.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import nkdocker_actors as nk
from nkdocker_actors import sandbox

_LISTENER_C = r"""
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
static void bye(int sig) { _exit(0); }
int main(void) {
    signal(SIGTERM, bye);  /* PID 1 ignores SIGTERM unless it handles it */
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "/run/docker/plugins/nk.sock");
    unlink(a.sun_path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) return 1;
    for (;;) { int c = accept(s, 0, 0); if (c >= 0) close(c); }
}
"""

CONFIG = {
    "Description": "nkdocker_actors test plugin",
    "Documentation": "https://example.invalid/nk",
    "Entrypoint": ["/bin/nk-listen"],
    "WorkDir": "",
    "Interface": {"Types": ["docker.dummy/1.0"], "Socket": "nk.sock"},
    "Network": {"Type": ""},
    "Linux": {"Capabilities": [], "AllowAllDevices": False, "Devices": []},
    "Mounts": [],
    "PropagatedMount": "",
    "IpcHost": False,
    "PidHost": False,
    "Env": [{"Name": "DEBUG", "Description": "debug level", "Settable": ["value"], "Value": "0"}],
    "Args": {"Name": "", "Description": "", "Settable": [], "Value": []},
}


@pytest.fixture(scope="module")
def plugin_context(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A plugin context: config.json and rootfs/ (busybox plus the socket listener)."""
    work = tmp_path_factory.mktemp("plugin")
    source = work / "listen.c"
    source.write_text(_LISTENER_C)
    binary = work / "nk-listen"
    subprocess.run(["gcc", "-static", "-Os", "-s", "-o", str(binary), str(source)], check=True)
    return _context(sandbox.busybox_rootfs_tar(), binary)


def _context(rootfs: bytes, listener: Path) -> bytes:
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(rootfs)) as source,
        tarfile.open(fileobj=out, mode="w") as tar,
    ):
        config = json.dumps(CONFIG).encode()
        info = tarfile.TarInfo("config.json")
        info.size = len(config)
        tar.addfile(info, io.BytesIO(config))
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            member.name = "rootfs/" + member.name.lstrip("./")
            tar.addfile(member, data)
        item = tar.gettarinfo(str(listener), "rootfs/bin/nk-listen")
        with listener.open("rb") as blob:
            tar.addfile(item, blob)
    return out.getvalue()


@pytest.fixture
def plugin_name(docker: nk.Docker, name: Callable[[str], str]) -> Iterator[Callable[[str], str]]:
    """Plugin names for this test, each removed (forced) afterwards."""
    made: list[str] = []

    def make(prefix: str) -> str:
        made.append(f"{prefix}{name('nkplugin')}:latest")
        return made[-1]

    yield make
    for plugin in made:
        with contextlib.suppress(nk.NotFound):
            docker.plugin_rm(plugin, force=True).get(60)


def test_plugin_lifecycle(
    docker: nk.Docker, plugin_context: bytes, plugin_name: Callable[[str], str]
) -> None:
    plugin = plugin_name("")
    assert docker.plugin_create(plugin, plugin_context).get(120) is None
    listed = {p["Name"]: p for p in docker.plugins().get(10)}
    assert listed[plugin]["Enabled"] is False
    assert docker.plugins(filters={"enabled": "false"}).get(10)

    docker.plugin_set(plugin, {"DEBUG": "2"}).get(10)
    inspected = docker.plugin_inspect(plugin).get(10)
    assert "DEBUG=2" in inspected["Settings"]["Env"]
    assert inspected["Config"]["Interface"]["Socket"] == "nk.sock"

    docker.plugin_enable(plugin, plugin_timeout=30).get(60)
    assert docker.plugin_inspect(plugin).get(10)["Enabled"] is True
    assert [p["Name"] for p in docker.plugins(filters={"enabled": "true"}).get(10)] == [plugin]
    # Settings change, and removal happens, only while disabled.
    with pytest.raises(nk.DockerError, match=r"active|enabled"):
        docker.plugin_set(plugin, ["DEBUG=3"]).get(10)
    with pytest.raises(nk.DockerError, match=r"active|enabled"):
        docker.plugin_rm(plugin).get(10)

    docker.plugin_disable(plugin).get(30)
    assert docker.plugin_inspect(plugin).get(10)["Enabled"] is False
    removed = docker.plugin_rm(plugin).get(30)
    assert removed is None or removed.get("Name", plugin) == plugin
    with pytest.raises(nk.NotFound):
        docker.plugin_inspect(plugin).get(10)


def test_plugin_push_and_pull_through_the_registry(
    docker: nk.Docker,
    registry: sandbox.RegistryInfo,
    plugin_context: bytes,
    plugin_name: Callable[[str], str],
) -> None:
    auth = {"username": registry.user, "password": registry.password}
    auth["serveraddress"] = registry.host
    remote = plugin_name(f"{registry.host}/nk/")
    docker.plugin_create(remote, plugin_context).get(120)
    lines = docker.plugin_push(remote, auth=auth).get(120)
    assert lines[-1]["aux"]["Digest"].startswith("sha256:")
    # Refused credentials: dockerd 20.10 reports its first (https) attempt's error, not the
    # registry's 401; checked last, as a refused push also fails the next one of the plugin.
    with pytest.raises(nk.DockerError):
        docker.plugin_push(remote, auth={**auth, "password": "wrong"}).get(60)
    docker.plugin_rm(remote).get(30)

    wanted = docker.plugin_privileges(remote, auth=auth).get(60)
    assert isinstance(wanted, list)
    local = plugin_name("local-")
    docker.plugin_pull(remote, local, privileges=wanted, auth=auth).get(120)
    inspected = docker.plugin_inspect(local).get(10)
    assert inspected["PluginReference"].startswith(registry.host)
    assert inspected["Config"]["Entrypoint"] == ["/bin/nk-listen"]
    docker.plugin_enable(local, plugin_timeout=30).get(60)
    assert docker.plugin_inspect(local).get(10)["Enabled"] is True
    docker.plugin_disable(local, force=True).get(30)
    # An upgrade to the same remote: the disabled plugin is re-pulled in place.
    docker.plugin_upgrade(local, remote, privileges=wanted, auth=auth).get(120)
    assert docker.plugin_inspect(local).get(10)["PluginReference"].startswith(registry.host)


def test_plugin_options_are_checked_before_sending(docker: nk.Docker) -> None:
    with pytest.raises(nk.InvalidOption, match="settings"):
        docker.plugin_set("nk/p", ["no-equals"]).get(10)
    with pytest.raises(nk.InvalidOption, match="privileges"):
        docker.plugin_pull("nk/p", privileges=[{"Nom": "network"}]).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.plugin_inspect("../containers/x").get(10)
