"""The Plugin API on the real sandbox dockerd: create from a local rootfs, enable, disable,
set, inspect, remove; push to and pull from the sandbox registry. The plugin context and
names are conftest's (`plugin_context`, `plugin_name`; tests/plugin_context.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import nkdocker_actors as nk
from nkdocker_actors import sandbox


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
        docker.plugin_set("nk/p", ["=no-name"]).get(10)
    with pytest.raises(nk.InvalidOption, match="privileges"):
        docker.plugin_pull("nk/p", privileges=[{"Nom": "network"}]).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.plugin_inspect("../containers/x").get(10)
