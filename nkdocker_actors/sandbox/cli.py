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
    link-down | link-up | registry-up | registry-down."""
    parser = argparse.ArgumentParser(
        prog="python -m nkdocker_actors.sandbox",
        description="Private, real Docker daemons for tests and demos (root only).",
    )
    parser.add_argument(
        "action",
        choices=["up", "down", "env", "restart", "info", "registry-up", *_SIMPLE],
    )
    parser.add_argument("--name", default="default", help="sandbox name (default: default)")
    parser.add_argument("--tls", action="store_true", help="env: the verified-TLS variables")
    parser.add_argument("--no-busybox", action="store_true", help="up: skip busybox:latest")
    parser.add_argument("--netns", action="store_true", help="up: in a network namespace")
    parser.add_argument("--lan", help="up --netns: the lan to join (default: its own)")
    parser.add_argument("--keep", action="store_true", help="down: keep the files (no purge)")
    parser.add_argument("--timeout", type=float, default=60, help="up/restart: seconds")
    args = parser.parse_args(argv)
    try:
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
