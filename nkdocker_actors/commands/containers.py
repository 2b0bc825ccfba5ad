"""Container commands."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from .. import identifiers
from ..errors import InvalidOption
from ..http11 import ResponseHead
from ..options import CREATE_OPTIONS, UPDATE_OPTIONS, create_body, update_body
from .spec import (
    SECONDS_MAX,
    TTY_SIZE_MAX,
    ApiVersion,
    Body,
    Command,
    Context,
    Field,
    as_data,
    bytes_reply,
    choice,
    count,
    count_upto,
    filters,
    flag,
    ident,
    in_body,
    in_path,
    in_query,
    list_reply,
    local,
    local_file,
    none_reply,
    output_reply,
    signal,
    text,
    timestamp,
)

_C = {"container": in_path("container")}
_FILE = local(local_file)


def _create_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    options = {k: v for k, v in values.items() if k not in ("image", "name", "platform")}
    body = create_body(values["image"], options, api)
    return json.dumps(body).encode(), "application/json"


def _update_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    return json.dumps(update_body(values, api)).encode(), "application/json"


def _copy_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    return json.dumps({"Resource": text("path", values["path"])}).encode(), "application/json"


def _port_key(name: str, value: Any) -> str:
    """A private port as NetworkSettings.Ports keys it ("53/udp"), or a bare "80" (any protocol)."""
    key = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(key, str) or not re.fullmatch(r"[1-9][0-9]{0,4}(?:/(?:tcp|udp|sctp))?", key):
        raise InvalidOption(f"option {name!r}: bad value {value!r} (expected 80 or '80/udp')")
    return key


def _ports_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    ports = (json.loads(body).get("NetworkSettings") or {}).get("Ports") or {}
    if "private_port" not in ctx.values:
        return ports
    key = ctx.values["private_port"]
    if "/" in key:
        return ports.get(key)
    # A bare port: its tcp bindings, else the first protocol that publishes it.
    found = [
        ports[f"{key}/{proto}"] for proto in ("tcp", "udp", "sctp") if f"{key}/{proto}" in ports
    ]
    return found[0] if found else None


def _stat_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    return json.loads(base64.b64decode(head.headers.get("x-docker-container-path-stat", "")))


def _container_or_link(name: str, value: Any) -> str:
    """A container, or (for rm with link=True) a link named "container/alias"."""
    if isinstance(value, str) and "/" in value.lstrip("/"):
        parent, _, alias = value.lstrip("/").partition("/")
        return f"{identifiers.check('container', parent)}/{identifiers.check('container', alias)}"
    return identifiers.check("container", value)


def _link_needs_flag(values: dict[str, Any]) -> None:
    container = values.get("container")
    if "/" in _container_or_link("container", container).lstrip("/") and not values.get("link"):
        raise InvalidOption(f"rm: {container!r} names a link: give link=True to remove it")


def _ps_filters(values: dict[str, Any]) -> None:
    """NkDOCKER's `before` / `since` become filters: dockerd 20.10 ignores them as query
    parameters (at every API version) but honours the filters."""
    for key in ("before", "since"):
        existing = values.get("filters", {})
        if key not in values or not isinstance(existing, Mapping):
            continue  # (bad filters: their encoder refuses them)
        given = existing.get(key, [])
        given = list(given) if isinstance(given, list | tuple) else [given]
        values["filters"] = {**existing, key: [*given, ident("container")(key, values.pop(key))]}


_LOG_FIELDS = {
    **_C,
    "follow": in_query("follow", flag),
    "stdout": in_query("stdout", flag),
    "stderr": in_query("stderr", flag),
    "since": in_query("since", timestamp, since=(1, 19)),
    "until": in_query("until", timestamp, since=(1, 35)),
    "timestamps": in_query("timestamps", flag),
    "tail": in_query("tail", lambda n, v: "all" if v == "all" else count(n, v)),
    "details": in_query("details", flag),  # (1.25; an older daemon reads no such query)
}
_STOP_FIELDS = {
    **_C,
    "t": in_query("t", count_upto(SECONDS_MAX)),
    "signal": in_query("signal", signal, since=(1, 42)),
}
_ARCHIVE_PATH = in_query("path", text)
_ARCHIVE = (1, 20)
_ATTACH = {  # attach and attach_ws: the same options, over a hijacked socket or a websocket
    **_C,
    "logs": in_query("logs", flag),
    "stream": in_query("stream", flag),
    "stdin": in_query("stdin", flag),
    "stdout": in_query("stdout", flag),
    "stderr": in_query("stderr", flag),
    "detach_keys": in_query("detachKeys", text, since=(1, 25)),
}

COMMANDS = (
    Command(
        "ps",
        "GET",
        "/containers/json",
        "List containers (running ones unless all=True).",
        fields={
            "all": in_query("all", flag),
            "limit": in_query("limit", count),
            "size": in_query("size", flag),
            "before": local(ident("container")),
            "since": local(ident("container")),
            "filters": in_query("filters", filters),
        },
        prepare=_ps_filters,
        reply=list_reply,
    ),
    Command(
        "create",
        "POST",
        "/containers/create",
        "Create a container from an image with create options; returns {'Id', 'Warnings'}.",
        params=("image",),
        fields={
            "image": in_body("Image", ident("image")),
            "name": in_query("name", ident("container")),
            "platform": in_query("platform", text, since=(1, 41)),
        },
        body=_create_body,
        body_options=CREATE_OPTIONS,
        mode="exclusive",
    ),
    Command(
        "inspect",
        "GET",
        "/containers/{container}/json",
        "Low-level information.",
        params=("container",),
        fields={**_C, "size": in_query("size", flag, since=(1, 21))},
    ),
    Command(
        "top",
        "GET",
        "/containers/{container}/top",
        "Processes running inside.",
        params=("container",),
        optional=("ps_args",),
        fields={**_C, "ps_args": in_query("ps_args", text)},
    ),
    Command(
        "logs",
        "GET",
        "/containers/{container}/logs",
        "The container's output: a list of Output, or with a subscriber (and follow) a stream.",
        params=("container",),
        fields=_LOG_FIELDS,
        defaults={"stdout": True, "stderr": True},
        reply=output_reply,
        needs_tty=True,
        mode="exclusive",
        stream="raw",
        stream_when=lambda values: bool(values.get("follow")),
    ),
    Command(
        "diff",
        "GET",
        "/containers/{container}/changes",
        "Filesystem changes: [{'Path', 'Kind'}] (Kind 0 modified, 1 added, 2 deleted).",
        params=("container",),
        fields=_C,
        reply=list_reply,
    ),
    Command(
        "export",
        "GET",
        "/containers/{container}/export",
        "The filesystem as a tar: written to `file` (a path or a binary file), else bytes.",
        params=("container",),
        optional=("file",),
        fields={**_C, "file": _FILE},
        reply=bytes_reply,
        mode="exclusive",
        to_file="file",
        timeout=None,
    ),
    Command(
        "stats",
        "GET",
        "/containers/{container}/stats",
        "Resource usage: one sample, or with a subscriber a stream of samples as Data.",
        params=("container",),
        # `stream` arrived with API 1.19, but dockerd honours it at every version.
        fields={
            **_C,
            "stream": in_query("stream", flag),
            "one_shot": in_query("one-shot", flag, since=(1, 41)),
        },
        sync_defaults={"stream": False},
        mode="exclusive",
        stream="json",
        stream_when=lambda values: values.get("stream", True) is not False,
        timeout=None,
    ),
    Command(
        "resize",
        "POST",
        "/containers/{container}/resize",
        "Resize the TTY to w columns and h rows.",
        params=("container", "w", "h"),
        fields={
            **_C,
            "w": in_query("w", count_upto(TTY_SIZE_MAX)),
            "h": in_query("h", count_upto(TTY_SIZE_MAX)),
        },
        reply=none_reply,
    ),
    Command(
        "start",
        "POST",
        "/containers/{container}/start",
        "Start a container (NotModified if it runs already).",
        params=("container",),
        fields={**_C, "detach_keys": in_query("detachKeys", text, since=(1, 25))},
        reply=none_reply,
        mode="exclusive",
    ),
    Command(
        "stop",
        "POST",
        "/containers/{container}/stop",
        "Stop, killing after t seconds (NotModified if it is stopped already).",
        params=("container",),
        optional=("t",),
        fields=_STOP_FIELDS,
        reply=none_reply,
        mode="exclusive",
        timeout=None,
    ),
    Command(
        "restart",
        "POST",
        "/containers/{container}/restart",
        "Restart, killing after t seconds.",
        params=("container",),
        optional=("t",),
        fields=_STOP_FIELDS,
        reply=none_reply,
        mode="exclusive",
        timeout=None,
    ),
    Command(
        "kill",
        "POST",
        "/containers/{container}/kill",
        "Send a signal (SIGKILL by default).",
        params=("container",),
        optional=("signal",),
        fields={**_C, "signal": in_query("signal", signal)},
        reply=none_reply,
        mode="exclusive",
    ),
    Command(
        "update",
        "POST",
        "/containers/{container}/update",
        "Change resources or the restart policy, given as create options: "
        + ", ".join(sorted(UPDATE_OPTIONS))
        + ". Returns {'Warnings'}.",
        params=("container",),
        fields=_C,
        body=_update_body,
        body_options=UPDATE_OPTIONS,
        mode="exclusive",
        since_api=(1, 22),
    ),
    Command(
        "rename",
        "POST",
        "/containers/{container}/rename",
        "Rename a container (Conflict if the name is taken).",
        params=("container", "name"),
        fields={**_C, "name": in_query("name", ident("container"))},
        reply=none_reply,
    ),
    Command(
        "pause",
        "POST",
        "/containers/{container}/pause",
        "Pause all processes.",
        params=("container",),
        fields=_C,
        reply=none_reply,
    ),
    Command(
        "unpause",
        "POST",
        "/containers/{container}/unpause",
        "Resume all processes.",
        params=("container",),
        fields=_C,
        reply=none_reply,
    ),
    Command(
        "attach",
        "POST",
        "/containers/{container}/attach",
        "Attach to stdin/stdout/stderr: with a subscriber and stream=True, a bidirectional "
        "stream (attach_send, close_stdin); without, the output so far (logs=True).",
        params=("container",),
        fields=_ATTACH,
        reply=output_reply,
        needs_tty=True,
        mode="exclusive",
        stream="hijack",
        stream_when=lambda values: bool(values.get("stream")),
        timeout=None,
    ),
    Command(
        "attach_ws",
        "GET",
        "/containers/{container}/attach/ws",
        "Attach over a websocket: with a subscriber and stream=True, each frame's payload "
        "comes as Data(bytes), stdout and stderr unmultiplexed; attach_send writes stdin, "
        "close_stdin starts the close handshake, which ends the stream Done('closed: 1000'). "
        "Without (logs=True): the output so far, as bytes. Podman 4.3 does not offer it "
        "(NotFound).",
        params=("container",),
        fields=_ATTACH,  # stdin/stdout/stderr honoured by dockerd over a websocket since 1.42
        reply=bytes_reply,  # (the frames' payloads: see calls.run_exclusive)
        mode="exclusive",
        stream="websocket",
        stream_when=lambda values: bool(values.get("stream")),
        timeout=None,
    ),
    Command(
        "wait",
        "POST",
        "/containers/{container}/wait",
        "Block until the container stops: {'StatusCode': ...}.",
        params=("container",),
        fields={
            **_C,
            "condition": in_query(
                "condition", choice("not-running", "next-exit", "removed"), since=(1, 30)
            ),
        },
        mode="exclusive",
        timeout=None,
    ),
    Command(
        "rm",
        "DELETE",
        "/containers/{container}",
        "Remove a container (Conflict if it runs, unless force=True); v removes its volumes; "
        "with link=True, `container` names a link to remove: 'container/alias'.",
        params=("container",),
        fields={
            "container": Field("path", encode=_container_or_link),
            "force": in_query("force", flag),
            "v": in_query("v", flag),
            "link": in_query("link", flag),
        },
        prepare=_link_needs_flag,
        reply=none_reply,
        mode="exclusive",
    ),
    Command(
        "cp",
        "POST",
        "/containers/{container}/copy",
        "Copy a path out of the container as a tar: written to `file`, else bytes.",
        params=("container", "path"),
        optional=("file",),
        fields={**_C, "file": _FILE},
        body=_copy_body,
        body_options=frozenset({"path"}),
        reply=bytes_reply,
        mode="exclusive",
        to_file="file",
        timeout=None,
        until_api=_ARCHIVE,
    ),
    Command(
        "cp",
        "GET",
        "/containers/{container}/archive",
        "Copy a path out of the container as a tar: written to `file`, else bytes.",
        params=("container", "path"),
        optional=("file",),
        fields={**_C, "path": _ARCHIVE_PATH, "file": _FILE},
        reply=bytes_reply,
        mode="exclusive",
        to_file="file",
        timeout=None,
        since_api=_ARCHIVE,
    ),
    Command(
        "get_archive",
        "GET",
        "/containers/{container}/archive",
        "A tar of a path in the container: written to `file`, else bytes.",
        params=("container", "path"),
        optional=("file",),
        fields={**_C, "path": _ARCHIVE_PATH, "file": _FILE},
        reply=bytes_reply,
        mode="exclusive",
        to_file="file",
        timeout=None,
        since_api=_ARCHIVE,
    ),
    Command(
        "archive_stat",
        "HEAD",
        "/containers/{container}/archive",
        "Stat a path in the container: {'name', 'size', 'mode', 'mtime', 'linkTarget'}.",
        params=("container", "path"),
        fields={**_C, "path": _ARCHIVE_PATH},
        reply=_stat_reply,
        since_api=_ARCHIVE,
    ),
    Command(
        "put_archive",
        "PUT",
        "/containers/{container}/archive",
        "Extract a tar (bytes, iterable or binary file) into a directory of the container.",
        params=("container", "path", "data"),
        fields={
            **_C,
            "path": _ARCHIVE_PATH,
            "data": as_data(),
            "no_overwrite_dir_non_dir": in_query("noOverwriteDirNonDir", flag),
            "copy_uid_gid": in_query("copyUIDGID", flag, since=(1, 30)),
        },
        reply=none_reply,
        mode="exclusive",
        timeout=None,
        since_api=_ARCHIVE,
    ),
    Command(
        "port",
        "GET",
        "/containers/{container}/json",
        "Published ports: {'80/tcp': [{'HostIp', 'HostPort'}], ...}; given a private_port "
        "(80, '80/udp'), that port's bindings (None if it is not published).",
        params=("container",),
        optional=("private_port",),
        fields={**_C, "private_port": local(_port_key)},
        reply=_ports_reply,
    ),
    Command(
        "container_prune",
        "POST",
        "/containers/prune",
        "Remove stopped containers: {'ContainersDeleted', 'SpaceReclaimed'}.",
        fields={"filters": in_query("filters", filters)},
        mode="exclusive",
        since_api=(1, 25),
    ),
)
