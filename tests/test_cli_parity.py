"""`nkdocker` side by side with the docker CLI (28, on the machine) on one sandbox daemon.

Each case of CASES runs its steps with `docker` (DOCKER_HOST = the sandbox) and with
`nkdocker`, and compares exit codes, stdout and stderr after normalising what may
differ between two runs: ids, times, and the daemon's host-dependent warnings.
`{me}` in a step is "dk" for docker and "nk" for nkdocker, so both can create
objects side by side. docs/cli.md's parity table is generated from CASES
(`python tests/test_cli_parity.py` rewrites it; a test checks it is current). The
cases themselves are data, in parity_cases.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cli_forkserver
import pexpect
import pytest
from parity_cases import CASES, REFUSED_BEFORE_DIALLING, USAGE_ERRORS, Case

import nkdocker_actors as nk
from nkdocker_actors import sandbox

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "cli.md"
BEGIN = "<!-- parity:begin (python tests/test_cli_parity.py) -->"
END = "<!-- parity:end -->"
NK = [sys.executable, "-m", "nkdocker_actors"]


# -- running and normalising ----------------------------------------------------------


def _env(daemon: sandbox.SandboxInfo, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    # docker reads its config dir (hints, aliases, credentials): a fresh one, not the host's
    env.update(DOCKER_HOST=daemon.unix_url, DOCKER_CONFIG=str(config), DOCKER_CLI_HINTS="false")
    env.update(NO_COLOR="1", TZ="UTC", COLUMNS="200", DOCKER_BUILDKIT="0")
    return env


def _argv(tool: str, step: str, tmp: str, until: str) -> list[str]:
    import shlex

    me = "dk" if tool == "docker" else "nk"
    words = shlex.split(step.replace("{me}", me).replace("{tmp}", tmp).replace("{until}", until))
    return ["docker", *words] if tool == "docker" else [*NK, *words]


def run(tool: str, step: str, env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    """One step with one tool: (exit code, stdout, stderr). nkdocker is forked from a
    process that imported it once (tests/cli_forkserver.py): a process of its own
    without Python's start-up each time."""
    argv = _argv(tool, step, env["PARITY_TMP"], env["PARITY_UNTIL"])
    if tool == "docker":
        done = subprocess.run(argv, input=stdin.encode(), capture_output=True, env=env, timeout=120)
    else:
        done = cli_forkserver.run(argv[len(NK) :], env, stdin.encode(), timeout=120)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def run_tty(tool: str, step: str, env: dict[str, str]) -> tuple[int, str, str]:
    """One step inside a pseudo-terminal: (exit code, the terminal's output, "")."""
    argv = _argv(tool, step, env["PARITY_TMP"], env["PARITY_UNTIL"])
    child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(24, 80), timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0), child.before.decode(), ""


_AGO = re.compile(
    r"(Less than a second|About a minute|About an hour|\d+ (second|minute|hour|day|week|month|"
    r"year)s?) ago"
)
_UP = re.compile(r"(Up|Exited \(\d+\)) (Less than a second|About a minute|About an hour|\d+ \w+)")


def normalise(text: str, tmp: str) -> str:
    """Ids, times, sizes of growing things, tool names and host-dependent warnings out."""
    for me in ("dk", "nk"):  # either tool's objects (a listing shows both)
        text = text.replace(f"pa-{me}", "pa-ME").replace(f"{tmp}/{me}", "TMP/ME")
    text = re.sub(r"sha256:[0-9a-f]{64}", "<digest>", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", "<id>", text)
    text = re.sub(r"\b[0-9a-f]{12}\b", "<id>", text)
    text = _AGO.sub("<ago>", text)
    text = re.sub(r"(Sending build context to Docker daemon)\s+\S+", r"\1 <size>", text)
    text = _UP.sub(r"\1 <time>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", "<time>", text)
    text = re.sub(r":(3[2-9]|[4-6]\d)\d{3}->", ":<port>->", text)  # an ephemeral host port
    text = re.sub(r"(?m):(3[2-9]|[4-6]\d)\d{3}$", ":<port>", text)
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("WARNING: ") or "IPv4 forwarding is disabled" in line:
            continue  # the daemon's warnings depend on the host (ip_forward=0)
        if re.match(r"(Run|See) 'docker .*--help'", line):
            continue  # docker's usage hints
        if line.startswith("DEPRECATED: The legacy builder") or line.startswith(" " * 12):
            continue  # docker's notice about its classic builder
        for prefix in ("nkdocker: ", "docker: ", "Error response from daemon: ", "Error: "):
            while line.startswith(prefix):
                line = line[len(prefix) :]
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


def _cells(text: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def _without_cpu_share(rows: list[list[str]]) -> list[list[str]]:
    if not rows or "C" not in rows[0]:
        return rows
    column = rows[0].index("C")
    return [row[:column] + row[column + 1 :] for row in rows]


def assert_same(case: Case, step: str, results: dict[str, tuple[int, str, str]]) -> None:
    """One step's (exit code, stdout, stderr) from "docker" and "nkdocker", normalised:
    the same exit code, stdout compared as `case` says, stderr unless `case.err` is False."""
    (dk_code, dk_out, dk_err), (nk_code, nk_out, nk_err) = results["docker"], results["nkdocker"]
    context = f"{step!r}\n docker: {results['docker']}\n nkdocker: {results['nkdocker']}"
    assert nk_code == dk_code, context
    try:
        compare(case, dk_out, nk_out)
        if case.err:
            assert nk_err == dk_err
    except AssertionError as failed:
        raise AssertionError(f"{failed}\n{context}") from None


def compare(case: Case, docker_out: str, nk_out: str) -> None:
    """stdout compared as the case says."""
    if case.out == "none":
        return
    if case.out == "json=" and nk_out.startswith(("{", "[")):
        mine = _nulls(json.loads(nk_out))
        for gone in ("KernelMemory", "KernelMemoryTCP"):  # not in docker 28's types
            mine.pop(gone, None)
        assert mine == _nulls(json.loads(docker_out))
        return
    if case.out == "json":
        mine, theirs = (
            [json.loads(line) for line in text.splitlines() if line.strip()]
            if text.lstrip().startswith("{")
            else [json.loads(text)]
            for text in (nk_out, docker_out)
        )
        assert _shape(mine) == _shape(theirs)
        return
    if case.out == "table":
        assert _cells(nk_out) == _cells(docker_out)
    elif case.out == "processes":
        # ps's C column is CPU time over the time the process has lived: a fresh process's
        # share falls between the two tools' calls (1 for docker's, 0 a moment later).
        assert _without_cpu_share(_cells(nk_out)) == _without_cpu_share(_cells(docker_out))
    elif case.out == "head":
        assert _cells(nk_out)[:1] == _cells(docker_out)[:1]
        assert [row[0] for row in _cells(nk_out)] == [row[0] for row in _cells(docker_out)]
    elif case.out == "sorted":
        assert sorted(nk_out.splitlines()) == sorted(docker_out.splitlines())
    else:  # exact (and json= on what is not JSON)
        assert nk_out == docker_out


def _nulls(value: Any) -> Any:
    """[] and null as one (the docker CLI sends empty lists where we send nothing)."""
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items() if v not in ([], None)}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value


def _shape(value: Any) -> Any:
    """Keys and types, not values (ids, times, counters differ between two runs)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


# -- the test ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(
    daemon: sandbox.SandboxInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The objects the cases read (pa-run running, pa-stopped exited 3, pa-net,
    pa-vol); the environment both tools run in."""
    config = tmp_path_factory.mktemp("docker-config")
    env = {**_env(daemon, config), "PARITY_TMP": str(tmp_path_factory.mktemp("files"))}
    env["PARITY_UNTIL"] = "0"
    context = Path(env["PARITY_TMP"], "ctx")
    context.mkdir()
    (context / "Dockerfile").write_text(
        'FROM busybox:latest\nARG WHO\nRUN echo "built by $WHO" > /who\nCMD ["cat", "/who"]\n'
    )
    (context / "Dockerfile.bad").write_text("FROM busybox:latest\nRUN echo failing; exit 3\n")
    wide = Path(env["PARITY_TMP"], "ctx-wide")
    wide.mkdir()
    wide_command = 'echo "日本語のテキストとても長いコマンドです"'  # (wider than its length)
    (wide / "Dockerfile").write_text(f"FROM busybox:latest\nRUN {wide_command}\n")
    limits = Path(env["PARITY_TMP"], "ctx-limits")
    limits.mkdir()
    (limits / "Dockerfile").write_text(
        "FROM busybox:latest\nRUN (cat /sys/fs/cgroup/memory.max 2>/dev/null"
        " || cat /sys/fs/cgroup/memory/memory.limit_in_bytes;"
        " cat /sys/fs/cgroup/memory.swap.max 2>/dev/null"
        " || cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes;"
        " df -k /dev/shm | tail -1 | tr -s ' ' | cut -d' ' -f2; ulimit -n;"
        " grep pa-host /etc/hosts; grep -c /pa-parent/ /proc/self/cgroup) > /limits\n"
        'CMD ["cat", "/limits"]\n'
    )
    owned = Path(env["PARITY_TMP"], "owned")  # (cp: a file of another owner, links to it)
    owned.write_text("mine\n")
    os.chown(owned, 1234, 5678)
    Path(env["PARITY_TMP"], "link").symlink_to("owned")
    Path(env["PARITY_TMP"], "dangling").symlink_to("nothing")
    Path(env["PARITY_TMP"], "env-file").write_text("A=1\n# a comment\nB=two words\nC\n")
    docker = nk.connect(daemon.unix_url)
    names = ("pa-run", "pa-stopped")
    for name in names:
        with contextlib.suppress(nk.NotFound):
            docker.rm(name, force=True).get(30)
    for prep in (
        "network rm pa-net",
        "volume rm -f pa-vol",
        "network create pa-net",
        "volume create pa-vol",
        "run -d --name pa-run -p 127.0.0.1::80 -p 127.0.0.1::53/udp -l pa=1"
        " busybox:latest sleep 600",
        "run --name pa-stopped busybox:latest sh -c 'echo one; echo two >&2; echo hi > /hello;"
        " exit 3'",
    ):
        run("docker", prep, env)
    env["PARITY_UNTIL"] = str(int(time.time()) + 1)  # a bounded event history
    yield env
    for name in names:
        docker.rm(name, force=True).get(30)
    run("docker", "network rm pa-net", env)
    run("docker", "volume rm -f pa-vol", env)
    docker.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_same_as_docker(case: Case, world: dict[str, str]) -> None:
    for step in case.cleanup:
        run("docker", step, world), run("nkdocker", step, world)
    try:
        for step in case.setup:
            assert run("docker", step, world)[0] == 0, step
        for step in case.steps:
            results = {}
            for tool in ("docker", "nkdocker"):
                if case.tty:
                    code, out, err = run_tty(tool, step, world)
                else:
                    code, out, err = run(tool, step, world, case.stdin)
                tmp = world["PARITY_TMP"]
                results[tool] = (code, normalise(out, tmp), normalise(err, tmp))
            assert_same(case, step, results)
    finally:
        for step in case.cleanup:
            run("docker", step, world), run("nkdocker", step, world)


# -- usage errors: no daemon needed ----------------------------------------------------


def _dead_socket_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    env.update(DOCKER_HOST="unix:///nonexistent.sock", DOCKER_CONFIG=str(tmp), NO_COLOR="1")
    env.update(DOCKER_CLI_HINTS="false", DOCKER_BUILDKIT="0")
    return env


def _refusals(line: str, env: dict[str, str]) -> tuple[tuple[int, str], tuple[int, str]]:
    """docker's and nkdocker's (exit code, stderr), docker's named as ours; docker's
    notice about its classic builder left out."""
    import shlex

    words = shlex.split(line)
    docker = subprocess.run(["docker", *words], capture_output=True, env=env, timeout=60)
    mine = cli_forkserver.run(words, env, b"", timeout=60)
    theirs = docker.stderr.decode().replace("docker", "nkdocker")
    if theirs.startswith("DEPRECATED: The legacy builder"):
        theirs = theirs.split("\n\n", 1)[1]
    return (docker.returncode, theirs), (mine.returncode, mine.stderr.decode())


@pytest.mark.parametrize(("line", "whole"), USAGE_ERRORS, ids=[c[0] for c in USAGE_ERRORS])
def test_usage_errors_as_docker_s(line: str, whole: bool, tmp_path: Path) -> None:
    (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, _dead_socket_env(tmp_path))
    assert dk_code in (1, 125) and nk_code == dk_code, (dk_err, nk_err)
    if whole:
        assert nk_err == dk_err
    else:
        assert nk_err.splitlines()[:2] == dk_err.splitlines()[:2]  # (its words, its prefix)
        assert "\nUsage:  nkdocker " in nk_err


@pytest.mark.parametrize("line", REFUSED_BEFORE_DIALLING)
def test_refused_before_dialling_as_docker(line: str, tmp_path: Path) -> None:
    (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, _dead_socket_env(tmp_path))
    assert nk_code == dk_code, (dk_err, nk_err)
    assert nk_err.splitlines()[0].removeprefix("nkdocker: ") == dk_err.splitlines()[0]


@pytest.mark.parametrize("line", ["run busybox true", "create busybox", "ps", "rm x"])
def test_no_daemon_exits_as_docker(line: str, tmp_path: Path) -> None:
    """With no daemon to dial: docker's exit code (run's own failures are 125, the others
    1); the words differ (docker's "Is the docker daemon running?")."""
    (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, _dead_socket_env(tmp_path))
    assert nk_code == dk_code, (dk_err, nk_err)
    assert nk_err.startswith("nkdocker: cannot talk to the daemon: ")


# Where docker's count of arguments is none of argparse's: cobra's own ExactArgs
# (context use), a shell docker takes as a command (completion), secret create's optional
# file (ours is needed), monitor (ours).
_COUNTED_APART = ("context use", "completion", "secret create", "monitor")


def _usage_lines() -> list[str]:
    """For every command and alias: an unknown flag, too few and too many arguments."""
    from nkdocker_actors.cli.parser import build_parser, commands

    lines = []
    for cmd in commands():
        for name in (cmd.name, *cmd.aliases):
            lines.append(f"{name} --bogus")
            if name.startswith(_COUNTED_APART):
                continue
            parser: Any = build_parser(name)
            for word in name.split():
                parser = parser._subcommands().choices[word]
            least, most = parser.argument_counts()
            if least:
                lines.append(name)
            if most is not None:
                lines.append(" ".join([name, *(f"x{i}" for i in range(most + 1))]))
    return lines


def test_every_command_refuses_as_docker_does(tmp_path: Path) -> None:
    """Each command's unknown flag, missing and extra arguments: docker's first line and
    exit code (not the Usage line: docker's names its arguments its own way)."""
    env = _dead_socket_env(tmp_path)
    differ = []
    for line in _usage_lines():
        (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, env)
        if (nk_code, nk_err.split("\n")[0]) != (dk_code, dk_err.split("\n")[0]):
            differ.append((line, dk_code, dk_err.split("\n")[0], nk_code, nk_err.split("\n")[0]))
    assert len(_usage_lines()) > 200 and not differ


# -- the parity table in docs/cli.md ---------------------------------------------------


def parity_table() -> str:
    """The markdown table of CASES, for docs/cli.md."""
    compared = {
        "exact": "exit code, stdout, stderr",
        "table": "exit code, table cells, stderr",
        "processes": "exit code, table cells but the CPU share (C), stderr",
        "sorted": "exit code, stdout lines (any order), stderr",
        "json": "exit code, JSON keys and types, stderr",
        "json=": "exit code, JSON, stderr",
        "head": "exit code, header and first column, stderr",
        "none": "exit code",
    }
    lines = [
        "| case | command lines (`{me}`: dk / nk) | compared |",
        "|---|---|---|",
    ]
    from test_cli_accounts import ACCOUNT_CASES  # the other side-by-side modules' cases
    from test_cli_plugins import PLUGIN_CASES
    from test_cli_swarm import SWARM_CASES

    for case in (*CASES, *ACCOUNT_CASES, *SWARM_CASES, *PLUGIN_CASES):
        steps = "<br>".join(f"`{s.replace('|', '&#124;')}`" for s in case.steps)
        what = compared[case.out]
        if not case.err:
            what = what.replace(", stderr", "")
        if case.tty:
            what += " (in a pty)"
        if case.note:
            what += f"; {case.note}"
        lines.append(f"| {case.name} | {steps} | {what} |")
    return "\n".join(lines) + "\n"


def _docs_with_table(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + parity_table() + text[end:]


def test_docs_parity_table_is_current() -> None:
    text = DOCS.read_text()
    assert text == _docs_with_table(text), "run: python tests/test_cli_parity.py"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    DOCS.write_text(_docs_with_table(DOCS.read_text()))
