"""The Docker monitor (NkDOCKER's nkdocker_monitor): watch one daemon's containers.

    mon = nk.monitor.register(callback, "unix:///run/a.sock")   # connect()'s arguments
    nk.monitor.get_running(mon)      # {name: {"name", "id", "labels", "env", "image"}}
    nk.monitor.unregister(callback, "unix:///run/a.sock")

One monitor per daemon (its id is the daemon's address, so registering twice
for one daemon gives the same id), started by the first registration and
stopped after the last. It subscribes to container events through a
process-wide supervisor, so a daemon restart loses no event and keeps the
callbacks, and re-lists containers every `refresh` seconds (30 by default) to
repair starts and stops it missed. A callback is a callable
`callback(mon, notification)` or an ActorRef told `(mon, notification)`:

    ("docker", {"id", "status", "from", "time"})   every container event
    ("start", (name, data)) / ("stop", (name, data)) as containers start and die
    ("ping", (name, data))                          per running container, each refresh
    ("stats", (name, sample))                       after start_stats(mon, name)

A callback that raises is logged and the others still run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any, cast

import pykka

from . import config as config_module
from .errors import ConnectionFailed, InvalidOption, NkDockerError, NotFound
from .messages import Data, Done, Failed, Message, Ref
from .supervisor import SupervisedDocker, SupervisorHandle, supervisor

__all__ = [
    "Monitor",
    "get_all",
    "get_data",
    "get_running",
    "register",
    "start_stats",
    "unregister",
]

log = logging.getLogger(__name__)

Callback = Callable[[str, tuple[str, Any]], Any] | pykka.ActorRef[Any]
DEFAULT_REFRESH = 30.0

_lock = threading.Lock()
_monitors: dict[str, pykka.ActorRef[Any]] = {}
_supervisor: SupervisorHandle | None = None


def _container_data(inspected: dict[str, Any]) -> dict[str, Any]:
    config = inspected.get("Config") or {}
    env = {}
    for item in config.get("Env") or []:
        key, _, value = item.partition("=")
        env[key] = value
    return {
        "name": str(inspected.get("Name", "")).lstrip("/"),
        "id": inspected["Id"],
        "labels": dict(config.get("Labels") or {}),
        "env": env,
        "image": config.get("Image", ""),
    }


class Monitor(pykka.ThreadingActor):
    """Keeps one daemon's table of running containers and tells the callbacks."""

    use_daemon_thread = True

    def __init__(self, mon: str, docker: SupervisedDocker, refresh: float) -> None:
        super().__init__()
        self.mon = mon
        self.docker = docker
        self.refresh_seconds = refresh
        self.callbacks: list[Callback] = []
        self.running: dict[str, dict[str, Any]] = {}
        self.events: Ref | None = None
        self.stats: dict[Ref, str] = {}
        self._stop_timer = threading.Event()

    def on_start(self) -> None:
        """Subscribe to container events, load the table, start the refresh clock."""
        self._subscribe()
        self._refresh(notify=False)
        threading.Thread(target=self._timer, name="nkdocker-monitor", daemon=True).start()

    def _timer(self) -> None:
        while not self._stop_timer.wait(self.refresh_seconds):
            try:
                self.actor_ref.tell("refresh")
            except pykka.ActorDeadError:
                return

    def _subscribe(self) -> None:
        try:
            self.events = self.docker.events(
                subscriber=self.actor_ref, filters={"type": ["container"]}
            ).get(30)
        except NkDockerError as error:
            log.warning("monitor %s: cannot subscribe to events (%s); retrying at refresh",
                        self.mon, error)  # fmt: skip
            self.events = None

    # -- messages ---------------------------------------------------------------------

    def on_receive(self, message: Any) -> Any:
        """Events and stats arrive as Messages; requests as tuples."""
        if isinstance(message, Message):
            self._stream_message(message)
            return None
        if message == "refresh":
            if self.events is None:
                self._subscribe()
            self._refresh(notify=True)
            return None
        op, argument = message
        if op == "add":
            self.callbacks.append(argument)
        elif op == "remove":
            self.callbacks = [c for c in self.callbacks if c != argument]
            return len(self.callbacks)
        elif op == "running":
            return {name: dict(data) for name, data in self.running.items()}
        elif op == "data":
            return self._find(argument)
        elif op == "stats":
            return self._start_stats(argument)
        return None

    def _stream_message(self, message: Message) -> None:
        payload = message.payload
        if message.ref is self.events:
            if isinstance(payload, Data):
                self._event(payload.value)
            elif isinstance(payload, Done | Failed):
                self.events = None  # resubscribed at the next refresh
            return
        name = self.stats.get(message.ref)
        if name is None:
            return
        if isinstance(payload, Data):
            self._notify(("stats", (name, payload.value)))
        else:
            del self.stats[message.ref]

    def _event(self, event: dict[str, Any]) -> None:
        status = event.get("status") or event.get("Action") or ""
        container = event.get("id") or ""
        self._notify(
            ("docker", {"id": container, "status": status, "from": event.get("from", ""),
                        "time": event.get("time")})
        )  # fmt: skip
        if status == "start":
            self._started(container)
        elif status == "die":
            name = next((n for n, d in self.running.items() if d["id"] == container), None)
            if name is not None:
                self._notify(("stop", (name, self.running.pop(name))))

    def _started(self, container: str) -> None:
        try:
            data = _container_data(self.docker.inspect(container).get(30))
        except (NkDockerError, pykka.Timeout):
            return  # already gone: its die event follows
        if data["name"] not in self.running:
            self.running[data["name"]] = data
            self._notify(("start", (data["name"], data)))

    def _refresh(self, notify: bool) -> None:
        try:
            listed = self.docker.ps().get(60)
        except (NkDockerError, pykka.Timeout) as error:
            log.info("monitor %s: refresh skipped (%s)", self.mon, error)
            return
        current = {c["Id"]: c for c in listed}
        for name, data in list(self.running.items()):
            if data["id"] not in current:
                del self.running[name]
                if notify:
                    self._notify(("stop", (name, data)))
        known = {data["id"] for data in self.running.values()}
        for container in current:
            if container in known:
                continue
            try:
                data = _container_data(self.docker.inspect(container).get(30))
            except (NkDockerError, pykka.Timeout):
                continue
            self.running[data["name"]] = data
            if notify:
                self._notify(("start", (data["name"], data)))
        if notify:
            for name, data in list(self.running.items()):
                self._notify(("ping", (name, data)))

    def _find(self, name_or_id: str) -> dict[str, Any]:
        if name_or_id in self.running:
            return dict(self.running[name_or_id])
        for data in self.running.values():
            if data["id"].startswith(name_or_id):
                return dict(data)
        raise NotFound(404, f"no running container {name_or_id!r} in monitor {self.mon}")

    def _start_stats(self, name_or_id: str) -> Ref:
        data = self._find(name_or_id)
        ref: Ref = self.docker.stats(data["id"], subscriber=self.actor_ref).get(30)
        self.stats[ref] = data["name"]
        return ref

    def _notify(self, notification: tuple[str, Any]) -> None:
        for callback in list(self.callbacks):
            try:
                if isinstance(callback, pykka.ActorRef):
                    callback.tell((self.mon, notification))
                else:
                    callback(self.mon, notification)
            except Exception:
                log.exception("monitor %s: callback %r failed", self.mon, callback)

    def on_failure(self, *exc_info: Any) -> None:
        """A crash: release what a stop releases (register() starts a new monitor)."""
        self.on_stop()

    def on_stop(self) -> None:
        """Stop the clock and the streams."""
        self._stop_timer.set()
        for ref in [self.events, *self.stats]:
            if ref is not None:
                with contextlib.suppress(NkDockerError):
                    self.docker.finish_async(ref)


def _key(url: str | None, settings: dict[str, Any]) -> str:
    return config_module.resolve({"url": url, **settings}).daemon_key


def register(callback: Callback, url: str | None = None, *, refresh: float = DEFAULT_REFRESH,
             **settings: Any) -> str:  # fmt: skip
    """Add a callback to the daemon's monitor (started if needed); returns the monitor id.

    `url` and `settings` are connect()'s; `refresh` (seconds) applies when this call
    starts the monitor.
    """
    global _supervisor
    if not (callable(callback) or isinstance(callback, pykka.ActorRef)):
        raise InvalidOption(f"a monitor callback must be callable or an ActorRef: {callback!r}")
    mon = _key(url, settings)
    with _lock:
        monitor = _monitors.get(mon)
        if monitor is None or not monitor.is_alive():
            if _supervisor is None:
                _supervisor = supervisor()
            if monitor is not None:  # it died: its connection goes with it
                _supervisor.disconnect(mon)
            docker = _supervisor.connect(mon, url, **settings)
            monitor = Monitor.start(mon, docker, refresh)
            _monitors[mon] = monitor
        monitor.ask(("add", callback), timeout=60)
    return mon


def unregister(callback: Callback, url: str | None = None, **settings: Any) -> None:
    """Remove a callback; the monitor stops after its last callback goes."""
    global _supervisor
    mon = _key(url, settings)
    with _lock:
        monitor = _monitors.get(mon)
        if monitor is None:
            return
        if monitor.ask(("remove", callback), timeout=60) == 0:
            monitor.stop(block=True, timeout=60)
            del _monitors[mon]
            if _supervisor is not None:
                _supervisor.disconnect(mon)
                if not _monitors:
                    _supervisor.close()
                    _supervisor = None


def _monitor(mon: str) -> pykka.ActorRef[Any]:
    monitor = _monitors.get(mon)
    if monitor is None or not monitor.is_alive():
        raise ConnectionFailed(f"no monitor {mon!r}")
    return monitor


def get_running(mon: str) -> dict[str, dict[str, Any]]:
    """The running containers: {name: {"name", "id", "labels", "env", "image"}}."""
    return cast(dict[str, dict[str, Any]], _monitor(mon).ask(("running", None), timeout=60))


def get_data(mon: str, name_or_id: str) -> dict[str, Any]:
    """One running container's data, by name or (prefix of) id; NotFound if not running."""
    return cast(dict[str, Any], _monitor(mon).ask(("data", name_or_id), timeout=60))


def start_stats(mon: str, name_or_id: str) -> Ref:
    """Send ("stats", (name, sample)) notifications for a running container."""
    return cast(Ref, _monitor(mon).ask(("stats", name_or_id), timeout=60))


def get_all() -> list[str]:
    """The ids of the monitors running."""
    with _lock:
        return [mon for mon, monitor in _monitors.items() if monitor.is_alive()]
