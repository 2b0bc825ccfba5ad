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

Network namespaces (partition tests, Swarm): ``up(name, netns=True, lan=None)``
runs the dockerd in a network namespace of its own (``nsenter --net``), on a lan:
a bridge on the host with a 10.215.X.0/24 subnet shared by the nodes that name
the same ``lan`` (default: the node's own name). Its unix socket stays on the
host's filesystem; ``SandboxInfo.tcp_url`` (plain, port 2375) and ``tls_url``
(port 2376) are on its lan address (``SandboxInfo.address``), reachable from the
host. Faults, each returning once in effect:

- ``link_down(name)`` / ``link_up(name)``: the host end of the node's veth down /
  up; packets vanish (requests time out), no socket is closed;
- ``pause(name)`` / ``resume(name)``: SIGSTOP / SIGCONT its dockerd;
- ``kill(name)`` (SIGKILL), ``stop(name)`` (SIGTERM, clean), ``restart(name)``
  (same address, ports, data), for any sandbox.

``down(name)`` removes the namespace, veth pair, FORWARD rules and (with its last
node) the lan's bridge; it is idempotent.

Swarm: ``swarm_up(name, managers=3, workers=1) -> SwarmInfo`` starts netns nodes
``<name>-m1..`` and ``<name>-w1..`` on lan ``<name>``, each with busybox:latest
(create services with QueryRegistry=false / ``--no-resolve-image``), inits and
joins them and waits until all are Ready; ``swarm_info``, ``swarm_env`` (the
first manager's environment), ``swarm_down`` (idempotent). Fault one node with
the functions above on its name (``kill(swarm.managers[1])``...).

Modules: ``daemon`` (a dockerd: up, down, kill, stop, restart, pause, resume,
link_down, link_up, info), ``registry``, ``swarm``, ``cli`` (``python -m
nkdocker_actors.sandbox``); private ``_common`` (processes, locks, state files,
packages, ports), ``_network`` (bridge, FORWARD rules), ``_netns`` (namespaces,
lans), ``_tls`` (certificates), ``_busybox`` (the busybox image).

Command line::

    python -m nkdocker_actors.sandbox up [--netns [--lan LAN]] --name NAME
    python -m nkdocker_actors.sandbox ACTION --name NAME
        ACTION: down env kill stop restart info pause resume link-down link-up
                registry-up registry-down
    python -m nkdocker_actors.sandbox swarm up --name NAME [--managers M] [--workers W]
    python -m nkdocker_actors.sandbox swarm down|env|info --name NAME
    eval "$(python -m nkdocker_actors.sandbox env --name a)"
"""

from __future__ import annotations

from ._busybox import busybox_rootfs_tar
from ._common import ROOT, SandboxError, SandboxInfo
from .cli import main
from .daemon import down, info, kill, link_down, link_up, pause, restart, resume, stop, up
from .registry import RegistryInfo, registry_down, registry_up
from .swarm import SwarmInfo, swarm_down, swarm_env, swarm_info, swarm_up

__all__ = [
    "ROOT",
    "RegistryInfo",
    "SandboxError",
    "SandboxInfo",
    "SwarmInfo",
    "busybox_rootfs_tar",
    "down",
    "info",
    "kill",
    "link_down",
    "link_up",
    "main",
    "pause",
    "registry_down",
    "registry_up",
    "restart",
    "resume",
    "stop",
    "swarm_down",
    "swarm_env",
    "swarm_info",
    "swarm_up",
    "up",
]
