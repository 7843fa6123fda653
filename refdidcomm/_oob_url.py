"""Out-of-band invitation URLs: every form in circulation, in and out.

What the specs say:

* Aries RFC 0434 §"Standard Out-of-Band Message Encoding":
  ``https://<domain>/<path>?oob=<outofbandMessage>``, the message
  "Base64Url encoded"; "Additional path elements or query parameters are
  allowed"; §"Out-of-Band Message Processing": "the base64url decode
  implementation used **MUST** correctly decode padded and unpadded
  base64URL encoded data". §"URL Shortening": a shortened URL is fetched
  with HTTP GET and "**SHOULD** include an ``Accept`` header requesting the
  ``application/json`` MIME type"; the answer is the invitation JSON with
  status 200 or a 301/302 with a ``Location`` header naming the long URL;
  §"URL Shortening Caveats": a client that followed the redirect may get a
  200 whose body is such a URL.
* Aries RFC 0160 §"Standard Invitation Encoding": ``?c_i=`` (connection
  invitations).
* Aries RFC 0268 §"Message Requirements": ``?d_m=`` ("DIDCOMM message",
  "base64 encoded"), the ``didcomm://`` scheme, and its own example URL has
  no scheme at all (``www.acmecorp.com/invite?d_m=XXXXX``).
* DIDComm v2 §"Out Of Band Messages": ``https://<domain>/<path>?_oob=``,
  base64url; §"Short URL Message Retrieval": ``?_oobid=<guid>`` is fetched
  with HTTP GET.

What is tolerated on decoding, and reported by name in
:attr:`Payload.tolerated` (:data:`TOLERANCES`): padding, the standard base64
alphabet, percent-escapes in the value (``%3D``), spaces that a form decoder
made of ``+``, the legacy parameters ``c_i`` and ``d_m``, a custom scheme, no
scheme, the parameter after ``#`` (single-page-app routes), surrounding
whitespace, a bare base64 blob or raw JSON pasted instead of a URL, and a
shortened URL fetched through the caller's fetcher. Still rejected: anything
the lenient base64 decoder rejects (mixed alphabets, bad padding, non-zero
pad bits, other characters), two different invitation values in one URL,
bad percent-escapes, and anything over the size limit.

Sans-I/O: shortened URLs are fetched by a callable the caller passes
(:data:`Fetcher`); this module never opens a connection. The bytes of the
invitation are returned exactly as decoded -- nothing is re-serialised.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

from .encoding import b64_decode_lenient, b64url_encode
from .errors import MalformedInvitation, MalformedMessage, UsageError

__all__ = [
    "INVITATION_PARAMETERS",
    "LEGACY_PARAMETERS",
    "SHORT_URL_PARAMETER",
    "MAX_INVITATION_BYTES",
    "TOLERANCES",
    "Fetcher",
    "FetchResponse",
    "Payload",
    "extract_payload",
    "encode_url",
]

# Query parameters that carry an invitation, in order of preference.
INVITATION_PARAMETERS = ("oob", "_oob", "c_i", "d_m")  # RFC 0434, DIDComm v2, RFC 0160, RFC 0268
LEGACY_PARAMETERS = frozenset({"c_i", "d_m"})
SHORT_URL_PARAMETER = "_oobid"  # DIDComm v2 §Short URL Message Retrieval

# Our limit (no spec sets one): an invitation is meant to fit a QR code, whose
# largest version holds 2953 bytes; 64 KiB leaves room for attached requests
# while bounding the work done on hostile input.
MAX_INVITATION_BYTES = 64 * 1024
MAX_REDIRECTS = 3

TOLERANCES = {
    "padding": "base64 padding '=' (RFC 0434 asks decoders to accept it)",
    "standard-alphabet": "standard base64 alphabet '+/' instead of base64url '-_'",
    "percent-escapes": "percent-escapes in the parameter value (e.g. %3D for '=')",
    "plus-as-space": "spaces in the value, read back as the '+' a form decoder turned into them",
    "legacy-parameter": "legacy parameter c_i (RFC 0160) or d_m (RFC 0268)",
    "custom-scheme": "a scheme other than http/https (e.g. didcomm://)",
    "missing-scheme": "a URL without a scheme (as in RFC 0268's example)",
    "parameter-in-fragment": "the parameter after '#' instead of in the query",
    "surrounding-whitespace": "whitespace around the text",
    "bare-base64": "a base64 blob pasted without a URL",
    "raw-json": "JSON pasted instead of a URL",
    "short-url": "a shortened URL, fetched through the caller's fetcher",
}

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_=-]+")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchResponse(NamedTuple):
    """What a :data:`Fetcher` returns (any ``(status, headers, body)`` triple will do).

    Attributes:
        status: the HTTP status code.
        headers: the response headers (a mapping or a list of pairs; names
            are compared case-insensitively).
        body: the response body.
    """

    status: int
    headers: Any
    body: bytes


# fetch(url, request_headers) -> (status, headers, body). It must NOT follow
# redirects itself if it wants the Location handled here; if it does follow
# them, a 200 with the long URL or the JSON in the body is handled too.
Fetcher = Callable[[str, Mapping[str, str]], Any]


class Payload(NamedTuple):
    """The invitation bytes found in a URL (or blob), and how they were found.

    Attributes:
        data: the invitation's JSON bytes exactly as decoded.
        parameter: ``"oob"``, ``"_oob"``, ``"c_i"``, ``"d_m"``, or ``None``
            for a bare blob, raw JSON or a JSON body of a short URL.
        url: the URL the invitation came from (after any short-URL hops),
            or ``None`` for a bare blob or raw JSON.
        tolerated: names from :data:`TOLERANCES`, in the order met.
        fetched: every URL fetched on the way, in order.
        base64_alphabet: ``"url"`` or ``"standard"`` (``None`` if no base64).
        padded: whether base64 padding was present.
    """

    data: bytes
    parameter: Optional[str]
    url: Optional[str]
    tolerated: Tuple[str, ...]
    fetched: Tuple[str, ...]
    base64_alphabet: Optional[str]
    padded: bool


def _max_text_length(max_size: int) -> int:
    """Longest text worth looking at: base64 of max_size bytes, every character percent-escaped, plus a URL."""
    return 3 * (4 * ((max_size + 2) // 3)) + 8192


def _percent_decode(value: str, field: str) -> bytes:
    """RFC 3986 §2.1 percent-decoding; a '%' not followed by two hex digits is an error."""
    out = bytearray()
    i = 0
    raw = value.encode("utf-8")
    while i < len(raw):
        byte = raw[i]
        if byte == 0x25:  # '%'
            pair = raw[i + 1 : i + 3]
            if len(pair) != 2 or not all(c in b"0123456789abcdefABCDEF" for c in pair):
                raise MalformedInvitation("bad percent-escape (RFC 3986 §2.1: '%' HEXDIG HEXDIG)", field)
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(byte)
            i += 1
    return bytes(out)


def _decode_base64(value: bytes, field: str, max_size: int, tolerated: List[str]) -> Tuple[bytes, str, bool]:
    """Lenient base64 -> bytes, with the size limit and tolerances recorded."""
    if len(value) > 4 * ((max_size + 2) // 3) + 2:
        raise MalformedInvitation(f"invitation larger than the {max_size}-byte limit", field)
    try:
        decoded = b64_decode_lenient(value)
    except MalformedMessage as exc:
        raise MalformedInvitation(f"not base64: {exc.reason}", field) from None
    if len(decoded.data) > max_size:
        raise MalformedInvitation(f"invitation larger than the {max_size}-byte limit", field)
    if decoded.padded:
        tolerated.append("padding")
    if decoded.alphabet == "standard":
        tolerated.append("standard-alphabet")
    return decoded.data, decoded.alphabet, decoded.padded


def _query_pairs(query: str) -> List[Tuple[str, str]]:
    """Split a query on '&' into (name, raw value) pairs; names are percent-decoded."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote(name), value))
    return pairs


class _Found(NamedTuple):
    parameter: Optional[str]  # invitation parameter, or SHORT_URL_PARAMETER, or None
    value: str


def _find_parameter(url: str, tolerated: List[str]) -> _Found:
    """Find the invitation (or short-URL) parameter of a URL, in the query or else the fragment."""
    before_fragment, _, fragment = url.partition("#")
    _, has_query, query = before_fragment.partition("?")
    for where, text in (("query", query if has_query else None), ("fragment", fragment)):
        if text is None:
            continue
        if where == "fragment":
            text = text.partition("?")[2] or text
        values: Dict[str, List[str]] = {}
        for name, value in _query_pairs(text):
            if name in INVITATION_PARAMETERS or name == SHORT_URL_PARAMETER:
                values.setdefault(name, []).append(value)
        found = [name for name in INVITATION_PARAMETERS if name in values]
        if found:
            distinct = {value for name in found for value in values[name]}
            if len(distinct) > 1:
                raise MalformedInvitation(
                    f"the URL carries more than one invitation ({', '.join(found)}) with different values", "url"
                )
            if where == "fragment":
                tolerated.append("parameter-in-fragment")
            return _Found(found[0], values[found[0]][0])
        if SHORT_URL_PARAMETER in values:
            return _Found(SHORT_URL_PARAMETER, values[SHORT_URL_PARAMETER][0])
    return _Found(None, "")


def _header(headers: Any, name: str) -> Optional[str]:
    """Case-insensitive header lookup in a mapping or a list of pairs."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    try:
        for key, value in items:
            if isinstance(key, str) and key.lower() == name.lower():
                return str(value)
    except (TypeError, ValueError):
        raise UsageError("fetcher headers must be a mapping or a list of (name, value) pairs") from None
    return None


def _response(result: Any) -> FetchResponse:
    """Accept a FetchResponse, any (status, headers, body) triple, or an object with those attributes."""
    if all(hasattr(result, a) for a in ("status", "headers", "body")):
        status, headers, body = result.status, result.headers, result.body
    elif isinstance(result, (tuple, list)) and len(result) == 3:
        status, headers, body = result
    else:
        raise UsageError("the fetcher must return (status, headers, body)")
    if isinstance(status, bool) or not isinstance(status, int):
        raise UsageError("the fetcher's status must be an int")
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise UsageError("the fetcher's body must be bytes")
    return FetchResponse(status, headers if headers is not None else {}, bytes(body))


def _fetch(url: str, fetch: Fetcher, max_size: int, hops: int, state: "_State") -> Payload:
    """Resolve a shortened URL (RFC 0434 §URL Shortening, DIDComm v2 §Short URL Message Retrieval)."""
    if hops > MAX_REDIRECTS:
        raise MalformedInvitation(f"more than {MAX_REDIRECTS} short-URL hops", "url")
    state.fetched.append(url)
    if "short-url" not in state.tolerated:
        state.tolerated.append("short-url")
    # RFC 0434: "The agent **SHOULD** include an `Accept` header requesting the `application/json` MIME type."
    response = _response(fetch(url, {"Accept": "application/json"}))
    if response.status in _REDIRECTS:
        location = (_header(response.headers, "Location") or "").strip()
        if not location:
            raise MalformedInvitation(f"HTTP {response.status} without a Location header", "url")
        return _parse(urllib.parse.urljoin(url, location), fetch, max_size, hops + 1, state)
    if response.status != 200:
        raise MalformedInvitation(f"fetching the short URL gave HTTP {response.status}", "url")
    if len(response.body) > max_size:
        raise MalformedInvitation(f"invitation larger than the {max_size}-byte limit", "url")
    content_type = (_header(response.headers, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type == "application/json" or response.body.lstrip()[:1] == b"{":
        # RFC 0434: "the sender MUST return the invitation in JSON format in the response body".
        return Payload(response.body, None, url, tuple(state.tolerated), tuple(state.fetched), None, False)
    # RFC 0434 §URL Shortening Caveats: a followed redirect "MAY contain a URL"; DIDComm v2 says the GET
    # retrieves "the associated encoded message", so a bare base64 body is read too.
    try:
        text = response.body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedInvitation("short-URL response is neither JSON nor text", "url") from None
    return _parse(text, fetch, max_size, hops + 1, state)


class _State:
    """Tolerances and fetched URLs collected across short-URL hops."""

    def __init__(self) -> None:
        self.tolerated: List[str] = []
        self.fetched: List[str] = []


def _parse(text: str, fetch: Optional[Fetcher], max_size: int, hops: int, state: _State) -> Payload:
    tolerated = state.tolerated
    # Trailing spaces after a query are kept: they may be '+' signs that a
    # form decoder turned into spaces (the last base64 characters).
    stripped = text.lstrip().rstrip("\t\r\n\f\v")
    if "?" not in stripped:
        stripped = stripped.rstrip()
    if stripped != text and "surrounding-whitespace" not in tolerated:
        tolerated.append("surrounding-whitespace")
    if not stripped:
        raise MalformedInvitation("empty", "url")
    if len(stripped) > _max_text_length(max_size):
        raise MalformedInvitation(f"invitation larger than the {max_size}-byte limit", "url")

    if stripped.startswith("{"):
        data = stripped.encode("utf-8")
        if len(data) > max_size:
            raise MalformedInvitation(f"invitation larger than the {max_size}-byte limit", "url")
        tolerated.append("raw-json")
        return Payload(data, None, None, tuple(tolerated), tuple(state.fetched), None, False)

    if _BASE64_TEXT.fullmatch(stripped) and not _SCHEME.match(stripped):
        tolerated.append("bare-base64")
        data, alphabet, padded = _decode_base64(stripped.encode("ascii"), "url", max_size, tolerated)
        return Payload(data, None, None, tuple(tolerated), tuple(state.fetched), alphabet, padded)

    scheme_match = _SCHEME.match(stripped)
    scheme = scheme_match.group(0)[:-1].lower() if scheme_match else None
    found = _find_parameter(stripped, tolerated)
    if found.parameter in INVITATION_PARAMETERS:
        if scheme is None:
            tolerated.append("missing-scheme")
        elif scheme not in ("http", "https"):
            tolerated.append("custom-scheme")
        if found.parameter in LEGACY_PARAMETERS:
            tolerated.append("legacy-parameter")
        field = found.parameter
        value = found.value
        if not value:
            raise MalformedInvitation("empty value", field)
        if "%" in value:
            tolerated.append("percent-escapes")
            raw = _percent_decode(value, field)
        else:
            raw = value.encode("utf-8")
        if b" " in raw:
            tolerated.append("plus-as-space")
            raw = raw.replace(b" ", b"+")
        data, alphabet, padded = _decode_base64(raw, field, max_size, tolerated)
        return Payload(data, found.parameter, stripped, tuple(tolerated), tuple(state.fetched), alphabet, padded)

    if found.parameter == SHORT_URL_PARAMETER:
        if fetch is None:
            raise UsageError(f"{stripped[:80]}... is a short URL ({SHORT_URL_PARAMETER}); decoding it needs a fetcher")
        return _fetch(stripped, fetch, max_size, hops, state)
    if scheme in ("http", "https") and fetch is not None:
        # RFC 0434 §URL Shortening: any URL without the oob parameter may be a shortened one.
        return _fetch(stripped, fetch, max_size, hops, state)
    raise MalformedInvitation(
        "no invitation parameter (oob, _oob, c_i, d_m) in the URL"
        + ("; if it is a shortened URL, pass a fetcher" if scheme in ("http", "https") else ""),
        "url",
    )


def extract_payload(text: str, *, fetch: Optional[Fetcher] = None, max_size: int = MAX_INVITATION_BYTES) -> Payload:
    """Find and decode the invitation bytes in a URL, a bare base64 blob, or raw JSON.

    Args:
        text: what the user scanned or pasted.
        fetch: optional ``fetch(url, request_headers) -> (status, headers,
            body)`` for shortened URLs; called with ``Accept:
            application/json``. Without it, short URLs cannot be decoded.
        max_size: the largest invitation accepted, in decoded bytes
            (default 65536).

    Returns:
        The :class:`Payload`: the JSON bytes exactly as decoded, and what was
        tolerated on the way.

    Raises:
        MalformedInvitation: no invitation found, not base64 (``field`` is
            the parameter name), bad percent-escapes, two different
            invitations in one URL, over ``max_size``, a short URL that
            answers with an error status, a redirect without ``Location``, or
            too many hops.
        UsageError: ``text`` is not a ``str``; a ``_oobid`` URL without a
            ``fetch``; a fetcher that returns something else than
            ``(status, headers, body)``.

    Spec: Aries RFC 0434 §Standard Out-of-Band Message Encoding, §URL
    Shortening, §Out-of-Band Message Processing; RFC 0160 §Standard
    Invitation Encoding; RFC 0268 §Message Requirements; DIDComm v2 §Out Of
    Band Messages.
    """
    if not isinstance(text, str):
        raise UsageError(f"invitation text must be str, not {type(text).__name__}")
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise UsageError("max_size must be a positive int")
    return _parse(text, fetch, max_size, 0, _State())


def encode_url(payload: bytes, *, base: str, parameter: str = "oob") -> str:
    """Put invitation bytes into a URL: ``{base}?{parameter}={base64url, unpadded}``.

    The base URL's own query parameters and fragment are kept; the new
    parameter is appended to the query. base64url without padding needs no
    percent-escaping (RFC 3986 §2.3: ``-`` and ``_`` are unreserved).

    Args:
        payload: the invitation JSON bytes, written as given.
        base: an absolute URL (any scheme, e.g. ``https://`` or ``didcomm://``).
        parameter: one of :data:`INVITATION_PARAMETERS` (``"oob"`` for Aries
            OOB 1.x, ``"_oob"`` for DIDComm v2, ``"c_i"`` for RFC 0160).

    Returns:
        The URL.

    Raises:
        UsageError: ``payload`` not bytes, ``base`` not an absolute URL or
            already carrying an invitation parameter, unknown ``parameter``.

    Spec: Aries RFC 0434 §Standard Out-of-Band Message Encoding ("Additional
    path elements or query parameters are allowed"); DIDComm v2 §Standard
    Message Encoding; RFC 0160 §Standard Invitation Encoding.
    """
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise UsageError(f"payload must be bytes, not {type(payload).__name__}")
    if parameter not in INVITATION_PARAMETERS:
        raise UsageError(f"parameter must be one of {', '.join(INVITATION_PARAMETERS)}")
    if not isinstance(base, str) or not _SCHEME.match(base) or any(c.isspace() for c in base):
        raise UsageError("base must be an absolute URL such as https://example.com/path")
    before_fragment, hash_sign, fragment = base.partition("#")
    address, _, query = before_fragment.partition("?")
    for name, _ in _query_pairs(query):
        if name in INVITATION_PARAMETERS or name == SHORT_URL_PARAMETER:
            raise UsageError(f"base URL already has an invitation parameter {name!r}")
    query = f"{query}&" if query else ""
    return f"{address}?{query}{parameter}={b64url_encode(bytes(payload))}{hash_sign}{fragment}"
