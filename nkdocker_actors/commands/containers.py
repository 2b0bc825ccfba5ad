"""Container commands."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..http11 import ResponseHead
from ..options import CREATE_OPTIONS, create_body
from .spec import (
    ApiVersion,
    Body,
    Command,
    Context,
    as_data,
    filters,
    flag,
    ident,
    in_body,
    in_path,
    in_query,
    integer,
    json_value,
    local,
    local_file,
    none_reply,
    output_reply,
    signal,
    text,
    timestamp,
)

_C = {"container": in_path("container")}


def _create_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    options = {k: v for k, v in values.items() if k not in ("image", "name", "platform")}
    body = create_body(values["image"], options, api)
    return json.dumps(body).encode(), "application/json"


def _copy_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    return json.dumps({"Resource": values["path"]}).encode(), "application/json"


def _ports_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    settings = json.loads(body).get("NetworkSettings") or {}
    return settings.get("Ports") or {}


def _wait_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    return json.loads(body)


_LOG_FIELDS = {
    **_C,
    "follow": in_query("follow", flag),
    "stdout": in_query("stdout", flag),
    "stderr": in_query("stderr", flag),
    "since": in_query("since", timestamp),
    "until": in_query("until", timestamp),
    "timestamps": in_query("timestamps", flag),
    "tail": in_query("tail", lambda n, v: "all" if v == "all" else str(integer(n, v))),
}

COMMANDS = (
    Command(
        "ps",
        "GET",
        "/containers/json",
        "List containers (running ones unless all=True).",
        fields={
            "all": in_query("all", flag),
            "limit": in_query("limit", lambda n, v: str(integer(n, v))),
            "size": in_query("size", flag),
            "before": in_query("before", ident("container")),
            "since": in_query("since", ident("container")),
            "filters": in_query("filters", filters),
        },
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
            "platform": in_query("platform", text),
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
        fields={**_C, "size": in_query("size", flag)},
    ),
    Command(
        "top",
        "GET",
        "/containers/{container}/top",
        "Processes running inside.",
        params=("container",),
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
        "Filesystem changes.",
        params=("container",),
        fields=_C,
    ),
    Command(
        "export",
        "GET",
        "/containers/{container}/export",
        "Export the filesystem as a tar, written to `file` (a path or a binary file).",
        params=("container", "file"),
        fields={**_C, "file": local(local_file)},
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
        fields={**_C, "stream": in_query("stream", flag), "one_shot": in_query("one-shot", flag)},
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
        "Resize the TTY.",
        params=("container", "w", "h"),
        fields={
            **_C,
            "w": in_query("w", lambda n, v: str(integer(n, v))),
            "h": in_query("h", lambda n, v: str(integer(n, v))),
        },
        reply=none_reply,
    ),
    Command(
        "start",
        "POST",
        "/containers/{container}/start",
        "Start a container.",
        params=("container",),
        fields={**_C, "detach_keys": in_query("detachKeys", text)},
        reply=none_reply,
        mode="exclusive",
    ),
    Command(
        "stop",
        "POST",
        "/containers/{container}/stop",
        "Stop, killing after t seconds.",
        params=("container",),
        fields={**_C, "t": in_query("t", lambda n, v: str(integer(n, v)))},
        reply=none_reply,
        mode="exclusive",
        timeout=None,
    ),
    Command(
        "restart",
        "POST",
        "/containers/{container}/restart",
        "Restart, killing after t s.",
        params=("container",),
        fields={**_C, "t": in_query("t", lambda n, v: str(integer(n, v)))},
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
        fields={**_C, "signal": in_query("signal", signal)},
        reply=none_reply,
        mode="exclusive",
    ),
    Command(
        "update",
        "POST",
        "/containers/{container}/update",
        "Change resources or restart policy: a dict as the API's Update body.",
        params=("container", "resources"),
        fields={**_C, "resources": as_data(lambda n, v: json.dumps(json_value(n, v)).encode())},
        headers=(("Content-Type", "application/json"),),
        since_api=(1, 22),
    ),
    Command(
        "rename",
        "POST",
        "/containers/{container}/rename",
        "Rename a container.",
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
        fields={
            **_C,
            "logs": in_query("logs", flag),
            "stream": in_query("stream", flag),
            "stdin": in_query("stdin", flag),
            "stdout": in_query("stdout", flag),
            "stderr": in_query("stderr", flag),
            "detach_keys": in_query("detachKeys", text),
        },
        reply=output_reply,
        needs_tty=True,
        mode="exclusive",
        stream="hijack",
        stream_when=lambda values: bool(values.get("stream")),
        timeout=None,
    ),
    Command(
        "wait",
        "POST",
        "/containers/{container}/wait",
        "Block until the container stops: {'StatusCode': ...}.",
        params=("container",),
        fields={**_C, "condition": in_query("condition", text)},
        reply=_wait_reply,
        mode="exclusive",
        timeout=None,
    ),
    Command(
        "rm",
        "DELETE",
        "/containers/{container}",
        "Remove a container.",
        params=("container",),
        fields={
            **_C,
            "force": in_query("force", flag),
            "v": in_query("v", flag),
            "link": in_query("link", flag),
        },
        reply=none_reply,
        mode="exclusive",
    ),
    Command(
        "cp",
        "POST",
        "/containers/{container}/copy",
        "Copy a path out of the container as a tar, written to `file`.",
        params=("container", "path", "file"),
        fields={**_C, "path": in_body("Resource", text), "file": local(local_file)},
        body=_copy_body,
        mode="exclusive",
        to_file="file",
        until_api=(1, 24),
    ),
    Command(
        "cp",
        "GET",
        "/containers/{container}/archive",
        "Copy a path out of the container as a tar, written to `file`.",
        params=("container", "path", "file"),
        fields={**_C, "path": in_query("path", text), "file": local(local_file)},
        mode="exclusive",
        to_file="file",
        since_api=(1, 20),
    ),
    Command(
        "get_archive",
        "GET",
        "/containers/{container}/archive",
        "A tar of a path in the container: bytes, or written to `file` if given.",
        params=("container", "path"),
        fields={**_C, "path": in_query("path", text), "file": local(local_file)},
        mode="exclusive",
        to_file="file",
        since_api=(1, 20),
    ),
    Command(
        "put_archive",
        "PUT",
        "/containers/{container}/archive",
        "Extract a tar (bytes, iterable or file) into a directory of the container.",
        params=("container", "path", "data"),
        fields={
            **_C,
            "path": in_query("path", text),
            "data": as_data(),
            "no_overwrite_dir_non_dir": in_query("noOverwriteDirNonDir", flag),
        },
        reply=none_reply,
        mode="exclusive",
        since_api=(1, 20),
    ),
    Command(
        "port",
        "GET",
        "/containers/{container}/json",
        "Published ports: {'80/tcp': [{'HostIp', 'HostPort'}], ...}.",
        params=("container",),
        fields=_C,
        reply=_ports_reply,
    ),
    Command(
        "container_prune",
        "POST",
        "/containers/prune",
        "Remove stopped containers.",
        fields={"filters": in_query("filters", filters)},
        mode="exclusive",
        since_api=(1, 25),
    ),
)
