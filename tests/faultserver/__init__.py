"""A hostile HTTP/1.1 "daemon" on 127.0.0.1 for the reliability and security suites.

It runs in a process of its own (so its sockets and threads never blur the leak
checks of the process under test) and answers like dockerd, except that every
request other than the negotiation's GET /_ping and GET /version and the TTY
probe (GET /containers/{id}/json) is answered by the *behaviour* currently set:
a well-formed answer, or one of the faults in `BEHAVIOURS`.

The answer's content follows the request, as dockerd's would:
  - JSON streams (events, stats, build, image create/push): JSON lines, chunked;
  - container output (logs, attach, exec start): raw-stream frames, chunked, or
    raw after a 101 upgrade when the client asked to upgrade;
  - anything else: one JSON document with a Content-Length.
The faults then break that answer's framing in their own way.

Control (from the test process, never through the client under test) is HTTP on
the same port under /_fault/: set the behaviour, read the requests received,
count open connections. `FaultServer` is the test-side handle; the server exits
when its stdin closes, so it never outlives the test run.

Run by hand, from tests/: python -m faultserver  (prints the port, serves until EOF on
stdin). One module per job: wire (requests, connections, well-formed answers), faults
(the behaviours), websocket, checks (what a careful client may send), server.
"""

from .faults import BEHAVIOURS
from .server import FaultServer
from .websocket import WS_OUTPUT, ws_frame
from .wire import EVENTS, JSON_DOC, OUTPUT, frame

__all__ = [
    "BEHAVIOURS",
    "EVENTS",
    "JSON_DOC",
    "OUTPUT",
    "WS_OUTPUT",
    "FaultServer",
    "frame",
    "ws_frame",
]
