"""The parser, built in one place from every area's command table, and `main`.

An area is a module with a COMMANDS tuple of `Cmd`; AREAS lists them. A new area
(swarm, contexts, registries) is a module and one line here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from ..connection import NEWEST_API
from ..errors import InvalidOption, NkDockerError
from . import (
    accounts,
    building,
    completion,
    containers,
    contexts,
    copying,
    images,
    monitor,
    networks,
    plugins,
    run,
    secrets,
    services,
    swarm,
    system,
    volumes,
)
from .common import PROG, CliError, Cmd, Session, Terminated, describe, error, is_tty
from .logsetup import level_of, show_library_logs
from .signals import signals_reach_main
from .usage import GO_FALSE, GO_TRUE, DockerParser, UsageError, go_filter

AREAS = (
    containers,
    copying,
    run,
    images,
    building,
    networks,
    volumes,
    plugins,
    system,
    monitor,
    accounts,
    contexts,
    swarm,
    services,
    secrets,
    completion,
)

GROUPS = {
    "container": "manage containers",
    "image": "manage images",
    "network": "manage networks",
    "volume": "manage volumes",
    "plugin": "manage plugins",
    "system": "manage the daemon",
    "context": "manage contexts (the docker CLI's)",
    "swarm": "manage the swarm",
    "node": "manage swarm nodes",
    "service": "manage swarm services",
    "secret": "manage swarm secrets",
    "config": "manage swarm configs",
}


def commands() -> list[Cmd]:
    """Every command of every area."""
    return [cmd for area in AREAS for cmd in area.COMMANDS]


def _daemon_options(parser: argparse.ArgumentParser, sub: bool) -> None:
    """-H and --json (accepted after the command too, then merged); the TLS flags."""
    suppress = argparse.SUPPRESS
    group = parser.add_argument_group("daemon")
    taken = parser._option_string_actions  # history's -H is --human, as docker's
    group.add_argument(
        *(f for f in ("-H", "--host") if f not in taken),
        action="append",
        dest="sub_host" if sub else "host",
        metavar="[NAME=]URL",
        help="daemon to use (repeatable for ps, images, version, info, events, stats, "
        "monitor); default: DOCKER_HOST, else the local socket",
        default=suppress if sub else None,
    )
    _add(
        group,
        "--json",
        action="store_true",
        dest="sub_json" if sub else "json",
        help="machine-readable output",
        default=suppress if sub else False,
    )
    if sub:
        return
    group.add_argument(
        "--config",
        dest="config_dir",  # (not `config`, `context`: commands' own arguments have those)
        metavar="DIR",
        help="the docker CLI's configuration directory (over DOCKER_CONFIG)",
    )
    group.add_argument(
        "-c",
        "--context",
        dest="use_context",
        metavar="NAME",
        help="the docker CLI context to use (over DOCKER_HOST and DOCKER_CONTEXT)",
    )
    _add(group, "-D", "--debug", action="store_true", help="show the library's debug reports")
    group.add_argument(
        "-l",
        "--log-level",
        metavar="LEVEL",
        help='show the library\'s reports from this level ("debug", "info", "warn", '
        '"error", "fatal")',
    )
    _add(group, "--tls", action="store_true", help="use TLS")
    _add(group, "--tlsverify", action="store_true", help="use TLS and verify the daemon")
    group.add_argument("--tlscacert", metavar="FILE", help="CA certificate")
    group.add_argument("--tlscert", metavar="FILE", help="client certificate")
    group.add_argument("--tlskey", metavar="FILE", help="client key")
    group.add_argument("--api-version", metavar="1.NN", help="pin the API version")


def _version_text() -> str:
    newest = ".".join(map(str, NEWEST_API))
    return f"{PROG} version {system.client_version()}, nkdocker_actors (API up to {newest})"


_GLOBAL_VALUED = (
    "-H",
    "--host",
    "-c",
    "--context",
    "--config",
    "-l",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
    "--api-version",
)


def command_words(argv: Sequence[str]) -> str | None:
    """The command `argv` names ("ps", "network ls"), or None: what the parser needs
    to build in full (building every command's flags costs more than running most)."""
    words: list[str] = []
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _GLOBAL_VALUED:
            skip = True
        elif not token.startswith("-"):
            words.append(token)
            if words[0] not in GROUPS or len(words) == 2:
                return " ".join(words)
        elif words:
            return None
    return None


def _add(container: argparse._ActionsContainer, *flags: str, **options: Any) -> None:
    """add_argument; a boolean flag also as docker's are, `--flag=VALUE` (`-f=VALUE`),
    VALUE one Go's strconv.ParseBool reads, never `--flag VALUE` (the next argument stays
    one: `run --sig-proxy busybox`). argparse looks a whole word up among the option
    strings before it splits one at "=": each `--flag=VALUE` is one of its own, hidden.
    A --filter's value is refused as docker's flag refuses it (no "=")."""
    if "--filter" in flags and "type" not in options:
        options = {**options, "type": go_filter}
    action = container.add_argument(*flags, **options)
    if options.get("action") != "store_true":
        return
    for value, words in ((True, GO_TRUE), (False, GO_FALSE)):
        container.add_argument(
            *(f"{flag}={word}" for flag in flags for word in words),
            action="store_const",
            const=value,
            dest=action.dest,
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of `nkdocker`, from the command tables of AREAS; with
    `only` (a known command), just that command's parser (a hundred subparsers cost
    more than most commands take to run)."""
    if only is not None and only not in {n for c in commands() for n in (c.name, *c.aliases)}:
        only = None
    parser = DockerParser(
        prog=PROG,
        allow_abbrev=False,  # (docker takes no shortened flag)
        description="A Docker Engine client built as Pykka actors (nkdocker_actors).",
        epilog="Exit codes: 0 ok, 1 failed (or a wrong count of arguments, an unknown "
        "command), 125 a bad flag (or run could not start the container), 130 interrupted; "
        "run/exec/start -a/attach: the process's own code.",
    )
    parser.add_argument("-v", "--version", action="version", version=_version_text())
    _daemon_options(parser, sub=False)
    top = parser.add_subparsers(dest="command_word", metavar="COMMAND", required=True)
    groups: dict[str, Any] = {}

    def where(words: list[str]) -> Any:
        if len(words) == 1:
            return top
        if words[0] not in groups:
            group = top.add_parser(
                words[0], help=GROUPS.get(words[0], ""), add_help=True, allow_abbrev=False
            )
            groups[words[0]] = group.add_subparsers(
                dest="sub_word", metavar="COMMAND", required=True
            )
        return groups[words[0]]

    for cmd in commands():
        for name in (cmd.name, *cmd.aliases):
            if only is not None and name != only:
                continue
            words = name.split()
            # docker names a command by its first name in its group (container list: "container ls")
            path = next(n for n in (cmd.name, *cmd.aliases) if n.split()[:-1] == words[:-1])
            sub = where(words).add_parser(
                words[-1],
                prog=f"{PROG} {path}",
                help=cmd.help,
                description=cmd.help,
                add_help=False,
                allow_abbrev=False,
            )
            sub.arity = cmd.arity
            sub.interspersed = cmd.interspersed
            sub.add_argument("--help", action="help", help="show this help")
            for argument in cmd.args:
                _add(sub, *argument.flags, **argument.options)
            if "-h" not in sub._option_string_actions:  # (run's -h is --hostname, as docker's)
                sub.add_argument("-h", action="help", help=argparse.SUPPRESS)
            _daemon_options(sub, sub=True)
            sub.set_defaults(
                handler=cmd.run, command=cmd.name, many=cmd.many, command_help=sub.format_help
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `nkdocker` with `argv` (default: sys.argv[1:]); return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_words(argv))
    try:
        args = parser.parse_args(argv)
    except UsageError as refused:  # docker's words, layout and exit code
        with contextlib.suppress(OSError):
            sys.stderr.write(refused.text)
            sys.stderr.flush()
        return refused.code
    args.host = [*(args.host or []), *getattr(args, "sub_host", [])]
    args.json = bool(args.json or getattr(args, "sub_json", False))
    try:
        level = level_of(args.debug, args.log_level)
    except ValueError as refused:
        error(str(refused))
        return 1
    if level is not None:
        show_library_logs(level)
    if args.config_dir is not None:  # (contexts, credentials: the core reads DOCKER_CONFIG)
        os.environ["DOCKER_CONFIG"] = args.config_dir
    if args.use_context is not None:
        if args.host:
            error("conflicting options: cannot specify both --host and --context")
            return 1
        # As DOCKER_CONTEXT, for the core's resolution and `context show`; over DOCKER_HOST,
        # which only the default context reads.
        os.environ["DOCKER_CONTEXT"] = args.use_context
        if args.use_context != "default":
            os.environ.pop("DOCKER_HOST", None)
    try:
        with signals_reach_main():
            return _run(args)
    except KeyboardInterrupt:  # (one held while the command set up or ended)
        return _interrupted()
    except Terminated as stop:
        return 128 + stop.signum


def _interrupted() -> int:
    if is_tty(sys.stderr):
        with contextlib.suppress(OSError):
            sys.stderr.write("\n")
    return 130


def _run(args: argparse.Namespace) -> int:
    """The command `args` names: its exit code, whatever it raises."""
    code = 1
    session: Session | None = None
    try:
        session = Session(args)
        if session.many and not args.many:
            raise CliError(f"{args.command} takes a single --host")
        code = int(args.handler(session, args))
    except KeyboardInterrupt:
        code = _interrupted()
    except Terminated as stop:
        code = 128 + stop.signum
    except UsageError as problem:  # (one a command found: its usage hint too, as docker's)
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.write(problem.text)
            sys.stderr.flush()
        code = problem.code
    except CliError as problem:
        error(problem.message)
        code = problem.code
    except InvalidOption as problem:  # (docker sends it on: the daemon's refusal, exit 1 or 125)
        error(str(problem))
        code = 125 if args.command in ("run", "create") else 1
    except NkDockerError as problem:  # (docker's run exits 125 on its own failures)
        error(describe(problem))
        code = 125 if args.command == "run" else 1
    except OSError as problem:
        if isinstance(problem, BrokenPipeError):
            # our reader went away (`nkdocker ps | head -1`): quiet, as if killed by SIGPIPE
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            code = 141
        else:
            error(str(problem))
            code = 1
    except Exception as problem:  # a bug of ours: one line, unless asked for the traceback
        if os.environ.get("NKDOCKER_DEBUG"):
            raise
        error(f"internal error: {problem!r} (NKDOCKER_DEBUG=1 shows the traceback)")
        code = 1
    finally:
        if session is not None:
            try:
                session.close()
            except KeyboardInterrupt:
                code = 130
    return code
