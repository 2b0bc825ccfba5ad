"""Attach streaming: MB/s from a container writing as fast as it can.

Each contender attaches to a fresh container (created with no log driver, so only the
attach stream consumes its output), starts it, and reads until the stream ends when the
container exits. The rate is the bytes written over the time from the first byte to the
end. Ours: `attach(subscriber=Inbox, stream=True)`, messages drained by the caller.
docker-py: `APIClient.attach(stream=True)`. Raw: the upgraded socket, read by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import nkdocker_actors as nk

from .common import MB, PREFIX, Bench, alternate, raw_socket, read_head


def _create(bench: Bench, name: str, size: int) -> None:
    bench.remove_containers([name])
    bench.ours.create(
        "busybox:latest",
        name=name,
        cmds=["head", "-c", str(size), "/dev/zero"],
        log_config="none",
    ).get(60)


def _rate(size: int, first: float, got: int) -> float:
    if got < size:
        raise RuntimeError(f"attach delivered {got} bytes, expected {size}")
    return size / (time.perf_counter() - first) / MB


def run(bench: Bench) -> dict[str, Any]:
    """Every contender streams the same amount once per round."""
    size = (5 if bench.quick else 500) * MB
    rounds = 2 if bench.quick else 6  # (3 contenders: their balanced orders, once each)
    name = f"{PREFIX}-attach"
    starter = bench.raw()

    def start() -> None:
        starter.check("POST", bench.path(f"/containers/{name}/start"))

    def ours() -> float:
        _create(bench, name, size)
        inbox = nk.Inbox()
        bench.ours.attach(name, subscriber=inbox, stream=True, stdout=True, stderr=True).get(60)
        start()
        got, first = 0, 0.0
        while True:
            payload = inbox.get(timeout=120).payload
            if isinstance(payload, nk.Output):
                first = first or time.perf_counter()
                got += len(payload.data)
            elif isinstance(payload, nk.Failed):
                raise payload.error
            else:
                return _rate(size, first, got)

    def docker_py() -> float:
        _create(bench, name, size)
        chunks: Iterator[bytes] = bench.docker_py.attach(name, stream=True)
        start()
        got, first = 0, 0.0
        for chunk in chunks:
            first = first or time.perf_counter()
            got += len(chunk)
        return _rate(size, first, got)

    def raw() -> float:
        _create(bench, name, size)
        request = (
            f"POST {bench.path(f'/containers/{name}/attach')}?stream=1&stdout=1&stderr=1 "
            "HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        )
        sock = raw_socket(bench.info, request.encode())
        _, rest = read_head(sock)
        start()
        got, first = len(rest), time.perf_counter() if rest else 0.0
        buffer = bytearray(256 * 1024)
        while count := sock.recv_into(buffer):
            first = first or time.perf_counter()
            got += count
        sock.close()
        return _rate(size, first, got)  # `got` also counts frame headers

    contenders: dict[str, Callable[[], float]] = {"ours": ours, "docker_py": docker_py, "raw": raw}
    try:
        bench.log(f"attach: streaming {size // MB} MB per contender and round")
        samples = alternate(rounds, contenders)
    finally:
        starter.close()
        bench.remove_containers([name])
    return {
        "unit": "MB/s",
        "size_mb": size // MB,
        "rounds": rounds,
        **{key: samples.figure(key) for key in contenders},
        "ours_vs_docker_py": samples.ratio("ours", "docker_py"),
        "ours_vs_raw": samples.ratio("ours", "raw"),
    }
