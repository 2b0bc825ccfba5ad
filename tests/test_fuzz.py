"""Fuzzing create options and identifiers through the public commands (hypothesis).

Every call goes through `docker.<command>(...)` to the fault server in "echo"
mode, which checks each request it receives is well-formed HTTP (RFC 3986
target, no `.`/`..` segments, no smuggled `?`/`#`/`/`, one Host, consistent
length, strict JSON body) and echoes it back. The only acceptable outcomes are
`InvalidOption`, raised in the caller before anything is sent, or a well-formed
request carrying exactly what was asked; any other exception fails.

CI runs 300 examples per test; NK_LONG=1 runs 10,000.
"""

from __future__ import annotations

import base64
import contextlib
import os
import string
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from faultserver import FaultServer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_options import VALID_OPTIONS

import nkdocker_actors as nk
from nkdocker_actors.options import CREATE_OPTIONS

LONG = os.environ.get("NK_LONG") == "1"
EXAMPLES = 10_000 if LONG else 300
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
APIS = ("1.18", "1.24", "1.41")
CALL_CONTROL = {"timeout", "reply_to", "subscriber"}  # not options: how a call travels


@pytest.fixture(scope="module")
def echo_server() -> Iterator[FaultServer]:
    server = FaultServer()
    server.set("echo")
    yield server
    server.close()


@pytest.fixture(scope="module")
def dockers(echo_server: FaultServer) -> Iterator[dict[str, nk.Docker]]:
    """One connection per API version, to the echoing fault server."""
    # No liveness pings: under 10,000 examples the echo server (one Python process) can take
    # longer than a ping's 10 s to accept one more connection; what is fuzzed is the input.
    connections = {
        api: nk.connect(echo_server.url, api_version=api, timeout=10, liveness=0) for api in APIS
    }
    yield connections
    for docker in connections.values():
        docker.close()


# -- strategies ----------------------------------------------------------------------

# Values that look like what options take, so that fuzzing reaches past the first check.
PLAUSIBLE = [
    "1g", "512m", "1.5", "0", "-1", "10s", "1m30s", "80", "80/tcp", "53/udp", "8080:80",
    "127.0.0.1:8080:80/tcp", "/tmp:/data:ro", "data:/data", "/data", "SIGTERM", "KILL", "9",
    "on-failure:3", "always", "no", "bridge", "host", "none", "container:c1", "default",
    "127.0.0.1", "10.0.0.5", "::1", "aa:bb:cc:dd:ee:ff", "0-3", "0,2", "CMD-SHELL", "CMD",
    "NONE", "nofile=1024:2048", "size=64m", "rw,size=64m", "json-file", "c1:alias",
    "busybox:latest", "a=b", "FOO=bar", "net.ipv4.ip_forward", "", " ", "..", "../x", "\x00",
    "\n", "é", "/", "//", "a" * 300, "private", "rshared", "bind", "volume", "tmpfs",
]  # fmt: skip
KEYS = [
    "Type", "Target", "Source", "ReadOnly", "test", "interval", "timeout", "retries",
    "start_period", "Name", "MaximumRetryCount", "type", "config", "80/tcp", "HostIp",
    "HostPort", "Soft", "Hard", "name", "soft", "hard", "BindOptions", "Propagation",
    "TmpfsOptions", "SizeBytes", "PathOnHost", "PathInContainer", "CgroupPermissions",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-5, max_value=70000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=24),
    st.binary(max_size=8),
    st.sampled_from(PLAUSIBLE),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.frozensets(st.sampled_from(PLAUSIBLE), max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS + PLAUSIBLE), st.text(max_size=8)), children, max_size=4
        ),
    ),
    max_leaves=12,
)
OPTION_NAMES = st.one_of(
    st.sampled_from(sorted(CREATE_OPTIONS)),
    st.text(max_size=12).filter(lambda k: k not in CALL_CONTROL),
)
RANDOM_OPTIONS = st.dictionaries(OPTION_NAMES, VALUES, max_size=6)
# Valid options (as tests/test_options.py generates them), alone or with one random change.
VALID = st.sets(st.sampled_from(sorted(VALID_OPTIONS)), max_size=5).flatmap(
    lambda names: st.fixed_dictionaries({name: VALID_OPTIONS[name] for name in names})
)
OPTIONS = st.one_of(
    RANDOM_OPTIONS,
    VALID,
    st.tuples(VALID, st.dictionaries(OPTION_NAMES, VALUES, min_size=1, max_size=1)).map(
        lambda pair: {**pair[0], **pair[1]}
    ),
)

# Identifiers: random text, and strings built from the pieces crafted ones are made of.
PIECES = [
    "..", ".", "a", "b1", "c0ffee", "%2F", "%2f", "%2e", "%2E%2E", "?", "#", "/", "//", ":",
    "@", "sha256", "latest", "localhost:5000", "\\", " ", "\x00", "\r\n", "é", "_", "-", "+",
    ";", "&", "=", "~", "*",
]  # fmt: skip
IDENTIFIERS = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=40),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join),
    st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,30}", fullmatch=True),
    st.from_regex(r"([a-z0-9]+/)?[a-z0-9]+(:[a-z0-9._-]{1,10})?", fullmatch=True),
)


IMAGES = ["busybox:latest", "busybox", "a/b:1", "localhost:5000/x/y:2", "sha256:" + "ab" * 32]

# -- checks --------------------------------------------------------------------------


def echoed(future: Any) -> dict[str, Any]:
    """The request the server received (a 400 from it, BadParameter, fails the test)."""
    reply = future.get(30)
    assert isinstance(reply, dict) and "Echo" in reply, reply
    return reply["Echo"]  # type: ignore[no-any-return]


def test_fuzz_create(dockers: dict[str, nk.Docker]) -> None:
    @FUZZ
    @given(
        api=st.sampled_from(APIS),
        image=st.one_of(st.sampled_from(IMAGES), st.sampled_from(IMAGES), IDENTIFIERS),
        name=st.one_of(
            st.none(), st.from_regex(r"[a-z0-9][a-z0-9_.-]{1,20}", fullmatch=True), IDENTIFIERS
        ),
        options=OPTIONS,
    )
    def run(api: str, image: Any, name: Any, options: dict[str, Any]) -> None:
        if name is not None:
            options = {**options, "name": name}
        try:
            future = dockers[api].create(image, **options)
        except nk.InvalidOption:
            event("refused")
            return
        event("sent")
        echo = echoed(future)
        parts = urlsplit(echo["target"])
        assert echo["method"] == "POST"
        assert parts.path == f"/v{api}/containers/create"
        query = parse_qs(parts.query, keep_blank_values=True)
        if options.get("name") is not None:
            assert query["name"][0].lstrip("/") == str(options["name"]).lstrip("/")
        body = echo["body"]
        assert isinstance(body, dict) and body["Image"] == image
        assert isinstance(body["HostConfig"], dict)

    run()


# (command, call, path template)
INSPECTORS: list[tuple[str, Callable[[nk.Docker, Any], Any], str]] = [
    ("inspect", lambda d, x: d.inspect(x), "/containers/{}/json"),
    ("top", lambda d, x: d.top(x), "/containers/{}/top"),
    ("inspect_image", lambda d, x: d.inspect_image(x), "/images/{}/json"),
    ("history", lambda d, x: d.history(x), "/images/{}/history"),
    ("exec_inspect", lambda d, x: d.exec_inspect(x), "/exec/{}/json"),
    ("network_inspect", lambda d, x: d.network_inspect(x), "/networks/{}"),
    ("volume_inspect", lambda d, x: d.volume_inspect(x), "/volumes/{}"),
]


def test_fuzz_identifiers_in_paths(dockers: dict[str, nk.Docker]) -> None:
    docker = dockers["1.41"]

    @FUZZ
    @given(inspector=st.sampled_from(INSPECTORS), identifier=IDENTIFIERS)
    def run(inspector: tuple[str, Callable[[nk.Docker, Any], Any], str], identifier: str) -> None:
        command, call, template = inspector
        try:
            future = call(docker, identifier)
        except nk.InvalidOption:
            event(f"{command}: refused")
            return
        event(f"{command}: sent")
        target = echoed(future)["target"]
        path, _, query = target.partition("?")
        assert not query and "#" not in target
        # The identifier arrives whole, in its own place, exactly as given (a container
        # written "/name", as inspect shows it, may lose its slash).
        assert unquote(path) in {
            "/v1.41" + template.format(identifier),
            "/v1.41" + template.format(identifier.lstrip("/")),
        }, (identifier, target)

    run()


MUTATORS: list[tuple[str, Callable[[nk.Docker, Any, Any], Any]]] = [
    ("rm", lambda d, x, y: d.rm(x, force=True)),
    ("rename", lambda d, x, y: d.rename(x, y)),
    ("tag", lambda d, x, y: d.tag(x, y)),
    ("rmi", lambda d, x, y: d.rmi(x)),
    ("network_connect", lambda d, x, y: d.network_connect(x, y)),
    ("volume_rm", lambda d, x, y: d.volume_rm(x)),
    ("kill", lambda d, x, y: d.kill(x, signal=y)),
    ("exec_create", lambda d, x, y: d.exec_create(x, [str(y)])),
]


def test_fuzz_identifiers_in_commands_that_change_things(dockers: dict[str, nk.Docker]) -> None:
    """No reply to look at: the server's own checks (a 400, so BadParameter) must pass."""
    docker = dockers["1.41"]

    @FUZZ
    @given(
        mutator=st.sampled_from(MUTATORS),
        first=IDENTIFIERS,
        second=st.one_of(IDENTIFIERS, SCALARS),
    )
    def run(
        mutator: tuple[str, Callable[[nk.Docker, Any, Any], Any]], first: str, second: Any
    ) -> None:
        command, call = mutator
        try:
            future = call(docker, first, second)
        except nk.InvalidOption:
            event(f"{command}: refused")
            return
        event(f"{command}: sent")
        future.get(30)

    run()


# -- hostile answers -----------------------------------------------------------------

# Pieces of HTTP answers, well- and ill-formed, that the fuzzer strings together.
FRAGMENTS = [
    b"HTTP/1.1 200 OK\r\n", b"HTTP/1.0 200 OK\r\n", b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 404 Not Found\r\n", b"HTTP/1.1 301 Moved\r\nLocation: /x\r\n",
    b"HTTP/1.1 500 Oops\r\n", b"HTTP/1.1 101 Switching\r\n", b"HTTP/1.1 204 No Content\r\n",
    b"Content-Length: 2\r\n", b"Content-Length: 0\r\n", b"Content-Length: 99999999\r\n",
    b"Content-Length: -1\r\n", b"Transfer-Encoding: chunked\r\n", b"Connection: close\r\n",
    b"Connection: keep-alive\r\n", b"Content-Type: application/json\r\n", b"X: y\r\n",
    b"\r\n", b"\r\n\r\n", b"\n", b"[]", b"{}", b'{"message": "m"}', b'{"status":"a"}\n',
    b"5\r\nhello\r\n", b"2\r\n[]\r\n", b"0\r\n\r\n", b"0\r\n", b"ffffffff\r\n", b"zz\r\n",
    b"\x01\x00\x00\x00\x00\x00\x00\x03abc", b"\x02\x00\x00\x00\xff\xff\xff\xff", b"\x00" * 8,
]  # fmt: skip
ANSWERS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=16)), max_size=12)
ANSWER_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def script_server() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.close()


def test_fuzz_answers(script_server: FaultServer, no_leaks: None) -> None:
    """Whatever bytes come back: a result or a typed error, within the timeout; and a
    stream's ref ends exactly once."""
    with nk.connect(script_server.url, timeout=ANSWER_TIMEOUT) as docker:

        @FUZZ
        @given(pieces=ANSWERS, stream=st.booleans())
        def run(pieces: list[bytes], stream: bool) -> None:
            script_server.set("script", data=base64.b64encode(b"".join(pieces)).decode())
            started = time.monotonic()
            if stream:
                inbox = nk.Inbox()
                try:
                    ref = docker.events(subscriber=inbox, timeout=ANSWER_TIMEOUT).get(10)
                except nk.NkDockerError:
                    return
                ends = []
                while not ends:
                    message = inbox.get(timeout=ANSWER_TIMEOUT + 3)
                    assert message.ref is ref
                    if isinstance(message.payload, nk.Done | nk.Failed):
                        ends.append(message.payload)
                if isinstance(ends[0], nk.Failed):
                    assert isinstance(ends[0].error, nk.ConnectionFailed | nk.DockerError)
                with pytest.raises(TimeoutError):
                    inbox.get(timeout=0.01)
            else:
                with contextlib.suppress(nk.ConnectionFailed, nk.DockerError):
                    docker.ps().get(10)  # a result, or a typed error
            assert time.monotonic() - started < ANSWER_TIMEOUT + 3

        run()
