"""Soak: many commands and many streams against the real sandbox daemon.

CI runs 2,000 commands and 200 streams; NK_LONG=1 runs 10,000 and 1,000. Socket
and thread counts must come back to their baseline, every stream ref must end
with exactly one terminal message, and no container may be left behind.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from conftest import socket_fds, wait_until

import nkdocker_actors as nk
from nkdocker_actors import sandbox

LONG = os.environ.get("NK_LONG") == "1"
COMMANDS = 10_000 if LONG else 2_000
STREAMS = 1_000 if LONG else 200
CALLERS = 4  # threads issuing commands at once
BATCH = 25  # streams open at once
TICKER = ["sh", "-c", "trap 'exit 0' TERM; while :; do echo tick; sleep 0.1; done"]


def _left_behind(docker: nk.Docker, label: str) -> list[str]:
    found = docker.ps(all=True, filters={"label": [label]}).get(30)
    return [c["Names"][0] for c in found]


def test_soak_commands(daemon: sandbox.SandboxInfo, name: Callable[[str], str]) -> None:
    threads, sockets = threading.active_count(), socket_fds()
    label = name("soak")
    errors: list[BaseException] = []
    done = itertools.count()
    with nk.connect(daemon.unix_url) as docker:
        keeper = name("soak-keeper")
        docker.create("busybox:latest", name=keeper, cmds=TICKER, labels={label: "1"}).get(30)
        docker.start(keeper).get(30)
        peak_sockets = [socket_fds()]

        def check_ps(result: Any) -> None:
            assert [c["Names"][0] for c in result] == [f"/{keeper}"]

        quick: list[tuple[Callable[[], Any], Callable[[Any], None]]] = [
            (lambda: docker.ps(filters={"label": [label]}), check_ps),
            (lambda: docker.inspect(keeper), lambda r: r["State"]["Running"] or None),
            (lambda: docker.inspect_image("busybox:latest"), lambda r: r["Id"] or None),
            (lambda: docker.version(), lambda r: r["ApiVersion"] or None),
            (lambda: docker.ping(), lambda r: r == "OK" or None),
            (lambda: docker.images(), lambda r: r or None),
        ]

        def worker(index: int, count: int) -> None:
            try:
                for i in range(count):
                    if i % 50 == 25:  # a slow command on a socket of its own, and a container
                        container = f"{label}-{index}-{i}"
                        docker.create(
                            "busybox:latest", name=container, cmds=["true"], labels={label: "2"}
                        ).get(60)
                        docker.rm(container).get(60)
                        next(done)
                    elif i % 50 == 40:  # an error is an answer too
                        try:
                            docker.inspect(f"{label}-missing").get(30)
                        except nk.NotFound:
                            pass
                        else:
                            raise AssertionError("inspect of a missing container succeeded")
                    elif i % 50 == 45:
                        logs = docker.logs(keeper, tail=3).get(60)
                        assert logs and all(o.data.startswith(b"tick") for o in logs)
                    else:
                        call, check = quick[i % len(quick)]
                        check(call().get(30))
                    next(done)
                    if i % 100 == 0:
                        peak_sockets.append(socket_fds())
            except BaseException as error:
                errors.append(error)

        per_caller = COMMANDS // CALLERS
        workers = [
            threading.Thread(target=worker, args=(n, per_caller), daemon=True)
            for n in range(CALLERS)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(600)
        assert not errors, errors[:3]
        assert next(done) >= COMMANDS
        # Quick commands needed at most a keep-alive socket per caller (the pool grows only
        # while calls overlap); slow ones closed theirs: at most one more per caller.
        assert max(peak_sockets) - sockets <= 2 * CALLERS
        stats = docker.connection_stats()
        assert stats["shared_sockets_opened"] <= CALLERS
        assert stats["calls"] == 0 and stats["streams"] == 0
        docker.rm(keeper, force=True).get(60)
        assert _left_behind(docker, label) == []
    wait_until(lambda: threading.active_count() <= threads and socket_fds() <= sockets, 10)


def test_soak_streams(daemon: sandbox.SandboxInfo, name: Callable[[str], str]) -> None:
    threads, sockets = threading.active_count(), socket_fds()
    label = name("soaks")
    with nk.connect(daemon.unix_url) as docker:
        keeper, finished = name("soaks-keeper"), name("soaks-done")
        docker.create("busybox:latest", name=keeper, cmds=TICKER, labels={label: "1"}).get(30)
        docker.start(keeper).get(30)
        script = "echo one; echo two >&2"
        docker.create(
            "busybox:latest", name=finished, cmds=["sh", "-c", script], labels={label: "1"}
        ).get(30)
        docker.start(finished).get(30)
        assert docker.wait(finished).get(30)["StatusCode"] == 0
        inbox = nk.Inbox()

        def open_stream(kind: str) -> nk.Ref:
            """Open one stream; the kinds that never end by themselves wait for a first item."""
            if kind == "events":
                return docker.events(subscriber=inbox, filters={"label": [label]}).get(30)
            if kind == "logs_done":
                return docker.logs(finished, follow=True, subscriber=inbox).get(30)
            if kind == "logs_follow":
                return docker.logs(keeper, follow=True, tail=1, subscriber=inbox).get(30)
            if kind == "stats":
                return docker.stats(keeper, subscriber=inbox).get(30)
            if kind == "exec":
                exec_id = docker.exec_create(keeper, ["echo", "exec"]).get(30)
                return docker.exec_start(exec_id, subscriber=inbox).get(30)
            assert kind == "attach"
            return docker.attach(keeper, stream=True, stdout=True, subscriber=inbox).get(30)

        kinds = ["events", "logs_done", "logs_follow", "stats", "exec", "attach"]
        ends_by_itself = {"logs_done", "exec"}
        opened = 0
        ends: dict[str, int] = {}
        while opened < STREAMS:
            batch = {open_stream(kinds[(opened + i) % len(kinds)]): kinds[(opened + i) % len(kinds)]
                     for i in range(min(BATCH, STREAMS - opened))}  # fmt: skip
            opened += len(batch)
            items: dict[nk.Ref, list[Any]] = {ref: [] for ref in batch}
            terminal: dict[nk.Ref, Any] = {}
            # Events flow only when something happens: these are opened and closed at once.
            finishing = {ref for ref, kind in batch.items() if kind == "events"}
            for ref in finishing:
                docker.finish_async(ref).get(30)
            deadline = time.monotonic() + 60
            while len(terminal) < len(batch):
                message = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
                ref, payload = message
                assert ref in batch and ref not in terminal, (batch.get(ref), payload)
                if isinstance(payload, nk.Done | nk.Failed):
                    terminal[ref] = payload
                    continue
                items[ref].append(payload)
                if batch[ref] not in ends_by_itself and ref not in finishing:
                    finishing.add(ref)  # it flows: end it ourselves
                    docker.finish_async(ref).get(30)
            for ref, kind in batch.items():
                end = terminal[ref]
                expected = nk.Done("eof") if kind in ends_by_itself else nk.Done("finished")
                assert end == expected, (kind, end)
                ends[kind] = ends.get(kind, 0) + 1
            wait_until(lambda: docker.connection_stats()["streams"] == 0, 30)
        assert sum(ends.values()) == STREAMS
        assert len(inbox) == 0  # nothing after any terminal message
        docker.rm(keeper, force=True).get(60)
        docker.rm(finished, force=True).get(60)
        assert _left_behind(docker, label) == []
    wait_until(lambda: threading.active_count() <= threads and socket_fds() <= sockets, 10)
