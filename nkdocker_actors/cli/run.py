"""run, create, start -a, attach, exec, logs: containers wired to our terminal.

`run` and `create` take the docker CLI's flags for every create option the Python
API models; CREATE_FLAGS is the one table both the parser and the conversion read.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pykka

from ..connection import Docker
from ..errors import DockerError, NkDockerError, NotFound, NotModified
from ..messages import Inbox
from .common import (
    PROG,
    Arg,
    CliError,
    Cmd,
    Session,
    arg,
    each_name,
    is_tty,
    pairs,
    timestamp,
    to_int,
    wait,
    write,
)
from .detach import DETACH_KEYS, Detached
from .interactive import interact, proxy_signals, pump_output
from .usage import UsageError, cpus

# -- create flags: docker's flag -> our create option -----------------------------------


def size_of(text: str) -> str | int:
    """A size flag ("512m", "1g", "1024"): bytes as int when plain, else the text
    (the API reads sizes like "512m")."""
    return int(text) if text.isdigit() else text.lower().rstrip("b") or text


def restart_policy(text: str) -> Any:
    """--restart no|always|unless-stopped|on-failure[:N]."""
    name, _, retries = text.partition(":")
    return (name, to_int(retries, "--restart on-failure:N")) if retries else name


def _publish(specs: list[str]) -> list[Any]:
    """-p [IP:][HOST:]CONTAINER[/PROTO] as the API's (port, host_port, ip) items."""
    items: list[Any] = []
    for spec in specs:
        ip = ""
        if spec.startswith("["):
            ip, _, spec = spec[1:].partition("]:")
        parts = spec.split(":")
        if len(parts) == 3:
            ip, host, container = parts
        elif len(parts) == 2:
            host, container = parts
        else:
            host, container = "", parts[0]
        items.append((container, host, ip) if ip else (container, host))
    return items


def _volume(spec: str) -> Any:
    """-v [SOURCE:]TARGET[:ro|rw]."""
    parts = spec.split(":")
    if len(parts) == 1:
        return spec
    if len(parts) == 3:
        return (parts[0], parts[1], parts[2])
    return (parts[0], parts[1])


def _log_config(args: argparse.Namespace) -> Any:
    options = pairs(args.log_opt, "log option")
    driver = args.log_driver or "json-file"
    return (driver, options) if options else driver


def _healthcheck(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.no_healthcheck:
        return {"test": ["NONE"]}
    check: dict[str, Any] = {}
    if args.health_cmd:
        check["test"] = ["CMD-SHELL", args.health_cmd]
    for flag in ("interval", "timeout", "start_period"):
        value = getattr(args, f"health_{flag}")
        if value:
            check[flag] = value
    if args.health_retries is not None:
        check["retries"] = args.health_retries
    return check or None


def _ulimit(spec: str) -> tuple[str, int, int]:
    name, _, limits = spec.partition("=")
    soft, _, hard = limits.partition(":")
    return name, int(soft), int(hard or soft)


def _capabilities(names: list[str]) -> list[str]:
    """--cap-add/--cap-drop as the docker CLI sends them: CAP_ prefixed, ALL as is."""
    return [
        n if n.upper() == "ALL" or n.upper().startswith("CAP_") else f"CAP_{n.upper()}"
        for n in names
    ]


def _device(spec: str) -> Any:
    parts = spec.split(":")
    return parts[0] if len(parts) == 1 else tuple(parts)


def _env(args: argparse.Namespace) -> dict[str, str]:
    lines: list[str] = []
    for path in args.env_file or []:
        with open(path, encoding="utf-8") as file:
            lines += [x.strip() for x in file if x.strip() and not x.lstrip().startswith("#")]
    return pairs([*lines, *(args.env or [])], "environment variable")


def _labels(args: argparse.Namespace) -> dict[str, str]:
    lines: list[str] = []
    for path in args.label_file or []:
        with open(path, encoding="utf-8") as file:
            lines += [x.strip() for x in file if x.strip() and not x.lstrip().startswith("#")]
    return pairs([*lines, *(args.label or [])], "label")


@dataclass(frozen=True)
class Flag:
    """A docker create flag: its argument, and how it becomes a create option."""

    arg: Arg
    option: str | None = None
    convert: Callable[[Any], Any] | None = None


def _f(
    option: str | None, *flags: str, convert: Callable[[Any], Any] | None = None, **kw: Any
) -> Flag:
    return Flag(arg(*flags, **kw), option, convert)


_MANY: dict[str, Any] = {"action": "append", "default": None}
CREATE_FLAGS: tuple[Flag, ...] = (
    _f("tty", "-t", "--tty", action="store_true", help="allocate a TTY"),
    _f("interactive", "-i", "--interactive", action="store_true", help="keep stdin open"),
    _f("name", "--name", help="container name"),
    _f(
        None,
        "-a",
        "--attach",
        choices=("stdin", "stdout", "stderr", "STDIN", "STDOUT", "STDERR"),
        help="attach to this stream (repeatable)",
        **_MANY,
    ),
    _f(None, "-e", "--env", metavar="KEY[=VALUE]", help="environment variable", **_MANY),
    _f(None, "--env-file", metavar="FILE", help="environment file", **_MANY),
    _f(None, "-l", "--label", metavar="KEY=VALUE", help="label", **_MANY),
    _f(None, "--label-file", metavar="FILE", help="label file", **_MANY),
    _f("workdir", "-w", "--workdir", help="working directory inside"),
    _f("user", "-u", "--user", help="user[:group]"),
    _f(
        "entrypoints",
        "--entrypoint",
        convert=lambda v: [v] if v else [],
        help="override the entrypoint",
    ),
    _f("hostname", "-h", "--hostname", help="host name"),
    _f("domain_name", "--domainname", help="domain name"),
    _f("network", "--network", "--net", help="network to connect to"),
    _f("aliases", "--network-alias", metavar="ALIAS", help="network-scoped alias", **_MANY),
    _f("ip_address", "--ip", help="IPv4 address on the network"),
    _f("mac_address", "--mac-address", help="MAC address"),
    _f(
        "publish",
        "-p",
        "--publish",
        convert=_publish,
        metavar="[IP:][HOST:]PORT[/PROTO]",
        help="publish a port",
        **_MANY,
    ),
    _f("publish_all", "-P", "--publish-all", action="store_true", help="publish exposed ports"),
    _f("expose", "--expose", metavar="PORT", help="expose a port", **_MANY),
    _f(
        "volumes",
        "-v",
        "--volume",
        convert=lambda vs: [_volume(v) for v in vs],
        metavar="[SRC:]DST[:ro]",
        help="bind or volume",
        **_MANY,
    ),
    _f("mounts", "--mount", metavar="type=...,target=...", help="mount", **_MANY),
    _f("volumes_from", "--volumes-from", metavar="CONTAINER", help="volumes of", **_MANY),
    _f("tmpfs", "--tmpfs", metavar="PATH[:OPTS]", help="tmpfs mount", **_MANY),
    _f("restart", "--restart", convert=restart_policy, help="restart policy"),
    _f("memory", "-m", "--memory", convert=size_of, help="memory limit"),
    _f(
        "memory_swap",
        "--memory-swap",
        convert=lambda v: -1 if v == "-1" else size_of(v),
        help="memory + swap limit",
    ),
    _f("shm_size", "--shm-size", convert=size_of, help="size of /dev/shm"),
    _f("cpus", "--cpus", type=cpus, help="number of CPUs"),
    _f("cpu_shares", "-c", "--cpu-shares", type=int, help="relative CPU weight"),
    _f("cpu_period", "--cpu-period", type=int, help="CFS period (µs)"),
    _f("cpu_quota", "--cpu-quota", type=int, help="CFS quota (µs)"),
    _f("cpu_set_cpus", "--cpuset-cpus", help="CPUs allowed (0-3, 0,1)"),
    _f("pids_limit", "--pids-limit", type=int, help="process limit"),
    _f("oom_kill_disable", "--oom-kill-disable", action="store_true", help="no OOM killer"),
    _f(
        "ulimits",
        "--ulimit",
        convert=lambda vs: [_ulimit(v) for v in vs],
        metavar="NAME=SOFT[:HARD]",
        help="ulimit",
        **_MANY,
    ),
    _f("init", "--init", action="store_true", help="run an init inside (signals, reaping)"),
    _f("privileged", "--privileged", action="store_true", help="extended privileges"),
    _f("read_only", "--read-only", action="store_true", help="read-only root filesystem"),
    _f(
        "cap_add",
        "--cap-add",
        convert=_capabilities,
        metavar="CAP",
        help="add a capability",
        **_MANY,
    ),
    _f(
        "cap_drop",
        "--cap-drop",
        convert=_capabilities,
        metavar="CAP",
        help="drop a capability",
        **_MANY,
    ),
    _f("security_opts", "--security-opt", metavar="OPT", help="security option", **_MANY),
    _f("group_add", "--group-add", metavar="GROUP", help="additional group", **_MANY),
    _f(
        "devices",
        "--device",
        convert=lambda vs: [_device(v) for v in vs],
        metavar="HOST[:CONT[:rwm]]",
        help="host device",
        **_MANY,
    ),
    _f("dns", "--dns", metavar="IP", help="DNS server", **_MANY),
    _f("dns_search", "--dns-search", metavar="DOMAIN", help="DNS search domain", **_MANY),
    _f(
        "add_hosts",
        "--add-host",
        convert=lambda vs: [tuple(v.split(":", 1)) for v in vs],
        metavar="HOST:IP",
        help="an /etc/hosts entry",
        **_MANY,
    ),
    _f(
        "links",
        "--link",
        convert=lambda vs: [tuple((v + ":" + v).split(":")[:2]) for v in vs],
        metavar="NAME[:ALIAS]",
        help="link to a container",
        **_MANY,
    ),
    _f(
        "sysctls",
        "--sysctl",
        convert=lambda vs: pairs(vs, "sysctl"),
        metavar="KEY=VALUE",
        help="namespaced kernel parameter",
        **_MANY,
    ),
    _f("ipc_mode", "--ipc", help="IPC mode"),
    _f("pid_mode", "--pid", help="PID namespace"),
    _f("uts_mode", "--uts", help="UTS namespace"),
    _f("cgroup_parent", "--cgroup-parent", help="parent cgroup"),
    _f("cidfile", "--cidfile", help="write the container id to this file"),
    _f("stop_signal", "--stop-signal", help="signal that stops the container"),
    _f("stop_timeout", "--stop-timeout", type=int, help="seconds before a kill on stop"),
    _f(None, "--log-driver", help="logging driver"),
    _f(None, "--log-opt", metavar="KEY=VALUE", help="logging driver option", **_MANY),
    _f(None, "--health-cmd", help="health check command"),
    _f(None, "--health-interval", help="between checks (30s)"),
    _f(None, "--health-timeout", help="a check's limit"),
    _f(None, "--health-start-period", help="grace period"),
    _f(None, "--health-retries", type=int, help="failures before unhealthy"),
    _f(None, "--no-healthcheck", action="store_true", help="disable the image's check"),
    _f("platform", "--platform", help="os[/arch[/variant]]"),
    _f(
        None,
        "--pull",
        metavar="{always,missing,never}",
        default="missing",
        help="pull the image first (missing)",
    ),
    _f(None, "-q", "--quiet", action="store_true", help="no pull progress"),
)


def create_options(args: argparse.Namespace, detach: bool = False) -> dict[str, Any]:
    """The create options our flags ask for (flags not given are left out); attached to
    stdout and stderr (and stdin with -i) unless detached, as the docker CLI creates."""
    options: dict[str, Any] = {}
    if args.attach:
        options["attach"] = [stream.lower() for stream in args.attach]
    elif not detach:
        options["attach"] = ["stdout", "stderr", *(["stdin"] if args.interactive else [])]
    for flag in CREATE_FLAGS:
        if flag.option is None:
            continue
        long = [f for f in flag.arg.flags if f.startswith("--")]  # argparse's dest
        dest = (long or list(flag.arg.flags))[0].lstrip("-").replace("-", "_")
        value = getattr(args, dest)
        if value is None or value is False or value == []:
            continue
        options[flag.option] = flag.convert(value) if flag.convert else value
    if args.cmd:
        options["cmds"] = list(args.cmd)
    env, labels = _env(args), _labels(args)
    if env:
        options["env"] = env
    if labels:
        options["labels"] = labels
    if args.log_driver or args.log_opt:
        options["log_config"] = _log_config(args)
    health = _healthcheck(args)
    if health:
        options["healthcheck"] = health
    return options


def _create(session: Session, docker: Docker, args: argparse.Namespace, run: bool) -> str:
    """Create the container (pulling its image as --pull says); its id."""
    from .images import pull_image, with_tag

    options = create_options(args, detach=run and args.detach)
    if run and args.rm:
        options["auto_remove"] = bool(args.detach)
    if args.pull == "always":
        pull_image(session, docker, with_tag(args.image), None, sys.stderr, quiet=args.quiet)
    try:
        try:
            created = wait(docker.create(args.image, **options))
        except NotFound as problem:
            if "image" not in problem.message.lower() or args.pull == "never":
                raise
            # As `docker run`: an image not here is pulled first.
            print(f"Unable to find image '{with_tag(args.image)}' locally", file=sys.stderr)
            pull_image(session, docker, with_tag(args.image), None, sys.stderr, quiet=args.quiet)
            created = wait(docker.create(args.image, **options))
    except DockerError as problem:
        raise CliError(problem.message, 125 if run else 1) from None  # (docker's codes)
    for warning in created.get("Warnings") or []:
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    if args.cidfile:  # the client's job, as with the docker CLI
        with open(args.cidfile, "x", encoding="utf-8") as file:
            file.write(str(created["Id"]))
    return str(created["Id"])


def _check_pull(args: argparse.Namespace) -> None:
    """--pull's value, refused as docker refuses it (before any call to the daemon)."""
    if args.pull not in ("always", "missing", "never"):
        message = (
            f'invalid pull option: \'{args.pull}\': must be one of "always", "missing" or "never"'
        )
        hint = f"Run '{PROG} {args.command} --help' for more information"
        raise UsageError(message, 125, f"{PROG}: {message}\n\n{hint}\n")


def cmd_create(session: Session, args: argparse.Namespace) -> int:
    """Create a container; print its id."""
    _check_pull(args)
    write(_create(session, session.one(), args, run=False) + "\n")
    return 0


def _start_error_code(problem: NkDockerError) -> int:
    message = getattr(problem, "message", str(problem)).lower()
    if "executable file not found" in message or "no such file or directory" in message:
        return 127
    if "permission denied" in message:
        return 126
    return 125


def _check_tty(args: argparse.Namespace) -> None:
    if args.tty and args.interactive and not is_tty(sys.stdin):
        raise CliError("the input device is not a TTY", 1)


def cmd_run(session: Session, args: argparse.Namespace) -> int:
    """Create a container, start it and attach to it; exit with its exit code."""
    _check_pull(args)
    if not args.detach:
        _check_tty(args)
    docker = session.one()
    container = _create(session, docker, args, run=True)
    detached = False
    try:
        if args.detach:
            try:
                wait(docker.start(container), None)
            except DockerError as problem:
                raise CliError(problem.message, _start_error_code(problem)) from None
            write(container + "\n")
            return 0
        proxy = args.sig_proxy and not args.tty
        streams = tuple(s.lower() for s in args.attach or ("stdout", "stderr", "stdin"))
        stdin = bool(args.interactive) and "stdin" in streams
        return attached(
            docker, container, stdin, args.tty, start=True, proxy=proxy, outputs=streams,
            detach_keys=args.detach_keys,
        )  # fmt: skip
    except Detached:  # (left running, --rm or not: as docker's)
        detached = True
        return 0
    finally:
        if args.rm and not args.detach and not detached:
            with contextlib.suppress(NkDockerError, pykka.Timeout):
                docker.rm(container, force=True).get(60)


def attached(
    docker: Docker,
    container: str,
    stdin: bool,
    tty: bool,
    *,
    start: bool,
    proxy: bool,
    outputs: tuple[str, ...] = ("stdout", "stderr"),
    detach_keys: str | None = None,
) -> int:
    """Attach to `container` (starting it if asked) until it ends: its exit code (Detached:
    left with the detach keys)."""
    inbox = Inbox()
    ref = wait(
        docker.attach(
            container,
            subscriber=inbox,
            stream=True,
            stdin=stdin,
            stdout="stdout" in outputs,
            stderr="stderr" in outputs,
            detach_keys=detach_keys,
        )
    )
    if start:
        try:
            wait(docker.start(container), None)
        except NotModified:
            pass
        except DockerError as problem:
            with contextlib.suppress(NkDockerError):
                docker.finish_async(ref)
            raise CliError(problem.message, _start_error_code(problem)) from None

    def resize(w: int, h: int) -> Any:
        return docker.resize(container, w, h)

    with proxy_signals(docker, container, proxy):
        if interact(
            docker, ref, inbox, stdin=stdin, tty=tty, resize=resize, detach_keys=detach_keys
        ):
            raise Detached
        result = wait(docker.wait(container), None)
    return int(result.get("StatusCode", 0))


def cmd_start(session: Session, args: argparse.Namespace) -> int:
    """Start containers (one already running is fine); -a: attach and exit with its code."""
    docker = session.one()
    if args.attach or args.interactive:
        if len(args.containers) > 1:
            raise CliError("you cannot start and attach multiple containers at once", 1)
        container = args.containers[0]
        tty = bool(wait(docker.inspect(container))["Config"].get("Tty"))
        if tty and args.interactive and not is_tty(sys.stdin):
            raise CliError("the input device is not a TTY", 1)
        with contextlib.suppress(Detached):  # (left running: exit 0, as docker's)
            return attached(
                docker, container, bool(args.interactive), tty, start=True, proxy=not tty,
                detach_keys=args.detach_keys,
            )  # fmt: skip
        return 0
    return each_name(args.containers, lambda c: docker.start(c), fine=(NotModified,))


def cmd_attach(session: Session, args: argparse.Namespace) -> int:
    """Attach our terminal to a running container; exit with its code."""
    docker = session.one()
    state = wait(docker.inspect(args.container))
    if not (state.get("State") or {}).get("Running"):
        raise CliError("You cannot attach to a stopped container, start it first", 1)
    tty = bool(state["Config"].get("Tty"))
    stdin = not args.no_stdin and bool(state["Config"].get("OpenStdin"))
    if tty and stdin and not is_tty(sys.stdin):
        raise CliError("the input device is not a TTY", 1)
    proxy = args.sig_proxy and not tty
    return attached(
        docker, args.container, stdin, tty, start=False, proxy=proxy, detach_keys=args.detach_keys
    )


def cmd_exec(session: Session, args: argparse.Namespace) -> int:
    """Run a process in a running container; exit with its exit code."""
    if not args.detach:
        _check_tty(args)
    try:  # (before dialling, as docker)
        env = _env(args)
    except OSError as problem:
        raise CliError(f"open {problem.filename}: {str(problem.strerror).lower()}") from None
    docker = session.one()
    options: dict[str, Any] = {"stdin": bool(args.interactive), "tty": bool(args.tty)}
    if env:
        options["env"] = env
    if args.workdir:
        options["workdir"] = args.workdir
    if args.user:
        options["user"] = args.user
    if args.privileged:
        options["privileged"] = True
    if args.detach_keys:
        options["detach_keys"] = args.detach_keys
    exec_id = str(wait(docker.exec_create(args.container, list(args.cmd), **options)))
    if args.detach:
        wait(docker.exec_start(exec_id, detach=True, tty=bool(args.tty)))
        return 0
    inbox = Inbox()
    ref = wait(docker.exec_start(exec_id, subscriber=inbox, tty=bool(args.tty)))

    def resize(w: int, h: int) -> Any:
        return docker.exec_resize(exec_id, w, h)

    stdin, tty = bool(args.interactive), bool(args.tty)
    if interact(
        docker, ref, inbox, stdin=stdin, tty=tty, resize=resize, detach_keys=args.detach_keys
    ):
        raise Detached
    deadline = time.monotonic() + 30
    while True:  # the stream can end a moment before the daemon records the exit code
        state = wait(docker.exec_inspect(exec_id))
        if not state.get("Running") and state.get("ExitCode") is not None:
            return int(state["ExitCode"])
        if time.monotonic() > deadline:
            raise CliError("the exec stream ended but the process still runs")
        time.sleep(0.02)


def cmd_logs(session: Session, args: argparse.Namespace) -> int:
    """A container's output; with -f, follow it until the container stops."""
    docker = session.one()
    options: dict[str, Any] = {"timestamps": bool(args.timestamps)}
    if args.tail is not None:
        # (docker sends what it is given; dockerd reads what is no count as "all")
        options["tail"] = int(args.tail) if args.tail.isdigit() else "all"
    if args.since:
        options["since"] = timestamp(args.since)
    if args.until:
        options["until"] = timestamp(args.until)
    if not args.follow:
        stdout, stderr = sys.stdout.buffer, sys.stderr.buffer
        for piece in wait(docker.logs(args.container, **options), None):
            (stderr if piece.stream == "stderr" else stdout).write(piece.data)
        stdout.flush()
        stderr.flush()
        return 0
    inbox = Inbox()
    ref = wait(docker.logs(args.container, follow=True, subscriber=inbox, **options))
    pump_output(inbox, ref)
    return 0


_IMAGE_CMD = (
    arg("image", metavar="IMAGE"),
    arg("cmd", nargs=argparse.REMAINDER, help="command and arguments"),
)
_CREATE_ARGS = tuple(flag.arg for flag in CREATE_FLAGS)
_SIG_PROXY = arg(
    "--sig-proxy",
    action="store_true",
    default=True,
    help="forward our signals to the process (not with -t; --sig-proxy=false turns it off)",
)

COMMANDS = (
    Cmd(
        "run",
        cmd_run,
        "create a container, start it and attach to it",
        (
            arg("-d", "--detach", action="store_true", help="print the id and return"),
            arg("--rm", action="store_true", help="remove the container when it exits"),
            _SIG_PROXY,
            DETACH_KEYS,
            *_CREATE_ARGS,
            *_IMAGE_CMD,
        ),
        aliases=("container run",),
    ),
    Cmd(
        "create",
        cmd_create,
        "create a container (print its id)",
        (*_CREATE_ARGS, *_IMAGE_CMD),
        aliases=("container create",),
    ),
    Cmd(
        "start",
        cmd_start,
        "start containers",
        (
            arg("containers", nargs="+", metavar="CONTAINER"),
            arg("-a", "--attach", action="store_true", help="attach stdout/stderr"),
            arg("-i", "--interactive", action="store_true", help="attach stdin"),
            DETACH_KEYS,
        ),
        aliases=("container start",),
    ),
    Cmd(
        "attach",
        cmd_attach,
        "attach to a running container",
        (
            arg("container", metavar="CONTAINER"),
            arg("--no-stdin", action="store_true", help="do not send our stdin"),
            _SIG_PROXY,
            DETACH_KEYS,
        ),
        aliases=("container attach",),
    ),
    Cmd(
        "exec",
        cmd_exec,
        "run a process in a running container",
        (
            arg("-i", "--interactive", action="store_true", help="send our stdin"),
            arg("-t", "--tty", action="store_true", help="allocate a TTY"),
            arg("-d", "--detach", action="store_true", help="start and return"),
            arg("-e", "--env", action="append", metavar="KEY[=VALUE]"),
            arg("--env-file", action="append", metavar="FILE", help="environment file"),
            arg("-w", "--workdir"),
            arg("-u", "--user"),
            arg("--privileged", action="store_true"),
            DETACH_KEYS,
            arg("container", metavar="CONTAINER"),
            arg("cmd", nargs=argparse.REMAINDER, help="command and arguments"),
        ),
        aliases=("container exec",),
        arity=(2, None),
    ),
    Cmd(
        "logs",
        cmd_logs,
        "a container's output",
        (
            arg("-f", "--follow", action="store_true", help="follow until it stops"),
            arg("-t", "--timestamps", action="store_true"),
            arg("-n", "--tail", metavar="N", help='lines from the end ("all")'),
            arg("--since", metavar="TIME", help="unix seconds, 10m, or RFC 3339"),
            arg("--until", metavar="TIME"),
            arg("container", metavar="CONTAINER"),
        ),
        aliases=("container logs",),
    ),
)
