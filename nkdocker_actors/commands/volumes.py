"""Volume commands (API 1.21 and newer)."""

from __future__ import annotations

from .spec import (
    Command,
    count,
    filters,
    flag,
    ident,
    in_body,
    in_path,
    in_query,
    json_value,
    mapping_of_strings,
    none_reply,
    text,
)

_V = {"volume": in_path("volume")}
_SINCE = (1, 21)

COMMANDS = (
    Command(
        "volumes",
        "GET",
        "/volumes",
        "List volumes: {'Volumes', 'Warnings'}.",
        fields={"filters": in_query("filters", filters)},
        since_api=_SINCE,
    ),
    Command(
        "volume_create",
        "POST",
        "/volumes/create",
        "Create a volume (named, or anonymous); returns its description.",
        optional=("name",),
        fields={
            "name": in_body("Name", ident("volume")),
            "driver": in_body("Driver", text),
            "driver_opts": in_body("DriverOpts", mapping_of_strings),
            "labels": in_body("Labels", mapping_of_strings),
        },
        mode="exclusive",
        since_api=_SINCE,
        json_body=True,
    ),
    Command(
        "volume_inspect",
        "GET",
        "/volumes/{volume}",
        "Inspect a volume.",
        params=("volume",),
        fields=_V,
        since_api=_SINCE,
    ),
    Command(
        "volume_update",
        "PUT",
        "/volumes/{volume}",
        "Update a cluster volume (Swarm managers only): `spec` is its ClusterVolumeSpec, "
        "`version` the one its inspection shows (ClusterVolume.Version.Index).",
        params=("volume", "version", "spec"),
        fields={
            **_V,
            "version": in_query("version", count),
            "spec": in_body("Spec", json_value),
        },
        reply=none_reply,
        mode="exclusive",
        since_api=(1, 42),
    ),
    Command(
        "volume_rm",
        "DELETE",
        "/volumes/{volume}",
        "Remove a volume (Conflict while a container uses it).",
        params=("volume",),
        fields={**_V, "force": in_query("force", flag, since=(1, 25))},
        reply=none_reply,
        mode="exclusive",
        since_api=_SINCE,
    ),
    Command(
        "volume_prune",
        "POST",
        "/volumes/prune",
        "Remove unused volumes: {'VolumesDeleted', 'SpaceReclaimed'}.",
        fields={"filters": in_query("filters", filters)},
        mode="exclusive",
        since_api=(1, 25),
    ),
)
