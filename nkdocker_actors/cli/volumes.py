"""volume ls|create|rm|inspect|prune."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import NotFound
from .common import Cmd, Session, arg, each_name, filters, pairs, wait, write
from .containers import inspect_each
from .render import listing, si

LS_FORMAT = "table {{.Driver}}\t{{.Name}}"
LS_HEADERS = {
    "Name": "VOLUME NAME",
    "Driver": "DRIVER",
    "Scope": "SCOPE",
    "Mountpoint": "MOUNTPOINT",
    "Labels": "LABELS",
}


def volume_row(volume: dict[str, Any]) -> dict[str, Any]:
    """A listed volume as the docker CLI's --format sees it (its usage only where the daemon
    counted it, its cluster fields only for a cluster volume)."""
    usage = volume.get("UsageData")
    cluster = volume.get("ClusterVolume")  # (None for a local volume; {} pending creation)
    spec = (cluster or {}).get("Spec") or {}
    return {
        "Name": volume.get("Name", ""),
        "Driver": volume.get("Driver", ""),
        "Scope": volume.get("Scope", ""),
        "Mountpoint": volume.get("Mountpoint", ""),
        "Labels": ",".join(f"{k}={x}" for k, x in sorted((volume.get("Labels") or {}).items())),
        "Links": "N/A" if usage is None else str(usage.get("RefCount", 0)),
        "Size": "N/A" if usage is None else si(float(usage.get("Size", 0)), 4),
        "Group": "N/A" if cluster is None else str(spec.get("Group", "")),
        "Availability": "N/A" if cluster is None else str(spec.get("Availability", "")),
        "Status": "N/A" if cluster is None else _cluster_status(cluster),
    }


def _cluster_status(cluster: dict[str, Any]) -> str:
    if not (cluster.get("Info") or {}).get("VolumeID"):
        return "pending creation"
    nodes = len(cluster.get("PublishStatus") or [])
    return "created" if not nodes else f"in use ({nodes} node{'s' if nodes > 1 else ''})"


def cmd_ls(session: Session, args: argparse.Namespace) -> int:
    """List volumes (by name)."""
    options: dict[str, Any] = {"filters": filters(args.filter)} if args.filter else {}
    reply = wait(session.one().volumes(**options))
    volumes = sorted(reply.get("Volumes") or [], key=lambda v: v.get("Name", ""))
    if args.quiet and not session.json:
        write("".join(f"{v['Name']}\n" for v in volumes))
        return 0
    items = [volume_row(v) for v in volumes]
    listing(session.json, args.format, LS_FORMAT, LS_HEADERS, items, volumes)
    return 0


def cmd_create(session: Session, args: argparse.Namespace) -> int:
    """Create a volume; print its name."""
    options: dict[str, Any] = {"driver": args.driver}
    labels = pairs(args.label, "label")
    if labels:
        options["labels"] = labels
    driver_options = pairs(args.opt, "driver option")
    if driver_options:
        options["driver_opts"] = driver_options
    name = args.name or args.name_flag
    created = wait(
        session.one().volume_create(name, **options)
        if name
        else session.one().volume_create(**options)
    )
    write(f"{created['Name']}\n")
    return 0


def cmd_rm(session: Session, args: argparse.Namespace) -> int:
    """Remove volumes; print each name."""
    docker = session.one()
    fine = (NotFound,) if args.force else ()
    return each_name(args.volumes, lambda v: docker.volume_rm(v, force=bool(args.force)), fine=fine)


def cmd_inspect(session: Session, args: argparse.Namespace) -> int:
    """Volumes as JSON (or -f)."""
    # (docker's volume inspect marshals what it decoded: --format json escapes as Go does)
    return inspect_each(args.volumes, session.one().volume_inspect, args.format, True)


def cmd_prune(session: Session, args: argparse.Namespace) -> int:
    """Remove volumes no container uses."""
    from .system import confirm, prune_report

    if not confirm(args, "all local volumes not used by at least one container"):
        return 0
    options: dict[str, Any] = {"filters": filters(args.filter)} if args.filter else {}
    result = wait(session.one().volume_prune(**options), None)
    prune_report("Deleted Volumes", result.get("VolumesDeleted"), result)
    return 0


_MANY: dict[str, Any] = {"action": "append", "default": None}

COMMANDS = (
    Cmd(
        "volume ls",
        cmd_ls,
        "list volumes",
        (
            arg("-q", "--quiet", action="store_true", help="names only"),
            arg("-f", "--filter", action="append", metavar="KEY=VALUE", help="filter"),
            arg("--format", help="Go template (docs/cli.md)"),
        ),
        aliases=("volume list",),
    ),
    Cmd(
        "volume create",
        cmd_create,
        "create a volume",
        (
            arg("name", nargs="?", metavar="VOLUME"),
            arg("--name", dest="name_flag", help="volume name"),
            arg("-d", "--driver", default="local", help="driver (local)"),
            arg("--label", metavar="KEY=VALUE", **_MANY),
            arg("-o", "--opt", metavar="KEY=VALUE", help="driver option", **_MANY),
        ),
    ),
    Cmd(
        "volume rm",
        cmd_rm,
        "remove volumes",
        (
            arg("volumes", nargs="+", metavar="VOLUME"),
            arg("-f", "--force", action="store_true", help="a missing one is no error"),
        ),
        aliases=("volume remove",),
    ),
    Cmd(
        "volume inspect",
        cmd_inspect,
        "volumes as JSON",
        (arg("volumes", nargs="+", metavar="VOLUME"), arg("-f", "--format")),
    ),
    Cmd(
        "volume prune",
        cmd_prune,
        "remove unused volumes",
        (
            arg("-a", "--all", action="store_true", help="named ones too (API 1.42+)"),
            arg("-f", "--force", action="store_true", help="do not prompt for confirmation"),
            arg("--filter", action="append", metavar="KEY=VALUE", help="filter"),
        ),
    ),
)
