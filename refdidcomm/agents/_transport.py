"""DIDComm over HTTP on loopback: one endpoint server and one client, standard library only.

Spec: DIDComm Messaging v2 §"Transports", "HTTP(S)"
(decentralized-identity/didcomm-messaging ``docs/spec-files/transports.md``):

* "Messages are transported via HTTP POST." "The MIME Type for the POST
  request is set to the corresponding media type", i.e.
  ``application/didcomm-encrypted+json``, ``application/didcomm-signed+json``
  or ``application/didcomm-plain+json`` (§"IANA Media Types"); DIDComm v1
  envelopes travel as ``application/didcomm-envelope-enc`` (Aries RFC 0025
  §HTTP(S), RFC 0044).
* "A successful message receipt MUST return a code in the 2xx HTTP Status
  Code range. It is recommended that a HTTP POST should return a 202
  Accepted status code." Our endpoints answer ``202`` only after the
  message is stored (or, for a forward, accepted by the next hop): a 2xx is
  a promise.
* "DIDComm Transports serve only as message delivery. No information about
  the effects or results from a message is transmitted over the same
  connection." The bodies below say why *delivery* was refused, never what
  a message did.
* The size limit is what a receiver would announce as ``max_receive_bytes``
  (§"Agent Constraint Disclosure"); here it is a constructor argument.

Errors on the wire: every refusal carries a DIDComm v2 problem report
(``https://didcomm.org/report-problem/2.0/problem-report``, DIDComm v2
§"Problem Reports") as ``application/didcomm-plain+json``: ``400`` for
input that does not parse or does not check out, ``404`` for an unknown
path or consumer, ``411``/``413`` for a missing or too large body, ``415``
for a media type the path does not take, ``500`` when storage failed,
``507`` when a consumer's inbox is full,
``502`` when the next hop of a forward refused or could not be reached.
One format serves v1 and v2 senders alike; a plaintext report needs no
keys. Never a stack trace. Rules followed, and the one not:

* codes are ``e.p.<descriptor>`` with the spec's descriptors (``xfer``,
  ``msg``, ``req``, ``me.res.storage``) and our more specific tokens;
* "The text [of ``comment``] MUST be statically associated with ``code``":
  each code has one template in :data:`PROBLEM_COMMENTS`; the particulars
  go in ``args``, referenced as ``{1}``, ``{2}`` (:func:`interpolate`);
* "The ``pthid`` header MUST be included with problem reports. Its value is
  the ``thid`` of the thread in which the problem occurred." A transfer
  refused at the HTTP layer has no thread we could know (the message may
  not even decrypt), so these reports carry no ``pthid`` -- a deliberate
  deviation; they answer an HTTP request, not a DIDComm message.

Network code lives here and in the rest of :mod:`refdidcomm.agents` only;
the core library stays sans-I/O. Servers bind ``127.0.0.1`` on an
ephemeral port unless told otherwise.
"""

from __future__ import annotations

import http.client
import http.server
import re
import socket
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

from .._json import dumps_bytes, loads
from ..errors import MalformedMessage, RefDIDCommError, UsageError

__all__ = [
    "MEDIA_TYPE_ENCRYPTED",
    "MEDIA_TYPE_SIGNED",
    "MEDIA_TYPE_PLAIN",
    "MEDIA_TYPE_ENVELOPE_V1",
    "MEDIA_TYPE_JSON",
    "DIDCOMM_MEDIA_TYPES",
    "PROBLEM_REPORT_TYPE",
    "DEFAULT_MAX_BODY",
    "DEFAULT_TIMEOUT",
    "TransportError",
    "HTTPProblem",
    "Request",
    "Response",
    "PROBLEM_COMMENTS",
    "problem_report",
    "problem_response",
    "interpolate",
    "media_type_of",
    "HTTPEndpoint",
    "post",
    "get",
    "json_body",
]

# DIDComm v2 §"IANA Media Types".
MEDIA_TYPE_ENCRYPTED = "application/didcomm-encrypted+json"
MEDIA_TYPE_SIGNED = "application/didcomm-signed+json"
MEDIA_TYPE_PLAIN = "application/didcomm-plain+json"
# Aries RFC 0044 §"DIDComm v1 Encrypted Envelope (*.dee)"; RFC 0025 §HTTP(S).
MEDIA_TYPE_ENVELOPE_V1 = "application/didcomm-envelope-enc"
# The consumer endpoint's own requests and answers are not DIDComm messages.
MEDIA_TYPE_JSON = "application/json"
DIDCOMM_MEDIA_TYPES = frozenset({MEDIA_TYPE_ENCRYPTED, MEDIA_TYPE_SIGNED, MEDIA_TYPE_PLAIN, MEDIA_TYPE_ENVELOPE_V1})

PROBLEM_REPORT_TYPE = "https://didcomm.org/report-problem/2.0/problem-report"

#: code -> the static ``comment`` template ("statically associated with code").
PROBLEM_COMMENTS: Mapping[str, str] = {
    "e.p.xfer.bad-request": "The HTTP request was refused: {1} {2}.",
    "e.p.xfer.length-required": "Send the message as a body with Content-Length ({1}).",
    "e.p.xfer.bad-length": "Content-Length is not a decimal number.",
    "e.p.xfer.too-large": "A body of {1} bytes exceeds the limit of {2} bytes.",
    "e.p.xfer.unsupported-media-type": "Media type {1} is not taken here; send {2}.",
    "e.p.xfer.not-found": "Nothing is served at {1} {2}.",
    "e.p.xfer.cant-forward": "Unable to pass the message on to {1}: {2}",
    "e.p.msg.malformed": "Bad message: {1}",
    "e.p.msg.unroutable": "Cannot route to {1}: {2}",
    "e.p.req.unknown-consumer": "No consumer {1} is registered here.",
    "e.p.me.res.storage": "Storage failed: {1}",
    "e.p.me.res.storage.full": "The inbox of consumer {1} is full; fetch and acknowledge first.",
}

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB: far above any message of the demo, far below memory trouble
DEFAULT_TIMEOUT = 5.0  # seconds, per HTTP request
# A body over the limit is read and dropped up to this many bytes so that the
# client, still writing, gets the 413 rather than a reset connection; beyond
# it the server answers and closes.
_DRAIN_LIMIT = 8 << 20
_DRAIN_CHUNK = 64 << 10


class TransportError(RefDIDCommError):
    """A message could not be delivered: the peer is unreachable or refused it.

    Attributes:
        url: the URL that was tried.
        status: the HTTP status the peer answered, or ``None`` if there was
            no answer (refused, reset, timed out).
        problem: the peer's problem report, if it sent one.
    """

    def __init__(self, message: str, *, url: str, status: Optional[int] = None, problem: Optional[Dict[str, Any]] = None) -> None:
        self.url = url
        self.status = status
        self.problem = problem
        super().__init__(message)


class HTTPProblem(RefDIDCommError):
    """Raised by a request handler to refuse a request with a problem report.

    Attributes:
        status: the HTTP status to answer with.
        code: the problem code (``e.p.<descriptor>``); its comment is
            :data:`PROBLEM_COMMENTS` ``[code]`` unless ``comment`` is given.
        args: the values for the comment's ``{1}``, ``{2}``, ...
        comment: the static comment template.
    """

    def __init__(self, status: int, code: str, *args: str, comment: Optional[str] = None) -> None:
        self.status = status
        self.code = code
        self.args_ = tuple(str(a) for a in args)
        self.comment = comment if comment is not None else PROBLEM_COMMENTS.get(code, "")
        super().__init__(f"{status} {code}: {interpolate(self.comment, self.args_)}")


@dataclass(frozen=True)
class Request:
    """One received HTTP request, body already read and size-checked.

    Attributes:
        method: ``"GET"`` or ``"POST"``.
        path: the request path without the query.
        query: the raw query string (may be empty).
        media_type: the ``Content-Type`` essence, lower-case, no parameters
            (empty if absent).
        body: the request body (``b""`` for GET).
    """

    method: str
    path: str
    query: str
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Response:
    """An HTTP answer, from a handler or from a peer.

    Attributes:
        status: the HTTP status code.
        media_type: the ``Content-Type`` essence (empty if none).
        body: the body bytes.
    """

    status: int
    media_type: str = ""
    body: bytes = b""


def media_type_of(content_type: Optional[str]) -> str:
    """The essence of a ``Content-Type`` value: type/subtype, lower-case, parameters dropped.

    RFC 9110 §8.3.1: "The type and subtype tokens are case-insensitive".
    """
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def interpolate(comment: str, args: Sequence[Any]) -> str:
    """A problem report's comment with its args filled in, for humans.

    Spec: DIDComm v2 §"Problem Reports": args "are referenced as {1}, {2},
    and so forth"; "Missing or null args MUST be replaced with a question
    mark character (?) during interpolation; extra args MUST be appended to
    the main text as comma-separated values."
    """
    used = set()

    def fill(match: "re.Match[str]") -> str:
        index = int(match.group(1))
        used.add(index)
        value = args[index - 1] if 1 <= index <= len(args) else None
        return "?" if value is None else str(value)

    text = re.sub(r"\{(\d+)\}", fill, comment)
    extra = [str(a) for i, a in enumerate(args, 1) if i not in used and a is not None]
    return ", ".join([text, *extra]) if extra else text


def problem_report(code: str, comment: Optional[str] = None, args: Sequence[Any] = (), *, pthid: Optional[str] = None) -> Dict[str, Any]:
    """A DIDComm v2 problem report, plaintext.

    Args:
        code: ``e.p.<descriptor>`` (DIDComm v2 §"Problem Codes").
        comment: the static template (default: :data:`PROBLEM_COMMENTS` ``[code]``).
        args: the situation-specific values for ``{1}``, ``{2}``, ...
        pthid: the thread the problem occurred in, when known.

    Returns:
        ``{"type", "id", "body": {"code", "comment"[, "args"]}}`` (+ ``pthid``).

    Raises:
        UsageError: no comment given for a code outside :data:`PROBLEM_COMMENTS`.

    Spec: DIDComm v2 §"Problem Reports" (see the module docstring for ``pthid``).
    """
    if comment is None:
        if code not in PROBLEM_COMMENTS:
            raise UsageError(f"no static comment for problem code {code!r}")
        comment = PROBLEM_COMMENTS[code]
    body: Dict[str, Any] = {"code": code, "comment": comment}
    if args:
        body["args"] = [str(a) for a in args]
    report: Dict[str, Any] = {"type": PROBLEM_REPORT_TYPE, "id": str(uuid.uuid4()), "body": body}
    if pthid is not None:
        report["pthid"] = pthid
    return report


def problem_response(status: int, code: str, *args: Any, comment: Optional[str] = None) -> Response:
    """A :class:`Response` carrying :func:`problem_report` as ``application/didcomm-plain+json``."""
    return Response(status, MEDIA_TYPE_PLAIN, dumps_bytes(problem_report(code, comment, args)))


Handler = Callable[[Request], Response]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True
    # Set by HTTPEndpoint before serving.
    app: Handler
    max_body: int

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A peer that hung up mid-request is the network's business, not a
        # traceback on our stderr. Handler bugs cannot reach here: every
        # response path is in _RequestHandler._respond_to.
        return


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "refdidcomm"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return  # quiet: the demo narrates on its own

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        # http.server's own refusals (bad request line, unsupported method,
        # header too long) answer with a problem report too, not its HTML page.
        comment = message or self.responses.get(code, ("error",))[0]
        # A request line that did not parse leaves http.server assuming HTTP/0.9,
        # which has no status line; nobody speaks 0.9, so answer in 1.1.
        self.request_version = "HTTP/1.1"
        try:
            self._send(problem_response(code, "e.p.xfer.bad-request", code, comment), close=True)
        except OSError:
            self.close_connection = True

    def _send(self, response: Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        if response.media_type:
            self.send_header("Content-Type", response.media_type)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> Tuple[Optional[bytes], Optional[Response], bool]:
        """(body, refusal, close): the body, or a refusal to send instead."""
        if self.headers.get("Transfer-Encoding"):
            # RFC 9112 §6.1; we take only Content-Length bodies.
            return None, problem_response(411, "e.p.xfer.length-required", "Transfer-Encoding is not supported"), True
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return None, problem_response(411, "e.p.xfer.length-required", "Content-Length is missing"), True
        if not length_text.isdigit():
            return None, problem_response(400, "e.p.xfer.bad-length", "Content-Length is not a decimal number"), True
        length = int(length_text)
        if length > self.server.max_body:
            self._drain(length)
            return None, problem_response(413, "e.p.xfer.too-large", length, self.server.max_body), True
        body = self.rfile.read(length)
        if len(body) != length:
            return None, None, True  # the peer hung up mid-body: nobody to answer
        return body, None, False

    def _drain(self, length: int) -> None:
        remaining = min(length, _DRAIN_LIMIT)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, _DRAIN_CHUNK))
            if not chunk:
                return
            remaining -= len(chunk)

    def _dispatch(self, method: str, body: bytes) -> Response:
        path, _, query = self.path.partition("?")
        request = Request(method, path, query, media_type_of(self.headers.get("Content-Type")), body)
        try:
            return self.server.app(request)
        except HTTPProblem as problem:
            return problem_response(problem.status, problem.code, *problem.args_, comment=problem.comment)
        except RefDIDCommError as exc:
            # Any check of the peer's input that failed: MalformedMessage,
            # DecryptionError ("decryption failed", nothing more), UsageError
            # from a value the peer chose, ...
            return problem_response(400, "e.p.msg.malformed", str(exc))

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        try:
            self._send(self._dispatch("GET", b""))
        except OSError:
            self.close_connection = True

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        try:
            body, refusal, close = self._read_body()
            if refusal is not None:
                self._send(refusal, close=close)
                return
            if body is None:
                self.close_connection = True
                return
            self._send(self._dispatch("POST", body))
        except OSError:
            self.close_connection = True


class HTTPEndpoint:
    """A threaded HTTP server on loopback that hands each request to ``app``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`::

        with HTTPEndpoint(app) as ep:
            post(ep.url + "/path", body, MEDIA_TYPE_PLAIN)

    Args:
        app: ``Request -> Response``; may raise :class:`HTTPProblem` or any
            :class:`~refdidcomm.errors.RefDIDCommError` (answered 400).
        host: interface to bind (default ``127.0.0.1``).
        port: port (default 0: an ephemeral one).
        max_body: the largest request body accepted, in bytes.

    Raises:
        UsageError: ``max_body`` is not a positive int.
        OSError: the address cannot be bound.
    """

    def __init__(self, app: Handler, *, host: str = "127.0.0.1", port: int = 0, max_body: int = DEFAULT_MAX_BODY) -> None:
        if not isinstance(max_body, int) or isinstance(max_body, bool) or max_body < 1:
            raise UsageError("max_body must be a positive int")
        self._server = _Server((host, port), _RequestHandler)
        self._server.app = app
        self._server.max_body = max_body
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        """``http://host:port``, no trailing slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._server.server_address[1])

    def start(self) -> "HTTPEndpoint":
        """Serve in a daemon thread; returns self."""
        if self._thread is not None:
            raise UsageError("endpoint already started")
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wait for the request threads, close the socket. Idempotent."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=DEFAULT_TIMEOUT)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "HTTPEndpoint":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _problem_text(report: Mapping[str, Any]) -> str:
    body = report.get("body", {})
    comment, args = body.get("comment"), body.get("args", [])
    if not isinstance(comment, str):
        return ""
    return interpolate(comment, args if isinstance(args, list) else [])


def _problem_of(response: Response) -> Optional[Dict[str, Any]]:
    if response.media_type != MEDIA_TYPE_PLAIN:
        return None
    try:
        report = loads(response.body)
    except MalformedMessage:
        return None
    if isinstance(report, dict) and report.get("type") == PROBLEM_REPORT_TYPE and isinstance(report.get("body"), dict):
        return report
    return None


def _request(url: str, *, data: Optional[bytes], content_type: Optional[str], timeout: float) -> Response:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise UsageError(f"not an http(s) URL: {url!r}")
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise UsageError("timeout must be a positive number of seconds")
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) checked above
            return Response(answer.status, media_type_of(answer.headers.get("Content-Type")), answer.read())
    except urllib.error.HTTPError as error:
        with error:
            body = error.read()
        response = Response(error.code, media_type_of(error.headers.get("Content-Type")), body)
        problem = _problem_of(response)
        why = f": {problem['body'].get('code')}: {_problem_text(problem)}" if problem else ""
        raise TransportError(f"{url} refused the message with HTTP {error.code}{why}", url=url, status=error.code, problem=problem) from None
    except urllib.error.URLError as error:
        raise TransportError(f"{url} is unreachable: {error.reason}", url=url) from None
    except (socket.timeout, TimeoutError):
        raise TransportError(f"{url} did not answer within {timeout} s", url=url) from None
    except (ConnectionError, http.client.HTTPException) as error:
        raise TransportError(f"{url}: connection failed ({type(error).__name__})", url=url) from None


def post(url: str, body: bytes, media_type: str, *, timeout: float = DEFAULT_TIMEOUT) -> Response:
    """POST a message; return the answer if it is 2xx.

    Args:
        url: an ``http://`` or ``https://`` URL.
        body: the packed message.
        media_type: its media type (``Content-Type``).
        timeout: seconds to wait for the answer.

    Returns:
        The peer's 2xx :class:`Response`.

    Raises:
        TransportError: unreachable, timed out, or a non-2xx answer (with the
            peer's problem report, if any).
        UsageError: bad URL, body or timeout.

    Spec: DIDComm v2 §"HTTPS": "Messages are transported via HTTP POST".
    """
    if not isinstance(body, (bytes, bytearray)):
        raise UsageError("body must be bytes")
    if not isinstance(media_type, str) or not media_type:
        raise UsageError("media_type must be a non-empty str")
    return _request(url, data=bytes(body), content_type=media_type, timeout=timeout)


def get(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> Response:
    """GET ``url``; return the answer if it is 2xx (else :class:`TransportError`)."""
    return _request(url, data=None, content_type=None, timeout=timeout)


def json_body(response: Response, *, field: str = "response") -> Mapping[str, Any]:
    """The JSON object in a response body.

    Raises:
        MalformedMessage: not JSON, or not an object.
    """
    value = loads(response.body, field=field)
    if not isinstance(value, dict):
        raise MalformedMessage("must be a JSON object", field)
    return value
