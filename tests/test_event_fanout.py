"""Events to many subscribers: each gets every event once, then one terminal message; a
stream idle after an event still notices a subscriber that has stopped. Identical live
subscriptions share one stream, each subscriber keeping its ref, its copy and its end."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

import pytest
from conftest import Collector, drain, socket_fds, wait_until
from faultserver import FaultServer

import nkdocker_actors as nk
from nkdocker_actors import sandbox

FILTERS = {"type": ["image"], "event": ["tag"]}


def _tags(messages: list[nk.Message], repo: str) -> list[str]:
    names = []
    for message in messages:
        if isinstance(message.payload, nk.Data):
            attributes = (message.payload.value.get("Actor") or {}).get("Attributes") or {}
            if str(attributes.get("name", "")).startswith(repo + ":"):
                names.append(attributes["name"])
    return names


def test_every_subscriber_gets_each_event_once_then_one_end(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    repo = "nk-fanout-test"
    with nk.connect(daemon.unix_url) as docker:
        actors = [Collector.start() for _ in range(20)]
        try:
            refs = [docker.events(subscriber=a, filters=FILTERS).get(10) for a in actors]
            for tag in ("t1", "t2"):
                docker.tag("busybox:latest", repo, tag).get(10)
            proxies = [actor.proxy() for actor in actors]
            for proxy in proxies:
                wait_until(lambda p=proxy: len(_tags(p.messages.get(), repo)) == 2)
            for ref in refs:
                docker.finish_async(ref).get(10)
            for proxy, ref in zip(proxies, refs, strict=True):
                wait_until(lambda p=proxy: p.ended.get().is_set())
                messages = proxy.messages.get()
                assert _tags(messages, repo) == [f"{repo}:t1", f"{repo}:t2"]
                assert messages[-1] == (ref, nk.Done("finished"))
                ends = [m for m in messages if isinstance(m.payload, nk.Done | nk.Failed)]
                assert len(ends) == 1
            wait_until(lambda: docker.connection_stats()["streams"] == 0)
        finally:
            for actor in actors:
                actor.stop()
            for tag in ("t1", "t2"):
                docker.rmi(f"{repo}:{tag}").get(10)


def test_subscriber_stopped_after_an_event_closes_the_stream(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    repo = "nk-fanout-gone"
    with nk.connect(daemon.unix_url) as docker:
        before = socket_fds()
        actor = Collector.start()
        try:
            docker.events(subscriber=actor, filters=FILTERS).get(10)
            docker.tag("busybox:latest", repo, "t1").get(10)
            wait_until(lambda: _tags(actor.proxy().messages.get(), repo))
            # The stream is now idle, with no event to come.
            actor.stop()
            wait_until(lambda: docker.connection_stats()["streams"] == 0)
            wait_until(lambda: socket_fds() == before)
        finally:
            actor.stop()
            docker.rmi(f"{repo}:t1").get(10)


def _next_tags(inbox: nk.Inbox, ref: nk.Ref, repo: str, count: int) -> list[nk.Data]:
    """The next `count` events of `repo` that `ref` brings (other events skipped)."""
    found: list[nk.Data] = []
    while len(found) < count:
        message = inbox.get(timeout=10)
        assert message.ref is ref and isinstance(message.payload, nk.Data), message
        if _tags([message], repo):
            found.append(message.payload)
    return found


def _name(data: nk.Data) -> object:
    return data.value["Actor"]["Attributes"]["name"]


def _ends(inbox: nk.Inbox, refs: list[nk.Ref]) -> dict[nk.Ref, list[object]]:
    """Each ref's terminal payloads, read until every ref has one (and a moment more)."""
    ends: dict[nk.Ref, list[object]] = {ref: [] for ref in refs}
    while not all(ends.values()):
        message = inbox.get(timeout=10)
        if isinstance(message.payload, nk.Done | nk.Failed):
            ends[message.ref].append(message.payload)
    with contextlib.suppress(nk.Timeout):
        while message := inbox.get(timeout=0.2):
            ends[message.ref].append(message.payload)  # (none may come after an end)
    return ends


def test_identical_subscriptions_share_one_socket_each_keeping_its_ref_its_copy_and_its_end(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    repo = "nk-fanout-shared"
    with nk.connect(daemon.unix_url) as docker:
        docker.ping().get(10)  # (the quick calls' socket is open from here on)
        before = socket_fds()
        inboxes = [nk.Inbox() for _ in range(3)]
        actor = Collector.start()
        try:
            refs = [docker.events(subscriber=inbox, filters=FILTERS).get(10) for inbox in inboxes]
            docker.events(subscriber=actor, filters=FILTERS).get(10)
            assert docker.connection_stats()["shared_streams"] == 1
            assert docker.connection_stats()["streams"] == 4
            assert socket_fds() == before + 1  # one socket for the four
            docker.tag("busybox:latest", repo, "t1").get(10)
            firsts = [
                _next_tags(inbox, ref, repo, 1)[0].value
                for inbox, ref in zip(inboxes, refs, strict=True)
            ]
            # Equal values, each its own: a subscriber changing its copy changes no other's.
            assert firsts[0] == firsts[1] == firsts[2]
            firsts[0]["Actor"] = None
            assert firsts[1]["Actor"] is not None and firsts[2]["Actor"] is not None

            # One ref ends: its subscriber gets Done and nothing after; the others go on.
            docker.finish_async(refs[0]).get(10)
            assert inboxes[0].get(timeout=10) == (refs[0], nk.Done("finished"))
            # A subscription made now joins, and gets what is read from then on.
            late = nk.Inbox()
            late_ref = docker.events(subscriber=late, filters=FILTERS).get(10)
            assert docker.connection_stats()["shared_streams"] == 1
            docker.tag("busybox:latest", repo, "t2").get(10)
            members = [(inboxes[1], refs[1]), (inboxes[2], refs[2]), (late, late_ref)]
            for inbox, ref in members:
                assert [_name(data) for data in _next_tags(inbox, ref, repo, 1)] == [f"{repo}:t2"]
            proxy = actor.proxy()
            wait_until(lambda: _tags(proxy.messages.get(), repo) == [f"{repo}:t1", f"{repo}:t2"])

            # A subscriber actor that stops leaves; the stream stays for the others.
            actor.stop()
            docker.tag("busybox:latest", repo, "t3").get(10)
            assert [_name(data) for data in _next_tags(late, late_ref, repo, 1)] == [f"{repo}:t3"]
            wait_until(lambda: docker.connection_stats()["streams"] == 3)

            for _, ref in members:
                docker.finish_async(ref).get(10)
            for inbox, ref in members:
                assert _ends(inbox, [ref]) == {ref: [nk.Done("finished")]}
            wait_until(lambda: docker.connection_stats()["shared_streams"] == 0)
            assert docker.connection_stats()["streams"] == 0
            wait_until(lambda: socket_fds() == before)
            assert len(inboxes[0]) == 0  # nothing after its end
            with pytest.raises(nk.InvalidOption, match="not an open stream"):
                docker.finish_async(refs[0]).get(10)
        finally:
            actor.stop()
            for tag in ("t1", "t2", "t3"):
                docker.rmi(f"{repo}:{tag}").get(10)


def test_subscriptions_share_only_when_identical_live_and_not_turned_off(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    inbox = nk.Inbox()
    with nk.connect(daemon.unix_url) as docker:
        docker.events(subscriber=inbox, filters=FILTERS).get(10)
        docker.events(subscriber=inbox, filters=FILTERS).get(10)
        docker.events(subscriber=inbox, filters={"type": ["container"]}).get(10)  # other filters
        docker.events(subscriber=inbox, filters=FILTERS, since=1).get(10)  # from the past
        docker.events(subscriber=lambda message: None, filters=FILTERS).get(10)  # a callable
        assert docker.connection_stats()["shared_streams"] == 2
        assert docker.connection_stats()["streams"] == 5
    with nk.connect(daemon.unix_url, share_events=False) as docker:
        docker.events(subscriber=inbox, filters=FILTERS).get(10)
        docker.events(subscriber=inbox, filters=FILTERS).get(10)
        assert docker.connection_stats()["shared_streams"] == 0
        assert docker.connection_stats()["streams"] == 2
    with pytest.raises(nk.InvalidOption, match="share_events 'no' from argument must be a bool"):
        nk.connect(daemon.unix_url, share_events="no")


def test_a_shared_stream_refused_ends_every_ref_with_the_daemons_error(
    fault: FaultServer, no_leaks: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nkdocker_actors")
    inbox = nk.Inbox()
    with nk.connect(fault.url, connect_timeout=5, timeout=5) as docker:
        docker.ping().get(10)  # (negotiated while the server answers well)
        fault.set("json_error_404")
        # Those asking before it failed share one stream; one asking after, another.
        futures = [docker.events(subscriber=inbox, filters=FILTERS) for _ in range(3)]
        refs = [future.get(10) for future in futures]
        refs.append(docker.events(subscriber=inbox, filters=FILTERS).get(10))
        for ends in _ends(inbox, refs).values():
            assert len(ends) == 1 and isinstance(ends[0], nk.Failed), ends
            assert isinstance(ends[0].error, nk.NotFound), ends[0].error
        wait_until(lambda: docker.connection_stats()["streams"] == 0)
        assert docker.connection_stats()["shared_streams"] == 0
    # Logged once a stream, naming the refs its subscribers know (how many shared one
    # depends on how soon the server answered): each ref once.
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("stream ")]
    why = " (events) failed: NotFound: 404: No such container: fault"
    assert all(line.endswith(why) for line in logged), logged
    named = [name for line in logged for name in line[len("stream ") : -len(why)].split(", ")]
    assert sorted(named) == sorted(map(repr, refs))


def test_a_shared_stream_closed_under_its_subscribers_ends_every_ref_once(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    inbox = nk.Inbox()
    with nk.connect(daemon.unix_url) as docker:
        refs = [docker.events(subscriber=inbox, filters=FILTERS).get(10) for _ in range(3)]
        assert docker.connection_stats()["shared_streams"] == 1
    for ends in _ends(inbox, refs).values():
        assert len(ends) == 1 and isinstance(ends[0], nk.Failed), ends
        assert isinstance(ends[0].error, nk.ConnectionFailed), ends[0].error


@contextlib.contextmanager
def _slow_and_fast(
    daemon: sandbox.SandboxInfo, repo: str, count: int
) -> Iterator[tuple[nk.Docker, nk.Inbox, nk.Ref, nk.Inbox, nk.Ref, list[str]]]:
    """Two subscribers sharing a stream, `slow` holding at most an event or two unconsumed
    (as counted: the event's size and 256 bytes), after `count` events (tags) of `repo`:
    (the connection, slow, its ref, fast, its ref, the tags expected in order)."""
    slow, fast = nk.Inbox(), nk.Inbox()
    with nk.connect(daemon.unix_url) as docker:
        try:
            slow_ref = docker.events(subscriber=slow, filters=FILTERS, max_pending=1000).get(10)
            fast_ref = docker.events(subscriber=fast, filters=FILTERS).get(10)
            assert docker.connection_stats()["shared_streams"] == 1
            for index in range(count):
                docker.tag("busybox:latest", repo, f"t{index}").get(10)
            yield docker, slow, slow_ref, fast, fast_ref, [f"{repo}:t{i}" for i in range(count)]
        finally:
            for index in range(count):
                with contextlib.suppress(nk.NotFound):  # (not tagged yet)
                    docker.rmi(f"{repo}:t{index}").get(10)


def test_a_shared_stream_waits_for_its_slowest_subscriber_and_loses_nothing(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    repo, count = "nk-fanout-slow", 12
    with _slow_and_fast(daemon, repo, count) as (_, slow, slow_ref, fast, fast_ref, expected):
        # `fast` gets them all, as `slow` is read: every event once, in order, to both.
        assert [_name(data) for data in _next_tags(slow, slow_ref, repo, count)] == expected
        assert [_name(data) for data in _next_tags(fast, fast_ref, repo, count)] == expected


def test_a_full_subscriber_that_leaves_holds_the_shared_stream_no_longer(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    repo, count = "nk-fanout-left", 12
    with _slow_and_fast(daemon, repo, count) as (docker, slow, slow_ref, fast, fast_ref, expected):
        wait_until(lambda: len(slow) >= 1)
        docker.finish_async(slow_ref).get(10)  # `slow`, full, is never read again
        assert [_name(data) for data in _next_tags(fast, fast_ref, repo, count)] == expected
        items, end = drain(slow, slow_ref)
        assert end == nk.Done("finished")
        assert len(items) < count  # it had what its bound let in, no more


def test_subscribers_joining_and_leaving_under_load_each_see_an_unbroken_run(
    daemon: sandbox.SandboxInfo, no_leaks: None
) -> None:
    """While events come, subscribers join and leave the shared stream over and over:
    each ref gets an unbroken run of the events (none lost, none twice, in order), then
    exactly one Done and nothing after it; the stream closes with the last."""
    repo, count, workers = "nk-fanout-churn", 120, 6
    tagging = threading.Event()
    runs: list[tuple[list[int], object, int]] = []
    failures: list[BaseException] = []

    def churn(docker: nk.Docker) -> None:
        try:
            while tagging.is_set():
                inbox = nk.Inbox()
                ref = docker.events(subscriber=inbox, filters=FILTERS).get(10)
                wait_until(lambda inbox=inbox: len(inbox) >= 3 or not tagging.is_set(), 30)
                docker.finish_async(ref).get(10)
                items, end = drain(inbox, ref)
                names = _tags([nk.Message(ref, item) for item in items], repo)
                runs.append(([int(n.rpartition(":t")[2]) for n in names], end, len(inbox)))
        except BaseException as problem:  # (the test's thread reports it)
            failures.append(problem)

    with nk.connect(daemon.unix_url) as docker:
        tagging.set()
        threads = [threading.Thread(target=churn, args=(docker,)) for _ in range(workers)]
        for thread in threads:
            thread.start()
        try:
            for index in range(count):
                docker.tag("busybox:latest", repo, f"t{index}").get(10)
        finally:
            tagging.clear()
            for thread in threads:
                thread.join(60)
            for index in range(count):
                docker.rmi(f"{repo}:t{index}").get(10)
        assert not failures, failures
        assert len(runs) > workers  # (each joined more than once)
        for seen, end, after in runs:
            assert seen == list(range(seen[0], seen[0] + len(seen))) if seen else True, seen
            assert (end, after) == (nk.Done("finished"), 0)
        wait_until(lambda: docker.connection_stats()["shared_streams"] == 0)
        assert docker.connection_stats()["streams"] == 0
