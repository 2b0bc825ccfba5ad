"""Exec with stdin: send input, half-close, read the output, get the exit code.

    python examples/interactive_exec.py

Starts a long-running container, then runs `sort` in it through exec: the lines
we send go to its stdin, `close_stdin` half-closes the stream (sort reads EOF
and prints while the stream stays open for its output), and exec_inspect gives
the exit code. A second exec runs with a TTY and is resized. Without DOCKER_HOST
this starts a sandbox daemon called "examples".
"""

from __future__ import annotations

import os
import sys
import time
import uuid

import nkdocker_actors as nk


def daemon_url() -> str | None:
    """None when DOCKER_HOST is set (connect() reads it), else a sandbox daemon's URL."""
    if os.environ.get("DOCKER_HOST"):
        return None
    from nkdocker_actors import sandbox

    return sandbox.up("examples").unix_url


def run_exec(
    docker: nk.Docker, exec_id: str, stdin: bytes, tty: bool = False
) -> tuple[dict[str, bytes], int]:
    """Start an exec, feed it `stdin`, collect its output by stream and its exit code."""
    inbox = nk.Inbox()
    ref = docker.exec_start(exec_id, subscriber=inbox, tty=tty).get(10)
    if tty:
        docker.exec_resize(exec_id, 132, 43).get(10)
    docker.attach_send(ref, stdin).get(10)
    if not tty:
        # Half-close: the process reads EOF, and its output keeps flowing. (With a TTY
        # the daemon ends the whole stream when stdin closes: send ^D instead.)
        docker.close_stdin(ref).get(10)
    output: dict[str, bytes] = {"stdout": b"", "stderr": b""}
    while True:
        message = inbox.get(timeout=30)
        if isinstance(message.payload, nk.Output):
            output[message.payload.stream] += message.payload.data
        elif isinstance(message.payload, nk.Failed):
            raise message.payload.error
        elif isinstance(message.payload, nk.Done):
            break
    deadline = time.monotonic() + 10
    while (state := docker.exec_inspect(exec_id).get(10))["Running"]:
        if time.monotonic() > deadline:  # the exit is recorded a moment after the stream ends
            raise TimeoutError("the exec did not finish")
        time.sleep(0.02)
    return output, state["ExitCode"]


def main() -> int:
    name = f"nk-exec-{uuid.uuid4().hex[:6]}"
    with nk.connect(daemon_url()) as docker:
        docker.create("busybox:latest", name=name, cmds=["sleep", "300"]).get(30)
        try:
            docker.start(name).get(30)

            exec_id = docker.exec_create(
                name, ["sh", "-c", "sort; echo sorted >&2; exit 42"], stdin=True
            ).get(10)
            output, code = run_exec(docker, exec_id, b"pear\napple\nfig\n")
            print(f"sort said {output['stdout']!r} and {output['stderr']!r}, exit code {code}")
            ok = output == {"stdout": b"apple\nfig\npear\n", "stderr": b"sorted\n"} and code == 42

            # With a TTY: one stream (stdout), and the terminal can be resized.
            exec_id = docker.exec_create(
                name, ["sh", "-c", "read go; stty size"], stdin=True, tty=True
            ).get(10)
            output, code = run_exec(docker, exec_id, b"go\n", tty=True)
            size = output["stdout"].decode().split()[-2:]  # the TTY echoes our "go" first
            print(f"tty size {size} (rows, columns), exit code {code}")
            ok = ok and size == ["43", "132"] and code == 0
        finally:
            docker.rm(name, force=True).get(30)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
