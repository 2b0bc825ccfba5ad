"""swarm init|join|leave|join-token|update|ca|unlock|unlock-key, node ls|inspect|update|rm:
the docker CLI's swarm and node commands, columns and messages (service: cli/services.py;
secret and config: cli/secrets.py).

Node listings come from swarm_views (rows keyed by the docker CLI's columns).
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import swarm_views
from ..connection import Docker
from ..errors import DockerError, InvalidOption, NkDockerError
from ..options.common import parse_duration_ns
from ..swarm_options import NODE_AVAILABILITIES
from .common import (
    CliError,
    Cmd,
    Session,
    arg,
    describe,
    each_name,
    filters,
    go_quoted,
    is_tty,
    pairs,
    to_int,
    wait,
    write,
)
from .containers import inspect_each
from .render import listing

# -- swarm ------------------------------------------------------------------------------


def _join_token(docker: Docker, role: str) -> str:
    return str(
        wait(docker.swarm_inspect())["JoinTokens"]["Worker" if role == "worker" else "Manager"]
    )


def _join_command(docker: Docker, role: str) -> str:
    info = wait(docker.info())["Swarm"]
    managers = info.get("RemoteManagers") or []
    me = info.get("NodeID")
    address = next((m["Addr"] for m in managers if m.get("NodeID") == me), None)
    address = address or (managers[0]["Addr"] if managers else f"{info.get('NodeAddr')}:2377")
    return f"docker swarm join --token {_join_token(docker, role)} {address}"


def cmd_swarm_init(session: Session, args: argparse.Namespace) -> int:
    """Make this daemon a one-node swarm; print how to join it (as docker does), and with
    --autolock the key that unlocks it."""
    options: dict[str, Any] = {}
    for option in ("advertise_addr", "listen_addr", "data_path_addr"):
        if getattr(args, option):
            options[option] = getattr(args, option)
    if args.force_new_cluster:
        options["force_new_cluster"] = True
    options.update(_availability(args))
    spec = _spec_changes(args, {})
    if spec:
        options["spec"] = spec
    docker = session.one()
    node = wait(docker.swarm_init(**options))
    write(
        f"Swarm initialized: current node ({node}) is now a manager.\n\n"
        "To add a worker to this swarm, run the following command:\n\n"
        f"    {_join_command(docker, 'worker')}\n\n"
        "To add a manager to this swarm, run 'docker swarm join-token manager' and follow "
        "the instructions.\n"
    )
    if _autolock(spec):
        write(_unlock_hint(_unlock_key(docker)))
    return 0


def cmd_swarm_join(session: Session, args: argparse.Namespace) -> int:
    """Join a swarm with a token."""
    options: dict[str, Any] = {}
    for option in ("advertise_addr", "listen_addr", "data_path_addr"):
        if getattr(args, option):
            options[option] = getattr(args, option)
    options.update(_availability(args))
    docker = session.one()
    wait(docker.swarm_join([args.address], args.token, **options))
    manager = wait(docker.info())["Swarm"].get("ControlAvailable")
    write(f"This node joined a swarm as a {'manager' if manager else 'worker'}.\n")
    return 0


def _availability(args: argparse.Namespace) -> dict[str, str]:
    """The node's availability as it enters the swarm, checked as docker checks it (any
    case; a bad one named before anything is sent)."""
    if args.availability is None:
        return {}
    value = args.availability.lower()
    if value not in NODE_AVAILABILITIES:
        raise CliError(
            f"invalid availability {go_quoted(args.availability)}, "
            "only active, pause and drain are supported"
        )
    return {"availability": value}


def cmd_swarm_leave(session: Session, args: argparse.Namespace) -> int:
    """Leave the swarm."""
    wait(session.one().swarm_leave(force=bool(args.force)))
    write("Node left the swarm.\n")
    return 0


def cmd_swarm_join_token(session: Session, args: argparse.Namespace) -> int:
    """The token (and command) to join as a worker or a manager (docker prints it);
    --rotate replaces it first."""
    if args.role not in ("worker", "manager"):
        raise CliError(f"unknown role {args.role}")
    docker = session.one()
    if args.rotate:
        swarm = wait(docker.swarm_inspect())
        wait(
            docker.swarm_update(
                swarm["Version"]["Index"],
                swarm["Spec"],
                rotate_worker_token=args.role == "worker",
                rotate_manager_token=args.role == "manager",
            )
        )
        if not args.quiet:
            write(f"Successfully rotated {args.role} join token.\n\n")
    if args.quiet:
        write(_join_token(docker, args.role) + "\n")
        return 0
    command = _join_command(docker, args.role)
    write(f"To add a {args.role} to this swarm, run the following command:\n\n    {command}\n\n")
    return 0


def cmd_swarm_update(session: Session, args: argparse.Namespace) -> int:
    """Change the swarm's settings named by flags; turning autolock on prints the key.
    With none named, the help (as docker prints its own)."""
    if not _spec_changes(args, {}):  # (the flags read before anything is asked)
        write(args.command_help())
        return 0
    docker = session.one()
    swarm = wait(docker.swarm_inspect())
    before = _autolock(swarm["Spec"])
    spec = _spec_changes(args, swarm["Spec"])
    wait(docker.swarm_update(swarm["Version"]["Index"], spec))
    write("Swarm updated.\n")
    if _autolock(spec) and not before:
        write(_unlock_hint(_unlock_key(docker)))
    return 0


def cmd_swarm_unlock_key(session: Session, args: argparse.Namespace) -> int:
    """The key that unlocks a locked manager; --rotate replaces it first."""
    docker = session.one()
    if args.rotate:
        swarm = wait(docker.swarm_inspect())
        if not _autolock(swarm["Spec"]):
            raise CliError("cannot rotate because autolock is not turned on")
        wait(
            docker.swarm_update(
                swarm["Version"]["Index"], swarm["Spec"], rotate_manager_unlock_key=True
            )
        )
        if not args.quiet:
            write("Successfully rotated manager unlock key.\n")
    key = _unlock_key(docker)
    if not key:
        raise CliError("no unlock key is set")
    write(key + "\n" if args.quiet else _unlock_hint(key))
    return 0


def cmd_swarm_unlock(session: Session, args: argparse.Namespace) -> int:
    """Unlock a locked manager with the key read from stdin (asked for on a terminal).
    The key is never echoed; a node that is not locked is not asked for one."""
    docker = session.one()
    state = wait(docker.info())["Swarm"].get("LocalNodeState")
    if state == "inactive":
        raise CliError("This node is not part of a swarm")
    if state in ("pending", "active", "error"):
        raise CliError("swarm is not locked")
    if is_tty(sys.stdin):
        key = getpass.getpass("Enter unlock key: ")
    else:
        key = sys.stdin.readline().strip()
    wait(docker.swarm_unlock(key))
    return 0


def cmd_swarm_ca(session: Session, args: argparse.Namespace) -> int:
    """The swarm's root CA certificate; --rotate replaces it (a new one, or --ca-cert and
    --ca-key) and waits until every node has moved to it (-d: not; -q: prints nothing)."""
    cert, key = _pem(args.ca_cert, "--ca-cert"), _pem(args.ca_key, "--ca-key")
    expiry = None if args.cert_expiry is None else _nanoseconds("--cert-expiry", args.cert_expiry)
    docker = session.one()
    if docker.api_version < (1, 30):
        api = ".".join(map(str, docker.api_version))
        raise CliError(
            f"docker swarm ca requires API version 1.30, but the Docker daemon API version is {api}"
        )
    swarm = wait(docker.swarm_inspect())
    if not args.rotate:
        for flag, value in (("ca-cert", cert), ("ca-key", key), ("cert-expiry", expiry)):
            if value is not None:
                raise CliError(f"`--{flag}` flag requires the `--rotate` flag to update the CA")
        return _show_trust_root(swarm)
    if cert is not None and key is None:
        raise CliError(
            "the --ca-cert flag requires that a --ca-key flag and/or --external-ca flag be "
            "provided as well"
        )
    spec = swarm["Spec"]
    ca = spec["CAConfig"] = {**(spec.get("CAConfig") or {})}
    if expiry is not None:
        ca["NodeCertExpiry"] = expiry
    ca["SigningCACert"], ca["SigningCAKey"] = cert or "", key or ""
    if not cert and not key:
        ca["ForceRotate"] = int(ca.get("ForceRotate") or 0) + 1
    wait(docker.swarm_update(swarm["Version"]["Index"], spec))
    if args.detach:
        return 0
    try:
        while not _rotated(docker):
            time.sleep(ROTATION_POLL)
    except KeyboardInterrupt:  # (as docker: the daemon goes on)
        write("Operation continuing in background.\n")
        write("Use `swarmctl cluster inspect default` to check progress.\n")
        return 0
    return 0 if args.quiet else _show_trust_root(wait(docker.swarm_inspect()))


def _pem(path: str | None, flag: str) -> str | None:
    """A PEM file's text, read before anything is asked (as docker reads it)."""
    if path is None:
        return None
    what = f"invalid argument {go_quoted(path)} for {go_quoted(flag)} flag"
    try:
        text = Path(path).read_bytes().decode("ascii")
    except OSError as problem:
        raise CliError(f"{what}: open {path}: {str(problem.strerror).lower()}", 125) from None
    except UnicodeDecodeError:
        text = ""
    if not _PEM_BLOCK.search(text):
        raise CliError(f"{what}: file contents must be in PEM format", 125)
    return text


def _rotated(docker: Docker) -> bool:
    """Whether every node has a certificate from the swarm's CA and trusts its root (what
    docker's progress waits for)."""
    info = wait(docker.swarm_inspect())
    wanted = info.get("TLSInfo") or {}
    if info.get("RootRotationInProgress"):
        return False
    keys = ("TrustRoot", "CertIssuerSubject", "CertIssuerPublicKey")
    for node in wait(docker.nodes()):
        tls = (node.get("Description") or {}).get("TLSInfo") or {}
        if any(tls.get(k) != wanted.get(k) for k in keys):
            return False
    return True


def _show_trust_root(swarm: dict[str, Any]) -> int:
    root = str((swarm.get("TLSInfo") or {}).get("TrustRoot") or "").strip()
    if not root:
        raise CliError("No CA information available")
    write(root + "\n")
    return 0


def _unlock_key(docker: Docker) -> str:
    try:
        return str(wait(docker.swarm_unlockkey()).get("UnlockKey") or "")
    except NkDockerError as problem:
        raise CliError(f"could not fetch unlock key: {_daemon_said(problem)}") from None


def _daemon_said(problem: NkDockerError) -> str:
    """An error as docker words one inside another's message."""
    if isinstance(problem, DockerError):
        return f"Error response from daemon: {describe(problem)}"
    return describe(problem)


def _unlock_hint(key: str) -> str:
    """What docker prints with a key (nothing when there is none)."""
    if not key:
        return ""
    return (
        "To unlock a swarm manager after it restarts, run the `docker swarm unlock`\n"
        f"command and provide the following key:\n\n    {key}\n\n"
        "Remember to store this key in a password manager, since without it you\n"
        "will not be able to restart the manager.\n"
    )


def _autolock(spec: dict[str, Any]) -> bool:
    return bool((spec.get("EncryptionConfig") or {}).get("AutoLockManagers"))


def _as_given(flag: str, value: Any) -> Any:
    return value


def _number(flag: str, text: str) -> int:
    return to_int(text, flag)


def _nanoseconds(flag: str, text: str) -> int:
    try:
        return parse_duration_ns(flag, text)
    except InvalidOption as problem:
        raise CliError(str(problem), 125) from None


# Flag -> (where in a SwarmSpec, how the text is read): the settings init and update share.
_SWARM_SETTINGS: dict[str, tuple[tuple[str, str], Callable[[str, Any], Any]]] = {
    "autolock": (("EncryptionConfig", "AutoLockManagers"), _as_given),  # (a boolean flag)
    "task_history_limit": (
        ("Orchestration", "TaskHistoryRetentionLimit"),
        _number,
    ),
    "dispatcher_heartbeat": (("Dispatcher", "HeartbeatPeriod"), _nanoseconds),
    "cert_expiry": (("CAConfig", "NodeCertExpiry"), _nanoseconds),
    "max_snapshots": (("Raft", "KeepOldSnapshots"), _number),
    "snapshot_interval": (("Raft", "SnapshotInterval"), _number),
}


def _spec_changes(args: argparse.Namespace, spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` (a copy) with the settings given as flags; an empty one if none is."""
    changed = {**spec}
    for option, ((section, key), read) in _SWARM_SETTINGS.items():
        text = getattr(args, option)
        if text is not None:
            flag = "--" + option.replace("_", "-")
            changed[section] = {**(changed.get(section) or {}), key: read(flag, text)}
    return changed


# -- nodes --------------------------------------------------------------------------------

NODE_FORMAT = (
    "table {{.ID}}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}"
    "\t{{.EngineVersion}}"
)
NODE_HEADERS = {
    "ID": "ID",
    "Hostname": "HOSTNAME",
    "Status": "STATUS",
    "Availability": "AVAILABILITY",
    "ManagerStatus": "MANAGER STATUS",
    "EngineVersion": "ENGINE VERSION",
    "TLSStatus": "TLS STATUS",
}


def cmd_node_ls(session: Session, args: argparse.Namespace) -> int:
    """The swarm's nodes (this one marked *)."""
    wanted = filters(args.filter) if args.filter else None
    rows = swarm_views.node_rows(session.one(), filters=wanted)
    if args.quiet:
        write("".join(f"{row['ID']}\n" for row in rows))
        return 0
    items = [{**row, "TLSStatus": "Ready"} for row in rows]
    if not args.format:
        items = [{**row, "ID": row["ID"] + (" *" if row["Self"] else "")} for row in items]
    listing(session.json, args.format, NODE_FORMAT, NODE_HEADERS, items)
    return 0


def cmd_node_inspect(session: Session, args: argparse.Namespace) -> int:
    """Nodes as JSON (or -f); "self" is this node."""
    docker = session.one()
    names = [wait(docker.info())["Swarm"]["NodeID"] if n == "self" else n for n in args.nodes]
    return inspect_each(names, docker.node_inspect, args.format)


def cmd_node_update(session: Session, args: argparse.Namespace) -> int:
    """Change a node's availability, role or labels; print its name."""
    docker = session.one()
    node = wait(docker.node_inspect(args.node))
    spec = dict(node.get("Spec") or {})
    options: dict[str, Any] = {}
    if args.role:
        options["role"] = args.role
    if args.label_add or args.label_rm:
        labels = dict(spec.get("Labels") or {})
        for key in args.label_rm or ():
            if key not in labels:
                raise CliError(f"key {key} doesn't exist in node's labels")
            del labels[key]
        labels.update(pairs(args.label_add, "label"))
        options["labels"] = labels
    wait(docker.node_update(node["ID"], node["Version"]["Index"], spec=spec, **options))
    write(args.node + "\n")
    return 0


def cmd_node_rm(session: Session, args: argparse.Namespace) -> int:
    """Remove nodes from the swarm; print each name."""
    docker = session.one()
    return each_name(args.nodes, lambda n: docker.node_rm(n, force=bool(args.force)))


_MANY: dict[str, Any] = {"action": "append", "default": None}
ROTATION_POLL = 0.2  # how often a root CA rotation's progress is read (docker's pace)
# A PEM block, as Go's pem.Decode finds one: BEGIN and END lines of one label.
_PEM_BLOCK = re.compile(r"-----BEGIN ([^\n-]*)-----\r?\n.*?\n-----END \1-----", re.S)
_AVAILABILITY = arg(
    "--availability", metavar="active|pause|drain", help="the node's availability (active)"
)
_ADDRESSES = (
    arg("--advertise-addr", help="address advertised to other nodes"),
    arg("--listen-addr", help="address to listen on"),
    arg("--data-path-addr", help="address for data traffic"),
)
_SETTINGS_FLAGS = (
    arg(
        "--autolock",
        action="store_true",
        default=None,
        help="lock managers with a key when they restart (--autolock=false turns it off)",
    ),
    arg("--task-history-limit", metavar="N", help="tasks kept per slot"),
    arg("--dispatcher-heartbeat", metavar="DURATION", help="how often nodes report"),
    arg("--cert-expiry", metavar="DURATION", help="how long node certificates last"),
    arg("--max-snapshots", metavar="N", help="old Raft snapshots kept"),
    arg("--snapshot-interval", metavar="N", help="log entries between Raft snapshots"),
)
COMMANDS = (
    Cmd(
        "swarm init",
        cmd_swarm_init,
        "make this daemon a swarm manager",
        (
            *_ADDRESSES,
            _AVAILABILITY,
            arg("--force-new-cluster", action="store_true"),
            *_SETTINGS_FLAGS,
        ),
    ),
    Cmd(
        "swarm update",
        cmd_swarm_update,
        "change the swarm's settings",
        _SETTINGS_FLAGS,
    ),
    Cmd(
        "swarm unlock-key",
        cmd_swarm_unlock_key,
        "the key that unlocks a locked manager",
        (
            arg("--rotate", action="store_true", help="replace it first"),
            arg("-q", "--quiet", action="store_true", help="the key only"),
        ),
    ),
    Cmd(
        "swarm ca",
        cmd_swarm_ca,
        "display and rotate the root CA",
        (
            arg("--rotate", action="store_true", help="replace it (a new one unless given)"),
            arg("--ca-cert", metavar="PEM-FILE", help="the new root CA's certificate"),
            arg("--ca-key", metavar="PEM-FILE", help="the new root CA's key"),
            arg("--cert-expiry", metavar="DURATION", help="how long node certificates last"),
            arg("-d", "--detach", action="store_true", help="do not wait for the rotation"),
            arg("-q", "--quiet", action="store_true", help="print nothing"),
        ),
    ),
    Cmd(
        "swarm unlock",
        cmd_swarm_unlock,
        "unlock a locked manager (the key read from stdin)",
    ),
    Cmd(
        "swarm join",
        cmd_swarm_join,
        "join a swarm",
        (
            arg("address", metavar="HOST:PORT"),
            arg("--token", required=True),
            *_ADDRESSES,
            _AVAILABILITY,
        ),
    ),
    Cmd(
        "swarm leave",
        cmd_swarm_leave,
        "leave the swarm",
        (arg("-f", "--force", action="store_true", help="even the last manager"),),
    ),
    Cmd(
        "swarm join-token",
        cmd_swarm_join_token,
        "how to join as worker or manager",
        (
            arg("role", metavar="worker|manager"),
            arg("--rotate", action="store_true", help="replace it first"),
            arg("-q", "--quiet", action="store_true", help="the token only"),
        ),
    ),
    Cmd(
        "node ls",
        cmd_node_ls,
        "list the swarm's nodes",
        (
            arg("-q", "--quiet", action="store_true"),
            arg("-f", "--filter", action="append", metavar="KEY=VALUE"),
            arg("--format"),
        ),
        aliases=("node list",),
    ),
    Cmd(
        "node inspect",
        cmd_node_inspect,
        "nodes as JSON",
        (
            arg("nodes", nargs="+", metavar="NODE"),
            arg("-f", "--format"),
        ),
    ),
    Cmd(
        "node update",
        cmd_node_update,
        "change a node",
        (
            arg("node", metavar="NODE"),
            arg("--availability", choices=NODE_AVAILABILITIES),
            arg("--role", choices=("worker", "manager")),
            arg("--label-add", metavar="K=V", **_MANY),
            arg("--label-rm", metavar="K", **_MANY),
        ),
    ),
    Cmd(
        "node rm",
        cmd_node_rm,
        "remove nodes",
        (
            arg("nodes", nargs="+", metavar="NODE"),
            arg("-f", "--force", action="store_true"),
        ),
        aliases=("node remove",),
    ),
)
