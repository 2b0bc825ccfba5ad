"""Events to many subscriber actors: each gets every event once, then one terminal message;
a stream idle after an event still notices a subscriber that has stopped."""

from __future__ import annotations

from conftest import Collector, socket_fds, wait_until

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
