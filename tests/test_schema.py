"""Request bodies checked against the Engine API's own spec, at API 1.41, 1.44 and 1.56.

The specs are moby's swagger files (tests/specs/*.yaml.gz, copies of the project's
shared/reference). Each body schema is made strict before use: $refs inlined, allOf
merged, and every object that lists its properties refuses any other, so a field
a version does not know fails here even though the daemon would silently drop it.
Every create / update / commit option, and every network, volume, exec and plugin
body option, is built at each version where it exists and validated; where it does
not exist, it must be refused before anything is sent.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from test_options import CASES, IMAGE

from nkdocker_actors.commands import COMMANDS, lookup
from nkdocker_actors.commands.spec import build
from nkdocker_actors.errors import InvalidOption
from nkdocker_actors.options import (
    CONFIG_OPTIONS,
    CREATE_OPTIONS,
    QUERY_OPTIONS,
    UPDATE_OPTIONS,
    config_body,
    create_body,
    update_body,
)

SPECS = Path(__file__).parent / "specs"
VERSIONS = {(1, 41): "v1.41", (1, 44): "v1.44", (1, 56): "latest"}


@cache
def spec(api: tuple[int, int]) -> dict[str, Any]:
    with gzip.open(SPECS / f"engine-api-{VERSIONS[api]}.yaml.gz", "rt") as file:
        loaded: dict[str, Any] = yaml.safe_load(file)
    assert loaded["info"]["version"] == f"{api[0]}.{api[1]}"
    return loaded


def strict(node: Any, definitions: dict[str, Any], depth: int = 0) -> Any:
    """The schema with $refs inlined, allOf merged, and unknown properties refused."""
    assert depth < 40, "recursive schema"
    if isinstance(node, list):
        return [strict(item, definitions, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return strict(definitions[node["$ref"].split("/")[-1]], definitions, depth + 1)
    out = {k: strict(v, definitions, depth + 1) for k, v in node.items() if k != "allOf"}
    for part in (strict(p, definitions, depth + 1) for p in node.get("allOf", [])):
        properties = {**out.get("properties", {}), **part.get("properties", {})}
        out.update({k: v for k, v in part.items() if k != "additionalProperties"})
        if properties:
            out["properties"] = properties
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.get("x-nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def body_schema(api: tuple[int, int], path: str, method: str = "post") -> dict[str, Any]:
    document = spec(api)
    parameters = document["paths"][path][method]["parameters"]
    body = next(p for p in parameters if p["in"] == "body")["schema"]
    return strict(copy.deepcopy(body), document["definitions"])  # type: ignore[no-any-return]


def check(api: tuple[int, int], path: str, body: Any, method: str = "post") -> None:
    schema = body_schema(api, path, method)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(body), key=str)
    assert not errors, f"API {api}: {path}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


def _case(option: str) -> dict[str, Any]:
    """Valid options holding `option`, from test_options' cases: the fewest, newest."""
    found = [(len(opts), api, i) for i, (opts, api, _) in enumerate(CASES) if option in opts]
    return CASES[min(found, key=lambda t: (t[0], (-t[1][0], -t[1][1])))[2]][0]


def _sample(option: str) -> Any:
    return _case(option)[option]


def _exists(build_body: Any, *args: Any) -> Any:
    """The body, or None when the option does not exist at this version (refused)."""
    try:
        return build_body(*args)
    except InvalidOption as refused:
        assert "needs API" in str(refused) or "gone since API" in str(refused), refused
        return None


BODY_OPTIONS = sorted(CREATE_OPTIONS - QUERY_OPTIONS - {"extra", "lxc_confs"})


@pytest.mark.parametrize("api", list(VERSIONS), ids=lambda v: f"{v[0]}.{v[1]}")
@pytest.mark.parametrize("option", BODY_OPTIONS)
def test_create_option_bodies(option: str, api: tuple[int, int]) -> None:
    body = _exists(create_body, IMAGE, _case(option), api)
    if body is not None:
        check(api, "/containers/create", body)


# Left out, given by `networks`, cpu_period/quota, cpu_set_cpus and the stdin flags.
_GIVEN_OTHERWISE = ("net", "aliases", "ip_address", "ipv6_address", "link_local_ips", "network")
_GIVEN_OTHERWISE += ("cpus", "cpu_set", "interactive")


@pytest.mark.parametrize("api", list(VERSIONS), ids=lambda v: f"{v[0]}.{v[1]}")
def test_every_create_option_together(api: tuple[int, int]) -> None:
    opts: dict[str, Any] = {}
    for option in BODY_OPTIONS:
        if option in _GIVEN_OTHERWISE:
            continue
        value = _sample(option)
        if _exists(create_body, IMAGE, {option: value}, api) is not None:
            opts[option] = value
    check(api, "/containers/create", create_body(IMAGE, opts, api))


@pytest.mark.parametrize("api", list(VERSIONS), ids=lambda v: f"{v[0]}.{v[1]}")
@pytest.mark.parametrize("option", sorted(UPDATE_OPTIONS - {"extra"}))
def test_update_option_bodies(option: str, api: tuple[int, int]) -> None:
    body = _exists(update_body, {option: _sample(option)}, api)
    if body is not None:
        check(api, "/containers/{id}/update", body)


@pytest.mark.parametrize("api", list(VERSIONS), ids=lambda v: f"{v[0]}.{v[1]}")
@pytest.mark.parametrize("option", sorted(CONFIG_OPTIONS - {"extra"}))
def test_commit_option_bodies(option: str, api: tuple[int, int]) -> None:
    value = _sample(option)
    if option == "volumes":
        value = ["/data"]  # a commit config takes container paths only
    body = _exists(config_body, {option: value}, api)
    if body is not None:
        check(api, "/commit", body)


# Commands whose JSON body comes from their options: a valid value of each option.
COMMAND_SAMPLES: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = {
    "network_create": (
        "/networks/create",
        ("n1",),
        {
            "driver": "bridge",
            "scope": "local",
            "internal": True,
            "attachable": True,
            "ingress": False,
            "config_only": False,
            "config_from": "n0",
            "enable_ipv4": True,
            "enable_ipv6": False,
            "ipam": {"Driver": "default", "Config": [{"Subnet": "10.9.0.0/24"}]},
            "options": {"com.docker.network.bridge.name": "nk0"},
            "labels": {"a": "b"},
            "check_duplicate": True,
        },
    ),
    "network_connect": (
        "/networks/{id}/connect",
        ("n1", "c1"),
        {"endpoint_config": {"Aliases": ["a"], "IPAMConfig": {"IPv4Address": "10.9.0.5"}}},
    ),
    "network_disconnect": ("/networks/{id}/disconnect", ("n1", "c1"), {"force": True}),
    "volume_create": (
        "/volumes/create",
        ("v1",),
        {"driver": "local", "driver_opts": {"type": "tmpfs"}, "labels": {"a": "b"}},
    ),
    "volume_update": ("/volumes/{name}", ("v1", 3, {"AccessMode": {"Availability": "pause"}}), {}),
    "exec_create": (
        "/containers/{id}/exec",
        ("c1", ["sh"]),
        {
            "stdin": True,
            "stdout": True,
            "stderr": False,
            "tty": True,
            "env": {"A": "1"},
            "workdir": "/tmp",
            "user": "nobody",
            "privileged": False,
            "detach_keys": "ctrl-x",
            "console_size": (24, 80),
        },
    ),
    "exec_start": ("/exec/{id}/start", ("e1",), {"detach": True, "tty": False, "console_size": [1, 2]}),  # noqa: E501
    "plugin_set": ("/plugins/{name}/set", ("p1", {"DEBUG": "1"}), {}),
    "plugin_pull": (
        "/plugins/pull",
        ("nk/p",),
        {"privileges": [{"Name": "network", "Description": "", "Value": ["host"]}]},
    ),
    "plugin_upgrade": ("/plugins/{name}/upgrade", ("p1", "nk/p"), {"privileges": []}),
    "swarm_init": (
        "/swarm/init",
        (),
        {"listen_addr": "0.0.0.0:2377", "advertise_addr": "10.0.0.1", "data_path_port": 4789,
         "default_addr_pool": ["10.20.0.0/16"], "subnet_size": 24, "force_new_cluster": False,
         "spec": {"Name": "default"}},
    ),
    "swarm_join": (
        "/swarm/join", (["10.0.0.1:2377"], "SWMTKN-1-x"),
        {"listen_addr": "0.0.0.0:2377", "advertise_addr": "10.0.0.2"},
    ),
    "swarm_update": ("/swarm/update", (3, {"Name": "default"}), {"rotate_worker_token": True}),
    "swarm_unlock": ("/swarm/unlock", ("SWMKEY-1-x",), {}),
    "node_update": (
        "/nodes/{id}/update", ("nd1", 3),
        {"role": "worker", "availability": "drain", "labels": {"a": "b"}, "name": "n"},
    ),
    "service_create": (
        "/services/create", (),
        {"name": "web", "image": "busybox:latest", "replicas": 2, "args": ["sleep", "9"],
         "env": {"A": "1"}, "labels": {"a": "b"}, "constraints": ["node.role==manager"],
         "restart_policy": {"condition": "on-failure", "max_attempts": 3},
         "update_config": {"parallelism": 1, "order": "start-first"},
         "ports": ["8080:80"], "endpoint_mode": "vip", "stop_grace_period": "10s"},
    ),
    "service_update": (
        "/services/{id}/update", ("s1", 3),
        {"image": "busybox:latest", "replicas": 3, "env": {"A": "2"}},
    ),
    "secret_create": ("/secrets/create", ("sc1", b"x"), {"labels": {"a": "b"}}),
    "secret_update": ("/secrets/{id}/update", ("sc1", 3), {"labels": {"a": "b"}}),
    "config_create": ("/configs/create", ("cf1", b"x"), {"labels": {"a": "b"}}),
    "config_update": ("/configs/{id}/update", ("cf1", 3), {"labels": {"a": "b"}}),
}  # fmt: skip


# Options a command cannot go without, sent with each sampled option.
REQUIRED: dict[str, dict[str, Any]] = {"service_create": {"image": "busybox:latest"}}


def _command_cases() -> Iterator[tuple[str, str | None, tuple[int, int]]]:
    for name, (_, _, options) in COMMAND_SAMPLES.items():
        for api in VERSIONS:
            yield name, None, api
            for option in options:
                yield name, option, api


@pytest.mark.parametrize(("name", "option", "api"), list(_command_cases()))
def test_command_bodies(name: str, option: str | None, api: tuple[int, int]) -> None:
    path, args, options = COMMAND_SAMPLES[name]
    method = "put" if name == "volume_update" else "post"
    if method not in spec(api)["paths"].get(path, {}):
        with pytest.raises(InvalidOption, match="needs API"):
            build(lookup(name, api), args, {}, api)
        return
    given = {**REQUIRED.get(name, {}), **({} if option is None else {option: options[option]})}
    command = lookup(name, api)
    try:
        prepared = build(command, args, given, api)
    except InvalidOption as refused:
        assert "API" in str(refused), refused  # an option this version does not have
        assert option is not None
        return
    body = prepared.request.body
    assert isinstance(body, bytes)
    check(api, path, json.loads(body), method)


def test_every_body_command_is_sampled() -> None:
    with_bodies = {
        name
        for name, variants in COMMANDS.items()
        for command in variants
        if command.body is not None or any(f.place == "body" for f in command.fields.values())
    }
    # create/update/commit: the option tests above; login: credentials, not options.
    assert with_bodies - set(COMMAND_SAMPLES) == {"create", "update", "commit", "cp", "login"}


def test_every_field_of_the_latest_create_body_has_a_named_option() -> None:
    schema = body_schema((1, 56), "/containers/create")
    config, host = set(schema["properties"]), set(schema["properties"]["HostConfig"]["properties"])
    reached_config: set[str] = set()
    reached_host: set[str] = set()
    for opts, api, _ in CASES:
        if "extra" in opts:
            continue  # the escape hatch reaches anything: named options only
        body = create_body(IMAGE, opts, api)
        reached_config |= set(body)
        reached_host |= set(body["HostConfig"])
    assert config - reached_config == set()
    assert host - reached_host == set()
