"""5,000 concurrent streams over 2 daemons: events, `logs -f` and `stats` together.

Each daemon runs containers that write `seq 1 N` on SIGUSR1 and go on running (not
exit: dockerd 20.10's `logs -f` may drop the last lines of a container that exits
just then, whatever the client). On one connection per daemon the process opens
`logs -f` streams (spread over the containers), `stats` streams and `events` streams
(each filtered on the run's label and `kill`), all feeding one Inbox. Once every
stream is open, each container gets a `kill` through its daemon (a signal it ignores)
and every `events` stream must see one per container of its daemon; then the writers
are signalled from the host: every `logs -f` must deliver its container's output
exactly (CRC), every `stats` stream at least one sample; then the connections close
and every stream must end with its one terminal message. A sampler records peak RSS and OS threads;
after both connections are closed, threads and open descriptors must be back to the
baseline. Goals: peak threads <= streams + 50, peak RSS <= 1 GiB.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal as signal_module
import threading
import time
import zlib
from functools import partial
from typing import Any

import docker as docker_client  # type: ignore[import-untyped]

import nkdocker_actors as nk
from nkdocker_actors import sandbox

from .common import PREFIX, Bench, alternate, cpu_seconds, os_threads, rss_mb
from .many_streams import _back_to, _Sampler, _settled_rss

SHARES = {"logs": 0.5, "stats": 0.3, "events": 0.2}
# Each stream's backpressure bound: the default (8 MiB per stream) bounds nothing at 5,000
# streams into one Inbox; an application with that many streams sets it. Past it a stream
# stops reading until the consumer catches up, and the daemon waits.
MAX_PENDING = 64 * 1024
# Lines each container writes (3,893 bytes). dockerd 20.10 decodes a container's json-file
# log once per follower: with 10,000 lines (as in many_streams) and 125 followers per
# container, the two daemons took over 5 minutes of CPU on 2 cores for their part alone.
LINES = 1000


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _second_daemon(bench: Bench) -> sandbox.SandboxInfo:
    """Started by the first measurement that needs it; run.main stops it at the end."""
    return sandbox.up(second_daemon_name(bench.info.name))


def second_daemon_name(first: str) -> str:
    """The second daemon's sandbox name, next to the run's own."""
    return f"{first}2"


def _open(docker: nk.Docker, kind: str, container: str, label: str, inbox: nk.Inbox) -> nk.Future:
    if kind == "logs":
        return docker.logs(
            container, follow=True, stdout=True, subscriber=inbox, max_pending=MAX_PENDING
        )
    if kind == "stats":
        return docker.stats(container, subscriber=inbox, max_pending=MAX_PENDING)
    return docker.events(
        filters={"event": ["kill"], "label": [label]}, subscriber=inbox, max_pending=MAX_PENDING
    )


def run(bench: Bench) -> dict[str, Any]:
    """Open every stream, signal the containers, check every delivery, close, settle."""
    streams, containers = (150, 2) if bench.quick else (5000, 10)
    # BENCH_MIXED_STREAMS=N: another count (to find the cost per stream at a middle size).
    streams = int(os.environ.get("BENCH_MIXED_STREAMS", streams))
    expected = "".join(f"{i}\n" for i in range(1, LINES + 1)).encode()
    label = f"{PREFIX}-mixed-{os.getpid()}"
    second = _second_daemon(bench)
    daemons = [bench.info, second]
    # Admin connections without liveness pings too: under 5,000 streams dockerd may take
    # longer than the check allows to answer one, which would fail the signalling calls.
    admin = [nk.connect(info.unix_url, liveness=0) for info in daemons]
    names = [[f"{PREFIX}-m{d}-{i}" for i in range(containers)] for d in range(2)]
    # USR1 writes; USR2 (sent through the daemons, for the `kill` events) does nothing.
    script = f'trap "seq 1 {LINES}" USR1; trap ":" USR2; while true; do sleep 0.1; done'
    pids: list[int] = []
    try:
        for docker, group in zip(admin, names, strict=True):
            for name in group:
                with contextlib.suppress(nk.NkDockerError):  # left by an interrupted run
                    docker.rm(name, force=True).get(60)
                docker.create(
                    "busybox:latest", name=name, cmds=["sh", "-c", script], labels={label: "1"}
                ).get(60)
                docker.start(name).get(60)
                pids.append(docker.inspect(name).get(60)["State"]["Pid"])
        sampler = _Sampler()
        sampler.start()
        base_rss, base_threads, base_fds = _settled_rss(), os_threads(), _fds()
        # No liveness pings: with 5,000 streams on 2 cores dockerd can take longer than the
        # default 10 s to answer one, and the check would (rightly) fail every stream. A
        # socket per stream: the identical `events` subscriptions would share one each.
        conns = [nk.connect(info.unix_url, liveness=0, share_events=False) for info in daemons]
        inbox = nk.Inbox()
        # The Inbox is drained from the first message on, by a thread of its own, as an
        # application would: samples queued while streams open or the containers are
        # signalled (each call slow on a swamped daemon) would otherwise count as the
        # client's memory.
        received: dict[nk.Ref, int] = collections.defaultdict(int)
        checksums: dict[nk.Ref, int] = collections.defaultdict(int)
        ended: dict[nk.Ref, Any] = {}
        lock = threading.Lock()
        draining = threading.Event()

        def drain() -> None:
            while not draining.is_set():
                try:
                    ref, payload = inbox.get(timeout=0.2)
                except nk.Timeout:
                    continue
                with lock:
                    if isinstance(payload, nk.Output):
                        received[ref] += len(payload.data)
                        checksums[ref] = zlib.crc32(payload.data, checksums[ref])
                    elif isinstance(payload, nk.Data):
                        received[ref] += 1
                    else:
                        ended[ref] = payload

        drainer = threading.Thread(target=drain, name="bench-drain", daemon=True)
        drainer.start()
        kinds: dict[nk.Ref, tuple[str, int]] = {}
        bench.log(f"mixed streams: opening {streams} (events, logs -f, stats) on 2 daemons")
        began = time.perf_counter()
        plan = [(kind, i) for kind, share in SHARES.items() for i in range(int(streams * share))]
        futures = []
        for n, (kind, i) in enumerate(plan):
            d = n % 2
            container = names[d][i % containers]
            futures.append((kind, d, _open(conns[d], kind, container, label, inbox)))
        for kind, d, future in futures:
            kinds[future.get(600)] = (kind, d)
        open_seconds = time.perf_counter() - began
        open_rss, open_threads = rss_mb(), os_threads()
        bench.log(f"mixed streams: open in {open_seconds:.1f} s, RSS {open_rss:.0f} MB")
        began = time.perf_counter()
        signal_failures: list[str] = []  # a swamped daemon may not answer in time: reported

        # The `kill` events first, through each daemon (a signal the writers ignore), all at
        # once, before any output floods the daemons: futures, not a thread each (the
        # harness's threads would count in the peak).
        bench.log("mixed streams: the kill events")
        kills = [
            (name, docker.kill(name, signal="SIGUSR2"))
            for docker, group in zip(admin, names, strict=True)
            for name in group
        ]
        for name, kill in kills:
            try:
                kill.get(300)
            except (nk.NkDockerError, nk.Timeout) as problem:
                signal_failures.append(f"{name}: {problem}"[:200])
        events_until = time.monotonic() + 300
        while not signal_failures and time.monotonic() < events_until:
            with lock:
                if all(received[r] >= containers for r, (k, _) in kinds.items() if k == "events"):
                    break
            time.sleep(0.1)
        # Then the writers, from the host (the containers' processes are ours, as root): a
        # `kill` through a daemon that 2,500 followers and 1,500 stats streams keep busy
        # took over a minute to answer, and the streams measured are the same either way.
        bench.log("mixed streams: signalling the writers")
        for pid in pids:
            os.kill(pid, signal_module.SIGUSR1)
        if signal_failures:
            bench.log(f"mixed streams: {len(signal_failures)} kill events not sent")

        def complete() -> dict[str, int]:
            with lock:
                return {
                    "logs": sum(
                        1
                        for ref, (kind, _) in kinds.items()
                        if kind == "logs"
                        and ref not in ended
                        and received[ref] == len(expected)
                        and checksums[ref] == zlib.crc32(expected)
                    ),
                    "events": sum(
                        1
                        for ref, (kind, _) in kinds.items()
                        if kind == "events" and received[ref] == containers
                    ),
                    "stats": sum(
                        1
                        for ref, (kind, _) in kinds.items()
                        if kind == "stats" and received[ref] >= 1
                    ),
                }

        counts = {kind: sum(1 for k, _ in kinds.values() if k == kind) for kind in SHARES}
        deadline = time.monotonic() + 600
        while (
            complete() != counts
            and len(ended) < len(kinds)
            and time.monotonic() < deadline
            and not signal_failures  # an event not sent will never come
        ):
            with lock:
                over = sum(
                    1 for r, (k, _) in kinds.items() if k == "logs" and received[r] > len(expected)
                )
                early = [str(p)[:120] for p in ended.values()][:2]
            bench.log(
                f"mixed streams: RSS {rss_mb():.0f} MB, {len(inbox)} queued, {complete()}, "
                f"{over} logs over, {len(ended)} ended {early}"
            )
            time.sleep(5)
        deliver_seconds = time.perf_counter() - began
        bench.log(
            f"mixed streams: delivered in {deliver_seconds:.1f} s, peak RSS "
            f"{sampler.peak_rss:.0f} MB, {len(inbox)} messages queued"
        )
        with lock:
            failed_early = [p for p in ended.values() if isinstance(p, nk.Failed)]
        delivered = complete()
        bench.log("mixed streams: closing")
        for docker in conns:
            docker.close()
        until = time.monotonic() + 120
        while len(ended) < len(kinds) and time.monotonic() < until:  # every ref ends, once
            time.sleep(0.1)
        draining.set()
        drainer.join()
        terminals = len(ended)
        settle_seconds = _back_to(base_threads, 120)
        settle_until = time.monotonic() + 30  # the poller closes its epoll a second after
        while _fds() > base_fds and time.monotonic() < settle_until:
            time.sleep(0.05)
        del futures
        for held in (received, checksums, ended, kinds):
            held.clear()
        after_rss, after_threads, after_fds = _settled_rss(), os_threads(), _fds()
        sampler.stopping.set()
        sampler.join()
    finally:
        for docker, group in zip(admin, names, strict=True):
            for name in group:
                with contextlib.suppress(nk.NkDockerError):
                    docker.rm(name, force=True).get(60)
        for docker in admin:
            docker.close()
    total = sum(counts.values())
    return {
        "streams": total,
        "containers_per_daemon": containers,
        "counts": counts,
        "complete": delivered,
        "all_delivered": delivered == counts,
        "kills_not_answered": signal_failures,
        "terminal_messages": terminals,
        "failed_before_close": len(failed_early),
        "first_failure": str(failed_early[0].error) if failed_early else None,
        "open_seconds": round(open_seconds, 2),
        "deliver_seconds": round(deliver_seconds, 2),
        "threads": {
            "baseline": base_threads,
            "open": open_threads,
            "peak": sampler.peak_threads,
            "after": after_threads,
            "seconds_to_baseline": round(settle_seconds, 2),
        },
        "rss_mb": {
            "baseline": round(base_rss, 1),
            "open": round(open_rss, 1),
            "peak": round(sampler.peak_rss, 1),
            "after": round(after_rss, 1),
        },
        "fds": {"baseline": base_fds, "after": after_fds},
        "peak_threads_within_goal": sampler.peak_threads <= total + 50,
        "peak_rss_within_goal": sampler.peak_rss <= 1024 * 1.048576,
        "back_to_baseline": after_threads <= base_threads and after_fds <= base_fds,
    }


def _stats_threads_docker_py(
    clients: list[Any], targets: list[tuple[int, str]], samples: int
) -> float:
    """docker-py: a `stats(decode=True)` generator per container, each in a thread."""
    lock = threading.Lock()
    count = [0]
    done = threading.Event()

    def follow(client: Any, container: str) -> None:
        for _ in client.stats(container, decode=True, stream=True):
            with lock:
                count[0] += 1
                if count[0] >= samples:
                    done.set()
            if done.is_set():
                return

    threads = [
        threading.Thread(target=follow, args=(clients[d], c), daemon=True) for d, c in targets
    ]
    cpu = cpu_seconds()
    for thread in threads:
        thread.start()
    done.wait(600)
    used = cpu_seconds() - cpu
    for thread in threads:
        thread.join(30)
    return used


def _stats_ours(
    daemons: list[sandbox.SandboxInfo], targets: list[tuple[int, str]], samples: int
) -> float:
    """Ours: a `stats` stream per container into one Inbox, on a connection per daemon."""
    conns = [nk.connect(info.unix_url) for info in daemons]
    inbox = nk.Inbox()
    try:
        cpu = cpu_seconds()
        for d, container in targets:
            conns[d].stats(container, subscriber=inbox)
        count = 0
        while count < samples:
            if isinstance(inbox.get(timeout=600).payload, nk.Data):
                count += 1
        return cpu_seconds() - cpu
    finally:
        for docker in conns:
            docker.close()


def run_monitor(bench: Bench) -> dict[str, Any]:
    """Stats of 200 running containers over 2 daemons: CPU seconds per 1,000 samples."""
    per_daemon, samples, rounds = (5, 20, 1) if bench.quick else (100, 1000, 2)
    second = _second_daemon(bench)
    daemons = [bench.info, second]
    admin = [bench.ours, nk.connect(second.unix_url)]
    targets = [(d, f"{PREFIX}-mon{d}-{i}") for d in range(2) for i in range(per_daemon)]
    clients = [
        docker_client.APIClient(
            base_url=info.unix_url, version=bench.api, max_pool_size=per_daemon + 5
        )
        for info in daemons
    ]
    try:
        bench.log(f"monitor: starting {len(targets)} containers on 2 daemons")
        for d, name in targets:
            with contextlib.suppress(nk.NkDockerError):  # left by an interrupted run
                admin[d].rm(name, force=True).get(60)
            admin[d].create("busybox:latest", name=name, cmds=["sleep", "3600"]).get(60)
            admin[d].start(name).get(60)
        results = alternate(
            rounds,
            {
                "ours": partial(_stats_ours, daemons, targets, samples),
                "docker_py": partial(_stats_threads_docker_py, clients, targets, samples),
            },
        )
    finally:
        for d, name in targets:
            with contextlib.suppress(nk.NkDockerError):
                admin[d].rm(name, force=True).get(60)
        for client in clients:
            client.close()
        admin[1].close()
    scale = 1000 / samples
    ours = round(results.figure("ours")["median"] * scale, 3)
    theirs = round(results.figure("docker_py")["median"] * scale, 3)
    return {
        "containers": len(targets),
        "samples": samples,
        "ours_cpu_s_per_1000": ours,
        "docker_py_cpu_s_per_1000": theirs,
        "ours_vs_docker_py": round(theirs / ours, 2) if ours else None,
    }
