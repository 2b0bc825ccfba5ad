"""Whether a request is one a careful client may send: what the fault server records
as its `problems` (the security suite asserts there are none)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .wire import TOKEN, Req

_TARGET = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?")
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in JSON body")


def check_request(req: Req) -> list[str]:
    """Why a request is not one a careful client may send (empty when it is fine)."""
    problems: list[str] = []
    if not TOKEN.fullmatch(req.method) or req.method.upper() != req.method:
        problems.append(f"method {req.method!r}")
    if req.version != "HTTP/1.1":
        problems.append(f"version {req.version!r}")
    if not _TARGET.fullmatch(req.target) or _PCT.search(req.target):
        problems.append(f"target {req.target!r} has characters outside RFC 3986")
    if not re.match(r"/v1\.[0-9]+/", req.target):
        problems.append(f"target {req.target!r} is not versioned")
    for segment in req.path.split("/")[1:]:
        decoded = unquote(segment)
        if segment in ("", ".", "..") or decoded in (".", ".."):
            problems.append(f"path segment {segment!r}")
        if any(ch in decoded for ch in "/?#\\") or any(ord(ch) < 33 for ch in decoded):
            problems.append(f"path segment {segment!r} decodes to {decoded!r}")
    try:
        parse_qsl(urlsplit(req.target).query, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:
        problems.append(f"query: {exc}")
    hosts = [v for k, v in req.headers if k.lower() == "host"]
    if len(hosts) != 1:
        problems.append(f"{len(hosts)} Host headers")
    names = [k.lower() for k, _ in req.headers]
    if len(set(names)) != len(names):
        problems.append(f"repeated headers in {names}")
    ctype = (req.header("content-type") or "").split(";")[0]
    if ctype == "application/json":
        try:
            json.loads(req.body, parse_constant=_reject_constant)
        except ValueError as exc:
            problems.append(f"JSON body: {exc}")
    return problems
