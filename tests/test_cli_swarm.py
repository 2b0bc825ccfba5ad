"""`nkdocker swarm|node|service|secret|config` on the session's one-node swarm.

Listings and errors side by side with the docker CLI 28 (SWARM_CASES, in docs/cli.md's
parity table; swarm ids and task times normalised), changes checked on the daemon.
Services run busybox:latest, never resolved against a registry.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cli_forkserver
import pytest
from conftest import SANDBOX, wait_until
from test_cli_parity import NK, Case, assert_same, normalise, run

import nkdocker_actors as nk
from nkdocker_actors import sandbox, swarm_views

C = Case
SWARM_CASES: tuple[Case, ...] = (
    C("node ls", ("node ls", "node ls -q"), "table"),
    C("node ls --format", ("node ls --format '{{json .}}'",), "json"),
    C(
        "node ls --filter",
        ("node ls -q --filter role=manager", "node ls --format '{{.ID}}' --filter role=worker"),
    ),
    C("node inspect -f", ("node inspect -f '{{.Status.State}} {{.Spec.Role}}' self",)),
    C("service ls", ("service ls --filter name=pa-",), "table"),
    C("service ls -q --format", ("service ls -q", "service ls --format '{{.Name}} {{.Mode}}'")),
    C("service ls --format json", ("service ls --format '{{json .}}'",), "json"),
    C("service ps", ("service ps pa-svc",), "table"),
    C("service ps --format", ("service ps --format '{{.Name}} {{.DesiredState}}' pa-svc",)),
    C("service ps missing", ("service ps no-such-service",)),
    C("service inspect -f", ("service inspect -f '{{.Spec.Name}}' pa-svc",)),
    C("service rm missing", ("service rm no-such-service",)),
    C("service scale, bad", ("service scale pa-svc",), err=False, note="docker adds its usage"),
    C("secret ls", ("secret ls", "secret ls -q"), "table"),
    C("secret inspect -f", ("secret inspect -f '{{.Spec.Name}}' pa-sec",)),
    C("secret rm missing", ("secret rm no-such-secret",)),
    C("config ls", ("config ls", "config ls --format '{{.Name}}'"), "table"),
    C("config inspect -f", ("config inspect -f '{{.Spec.Name}}' pa-cfg",)),
    C(
        "secret, config ls --format json",
        ("secret ls --format '{{json .}}'", "config ls --format '{{json .}}'"),
        "json",
    ),
    C("swarm init, already one", ("swarm init --advertise-addr 127.0.0.1",)),
    C(
        "swarm init/join, bad availability",
        ("swarm init --availability foo", "swarm join --availability Foo --token t 10.0.0.1:1"),
    ),
    C("swarm leave, the last manager", ("swarm leave",)),
    C("swarm update, no flag", ("swarm update",), "none", note="each prints its own help"),
    C(
        "swarm ca, no rotation",
        ("swarm ca", "swarm ca --cert-expiry 10h", "swarm ca --rotate --ca-cert {tmp}/ca.pem"),
    ),
    C(
        "secret create, rm",
        ("secret create pa-{me}-s -", "secret inspect -f '{{.Spec.Name}}' pa-{me}-s"),
        stdin="not shown",
        cleanup=("secret rm pa-{me}-s",),
    ),
)


def swarm_normalise(text: str, tmp: str) -> str:
    """normalise, and swarm's ids (25 and 12 characters) and lower-case times too."""
    text = re.sub(r"\b[a-z0-9]{25}\b", "<id>", text)
    text = re.sub(r"\b(?=[a-z]*\d)[a-z0-9]{12}\b", "<id>", text)
    text = re.sub(r"(less than a second|about an? \w+|\d+ \w+) ago", "<ago>", text)
    return normalise(text, tmp)


_A_PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"  # PEM, no certificate


@pytest.fixture(scope="module")
def world(
    single_swarm: nk.Docker, daemon: sandbox.SandboxInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """pa-svc (2 replicas), pa-sec, pa-cfg, made with the docker CLI; both tools' env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    env.update(DOCKER_HOST=daemon.unix_url, DOCKER_CLI_HINTS="false", NO_COLOR="1", TZ="UTC")
    env.update(COLUMNS="200", PARITY_UNTIL="0")
    env["DOCKER_CONFIG"] = str(tmp_path_factory.mktemp("docker-config"))
    env["PARITY_TMP"] = str(tmp_path_factory.mktemp("files"))
    Path(env["PARITY_TMP"], "ca.pem").write_text(_A_PEM)
    for step, data in (
        (
            "service create -d -q --name pa-svc --replicas 2 --no-resolve-image"
            " busybox:latest sleep 600",
            "",
        ),
        ("secret create pa-sec -", "top secret"),
        ("config create pa-cfg -", "a config"),
    ):
        made = run("docker", step, env, data)
        assert made[0] == 0, made
    wait_until(
        lambda: any(
            r["Name"] == "pa-svc" and r["Replicas"] == "2/2"
            for r in swarm_views.service_rows(single_swarm)
        ),
        timeout=60,
        interval=0.2,
    )
    yield env
    for step in ("service rm pa-svc", "secret rm pa-sec", "config rm pa-cfg"):
        run("docker", step, env)


@pytest.mark.parametrize("case", SWARM_CASES, ids=[c.name for c in SWARM_CASES])
def test_same_as_docker(case: Case, world: dict[str, str]) -> None:
    tmp = world["PARITY_TMP"]
    try:
        for step in case.steps:
            results = {}
            for tool in ("docker", "nkdocker"):
                code, out, err = run(tool, step, world, case.stdin)
                results[tool] = (code, swarm_normalise(out, tmp), swarm_normalise(err, tmp))
                assert "top secret" not in out + err and "not shown" not in out + err
            assert_same(case, step, results)
    finally:
        for step in case.cleanup:
            run("docker", step, world), run("nkdocker", step, world)


def nkdocker(world: dict[str, str], *words: str, stdin: str = "") -> tuple[int, str, str]:
    done = cli_forkserver.run(words, world, stdin.encode(), timeout=300)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def test_service_ls_quiet_prints_the_ids_docker_prints(world: dict[str, str]) -> None:
    """Compared as they are: the parity case's normalising takes a 12-character id for a
    word unless it has a digit, so a whole id printed for docker's short one passed there
    but for 1 service in 50."""
    step = "service ls -q --filter name=pa-svc"
    theirs, mine = run("docker", step, world), run("nkdocker", step, world)
    assert mine == theirs
    assert len(mine[1].strip()) == 12


def test_service_life(world: dict[str, str], single_swarm: nk.Docker) -> None:
    """create (waits until it converges), scale, update, rollback, logs, ps, rm."""
    docker = single_swarm
    service = "pa-life"
    code, out, err = nkdocker(
        world,
        "service",
        "create",
        "--name",
        service,
        "--replicas",
        "2",
        "-e",
        "WHO=nk",
        "--restart-condition",
        "none",
        "--stop-grace-period",
        "0s",
        "--update-monitor",
        "200ms",
        "--rollback-monitor",
        "200ms",
        "--update-parallelism",
        "0",
        "busybox:latest",
        "sh",
        "-c",
        "echo hi $WHO; sleep 600",
    )
    assert code == 0, err
    created = docker.service_inspect(service).get(30)
    assert out == created["ID"] + "\n"
    try:
        rows = {r["Name"]: r for r in swarm_views.service_rows(docker)}
        assert rows[service]["Replicas"] == "2/2"  # create waited
        assert nkdocker(world, "service", "scale", f"{service}=1") == (
            0,
            f"{service} scaled to 1\n",
            "",
        )
        rows = {r["Name"]: r for r in swarm_views.service_rows(docker)}
        assert rows[service]["Replicas"] == "1/1"
        code, out, err = nkdocker(world, "service", "update", "--env-add", "WHO=again", service)
        assert (code, out) == (0, f"{service}\n"), err
        spec = docker.service_inspect(service).get(30)["Spec"]
        assert spec["TaskTemplate"]["ContainerSpec"]["Env"] == ["WHO=again"]
        code, out, err = nkdocker(world, "service", "rollback", service)
        assert (code, out) == (0, f"{service}\n"), err
        spec = docker.service_inspect(service).get(30)["Spec"]
        assert spec["TaskTemplate"]["ContainerSpec"]["Env"] == ["WHO=nk"]
        wait_until(
            lambda: "hi " in nkdocker(world, "service", "logs", "--raw", service)[1],
            timeout=30,
            interval=0.2,
        )
        code, out, _ = nkdocker(world, "service", "logs", service)
        assert re.search(rf"(?m)^{service}\.1\.[a-z0-9]{{12}}@\S+ +\| hi (nk|again)$", out), out
        code, out, _ = nkdocker(world, "service", "ps", "-q", service)
        assert code == 0 and len(out.split()) >= 1
    finally:
        assert nkdocker(world, "service", "rm", service) == (0, f"{service}\n", "")
    with pytest.raises(nk.NotFound):
        docker.service_inspect(service).get(30)


def test_secret_and_config(world: dict[str, str], single_swarm: nk.Docker, tmp_path: Path) -> None:
    """create from a file or stdin (the data is never printed), ls, inspect, rm."""
    secret_file = tmp_path / "s"
    secret_file.write_text("hush-hush")
    code, out, err = nkdocker(world, "secret", "create", "-l", "a=b", "pa-nk-sec", str(secret_file))
    assert code == 0, err
    found = single_swarm.secret_inspect("pa-nk-sec").get(30)
    assert out == found["ID"] + "\n" and found["Spec"]["Labels"] == {"a": "b"}
    code, out, _ = nkdocker(world, "secret", "inspect", "pa-nk-sec")
    assert "hush-hush" not in out and "pa-nk-sec" in out
    assert nkdocker(world, "secret", "rm", "pa-nk-sec") == (0, "pa-nk-sec\n", "")
    code, out, err = nkdocker(world, "config", "create", "pa-nk-cfg", "-", stdin="cfg-data")
    assert code == 0, err
    code, out, _ = nkdocker(world, "config", "ls", "-q")
    assert single_swarm.config_inspect("pa-nk-cfg").get(30)["ID"] in out
    assert nkdocker(world, "config", "rm", "pa-nk-cfg") == (0, "pa-nk-cfg\n", "")
    code, _, err = nkdocker(world, "secret", "create", "x", str(tmp_path / "missing"))
    assert code == 1 and "missing" in err


def test_node_update_and_join_token(world: dict[str, str], single_swarm: nk.Docker) -> None:
    me = single_swarm.info().get(30)["Swarm"]["NodeID"]
    code, out, err = nkdocker(world, "node", "update", "--label-add", "zone=a", me)
    assert (code, out) == (0, me + "\n"), err
    assert single_swarm.node_inspect(me).get(30)["Spec"]["Labels"] == {"zone": "a"}
    assert nkdocker(world, "node", "update", "--label-rm", "zone", me)[0] == 0
    assert single_swarm.node_inspect(me).get(30)["Spec"]["Labels"] == {}
    token = single_swarm.swarm_inspect().get(30)["JoinTokens"]["Worker"]
    assert nkdocker(world, "swarm", "join-token", "-q", "worker") == (0, token + "\n", "")
    code, _, err = nkdocker(world, "swarm", "join", "--token", "SWMTKN-1-bad", "127.0.0.1:9")
    assert code == 1 and "already part of a swarm" in err


def test_docs_list_the_swarm_cases() -> None:
    from test_cli_parity import DOCS, parity_table

    assert all(f"| {case.name} |" in parity_table() for case in SWARM_CASES)
    assert parity_table() in DOCS.read_text()


def test_monitor_lists_services(world: dict[str, str], single_swarm: nk.Docker) -> None:
    """monitor on a manager: its services, replicas wanted and running per node."""
    code, out, err = nkdocker(world, "monitor", "--once", "--json")
    assert code == 0, err
    rows = [row for row in json.loads(out) if row.get("service") == "pa-svc"]
    host = single_swarm.info().get(30)["Name"]
    assert rows == [
        {
            "host": rows[0]["host"],
            "service": "pa-svc",
            "service_id": single_swarm.service_inspect("pa-svc").get(30)["ID"],
            "replicas_wanted": 2,
            "running": {host: 2},
        }
    ]
    code, out, _ = nkdocker(world, "monitor", "--once")
    assert re.search(r"(?m)^SERVICE +REPLICAS WANTED +RUNNING \(PER NODE\)$", out), out
    assert re.search(rf"(?m)^pa-svc +2 +{re.escape(host)}: 2$", out), out


def _same(env: dict[str, str], step: str, stdin: str = "") -> tuple[int, str, str]:
    """`step` with both tools: the same exit code, output and error (normalised); nkdocker's."""
    results = {tool: run(tool, step, env, stdin) for tool in ("docker", "nkdocker")}
    (dk_code, dk_out, dk_err), (nk_code, nk_out, nk_err) = results.values()
    tmp = env["PARITY_TMP"]

    def norm(text: str) -> str:
        return swarm_normalise(_secrets_out(text), tmp)

    assert (nk_code, norm(nk_out), norm(nk_err)) == (dk_code, norm(dk_out), norm(dk_err)), (
        f"{step!r}\n docker: {results['docker']}\n nkdocker: {results['nkdocker']}"
    )
    return results["nkdocker"]


def _secrets_out(text: str) -> str:
    """Join tokens, unlock keys and node ids out, for comparing two swarms' words."""
    text = re.sub(r"SWMTKN-1-[0-9a-z]+-[0-9a-z]+", "<token>", text)
    text = re.sub(r"SWMKEY-1-[0-9A-Za-z+/=]+", "<key>", text)
    return re.sub(r"\b[a-z0-9]{25}\b", "<id>", text)


def test_autolock_unlock_key_and_unlock(
    netns_daemon: sandbox.SandboxInfo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """init --autolock, unlock-key [--rotate] [-q], a manager locked by its restart and
    unlocked with the key from stdin (a wrong key refused in the daemon's words, never
    shown), update of settings and autolock, join-token --rotate; each as docker does.
    On a daemon of its own (restarted), in a namespace of its own (its swarm's bridges)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    env.update(DOCKER_HOST=netns_daemon.unix_url, DOCKER_CLI_HINTS="false", NO_COLOR="1")
    env.update(PARITY_UNTIL="0", DOCKER_CONFIG=str(tmp_path_factory.mktemp("docker-config")))
    env["PARITY_TMP"] = str(tmp_path_factory.mktemp("files"))
    init = (
        f"swarm init --autolock --advertise-addr {netns_daemon.address}"
        f" --listen-addr {netns_daemon.address}:2377"
    )
    docker = nk.connect(netns_daemon.unix_url)
    try:
        _same(env, "swarm unlock")  # not part of a swarm
        _same(env, "swarm unlock-key")
        inits = {}
        for tool in ("docker", "nkdocker"):
            code, out, err = run(tool, init, env)
            assert code == 0, err
            key = docker.swarm_unlockkey().get(30)["UnlockKey"]
            assert key.startswith("SWMKEY-1-") and key in out
            inits[tool] = _secrets_out(out)
            if tool == "docker":
                docker.swarm_leave(force=True).get(60)
        assert inits["nkdocker"] == inits["docker"]
        spec = docker.swarm_inspect().get(30)["Spec"]
        assert spec["EncryptionConfig"]["AutoLockManagers"] is True
        assert _same(env, "swarm unlock-key -q") == (0, key + "\n", "")
        _same(env, "swarm unlock-key")
        _same(env, "swarm unlock")  # not locked: no key asked for
        sandbox.kill(netns_daemon.name)  # a restarted manager comes up locked
        sandbox.restart(netns_daemon.name)
        wait_until(lambda: docker.info().get(60)["Swarm"]["LocalNodeState"] == "locked", 60)
        wrong = "SWMKEY-1-" + base64.b64encode(os.urandom(32)).decode().rstrip("=")
        code, out, err = _same(env, "swarm unlock", stdin=wrong + "\n")
        assert code == 1 and wrong not in out + err
        assert docker.info().get(30)["Swarm"]["LocalNodeState"] == "locked"
        assert run("nkdocker", "swarm unlock", env, key + "\n") == (0, "", "")
        wait_until(lambda: docker.info().get(30)["Swarm"]["LocalNodeState"] == "active", 30)
        # (Rotated after the restart: a manager killed just after a rotation may still
        # come up under the old key, swarmkit re-encrypting it in the background.)
        code, out, err = run("nkdocker", "swarm unlock-key --rotate -q", env)
        rotated = docker.swarm_unlockkey().get(30)["UnlockKey"]
        assert (code, out, err) == (0, rotated + "\n", "") and rotated != key
        code, out, _ = _same(env, "swarm unlock-key --rotate")
        assert code == 0 and "Successfully rotated manager unlock key." in out

        assert run("nkdocker", "swarm update --autolock=false", env) == (0, "Swarm updated.\n", "")
        _same(env, "swarm unlock-key")  # no key set
        _same(env, "swarm unlock-key --rotate")  # nothing to rotate
        code, out, err = run("nkdocker", "swarm update --autolock", env)
        key = docker.swarm_unlockkey().get(30)["UnlockKey"]
        assert code == 0 and out.startswith("Swarm updated.\n") and key in out, err
        settings = (
            "--task-history-limit 3 --dispatcher-heartbeat 7s --cert-expiry 100h"
            " --max-snapshots 2 --snapshot-interval 5000"
        )
        assert run("nkdocker", f"swarm update {settings}", env) == (0, "Swarm updated.\n", "")
        spec = docker.swarm_inspect().get(30)["Spec"]
        assert spec["Orchestration"]["TaskHistoryRetentionLimit"] == 3
        assert spec["Dispatcher"]["HeartbeatPeriod"] == 7 * 10**9
        assert spec["CAConfig"]["NodeCertExpiry"] == 100 * 3600 * 10**9
        assert (spec["Raft"]["KeepOldSnapshots"], spec["Raft"]["SnapshotInterval"]) == (2, 5000)
        assert spec["EncryptionConfig"]["AutoLockManagers"] is True  # what no flag named stays
        code, _, err = run("nkdocker", "swarm update --autolock=maybe", env)
        assert code == 125 and err.startswith('invalid argument "maybe" for "--autolock" flag')
        code, _, err = run("nkdocker", "swarm update --autolock false", env)  # (docker: =false)
        assert code == 1 and err.startswith("nkdocker: 'nkdocker swarm update' accepts no argu")
        code, out, _ = run("nkdocker", "swarm update", env)  # no setting named: the help
        assert code == 0 and out.startswith("usage: nkdocker swarm update")

        old = docker.swarm_inspect().get(30)["JoinTokens"]["Worker"]
        code, out, err = run("nkdocker", "swarm join-token --rotate -q worker", env)
        new = docker.swarm_inspect().get(30)["JoinTokens"]["Worker"]
        assert (code, out, err) == (0, new + "\n", "") and new != old
        code, out, _ = _same(env, "swarm join-token --rotate manager")
        assert code == 0 and "Successfully rotated manager join token." in out
    finally:
        with contextlib.suppress(nk.DockerError):
            docker.swarm_leave(force=True).get(60)
        docker.close()


def test_a_node_enters_the_swarm_with_the_availability_asked(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """swarm init and join --availability (any case, as docker takes it): the node is
    paused or drained from its first moment in the swarm, before any task could land on
    it. The API reference never listed the field (moby#41429); the daemon honours it.
    Two daemons, each in a network namespace of its own, on one lan."""
    lan, names = f"{SANDBOX}-av", [f"{SANDBOX}-ava", f"{SANDBOX}-avb"]
    try:
        first, second = (sandbox.up(n, netns=True, lan=lan, with_busybox=False) for n in names)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
        env.update(DOCKER_CLI_HINTS="false", NO_COLOR="1", PARITY_UNTIL="0")
        env["DOCKER_CONFIG"] = str(tmp_path_factory.mktemp("docker-config"))
        env["PARITY_TMP"] = str(tmp_path_factory.mktemp("files"))
        manager = f"{first.address}:2377"
        init = f"swarm init --availability PAUSE --advertise-addr {manager} --listen-addr {manager}"
        with nk.connect(first.unix_url) as docker:
            for tool in ("docker", "nkdocker"):
                code, _, err = run(tool, init, {**env, "DOCKER_HOST": first.unix_url})
                assert code == 0, err
                node = docker.node_inspect(docker.info().get(30)["Swarm"]["NodeID"]).get(30)
                assert node["Spec"]["Availability"] == "pause", tool
                if tool == "docker":
                    docker.swarm_leave(force=True).get(60)
            token = docker.swarm_inspect().get(30)["JoinTokens"]["Worker"]
            join = f"swarm join --availability drain --token {token} {manager}"
            code, out, err = run("nkdocker", join, {**env, "DOCKER_HOST": second.unix_url})
            assert (code, out) == (0, "This node joined a swarm as a worker.\n"), err
            with nk.connect(second.unix_url) as joined:
                node_id = joined.info().get(30)["Swarm"]["NodeID"]
            assert docker.node_inspect(node_id).get(30)["Spec"]["Availability"] == "drain"
    finally:
        for name in names:
            sandbox.down(name)


def test_a_bad_value_is_quoted_as_docker_quotes_it() -> None:
    """Go's %q, byte for byte: its escapes, printable characters as they are (the soft
    hyphen, U+00A0 and format characters escaped), a byte not UTF-8 as \\xHH. Both tools
    refuse the value before connecting (no daemon there)."""
    odd = 'a"\\\t\x07\x7f\u00a0\u00ad\u200b\u2028\u0378\U0001f600 \u00e9'
    argv = ["swarm", "init", "--availability", os.fsencode(odd) + b"\xff"]
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent", "DOCKER_CLI_HINTS": "false"}
    docker = subprocess.run(["docker", *argv], capture_output=True, env=env, timeout=60)
    mine = subprocess.run(NK + argv, capture_output=True, env=env, timeout=60)
    assert (mine.returncode, docker.returncode) == (1, 1)
    assert mine.stderr == b"nkdocker: " + docker.stderr
    assert b'\\"\\\\\\t\\a\\x7f\\u00a0\\u00ad\\u200b\\u2028\\u0378' in docker.stderr


def _own_ca(directory: Path) -> tuple[Path, Path]:
    """A root CA of our own (ECDSA P-256, as swarm makes its own), made in the test."""
    cert, key = directory / "ca.pem", directory / "ca-key.pem"
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")
    files = ("-keyout", str(key), "-out", str(cert))
    # (valid for years: swarm refuses a root that ends before the certificates it signs)
    subprocess.run(
        ["openssl", "req", "-x509", *curve, "-nodes", *files, "-days", "3650", "-subj", "/CN=ca"],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_swarm_ca_rotates_and_waits_for_every_node(
    netns_daemon: sandbox.SandboxInfo, tmp_path: Path
) -> None:
    """swarm ca prints the root CA; --rotate makes a new one, or takes ours, and returns
    once every node has a certificate from it and trusts it (-q: printing nothing), as
    docker does; a file that is no PEM is refused before anything is sent. On a swarm of
    its own (a daemon in a namespace of its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    env.update(DOCKER_HOST=netns_daemon.unix_url, PARITY_UNTIL="0", PARITY_TMP=str(tmp_path))
    address = f"{netns_daemon.address}:2377"
    docker = nk.connect(netns_daemon.unix_url)

    def trust_roots() -> tuple[str, str]:
        """The swarm's root and the one its node trusts."""
        swarm_root = docker.swarm_inspect().get(30)["TLSInfo"]["TrustRoot"]
        node = docker.node_inspect(docker.info().get(30)["Swarm"]["NodeID"]).get(30)
        return swarm_root, node["Description"]["TLSInfo"]["TrustRoot"]

    try:
        with contextlib.suppress(nk.DockerError):
            docker.swarm_leave(force=True).get(60)  # a swarm left over by a killed run
        docker.swarm_init(listen_addr=address, advertise_addr=address).get(60)
        first, _ = trust_roots()
        assert run("nkdocker", "swarm ca", env) == (0, first.strip() + "\n", "")
        assert run("nkdocker", "swarm ca --rotate -q", env) == (0, "", "")
        second, trusted = trust_roots()
        assert second != first and trusted == second
        (tmp_path / "bad.pem").write_text("not a certificate")
        code, out, err = run("nkdocker", "swarm ca --rotate --ca-cert {tmp}/bad.pem", env)
        assert (code, out) == (125, "") and "file contents must be in PEM format" in err
        cert, key = _own_ca(tmp_path)
        code, out, err = run("nkdocker", f"swarm ca --rotate --ca-cert {cert} --ca-key {key}", env)
        own, trusted = trust_roots()
        assert (code, out, err) == (0, own.strip() + "\n", "")
        assert own.strip() == cert.read_text().strip() and trusted == own
    finally:
        with contextlib.suppress(nk.DockerError):
            docker.swarm_leave(force=True).get(60)
        docker.close()
