"""The fault server (`Server`, run in a process of its own: `python -m faultserver`) and
the test-side handle that starts and controls it (`FaultServer`)."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from .faults import BEHAVIOURS
from .wire import (
    DOCKER29_MIN,
    DOCKER29_VERSION_BODY,
    NEXT_PERSONAS,
    PERSONA_API,
    VERSION_BODY,
    Conn,
    Req,
)


class Server:
    """Accepts connections and answers each request with the current behaviour."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.port: int = self.listener.getsockname()[1]
        self.behaviour = "good"
        self.params: dict[str, Any] = {}
        self.also_version = False  # apply the behaviour to GET /version too
        self.tty = False
        self.persona = ""  # "" (dockerd 20.10), "docker29" or one of NEXT_PERSONAS
        self.requests: list[dict[str, Any]] = []
        self.ws_keys: list[str] = []  # the websocket keys received
        self.ws_replies: list[str] = []  # the client's answers to our close frames
        self.accepted = 0
        self.open = 0
        self.sent = 0
        self.lock = threading.Lock()

    def serve_forever(self) -> None:
        while True:
            sock, _ = self.listener.accept()
            with self.lock:
                self.accepted += 1
                self.open += 1
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        conn = Conn(sock, self)
        try:
            while self._one(conn):
                pass
        except Exception as exc:  # a bug here must show, not hang a test
            print(f"faultserver: {exc!r}", file=sys.stderr, flush=True)
        finally:
            with contextlib.suppress(OSError):
                sock.close()
            with self.lock:
                self.open -= 1

    def _one(self, conn: Conn) -> bool:
        req = conn.read_request(early=self.behaviour == "answer_early")
        if req is None:
            return False
        if req.path.startswith("/_fault/"):
            return self._control(conn, req)
        with self.lock:
            self.requests.append(req.record())
            behaviour, also_version, persona = self.behaviour, self.also_version, self.persona
        path = re.sub(r"^/v[0-9.]+", "", req.path)
        if path == "/_ping" and not also_version:  # as dockerd answers it: its version too
            extra = f"Api-Version: {PERSONA_API[persona]}\r\n"
            return conn.respond("200 OK", b"OK", "text/plain; charset=utf-8", extra)
        if persona == "docker29":
            refused = _docker29_refusal(req.path)
            if refused:
                return conn.respond("400 Bad Request", refused)
            if path == "/version" and not also_version:
                return conn.respond("200 OK", DOCKER29_VERSION_BODY)
        if persona in NEXT_PERSONAS:
            refused = _docker29_refusal(req.path, NEXT_PERSONAS[persona])
            if refused:
                return conn.respond("400 Bad Request", refused)
            if path == "/version" and not also_version:
                body = {"ApiVersion": "1.60", "MinAPIVersion": NEXT_PERSONAS[persona]}
                return conn.respond("200 OK", json.dumps(body).encode())
        if path == "/version" and not also_version:
            return conn.respond("200 OK", VERSION_BODY)
        if re.fullmatch(r"/containers/[^/]+/json", path) and behaviour not in ("echo",):
            config = {"Id": "c0ffee", "Config": {"Tty": self.tty}, "State": {"Running": True}}
            return conn.respond("200 OK", json.dumps(config).encode())
        return BEHAVIOURS[behaviour](conn, req)

    def _control(self, conn: Conn, req: Req) -> bool:
        parts = req.path.split("/")[2:]
        reply: Any = None
        with self.lock:
            if parts[0] == "set":
                settings = json.loads(req.body)
                if settings["behaviour"] not in BEHAVIOURS:
                    return conn.respond("404 Not Found", b'{"message": "no such behaviour"}')
                self.behaviour = settings["behaviour"]
                self.params = settings.get("params", {})
                self.also_version = settings.get("version", False)
                self.tty = settings.get("tty", False)
                self.persona = settings.get("persona", "")
                self.requests.clear()
                self.ws_keys.clear()
                self.ws_replies.clear()
            elif parts[0] == "requests":
                reply = self.requests
            elif parts[0] == "websocket":
                reply = {"keys": self.ws_keys, "replies": self.ws_replies}
            elif parts[0] == "stats":
                reply = {"accepted": self.accepted, "open": self.open - 1, "sent": self.sent}
        return conn.respond("200 OK", json.dumps(reply).encode())


def _docker29_refusal(path: str, minimum: str = DOCKER29_MIN) -> bytes:
    """dockerd 29's answer to a request on an API version below its minimum (else b"")."""
    match = re.match(r"/v([0-9]+)\.([0-9]+)/", path)
    low = tuple(int(part) for part in minimum.split("."))
    if match is None or (int(match[1]), int(match[2])) >= low:
        return b""
    message = (
        f"client version {match[1]}.{match[2]} is too old. Minimum supported API version is "
        f"{minimum}, please upgrade your client to a newer version"
    )
    return json.dumps({"message": message}).encode()


def main() -> None:
    server = Server()
    print(server.port, flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the test process closes our stdin (or dies)


# -- the test-side handle ------------------------------------------------------------


class FaultServer:
    """Starts the fault server in a child process and controls it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "faultserver"],
            cwd=Path(__file__).parent.parent,  # (tests/: where the package is)
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"tcp://127.0.0.1:{self.port}"

    def _control(self, path: str, body: Any = None) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request("POST" if data else "GET", "/_fault/" + path, body=data)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                raise AssertionError(f"fault server: {response.status} {payload!r}")
            return json.loads(payload)
        finally:
            conn.close()

    def set(
        self,
        behaviour: str,
        *,
        version: bool = False,
        tty: bool = False,
        persona: str = "",
        **params: Any,
    ) -> None:
        """Answer from now on with `behaviour` (and forget the requests seen so far).

        persona="docker29" answers as Docker Engine 29.0: API 1.52, nothing below 1.44;
        "next" as a daemon of API 1.60 taking 1.44 up, "next_strict" 1.58 up.
        """
        settings = {"behaviour": behaviour, "version": version, "tty": tty, "params": params}
        self._control("set", {**settings, "persona": persona})

    def requests(self) -> list[dict[str, Any]]:
        """The requests received since the last `set` (control requests excluded)."""
        return self._control("requests")  # type: ignore[no-any-return]

    def websocket(self) -> dict[str, list[str]]:
        """Since the last `set`: the websocket keys received, and the client's answers to
        our close frames ("opcode:payload hex:masked", or "none" if it closed without)."""
        return self._control("websocket")  # type: ignore[no-any-return]

    def stats(self) -> dict[str, int]:
        """accepted (connections ever), open (now, besides the asking one), sent (bytes)."""
        return self._control("stats")  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the server process."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
