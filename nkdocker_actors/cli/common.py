"""What every command shares: errors, the daemons of one invocation, argument helpers,
and the declaration of commands the parser is built from."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import pykka

from ..connection import Docker, connect
from ..errors import ConnectionFailed, DockerError, InvalidOption, NkDockerError
from ..messages import Done, Failed, Inbox, Payload, Ref
from ..times import time_value

PROG = "nkdocker"
CALL_TIMEOUT = 120.0  # a bound for our waits on quick commands (the daemon's own timeout applies)

Handler = Callable[["Session", argparse.Namespace], int]


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


# -- declaring commands ---------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """One argparse argument: its flags (or name) and keyword arguments."""

    flags: tuple[str, ...]
    options: dict[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    """An argument, as `ArgumentParser.add_argument(*flags, **options)` takes it."""
    return Arg(flags, options)


@dataclass(frozen=True)
class Cmd:
    """One command: its words ("ps", "network ls"), handler, help, arguments, aliases.

    `many` marks the commands that take several -H daemons at once; `arity`, docker's
    fewest and most arguments (None: no bound) where the parser's own differ (exec's
    COMMAND is a remainder argparse lets be empty); `interspersed` False, docker's that
    read no flag after their first argument (tag, commit: as run's, exec's).
    """

    name: str
    run: Handler
    help: str
    args: tuple[Arg, ...] = ()
    aliases: tuple[str, ...] = ()
    many: bool = False
    arity: tuple[int, int | None] | None = None
    interspersed: bool = True


# -- output ---------------------------------------------------------------------------


def is_tty(stream: TextIO) -> bool:
    """Whether `stream` is a terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def write(text: str) -> None:
    """Write to stdout now."""
    sys.stdout.write(text)
    sys.stdout.flush()


def answered_yes(prompt: str) -> bool:
    """Ask `prompt` (with " [y/N] "), as docker asks: only "y" or "Y" read from stdin is
    yes; ctrl-C is a no (the line ended, exit 0, as docker's)."""
    write(f"{prompt} [y/N] ")
    try:
        return sys.stdin.readline().strip().lower() == "y"
    except KeyboardInterrupt:
        write("\n")
        return False


def notice(text: str) -> None:
    """A line on stderr as docker words it (no program name: its warnings and notices)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    print(text, file=sys.stderr, flush=True)


def print_json(value: Any, *, lines: bool = False) -> None:
    """`value` as JSON: indented, or one compact line."""
    text = json.dumps(value, separators=(",", ":")) if lines else json.dumps(value, indent=4)
    write(text + "\n")


def error(text: str) -> None:
    """One line on stderr, after what we wrote on stdout."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def items_of(inbox: Inbox, ref: Ref) -> Iterator[Payload]:
    """The payloads `ref`'s stream posts to `inbox` (others' messages skipped) until it
    ends: Done stops, Failed raises its error."""
    while True:
        message = inbox.get()
        if message.ref is not ref:
            continue
        payload = message.payload
        if isinstance(payload, Failed):
            raise payload.error
        if isinstance(payload, Done):
            return
        yield payload


def describe(problem: BaseException | None) -> str:
    """An error as the user reads it: the daemon's own message where it has one."""
    if isinstance(problem, DockerError):
        return problem.message or str(problem)
    if isinstance(problem, ConnectionFailed):
        return f"cannot talk to the daemon: {problem}"
    return str(problem)


# -- argument helpers ---------------------------------------------------------------


def short_id(ident: str) -> str:
    """An id as the docker CLI shows it: 12 hex digits, no "sha256:"."""
    return ident.split(":", 1)[-1][:12]


def pairs(items: Sequence[str] | None, what: str) -> dict[str, str]:
    """KEY=VALUE arguments as a dict (a bare KEY takes our environment's value, as docker -e)."""
    result: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not key:
            raise CliError(f"bad {what} {item!r}: expected KEY=VALUE", 125)
        if not sep:
            if what not in ("environment variable", "label"):
                raise CliError(f"bad {what} {item!r}: expected KEY=VALUE", 125)
            if what == "environment variable":
                if key not in os.environ:
                    continue
                value = os.environ[key]
        result[key] = value
    return result


def filters(items: Sequence[str] | None) -> dict[str, list[str]]:
    """--filter KEY=VALUE arguments as the API's filters, read as docker's flag reads
    them: an empty one left out, KEY lower-cased, both trimmed; an empty KEY or VALUE
    the daemon's to judge (`name=` matches every name, `=x` is refused)."""
    result: dict[str, list[str]] = {}
    for key, value in (item.partition("=")[::2] for item in items or () if item):
        result.setdefault(key.strip().lower(), []).append(value.strip())
    return result


# Go's own escapes (other control characters are \xHH)
_GO_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def go_quoted(text: str) -> str:
    """As Go's %q (strconv.Quote) quotes a string: printable characters as they are (Go's
    IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space), the rest
    escaped; a byte that was not UTF-8 (surrogate-escaped in argv) as \\xHH."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char == " " or unicodedata.category(char)[0] in "LMNPS":
            out.append(char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out) + '"'


def timestamp(text: str) -> str:
    """A time as docker's --since/--until read it (unix seconds, a duration back from now,
    RFC 3339: `times.time_value`), in docker's words when it is none."""
    try:
        return time_value("since", text)
    except InvalidOption:
        raise CliError(f"failed to parse value as time or duration: {go_quoted(text)}") from None


def to_int(text: str, what: str) -> int:
    """A non-negative number given on the command line."""
    try:
        value = int(text)
    except ValueError:
        raise CliError(f"{what} takes a number, not {text!r}", 125) from None
    if value < 0:
        raise CliError(f"{what} takes a non-negative number", 125)
    return value


# -- connections --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One daemon named on the command line (url None: the core's resolution decides)."""

    label: str
    url: str | None


class Session:
    """The daemons of one invocation and the connections opened to them."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.json: bool = bool(getattr(args, "json", False))
        self.connections: dict[str, Docker] = {}
        self.targets: list[Target] = []
        for value in getattr(args, "host", None) or []:
            label, sep, url = value.partition("=")
            if sep and "://" not in label and label:
                self.targets.append(Target(label, url))
            else:
                self.targets.append(Target(value, value))
        if not self.targets:
            self.targets.append(Target(os.environ.get("DOCKER_HOST") or "local", None))
        labels = [t.label for t in self.targets]
        if len(set(labels)) != len(labels):
            raise CliError("two --host values have the same label: name them NAME=URL")

    @property
    def many(self) -> bool:
        """Whether several daemons were named (output then says which daemon)."""
        return len(self.targets) > 1

    def settings(self) -> dict[str, Any]:
        """connect() settings from our flags only: --tls*, --api-version.

        DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH are the core's to read
        (nkdocker_actors.config.resolve), so the CLI and the API resolve them alike.
        """
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
        docker = connect(target.url, **self.settings())
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
            raise CliError(f"{self.args.command} takes a single --host")
        return self.connect(self.targets[0])

    def each(self) -> Iterator[tuple[Target, Docker | NkDockerError]]:
        """Every target with its connection, or the error connecting to it."""
        for target in self.targets:
            try:
                yield target, self.connect(target)
            except NkDockerError as problem:
                if not self.many:
                    raise
                yield target, problem

    def close(self) -> None:
        """Close every connection (their streams end)."""
        for target in self.targets:
            self.drop(target)


def wait(future: Any, timeout: float | None = CALL_TIMEOUT) -> Any:
    """A command's result (its error raises)."""
    try:
        return future.get(timeout)
    except pykka.Timeout:
        raise CliError(f"no answer from the daemon within {timeout:.0f} s") from None


def fanout(
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
        except NkDockerError as problem:
            started.append((target, problem))
    results: list[tuple[Target, Any]] = []
    for target, future in started:
        if isinstance(future, NkDockerError):
            results.append((target, future))
            continue
        try:
            results.append((target, wait(future)))
        except NkDockerError as problem:
            if not session.many:
                raise
            results.append((target, problem))
    return results


def listed(results: list[tuple[Target, Any]]) -> list[tuple[Target, Any]]:
    """Each item of every daemon's list that came back, with its daemon."""
    return [
        (target, item)
        for target, result in results
        if not isinstance(result, NkDockerError)
        for item in result
    ]


def quiet_ids(items: list[tuple[Target, Any]], no_trunc: bool) -> None:
    """Print the items' ids, one per line (each once), as `-q` does."""
    ids = (item["Id"] if no_trunc else short_id(item["Id"]) for _, item in items)
    write("".join(f"{i}\n" for i in dict.fromkeys(ids)))


def report_failures(results: list[tuple[Target, Any]]) -> int:
    """Print each daemon's failure; 1 if any failed."""
    code = 0
    for target, result in results:
        if isinstance(result, NkDockerError):
            error(f"{target.label}: {describe(result)}")
            code = 1
    return code


def each_name(
    names: Sequence[str],
    call: Callable[[str], Any],
    show: bool = True,
    fine: tuple[type[NkDockerError], ...] = (),
    harmless: tuple[type[NkDockerError], ...] = (),
    after_failures: Callable[[list[str]], str] | None = None,
) -> int:
    """`call` on every name at once; print each name done (as docker), each failure on
    stderr; 1 if any failed. An error of a `fine` type counts as done (a stop of a
    stopped container: docker's idempotent stop); one of a `harmless` type is printed
    but is no failure (`rm -f` of a missing container). `after_failures`: the line some
    of docker's commands end with when any failed, given the names that did."""
    failed = []
    futures = []
    for name in names:
        try:
            futures.append((name, call(name)))
        except NkDockerError as problem:
            error(describe(problem))
            failed.append(name)
    for name, future in futures:
        try:
            wait(future, None)
        except fine:
            pass
        except NkDockerError as problem:
            error(describe(problem))
            if not isinstance(problem, harmless):
                failed.append(name)
            continue
        if show:
            write(name + "\n")
    if failed and after_failures is not None:
        error(after_failures(failed))
    return 1 if failed else 0
