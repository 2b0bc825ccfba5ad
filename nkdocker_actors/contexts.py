"""Docker CLI contexts: which daemon a context names, read from the CLI's own files.

The docker CLI keeps its configuration in `config.json` under DOCKER_CONFIG
(default ~/.docker). A context lives in `contexts/meta/<sha256 of its name>/meta.json`
(`{"Name", "Metadata", "Endpoints": {"docker": {"Host", "SkipTLSVerify"}}}`) and its
TLS material in `contexts/tls/<sha256 of its name>/docker/{ca,cert,key}.pem`.

The context in force is, as for the CLI: an explicit one, else DOCKER_CONTEXT (unless
DOCKER_HOST is set), else config.json's `currentContext`. "default" means no context:
DOCKER_HOST or the default socket.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import InvalidOption

__all__ = [
    "DEFAULT_CONTEXT",
    "DockerContext",
    "config_dir",
    "create_context",
    "current_context",
    "list_contexts",
    "load_config",
    "read_context",
    "remove_context",
    "save_config",
    "use_context",
]

DEFAULT_CONTEXT = "default"
_ENV_TLS = ("proto", "tls_verify", "cafile", "certfile", "keyfile")
_SCHEMES = ("unix", "tcp", "tls", "https", "http", "ssh")
_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.+-]+")  # the docker CLI's rule


@dataclass(frozen=True)
class DockerContext:
    """One context: its name, the daemon's URL and the TLS files to reach it with."""

    name: str
    host: str
    description: str = ""
    skip_tls_verify: bool = False
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None

    @property
    def uses_tls(self) -> bool:
        """TLS material, or an explicit skip-verify, means TLS on a tcp:// host (as the CLI)."""
        return bool(self.cafile or self.certfile or self.skip_tls_verify)

    def settings(self) -> dict[str, Any]:
        """The connection settings this context stands for (see `config.SETTINGS`)."""
        layer: dict[str, Any] = {
            "url": self.host,
            "cafile": self.cafile,
            "certfile": self.certfile,
            "keyfile": self.keyfile,
        }
        if self.uses_tls and urlsplit(self.host).scheme.lower() in ("tcp", "tls", "https"):
            layer["proto"] = "tls"
            layer["tls_verify"] = not self.skip_tls_verify
        return layer


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """DOCKER_CONFIG, else ~/.docker: where config.json and contexts/ live."""
    env = os.environ if environ is None else environ
    configured = env.get("DOCKER_CONFIG")
    if configured:
        return Path(configured)
    return Path(env.get("HOME") or os.path.expanduser("~")) / ".docker"


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """config.json as a dict ({} when there is none); unreadable -> InvalidOption naming it.

    The file holds credentials: its content never appears in an error.
    """
    path = config_dir(environ) / "config.json"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InvalidOption(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        return {}
    try:
        loaded = json.loads(raw)
    except ValueError:
        raise InvalidOption(f"{path} is not valid JSON") from None
    if not isinstance(loaded, dict):
        raise InvalidOption(f"{path} does not hold a JSON object")
    return loaded


def save_config(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Replace config.json at once (a temp file renamed over it), readable by us alone."""
    directory = config_dir(environ)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix="config.json.")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(config, out, indent="\t")
        os.replace(temp, directory / "config.json")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def use_context(name: str, environ: Mapping[str, str] | None = None) -> None:
    """Make `name` config.json's currentContext, as `docker context use` ("default" clears it)."""
    if name != DEFAULT_CONTEXT:
        read_context(name, environ)  # it must exist
    config = load_config(environ)
    if name == DEFAULT_CONTEXT:
        config.pop("currentContext", None)
    else:
        config["currentContext"] = name
    save_config(config, environ)


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def meta_dir(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where the docker CLI keeps a context's meta.json (a folder named by its digest)."""
    return config_dir(environ) / "contexts" / "meta" / _digest(name)


def tls_dir(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where the docker CLI keeps a context's TLS files, one folder per endpoint."""
    return config_dir(environ) / "contexts" / "tls" / _digest(name)


def current_context(environ: Mapping[str, str] | None = None) -> str | None:
    """The context the CLI would use with no --context: None for the default one."""
    env = os.environ if environ is None else environ
    if env.get("DOCKER_HOST"):
        return None
    name = env.get("DOCKER_CONTEXT") or load_config(env).get("currentContext")
    if not name or name == DEFAULT_CONTEXT:
        return None
    if not isinstance(name, str):
        raise InvalidOption(f"currentContext in {config_dir(env) / 'config.json'} is not a name")
    return name


def _context_from_meta(path: Path, environ: Mapping[str, str] | None) -> DockerContext:
    try:
        meta = json.loads(path.read_bytes())
        name = meta["Name"]
        endpoint = meta["Endpoints"]["docker"]
        host = endpoint["Host"]
        if not isinstance(name, str) or not isinstance(host, str):
            raise TypeError
    except (OSError, ValueError, LookupError, TypeError):
        raise InvalidOption(f"context metadata {path} is unreadable") from None
    scheme = urlsplit(host).scheme.lower()
    if scheme not in _SCHEMES:
        raise InvalidOption(f"context {name!r}: host {host!r} has an unsupported scheme")
    tls_files = tls_dir(name, environ) / "docker"
    files = {
        key: str(tls_files / f"{key}.pem") if (tls_files / f"{key}.pem").is_file() else None
        for key in ("ca", "cert", "key")
    }
    if files["cert"] and not files["key"]:
        raise InvalidOption(f"context {name!r}: {tls_files} has cert.pem but no key.pem")
    description = (meta.get("Metadata") or {}).get("Description", "")
    return DockerContext(
        name=name,
        host=host,
        description=description if isinstance(description, str) else "",
        skip_tls_verify=endpoint.get("SkipTLSVerify") is True,
        cafile=files["ca"],
        certfile=files["cert"],
        keyfile=files["key"],
    )


def read_context(name: str, environ: Mapping[str, str] | None = None) -> DockerContext:
    """The context called `name`; InvalidOption naming it when there is none."""
    if not isinstance(name, str) or not name or name == DEFAULT_CONTEXT:
        raise InvalidOption(f"context {name!r}: expected the name of a context")
    meta = meta_dir(name, environ) / "meta.json"
    if not meta.is_file():
        raise InvalidOption(f"context {name!r} not found (no {meta})")
    context = _context_from_meta(meta, environ)
    if context.name != name:
        raise InvalidOption(f"context {name!r}: {meta} names {context.name!r}")
    return context


def create_context(
    name: str,
    host: str,
    *,
    description: str = "",
    skip_tls_verify: bool = False,
    cafile: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> DockerContext:
    """Store a new context where `docker context create` would, TLS files copied in.

    InvalidOption, before anything is written, for a name the CLI refuses, a context
    that exists, a host the library cannot reach, or TLS files it cannot read.
    """
    if name == DEFAULT_CONTEXT:
        raise InvalidOption(f'"{name}" is a reserved context name')
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = f'"{name}"' if isinstance(name, str) else repr(name)
        raise InvalidOption(
            f"context name {shown} is invalid, names are validated against regexp "
            f'"^{_NAME.pattern}$"'
        )
    parts = urlsplit(host) if isinstance(host, str) else urlsplit("")
    if parts.scheme.lower() not in _SCHEMES or not (parts.netloc or parts.path.strip("/")):
        raise InvalidOption(f"context {name!r}: host {host!r} is not a daemon URL")
    if bool(certfile) != bool(keyfile):
        raise InvalidOption(f"context {name!r}: a client certificate needs both cert and key")
    meta = meta_dir(name, environ)
    if (meta / "meta.json").exists():
        raise InvalidOption(f'context "{name}" already exists')
    material: dict[str, bytes] = {}
    for key, path in (("ca", cafile), ("cert", certfile), ("key", keyfile)):
        if path:
            try:
                material[key] = Path(path).expanduser().read_bytes()
            except OSError as exc:
                raise InvalidOption(
                    f"context {name!r}: cannot read {path}: {exc.strerror}"
                ) from None
    document = {
        "Name": name,
        "Metadata": {"Description": description} if description else {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_tls_verify}},
    }
    if material:
        folder = tls_dir(name, environ) / "docker"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for key, content in material.items():
            _write_new(folder / f"{key}.pem", content, 0o600)
    meta.mkdir(mode=0o755, parents=True, exist_ok=True)
    _write_new(meta / "meta.json", json.dumps(document, separators=(",", ":")).encode(), 0o644)
    return read_context(name, environ)


def _write_new(path: Path, content: bytes, mode: int) -> None:
    """Write a file whole or not at all (a temp file renamed into place)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def remove_context(
    name: str, *, force: bool = False, environ: Mapping[str, str] | None = None
) -> None:
    """Delete a stored context and its TLS files, as `docker context rm` does.

    The current context (config.json's currentContext) goes only with `force`, which
    then makes "default" current. InvalidOption naming the context otherwise.
    """
    if name == DEFAULT_CONTEXT:
        raise InvalidOption(f'context "{name}" cannot be removed')
    if not isinstance(name, str) or not (meta_dir(name, environ) / "meta.json").is_file():
        raise InvalidOption(f'context "{name}" does not exist')
    config = load_config(environ)
    if config.get("currentContext") == name:
        if not force:
            raise InvalidOption(f'context "{name}" is in use, set -f flag to force remove')
        del config["currentContext"]
        save_config(config, environ)
    shutil.rmtree(tls_dir(name, environ), ignore_errors=True)
    shutil.rmtree(meta_dir(name, environ))


def list_contexts(environ: Mapping[str, str] | None = None) -> list[DockerContext]:
    """Every stored context, by name (the default context, not being stored, is not listed)."""
    root = config_dir(environ) / "contexts" / "meta"
    if not root.is_dir():
        return []
    found = [
        _context_from_meta(entry / "meta.json", environ)
        for entry in root.iterdir()
        if (entry / "meta.json").is_file()
    ]
    return sorted(found, key=lambda context: context.name)


def apply_context(
    layers: list[tuple[str, dict[str, Any]]], environ: Mapping[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """Resolution layers with the context in force folded in (see `config.resolve`).

    A `context` setting (argument or configure()) becomes the endpoint of its layer,
    unless a higher layer names one; giving it with a url or host in the same layer
    is an error. Otherwise DOCKER_CONTEXT or config.json's currentContext stands in
    for the built-in default when nothing names an endpoint, and the environment's
    TLS settings (meant for DOCKER_HOST) are dropped, as the CLI does.
    """
    out: list[tuple[str, dict[str, Any]]] = []
    endpoint_named = False
    for source, layer in layers:
        layer = dict(layer)
        name = layer.pop("context", None)
        names_endpoint = any(key in layer for key in ("url", "host", "path"))
        if name is not None and name != DEFAULT_CONTEXT:
            if names_endpoint:
                raise InvalidOption(f"context {name!r} from {source}: give a context or a url/host")
            if not endpoint_named:
                settings = read_context(name, environ).settings()
                layer = {**settings, **layer}
                names_endpoint = True
        endpoint_named = endpoint_named or (names_endpoint and source != "default")
        out.append((source, layer))
    if endpoint_named:
        return out
    name = current_context(environ)
    if name is None:
        return out
    settings = read_context(name, environ).settings()
    return [
        (
            source,
            settings
            if source == "default"
            else {k: v for k, v in layer.items() if k not in _ENV_TLS}
            if source == "environment"
            else layer,
        )
        for source, layer in out
    ]
