"""context ls|show|use|inspect|create|update|rm|export|import: the contexts the docker CLI
keeps in its config dir (DOCKER_CONFIG, else ~/.docker), read and written as it does, its
words and exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from .. import contexts
from ..errors import InvalidOption
from .common import CliError, Cmd, Session, arg, is_tty, notice, write
from .render import listing

DEFAULT_DESCRIPTION = "Current DOCKER_HOST based configuration"
DEFAULT_HOST = "unix:///var/run/docker.sock"
LS_FORMAT = "table {{.Name}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}"
LS_HEADERS = {
    "Name": "NAME",
    "Description": "DESCRIPTION",
    "DockerEndpoint": "DOCKER ENDPOINT",
    "Error": "ERROR",
}

# -- contexts -------------------------------------------------------------------------


def _current() -> str:
    """The context in force, as `docker context show` names it."""
    name = os.environ.get("DOCKER_CONTEXT") or contexts.load_config().get("currentContext")
    if os.environ.get("DOCKER_HOST") and not os.environ.get("DOCKER_CONTEXT"):
        return contexts.DEFAULT_CONTEXT
    return str(name or contexts.DEFAULT_CONTEXT)


def _not_found(name: str) -> CliError:
    path = contexts.meta_dir(name) / "meta.json"
    return CliError(f'context "{name}": context not found: open {path}: no such file or directory')


def _inspect(name: str) -> dict[str, Any]:
    """A context as `docker context inspect` shows it."""
    if name == contexts.DEFAULT_CONTEXT:
        return {
            "Name": name,
            "Metadata": {},
            "Endpoints": {
                "docker": {
                    "Host": os.environ.get("DOCKER_HOST") or DEFAULT_HOST,
                    "SkipTLSVerify": False,
                }
            },
            "TLSMaterial": {},
            "Storage": {"MetadataPath": "<IN MEMORY>", "TLSPath": "<IN MEMORY>"},
        }
    meta_dir = contexts.meta_dir(name)
    try:
        meta = json.loads((meta_dir / "meta.json").read_bytes())
    except FileNotFoundError:
        raise _not_found(name) from None
    except (OSError, ValueError):
        raise CliError(f'context "{name}": cannot read {meta_dir / "meta.json"}') from None
    tls_dir = contexts.tls_dir(name)
    material = {
        endpoint.name: sorted(f.name for f in endpoint.iterdir())
        for endpoint in (sorted(tls_dir.iterdir()) if tls_dir.is_dir() else ())
        if endpoint.is_dir()
    }
    docker = (meta.get("Endpoints") or {}).get("docker") or {}
    return {
        "Name": meta.get("Name", name),
        "Metadata": meta.get("Metadata") or {},
        "Endpoints": {
            **(meta.get("Endpoints") or {}),
            "docker": {
                "Host": docker.get("Host", ""),
                "SkipTLSVerify": bool(docker.get("SkipTLSVerify")),
            },
        },
        "TLSMaterial": material,
        "Storage": {"MetadataPath": str(meta_dir), "TLSPath": str(tls_dir)},
    }


def cmd_context_ls(session: Session, args: argparse.Namespace) -> int:
    """The contexts, the current one marked."""
    current = _current()
    rows: list[dict[str, Any]] = [
        {
            "Name": contexts.DEFAULT_CONTEXT,
            "Description": DEFAULT_DESCRIPTION,
            "DockerEndpoint": os.environ.get("DOCKER_HOST") or DEFAULT_HOST,
            "Error": "",
        }
    ]
    for context in contexts.list_contexts():
        rows.append(
            {
                "Name": context.name,
                "Description": context.description,
                "DockerEndpoint": context.host,
                "Error": "",
            }
        )
    rows.sort(key=lambda row: str(row["Name"]))
    for row in rows:
        row["Current"] = row["Name"] == current
    if args.quiet:
        write("".join(f"{row['Name']}\n" for row in rows))
        return 0
    shown = [{**row, "Name": row["Name"] + (" *" if row["Current"] else "")} for row in rows]
    if args.format == "json":
        write(
            "".join(json.dumps(row, sort_keys=True, separators=(",", ":")) + "\n" for row in rows)
        )
        return 0
    listing(session.json, args.format, LS_FORMAT, LS_HEADERS, shown if not args.format else rows)
    return 0


def cmd_context_show(session: Session, args: argparse.Namespace) -> int:
    """The current context's name."""
    write(_current() + "\n")
    return 0


def cmd_context_use(session: Session, args: argparse.Namespace) -> int:
    """Make a context the current one (config.json's currentContext)."""
    name = args.context
    if name != contexts.DEFAULT_CONTEXT and not (contexts.meta_dir(name) / "meta.json").is_file():
        raise _not_found(name)
    contexts.use_context(name)
    write(name + "\n")
    notice(f'Current context is now "{name}"')
    if os.environ.get("DOCKER_HOST") and name != contexts.DEFAULT_CONTEXT:
        notice(
            "Warning: DOCKER_HOST environment variable overrides the active context. "
            f'To use "{name}", either set the global --context flag, or unset DOCKER_HOST '
            "environment variable."
        )
    return 0


def cmd_context_inspect(session: Session, args: argparse.Namespace) -> int:
    """Contexts as JSON (or -f)."""
    from .containers import show_inspect

    found: list[Any] = []
    problem: CliError | None = None
    for name in args.contexts or [_current()]:
        try:
            found.append(_inspect(name))
        except CliError as failed:
            problem = failed
    if problem is not None:
        if not args.format:
            write("[]\n")
        raise problem
    show_inspect(found, args.format)
    return 0


_ENDPOINT_KEYS = ("from", "host", "ca", "cert", "key", "skip-tls-verify")
_GO_BOOLS = {"1": True, "t": True, "true": True, "0": False, "f": False, "false": False}


def _endpoint(values: list[str]) -> dict[str, str]:
    """--docker key=value[,key=value] (repeatable), as the docker CLI reads it."""
    endpoint: dict[str, str] = {}
    for value in values:
        for pair in value.split(","):
            key, eq, setting = pair.partition("=")
            if not eq:
                raise CliError(
                    f'invalid argument "{value}" for "--docker" flag: {pair} must be '
                    "formatted as key=value",
                    2,
                )
            endpoint[key] = setting
    return endpoint


def _source_endpoint(source: str) -> tuple[dict[str, Any], str]:
    """A context's endpoint (host, skip-tls-verify, TLS files) and its description."""
    if source == contexts.DEFAULT_CONTEXT:
        return {"host": os.environ.get("DOCKER_HOST") or DEFAULT_HOST}, DEFAULT_DESCRIPTION
    if not (contexts.meta_dir(source) / "meta.json").is_file():
        raise _not_found(source)
    try:
        stored = contexts.read_context(source)
    except InvalidOption as problem:
        raise CliError(str(problem)) from None
    endpoint = {
        "host": stored.host,
        "skip": stored.skip_tls_verify,
        "ca": stored.cafile,
        "cert": stored.certfile,
        "key": stored.keyfile,
    }
    return endpoint, stored.description


def _endpoint_settings(values: list[str]) -> dict[str, Any]:
    """--docker key=value,... as the endpoint to store: host, skip, ca, cert, key (from=
    copies another context's host and skip-tls-verify, as docker does). Files given must
    be readable."""
    keys = _endpoint(values)
    unknown = [key for key in keys if key not in _ENDPOINT_KEYS]
    if unknown:
        raise CliError(
            f"unable to create docker endpoint config: unrecognized config key: {unknown[0]}"
        )
    verify = keys.get("skip-tls-verify")
    if verify is not None and verify.lower() not in _GO_BOOLS:
        raise CliError(
            "unable to create docker endpoint config: skip-tls-verify: "
            f'parsing "{verify}": invalid syntax'
        )
    copied_from = _source_endpoint(keys["from"])[0] if keys.get("from") else {}
    endpoint = {k: v for k, v in copied_from.items() if k in ("host", "skip")}
    endpoint.update({k: v for k, v in keys.items() if k in ("host", "ca", "cert", "key") and v})
    if verify is not None:
        endpoint["skip"] = _GO_BOOLS[verify.lower()]
    _check_readable(endpoint)
    return endpoint


def _check_readable(endpoint: dict[str, Any]) -> None:
    for key in ("ca", "cert", "key"):
        path = endpoint.get(key)
        try:
            if path:
                open(path, "rb").close()
        except OSError as problem:
            reason = (problem.strerror or "cannot read").lower()
            raise CliError(
                f"unable to create docker endpoint config: open {path}: {reason}"
            ) from None


def _tls_arguments(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {
        "skip_tls_verify": bool(endpoint.get("skip")),
        "cafile": endpoint.get("ca"),
        "certfile": endpoint.get("cert"),
        "keyfile": endpoint.get("key"),
    }


def cmd_context_create(session: Session, args: argparse.Namespace) -> int:
    """Store a context: from --docker, else a copy of --from or of the context in force."""
    name = args.context
    if (contexts.meta_dir(name) / "meta.json").exists():
        raise CliError(f'context "{name}" already exists')
    if args.docker and args.source is not None:
        raise CliError("cannot use --docker flag when --from is set")
    if args.docker:
        endpoint = _endpoint_settings(args.docker)
        description = args.description or ""
    else:
        endpoint, copied = _source_endpoint(args.source or _current())
        _check_readable(endpoint)
        description = copied if args.description is None else args.description
    host = str(endpoint.get("host") or "")
    tls = _tls_arguments(endpoint)
    return _stored(
        name, "created", lambda: contexts.create_context(name, host, description=description, **tls)
    )


def cmd_context_update(session: Session, args: argparse.Namespace) -> int:
    """Change a context's description, or its whole docker endpoint (--docker)."""
    name = args.context
    if name == contexts.DEFAULT_CONTEXT:
        raise CliError(f'"{name}" is a reserved context name')
    if not (contexts.meta_dir(name) / "meta.json").is_file():
        raise _not_found(name)
    endpoint = _endpoint_settings(args.docker) if args.docker else None
    host = None if endpoint is None else str(endpoint.get("host") or "")
    tls = {} if endpoint is None else _tls_arguments(endpoint)
    description = args.description or ""
    return _stored(
        name, "updated", lambda: contexts.update_context(name, host, description=description, **tls)
    )


def cmd_context_export(session: Session, args: argparse.Namespace) -> int:
    """A context as a tar file (CONTEXT.dockercontext by default), or on stdout with -;
    `docker context import` reads it."""
    name = args.context
    target = args.file or f"{name}.dockercontext"
    if name != contexts.DEFAULT_CONTEXT and not (contexts.meta_dir(name) / "meta.json").is_file():
        raise _not_found(name)
    if target == "-" and is_tty(sys.stdout):
        raise CliError("cowardly refusing to export to a terminal, specify a file path")
    try:
        archive = contexts.export_context(name)
    except InvalidOption as problem:
        raise CliError(str(problem)) from None
    if target == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(archive)
        sys.stdout.buffer.flush()
        return 0
    try:  # never over an existing file, readable by its owner only (docker's O_EXCL, 0600)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as problem:
        raise CliError(f"open {target}: {(problem.strerror or '').lower()}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(archive)
    notice(f'Written file "{target}"')
    return 0


def cmd_context_import(session: Session, args: argparse.Namespace) -> int:
    """Store a context from a file `context export` wrote (or stdin, with -)."""
    name = args.context
    if (contexts.meta_dir(name) / "meta.json").exists():
        raise CliError(f'context "{name}" already exists')
    try:
        if args.file == "-":
            archive = sys.stdin.buffer.read(contexts.IMPORT_LIMIT + 1)
        else:
            with open(args.file, "rb") as source:
                archive = source.read(contexts.IMPORT_LIMIT + 1)
    except OSError as problem:
        raise CliError(f"open {args.file}: {(problem.strerror or '').lower()}") from None
    return _stored(name, "imported", lambda: contexts.import_context(name, archive))


def _stored(name: str, done: str, store: Callable[[], object]) -> int:
    """Store a context (an InvalidOption is the error shown), then say so as docker does."""
    try:
        store()
    except InvalidOption as problem:
        raise CliError(str(problem)) from None
    write(name + "\n")
    notice(f'Successfully {done} context "{name}"')
    return 0


def cmd_context_rm(session: Session, args: argparse.Namespace) -> int:
    """Delete contexts (the one in use only with -f)."""
    code = 0
    for name in args.contexts:
        try:
            contexts.remove_context(name, force=args.force)
        except InvalidOption as problem:
            notice(str(problem))
            code = 1
        else:
            write(name + "\n")
    return code


_ENDPOINT_FLAGS = (
    arg("--description", help="what the context is for"),
    arg(
        "--docker",
        action="append",
        default=[],
        metavar="KEY=VALUE,...",
        help="the endpoint: host=, ca=, cert=, key=, skip-tls-verify=, from=",
    ),
)
COMMANDS = (
    Cmd(
        "context ls",
        cmd_context_ls,
        "list contexts",
        (
            arg("-q", "--quiet", action="store_true", help="names only"),
            arg("--format", help="Go template, or json"),
        ),
        aliases=("context list",),
    ),
    Cmd("context show", cmd_context_show, "the current context's name"),
    Cmd(
        "context use",
        cmd_context_use,
        "make a context the current one",
        (arg("context", metavar="CONTEXT"),),
    ),
    Cmd(
        "context create",
        cmd_context_create,
        "store a context (its TLS files copied in)",
        (
            arg("context", metavar="CONTEXT"),
            *_ENDPOINT_FLAGS,
            arg("--from", dest="source", metavar="CONTEXT", help="copy this context"),
        ),
    ),
    Cmd(
        "context update",
        cmd_context_update,
        "change a context (--docker replaces its endpoint)",
        (
            arg("context", metavar="CONTEXT"),
            *_ENDPOINT_FLAGS,
        ),
    ),
    Cmd(
        "context export",
        cmd_context_export,
        "a context as a tar file (- for stdout)",
        (arg("context", metavar="CONTEXT"), arg("file", nargs="?", metavar="FILE|-")),
    ),
    Cmd(
        "context import",
        cmd_context_import,
        "a context from a tar or zip file (- for stdin)",
        (arg("context", metavar="CONTEXT"), arg("file", metavar="FILE|-")),
    ),
    Cmd(
        "context rm",
        cmd_context_rm,
        "delete contexts",
        (
            arg("contexts", nargs="+", metavar="CONTEXT"),
            arg("-f", "--force", action="store_true", help="even the context in use"),
        ),
        aliases=("context remove",),
    ),
    Cmd(
        "context inspect",
        cmd_context_inspect,
        "contexts as JSON",
        (arg("contexts", nargs="*", metavar="CONTEXT"), arg("-f", "--format")),
    ),
)
