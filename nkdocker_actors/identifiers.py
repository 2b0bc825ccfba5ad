"""Identifier grammars, checked before an identifier may enter a request path.

dockerd answers a path holding `..` with a 301 to the cleaned path; a client
that follows it lets `rm("../images/x")` delete image x. We never follow
redirects, and nothing outside these grammars reaches a path: no `..`
segment, `?`, `#`, `%`, whitespace or control character can pass them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .errors import InvalidOption

__all__ = ["KINDS", "check", "quote_segment"]

# Container names are [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading "/" as inspect shows them);
# ids are hex and may be abbreviated, so one character is allowed.
_OBJECT = re.compile(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}")
_EXEC = re.compile(r"[a-zA-Z0-9]{1,128}")

# The distribution reference grammar: [domain/]path[:tag][@digest].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)"  # noqa: E501
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REPOSITORY = rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
_IMAGE = re.compile(rf"{_REPOSITORY}(?::{_TAG})?(?:@{_DIGEST})?|(?:sha256:)?[0-9a-f]{{1,64}}")
_REPO = re.compile(_REPOSITORY)
_TAG_ONLY = re.compile(_TAG)

KINDS: dict[str, re.Pattern[str]] = {
    "container": _OBJECT,
    "network": _OBJECT,
    "volume": _OBJECT,
    "exec": _EXEC,
    "image": _IMAGE,
    "repo": _REPO,
    "tag": _TAG_ONLY,
}


def check(kind: str, value: object) -> str:
    """`value` if it is a well-formed identifier of `kind`, else InvalidOption."""
    if not isinstance(value, str):
        raise InvalidOption(f"{kind} must be a string, not {type(value).__name__} {value!r}")
    if len(value) > 512 or not KINDS[kind].fullmatch(value):
        raise InvalidOption(f"invalid {kind} identifier {value!r}")
    return value


def quote_segment(value: str) -> str:
    """Percent-quote an identifier for a path (image names keep their `/` and `:`)."""
    return quote(value, safe="/:@")
