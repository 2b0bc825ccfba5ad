"""Where a connection goes and how: settings resolved from four layers.

Explicit arguments to `connect()` win over process defaults set with
`configure()`, which win over the DOCKER_* environment, which wins over the
docker CLI's context in force (DOCKER_CONTEXT, config.json's currentContext; see
`contexts`), which wins over the built-in default (the local unix socket if it
exists, else tcp://127.0.0.1:2375). A `context` setting names a CLI context.
A bad value is an `InvalidOption` naming the setting and the layer it came from.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .contexts import DEFAULT_SOCKET, apply_context
from .errors import InvalidOption
from .transport import Address, tls_context

__all__ = ["SETTINGS", "ConnConfig", "configure", "resolve"]

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = 60.0
DEFAULT_LIVENESS = 10.0

SETTINGS = (
    "url",
    "host",
    "port",
    "proto",
    "certfile",
    "keyfile",
    "cafile",
    "tls_verify",
    "api_version",
    "connect_timeout",
    "timeout",
    "liveness",
    "share_events",
    "context",
)
_ENDPOINT = ("proto", "host", "port", "path", "user")
_API_VERSION = re.compile(r"^1\.(\d{1,2})$")

_defaults: dict[str, Any] = {}
_defaults_lock = threading.Lock()


@dataclass(frozen=True)
class ConnConfig:
    """A resolved, validated connection configuration."""

    address: Address
    api_version: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    timeout: float | None = DEFAULT_TIMEOUT
    # While streams or slow calls are open, a ping on a fresh socket every `liveness`
    # seconds; one unanswered within `liveness` fails them all (a cut link, a stopped
    # daemon). None (`liveness=0` in connect()): no check.
    liveness: float | None = DEFAULT_LIVENESS
    # Identical live event subscriptions share one stream (see sharing); False: a socket each.
    share_events: bool = True
    tls_verify: bool = False
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None

    @property
    def daemon_key(self) -> str:
        """Identifies the daemon: the same for every connection to one endpoint."""
        return str(self.address)


def configure(**settings: Any) -> None:
    """Set process-wide defaults (the counterpart of NkDOCKER's application env).

    Takes the same names as `connect()`; a value of None removes that default.
    """
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise InvalidOption(f"configure(): unknown setting(s) {sorted(unknown)}")
    with _defaults_lock:
        for name, value in settings.items():
            if value is None:
                _defaults.pop(name, None)
            else:
                _defaults[name] = value


def _environment_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    """DOCKER_* as the docker CLI reads them: any non-empty DOCKER_TLS_VERIFY means verify.

    Values such as "0" or "false" still turn TLS on, as they do for the docker CLI and
    docker-py: reading them as "off" would silently downgrade to plaintext.
    """
    layer: dict[str, Any] = {}
    if environ.get("DOCKER_HOST"):
        layer["url"] = environ["DOCKER_HOST"]
    verify = environ.get("DOCKER_TLS_VERIFY", "") != ""
    if verify or environ.get("DOCKER_TLS", "") != "":
        layer["proto"] = "tls"
        layer["tls_verify"] = verify
    # Used whenever TLS is on (from here or a higher layer), as by the docker CLI: an
    # explicit DOCKER_CERT_PATH must hold its files, the default folder may hold none.
    cert_path = environ.get("DOCKER_CERT_PATH")
    default_path = environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    for name, file in (("cafile", "ca.pem"), ("certfile", "cert.pem"), ("keyfile", "key.pem")):
        if cert_path:
            layer[name] = os.path.join(cert_path, file)
        elif os.path.isfile(os.path.join(default_path, file)):
            layer[name] = os.path.join(default_path, file)
    return layer


def _builtin_layer() -> dict[str, Any]:
    if os.path.exists(DEFAULT_SOCKET):
        return {"url": f"unix://{DEFAULT_SOCKET}"}
    return {"url": "tcp://127.0.0.1"}


def _expand_url(layer: dict[str, Any], source: str) -> dict[str, Any]:
    """Replace a layer's `url` by proto/host/port/path."""
    url = layer.get("url")
    if url is None:
        return layer
    expanded = {k: v for k, v in layer.items() if k != "url"}
    if not isinstance(url, str):
        raise InvalidOption(f"url from {source} must be a string, not {url!r}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "unix":
        path = parts.path or parts.netloc
        if not path:
            raise InvalidOption(f"url {url!r} from {source} names no socket path")
        expanded.update(proto="unix", path=path)
        return expanded
    if scheme == "ssh":
        return {**expanded, **_ssh_endpoint(url, source)}
    if scheme not in ("tcp", "tls", "https", "http"):
        raise InvalidOption(f"url {url!r} from {source}: unknown scheme {parts.scheme!r}")
    try:
        port = parts.port
    except ValueError:
        raise InvalidOption(f"url {url!r} from {source}: port out of range") from None
    if not parts.hostname:
        raise InvalidOption(f"url {url!r} from {source} names no host")
    # tcp:// names an endpoint, not a protocol: TLS settings from any layer (DOCKER_TLS_VERIFY
    # above all) still apply to it, as with the docker CLI; tls:// and http:// are explicit.
    if scheme != "tcp":
        expanded.setdefault("proto", "tls" if scheme in ("tls", "https") else "tcp")
    expanded["host"] = parts.hostname
    if port is not None:
        expanded["port"] = port
    return expanded


def resolve(explicit: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> ConnConfig:
    """Resolve and validate settings: explicit > configure() > environment > built-in."""
    unknown = set(explicit) - set(SETTINGS)
    if unknown:
        raise InvalidOption(f"connect(): unknown setting(s) {sorted(unknown)}")
    with _defaults_lock:
        configured = dict(_defaults)
    layers = [
        ("argument", {k: v for k, v in explicit.items() if v is not None}),
        ("configure()", configured),
        ("environment", _environment_layer(os.environ if environ is None else environ)),
        ("default", _builtin_layer()),
    ]
    layers = apply_context(layers, os.environ if environ is None else environ)
    layers = [(source, _expand_url(layer, source)) for source, layer in layers]

    chosen: dict[str, tuple[Any, str]] = {}
    # The endpoint comes whole from the highest layer naming a host or socket, so an
    # explicit host never mixes with DOCKER_HOST's socket path; a higher `proto`
    # (tls over tcp) or `port` still applies.
    endpoint_source, endpoint = next(
        (source, layer) for source, layer in layers if "host" in layer or "path" in layer
    )
    for source, layer in layers:
        for name, value in layer.items():
            if name in _ENDPOINT and layer is not endpoint:
                # A lower layer's TLS still secures a higher layer's tcp:// endpoint (never
                # a silent plaintext downgrade); a lower layer's port does not move it.
                if name == "proto":
                    lower = _rank(source) > _rank(endpoint_source)
                    local = "path" in endpoint or endpoint.get("proto") == "ssh"  # no TLS there
                    if local or value == "unix" or (value == "tcp" and lower):
                        continue
                elif not (name == "port" and _rank(source) < _rank(endpoint_source)):
                    continue
            chosen.setdefault(name, (value, source))
    return _validate(chosen)


def _rank(source: str) -> int:
    return ["argument", "configure()", "environment", "default"].index(source)


def _validate(chosen: dict[str, tuple[Any, str]]) -> ConnConfig:
    def get(name: str, default: Any = None) -> Any:
        return chosen.get(name, (default, "default"))[0]

    def where(name: str) -> str:
        return chosen[name][1] if name in chosen else "default"

    proto = get("proto", "tcp")
    if proto not in ("unix", "tcp", "tls", "ssh"):
        raise InvalidOption(f"proto {proto!r} from {where('proto')}: use unix, tcp or tls")
    if proto == "unix" and "path" not in chosen:
        proto = "tcp"
    connect_timeout = _positive(
        get("connect_timeout", DEFAULT_CONNECT_TIMEOUT), "connect_timeout", where
    )
    timeout = get("timeout", DEFAULT_TIMEOUT)
    if timeout is not None:
        timeout = _positive(timeout, "timeout", where)
    liveness = get("liveness", DEFAULT_LIVENESS)
    liveness = None if liveness == 0 else _positive(liveness, "liveness", where)  # 0: off
    share_events = _bool(get("share_events", True), "share_events", where)
    api_version = get("api_version")
    if api_version is not None:
        match = _API_VERSION.match(str(api_version))
        if not match or int(match.group(1)) < 12:
            raise InvalidOption(
                f"api_version {api_version!r} from {where('api_version')}: expected 1.12 or newer"
            )
        api_version = str(api_version)
    common: dict[str, Any] = {
        "api_version": api_version,
        "connect_timeout": connect_timeout,
        "timeout": timeout,
        "liveness": liveness,
        "share_events": share_events,
    }
    if proto == "unix":
        return ConnConfig(Address("unix", path=str(get("path"))), **common)
    if proto == "ssh":
        return ConnConfig(_ssh_address(chosen), **common)

    host = get("host")
    if not isinstance(host, str) or not host:
        raise InvalidOption(f"host {host!r} from {where('host')} must be a non-empty string")
    port = get("port", 2376 if proto == "tls" else 2375)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise InvalidOption(f"port {port!r} from {where('port')} is out of range 1-65535")
    if proto == "tcp":
        return ConnConfig(Address("tcp", host=host, port=port), **common)

    verify = _bool(get("tls_verify", True), "tls_verify", where)
    files: dict[str, str | None] = {}
    for name in ("cafile", "certfile", "keyfile"):
        value = get(name)
        if value is not None and not os.path.isfile(value):
            raise InvalidOption(f"{name} {value!r} from {where(name)}: no such file")
        files[name] = value
    if files["keyfile"] and not files["certfile"]:
        raise InvalidOption(f"keyfile from {where('keyfile')} given without a certfile")
    try:
        context = tls_context(
            cafile=files["cafile"] if verify else None,
            certfile=files["certfile"],
            keyfile=files["keyfile"],
            verify=verify,
        )
    except (OSError, ValueError) as exc:
        raise InvalidOption(f"TLS files could not be loaded: {exc}") from exc
    return ConnConfig(
        Address("tls", host=host, port=port, ssl_context=context),
        **common,
        tls_verify=verify,
        cafile=files["cafile"],
        certfile=files["certfile"],
        keyfile=files["keyfile"],
    )


def _bool(value: Any, name: str, where: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidOption(f"{name} {value!r} from {where(name)} must be a bool")
    return value


def _positive(value: Any, name: str, where: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InvalidOption(f"{name} {value!r} from {where(name)} must be a positive number")
    return float(value)


def _ssh_endpoint(url: str, source: str) -> dict[str, Any]:
    """ssh://[user@]host[:port], as the docker CLI takes it: no path, query or password."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise InvalidOption(f"url {url!r} from {source}: port out of range") from None
    if not parts.hostname:
        raise InvalidOption(f"url {url!r} from {source} names no host")
    if parts.password is not None:
        raise InvalidOption(f"url from {source}: ssh URLs take no password (use ssh keys)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidOption(f"url {url!r} from {source}: ssh URLs take no path or query")
    endpoint: dict[str, Any] = {"proto": "ssh", "host": parts.hostname, "user": parts.username}
    if port is not None:
        endpoint["port"] = port
    return endpoint


def _ssh_address(chosen: dict[str, tuple[Any, str]]) -> Address:
    """An ssh endpoint: the port and user left out mean ssh's own (~/.ssh/config) choice."""
    host, where = chosen["host"]
    user = chosen.get("user", (None, where))[0]
    port = chosen.get("port", (0, where))[0]
    if host.startswith("-") or (user or "").startswith("-"):
        raise InvalidOption(f"ssh host or user from {where} must not start with '-'")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port < 65536:
        raise InvalidOption(f"port {port!r} from {chosen['port'][1]} is out of range 1-65535")
    return Address("ssh", host=host, port=port, user=user or "")
