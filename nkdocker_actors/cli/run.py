"""run, create, start -a, attach, exec, logs: containers wired to our terminal.

`run` and `create` take the docker CLI's flags for every create option the Python
API models (their table: create_flags.py).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import Any

import pykka

from ..connection import Docker
from ..errors import DockerError, NkDockerError, NotFound, NotModified
from ..messages import Future, Inbox
from .common import (
    CliError,
    Cmd,
    Session,
    arg,
    each_name,
    is_tty,
    timestamp,
    wait,
    write,
)
from .create_flags import (
    CREATE_FLAGS,
    check_api,
    check_values,
    create_options,
    env_var,
    environment,
)
from .detach import DETACH_KEYS, Detached
from .interactive import interact, proxy_signals, pump_output


def _create(session: Session, docker: Docker, args: argparse.Namespace, run: bool) -> str:
    """Create the container (pulling its image as --pull says); its id."""
    from .images import pull_image, with_tag

    options = create_options(args, detach=run and args.detach)
    check_api(args, docker.api_version)
    if args.rm:
        options["auto_remove"] = not run or bool(args.detach) or _removed_by_daemon(args, docker)
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


def _removed_by_daemon(args: argparse.Namespace, docker: Docker) -> bool:
    """--rm on an attached run: the daemon removes the container once it exits
    (AutoRemove), as docker's, so that one left with the detach keys goes too; where the
    daemon cannot say when it has (wait's "removed", API 1.30), the run removes it itself."""
    return bool(args.rm) and docker.api_version >= (1, 30)


def cmd_create(session: Session, args: argparse.Namespace) -> int:
    """Create a container; print its id."""
    check_values(args)
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
    check_values(args)
    if not args.detach:
        _check_tty(args)
    docker = session.one()
    container = _create(session, docker, args, run=True)
    by_daemon = _removed_by_daemon(args, docker)
    detached = ended = False
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
        code = attached(
            docker, container, stdin, args.tty, start=True, proxy=proxy, outputs=streams,
            detach_keys=args.detach_keys, removed=by_daemon,
        )  # fmt: skip
        ended = True
        return code
    except Detached:  # (left running, --rm or not: as docker's)
        detached = True
        return 0
    finally:
        # --rm: a run cut short (ctrl-C) removes its container itself, as does one that
        # ended where the daemon does not (before API 1.30).
        if args.rm and not args.detach and not detached and not (by_daemon and ended):
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
    removed: bool = False,
) -> int:
    """Attach to `container` (starting it if asked) until it ends: its exit code (Detached:
    left with the detach keys). `removed`: the daemon removes it once it exits (AutoRemove):
    its exit and its removal are waited for from before it starts, as docker's (the exit
    code from the exit: Podman 4.3 says 0 on removal)."""
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
    exited = docker.wait(container, condition="next-exit") if removed else None
    gone = docker.wait(container, condition="removed") if removed else None
    if start:
        try:
            wait(docker.start(container), None)
        except NotModified:
            pass
        except DockerError as problem:
            with contextlib.suppress(NkDockerError):
                docker.finish_async(ref)
            _removal(gone)  # (the daemon removes one that failed to start)
            raise CliError(problem.message, _start_error_code(problem)) from None

    def resize(w: int, h: int) -> Any:
        return docker.resize(container, w, h)

    with proxy_signals(docker, container, proxy):
        if interact(
            docker, ref, inbox, stdin=stdin, tty=tty, resize=resize, detach_keys=detach_keys
        ):
            raise Detached
        result = wait(exited if exited is not None else docker.wait(container), None)
    _removal(gone)
    return int(result.get("StatusCode", 0))


def _removal(gone: Future | None) -> None:
    """Let the daemon's removal of the container end first (within reason)."""
    if gone is not None:
        with contextlib.suppress(NkDockerError, pykka.Timeout):
            gone.get(30)


def cmd_start(session: Session, args: argparse.Namespace) -> int:
    """Start containers (one already running is fine); -a: attach and exit with its code."""
    docker = session.one()
    if args.attach or args.interactive:
        if len(args.containers) > 1:
            raise CliError("you cannot start and attach multiple containers at once", 1)
        container = args.containers[0]
        state = wait(docker.inspect(container))
        tty = bool(state["Config"].get("Tty"))
        if tty and args.interactive and not is_tty(sys.stdin):
            raise CliError("the input device is not a TTY", 1)
        removed = bool((state.get("HostConfig") or {}).get("AutoRemove"))  # (create --rm)
        with contextlib.suppress(Detached):  # (left running: exit 0, as docker's)
            return attached(
                docker, container, bool(args.interactive), tty, start=True, proxy=not tty,
                detach_keys=args.detach_keys, removed=removed and docker.api_version >= (1, 30),
            )  # fmt: skip
        return 0
    return each_name(
        args.containers,
        lambda c: docker.start(c),
        fine=(NotModified,),
        after_failures=lambda failed: f"failed to start containers: {', '.join(failed)}",
    )


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
        env = environment(args)
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
    if args.details:
        options["details"] = True
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
_RM = arg("--rm", action="store_true", help="remove the container when it exits")
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
            _RM,
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
        (_RM, *_CREATE_ARGS, *_IMAGE_CMD),
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
            arg("-e", "--env", action="append", type=env_var, metavar="KEY[=VALUE]"),
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
            arg("--details", action="store_true", help="the attributes given to the log driver"),
            arg("-n", "--tail", metavar="N", help='lines from the end ("all")'),
            arg("--since", metavar="TIME", help="unix seconds, 10m, or RFC 3339"),
            arg("--until", metavar="TIME"),
            arg("container", metavar="CONTAINER"),
        ),
        aliases=("container logs",),
    ),
)
