"""Create options -> the JSON bodies of POST /containers/create and POST /commit.

Option names follow NkDOCKER in snake_case (``cmds``, ``env``, ``publish``, ...)
plus the newer Engine API fields (``mounts``, ``network``, ``healthcheck``, ...).
Every value is checked by type and shape, and against the negotiated API
version, before anything is built: a bad option is an `InvalidOption` naming
the option and the bad value, and nothing is sent.

Unlike NkDOCKER, an unknown option is an error: a silently ignored typo is a
container quietly created without the setting its caller asked for.

Where fields live depends on the API version. Since 1.15 the create body nests
``HostConfig``. API 1.17 read Memory, MemorySwap, CpuShares and Cpuset from the
top-level Config; 1.18 moved them into HostConfig (Cpuset becoming CpusetCpus)
while 1.18 daemons still read the old Config fields, so at 1.18 they go in both
(as NkDOCKER and the Docker 1.6 client did); from 1.19 on only in HostConfig.
"""

from __future__ import annotations

from .body import (
    CONFIG_OPTIONS,
    CREATE_OPTIONS,
    QUERY_OPTIONS,
    UPDATE_OPTIONS,
    config_body,
    create_body,
    update_body,
)
from .common import ApiVersion, parse_bytes, parse_duration_ns
from .host import ULIMIT_NAMES, ulimit_list

__all__ = [
    "CONFIG_OPTIONS",
    "CREATE_OPTIONS",
    "QUERY_OPTIONS",
    "ULIMIT_NAMES",
    "UPDATE_OPTIONS",
    "ApiVersion",
    "config_body",
    "create_body",
    "parse_bytes",
    "parse_duration_ns",
    "ulimit_list",
    "update_body",
]
