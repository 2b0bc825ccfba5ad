"""Run every benchmark against a private sandbox daemon and write the results.

    python -m bench                 # the full run (several minutes)
    python -m bench --quick         # small counts, under a minute: proves it all works
    python -m bench --only logs,events

Writes <out>/latest.json and <out>/latest.md (out: bench/results, git-ignored); a full
run of every measurement also writes the summary to bench/RESULTS.md (committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import docker  # type: ignore[import-untyped]

import nkdocker_actors as nk
from nkdocker_actors import sandbox

from . import attach, events, logs, many_streams, mixed_streams, quick, report
from .common import Bench

HERE = Path(__file__).resolve().parent
MEASUREMENTS: dict[str, Callable[[Bench], dict[str, Any]]] = {
    "quick_commands": quick.run,
    "streams": many_streams.run,  # early, while the process's memory is still small
    "events": events.run,
    "attach": attach.run,
    "logs": logs.run,
    "mixed_streams": mixed_streams.run,  # 5,000 streams over 2 daemons
    "monitor": mixed_streams.run_monitor,  # stats of 200 containers: CPU per 1,000 samples
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts (CI: under a minute)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of: {', '.join(MEASUREMENTS)}"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="results directory")
    parser.add_argument("--sandbox", default="bench", help="sandbox daemon name")
    parser.add_argument(
        "--keep-sandbox", action="store_true", help="leave the sandbox daemon running"
    )
    args = parser.parse_args(argv)
    args.selected = [name for name in args.only.split(",") if name] or list(MEASUREMENTS)
    unknown = set(args.selected) - set(MEASUREMENTS)
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Start the sandbox, run the measurements, write the results, stop the sandbox."""
    args = _arguments(argv)
    began = time.monotonic()
    info = sandbox.up(args.sandbox)
    try:
        with nk.connect(info.unix_url) as ours:
            api = ".".join(map(str, ours.api_version))
            client = docker.APIClient(base_url=info.unix_url, version=api)
            bench = Bench(info, args.quick, ours, client, api)
            results: dict[str, Any] = {"meta": _meta(bench, args)}
            for name in args.selected:
                started = time.monotonic()
                results[name] = MEASUREMENTS[name](bench)
                results[name]["seconds"] = round(time.monotonic() - started, 1)
            client.close()
    finally:
        if not args.keep_sandbox:
            sandbox.down(args.sandbox)
        sandbox.down(mixed_streams.second_daemon_name(args.sandbox))  # idempotent
    results["meta"]["load_average_after"] = list(os.getloadavg())
    results["meta"]["seconds"] = round(time.monotonic() - began, 1)
    results["targets"] = report.targets(results)
    _write(results, args)
    missed = [target["name"] for target in results["targets"] if not target["met"]]
    Bench.log(f"done in {results['meta']['seconds']} s; targets missed: {missed or 'none'}")
    return 0


def _meta(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    daemon = bench.ours.version().get(30)
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "measurements": args.selected,
        "python": platform.python_version(),
        "pykka": metadata.version("pykka"),
        "docker_py": docker.__version__,
        "daemon": daemon.get("Version"),
        "api": bench.api,
        "cpus": os.cpu_count(),
        "load_average_before": list(os.getloadavg()),
    }


def _write(results: dict[str, Any], args: argparse.Namespace) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results)
    (args.out / "latest.md").write_text(table)
    if not args.quick and args.selected == list(MEASUREMENTS):
        (HERE / "RESULTS.md").write_text(
            "# Benchmark results\n\nThe latest full run of `python -m bench` "
            "(see README.md for what each line measures).\n\n" + table
        )
    print(table, file=sys.stdout)
