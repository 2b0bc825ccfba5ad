"""What every measurement shares: the run's context, the raw client, statistics, /proc.

Absolute figures on a small shared machine move with the neighbours' load, so every
measurement runs its contenders in alternation (in balanced orders, see balanced_orders) and
reports per-round ratios: both sides of a ratio saw the same conditions.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import resource
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import docker  # type: ignore[import-untyped]

import nkdocker_actors as nk
from nkdocker_actors.sandbox import SandboxInfo

MB = 1_000_000
PREFIX = "nkbench"


@dataclass
class Bench:
    """One run: the sandbox daemon and a client of each kind on its unix socket."""

    info: SandboxInfo
    quick: bool
    ours: nk.Docker
    docker_py: Any  # docker.APIClient
    api: str  # the API version every client speaks, e.g. "1.41"

    @staticmethod
    def log(text: str) -> None:
        """Progress, on stderr."""
        print(f"[bench] {text}", file=sys.stderr, flush=True)

    def raw(self, timeout: float = 120) -> RawConnection:
        """A fresh stdlib keep-alive connection to the daemon."""
        return RawConnection(str(self.info.unix_socket), timeout)

    def path(self, path: str) -> str:
        """A versioned API path, as every client sends it."""
        return f"/v{self.api}{path}"

    def docker_py_client(self, pool: int = 10) -> Any:
        """Another docker-py APIClient (its pool sized for `pool` concurrent requests)."""
        return docker.APIClient(
            base_url=self.info.unix_url, version=self.api, max_pool_size=pool, timeout=120
        )

    def remove_containers(self, names: list[str]) -> None:
        """Force-remove containers, ignoring those already gone."""
        for name in names:
            with contextlib.suppress(nk.NotFound):
                self.ours.rm(name, force=True).get(60)


class RawConnection(http.client.HTTPConnection):
    """The stdlib's http.client on a unix socket: the practical limit for a Python client."""

    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        """Connect to the unix socket instead of a TCP address."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock

    def call(self, method: str, target: str, body: Any = None) -> tuple[int, bytes]:
        """One exchange on the kept-alive socket: (status, body)."""
        headers = {}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        self.request(method, target, body=data, headers=headers)
        response = self.getresponse()
        return response.status, response.read()

    def check(self, method: str, target: str, body: Any = None) -> bytes:
        """Like `call`, failing on an error status."""
        status, data = self.call(method, target, body)
        if status >= 300:
            raise RuntimeError(f"{method} {target}: {status} {data[:200]!r}")
        return data


def raw_socket(info: SandboxInfo, request: bytes, timeout: float = 120) -> socket.socket:
    """A unix socket to the daemon with `request` already sent (for hand-read streams)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(str(info.unix_socket))
    sock.sendall(request)
    return sock


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read a response head by hand: (head, the bytes after it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise RuntimeError(f"the daemon closed before the head's end: {data[:200]!r}")
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head.startswith((b"HTTP/1.1 2", b"HTTP/1.1 101")):
        raise RuntimeError(f"unexpected answer: {head[:200]!r}")
    return head, rest


# -- alternation and statistics -------------------------------------------------------


def cpu_seconds() -> float:
    """CPU used so far by this process (every thread) and its finished children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Samples:
    """Per contender, one figure and the CPU seconds it took, for each round."""

    values: dict[str, list[float]]
    cpu: dict[str, list[float]]

    def figure(self, name: str) -> dict[str, Any]:
        """A contender's median, every round's value, and its median CPU seconds."""
        return {
            "median": round(median(self.values[name]), 2),
            "rounds": [round(value, 2) for value in self.values[name]],
            "cpu_s": round(median(self.cpu[name]), 3),
        }

    def ratio(self, ours: str, other: str) -> float:
        """The median over rounds of ours / other, each round's pair measured back to back."""
        pairs = zip(self.values[ours], self.values[other], strict=True)
        return round(median([a / b for a, b in pairs if b > 0]), 3)


def balanced_orders(count: int) -> list[list[int]]:
    """Orders for `count` contenders, one per round, in which each contender comes first,
    and right after each other one, equally often over 2 x count rounds (a Williams
    design, each row then reversed). A rotation would keep each one's predecessor fixed:
    what one leaves behind (a 100 MB log read by `docker logs`, say) would always weigh on
    the same other one (bench/README.md, "Method")."""
    first = [0]
    low, high = 1, count - 1
    while len(first) < count:
        first.append(low)
        low += 1
        if len(first) < count:
            first.append(high)
            high -= 1
    orders = []
    for shift in range(count):
        row = [(index + shift) % count for index in first]
        orders += [row, row[::-1]]
    return orders


def round_order(names: Sequence[str], round_index: int) -> list[str]:
    """The contenders `names` in the order of round `round_index` (see balanced_orders)."""
    orders = balanced_orders(len(names))
    return [names[index] for index in orders[round_index % len(orders)]]


def alternate(rounds: int, contenders: Mapping[str, Callable[[], float]]) -> Samples:
    """Run each contender once per round, in balanced orders; each returns a figure."""
    names = list(contenders)
    samples = Samples({name: [] for name in names}, {name: [] for name in names})
    for round_index in range(rounds):
        for name in round_order(names, round_index):
            began = cpu_seconds()
            samples.values[name].append(contenders[name]())
            samples.cpu[name].append(cpu_seconds() - began)
    return samples


def median(values: list[float]) -> float:
    """The median (0 for no values)."""
    return float(statistics.median(values)) if values else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def latency_figures(milliseconds: list[float]) -> dict[str, Any]:
    """p50, p99 and max of latencies in ms."""
    return {
        "count": len(milliseconds),
        "p50_ms": round(percentile(milliseconds, 0.50), 3),
        "p99_ms": round(percentile(milliseconds, 0.99), 3),
        "max_ms": round(max(milliseconds, default=0.0), 3),
    }


# -- the process, seen from /proc ---------------------------------------------------------


def _status() -> dict[str, str]:
    with open("/proc/self/status") as status:
        return dict(line.split(":", 1) for line in status if ":" in line)


def rss_mb() -> float:
    """This process's resident memory, in MB."""
    return int(_status()["VmRSS"].split()[0]) * 1024 / MB


def os_threads() -> int:
    """This process's OS threads (Python's and any other)."""
    return int(_status()["Threads"])


class Arrivals:
    """When each (subscriber, item) arrived; waits until an item reached every subscriber."""

    def __init__(self, subscribers: int) -> None:
        self.subscribers = subscribers
        self.times: dict[tuple[int, int], float] = {}
        self._counts: Counter[int] = Counter()
        self._changed = threading.Condition()

    def record(self, subscriber: int, item: int) -> None:
        """Note the arrival of `item` at `subscriber` (the first one counts)."""
        now = time.perf_counter()
        with self._changed:
            if (subscriber, item) in self.times:
                return
            self.times[subscriber, item] = now
            self._counts[item] += 1
            if self._counts[item] >= self.subscribers:
                self._changed.notify_all()

    def wait(self, item: int, timeout: float) -> bool:
        """Whether `item` reached every subscriber within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self._counts[item] >= self.subscribers, timeout)
