"""secret and config create|ls|inspect|rm: the swarm's stored objects, as the docker CLI
lists them. A secret's data is read from a file or stdin and sent, never printed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import CliError, Cmd, Session, arg, each_name, filters, pairs, wait, write
from .containers import inspect_each
from .render import ago, api_time, listing

SECRET_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
CONFIG_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
STORED_HEADERS = {
    "ID": "ID",
    "Name": "NAME",
    "Driver": "DRIVER",
    "CreatedAt": "CREATED",
    "UpdatedAt": "UPDATED",
    "Labels": "LABELS",
}


def _read_data(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as file:
            return file.read()
    except OSError as problem:
        raise CliError(f'error reading content from "{source}": {problem.strerror}') from None


def _stored_create(kind: str) -> Any:
    def create(session: Session, args: argparse.Namespace) -> int:
        """Create a secret/config from a file or stdin (-); print its id."""
        options: dict[str, Any] = {}
        labels = pairs(args.label, "label")
        if labels:
            options["labels"] = labels
        data = _read_data(args.file)
        created = wait(session.one().call(f"{kind}_create", args.name, data, **options))
        write(created["ID"] + "\n")
        return 0

    return create


def _stored_row(item: dict[str, Any], kind: str) -> dict[str, Any]:
    """A listed secret or config as the docker CLI's --format sees it (a config has no
    driver, nor its rows a Driver field)."""
    spec = item["Spec"]
    row = {
        "ID": item["ID"],
        "Name": spec["Name"],
        "CreatedAt": ago(api_time(item.get("CreatedAt", ""))),
        "UpdatedAt": ago(api_time(item.get("UpdatedAt", ""))),
        "Labels": ",".join(f"{k}={v}" for k, v in sorted((spec.get("Labels") or {}).items())),
    }
    if kind == "secret":
        row["Driver"] = (spec.get("Driver") or {}).get("Name", "")
    return row


def _stored_ls(kind: str) -> Any:
    def ls(session: Session, args: argparse.Namespace) -> int:
        """The swarm's secrets/configs (never their data)."""
        options: dict[str, Any] = {"filters": filters(args.filter)} if args.filter else {}
        found = wait(session.one().call(f"{kind}s", **options))
        found.sort(key=lambda item: item["Spec"]["Name"])
        if args.quiet:
            write("".join(f"{item['ID']}\n" for item in found))
            return 0
        items = [_stored_row(item, kind) for item in found]
        default = SECRET_FORMAT if kind == "secret" else CONFIG_FORMAT
        listing(session.json, args.format, default, STORED_HEADERS, items, found)
        return 0

    return ls


def _stored_inspect(kind: str) -> Any:
    def inspect(session: Session, args: argparse.Namespace) -> int:
        """Secrets/configs as JSON (or -f); a secret's data is never in it."""
        docker = session.one()
        return inspect_each(args.names, lambda n: docker.call(f"{kind}_inspect", n), args.format)

    return inspect


def _stored_rm(kind: str) -> Any:
    def rm(session: Session, args: argparse.Namespace) -> int:
        """Remove secrets/configs; print each name."""
        docker = session.one()
        return each_name(args.names, lambda n: docker.call(f"{kind}_rm", n))

    return rm


def _stored_commands(kind: str) -> tuple[Cmd, ...]:
    return (
        Cmd(
            f"{kind} create",
            _stored_create(kind),
            f"create a {kind} from a file or stdin (-)",
            (
                arg("name", metavar=kind.upper()),
                arg("file", metavar="FILE|-"),
                arg("-l", "--label", action="append", metavar="KEY=VALUE"),
            ),
        ),
        Cmd(
            f"{kind} ls",
            _stored_ls(kind),
            f"list {kind}s",
            (
                arg("-q", "--quiet", action="store_true", help="ids only"),
                arg("-f", "--filter", action="append", metavar="KEY=VALUE"),
                arg("--format", help="Go template"),
            ),
            aliases=(f"{kind} list",),
        ),
        Cmd(
            f"{kind} inspect",
            _stored_inspect(kind),
            f"{kind}s as JSON",
            (arg("names", nargs="+", metavar=kind.upper()), arg("-f", "--format")),
        ),
        Cmd(
            f"{kind} rm",
            _stored_rm(kind),
            f"remove {kind}s",
            (arg("names", nargs="+", metavar=kind.upper()),),
            aliases=(f"{kind} remove",),
        ),
    )


COMMANDS = (*_stored_commands("secret"), *_stored_commands("config"))
