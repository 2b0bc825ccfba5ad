"""Identifier grammars, checked before an identifier may enter a request path.

dockerd answers a path holding `..` (or `//`) with a 301 to the cleaned path; a
client that follows it lets `rm("../images/x")` delete image x. We never follow
redirects, and nothing outside these grammars reaches a path: no `..`, `?`,
`#`, `%`, whitespace or control character can pass them, and a container name
written as inspect shows it ("/name") loses its slash.

The grammars are Docker's, with one restriction of our own: no identifier may
contain `..` anywhere, even where Docker's grammar allows it inside a name
("a..b"), so that no `..` of any kind can ever appear in a path we send.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .errors import InvalidOption

__all__ = ["KINDS", "check", "quote_segment"]

# Container, network and volume names are [a-zA-Z0-9][a-zA-Z0-9_.-]+; ids are hex and
# may be abbreviated, so one character is allowed.
_OBJECT = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}")
_EXEC = re.compile(r"[a-zA-Z0-9]{1,128}")

# The reference grammar of dockerd 20.10: [domain/]path[:tag][@digest], or an image id.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REPOSITORY = rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
_IMAGE = re.compile(rf"{_REPOSITORY}(?::{_TAG})?(?:@{_DIGEST})?|sha256:[0-9a-f]{{1,64}}")

KINDS: dict[str, re.Pattern[str]] = {
    "container": _OBJECT,
    "network": _OBJECT,
    "volume": _OBJECT,
    "exec": _EXEC,
    "image": _IMAGE,
    "repo": re.compile(rf"{_REPOSITORY}(?::{_TAG})?"),  # a repository, its tag optional
    "tag": re.compile(_TAG),
    # Swarm objects: ids (25 characters), names, and nodes by hostname.
    "node": _OBJECT,
    "service": _OBJECT,
    "task": _OBJECT,
    "secret": _OBJECT,
    "config": _OBJECT,
}
"""Each identifier kind and its grammar (matched in full)."""


def check(kind: str, value: object) -> str:
    """`value` if it is a well-formed identifier of `kind`, else InvalidOption.

    A container name given as "/name" (as inspect and ps show it) comes back as "name".
    """
    if not isinstance(value, str):
        raise InvalidOption(f"{kind} must be a string, not {type(value).__name__} {value!r}")
    if kind == "container" and value.startswith("/"):
        value = value[1:]
    if len(value) > 512 or ".." in value or not KINDS[kind].fullmatch(value):
        raise InvalidOption(f"invalid {kind} identifier {value!r}")
    return value


def quote_segment(value: str) -> str:
    """Percent-quote an identifier for a path; a checked one comes out unchanged."""
    return quote(value, safe="/:@+")
