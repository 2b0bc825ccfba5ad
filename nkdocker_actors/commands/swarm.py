"""Swarm commands: init, join, leave, inspect, update, unlockkey and unlock (API 1.24+).

Join tokens and unlock keys are credentials: checked as such and never echoed in an
error (the prepared call keeps them out of its repr)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..swarm_options import NODE_AVAILABILITIES
from .spec import (
    ApiVersion,
    Body,
    BodyBuilder,
    Command,
    boolean,
    choice,
    flag,
    in_body,
    in_query,
    integer,
    json_value,
    none_reply,
    secret,
    strings,
    text,
)

_SINCE = (1, 24)
# The node's own availability as it enters the swarm (docker's `--availability`): in the
# init and join bodies since Docker 17.04 (moby#24993), though the API reference never
# listed it (moby#41429).
_AVAILABILITY = in_body("Availability", choice(*NODE_AVAILABILITIES), since=(1, 28))


def version_query(name: str, value: Any) -> str:
    """An object's version (its Version.Index), which an update must name."""
    return str(integer(name, value))


def whole_body(option: str) -> BodyBuilder:
    """A body that is the JSON of one option (a spec object)."""

    def build(values: Mapping[str, Any], api: ApiVersion) -> tuple[Body, str]:
        return json.dumps(values.get(option) or {}).encode(), "application/json"

    return build


COMMANDS = (
    Command(
        "swarm_init",
        "POST",
        "/swarm/init",
        "Make this daemon the first manager of a new swarm; returns the node id. "
        "spec is a SwarmSpec ({'Orchestration', 'Raft', 'Dispatcher', 'CAConfig', "
        "'EncryptionConfig', ...}): {'EncryptionConfig': {'AutoLockManagers': True}} locks "
        "managers with a key (swarm_unlockkey).",
        fields={
            "listen_addr": in_body("ListenAddr", text),
            "advertise_addr": in_body("AdvertiseAddr", text),
            "data_path_addr": in_body("DataPathAddr", text, since=(1, 30)),
            "data_path_port": in_body("DataPathPort", integer, since=(1, 40)),
            "default_addr_pool": in_body("DefaultAddrPool", strings, since=(1, 39)),
            "subnet_size": in_body("SubnetSize", integer, since=(1, 39)),
            "force_new_cluster": in_body("ForceNewCluster", boolean),
            "availability": _AVAILABILITY,
            "spec": in_body("Spec", json_value),
        },
        defaults={"listen_addr": "0.0.0.0:2377"},
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "swarm_join",
        "POST",
        "/swarm/join",
        "Join a swarm as a worker or manager (which, the token says) through remote_addrs.",
        params=("remote_addrs", "join_token"),
        fields={
            "remote_addrs": in_body("RemoteAddrs", strings),
            "join_token": in_body("JoinToken", secret),
            "listen_addr": in_body("ListenAddr", text),
            "advertise_addr": in_body("AdvertiseAddr", text),
            "data_path_addr": in_body("DataPathAddr", text, since=(1, 30)),
            "availability": _AVAILABILITY,
        },
        defaults={"listen_addr": "0.0.0.0:2377"},
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "swarm_leave",
        "POST",
        "/swarm/leave",
        "Leave the swarm (a manager only with force=True).",
        fields={"force": in_query("force", flag)},
        reply=none_reply,
        mode="exclusive",
        timeout=None,
        since_api=_SINCE,
    ),
    Command(
        "swarm_inspect",
        "GET",
        "/swarm",
        "The swarm: {'ID', 'Version', 'Spec', 'JoinTokens', ...} (on a manager).",
        since_api=_SINCE,
    ),
    Command(
        "swarm_update",
        "POST",
        "/swarm/update",
        "Replace the swarm's spec (version: its Version.Index, from swarm_inspect); "
        "rotate tokens or the unlock key.",
        params=("version", "spec"),
        fields={
            "version": in_query("version", version_query),
            "spec": in_body("Spec", json_value),
            "rotate_worker_token": in_query("rotateWorkerToken", flag),
            "rotate_manager_token": in_query("rotateManagerToken", flag),
            "rotate_manager_unlock_key": in_query("rotateManagerUnlockKey", flag, since=(1, 25)),
        },
        body=whole_body("spec"),
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "swarm_unlockkey",
        "GET",
        "/swarm/unlockkey",
        "The key that unlocks a locked manager: {'UnlockKey'}.",
        since_api=(1, 25),
    ),
    Command(
        "swarm_unlock",
        "POST",
        "/swarm/unlock",
        "Unlock a locked manager with its unlock key.",
        params=("unlock_key",),
        fields={"unlock_key": in_body("UnlockKey", secret)},
        reply=none_reply,
        mode="exclusive",
        since_api=(1, 25),
    ),
)
