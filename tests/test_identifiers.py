"""Identifier safety: grammars (property-based), every command's path identifiers, and the
proof against a real daemon that `rm("../images/x")` cannot reach image x."""

from __future__ import annotations

import http.client
import io
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nkdocker_actors as nk
from nkdocker_actors import identifiers, sandbox
from nkdocker_actors.commands import COMMANDS
from nkdocker_actors.commands.spec import build
from nkdocker_actors.http11 import Channel

KINDS = sorted(identifiers.KINDS)
CRAFTED = [
    "../images/x",
    "a/../b",
    "x?y",
    "x#y",
    "%2F",
    "..%2Fimages%2Fx",
    "..",
    ".",
    "a\x00b",
    "a\nb",
    "a\rb",
    "a\x7fb",
    "a b",
    " a",
    "a\tb",
    "",
    "/",
    "//x",
    "x/",
    "../x",
    "x/..",
    "a..b",
]

# Values for the parameters that are not under test.
SAMPLES: dict[str, Any] = {
    "w": 80,
    "h": 24,
    "path": "/tmp",
    "file": io.BytesIO(),
    "data": b"",
    "tar": b"",
    "cmds": ["true"],
    "name": "nk-sample",
    "repo": "nk-sample",
    "names": ["busybox:latest"],
    "term": "busybox",
    "image": "busybox:latest",
    "from_image": "busybox",
    "username": "u",
    "password": "p",
    "container": "nk-sample",
    "remote": "nk/plugin",
    "settings": ["DEBUG=1"],
    "version": 1,
    "spec": {},
    "remote_addrs": ["127.0.0.1:2377"],
    "join_token": "SWMTKN-1-sample",
    "unlock_key": "SWMKEY-1-sample",
}


def raw_request(daemon: sandbox.SandboxInfo, method: str, target: str) -> tuple[int, Any]:
    """One request straight on the daemon's socket, bypassing this package: status, headers."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(daemon.unix_socket))
    connection = http.client.HTTPConnection("localhost")
    connection.sock = sock
    try:
        connection.request(method, target)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()


def _path_identifiers() -> Iterator[tuple[str, Any, str]]:
    """(command name, variant, parameter) for every identifier in every request path."""
    for name, variants in sorted(COMMANDS.items()):
        for variant in variants:
            for param in re.findall(r"{(\w+)}", variant.path):
                yield name, variant, param


PATH_IDS = list(_path_identifiers())


def test_every_path_identifier_is_checked() -> None:
    # The tables hold at least the identifiers of every area.
    names = {name for name, _, _ in PATH_IDS}
    assert {"rm", "inspect", "inspect_image", "rmi", "exec_inspect", "network_rm"} <= names
    assert {"volume_rm", "push", "cp", "get_archive", "put_archive"} <= names
    for name, variant, param in PATH_IDS:
        assert variant.fields[param].place == "path", (name, param)


@pytest.mark.parametrize(("name", "variant", "param"), PATH_IDS, ids=lambda v: str(v)[:40])
def test_crafted_path_identifiers_raise(name: str, variant: Any, param: str) -> None:
    until = variant.until_api
    api = variant.since_api or ((until[0], until[1] - 1) if until else (1, 41))
    for crafted in CRAFTED:
        args = tuple(crafted if p == param else SAMPLES[p] for p in variant.params)
        with pytest.raises(nk.InvalidOption, match=r"invalid .* identifier"):
            build(variant, args, {}, api)
    # and a good identifier goes through, quoted, in the path
    args = tuple("nkgood1" if p == param else SAMPLES[p] for p in variant.params)
    options = {"memory": "64m"} if name == "update" else {}
    assert "/nkgood1" in build(variant, args, options, api).request.target


# Identifiers that travel in a query string or body: checked all the same.
OTHER_IDS = [
    ("rename", ("c1",), "name"),
    ("create", ("busybox:latest",), "name"),
    ("create", (), "image"),
    ("commit", (), "container"),
    ("commit", ("c1",), "repo"),
    ("tag", ("busybox",), "repo"),
    ("tag", ("busybox", "nk"), "tag"),
    ("pull", (), "from_image"),
    ("create_image", (), "from_image"),
    ("get_images", (), "names"),
    ("build", (b"",), "t"),
    ("ps", (), "before"),
    ("network_connect", ("n1",), "container"),
    # (network_create's name travels in the body, where dockerd takes any text: see
    # test_api_latest.py.)
    ("volume_create", (), "name"),
]


@pytest.mark.parametrize(("name", "args", "option"), OTHER_IDS)
def test_crafted_identifiers_in_query_or_body_raise(
    name: str, args: tuple[Any, ...], option: str
) -> None:
    command = COMMANDS[name][-1]
    for crafted in CRAFTED:
        with pytest.raises(nk.InvalidOption, match=r"invalid .* identifier"):
            build(command, args, {option: crafted}, (1, 41))


def test_nothing_is_sent_for_a_crafted_identifier(
    docker: nk.Docker, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    original = Channel.send_request

    def record(self: Channel, request: Any) -> None:
        sent.append(request.target)
        original(self, request)

    monkeypatch.setattr(Channel, "send_request", record)
    for name, variant, param in PATH_IDS:
        for crafted in ("../images/x", "a/../b", "x?y", "%2F", "a\nb"):
            args = tuple(crafted if p == param else SAMPLES[p] for p in variant.params)
            with pytest.raises(nk.InvalidOption):
                docker.call(name, *args)
    assert sent == []
    docker.ping().get(10)
    assert len(sent) == 1  # the recorder works


def test_rm_cannot_reach_an_image(
    docker: nk.Docker, daemon: sandbox.SandboxInfo, name: Callable[[str], str]
) -> None:
    image = name("x")
    docker.tag("busybox:latest", image).get(10)
    try:
        # What a client following redirects would be led to: dockerd cleans the path.
        status, headers = raw_request(daemon, "DELETE", f"/v1.41/containers/../images/{image}")
        assert status == 301
        assert headers["location"] == f"/v1.41/images/{image}"
        for crafted in (f"../images/{image}", f"/../images/{image}", f"..%2Fimages%2F{image}"):
            with pytest.raises(nk.InvalidOption):
                docker.rm(crafted, force=True)
        with pytest.raises(nk.InvalidOption):
            docker.delete(f"/containers/../images/{image}")
        # a path dockerd redirects is refused, never followed
        with pytest.raises(nk.DockerError) as info:
            docker.delete(f"/containers//{image}").get(10)
        assert info.value.status == 301
        assert "refused" in info.value.message
        assert f"{image}:latest" in docker.inspect_image(image).get(10)["RepoTags"]
    finally:
        docker.rmi(image).get(10)


def test_container_name_as_inspect_shows_it(docker: nk.Docker, name: Callable[[str], str]) -> None:
    container = name("slash")
    docker.create("busybox:latest", name=container, cmds=["true"]).get(10)
    try:
        # "/name" (as ps and inspect show it) loses its slash: no "//" reaches the path
        assert docker.inspect("/" + container).get(10)["Name"] == "/" + container
    finally:
        docker.rm(container).get(10)


# -- grammars, property-based ---------------------------------------------------------

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
names = st.text(_ALNUM, min_size=1, max_size=1).flatmap(
    lambda first: st.text(_ALNUM + "_.-", max_size=40).map(lambda rest: first + rest)
)
components = st.lists(st.text(_LOWER, min_size=1, max_size=8), min_size=1, max_size=3).flatmap(
    lambda parts: st.sampled_from([".", "_", "__", "-", "--"]).map(lambda s: s.join(parts))
)
domains = st.one_of(
    st.none(),
    st.sampled_from(["localhost:5000", "127.0.0.1:5000", "registry.example.com", "a-b.c"]),
)
tags = st.text(_ALNUM + "_", min_size=1, max_size=1).flatmap(
    lambda first: st.text(_ALNUM + "_.-", max_size=20).map(lambda rest: first + rest)
)


@st.composite
def references(draw: st.DrawFn) -> str:
    domain = draw(domains)
    path = "/".join(draw(st.lists(components, min_size=1, max_size=3)))
    ref = f"{domain}/{path}" if domain else path
    if draw(st.booleans()):
        ref += ":" + draw(tags)
    if draw(st.booleans()):
        ref += "@sha256:" + draw(st.text("0123456789abcdef", min_size=64, max_size=64))
    return ref


def _safe_in_path(value: str) -> None:
    quoted = identifiers.quote_segment(value)
    assert not set("?#%") & set(quoted)
    assert all(32 < ord(c) < 127 for c in quoted)
    segments = quoted.split("/")
    assert not {"", ".", ".."} & set(segments)


@settings(max_examples=300)
@given(names)
def test_valid_names_are_accepted(value: str) -> None:
    for kind in ("container", "network", "volume"):
        if ".." in value:
            with pytest.raises(nk.InvalidOption):
                identifiers.check(kind, value)
        else:
            assert identifiers.check(kind, value) == value
            _safe_in_path(value)
    if ".." not in value:
        assert identifiers.check("container", "/" + value) == value


@settings(max_examples=300)
@given(references())
def test_valid_references_are_accepted(value: str) -> None:
    if ".." in value:  # only a tag may hold "..": refused all the same
        with pytest.raises(nk.InvalidOption):
            identifiers.check("image", value)
        return
    assert identifiers.check("image", value) == value
    _safe_in_path(value)


@settings(max_examples=100)
@given(st.text("0123456789abcdef", min_size=1, max_size=64))
def test_image_ids_are_accepted(hexa: str) -> None:
    assert identifiers.check("image", hexa) == hexa
    assert identifiers.check("image", "sha256:" + hexa) == "sha256:" + hexa
    assert identifiers.check("exec", hexa) == hexa


_FORBIDDEN = st.one_of(
    st.sampled_from(["..", "?", "#", "%", " ", "\x7f"]),
    st.characters(max_codepoint=31).map(str),
)


@settings(max_examples=500)
@given(st.text(max_size=20), _FORBIDDEN, st.text(max_size=20), st.sampled_from(KINDS))
def test_forbidden_characters_are_refused(before: str, bad: str, after: str, kind: str) -> None:
    with pytest.raises(nk.InvalidOption):
        identifiers.check(kind, before + bad + after)


@settings(max_examples=500)
@given(st.text(max_size=40), st.sampled_from(KINDS))
def test_whatever_is_accepted_is_safe_in_a_path(value: str, kind: str) -> None:
    try:
        accepted = identifiers.check(kind, value)
    except nk.InvalidOption:
        return
    _safe_in_path(accepted)


def test_non_strings_are_refused() -> None:
    for value in (None, 1, b"x", ["x"]):
        with pytest.raises(nk.InvalidOption):
            identifiers.check("container", value)
