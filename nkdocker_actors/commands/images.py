"""Image commands: list, build, pull/import, inspect, history, push, tag, commit, remove,
search, save and load."""

from __future__ import annotations

import base64
import fnmatch
import io
import json
import os
import tarfile
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidOption
from ..options import config_body
from .spec import (
    ApiVersion,
    Body,
    Command,
    as_data,
    filters,
    flag,
    ident,
    in_header,
    in_path,
    in_query,
    integer,
    json_stream_reply,
    json_value,
    local,
    local_file,
    mapping_of_strings,
    registry_auth,
    strings,
    text,
)

_I = {"image": in_path("image")}
_NO_AUTH = base64.urlsafe_b64encode(b"{}").decode()


def _dockerignore(root: str) -> list[tuple[bool, str]]:
    path = os.path.join(root, ".dockerignore")
    if not os.path.isfile(path):
        return []
    rules = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            negate = pattern.startswith("!")
            pattern = os.path.normpath(pattern.lstrip("!").strip()).lstrip("/")
            rules.append((negate, pattern))
    return rules


def _ignored(relative: str, rules: list[tuple[bool, str]]) -> bool:
    ignored = False
    for negate, pattern in rules:
        parts = relative.split("/")
        # A pattern matching a parent directory excludes everything under it.
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(p, pattern) or _double_star(p, pattern) for p in prefixes):
            ignored = not negate
    return ignored


def _double_star(path: str, pattern: str) -> bool:
    return "**" in pattern and fnmatch.fnmatchcase(
        path, pattern.replace("**/", "*").replace("**", "*")
    )


def build_context(name: str, value: Any) -> Body:
    """A build context: tar bytes, a directory (honouring .dockerignore), or {path: bytes}."""
    if isinstance(value, bytes | bytearray) or hasattr(value, "read"):
        return value  # type: ignore[no-any-return]
    buffer = io.BytesIO()
    if isinstance(value, Mapping):
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path, content in value.items():
                if not isinstance(path, str) or not isinstance(content, bytes | str):
                    raise InvalidOption(f"option {name!r}: a mapping must be path -> bytes")
                blob = content.encode() if isinstance(content, str) else content
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size = len(blob)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(blob))
        return buffer.getvalue()
    if isinstance(value, str | os.PathLike) and os.path.isdir(value):
        root = os.fspath(value)
        rules = _dockerignore(root)
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for directory, dirs, files in os.walk(root):
                dirs.sort()
                for filename in sorted(files):
                    full = os.path.join(directory, filename)
                    relative = os.path.relpath(full, root).replace(os.sep, "/")
                    keep = relative in ("Dockerfile", ".dockerignore")
                    if keep or not _ignored(relative, rules):
                        tar.add(full, arcname=relative, recursive=False)
        return buffer.getvalue()
    raise InvalidOption(
        f"option {name!r}: expected tar bytes, a directory path or a mapping of path to bytes"
    )


def _commit_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    return json.dumps(config_body(dict(values), api)).encode(), "application/json"


def _number(name: str, value: Any) -> str:
    return str(integer(name, value))


_AUTH = in_header("X-Registry-Auth", registry_auth)

COMMANDS = (
    Command(
        "images",
        "GET",
        "/images/json",
        "List images.",
        fields={
            "all": in_query("all", flag),
            "filters": in_query("filters", filters),
            "digests": in_query("digests", flag),
        },
    ),
    Command(
        "build",
        "POST",
        "/build",
        "Build an image from a context (tar bytes, a directory, or {path: bytes}); returns the "
        "progress lines, or streams them as Data to a subscriber.",
        params=("tar",),
        fields={
            "tar": as_data(build_context),
            "dockerfile": in_query("dockerfile", text),
            "t": in_query("t", lambda n, v: [ident("image")(n, x) for x in strings(n, v)]),
            "remote": in_query("remote", text),
            "q": in_query("q", flag),
            "nocache": in_query("nocache", flag),
            "pull": in_query("pull", flag),
            "rm": in_query("rm", flag),
            "forcerm": in_query("forcerm", flag),
            "memory": in_query("memory", _number),
            "memswap": in_query("memswap", lambda n, v: str(v) if v == -1 else _number(n, v)),
            "cpushares": in_query("cpushares", _number),
            "cpusetcpus": in_query("cpusetcpus", text),
            "cpuperiod": in_query("cpuperiod", _number),
            "cpuquota": in_query("cpuquota", _number),
            "buildargs": in_query("buildargs", lambda n, v: json.dumps(mapping_of_strings(n, v))),
            "labels": in_query("labels", lambda n, v: json.dumps(mapping_of_strings(n, v))),
            "target": in_query("target", text),
            "network_mode": in_query("networkmode", text),
            "platform": in_query("platform", text),
            "auth": in_header(
                "X-Registry-Config",
                lambda n, v: base64.urlsafe_b64encode(
                    json.dumps(json_value(n, v)).encode()
                ).decode(),
            ),
        },
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
    ),
    Command(
        "create_image",
        "POST",
        "/images/create",
        "Pull an image (from_image, tag) or import one (from_src URL, or '-' with data); "
        "returns the progress lines, or streams them as Data to a subscriber.",
        fields={
            "from_image": in_query("fromImage", ident("image")),
            "from_src": in_query("fromSrc", text),
            "repo": in_query("repo", ident("repo")),
            "tag": in_query("tag", ident("tag")),
            "message": in_query("message", text),
            "platform": in_query("platform", text),
            "registry": in_query("registry", text),
            "changes": in_query("changes", strings),
            "data": as_data(),
            "auth": _AUTH,
        },
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
    ),
    Command(
        "pull",
        "POST",
        "/images/create",
        "Pull `from_image` (a reference, with its tag) from a registry; as create_image.",
        params=("from_image",),
        fields={
            "from_image": in_query("fromImage", ident("image")),
            "tag": in_query("tag", ident("tag")),
            "platform": in_query("platform", text),
            "auth": _AUTH,
        },
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
    ),
    Command(
        "import_image",
        "POST",
        "/images/create",
        "Import a root filesystem tar (bytes, iterable or binary file) as repo:tag.",
        params=("data",),
        fields={
            "data": as_data(),
            "repo": in_query("repo", ident("repo")),
            "tag": in_query("tag", ident("tag")),
            "message": in_query("message", text),
            "changes": in_query("changes", strings),
            "from_src": in_query("fromSrc", text),
        },
        defaults={"from_src": "-"},
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
    ),
    Command(
        "inspect_image",
        "GET",
        "/images/{image}/json",
        "Low-level image information.",
        params=("image",),
        fields=_I,
    ),
    Command(
        "history",
        "GET",
        "/images/{image}/history",
        "The image's layers.",
        params=("image",),
        fields=_I,
    ),
    Command(
        "push",
        "POST",
        "/images/{image}/push",
        "Push an image to its registry; progress lines, or Data to a subscriber.",
        params=("image",),
        fields={**_I, "tag": in_query("tag", ident("tag")), "auth": _AUTH},
        defaults={"auth": _NO_AUTH},
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
    ),
    Command(
        "tag",
        "POST",
        "/images/{image}/tag",
        "Tag an image as repo[:tag].",
        params=("image", "repo"),
        fields={
            **_I,
            "repo": in_query("repo", ident("repo")),
            "tag": in_query("tag", ident("tag")),
            "force": in_query("force", flag),
        },
        reply=lambda head, body, ctx: None,
    ),
    Command(
        "commit",
        "POST",
        "/commit",
        "Create an image from a container; create options give its config.",
        params=("container",),
        fields={
            "container": in_query("container", ident("container")),
            "repo": in_query("repo", ident("repo")),
            "tag": in_query("tag", ident("tag")),
            "comment": in_query("comment", text),
            "author": in_query("author", text),
            "pause": in_query("pause", flag),
            "changes": in_query("changes", strings),
        },
        body=_commit_body,
        body_options=frozenset(
            {
                "cmds",
                "entrypoints",
                "env",
                "labels",
                "expose",
                "user",
                "workdir",
                "hostname",
                "domain_name",
                "tty",
                "interactive",
                "attach",
                "volumes",
                "stop_signal",
                "healthcheck",
                "mac_address",
            }
        ),
        mode="exclusive",
    ),
    Command(
        "rmi",
        "DELETE",
        "/images/{image}",
        "Remove an image.",
        params=("image",),
        fields={**_I, "force": in_query("force", flag), "noprune": in_query("noprune", flag)},
        mode="exclusive",
    ),
    Command(
        "search",
        "GET",
        "/images/search",
        "Search a registry.",
        params=("term",),
        fields={
            "term": in_query("term", text),
            "limit": in_query("limit", _number),
            "filters": in_query("filters", filters),
            "auth": _AUTH,
        },
        mode="exclusive",
    ),
    Command(
        "get_image",
        "GET",
        "/images/{image}/get",
        "Save an image as a tar: bytes, or written to `file` if given.",
        params=("image",),
        fields={**_I, "file": local(local_file)},
        mode="exclusive",
        to_file="file",
        timeout=None,
    ),
    Command(
        "get_images",
        "GET",
        "/images/get",
        "Save several images in one tar: bytes, or written to `file` if given.",
        params=("names",),
        fields={
            "names": in_query("names", lambda n, v: [ident("image")(n, x) for x in strings(n, v)]),
            "file": local(local_file),
        },
        mode="exclusive",
        to_file="file",
        timeout=None,
    ),
    Command(
        "load",
        "POST",
        "/images/load",
        "Load images from a tar (bytes, iterable or file).",
        params=("tar",),
        fields={"tar": as_data(), "quiet": in_query("quiet", flag)},
        reply=json_stream_reply,
        mode="exclusive",
        timeout=None,
    ),
    Command(
        "image_prune",
        "POST",
        "/images/prune",
        "Remove unused images.",
        fields={"filters": in_query("filters", filters)},
        mode="exclusive",
        since_api=(1, 25),
    ),
)
