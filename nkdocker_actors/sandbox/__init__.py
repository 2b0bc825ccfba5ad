"""Private, real Docker daemons for tests and demos (root only).

A sandbox is a dockerd of Debian's docker.io with everything of its own under
``/tmp/nkd/<name>/``: data root, exec root, pid file, a unix socket, a
verified-TLS TCP port on 127.0.0.1, a plain TCP port on 127.0.0.1 (a socat
forwarder to the unix socket, since dockerd's TLS flags apply to all its TCP
listeners), a bridge ``nkbr-<short>`` and a /24 subnet that no other sandbox or
host route uses, and its own containerd namespaces. Several sandboxes run side
by side without touching each other or a system dockerd. No internet registry
is needed: ``busybox:latest`` is built from the host's static busybox and
imported through this package's own client. A private registry (Debian's
docker-registry with htpasswd auth) can be started next to a sandbox.

Modules: ``daemon`` (a dockerd: up, down, kill, restart, info), ``registry``,
``cli`` (``python -m nkdocker_actors.sandbox``); private ``_common`` (processes,
locks, state files, packages, ports), ``_network`` (bridge, FORWARD rules),
``_tls`` (certificates), ``_busybox`` (the busybox image).

Command line::

    python -m nkdocker_actors.sandbox up|down|env|kill|restart|info [--name NAME]
    eval "$(python -m nkdocker_actors.sandbox env --name a)"
"""

from __future__ import annotations

from ._busybox import busybox_rootfs_tar
from ._common import ROOT, SandboxError, SandboxInfo
from .cli import main
from .daemon import down, info, kill, restart, up
from .registry import RegistryInfo, registry_down, registry_up

__all__ = [
    "ROOT",
    "RegistryInfo",
    "SandboxError",
    "SandboxInfo",
    "busybox_rootfs_tar",
    "down",
    "info",
    "kill",
    "main",
    "registry_down",
    "registry_up",
    "restart",
    "up",
]
