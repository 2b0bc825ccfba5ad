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
import io
import json
import os
import posixpath
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping
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
    "export_context",
    "import_context",
    "list_contexts",
    "load_config",
    "read_context",
    "remove_context",
    "save_config",
    "update_context",
    "use_context",
]

DEFAULT_CONTEXT = "default"
DEFAULT_SOCKET = "/var/run/docker.sock"  # the daemon when nothing names one
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
    _check_new_name(name, environ)
    _check_host(name, host)
    material = {
        ("docker", f"{key}.pem"): content
        for key, content in _read_material(name, cafile, certfile, keyfile).items()
    }
    document = {
        "Name": name,
        "Metadata": {"Description": description} if description else {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_tls_verify}},
    }
    _store_new(name, document, material, environ)
    return read_context(name, environ)


def update_context(
    name: str,
    host: str | None = None,
    *,
    description: str = "",
    skip_tls_verify: bool = False,
    cafile: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> DockerContext:
    """Change a stored context as `docker context update` does: a description given
    replaces its own; a host replaces the whole docker endpoint, TLS files included
    (those not given are gone). InvalidOption, before anything is written, as for
    `create_context`, or for TLS settings without a host."""
    context = read_context(name, environ)
    if host is None and (skip_tls_verify or cafile or certfile or keyfile):
        raise InvalidOption(f"context {name!r}: TLS settings replace the endpoint: give host")
    if host is None and not description:
        return context  # nothing to change
    document = json.loads((meta_dir(name, environ) / "meta.json").read_bytes())
    if description:
        document["Metadata"] = {**(document.get("Metadata") or {}), "Description": description}
    if host is not None:
        _check_host(name, host)
        material = _read_material(name, cafile, certfile, keyfile)
        document["Endpoints"] = {
            **(document.get("Endpoints") or {}),
            "docker": {"Host": host, "SkipTLSVerify": skip_tls_verify},
        }
        folder = tls_dir(name, environ) / "docker"
        shutil.rmtree(folder, ignore_errors=True)
        for key, content in material.items():
            _write_private(name, "docker", f"{key}.pem", content, environ)
    _write_new(meta_dir(name, environ) / "meta.json", _meta_bytes(document), 0o644)
    return read_context(name, environ)


def export_context(name: str, environ: Mapping[str, str] | None = None) -> bytes:
    """A context as `docker context export` writes it: a tar of its meta.json and
    tls/<endpoint>/<file>, which `docker context import` (and `import_context`) read.
    "default" is its host alone (DOCKER_HOST, else the default socket), as docker has it."""
    if name == DEFAULT_CONTEXT:
        env = os.environ if environ is None else environ
        host = env.get("DOCKER_HOST") or f"unix://{DEFAULT_SOCKET}"
        document: Any = {
            "Name": name,
            "Metadata": {},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}},
        }
        root = None
    else:
        read_context(name, environ)
        document = json.loads((meta_dir(name, environ) / "meta.json").read_bytes())
        root = tls_dir(name, environ)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:

        def add(path: str, content: bytes | None, mode: int) -> None:
            member = tarfile.TarInfo(path)
            member.mode = mode
            if content is None:
                member.type = tarfile.DIRTYPE
                archive.addfile(member)
            else:
                member.size = len(content)
                archive.addfile(member, io.BytesIO(content))

        add("meta.json", _meta_bytes(document), 0o644)
        add("tls", None, 0o700)
        for endpoint in sorted(root.iterdir()) if root and root.is_dir() else ():
            if endpoint.is_dir():
                add(f"tls/{endpoint.name}", None, 0o700)
                for file in sorted(endpoint.iterdir()):
                    if file.is_file():
                        add(f"tls/{endpoint.name}/{file.name}", file.read_bytes(), 0o600)
    return out.getvalue()


IMPORT_LIMIT = 10 << 20  # bytes, packed or unpacked: the docker CLI's bound on an archive


def import_context(
    name: str, archive: bytes, environ: Mapping[str, str] | None = None
) -> DockerContext:
    """Store, as `name`, a context from a tar (or zip) that `export_context` or `docker
    context export` wrote. Read whole and checked before anything is written: at most
    IMPORT_LIMIT bytes, packed and unpacked; only meta.json and tls/<endpoint>/<file>
    (no other path, no "..", links skipped); a context `read_context` takes, with a host
    the library can reach. InvalidOption otherwise."""
    _check_new_name(name, environ)
    if len(archive) > IMPORT_LIMIT:
        raise InvalidOption(f"context archive: larger than {IMPORT_LIMIT >> 20} MiB")
    document: Any = None
    material: dict[tuple[str, str], bytes] = {}
    for path, content in _archive_files(archive):
        if path == "meta.json":
            try:
                document = json.loads(content)
            except ValueError:
                raise InvalidOption("context archive: meta.json is not JSON") from None
            continue
        parts = path.split("/")
        if parts[0] != "tls":
            raise InvalidOption(f"context archive: {path}: unexpected context file")
        if len(parts) != 3 or not all(_file_name(part) for part in parts[1:]):
            raise InvalidOption(f"context archive: {path}: archive format is invalid")
        material[parts[1], parts[2]] = content
    if document is None:
        raise InvalidOption("invalid context: no metadata found")
    _check_document(name, document)
    docker_files = {file for endpoint, file in material if endpoint == "docker"}
    if ("cert.pem" in docker_files) != ("key.pem" in docker_files):
        raise InvalidOption("context archive: a client certificate needs both cert and key")
    document["Name"] = name
    _store_new(name, document, material, environ)
    return read_context(name, environ)


def _archive_files(archive: bytes) -> Iterator[tuple[str, bytes]]:
    """(path, content) of each regular file of a tar or zip; links and folders skipped."""
    if archive[:4] == b"PK\x03\x04":
        unpacked = 0
        try:
            with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
                for info in zipped.infolist():
                    kind = stat.S_IFMT(info.external_attr >> 16)  # (none given: a file)
                    if info.is_dir() or kind not in (0, stat.S_IFREG):
                        continue
                    with zipped.open(info) as entry:  # (a bomb stops at the bound)
                        content = entry.read(IMPORT_LIMIT - unpacked + 1)
                    unpacked += len(content)
                    if unpacked > IMPORT_LIMIT:
                        raise InvalidOption(
                            f"context archive: unpacks to more than {IMPORT_LIMIT >> 20} MiB"
                        )
                    yield _checked_path(info.filename), content
        # (encrypted: RuntimeError; an unknown method: NotImplementedError; bad data: zlib)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error) as exc:
            raise InvalidOption(f"context archive: not a readable zip ({exc})") from None
        return
    # `docker context export` closes its stream before the tar's end is written (the last
    # file's padding, the end-of-archive blocks): read it as the tar it was meant to be.
    padded = archive + bytes(-len(archive) % tarfile.BLOCKSIZE + 2 * tarfile.BLOCKSIZE)
    try:
        with tarfile.open(fileobj=io.BytesIO(padded), mode="r:") as tarred:
            for member in tarred:
                if member.isreg():
                    if member.offset_data + member.size > len(archive):
                        raise InvalidOption(f"context archive: {member.name!r} is cut short")
                    extracted = tarred.extractfile(member)
                    assert extracted is not None
                    yield _checked_path(member.name), extracted.read()
    except tarfile.TarError as exc:
        raise InvalidOption(f"context archive: not a readable tar ({exc})") from None


def _checked_path(path: str) -> str:
    if (
        "\\" in path
        or path.startswith("/")
        or posixpath.normpath(path) != path
        or ".." in path.split("/")
    ):
        raise InvalidOption(f"context archive: unexpected path {path!r}")
    return path


def _file_name(part: str) -> bool:
    """Whether `part` can name a folder or file of the store as it is."""
    return part not in ("", ".", "..") and "\0" not in part and len(os.fsencode(part)) <= 255


def _check_document(name: str, document: Any) -> None:
    """A meta.json `read_context` takes: objects where it wants them, a docker endpoint
    whose host the library can reach."""
    endpoints = document.get("Endpoints") if isinstance(document, dict) else None
    endpoint = endpoints.get("docker") if isinstance(endpoints, dict) else None
    host = endpoint.get("Host") if isinstance(endpoint, dict) else None
    if not isinstance(host, str):
        raise InvalidOption("context archive: meta.json has no docker endpoint")
    assert isinstance(document, dict) and isinstance(endpoint, dict)
    if not isinstance(document.get("Metadata") or {}, dict):
        raise InvalidOption("context archive: meta.json's Metadata is not an object")
    if not isinstance(endpoint.get("SkipTLSVerify", False), bool):
        raise InvalidOption("context archive: meta.json's SkipTLSVerify is not a boolean")
    _check_host(name, host)


def _check_new_name(name: str, environ: Mapping[str, str] | None) -> None:
    """A name `docker context create` would take, not in use."""
    if name == DEFAULT_CONTEXT:
        raise InvalidOption(f'"{name}" is a reserved context name')
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = f'"{name}"' if isinstance(name, str) else repr(name)
        raise InvalidOption(
            f"context name {shown} is invalid, names are validated against regexp "
            f'"^{_NAME.pattern}$"'
        )
    if (meta_dir(name, environ) / "meta.json").exists():
        raise InvalidOption(f'context "{name}" already exists')


def _check_host(name: str, host: str) -> None:
    parts = urlsplit(host) if isinstance(host, str) else urlsplit("")
    if parts.password is not None:  # never shown
        raise InvalidOption(f"context {name!r}: a host with a password is refused (ssh: keys)")
    if parts.scheme.lower() not in _SCHEMES or not (parts.netloc or parts.path.strip("/")):
        raise InvalidOption(f"context {name!r}: host {host!r} is not a daemon URL")


def _read_material(
    name: str, cafile: str | None, certfile: str | None, keyfile: str | None
) -> dict[str, bytes]:
    """The TLS files given, read: {"ca"|"cert"|"key": content}."""
    if bool(certfile) != bool(keyfile):
        raise InvalidOption(f"context {name!r}: a client certificate needs both cert and key")
    material: dict[str, bytes] = {}
    for key, path in (("ca", cafile), ("cert", certfile), ("key", keyfile)):
        if path:
            try:
                material[key] = Path(path).expanduser().read_bytes()
            except OSError as exc:
                raise InvalidOption(
                    f"context {name!r}: cannot read {path}: {exc.strerror}"
                ) from None
    return material


def _meta_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _store_new(
    name: str,
    document: Mapping[str, Any],
    material: Mapping[tuple[str, str], bytes],
    environ: Mapping[str, str] | None,
) -> None:
    """Write a new context: its TLS files ({(endpoint, file): content}) in a folder
    emptied first (what a failed attempt left is never adopted), then its meta.json.
    If any write fails, nothing of it stays."""
    shutil.rmtree(tls_dir(name, environ), ignore_errors=True)
    try:
        for (endpoint, file), content in material.items():
            _write_private(name, endpoint, file, content, environ)
        meta = meta_dir(name, environ)
        meta.mkdir(mode=0o755, parents=True, exist_ok=True)
        _write_new(meta / "meta.json", _meta_bytes(document), 0o644)
    except BaseException:
        shutil.rmtree(tls_dir(name, environ), ignore_errors=True)
        shutil.rmtree(meta_dir(name, environ), ignore_errors=True)
        raise


def _write_private(
    name: str, endpoint: str, file: str, content: bytes, environ: Mapping[str, str] | None
) -> None:
    """One TLS file of a context, in folders only their owner can list (as docker's)."""
    folder = tls_dir(name, environ) / endpoint
    for level in (folder.parent.parent, folder.parent, folder):
        level.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_new(folder / file, content, 0o600)


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
