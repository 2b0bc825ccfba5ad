"""Registry credentials where the docker CLI keeps them: config.json and credential helpers.

config.json (under DOCKER_CONFIG, default ~/.docker) holds `auths` (per registry:
`auth`, base64 of "user:password", and/or `identitytoken`), `credsStore` (the
helper for every registry) and `credHelpers` (a helper per registry). A helper is
the program `docker-credential-<name>`, spoken to as the CLI does: `get` (the
registry on stdin; `{"Username", "Secret"}` on stdout, Username "<token>" meaning
an identity token), `store` (that JSON plus "ServerURL" on stdin), `erase` and
`list`.

Pull, push, create_image and build take their credentials from here unless given
`auth=`. A helper that fails, hangs (HELPER_TIMEOUT) or answers garbage raises
CredentialsError naming it. Secrets appear in no error, repr or log.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import signal
import subprocess
from collections.abc import Mapping
from typing import Any

from .contexts import config_dir, load_config, save_config
from .errors import InvalidOption, NkDockerError

__all__ = [
    "INDEX_SERVER",
    "CredentialsError",
    "all_credentials",
    "auth_for_image",
    "erase_login",
    "fill_auth",
    "lookup",
    "registry_of",
    "store_login",
]

INDEX_SERVER = "https://index.docker.io/v1/"  # Docker Hub's key in config.json
HELPER_TIMEOUT = 30.0  # seconds a credential helper may take
TOKEN_USERNAME = "<token>"  # a helper's Username for an identity token
_HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")
_NOT_FOUND = "credentials not found"
_HELPER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MESSAGE_CHARS = 200


class CredentialsError(NkDockerError):
    """A credential helper failed, hung or answered garbage, or config.json cannot be used."""


def registry_of(image: str) -> str:
    """The registry an image reference pulls from, as config.json keys it."""
    name = image.split("@", 1)[0]
    first, slash, _ = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return INDEX_SERVER if first in _HUB_NAMES else first
    return INDEX_SERVER


def _hostname(key: str) -> str:
    """A config.json key reduced to host[:port] (as the CLI's ConvertToHostname)."""
    for prefix in ("http://", "https://"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return key.split("/", 1)[0]


def _same_registry(key: str, registry: str) -> bool:
    return key == registry or _hostname(key) == _hostname(registry)


def helper_for(config: Mapping[str, Any], registry: str) -> str | None:
    """The credential helper config.json names for `registry` (credHelpers, else credsStore)."""
    helpers = config.get("credHelpers") or {}
    if isinstance(helpers, Mapping):
        for key, helper in helpers.items():
            if _same_registry(key, registry):
                return _helper_name(helper)
    store = config.get("credsStore")
    return _helper_name(store) if store else None


def _helper_name(name: Any) -> str:
    if not isinstance(name, str) or not _HELPER_NAME.fullmatch(name):
        raise CredentialsError(f"config.json names a credential helper {str(name)[:40]!r}")
    return name


# -- talking to a helper ---------------------------------------------------------------


def _run_helper(helper: str, action: str, stdin: bytes) -> tuple[int, bytes]:
    """Run `docker-credential-<helper> <action>`: (exit status, stdout + stderr).

    Bounded by HELPER_TIMEOUT: past it the helper and anything it started are killed.
    """
    program = f"docker-credential-{helper}"
    try:
        process = subprocess.Popen(
            [program, action],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: killed whole; no terminal
        )
    except OSError as exc:
        raise CredentialsError(f"credential helper {program} cannot run: {exc.strerror}") from None
    try:
        out, err = process.communicate(stdin, timeout=HELPER_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()  # (a descendant may still hold the other end: never wait on it)
        raise CredentialsError(
            f"credential helper {program} {action} did not answer within {HELPER_TIMEOUT:g} s"
        ) from None
    return process.returncode, out + err


def _failure(helper: str, action: str, status: int, said: bytes, secret: str = "") -> str:
    text = " ".join(said.decode("utf-8", "replace").split())
    if secret:
        text = text.replace(secret, "***")
    if '"Secret"' in text or not text.isprintable():
        text = "(output not shown)"
    return f"credential helper docker-credential-{helper} {action} failed (status {status})" + (
        f": {text[:_MESSAGE_CHARS]}" if text else ""
    )


def _helper_get(helper: str, registry: str) -> dict[str, str] | None:
    status, said = _run_helper(helper, "get", registry.encode())
    if status != 0:
        if _NOT_FOUND in said.decode("utf-8", "replace"):
            return None
        raise CredentialsError(_failure(helper, "get", status, said))
    try:
        answer = json.loads(said)
        username, secret = answer["Username"], answer["Secret"]
        if not isinstance(username, str) or not isinstance(secret, str):
            raise TypeError
    except (ValueError, LookupError, TypeError):
        raise CredentialsError(
            f"credential helper docker-credential-{helper} get answered something "
            f"that is not credentials for {registry}"
        ) from None
    if not secret:
        return None
    if username == TOKEN_USERNAME:
        return {"identitytoken": secret, "serveraddress": registry}
    return {"username": username, "password": secret, "serveraddress": registry}


def _helper_list(helper: str) -> list[str]:
    status, said = _run_helper(helper, "list", b"")
    if status != 0:
        raise CredentialsError(_failure(helper, "list", status, said))
    try:
        listed = json.loads(said)
        if not isinstance(listed, dict):
            raise TypeError
    except (ValueError, TypeError):
        raise CredentialsError(
            f"credential helper docker-credential-{helper} list answered something "
            "that is not a list of registries"
        ) from None
    return [registry for registry in listed if isinstance(registry, str)]


# -- reading ---------------------------------------------------------------------------


def _from_entry(registry: str, entry: Any) -> dict[str, str] | None:
    """Credentials from one `auths` entry (None when it holds none)."""
    if not isinstance(entry, Mapping):
        return None
    found: dict[str, str] = {}
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            username, colon, password = (
                base64.b64decode(encoded, validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            raise CredentialsError(f"config.json: the auth of {registry} is not base64") from None
        if not colon:
            raise CredentialsError(f"config.json: the auth of {registry} is not user:password")
        found.update(username=username, password=password)
    token = entry.get("identitytoken")
    if isinstance(token, str) and token:
        found["identitytoken"] = token
        found.pop("password", None)
    if not found:
        return None
    return {**{k: v for k, v in found.items() if v}, "serveraddress": registry}


def lookup(registry: str, environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Credentials for `registry` (a host[:port], or INDEX_SERVER for Docker Hub), or None.

    Its credHelpers helper, else the credsStore helper, else config.json's `auths`.
    The dict has the keys X-Registry-Auth takes (username, password or identitytoken,
    serveraddress).
    """
    config = _load(environ)
    helper = helper_for(config, registry)
    if helper is not None:
        return _helper_get(helper, registry)
    auths = config.get("auths") or {}
    if not isinstance(auths, Mapping):
        return None
    if registry in auths:
        return _from_entry(registry, auths[registry])
    for key, entry in auths.items():
        if _same_registry(key, registry):
            return _from_entry(registry, entry)
    return None


def auth_for_image(image: str, environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Credentials for the registry `image` is pulled from or pushed to, or None."""
    return lookup(registry_of(image), environ)


def fill_auth(values: dict[str, Any], image: Any) -> None:
    """A command's `prepare` hook: set values["auth"] from the CLI's credentials for
    `image`'s registry, unless `auth` is given (explicit credentials win)."""
    if "auth" not in values and isinstance(image, str) and image:
        found = auth_for_image(image)
        if found is not None:
            values["auth"] = found


def all_credentials(environ: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Every registry's credentials (for a build's X-Registry-Config), as the CLI gathers them:
    config.json's, the credsStore helper's, then each credHelpers registry's."""
    config = _load(environ)
    found: dict[str, dict[str, str]] = {}
    auths = config.get("auths") or {}
    if isinstance(auths, Mapping):
        for registry, entry in auths.items():
            creds = _from_entry(registry, entry)
            if creds is not None:
                found[registry] = creds
    store = config.get("credsStore")
    if store:
        for registry in _helper_list(_helper_name(store)):
            creds = _helper_get(_helper_name(store), registry)
            if creds is not None:
                found[registry] = creds
    helpers = config.get("credHelpers") or {}
    if isinstance(helpers, Mapping):
        for registry, helper in helpers.items():
            creds = _helper_get(_helper_name(helper), registry)
            if creds is not None:
                found[registry] = creds
    return found


def _save(config: dict[str, Any], environ: Mapping[str, str] | None) -> None:
    try:
        save_config(config, environ)
    except OSError as exc:
        where = config_dir(environ) / "config.json"
        raise CredentialsError(f"cannot write {where}: {exc.strerror or exc}") from None


def _load(environ: Mapping[str, str] | None) -> dict[str, Any]:
    try:
        return load_config(environ)
    except InvalidOption as exc:
        raise CredentialsError(str(exc)) from None


# -- writing (login and logout, as the CLI does) ------------------------------------------


def store_login(
    registry: str,
    username: str,
    password: str = "",
    *,
    identitytoken: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Keep credentials for `registry` as `docker login` does: in its helper (credHelpers,
    else credsStore), config.json keeping an empty entry for it; else in config.json's
    `auths` (base64 "user:password", and the identity token if any)."""
    if not isinstance(registry, str) or not registry:
        raise InvalidOption("store_login: registry must be a non-empty string")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidOption("store_login: username and password must be strings")
    config = _load(environ)
    auths = config.get("auths")
    if not isinstance(auths, dict):
        auths = config["auths"] = {}
    helper = helper_for(config, registry)
    if helper is not None:
        secret = identitytoken or password
        creds = {
            "ServerURL": registry,
            "Username": TOKEN_USERNAME if identitytoken else username,
            "Secret": secret,
        }
        status, said = _run_helper(helper, "store", json.dumps(creds).encode())
        if status != 0:
            raise CredentialsError(_failure(helper, "store", status, said, secret))
        auths[registry] = {}
    else:
        entry = {"auth": base64.b64encode(f"{username}:{password}".encode()).decode()}
        if identitytoken:
            entry["identitytoken"] = identitytoken
        auths[registry] = entry
    _save(config, environ)


def erase_login(registry: str, environ: Mapping[str, str] | None = None) -> bool:
    """Forget `registry`'s credentials as `docker logout` does (its helper and config.json).

    Whether config.json had an entry for it.
    """
    config = _load(environ)
    helper = helper_for(config, registry)
    if helper is not None:
        status, said = _run_helper(helper, "erase", registry.encode())
        if status != 0 and _NOT_FOUND not in said.decode("utf-8", "replace"):
            raise CredentialsError(_failure(helper, "erase", status, said))
    auths = config.get("auths")
    if not isinstance(auths, dict):
        return False
    gone = [key for key in auths if _same_registry(key, registry)]
    for key in gone:
        del auths[key]
    if gone:
        _save(config, environ)
    return bool(gone)
