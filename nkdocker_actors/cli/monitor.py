"""stats and monitor: a live table of containers across daemons, kept from event and
stats streams; drawn with rich on a terminal, printed as plain tables otherwise."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pykka

from .. import swarm_views
from ..connection import Docker
from ..errors import NkDockerError
from ..messages import Data, Done, Failed, Inbox, Message, Ref
from .common import Cmd, Session, Target, arg, describe, is_tty, print_json, wait, write
from .render import console, custom_format, iec, si
from .template import Template

STATS_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}"
    "\t{{.BlockIO}}\t{{.PIDs}}"
)
MONITOR_FORMAT = STATS_FORMAT.replace("{{.Name}}", "{{.Name}}\t{{.Image}}")
HEADERS = {
    "Host": "HOST",
    "ID": "CONTAINER ID",
    "Container": "CONTAINER",
    "Name": "NAME",
    "Image": "IMAGE",
    "CPUPerc": "CPU %",
    "MemUsage": "MEM USAGE / LIMIT",
    "MemPerc": "MEM %",
    "NetIO": "NET I/O",
    "BlockIO": "BLOCK I/O",
    "PIDs": "PIDS",
}
SERVICES_FORMAT = "table {{.Name}}\t{{.Wanted}}\t{{.Running}}"
SERVICE_HEADERS = {
    "Host": "HOST",
    "Name": "SERVICE",
    "Wanted": "REPLICAS WANTED",
    "Running": "RUNNING (PER NODE)",
}


@dataclass
class Row:
    """One container in the live table."""

    host: str
    id: str
    name: str
    image: str
    stats: Ref | None = None
    cpu: float | None = None
    memory: int | None = None
    limit: int | None = None
    pids: int | None = None
    net: tuple[int, int] = (0, 0)
    block: tuple[int, int] = (0, 0)
    sampled: bool = False

    def as_json(self) -> dict[str, Any]:
        """The row for --json."""
        return {
            "host": self.host,
            "id": self.id,
            "name": self.name,
            "image": self.image,
            "cpu_percent": None if self.cpu is None else round(self.cpu, 2),
            "mem_usage": self.memory,
            "mem_limit": self.limit,
            "mem_percent": self.mem_percent,
            "pids": self.pids,
            "net_rx": self.net[0],
            "net_tx": self.net[1],
            "block_read": self.block[0],
            "block_write": self.block[1],
        }

    def context(self, image: bool, host: bool) -> dict[str, str]:
        """The row as `docker stats --format` sees it; with `image` and `host`, ours too."""
        percent = self.mem_percent
        return {
            **({"Host": self.host} if host else {}),
            "ID": self.id[:12],
            "Container": self.id[:12],
            "Name": self.name,
            **({"Image": self.image} if image else {}),
            "CPUPerc": "--" if self.cpu is None else f"{self.cpu:.2f}%",
            "MemUsage": f"{iec(self.memory or 0)} / {iec(self.limit or 0)}",
            "MemPerc": "--" if percent is None else f"{percent:.2f}%",
            "NetIO": f"{si(self.net[0])} / {si(self.net[1])}",
            "BlockIO": f"{si(self.block[0])} / {si(self.block[1])}",
            "PIDs": "--" if self.pids is None else str(self.pids),
        }

    @property
    def mem_percent(self) -> float | None:
        """Memory use as a percentage of the limit."""
        if self.memory is None or not self.limit:
            return None
        return round(self.memory * 100 / self.limit, 2)

    def sample(self, stats: dict[str, Any]) -> None:
        """Take CPU %, memory and pids from a stats sample (as `docker stats` computes them)."""
        cpu = stats.get("cpu_stats") or {}
        pre = stats.get("precpu_stats") or {}
        total = (cpu.get("cpu_usage") or {}).get("total_usage", 0)
        pre_total = (pre.get("cpu_usage") or {}).get("total_usage", 0)
        system, pre_system = cpu.get("system_cpu_usage", 0), pre.get("system_cpu_usage", 0)
        cpus = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or [])
        if pre_system and system > pre_system:
            self.cpu = max(0.0, (total - pre_total) / (system - pre_system) * (cpus or 1) * 100)
            self.sampled = True
        memory = stats.get("memory_stats") or {}
        if "usage" in memory:
            detail = memory.get("stats") or {}
            cache = detail.get("total_inactive_file", detail.get("inactive_file", 0))
            self.memory = max(0, int(memory["usage"]) - int(cache or 0))
            self.limit = int(memory.get("limit") or 0) or None
        pids = (stats.get("pids_stats") or {}).get("current")
        self.pids = int(pids) if pids is not None else None
        networks = (stats.get("networks") or {}).values()
        self.net = (
            sum(int(n.get("rx_bytes", 0)) for n in networks),
            sum(int(n.get("tx_bytes", 0)) for n in networks),
        )
        blkio = (stats.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
        self.block = (
            sum(int(b.get("value", 0)) for b in blkio if str(b.get("op", "")).lower() == "read"),
            sum(int(b.get("value", 0)) for b in blkio if str(b.get("op", "")).lower() == "write"),
        )


@dataclass
class Daemon:
    """One daemon the live table covers."""

    target: Target
    docker: Docker | None = None
    events: Ref | None = None
    error: str | None = None
    retry_at: float = 0.0
    manager: bool = False  # a swarm manager: its services are shown too


@dataclass
class LiveTable:
    """Containers and their CPU/memory across daemons, kept from event and stats streams.

    Each daemon's container events (start, die, rename) add and remove rows; each
    row's stats stream updates it. A daemon that fails is shown as down and
    reconnected every few seconds.
    """

    session: Session
    follow: bool
    names: Sequence[str] = ()
    image: bool = False
    fmt: str | None = None
    all: bool = False
    services: bool = False  # show the services of daemons that are swarm managers
    service_rows: list[dict[str, Any]] = field(default_factory=list)
    inbox: Inbox = field(default_factory=Inbox)
    daemons: dict[str, Daemon] = field(default_factory=dict)
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    owners: dict[Ref, tuple[str, str | None]] = field(default_factory=dict)

    def open(self) -> None:
        """Connect to every daemon and list what runs there."""
        for target in self.session.targets:
            self.daemons[target.label] = daemon = Daemon(target)
            self._attach(daemon, strict=not self.session.many)

    def _attach(self, daemon: Daemon, strict: bool) -> None:
        try:
            docker = self.session.connect(daemon.target)
            daemon.docker = docker
            if self.follow:
                ref = wait(docker.events(subscriber=self.inbox, filters={"type": ["container"]}))
                daemon.events = ref
                self.owners[ref] = (daemon.target.label, None)
            self._list(daemon, docker)
            if self.services:
                swarm = wait(docker.info()).get("Swarm") or {}
                daemon.manager = bool(swarm.get("ControlAvailable"))
            daemon.error = None
        except NkDockerError as error:
            if strict:
                raise
            self._down(daemon, describe(error))

    def _list(self, daemon: Daemon, docker: Docker) -> None:
        if self.names:
            found = [wait(docker.inspect(name)) for name in self.names]
            for item in found:
                self._add(
                    daemon,
                    item["Id"],
                    str(item.get("Name", "")).lstrip("/"),
                    str((item.get("Config") or {}).get("Image", "")),
                )
            return
        for item in wait(docker.ps(all=self.all)):
            names = item.get("Names") or ["/" + item["Id"][:12]]
            self._add(daemon, item["Id"], names[0].lstrip("/"), str(item.get("Image", "")))

    def _down(self, daemon: Daemon, reason: str) -> None:
        daemon.error = reason
        daemon.retry_at = time.monotonic() + 3
        if daemon.events is not None:
            self.owners.pop(daemon.events, None)
            daemon.events = None
        for key in [k for k in self.rows if k[0] == daemon.target.label]:
            self._remove(key)
        if daemon.docker is not None:
            self.session.drop(daemon.target)
            daemon.docker = None

    def _add(self, daemon: Daemon, ident: str, name: str, image: str) -> None:
        key = (daemon.target.label, ident)
        if key in self.rows or daemon.docker is None:
            return
        row = Row(daemon.target.label, ident, name, image)
        self.rows[key] = row
        try:
            row.stats = wait(daemon.docker.stats(ident, subscriber=self.inbox))
        except NkDockerError:
            row.sampled = True  # gone already: nothing to wait for
            return
        self.owners[row.stats] = key

    def _remove(self, key: tuple[str, str]) -> None:
        row = self.rows.pop(key, None)
        daemon = self.daemons.get(key[0])
        if row is None or row.stats is None:
            return
        self.owners.pop(row.stats, None)
        if daemon is not None and daemon.docker is not None:
            with contextlib.suppress(NkDockerError):
                daemon.docker.finish_async(row.stats)

    def handle(self, message: Message) -> None:
        """Apply one stream message to the table."""
        owner = self.owners.get(message.ref)
        if owner is None:
            return  # a stream we let go of
        label, ident = owner
        daemon = self.daemons[label]
        payload = message.payload
        if ident is None:  # the daemon's event stream
            if isinstance(payload, Data):
                self._event(daemon, payload.value)
            else:
                error = payload.error if isinstance(payload, Failed) else None
                self._down(daemon, describe(error) if error else "the event stream ended")
            return
        row = self.rows.get((label, ident))
        if row is None:
            return
        if isinstance(payload, Data) and isinstance(payload.value, dict):
            row.sample(payload.value)
        elif isinstance(payload, Done | Failed):
            self.owners.pop(message.ref, None)
            row.stats = None
            row.sampled = True

    def _event(self, daemon: Daemon, event: Any) -> None:
        if not isinstance(event, dict):
            return
        action = str(event.get("Action") or event.get("status") or "")
        actor = event.get("Actor") or {}
        ident = str(actor.get("ID") or event.get("id") or "")
        attributes = actor.get("Attributes") or {}
        key = (daemon.target.label, ident)
        if action == "start":
            name = str(attributes.get("name") or ident[:12])
            self._add(daemon, ident, name, str(attributes.get("image") or event.get("from", "")))
        elif action in ("die", "destroy"):
            self._remove(key)
        elif action == "rename" and key in self.rows:
            self.rows[key].name = str(attributes.get("name") or self.rows[key].name)

    def retry(self) -> None:
        """Reconnect daemons that are down, when their time comes."""
        now = time.monotonic()
        for daemon in self.daemons.values():
            if daemon.docker is None and now >= daemon.retry_at:
                self._attach(daemon, strict=False)

    def ready(self) -> bool:
        """Whether every row has a CPU figure (two samples) or its stream ended."""
        return all(row.sampled for row in self.rows.values())

    def shown(self) -> list[Row]:
        """The rows with a sample (none with `--` figures), by host and name."""
        rows = [r for r in self.rows.values() if r.sampled]
        return sorted(rows, key=lambda r: (r.host, r.name))

    def refresh_services(self) -> None:
        """Each manager's services: replicas wanted, tasks running per node."""
        rows: list[dict[str, Any]] = []
        for daemon in self.daemons.values():
            if not (daemon.manager and daemon.docker is not None):
                continue
            try:
                overview = swarm_views.service_overview(daemon.docker, timeout=10)
            except (NkDockerError, pykka.Timeout):
                continue  # not a manager any more, or no leader now: next time
            for service in overview:
                running = service["Running"]
                rows.append(
                    {
                        "Host": daemon.target.label,
                        "ID": service["ID"],
                        "Name": service["Name"],
                        "Wanted": service["Wanted"],
                        "Running": running,
                        "RunningText": ", ".join(f"{n}: {c}" for n, c in running.items()) or "0",
                    }
                )
        self.service_rows = rows

    def _services_context(self) -> list[dict[str, Any]]:
        return [{**row, "Running": row["RunningText"]} for row in self.service_rows]

    def render(self) -> str:
        """The table as text (then the services of swarm managers, if any)."""
        fmt = custom_format(self.fmt) or (MONITOR_FORMAT if self.image else STATS_FORMAT)
        if self.session.many:
            fmt = fmt.replace("table ", "table {{.Host}}\t", 1)
        # `stats` rows have docker's fields (and the daemon's, with several): another is an
        # error, as docker's; `monitor`'s have the image and the daemon too.
        host = self.image or self.session.many
        rows = [r.context(self.image, host) for r in self.shown()]
        known = {"Image": self.image, "Host": host}
        headers = {key: name for key, name in HEADERS.items() if known.get(key, True)}
        text = Template(fmt, headers).lines(rows)
        if self.service_rows:
            fmt = SERVICES_FORMAT
            if self.session.many:
                fmt = fmt.replace("table ", "table {{.Host}}\t", 1)
            text += "\n" + Template(fmt, SERVICE_HEADERS).lines(self._services_context())
        for daemon in self.daemons.values():
            if daemon.error:
                text += f"{daemon.target.label}: down ({daemon.error})\n"
        return text

    def as_json(self) -> list[dict[str, Any]]:
        """The rows for --json (then one per swarm service: host, service, service_id,
        replicas_wanted, running: {node hostname: tasks running})."""
        services = [
            {
                "host": row["Host"],
                "service": row["Name"],
                "service_id": row["ID"],
                "replicas_wanted": row["Wanted"],
                "running": row["Running"],
            }
            for row in self.service_rows
        ]
        return [*(r.as_json() for r in self.shown()), *services]

    def _rich_table(self) -> Any:
        from rich.table import Table

        many = self.session.many
        columns = [
            "ID",
            "Name",
            *(["Image"] if self.image else []),
            "CPUPerc",
            "MemUsage",
            "MemPerc",
            "NetIO",
            "BlockIO",
            "PIDs",
        ]
        if many:
            columns.insert(0, "Host")
        stamp = time.strftime("%H:%M:%S")
        table = Table(
            *[HEADERS[c] for c in columns],
            box=None,
            header_style="bold",
            caption=f"{len(self.rows)} container(s) on {len(self.daemons)} daemon(s) at {stamp}"
            " - ctrl-C to quit",
        )
        for row in self.shown():
            cells = row.context(image=True, host=True)
            table.add_row(*[cells[c] for c in columns])
        for daemon in self.daemons.values():
            if daemon.error:
                table.add_row(f"[red]{daemon.target.label}: down ({daemon.error})[/red]")
        if not self.service_rows:
            return table
        from rich.console import Group

        keys = ["Host", "Name", "Wanted", "Running"] if many else ["Name", "Wanted", "Running"]
        services = Table(*[SERVICE_HEADERS[k] for k in keys], box=None, header_style="bold")
        for service in self._services_context():
            services.add_row(*[str(service[k]) for k in keys])
        return Group(table, services)

    def run(self, once: bool, interval: float, wait_for: float = 10.0) -> int:
        """Show the table: once when every row has a sample (or after `wait_for` s), else
        every `interval` s until interrupted; the first table waits for the samples too."""
        live = None
        if (
            is_tty(sys.stdout)
            and not self.session.json
            and not once
            and not custom_format(self.fmt)
        ):
            from rich.live import Live

            live = Live(console=console(sys.stdout), auto_refresh=False, screen=False)
            live.start()
        try:
            return self._loop(once, interval, wait_for, live)
        finally:
            if live is not None:
                live.stop()

    def _loop(self, once: bool, interval: float, wait_for: float, live: Any) -> int:
        now = time.monotonic()
        first = now + wait_for
        next_show = now
        shown = False
        while True:
            now = time.monotonic()
            settled = self.ready() or now >= first
            if once and settled:
                self._show(None, last=True)
                return 1 if any(d.error for d in self.daemons.values()) else 0
            if not once and now >= next_show and (settled or shown):
                self._show(live)
                shown = True
                self.retry()
                next_show = time.monotonic() + interval
            until = first if once or not (settled or shown) else next_show
            with contextlib.suppress(TimeoutError):
                timeout = max(0.0, min(until, now + interval) - time.monotonic())
                self.handle(self.inbox.get(timeout=timeout))

    def _show(self, live: Any, last: bool = False) -> None:
        if self.services:
            self.refresh_services()
        if self.session.json:
            print_json(self.as_json(), lines=True)
        elif live is not None:
            live.update(self._rich_table(), refresh=True)
        else:  # tables one after another, a blank line between them
            write(self.render() + ("" if last else "\n"))


def cmd_stats(session: Session, args: argparse.Namespace) -> int:
    """CPU, memory, network and block I/O of containers (the named ones, else every
    running one), live."""
    table = LiveTable(
        session,
        follow=not args.containers,
        names=tuple(args.containers),
        fmt=args.format,
        all=bool(args.all),
    )
    table.open()
    return table.run(once=bool(args.no_stream), interval=float(args.interval))


def cmd_monitor(session: Session, args: argparse.Namespace) -> int:
    """A live table of every container and its figures, across every daemon given."""
    table = LiveTable(session, follow=not args.once, image=True, services=True)
    table.open()
    return table.run(once=bool(args.once), interval=float(args.interval))


_INTERVAL = arg("--interval", type=float, default=1.0, help="seconds between tables")

COMMANDS = (
    Cmd(
        "stats",
        cmd_stats,
        "live CPU, memory, network and block I/O of containers",
        (
            arg("containers", nargs="*", metavar="CONTAINER"),
            arg("-a", "--all", action="store_true", help="stopped containers too"),
            arg("--no-stream", action="store_true", help="one table, then exit"),
            arg("--no-trunc", action="store_true", help="(ids are always 12 digits)"),
            arg("--format", help="Go template (docs/cli.md)"),
            _INTERVAL,
        ),
        aliases=("container stats",),
        many=True,
    ),
    Cmd(
        "monitor",
        cmd_monitor,
        "live table of containers across daemons",
        (arg("--once", action="store_true", help="one table, then exit"), _INTERVAL),
        many=True,
    ),
)
