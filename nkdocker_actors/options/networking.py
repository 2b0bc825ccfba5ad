"""Network options: the network mode and endpoints, published ports, DNS, hosts and links."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidOption
from .common import (
    _CONTAINER_RE,
    _HOSTNAME_RE,
    _MAC_RE,
    _NO_SPACE_RE,
    ApiVersion,
    _bad,
    _Build,
    _conflict,
    _flag,
    _Group,
    _int,
    _ip,
    _is_int,
    _pairs,
    _seq,
    _show,
    _str_map,
    _text,
    _vsn,
    _word_list,
    _words,
)

_ALIAS_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


_PORT_RE = re.compile(r"([0-9]{1,5})(?:/(tcp|udp|sctp))?")


_HOST_PORT_RE = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")


_PROTOCOLS = ("tcp", "udp", "sctp")


_BUILTIN_NETWORKS = ("none", "bridge", "host", "default")


def _port_key(api: ApiVersion, name: str, value: object, *, pair: bool) -> str | None:
    """ "80/tcp" from 80, "80", "80/udp" (or (80, "udp") when `pair`), else None."""
    if pair and isinstance(value, (list, tuple)) and len(value) == 2:
        port, proto = value
        if not isinstance(proto, str) or proto not in _PROTOCOLS:
            return None
        key = _port_key(api, name, port, pair=False)
        if key is None or "/" in str(port):
            return None
        key = f"{key.split('/')[0]}/{proto}"
    elif _is_int(value):
        if not 1 <= value <= 65535:
            return None
        key = f"{value}/tcp"
    elif isinstance(value, str):
        match = _PORT_RE.fullmatch(value)
        if match is None or not 1 <= int(match[1]) <= 65535:
            return None
        key = f"{int(match[1])}/{match[2] or 'tcp'}"
    else:
        return None
    if key.endswith("/sctp") and api < (1, 37):
        # SCTP ports arrived with API 1.37.
        raise InvalidOption(
            f"create option {name!r}: SCTP port {_show(value)} needs API 1.37 or newer "
            f"(the daemon speaks {_vsn(api)})"
        )
    return key


def _host_port(value: object) -> str | None:
    """The HostPort text: "" (any free port) from None or "", else a port or a range."""
    if value is None or value == "":
        return ""
    if _is_int(value):
        return str(value) if 1 <= value <= 65535 else None
    if isinstance(value, str):
        match = _HOST_PORT_RE.fullmatch(value)
        if match is None:
            return None
        low, high = int(match[1]), int(match[2] or match[1])
        if not 1 <= low <= high <= 65535:
            return None
        return f"{low}-{high}" if match[2] else str(low)
    return None


def _build_add_hosts(b: _Build, v: Mapping[str, Any]) -> None:
    expected = 'a list of (host, ip) with ip an address or "host-gateway"'
    hosts: list[str] = []
    for host, ip in _pairs("add_hosts", v["add_hosts"], expected):
        addr = "host-gateway" if ip == "host-gateway" else _ip(ip)
        if addr is None or not isinstance(host, str) or not _HOSTNAME_RE.fullmatch(host):
            _bad("add_hosts", (host, ip), expected)
        hosts.append(f"{host}:{addr}")
    b.host["ExtraHosts"] = hosts


def _build_dns(b: _Build, v: Mapping[str, Any]) -> None:
    servers: list[str] = []
    for item in _seq("dns", v["dns"], "a list of IP addresses"):
        addr = _ip(item)
        if addr is None:
            _bad("dns", item, "an IP address")
        servers.append(addr)
    b.host["Dns"] = servers


def _build_links(b: _Build, v: Mapping[str, Any]) -> None:
    expected = "a list of (container, alias)"
    links: list[str] = []
    for cont, alias in _pairs("links", v["links"], expected):
        if not (
            isinstance(cont, str)
            and _CONTAINER_RE.fullmatch(cont)
            and isinstance(alias, str)
            and _ALIAS_RE.fullmatch(alias)
        ):
            _bad("links", (cont, alias), expected)
        links.append(f"{cont}:{alias}")
    b.host["Links"] = links


def _build_net(b: _Build, v: Mapping[str, Any]) -> None:
    mode: str | None = None
    if "net" in v:
        mode = _network_mode(b, "net", v["net"])
    if "network" in v:
        network = _network_mode(b, "network", v["network"])
        if mode is not None and mode != network:
            _conflict("net", "network", mode, network)
        mode = network
    if mode is not None:
        b.host["NetworkMode"] = mode
    endpoint: dict[str, Any] = {}
    if "aliases" in v:
        endpoint["Aliases"] = _words("aliases", v["aliases"], "names")
    ipam = _static_addresses(v)
    if ipam:
        endpoint["IPAMConfig"] = ipam
    if endpoint and (mode is None or mode in _BUILTIN_NETWORKS or mode.startswith("container:")):
        # The daemon takes aliases and static addresses on user-defined networks only.
        which = next(n for n in ("aliases", *_ADDRESS_OPTIONS) if n in v)
        raise InvalidOption(
            f"create option {which!r} needs a user-defined network "
            f"(give 'network'), not {_show(mode)}"
        )
    if mode is not None and ("network" in v or endpoint):
        b.endpoints[mode] = endpoint


_ADDRESS_OPTIONS = ("ip_address", "ipv6_address", "link_local_ips")


def _static_addresses(v: Mapping[str, Any]) -> dict[str, Any]:
    """The IPAMConfig of `network`'s endpoint: ip_address (either family), ipv6_address
    (beside an IPv4 ip_address) and link_local_ips."""
    ipam: dict[str, Any] = {}
    if "ip_address" in v:
        addr = _ip(v["ip_address"])
        if addr is None:
            _bad("ip_address", v["ip_address"], "an IPv4 or IPv6 address")
        ipam["IPv6Address" if ":" in addr else "IPv4Address"] = addr
    if "ipv6_address" in v:
        addr = _ip(v["ipv6_address"])
        if addr is None or ":" not in addr:
            _bad("ipv6_address", v["ipv6_address"], "an IPv6 address")
        if ipam.get("IPv6Address", addr) != addr:
            _conflict("ip_address", "ipv6_address", ipam["IPv6Address"], addr)
        ipam["IPv6Address"] = addr
    if "link_local_ips" in v:
        expected = "a list of IPv4 or IPv6 link-local addresses"
        addresses = [_ip(a) for a in _seq("link_local_ips", v["link_local_ips"], expected)]
        if None in addresses:
            _bad("link_local_ips", v["link_local_ips"], expected)
        ipam["LinkLocalIPs"] = addresses
    return ipam


def _network_mode(b: _Build, name: str, value: object) -> str:
    expected = '"none", "bridge", "host", a network name or "container:<name>"'
    if name == "network":
        expected = "a network name"
    # A network name may hold spaces (it travels in the body); a mode word may not.
    mode = _text(name, value, expected, _NETWORK_RE if name == "network" else _NO_SPACE_RE)
    if mode.startswith("container:"):
        if name == "network" or not _CONTAINER_RE.fullmatch(mode[len("container:") :]):
            _bad(name, value, expected)
    elif mode not in _BUILTIN_NETWORKS:
        b.need(name, (1, 21), value)  # user-defined networks arrived with 1.21
    return mode


_NETWORK_RE = re.compile(r"[^\s/:]|[^\s/:][^\x00-\x1f/:]*[^\s/:]")
_ENDPOINT_KEYS = (
    "aliases",
    "ip_address",
    "ipv4_address",
    "ipv6_address",
    "links",
    "mac_address",
    "driver_opts",
    "gw_priority",
)


def _endpoint(b: _Build, network: str, raw: object) -> dict[str, Any]:
    """One EndpointSettings of `networks` from its snake_case options."""
    where = f"networks[{network!r}]"
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or set(raw) - set(_ENDPOINT_KEYS):
        _bad("networks", raw, f"{where}: None or a dict of " + ", ".join(_ENDPOINT_KEYS))
    out: dict[str, Any] = {}
    if "aliases" in raw:
        out["Aliases"] = _words("networks", raw["aliases"], "names")
    ipam: dict[str, str] = {}
    for key in ("ip_address", "ipv4_address", "ipv6_address"):
        if key in raw:
            addr = _ip(raw[key])
            family = "IPv6Address" if addr is not None and ":" in addr else "IPv4Address"
            if addr is None or (key != "ip_address" and key[:4] != family[:4].lower()):
                _bad("networks", raw[key], f"{where}: {key} an IP address of that family")
            if family in ipam and ipam[family] != addr:
                _bad("networks", raw, f"{where}: one {family}")
            ipam[family] = addr
    if ipam:
        out["IPAMConfig"] = ipam
    if "links" in raw:
        links = _pairs("networks", raw["links"], "a list of (container, alias)")
        for cont, alias in links:
            if not (isinstance(cont, str) and _CONTAINER_RE.fullmatch(cont)) or not (
                isinstance(alias, str) and _ALIAS_RE.fullmatch(alias)
            ):
                _bad("networks", (cont, alias), f"{where}: links as (container, alias)")
        out["Links"] = [f"{cont}:{alias}" for cont, alias in links]
    if "mac_address" in raw:
        b.need("networks", (1, 44), {network: {"mac_address": raw["mac_address"]}})
        out["MacAddress"] = _text("networks", raw["mac_address"], "a MAC", _MAC_RE)
    if "driver_opts" in raw:
        out["DriverOpts"] = _str_map("networks", raw["driver_opts"], "with string values")
    if "gw_priority" in raw:
        b.need("networks", (1, 48), {network: {"gw_priority": raw["gw_priority"]}})
        out["GwPriority"] = _int("networks", raw["gw_priority"], -(2**31), 2**31 - 1)
    if out and network in _BUILTIN_NETWORKS:
        _bad("networks", raw, f"{where}: endpoint settings on a user-defined network only")
    return out


def _build_networks(b: _Build, v: Mapping[str, Any]) -> None:
    """Several networks at create (API 1.44): [name, ...] or {name: endpoint options}."""
    raw = v["networks"]
    expected = "a list of network names or a dict {network: endpoint options or None}"
    if isinstance(raw, Mapping):
        items = list(raw.items())
    else:
        items = [(name, None) for name in _seq("networks", raw, expected)]
    if not items:
        _bad("networks", raw, expected)
    if "NetworkMode" in b.host or b.endpoints:
        raise InvalidOption(
            "create option 'networks' sets the network mode and every endpoint: "
            "give it without 'net', 'network', 'aliases' or 'ip_address'"
        )
    if len(items) > 1:
        b.need("networks", (1, 44), raw)  # one endpoint only before 1.44
    for name, endpoint in items:
        _network_mode(b, "network", name)
        b.endpoints[name] = _endpoint(b, name, endpoint)
    b.host["NetworkMode"] = items[0][0]


def _build_publish(b: _Build, v: Mapping[str, Any]) -> None:
    expected = "port, (port, host_port), (port, host_port, ip) or (port, protocol)"
    ports = b.config.setdefault("ExposedPorts", {})
    bindings: dict[str, list[dict[str, str]]] = {}
    for item in _seq("publish", v["publish"], f"a list of {expected}"):
        if isinstance(item, (list, tuple)):
            if len(item) not in (2, 3):
                _bad("publish", item, expected)
            if len(item) == 2 and isinstance(item[1], str) and item[1] in _PROTOCOLS:
                # NkDOCKER's (2001, "udp"): that port and protocol, any host port.
                key = _port_key(b.api, "publish", tuple(item), pair=True)
                host_port: str | None = ""
                host_ip: str | None = ""
            else:
                key = _port_key(b.api, "publish", item[0], pair=True)
                host_port = _host_port(item[1])
                host_ip = "" if len(item) == 2 or item[2] in ("", None) else _ip(item[2])
        else:
            key = _port_key(b.api, "publish", item, pair=False)
            host_port = host_ip = ""
        if key is None or host_port is None or host_ip is None:
            _bad("publish", item, expected)
        binding = {"HostIp": host_ip, "HostPort": host_port}
        entries = bindings.setdefault(key, [])
        if binding not in entries:
            entries.append(binding)
        ports[key] = {}
    b.host["PortBindings"] = bindings


GROUPS: tuple[_Group, ...] = (
    _Group(("add_hosts",), _build_add_hosts),
    _Group(("aliases", *_ADDRESS_OPTIONS, "net", "network"), _build_net),
    _Group(("dns",), _build_dns),
    _Group(("dns_search",), _word_list("dns_search", "DnsSearch", "domains")),
    _Group(("dns_options",), _word_list("dns_options", "DnsOptions", "resolver options")),
    _Group(("links",), _build_links),
    _Group(("networks",), _build_networks),
    _Group(("publish",), _build_publish),
    _Group(("publish_all",), _flag("publish_all", "PublishAllPorts")),
)
