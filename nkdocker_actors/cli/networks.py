"""network ls|create|rm|inspect|connect|disconnect|prune."""

from __future__ import annotations

import argparse
from typing import Any

from .common import CliError, Cmd, Session, arg, each_name, filters, pairs, short_id, wait, write
from .containers import inspect_each
from .render import listing

LS_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
LS_HEADERS = {
    "ID": "NETWORK ID",
    "Name": "NAME",
    "Driver": "DRIVER",
    "Scope": "SCOPE",
    "IPv6": "IPV6",
    "Internal": "INTERNAL",
    "Labels": "LABELS",
    "CreatedAt": "CREATED AT",
}


def cmd_ls(session: Session, args: argparse.Namespace) -> int:
    """List networks (by name, as docker sorts them)."""
    options: dict[str, Any] = {"filters": filters(args.filter)} if args.filter else {}
    networks = sorted(wait(session.one().networks(**options)), key=lambda n: n.get("Name", ""))
    if args.quiet and not session.json:
        ids = (n["Id"] if args.no_trunc else short_id(n["Id"]) for n in networks)
        write("".join(f"{i}\n" for i in ids))
        return 0
    items = [
        {
            "ID": n["Id"] if args.no_trunc else short_id(n["Id"]),
            "Name": n.get("Name", ""),
            "Driver": n.get("Driver", ""),
            "Scope": n.get("Scope", ""),
            # (docker 28 reads EnableIPv4, API 1.47+: false from older daemons)
            "IPv4": "true" if n.get("EnableIPv4") else "false",
            "IPv6": "true" if n.get("EnableIPv6") else "false",
            "Internal": "true" if n.get("Internal") else "false",
            "Labels": ",".join(f"{k}={v}" for k, v in sorted((n.get("Labels") or {}).items())),
            "CreatedAt": str(n.get("Created", "")),
        }
        for n in networks
    ]
    listing(session.json, args.format, LS_FORMAT, LS_HEADERS, items, networks)
    return 0


def cmd_create(session: Session, args: argparse.Namespace) -> int:
    """Create a network; print its id."""
    options: dict[str, Any] = {"driver": args.driver}
    for flag in ("internal", "attachable", "ipv6"):
        if getattr(args, flag):
            options["enable_ipv6" if flag == "ipv6" else flag] = True
    labels = pairs(args.label, "label")
    if labels:
        options["labels"] = labels
    driver_options = pairs(args.opt, "driver option")
    if driver_options:
        options["options"] = driver_options
    if args.subnet or args.gateway or args.ip_range:
        if not args.subnet and (args.gateway or args.ip_range):
            raise CliError("every ip-range or gateway must have a corresponding subnet")
        pools = []
        for index, subnet in enumerate(args.subnet or []):
            pool = {"Subnet": subnet}
            if args.gateway and index < len(args.gateway):
                pool["Gateway"] = args.gateway[index]
            if args.ip_range and index < len(args.ip_range):
                pool["IPRange"] = args.ip_range[index]
            pools.append(pool)
        options["ipam"] = {"Driver": "default", "Config": pools}
    created = wait(session.one().network_create(args.name, **options))
    write(f"{created['Id']}\n")
    return 0


def cmd_rm(session: Session, args: argparse.Namespace) -> int:
    """Remove networks; print each name."""
    docker = session.one()
    return each_name(
        args.networks, lambda n: docker.network_rm(n), after_failures=lambda _: "exit status 1"
    )


def cmd_inspect(session: Session, args: argparse.Namespace) -> int:
    """Networks as JSON (or -f)."""
    return inspect_each(args.networks, session.one().network_inspect, args.format)


def cmd_connect(session: Session, args: argparse.Namespace) -> int:
    """Connect a container to a network."""
    endpoint: dict[str, Any] = {}
    if args.alias:
        endpoint["Aliases"] = list(args.alias)
    if args.ip:
        endpoint["IPAMConfig"] = {"IPv4Address": args.ip}
    options: dict[str, Any] = {"endpoint_config": endpoint} if endpoint else {}
    wait(session.one().network_connect(args.network, args.container, **options))
    return 0


def cmd_disconnect(session: Session, args: argparse.Namespace) -> int:
    """Disconnect a container from a network."""
    wait(session.one().network_disconnect(args.network, args.container, force=bool(args.force)))
    return 0


def cmd_prune(session: Session, args: argparse.Namespace) -> int:
    """Remove networks no container uses."""
    from .system import confirm, prune_report

    if not confirm(args, "all custom networks not used by at least one container"):
        return 0
    options: dict[str, Any] = {"filters": filters(args.filter)} if args.filter else {}
    result = wait(session.one().network_prune(**options), None)
    prune_report("Deleted Networks", result.get("NetworksDeleted"), None)
    return 0


_MANY: dict[str, Any] = {"action": "append", "default": None}

COMMANDS = (
    Cmd(
        "network ls",
        cmd_ls,
        "list networks",
        (
            arg("-q", "--quiet", action="store_true", help="ids only"),
            arg("-f", "--filter", action="append", metavar="KEY=VALUE", help="filter"),
            arg("--no-trunc", action="store_true", help="full ids"),
            arg("--format", help="Go template (docs/cli.md)"),
        ),
        aliases=("network list",),
    ),
    Cmd(
        "network create",
        cmd_create,
        "create a network",
        (
            arg("name", metavar="NETWORK"),
            arg("-d", "--driver", default="bridge", help="driver (bridge)"),
            arg("--subnet", metavar="CIDR", **_MANY),
            arg("--gateway", metavar="IP", **_MANY),
            arg("--ip-range", metavar="CIDR", **_MANY),
            arg("--internal", action="store_true", help="no external access"),
            arg("--attachable", action="store_true", help="containers may attach"),
            arg("--ipv6", action="store_true", help="enable IPv6"),
            arg("--label", metavar="KEY=VALUE", **_MANY),
            arg("-o", "--opt", metavar="KEY=VALUE", help="driver option", **_MANY),
        ),
    ),
    Cmd(
        "network rm",
        cmd_rm,
        "remove networks",
        (arg("networks", nargs="+", metavar="NETWORK"),),
        aliases=("network remove",),
    ),
    Cmd(
        "network inspect",
        cmd_inspect,
        "networks as JSON",
        (arg("networks", nargs="+", metavar="NETWORK"), arg("-f", "--format")),
    ),
    Cmd(
        "network connect",
        cmd_connect,
        "connect a container to a network",
        (
            arg("network", metavar="NETWORK"),
            arg("container", metavar="CONTAINER"),
            arg("--alias", metavar="ALIAS", **_MANY),
            arg("--ip", help="IPv4 address"),
        ),
    ),
    Cmd(
        "network disconnect",
        cmd_disconnect,
        "disconnect a container from a network",
        (
            arg("network", metavar="NETWORK"),
            arg("container", metavar="CONTAINER"),
            arg("-f", "--force", action="store_true"),
        ),
    ),
    Cmd(
        "network prune",
        cmd_prune,
        "remove unused networks",
        (
            arg("-f", "--force", action="store_true", help="do not prompt for confirmation"),
            arg("--filter", action="append", metavar="KEY=VALUE", help="filter"),
        ),
    ),
)
