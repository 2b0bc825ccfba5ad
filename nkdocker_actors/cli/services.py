"""service create|ls|ps|logs|scale|update|rollback|rm|inspect: the docker CLI's service
commands, columns and messages.

Listings come from swarm_views (rows keyed by the docker CLI's columns); changes from
the Docker methods and nkdocker_actors.cluster. Without -d, commands that change a
service wait until it converges (cluster.watch_service), as docker's do.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from .. import cluster, swarm_views
from ..connection import Docker
from ..errors import NkDockerError, NotFound
from ..messages import Data, Done, Failed, Inbox, Output, Timeout
from .common import (
    CliError,
    Cmd,
    Session,
    arg,
    describe,
    each_name,
    error,
    filters,
    items_of,
    pairs,
    short_id,
    to_int,
    wait,
    write,
)
from .containers import inspect_each
from .render import ago, api_time, listing

CONVERGE_TIMEOUT = 300.0  # seconds a service may take to converge before we give up

# -- services -----------------------------------------------------------------------------

SERVICE_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}"
SERVICE_HEADERS = {
    "ID": "ID",
    "Name": "NAME",
    "Mode": "MODE",
    "Replicas": "REPLICAS",
    "Image": "IMAGE",
    "Ports": "PORTS",
}
TASK_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}"
    "\t{{.Error}}\t{{.Ports}}"
)
TASK_HEADERS = {
    "ID": "ID",
    "Name": "NAME",
    "Image": "IMAGE",
    "Node": "NODE",
    "DesiredState": "DESIRED STATE",
    "CurrentState": "CURRENT STATE",
    "Error": "ERROR",
    "Ports": "PORTS",
}


def cmd_service_ls(session: Session, args: argparse.Namespace) -> int:
    """The swarm's services: mode, replicas running/wanted, image, ports."""
    wanted = filters(args.filter) if args.filter else None
    rows = swarm_views.service_rows(session.one(), filters=wanted)
    items = [{**row, "ID": short_id(row["ID"])} for row in rows]
    if args.quiet:  # (short ids, as docker prints them here: its `node ls -q` prints whole ones)
        write("".join(f"{item['ID']}\n" for item in items))
        return 0
    listing(session.json, args.format, SERVICE_FORMAT, SERVICE_HEADERS, items, rows)
    return 0


def cmd_service_ps(session: Session, args: argparse.Namespace) -> int:
    """A service's tasks, newest of each slot first (older ones as `\\_ name`)."""
    docker = session.one()
    items: list[dict[str, Any]] = []
    for service in args.services:
        seen: set[str] = set()
        try:
            rows = swarm_views.task_rows(docker, service)
        except NotFound:
            raise CliError(f"no such service: {service}") from None
        for row in rows:
            state = row["CurrentState"]
            if row["Since"]:
                since = ago(api_time(row["Since"]))  # docker words it in lower case here
                state = f"{state} {since[:1].lower()}{since[1:]}"
            name = row["Name"]
            shown = name if name not in seen else f" \\_ {name}"
            seen.add(name)
            items.append(
                {
                    **{key: value for key, value in row.items() if key != "Since"},
                    "ID": row["ID"] if args.no_trunc else short_id(row["ID"]),
                    "Name": shown,
                    "CurrentState": state,
                    "Ports": "",
                }
            )
    if args.quiet:
        write("".join(f"{item['ID']}\n" for item in items))
        return 0
    listing(session.json, args.format, TASK_FORMAT, TASK_HEADERS, items)
    return 0


def _converge(docker: Docker, service: str, until: str) -> None:
    """Wait until `service` runs as specified (until="converged") or its update ends."""
    inbox = Inbox()
    watch = cluster.watch_service(docker, service, inbox, until=until, interval=0.3)
    try:
        while True:
            try:
                message = inbox.get(timeout=CONVERGE_TIMEOUT)
            except Timeout:
                raise CliError(
                    f"{service} did not converge within {CONVERGE_TIMEOUT:.0f} s"
                ) from None
            if message.ref is not watch.ref or isinstance(message.payload, Data):
                continue
            if isinstance(message.payload, Failed):
                raise message.payload.error
            if isinstance(message.payload, Done):
                if message.payload.reason not in ("converged", "rolled_back", "finished"):
                    raise CliError(f"{service}: update {message.payload.reason}")
                return
    finally:
        watch.finish()


def _service_options(args: argparse.Namespace) -> dict[str, Any]:
    """Service options from create's / update's flags (those given only)."""
    options: dict[str, Any] = {}
    if getattr(args, "name", None):
        options["name"] = args.name
    if args.replicas is not None:
        options["replicas"] = to_int(args.replicas, "--replicas")
    if getattr(args, "mode", None):
        options["mode"] = args.mode
    if getattr(args, "env", None):
        options["env"] = list(args.env)
    if getattr(args, "label", None):
        options["labels"] = pairs(args.label, "label")
    if getattr(args, "container_label", None):
        options["container_labels"] = pairs(args.container_label, "label")
    if getattr(args, "constraint", None):
        options["constraints"] = list(args.constraint)
    if getattr(args, "publish", None):
        options["ports"] = list(args.publish)
    if getattr(args, "network", None):
        options["networks"] = list(args.network)
    if getattr(args, "mount", None):
        options["mounts"] = list(args.mount)
    if getattr(args, "restart_condition", None):
        options["restart_policy"] = {"condition": args.restart_condition}
    if getattr(args, "workdir", None):
        options["workdir"] = args.workdir
    if getattr(args, "user", None):
        options["user"] = args.user
    if getattr(args, "entrypoint", None):
        options["command"] = args.entrypoint
    if getattr(args, "stop_grace_period", None):
        options["stop_grace_period"] = args.stop_grace_period
    for kind in ("update", "rollback"):
        config: dict[str, Any] = {}
        for field in ("parallelism", "delay", "monitor", "order", "failure_action"):
            value = getattr(args, f"{kind}_{field}", None)
            if value is not None:
                config[field] = int(value) if field == "parallelism" else value
        if config:
            options[f"{kind}_config"] = config
    return options


def _references(docker: Docker, kind: str, names: list[str] | None) -> list[dict[str, Any]]:
    """--secret / --config NAME or source=NAME,target=PATH as service references."""
    found = []
    for text in names or ():
        fields = dict(part.partition("=")[::2] for part in text.split(",")) if "=" in text else {}
        source = fields.pop("source", fields.pop("src", "")) if fields else text
        file: dict[str, Any] = {"target": fields.get("target", source)}
        for key in ("uid", "gid"):
            if key in fields:
                file[key] = fields[key]
        if "mode" in fields:
            file["mode"] = int(fields["mode"], 8)
        found.append(cluster.reference(docker, kind, source, **file))
    return found


def cmd_service_create(session: Session, args: argparse.Namespace) -> int:
    """Create a service; print its id (then, without -d, wait until it converges)."""
    docker = session.one()
    options = _service_options(args)
    options["image"] = args.image
    if args.cmd:
        options["args"] = list(args.cmd)
    for kind in ("secret", "config"):
        refs = _references(docker, kind, getattr(args, kind))
        if refs:
            options[f"{kind}s"] = refs
    created = wait(docker.service_create(**options))
    write(created["ID"] + "\n")
    if not args.detach:
        _converge(docker, created["ID"], "converged")
    return 0


def cmd_service_update(session: Session, args: argparse.Namespace) -> int:
    """Change a service; print its name (without -d, wait for the update to end)."""
    docker = session.one()
    options = _service_options(args)
    if args.image:
        options["image"] = args.image
    if args.args is not None:
        options["args"] = args.args.split()
    if args.env_add or args.env_rm:
        current = wait(docker.service_inspect(args.service))
        env = list(current["Spec"]["TaskTemplate"]["ContainerSpec"].get("Env") or [])
        drop = set(args.env_rm or ()) | {e.partition("=")[0] for e in args.env_add or ()}
        options["env"] = [e for e in env if e.partition("=")[0] not in drop]
        options["env"] += list(args.env_add or ())
    if args.label_add:
        current = wait(docker.service_inspect(args.service))
        options["labels"] = {
            **(current["Spec"].get("Labels") or {}),
            **pairs(args.label_add, "label"),
        }
    if args.force:
        current = wait(docker.service_inspect(args.service))
        options["force_update"] = int(current["Spec"]["TaskTemplate"].get("ForceUpdate", 0)) + 1
    cluster.update_service(docker, args.service, **options)
    write(args.service + "\n")
    if not args.detach:
        _converge(docker, args.service, "converged")
    return 0


def cmd_service_scale(session: Session, args: argparse.Namespace) -> int:
    """Set replicas: SERVICE=N ...; "NAME scaled to N" for each."""
    docker = session.one()
    wanted = []
    for item in args.scales:
        name, sep, count = item.partition("=")
        if not sep or not name:
            raise CliError(f"invalid scale specifier '{item}'.\nSee 'docker service scale --help'.")
        wanted.append((name, to_int(count, "replicas")))
    code = 0
    done = []
    for name, count in wanted:
        try:
            cluster.scale_service(docker, name, count)
        except NkDockerError as problem:
            error(describe(problem))
            code = 1
            continue
        write(f"{name} scaled to {count}\n")
        done.append(name)
    if not args.detach:
        for name in done:
            _converge(docker, name, "converged")
    return code


def cmd_service_rollback(session: Session, args: argparse.Namespace) -> int:
    """Go back to a service's previous spec; print its name."""
    docker = session.one()
    cluster.rollback_service(docker, args.service)
    write(args.service + "\n")
    if not args.detach:
        _converge(docker, args.service, "converged")
    return 0


def cmd_service_rm(session: Session, args: argparse.Namespace) -> int:
    """Remove services; print each name."""
    docker = session.one()
    return each_name(args.services, docker.service_rm)


def cmd_service_inspect(session: Session, args: argparse.Namespace) -> int:
    """Services as JSON (or -f)."""
    return inspect_each(args.services, session.one().service_inspect, args.format)


_DETAILS = re.compile(rb"^(\S*com\.docker\.swarm\.\S*) ")


class _LogPrefixes:
    """`web.1.abcdef012345@node    | ` per task, as docker service logs writes it."""

    def __init__(self, docker: Docker, args: argparse.Namespace) -> None:
        self.docker = docker
        self.args = args
        self.cache: dict[bytes, bytes] = {}
        self.hosts: dict[str, str] | None = None

    def split(self, data: bytes) -> bytes:
        match = _DETAILS.match(data)
        if not match:
            return data
        rest = data[match.end() :]
        if self.args.raw:
            return rest
        key = match.group(1)
        if key not in self.cache:
            self.cache[key] = self._prefix(key)
        return self.cache[key] + rest

    def _prefix(self, key: bytes) -> bytes:
        labels = dict(p.partition("=")[::2] for p in key.decode().split(","))
        task_id = labels.get("com.docker.swarm.task.id", "")
        node_id = labels.get("com.docker.swarm.node.id", "")
        if self.hosts is None:
            self.hosts = {
                n["ID"]: (n.get("Description") or {}).get("Hostname", n["ID"])
                for n in wait(self.docker.nodes())
            }
        try:
            task = wait(self.docker.task_inspect(task_id))
            service = wait(self.docker.service_inspect(task["ServiceID"]))
            name = f"{service['Spec']['Name']}.{task.get('Slot') or node_id}"
        except NkDockerError:
            name = task_id
        if not self.args.no_task_ids:
            name += "." + (task_id if self.args.no_trunc else task_id[:12])
        return f"{name}@{self.hosts.get(node_id, node_id)}    | ".encode()


def cmd_service_logs(session: Session, args: argparse.Namespace) -> int:
    """A service's (or task's) output, each line prefixed by its task; -f follows it."""
    docker = session.one()
    options: dict[str, Any] = {"details": True, "timestamps": bool(args.timestamps)}
    if args.tail is not None:
        options["tail"] = "all" if args.tail == "all" else to_int(args.tail, "--tail")
    prefixes = _LogPrefixes(docker, args)
    stdout, stderr = sys.stdout.buffer, sys.stderr.buffer

    def emit(piece: Output) -> None:
        target = stderr if piece.stream == "stderr" else stdout
        for line in piece.data.splitlines(keepends=True):
            target.write(prefixes.split(line))
        target.flush()

    if not args.follow:
        for piece in wait(docker.service_logs(args.service, **options), None):
            emit(piece)
        return 0
    inbox = Inbox()
    ref = wait(docker.service_logs(args.service, follow=True, subscriber=inbox, **options))
    for payload in items_of(inbox, ref):
        if isinstance(payload, Output):
            emit(payload)
    return 0


_MANY: dict[str, Any] = {"action": "append", "default": None}
_DETACH = arg("-d", "--detach", action="store_true", help="do not wait for it to converge")
_SERVICE_FLAGS = (
    arg("--replicas", help="number of tasks"),
    arg("-e", "--env", metavar="K=V", **_MANY),
    arg("-l", "--label", metavar="K=V", help="service label", **_MANY),
    arg("--container-label", metavar="K=V", **_MANY),
    arg("--constraint", **_MANY),
    arg("-p", "--publish", metavar="[PUBLISHED:]TARGET[/PROTO]", **_MANY),
    arg("--network", **_MANY),
    arg("--mount", **_MANY),
    arg("--restart-condition", choices=("none", "on-failure", "any")),
    arg("-w", "--workdir"),
    arg("-u", "--user"),
    arg("--entrypoint"),
    arg("--stop-grace-period"),
    *(
        arg(f"--{kind}-{field}", help=f"{kind}_config {field}")
        for kind in ("update", "rollback")
        for field in ("parallelism", "delay", "monitor", "order", "failure-action")
    ),
)

COMMANDS = (
    Cmd(
        "service create",
        cmd_service_create,
        "create a service",
        (
            arg("image", metavar="IMAGE"),
            arg("cmd", nargs=argparse.REMAINDER, help="command and arguments"),
            arg("--name"),
            arg("--mode", choices=("replicated", "global", "replicated-job", "global-job")),
            arg("--secret", **_MANY),
            arg("--config", **_MANY),
            arg("--no-resolve-image", action="store_true", help="(never resolved: accepted)"),
            _DETACH,
            *_SERVICE_FLAGS,
        ),
    ),
    Cmd(
        "service ls",
        cmd_service_ls,
        "list services",
        (
            arg("-q", "--quiet", action="store_true"),
            arg("-f", "--filter", action="append", metavar="KEY=VALUE"),
            arg("--format"),
        ),
        aliases=("service list",),
    ),
    Cmd(
        "service ps",
        cmd_service_ps,
        "a service's tasks",
        (
            arg("services", nargs="+", metavar="SERVICE"),
            arg("-q", "--quiet", action="store_true"),
            arg("--no-trunc", action="store_true"),
            arg("--format"),
        ),
    ),
    Cmd(
        "service logs",
        cmd_service_logs,
        "a service's output",
        (
            arg("service", metavar="SERVICE"),
            arg("-f", "--follow", action="store_true"),
            arg("-t", "--timestamps", action="store_true"),
            arg("-n", "--tail"),
            arg("--raw", action="store_true", help="no task prefix"),
            arg("--no-task-ids", action="store_true"),
            arg("--no-trunc", action="store_true"),
        ),
    ),
    Cmd(
        "service scale",
        cmd_service_scale,
        "set replicas: SERVICE=N ...",
        (
            arg("scales", nargs="+", metavar="SERVICE=REPLICAS"),
            _DETACH,
        ),
    ),
    Cmd(
        "service update",
        cmd_service_update,
        "change a service",
        (
            arg("service", metavar="SERVICE"),
            arg("--image"),
            arg("--args", help="the command's arguments (split at spaces)"),
            arg("--env-add", metavar="K=V", **_MANY),
            arg("--env-rm", metavar="K", **_MANY),
            arg("--label-add", metavar="K=V", **_MANY),
            arg("--force", action="store_true", help="restart every task"),
            _DETACH,
            arg("--replicas"),
        ),
    ),
    Cmd(
        "service rollback",
        cmd_service_rollback,
        "back to the previous spec",
        (
            arg("service", metavar="SERVICE"),
            _DETACH,
        ),
    ),
    Cmd(
        "service rm",
        cmd_service_rm,
        "remove services",
        (arg("services", nargs="+", metavar="SERVICE"),),
        aliases=("service remove",),
    ),
    Cmd(
        "service inspect",
        cmd_service_inspect,
        "services as JSON",
        (
            arg("services", nargs="+", metavar="SERVICE"),
            arg("-f", "--format"),
        ),
    ),
)
