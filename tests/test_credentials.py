"""Registry credentials from the docker CLI's config.json and credential helpers.

The real docker CLI logs in to the sandbox registry (Debian's docker-registry with
htpasswd auth); credential helpers are scripts the tests write, found on PATH as
`docker-credential-<name>`, speaking the helper protocol. Every test has its own
DOCKER_CONFIG.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import child_pids, tar_of, wait_until
from test_contexts import cli, unix_context

import nkdocker_actors as nk
from nkdocker_actors import credentials, sandbox
from nkdocker_actors.credentials import CredentialsError

BUSYBOX = "busybox:latest"

HELPER = """#!{python}
# A credential helper keeping what it is given in store.json next to itself.
import json, os, sys
store = os.path.join(os.path.dirname(os.path.abspath(__file__)), "store.json")
data = json.load(open(store)) if os.path.exists(store) else {{}}
action, given = sys.argv[1], sys.stdin.read()
if action == "store":
    creds = json.loads(given)
    data[creds["ServerURL"]] = [creds["Username"], creds["Secret"]]
elif action == "get":
    if given.strip() not in data:
        print("credentials not found in native keychain")
        sys.exit(1)
    user, secret = data[given.strip()]
    print(json.dumps({{"ServerURL": given.strip(), "Username": user, "Secret": secret}}))
elif action == "erase":
    data.pop(given.strip(), None)
elif action == "list":
    print(json.dumps({{url: pair[0] for url, pair in data.items()}}))
json.dump(data, open(store, "w"))
"""


@pytest.fixture
def docker_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, daemon: sandbox.SandboxInfo
) -> Iterator[Path]:
    """A fresh DOCKER_CONFIG whose current context is the sandbox; helpers in ./bin on PATH."""
    for variable in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    cli("context", "use", unix_context(daemon))
    yield tmp_path


def helper(config: Path, name: str, script: str) -> Path:
    path = config / "bin" / f"docker-credential-{name}"
    path.write_text(script)
    path.chmod(0o755)
    return path


def set_config(config: Path, **values: object) -> None:
    path = config / "config.json"
    current = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**current, **values}))


@pytest.fixture
def pushed(
    daemon: sandbox.SandboxInfo, registry: sandbox.RegistryInfo, name: Callable[[str], str]
) -> Iterator[str]:
    """A repository in the sandbox registry holding busybox as :v1, absent locally."""
    repo = f"{registry.host}/nk/{name('creds')}"
    auth = {"username": registry.user, "password": registry.password}
    with nk.connect(daemon.unix_url) as docker:
        docker.tag(BUSYBOX, repo, "v1").get(10)
        docker.push(repo, "v1", auth={**auth, "serveraddress": registry.host}).get(60)
        docker.rmi(f"{repo}:v1").get(10)
        yield repo
        if _present(docker, repo):
            docker.rmi(f"{repo}:v1", force=True).get(10)


def _present(docker: nk.Docker, repo: str) -> bool:
    return any(f"{repo}:v1" in (image.get("RepoTags") or []) for image in docker.images().get(10))


def test_docker_login_then_pull_and_push_with_no_arguments(
    docker_config: Path, registry: sandbox.RegistryInfo, pushed: str
) -> None:
    subprocess.run(
        ["docker", "login", registry.host, "-u", registry.user, "--password-stdin"],
        input=registry.password,
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )
    stored = json.loads((docker_config / "config.json").read_text())["auths"][registry.host]
    assert base64.b64decode(stored["auth"]).decode() == f"{registry.user}:{registry.password}"
    with nk.connect() as docker:  # the docker CLI's current context, its credentials
        lines = docker.pull(pushed, "v1").get(60)
        assert lines[-1]["status"].startswith("Status: Downloaded newer image")
        docker.tag(BUSYBOX, pushed, "v2").get(10)
        docker.push(pushed, "v2").get(60)
        # explicit credentials still win
        with pytest.raises(nk.Unauthorized):
            docker.pull(pushed, "v2", auth={"username": registry.user, "password": "x"}).get(60)
        docker.rmi(f"{pushed}:v2").get(10)
        # a build pulls its FROM image with X-Registry-Config (every registry's credentials)
        docker.rmi(f"{pushed}:v1").get(10)
        dockerfile = f"FROM {pushed}:v1\nRUN echo built\n".encode()
        docker.build(tar_of({"Dockerfile": dockerfile}), t=f"{pushed}:built", rm=True).get(120)
        docker.rmi(f"{pushed}:built").get(10)
    subprocess.run(["docker", "logout", registry.host], check=True, capture_output=True)
    with nk.connect() as docker, pytest.raises(nk.Unauthorized):
        docker.pull(pushed, "v2").get(60)


def test_credential_helper_login_pull_push_logout(
    docker_config: Path, registry: sandbox.RegistryInfo, pushed: str
) -> None:
    helper(docker_config, "nktest", HELPER.format(python=sys.executable))
    set_config(docker_config, credsStore="nktest")
    with nk.connect() as docker:
        reply = docker.login(
            registry.user, registry.password, serveraddress=registry.host, store=True
        ).get(30)
        assert reply["Status"] == "Login Succeeded"
        # the secret went to the helper; config.json keeps an empty entry, as the CLI does
        config = json.loads((docker_config / "config.json").read_text())
        assert config["auths"] == {registry.host: {}}
        assert registry.password not in (docker_config / "config.json").read_text()
        kept = json.loads((docker_config / "bin" / "store.json").read_text())
        assert kept[registry.host] == [registry.user, registry.password]
        assert credentials.lookup(registry.host) == {
            "username": registry.user,
            "password": registry.password,
            "serveraddress": registry.host,
        }
        docker.pull(pushed, "v1").get(60)
        docker.tag(BUSYBOX, pushed, "v3").get(10)
        docker.push(pushed, "v3").get(60)
        # the docker CLI reads what we stored
        cli("pull", f"{pushed}:v3")
        assert credentials.erase_login(registry.host)
        assert json.loads((docker_config / "bin" / "store.json").read_text()) == {}
        docker.rmi(f"{pushed}:v3").get(10)
        with pytest.raises(nk.Unauthorized):
            docker.pull(pushed, "v3").get(60)


def test_per_registry_helper_wins_over_the_store(
    docker_config: Path, registry: sandbox.RegistryInfo, pushed: str
) -> None:
    helper(docker_config, "nktest", HELPER.format(python=sys.executable))
    helper(docker_config, "nkbroken", "#!/bin/sh\necho boom >&2\nexit 3\n")
    set_config(docker_config, credsStore="nkbroken", credHelpers={registry.host: "nktest"})
    credentials.store_login(registry.host, registry.user, registry.password)
    with nk.connect() as docker:
        docker.pull(pushed, "v1").get(60)
        # the store serves every other registry: its failure is an error naming it
        with pytest.raises(CredentialsError, match=r"docker-credential-nkbroken get .*boom"):
            docker.pull("127.0.0.2:5000/other/image", "v1")


def test_broken_helpers_give_clear_errors(
    docker_config: Path, registry: sandbox.RegistryInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3t-never-shown"
    image = f"{registry.host}/nk/anything"
    helper(docker_config, "garbage", f"#!/bin/sh\necho 'not json {secret}'\n")
    helper(docker_config, "hangs", "#!/bin/sh\nsleep 60 &\nsleep 60\n")
    helper(docker_config, "leaky", '#!/bin/sh\necho "cannot store $(cat)"\nexit 1\n')
    with nk.connect() as docker:
        set_config(docker_config, credsStore="garbage")
        with pytest.raises(CredentialsError, match="docker-credential-garbage get answered") as e:
            docker.pull(image)
        assert secret not in str(e.value)

        set_config(docker_config, credsStore="missing")
        with pytest.raises(CredentialsError, match="docker-credential-missing cannot run"):
            docker.push(image)

        set_config(docker_config, credsStore="hangs")
        monkeypatch.setattr(credentials, "HELPER_TIMEOUT", 1.0)
        children = child_pids()
        started = time.monotonic()
        with pytest.raises(CredentialsError, match="docker-credential-hangs get did not answer"):
            docker.pull(image)
        assert time.monotonic() - started < 5
        wait_until(lambda: child_pids() <= children)

        set_config(docker_config, credsStore="leaky")
        with pytest.raises(CredentialsError, match="docker-credential-leaky store failed") as e:
            password = registry.password
            docker.login(registry.user, password, serveraddress=registry.host, store=True).get(30)
        assert "(status 1)" in str(e.value)  # what it echoed (the secret) is not shown
        assert password not in str(e.value) and password not in repr(e.value)

        set_config(docker_config, credsStore=None, auths={registry.host: {"auth": "%%%"}})
        with pytest.raises(CredentialsError, match="not base64"):
            docker.pull(image)


def test_login_store_writes_config_json(
    docker_config: Path, registry: sandbox.RegistryInfo
) -> None:
    with nk.connect() as docker:
        docker.login(registry.user, registry.password, serveraddress=registry.host).get(30)
        assert not json.loads((docker_config / "config.json").read_text())["auths"]
        docker.login(registry.user, registry.password, serveraddress=registry.host, store=True).get(
            30
        )
    config = json.loads((docker_config / "config.json").read_text())
    assert config["currentContext"] == "nkunix"  # the rest of the file is kept
    assert (docker_config / "config.json").stat().st_mode & 0o077 == 0
    # the docker CLI finds it: it logs in with the stored credentials
    assert "Login Succeeded" in cli("login", registry.host)
    assert credentials.erase_login(registry.host)
    assert not credentials.erase_login(registry.host)


def test_lookup_rules(docker_config: Path) -> None:
    token = base64.b64encode(b"me:").decode()
    set_config(
        docker_config,
        auths={
            "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:pw").decode()},
            "http://reg.example:5000/v2/": {"auth": token, "identitytoken": "tok"},
        },
    )
    assert credentials.registry_of("busybox") == credentials.INDEX_SERVER
    assert credentials.registry_of("library/busybox:1") == credentials.INDEX_SERVER
    assert credentials.registry_of("docker.io/library/busybox") == credentials.INDEX_SERVER
    assert credentials.registry_of("localhost/x") == "localhost"
    assert credentials.registry_of("reg.example:5000/a/b@sha256:00") == "reg.example:5000"
    assert credentials.auth_for_image("busybox") == {
        "username": "hub",
        "password": "pw",
        "serveraddress": credentials.INDEX_SERVER,
    }
    assert credentials.auth_for_image("reg.example:5000/x") == {
        "username": "me",
        "identitytoken": "tok",
        "serveraddress": "reg.example:5000",
    }
    assert credentials.auth_for_image("other.example/x") is None
    assert set(credentials.all_credentials()) == {
        "https://index.docker.io/v1/",
        "http://reg.example:5000/v2/",
    }


def test_unusable_config_dir_is_a_credentials_error(docker_config: Path) -> None:
    blocker = docker_config / "blocker"
    blocker.write_text("")
    environ = {"DOCKER_CONFIG": str(blocker / "sub")}
    with pytest.raises(CredentialsError, match=r"cannot (read|write)") as caught:
        credentials.store_login("r.example", "user", "pa55word", environ=environ)
    assert "pa55word" not in str(caught.value)
