"""Today's engines: API negotiation up to 1.56, and the endpoints and options of 1.42-1.56."""

from __future__ import annotations

import base64

import pytest
from faultserver import FaultServer

import nkdocker_actors as nk
from nkdocker_actors import sandbox
from nkdocker_actors.connection import NEWEST_API

# -- negotiation ---------------------------------------------------------------------


def test_newest_modelled_version_is_1_56() -> None:
    assert NEWEST_API == (1, 56)


def test_docker29_persona_talks_1_52(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 52)
        echo = docker.ps().get(10)  # echoed back: the request went out on /v1.52/
    assert echo["Echo"]["target"].startswith("/v1.52/containers/json")


def test_docker29_persona_refuses_a_pin_below_its_minimum(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with pytest.raises(nk.UnsupportedDaemon) as caught:
        nk.connect(fault.url, api_version="1.41")
    # The daemon's own words, naming both versions.
    assert "client version 1.41 is too old" in str(caught.value)
    assert "Minimum supported API version is 1.44" in str(caught.value)


def test_docker29_persona_takes_a_pin_in_its_range(fault: FaultServer) -> None:
    fault.set("echo", persona="docker29")
    with nk.connect(fault.url, api_version="1.44") as docker:
        assert docker.api_version == (1, 44)


def test_a_call_refused_as_too_old_is_unsupported_daemon(fault: FaultServer) -> None:
    # The daemon changed under a connection that negotiated 1.41: the same typed error.
    with nk.connect(fault.url) as docker:
        assert docker.api_version == (1, 41)
        fault.set("echo", persona="docker29")
        with pytest.raises(nk.UnsupportedDaemon, match=r"1\.41 is too old.*1\.44"):
            docker.ps().get(10)


def test_dockerd_20_10_talks_1_41(daemon: sandbox.SandboxInfo) -> None:
    with nk.connect(daemon.unix_url) as docker:
        assert docker.api_version == (1, 41)
        assert docker.ps(all=True).get(10) is not None


def test_a_daemon_whose_minimum_is_above_what_we_model_is_refused(fault: FaultServer) -> None:
    body = b'{"ApiVersion": "1.60", "MinAPIVersion": "1.58"}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    fault.set("script", version=True, data=base64.b64encode(head % len(body) + body).decode())
    with pytest.raises(nk.UnsupportedDaemon, match=r"1\.58 to 1\.60.*at most 1\.56"):
        nk.connect(fault.url)
