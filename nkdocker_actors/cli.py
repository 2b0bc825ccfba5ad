"""The `nkdocker` command line (also `python -m nkdocker_actors`).

    nkdocker [-H URL]... [--json] COMMAND ...

The daemon comes from `-H/--host` (repeatable: ps, images, version, info,
events and monitor then cover every daemon given, as `NAME=URL` to label one),
else from DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, else the local
socket. Our own output never holds ANSI codes unless stdout is a terminal.
Errors print the daemon's message on stderr and exit non-zero: 1 for a failed
command, 2 for a bad option, 125 when `run` cannot start the container, 130 on
ctrl-C; `run` and `exec` otherwise exit with the process's own code.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import pykka

from .connection import NEWEST_API, Docker, connect
from .errors import ConnectionFailed, DockerError, InvalidOption, NkDockerError, NotFound
from .messages import Data, Done, Failed, Inbox, Message, Output, Ref

__all__ = ["CliError", "build_parser", "main"]

PROG = "nkdocker"
CALL_TIMEOUT = 120.0  # a bound for our waits on quick commands (the daemon's own timeout applies)


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived: end as cleanly as on ctrl-C (exit 128 + the signal)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class CliError(Exception):
    """A failure reported as one line on stderr, exiting with `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# -- terminal helpers ---------------------------------------------------------------


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _print_json(value: Any, *, lines: bool = False) -> None:
    text = json.dumps(value, separators=(",", ":")) if lines else json.dumps(value, indent=2)
    _write(text + "\n")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, three spaces apart, no trailing blanks."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = []
    for row in [headers, *rows]:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        lines.append("   ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _scaled(size: float, base: int, units: tuple[str, ...], digits: str) -> str:
    """`size` in the largest of `units` (each `base` times the last) that keeps it small."""
    for unit in units[:-1]:
        if abs(size) < base:
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:{digits}}{unit}"
        size /= base
    return f"{size:{digits}}{units[-1]}"


def _si(size: float) -> str:
    """An image size as the docker CLI shows it: units of 1000."""
    return _scaled(size, 1000, ("B", "kB", "MB", "GB", "TB"), ".3g")


def _iec(size: float) -> str:
    """A memory size: units of 1024."""
    return _scaled(size, 1024, ("B", "KiB", "MiB", "GiB", "TiB"), ".2f")


def _ago(unix: float) -> str:
    seconds = time.time() - unix
    if seconds < 1:
        return "Less than a second ago"
    for limit, unit, div in (
        (120, "second", 1),
        (7200, "minute", 60),
        (2 * 86400, "hour", 3600),
        (14 * 86400, "day", 86400),
        (60 * 86400, "week", 7 * 86400),
        (float("inf"), "month", 30 * 86400),
    ):
        if seconds < limit:
            count = int(seconds // div)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return ""  # pragma: no cover


def _short_id(ident: str) -> str:
    return ident.split(":", 1)[-1][:12]


def _pairs(items: Sequence[str] | None, what: str) -> dict[str, str]:
    """KEY=VALUE arguments as a dict (a bare KEY takes our environment's value, as docker -e)."""
    result: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not key:
            raise CliError(f"bad {what} {item!r}: expected KEY=VALUE", 2)
        if not sep:
            if what != "environment variable":
                raise CliError(f"bad {what} {item!r}: expected KEY=VALUE", 2)
            if key not in os.environ:
                continue
            value = os.environ[key]
        result[key] = value
    return result


def _filters(items: Sequence[str] | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in (item.partition("=")[::2] for item in items or ()):
        if not key or not value:
            raise CliError("a filter is KEY=VALUE, e.g. --filter name=web", 2)
        result.setdefault(key, []).append(value)
    return result


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h)$")


def _timestamp(text: str) -> str:
    """Unix seconds from a number, a duration back from now ("10m") or an RFC 3339 time."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return text
    match = _DURATION.match(text)
    if match:
        seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]
        return f"{time.time() - seconds:.9f}"
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"bad time {text!r}: use unix seconds, 10m / 2h, or RFC 3339", 2) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return f"{moment.timestamp():.9f}"


# -- connections --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One daemon named on the command line (url None: from the environment)."""

    label: str
    url: str | None


class Session:
    """The daemons of one invocation and the connections opened to them."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.json: bool = bool(args.json)
        self.connections: dict[str, Docker] = {}
        self.targets: list[Target] = []
        for value in args.host or []:
            label, sep, url = value.partition("=")
            if sep and "://" not in label and label:
                self.targets.append(Target(label, url))
            else:
                self.targets.append(Target(value, value))
        if not self.targets:
            self.targets.append(Target(os.environ.get("DOCKER_HOST") or "local", None))
        labels = [t.label for t in self.targets]
        if len(set(labels)) != len(labels):
            raise CliError("two --host values have the same label: name them NAME=URL", 2)

    @property
    def many(self) -> bool:
        """Whether several daemons were named (output then says which daemon)."""
        return len(self.targets) > 1

    def settings(self, target: Target) -> dict[str, Any]:
        """connect() settings for `target`: our TLS flags (DOCKER_TLS* resolve in config)."""
        args = self.args
        settings: dict[str, Any] = {}
        if args.tlsverify or args.tls:
            settings["proto"] = "tls"
            settings["tls_verify"] = bool(args.tlsverify)
        for option, setting in (
            ("tlscacert", "cafile"),
            ("tlscert", "certfile"),
            ("tlskey", "keyfile"),
        ):
            value = getattr(args, option)
            if value:
                settings[setting] = value
        if args.api_version:
            settings["api_version"] = args.api_version
        return settings

    def connect(self, target: Target) -> Docker:
        """A connection to `target`, closed when the command ends."""
        self.drop(target)
        docker = connect(target.url, **self.settings(target))
        self.connections[target.label] = docker
        return docker

    def drop(self, target: Target) -> None:
        """Close the connection to `target`, if open."""
        docker = self.connections.pop(target.label, None)
        if docker is not None:
            with contextlib.suppress(Exception):
                docker.close()

    def one(self) -> Docker:
        """The connection for a command that talks to a single daemon."""
        if self.many:
            raise CliError(f"{self.args.command} takes a single --host", 2)
        return self.connect(self.targets[0])

    def each(self) -> Iterator[tuple[Target, Docker | NkDockerError]]:
        """Every target with its connection, or the error connecting to it."""
        for target in self.targets:
            try:
                yield target, self.connect(target)
            except NkDockerError as error:
                if not self.many:
                    raise
                yield target, error

    def close(self) -> None:
        """Close every connection (their streams end)."""
        for target in self.targets:
            self.drop(target)


def _get(future: Any, timeout: float | None = CALL_TIMEOUT) -> Any:
    try:
        return future.get(timeout)
    except pykka.Timeout:
        raise CliError(f"no answer from the daemon within {timeout:.0f} s") from None


def _fanout(
    session: Session, call: Callable[[Docker], Any]
) -> list[tuple[Target, Any | NkDockerError]]:
    """Run `call` on every daemon at once: [(target, result or error)]."""
    started: list[tuple[Target, Any]] = []
    for target, docker in session.each():
        if isinstance(docker, NkDockerError):
            started.append((target, docker))
            continue
        try:
            started.append((target, call(docker)))
        except NkDockerError as error:
            started.append((target, error))
    results: list[tuple[Target, Any]] = []
    for target, future in started:
        if isinstance(future, NkDockerError):
            results.append((target, future))
            continue
        try:
            results.append((target, _get(future)))
        except NkDockerError as error:
            if not session.many:
                raise
            results.append((target, error))
    return results


def _report_failures(results: list[tuple[Target, Any]]) -> int:
    code = 0
    for target, result in results:
        if isinstance(result, NkDockerError):
            _error(f"{target.label}: {_describe(result)}")
            code = 1
    return code


# -- version, info, ps, images --------------------------------------------------------


def _client_version() -> str:
    try:
        from importlib.metadata import version

        return version("nkdocker_actors")
    except Exception:  # not installed: running from a checkout
        return "0.1.0"


def cmd_version(session: Session, args: argparse.Namespace) -> int:
    """Client and daemon versions."""
    results = _fanout(session, lambda docker: docker.version())
    newest = ".".join(map(str, NEWEST_API))
    if session.json:
        ok = {t.label: r for t, r in results if not isinstance(r, NkDockerError)}
        client = {"Version": _client_version(), "ApiVersion": newest}
        if session.many:
            _print_json({"Client": client, "Servers": ok})
        elif ok:
            _print_json({"Client": client, "Server": next(iter(ok.values()))})
        return _report_failures(results)
    out = [f"Client: nkdocker_actors {_client_version()} (API up to {newest})"]
    for target, info in results:
        if isinstance(info, NkDockerError):
            continue
        docker = session.connections[target.label]
        talking = ".".join(map(str, docker.api_version))
        out += [
            f"Server: {target.label}" if session.many else "Server:",
            f"  Version:      {info.get('Version', '?')}",
            f"  API version:  {info.get('ApiVersion', '?')} "
            f"(minimum {info.get('MinAPIVersion', '?')}, talking {talking})",
            f"  Go version:   {info.get('GoVersion', '?')}",
            f"  Git commit:   {info.get('GitCommit', '?')}",
            f"  OS/Arch:      {info.get('Os', '?')}/{info.get('Arch', '?')}",
            f"  Kernel:       {info.get('KernelVersion', '?')}",
        ]
    _write("\n".join(out) + "\n")
    return _report_failures(results)


def cmd_info(session: Session, args: argparse.Namespace) -> int:
    """System-wide information."""
    results = _fanout(session, lambda docker: docker.info())
    if session.json:
        ok = {t.label: r for t, r in results if not isinstance(r, NkDockerError)}
        if session.many:
            _print_json(ok)
        elif ok:
            _print_json(next(iter(ok.values())))
        return _report_failures(results)
    out: list[str] = []
    for target, info in results:
        if isinstance(info, NkDockerError):
            continue
        if session.many:
            out.append(f"{target.label}:")
        cgroup = f"{info.get('CgroupDriver', '?')} (v{info.get('CgroupVersion', '?')})"
        rows = [
            ("Name", info.get("Name")),
            ("Server Version", info.get("ServerVersion")),
            (
                "Containers",
                f"{info.get('Containers', 0)} (running {info.get('ContainersRunning', 0)}, "
                f"paused {info.get('ContainersPaused', 0)}, "
                f"stopped {info.get('ContainersStopped', 0)})",
            ),
            ("Images", info.get("Images")),
            ("Storage Driver", info.get("Driver")),
            ("Cgroup Driver", cgroup),
            ("Kernel Version", info.get("KernelVersion")),
            ("Operating System", info.get("OperatingSystem")),
            ("Architecture", info.get("Architecture")),
            ("CPUs", info.get("NCPU")),
            ("Total Memory", _iec(float(info.get("MemTotal") or 0))),
            ("Docker Root Dir", info.get("DockerRootDir")),
        ]
        indent = "  " if session.many else ""
        out += [f"{indent}{key + ':':<18}{value}" for key, value in rows]
    _write("\n".join(out) + ("\n" if out else ""))
    return _report_failures(results)


def _command_text(command: str, width: int = 20) -> str:
    text = command if len(command) <= width else command[: width - 1] + "…"
    return f'"{text}"'


def _list_everywhere(
    session: Session,
    args: argparse.Namespace,
    command: str,
    headers: list[str],
    rows_of: Callable[[dict[str, Any]], list[list[str]]],
) -> int:
    """List with `command` on every daemon given: JSON, ids only (-q), or a table."""
    options: dict[str, Any] = {"all": bool(args.all)}
    filters = _filters(args.filter)
    if filters:
        options["filters"] = filters
    results = _fanout(session, lambda docker: docker.call(command, **options))
    listed = [
        (target, item)
        for target, result in results
        if not isinstance(result, NkDockerError)
        for item in result
    ]
    if session.json:
        _print_json([{**item, "Host": t.label} if session.many else item for t, item in listed])
    elif args.quiet:
        _write("".join(f"{_short_id(item['Id'])}\n" for _, item in listed))
    else:
        rows = [
            [target.label, *row] if session.many else row
            for target, item in listed
            for row in rows_of(item)
        ]
        _write(_table(["HOST", *headers] if session.many else headers, rows))
    return _report_failures(results)


def cmd_ps(session: Session, args: argparse.Namespace) -> int:
    """List containers on every daemon given."""

    def rows(item: dict[str, Any]) -> list[list[str]]:
        return [
            [
                _short_id(item["Id"]),
                str(item.get("Image", "")),
                _command_text(str(item.get("Command", ""))),
                _ago(float(item.get("Created", 0))),
                str(item.get("Status", "")),
                ",".join(n.lstrip("/") for n in item.get("Names") or []),
            ]
        ]

    headers = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"]
    return _list_everywhere(session, args, "ps", headers, rows)


def cmd_images(session: Session, args: argparse.Namespace) -> int:
    """List images on every daemon given."""

    def rows(item: dict[str, Any]) -> list[list[str]]:
        return [
            [
                repo,
                version,
                _short_id(item["Id"]),
                _ago(float(item.get("Created", 0))),
                _si(float(item.get("Size", 0))),
            ]
            for repo, _, version in (
                tag.rpartition(":") for tag in item.get("RepoTags") or ["<none>:<none>"]
            )
        ]

    headers = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
    return _list_everywhere(session, args, "images", headers, rows)


def cmd_inspect(session: Session, args: argparse.Namespace) -> int:
    """Low-level information on containers (or images) as JSON."""
    docker = session.one()
    found: list[Any] = []
    code = 0
    for name in args.names:
        try:
            found.append(_get(docker.inspect(name)))
        except NotFound:
            try:
                found.append(_get(docker.inspect_image(name)))
            except NotFound:
                _error(f"no such container or image: {name}")
                code = 1
    _print_json(found)
    return code


def cmd_rm(session: Session, args: argparse.Namespace) -> int:
    """Remove containers."""
    docker = session.one()
    return _each_container(
        args.containers, lambda c: docker.rm(c, force=bool(args.force), v=bool(args.volumes))
    )


def cmd_stop(session: Session, args: argparse.Namespace) -> int:
    """Stop containers (SIGTERM, then SIGKILL after --time seconds)."""
    docker = session.one()
    return _each_container(args.containers, lambda c: docker.stop(c, t=args.time))


def cmd_kill(session: Session, args: argparse.Namespace) -> int:
    """Send a signal to containers."""
    docker = session.one()
    signal_name = args.signal if not args.signal.isdigit() else int(args.signal)
    return _each_container(args.containers, lambda c: docker.kill(c, signal=signal_name))


def _each_container(names: Sequence[str], call: Callable[[str], Any]) -> int:
    code = 0
    futures = []
    for name in names:
        try:
            futures.append((name, call(name)))
        except NkDockerError as error:
            _error(_describe(error))
            code = 1
    for name, future in futures:
        try:
            _get(future, None)
        except NkDockerError as error:
            _error(_describe(error))
            code = 1
        else:
            _write(name + "\n")
    return code


# -- streams: run, exec, logs ---------------------------------------------------------


def _terminal_size() -> tuple[int, int] | None:
    for stream in (sys.stdout, sys.stdin, sys.stderr):
        try:
            size = os.get_terminal_size(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
        if size.columns and size.lines:
            return size.columns, size.lines
    return None


@contextlib.contextmanager
def _raw_terminal(enabled: bool) -> Iterator[None]:
    """Put our stdin terminal in raw mode (keys go to the container as typed)."""
    if not enabled or not _is_tty(sys.stdin):
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd, termios.TCSANOW)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _follow_resizes(resize: Callable[[int, int], Any] | None) -> Iterator[None]:
    """Size the remote TTY like ours now and on every SIGWINCH."""
    if resize is None or _terminal_size() is None:
        yield
        return

    def apply(*_: object) -> None:
        size = _terminal_size()
        if size is not None:
            with contextlib.suppress(NkDockerError):
                resize(*size)  # fire and forget: a lost resize is redone on the next one

    previous = signal.signal(signal.SIGWINCH, apply)
    try:
        apply()
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)


def _feed_stdin(docker: Docker, ref: Ref, half_close: bool) -> threading.Thread:
    """Copy our stdin to the stream; at its end, half-close (the process reads EOF).

    Not with a TTY: the daemon would end the whole stream, output included; the
    terminal's end-of-file character (^D) goes instead.
    """

    def run() -> None:
        try:
            fd = sys.stdin.fileno()
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                docker.attach_send(ref, chunk).get(60)
            if half_close:
                docker.close_stdin(ref).get(60)
            else:
                docker.attach_send(ref, b"\x04").get(60)
        except (NkDockerError, pykka.Timeout, OSError, ValueError):
            pass  # the stream ended first: its output and exit code tell the rest

    thread = threading.Thread(target=run, name="nkdocker-stdin", daemon=True)
    thread.start()
    return thread


def _pump_output(inbox: Inbox, ref: Ref) -> None:
    """Write the stream's output to ours until it ends; its failure raises."""
    stdout, stderr = sys.stdout.buffer, sys.stderr.buffer
    while True:
        message = inbox.get()
        if message.ref is not ref:
            continue
        payload = message.payload
        if isinstance(payload, Output):
            target = stderr if payload.stream == "stderr" else stdout
            target.write(payload.data)
            target.flush()
        elif isinstance(payload, Failed):
            raise payload.error
        elif isinstance(payload, Done):
            return


def _interact(
    docker: Docker,
    ref: Ref,
    inbox: Inbox,
    *,
    stdin: bool,
    tty: bool,
    resize: Callable[[int, int], Any] | None,
) -> None:
    """Our terminal wired to a container's stream until it ends."""
    sys.stdout.flush()
    with _raw_terminal(tty and stdin), _follow_resizes(resize if tty else None):
        if stdin:
            _feed_stdin(docker, ref, half_close=not tty)
        _pump_output(inbox, ref)


def _start_error_code(error: NkDockerError) -> int:
    message = getattr(error, "message", str(error)).lower()
    if "executable file not found" in message or "no such file or directory" in message:
        return 127
    if "permission denied" in message:
        return 126
    return 125


def cmd_run(session: Session, args: argparse.Namespace) -> int:
    """Create a container, start it and attach to it; exit with its exit code."""
    docker = session.one()
    options: dict[str, Any] = {
        "tty": bool(args.tty),
        "interactive": bool(args.interactive),
    }
    if args.cmd:
        options["cmds"] = list(args.cmd)
    if args.name:
        options["name"] = args.name
    options.update(_process_options(args))
    labels = _pairs(args.label, "label")
    if labels:
        options["labels"] = labels
    if args.entrypoint is not None:
        options["entrypoints"] = [args.entrypoint] if args.entrypoint else []
    if args.hostname:
        options["hostname"] = args.hostname
    if args.network:
        options["network"] = args.network
    if args.rm and args.detach:
        options["auto_remove"] = True
    try:
        created = _create(session, docker, args.image, options)
    except DockerError as error:
        raise CliError(_describe(error), 125) from None
    container = str(created["Id"])
    for warning in created.get("Warnings") or []:
        _error(f"warning: {warning}")
    try:
        if args.detach:
            try:
                _get(docker.start(container), None)
            except DockerError as error:
                raise CliError(_describe(error), _start_error_code(error)) from None
            _write(container + "\n")
            return 0
        return _run_attached(docker, container, args)
    finally:
        if args.rm and not args.detach:
            with contextlib.suppress(NkDockerError, pykka.Timeout):
                docker.rm(container, force=True).get(60)


def _create(session: Session, docker: Docker, image: str, options: dict[str, Any]) -> Any:
    try:
        return _get(docker.create(image, **options))
    except NotFound as error:
        if "image" not in error.message.lower():
            raise
    # As `docker run`: an image not here is pulled first.
    _error(f"Unable to find image {image!r} locally")
    _pull(session, docker, _with_tag(image), None, sys.stderr)
    return _get(docker.create(image, **options))


def _run_attached(docker: Docker, container: str, args: argparse.Namespace) -> int:
    inbox = Inbox()
    ref = _get(
        docker.attach(
            container,
            subscriber=inbox,
            stream=True,
            stdin=bool(args.interactive),
            stdout=True,
            stderr=True,
        )
    )
    try:
        _get(docker.start(container), None)
    except DockerError as error:
        with contextlib.suppress(NkDockerError):
            docker.finish_async(ref)
        raise CliError(_describe(error), _start_error_code(error)) from None

    def resize(w: int, h: int) -> Any:
        return docker.resize(container, w, h)

    _interact(docker, ref, inbox, stdin=bool(args.interactive), tty=bool(args.tty), resize=resize)
    result = _get(docker.wait(container), None)
    return int(result.get("StatusCode", 0))


def _process_options(args: argparse.Namespace) -> dict[str, Any]:
    """-e, -w and -u, which `run` and `exec` share, as command options."""
    options: dict[str, Any] = {}
    env = _pairs(args.env, "environment variable")
    if env:
        options["env"] = env
    if args.workdir:
        options["workdir"] = args.workdir
    if args.user:
        options["user"] = args.user
    return options


def cmd_exec(session: Session, args: argparse.Namespace) -> int:
    """Run a process in a running container; exit with its exit code."""
    docker = session.one()
    options: dict[str, Any] = {"stdin": bool(args.interactive), "tty": bool(args.tty)}
    options.update(_process_options(args))
    if args.privileged:
        options["privileged"] = True
    exec_id = str(_get(docker.exec_create(args.container, list(args.cmd), **options)))
    if args.detach:
        _get(docker.exec_start(exec_id, detach=True, tty=bool(args.tty)))
        return 0
    inbox = Inbox()
    ref = _get(docker.exec_start(exec_id, subscriber=inbox, tty=bool(args.tty)))

    def resize(w: int, h: int) -> Any:
        return docker.exec_resize(exec_id, w, h)

    _interact(docker, ref, inbox, stdin=bool(args.interactive), tty=bool(args.tty), resize=resize)
    deadline = time.monotonic() + 30
    while True:  # the stream can end a moment before the daemon records the exit code
        state = _get(docker.exec_inspect(exec_id))
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
        options["tail"] = "all" if args.tail == "all" else _int(args.tail, "--tail")
    if args.since:
        options["since"] = _timestamp(args.since)
    if args.until:
        options["until"] = _timestamp(args.until)
    if not args.follow:
        stdout, stderr = sys.stdout.buffer, sys.stderr.buffer
        for piece in _get(docker.logs(args.container, **options), None):
            (stderr if piece.stream == "stderr" else stdout).write(piece.data)
        stdout.flush()
        stderr.flush()
        return 0
    inbox = Inbox()
    ref = _get(docker.logs(args.container, follow=True, subscriber=inbox, **options))
    _pump_output(inbox, ref)
    return 0


def _int(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CliError(f"{what} takes a number, not {text!r}", 2) from None
    if value < 0:
        raise CliError(f"{what} takes a non-negative number", 2)
    return value


# -- events ---------------------------------------------------------------------------


def _event_line(event: dict[str, Any]) -> str:
    """An event as `docker events` prints it."""
    nano = event.get("timeNano") or int(event.get("time", 0)) * 10**9
    moment = dt.datetime.fromtimestamp(int(nano) // 10**9, dt.timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{int(nano) % 10**9:09d}Z"
    actor = event.get("Actor") or {}
    ident = actor.get("ID") or event.get("id", "")
    attributes = actor.get("Attributes") or {}
    if not attributes and event.get("from"):
        attributes = {"image": event["from"]}
    kind = event.get("Type", "container")
    action = event.get("Action") or event.get("status", "")
    extra = ", ".join(f"{k}={v}" for k, v in sorted(attributes.items()))
    return f"{stamp} {kind} {action} {ident}" + (f" ({extra})" if extra else "")


def cmd_events(session: Session, args: argparse.Namespace) -> int:
    """Real-time events from every daemon given, until interrupted (or --until)."""
    options: dict[str, Any] = {}
    filters = _filters(args.filter)
    if filters:
        options["filters"] = filters
    if args.since:
        options["since"] = _timestamp(args.since)

    def show(target: Target, event: dict[str, Any]) -> None:
        if session.json:
            _print_json({**event, "Host": target.label} if session.many else event, lines=True)
        else:
            _write((f"[{target.label}] " if session.many else "") + _event_line(event) + "\n")

    if args.until:
        options["until"] = _timestamp(args.until)
        results = _fanout(session, lambda docker: docker.events(**options))
        for target, result in results:
            if not isinstance(result, NkDockerError):
                for event in result:
                    show(target, event)
        return _report_failures(results)
    inbox = Inbox()
    refs: dict[Ref, Target] = {}
    code = 0
    for target, docker in session.each():
        if isinstance(docker, NkDockerError):
            _error(f"{target.label}: {_describe(docker)}")
            code = 1
            continue
        refs[_get(docker.events(subscriber=inbox, **options))] = target
    while refs:
        message = inbox.get()
        target_of = refs.get(message.ref)
        if target_of is None:
            continue
        payload = message.payload
        if isinstance(payload, Data):
            show(target_of, payload.value)
        elif isinstance(payload, Failed | Done):
            del refs[message.ref]
            if isinstance(payload, Failed):
                if not session.many:
                    raise payload.error
                _error(f"{target_of.label}: {_describe(payload.error)}")
                code = 1
    return code


# -- pull, push, build: progress per layer --------------------------------------------


class Progress:
    """Progress lines of pull / push / build, one per layer.

    On a terminal each layer's line is redrawn in place with a bar; otherwise a
    layer's line is printed once per change of status, with no escape codes.
    """

    def __init__(self, out: TextIO, ansi: bool) -> None:
        self.out = out
        self.ansi = ansi
        self.rows: list[str | None] = []  # layer id per printed line (None: a plain line)
        self.status: dict[str, str] = {}
        self.image_id: str | None = None

    def _bar(self, item: dict[str, Any]) -> str:
        detail = item.get("progressDetail") or {}
        current, total = detail.get("current"), detail.get("total")
        if not isinstance(current, int) or not isinstance(total, int) or total <= 0:
            return ""
        width = 30
        filled = min(width, current * width // total)
        bar = "=" * filled + (">" if filled < width else "") + " " * (width - filled - 1)
        return f" [{bar[:width]}] {_si(current)}/{_si(total)}"

    def feed(self, item: Any) -> None:
        """Show one progress item."""
        if not isinstance(item, dict):
            return
        if "stream" in item:
            self._plain(str(item["stream"]), newline=False)
            return
        aux = item.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            self.image_id = str(aux["ID"])
            return
        if "error" in item or "status" not in item:
            return
        status = str(item["status"])
        layer = item.get("id")
        if not layer:
            self._plain(status + "\n", newline=False)
            return
        layer = str(layer)
        line = f"{layer}: {status}"
        if not self.ansi:
            if self.status.get(layer) != status:
                self.status[layer] = status
                self._plain(line + "\n", newline=False)
            return
        line += self._bar(item)
        if layer not in self.status:
            self.status[layer] = status
            self.rows.append(layer)
            self.out.write(line + "\n")
        else:
            self.status[layer] = status
            up = len(self.rows) - self.rows.index(layer)
            self.out.write(f"\x1b[{up}A\r\x1b[2K{line}\x1b[{up}B\r")
        self.out.flush()

    def _plain(self, text: str, newline: bool) -> None:
        self.out.write(text + ("\n" if newline else ""))
        self.out.flush()
        self.rows.extend([None] * text.count("\n"))


def _stream_progress(
    session: Session, inbox: Inbox, ref: Ref, progress: Progress, show_json: bool
) -> None:
    while True:
        message = inbox.get()
        if message.ref is not ref:
            continue
        payload = message.payload
        if isinstance(payload, Data):
            if show_json:
                _print_json(payload.value, lines=True)
            else:
                progress.feed(payload.value)
        elif isinstance(payload, Failed):
            raise payload.error
        elif isinstance(payload, Done):
            return


def _with_tag(image: str) -> str:
    """`image` with ":latest" when it names no tag or digest (a pull would take every tag)."""
    last = image.rsplit("/", 1)[-1]
    return image if (":" in last or "@" in image) else image + ":latest"


def _registry_of(image: str) -> str:
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return "https://index.docker.io/v1/"


def _auth(args: argparse.Namespace, image: str) -> dict[str, str] | None:
    username = args.username or os.environ.get("NKDOCKER_USERNAME")
    password = args.password or os.environ.get("NKDOCKER_PASSWORD")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not username:
        return None
    return {
        "username": username,
        "password": password or "",
        "serveraddress": _registry_of(image),
    }


def _pull(
    session: Session,
    docker: Docker,
    image: str,
    auth: dict[str, str] | None,
    out: TextIO,
) -> None:
    inbox = Inbox()
    options: dict[str, Any] = {"subscriber": inbox}
    if auth:
        options["auth"] = auth
    ref = _get(docker.pull(image, **options))
    _stream_progress(session, inbox, ref, Progress(out, _is_tty(out)), session.json)


def cmd_pull(session: Session, args: argparse.Namespace) -> int:
    """Pull an image, showing progress per layer."""
    docker = session.one()
    image = _with_tag(args.image)
    _pull(session, docker, image, _auth(args, image), sys.stdout)
    return 0


def cmd_push(session: Session, args: argparse.Namespace) -> int:
    """Push an image (its :latest or the tag named; every tag with -a)."""
    docker = session.one()
    name, tag = args.image, None
    last = name.rsplit("/", 1)[-1]
    if "@" in name:
        raise CliError("push takes a name[:tag], not a digest", 2)
    if ":" in last:
        name, _, tag = name.rpartition(":")
    elif not args.all_tags:
        tag = "latest"
    options: dict[str, Any] = {}
    if tag:
        options["tag"] = tag
    auth = _auth(args, args.image)
    if auth:
        options["auth"] = auth
    inbox = Inbox()
    ref = _get(docker.push(name, subscriber=inbox, **options))
    _stream_progress(session, inbox, ref, Progress(sys.stdout, _is_tty(sys.stdout)), session.json)
    return 0


def cmd_build(session: Session, args: argparse.Namespace) -> int:
    """Build an image from a directory (or a tar on stdin with "-")."""
    docker = session.one()
    if args.path == "-":
        context: Any = sys.stdin.buffer.read()
    elif os.path.isdir(args.path):
        context = args.path
    else:
        raise CliError(f"build context {args.path!r} is not a directory", 2)
    options: dict[str, Any] = {"rm": True}
    if args.tag:
        options["t"] = list(args.tag)
    if args.file:
        options["dockerfile"] = args.file
    if args.no_cache:
        options["nocache"] = True
    if args.force_rm:
        options["forcerm"] = True
    if args.pull:
        options["pull"] = True
    if args.quiet:
        options["q"] = True
    build_args = _pairs(args.build_arg, "build argument")
    if build_args:
        options["buildargs"] = build_args
    labels = _pairs(args.label, "label")
    if labels:
        options["labels"] = labels
    inbox = Inbox()
    ref = _get(docker.build(context, subscriber=inbox, **options))
    progress = Progress(sys.stdout, _is_tty(sys.stdout))
    _stream_progress(session, inbox, ref, progress, session.json)
    return 0


# -- stats and monitor: a live table ----------------------------------------------------


@dataclass
class Row:
    """One container in the live table."""

    host: str
    id: str
    name: str
    image: str
    stats: Ref | None = None
    cpu: float | None = None
    memory: int | None = None
    limit: int | None = None
    pids: int | None = None
    sampled: bool = False

    def as_json(self) -> dict[str, Any]:
        """The row for --json."""
        return {
            "host": self.host,
            "id": self.id,
            "name": self.name,
            "image": self.image,
            "cpu_percent": None if self.cpu is None else round(self.cpu, 2),
            "mem_usage": self.memory,
            "mem_limit": self.limit,
            "mem_percent": self.mem_percent,
            "pids": self.pids,
        }

    @property
    def mem_percent(self) -> float | None:
        """Memory use as a percentage of the limit."""
        if self.memory is None or not self.limit:
            return None
        return round(self.memory * 100 / self.limit, 2)

    def sample(self, stats: dict[str, Any]) -> None:
        """Take CPU %, memory and pids from a stats sample (as `docker stats` computes them)."""
        cpu = stats.get("cpu_stats") or {}
        pre = stats.get("precpu_stats") or {}
        total = (cpu.get("cpu_usage") or {}).get("total_usage", 0)
        pre_total = (pre.get("cpu_usage") or {}).get("total_usage", 0)
        system, pre_system = cpu.get("system_cpu_usage", 0), pre.get("system_cpu_usage", 0)
        cpus = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or [])
        if pre_system and system > pre_system:
            self.cpu = max(0.0, (total - pre_total) / (system - pre_system) * (cpus or 1) * 100)
            self.sampled = True
        memory = stats.get("memory_stats") or {}
        if "usage" in memory:
            detail = memory.get("stats") or {}
            cache = detail.get("total_inactive_file", detail.get("inactive_file", 0))
            self.memory = max(0, int(memory["usage"]) - int(cache or 0))
            self.limit = int(memory.get("limit") or 0) or None
        pids = (stats.get("pids_stats") or {}).get("current")
        self.pids = int(pids) if pids is not None else None


@dataclass
class Daemon:
    """One daemon the live table covers."""

    target: Target
    docker: Docker | None = None
    events: Ref | None = None
    error: str | None = None
    retry_at: float = 0.0


@dataclass
class LiveTable:
    """Containers and their CPU/memory across daemons, kept from event and stats streams.

    Each daemon's container events (start, die, rename) add and remove rows; each
    row's stats stream updates it. A daemon that fails is shown as down and
    reconnected every few seconds.
    """

    session: Session
    follow: bool
    names: Sequence[str] = ()
    inbox: Inbox = field(default_factory=Inbox)
    daemons: dict[str, Daemon] = field(default_factory=dict)
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    owners: dict[Ref, tuple[str, str | None]] = field(default_factory=dict)

    def open(self) -> None:
        """Connect to every daemon and list what runs there."""
        for target in self.session.targets:
            self.daemons[target.label] = daemon = Daemon(target)
            self._attach(daemon, strict=not self.session.many)

    def _attach(self, daemon: Daemon, strict: bool) -> None:
        try:
            docker = self.session.connect(daemon.target)
            daemon.docker = docker
            if self.follow:
                ref = _get(docker.events(subscriber=self.inbox, filters={"type": ["container"]}))
                daemon.events = ref
                self.owners[ref] = (daemon.target.label, None)
            self._list(daemon, docker)
            daemon.error = None
        except NkDockerError as error:
            if strict:
                raise
            self._down(daemon, _describe(error))

    def _list(self, daemon: Daemon, docker: Docker) -> None:
        if self.names:
            found = [_get(docker.inspect(name)) for name in self.names]
            for item in found:
                self._add(
                    daemon,
                    item["Id"],
                    str(item.get("Name", "")).lstrip("/"),
                    str((item.get("Config") or {}).get("Image", "")),
                )
            return
        for item in _get(docker.ps()):
            names = item.get("Names") or ["/" + item["Id"][:12]]
            self._add(daemon, item["Id"], names[0].lstrip("/"), str(item.get("Image", "")))

    def _down(self, daemon: Daemon, reason: str) -> None:
        daemon.error = reason
        daemon.retry_at = time.monotonic() + 3
        if daemon.events is not None:
            self.owners.pop(daemon.events, None)
            daemon.events = None
        for key in [k for k in self.rows if k[0] == daemon.target.label]:
            self._remove(key)
        if daemon.docker is not None:
            self.session.drop(daemon.target)
            daemon.docker = None

    def _add(self, daemon: Daemon, ident: str, name: str, image: str) -> None:
        key = (daemon.target.label, ident)
        if key in self.rows or daemon.docker is None:
            return
        row = Row(daemon.target.label, ident, name, image)
        self.rows[key] = row
        try:
            row.stats = _get(daemon.docker.stats(ident, subscriber=self.inbox))
        except NkDockerError:
            row.sampled = True  # gone already: nothing to wait for
            return
        self.owners[row.stats] = key

    def _remove(self, key: tuple[str, str]) -> None:
        row = self.rows.pop(key, None)
        daemon = self.daemons.get(key[0])
        if row is None or row.stats is None:
            return
        self.owners.pop(row.stats, None)
        if daemon is not None and daemon.docker is not None:
            with contextlib.suppress(NkDockerError):
                daemon.docker.finish_async(row.stats)

    def handle(self, message: Message) -> None:
        """Apply one stream message to the table."""
        owner = self.owners.get(message.ref)
        if owner is None:
            return  # a stream we let go of
        label, ident = owner
        daemon = self.daemons[label]
        payload = message.payload
        if ident is None:  # the daemon's event stream
            if isinstance(payload, Data):
                self._event(daemon, payload.value)
            else:
                error = payload.error if isinstance(payload, Failed) else None
                self._down(daemon, _describe(error) if error else "the event stream ended")
            return
        row = self.rows.get((label, ident))
        if row is None:
            return
        if isinstance(payload, Data) and isinstance(payload.value, dict):
            row.sample(payload.value)
        elif isinstance(payload, Done | Failed):
            self.owners.pop(message.ref, None)
            row.stats = None
            row.sampled = True

    def _event(self, daemon: Daemon, event: Any) -> None:
        if not isinstance(event, dict):
            return
        action = str(event.get("Action") or event.get("status") or "")
        actor = event.get("Actor") or {}
        ident = str(actor.get("ID") or event.get("id") or "")
        attributes = actor.get("Attributes") or {}
        key = (daemon.target.label, ident)
        if action == "start":
            name = str(attributes.get("name") or ident[:12])
            self._add(daemon, ident, name, str(attributes.get("image") or event.get("from", "")))
        elif action in ("die", "destroy"):
            self._remove(key)
        elif action == "rename" and key in self.rows:
            self.rows[key].name = str(attributes.get("name") or self.rows[key].name)

    def retry(self) -> None:
        """Reconnect daemons that are down, when their time comes."""
        now = time.monotonic()
        for daemon in self.daemons.values():
            if daemon.docker is None and now >= daemon.retry_at:
                self._attach(daemon, strict=False)

    def ready(self) -> bool:
        """Whether every row has a CPU figure (two samples) or its stream ended."""
        return all(row.sampled for row in self.rows.values())

    def render(self) -> str:
        """The table as text."""
        many = self.session.many
        headers = ["NAME", "CONTAINER ID", "IMAGE", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"]
        rows = []
        for row in sorted(self.rows.values(), key=lambda r: (r.host, r.name)):
            usage = "--" if row.memory is None else _iec(row.memory)
            limit = "--" if row.limit is None else _iec(row.limit)
            percent = row.mem_percent
            cells = [
                row.name,
                row.id[:12],
                row.image,
                "--" if row.cpu is None else f"{row.cpu:.2f}%",
                f"{usage} / {limit}",
                "--" if percent is None else f"{percent:.2f}%",
                "--" if row.pids is None else str(row.pids),
            ]
            rows.append([row.host, *cells] if many else cells)
        text = _table(["HOST", *headers] if many else headers, rows)
        for daemon in self.daemons.values():
            if daemon.error:
                text += f"{daemon.target.label}: down ({daemon.error})\n"
        return text

    def as_json(self) -> list[dict[str, Any]]:
        """The rows for --json."""
        return [r.as_json() for r in sorted(self.rows.values(), key=lambda r: (r.host, r.name))]

    def run(self, once: bool, interval: float, wait: float = 10.0) -> int:
        """Show the table: once when every row has a sample (or after `wait` s), else every
        `interval` s until interrupted."""
        ansi = _is_tty(sys.stdout) and not self.session.json
        now = time.monotonic()
        deadline = now + wait
        next_show = now
        while True:
            now = time.monotonic()
            if once:
                if self.ready() or now >= deadline:
                    self._show(ansi=False)
                    return 1 if any(d.error for d in self.daemons.values()) else 0
                until = deadline
            else:
                if now >= next_show:
                    self._show(ansi)
                    self.retry()
                    next_show = time.monotonic() + interval
                until = next_show
            with contextlib.suppress(TimeoutError):
                self.handle(self.inbox.get(timeout=max(0.0, until - time.monotonic())))

    def _show(self, ansi: bool) -> None:
        if self.session.json:
            _print_json(self.as_json(), lines=True)
            return
        text = self.render()
        if ansi:
            stamp = time.strftime("%H:%M:%S")
            footer = (
                f"{len(self.rows)} container(s) on {len(self.daemons)} daemon(s) at {stamp}"
                " - ctrl-C to quit\n"
            )
            _write("\x1b[H\x1b[2J" + text + footer)
        else:
            _write(text + "\n")


def cmd_stats(session: Session, args: argparse.Namespace) -> int:
    """CPU and memory of containers (the named ones, else every running one), live."""
    table = LiveTable(session, follow=not args.containers, names=tuple(args.containers))
    table.open()
    return table.run(once=bool(args.no_stream), interval=float(args.interval))


def cmd_monitor(session: Session, args: argparse.Namespace) -> int:
    """A live table of every container and its CPU/memory, across every daemon given."""
    table = LiveTable(session, follow=not args.once)
    table.open()
    return table.run(once=bool(args.once), interval=float(args.interval))


# -- the parser -------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, sub: bool) -> None:
    """Connection options; on a subcommand they go to other names and are merged."""
    suppress = argparse.SUPPRESS
    group = parser.add_argument_group("daemon")
    group.add_argument(
        "-H",
        "--host",
        action="append",
        dest="sub_host" if sub else "host",
        metavar="[NAME=]URL",
        help="daemon to use (repeatable for ps, images, version, info, events, monitor); "
        "default: DOCKER_HOST, else the local socket",
        default=suppress if sub else None,
    )
    group.add_argument(
        "--json",
        action="store_true",
        dest="sub_json" if sub else "json",
        help="machine-readable output",
        default=suppress if sub else False,
    )
    if sub:
        return
    group.add_argument("--tls", action="store_true", help="use TLS (DOCKER_TLS)")
    group.add_argument(
        "--tlsverify", action="store_true", help="use TLS and verify the daemon (DOCKER_TLS_VERIFY)"
    )
    group.add_argument("--tlscacert", metavar="FILE", help="CA certificate (DOCKER_CERT_PATH)")
    group.add_argument("--tlscert", metavar="FILE", help="client certificate")
    group.add_argument("--tlskey", metavar="FILE", help="client key")
    group.add_argument("--api-version", metavar="1.NN", help="pin the API version")


def _auth_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--username", help="registry user (or NKDOCKER_USERNAME)")
    parser.add_argument("--password", help="registry password (or NKDOCKER_PASSWORD)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `nkdocker`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A Docker Engine client built as Pykka actors (nkdocker_actors).",
        epilog="Exit codes: 0 ok, 1 failed, 2 bad usage, 125 run could not start the "
        "container, 130 interrupted; run/exec: the process's own code.",
    )
    _common(parser, sub=False)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, handler: Callable[[Session, argparse.Namespace], int], text: str) -> Any:
        sub = subs.add_parser(name, help=text, description=text)
        _common(sub, sub=True)
        sub.set_defaults(handler=handler)
        return sub

    add("version", cmd_version, "client and daemon versions")
    add("info", cmd_info, "system-wide information")

    ps = add("ps", cmd_ps, "list containers")
    ps.add_argument("-a", "--all", action="store_true", help="stopped ones too")
    ps.add_argument("-q", "--quiet", action="store_true", help="ids only")
    ps.add_argument("-f", "--filter", action="append", metavar="KEY=VALUE", help="filter")

    images = add("images", cmd_images, "list images")
    images.add_argument("-a", "--all", action="store_true", help="intermediate images too")
    images.add_argument("-q", "--quiet", action="store_true", help="ids only")
    images.add_argument("-f", "--filter", action="append", metavar="KEY=VALUE", help="filter")

    inspect = add("inspect", cmd_inspect, "low-level information (JSON) on containers or images")
    inspect.add_argument("names", nargs="+", metavar="NAME")

    run = add("run", cmd_run, "create a container, start it and attach to it")
    run.add_argument("-i", "--interactive", action="store_true", help="send our stdin")
    run.add_argument("-t", "--tty", action="store_true", help="allocate a TTY")
    run.add_argument("-d", "--detach", action="store_true", help="print the id and return")
    run.add_argument("--rm", action="store_true", help="remove the container when it exits")
    run.add_argument("--name", help="container name")
    run.add_argument("-e", "--env", action="append", metavar="KEY[=VALUE]", help="environment")
    run.add_argument("-l", "--label", action="append", metavar="KEY=VALUE", help="label")
    run.add_argument("-w", "--workdir", help="working directory inside the container")
    run.add_argument("-u", "--user", help="user[:group] to run as")
    run.add_argument("--entrypoint", help="override the image's entrypoint")
    run.add_argument("--hostname", help="container host name")
    run.add_argument("--network", help="network to connect to")
    run.add_argument("image")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="command and arguments")

    execute = add("exec", cmd_exec, "run a process in a running container")
    execute.add_argument("-i", "--interactive", action="store_true", help="send our stdin")
    execute.add_argument("-t", "--tty", action="store_true", help="allocate a TTY")
    execute.add_argument("-d", "--detach", action="store_true", help="start and return")
    execute.add_argument("-e", "--env", action="append", metavar="KEY[=VALUE]")
    execute.add_argument("-w", "--workdir")
    execute.add_argument("-u", "--user")
    execute.add_argument("--privileged", action="store_true")
    execute.add_argument("container")
    execute.add_argument("cmd", nargs=argparse.REMAINDER, help="command and arguments")

    logs = add("logs", cmd_logs, "a container's output")
    logs.add_argument("-f", "--follow", action="store_true", help="follow until it stops")
    logs.add_argument("-t", "--timestamps", action="store_true")
    logs.add_argument("-n", "--tail", metavar="N", help='lines from the end ("all")')
    logs.add_argument("--since", metavar="TIME", help="unix seconds, 10m, or RFC 3339")
    logs.add_argument("--until", metavar="TIME")
    logs.add_argument("container")

    events = add("events", cmd_events, "real-time events, until interrupted")
    events.add_argument("-f", "--filter", action="append", metavar="KEY=VALUE")
    events.add_argument("--since", metavar="TIME", help="unix seconds, 10m, or RFC 3339")
    events.add_argument("--until", metavar="TIME", help="stop at this time (then exit)")

    pull = add("pull", cmd_pull, "pull an image, with progress per layer")
    pull.add_argument("image")
    _auth_options(pull)

    push = add("push", cmd_push, "push an image, with progress per layer")
    push.add_argument("image", help="name[:tag] (default tag: latest)")
    push.add_argument("-a", "--all-tags", action="store_true", help="push every tag")
    _auth_options(push)

    build = add("build", cmd_build, "build an image from a directory")
    build.add_argument("path", help='context directory, or "-" for a tar on stdin')
    build.add_argument("-t", "--tag", action="append", help="name[:tag] (repeatable)")
    build.add_argument("-f", "--file", help="Dockerfile path inside the context")
    build.add_argument("--build-arg", action="append", metavar="KEY=VALUE")
    build.add_argument("-l", "--label", action="append", metavar="KEY=VALUE")
    build.add_argument("--no-cache", action="store_true")
    build.add_argument(
        "--force-rm", action="store_true", help="remove intermediate containers even on failure"
    )
    build.add_argument("--pull", action="store_true", help="always pull the base image")
    build.add_argument("-q", "--quiet", action="store_true", help="print only the image id")

    stats = add("stats", cmd_stats, "live CPU and memory of containers")
    stats.add_argument("--no-stream", action="store_true", help="one table, then exit")
    stats.add_argument("--interval", type=float, default=1.0, help="seconds between tables")
    stats.add_argument("containers", nargs="*", metavar="CONTAINER")

    monitor = add("monitor", cmd_monitor, "live table of containers across daemons")
    monitor.add_argument("--once", action="store_true", help="one table, then exit")
    monitor.add_argument("--interval", type=float, default=1.0, help="seconds between tables")

    for name, handler, text in (
        ("rm", cmd_rm, "remove containers"),
        ("stop", cmd_stop, "stop containers"),
        ("kill", cmd_kill, "send a signal to containers"),
    ):
        sub = add(name, handler, text)
        sub.add_argument("containers", nargs="+", metavar="CONTAINER")
        if name == "rm":
            sub.add_argument("-f", "--force", action="store_true", help="kill a running one")
            sub.add_argument("-v", "--volumes", action="store_true", help="and its volumes")
        elif name == "stop":
            sub.add_argument("-t", "--time", type=int, default=10, help="seconds before a kill")
        else:
            sub.add_argument("-s", "--signal", default="SIGKILL")
    return parser


# -- main -----------------------------------------------------------------------------


def _describe(error: BaseException | None) -> str:
    if isinstance(error, DockerError):
        return error.message or str(error)
    if isinstance(error, ConnectionFailed):
        return f"cannot talk to the daemon: {error}"
    return str(error)


def _error(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `nkdocker` with `argv` (default: sys.argv[1:]); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.host = [*(args.host or []), *getattr(args, "sub_host", [])]
    args.json = bool(args.json or getattr(args, "sub_json", False))
    if args.command in ("exec",) and not args.cmd:
        parser.error("exec needs a command")
    code = 1
    session: Session | None = None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGHUP, _terminate)
    try:
        session = Session(args)
        code = int(args.handler(session, args))
    except KeyboardInterrupt:
        code = 130
        if _is_tty(sys.stderr):
            with contextlib.suppress(OSError):
                sys.stderr.write("\n")
    except Terminated as stop:
        code = 128 + stop.signum
    except CliError as error:
        _error(error.message)
        code = error.code
    except InvalidOption as error:
        _error(str(error))
        code = 2
    except NkDockerError as error:
        _error(_describe(error))
        code = 1
    except BrokenPipeError:
        # our reader went away (`nkdocker ps | head -1`): quiet, as a program killed by SIGPIPE
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        code = 141
    except Exception as error:  # a bug of ours: one line, unless asked for the traceback
        if os.environ.get("NKDOCKER_DEBUG"):
            raise
        _error(f"internal error: {error!r} (NKDOCKER_DEBUG=1 shows the traceback)")
        code = 1
    finally:
        if session is not None:
            try:
                session.close()
            except KeyboardInterrupt:
                code = 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
