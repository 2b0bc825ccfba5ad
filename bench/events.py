"""Event delivery latency, from the API call that causes an event to its arrival.

The cause is a tag of busybox (a call of about 2 ms that emits one "tag" event), sent
on a raw connection no contender uses; latency runs from just before that call to the
event reaching: ours, a pykka actor's `on_receive` (`events(subscriber=actor_ref)`);
docker-py, its `events(decode=True)` generator iterated in a thread; raw, a thread
reading the events socket by hand. One event at a time: the next tag is sent once every
subscriber has the previous one. Fan-out: many subscribers, each with a subscription of
its own, for ours and docker-py; latency of every delivery and until the last one. Ours
share one stream there, as identical subscriptions do by default (`share_events`); the
figure with a socket each (`share_events=False`) is beside it, as docker-py has.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pykka

import nkdocker_actors as nk

from .common import (
    PREFIX,
    Arrivals,
    Bench,
    cpu_seconds,
    latency_figures,
    median,
    raw_socket,
    read_head,
    round_order,
)

REPO = f"{PREFIX}-ev"
FILTERS = {"type": ["image"], "event": ["tag"]}
GAP = 0.005  # quiet time before each event, so none queues behind another
RAW_TAG = re.compile(REPO.encode() + rb":t([0-9]+)")

Subscribe = Callable[[Arrivals], Callable[[], None]]


def _index(event: Any) -> int | None:
    """Which of our tags an event reports, if it is one of ours."""
    name = str(((event.get("Actor") or {}).get("Attributes") or {}).get("name", ""))
    repo, _, tag = name.partition(":")
    return int(tag[1:]) if repo == REPO and tag[:1] == "t" and tag[1:].isdigit() else None


class _Recorder(pykka.ThreadingActor):
    """An actor noting when each of our events reaches it."""

    def __init__(self, arrivals: Arrivals, subscriber: int) -> None:
        super().__init__()
        self.arrivals = arrivals
        self.subscriber = subscriber

    def on_receive(self, message: Any) -> None:
        payload = message.payload
        if isinstance(payload, nk.Data):
            index = _index(payload.value)
            if index is not None:
                self.arrivals.record(self.subscriber, index)


def _ours(bench: Bench, share: bool = True) -> Subscribe:
    """Ours: a subscription per actor, sharing one stream (the default) or not."""

    def subscribe(arrivals: Arrivals) -> Callable[[], None]:
        docker = bench.ours if share else nk.connect(bench.info.unix_url, share_events=False)
        actors = [_Recorder.start(arrivals, i) for i in range(arrivals.subscribers)]
        futures = [docker.events(subscriber=actor, filters=FILTERS) for actor in actors]
        refs = [future.get(60) for future in futures]

        def close() -> None:
            for ref in refs:
                docker.finish_async(ref).get(30)
            for actor in actors:
                actor.stop()
            if docker is not bench.ours:
                docker.close()

        return close

    return subscribe


def _docker_py(bench: Bench) -> Subscribe:
    def subscribe(arrivals: Arrivals) -> Callable[[], None]:
        client = bench.docker_py_client(pool=arrivals.subscribers + 2)
        streams = [client.events(decode=True, filters=FILTERS) for _ in range(arrivals.subscribers)]

        def follow(subscriber: int, stream: Any) -> None:
            with contextlib.suppress(Exception):  # the stream is closed under it at the end
                for event in stream:
                    index = _index(event)
                    if index is not None:
                        arrivals.record(subscriber, index)

        threads = [
            threading.Thread(target=follow, args=(i, stream), daemon=True)
            for i, stream in enumerate(streams)
        ]
        for thread in threads:
            thread.start()

        def close() -> None:
            for stream in streams:
                stream.close()
            for thread in threads:
                thread.join(10)
            client.close()

        return close

    return subscribe


def _raw(bench: Bench) -> Subscribe:
    def subscribe(arrivals: Arrivals) -> Callable[[], None]:
        target = bench.path("/events?filters=" + quote(json.dumps(FILTERS)))
        sockets = []
        for _ in range(arrivals.subscribers):
            sock = raw_socket(bench.info, f"GET {target} HTTP/1.1\r\nHost: docker\r\n\r\n".encode())
            read_head(sock)
            sock.settimeout(None)
            sockets.append(sock)

        def follow(subscriber: int, sock: socket.socket) -> None:
            with contextlib.suppress(OSError):  # closed under it at the end
                while data := sock.recv(65536):
                    # One event per chunk, tag names never split in practice; a miss would
                    # show as a timeout, not as a wrong figure.
                    for match in RAW_TAG.finditer(data):
                        arrivals.record(subscriber, int(match.group(1)))

        threads = [
            threading.Thread(target=follow, args=(i, sock), daemon=True)
            for i, sock in enumerate(sockets)
        ]
        for thread in threads:
            thread.start()

        def close() -> None:
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            for thread in threads:
                thread.join(10)

        return close

    return subscribe


def _measure(
    bench: Bench, subscribe: Subscribe, subscribers: int, events: int
) -> tuple[list[float], list[float], list[float], float]:
    """(latency of every delivery, latency until the last subscriber, call time), in ms,
    and the process's CPU ms per event (every thread, user and system: the steadier
    figure on a shared machine; the trigger's own call is in it for every contender)."""
    arrivals = Arrivals(subscribers)
    close = subscribe(arrivals)
    trigger = bench.raw()
    sent: dict[int, float] = {}
    calls: list[float] = []
    cpu = cpu_seconds()
    try:
        for index in range(events):
            time.sleep(GAP)
            began = time.perf_counter()
            trigger.check(
                "POST", bench.path(f"/images/busybox:latest/tag?repo={REPO}&tag=t{index}")
            )
            calls.append((time.perf_counter() - began) * 1000)
            sent[index] = began
            if not arrivals.wait(index, 30):
                raise RuntimeError(f"event {index} did not reach all {subscribers} subscribers")
        cpu = (cpu_seconds() - cpu) * 1000 / max(1, events)
    finally:
        close()
        trigger.close()
    every = [(at - sent[index]) * 1000 for (_, index), at in arrivals.times.items()]
    last: dict[int, float] = {}
    for (_, index), at in arrivals.times.items():
        last[index] = max(last.get(index, 0.0), (at - sent[index]) * 1000)
    return every, list(last.values()), calls, cpu


class _Slot(Arrivals):
    """One subscriber's arrivals noted as one slot of shared Arrivals."""

    def __init__(self, shared: Arrivals, slot: int) -> None:
        super().__init__(1)
        self.shared = shared
        self.slot = slot

    def record(self, subscriber: int, item: int) -> None:
        self.shared.record(self.slot, item)


def _side_by_side(bench: Bench, events: int) -> dict[str, Any]:
    """Ours and the raw reader subscribed at once, so both get the same events under the
    same conditions: per event, how much later ours has it than the raw reader (the hops
    ours adds, without the spread between rounds run apart)."""
    arrivals = Arrivals(2)
    closes = [_ours(bench)(_Slot(arrivals, 0)), _raw(bench)(_Slot(arrivals, 1))]
    trigger = bench.raw()
    sent: dict[int, float] = {}
    try:
        for index in range(events):
            time.sleep(GAP)
            sent[index] = time.perf_counter()
            trigger.check(
                "POST", bench.path(f"/images/busybox:latest/tag?repo={REPO}&tag=t{index}")
            )
            if not arrivals.wait(index, 30):
                raise RuntimeError(f"event {index} did not reach both subscribers")
    finally:
        for close in closes:
            close()
        trigger.close()
    ours, raw = ([(arrivals.times[slot, i] - sent[i]) * 1000 for i in sent] for slot in (0, 1))
    later = [mine - theirs for mine, theirs in zip(ours, raw, strict=True)]
    return {
        "events": events,
        "ours": latency_figures(ours),
        "raw": latency_figures(raw),
        "ours_later_than_raw": latency_figures(later),
    }


def run(bench: Bench) -> dict[str, Any]:
    """Latency with one subscriber each (alternating), then fan-out."""
    # (3 contenders each: 6 rounds take their balanced orders once each)
    rounds, events = (1, 20) if bench.quick else (6, 200)
    fan_rounds, fan_events, fan_out = (1, 5, 10) if bench.quick else (6, 50, 100)
    contenders = {"ours": _ours(bench), "docker_py": _docker_py(bench), "raw": _raw(bench)}
    latency: dict[str, list[float]] = {name: [] for name in contenders}
    calls: list[float] = []
    fan_contenders = {**contenders, "ours_unshared": _ours(bench, share=False)}
    fan: dict[str, tuple[list[float], list[float], list[float]]] = {
        name: ([], [], []) for name in ("ours", "docker_py", "ours_unshared")
    }
    try:
        # Every tag exists before the first round: setting a tag anew costs dockerd more
        # (and spreads wider) than setting it again, so whoever went first paid more.
        warm = bench.raw()
        for index in range(max(events, fan_events)):
            warm.check("POST", bench.path(f"/images/busybox:latest/tag?repo={REPO}&tag=t{index}"))
        warm.close()
        for round_index in range(rounds):
            for name in round_order(list(contenders), round_index):
                bench.log(f"events: latency, {name}, round {round_index + 1}")
                every, _, round_calls, _ = _measure(bench, contenders[name], 1, events)
                latency[name] += every
                calls += round_calls
        bench.log("events: ours and raw side by side")
        side_by_side = _side_by_side(bench, events)
        for round_index in range(fan_rounds):
            for name in round_order(list(fan), round_index):
                bench.log(f"events: fan-out to {fan_out}, {name}, round {round_index + 1}")
                every, last, round_calls, cpu = _measure(
                    bench, fan_contenders[name], fan_out, fan_events
                )
                fan[name][0].extend(every)
                fan[name][1].extend(last)
                fan[name][2].append(cpu)
                calls += round_calls
    finally:
        cleanup = bench.raw()
        for index in range(max(events, fan_events)):
            cleanup.call("DELETE", bench.path(f"/images/{REPO}:t{index}?noprune=1"))
        cleanup.close()
    figures = {name: latency_figures(values) for name, values in latency.items()}
    return {
        "unit": "ms",
        "events_per_round": events,
        "rounds": rounds,
        "trigger_call_p50_ms": round(median(calls), 3),
        "latency": {
            **figures,
            "ours_p50_vs_docker_py": round(
                figures["ours"]["p50_ms"] / max(figures["docker_py"]["p50_ms"], 1e-9), 3
            ),
        },
        "side_by_side": side_by_side,
        "fan_out": {
            "subscribers": fan_out,
            "events_per_round": fan_events,
            "rounds": fan_rounds,
            **{
                name: {
                    "every_delivery": latency_figures(every),
                    "last_subscriber": latency_figures(last),
                    "cpu_ms_per_event": round(median(cpu), 2),
                }
                for name, (every, last, cpu) in fan.items()
            },
        },
    }
