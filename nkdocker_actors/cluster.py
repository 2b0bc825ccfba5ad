"""Swarm as a whole: a handle that follows the managers, durable cluster events, and
service helpers (update, rollback, scale, references, watching a service converge).

`sup.swarm("prod", [manager urls])` (see `supervisor.SupervisorHandle.swarm`) gives a
`SwarmHandle`: one handle for the cluster. Each manager is a supervised connection
(restarted with backoff as any other); a call goes to the manager that answered last,
or the next one up. When a manager dies:

- a read (GET) is sent again to the next manager;
- a call that never reached it (the connection refused) goes to the next manager;
- a write that was in flight fails with ConnectionFailed: it may or may not have been
  applied, so it is never sent twice behind the caller's back;
- "the swarm does not have a leader" (an election after a manager's death) is retried
  for up to `leader_wait` seconds: such a call was refused, not applied.

What Swarm guarantees about events, and what the handle adds. dockerd keeps events
per node: each daemon logs its own container, image, network and volume events, and
every manager logs the cluster's events (service, node, secret, config) as its copy
of the Raft store changes, stamped by its own clock. So after a manager's death,
another manager still has every cluster event, but container events are only on the
node where the container runs. A durable subscription (`swarm.events(subscriber=...)`)
resumes on the next manager from a little before the last event delivered, and drops
the events it already delivered (matched by type, action, id and attributes, since
the stamps differ between managers): no cluster event is lost or repeated; container
events are those of the managers the subscription listened to, each once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from typing import Any

import pykka

from .commands import COMMANDS, lookup
from .commands.spec import build
from .connection import Docker, check_timeout
from .errors import ConnectionFailed, DockerError, InvalidOption, NkDockerError, NotFound
from .messages import DEFAULT_MAX_PENDING, Data, Done, Failed, Future, Message, Ref, Sink
from .relays import RESUME_SLACK, ResumingRelay, event_nano
from .supervisor import RoutedDocker, SupervisedDocker, _daemon_now

__all__ = [
    "ServiceWatch",
    "SwarmHandle",
    "reference",
    "rollback_service",
    "scale_service",
    "update_service",
    "watch_service",
]

CLOCK_SKEW = 10**9  # ns by which two managers' stamps of one event may differ
_NO_LEADER = "does not have a leader"


# -- service helpers (blocking; they take any Docker handle) --------------------------------


def update_service(docker: Docker, service: str, timeout: float = 60, **options: Any) -> Any:
    """Change a service: its current spec with `options` (service options) laid over it.

    Returns the daemon's answer ({'Warnings'}). `auth=` gives registry credentials.
    """
    current = docker.service_inspect(service).get(timeout)
    return docker.service_update(
        service, current["Version"]["Index"], spec=current["Spec"], **options
    ).get(timeout)


def rollback_service(docker: Docker, service: str, timeout: float = 60) -> Any:
    """Go back to the service's previous spec (as `docker service rollback`)."""
    current = docker.service_inspect(service).get(timeout)
    return docker.service_update(
        service, current["Version"]["Index"], spec=current["Spec"], rollback="previous"
    ).get(timeout)


def scale_service(docker: Docker, service: str, replicas: int, timeout: float = 60) -> Any:
    """Set a replicated service's number of replicas."""
    return update_service(docker, service, timeout, replicas=replicas)


def reference(
    docker: Docker, kind: str, name: str, timeout: float = 60, **file: Any
) -> dict[str, Any]:
    """A secrets/configs reference for service options, looked up by name or id:
    {"id", "name", **file} where file may give target, uid, gid, mode."""
    if kind not in ("secret", "config"):
        raise InvalidOption(f"reference kind must be 'secret' or 'config', not {kind!r}")
    found = docker.call(f"{kind}_inspect", name).get(timeout)
    return {"id": found["ID"], "name": found["Spec"]["Name"], **file}


# -- watching a service converge ------------------------------------------------------------

_UPDATE_ENDS = {
    "completed": "converged",
    "rollback_completed": "rolled_back",
    "paused": "paused",
    "rollback_paused": "rollback_paused",
}


class ServiceWatch:
    """Polls one service and posts what changes, until its terminal message.

    Messages, each `(ref, payload)`:
    - Data({"task", "service", "slot", "node", "desired", "state", "message", "error"}):
      a task appeared or changed node, desired state or state (the first poll reports
      every task);
    - Data({"update": state, "message": ...}): the service's UpdateStatus changed;
    - Done("converged") once a service update started after the watch completed and
      every task that should run runs; Done("rolled_back") when it was rolled back (and
      converged); Done("paused") / Done("rollback_paused") when Swarm paused it.
      With until="converged", Done("converged") as soon as the service runs as
      specified; with until=None only finish() ends it (Done("finished"));
    - Failed(error): the service was removed (NotFound), or no manager answered for
      `give_up_after` seconds.

    Tasks on nodes that are down do not count: Swarm keeps their last state (often
    "running") until the node comes back, and has already scheduled replacements.
    """

    def __init__(
        self,
        docker: Docker,
        service: str,
        subscriber: Any,
        *,
        until: str | None = "update",
        interval: float = 0.5,
        max_pending: int = DEFAULT_MAX_PENDING,
        give_up_after: float = 60.0,
    ) -> None:
        if until not in ("update", "converged", None):
            raise InvalidOption(f"until must be 'update', 'converged' or None, not {until!r}")
        self.ref = Ref()
        self._docker = docker
        self._service = service
        self._sink = Sink(subscriber, max_pending)
        self._until = until
        self._interval = check_timeout(interval) or 0.5
        self.give_up_after = give_up_after
        self._stop = threading.Event()
        self._ended = False
        self._lock = threading.Lock()
        self._tasks: dict[str, tuple[Any, ...]] = {}
        self._update: tuple[Any, ...] | None = None
        self._first_update: Any = None
        self._thread = threading.Thread(target=self._run, name="nkdocker-watch", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """End the watch: Done("finished"), unless it had ended already."""
        self._end(Done("finished"))

    def _end(self, payload: Done | Failed) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
            self._stop.set()
            self._sink.send(Message(self.ref, payload))

    def _send(self, value: dict[str, Any]) -> None:
        with self._lock:
            if not self._ended and not self._sink.send(Message(self.ref, Data(value))):
                self._ended = True
                self._stop.set()

    def _run(self) -> None:
        first = True
        failing_since: float | None = None
        while not self._stop.is_set():
            try:
                ending = self._poll(first)
            except (ConnectionFailed, DockerError, pykka.Timeout) as error:
                if isinstance(error, NotFound):
                    self._end(Failed(error))  # the service is gone
                    return
                # A manager is away (or between leaders): the next poll tries again.
                failing_since = failing_since or time.monotonic()
                gone = isinstance(self._docker, SwarmHandle) and self._docker.gone()
                if gone or time.monotonic() - failing_since > self.give_up_after:
                    self._end(
                        Failed(
                            error
                            if isinstance(error, NkDockerError)
                            else ConnectionFailed(f"no answer about {self._service!r}")
                        )
                    )
                    return
            except Exception as error:  # an answer not as documented: still one end
                self._end(Failed(error))
                return
            else:
                first, failing_since = False, None
                if ending is not None:
                    self._end(Done(ending))
                    return
            self._stop.wait(self._interval)

    def _poll(self, first: bool) -> str | None:
        timeout = 30
        service = self._docker.service_inspect(self._service).get(timeout)
        tasks = self._docker.tasks(filters={"service": [service["ID"]]}).get(timeout)
        down = {
            node["ID"]
            for node in self._docker.nodes().get(timeout)
            if (node.get("Status") or {}).get("State") != "ready"
        }
        for task in sorted(tasks, key=lambda t: (t.get("Slot") or 0, t.get("CreatedAt", ""))):
            status = task.get("Status") or {}
            seen = (task.get("NodeID"), task.get("DesiredState"), status.get("State"))
            if self._tasks.get(task["ID"]) != seen:
                self._tasks[task["ID"]] = seen
                self._send(
                    {
                        "task": task["ID"],
                        "service": service["ID"],
                        "slot": task.get("Slot"),
                        "node": seen[0],
                        "desired": seen[1],
                        "state": seen[2],
                        "message": status.get("Message"),
                        "error": status.get("Err"),
                    }
                )
        update = service.get("UpdateStatus") or {}
        marker = (update.get("State"), update.get("StartedAt"), update.get("CompletedAt"))
        if first:
            self._first_update = marker
        if marker != self._update:
            self._update = marker
            if update:
                self._send({"update": update.get("State"), "message": update.get("Message")})
        converged = _converged(service, tasks, down)
        if self._until == "converged" and converged and update.get("State") != "updating":
            return "converged"
        if self._until == "update" and marker != self._first_update:
            ending = _UPDATE_ENDS.get(str(update.get("State")))
            if ending in ("paused", "rollback_paused") or (ending and converged):
                return ending
        return None


def _converged(service: Mapping[str, Any], tasks: list[Any], down: set[str]) -> bool:
    live = [t for t in tasks if t.get("NodeID") not in down]
    running = [t for t in live if (t.get("Status") or {}).get("State") == "running"]
    if any(t.get("DesiredState") != "running" for t in running):
        return False  # an old task still runs
    if any(t.get("DesiredState") == "running" and t not in running for t in live):
        return False  # a new task is not running yet
    replicas = ((service.get("Spec") or {}).get("Mode") or {}).get("Replicated", {}).get("Replicas")
    return bool(running) if replicas is None else len(running) == replicas


def watch_service(docker: Docker, service: str, subscriber: Any, **options: Any) -> ServiceWatch:
    """Start a ServiceWatch (see there); its `ref` names its messages, `finish()` ends it."""
    return ServiceWatch(docker, service, subscriber, **options)


# -- durable cluster events --------------------------------------------------------------


def _event_key(event: Mapping[str, Any]) -> tuple[Any, ...]:
    actor = event.get("Actor") or {}
    attributes = tuple(sorted((actor.get("Attributes") or {}).items()))
    action = event.get("Action") or event.get("status")
    return (event.get("Type"), action, actor.get("ID") or event.get("id"), attributes)


class SwarmEventRelay(ResumingRelay):
    """One event subscription that moves to another manager when its manager is lost.
    A replayed event is one delivered before with the same type, action, id and
    attributes, stamped within CLOCK_SKEW of it (each manager stamps with its own clock)."""

    def __init__(
        self, swarm: SwarmHandle, sink: Sink, ref: Ref, options: dict[str, Any], since: str
    ) -> None:
        super().__init__(sink, ref, options, since)
        self.swarm = swarm
        self.recent: deque[tuple[int, tuple[Any, ...]]] = deque()  # delivered, newest last
        self.replay: Counter[tuple[Any, ...]] = Counter()
        self.replay_until = -1
        self.lost_since: float | None = None

    def on_start(self) -> None:
        """Subscribe to a manager."""
        self._subscribe()

    def _subscribe(self) -> None:
        if self.ended:
            return
        since = self._resume_since()
        if self.newest >= 0:
            # What the next manager may send again: its stamps differ by up to CLOCK_SKEW.
            resume = max(0, self.newest - RESUME_SLACK)
            self.replay = Counter(key for nano, key in self.recent if nano >= resume - CLOCK_SKEW)
            self.replay_until = self.newest + CLOCK_SKEW
        for manager in self.swarm._candidates():
            try:
                self.current = manager.call(
                    "events", subscriber=self.actor_ref, since=since, **self.options
                ).get(30)
            except (NkDockerError, pykka.Timeout):
                continue
            self.source = manager
            self.lost_since = None
            return
        self.current = None
        if self.lost_since is None:
            self.lost_since = time.monotonic()
        if self.swarm.gone() or time.monotonic() - self.lost_since > self.swarm.give_up_after:
            self._end(Failed(ConnectionFailed(f"no manager of {self.swarm.name!r} answers")))
            return
        self._retry_later()

    def _retry_later(self) -> None:
        def tell() -> None:
            with contextlib.suppress(pykka.ActorDeadError):
                self.actor_ref.tell("retry")

        timer = threading.Timer(0.25, tell)
        timer.daemon = True
        timer.start()

    def _control(self, message: Any) -> None:
        """The "retry" tick: no manager answered a moment ago."""
        if message == "retry" and self.current is None:
            self._subscribe()

    def _lost(self) -> None:
        self._subscribe()

    def _fresh(self, event: dict[str, Any]) -> bool:
        nano, key = event_nano(event), _event_key(event)
        if nano <= self.replay_until and self.replay[key] > 0:
            self.replay[key] -= 1  # delivered before the switch
            return False
        self.recent.append((nano, key))
        self.newest = max(self.newest, nano)
        while self.recent and self.recent[0][0] < self.newest - RESUME_SLACK - CLOCK_SKEW:
            self.recent.popleft()
        return True


# -- the handle -----------------------------------------------------------------------------


class SwarmHandle(RoutedDocker):
    """One handle for a swarm: commands go to a reachable manager (see the module's doc).

    Every command of `Docker` is here; `events(subscriber=...)` is a durable cluster
    subscription; `watch_service(...)` reports a service converging; `managers()` tells
    each manager's connection state; `manager()` is the connection now in use.
    """

    def __init__(
        self,
        name: str,
        managers: list[SupervisedDocker],
        leader_wait: float = 30.0,
        give_up_after: float = 60.0,
    ) -> None:
        self.name = name
        self._managers = managers
        self._preferred = 0
        self.leader_wait = leader_wait
        self.give_up_after = give_up_after
        self._streams: dict[Ref, Any] = {}
        self._lock = threading.Lock()
        self.config = managers[0].config

    def __repr__(self) -> str:
        return f"<SwarmHandle {self.name!r} managers={len(self._managers)}>"

    def managers(self) -> list[tuple[str, str]]:
        """[(address, "up" | "restarting" | "failed")] of each manager's connection."""
        return [(str(m.config.address), m.state) for m in self._managers]

    def gone(self) -> bool:
        """Whether the supervisor gave up on every manager (or was closed)."""
        return all(m.state == "failed" for m in self._managers)

    def _candidates(self) -> list[SupervisedDocker]:
        """The managers whose connection is up, the one that answered last first."""
        with self._lock:
            start = self._preferred
        order = self._managers[start:] + self._managers[:start]
        return [m for m in order if m.state == "up"]

    def _chose(self, manager: SupervisedDocker) -> None:
        with self._lock:
            self._preferred = self._managers.index(manager)

    def manager(self) -> SupervisedDocker:
        """The manager connection calls go to now (ConnectionFailed if none is up)."""
        candidates = self._candidates()
        if not candidates:
            raise ConnectionFailed(f"no manager of {self.name!r} is up")
        return candidates[0]

    def _current(self) -> SupervisedDocker:
        return self.manager()

    def call(self, command_name: str, /, *args: Any, **options: Any) -> Future:
        """Run a command on a manager, moving to another as the module's doc says."""
        if options.get("subscriber") is not None:
            if command_name == "events":
                return self.events(**options)
            return self.manager().call(command_name, *args, **options)
        reply_to = options.pop("reply_to", None)
        manager = self.manager()
        if command_name not in COMMANDS:
            raise InvalidOption(f"no command {command_name!r}")
        method = COMMANDS[command_name][-1].method
        first: Future | None = None
        # Checks everything here; if the manager went down since manager() looked, the
        # worker goes on to another.
        with contextlib.suppress(ConnectionFailed):
            first = manager.call(command_name, *args, **options)
        future = Future()
        ref = Ref() if reply_to is not None else None
        sink = Sink(reply_to) if reply_to is not None else None

        def run() -> None:
            try:
                result = self._follow(command_name, args, options, method, manager, first)
            except BaseException as error:
                if sink is not None and ref is not None:
                    sink.send(Message(ref, Failed(error)))
                else:
                    future.set_exception((type(error), error, error.__traceback__))
            else:
                if sink is not None and ref is not None:
                    sink.send(Message(ref, Data(result)))
                else:
                    future.set(result)

        threading.Thread(target=run, name="nkdocker-swarm-call", daemon=True).start()
        if ref is not None:
            future.set(ref)
        return future

    def _follow(
        self,
        command_name: str,
        args: tuple[Any, ...],
        options: dict[str, Any],
        method: str,
        manager: SupervisedDocker,
        future: Future | None,
    ) -> Any:
        """The result of the call `future` made on `manager`, or of the retries the
        module's doc allows (a None future: the manager was down before sending)."""
        deadline = time.monotonic() + self.leader_wait
        tried: set[int] = set()
        failure: NkDockerError = ConnectionFailed(f"no manager of {self.name!r} is up")
        while True:
            try:
                if future is not None:
                    result = future.get()
                    self._chose(manager)
                    return result
                tried.add(id(manager))
            except ConnectionFailed as error:
                sent = not str(error).startswith("cannot connect to")
                if sent and method not in ("GET", "HEAD"):
                    raise ConnectionFailed(
                        f"{command_name}: the connection to manager {manager.config.address} "
                        "was lost with the call in flight; it may or may not have been applied"
                    ) from error
                tried.add(id(manager))
                failure = error
            except DockerError as error:
                if _NO_LEADER not in error.message or time.monotonic() > deadline:
                    raise
                failure = error  # an election is under way: ask again shortly
                threading.Event().wait(0.25)
            manager = self._next(tried, deadline, failure)
            try:
                future = manager.call(command_name, *args, **options)
            except ConnectionFailed:
                future = None  # went down meanwhile: nothing was sent

    def _next(self, tried: set[int], deadline: float, failure: NkDockerError) -> SupervisedDocker:
        """A manager not tried yet; once all were, any that is up again (until deadline)."""
        while True:
            others = [m for m in self._candidates() if id(m) not in tried]
            if others:
                return others[0]
            if time.monotonic() > deadline:
                raise failure
            threading.Event().wait(0.25)  # the supervisor is reconnecting them
            tried.clear()

    def events(self, **options: Any) -> Future:
        """Events; with a subscriber, a durable subscription across managers."""
        subscriber = options.pop("subscriber", None)
        if subscriber is None:
            return self.call("events", **options)
        if options.pop("reply_to", None) is not None:
            raise InvalidOption("reply_to goes with commands that have one result, not streams")
        max_pending = options.pop("max_pending", DEFAULT_MAX_PENDING)
        manager = self.manager()
        api = manager.api_version
        build(lookup("events", api), (), options, api, streaming=True)
        since = options.pop("since", None)
        if since is None:
            since = _daemon_now(manager)
        ref = Ref()
        relay = SwarmEventRelay.start(self, Sink(subscriber, max_pending), ref, options, since)
        self._streams[ref] = relay
        future = Future()
        future.set(ref)
        return future

    def watch_service(self, service: str, subscriber: Any, **options: Any) -> Future:
        """A ServiceWatch on this swarm (it follows the managers); a Future of its Ref."""
        watch = ServiceWatch(self, service, subscriber, **options)
        self._streams[watch.ref] = watch
        future = Future()
        future.set(watch.ref)
        return future

    def finish_async(self, ref: Ref) -> Future:
        """End a stream, a durable subscription or a watch (Done("finished"))."""
        stream = self._streams.pop(ref, None)
        if stream is None:
            return self.manager().finish_async(ref)
        if isinstance(stream, ServiceWatch):
            stream.finish()
        else:
            with contextlib.suppress(pykka.ActorDeadError):
                stream.tell("finish")
        future = Future()
        future.set(None)
        return future

    def close(self) -> None:
        """End the handle's subscriptions and watches; the supervisor owns the connections."""
        for ref in list(self._streams):
            self.finish_async(ref)
