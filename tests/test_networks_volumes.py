"""Networks, volumes and system df against the real daemon, with their error paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Engine

import nkdocker_actors as nk

BUSYBOX = "busybox:latest"


def test_networks(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    network, label = name("net"), name("netlabel")
    created = docker.network_create(
        network,
        driver="bridge",
        internal=True,
        attachable=True,
        labels={"nk": label},
        options={"com.docker.network.bridge.enable_icc": "true"},
        ipam={"Config": [{"Subnet": "10.231.7.0/24", "Gateway": "10.231.7.1"}]},
    ).get(10)
    assert len(created["Id"]) == 64
    podman = engine.name == "podman"
    if podman:  # podman warns of the bridge option it does not know; a duplicate is a 500
        assert "enable_icc" in created["Warning"]
        with pytest.raises(nk.ServerError, match="already used") as duplicate:
            docker.network_create(network).get(10)
        assert duplicate.value.status == 500
    else:
        with pytest.raises(nk.Conflict):  # check_duplicate is on by default
            docker.network_create(network).get(10)
    listed = docker.networks(filters={"label": [f"nk={label}"]}).get(10)
    assert [n["Name"] for n in listed] == [network]
    info = docker.network_inspect(network, verbose=True).get(10)
    # podman has no attachable (swarm) networks: it says False
    attachable = not podman
    assert (info["Id"], info["Internal"], info["Attachable"]) == (created["Id"], True, attachable)
    assert info["IPAM"]["Config"] == [{"Subnet": "10.231.7.0/24", "Gateway": "10.231.7.1"}]
    assert docker.network_inspect(created["Id"][:12], scope="local").get(10)["Name"] == network

    container = cleanup(name("netc"))
    docker.create(BUSYBOX, name=container, cmds=["sleep", "1000"]).get(10)
    docker.start(container).get(10)
    docker.network_connect(
        network,
        container,
        endpoint_config={"Aliases": ["nkpeer"], "IPAMConfig": {"IPv4Address": "10.231.7.9"}},
    ).get(10)
    attached = docker.inspect(container).get(10)["NetworkSettings"]["Networks"][network]
    assert attached["IPAddress"] == "10.231.7.9" and "nkpeer" in attached["Aliases"]
    assert list(docker.network_inspect(network).get(10)["Containers"]) == [
        docker.inspect(container).get(10)["Id"]
    ]
    if podman:  # podman says 500 where dockerd says 403 Forbidden
        with pytest.raises(nk.ServerError, match="has associated containers"):
            docker.network_rm(network).get(10)
        with pytest.raises(nk.ServerError, match="already connected"):
            docker.network_connect(network, container).get(10)
    else:
        with pytest.raises(nk.Forbidden) as refused:  # in use: dockerd says 403 Forbidden
            docker.network_rm(network).get(10)
        assert refused.value.status == 403 and "active endpoints" in refused.value.message
        with pytest.raises(nk.Forbidden, match="already exists") as refused:
            docker.network_connect(network, container).get(10)
        assert refused.value.status == 403
    docker.network_disconnect(network, container, force=True).get(10)
    assert network not in docker.inspect(container).get(10)["NetworkSettings"]["Networks"]
    with pytest.raises(nk.ServerError):  # not connected any more
        docker.network_disconnect(network, container).get(10)
    docker.kill(container).get(10)

    docker.network_rm(network).get(10)
    with pytest.raises(nk.NotFound):
        docker.network_inspect(network).get(10)
    with pytest.raises(nk.NotFound):
        docker.network_rm(network).get(10)
    with pytest.raises(nk.NotFound):
        docker.network_connect("bridge", name("nothere")).get(10)
    with pytest.raises(nk.ServerError, match="invalid CIDR"):
        docker.network_create(name("badnet"), ipam={"Config": [{"Subnet": "nonsense"}]}).get(10)
    with pytest.raises(nk.ServerError if podman else nk.BadParameter):  # podman: a 500
        docker.networks(filters={"nosuchfilter": ["x"]}).get(10)
    with pytest.raises(nk.InvalidOption):
        docker.network_inspect(network, scope="everywhere")

    spare = name("net-spare")
    docker.network_create(spare, labels={"nk": label}).get(10)
    pruned = docker.network_prune(filters={"label": [f"nk={label}"]}).get(20)
    assert pruned["NetworksDeleted"] == [spare]
    names = {n["Name"] for n in docker.networks().get(10)}
    # podman lists its default network as "bridge", and no "host" or "none" networks
    assert "bridge" in names and ({"host", "none"} <= names) is not podman


def test_volumes(
    engine: Engine, docker: nk.Docker, name: Callable[[str], str], cleanup: Any
) -> None:
    volume, label = name("vol"), name("vollabel")
    created = docker.volume_create(
        volume,
        driver="local",
        labels={"nk": label},
        driver_opts={"type": "tmpfs", "device": "tmpfs"},
    ).get(10)
    assert (created["Name"], created["Driver"]) == (volume, "local")
    assert docker.volume_create(name=volume).get(10)["Name"] == volume  # idempotent
    listed = docker.volumes(filters={"label": [f"nk={label}"]}).get(10)
    assert [v["Name"] for v in listed["Volumes"]] == [volume]
    info = docker.volume_inspect(volume).get(10)
    assert info["Labels"] == {"nk": label} and info["Options"]["type"] == "tmpfs"

    container = cleanup(name("volc"))
    docker.create(BUSYBOX, name=container, cmds=["true"], volumes=[(volume, "/data")]).get(10)
    with pytest.raises(nk.Conflict):  # in use
        docker.volume_rm(volume).get(10)
    docker.rm(container).get(10)
    docker.volume_rm(volume, force=True).get(10)
    with pytest.raises(nk.NotFound):
        docker.volume_inspect(volume).get(10)
    with pytest.raises(nk.NotFound):
        docker.volume_rm(volume).get(10)
    if engine.name == "podman":  # podman takes a one-letter volume name
        assert docker.volume_create("a").get(10)["Name"] == "a"
        docker.volume_rm("a").get(10)
    else:
        with pytest.raises(nk.BadParameter, match="too short"):
            docker.volume_create("a").get(10)
    with pytest.raises(nk.InvalidOption):
        docker.volume_create("a b")

    anonymous = docker.volume_create(labels={"nk": label}).get(10)["Name"]
    spare = docker.volume_create(name("vol-spare"), labels={"nk": label}).get(10)["Name"]
    pruned = docker.volume_prune(filters={"label": [f"nk={label}"]}).get(20)
    assert set(pruned["VolumesDeleted"]) == {anonymous, spare}


def test_system_df(engine: Engine, docker: nk.Docker) -> None:
    usage = docker.system_df().get(30)
    assert {"LayersSize", "Images", "Containers", "Volumes"} <= set(usage)
    busybox = docker.inspect_image(BUSYBOX).get(10)["Id"]
    if engine.name == "podman":  # Ids without "sha256:", RepoTags hold the tags alone
        entry = next(i for i in usage["Images"] if "sha256:" + i["Id"] == busybox)
        assert entry["RepoTags"] == ["latest"]
    else:
        assert any("busybox:latest" in (i["RepoTags"] or []) for i in usage["Images"])
