"""`nkdocker login|logout|context` side by side with the docker CLI 28.

Each tool has its own DOCKER_CONFIG (TMP/dk-config, TMP/nk-config), made the same
way by the docker CLI before each case; then the steps run as in test_cli_parity,
and what each left in its config.json is compared too.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_cli_parity import Case, assert_same, normalise, run

from nkdocker_actors import sandbox

C = Case
ACCOUNT_CASES: tuple[Case, ...] = (
    C("login -p", ("login -u {user} -p {password} {registry}",)),
    C(
        "login --password-stdin, again",
        ("login -u {user} --password-stdin {registry}",) * 2,
        stdin="{password}\n",
    ),
    C("login refused", ("login -u {user} -p wrong {registry}",)),
    C("login, conflicting flags", ("login -u {user} -p x --password-stdin {registry}",)),
    C("login --password-stdin, no user", ("login --password-stdin {registry}",)),
    C("login, no TTY", ("login {registry}",), note="no user and stdin not a terminal"),
    C(
        "logout",
        ("login -u {user} -p {password} {registry}", "logout {registry}", "logout {registry}"),
    ),
    C(
        "push -a -q, pull -a",
        (
            "login -u {user} -p {password} {registry}",
            "tag busybox:latest {registry}/pa-{me}/all:a",
            "tag busybox:latest {registry}/pa-{me}/all:b",
            "push -a -q {registry}/pa-{me}/all",
            "rmi {registry}/pa-{me}/all:a {registry}/pa-{me}/all:b",
            "pull -a {registry}/pa-{me}/all",
            "images --format '{{.Repository}}:{{.Tag}}' {registry}/pa-{me}/all",
            "pull -a -q {registry}/pa-{me}/all",
            "pull -a {registry}/pa-{me}/all:a",
            "pull -a {registry}/pa-{me}/nothing",
            "rmi {registry}/pa-{me}/all:a {registry}/pa-{me}/all:b",
        ),
        note="every tag of the repository back",
    ),
    C("context ls", ("context ls", "context ls -q")),
    C("context ls --format", ("context ls --format json", "context ls --format '{{.Name}}'")),
    C("context use, show", ("context use pa-ctx", "context show", "context ls")),
    C("context use missing", ("context use no-such-context",)),
    C("context inspect", ("context inspect pa-ctx", "context inspect")),
    C("context inspect -f", ("context inspect -f '{{.Endpoints.docker.Host}}' pa-ctx default",)),
    C("context inspect json", ("context inspect -f '{{json .}}' pa-ctx default",), "json"),
    C("context inspect missing", ("context inspect no-such-context",)),
    C(
        "context create, rm",
        (
            "context create c2 --description 'a b' --docker host=tcp://127.0.0.1:7",
            "context ls",
            "context inspect c2",
            "context rm c2 no-such-context",
            "context ls -q",
        ),
    ),
    C(
        "context create, TLS files",
        (
            "context create c3 --docker host=tcp://127.0.0.1:7,ca={tls}/ca.pem"
            " --docker cert={tls}/cert.pem,key={tls}/key.pem,skip-tls-verify=true",
            "context inspect c3",
            "context create c4 --from c3 --description copied",
            "context inspect c4",
            "context create c5 --docker from=c3,host=unix:///run/other.sock",
            "context inspect c5",
        ),
    ),
    C("context create from the current", ("context create c6", "context inspect c6")),
    C("context create exists", ("context create pa-ctx --docker host=unix:///x",)),
    C("context create reserved", ("context create default --docker host=unix:///x",)),
    C("context create bad name", ("context create 'bad name' --docker host=unix:///x",)),
    C("context create unknown key", ("context create c7 --docker host=tcp://x:1,foo=1",)),
    C("context create bad bool", ("context create c7 --docker host=tcp://x:1,skip-tls-verify=no",)),
    C(
        "context create --docker --from",
        ("context create c7 --from pa-ctx --docker host=tcp://x:1",),
    ),
    C("context create missing source", ("context create c7 --from no-such-context",)),
    C("context create missing file", ("context create c7 --docker host=tcp://x:1,ca={tls}/none",)),
    C(
        "context rm in use",
        ("context use pa-ctx", "context rm pa-ctx", "context rm -f pa-ctx", "context show"),
    ),
    C("context rm default", ("context rm default",)),
    C(
        "context update",
        (
            "context update pa-ctx --description changed",
            "context inspect pa-ctx",
            "context update pa-ctx --docker host=tcp://127.0.0.1:8,ca={tls}/ca.pem",
            "context inspect pa-ctx",
            "context update pa-ctx --docker host=unix:///run/x.sock",
            "context inspect pa-ctx",
        ),
    ),
    C("context update missing", ("context update no-such-context --description x",)),
    C("context update default", ("context update default --description x",)),
    C("context update unknown key", ("context update pa-ctx --docker foo=1",)),
    C(
        "context export, import",
        (
            "context create c8 --description out --docker host=tcp://127.0.0.1:7,ca={tls}/ca.pem"
            " --docker cert={tls}/cert.pem,key={tls}/key.pem",
            "context export c8 {tmp}/{me}.ctx",
            "context import c9 {tmp}/{me}.ctx",
            "context inspect c9",
            "context export c8 {tmp}/{me}.ctx",
            "context import c9 {tmp}/{me}.ctx",
            "context import c10 {tmp}/{me}-none",
        ),
    ),
    C("context export missing", ("context export no-such-context {tmp}/{me}-x.ctx",)),
)


def _fill(step: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        step = step.replace("{" + key + "}", value)
    return step


@pytest.fixture(scope="module")
def accounts(registry: sandbox.RegistryInfo) -> dict[str, str]:
    """What login steps fill in: the private registry and its user."""
    return {"user": registry.user, "password": registry.password, "registry": registry.host}


@pytest.fixture
def configs(daemon: sandbox.SandboxInfo, tmp_path: Path) -> dict[str, dict[str, str]]:
    """Each tool's environment: its own DOCKER_CONFIG holding one context, pa-ctx."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    base.update(NO_COLOR="1", TZ="UTC", COLUMNS="200", DOCKER_CLI_HINTS="false")
    base.update(PARITY_TMP=str(tmp_path), PARITY_UNTIL="0")
    tls = tmp_path / "tls"  # real certificates: docker checks what it copies into a context
    shutil.copytree(daemon.cert_dir, tls, dirs_exist_ok=True)
    envs = {}
    for tool, me in (("docker", "dk"), ("nkdocker", "nk")):
        config = tmp_path / f"{me}-config"
        shutil.rmtree(config, ignore_errors=True)
        config.mkdir()
        env = {**base, "DOCKER_CONFIG": str(config)}
        made = run(
            "docker",
            "context create pa-ctx --description hello --docker host=tcp://127.0.0.1:9",
            env,
        )
        assert made[0] == 0, made
        envs[tool] = env
    return envs


def _needs_daemon(case: Case) -> bool:
    return any(step.startswith(("login", "logout")) for step in case.steps)


@pytest.mark.parametrize("case", ACCOUNT_CASES, ids=[c.name for c in ACCOUNT_CASES])
def test_same_as_docker(
    case: Case,
    configs: dict[str, dict[str, str]],
    daemon: sandbox.SandboxInfo,
    request: pytest.FixtureRequest,
) -> None:
    values = {"tls": f"{configs['docker']['PARITY_TMP']}/tls"}
    if _needs_daemon(case):
        values.update(request.getfixturevalue("accounts"))
        for env in configs.values():
            env["DOCKER_HOST"] = daemon.unix_url
    tmp = configs["docker"]["PARITY_TMP"]
    for step in case.steps:
        results = {}
        for tool, env in configs.items():
            code, out, err = run(tool, _fill(step, values), env, _fill(case.stdin, values))
            results[tool] = (code, normalise(out, tmp), normalise(err, tmp))
        assert_same(case, step, results)
    kept = [
        json.loads((Path(env["DOCKER_CONFIG"]) / "config.json").read_text() or "{}")
        if (Path(env["DOCKER_CONFIG"]) / "config.json").exists()
        else {}
        for env in configs.values()
    ]
    for config in kept:  # docker writes an empty "auths" wherever it saves
        if config.get("auths") == {}:
            del config["auths"]
    assert kept[1] == kept[0]
    assert values.get("password", "\0") not in "".join(map(str, results["nkdocker"]))
