"""`nkdocker plugin ...` on the real sandbox daemon and registry.

Plugins are made from real directories (tests/plugin_context.py: busybox and a socket
listener, so that dockerd can enable them); pushes and installs go through the sandbox's
docker-registry with htpasswd. PLUGIN_CASES run side by side with the docker CLI 28 (in
docs/cli.md's parity table).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cli_forkserver
import pexpect
import pytest
from plugin_context import CONFIG, PRIVILEGED_CONFIG, write_context
from test_cli_parity import Case, assert_same, normalise, run

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.cli import plugins

C = Case
PLUGIN_CASES: tuple[Case, ...] = (
    C("plugin ls", ("plugin ls", "plugin ls -q", "plugin ls --no-trunc"), "table"),
    C(
        "plugin ls --format, --filter",
        (
            "plugin ls --format '{{json .}}'",
            "plugin ls --format 'table {{.Name}}\t{{.PluginReference}}'",
            "plugin ls -q --format '{{.Name}} {{.Enabled}}'",
            "plugin ls -f enabled=true",
            "plugin ls -f enabled=false -f capability=dummy -q",
            "plugin ls -f foo=bar",
        ),
    ),
    C(
        "plugin inspect -f",
        ("plugin inspect -f '{{.Name}} {{.Enabled}} {{json .Settings}}' pa-pl",),
    ),
    C("plugin inspect json", ("plugin inspect -f '{{json .}}' pa-pl",), "json="),
    C(
        "plugin inspect missing",
        ("plugin inspect -f '{{.Name}}' pa-pl no-such-plugin", "plugin inspect no-such-plugin"),
    ),
    C(
        "plugin create, bad directory",
        (
            "plugin create pa-{me}-x {tmp}/none",
            "plugin create pa-{me}-x {tmp}/a-file",
            "plugin create pa-{me}-x {tmp}/empty",
        ),
    ),
    C(
        "plugin lifecycle",
        (
            "plugin create pa-{me}-c {tmp}/ctx-{me}",
            "plugin set pa-{me}-c DEBUG=2",
            "plugin set pa-{me}-c DEBUG",
            "plugin inspect -f '{{.Settings.Env}}' pa-{me}-c",
            "plugin enable pa-{me}-c",
            "plugin enable pa-{me}-c",
            "plugin set pa-{me}-c DEBUG=3",
            "plugin rm pa-{me}-c",
            "plugin inspect -f '{{.Enabled}} {{.Settings.Env}}' pa-{me}-c",
            "plugin disable pa-{me}-c",
            "plugin disable pa-{me}-c",
            "plugin rm pa-{me}-c no-such-plugin",
        ),
        cleanup=("plugin rm -f pa-{me}-c",),
    ),
    C(
        "plugin, missing",
        (
            "plugin enable no-such-plugin",
            "plugin disable no-such-plugin",
            "plugin set no-such-plugin DEBUG=1",
            "plugin rm -f no-such-plugin",
            "plugin upgrade no-such-plugin",
            "plugin enable --timeout -1 pa-pl",
        ),
    ),
    C(
        "plugin create --compress",
        ("plugin create --compress pa-{me}-z {tmp}/ctx-{me}",),
        "none",
        err=False,
        note="dockerd 20.10 refuses it gzipped; docker logs its broken pipe too",
    ),
    C("plugin set, no such setting", ("plugin set pa-pl NOPE=1",)),
    C("plugin upgrade, not confirmed", ("plugin upgrade pa-pl other/plugin",), stdin="n\n"),
    C(
        "plugin install, not granted",
        ("plugin install --alias pa-{me}-i {registry}/nk/pa-remote",),
        stdin="n\n",
        note="the privilege prompt",
    ),
)


def _env(host: str, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    env.update(DOCKER_HOST=host, DOCKER_CONFIG=str(config), DOCKER_CLI_HINTS="false")
    env.update(NO_COLOR="1", TZ="UTC", COLUMNS="200")
    return env


@pytest.fixture(scope="module")
def world(
    daemon: sandbox.SandboxInfo,
    registry: sandbox.RegistryInfo,
    plugin_listener: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """pa-pl (disabled), made with the docker CLI; {registry}/nk/pa-remote pushed, a plugin
    that asks for privileges; each tool's context directory; both tools' environment,
    logged in to the registry (docker's config.json, which nkdocker reads too)."""
    tmp = tmp_path_factory.mktemp("files")
    env = _env(daemon.unix_url, tmp_path_factory.mktemp("docker-config"))
    env.update(PARITY_TMP=str(tmp), PARITY_UNTIL="0")
    (tmp / "a-file").write_text("not a directory")
    (tmp / "empty").mkdir()
    for me in ("dk", "nk"):
        write_context(tmp / f"ctx-{me}", plugin_listener, marker=me)
    write_context(tmp / "ctx-pa", plugin_listener, marker="pa")
    write_context(tmp / "ctx-remote", plugin_listener, PRIVILEGED_CONFIG, marker="remote")
    remote = f"{registry.host}/nk/pa-remote"
    login = f"login -u {registry.user} --password-stdin {registry.host}"
    for step, data in (
        ("plugin rm -f pa-pl", ""),  # (left by a run that was stopped)
        ("plugin create pa-pl {tmp}/ctx-pa", ""),
        (login, registry.password),
        (f"plugin create {remote} {{tmp}}/ctx-remote", ""),
        (f"plugin push {remote}", ""),
        (f"plugin rm {remote}", ""),
    ):
        made = run("docker", step, env, data)
        assert made[0] == 0 or "rm -f" in step, made
    env["PARITY_REGISTRY"] = registry.host
    yield env
    run("docker", "plugin rm -f pa-pl", env)


@pytest.mark.parametrize("case", PLUGIN_CASES, ids=[c.name for c in PLUGIN_CASES])
def test_same_as_docker(case: Case, world: dict[str, str]) -> None:
    tmp = world["PARITY_TMP"]
    try:
        for step in case.steps:
            step = step.replace("{registry}", world["PARITY_REGISTRY"])
            results = {}
            for tool in ("docker", "nkdocker"):
                code, out, err = run(tool, step, world, case.stdin)
                results[tool] = (code, normalise(out, tmp), normalise(err, tmp))
            assert_same(case, step, results)
    finally:
        for step in case.cleanup:
            run("docker", step, world), run("nkdocker", step, world)


# -- nkdocker alone ---------------------------------------------------------------------


@pytest.fixture
def cli(daemon: sandbox.SandboxInfo, tmp_path: Path) -> Callable[..., tuple[int, str, str]]:
    """Run `nkdocker ARGS...` on the sandbox, with a DOCKER_CONFIG of its own:
    (exit code, stdout, stderr)."""
    env = _env(daemon.unix_url, tmp_path / "docker-config")

    def nkdocker(*words: str, stdin: str = "") -> tuple[int, str, str]:
        done = cli_forkserver.run(words, env, stdin.encode(), timeout=300)
        assert b"Traceback" not in done.stderr, done.stderr.decode()
        return done.returncode, done.stdout.decode(), done.stderr.decode()

    return nkdocker


@pytest.fixture
def plugin_dir(
    plugin_listener: Path, tmp_path: Path, name: Callable[[str], str]
) -> Callable[..., Path]:
    """A plugin context directory with a rootfs of its own (its marker)."""

    def make(label: str, config: dict[str, Any] = CONFIG) -> Path:
        directory = tmp_path / f"ctx-{label}"
        return write_context(directory, plugin_listener, config, marker=name(label))

    return make


def test_plugin_lifecycle_through_the_cli(
    cli: Callable[..., tuple[int, str, str]],
    docker: nk.Docker,
    plugin_dir: Callable[..., Path],
    plugin_name: Callable[[str], str],
) -> None:
    plugin = plugin_name("cli-")
    assert cli("plugin", "create", plugin, str(plugin_dir("life"))) == (0, plugin + "\n", "")
    made = docker.plugin_inspect(plugin).get(10)
    code, out, _ = cli("plugin", "ls")
    assert code == 0
    row = next(line.split() for line in out.splitlines() if plugin in line)
    assert row == [made["Id"][:12], plugin, "nkdocker_actors", "test", "plugin", "false"]
    assert made["Id"][:12] + "\n" in cli("plugin", "ls", "-q")[1]
    assert made["Id"] in cli("plugin", "ls", "--no-trunc")[1]
    assert plugin in cli("plugin", "ls", "-f", "enabled=false", "--format", "{{.Name}}")[1]

    assert cli("plugin", "set", plugin, "DEBUG=2") == (0, "", "")
    assert cli("plugin", "inspect", "-f", "{{.Settings.Env}}", plugin) == (0, "[DEBUG=2]\n", "")
    assert cli("plugin", "enable", "--timeout", "30", plugin) == (0, plugin + "\n", "")
    assert docker.plugin_inspect(plugin).get(10)["Enabled"] is True
    listed = cli("plugin", "ls", "-f", "enabled=true", "--format", "{{.Name}} {{.Enabled}}")
    assert f"{plugin} true\n" in listed[1]
    code, _, err = cli("plugin", "set", plugin, "DEBUG=3")
    assert code == 1 and "disable plugin before setting" in err
    code, _, err = cli("plugin", "rm", plugin)
    assert code == 1 and "is enabled" in err

    assert cli("plugin", "disable", plugin) == (0, plugin + "\n", "")
    assert cli("plugin", "rm", plugin) == (0, plugin + "\n", "")
    code, out, err = cli("plugin", "inspect", plugin)
    assert (code, out) == (1, "[]\n") and "not found" in err


def test_plugin_rm_force_removes_an_enabled_one(
    cli: Callable[..., tuple[int, str, str]],
    docker: nk.Docker,
    plugin_dir: Callable[..., Path],
    plugin_name: Callable[[str], str],
) -> None:
    plugin = plugin_name("force-")
    assert cli("plugin", "create", plugin, str(plugin_dir("force")))[0] == 0
    assert cli("plugin", "enable", plugin)[0] == 0
    assert cli("plugin", "disable", "-f", plugin) == (0, plugin + "\n", "")
    assert cli("plugin", "enable", plugin)[0] == 0
    assert cli("plugin", "rm", "-f", plugin) == (0, plugin + "\n", "")
    with pytest.raises(nk.NotFound):
        docker.plugin_inspect(plugin).get(10)


def test_bad_input_fails_before_anything_is_sent(tmp_path: Path) -> None:
    """Refused before connecting: no daemon listens where DOCKER_HOST points."""
    env = _env(f"unix://{tmp_path}/no-daemon.sock", tmp_path / "docker-config")
    (tmp_path / "no-rootfs").mkdir()
    (tmp_path / "no-rootfs" / "config.json").write_text("{}")
    (tmp_path / "bad-json").mkdir()
    (tmp_path / "bad-json" / "config.json").write_text("{x")
    checks = {
        ("plugin", "create", "nk/p", str(tmp_path / "none")): (1, "lstat "),
        ("plugin", "create", "nk/p", str(tmp_path / "bad-json")): (1, "not JSON"),
        ("plugin", "create", "nk/p", str(tmp_path / "no-rootfs")): (1, "no rootfs found"),
        ("plugin", "create", "Bad Name", str(tmp_path / "no-rootfs")): (1, "Bad Name"),
        ("plugin", "set", "nk/p", "DEBUG=1", "=1"): (1, "one is empty or has no name"),
        ("plugin", "install", "127.0.0.1:1/nk/p", "=x"): (1, "one is empty or has no name"),
        ("plugin", "install", "--alias", "nk/p@sha256:" + "0" * 64, "127.0.0.1:1/nk/p"): (
            1,
            "invalid name",
        ),
        ("plugin", "push", "127.0.0.1:1/nk/p@sha256:" + "0" * 64): (1, "invalid name"),
        ("plugin", "enable", "--timeout", "-1", "nk/p"): (1, "negative timeout -1 is invalid"),
        ("plugin", "enable", "--timeout", "soon", "nk/p"): (125, 'invalid argument "soon"'),
        ("plugin", "set", "nk/p"): (1, "'nkdocker plugin set' requires at least 2 arguments"),
    }
    for words, (wanted, message) in checks.items():
        done = cli_forkserver.run(words, env, b"", timeout=60)
        code, out, err = done.returncode, done.stdout.decode(), done.stderr.decode()
        assert (code, out) == (wanted, ""), (words, code, out, err)
        assert message in err, (words, err)


def test_missing_plugins_are_reported(cli: Callable[..., tuple[int, str, str]]) -> None:
    for words in (
        ("enable", "no-such-plugin"),
        ("disable", "no-such-plugin"),
        ("set", "no-such-plugin", "DEBUG=1"),
        ("rm", "-f", "no-such-plugin"),
    ):
        assert cli("plugin", *words) == (1, "", 'nkdocker: plugin "no-such-plugin" not found\n')
    pushed = cli("plugin", "push", "no-such-plugin")
    assert pushed == (1, "", 'nkdocker: plugin "no-such-plugin:latest" not found\n')
    assert cli("plugin", "upgrade", "no-such-plugin") == (
        1,
        "",
        'nkdocker: error reading plugin data: Error response from daemon: plugin "no-such-plugin"'
        " not found\n",
    )


def _spawn(env: dict[str, str], *words: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable, ["-m", "nkdocker_actors", *words], env=env, timeout=120, encoding="utf-8"
    )


def test_push_install_upgrade_through_the_registry(
    cli: Callable[..., tuple[int, str, str]],
    daemon: sandbox.SandboxInfo,
    registry: sandbox.RegistryInfo,
    docker: nk.Docker,
    plugin_dir: Callable[..., Path],
    plugin_name: Callable[[str], str],
    tmp_path: Path,
) -> None:
    remote = plugin_name(f"{registry.host}/nk/")
    granted, asked = plugin_name("granted-"), plugin_name("asked-")
    assert cli("plugin", "create", remote, str(plugin_dir("remote", PRIVILEGED_CONFIG)))[0] == 0
    secret = ("--username", registry.user, "--password", registry.password)
    code, out, err = cli("plugin", "push", remote, *secret)
    assert code == 0, err
    assert out.startswith(f"The push refers to repository [{remote.rsplit(':', 1)[0]}]\n")
    assert registry.password not in out + err
    code, _, err = cli(
        "plugin", "push", remote, "--username", registry.user, "--password", "pw-7f3a"
    )
    assert code == 1 and "pw-7f3a" not in err
    docker.plugin_rm(remote).get(30)

    # Granted on the command line; settings set before it is enabled.
    code, out, err = cli(
        "plugin", "install", "--grant-all-permissions", "--alias", granted, remote, "DEBUG=4",
        *secret,
    )  # fmt: skip
    assert code == 0, err
    assert out.endswith(f"Installed plugin {remote}\n") and "Pulling from" in out
    assert "requesting" not in out and registry.password not in out + err
    installed = docker.plugin_inspect(granted).get(10)
    assert installed["Enabled"] is True and "DEBUG=4" in installed["Settings"]["Env"]

    # Refused at the prompt: nothing installed.
    code, out, err = cli("plugin", "install", "--alias", asked, remote, *secret, stdin="n\n")
    assert code == 1
    assert out == (
        f'Plugin "{remote}" is requesting the following privileges:\n'
        " - network: [host]\n - capabilities: [CAP_SYS_ADMIN]\n"
        "Do you grant the above permissions? [y/N] "
    )
    assert err == f"nkdocker: permission denied while installing plugin {remote}\n"
    with pytest.raises(nk.NotFound):
        docker.plugin_inspect(asked).get(10)

    # Granted at a terminal's prompt; credentials from the docker CLI's config (login).
    env = _env(daemon.unix_url, tmp_path / "docker-config")
    login = ("login", "-u", registry.user, "--password-stdin", registry.host)
    assert cli(*login, stdin=registry.password + "\n")[0] == 0
    child = _spawn(env, "plugin", "install", "--disable", "--alias", asked, remote)
    try:
        child.expect_exact("Do you grant the above permissions? [y/N] ")
        child.sendline("y")
        child.expect_exact(f"Installed plugin {remote}")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert docker.plugin_inspect(asked).get(10)["Enabled"] is False

    # Upgrade: refused while enabled; from where it came, granted; to another image, not
    # confirmed (exit 0, as docker).
    code, _, err = cli("plugin", "upgrade", granted)
    assert (code, err) == (1, "nkdocker: the plugin must be disabled before upgrading\n")
    assert cli("plugin", "disable", granted)[0] == 0
    code, out, err = cli("plugin", "upgrade", "--grant-all-permissions", granted)
    assert code == 0, err
    assert out.startswith(f"Upgrading plugin {granted} from {remote} to {remote}\n")
    assert out.endswith(f"Upgraded plugin {granted} to {remote}\n")
    code, out, err = cli("plugin", "upgrade", granted, "nk/elsewhere", stdin="n\n")
    assert (code, err) == (0, "")
    assert out.endswith("Plugin images do not match, are you sure? [y/N] ")

    # To another image, confirmed; --password-stdin read before the prompt's answer (a
    # wrong password, given, wins over the login's and fails).
    other = remote.rsplit(":", 1)[0] + ":v2"
    assert cli("plugin", "create", other, str(plugin_dir("v2", PRIVILEGED_CONFIG)))[0] == 0
    assert cli("plugin", "push", other, *secret)[0] == 0
    docker.plugin_rm(other).get(30)
    upgrade = ("plugin", "upgrade", "--grant-all-permissions", granted, other)
    from_stdin = ("--username", registry.user, "--password-stdin")
    code, out, err = cli(*upgrade, *from_stdin, stdin="pw-9c1e\ny\n")
    assert code == 1 and "Plugin images do not match" in out and "pw-9c1e" not in out + err
    code, out, err = cli(*upgrade, *from_stdin, stdin=f"{registry.password}\ny\n")
    assert code == 0, err
    assert out.startswith(f"Upgrading plugin {granted} from {remote} to {other}\n")
    assert out.endswith(f"Upgraded plugin {granted} to {other}\n")
    assert docker.plugin_inspect(granted).get(10)["PluginReference"] == other


def test_install_removes_a_plugin_its_settings_do_not_fit(
    cli: Callable[..., tuple[int, str, str]],
    registry: sandbox.RegistryInfo,
    docker: nk.Docker,
    plugin_dir: Callable[..., Path],
    plugin_name: Callable[[str], str],
) -> None:
    """docker 28's client means to remove it and leaves it installed; nkdocker removes it."""
    remote, local = plugin_name(f"{registry.host}/nk/unfit-"), plugin_name("unfit-")
    secret = ("--username", registry.user, "--password", registry.password)
    assert cli("plugin", "create", remote, str(plugin_dir("unfit")))[0] == 0
    assert cli("plugin", "push", remote, *secret)[0] == 0
    docker.plugin_rm(remote).get(30)
    code, _, err = cli("plugin", "install", "--alias", local, remote, "NOPE=1", *secret)
    assert (code, err) == (1, 'nkdocker: setting "NOPE" not found in the plugin configuration\n')
    with pytest.raises(nk.NotFound):
        docker.plugin_inspect(local).get(10)


def test_references_compare_and_show_as_docker_names_them() -> None:
    """Go's reference.ParseNormalizedNamed and FamiliarString: a Docker Hub name of one
    part is library/'s; "library/x" and "x" are one plugin."""
    assert plugins._qualified("vieux/sshfs") == "docker.io/vieux/sshfs"
    assert plugins._qualified("sshfs:1.0") == "docker.io/library/sshfs:1.0"
    assert plugins._qualified("index.docker.io/x") == "docker.io/library/x"
    assert plugins._qualified("localhost:5000/nk/p") == "localhost:5000/nk/p"
    assert plugins._familiar("library/pl1") == plugins._familiar("pl1") == "pl1:latest"
    assert plugins._familiar("docker.io/library/a/b") == "library/a/b:latest"
    assert plugins._familiar("docker.io/vieux/sshfs:1") == "vieux/sshfs:1"
    assert plugins._familiar("127.0.0.1:5000/nk/p") == "127.0.0.1:5000/nk/p:latest"
