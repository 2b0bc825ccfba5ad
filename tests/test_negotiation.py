"""connect() negotiates from GET /_ping's Api-Version header, asking GET /version only
where it must: a ping naming no version, a pinned version, a daemon newer than we model.

Podman 4.3 answers GET /version in about a second (it asks dpkg); its ping is instant.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Engine
from faultserver import FaultServer

import nkdocker_actors as nk
from nkdocker_actors.http11 import Channel, Request


def _targets(fault: FaultServer) -> list[str]:
    return [f"{r['method']} {r['target']}" for r in fault.requests()]


def test_dockerd_20_10_persona_is_negotiated_from_one_ping(fault: FaultServer) -> None:
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 41)
    assert _targets(fault) == ["GET /_ping"]


def test_docker29_persona_is_negotiated_from_one_ping(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 52)
    assert _targets(fault) == ["GET /_ping"]


def test_a_pin_still_asks_its_own_version_path(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url, api_version="1.44") as docker:
        assert docker.api_version == (1, 44)
    assert _targets(fault) == ["GET /v1.44/version"]


def test_a_daemon_newer_than_we_model_is_asked_once_whether_it_takes_ours(
    fault: FaultServer,
) -> None:
    fault.set("echo", persona="next")
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 56)
    assert _targets(fault) == ["GET /_ping", "GET /v1.56/version"]


def test_a_daemon_newer_than_we_model_refusing_ours_is_unsupported(fault: FaultServer) -> None:
    fault.set("echo", persona="next_strict")
    with pytest.raises(nk.UnsupportedDaemon) as caught:
        nk.connect(fault.url)
    # The daemon's own words, naming both versions.
    assert "client version 1.56 is too old" in str(caught.value)
    assert "Minimum supported API version is 1.58" in str(caught.value)
    assert _targets(fault) == ["GET /_ping", "GET /v1.56/version"]


def test_a_ping_without_the_header_falls_back_to_version(fault: FaultServer) -> None:
    # An old daemon: its ping names no version (here every answer is the version document).
    body = json.dumps({"ApiVersion": "1.30", "MinAPIVersion": "1.12"}).encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    fault.set("script", version=True, data=base64.b64encode(head % len(body) + body).decode())
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 30)
    assert _targets(fault) == ["GET /_ping", "GET /version"]


def test_a_pinged_version_below_the_oldest_we_speak_is_refused(fault: FaultServer) -> None:
    head = b"HTTP/1.1 200 OK\r\nApi-Version: 1.16\r\nContent-Length: 2\r\n\r\nOK"
    fault.set("script", version=True, data=base64.b64encode(head).decode())
    with pytest.raises(nk.UnsupportedDaemon, match=r"speaks API 1\.16.*1\.17 or newer"):
        nk.connect(fault.url)
    assert _targets(fault) == ["GET /_ping"]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The targets of the requests this process sends (watched, not changed)."""
    targets: list[str] = []
    send = Channel.send_request

    def watched(channel: Channel, request: Request) -> Any:
        targets.append(request.target)
        return send(channel, request)

    monkeypatch.setattr(Channel, "send_request", watched)
    yield targets


def test_real_engines_are_negotiated_without_get_version(engine: Engine, sent: list[str]) -> None:
    with nk.connect(engine.daemon.unix_url) as docker:
        assert docker.api_version == (1, 41)  # dockerd 20.10 and Podman 4.3 alike
        assert sent == ["/_ping"]
        assert docker.version().get(10)["ApiVersion"] == "1.41"
