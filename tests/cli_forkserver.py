"""Run `python -m nkdocker_actors ARGS` fast: forked from a process that imported it once.

The side-by-side CLI tests run the command line hundreds of times, and each run used to
spend most of its time starting Python and importing the package. Here a server process
(this file, run as a script) imports `nkdocker_actors.cli` once, then forks a child per
run. The child is a process of its own, as with subprocess: the caller's pipes as
stdin/stdout/stderr, its environment, working directory and argv; it runs the package's
__main__ as `python -m` does and ends as the interpreter ends (non-daemon threads joined,
atexit run, stdout flushed: 120 if that fails). `run` returns a CompletedProcess.

tests/test_cli.py still starts real `python -m nkdocker_actors` processes (startup,
imports, signals, terminals); NK_CLI_FORK=0 makes `run` do so too, for comparison.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

PACKAGE = "nkdocker_actors"
_LENGTH = struct.Struct("!I")
_CODE = struct.Struct("!i")


# -- the caller's side ------------------------------------------------------------------


class ForkServer:
    """The server process and its socket; `run` may be called from any thread."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="nk-cli-fork-")
        self.path = os.path.join(self._dir, "fork.sock")
        # Its stdin is our pipe: when this process ends, the server sees EOF and ends too.
        self._process = subprocess.Popen(
            [sys.executable, __file__, self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        if ready != b"ready\n":
            self.close()
            raise RuntimeError(f"the CLI fork server did not start: {ready!r}")

    def run(
        self, words: Sequence[str], env: Mapping[str, str], input: bytes = b"", timeout: float = 120
    ) -> subprocess.CompletedProcess[bytes]:
        """`python -m nkdocker_actors *words` with `env`; its stdin is `input`."""
        deadline = time.monotonic() + timeout
        request = json.dumps({"argv": list(words), "env": dict(env), "cwd": os.getcwd()})
        data = request.encode()
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(self.path)
                socket.send_fds(
                    conn, [_LENGTH.pack(len(data)) + data], [stdin_r, stdout_w, stderr_w]
                )
            finally:
                for fd in (stdin_r, stdout_w, stderr_w):
                    os.close(fd)
            conn.settimeout(max(deadline - time.monotonic(), 0.01))
            (pid,) = _CODE.unpack(_recv_exactly(conn, _CODE.size))
            try:
                stdout, stderr = _communicate(stdin_w, stdout_r, stderr_r, input, deadline)
                conn.settimeout(max(deadline - time.monotonic(), 0.01))
                (code,) = _CODE.unpack(_recv_exactly(conn, _CODE.size))
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired([PACKAGE, *words], timeout) from None
        return subprocess.CompletedProcess([PACKAGE, *words], code, stdout, stderr)

    def close(self) -> None:
        """End the server (it ends on its own if this process dies)."""
        if self._process.stdin:
            self._process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(10)
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.rmdir(self._dir)


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        piece = conn.recv(size - len(data))
        if not piece:
            raise RuntimeError("the CLI fork server closed the connection")
        data += piece
    return data


def _communicate(
    stdin_w: int, stdout_r: int, stderr_r: int, data: bytes, deadline: float
) -> tuple[bytes, bytes]:
    """Write `data` to the child's stdin (then close it); read its stdout and stderr to
    EOF, as subprocess's communicate does."""
    chunks: dict[int, list[bytes]] = {stdout_r: [], stderr_r: []}
    with selectors.DefaultSelector() as selector:
        selector.register(stdout_r, selectors.EVENT_READ)
        selector.register(stderr_r, selectors.EVENT_READ)
        if data:
            os.set_blocking(stdin_w, False)
            selector.register(stdin_w, selectors.EVENT_WRITE)
        else:
            os.close(stdin_w)
        try:
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                for key, _ in selector.select(left):
                    fd = int(key.fd)
                    if fd == stdin_w:
                        try:
                            data = data[os.write(fd, data[:65536]) :]
                        except BrokenPipeError:
                            data = b""
                        if not data:
                            selector.unregister(fd)
                            os.close(fd)
                        continue
                    piece = os.read(fd, 65536)
                    if piece:
                        chunks[fd].append(piece)
                    else:
                        selector.unregister(fd)
        finally:
            for fd in (stdin_w, stdout_r, stderr_r):
                with contextlib.suppress(OSError):
                    os.close(fd)
    return b"".join(chunks[stdout_r]), b"".join(chunks[stderr_r])


_server: ForkServer | None = None
_server_lock = threading.Lock()


def run(
    words: Sequence[str], env: Mapping[str, str], input: bytes = b"", timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """`python -m nkdocker_actors *words`, forked from this process's server (started at
    the first call, ended at exit); a real `python -m` if NK_CLI_FORK=0."""
    global _server
    if os.environ.get("NK_CLI_FORK") == "0":
        argv = [sys.executable, "-m", PACKAGE, *words]
        return subprocess.run(argv, input=input, capture_output=True, env=env, timeout=timeout)
    with _server_lock:
        if _server is None:
            _server = ForkServer()
            atexit.register(_server.close)
        server = _server
    return server.run(words, env, input, timeout)


# -- the server's side -------------------------------------------------------------------


def _serve(path: str) -> None:
    import importlib
    import importlib.metadata  # `version` reads the package's metadata
    import pkgutil
    import runpy  # noqa: F401 - the children's

    # What `python -m nkdocker_actors` imports, and the commands' modules it imports late.
    cli = importlib.import_module(f"{PACKAGE}.cli")
    for module in pkgutil.iter_modules(cli.__path__):
        importlib.import_module(f"{PACKAGE}.cli.{module.name}")
    # A ctrl-C at the terminal reaches the whole process group: the caller decides (and
    # closes our stdin); the children get Python's own handler back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd: (pid, connection)
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        selector.register(0, selectors.EVENT_READ)  # the caller's pipe: EOF = the end
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        while True:
            for key, _ in selector.select():
                if key.fd == 0:
                    if not os.read(0, 1024):
                        for pid, _conn in children.values():
                            with contextlib.suppress(ProcessLookupError):
                                os.kill(pid, signal.SIGKILL)
                        return
                elif key.fileobj is listener:
                    conn, _ = listener.accept()
                    pid = _start(conn, listener)
                    if pid:
                        pidfd = os.pidfd_open(pid)
                        children[pidfd] = (pid, conn)
                        selector.register(pidfd, selectors.EVENT_READ)
                    else:
                        conn.close()
                else:
                    pid, conn = children.pop(int(key.fd))
                    selector.unregister(key.fd)
                    os.close(int(key.fd))
                    _, status = os.waitpid(pid, 0)
                    with contextlib.suppress(OSError):
                        conn.sendall(_CODE.pack(os.waitstatus_to_exitcode(status)))
                    conn.close()


def _start(conn: socket.socket, listener: socket.socket) -> int:
    """Read one request and fork its child; its pid (0 if the request was bad)."""
    conn.settimeout(30)
    try:
        first, fds, _, _ = socket.recv_fds(conn, 65536, 3)
        if len(fds) != 3 or len(first) < _LENGTH.size:
            raise OSError("a request without its three descriptors")
        (size,) = _LENGTH.unpack(first[: _LENGTH.size])
        data = first[_LENGTH.size :]
        while len(data) < size:
            piece = conn.recv(size - len(data))
            if not piece:
                raise OSError("a truncated request")
            data += piece
        request = json.loads(data)
    except (OSError, ValueError) as bad:
        print(f"cli_forkserver: {bad}", file=sys.stderr)
        return 0
    pid = os.fork()
    if pid == 0:
        try:
            listener.close()
            conn.close()
            _child(request, fds)
        except BaseException:  # the child never returns into the server's loop
            import traceback

            traceback.print_exc()
        finally:
            os._exit(70)  # only if _child itself failed
    for fd in fds:
        os.close(fd)
    conn.sendall(_CODE.pack(pid))
    return pid


def _child(request: dict[str, Any], fds: list[int]) -> None:
    """Become `python -m nkdocker_actors ARGV` (never returns)."""
    import io
    import runpy
    import traceback

    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    encoding, errors = sys.stdout.encoding, sys.stdout.errors
    for name, fd in (("stdin", 0), ("stdout", 1), ("stderr", 2)):
        # As the interpreter makes them: line-buffered on a terminal, stderr always.
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
        stream = io.TextIOWrapper(
            buffered,
            encoding=encoding,
            errors="backslashreplace" if fd == 2 else errors,
            line_buffering=fd == 2 or raw.isatty(),
            write_through=fd == 2,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    sys.argv = ["-m", *request["argv"]]
    sys.path[0] = os.getcwd()  # as `python -m` has it
    code = 0
    try:
        runpy.run_module(PACKAGE, run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        if exit.code is None:
            code = 0
        elif isinstance(exit.code, int):
            code = exit.code
        else:
            print(exit.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        traceback.print_exc()
        code = -signal.SIGINT
    except BaseException:  # as the interpreter reports it
        traceback.print_exc()
        code = 1
    # The interpreter's end: non-daemon threads joined, atexit, the streams flushed.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        code = code or 120
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    if code == -signal.SIGINT:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code & 0xFF)


if __name__ == "__main__":
    _serve(sys.argv[1])
