"""Image commands: list, build, pull/import, inspect, history, push, tag, commit, remove,
search, save, load and prune."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Mapping
from typing import Any

from .. import credentials as cli_credentials
from ..errors import InvalidOption
from ..options import CONFIG_OPTIONS, config_body, parse_bytes, ulimit_list
from .spec import (
    ApiVersion,
    Body,
    Command,
    as_data,
    bytes_reply,
    choice,
    count,
    credentials,
    filters,
    flag,
    ident,
    idents,
    in_header,
    in_path,
    in_query,
    json_stream_reply,
    json_text,
    list_reply,
    local,
    local_file,
    mapping_of_strings,
    none_reply,
    oci_platform,
    oci_platforms,
    registry_auth,
    strings,
    text,
)

_I = {"image": in_path("image")}
_FILE = local(local_file)
_NO_AUTH = base64.urlsafe_b64encode(b"{}").decode()
_AUTH = in_header("X-Registry-Auth", registry_auth)
# One platform at API 1.48 to 1.51, several (a repeated parameter) from 1.52.
_PLATFORMS = in_query("platform", oci_platforms, since=(1, 48))

# -- build contexts -------------------------------------------------------------------


class _Pattern:
    """One .dockerignore line, matched as dockerd's pattern matcher does."""

    def __init__(self, line: str) -> None:
        self.negated = line.startswith("!")
        # "! path" is an exception too: dockerd trims the space after the "!".
        pattern = line[1:].strip() if self.negated else line
        cleaned = os.path.normpath(pattern).replace(os.sep, "/")
        cleaned = cleaned.lstrip("/") or "."
        self.depth = len(cleaned.split("/"))
        self.regex = re.compile(_translate(cleaned))

    def matches(self, path: str) -> bool:
        """Whether `path` or, at this pattern's depth, one of its parent directories matches."""
        if self.regex.fullmatch(path):
            return True
        parents = path.split("/")[:-1]
        return (
            bool(parents)
            and self.depth <= len(parents)
            and bool(self.regex.fullmatch("/".join(parents[: self.depth])))
        )


def _translate(pattern: str) -> str:
    """A Go filepath.Match pattern with `**` (any number of directories) as a regex."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*" and pattern[i : i + 1] == "*":
            i += 1
            if pattern[i : i + 1] == "/":
                i += 1
            out.append(".*" if i == len(pattern) else "(?:.*/)?")
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i < len(pattern):
            out.append(re.escape(pattern[i]))
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise InvalidOption(f".dockerignore: unterminated [ in {pattern!r}")
            body = pattern[i:end]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _dockerignore(root: str) -> list[_Pattern]:
    path = os.path.join(root, ".dockerignore")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as lines:
        stripped = (line.strip() for line in lines)
        return [_Pattern(line) for line in stripped if line and not line.startswith("#")]


def _ignored(relative: str, patterns: list[_Pattern]) -> bool:
    ignored = False
    for pattern in patterns:
        # An exclusion only matters while not ignored, an exception ("!") only while ignored.
        if pattern.negated == ignored and pattern.matches(relative):
            ignored = not pattern.negated
    return ignored


def _directory_tar(root: str) -> bytes:
    patterns = _dockerignore(root)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory, dirs, files in os.walk(root):
            dirs.sort()
            for entry in [*dirs, *sorted(files)]:
                full = os.path.join(directory, entry)
                relative = os.path.relpath(full, root).replace(os.sep, "/")
                # dockerd needs these two even when .dockerignore lists them (as the CLI does).
                keep = relative in ("Dockerfile", ".dockerignore")
                if keep or not _ignored(relative, patterns):
                    tar.add(full, arcname=relative, recursive=False)
    return buffer.getvalue()


def _mapping_tar(name: str, value: Mapping[Any, Any]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, content in value.items():
            if not isinstance(path, str) or not isinstance(content, bytes | str):
                raise InvalidOption(f"option {name!r}: a mapping must be path -> bytes")
            parts = path.strip("/").split("/")
            if not path.strip("/") or any(p in ("", ".", "..") for p in parts):
                raise InvalidOption(f"option {name!r}: bad path {path!r} in the context")
            blob = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo("/".join(parts))
            info.size = len(blob)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(blob))
    return buffer.getvalue()


def build_context(name: str, value: Any) -> Body:
    """A build context: tar bytes or a binary file, a directory (honouring its
    .dockerignore), or a mapping of path to bytes (or text)."""
    if isinstance(value, bytes | bytearray) or hasattr(value, "read"):
        return value  # type: ignore[no-any-return]
    if isinstance(value, Mapping):
        return _mapping_tar(name, value)
    if isinstance(value, str | os.PathLike) and os.path.isdir(value):
        return _directory_tar(os.fspath(value))
    raise InvalidOption(
        f"option {name!r}: expected tar bytes, a directory path or a mapping of path to bytes"
    )


def _extra_hosts(name: str, value: Any) -> list[str]:
    """Hosts for the build's /etc/hosts: "host:ip", a list of them, {host: ip} or [(host, ip)]."""
    items = value.items() if isinstance(value, Mapping) else strings_or_pairs(name, value)
    out = []
    for item in items:
        entry = item if isinstance(item, str) else f"{item[0]}:{item[1]}"
        host, sep, ip = text(name, entry).partition(":")
        if not sep or not host or not ip or " " in entry:
            raise InvalidOption(f"option {name!r}: bad value {item!r} (expected 'host:ip')")
        out.append(entry)
    return out


def strings_or_pairs(name: str, value: Any) -> list[Any]:
    """A string, or a list of strings and (a, b) pairs."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) or (isinstance(v, list | tuple) and len(v) == 2) for v in value
    ):
        raise InvalidOption(f"option {name!r}: bad value {value!r} (expected 'host:ip' items)")
    return list(value)


def _outside_dockerfile(values: dict[str, Any]) -> None:
    """A Dockerfile given by absolute path, or outside a directory context, travels in the
    context under a name of its own (as the docker CLI sends it); gzip=True compresses it."""
    dockerfile, context = values.get("dockerfile"), values.get("tar")
    if isinstance(dockerfile, str | os.PathLike) and not isinstance(context, Mapping):
        root = os.fspath(context) if isinstance(context, str | os.PathLike) else None
        path = os.path.join(root or "", os.fspath(dockerfile))
        inside = root is not None and not os.path.relpath(
            os.path.realpath(path), os.path.realpath(root)
        ).startswith("..")
        outside = os.path.isabs(dockerfile) or (root is not None and not inside)
        if outside and os.path.isfile(path):
            with open(path, "rb") as file:
                content = file.read()
            name = f".dockerfile.{hashlib.sha256(content).hexdigest()[:20]}"
            values["tar"] = _with_member(build_context("tar", context), name, content)
            values["dockerfile"] = name
    if values.pop("gzip", False) is True:
        values["tar"] = gzip.compress(_bytes_of("gzip", build_context("tar", values["tar"])))


def _bytes_of(name: str, body: Any) -> bytes:
    """A context's bytes (a binary file is read); an iterable stream cannot be rewritten."""
    if hasattr(body, "read"):
        body = body.read()
    if not isinstance(body, bytes | bytearray):
        raise InvalidOption(f"option {name!r}: needs a context of bytes, a file or a directory")
    return bytes(body)


def _with_member(tar: Body, name: str, content: bytes) -> bytes:
    """An uncompressed tar with one more file."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(_bytes_of("dockerfile", tar))) as source,
        tarfile.open(fileobj=out, mode="w") as tar_out,
    ):
        for member in source.getmembers():
            tar_out.addfile(member, source.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo(name)
        info.size = len(content)
        info.mode = 0o644
        tar_out.addfile(info, io.BytesIO(content))
    return out.getvalue()


def registry_config(name: str, value: Any) -> str:
    """X-Registry-Config: credentials for the registries a build pulls from.

    Either one set of credentials (with its "serveraddress") or a mapping of registry
    to credentials. The value is never echoed: it holds passwords.
    """
    if isinstance(value, Mapping) and isinstance(value.get("serveraddress"), str):
        value = {value["serveraddress"]: value}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidOption(f"option {name!r}: expected credentials, or registry -> credentials")
    config = {registry: credentials(name, creds) for registry, creds in value.items()}
    return base64.urlsafe_b64encode(json.dumps(config).encode()).decode()


def _size(name: str, value: Any) -> str:
    """Bytes from an int or a size like "512m"."""
    return str(parse_bytes(name, value))


def _swap(name: str, value: Any) -> str:
    return "-1" if value == -1 and not isinstance(value, bool) else _size(name, value)


def _ulimits(name: str, value: Any) -> str:
    """(name, soft, hard) items, checked as create's, as the JSON list dockerd reads."""
    return json.dumps(ulimit_list(value, kind="option"))


# -- other bodies and rewrites ------------------------------------------------------------


def _commit_body(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
    return json.dumps(config_body(dict(values), api)).encode(), "application/json"


def _with_registry(values: dict[str, Any]) -> None:
    """NkDOCKER's `registry` option: the registry host the image is pulled from."""
    registry = values.pop("registry", None)
    if registry is not None:
        if "from_image" not in values:
            raise InvalidOption("create_image: 'registry' needs 'from_image'")
        values["from_image"] = f"{text('registry', registry).rstrip('/')}/{values['from_image']}"
    _pull_auth(values)


# Without `auth`, credentials come from the docker CLI's config.json and helpers.
def _pull_auth(values: dict[str, Any]) -> None:
    cli_credentials.fill_auth(values, values.get("from_image"))


def _push_auth(values: dict[str, Any]) -> None:
    cli_credentials.fill_auth(values, values.get("image"))
    values.setdefault("auth", _NO_AUTH)


def _build_auth(values: dict[str, Any]) -> None:
    if "auth" not in values:
        found = cli_credentials.all_credentials()
        if found:
            values["auth"] = found


def _prepare_build(values: dict[str, Any]) -> None:
    _outside_dockerfile(values)
    _build_auth(values)


COMMANDS = (
    Command(
        "images",
        "GET",
        "/images/json",
        "List images.",
        fields={
            "all": in_query("all", flag),
            "filters": in_query("filters", filters),
            "filter": in_query("filter", ident("repo"), until=(1, 41)),
            "digests": in_query("digests", flag),
            "shared_size": in_query("shared-size", flag, since=(1, 42)),
            "manifests": in_query("manifests", flag, since=(1, 47)),
            "identity": in_query("identity", flag, since=(1, 54)),
        },
        reply=list_reply,
    ),
    Command(
        "build",
        "POST",
        "/build",
        "Build an image from a context (tar bytes, a directory honouring .dockerignore, or "
        "{path: bytes}); returns the progress lines, or streams them as Data to a subscriber. "
        "`dockerfile` may be a path outside the context (or absolute): it is sent in it. "
        "gzip=True compresses the context. "
        "`auth` gives credentials (or registry -> credentials) for the images it pulls.",
        params=("tar",),
        fields={
            "tar": as_data(build_context),
            "dockerfile": in_query("dockerfile", text),
            "t": in_query("t", idents("image")),
            "extrahosts": in_query("extrahosts", _extra_hosts, since=(1, 28)),
            "isolation": in_query(
                "isolation", choice("default", "process", "hyperv"), since=(1, 24)
            ),
            "gzip": local(flag),
            "outputs": in_query("outputs", text, since=(1, 40)),
            "remote": in_query("remote", text),
            "q": in_query("q", flag),
            "nocache": in_query("nocache", flag),
            "cachefrom": in_query("cachefrom", json_text(idents("image")), since=(1, 25)),
            "pull": in_query("pull", flag),
            "rm": in_query("rm", flag),
            "forcerm": in_query("forcerm", flag),
            "memory": in_query("memory", _size),
            "memswap": in_query("memswap", _swap),
            "cpushares": in_query("cpushares", count),
            "cpusetcpus": in_query("cpusetcpus", text),
            "cpuperiod": in_query("cpuperiod", count, since=(1, 19)),
            "cpuquota": in_query("cpuquota", count, since=(1, 19)),
            # (four the API's reference never listed, though the docker CLI sends them:
            # known from the versions given at the latest)
            "cpusetmems": in_query("cpusetmems", text, since=(1, 21)),
            "cgroupparent": in_query("cgroupparent", text, since=(1, 21)),
            "ulimits": in_query("ulimits", _ulimits, since=(1, 21)),
            "securityopt": in_query("securityopt", strings, since=(1, 30)),
            "buildargs": in_query("buildargs", json_text(mapping_of_strings), since=(1, 21)),
            "shmsize": in_query("shmsize", _size, since=(1, 22)),
            "squash": in_query("squash", flag, since=(1, 25)),
            "labels": in_query("labels", json_text(mapping_of_strings), since=(1, 23)),
            "network_mode": in_query("networkmode", text, since=(1, 25)),
            "platform": in_query("platform", text, since=(1, 32)),
            "target": in_query("target", text, since=(1, 29)),
            "auth": in_header("X-Registry-Config", registry_config),
        },
        prepare=_prepare_build,
        reply=json_stream_reply,
        mode="exclusive",
        stream="json",
        timeout=None,
    ),
    Command(
        "build_prune",
        "POST",
        "/build/prune",
        "Remove build cache: {'CachesDeleted', 'SpaceReclaimed'}.",
        fields={
            "keep_storage": in_query("keep-storage", _size, since=(1, 39), until=(1, 52)),
            "reserved_space": in_query("reserved-space", _size, since=(1, 48)),
            "max_used_space": in_query("max-used-space", _size, since=(1, 48)),
            "min_free_space": in_query("min-free-space", _size, since=(1, 48)),
            "all": in_query("all", flag, since=(1, 39)),
            "filters": in_query("filters", filters, since=(1, 39)),
        },
        mode="exclusive",
        since_api=(1, 31),
    ),
    Command(
        "create_image",
        "POST",
        "/images/create",
        "Pull an image (from_image, tag, from `registry` if given) or import one (from_src "
        "URL, or '-' with data); returns the progress lines, or streams them as Data.",
        fields={
            "from_image": in_query("fromImage", ident("image")),
            "from_src": in_query("fromSrc", text),
            "repo": in_query("repo", ident("repo")),
            "tag": in_query("tag", ident("tag")),
            "message": in_query("message", text),
            "platform": in_query("platform", text, since=(1, 32)),
            "registry": local(text),
            "changes": in_query("changes", strings),
            "data": as_data(),
            "auth": _AUTH,
        },
        prepare=_with_registry,
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
        optional=("tag",),
        fields={
            "from_image": in_query("fromImage", ident("image")),
            "tag": in_query("tag", ident("tag")),
            "platform": in_query("platform", text, since=(1, 32)),
            "auth": _AUTH,
        },
        prepare=_pull_auth,
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
        fields={
            **_I,
            "manifests": in_query("manifests", flag, since=(1, 48)),
            "platform": in_query("platform", oci_platform, since=(1, 49)),
        },
    ),
    Command(
        "history",
        "GET",
        "/images/{image}/history",
        "The image's layers.",
        params=("image",),
        fields={**_I, "platform": in_query("platform", oci_platform, since=(1, 48))},
        reply=list_reply,
    ),
    Command(
        "push",
        "POST",
        "/images/{image}/push",
        "Push an image to its registry; progress lines, or Data to a subscriber.",
        params=("image",),
        optional=("tag",),
        fields={
            **_I,
            "tag": in_query("tag", ident("tag")),
            "platform": in_query("platform", oci_platform, since=(1, 46)),
            "auth": _AUTH,
        },
        prepare=_push_auth,
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
        optional=("tag",),
        fields={
            **_I,
            "repo": in_query("repo", ident("repo")),
            "tag": in_query("tag", ident("tag")),
            "force": in_query("force", flag, until=(1, 24)),
        },
        reply=none_reply,
    ),
    Command(
        "commit",
        "POST",
        "/commit",
        "Create an image from a container; create options that belong to the image's config "
        "(cmds, env, labels, ...) give its config. Returns {'Id'}.",
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
        body_options=CONFIG_OPTIONS,
        mode="exclusive",
    ),
    Command(
        "rmi",
        "DELETE",
        "/images/{image}",
        "Remove an image: [{'Untagged': ...}, {'Deleted': ...}].",
        params=("image",),
        fields={
            **_I,
            "force": in_query("force", flag),
            "noprune": in_query("noprune", flag),
            "platforms": in_query("platforms", oci_platforms, since=(1, 50)),
        },
        reply=list_reply,
        mode="exclusive",
    ),
    Command(
        "search",
        "GET",
        "/images/search",
        "Search a registry (a v1 search endpoint: Docker Hub, or a registry offering one).",
        params=("term",),
        fields={
            "term": in_query("term", text),
            "limit": in_query("limit", count, since=(1, 24)),
            "filters": in_query("filters", filters, since=(1, 24)),
            "auth": _AUTH,
        },
        reply=list_reply,
        mode="exclusive",
    ),
    Command(
        "get_image",
        "GET",
        "/images/{image}/get",
        "Save an image as a tar: written to `file` (a path or a binary file), else bytes.",
        params=("image",),
        optional=("file",),
        fields={**_I, "file": _FILE, "platform": _PLATFORMS},
        reply=bytes_reply,
        mode="exclusive",
        to_file="file",
        timeout=None,
    ),
    Command(
        "get_images",
        "GET",
        "/images/get",
        "Save several images in one tar: written to `file`, else bytes.",
        params=("names",),
        optional=("file",),
        fields={
            "names": in_query("names", idents("image")),
            "file": _FILE,
            "platform": _PLATFORMS,
        },
        reply=bytes_reply,
        mode="exclusive",
        to_file="file",
        timeout=None,
    ),
    Command(
        "load",
        "POST",
        "/images/load",
        "Load images from a tar (bytes, iterable or binary file); the progress lines.",
        params=("tar",),
        fields={
            "tar": as_data(),
            "quiet": in_query("quiet", flag, since=(1, 23)),
            "platform": _PLATFORMS,
        },
        reply=json_stream_reply,
        mode="exclusive",
        timeout=None,
    ),
    Command(
        "image_attestations",
        "GET",
        "/images/{image}/attestations",
        "The in-toto attestation statements attached to an image: [AttestationStatement]; "
        "`type` filters by predicate type URI, statement=True includes each statement body.",
        params=("image",),
        fields={
            **_I,
            "platform": in_query("platform", oci_platform),
            "type": in_query("type", strings),
            "statement": in_query("statement", flag),
        },
        reply=list_reply,
        since_api=(1, 55),
    ),
    Command(
        "distribution_inspect",
        "GET",
        "/distribution/{image}/json",
        "Ask the image's registry for its descriptor and platforms: {'Descriptor', 'Platforms'}.",
        params=("image",),
        fields={**_I, "auth": _AUTH},
        mode="exclusive",
        since_api=(1, 30),
    ),
    Command(
        "image_prune",
        "POST",
        "/images/prune",
        "Remove unused images (dangling ones unless filters={'dangling': False}): "
        "{'ImagesDeleted', 'SpaceReclaimed'}.",
        fields={"filters": in_query("filters", filters)},
        mode="exclusive",
        since_api=(1, 25),
    ),
)
