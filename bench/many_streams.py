"""1,000 concurrent streams in one process: all data delivered, peak RSS and threads.

Containers wait for SIGUSR1, then write `seq 1 N` and exit. 1,000 attach streams
(spread over the containers) are opened on one fresh connection, all feeding one Inbox
that the caller drains; then every container is signalled. Each stream must deliver its
container's output exactly and end with Done("eof"). A sampler thread records resident
memory and OS threads; after the connection is closed both must come back to the
baseline taken before it was opened. A second pass shows whether memory the first left
behind is a leak (it would grow) or allocator state (it does not).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import threading
import time
import zlib
from typing import Any

import nkdocker_actors as nk

from .common import MB, PREFIX, Bench, os_threads, rss_mb

LINES = 10_000  # per container: `seq 1 10000` is 48,894 bytes


class _Sampler(threading.Thread):
    """Peak RSS and thread count while it runs."""

    def __init__(self) -> None:
        super().__init__(name="bench-sampler", daemon=True)
        self.peak_rss = rss_mb()
        self.peak_threads = os_threads()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            self.peak_rss = max(self.peak_rss, rss_mb())
            self.peak_threads = max(self.peak_threads, os_threads())


def _back_to(threads: int, timeout: float) -> float:
    """Seconds until the process has at most `threads` threads again (-1: not in time)."""
    began = time.monotonic()
    while os_threads() > threads:
        if time.monotonic() - began > timeout:
            return -1.0
        time.sleep(0.05)
    return time.monotonic() - began


def _settled_rss() -> float:
    """RSS once garbage is collected and glibc has returned its free heap to the system.

    Without the trim, freed memory the allocator keeps for reuse reads as growth.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: RSS as it is
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mb()


def _one_pass(bench: Bench, streams: int, containers: int) -> dict[str, Any]:
    expected = "".join(f"{i}\n" for i in range(1, LINES + 1)).encode()
    names = [f"{PREFIX}-s{i}" for i in range(containers)]
    bench.remove_containers(names)
    script = f'trap "seq 1 {LINES}; exit 0" USR1; while true; do sleep 0.1; done'
    for name in names:
        bench.ours.create("busybox:latest", name=name, cmds=["sh", "-c", script]).get(60)
        bench.ours.start(name).get(60)
    try:
        sampler = _Sampler()  # started first: its own thread is part of the baseline
        sampler.start()
        base_rss, base_threads = _settled_rss(), os_threads()
        docker = nk.connect(bench.info.unix_url)
        inbox = nk.Inbox()
        bench.log(f"streams: opening {streams} attach streams")
        began = time.perf_counter()
        futures = [
            docker.attach(
                names[i % containers], subscriber=inbox, stream=True, stdout=True, stderr=True
            )
            for i in range(streams)
        ]
        refs = [future.get(300) for future in futures]
        open_seconds = time.perf_counter() - began
        open_rss, open_threads = rss_mb(), os_threads()

        bench.log("streams: signalling the writers")
        began = time.perf_counter()
        for name in names:
            bench.ours.kill(name, signal="SIGUSR1").get(60)
        received = {ref: 0 for ref in refs}
        checksums = {ref: 0 for ref in refs}
        endings: dict[nk.Ref, Any] = {}
        while len(endings) < streams:
            message = inbox.get(timeout=300)
            payload = message.payload
            if isinstance(payload, nk.Output):
                received[message.ref] += len(payload.data)
                checksums[message.ref] = zlib.crc32(payload.data, checksums[message.ref])
            else:
                endings[message.ref] = payload
        deliver_seconds = time.perf_counter() - began
        complete = sum(
            1
            for ref in refs
            if endings[ref] == nk.Done("eof")
            and received[ref] == len(expected)
            and checksums[ref] == zlib.crc32(expected)
        )

        bench.log("streams: closing")
        docker.close()
        settle_seconds = _back_to(base_threads, 60)
        del futures, refs, received, checksums, endings, inbox
        after_rss, after_threads = _settled_rss(), os_threads()
        sampler.stopping.set()
        sampler.join()
    finally:
        bench.remove_containers(names)
    return {
        "complete_streams": complete,
        "bytes_per_stream": len(expected),
        "open_seconds": round(open_seconds, 2),
        "deliver_seconds": round(deliver_seconds, 2),
        "delivered_mb_per_s": round(streams * len(expected) / deliver_seconds / MB, 1),
        "threads": {
            "baseline": base_threads,
            "open": open_threads,
            "peak": sampler.peak_threads,
            "after": after_threads,
            "per_stream": round((open_threads - base_threads) / streams, 2),
            "seconds_to_baseline": round(settle_seconds, 2),
        },
        "rss_mb": {
            "baseline": round(base_rss, 1),
            "open": round(open_rss, 1),
            "peak": round(sampler.peak_rss, 1),
            "after": round(after_rss, 1),
            "per_stream_kb": round((open_rss - base_rss) * 1000 / streams, 1),
        },
    }


def run(bench: Bench) -> dict[str, Any]:
    """Two passes: the second shows whether what the first left behind grows."""
    streams, containers = (100, 4) if bench.quick else (1000, 20)
    first = _one_pass(bench, streams, containers)
    second = _one_pass(bench, streams, containers)
    return {
        "streams": streams,
        "containers": containers,
        **first,
        "all_delivered": first["complete_streams"] == second["complete_streams"] == streams,
        "threads_back_to_baseline": all(
            one["threads"]["after"] <= one["threads"]["baseline"] for one in (first, second)
        ),
        "rss_left_after_first_mb": round(first["rss_mb"]["after"] - first["rss_mb"]["baseline"], 1),
        "rss_growth_second_pass_mb": round(second["rss_mb"]["after"] - first["rss_mb"]["after"], 1),
        "second_pass": second,
    }
