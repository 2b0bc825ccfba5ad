"""The one mechanism every command goes through: a `Command` is data, `build` reads it.

A command names its HTTP method and path, its positional parameters, every
option it accepts (`Field`: where the value goes and how it is encoded and
checked), how to build a body, how to decode the reply, and how it travels:
"shared" (the connection's keep-alive socket), "exclusive" (a child with its own
socket, for slow or blocking calls) or as a stream (a child posting messages).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Literal
from urllib.parse import urlencode

from .. import identifiers
from ..errors import ConnectionFailed, InvalidOption, UnsupportedDaemon, error_for_status
from ..http11 import Body, FrameDecoder, Request, ResponseHead
from ..messages import Output
from ..times import time_value
from ..websocket import handshake_headers

__all__ = [
    "ApiVersion",
    "Body",
    "BodyBuilder",
    "Command",
    "Context",
    "Field",
    "Prepared",
    "build",
    "raise_for_status",
]

ApiVersion = tuple[int, int]
Encoder = Callable[[str, Any], Any]
Place = Literal["path", "query", "body", "header", "data", "local"]
Mode = Literal["shared", "exclusive"]
StreamKind = Literal["json", "raw", "hijack", "websocket"]


@dataclass(frozen=True)
class Context:
    """What a reply decoder may need beyond the bytes."""

    api: ApiVersion
    values: Mapping[str, Any] = field(repr=False)  # may hold credentials: never shown
    tty: bool = False
    websocket_key: str = ""  # the handshake's Sec-WebSocket-Key (its answer is checked)


Decoder = Callable[[ResponseHead, bytes, Context], Any]
BodyBuilder = Callable[[Mapping[str, Any], ApiVersion], tuple[Body, str]]


@dataclass(frozen=True)
class Field:
    """One parameter or option: where it goes (`place`), its wire name, its encoder.

    Places: path (an identifier; `encode` names its kind), query, body (a JSON
    member, or input to the command's body builder), header, data (the raw
    request body) and local (used by the client only, e.g. a file to write to).
    `since_api` / `until_api` bound the API versions that know the option.
    """

    place: Place
    api: str = ""
    encode: Encoder = lambda name, value: value
    since_api: ApiVersion | None = None
    until_api: ApiVersion | None = None


@dataclass(frozen=True)
class Command:
    """One API operation, described as data.

    `params` are required positional arguments, `optional` positional ones that may
    be left out (each may also be given by name; None means left out). `prepare`
    folds some options into others before they are encoded. Several commands with
    one name are variants, picked by `since_api` / `until_api`. `json_body` sends
    `{}` when no option goes in the body (dockerd refuses an empty one: "EOF").
    """

    name: str
    method: str
    path: str
    doc: str
    params: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    fields: Mapping[str, Field] = field(default_factory=dict)
    body: BodyBuilder | None = None
    body_options: frozenset[str] = frozenset()
    reply: Decoder | None = None
    mode: Mode = "shared"
    stream: StreamKind | None = None
    stream_when: Callable[[Mapping[str, Any]], bool] | None = None
    # Live subscriptions with these options, identical, may share one stream (see sharing)
    share_when: Callable[[Mapping[str, Any]], bool] | None = None
    needs_tty: bool = False
    timeout: float | Literal["default"] | None = "default"
    since_api: ApiVersion | None = None
    until_api: ApiVersion | None = None
    headers: tuple[tuple[str, str], ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    sync_defaults: Mapping[str, Any] = field(default_factory=dict)
    to_file: str | None = None
    prepare: Callable[[dict[str, Any]], None] | None = None
    json_body: bool = False  # the daemon reads a JSON body even when no option fills one


@dataclass(frozen=True)
class Prepared:
    """A validated call: the request to send and what decoding it needs."""

    command: Command
    request: Request
    context: Context
    tty_source: str | None = None  # the inspect path telling whether output is multiplexed
    # A stream that goes on until stopped (a followed log, events with no `until`): its
    # subscriber wants each piece when it comes. Else its body ends by itself.
    live: bool = True
    shareable: bool = False  # (live, and the command's `share_when` says so)


# -- encoders (each checks its value and raises InvalidOption naming the option) ---------


def _bad(name: str, value: Any, expected: str) -> InvalidOption:
    return InvalidOption(f"option {name!r}: bad value {value!r} (expected {expected})")


def flag(name: str, value: Any) -> str:
    """A boolean query flag."""
    if not isinstance(value, bool):
        raise _bad(name, value, "True or False")
    return "1" if value else "0"


def boolean(name: str, value: Any) -> bool:
    """A boolean JSON member."""
    if not isinstance(value, bool):
        raise _bad(name, value, "True or False")
    return value


INT64_MAX = 2**63 - 1  # what the daemon (Go) parses a number into; past it: a 500, or wraps


def integer(name: str, value: Any, upto: int = INT64_MAX) -> int:
    """A non-negative integer, at most `upto`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upto:
        raise _bad(name, value, f"an integer from 0 to {upto}")
    return value


def count(name: str, value: Any) -> str:
    """A non-negative integer, as a query value."""
    return str(integer(name, value))


def count_upto(upto: int) -> Encoder:
    """A non-negative integer of at most `upto`, as a query value."""

    def bounded_count(name: str, value: Any) -> str:
        return str(integer(name, value, upto))

    return bounded_count


TTY_SIZE_MAX = 65535  # a terminal's rows and columns are unsigned 16-bit (struct winsize)
SECONDS_MAX = 2**31 - 1  # a wait in seconds the daemon turns into a Go time.Duration


def choice(*allowed: str) -> Encoder:
    """One of the strings `allowed`."""

    def encode(name: str, value: Any) -> str:
        if value not in allowed:
            raise _bad(name, value, "one of " + ", ".join(map(repr, allowed)))
        return value  # type: ignore[no-any-return]

    return encode


def choices(*allowed: str) -> Encoder:
    """One or several of the strings `allowed`: a list (a repeated query parameter)."""
    one = choice(*allowed)

    def encode(name: str, value: Any) -> list[str]:
        items = strings(name, value)
        if not items:
            raise _bad(name, value, "at least one of " + ", ".join(map(repr, allowed)))
        return [one(name, item) for item in items]

    return encode


def text(name: str, value: Any) -> str:
    """A string without control characters."""
    if not isinstance(value, str) or any(ord(c) < 32 for c in value):
        raise _bad(name, value, "a string without control characters")
    return value


def secret(name: str, value: Any) -> str:
    """A string that is a credential: checked like `text`, never echoed in an error."""
    if not isinstance(value, str) or any(ord(c) < 32 for c in value):
        raise InvalidOption(f"option {name!r}: expected a string without control characters")
    return value


def strings(name: str, value: Any) -> list[str]:
    """A list of strings (a single string is a list of one)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _bad(name, value, "a list of strings")
    return list(value)


def mapping_of_strings(name: str, value: Any) -> dict[str, str]:
    """A dict (or (key, value) pairs) of strings."""
    items = value.items() if isinstance(value, Mapping) else value
    try:
        result = {k: v for k, v in items}
    except (TypeError, ValueError):
        raise _bad(name, value, "a dict of strings") from None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in result.items()):
        raise _bad(name, value, "a dict of strings")
    return result


def timestamp(name: str, value: Any) -> str:
    """A time as the docker CLI reads it (unix seconds, "10m", RFC 3339, datetime),
    converted to the unix seconds the daemon reads (see `nkdocker_actors.times`)."""
    return time_value(name, value)


def filters(name: str, value: Any) -> str:
    """Filters as the API wants them: a JSON map of name to list of values."""
    if not isinstance(value, Mapping):
        raise _bad(name, value, "a dict of filter name to value(s)")
    encoded: dict[str, list[str]] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise _bad(name, value, "string filter names")
        values = item if isinstance(item, list | tuple) else [item]
        out = []
        for v in values:
            if isinstance(v, bool):
                out.append("true" if v else "false")
            elif isinstance(v, int | str):
                out.append(str(v))
            else:
                raise _bad(name, value, "filter values that are strings, ints or bools")
        encoded[key] = out
    return json.dumps(encoded, separators=(",", ":"))


def json_value(name: str, value: Any) -> Any:
    """Anything JSON can carry."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        # Never echo the value: a raw body may hold credentials.
        raise InvalidOption(
            f"option {name!r}: a {type(value).__name__} that JSON cannot carry"
        ) from None
    return value


def signal(name: str, value: Any) -> str:
    """A signal name ("SIGKILL", "HUP") or number."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65:
        return str(value)
    if isinstance(value, str) and value.isalnum() and value.upper() == value:
        return value
    raise _bad(name, value, "a signal name like 'SIGKILL' or a number")


def ident(kind: str) -> Encoder:
    """An identifier of `kind` (container, image, exec, network, volume, repo, tag)."""

    def encode(name: str, value: Any) -> str:
        return identifiers.check(kind, value)

    return encode


def idents(kind: str) -> Encoder:
    """One identifier of `kind` or a list of them: a list."""

    def encode(name: str, value: Any) -> list[str]:
        return [identifiers.check(kind, item) for item in strings(name, value)]

    return encode


_PLATFORM_KEYS = ("architecture", "os", "os.version", "os.features", "variant")


def oci_platform(name: str, value: Any) -> str:
    """An OCI platform as JSON text: "linux/amd64[/v8]" or a dict of its fields."""
    if isinstance(value, str):
        parts = value.split("/")
        if not 2 <= len(parts) <= 3 or not all(p and p.isprintable() for p in parts):
            raise _bad(name, value, '"os/architecture[/variant]" or an OCI platform dict')
        value = dict(zip(("os", "architecture", "variant"), parts, strict=False))
    if not isinstance(value, Mapping) or not value or set(value) - set(_PLATFORM_KEYS):
        raise _bad(name, value, "an OCI platform dict with keys among " + ", ".join(_PLATFORM_KEYS))
    for key, item in value.items():
        ok = isinstance(item, str) or (
            key == "os.features"
            and isinstance(item, list)
            and all(isinstance(f, str) for f in item)
        )
        if not ok:
            raise _bad(name, value, f"{key!r} as a string")
    return json.dumps(dict(value), separators=(",", ":"))


def oci_platforms(name: str, value: Any) -> list[str]:
    """One OCI platform or a list of them, each as JSON text (a repeated query parameter)."""
    items = value if isinstance(value, list | tuple) else [value]
    if not items:
        raise _bad(name, value, "at least one platform")
    return [oci_platform(name, item) for item in items]


def console_size(name: str, value: Any) -> list[int]:
    """A TTY size as (height, width), both > 0."""
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 65536 for v in value)
    ):
        raise _bad(name, value, "(height, width), two integers from 1 to 65535")
    return list(value)


def privileges(name: str, value: Any) -> list[dict[str, Any]]:
    """Plugin privileges as GET /plugins/privileges lists them: [{Name, Description, Value}]."""
    expected = "a list of {'Name', 'Description', 'Value': [str]} (as plugin_privileges gives)"
    if not isinstance(value, list | tuple):
        raise _bad(name, value, expected)
    out = []
    for item in value:
        if (
            not isinstance(item, Mapping)
            or set(item) - {"Name", "Description", "Value"}
            or not isinstance(item.get("Name"), str)
            or not isinstance(item.get("Description", ""), str)
            or not all(isinstance(v, str) for v in strings(name, item.get("Value", [])))
        ):
            raise _bad(name, value, expected)
        out.append({"Description": "", "Value": [], **item})
    return out


def json_text(encode: Encoder) -> Encoder:
    """A value checked by `encode`, sent as JSON text (for query parameters)."""
    return lambda name, value: json.dumps(encode(name, value))


_CREDENTIALS = ("username", "password", "email", "serveraddress", "identitytoken")


def credentials(name: str, value: Any) -> dict[str, str]:
    """Registry credentials: a dict of strings keyed by some of `_CREDENTIALS`.

    A bad value is never echoed: it holds a password.
    """
    if not isinstance(value, Mapping):
        raise InvalidOption(f"option {name!r} must be a dict of credentials")
    if set(value) - set(_CREDENTIALS):
        raise InvalidOption(f"option {name!r}: credentials take only {_CREDENTIALS}")
    return {key: secret(f"{name}.{key}", item) for key, item in value.items()}


def registry_auth(name: str, value: Any) -> str:
    """Registry credentials as X-Registry-Auth: base64url JSON (a str is sent as given)."""
    if isinstance(value, str):
        return secret(name, value)  # already encoded: an identity token or a prepared header
    return base64.urlsafe_b64encode(json.dumps(credentials(name, value)).encode()).decode()


def data(name: str, value: Any) -> Body:
    """A request body: bytes, an iterable of bytes, or a binary file."""
    if isinstance(value, bytes | bytearray) or hasattr(value, "read"):
        return value  # type: ignore[no-any-return]
    if isinstance(value, Iterable) and not isinstance(value, str | Mapping):
        return value
    raise _bad(name, value, "bytes, an iterable of bytes or a binary file")


def local_file(name: str, value: Any) -> str | IO[bytes]:
    """A file path (str or os.PathLike) or a writable binary file."""
    if isinstance(value, str | os.PathLike):
        path = os.fspath(value)
        if not isinstance(path, str):
            raise _bad(name, value, "a file path as str")
        # Checked here, so the daemon never does all the work for a file that cannot be written.
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise InvalidOption(f"option {name!r}: {path!r} is a folder, not a file")
        if not os.path.isdir(folder):
            raise InvalidOption(f"option {name!r}: no folder {folder!r} to write {path!r} in")
        writable = os.access(path, os.W_OK) if os.path.exists(path) else os.access(folder, os.W_OK)
        if not writable:
            raise InvalidOption(f"option {name!r}: {path!r} is not writable")
        return path
    if hasattr(value, "write"):
        return value  # type: ignore[no-any-return]
    raise _bad(name, value, "a file path or a writable binary file")


# -- reply decoders -----------------------------------------------------------------


def json_reply(head: ResponseHead, body: bytes, ctx: Context) -> Any:
    """The JSON body, or None when empty."""
    return json.loads(body) if body.strip() else None


def none_reply(head: ResponseHead, body: bytes, ctx: Context) -> None:
    """Nothing (204 and friends)."""
    return None


def text_reply(head: ResponseHead, body: bytes, ctx: Context) -> str:
    """The body as text."""
    return body.decode("utf-8", "replace")


def bytes_reply(head: ResponseHead, body: bytes, ctx: Context) -> bytes:
    """The body as bytes."""
    return body


def json_stream_reply(head: ResponseHead, body: bytes, ctx: Context) -> list[Any]:
    """A JSON stream read to its end: every item. A progress stream's error raises."""
    from ..http11 import JsonLines

    lines = JsonLines()
    items = [*lines.feed(body), *lines.finish()]
    for item in items:
        raise_for_progress_error(item)
    return items


def raise_for_progress_error(item: Any) -> None:
    """A progress stream (build, pull, push) reports failure in-band: raise it, typed."""
    if isinstance(item, dict) and item.get("error"):
        message = str(item.get("error"))
        raise error_for_status(_registry_status(500, message), message)


def headers_reply(head: ResponseHead, body: bytes, ctx: Context) -> dict[str, str]:
    """The reply's headers, names in lower case (a HEAD request has nothing else)."""
    return dict(head.headers)


def list_reply(head: ResponseHead, body: bytes, ctx: Context) -> list[Any]:
    """A JSON list; the daemon's `null` (nothing to list) is []."""
    return (json.loads(body) or []) if body.strip() else []


def output_reply(head: ResponseHead, body: bytes, ctx: Context) -> list[Output]:
    """A container's output: de-multiplexed frames, or one stdout piece for a TTY."""
    if ctx.tty:
        return [Output("stdout", body)] if body else []
    decoder = FrameDecoder()
    pieces = decoder.feed(body)
    decoder.check_end()
    return [Output(stream, chunk) for stream, chunk in pieces]


# dockerd 20.10 reports a registry's refusal of credentials (login, pull, push) as a 500;
# these are its words for it, and the error becomes Unauthorized as it should.
_REGISTRY_REFUSED = re.compile(
    r"status: 401 Unauthorized|\bunauthorized: |no basic auth credentials", re.IGNORECASE
)


_PLAIN_TO_TLS = "Client sent an HTTP request to an HTTPS server"

# dockerd's words for a request on an API version outside its range (moby's
# versionUnsupportedError): a 400 that is no bad parameter but an unsupported daemon.
_VERSION_REFUSED = re.compile(r"^client version \S+ is too (?:old|new)\b")


def _registry_status(status: int, message: str) -> int:
    return 401 if status == 500 and _REGISTRY_REFUSED.search(message) else status


def raise_for_status(head: ResponseHead, body: bytes) -> None:
    """A DockerError for any answer that is not 1xx/2xx; redirects are errors too."""
    if head.status < 300:
        return
    message = body.decode("utf-8", "replace").strip()
    if head.content_type == "application/json":
        with contextlib.suppress(ValueError, AttributeError):
            message = str(json.loads(body).get("message", message))
    if head.status == 400 and message.startswith(_PLAIN_TO_TLS):
        # Go's TLS listener answers a plaintext request so: the fault is the transport.
        raise ConnectionFailed(f"this port speaks TLS ({message!r}): connect with TLS")
    if head.status in (301, 302, 303, 307, 308):
        location = head.headers.get("location", "")
        message = f"redirect to {location!r} refused" + (f": {message}" if message else "")
    if head.status == 400 and _VERSION_REFUSED.search(message):
        raise UnsupportedDaemon(f"the daemon refuses this API version: {message}")
    status = _registry_status(head.status, message)
    raise error_for_status(status, message or head.reason)


# -- building a request -------------------------------------------------------------


def build(
    command: Command,
    args: tuple[Any, ...],
    options: Mapping[str, Any],
    api: ApiVersion,
    streaming: bool = False,
) -> Prepared:
    """Check every argument and option and produce the request, or raise InvalidOption.

    `streaming` says a subscriber will receive the reply as messages.
    """
    name = command.name
    if not _applies(command.since_api, command.until_api, api):
        raise InvalidOption(f"{name} {_range(command.since_api, command.until_api, api)}")
    positional = command.params + command.optional
    if len(args) > len(positional):
        raise InvalidOption(f"{name} takes at most {len(positional)} positional argument(s)")
    values: dict[str, Any] = dict(command.defaults)
    if not streaming:
        values.update(command.sync_defaults)
    values.update((k, v) for k, v in zip(positional, args, strict=False) if v is not None)
    for key, value in options.items():
        if key in positional[: len(args)]:
            raise InvalidOption(f"{name}: {key!r} given twice")
        if value is not None:
            values[key] = value
    if streaming and command.stream is None:
        raise InvalidOption(f"{name} does not stream: it takes no subscriber")
    if not streaming and command.stream_when is not None and command.stream_when(values):
        raise InvalidOption(f"{name} with these options never ends: give it a subscriber")
    missing = [p for p in command.params if p not in values]
    if missing:
        raise InvalidOption(f"{name}: missing {', '.join(missing)}")
    accepted = command.fields.keys() | command.body_options
    unknown = sorted(set(values) - accepted)
    if unknown:
        raise InvalidOption(f"{name}: unknown option(s) {', '.join(map(repr, unknown))}")
    for key in values:
        spec = command.fields.get(key)
        if spec is not None and not _applies(spec.since_api, spec.until_api, api):
            where = _range(spec.since_api, spec.until_api, api)
            raise InvalidOption(f"{name}: option {key!r} {where}")
    if command.prepare is not None:
        command.prepare(values)  # folds options into others (e.g. a registry into a name)

    path = command.path
    query: list[tuple[str, str]] = []
    headers = list(command.headers)
    json_body: dict[str, Any] = {}
    raw_body: Body = None
    encoded: dict[str, Any] = {}
    for key, value in values.items():
        spec = command.fields.get(key)
        if spec is None:
            continue  # a body option: the body builder checks it
        result = spec.encode(key, value)
        encoded[key] = result
        if spec.place == "path":
            path = path.replace("{" + key + "}", identifiers.quote_segment(result))
        elif spec.place == "query":
            query.extend((spec.api, v) for v in (result if isinstance(result, list) else [result]))
        elif spec.place == "header":
            if not (isinstance(result, str) and result.isascii() and result.isprintable()):
                # Never echo it: header values carry credentials.
                raise InvalidOption(f"{name}: option {key!r} must be printable ASCII")
            headers.append((spec.api, result))
        elif spec.place == "body":
            json_body[spec.api] = result
        elif spec.place == "data":
            raw_body = result

    body: Body = raw_body
    if command.body is not None:
        body_input = {k: v for k, v in values.items() if k in command.body_options}
        body_input.update(
            {k: encoded[k] for k, s in command.fields.items() if k in encoded and s.place == "body"}
        )
        body, content_type = command.body(body_input, api)
        headers.append(("Content-Type", content_type))
    elif json_body or command.json_body:
        body = json.dumps(json_body).encode()
        headers.append(("Content-Type", "application/json"))
    elif raw_body is not None and not any(h[0] == "Content-Type" for h in headers):
        headers.append(("Content-Type", "application/x-tar"))

    target = f"/v{api[0]}.{api[1]}{path}"
    if query:
        target += "?" + urlencode(query)
    upgrade = command.stream in ("hijack", "websocket")
    protocol, key = "tcp", ""
    if command.stream == "websocket":
        protocol = "websocket"
        handshake = handshake_headers()  # a fresh random key per request
        headers.extend(handshake)
        key = dict(handshake)["Sec-WebSocket-Key"]
    request = Request(command.method, target, tuple(headers), body, upgrade, protocol)
    tty_source = None
    if command.needs_tty:
        kind = next(k for k in _TTY_SOURCES if k in encoded)
        tty_source = _TTY_SOURCES[kind].format(identifiers.quote_segment(encoded[kind]))
    context = Context(api, encoded, tty=encoded.get("tty") is True, websocket_key=key)
    live = command.stream_when is None or command.stream_when(values)
    shareable = live and command.share_when is not None and command.share_when(values)
    return Prepared(command, request, context, tty_source, live, shareable)


# Where to read whether output is a TTY's, by the identifier a command names.
_TTY_SOURCES = {"container": "/containers/{}/json", "service": "/services/{}", "task": "/tasks/{}"}


def _applies(since: ApiVersion | None, until: ApiVersion | None, api: ApiVersion) -> bool:
    return (since is None or api >= since) and (until is None or api < until)


def _range(since: ApiVersion | None, until: ApiVersion | None, api: ApiVersion) -> str:
    talking = f"(talking API {api[0]}.{api[1]})"
    if since is not None and api < since:
        return f"needs API {since[0]}.{since[1]} or newer {talking}"
    assert until is not None
    return f"is gone since API {until[0]}.{until[1]} {talking}"


# -- shorthands for the tables ------------------------------------------------------


def in_path(kind: str) -> Field:
    """A path identifier of `kind`, named in the path template as {option name}."""
    return Field("path", encode=ident(kind))


def in_query(
    api: str,
    encode: Encoder = text,
    since: ApiVersion | None = None,
    until: ApiVersion | None = None,
) -> Field:
    """A query-string parameter (known from API `since`, gone at `until`)."""
    return Field("query", api, encode, since, until)


def in_body(api: str, encode: Encoder = json_value, since: ApiVersion | None = None) -> Field:
    """A member of the JSON body (known from API `since`)."""
    return Field("body", api, encode, since)


def in_header(api: str, encode: Encoder = text) -> Field:
    """A request header."""
    return Field("header", api, encode)


def as_data(encode: Encoder = data) -> Field:
    """The raw request body."""
    return Field("data", encode=encode)


def local(encode: Encoder = json_value) -> Field:
    """Used by the client itself, never sent."""
    return Field("local", encode=encode)


def pick(variants: tuple[Command, ...], api: ApiVersion) -> Command:
    """The variant of a command that applies at `api` (else the last, which `build` refuses)."""
    for command in variants:
        if _applies(command.since_api, command.until_api, api):
            return command
    return variants[-1]
