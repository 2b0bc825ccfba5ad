"""Command line of the sandbox."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from ._common import SandboxError
from .daemon import down, info, kill, link_down, link_up, pause, restart, resume, stop, up
from .registry import registry_down, registry_up
from .swarm import SwarmInfo, swarm_down, swarm_env, swarm_info, swarm_up

# actions that take only a sandbox name and print nothing
_SIMPLE: dict[str, Callable[[str], None]] = {
    "kill": kill,
    "stop": stop,
    "pause": pause,
    "resume": resume,
    "link-down": link_down,
    "link-up": link_up,
    "registry-down": registry_down,
}


def main(argv: list[str] | None = None) -> int:
    """Command line: up | down | env | kill | stop | restart | info | pause | resume |
    link-down | link-up | registry-up | registry-down | swarm up|down|env|info."""
    parser = argparse.ArgumentParser(
        prog="python -m nkdocker_actors.sandbox",
        description="Private, real Docker daemons for tests and demos (root only).",
    )
    parser.add_argument(
        "action",
        choices=["up", "down", "env", "restart", "info", "registry-up", "swarm", *_SIMPLE],
    )
    parser.add_argument("swarm_action", nargs="?", choices=["up", "down", "env", "info"])
    parser.add_argument("--name", default="default", help="sandbox name (default: default)")
    parser.add_argument("--tls", action="store_true", help="env: the verified-TLS variables")
    parser.add_argument("--no-busybox", action="store_true", help="up: skip busybox:latest")
    parser.add_argument("--netns", action="store_true", help="up: in a network namespace")
    parser.add_argument("--lan", help="up --netns: the lan to join (default: its own)")
    parser.add_argument("--keep", action="store_true", help="down: keep the files (no purge)")
    parser.add_argument("--timeout", type=float, default=60, help="up/restart: seconds")
    parser.add_argument("--managers", type=int, default=3, help="swarm up: manager nodes")
    parser.add_argument("--workers", type=int, default=1, help="swarm up: worker nodes")
    args = parser.parse_args(argv)
    if (args.action == "swarm") != (args.swarm_action is not None):
        parser.error("swarm takes an action (up, down, env, info); only swarm does")
    try:
        if args.action == "swarm":
            return _swarm(args)
        if args.action in ("up", "restart", "info"):
            if args.action == "up":
                got = up(
                    args.name,
                    with_busybox=not args.no_busybox,
                    timeout=args.timeout,
                    netns=args.netns,
                    lan=args.lan,
                )
            elif args.action == "restart":
                got = restart(args.name, timeout=args.timeout)
            else:
                found = info(args.name)
                if found is None:
                    print(f"sandbox {args.name!r} is not up", file=sys.stderr)
                    return 1
                got = found
            fields = dataclasses.asdict(got)
            fields = {k: str(v) if isinstance(v, Path) else v for k, v in fields.items()}
            print(json.dumps(fields, indent=2))
        elif args.action == "env":
            found = info(args.name)
            if found is None:
                print(f"sandbox {args.name!r} is not up", file=sys.stderr)
                return 1
            if not args.tls:
                print("unset DOCKER_TLS_VERIFY")
            env = found.tls_env() if args.tls else found.env()
            for key, value in env.items():
                print(f"export {key}={shlex.quote(value)}")
        elif args.action == "down":
            down(args.name, purge=not args.keep)
        elif args.action == "registry-up":
            print(json.dumps(dataclasses.asdict(registry_up(args.name)), indent=2))
        else:
            _SIMPLE[args.action](args.name)
    except (SandboxError, ValueError) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


def _swarm(args: argparse.Namespace) -> int:
    if args.swarm_action == "down":
        swarm_down(args.name)
        return 0
    if args.swarm_action == "env":
        for key, value in swarm_env(args.name).items():
            print(f"export {key}={shlex.quote(value)}")
        return 0
    if args.swarm_action == "up":
        timeout = max(args.timeout, 120)
        got = swarm_up(args.name, managers=args.managers, workers=args.workers, timeout=timeout)
    else:
        found = swarm_info(args.name)
        if found is None:
            print(f"swarm {args.name!r} is not up", file=sys.stderr)
            return 1
        got = found
    print(json.dumps(_swarm_fields(got), indent=2))
    return 0


def _swarm_fields(swarm: SwarmInfo) -> dict[str, object]:
    """What swarm up/info print: no join tokens (``docker swarm join-token`` shows them)."""
    return {
        "name": swarm.name,
        "managers": list(swarm.managers),
        "workers": list(swarm.workers),
        "manager_addresses": list(swarm.manager_addresses),
        "node_ids": swarm.node_ids,
        "unix_urls": {node: info.unix_url for node, info in swarm.nodes.items()},
        "tcp_urls": {node: info.tcp_url for node, info in swarm.nodes.items()},
    }
