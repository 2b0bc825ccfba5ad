"""Container commands: ps, inspect, the lifecycle, and what reads or changes a container."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..connection import Docker
from ..errors import InvalidOption, NkDockerError, NotFound, NotModified
from .common import (
    CliError,
    Cmd,
    Session,
    arg,
    describe,
    each_name,
    error,
    fanout,
    filters,
    go_quoted,
    listed,
    print_json,
    quiet_ids,
    report_failures,
    short_id,
    wait,
    write,
)
from .create_flags import ram_bytes, restart_policy, swap_bytes, uint16
from .render import ago, ellipsis, listing, si
from .template import Template, go_json, tabwrite
from .usage import cpus

PS_FORMAT = (
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
)
PS_HEADERS = {
    "ID": "CONTAINER ID",
    "Image": "IMAGE",
    "Command": "COMMAND",
    "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED",
    "Ports": "PORTS",
    "Status": "STATUS",
    "Size": "SIZE",
    "Names": "NAMES",
    "Labels": "LABELS",
    "Mounts": "MOUNTS",
    "Networks": "NETWORKS",
    "State": "STATE",
    "LocalVolumes": "LOCAL VOLUMES",
    "Host": "HOST",
}


def ports_text(ports: list[dict[str, Any]]) -> str:
    """The PORTS column: "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 53/udp"."""
    shown = []
    for port in sorted(
        ports, key=lambda p: (p.get("PrivatePort", 0), p.get("Type", ""), p.get("IP", ""))
    ):
        private = f"{port.get('PrivatePort')}/{port.get('Type', 'tcp')}"
        if port.get("PublicPort"):
            ip = str(port.get("IP") or "")
            host = f"[{ip}]" if ":" in ip else ip
            shown.append(f"{host}:{port['PublicPort']}->{private}")
        else:
            shown.append(private)
    return ", ".join(dict.fromkeys(shown))


def _command_text(command: str, trunc: bool) -> str:
    return go_quoted(ellipsis(command, 20) if trunc else command)


def _image_text(image: str, image_id: str, trunc: bool) -> str:
    """The IMAGE column: a container made from an image id shows it short."""
    if not image:
        return "<no image>"
    return short_id(image) if trunc and short_id(image) == short_id(image_id) else image


def ps_context(item: dict[str, Any], trunc: bool = True) -> dict[str, Any]:
    """A listed container as the docker CLI's --format sees it."""
    names = [n.lstrip("/") for n in item.get("Names") or [] if "/" not in n.lstrip("/")]
    created = float(item.get("Created", 0))
    # (docker's: the writable layer, and the whole only where the daemon counted it)
    rw, root = float(item.get("SizeRw") or 0), float(item.get("SizeRootFs") or 0)
    size = f"{si(rw)} (virtual {si(root)})" if root > 0 else si(rw)
    labels = item.get("Labels") or {}
    networks = ((item.get("NetworkSettings") or {}).get("Networks")) or {}
    return {
        "ID": short_id(item["Id"]) if trunc else item["Id"],
        "Image": _image_text(str(item.get("Image", "")), str(item.get("ImageID", "")), trunc),
        "Command": _command_text(str(item.get("Command", "")), trunc),
        "CreatedAt": _created_at(created),
        "RunningFor": ago(created),
        "Ports": ports_text(item.get("Ports") or []),
        "Status": str(item.get("Status", "")),
        "State": str(item.get("State", "")),
        "Size": size,
        "Names": ",".join(names),
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        "Mounts": ",".join(
            str(m.get("Name") or m.get("Source", "")) for m in item.get("Mounts") or []
        ),
        "Networks": ",".join(sorted(networks)),
        "LocalVolumes": str(sum(1 for m in item.get("Mounts") or [] if m.get("Driver") == "local")),
        "Platform": None,  # docker 28 shows the image platform of API 1.46+; not at 1.41
    }


def _created_at(unix: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %z %Z", time.localtime(unix))


def cmd_ps(session: Session, args: argparse.Namespace) -> int:
    """List containers on every daemon given."""
    options: dict[str, Any] = {"all": bool(args.all or args.last or args.latest)}
    if args.filter:
        options["filters"] = filters(args.filter)
    if args.size or (args.format and (".Size" in args.format or "json ." in args.format)):
        options["size"] = True  # as docker: asked for by the template too
    if args.latest:
        options["limit"] = 1
    elif args.last is not None:
        options["limit"] = args.last
    results = fanout(session, lambda docker: docker.ps(**options))
    found = listed(results)
    if args.quiet and not session.json:
        quiet_ids(found, args.no_trunc)
        return report_failures(results)
    default = PS_FORMAT + ("\t{{.Size}}" if args.size else "")
    if session.many:
        default = default.replace("table ", "table {{.Host}}\t", 1)
    items = [
        {**ps_context(item, not args.no_trunc), **({"Host": t.label} if session.many else {})}
        for t, item in found
    ]
    raw = [{**item, "Host": t.label} if session.many else item for t, item in found]
    listing(session.json, args.format, default, PS_HEADERS, items, raw)
    return report_failures(results)


_KINDS = ("container", "image", "network", "volume")


def _inspect_one(docker: Docker, name: str, kind: str | None, size: bool) -> Any:
    calls = {
        "container": lambda: docker.inspect(name, size=True) if size else docker.inspect(name),
        "image": lambda: docker.inspect_image(name),
        "network": lambda: docker.network_inspect(name),
        "volume": lambda: docker.volume_inspect(name),
    }
    for each in (kind,) if kind else _KINDS:
        try:
            return wait(calls[each]())
        except (NotFound, InvalidOption):
            continue
    return None


def cmd_inspect(session: Session, args: argparse.Namespace) -> int:
    """Low-level information on containers, images, networks or volumes."""
    if args.type is not None and args.type not in _KINDS:
        kinds = ", ".join(f'"{kind}"' for kind in _KINDS)
        raise CliError(f'unknown type: "{args.type}": must be one of {kinds}', 1)
    docker = session.one()
    found: list[Any] = []
    code = 0
    for name in args.names:
        item = _inspect_one(docker, name, args.type, args.size)
        if item is None:
            error(f"No such {args.type or 'object'}: {name}")
            code = 1
        else:
            found.append(item)
    show_inspect(found, args.format)
    return code


def inspect_each(
    names: Sequence[str],
    inspect: Callable[[str], Any],
    fmt: str | None,
    marshalled: bool = False,
) -> int:
    """docker's inspect of several objects: each one found shown, each missing one (or a
    name that names none) reported, the others done all the same; 1 if any was missing."""
    found: list[Any] = []
    code = 0
    for name in names:
        try:
            found.append(wait(inspect(name)))
        except (NotFound, InvalidOption) as problem:
            error(describe(problem))
            code = 1
    show_inspect(found, fmt, marshalled)
    return code


def show_inspect(found: list[Any], fmt: str | None, marshalled: bool = False) -> None:
    """Inspect output: an indented JSON array, or -f applied to each object ("json": the
    array on one line, as docker prints it: as the daemon sent it, or, `marshalled`, as
    docker marshals what it decoded itself, see template.go_json)."""
    if fmt == "json":
        write(go_json(found, marshalled) + "\n")
    elif fmt:
        template = Template(fmt)
        write("".join(template.render(item) + "\n" for item in found))
    else:
        print_json(found)


def cmd_rm(session: Session, args: argparse.Namespace) -> int:
    """Remove containers (-f: a missing one is no error, as docker's)."""
    docker = session.one()
    harmless: tuple[type[NkDockerError], ...] = (NotFound,) if args.force else ()
    return each_name(
        args.containers,
        lambda c: docker.rm(c, force=bool(args.force), v=bool(args.volumes), link=bool(args.link)),
        harmless=harmless,
    )


def _stop_options(docker: Docker, args: argparse.Namespace) -> dict[str, Any]:
    """stop's and restart's -t and -s; -s left out below API 1.42, which has no signal
    to stop with, as docker leaves it out (the container's stop signal is sent)."""
    options: dict[str, Any] = {} if args.time is None else {"t": args.time}
    if args.signal and docker.api_version >= (1, 42):
        options["signal"] = int(args.signal) if args.signal.isdigit() else args.signal
    return options


def cmd_stop(session: Session, args: argparse.Namespace) -> int:
    """Stop containers; one stopped already is fine (docker's idempotent stop)."""
    docker = session.one()
    options = _stop_options(docker, args)
    return each_name(args.containers, lambda c: docker.stop(c, **options), fine=(NotModified,))


def cmd_restart(session: Session, args: argparse.Namespace) -> int:
    """Restart containers."""
    docker = session.one()
    options = _stop_options(docker, args)
    return each_name(args.containers, lambda c: docker.restart(c, **options))


def cmd_kill(session: Session, args: argparse.Namespace) -> int:
    """Send a signal to containers."""
    docker = session.one()
    signal_name = args.signal if not args.signal.isdigit() else int(args.signal)
    return each_name(args.containers, lambda c: docker.kill(c, signal=signal_name))


def cmd_pause(session: Session, args: argparse.Namespace) -> int:
    """Pause containers."""
    docker = session.one()
    return each_name(args.containers, lambda c: docker.pause(c))


def cmd_unpause(session: Session, args: argparse.Namespace) -> int:
    """Unpause containers."""
    docker = session.one()
    return each_name(args.containers, lambda c: docker.unpause(c))


def cmd_wait(session: Session, args: argparse.Namespace) -> int:
    """Block until containers stop; print each exit code."""
    docker = session.one()
    futures = [(name, docker.wait(name)) for name in args.containers]
    code = 0
    for _name, future in futures:
        try:
            write(f"{wait(future, None).get('StatusCode', 0)}\n")
        except NkDockerError as problem:
            error(problem.message if hasattr(problem, "message") else str(problem))
            code = 1
    return code


def cmd_rename(session: Session, args: argparse.Namespace) -> int:
    """Rename a container."""
    wait(session.one().rename(args.container, args.new_name))
    return 0


def cmd_top(session: Session, args: argparse.Namespace) -> int:
    """The processes of a container, as `ps` shows them."""
    docker = session.one()
    options: dict[str, Any] = {"ps_args": " ".join(args.ps_args)} if args.ps_args else {}
    result = wait(docker.top(args.container, **options))
    lines = ["\t".join(result.get("Titles") or [])]
    lines += ["\t".join(p) for p in result.get("Processes") or []]
    write(tabwrite(lines, minwidth=20))
    return 0


def cmd_port(session: Session, args: argparse.Namespace) -> int:
    """Published ports: every one, or one private port's host addresses."""
    docker = session.one()
    ports = wait(docker.port(args.container)) or {}
    if args.private_port:
        key = args.private_port if "/" in args.private_port else args.private_port + "/tcp"
        bindings = ports.get(key)
        if not bindings:
            raise CliError(f"No public port '{args.private_port}' published for {args.container}")
        write("".join(f"{_host_addr(b)}\n" for b in bindings))
        return 0
    lines = [
        f"{key} -> {_host_addr(b)}"
        for key, bindings in sorted(ports.items(), key=lambda kv: _port_order(kv[0]))
        for b in bindings or []
    ]
    write("".join(line + "\n" for line in lines))
    return 0


def _port_order(key: str) -> tuple[int, str]:
    number, _, proto = key.partition("/")
    return int(number) if number.isdigit() else 0, proto


def _host_addr(binding: dict[str, Any]) -> str:
    ip = str(binding.get("HostIp") or "0.0.0.0")
    return f"[{ip}]:{binding.get('HostPort')}" if ":" in ip else f"{ip}:{binding.get('HostPort')}"


def cmd_diff(session: Session, args: argparse.Namespace) -> int:
    """Changed files: C (changed), A (added), D (deleted)."""
    changes = wait(session.one().diff(args.container)) or []
    kinds = {0: "C", 1: "A", 2: "D"}
    write("".join(f"{kinds.get(c.get('Kind'), '?')} {c.get('Path')}\n" for c in changes))
    return 0


# update's flags whose value is the update option's: flag's dest -> option
_UPDATE_AS_GIVEN = {
    "cpus": "cpus",
    "cpu_shares": "cpu_shares",
    "cpu_period": "cpu_period",
    "cpu_quota": "cpu_quota",
    "cpu_rt_period": "cpu_realtime_period",
    "cpu_rt_runtime": "cpu_realtime_runtime",
    "cpuset_cpus": "cpu_set_cpus",
    "cpuset_mems": "cpuset_mems",
    "pids_limit": "pids_limit",
    "blkio_weight": "blkio_weight",
    "memory_reservation": "memory_reservation",
    "memory": "memory",
    "memory_swap": "memory_swap",
}


def cmd_update(session: Session, args: argparse.Namespace) -> int:
    """Change resources or the restart policy of containers."""
    options: dict[str, Any] = {
        option: getattr(args, dest)
        for dest, option in _UPDATE_AS_GIVEN.items()
        if getattr(args, dest) is not None
    }
    if args.restart is not None:
        options["restart"] = restart_policy(args.restart)
    if not options:
        raise CliError("you must provide one or more flags when using this command", 1)
    docker = session.one()
    futures = [(name, docker.update(name, **options)) for name in args.containers]
    code = 0
    warnings: list[str] = []
    for name, future in futures:
        try:
            warnings += wait(future).get("Warnings") or []
        except NkDockerError as problem:
            error(describe(problem))
            code = 1
        else:
            write(name + "\n")
    if warnings:  # after the names, on stdout, as docker prints them
        write("\n".join(warnings) + "\n")
    return code


def cmd_export(session: Session, args: argparse.Namespace) -> int:
    """A container's filesystem as a tar, to -o FILE or stdout."""
    docker = session.one()
    if args.output:
        wait(docker.export(args.container, file=args.output), None)
        return 0
    if sys.stdout.isatty():
        raise CliError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    sys.stdout.buffer.write(wait(docker.export(args.container), None))
    sys.stdout.flush()
    return 0


def cmd_container_prune(session: Session, args: argparse.Namespace) -> int:
    """Remove every stopped container."""
    from .system import confirm, prune_report

    if not confirm(args, "all stopped containers"):
        return 0
    options: dict[str, Any] = {"filters": filters(args.filter)} if args.filter else {}
    result = wait(session.one().container_prune(**options), None)
    prune_report("Deleted Containers", result.get("ContainersDeleted"), result)
    return 0


_CONTAINERS = arg("containers", nargs="+", metavar="CONTAINER")
_STOP_SIGNAL = arg("-s", "--signal", help="signal to stop with (the container's stop signal)")
_CONTAINER = arg("container", metavar="CONTAINER")
_FORMAT = arg("--format", help="Go template (docs/cli.md: the subset understood)")
_FILTER = arg("-f", "--filter", action="append", metavar="KEY=VALUE", help="filter")
PRUNE = (
    arg("-f", "--force", action="store_true", help="do not prompt for confirmation"),
    arg("--filter", action="append", metavar="KEY=VALUE", help="filter"),
)

COMMANDS = (
    Cmd(
        "ps",
        cmd_ps,
        "list containers",
        (
            arg("-a", "--all", action="store_true", help="stopped ones too"),
            arg("-q", "--quiet", action="store_true", help="ids only"),
            _FILTER,
            _FORMAT,
            arg("-n", "--last", type=int, metavar="N", help="the N last created"),
            arg("-l", "--latest", action="store_true", help="the last created"),
            arg("-s", "--size", action="store_true", help="sizes too"),
            arg("--no-trunc", action="store_true", help="full ids and commands"),
        ),
        aliases=("container ls", "container ps", "container list"),
        many=True,
    ),
    Cmd(
        "inspect",
        cmd_inspect,
        "low-level information (JSON) on containers, images, networks or volumes",
        (
            arg("names", nargs="+", metavar="NAME"),
            arg("-f", "--format", help="Go template, e.g. {{.State.Status}}"),
            arg("--type", metavar="{container,image,network,volume}", help="only this kind"),
            arg("-s", "--size", action="store_true", help="container sizes too"),
        ),
    ),
    Cmd(
        "rm",
        cmd_rm,
        "remove containers",
        (
            _CONTAINERS,
            arg("-f", "--force", action="store_true", help="kill a running one"),
            arg("-v", "--volumes", action="store_true", help="and its anonymous volumes"),
            arg("-l", "--link", action="store_true", help="remove a link only"),
        ),
        aliases=("container rm", "container remove"),
    ),
    Cmd(
        "stop",
        cmd_stop,
        "stop containers",
        (
            _CONTAINERS,
            _STOP_SIGNAL,
            arg("-t", "--time", "--timeout", type=int, help="seconds before a kill"),
        ),
        aliases=("container stop",),
    ),
    Cmd(
        "restart",
        cmd_restart,
        "restart containers",
        (
            _CONTAINERS,
            _STOP_SIGNAL,
            arg("-t", "--time", "--timeout", type=int, help="seconds before a kill"),
        ),
        aliases=("container restart",),
    ),
    Cmd(
        "kill",
        cmd_kill,
        "send a signal to containers",
        (_CONTAINERS, arg("-s", "--signal", default="SIGKILL", help="signal (SIGKILL)")),
        aliases=("container kill",),
    ),
    Cmd("pause", cmd_pause, "pause containers", (_CONTAINERS,), aliases=("container pause",)),
    Cmd(
        "unpause", cmd_unpause, "unpause containers", (_CONTAINERS,), aliases=("container unpause",)
    ),
    Cmd(
        "wait",
        cmd_wait,
        "wait for containers to stop; print exit codes",
        (_CONTAINERS,),
        aliases=("container wait",),
    ),
    Cmd(
        "rename",
        cmd_rename,
        "rename a container",
        (_CONTAINER, arg("new_name", metavar="NEW_NAME")),
        aliases=("container rename",),
    ),
    Cmd(
        "top",
        cmd_top,
        "the processes of a container",
        (_CONTAINER, arg("ps_args", nargs=argparse.REMAINDER, metavar="PS_OPTIONS")),
        aliases=("container top",),
    ),
    Cmd(
        "port",
        cmd_port,
        "published ports of a container",
        (_CONTAINER, arg("private_port", nargs="?", metavar="PRIVATE_PORT[/PROTO]")),
        aliases=("container port",),
    ),
    Cmd(
        "diff", cmd_diff, "files changed in a container", (_CONTAINER,), aliases=("container diff",)
    ),
    Cmd(
        "update",
        cmd_update,
        "change resources or the restart policy",
        (
            _CONTAINERS,
            arg("--cpus", type=cpus, help="number of CPUs"),
            arg("-m", "--memory", type=ram_bytes, help="memory limit (512m, 1g)"),
            arg("--memory-swap", type=swap_bytes, help="memory + swap limit (-1: unlimited)"),
            arg("-c", "--cpu-shares", type=int, help="relative CPU weight"),
            arg("--cpu-period", type=int, help="CFS period (µs)"),
            arg("--cpu-quota", type=int, help="CFS quota (µs)"),
            arg("--cpuset-cpus", help="CPUs allowed (0-3, 0,1)"),
            arg("--cpuset-mems", help="memory nodes allowed (0-3, 0,1)"),
            arg("--cpu-rt-period", type=int, help="realtime period (µs)"),
            arg("--cpu-rt-runtime", type=int, help="realtime runtime (µs)"),
            arg("--blkio-weight", type=uint16, help="block IO weight (10 to 1000)"),
            arg("--memory-reservation", type=ram_bytes, help="memory soft limit"),
            arg("--pids-limit", type=int, help="process limit (-1: unlimited)"),
            arg("--restart", help="restart policy (no, always, unless-stopped, on-failure[:N])"),
        ),
        aliases=("container update",),
    ),
    Cmd(
        "export",
        cmd_export,
        "a container's filesystem as a tar",
        (_CONTAINER, arg("-o", "--output", help="write to this file, not stdout")),
        aliases=("container export",),
    ),
    Cmd("container prune", cmd_container_prune, "remove stopped containers", PRUNE),
)
