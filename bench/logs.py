"""Reading a stopped container's whole log (100 MB of 1 KB lines), in MB/s.

Ours twice: `docker.logs(c).get()` (one list of Output) and `logs` with an Inbox
subscriber (Output messages, drained by the caller). docker-py: `APIClient.logs(c)`
(bytes). Raw: http.client reading the body without de-multiplexing it. CLI: `docker
logs` into a pipe. The rate is the log's payload over the time to get all of it.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import nkdocker_actors as nk

from .common import MB, PREFIX, Bench, alternate

LINE = 1024  # bytes per log line, newline included


def _timed(read: Callable[[], int], expected: int) -> float:
    began = time.perf_counter()
    got = read()
    elapsed = time.perf_counter() - began
    if got != expected:
        raise RuntimeError(f"read {got} bytes of log, expected {expected}")
    return expected / elapsed / MB


def run(bench: Bench) -> dict[str, Any]:
    """Every contender reads the same log once per round."""
    size = (5 if bench.quick else 100) * MB // LINE * LINE  # whole lines: one frame each
    rounds = 2 if bench.quick else 10  # (5 contenders: their balanced orders, once each)
    name = f"{PREFIX}-logs"
    bench.remove_containers([name])
    line = ("0123456789abcdef" * (LINE // 16))[: LINE - 1]
    bench.log(f"logs: writing {size / MB:.0f} MB of log")
    bench.ours.create(
        "busybox:latest", name=name, cmds=["sh", "-c", f"yes {line} | head -c {size}"]
    ).get(60)
    bench.ours.start(name).get(60)
    status = bench.ours.wait(name, timeout=600).get(610)
    if status.get("StatusCode") != 0:
        raise RuntimeError(f"the log writer failed: {status}")

    def ours_get() -> int:
        return sum(len(output.data) for output in bench.ours.logs(name).get(600))

    def ours_inbox() -> int:
        inbox = nk.Inbox()
        bench.ours.logs(name, subscriber=inbox).get(60)
        total = 0
        while True:
            message = inbox.get(timeout=120)
            payload = message.payload
            if isinstance(payload, nk.Output):
                total += len(payload.data)
            elif isinstance(payload, nk.Failed):
                raise payload.error
            else:
                return total

    def docker_py() -> int:
        return len(bench.docker_py.logs(name))

    def raw() -> int:
        connection = bench.raw()
        connection.request("GET", bench.path(f"/containers/{name}/logs?stdout=1&stderr=1"))
        response = connection.getresponse()
        total = 0
        while piece := response.read(256 * 1024):
            total += len(piece)
        connection.close()
        return total - 8 * (size // LINE)  # frame headers: 8 bytes per line

    def cli() -> int:
        env = {**os.environ, "DOCKER_HOST": bench.info.unix_url}
        done = subprocess.run(
            ["docker", "logs", name], env=env, capture_output=True, check=True, timeout=600
        )
        return len(done.stdout) + len(done.stderr)

    contenders: dict[str, Callable[[], int]] = {
        "ours_get": ours_get,
        "ours_inbox": ours_inbox,
        "docker_py": docker_py,
        "raw": raw,
        "docker_cli": cli,
    }
    try:
        bench.log("logs: reading")
        samples = alternate(
            rounds, {key: partial(_timed, read, size) for key, read in contenders.items()}
        )
    finally:
        bench.remove_containers([name])
    return {
        "unit": "MB/s",
        "size_mb": round(size / MB, 1),
        "line_bytes": LINE,
        "rounds": rounds,
        **{key: samples.figure(key) for key in contenders},
        "ours_get_vs_raw": samples.ratio("ours_get", "raw"),
        "ours_inbox_vs_raw": samples.ratio("ours_inbox", "raw"),
        "ours_get_vs_docker_py": samples.ratio("ours_get", "docker_py"),
        "ours_get_vs_docker_cli": samples.ratio("ours_get", "docker_cli"),
    }
