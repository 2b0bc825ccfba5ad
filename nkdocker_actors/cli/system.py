"""System commands: version, info, events, system df, system prune."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from ..connection import NEWEST_API
from ..errors import NkDockerError
from ..messages import Data, Done, Failed, Inbox, Ref
from .common import (
    Cmd,
    Session,
    Target,
    answered_yes,
    arg,
    describe,
    error,
    fanout,
    filters,
    print_json,
    report_failures,
    timestamp,
    wait,
    write,
)
from .containers import PS_HEADERS, ps_context
from .images import IMAGES_HEADERS, image_contexts
from .render import ago, api_time, custom_format, iec, listing, si
from .template import Template
from .volumes import volume_row


def client_version() -> str:
    """Our version: the installed package's."""
    try:
        from importlib.metadata import version

        return version("nkdocker_actors")
    except Exception:  # not installed: running from a checkout
        return "0.1.0"


def cmd_version(session: Session, args: argparse.Namespace) -> int:
    """Client and daemon versions."""
    results = fanout(session, lambda docker: docker.version())
    newest = ".".join(map(str, NEWEST_API))
    if args.format:
        client = {"Version": client_version(), "ApiVersion": newest}
        template = Template(args.format)
        for _, server in results:
            if not isinstance(server, NkDockerError):
                write(template.render({"Client": client, "Server": server}) + "\n")
        return report_failures(results)
    if session.json:
        ok = {t.label: r for t, r in results if not isinstance(r, NkDockerError)}
        client = {"Version": client_version(), "ApiVersion": newest}
        if session.many:
            print_json({"Client": client, "Servers": ok})
        elif ok:
            print_json({"Client": client, "Server": next(iter(ok.values()))})
        return report_failures(results)
    out = [f"Client: nkdocker_actors {client_version()} (API up to {newest})"]
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
    write("\n".join(out) + "\n")
    return report_failures(results)


def cmd_info(session: Session, args: argparse.Namespace) -> int:
    """System-wide information."""
    results = fanout(session, lambda docker: docker.info())
    if args.format:
        template = Template(args.format)
        for _, info in results:
            if not isinstance(info, NkDockerError):
                write(template.render(info) + "\n")
        return report_failures(results)
    if session.json:
        ok = {t.label: r for t, r in results if not isinstance(r, NkDockerError)}
        if session.many:
            print_json(ok)
        elif ok:
            print_json(next(iter(ok.values())))
        return report_failures(results)
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
            ("Total Memory", iec(float(info.get("MemTotal") or 0))),
            ("Docker Root Dir", info.get("DockerRootDir")),
        ]
        indent = "  " if session.many else ""
        out += [f"{indent}{key + ':':<18}{value}" for key, value in rows]
    write("\n".join(out) + ("\n" if out else ""))
    return report_failures(results)


# -- events ---------------------------------------------------------------------------


# An event's fields as docker's --format names them (events.Message), from its JSON keys;
# the deprecated status, id and from are left out of events that are not a container's.
EVENT_FIELDS = {
    "Status": ("status", ""),
    "ID": ("id", ""),
    "From": ("from", ""),
    "Type": ("Type", ""),
    "Action": ("Action", ""),
    "Actor": ("Actor", {"ID": "", "Attributes": {}}),
    "Scope": ("scope", ""),
    "Time": ("time", 0),
    "TimeNano": ("timeNano", 0),
}


def event_line(event: dict[str, Any]) -> str:
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
    if args.filter:
        options["filters"] = filters(args.filter)
    if args.since:
        options["since"] = timestamp(args.since)

    template = Template(args.format, fields=EVENT_FIELDS) if args.format else None

    def show(target: Target, event: dict[str, Any]) -> None:
        if template is not None:
            write(template.render(event) + "\n")
        elif session.json:
            print_json({**event, "Host": target.label} if session.many else event, lines=True)
        else:
            write((f"[{target.label}] " if session.many else "") + event_line(event) + "\n")

    if args.until:
        options["until"] = timestamp(args.until)
        results = fanout(session, lambda docker: docker.events(**options))
        for target, result in results:
            if not isinstance(result, NkDockerError):
                for event in result:
                    show(target, event)
        return report_failures(results)
    inbox = Inbox()
    refs: dict[Ref, Target] = {}
    code = 0
    for target, docker in session.each():
        if isinstance(docker, NkDockerError):
            error(f"{target.label}: {describe(docker)}")
            code = 1
            continue
        refs[wait(docker.events(subscriber=inbox, **options))] = target
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
                error(f"{target_of.label}: {describe(payload.error)}")
                code = 1
    return code


# -- system df, prune ------------------------------------------------------------------


def _reclaimable(size: float, total: float) -> str:
    return f"{si(size, 4)} ({int(size * 100 / total)}%)" if total > 0 else si(size, 4)


DF_FORMAT = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
DF_HEADERS = {
    "Type": "TYPE",
    "TotalCount": "TOTAL",
    "Active": "ACTIVE",
    "Size": "SIZE",
    "Reclaimable": "RECLAIMABLE",
}


def cmd_df(session: Session, args: argparse.Namespace) -> int:
    """Disk usage of images, containers, volumes and build cache; -v: of each one."""
    usage = wait(session.one().system_df(), None)
    if args.verbose and not session.json and custom_format(args.format) is None:
        write(_df_verbose(usage))
        return 0
    images = usage.get("Images") or []
    containers = usage.get("Containers") or []
    volumes = usage.get("Volumes") or []
    cache = usage.get("BuildCache") or []
    image_size = float(usage.get("LayersSize") or 0)
    used = sum(
        float(i.get("Size", 0)) - max(0, float(i.get("SharedSize", 0)))
        for i in images
        if (i.get("Containers") or 0) > 0
    )
    rw = [float(c.get("SizeRw") or 0) for c in containers]
    idle_rw = sum(float(c.get("SizeRw") or 0) for c in containers if c.get("State") != "running")
    vol_sizes = [float((v.get("UsageData") or {}).get("Size", 0)) for v in volumes]
    idle_vol = sum(
        float((v.get("UsageData") or {}).get("Size", 0))
        for v in volumes
        if (v.get("UsageData") or {}).get("RefCount", 0) == 0
    )
    cache_size = sum(float(c.get("Size", 0)) for c in cache if not c.get("Shared"))
    idle_cache = sum(
        float(c.get("Size", 0)) for c in cache if not c.get("Shared") and not c.get("InUse")
    )
    rows = [
        (
            "Images",
            len(images),
            sum(1 for i in images if (i.get("Containers") or 0) > 0),
            image_size,
            _reclaimable(max(0.0, image_size - used), image_size),
        ),
        (
            "Containers",
            len(containers),
            sum(1 for c in containers if c.get("State") == "running"),
            sum(rw),
            _reclaimable(idle_rw, sum(rw)),
        ),
        (
            "Local Volumes",
            len(volumes),
            sum(1 for v in volumes if (v.get("UsageData") or {}).get("RefCount", 0) > 0),
            sum(s for s in vol_sizes if s > 0),
            _reclaimable(idle_vol, sum(vol_sizes)),
        ),
        (
            "Build Cache",
            len(cache),
            sum(1 for c in cache if c.get("InUse")),
            cache_size,
            si(idle_cache, 4),
        ),
    ]
    items = [
        {"Type": t, "TotalCount": str(n), "Active": str(a), "Size": si(s, 4), "Reclaimable": r}
        for t, n, a, s, r in rows
    ]
    listing(session.json, args.format, DF_FORMAT, DF_HEADERS, items, [usage])
    return 0


DF_IMAGES = (
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}"
    "\t{{.UniqueSize}}\t{{.Containers}}"
)
DF_CONTAINERS = (
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}"
    "\t{{.Status}}\t{{.Names}}"
)
DF_VOLUMES = "table {{.Name}}\t{{.Links}}\t{{.Size}}"
DF_CACHE = (
    "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}"
    "\t{{.UsageCount}}\t{{.Shared}}"
)
_DF_HEADERS = {  # (each table's own: ID is an image's, a container's or a cache record's)
    DF_IMAGES: {**IMAGES_HEADERS, "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE"},
    DF_CONTAINERS: PS_HEADERS,
    DF_VOLUMES: {"Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"},
    DF_CACHE: {
        "ID": "CACHE ID",
        "CacheType": "CACHE TYPE",
        "Size": "SIZE",
        "CreatedSince": "CREATED",
        "LastUsedSince": "LAST USED",
        "UsageCount": "USAGE",
        "Shared": "SHARED",
    },
}


def _df_verbose(usage: dict[str, Any]) -> str:
    """`system df -v`: a table per kind, as docker prints them (an image under its first
    tag; a container's size without its image's)."""
    images = [
        image_contexts({**item, "RepoTags": (item.get("RepoTags") or [])[:1]})[0]
        for item in usage.get("Images") or []
    ]
    containers = [
        {**ps_context(item), "Size": si(float(item.get("SizeRw") or 0))}
        for item in usage.get("Containers") or []
    ]
    volumes = [volume_row(volume) for volume in usage.get("Volumes") or []]
    cache = usage.get("BuildCache") or []
    records = [
        {
            "ID": str(record.get("ID", ""))[:12] + ("*" if record.get("InUse") else ""),
            "CacheType": record.get("Type", ""),
            "Size": si(float(record.get("Size", 0))),
            "CreatedSince": ago(api_time(str(record.get("CreatedAt") or ""))),
            "LastUsedSince": ago(api_time(record["LastUsedAt"]))
            if record.get("LastUsedAt")
            else "",
            "UsageCount": str(record.get("UsageCount", 0)),
            "Shared": "true" if record.get("Shared") else "false",
        }
        for record in sorted(cache, key=_cache_order)
    ]
    cache_size = sum(float(c.get("Size", 0)) for c in cache if not c.get("Shared"))
    table = {fmt: Template(fmt, headers) for fmt, headers in _DF_HEADERS.items()}
    return (
        "Images space usage:\n\n"
        + table[DF_IMAGES].lines(images)
        + "\nContainers space usage:\n\n"
        + table[DF_CONTAINERS].lines(containers)
        + "\nLocal Volumes space usage:\n\n"
        + table[DF_VOLUMES].lines(volumes)
        + f"\nBuild cache usage: {si(cache_size, 4)}\n\n"
        + table[DF_CACHE].lines(records)
    )


def _cache_order(record: dict[str, Any]) -> tuple[bool, float, str]:
    """docker's order of build cache records: never used first, then the least recently
    used, then by id."""
    used = record.get("LastUsedAt")
    return (used is not None, api_time(str(used or "")), str(record.get("ID")))


def confirm(args: argparse.Namespace, *what: str) -> bool:
    """docker's prune prompt, unless -f: the answer read from stdin."""
    if args.force:
        return True
    if len(what) == 1:
        text = f"WARNING! This will remove {what[0]}.\n"
    else:
        text = "WARNING! This will remove:\n" + "".join(f"  - {w}\n" for w in what) + "\n"
    write(text)
    return answered_yes("Are you sure you want to continue?")


def prune_report(title: str, deleted: Any, result: dict[str, Any] | None) -> None:
    """What a prune removed, as docker prints it."""
    out = ""
    if deleted:
        out += f"{title}:\n" + "".join(f"{d}\n" for d in deleted) + "\n"
    if result is not None:
        out += f"Total reclaimed space: {si(float(result.get('SpaceReclaimed') or 0))}\n"
    write(out)


def cmd_system_prune(session: Session, args: argparse.Namespace) -> int:
    """Remove stopped containers, unused networks, dangling (or -a unused) images,
    build cache, and with --volumes unused volumes."""
    what = ["all stopped containers", "all networks not used by at least one container"]
    if args.volumes:
        what.append("all anonymous volumes not used by at least one container")
    what += [
        "all images without at least one container associated to them"
        if args.all
        else "all dangling images",
        "unused build cache" if not args.all else "all build cache",
    ]
    if not confirm(args, *what):
        return 0
    docker = session.one()
    wanted = filters(args.filter)
    options: dict[str, Any] = {"filters": wanted} if wanted else {}
    space = 0.0
    containers = wait(docker.container_prune(**options), None)
    space += float(containers.get("SpaceReclaimed") or 0)
    prune_report("Deleted Containers", containers.get("ContainersDeleted"), None)
    networks = wait(docker.network_prune(**options), None)
    prune_report("Deleted Networks", networks.get("NetworksDeleted"), None)
    if args.volumes:
        volumes = wait(docker.volume_prune(**options), None)
        space += float(volumes.get("SpaceReclaimed") or 0)
        prune_report("Deleted Volumes", volumes.get("VolumesDeleted"), None)
    image_filters = {**wanted, **({"dangling": ["false"]} if args.all else {})}
    image_options: dict[str, Any] = {"filters": image_filters} if image_filters else {}
    images = wait(docker.image_prune(**image_options), None)
    space += float(images.get("SpaceReclaimed") or 0)
    deleted = [f"{k}: {v}" for item in images.get("ImagesDeleted") or [] for k, v in item.items()]
    prune_report("Deleted Images", deleted, None)
    cache_options: dict[str, Any] = {"all": True} if args.all else {}
    cache = wait(docker.build_prune(**cache_options), None)
    space += float(cache.get("SpaceReclaimed") or 0)
    prune_report("Deleted build cache objects", cache.get("CachesDeleted"), None)
    write(f"Total reclaimed space: {si(space)}\n")
    return 0


_FORMAT = arg("--format", help="Go template (docs/cli.md: the subset understood)")

COMMANDS = (
    Cmd("version", cmd_version, "client and daemon versions", (arg("-f", "--format"),), many=True),
    Cmd(
        "info",
        cmd_info,
        "system-wide information",
        (arg("-f", "--format"),),
        aliases=("system info",),
        many=True,
    ),
    Cmd(
        "events",
        cmd_events,
        "real-time events, until interrupted",
        (
            arg("-f", "--filter", action="append", metavar="KEY=VALUE"),
            arg("--since", metavar="TIME", help="unix seconds, 10m, or RFC 3339"),
            arg("--until", metavar="TIME", help="stop at this time (then exit)"),
            arg("--format", help="Go template, e.g. {{json .}} or {{.Action}}"),
        ),
        aliases=("system events",),
        many=True,
    ),
    Cmd(
        "system df",
        cmd_df,
        "disk usage",
        (_FORMAT, arg("-v", "--verbose", action="store_true", help="a table per kind")),
    ),
    Cmd(
        "system prune",
        cmd_system_prune,
        "remove unused data",
        (
            arg("-a", "--all", action="store_true", help="every unused image, not only dangling"),
            arg("-f", "--force", action="store_true", help="do not prompt for confirmation"),
            arg("--volumes", action="store_true", help="unused volumes too"),
            arg("--filter", action="append", metavar="KEY=VALUE", help="filter"),
        ),
    ),
)
