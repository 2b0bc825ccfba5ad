"""Storage options: volumes, binds, mounts, tmpfs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidOption
from .common import (
    _CONTAINER_RE,
    _abs_path,
    _any_text,
    _bad,
    _Build,
    _bytes,
    _Group,
    _jsonable,
    _seq,
    _show,
    _text,
)

_VOLUME_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")


_MOUNT_TYPES = ("bind", "volume", "tmpfs", "npipe", "image")


_MOUNT_KEYS = frozenset(
    {"Type", "Target", "Source", "ReadOnly", "Consistency"}
    | {"BindOptions", "VolumeOptions", "TmpfsOptions", "ImageOptions"}
)

# The keys of each kind's options, and the first API version that knows each one.
_OPTION_KEYS: dict[str, dict[str, tuple[int, int]]] = {
    "BindOptions": {
        "Propagation": (1, 25),
        "NonRecursive": (1, 40),
        "CreateMountpoint": (1, 42),
        "ReadOnlyNonRecursive": (1, 44),
        "ReadOnlyForceRecursive": (1, 44),
    },
    "VolumeOptions": {
        "NoCopy": (1, 25),
        "Labels": (1, 25),
        "DriverConfig": (1, 25),
        "Subpath": (1, 45),
    },
    "TmpfsOptions": {"SizeBytes": (1, 25), "Mode": (1, 25), "Options": (1, 46)},
    "ImageOptions": {"Subpath": (1, 48)},
}


_CONSISTENCY = ("default", "consistent", "cached", "delegated")


_PROPAGATION = ("private", "rprivate", "shared", "rshared", "slave", "rslave")


def _build_mounts(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of mount dicts or "type=volume,source=x,target=/data,readonly" strings'
    mounts: list[dict[str, Any]] = []
    for item in _seq("mounts", v["mounts"], expected):
        if isinstance(item, str):
            mounts.append(_mount_dict(_mount_from_text(item)))
        elif isinstance(item, Mapping):
            mounts.append(_mount_dict(item))
        else:
            _bad("mounts", item, expected)
    for mount in mounts:
        if mount["Type"] == "image":
            b.need("mounts", (1, 48), mount)  # image mounts: 1.48
        for key, known in _OPTION_KEYS.items():
            for option in mount.get(key, {}):
                b.need("mounts", known[option], {key: {option: mount[key][option]}})
    b.host["Mounts"] = mounts


def _mount_dict(mount: Mapping[Any, Any]) -> dict[str, Any]:
    """Check a Mount object (the keys of the API's Mount definition) and copy it."""
    for key in mount:
        if key not in _MOUNT_KEYS:
            _bad("mounts", key, "a Mount key among " + ", ".join(sorted(_MOUNT_KEYS)))
    kind, target = mount.get("Type"), mount.get("Target")
    if not isinstance(kind, str) or kind not in _MOUNT_TYPES:
        _bad("mounts", kind, "a Type among " + ", ".join(_MOUNT_TYPES))
    _text("mounts", target, "a Target path")
    source = mount.get("Source")
    if source is not None:
        _any_text("mounts", source, "a Source string")
    if kind == "bind" and not source:
        _bad("mounts", dict(mount), "a Source for a bind mount")
    if kind == "tmpfs" and source:
        _bad("mounts", dict(mount), "no Source for a tmpfs mount")
    if "ReadOnly" in mount and not isinstance(mount["ReadOnly"], bool):
        _bad("mounts", mount["ReadOnly"], "ReadOnly True or False")
    if "Consistency" in mount and mount["Consistency"] not in _CONSISTENCY:
        _bad("mounts", mount["Consistency"], "a Consistency among " + ", ".join(_CONSISTENCY))
    for key, owner in (
        ("BindOptions", "bind"),
        ("VolumeOptions", "volume"),
        ("TmpfsOptions", "tmpfs"),
        ("ImageOptions", "image"),
    ):
        if key in mount:
            if kind != owner:
                _bad("mounts", key, f"{key} only on a {owner} mount")
            if not isinstance(mount[key], Mapping):
                _bad("mounts", mount[key], f"{key} as a dict")
            for option in mount[key]:
                if option not in _OPTION_KEYS[key]:
                    _bad("mounts", option, f"a {key} key among " + ", ".join(_OPTION_KEYS[key]))
    for key in ("VolumeOptions", "ImageOptions"):
        subpath = mount.get(key, {}).get("Subpath")
        if subpath is not None and (
            not isinstance(subpath, str) or subpath.startswith("/") or ".." in subpath.split("/")
        ):
            _bad("mounts", subpath, f"{key}.Subpath as a relative path inside the source")
    copy: dict[str, Any] = _jsonable("mounts", mount)
    return copy


def _mount_from_text(text: str) -> dict[str, Any]:
    """A Mount object from the `docker run --mount` short form."""
    mount: dict[str, Any] = {"Type": "volume"}  # the CLI's default type
    bind: dict[str, Any] = {}
    volume: dict[str, Any] = {}
    driver: dict[str, Any] = {}
    tmpfs: dict[str, Any] = {}
    image: dict[str, Any] = {}
    seen: set[str] = set()
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if key in seen and key not in ("volume-label", "volume-opt"):
            _bad("mounts", text, f"{key!r} given once")
        seen.add(key)
        if key in ("readonly", "ro", "volume-nocopy"):
            flag = {"": True, "true": True, "1": True, "false": False, "0": False}.get(
                value.lower()
            )
            if flag is None or (sep and not value):
                _bad("mounts", part, f"{key} alone or {key}=true|false")
            if key == "volume-nocopy":
                volume["NoCopy"] = flag
            else:
                mount["ReadOnly"] = flag
        elif not sep or not value:
            _bad("mounts", part, "key=value")
        elif key == "type":
            mount["Type"] = value
        elif key in ("source", "src"):
            mount["Source"] = value
        elif key in ("target", "destination", "dst"):
            mount["Target"] = value
        elif key == "consistency":
            mount["Consistency"] = value
        elif key == "bind-propagation":
            if value not in _PROPAGATION:
                _bad("mounts", part, "bind-propagation among " + ", ".join(_PROPAGATION))
            bind["Propagation"] = value
        elif key == "volume-driver":
            driver["Name"] = value
        elif key in ("volume-label", "volume-opt"):
            name, sep2, item = value.partition("=")
            if not sep2 or not name:
                _bad("mounts", part, f"{key}=name=value")
            if key == "volume-label":
                volume.setdefault("Labels", {})[name] = item
            else:
                driver.setdefault("Options", {})[name] = item
        elif key in ("volume-subpath", "image-subpath"):
            (volume if key == "volume-subpath" else image)["Subpath"] = value
        elif key == "tmpfs-size":
            tmpfs["SizeBytes"] = _bytes("mounts", value, "create option")
        elif key == "tmpfs-mode":
            if not re.fullmatch(r"[0-7]{1,4}", value):
                _bad("mounts", part, "tmpfs-mode in octal, like 1777")
            tmpfs["Mode"] = int(value, 8)
        else:
            _bad("mounts", part, "a --mount key (type, source, target, readonly, ...)")
    if "Target" not in mount:
        _bad("mounts", text, "a target=<path>")
    if driver:
        volume["DriverConfig"] = driver
    parts = (
        ("BindOptions", bind),
        ("VolumeOptions", volume),
        ("TmpfsOptions", tmpfs),
        ("ImageOptions", image),
    )
    for key, options in parts:
        if options:
            mount[key] = options
    return mount


def _build_tmpfs(b: _Build, v: Mapping[str, Any]) -> None:
    raw = v["tmpfs"]
    expected = 'a dict {path: "mount options"} or a list of "path" or "path:options"'
    entries: list[tuple[object, object]]
    if isinstance(raw, Mapping):
        entries = list(raw.items())
    else:
        entries = []
        for item in _seq("tmpfs", raw, expected):
            if not isinstance(item, str):
                _bad("tmpfs", item, expected)
            text_path, _, text_opts = item.partition(":")
            entries.append((text_path, text_opts))
    tmpfs: dict[str, str] = {}
    for path, opts in entries:
        checked = _abs_path(path)
        if checked is None or not isinstance(opts, str) or "\x00" in opts or " " in opts:
            _bad("tmpfs", (path, opts), expected)
        tmpfs[checked] = opts
    b.host["Tmpfs"] = tmpfs


def _build_volumes(b: _Build, v: Mapping[str, Any]) -> None:
    expected = (
        'a list of container_path, (host, container_path) or (host, container_path, "ro"|"rw")'
    )
    volumes: dict[str, dict[str, Any]] = {}
    binds: list[str] = []
    for item in _seq("volumes", v["volumes"], expected):
        if isinstance(item, str):
            path = _abs_path(item)
            if path is None or path == "/":
                _bad("volumes", item, "an absolute container path other than /")
            volumes[path] = {}
            continue
        if not isinstance(item, (list, tuple)) or len(item) not in (2, 3):
            _bad("volumes", item, expected)
        if b.commit:
            raise InvalidOption(
                f"create option 'volumes': host bind {_show(item)} belongs to HostConfig; "
                "a commit config takes container paths only"
            )
        host, cont = item[0], _abs_path(item[1])
        mode = item[2] if len(item) == 3 else False
        suffix: str | None = None
        if isinstance(mode, bool):
            suffix = ":ro" if mode else ""  # True means read-only, as NkDOCKER's `ro`
        elif isinstance(mode, str) and mode in ("ro", "rw"):
            suffix = f":{mode}"
        named = isinstance(host, str) and bool(_VOLUME_NAME_RE.fullmatch(host))
        if cont is None or cont == "/" or suffix is None or not (named or _abs_path(host)):
            _bad("volumes", item, expected)
        if named:
            b.need("volumes", (1, 21), item)  # named volumes arrived with 1.21
        binds.append(f"{host}:{cont}{suffix}")
    if volumes or not binds:
        b.config["Volumes"] = volumes
    if binds:
        b.host["Binds"] = binds


def _build_volumes_from(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of container or (container, "ro"|"rw")'
    sources: list[str] = []
    for item in _seq("volumes_from", v["volumes_from"], expected):
        name, mode = (
            (item[0], item[1])
            if isinstance(item, (list, tuple)) and len(item) == 2
            else (item, None)
        )
        if (
            not isinstance(name, str)
            or not _CONTAINER_RE.fullmatch(name)
            or (mode is not None and mode not in ("ro", "rw"))
            or isinstance(mode, bool)
        ):
            _bad("volumes_from", item, expected)
        sources.append(f"{name}:{mode}" if mode else name)
    b.host["VolumesFrom"] = sources


GROUPS: tuple[_Group, ...] = (
    _Group(("mounts",), _build_mounts),
    _Group(("tmpfs",), _build_tmpfs),
    _Group(("volumes",), _build_volumes, config=True),
    _Group(("volumes_from",), _build_volumes_from),
)
