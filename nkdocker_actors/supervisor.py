"""The Supervisor actor: connections that come back, and event subscriptions that lose nothing.

`supervisor()` starts one; `sup.connect(name, ...)` gives a `Docker` handle that
always reaches the current connection actor. The supervisor checks each
connection every `check_interval` seconds (a ping on its shared socket) and
replaces one that fails (the daemon unreachable, or the actor dead), with
exponential backoff and an OTP-like intensity limit: more than `max_restarts`
restarts within `within` seconds and it gives up on that connection ("failed").

Event subscriptions made through a supervised handle go through an
`EventRelay` actor: when the connection is lost it waits, then resubscribes
from the last event seen (`since` = its timeNano) and drops the boundary
duplicates, so its subscriber sees every event once and nothing terminal until
the supervisor gives up. Other streams end with `Failed` as on any connection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pykka

from . import reports
from .commands.spec import build
from .connection import Docker, check_timeout, connect
from .errors import ConnectionFailed, InvalidOption, NkDockerError
from .messages import DEFAULT_MAX_PENDING, Failed, Future, Ref, Sink
from .relays import RESUME_SLACK, ResumingRelay, event_nano
from .times import time_value

if TYPE_CHECKING:
    from .cluster import SwarmHandle

__all__ = [
    "EventRelay",
    "RoutedDocker",
    "SupervisedDocker",
    "Supervisor",
    "SupervisorHandle",
    "supervisor",
]


@dataclass
class _Slot:
    """One supervised connection, shared by the supervisor and its handle."""

    name: str
    url: str | None
    settings: dict[str, Any]
    docker: Docker | None = None
    where: str = ""  # the daemon's address, for reports (never the settings: secrets)
    state: str = "up"
    restarts: deque[float] = field(default_factory=deque)
    next_attempt: float = 0.0
    backoff: float = 0.0
    checked: float = 0.0
    busy: bool = False  # a health check or a reconnection is under way in a worker
    attempts: int = 0  # reconnections tried since the connection was lost
    lost_reported: bool = False  # a relay's stream broke: tell relays when it is up
    relays: set[pykka.ActorRef[Any]] = field(default_factory=set)


@dataclass(frozen=True)
class _Add:
    name: str
    url: str | None
    settings: dict[str, Any]
    docker: Docker


@dataclass(frozen=True)
class _Remove:
    name: str


@dataclass(frozen=True)
class _Tick:
    pass


@dataclass(frozen=True)
class _Lost:
    name: str


@dataclass(frozen=True)
class _Checked:
    name: str
    healthy: bool


@dataclass(frozen=True)
class _Attempted:
    name: str
    docker: Docker | None


@dataclass(frozen=True)
class _Watch:
    name: str
    relay: pykka.ActorRef[Any]
    watch: bool


class Supervisor(pykka.ThreadingActor):
    """Starts, watches and restarts named connection actors.

    Health checks and reconnections run in short-lived worker threads that report back,
    so a daemon that hangs never delays the others (nor `status()`).
    """

    use_daemon_thread = True

    def __init__(
        self,
        max_restarts: int = 10,
        within: float = 60.0,
        backoff: float = 0.25,
        max_backoff: float = 5.0,
        check_interval: float = 1.0,
    ) -> None:
        super().__init__()
        self.slots: dict[str, _Slot] = {}
        self.max_restarts = max_restarts
        self.within = within
        self.initial_backoff = backoff
        self.max_backoff = max_backoff
        self.check_interval = check_interval
        self._stop_ticks = threading.Event()

    def on_start(self) -> None:
        """Start the clock that drives health checks and restart attempts."""
        threading.Thread(target=self._ticks, name="nkdocker-supervisor", daemon=True).start()

    def _ticks(self) -> None:
        while not self._stop_ticks.wait(min(self.check_interval, self.initial_backoff)):
            try:
                self.actor_ref.tell(_Tick())
            except pykka.ActorDeadError:
                return

    def on_receive(self, message: Any) -> Any:
        """Handle the private messages above, and answer status queries."""
        if isinstance(message, _Add):
            return self._add(message)
        if message == "status":
            return {name: slot.state for name, slot in self.slots.items()}
        if isinstance(message, _Tick):
            self._tick()
        elif isinstance(message, _Watch):
            self._watch(message)
        elif isinstance(message, _Attempted):
            self._attempted(message)
        elif isinstance(message, _Remove | _Lost | _Checked):
            slot = self.slots.get(message.name)
            if slot is not None:
                self._slot_news(slot, message)
        return None

    def _add(self, request: _Add) -> _Slot:
        if request.name in self.slots:
            request.docker.close()
            raise InvalidOption(f"a connection named {request.name!r} is already supervised")
        slot = _Slot(request.name, request.url, request.settings, request.docker)
        slot.where = str(request.docker.config.address)
        self.slots[request.name] = slot
        return slot

    def _watch(self, message: _Watch) -> None:
        slot = self.slots.get(message.name)
        if slot is None:  # removed: a new relay hears at once that it is closed
            if message.watch:
                message.relay.tell(("connection", "closed"))
        elif message.watch:
            slot.relays.add(message.relay)
        else:
            slot.relays.discard(message.relay)

    def _slot_news(self, slot: _Slot, message: _Remove | _Lost | _Checked) -> None:
        if isinstance(message, _Remove):
            del self.slots[slot.name]
            slot.state = "failed"
            self._tell_relays(slot, "closed")
            if slot.docker is not None:
                slot.docker.close()
        elif isinstance(message, _Lost) and slot.state == "up":
            slot.lost_reported = True
            if not slot.busy:
                self._check(slot)
        elif isinstance(message, _Checked) and slot.state == "up":
            slot.busy = False
            if not message.healthy:
                self._lost(slot)
            elif slot.lost_reported:
                slot.lost_reported = False
                self._tell_relays(slot, "up")

    def _tick(self) -> None:
        now = time.monotonic()
        for slot in self.slots.values():
            if slot.busy:
                continue
            if slot.state == "up" and now - slot.checked >= self.check_interval:
                self._check(slot)
            elif slot.state == "restarting" and now >= slot.next_attempt:
                self._attempt(slot)

    def _check(self, slot: _Slot) -> None:
        slot.busy = True
        slot.checked = time.monotonic()
        docker, wait = slot.docker, self.check_interval * 3 + 2

        def check() -> None:
            try:
                healthy = docker is not None and docker.ping(timeout=wait).get(wait + 3) == "OK"
            except Exception:
                healthy = False
            with contextlib.suppress(pykka.ActorDeadError):
                self.actor_ref.tell(_Checked(slot.name, healthy))

        threading.Thread(target=check, name="nkdocker-check", daemon=True).start()

    def _lost(self, slot: _Slot) -> None:
        if slot.docker is not None:
            slot.docker.close()  # its streams end Failed; relays wait for "up"
            slot.docker = None
        slot.state = "restarting"
        slot.backoff = self.initial_backoff
        slot.attempts = 0
        reports.connection_lost(slot.name, slot.where)
        self._attempt(slot)

    def _attempt(self, slot: _Slot) -> None:
        now = time.monotonic()
        while slot.restarts and slot.restarts[0] < now - self.within:
            slot.restarts.popleft()
        if len(slot.restarts) >= self.max_restarts:
            slot.state = "failed"
            reports.connection_given_up(slot.name, slot.where, len(slot.restarts), self.within)
            self._tell_relays(slot, "failed")
            return
        slot.restarts.append(now)
        slot.attempts += 1
        slot.busy = True
        url, settings = slot.url, {**slot.settings, "connect_timeout": 2}

        def attempt() -> None:
            try:
                docker: Docker | None = connect(url, **settings)
            except Exception:
                docker = None
            try:
                self.actor_ref.tell(_Attempted(slot.name, docker))
            except pykka.ActorDeadError:
                if docker is not None:
                    docker.close()

        threading.Thread(target=attempt, name="nkdocker-reconnect", daemon=True).start()

    def _attempted(self, message: _Attempted) -> None:
        slot = self.slots.get(message.name)
        if slot is None or slot.state != "restarting":
            if message.docker is not None:  # removed or closed meanwhile
                message.docker.close()
            return
        slot.busy = False
        if message.docker is None:
            slot.next_attempt = time.monotonic() + slot.backoff
            slot.backoff = min(slot.backoff * 2, self.max_backoff)
            return
        slot.docker = message.docker
        slot.state = "up"
        slot.checked = time.monotonic()
        reports.connection_back(slot.name, slot.where, slot.attempts)
        self._tell_relays(slot, "up")

    def _tell_relays(self, slot: _Slot, state: str) -> None:
        for relay in list(slot.relays):
            try:
                relay.tell(("connection", state))
            except pykka.ActorDeadError:
                slot.relays.discard(relay)

    def on_failure(self, *exc_info: Any) -> None:
        """A crash: close everything as on a stop, so no ref is left without its end."""
        self.on_stop()

    def on_stop(self) -> None:
        """Close every connection; relays end their refs."""
        self._stop_ticks.set()
        for slot in self.slots.values():
            slot.state = "failed"
            self._tell_relays(slot, "closed")
            if slot.docker is not None:
                slot.docker.close()


def _daemon_now(docker: Docker) -> str:
    """The daemon's clock as a `since` value (seconds.nanoseconds)."""
    text = str(docker.info().get(30)["SystemTime"])
    # RFC 3339 with up to 9 fractional digits; Python parses at most 6.
    stamp, _, fraction = text.partition(".")
    digits = "".join(c for c in fraction if c.isdigit())
    zone = fraction[len(digits) :] or "Z"
    moment = dt.datetime.fromisoformat(stamp + (zone.replace("Z", "+00:00")))
    return f"{int(moment.timestamp())}.{(digits or '0').ljust(9, '0')[:9]}"


class EventRelay(ResumingRelay):
    """Holds one durable event subscription across connection restarts: the supervisor
    says when the connection is up again; a replayed event is one seen before, stamp
    and all (the same daemon stamps it the same)."""

    def __init__(
        self, supervisor: pykka.ActorRef[Any], slot: _Slot, sink: Sink, ref: Ref,
        options: dict[str, Any],
    ) -> None:  # fmt: skip
        super().__init__(sink, ref, options, options.pop("since", None))
        self.supervisor = supervisor
        self.slot = slot
        # Events seen within RESUME_SLACK of the newest: what a resubscription replays.
        self.seen: dict[str, int] = {}

    def on_start(self) -> None:
        """Register for connection news and subscribe."""
        self.supervisor.tell(_Watch(self.slot.name, self.actor_ref, True))
        self._subscribe()

    def _subscribe(self) -> None:
        docker = self.slot.docker
        if docker is None or self.ended:
            return
        try:
            self.current = docker.events(
                subscriber=self.actor_ref, since=self._resume_since(), **self.options
            ).get(30)
        except Exception:  # not reachable after all: the supervisor finds out and tells us
            self.current = None
            self.supervisor.tell(_Lost(self.slot.name))
            return
        self.source = docker

    def _control(self, message: Any) -> None:
        """News of the connection from the supervisor."""
        if isinstance(message, tuple) and message[0] == "connection":
            self._connection(message[1])

    def _fresh(self, event: dict[str, Any]) -> bool:
        nano = event_nano(event)
        action = event.get("status") or event.get("Action")
        key = f"{nano}/{event.get('id')}/{action}/{event.get('Type')}"
        if key in self.seen:
            return False  # replayed across a resubscription
        self.seen[key] = nano
        if nano > self.newest:
            self.newest = nano
            if len(self.seen) > 512:
                horizon = nano - 2 * RESUME_SLACK
                self.seen = {k: t for k, t in self.seen.items() if t >= horizon}
        return True

    def _lost(self) -> None:
        self.supervisor.tell(_Lost(self.slot.name))  # it decides what comes next

    def _connection(self, state: str) -> None:
        if state == "up" and self.current is None:
            self._subscribe()
        elif state in ("failed", "closed"):
            reason = "gave up reconnecting" if state == "failed" else "was closed"
            self._end(Failed(ConnectionFailed(f"supervisor {reason} to {self.slot.name!r}")))

    def _ended(self) -> None:
        with contextlib.suppress(pykka.ActorDeadError):
            self.supervisor.tell(_Watch(self.slot.name, self.actor_ref, False))


class RoutedDocker(Docker):
    """A Docker handle whose every command goes to the handle `_current()` picks.

    No Docker.__init__: the actor, API version and command tables are those of the
    connection in use, which a restart or a failover replaces (the daemon may even have
    been upgraded). Subclasses set `config` and define `_current`.
    """

    def _current(self) -> Docker:
        raise NotImplementedError

    @property
    def actor_ref(self) -> pykka.ActorRef[Any]:
        """The connection actor in use (ConnectionFailed when there is none)."""
        return self._current().actor_ref

    @property
    def api_version(self) -> tuple[int, int]:  # type: ignore[override]
        """The API version the connection in use talks."""
        return self._current().api_version

    def call(self, command_name: str, /, *args: Any, **options: Any) -> Future:
        """Run a command on the connection in use."""
        return self._current().call(command_name, *args, **options)

    def _raw(self, *args: Any) -> Future:
        return self._current()._raw(*args)


class SupervisedDocker(RoutedDocker):
    """A Docker handle that reaches whichever connection actor is current."""

    def __init__(self, supervisor: pykka.ActorRef[Any], slot: _Slot) -> None:
        self.config = self._current_of(slot).config
        self._supervisor = supervisor
        self._slot = slot
        self._relays: dict[Ref, pykka.ActorRef[Any]] = {}

    @staticmethod
    def _current_of(slot: _Slot) -> Docker:
        docker = slot.docker
        if docker is None:
            raise ConnectionFailed(f"{slot.name!r} is {slot.state}")
        return docker

    def _current(self) -> Docker:
        return self._current_of(self._slot)

    @property
    def state(self) -> str:
        """ "up", "restarting" or "failed"."""
        return self._slot.state

    def __repr__(self) -> str:
        return f"<SupervisedDocker {self._slot.name!r} {self.config.address} {self.state}>"

    def _events(self, **options: Any) -> Future:
        """Events; with a subscriber, a durable subscription (see the module's doc)."""
        subscriber = options.pop("subscriber", None)
        if subscriber is None:
            return self.call("events", **options)
        if options.pop("reply_to", None) is not None:
            raise InvalidOption("reply_to goes with commands that have one result, not streams")
        max_pending = options.pop("max_pending", DEFAULT_MAX_PENDING)
        timeout = check_timeout(options.pop("timeout", None))
        current = self._current()
        build(current._commands["events"], (), options, current.api_version, streaming=True)
        if timeout is not None:
            options["timeout"] = timeout
        for key in ("since", "until"):
            if options.get(key) is not None:  # "10m" means from now, not from a resumption
                options[key] = time_value(key, options[key])
        if "since" not in options:
            # Resume points need the daemon's clock, taken before the caller goes on.
            options["since"] = _daemon_now(current)
        ref = Ref()
        relay = EventRelay.start(
            self._supervisor, self._slot, Sink(subscriber, max_pending), ref, dict(options)
        )
        self._relays[ref] = relay
        future = Future()
        future.set(ref)
        return future

    if TYPE_CHECKING:
        events = Docker.events  # typed as every handle's (see nkdocker_actors._typed)
    else:
        events = _events

    def finish_async(self, ref: Ref) -> Future:
        """End a stream; a durable event subscription ends with Done("finished") too."""
        relay = self._relays.pop(ref, None)
        if relay is None:
            return super().finish_async(ref)
        future = Future()
        with contextlib.suppress(pykka.ActorDeadError):
            relay.tell("finish")
        future.set(None)
        return future

    def close(self) -> None:
        """Supervised connections are closed by their supervisor."""


class SupervisorHandle:
    """The handle `supervisor()` returns."""

    def __init__(self, actor_ref: pykka.ActorRef[Any]) -> None:
        self.actor_ref = actor_ref
        self.handles: dict[str, SupervisedDocker] = {}

    def connect(self, name: str, url: str | None = None, **settings: Any) -> SupervisedDocker:
        """Start a supervised connection (as `nk.connect`) and return its durable handle."""
        docker = connect(url, **settings)  # here, not in the supervisor: it may take a while
        slot = cast(_Slot, self.actor_ref.ask(_Add(name, url, settings, docker), timeout=60))
        handle = SupervisedDocker(self.actor_ref, slot)
        self.handles[name] = handle
        return handle

    def swarm(self, name: str, managers: list[str], **settings: Any) -> SwarmHandle:
        """One handle for a swarm whose managers are at `managers` (urls, as `connect`).

        Each manager becomes a supervised connection named "<name>/<url>"; those that
        cannot be reached now are left out (ConnectionFailed if none can). See
        `nkdocker_actors.cluster` for how calls and event subscriptions fail over.
        """
        from .cluster import SwarmHandle

        if isinstance(managers, str) or not managers:
            raise InvalidOption("swarm() takes a non-empty list of manager urls")
        handles, errors = [], []
        for url in managers:
            try:
                handles.append(self.connect(f"{name}/{url}", url, **settings))
            except ConnectionFailed as error:
                errors.append(error)
        if not handles:
            raise ConnectionFailed(f"no manager of swarm {name!r} answers: {errors[0]}")
        return SwarmHandle(name, handles)

    def disconnect(self, name: str) -> None:
        """Stop supervising `name` and close its connection; its streams end."""
        self.handles.pop(name, None)
        self.actor_ref.ask(_Remove(name), timeout=60)

    def status(self) -> dict[str, str]:
        """{name: "up" | "restarting" | "failed"}."""
        return cast(dict[str, str], self.actor_ref.ask("status", timeout=60))

    def each(self, command: str, *args: Any, timeout: float = 60, **options: Any) -> dict[str, Any]:
        """Run a command on every connection; {name: result, or the exception it raised}.

        A connection that is down gives its ConnectionFailed instead of failing the call.
        """
        futures: dict[str, Any] = {}
        for name, handle in list(self.handles.items()):
            try:
                futures[name] = handle.call(command, *args, **options)
            except NkDockerError as error:
                futures[name] = error
        results: dict[str, Any] = {}
        for name, future in futures.items():
            if isinstance(future, BaseException):
                results[name] = future
                continue
            try:
                results[name] = future.get(timeout)
            except (NkDockerError, pykka.Timeout) as error:
                results[name] = error
        return results

    def close(self) -> None:
        """Stop the supervisor and every connection it holds."""
        if self.actor_ref.is_alive():
            self.actor_ref.stop(block=True, timeout=60)

    def __enter__(self) -> SupervisorHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def supervisor(
    *,
    max_restarts: int = 10,
    within: float = 60.0,
    backoff: float = 0.25,
    max_backoff: float = 5.0,
    check_interval: float = 1.0,
) -> SupervisorHandle:
    """Start a Supervisor actor: at most `max_restarts` restarts within `within` seconds."""
    return SupervisorHandle(
        Supervisor.start(max_restarts, within, backoff, max_backoff, check_interval)
    )
