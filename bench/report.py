"""From a results dict to the targets met or missed and the markdown summary."""

from __future__ import annotations

from typing import Any

from . import quick

QUICK_ROWS = (
    ("ps_threads_1", "`ps`, 1 thread"),
    ("ps_threads_8", "`ps`, 8 threads"),
    ("inspect_threads_1", "`inspect`, 1 thread"),
    ("inspect_threads_8", "`inspect`, 8 threads"),
    ("ps_busy_threads_1", f"`ps` listing {quick.BUSY} running, 1 thread"),
)


def _target(name: str, wanted: str, measured: Any, met: bool) -> dict[str, Any]:
    return {"name": name, "target": wanted, "measured": measured, "met": bool(met)}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets of issue 14, each with what this run measured."""
    found = []
    quick_commands = results.get("quick_commands")
    if quick_commands:
        for key in ("ps", "inspect"):
            one = quick_commands[f"{key}_threads_1"]["ours_vs_raw"]
            found.append(_target(f"{key}, 1 thread: ours / raw", ">= 0.85x", one, one >= 0.85))
            eight = quick_commands[f"{key}_threads_8"]
            found.append(
                _target(
                    f"{key}, 8 threads: ours / raw (a socket per thread)",
                    ">= 1.0x",
                    eight["ours_vs_raw"],
                    eight["ours_vs_raw"] >= 1.0,
                )
            )
            found.append(
                _target(
                    f"{key}, 8 threads: ours / docker-py",
                    ">= 3.0x",
                    eight["ours_vs_docker_py"],
                    eight["ours_vs_docker_py"] >= 3.0,
                )
            )
    if "logs" in results:
        for key in ("ours_get_vs_raw", "ours_inbox_vs_raw"):
            value = results["logs"][key]
            found.append(_target(f"logs 100 MB: {key}", ">= 1.0x", value, value >= 1.0))
    if "attach" in results:
        attach = results["attach"]
        ratio = attach["ours_vs_docker_py"]
        cpu, theirs = attach["ours"]["cpu_s"], attach["docker_py"]["cpu_s"]
        found.append(
            _target(
                "attach 500 MB: ours / docker-py (MB/s), CPU <= theirs",
                ">= 1.2x, CPU <=",
                f"{ratio}x, CPU {cpu} s vs {theirs} s",
                ratio >= 1.2 and cpu <= theirs,
            )
        )
    if "events" in results:
        latency = results["events"]["latency"]
        p99, raw = latency["ours"]["p99_ms"], latency["raw"]["p99_ms"]
        found.append(
            _target(
                "event latency p99: ours vs raw x 1.2",
                f"<= {raw * 1.2:.2f} ms",
                p99,
                p99 <= raw * 1.2,
            )
        )
        fan = results["events"]["fan_out"]
        ours_fan = fan["ours"]["every_delivery"]["p99_ms"]
        theirs_fan = fan["docker_py"]["every_delivery"]["p99_ms"]
        found.append(
            _target(
                f"fan-out to {fan['subscribers']}, every delivery p99: ours vs docker-py",
                f"<= {theirs_fan} ms",
                ours_fan,
                ours_fan <= theirs_fan,
            )
        )
    if "streams" in results:
        streams = results["streams"]
        found.append(
            _target(
                f"{streams['streams']} attach streams: all data delivered (both passes)",
                "all",
                f"{streams['complete_streams']}/{streams['streams']}",
                streams["all_delivered"],
            )
        )
    if "mixed_streams" in results:
        mixed = results["mixed_streams"]
        total = mixed["streams"]
        found.append(
            _target(
                f"{total} streams (events, logs -f, stats; 2 daemons): every byte delivered",
                "all",
                f"{sum(mixed['complete'].values())}/{total}, {mixed['terminal_messages']} ends",
                mixed["all_delivered"] and mixed["terminal_messages"] == total,
            )
        )
        found.append(
            _target(
                f"{total} streams: peak threads",
                f"<= {total + 50}",
                mixed["threads"]["peak"],
                mixed["peak_threads_within_goal"],
            )
        )
        found.append(
            _target(
                f"{total} streams: peak RSS",
                "<= 1 GiB",
                f"{mixed['rss_mb']['peak']} MB",
                mixed["peak_rss_within_goal"],
            )
        )
        found.append(
            _target(
                f"{total} streams: threads and fds back to baseline",
                "yes",
                f"threads {mixed['threads']['after']}/{mixed['threads']['baseline']}, "
                f"fds {mixed['fds']['after']}/{mixed['fds']['baseline']}",
                mixed["back_to_baseline"],
            )
        )
    if "monitor" in results:
        monitor = results["monitor"]
        found.append(
            _target(
                f"monitor, stats of {monitor['containers']} containers: CPU s per 1,000 samples",
                "<= docker-py's",
                f"{monitor['ours_cpu_s_per_1000']} s (docker-py: "
                f"{monitor['docker_py_cpu_s_per_1000']} s)",
                monitor["ours_cpu_s_per_1000"] <= monitor["docker_py_cpu_s_per_1000"],
            )
        )
    return found


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _row(label: str, values: list[str], ratios: list[float | None], cpu: list[str]) -> str:
    return "| " + " | ".join([label, *values, *map(_x, ratios), " / ".join(cpu)]) + " |"


def _table(results: dict[str, Any]) -> list[str]:
    rows = []
    quick_commands = results.get("quick_commands")
    if quick_commands:
        for key, label in QUICK_ROWS:
            row = quick_commands[key]
            rows.append(
                _row(
                    f"{label} (calls/s; CPU µs per call)",
                    [f"{row[name]['median']:.0f}" for name in ("ours", "docker_py", "raw")],
                    [row["ours_vs_docker_py"], row["ours_vs_raw"]],
                    [
                        f"{row[name]['cpu_us_per_call']:.0f}"
                        for name in ("ours", "docker_py", "raw")
                    ],
                )
            )
    log = results.get("logs")
    if log:
        for key, label in (("ours_get", "`logs().get()`"), ("ours_inbox", "Inbox subscriber")):
            rows.append(
                _row(
                    f"logs {log['size_mb']:.0f} MB, {label} (MB/s; CPU s)",
                    [f"{log[name]['median']:.1f}" for name in (key, "docker_py", "raw")],
                    [
                        log["ours_get_vs_docker_py"] if key == "ours_get" else None,
                        log[f"{key}_vs_raw"],
                    ],
                    [f"{log[name]['cpu_s']:.2f}" for name in (key, "docker_py", "raw")],
                )
            )
    attach = results.get("attach")
    if attach:
        rows.append(
            _row(
                f"attach stream, {attach['size_mb']} MB (MB/s; CPU s)",
                [f"{attach[name]['median']:.1f}" for name in ("ours", "docker_py", "raw")],
                [attach["ours_vs_docker_py"], attach["ours_vs_raw"]],
                [f"{attach[name]['cpu_s']:.2f}" for name in ("ours", "docker_py", "raw")],
            )
        )
    event = results.get("events")
    if event:
        latency = event["latency"]
        rows.append(
            _row(
                "event latency p50 / p99 (ms)",
                [
                    f"{latency[name]['p50_ms']:.2f} / {latency[name]['p99_ms']:.2f}"
                    for name in ("ours", "docker_py", "raw")
                ],
                [latency["ours_p50_vs_docker_py"], None],
                [],
            )
        )
        both = event["side_by_side"]
        rows.append(
            _row(
                "event latency, ours and raw subscribed at once: p50 / p99 (ms)",
                [
                    f"{both['ours']['p50_ms']:.2f} / {both['ours']['p99_ms']:.2f}",
                    "",
                    f"{both['raw']['p50_ms']:.2f} / {both['raw']['p99_ms']:.2f}",
                ],
                [None, None],
                [],
            )
        )
        later = both["ours_later_than_raw"]
        rows.append(
            _row(
                "the same events, ours later than raw: p50 / p99 (ms)",
                [f"{later['p50_ms']:.2f} / {later['p99_ms']:.2f}", "", ""],
                [None, None],
                [],
            )
        )
        fan = event["fan_out"]
        for key, label in (("every_delivery", "every delivery"), ("last_subscriber", "last")):
            rows.append(
                _row(
                    f"fan-out to {fan['subscribers']}, {label}: p50 / p99 (ms)",
                    [
                        *(
                            f"{fan[name][key]['p50_ms']:.2f} / {fan[name][key]['p99_ms']:.2f}"
                            for name in ("ours", "docker_py")
                        ),
                        "",
                    ],
                    [None, None],
                    [],
                )
            )
        unshared = fan["ours_unshared"]
        rows.append(
            _row(
                f"fan-out to {fan['subscribers']}, every delivery, ours with a socket each "
                "(`share_events=False`): p50 / p99 (ms)",
                [
                    f"{unshared['every_delivery']['p50_ms']:.2f} / "
                    f"{unshared['every_delivery']['p99_ms']:.2f}",
                    "",
                    "",
                ],
                [None, None],
                [],
            )
        )
    if not rows:
        return []
    return [
        "| Measurement | ours | docker-py | raw | ours / docker-py | ours / raw "
        "| CPU: ours / docker-py / raw |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]


def markdown(results: dict[str, Any]) -> str:
    """The summary: the table, the CLI and many-streams figures, the targets."""
    meta = results["meta"]
    kind = "quick run" if meta["quick"] else "full run"
    lines = [
        f"Measured {meta['date']} ({kind}, {meta['seconds']} s): Python {meta['python']}, "
        f"pykka {meta['pykka']}, docker-py {meta['docker_py']}, dockerd {meta['daemon']} "
        f"(API {meta['api']}), {meta['cpus']} CPUs, load average "
        f"{meta['load_average_before'][0]:.1f} before / {meta['load_average_after'][0]:.1f} after.",
        "Figures are medians over alternating rounds; a ratio is the median of per-round "
        "ratios (both sides measured back to back). p50 ratio: lower is better.",
        "",
        *_table(results),
    ]
    log = results.get("logs")
    if log:
        lines += [
            "",
            f"`docker logs` CLI on the same {log['size_mb']:.0f} MB log: "
            f"{log['docker_cli']['median']:.1f} MB/s (ours `logs().get()` / CLI: "
            f"{_x(log['ours_get_vs_docker_cli'])}).",
        ]
    many = results.get("streams")
    if many:
        threads, rss = many["threads"], many["rss_mb"]
        lines += [
            "",
            f"{many['streams']} concurrent attach streams (one process, one connection): "
            f"{many['complete_streams']}/{many['streams']} delivered all "
            f"{many['bytes_per_stream']} bytes; opened in {many['open_seconds']} s, "
            f"delivered in {many['deliver_seconds']} s ({many['delivered_mb_per_s']} MB/s). "
            f"Threads {threads['baseline']} -> {threads['peak']} peak "
            f"({threads['per_stream']} per stream) -> {threads['after']} after; "
            f"RSS {rss['baseline']} -> {rss['peak']} MB peak ({rss['per_stream_kb']} KB per "
            f"stream) -> {rss['after']} MB after ({many['rss_left_after_first_mb']:+} MB; "
            f"after a second pass: {many['rss_growth_second_pass_mb']:+} MB more).",
        ]
    mixed = results.get("mixed_streams")
    if mixed:
        threads, rss = mixed["threads"], mixed["rss_mb"]
        counts = ", ".join(f"{n} {kind}" for kind, n in mixed["counts"].items())
        lines += [
            "",
            f"{mixed['streams']} concurrent streams over 2 daemons ({counts}): opened in "
            f"{mixed['open_seconds']} s, all delivered in {mixed['deliver_seconds']} s. "
            f"Threads {threads['baseline']} -> {threads['peak']} peak -> {threads['after']} "
            f"after; RSS {rss['baseline']} -> {rss['peak']} MB peak -> {rss['after']} MB after; "
            f"fds {mixed['fds']['baseline']} -> {mixed['fds']['after']}.",
        ]
    monitor = results.get("monitor")
    if monitor:
        lines += [
            "",
            f"Monitor, `stats` of {monitor['containers']} running containers over 2 daemons: "
            f"{monitor['ours_cpu_s_per_1000']} CPU s per 1,000 samples (docker-py's stats "
            f"generators in a thread each: {monitor['docker_py_cpu_s_per_1000']} s; "
            f"{_x(monitor['ours_vs_docker_py'])} less).",
        ]
    if results.get("targets"):
        lines += ["", "| Target | wanted | measured | met |", "|---|---|---|---|"]
        for target in results["targets"]:
            met = "yes" if target["met"] else "**no**"
            lines.append(
                f"| {target['name']} | {target['target']} | {target['measured']} | {met} |"
            )
    return "\n".join(lines) + "\n"
