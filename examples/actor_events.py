"""An actor that subscribes to daemon events by ref and reacts to them.

    python examples/actor_events.py

`Janitor` is a Pykka actor. It subscribes to container events with itself as the
subscriber, so each event arrives in its mailbox as `Message(ref, Data(event))`.
When a container labelled `janitor=collect` dies, it asks for the container's logs
with `reply_to=` (the answer comes back as another message: the actor never blocks
on a Future) and then removes the container. The main thread just asks it for its
report. Without DOCKER_HOST this starts a sandbox daemon called "examples".
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from typing import Any

import pykka

import nkdocker_actors as nk


def daemon_url() -> str | None:
    """None when DOCKER_HOST is set (connect() reads it), else a sandbox daemon's URL."""
    if os.environ.get("DOCKER_HOST"):
        return None
    from nkdocker_actors import sandbox

    return sandbox.up("examples").unix_url


class Janitor(pykka.ThreadingActor):
    """Collects the logs and exit code of labelled containers as they die, then removes them."""

    def __init__(self, docker: nk.Docker) -> None:
        super().__init__()
        self.docker = docker
        self.events: nk.Ref | None = None
        self.pending: dict[nk.Ref, tuple[str, str, int]] = {}  # logs ref -> (id, name, exit)
        self.report: dict[str, dict[str, Any]] = {}

    def on_start(self) -> None:
        # The Future resolves once the daemon has answered: a Ref naming this stream.
        self.events = self.docker.events(
            subscriber=self.actor_ref,
            filters={"type": ["container"], "event": ["die"], "label": ["janitor=collect"]},
        ).get(10)

    def on_receive(self, message: Any) -> Any:
        if message == "report":
            return dict(self.report)
        if message == "finish":
            if self.events is not None:
                self.docker.finish_async(self.events)  # we then get (ref, Done("finished"))
            return None
        if not isinstance(message, nk.Message):
            return None
        ref, payload = message  # a Message is the tuple (ref, payload)
        if ref is self.events:
            if isinstance(payload, nk.Data):
                self.on_die(payload.value)
            else:  # Done or Failed: the subscription is over
                print(f"janitor: event stream ended with {payload}")
                self.actor_ref.stop(block=False)
        elif ref in self.pending:
            container, name, code = self.pending.pop(ref)
            if isinstance(payload, nk.Data):  # the reply_to result: a list of Output
                text = b"".join(o.data for o in payload.value).decode()
                self.report[name] = {"exit": code, "logs": text}
                print(f"janitor: {name} exited {code}, said {text.strip()!r}")
            self.docker.rm(container)  # fire and forget
        return None

    def on_die(self, event: dict[str, Any]) -> None:
        attributes = event["Actor"]["Attributes"]
        container, name = event["Actor"]["ID"], attributes["name"]
        code = int(attributes.get("exitCode", -1))
        # reply_to: the Future holds a fresh Ref at once; the logs come as a message.
        logs_ref = self.docker.logs(container, reply_to=self.actor_ref).get(1)
        self.pending[logs_ref] = (container, name, code)


def main() -> int:
    run = uuid.uuid4().hex[:6]
    with nk.connect(daemon_url()) as docker:
        janitor = Janitor.start(docker)
        names = [f"nk-janitor-{run}-{i}" for i in range(3)]
        for i, name in enumerate(names):
            docker.create(
                "busybox:latest",
                name=name,
                labels={"janitor": "collect"},
                cmds=["sh", "-c", f"echo job {i} done; exit {i}"],
            ).get(30)
            docker.start(name).get(30)

        deadline = time.monotonic() + 30
        while len(report := janitor.ask("report", block=True, timeout=10)) < len(names):
            if time.monotonic() > deadline:
                print(f"timed out; report so far: {report}")
                return 1
            time.sleep(0.05)
        ok = all(report[n] == {"exit": i, "logs": f"job {i} done\n"} for i, n in enumerate(names))
        # the janitor removed them: wait for the last rm to land
        while docker.ps(all=True, filters={"label": ["janitor=collect"], "name": [run]}).get(10):
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.05)
        print("all containers collected and removed" if ok else f"unexpected report {report}")
        janitor.tell("finish")  # it stops itself when its event stream says Done
        while janitor.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        return 0 if ok and not janitor.is_alive() else 1


if __name__ == "__main__":
    sys.exit(main())
