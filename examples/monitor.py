"""The monitor: register a callback, watch a container start and stop.

    python examples/monitor.py

`monitor.register(callback, url)` starts the daemon's monitor (one per daemon;
the id it returns is the same for every registration on that daemon). The
callback gets `(mon, notification)`: ("docker", event) for every container event,
("start", (name, data)) and ("stop", (name, data)) as containers start and die,
("ping", ...) per running container on each refresh, and ("stats", (name, sample))
after `start_stats`. Without DOCKER_HOST this starts a sandbox daemon "examples".
"""

from __future__ import annotations

import os
import queue
import sys
import uuid
from typing import Any

import nkdocker_actors as nk
from nkdocker_actors import monitor


def daemon_url() -> str | None:
    """None when DOCKER_HOST is set (connect() reads it), else a sandbox daemon's URL."""
    if os.environ.get("DOCKER_HOST"):
        return None
    from nkdocker_actors import sandbox

    return sandbox.up("examples").unix_url


def main() -> int:
    url = daemon_url()
    name = f"nk-monitored-{uuid.uuid4().hex[:6]}"
    notes: queue.Queue[tuple[str, tuple[str, Any]]] = queue.Queue()

    def callback(mon: str, notification: tuple[str, Any]) -> None:
        notes.put((mon, notification))  # runs in the monitor actor: hand over, don't block

    def wait_for(kind: str) -> Any:
        """The next notification of `kind` about our container."""
        while True:
            _, (what, detail) = notes.get(timeout=30)
            if what == kind and kind in ("start", "stop", "stats") and detail[0] == name:
                return detail[1]

    mon = monitor.register(callback, url)
    print(f"monitor {mon} running; containers already up: {sorted(monitor.get_running(mon))}")
    with nk.connect(url) as docker:
        docker.create(
            "busybox:latest",
            name=name,
            cmds=["sleep", "300"],
            env={"ROLE": "demo"},
            labels={"app": "nk-example"},
        ).get(30)
        try:
            docker.start(name).get(30)
            data = wait_for("start")
            print(f"start: {name} image={data['image']} env={data['env']} labels={data['labels']}")
            assert name in monitor.get_running(mon)

            monitor.start_stats(mon, name)
            sample = wait_for("stats")
            print(f"stats: memory {sample['memory_stats'].get('usage', 0)} bytes")

            docker.stop(name, t=0).get(30)
            wait_for("stop")
            print(f"stop: {name}; still running: {name in monitor.get_running(mon)}")
            ok = name not in monitor.get_running(mon)
        finally:
            docker.rm(name, force=True).get(30)
            monitor.unregister(callback, url)  # the last callback: the monitor stops
    print(f"monitors left: {monitor.get_all()}")
    return 0 if ok and not monitor.get_all() else 1


if __name__ == "__main__":
    sys.exit(main())
