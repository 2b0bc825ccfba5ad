"""Time values (`since`, `until`): what the docker CLI accepts, converted before sending."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest

import nkdocker_actors as nk
from nkdocker_actors.times import time_value

NOW = 1_767_366_245 * 10**9 + 500_000_000  # 2026-01-02T15:04:05.5Z
UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (1700000000, "1700000000"),
        (1700000000.25, "1700000000.250000000"),
        ("1700000000", "1700000000.000000000"),
        ("1700000000.5", "1700000000.500000000"),
        ("1700000000.123456789", "1700000000.123456789"),
        ("10m", "1767365645.500000000"),
        ("2h30m", "1767357245.500000000"),
        ("1.5h", "1767360845.500000000"),
        ("500ms", "1767366245.000000000"),
        ("0s", "1767366245.500000000"),
        ("-10m", "1767366845.500000000"),  # a negative duration is in the future (as the CLI)
        ("2026-01-02T15:04:05Z", "1767366245.000000000"),
        ("2026-01-02t15:04:05z", "1767366245.000000000"),
        ("2026-01-02T15:04:05.5Z", "1767366245.500000000"),
        ("2026-01-02T15:04:05.123456789Z", "1767366245.123456789"),
        ("2026-01-02T15:04:05.1234567891Z", "1767366245.123456789"),
        ("2026-01-02T17:04:05+02:00", "1767366245.000000000"),
        ("2026-01-02T10:04:05.25-05:00", "1767366245.250000000"),
        ("2026-01-02T15:04Z", "1767366240.000000000"),
        ("2026-01-02Z", "1767312000.000000000"),
        (dt.datetime(2026, 1, 2, 15, 4, 5, 500000, tzinfo=UTC), "1767366245.500000000"),
        (
            dt.datetime(2026, 1, 2, 17, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "1767366245.000000000",
        ),
    ],
)
def test_values_the_cli_accepts(value: Any, expected: str) -> None:
    assert time_value("since", value, now_ns=NOW) == expected


def test_no_zone_is_local_time() -> None:
    local = dt.datetime(2026, 1, 2, 15, 4, 5).astimezone()
    whole = int(local.timestamp())
    assert time_value("since", "2026-01-02T15:04:05") == f"{whole}.000000000"
    assert time_value("since", "2026-01-02T15:04:05.25") == f"{whole}.250000000"
    assert time_value("since", dt.datetime(2026, 1, 2, 15, 4, 5)) == f"{whole}.000000000"
    hour = int(dt.datetime(2026, 1, 2, 15).astimezone().timestamp())
    assert time_value("since", "2026-01-02T15") == f"{hour}.000000000"
    day = int(dt.datetime(2026, 1, 2).astimezone().timestamp())
    assert time_value("since", "2026-01-02") == f"{day}.000000000"


def test_durations_count_back_from_now() -> None:
    before = time.time()
    value = float(time_value("since", "10m"))
    assert before - 600 - 1 <= value <= time.time() - 600


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "10", "10x", "-1", "1e5", "10m ", " 10m", "2026-13-01", "2026-01-02T25:00",
     "2026-01-02T15:04:05+0200", "2026/01/02", True, None, -3, -0.5, float("nan"),
     float("inf"), b"1", [1]],
)  # fmt: skip
def test_bad_values_are_invalid_options(value: Any) -> None:
    if value == "10":
        assert time_value("since", value) == "10.000000000"  # unix seconds as a string
        return
    with pytest.raises(nk.InvalidOption, match="'since': bad time"):
        time_value("since", value)


def test_bad_times_fail_before_anything_is_sent(docker: nk.Docker) -> None:
    with pytest.raises(nk.InvalidOption, match="'since'"):
        docker.events(since="yesterday", until="0s")
    with pytest.raises(nk.InvalidOption, match="'until'"):
        docker.logs("nk-any", until="2026-02-30T00:00:00Z")
    assert docker.connection_stats()["calls"] == 0


def test_events_take_cli_times(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    container = cleanup(name("times-events"))
    docker.create("busybox:latest", name=container, cmds=["true"]).get(30)
    filters = {"container": [container], "event": ["create"]}
    # A bounded read of the past: from a minute ago until now.
    events = docker.events(since="1m", until="0s", filters=filters).get(30)
    assert [e["Actor"]["Attributes"]["name"] for e in events] == [container]
    past = dt.datetime.now(UTC) - dt.timedelta(minutes=1)
    events = docker.events(since=past, until=time.time(), filters=filters).get(30)
    assert len(events) == 1
    stamp = past.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    events = docker.events(since=stamp, until="0s", filters=filters).get(30)
    assert len(events) == 1
    assert docker.events(since="2h", until="1h", filters=filters).get(30) == []


def test_logs_take_cli_times(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    container = cleanup(name("times-logs"))
    docker.create("busybox:latest", name=container, cmds=["echo", "hello"]).get(30)
    docker.start(container).get(30)
    docker.wait(container).get(30)
    assert docker.logs(container, since="10m").get(30) == [nk.Output("stdout", b"hello\n")]
    assert docker.logs(container, since="-1h").get(30) == []  # from an hour ahead
    assert docker.logs(container, until="2000-01-01T00:00:00Z").get(30) == []
    assert docker.logs(container, since="2000-01-01", until="-1m").get(30) == [
        nk.Output("stdout", b"hello\n")
    ]
