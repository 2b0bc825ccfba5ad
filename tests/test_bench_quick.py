"""The benchmark runs end to end: `python -m bench --quick` writes every measurement.

No figure is asserted (timings belong in bench/RESULTS.md, never in tests): only that
the run succeeded against the session's sandbox daemon (and a second one of its own)
and reported each measurement.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TypeAlias

import pytest

from nkdocker_actors import sandbox

ROOT = Path(__file__).resolve().parent.parent

Expected: TypeAlias = dict[str, "Expected"] | tuple[str, ...]

CONTENDERS = ("ours", "docker_py", "raw")
EXPECTED: Expected = {
    "quick_commands": {
        key: (*CONTENDERS, "ours_vs_docker_py", "ours_vs_raw")
        for key in (
            "ps_threads_1",
            "ps_threads_8",
            "inspect_threads_1",
            "inspect_threads_8",
            "ps_busy_threads_1",
        )
    },
    "logs": ("ours_get", "ours_inbox", "docker_py", "raw", "docker_cli", "ours_get_vs_raw"),
    "attach": (*CONTENDERS, "ours_vs_docker_py", "ours_vs_raw"),
    "events": {
        "latency": CONTENDERS,
        "side_by_side": ("ours", "raw", "ours_later_than_raw"),
        "fan_out": ("ours", "docker_py"),
    },
    "streams": ("complete_streams", "threads", "rss_mb", "second_pass"),
    "mixed_streams": ("complete", "terminal_messages", "threads", "rss_mb", "fds"),
    "monitor": ("ours_cpu_s_per_1000", "docker_py_cpu_s_per_1000"),
}


def _missing(expected: Expected, found: Any, where: str) -> list[str]:
    """Paths of the expected keys the results lack."""
    if not isinstance(found, dict):
        return [where]
    if isinstance(expected, dict):
        return [
            gap
            for key, inner in expected.items()
            for gap in _missing(inner, found.get(key), f"{where}.{key}")
        ]
    return [f"{where}.{key}" for key in expected if key not in found]


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_quick_bench_writes_every_measurement(tmp_path: Path, daemon: sandbox.SandboxInfo) -> None:
    committed = (ROOT / "bench" / "RESULTS.md").read_bytes()
    # The session's sandbox (kept: the suite goes on with it), never the one a full
    # `make bench` may be using; the bench's second daemon is a sandbox of its own.
    argv = ["--out", str(tmp_path), "--sandbox", daemon.name, "--keep-sandbox"]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads((tmp_path / "latest.json").read_text())
    assert results["meta"]["quick"] is True
    assert _missing(EXPECTED, results, "results") == []
    assert {target["name"] for target in results["targets"]}
    assert all(isinstance(target["met"], bool) for target in results["targets"])
    assert "| Measurement |" in (tmp_path / "latest.md").read_text()
    # A quick run never replaces the committed summary of a full one.
    assert (ROOT / "bench" / "RESULTS.md").read_bytes() == committed


def test_contenders_take_turns_in_balanced_orders() -> None:
    """Over 2 x n rounds each of n contenders comes first, and right after each other
    one, equally often: what one leaves behind weighs on every other one alike."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench.common import balanced_orders
    finally:
        sys.path.remove(str(ROOT))
    for count in range(1, 9):
        orders = balanced_orders(count)
        assert len(orders) == 2 * count
        assert all(sorted(order) == list(range(count)) for order in orders)
        follows = Counter((a, b) for order in orders for a, b in itertools.pairwise(order))
        assert len(follows) == count * (count - 1)
        assert set(follows.values()) <= {2}
        assert Counter(order[0] for order in orders) == Counter({i: 2 for i in range(count)})
