"""The `nkdocker` command line against a real sandbox daemon.

Every command runs as a process of its own, as a user runs it: piped output must
hold no escape code, errors no traceback, and exit codes must be the documented ones.
`cli` forks it from a process that imported the package once (tests/cli_forkserver.py);
start-up, --version, completion, signals (ctrl-C) and `-t` inside a real pseudo-terminal
(pexpect) run a real `python -m nkdocker_actors`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cli_forkserver
import pexpect
import pytest
from conftest import wait_until
from faultserver import FaultServer

import nkdocker_actors as nk
from nkdocker_actors import sandbox

CLI = [sys.executable, "-m", "nkdocker_actors"]


def _env(daemon: sandbox.SandboxInfo) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    env.update(daemon.env())
    env.pop("DOCKER_CERT_PATH", None)
    return env


def _clean(result: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[bytes]:
    """Piped output: no escape codes; errors: no traceback."""
    assert b"\x1b" not in result.stdout, result.stdout
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


@pytest.fixture
def cli(daemon: sandbox.SandboxInfo) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run `nkdocker ARGS...` on the sandbox: the completed process."""

    def run(
        *args: str, input: bytes | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return _clean(cli_forkserver.run(args, env or _env(daemon), input or b"", timeout=60))

    return run


@pytest.fixture
def popen(daemon: sandbox.SandboxInfo) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `nkdocker ARGS...` in the background (killed at the end if still running)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [*CLI, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(daemon),
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _read_until(
    process: subprocess.Popen[bytes], needle: bytes, timeout: float = 20, stderr: bool = False
) -> bytes:
    """What the process wrote on stdout (or stderr), read until `needle` shows (no blocking
    past timeout)."""
    pipe = process.stderr if stderr else process.stdout
    assert pipe is not None
    fd = pipe.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{needle!r} not seen in {seen[-2000:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"output ended before {needle!r}: {seen[-2000:]!r}"
            seen += chunk
    return seen


def _own(stderr: bytes) -> bytes:
    """stderr without the daemon's warnings, which depend on the host: dockerd warns
    "IPv4 forwarding is disabled" on every create where net.ipv4.ip_forward=0, and
    nkdocker passes it on as docker does ("WARNING: ..."), so no test may expect an
    exact stderr that includes them."""
    return b"".join(line for line in stderr.splitlines(True) if not line.startswith(b"WARNING: "))


def _interrupt(process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """ctrl-C: the process must exit 130, cleanly."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err.decode()
    assert b"Traceback" not in err, err.decode()
    assert b"\x1b" not in out
    return out, err


# -- no daemon: the package, the parser ---------------------------------------------------


def test_the_core_does_not_load_rich() -> None:
    """rich serves the CLI only: importing the API (and connecting) never loads it."""
    code = (
        "import sys, nkdocker_actors; "
        "print('rich' in sys.modules, 'nkdocker_actors.cli' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    assert out == b"False False\n"


_SIGNAL_ELSEWHERE = """
import pathlib, signal, sys, threading
from nkdocker_actors.cli.signals import signals_reach_main

stat = pathlib.Path(f"/proc/self/task/{{threading.get_native_id()}}/stat")
never = threading.Lock()
never.acquire()
waiting = threading.Event()

def elsewhere():
    # once the main thread sleeps in its lock wait, the signal lands on this thread, as
    # the kernel may hand a process's signal to any of its threads
    waiting.wait()
    while stat.read_text().rsplit(")", 1)[1].split()[0] != "S":
        pass
    signal.pthread_kill(threading.get_ident(), signal.SIG{name})

with signals_reach_main():
    try:
        threading.Thread(target=elsewhere, daemon=True).start()
        waiting.set()
        never.acquire()
    except KeyboardInterrupt:
        sys.exit(130)
    except BaseException as stop:
        sys.exit(f"{{stop!r}}")
"""


@pytest.mark.parametrize("name", ["INT", "TERM"])
def test_a_signal_another_thread_takes_still_ends_the_main_threads_wait(name: str) -> None:
    """CPython runs signal handlers in the main thread only when it runs code or a wait
    of its fails with EINTR: a signal handled in another thread (or just before the main
    thread's lock wait) left `nkdocker events` deaf to ctrl-C. The CLI's watcher
    interrupts the main thread's wait, which then raises as the signal says."""
    code = _SIGNAL_ELSEWHERE.format(name=name)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=20)
    if name == "INT":
        assert done.returncode == 130, done.stderr.decode()
    else:
        assert done.stderr == b"Terminated(15)\n" and done.returncode == 1


_SIGNALS_ALL_THE_TIME = """
import os, signal, sys, threading
from nkdocker_actors.cli.signals import signals_reach_main

def count(signum, frame):
    count.outside += 1
count.outside = 0

signal.signal(signal.SIGINT, count)
fds = sorted(os.listdir("/proc/self/fd"))
sending = True

def send():
    while sending:
        os.kill(os.getpid(), signal.SIGINT)

sender = threading.Thread(target=send)
sender.start()
raised = 0
for _ in range(300):
    try:
        with signals_reach_main():
            pass
    except KeyboardInterrupt:
        raised += 1
sending = False
sender.join()
assert raised > 0 and count.outside > 0, (raised, count.outside)
assert signal.getsignal(signal.SIGINT) is count
assert signal.getsignal(signal.SIGURG) == signal.SIG_DFL
assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
assert signal.set_wakeup_fd(-1) == -1
assert threading.enumerate() == [threading.main_thread()], threading.enumerate()
assert sorted(os.listdir("/proc/self/fd")) == fds
"""


def test_signals_at_any_moment_leave_nothing_behind() -> None:
    """ctrl-C all the time, while the CLI's signal handling is set up and torn down 300
    times: a signal that comes while it sets up or ends is raised once all is restored,
    so no watcher thread, pipe, handler or wakeup fd is left behind."""
    done = subprocess.run([sys.executable, "-c", _SIGNALS_ALL_THE_TIME], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_boolean_flags_take_a_value_as_docker_s() -> None:
    """`--flag` or `--flag=VALUE` (a value Go's ParseBool reads), never `--flag VALUE`: the
    word after a boolean flag is the next argument, as docker parses it."""
    from nkdocker_actors.cli.parser import build_parser
    from nkdocker_actors.cli.usage import UsageError

    def parse(*argv: str) -> Any:
        return build_parser(" ".join(argv[:2]) if argv[0] == "swarm" else argv[0]).parse_args(argv)

    run = parse("run", "--rm=false", "--sig-proxy=0", "-d", "busybox", "sh", "--rm=true")
    assert (run.rm, run.sig_proxy, run.detach, run.image, run.cmd) == (
        False, False, True, "busybox", ["sh", "--rm=true"],
    )  # fmt: skip
    assert parse("run", "--sig-proxy", "busybox").image == "busybox"
    assert parse("run", "-d=false", "-it", "busybox").detach is False
    with pytest.raises(UsageError, match=r"^unknown flag: --detac$") as refused:
        parse("run", "--detac", "busybox")  # (no shortened flags)
    assert refused.value.code == 125
    assert parse("swarm", "update", "--autolock=False").autolock is False
    with pytest.raises(UsageError, match=r"^'nkdocker swarm update' accepts no arguments$"):
        parse("swarm", "update", "--autolock", "false")


def test_create_flags_become_the_create_options_docker_sends() -> None:
    """The flags whose effect the sandbox daemon cannot show (its kernel discards block IO
    weights; no GPU; annotations need API 1.43): the HostConfig our create body holds."""
    from nkdocker_actors.cli.create_flags import create_options
    from nkdocker_actors.cli.parser import build_parser
    from nkdocker_actors.options import create_body

    argv = [
        "create", "--rm", "--blkio-weight", "300", "--blkio-weight-device", "/dev/sda:200",
        "--device-read-bps", "/dev/sda:10m", "--device-write-bps", "/dev/sda:1024",
        "--device-read-iops", "/dev/sda:100", "--device-write-iops", "/dev/sdb:200",
        "--gpus", "all", "--gpus", '"device=0,2",capabilities=compute,options=a=b',
        "--annotation", "a=b", "--annotation", "c", "--storage-opt", "size=1G",
        "--memory-reservation", "1g", "--health-cmd", "true",
        "--health-start-interval", "2s", "--network", "n1", "--ip6", "fd00::5",
        "--link-local-ip", "169.254.1.1", "busybox",
    ]  # fmt: skip
    args = build_parser("create").parse_args(argv)
    options = create_options(args, detach=True)
    options["auto_remove"] = True  # (as _create adds it)
    body = create_body("busybox", options, (1, 44))
    host = body["HostConfig"]
    assert host["BlkioWeight"] == 300
    assert host["BlkioWeightDevice"] == [{"Path": "/dev/sda", "Weight": 200}]
    assert host["BlkioDeviceReadBps"] == [{"Path": "/dev/sda", "Rate": 10 * 2**20}]
    assert host["BlkioDeviceWriteBps"] == [{"Path": "/dev/sda", "Rate": 1024}]
    assert host["BlkioDeviceReadIOps"] == [{"Path": "/dev/sda", "Rate": 100}]
    assert host["BlkioDeviceWriteIOps"] == [{"Path": "/dev/sdb", "Rate": 200}]
    assert host["DeviceRequests"] == [
        {"Count": -1, "Options": {}, "Capabilities": [["gpu"]]},
        {"DeviceIDs": ["0", "2"], "Capabilities": [["compute", "gpu"]], "Options": {"a": "b"}},
    ]
    assert host["Annotations"] == {"a": "b", "c": ""}
    assert host["StorageOpt"] == {"size": "1G"}
    assert host["MemoryReservation"] == 2**30
    assert host["AutoRemove"] is True
    assert body["Healthcheck"]["StartInterval"] == 2 * 10**9
    ipam = body["NetworkingConfig"]["EndpointsConfig"]["n1"]["IPAMConfig"]
    assert ipam == {"IPv6Address": "fd00::5", "LinkLocalIPs": ["169.254.1.1"]}


def test_system_df_verbose_build_cache_as_docker_orders_and_marks_it() -> None:
    """Build cache records (BuildKit's; dockerd 20.10's classic builder makes none): never
    used first, then the least recently used; one in use marked with *."""
    from nkdocker_actors.cli.system import _df_verbose

    def record(ident: str, used: str | None, in_use: bool = False) -> dict[str, Any]:
        at = "2026-12-01T10:00:00Z"
        return {"ID": ident, "Type": "regular", "Size": 1000, "CreatedAt": at,
                "LastUsedAt": used, "UsageCount": 1, "InUse": in_use, "Shared": False}  # fmt: skip

    cache = [
        record("c" * 20, "2026-12-01T10:00:01Z"),
        record("b" * 20, "2026-12-01T10:00:00.5Z", in_use=True),
        record("a" * 20, None),
    ]
    text = _df_verbose({"BuildCache": cache})
    assert "Build cache usage: 3kB\n" in text
    rows = text.split("CACHE ID", 1)[1].splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["a" * 12, "b" * 12 + "*", "c" * 12]


def test_version_flag_and_completion() -> None:
    version = subprocess.run([*CLI, "--version"], capture_output=True, check=True).stdout
    assert version.startswith(b"nkdocker version ")
    script = subprocess.run([*CLI, "completion", "bash"], capture_output=True, check=True).stdout
    complete = (
        "source /dev/stdin; COMP_WORDS=(nkdocker network c); COMP_CWORD=2; _nkdocker;"
        ' echo "${COMPREPLY[@]}"; COMP_WORDS=(nkdocker run --me); COMP_CWORD=2; _nkdocker;'
        ' echo "${COMPREPLY[@]}"'
    )
    words = subprocess.run(["bash", "-c", complete], input=script, capture_output=True, check=True)
    memory = "--memory --memory-swap --memory-reservation --memory-swappiness"
    assert words.stdout.decode().splitlines() == ["connect create", memory]
    zsh = subprocess.run([*CLI, "completion", "zsh"], capture_output=True, check=True).stdout
    assert zsh.startswith(b"#compdef nkdocker") and b'"network ls")' in zsh


_PROGRESS = """
import sys
from nkdocker_actors.cli.render import Progress
with Progress(sys.stdout) as progress:
    progress.feed({"status": "Pulling from x"})
    for n in (0, 50, 100):
        detail = {"current": n * 1000, "total": 100000}
        progress.feed({"id": "abc123", "status": "Downloading", "progressDetail": detail})
    progress.feed({"id": "abc123", "status": "Pull complete"})
"""
_COLOUR = re.compile(rb"\x1b\[(?:\d+;)*(?:3[0-7]|38;5;\d+|38;2;\d+;\d+;\d+)m")


@pytest.mark.parametrize("no_color", [False, True])
def test_progress_bars_colour_only_on_a_terminal_without_no_color(no_color: bool) -> None:
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn(sys.executable, ["-c", _PROGRESS], env=env, timeout=20)
    child.expect(pexpect.EOF)
    child.close()
    drawn = child.before
    assert child.exitstatus == 0 and b"\x1b[2K" in drawn  # redrawn in place
    assert b"abc123: Pull complete" in drawn and b"100.0/100.0 kB" in drawn
    assert bool(_COLOUR.search(drawn)) is not no_color
    piped = subprocess.run([sys.executable, "-c", _PROGRESS], capture_output=True, env=env)
    assert piped.stdout == (
        b"Pulling from x\nabc123: Downloading\nabc123: Pull complete\n"
    )  # one line per change of status, no escape code


# -- version, info, ps, images, --json, several daemons ---------------------------------


def test_version_info_and_json(cli: Any) -> None:
    text = cli("version")
    assert text.returncode == 0
    assert b"Client: nkdocker_actors" in text.stdout and b"API version:" in text.stdout
    version = json.loads(cli("version", "--json").stdout)
    assert version["Server"]["ApiVersion"] and version["Client"]["Version"]
    info = json.loads(cli("--json", "info").stdout)
    assert "ServerVersion" in info
    assert b"Server Version:" in cli("info").stdout
    assert cli("--help").returncode == 0


def test_tls_from_the_environment_and_flags(cli: Any, daemon: sandbox.SandboxInfo) -> None:
    env = {**_env(daemon), **daemon.tls_env()}
    assert cli("version", "--json", env=env).returncode == 0  # DOCKER_TLS_VERIFY, CERT_PATH
    del env["DOCKER_TLS_VERIFY"]
    plain = cli("-H", daemon.tls_url, "ps", env=env)
    assert plain.returncode == 1 and b"HTTPS" in plain.stderr  # the daemon's own words
    assert cli("-H", daemon.tls_url, "--tlsverify", "ps", env=env).returncode == 0


def test_ps_and_images_across_daemons(
    cli: Any, daemon: sandbox.SandboxInfo, docker: nk.Docker, name: Any, cleanup: Any
) -> None:
    container = cleanup(name("ps"))
    docker.create("busybox:latest", name=container, cmds=["true"]).get(30)
    hosts = ["-H", f"a={daemon.unix_url}", "-H", f"b={daemon.tcp_url}"]
    listed = json.loads(cli(*hosts, "ps", "-a", "--json", "--filter", f"name={container}").stdout)
    assert sorted(item["Host"] for item in listed) == ["a", "b"]
    table = cli(*hosts, "ps", "-a", "--filter", f"name={container}").stdout.decode()
    assert table.splitlines()[0].split()[0] == "HOST"
    assert f"a      {listed[0]['Id'][:12]}" in table or container in table
    single = cli("ps", "-a", "-q", "--filter", f"name={container}").stdout.decode().split()
    assert single == [listed[0]["Id"][:12]]
    images = cli("images").stdout.decode()
    assert "busybox" in images and "latest" in images
    # one daemon down: the others are listed, the exit code says it failed
    broken = cli("-H", f"a={daemon.unix_url}", "-H", "b=unix:///nonexistent.sock", "images", "-q")
    assert broken.returncode == 1 and broken.stdout.strip()
    assert b"b: cannot talk to the daemon" in broken.stderr


# -- run, exec, logs -----------------------------------------------------------------


def test_run_streams_and_exit_code(cli: Any, docker: nk.Docker, name: Any, cleanup: Any) -> None:
    container = cleanup(name("run"))
    result = cli(
        "run", "--rm", "--name", container, "-e", "WHO=nk", "busybox:latest",
        "sh", "-c", "echo out $WHO; echo err >&2; exit 7",
    )  # fmt: skip
    assert result.returncode == 7
    assert result.stdout == b"out nk\n" and _own(result.stderr) == b"err\n"
    assert docker.ps(all=True, filters={"name": [container]}).get(10) == []  # --rm
    piped = cli("run", "-i", "--rm", "busybox:latest", "sh", "-c", "cat; echo end", input=b"hi\n")
    assert piped.returncode == 0 and piped.stdout == b"hi\nend\n"  # stdin half-closed at EOF
    # A boolean flag takes no value after a space, as docker's: the image comes next.
    bare = cli("run", "--rm", "--sig-proxy", "busybox:latest", "echo", "hi")
    assert (bare.returncode, bare.stdout) == (0, b"hi\n")


def test_rm_leaves_the_removal_to_the_daemon_and_waits_for_it(
    cli: Any, docker: nk.Docker, name: Any, cleanup: Any
) -> None:
    """As docker's: --rm sets AutoRemove, and run (or start -a of a container created with
    --rm) exits with the container's code once the daemon has removed it."""
    created = cleanup(name("rm-start"))
    assert (
        cli("create", "--rm", "--name", created, "busybox:latest", "sh", "-c", "exit 6").returncode
        == 0
    )
    assert docker.inspect(created).get(10)["HostConfig"]["AutoRemove"] is True
    started = cli("start", "-a", created)
    assert started.returncode == 6
    assert docker.ps(all=True, filters={"name": [created]}).get(10) == []
    failed = cleanup(name("rm-failed"))
    assert (
        cli("run", "--rm", "--name", failed, "busybox:latest", "no-such-command").returncode == 127
    )
    assert docker.ps(all=True, filters={"name": [failed]}).get(10) == []  # removed on failing


def test_run_errors(cli: Any, daemon: sandbox.SandboxInfo) -> None:
    missing = cli("run", "--rm", "busybox:latest", "no-such-command")
    assert missing.returncode == 127 and b"executable file not found" in missing.stderr
    no_image = cli("run", "--rm", "127.0.0.1:1/nothing:here", "true")
    assert no_image.returncode == 125
    assert no_image.stderr.startswith(b"Unable to find image '127.0.0.1:1/nothing:here' locally\n")
    assert no_image.stderr.splitlines()[-1].startswith(b"nkdocker: ")
    assert cli("create", "127.0.0.1:1/nothing:here").returncode == 1  # (docker's: not 125)
    bad_name = cli("run", "--name", "bad name!", "busybox:latest", "true")
    assert bad_name.returncode == 125 and b"invalid container identifier" in bad_name.stderr
    assert cli("logs", "bad name!").returncode == 1  # (docker: the daemon's No such container)
    not_found = cli("logs", "no-such-container-here")
    assert not_found.returncode == 1
    assert not_found.stderr == b"nkdocker: No such container: no-such-container-here\n"
    down = cli("-H", "unix:///nonexistent.sock", "ps")
    assert down.returncode == 1 and b"cannot talk to the daemon" in down.stderr


def test_detached_logs_follow_and_exec(
    cli: Any, popen: Any, name: Any, cleanup: Any, docker: nk.Docker
) -> None:
    container = cleanup(name("logs"))
    # "two" is followed before the container ends: dockerd 20.10's logs -f can drop a line
    # written just as the container exits (the docker CLI loses it too).
    script = (
        "echo one; while [ ! -f /tmp/go ]; do sleep 0.05; done; echo two >&2; "
        "while [ ! -f /tmp/end ]; do sleep 0.05; done"
    )
    started = cli("run", "-d", "--name", container, "busybox:latest", "sh", "-c", script)
    assert started.returncode == 0 and len(started.stdout.strip()) == 64
    follow = popen("logs", "-f", container)
    _read_until(follow, b"one\n")
    # exec: stdin half-closed at EOF, the process's exit code
    echoed = cli("exec", "-i", container, "cat", input=b"abc")
    assert echoed.returncode == 0 and echoed.stdout == b"abc"
    assert cli("exec", container, "sh", "-c", "exit 5").returncode == 5
    assert cli("exec", container, "touch", "/tmp/go").returncode == 0
    assert _read_until(follow, b"two\n", stderr=True) == b"two\n"
    # detached: the container ends as soon as /tmp/end exists, and its end SIGKILLs a `touch`
    # that has not exited yet (137), which is not what this test asserts
    assert cli("exec", "-d", container, "touch", "/tmp/end").returncode == 0
    out, err = follow.communicate(timeout=20)  # the container ends: so does logs -f
    assert follow.returncode == 0 and out == b"" and err == b""
    assert cli("logs", container).stdout == b"one\n"
    stopped = cli("exec", container, "true")
    assert stopped.returncode == 1 and b"is not running" in stopped.stderr


def test_attach_sends_stdin_and_exits_with_the_code(cli: Any, name: Any, cleanup: Any) -> None:
    container = cleanup(name("attach"))
    script = "read x; echo got $x; exit 6"
    assert cli("run", "-d", "-i", "--name", container, "busybox:latest", "sh", "-c", script)
    attached = cli("attach", container, input=b"hello\n")
    assert attached.returncode == 6 and attached.stdout == b"got hello\n"
    stopped = cli("attach", container)
    assert stopped.returncode == 1
    assert stopped.stderr == b"nkdocker: You cannot attach to a stopped container, start it first\n"


def test_ctrl_c_is_forwarded_to_the_container(
    popen: Any, name: Any, cleanup: Any, docker: nk.Docker
) -> None:
    """docker's --sig-proxy: without a TTY, ctrl-C goes to the container, which ends on
    its own terms; nkdocker exits with its code."""
    container = cleanup(name("proxy"))
    script = 'trap "echo got INT; exit 42" INT; echo ready; while :; do sleep 0.05; done'
    process = popen("run", "--rm", "--name", container, "busybox:latest", "sh", "-c", script)
    _read_until(process, b"ready\n")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 42, err.decode()
    assert out == b"got INT\n" and b"Traceback" not in err
    assert docker.ps(all=True, filters={"name": [container]}).get(10) == []  # --rm


def test_ctrl_c_without_sig_proxy_exits_130_and_rm_cleans_up(
    popen: Any, name: Any, cleanup: Any, docker: nk.Docker
) -> None:
    container = cleanup(name("intr"))
    process = popen(
        "run", "--rm", "--sig-proxy=false", "--name", container, "busybox:latest", "sleep", "30"
    )
    wait_until(lambda: docker.ps(filters={"name": [container]}).get(10), 20)
    _interrupt(process)
    assert docker.ps(all=True, filters={"name": [container]}).get(10) == []


# -- -t inside a real pseudo-terminal ---------------------------------------------------


def _spawn(
    daemon: sandbox.SandboxInfo, *args: str, size: tuple[int, int] = (24, 80)
) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "nkdocker_actors", *args],
        env=_env(daemon),
        dimensions=size,
        timeout=20,
        logfile=sys.stderr.buffer if os.environ.get("NK_DEBUG_PTY") else None,
    )


def _size_becomes(child: pexpect.spawn, rows: int, cols: int) -> None:
    """Ask the remote TTY its size until it is rows x cols (a resize is asynchronous)."""
    deadline = time.monotonic() + 10
    while True:
        child.sendline("stty size")
        if child.expect([f"{rows} {cols}", r"\d+ \d+"]) == 0:
            return
        assert time.monotonic() < deadline, "the remote TTY was not resized"


def test_run_tty_in_a_pty(
    daemon: sandbox.SandboxInfo, docker: nk.Docker, name: Any, cleanup: Any
) -> None:
    container = cleanup(name("tty"))
    child = _spawn(daemon, "run", "-it", "--rm", "--name", container, "busybox:latest", "sh")
    child.expect("# ")
    _size_becomes(child, 24, 80)
    child.setwinsize(30, 100)  # SIGWINCH: the container's TTY follows
    _size_becomes(child, 30, 100)
    child.sendline("sleep 100")

    def sleeping() -> bool:
        processes = docker.top(container).get(10)["Processes"]
        return any("sleep 100" in " ".join(p) for p in processes)

    wait_until(sleeping, 10)
    child.sendcontrol("c")  # raw mode: ctrl-C goes to the container, not to us
    child.expect("# ")
    child.sendline("exit 3")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3


def test_exec_tty_in_a_pty(cli: Any, daemon: sandbox.SandboxInfo, name: Any, cleanup: Any) -> None:
    container = cleanup(name("etty"))
    assert cli("run", "-d", "--name", container, "busybox:latest", "sleep", "60").returncode == 0
    child = _spawn(daemon, "exec", "-it", container, "sh")
    child.expect("# ")
    child.setwinsize(33, 111)
    _size_becomes(child, 33, 111)
    child.sendline("exit 4")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4


def test_detach_keys_read_and_watched_as_docker_s() -> None:
    from nkdocker_actors.cli.detach import EscapeWatch, key_bytes

    assert key_bytes("ctrl-p,ctrl-q") == b"\x10\x11"
    assert key_bytes("ctrl-@,ctrl-_,DEL,a") == b"\x00\x1f\x7fa"
    with pytest.raises(ValueError, match="Unknown character: 'ctrl-'"):
        key_bytes("ctrl-")
    watch = EscapeWatch("ctrl-x,a")
    assert watch.feed(b"ab\x18") == b"ab"  # (ctrl-x held: it may start the sequence)
    assert watch.feed(b"\x18") == b"\x18"  # (a false start goes on; the new one is held)
    assert watch.feed(b"b") == b"\x18b" and not watch.detached
    assert watch.feed(b"c\x18ad") == b"c" and watch.detached  # (nothing after it sent)
    assert EscapeWatch("bogus").keys == b"\x10\x11"  # (docker's default instead)


def test_detach_keys_leave_the_container_running(
    cli: Any, daemon: sandbox.SandboxInfo, docker: nk.Docker, name: Any, cleanup: Any
) -> None:
    """run and start detach quietly (exit 0, --rm left running, and removed by the daemon
    once it exits, as docker's); exec and attach report "read escape sequence" (exit 1); a
    sequence begun and not finished goes on as typed."""
    container = cleanup(name("detach"))
    child = _spawn(daemon, "run", "-it", "--rm", "--name", container, "busybox:latest", "sh")
    child.expect("# ")
    child.send("\x10\x11")  # (docker's default: ctrl-p,ctrl-q)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert docker.inspect(container).get(10)["State"]["Running"]
    child = _spawn(daemon, "exec", "-it", "--detach-keys", "q,z", container, "sh")
    child.expect("# ")
    child.send("echo q")
    child.send("a\r")  # (q then a: no detach, both go on)
    child.expect("\r\nqa\r\n")
    child.send("qz")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and b"read escape sequence" in child.before
    child = _spawn(daemon, "attach", "--detach-keys", "ctrl-x", container)
    child.sendline("echo attached")
    child.expect("attached\r\n")
    child.send("\x18")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and b"read escape sequence" in child.before
    state = docker.inspect(container).get(10)
    assert state["State"]["Running"] and state["HostConfig"]["AutoRemove"]
    gone = docker.wait(container, condition="removed")
    docker.kill(container).get(10)
    assert gone.get(30)["StatusCode"] == 137
    with pytest.raises(nk.NotFound):
        docker.inspect(container).get(10)


def test_ctrl_c_at_a_prompt_is_a_no(
    daemon: sandbox.SandboxInfo, docker: nk.Docker, name: Any, cleanup: Any
) -> None:
    """As docker's: the prompt's line ends, nothing is done, exit 0 (not 130)."""
    container = cleanup(name("prompt"))
    docker.create("busybox:latest", name=container, cmds=["true"]).get(30)
    for command in (("container", "prune"), ("system", "prune")):
        child = _spawn(daemon, *command)
        child.expect_exact("Are you sure you want to continue? [y/N] ")
        child.sendintr()
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, (command, child.before)
        assert docker.inspect(container).get(10)["State"]["Status"] == "created"


# -- events, stats, monitor -----------------------------------------------------------


def test_events(cli: Any, popen: Any, name: Any, cleanup: Any, docker: nk.Docker) -> None:
    container = cleanup(name("ev"))
    since = f"{time.time() - 1:.3f}"
    events = popen("events", "--json", "--since", since, "--filter", f"container={container}")
    docker.create("busybox:latest", name=container, cmds=["true"]).get(30)
    docker.start(container).get(30)
    seen = _read_until(events, b'"die"')
    actions = [json.loads(line)["Action"] for line in seen.decode().splitlines()]
    assert actions[:2] == ["create", "start"]
    _interrupt(events)  # until interrupted
    bounded = cli("events", "--since", since, "--until", f"{time.time():.3f}")
    assert bounded.returncode == 0
    assert f"container start {docker.inspect(container).get(10)['Id']}" in bounded.stdout.decode()


def test_stats_and_monitor_once(
    cli: Any, daemon: sandbox.SandboxInfo, name: Any, cleanup: Any
) -> None:
    container = cleanup(name("mon"))
    assert cli("run", "-d", "--name", container, "busybox:latest", "sleep", "60").returncode == 0
    stats = cli("stats", "--no-stream", container).stdout.decode()
    assert stats.split()[:3] == ["CONTAINER", "ID", "NAME"]  # docker's columns
    assert "NET I/O" in stats and "BLOCK I/O" in stats
    assert container in stats and "%" in stats and "--" not in stats  # sampled rows only
    hosts = ["-H", f"a={daemon.unix_url}", "-H", f"b={daemon.tcp_url}"]
    rows = json.loads(cli(*hosts, "monitor", "--once", "--json").stdout)
    mine = [row for row in rows if row["name"] == container]
    assert sorted(row["host"] for row in mine) == ["a", "b"]
    assert all(row["cpu_percent"] is not None and row["mem_usage"] > 0 for row in mine)


def test_stats_live_on_a_terminal(
    cli: Any, daemon: sandbox.SandboxInfo, name: Any, cleanup: Any
) -> None:
    """On a terminal the table is drawn live (rich), redrawn in place, until ctrl-C."""
    container = cleanup(name("live"))
    assert cli("run", "-d", "--name", container, "busybox:latest", "sleep", "60").returncode == 0
    # room for every column (rich fits the table to the terminal's width)
    child = _spawn(daemon, "stats", container, size=(30, 200))
    child.expect("CONTAINER ID")
    child.expect(container)
    child.expect(container)  # drawn again
    assert b"\x1b[" in child.before
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_monitor_follows_events(
    popen: Any, daemon: sandbox.SandboxInfo, name: Any, cleanup: Any, docker: nk.Docker
) -> None:
    container = cleanup(name("live"))
    hosts = ["-H", f"a={daemon.unix_url}", "-H", f"b={daemon.tcp_url}"]
    monitor = popen(*hosts, "monitor", "--interval", "0.2")
    _read_until(monitor, b"HOST")  # the first table is out: the event streams are live
    docker.create("busybox:latest", name=container, cmds=["sleep", "60"]).get(30)
    docker.start(container).get(30)
    rows = {host: re.compile(rf"(?m)^{host}\s+[0-9a-f]{{12}}\s+{container}\s") for host in "ab"}
    tables = [""]

    def on_both() -> bool:  # a table with the container on each daemon
        tables.append(_read_until(monitor, b"\n\n").decode())
        return all(row.search(tables[-1]) for row in rows.values())

    wait_until(on_both, 20)
    docker.rm(container, force=True).get(30)

    def gone() -> bool:  # a table without the container
        tables = _read_until(monitor, b"\n\n").decode().split("\n\n")
        return any(t.startswith("HOST") and container not in t for t in tables[:-1])

    wait_until(gone, 20)
    _interrupt(monitor)


# -- pull, push, build ------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry(daemon: sandbox.SandboxInfo) -> sandbox.RegistryInfo:
    """The sandbox's private registry."""
    return sandbox.registry_up(daemon.name)


def test_push_and_pull_with_progress(
    cli: Any, daemon: sandbox.SandboxInfo, registry: sandbox.RegistryInfo, docker: nk.Docker
) -> None:
    image = f"{registry.host}/nkcli"
    docker.tag("busybox:latest", image, tag="v1").get(10)
    auth = ["--username", registry.user, "--password", registry.password]
    refused = cli("push", f"{image}:v1")
    assert refused.returncode == 1 and b"auth" in refused.stderr
    pushed = cli("push", *auth, f"{image}:v1")
    assert pushed.returncode == 0, pushed.stderr
    lines = pushed.stdout.decode().splitlines()
    layer = re.compile(r"[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from .+)")
    assert any(layer.fullmatch(line) for line in lines), lines
    assert len(lines) == len(set(lines))  # one line per layer and status, no progress ticks
    docker.rmi(f"{image}:v1").get(30)
    pulled = cli("pull", *auth, f"{image}:v1")
    assert pulled.returncode == 0 and b"Downloaded newer image" in pulled.stdout
    missing = cli("pull", *auth, f"{image}:nope")
    assert missing.returncode == 1 and b"not found" in missing.stderr
    # on a terminal, layer lines are redrawn in place
    child = _spawn(daemon, "push", *auth, f"{image}:v1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and b"\x1b[" in child.before
    docker.rmi(f"{image}:v1").get(30)


def test_build(cli: Any, tmp_path: Path, docker: nk.Docker, name: Any) -> None:
    tag = name("nkbuild") + ":1"
    (tmp_path / "Dockerfile").write_text(
        'FROM busybox:latest\nARG MSG=none\nRUN echo "built $MSG" > /msg\nCMD ["cat", "/msg"]\n'
    )
    (tmp_path / "Dockerfile.bad").write_text("FROM busybox:latest\nRUN exit 3\n")
    try:
        built = cli("build", "-t", tag, "--build-arg", "MSG=yes", str(tmp_path))
        assert built.returncode == 0, built.stderr
        assert b"Step 3/4" in built.stdout and b"Successfully tagged" in built.stdout
        assert cli("run", "--rm", tag).stdout == b"built yes\n"
        failed = cli("build", "--force-rm", "-f", "Dockerfile.bad", str(tmp_path))
        assert failed.returncode == 3 and b"returned a non-zero code: 3" in failed.stderr
    finally:
        with contextlib.suppress(nk.NotFound):
            docker.rmi(tag, force=True).get(30)


def test_pull_all_tags(cli: Any, registry: sandbox.RegistryInfo, docker: nk.Docker) -> None:
    repo = f"{registry.host}/nkcli-all"
    auth = ["--username", registry.user, "--password", registry.password]
    for tag in ("a", "b"):
        docker.tag("busybox:latest", repo, tag=tag).get(10)
    try:
        assert cli("push", *auth, "-a", "-q", repo).stdout == f"{repo}\n".encode()
        for tag in ("a", "b"):
            docker.rmi(f"{repo}:{tag}").get(30)
        pulled = cli("pull", *auth, "-a", repo)
        assert pulled.returncode == 0, pulled.stderr
        lines = pulled.stdout.decode().splitlines()
        assert {"a: Pulling from nkcli-all", "b: Pulling from nkcli-all"} <= set(lines)
        assert lines[-2:] == [f"Status: Downloaded newer image for {repo}", repo]
        tags = docker.inspect_image(f"{repo}:a").get(10)["RepoTags"]
        assert sorted(t for t in tags if t.startswith(repo)) == [f"{repo}:a", f"{repo}:b"]
        refused = cli("pull", *auth, "-a", f"{repo}:a")
        assert (refused.returncode, refused.stderr) == (
            1,
            b"nkdocker: tag can't be used with --all-tags/-a\n",
        )
    finally:
        for tag in ("a", "b"):
            with contextlib.suppress(nk.NotFound):
                docker.rmi(f"{repo}:{tag}", force=True).get(30)


def test_cp_archive_and_follow_link(
    cli: Any, docker: nk.Docker, tmp_path: Path, name: Any, cleanup: Any
) -> None:
    container = cleanup(name("nkcp"))
    assert cli("run", "-d", "--name", container, "busybox:latest", "sleep", "600").returncode == 0
    mine = tmp_path / "mine"
    mine.write_text("mine\n")
    os.chown(mine, 1234, 5678)
    (tmp_path / "link").symlink_to("mine")
    for flags, target in (([], "plain"), (["-a"], "archived"), (["-L"], "followed")):
        source = tmp_path / ("link" if target == "followed" else "mine")
        copied = cli("cp", *flags, str(source), f"{container}:/tmp/{target}")
        assert (copied.returncode, copied.stderr) == (0, b""), copied.stderr
    listed = cli("exec", container, "sh", "-c", "cd /tmp && stat -c '%n %u:%g %F' *")
    assert listed.stdout.decode().splitlines() == [
        "archived 1234:5678 regular file",
        "followed 1234:5678 regular file",
        "plain 1234:5678 regular file",
    ]
    # out of the container: the files are ours (docker keeps no owner here, even with -a),
    # a link as it is, or what it names with -L
    setup = "ln -s /tmp/plain /tmp/link && chown 33:44 /tmp/plain"
    assert cli("exec", container, "sh", "-c", setup).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    for flags, source, target in (
        (["-a"], "/tmp/plain", "owned"),
        ([], "/tmp/link", "link"),
        (["-L"], "/tmp/link", "followed"),
    ):
        copied = cli("cp", *flags, f"{container}:{source}", str(out / target))
        assert copied.returncode == 0, copied.stderr
    assert (out / "owned").stat().st_uid == os.geteuid() and (out / "owned").read_text() == "mine\n"
    assert os.readlink(out / "link") == "/tmp/plain"
    assert not (out / "followed").is_symlink() and (out / "followed").read_text() == "mine\n"
    into = tmp_path / "into"
    into.mkdir()
    copied = cli("cp", "-L", f"{container}:/tmp/link", str(into))  # named as the link
    assert copied.returncode == 0 and (into / "link").read_text() == "mine\n"


def test_build_iidfile(cli: Any, tmp_path: Path, docker: nk.Docker, name: Any) -> None:
    tag = name("nkiid") + ":1"
    (tmp_path / "Dockerfile").write_text("FROM busybox:latest\nLABEL nkiid=1\n")
    (tmp_path / "Dockerfile.bad").write_text("FROM busybox:latest\nRUN exit 3\n")
    iidfile = tmp_path / "iid"
    try:
        for quiet in ([], ["-q"]):
            iidfile.unlink(missing_ok=True)
            built = cli("build", *quiet, "--iidfile", str(iidfile), "-t", tag, str(tmp_path))
            assert built.returncode == 0, built.stderr
            assert iidfile.read_text() == docker.inspect_image(tag).get(10)["Id"]
        failed = cli("build", "--iidfile", str(iidfile), "-f", "Dockerfile.bad", str(tmp_path))
        assert failed.returncode == 3 and not iidfile.exists()  # (no stale id left)
    finally:
        with contextlib.suppress(nk.NotFound):
            docker.rmi(tag, force=True).get(30)


def test_log_level_shows_the_library_s_reports_as_docker_s_log_lines(
    cli: Callable[..., subprocess.CompletedProcess[bytes]], fault_server: FaultServer
) -> None:
    """-l/--log-level and -D show what the library reports (here: a stream that failed)
    on stderr, in logrus' text format as docker's own log lines; without them, only the
    command's error. A level docker does not know is refused in its words."""
    fault_server.set("invalid_json")
    try:
        quiet = cli("-H", fault_server.url, "events")
        shown = cli("-l", "warn", "-H", fault_server.url, "events")
        debug = cli("-D", "-H", fault_server.url, "events")
    finally:
        fault_server.set("good")
    assert quiet.returncode == shown.returncode == debug.returncode == 1
    assert b"level=" not in quiet.stderr
    for result in (shown, debug):
        assert re.search(rb'time="[^"]+" level=warning msg="stream .*failed: ', result.stderr)
    refused = cli("-l", "loud", "ps")
    assert refused.returncode == 1
    assert refused.stderr == b"nkdocker: Unable to parse logging level: loud\n"
