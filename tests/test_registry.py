"""A private registry (Debian's docker-registry, htpasswd auth): login, push, pull, search,
and credentials that never show in reprs, exception messages or logs."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.commands import COMMANDS
from nkdocker_actors.commands.spec import build

BUSYBOX = "busybox:latest"


def _auth(registry: sandbox.RegistryInfo, password: str | None = None) -> dict[str, str]:
    return {
        "username": registry.user,
        "password": password or registry.password,
        "serveraddress": registry.host,
    }


def test_login(docker: nk.Docker, registry: sandbox.RegistryInfo) -> None:
    reply = docker.login(registry.user, registry.password, serveraddress=registry.host).get(30)
    assert reply["Status"] == "Login Succeeded"
    with pytest.raises(nk.Unauthorized) as info:
        docker.login(registry.user, "not-the-password", serveraddress=registry.host).get(30)
    assert "401" in info.value.message
    with pytest.raises(nk.Unauthorized):
        docker.login("nobody", registry.password, None, registry.host).get(30)
    with pytest.raises(nk.ServerError, match="connection refused"):  # no registry there
        docker.login("u", "p", serveraddress="127.0.0.1:1").get(30)


def test_push_pull_and_search(
    docker: nk.Docker, registry: sandbox.RegistryInfo, name: Callable[[str], str]
) -> None:
    repo = f"{registry.host}/nk/{name('pushed')}"
    docker.tag(BUSYBOX, repo, "v1").get(10)
    try:
        with pytest.raises(nk.Unauthorized):  # no credentials
            docker.push(repo, "v1").get(60)
        with pytest.raises(nk.Unauthorized):
            docker.push(repo, tag="v1", auth=_auth(registry, "wrong")).get(60)
        lines = docker.push(repo, tag="v1", auth=_auth(registry)).get(60)
        digest = next(line["aux"]["Digest"] for line in lines if "aux" in line)
        assert digest.startswith("sha256:")
        image_id = docker.inspect_image(f"{repo}:v1").get(10)["Id"]

        docker.rmi(f"{repo}:v1").get(10)
        with pytest.raises(nk.NotFound):
            docker.inspect_image(f"{repo}:v1").get(10)
        with pytest.raises(nk.Unauthorized):
            docker.pull(repo, "v1").get(60)
        lines = docker.pull(repo, "v1", auth=_auth(registry)).get(60)
        assert lines[-1]["status"] == f"Status: Downloaded newer image for {repo}:v1"
        pulled = docker.inspect_image(f"{repo}:v1").get(10)
        assert pulled["Id"] == image_id
        assert f"{repo}@{digest}" in pulled["RepoDigests"]
        # by digest, and as NkDOCKER's create_image with its `registry` option
        docker.pull(f"{repo}@{digest}", auth=_auth(registry)).get(60)
        lines = docker.create_image(
            from_image=repo.split("/", 1)[1],
            registry=registry.host,
            tag="v1",
            auth=_auth(registry),
        ).get(60)
        assert lines[-1]["status"] == f"Status: Image is up to date for {repo}:v1"
        with pytest.raises(nk.NotFound, match="manifest unknown"):
            docker.pull(repo, "nosuchtag", auth=_auth(registry)).get(60)

        # docker-registry (distribution v2) has no v1 search endpoint: dockerd reports
        # the registry's 404 as a 500. Search works against Docker Hub only.
        with pytest.raises(nk.ServerError, match="404"):
            docker.search(f"{registry.host}/nk", auth=_auth(registry)).get(30)
    finally:
        docker.rmi(f"{repo}:v1", force=True).get(10)


def test_credentials_never_leak(
    daemon: sandbox.SandboxInfo,
    registry: sandbox.RegistryInfo,
    name: Callable[[str], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "S3cret-nk-" + name("pw")
    auth = _auth(registry, secret)
    encoded = base64.urlsafe_b64encode(json.dumps(auth).encode()).decode()
    seen: list[str] = []

    log = logging.getLogger("nktest")

    def record(thing: Any) -> None:
        seen.extend([repr(thing), str(thing)])
        if isinstance(thing, BaseException):
            seen.extend(repr(a) for a in thing.args)
            log.error("failed", exc_info=thing)  # as a caller would log it, with traceback

    caplog.set_level(logging.DEBUG)
    docker = nk.connect(daemon.unix_url)  # its actor's life is logged too
    repo = f"{registry.host}/nk/{name('leak')}"
    docker.tag(BUSYBOX, repo, "v1").get(10)
    try:
        for future in (
            docker.login(registry.user, secret, serveraddress=registry.host),
            docker.push(repo, tag="v1", auth=auth),
            docker.pull(repo, "v1", auth=auth),
            docker.search("nk", auth=auth),
        ):
            with pytest.raises(nk.DockerError) as info:
                future.get(60)
            record(info.value)
        inbox = nk.Inbox()
        docker.push(repo, tag="v1", auth=auth, reply_to=inbox).get(5)
        record(inbox.get(timeout=60))
        # refused values are never echoed either
        for bad in (
            {**auth, "password": secret + "\n"},
            {**auth, "extra": secret},
            {**auth, "password": [secret]},
        ):
            with pytest.raises(nk.InvalidOption) as refused:
                docker.push(repo, auth=bad)
            record(refused.value)
        with pytest.raises(nk.InvalidOption) as refused:
            docker.login(registry.user, secret + "\x00")
        record(refused.value)
        with pytest.raises(nk.InvalidOption) as refused:
            docker.build(b"", auth={"serveraddress": registry.host, "password": [secret]})
        record(refused.value)
        # what is built and carried around: requests, prepared calls, their contexts
        for command, args, options in (
            ("login", (registry.user, secret), {}),
            ("push", (repo,), {"auth": auth}),
            ("build", (b"",), {"auth": auth}),
        ):
            prepared = build(COMMANDS[command][-1], args, options, docker.api_version)
            record(prepared)
            record(prepared.request)
            record(prepared.context)
        record(docker)
    finally:
        docker.rmi(f"{repo}:v1", force=True).get(10)
        docker.close()
    assert any("Starting DockerConnection" in r.getMessage() for r in caplog.records)
    texts = [*seen, caplog.text, *(repr(r.__dict__) for r in caplog.records)]
    for text in texts:
        assert secret not in text
        assert encoded not in text
    assert len(seen) > 20
