"""The escape hatch for fields a future API adds: `extra={"HostConfig": {...}, ...}`.

Merged into the body after every named option is built. Its keys are checked for
shape (API field names: "Memory", "CgroupnsMode"; values JSON data), and it never
silently overrides a named option: a field both set is an `InvalidOption`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidOption
from .common import _bad, _Build, _jsonable, _show

_FIELD_RE = re.compile(r"[A-Z][A-Za-z0-9]*")
_EXPECTED = (
    'a dict of API fields: Config fields ("Shell": [...]), "HostConfig": {field: value}, '
    '"NetworkingConfig": {"EndpointsConfig": {network: {field: value}}}'
)


def _fields(where: str, value: object) -> dict[str, Any]:
    """A {Field: JSON value} mapping, every key an API field name."""
    if not isinstance(value, Mapping):
        _bad("extra", value, f"{where} as {_EXPECTED}")
    for key in value:
        if not isinstance(key, str) or not _FIELD_RE.fullmatch(key):
            _bad("extra", key, f"{where}: API field names like 'CgroupnsMode'")
    copy: dict[str, Any] = _jsonable("extra", value)
    return copy


def _merge(where: str, into: dict[str, Any], fields: Mapping[str, Any]) -> None:
    for key, value in fields.items():
        if key in into:
            raise InvalidOption(
                f"create option 'extra': {where}{key} is set by a named option "
                f"(to {_show(into[key])}); give one of them"
            )
        into[key] = value


def build_extra(b: _Build, raw: object) -> None:
    """Check `extra` and merge it into the build, refusing any field already set."""
    top = _fields("extra", raw)
    if "Image" in top:
        _bad("extra", "Image", "no 'Image': it is create's first argument")
    host = _fields("extra['HostConfig']", top.pop("HostConfig", {}))
    networking = _fields("extra['NetworkingConfig']", top.pop("NetworkingConfig", {}))
    if set(networking) - {"EndpointsConfig"}:
        _bad("extra", networking, "NetworkingConfig with EndpointsConfig only")
    endpoints = networking.get("EndpointsConfig", {})
    if not isinstance(endpoints, Mapping) or not all(isinstance(n, str) for n in endpoints):
        _bad("extra", endpoints, "EndpointsConfig as {network name: {field: value}}")
    if b.commit and (host or endpoints):
        raise InvalidOption(
            "create option 'extra': a commit config takes Config fields only, "
            "not HostConfig or NetworkingConfig"
        )
    checked = {name: _fields(f"extra endpoint {name!r}", e) for name, e in endpoints.items()}
    _merge("", b.config, top)
    _merge("HostConfig.", b.host, host)
    for name, fields in checked.items():
        _merge(f"EndpointsConfig[{name!r}].", b.endpoints.setdefault(name, {}), fields)
