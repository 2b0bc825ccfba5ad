"""Quick commands: `ps` and `inspect` calls per second, with 1 caller and with 8 threads.

Measured on an idle daemon (no container running: the daemon's own work is least, so
the figures show each client's cost), then `ps` again listing 5 running containers,
where the daemon's work dominates every client alike.

Ours: `docker.ps().get()` on one connection actor (its keep-alive socket, shared by all
callers). docker-py: one `APIClient` (requests' connection pool). Raw: http.client on a
keep-alive socket per thread. Every contender decodes the JSON reply.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from .common import PREFIX, Bench, alternate

BUSY = 5  # running containers for the daemon-bound `ps` case
THREADS = (1, 8)
# Rounds (and calls per round); 7: single rounds here range 0.5x-1.8x (bench/README.md)
FULL, QUICK = (7, 2000), (2, 100)

Call = Callable[[], Any]


def _rate(make_call: Callable[[], Call], threads: int, calls: int) -> float:
    """Calls per second of `threads` threads doing `calls` calls in all."""
    per_thread = max(1, calls // threads)
    callers = [make_call() for _ in range(threads)]
    for call in callers:
        call()  # warm: sockets open, pools filled
    start = threading.Barrier(threads + 1)

    def loop(call: Call) -> None:
        start.wait()
        for _ in range(per_thread):
            call()

    workers = [threading.Thread(target=loop, args=(call,)) for call in callers]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    return per_thread * threads / (time.perf_counter() - began)


def _contenders(bench: Bench, command: str, target: str) -> dict[str, Callable[[], Call]]:
    ours, docker_py = bench.ours, bench.docker_py

    def make_ours() -> Call:
        if command == "ps":
            return lambda: ours.ps().get()
        return lambda: ours.inspect(target).get()

    def make_docker_py() -> Call:
        if command == "ps":
            return docker_py.containers  # type: ignore[no-any-return]
        return lambda: docker_py.inspect_container(target)

    def make_raw() -> Call:
        raw = bench.raw()  # one keep-alive socket per thread
        path = bench.path("/containers/json" if command == "ps" else f"/containers/{target}/json")
        return lambda: json.loads(raw.check("GET", path))

    return {"ours": make_ours, "docker_py": make_docker_py, "raw": make_raw}


def _case(bench: Bench, command: str, target: str, threads: int) -> dict[str, Any]:
    rounds, calls = QUICK if bench.quick else FULL
    bench.log(f"quick commands: {command}, {threads} thread(s)")
    makers = _contenders(bench, command, target)
    samples = alternate(
        rounds, {name: partial(_rate, make, threads, calls) for name, make in makers.items()}
    )
    figures = {}
    for name in makers:
        figures[name] = samples.figure(name)
        # CPU of every thread of the process, per call (warm-up calls included)
        figures[name]["cpu_us_per_call"] = round(
            figures[name]["cpu_s"] / (calls + threads) * 1e6, 1
        )
    return {
        **figures,
        "ours_vs_docker_py": samples.ratio("ours", "docker_py"),
        "ours_vs_raw": samples.ratio("ours", "raw"),
    }


def run(bench: Bench) -> dict[str, Any]:
    """Both commands, both thread counts, then `ps` listing running containers."""
    target = f"{PREFIX}-q"
    busy = [f"{PREFIX}-q{i}" for i in range(BUSY)]
    bench.remove_containers([target, *busy])
    # A created container to inspect; none running, so `ps` costs the daemon least and the
    # figures show each client's own cost.
    bench.ours.create("busybox:latest", name=target, cmds=["true"]).get(60)
    results: dict[str, Any] = {
        "unit": "calls/s",
        "rounds": (QUICK if bench.quick else FULL)[0],
        "calls": (QUICK if bench.quick else FULL)[1],
    }
    try:
        for command in ("ps", "inspect"):
            for threads in THREADS:
                results[f"{command}_threads_{threads}"] = _case(bench, command, target, threads)
        for name in busy:
            bench.ours.create("busybox:latest", name=name, cmds=["sleep", "3600"]).get(60)
            bench.ours.start(name).get(60)
        results["ps_busy_threads_1"] = _case(bench, "ps", target, 1)
    finally:
        bench.remove_containers([target, *busy])
    return results
