"""The one HTTP/1.1 implementation: requests out, responses in, and the stream decoders.

Kept lean on purpose: a request is one `sendall`, a response head one scan of a
buffer, so a quick call costs little more than the daemon's own work (see the
README for why `requests` is not used). Redirects are never followed: a 3xx is
an error like any other non-2xx answer.

Modules: ``messages`` (Request, ResponseHead, ProtocolError, how a request's head is
written), ``channel`` (Channel: one socket and its read buffer), ``persistent``
(PersistentChannel: keep-alive, reopened when stale), ``decoding`` (FrameDecoder,
demultiplex, JsonLines: Docker's stream formats).
"""

from __future__ import annotations

from .channel import RECV_SIZE, AnsweredEarly, Channel
from .decoding import FrameDecoder, JsonLines, demultiplex
from .messages import Body, ProtocolError, Request, ResponseHead
from .persistent import PersistentChannel

__all__ = [
    "RECV_SIZE",
    "AnsweredEarly",
    "Body",
    "Channel",
    "FrameDecoder",
    "JsonLines",
    "PersistentChannel",
    "ProtocolError",
    "Request",
    "ResponseHead",
    "demultiplex",
]
