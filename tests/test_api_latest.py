"""Today's engines: API negotiation up to 1.56, and the endpoints and options of 1.42-1.56."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from faultserver import FaultServer

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.commands import lookup
from nkdocker_actors.commands.images import build_context
from nkdocker_actors.commands.spec import build
from nkdocker_actors.connection import NEWEST_API

# -- negotiation ---------------------------------------------------------------------


def test_newest_modelled_version_is_1_56() -> None:
    assert NEWEST_API == (1, 56)


def test_docker29_persona_talks_1_52(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 52)
        echo = docker.ps().get(10)  # echoed back: the request went out on /v1.52/
    assert echo["Echo"]["target"].startswith("/v1.52/containers/json")


def test_docker29_persona_refuses_a_pin_below_its_minimum(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with pytest.raises(nk.UnsupportedDaemon) as caught:
        nk.connect(fault.url, api_version="1.41")
    # The daemon's own words, naming both versions.
    assert "client version 1.41 is too old" in str(caught.value)
    assert "Minimum supported API version is 1.44" in str(caught.value)


def test_docker29_persona_takes_a_pin_in_its_range(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url, api_version="1.44") as docker:
        assert docker.api_version == (1, 44)


def test_a_call_refused_as_too_old_is_unsupported_daemon(fault: FaultServer) -> None:
    # The daemon changed under a connection that negotiated 1.41: the same typed error.
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 41)
        fault.set("echo", persona="docker29")
        with pytest.raises(nk.UnsupportedDaemon, match=r"1\.41 is too old.*1\.44"):
            docker.ps().get(10)


def test_dockerd_20_10_talks_1_41(daemon: sandbox.SandboxInfo) -> None:
    with nk.connect(daemon.unix_url) as docker:
        assert docker.api_version == (1, 41)
        assert docker.ps(all=True).get(10) is not None


def test_a_daemon_whose_minimum_is_above_what_we_model_is_refused(fault: FaultServer) -> None:
    body = b'{"ApiVersion": "1.60", "MinAPIVersion": "1.58"}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    fault.set("script", version=True, data=base64.b64encode(head % len(body) + body).decode())
    with pytest.raises(nk.UnsupportedDaemon, match=r"1\.58 to 1\.60.*at most 1\.56"):
        nk.connect(fault.url)


# -- endpoints and options of API 1.42 to 1.56 --------------------------------------


@pytest.fixture
def docker29(fault: FaultServer) -> Iterator[nk.Docker]:
    """A connection to the Docker 29 persona (API 1.52), echoing each request back."""
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url) as connection:
        yield connection


def _sent(echo: Any) -> tuple[str, dict[str, list[str]], Any]:
    """(path, query, JSON body) of an echoed request."""
    if isinstance(echo, bytes | list):
        echo = json.loads(echo) if isinstance(echo, bytes) else echo[0]
    target = urlsplit(echo["Echo"]["target"])
    return target.path, parse_qs(target.query), echo["Echo"]["body"]


def _last(fault: FaultServer) -> tuple[str, dict[str, list[str]], Any]:
    """(path, query, JSON body) of the last request the fault server received."""
    request = fault.requests()[-1]
    target = urlsplit(request["target"])
    return target.path, parse_qs(target.query), json.loads(request["body"] or "null")


def test_ping_head_reads_the_headers(docker: nk.Docker) -> None:
    headers = docker.ping_head().get(10)
    assert headers["api-version"] == "1.41"
    assert headers["ostype"] == "linux"


def test_stop_and_restart_take_a_signal(
    fault: FaultServer, docker29: nk.Docker, docker: nk.Docker
) -> None:
    docker29.stop("c1", signal="SIGINT", t=3).get(10)
    path, query, _ = _last(fault)
    assert (path, query) == ("/v1.52/containers/c1/stop", {"signal": ["SIGINT"], "t": ["3"]})
    docker29.restart("c1", signal=2).get(10)
    assert _last(fault)[1] == {"signal": ["2"]}
    with pytest.raises(nk.InvalidOption, match=r"'signal' needs API 1\.42"):
        docker.stop("c1", signal="SIGINT").get(10)  # dockerd 20.10 talks 1.41


def test_image_store_options(docker29: nk.Docker) -> None:
    _, query, _ = _sent(docker29.images(shared_size=True, manifests=True).get(10))
    assert query == {"shared-size": ["1"], "manifests": ["1"]}
    _, query, _ = _sent(docker29.inspect_image("busybox", platform="linux/arm64/v8").get(10))
    assert json.loads(query["platform"][0]) == {
        "os": "linux",
        "architecture": "arm64",
        "variant": "v8",
    }
    platforms = [{"os": "linux", "architecture": "amd64"}, "linux/arm64"]
    _, query, _ = _sent(docker29.rmi("busybox", platforms=platforms).get(10))
    assert [json.loads(p)["architecture"] for p in query["platforms"]] == ["amd64", "arm64"]
    _, query, _ = _sent(docker29.get_image("busybox", platform=platforms).get(10))
    assert len(query["platform"]) == 2
    _, query, _ = _sent(docker29.push("busybox", platform="linux/amd64").get(10))
    assert json.loads(query["platform"][0])["os"] == "linux"
    _, query, _ = _sent(docker29.history("busybox", platform="linux/amd64").get(10))
    assert "platform" in query
    _, query, _ = _sent(docker29.build_prune(reserved_space="1g", min_free_space=0).get(10))
    assert query == {"reserved-space": [str(2**30)], "min-free-space": ["0"]}
    with pytest.raises(nk.InvalidOption, match=r"keep_storage.*gone since API 1\.52"):
        docker29.build_prune(keep_storage="1g").get(10)
    with pytest.raises(nk.InvalidOption, match="platform"):
        docker29.inspect_image("busybox", platform={"cpu": "x"}).get(10)


def test_attestations_and_system_df_types(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url, api_version="1.52") as docker:
        with pytest.raises(nk.InvalidOption, match=r"needs API 1\.55"):
            docker.image_attestations("busybox").get(10)
        _, query, _ = _sent(docker.system_df(type=["image", "volume"], verbose=True).get(10))
        assert query == {"type": ["image", "volume"], "verbose": ["1"]}
        with pytest.raises(nk.InvalidOption, match="type"):
            docker.system_df(type="layers").get(10)
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 52)  # the persona's newest
    # No daemon here speaks 1.56: the request as built for it.
    echo = _build_at((1, 56), "image_attestations", "busybox", type=["https://slsa.dev/p"])
    assert echo.request.target.startswith("/v1.56/images/busybox/attestations?")
    assert "type=https%3A%2F%2Fslsa.dev%2Fp" in echo.request.target


def _build_at(api: tuple[int, int], name: str, *args: Any, **options: Any) -> Any:
    return build(lookup(name, api), args, options, api)


def test_volume_update_and_exec_console_size(fault: FaultServer, docker29: nk.Docker) -> None:
    spec = {"Availability": "drain"}
    docker29.volume_update("v1", 7, spec).get(10)
    path, query, body = _last(fault)
    assert (path, query, body) == ("/v1.52/volumes/v1", {"version": ["7"]}, {"Spec": spec})
    docker29.exec_create("c1", ["sh"], console_size=(24, 80)).get(10)
    assert _last(fault)[2]["ConsoleSize"] == [24, 80]
    with pytest.raises(nk.InvalidOption, match="console_size"):
        docker29.exec_create("c1", ["sh"], console_size=(0, 80)).get(10)


def test_network_create_from_api_1_44_sends_no_check_duplicate(docker29: nk.Docker) -> None:
    _, _, body = _sent(docker29.network_create("n1", enable_ipv4=True, scope="local").get(10))
    assert body == {"Name": "n1", "EnableIPv4": True, "Scope": "local"}
    with pytest.raises(nk.InvalidOption, match="check_duplicate"):
        docker29.network_create("n1", check_duplicate=True).get(10)


def test_network_names_with_spaces(docker: nk.Docker, name: Callable[[str], str]) -> None:
    # dockerd and the docker CLI take them: the name travels in the body.
    network = name("nk net")
    created = docker.network_create(network).get(30)
    try:
        assert docker.network_inspect(created["Id"]).get(10)["Name"] == network
    finally:
        docker.network_rm(created["Id"]).get(30)
    with pytest.raises(nk.InvalidOption, match="network name"):
        docker.network_create("bad\nname").get(10)


def test_rm_link_names_container_slash_alias(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    db, web = cleanup(name("nkdb")), cleanup(name("nkweb"))
    docker.create("busybox:latest", name=db, cmds=["sleep", "60"]).get(30)
    docker.create("busybox:latest", name=web, cmds=["true"], links=[(db, "db")]).get(30)
    with pytest.raises(nk.InvalidOption, match="link=True"):
        docker.rm(f"{web}/db").get(10)
    docker.rm(f"/{web}/db", link=True).get(30)
    with pytest.raises(nk.NotFound):  # the link is gone; both containers are not
        docker.rm(f"{web}/db", link=True).get(30)
    assert docker.inspect(web).get(10)["Name"] == f"/{web}"


def test_distribution_inspect_asks_the_registry(
    docker: nk.Docker, registry: sandbox.RegistryInfo, name: Callable[[str], str]
) -> None:
    auth = {"username": registry.user, "password": registry.password}
    auth["serveraddress"] = registry.host
    repo = f"{registry.host}/nk/{name('dist')}"
    docker.tag("busybox:latest", repo, "v1").get(10)
    try:
        docker.push(repo, tag="v1", auth=auth).get(60)
        found = docker.distribution_inspect(f"{repo}:v1", auth=auth).get(30)
        assert found["Descriptor"]["digest"].startswith("sha256:")
        with pytest.raises(nk.Unauthorized):
            docker.distribution_inspect(f"{repo}:v1").get(30)
    finally:
        docker.rmi(f"{repo}:v1").get(10)


# -- value shapes accepted since issue 10, on the real daemon ---------------------------


def test_accepted_value_shapes_on_the_daemon(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    container = cleanup(name("nkshapes"))
    docker.create(
        "busybox:latest",
        name=container,
        cmds=["sleep", "60"],
        publish=[(2001, "udp")],  # NkDOCKER's (port, protocol)
        env=["NK_UNSET", "NK_SET=1"],  # "KEY" alone, as `docker run -e KEY` sends it
        user=0,
        group_add=[0, 100],
        log_config=("", {"max-size": "1m"}),  # the default driver, with these options
    ).get(30)
    docker.start(container).get(30)
    inspected = docker.inspect(container).get(10)
    assert inspected["Config"]["User"] == "0"
    assert inspected["HostConfig"]["GroupAdd"] == ["0", "100"]
    assert inspected["HostConfig"]["LogConfig"] == {
        "Type": "json-file",
        "Config": {"max-size": "1m"},
    }
    assert "NK_SET=1" in inspected["Config"]["Env"]
    # A bare port finds the udp binding (it is not published over tcp).
    bindings = docker.port(container, "2001").get(10)
    assert bindings and bindings[0]["HostPort"].isdigit()
    assert docker.port(container, 2001).get(10) == bindings
    assert docker.port(container, "2001/udp").get(10) == bindings
    assert docker.port(container, "2001/tcp").get(10) is None


def test_build_with_a_dockerfile_outside_the_context(
    docker: nk.Docker, name: Callable[[str], str], tmp_path: Path
) -> None:
    context, elsewhere = tmp_path / "context", tmp_path / "elsewhere"
    context.mkdir()
    elsewhere.mkdir()
    (context / "f").write_text("from the context\n")
    dockerfile = elsewhere / "Build.df"
    dockerfile.write_text(
        "FROM busybox:latest\nCOPY f /f\nRUN grep -q nkone /etc/hosts && grep -q nktwo /etc/hosts\n"
    )
    tag = name("nkoutside")
    hosts = ["nkone:10.1.2.3", "nktwo:10.1.2.4"]  # several hosts
    for given in (str(dockerfile), "../elsewhere/Build.df"):
        lines = docker.build(
            str(context),
            dockerfile=given,
            gzip=True,
            isolation="default",
            extrahosts=hosts,
            t=tag,
            rm=True,
        ).get(120)
        assert any("Successfully tagged" in line.get("stream", "") for line in lines)
        docker.rmi(tag).get(30)
    # A name inside the context stays a name: dockerd reports it missing.
    with pytest.raises(nk.DockerError, match=r"Dockerfile\.missing"):
        docker.build(str(context), dockerfile="Dockerfile.missing").get(60)
    with pytest.raises(nk.InvalidOption, match="extrahosts"):
        docker.build(str(context), extrahosts=["no-ip-here"]).get(10)


def test_dockerignore_exception_with_a_space(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("*\n! keep\n!  also\n")
    for path in ("keep", "also", "other"):
        (tmp_path / path).write_text("x")
    with tarfile.open(fileobj=io.BytesIO(build_context("tar", str(tmp_path)))) as tar:
        assert {"keep", "also"} <= set(tar.getnames())
        assert "other" not in tar.getnames()
