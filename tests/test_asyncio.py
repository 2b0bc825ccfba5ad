"""asyncio: awaiting a Future or reading an Inbox never blocks the event loop; one
timeout family (`nk.Timeout`: a TimeoutError and a pykka.Timeout) for Futures and Inboxes.

The loop's health is measured by a 10 ms ticker: its largest lateness is the longest
the loop was kept from running while the test awaited something slow or big.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pykka
import pytest

import nkdocker_actors as nk

T = TypeVar("T")
TICK = 0.01
# The goal is < 50 ms (measured: 9 ms awaiting the wait, 17 ms for the 100 MB, on a
# 2-core machine at load 11; 110 ms once at load 8 beside eight test runs). The bound
# leaves room for such scheduling hiccups, never for the length of what is awaited
# (2 s here; a blocking await stalled the loop 2.39 s).
MAX_STALL = 0.5


async def _with_ticker(work: Awaitable[T]) -> tuple[T, float]:
    """Run `work` beside a 10 ms ticker: (its result, the ticker's largest lateness)."""
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        loop = asyncio.get_running_loop()
        while not done.is_set():
            expected = loop.time() + TICK
            await asyncio.sleep(TICK)
            worst = max(worst, loop.time() - expected)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(TICK * 3)  # the ticker is running before the work starts
    try:
        result = await work
    finally:
        done.set()
        await tick
    return result, worst


def _run(make: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    async def main() -> tuple[T, float]:
        return await _with_ticker(make())

    return asyncio.run(main())


def test_awaiting_a_long_wait_leaves_the_loop_running(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    container = cleanup(name("await-wait"))
    docker.create("busybox:latest", name=container, cmds=["sleep", "2"]).get(30)
    docker.start(container).get(30)
    started = time.monotonic()

    async def wait() -> Any:
        return await docker.wait(container)

    result, stall = _run(wait)
    assert result["StatusCode"] == 0
    assert time.monotonic() - started > 1.5  # it really waited for the container
    assert stall < MAX_STALL, f"the loop stalled {stall:.3f} s"


def test_inbox_receives_100_mb_without_stalling_the_loop(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    size = 100 * 1024 * 1024
    container = cleanup(name("await-big"))
    line = "0123456789" * 100
    docker.create(
        "busybox:latest",
        name=container,
        cmds=["sh", "-c", f"yes {line} | head -c {size}"],
        log_config="none",
    ).get(30)
    inbox = nk.Inbox()

    async def receive() -> tuple[int, Any]:
        ref = await docker.attach(container, stream=True, stdout=True, stderr=True,
                                  subscriber=inbox)  # fmt: skip
        await docker.start(container)
        received = 0
        async for message in inbox:
            assert message.ref is ref
            if isinstance(message.payload, nk.Output):
                received += len(message.payload.data)
            else:
                return received, message.payload
        raise AssertionError("unreachable: an Inbox never ends by itself")

    (received, end), stall = _run(receive)
    assert end == nk.Done("eof")
    assert received == size
    assert stall < MAX_STALL, f"the loop stalled {stall:.3f} s"


def test_await_gives_errors_and_ready_results(docker: nk.Docker) -> None:
    async def main() -> None:
        with pytest.raises(nk.NotFound):
            await docker.inspect("nk-no-such-container-await")
        future: nk.Future[str] = docker.ping()
        assert future.get(30) == "OK"
        assert await future == "OK"  # already set: at once
        many = await asyncio.gather(*(docker.ping() for _ in range(20)))
        assert many == ["OK"] * 20

    asyncio.run(main())


def test_inbox_get_async_times_out_as_the_timeout_family() -> None:
    async def main() -> None:
        inbox = nk.Inbox()
        started = time.monotonic()
        with pytest.raises(nk.Timeout):
            await inbox.get_async(timeout=0.1)
        assert time.monotonic() - started >= 0.09
        ref = nk.Ref()
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, inbox.put, nk.Message(ref, nk.Done("eof")))
        assert await inbox.get_async(timeout=10) == (ref, nk.Done("eof"))

    asyncio.run(main())


# -- one timeout family --------------------------------------------------------------


def test_future_timeout_is_a_timeout_error_and_a_pykka_timeout(
    docker: nk.Docker, name: Callable[[str], str], cleanup: Callable[[str], str]
) -> None:
    container = cleanup(name("timeout"))
    docker.create("busybox:latest", name=container, cmds=["sleep", "60"]).get(30)
    docker.start(container).get(30)
    waiting = docker.wait(container)
    for family in (TimeoutError, pykka.Timeout, nk.Timeout):
        with pytest.raises(family):
            waiting.get(0.05)
    with pytest.raises(TimeoutError):
        waiting.get(timeout=0)
    docker.kill(container).get(30)
    assert waiting.get(30)["StatusCode"] != 0


def test_inbox_timeout_is_the_same_family() -> None:
    inbox = nk.Inbox()
    for family in (TimeoutError, pykka.Timeout, nk.Timeout):
        with pytest.raises(family):
            inbox.get(timeout=0.01)
        with pytest.raises(family):
            inbox.get_nowait()
