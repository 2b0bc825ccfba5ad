"""A private docker-registry (htpasswd auth) next to a sandbox."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._common import (
    SandboxError,
    _alive,
    _base_dir,
    _check_name,
    _ensure_packages,
    _http_get,
    _lock,
    _owned,
    _pick_ports,
    _read_json,
    _require_root,
    _run,
    _spawn,
    _stop_pid,
    _tail,
    _wait_until,
    _which,
    _write_json,
)


@dataclass(frozen=True)
class RegistryInfo:
    """A private docker-registry on 127.0.0.1 with htpasswd (basic) auth."""

    host: str
    user: str
    password: str
    pid: int
    url: str


def _registry_dir(name: str) -> Path:
    return _base_dir(name) / "registry"


def _registry_status(port: int) -> int:
    try:
        return _http_get(http.client.HTTPConnection("127.0.0.1", port, timeout=2), "/v2/")[0]
    except (OSError, http.client.HTTPException):
        return 0


def _registry_stop(name: str) -> None:
    rdir = _registry_dir(name)
    state = _read_json(rdir / "state.json")
    if state is None:
        return
    pid = int(state.get("pid", 0))
    if _owned(pid, _base_dir(name)):
        _stop_pid(pid, 10)
    (rdir / "state.json").unlink()


def registry_up(
    name: str = "default", *, user: str = "nkuser", password: str = "nkpass", timeout: float = 30
) -> RegistryInfo:
    """Start (or return) a docker-registry on a free 127.0.0.1 port for sandbox
    ``name``, with htpasswd auth for ``user``/``password`` and storage under the
    sandbox's base dir. dockerd allows plain HTTP to 127.0.0.0/8 registries."""
    _check_name(name)
    _require_root()
    with _lock():  # also keeps two processes from running apt-get at once
        _ensure_packages()
        rdir = _registry_dir(name)
        state = _read_json(rdir / "state.json")
        if state is not None:
            same = (state.get("user"), state.get("password")) == (user, password)
            pid, port = int(state["pid"]), int(state["port"])
            if same and _owned(pid, _base_dir(name)) and _registry_status(port) == 401:
                return _registry_info(state)
            _registry_stop(name)
        (rdir / "data").mkdir(parents=True, exist_ok=True)
        port = _pick_ports(name, 1)[0]
        htpasswd = _run(["htpasswd", "-Bbn", user, password]).stdout.strip()
        (rdir / "htpasswd").write_text(htpasswd + "\n")
        config = rdir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: info\n"
            f"storage:\n  filesystem:\n    rootdirectory: {rdir / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{port}\n"
            f"auth:\n  htpasswd:\n    realm: nkdocker-sandbox\n    path: {rdir / 'htpasswd'}\n"
        )
        log = rdir / "registry.log"
        pid = _spawn([_which("docker-registry"), "serve", str(config)], log, truncate=True)
        state = {"pid": pid, "port": port, "user": user, "password": password}
        _write_json(rdir / "state.json", state)
        ready = _wait_until(
            lambda: _registry_status(port) == 401 or not _alive(pid), time.monotonic() + timeout
        )
        if not ready or not _alive(pid):
            _registry_stop(name)
            raise SandboxError(f"docker-registry did not start; tail of {log}:\n{_tail(log)}")
        return _registry_info(state)


def _registry_info(state: dict[str, Any]) -> RegistryInfo:
    host = f"127.0.0.1:{state['port']}"
    return RegistryInfo(
        host=host,
        user=state["user"],
        password=state["password"],
        pid=int(state["pid"]),
        url=f"http://{host}",
    )


def registry_down(name: str = "default") -> None:
    """Stop the registry of sandbox ``name`` (its stored images stay until down())."""
    _check_name(name)
    _require_root()
    with _lock():
        _registry_stop(name)
