"""A supervisor over two daemons: fan-out, and surviving a daemon restart.

    python examples/multi_daemon.py

Daemon "a" is the one DOCKER_HOST names (or a sandbox called "examples"); daemon
"b" is always a sandbox of this example's own, "examples-b", because the example
kills its dockerd (a crash) and starts it again. Through it all the supervised
handle of "b" stays valid, the supervisor reconnects with backoff, and an event
subscription made through the handle resumes from the last event seen: nothing
lost, nothing twice. Needs root (sandbox daemons).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import nkdocker_actors as nk
from nkdocker_actors import sandbox


def daemon_url() -> str | None:
    """None when DOCKER_HOST is set (connect() reads it), else a sandbox daemon's URL."""
    if os.environ.get("DOCKER_HOST"):
        return None
    return sandbox.up("examples").unix_url


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = 60) -> Any:
    """Poll `predicate` until it is truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def run_on(docker: nk.Docker, name: str) -> int:
    docker.create("busybox:latest", name=name, cmds=["true"]).get(30)
    docker.start(name).get(30)
    code: int = docker.wait(name).get(60)["StatusCode"]
    docker.rm(name).get(30)
    return code


def main() -> int:
    run = uuid.uuid4().hex[:6]
    b_info = sandbox.up("examples-b")
    # check_interval: how often the supervisor pings each connection
    with nk.supervisor(max_restarts=10, within=60, check_interval=0.5) as sup:
        a = sup.connect("a", daemon_url())
        b = sup.connect("b", b_info.unix_url)

        # Fan-out: one command on every daemon; a daemon that is down gives its error.
        for name, version in sup.each("version").items():
            print(f"{name}: Docker {version['Version']}")
        print(f"containers: { {n: len(c) for n, c in sup.each('ps', all=True).items()} }")

        # A durable event subscription through the supervised handle of b.
        inbox = nk.Inbox()
        events = b.events(subscriber=inbox, filters={"type": ["container"], "event": ["start"]})
        events = events.get(10)
        run_on(b, f"nk-multi-{run}-before")

        print("killing b's dockerd (a crash) ...")
        sandbox.kill("examples-b")
        wait_for("b to be seen down", lambda: sup.status()["b"] != "up", 30)
        print(f"status: {sup.status()}")
        try:
            b.ps().get(10)
        except nk.ConnectionFailed as error:
            print(f"b while down: ConnectionFailed ({error})")
        print(f"a still answers: {a.ping().get(10)}")

        sandbox.restart("examples-b")
        wait_for("b to come back", lambda: sup.status()["b"] == "up", 60)
        print(f"restarted: {sup.status()}")
        run_on(b, f"nk-multi-{run}-after")  # the same handle works again

        # Both starts arrive, once each, although the daemon died in between.
        seen: list[str] = []
        deadline = time.monotonic() + 30
        while len(seen) < 2:
            message = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            if message.ref is events and isinstance(message.payload, nk.Data):
                name = message.payload.value["Actor"]["Attributes"]["name"]
                if name.startswith(f"nk-multi-{run}"):
                    seen.append(name)
        print(f"events through the restart: {seen}")
        b.finish_async(events).get(10)
        pings = sup.each("ping")
        print(f"ping everywhere: {pings}")
        ok = seen == [f"nk-multi-{run}-before", f"nk-multi-{run}-after"]
        ok = ok and all(p == "OK" for p in pings.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
