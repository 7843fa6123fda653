"""``python -m refdidcomm oob ...``: decode, encode, draw and create out-of-band invitations.

Commands (wired into :mod:`refdidcomm.cli` through :func:`add_parser`):

* ``oob decode URL|-`` -- the invitation as received, its kind and what was
  tolerated, as JSON; ``--services`` adds the endpoints a sender would use;
  ``--fetch`` lets short URLs (``_oobid``, RFC 0434 shortening) be fetched
  over HTTP(S) -- the only network access, and only when asked for.
* ``oob encode [--base URL] FILE|-`` -- a JSON invitation to its URL
  (compact JSON, unpadded base64url; ``oob``, ``_oob`` or ``c_i`` by kind).
* ``oob qr URL --format terminal|svg|png [-o FILE]`` -- checks that the URL
  decodes, then draws it with :mod:`refdidcomm.qr`.
* ``oob create --endpoint URL ...`` -- a new invitation with an inline
  service and a new did:key (``--inline``, the default for 1.1), or with a
  new did:peer:2 (``--peer``; always for ``--v2``). Private keys are written
  as JWKs to ``--secrets FILE`` (mode 0600) and never to standard output.

Exit status: 0 on success, 1 when the invitation is bad, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import _json, did, jwk, oob, qr
from ._oob_url import MAX_INVITATION_BYTES
from .encoding import multikey_encode
from .errors import RefDIDCommError, UsageError

__all__ = ["add_parser", "http_fetcher"]

_DEFAULT_HANDSHAKE = "https://didcomm.org/didexchange/1.1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let 3xx answers reach the out-of-band layer, which reads Location itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def http_fetcher(*, timeout: float = 10.0, max_size: int = MAX_INVITATION_BYTES):
    """A fetcher for :func:`refdidcomm.oob.decode` over HTTP(S) with urllib (the CLI's ``--fetch``).

    Only ``http`` and ``https`` URLs are fetched (a redirect to ``file:`` or
    any other scheme is refused); redirects are not followed here, so the
    ``Location`` goes back through the out-of-band layer's own checks; at
    most ``max_size + 1`` bytes are read.
    """
    opener = urllib.request.build_opener(_NoRedirect)

    def fetch(url: str, headers: Mapping[str, str]) -> Tuple[int, Dict[str, str], bytes]:
        if not url.lower().startswith(("http://", "https://")):
            raise UsageError(f"refusing to fetch a non-HTTP(S) URL: {url[:80]}")
        request = urllib.request.Request(url, headers=dict(headers), method="GET")
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers.items()), response.read(max_size + 1)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, dict(exc.headers.items()), exc.read(max_size + 1)
        except (urllib.error.URLError, OSError) as exc:
            raise UsageError(f"cannot fetch {url[:80]}: {exc}") from None

    return fetch


def _read_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{source} is not UTF-8 text") from None


def _endpoint_json(ep: oob.Endpoint) -> Dict[str, Any]:
    return {
        "uri": ep.uri,
        "recipient_keys": list(ep.recipient_keys),
        "routing_keys": list(ep.routing_keys),
        "accept": None if ep.accept is None else list(ep.accept),
        "source": ep.source,
    }


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


def _decode(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.url == "-" else args.url
    fetch = http_fetcher(max_size=args.max_size) if args.fetch else None
    decoded = oob.decode(text, fetch=fetch, max_size=args.max_size)
    report = decoded.report()
    if args.normalize:
        report["invitation"] = decoded.invitation.to_json(normalize=True)
    if args.services:
        report["services"] = [_endpoint_json(ep) for ep in oob.service_endpoints(decoded, did_key=True)]
    _print_json(report)
    return 0


def _default_base(message: Mapping[str, Any]) -> Optional[str]:
    """The first inline http(s) endpoint, as a base URL for an invitation that names none (ACA-Py does likewise)."""
    for service in message.get("services") or []:
        if isinstance(service, dict):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.lower().startswith(("http://", "https://")):
                return endpoint
    return None


def _encode(args: argparse.Namespace) -> int:
    text = _read_text(args.file)
    message = _json.loads(text.encode("utf-8"), field=args.file)
    if not isinstance(message, dict):
        raise UsageError("the file must hold one JSON object (an invitation)")
    try:
        oob.parse(message)
    except RefDIDCommError as exc:
        raise UsageError(f"not a valid invitation: {exc}") from None
    base = args.base or _default_base(message)
    if base is None:
        raise UsageError("--base URL is required (the invitation has no inline http(s) endpoint to use)")
    print(oob.encode_url(message, base=base, parameter=args.parameter))
    return 0


def _qr(args: argparse.Namespace) -> int:
    text = (sys.stdin.read() if args.url == "-" else args.url).strip()
    oob.decode(text, fetch=http_fetcher() if args.fetch else None)  # refuse to draw an invitation that does not decode
    code = qr.encode(text, ecc=args.ecc)
    if args.format == "png":
        if not args.output:
            raise UsageError("--format png needs -o FILE")
        with open(args.output, "wb") as fh:
            fh.write(code.to_png())
    else:
        rendered = code.to_terminal() if args.format == "terminal" else code.to_svg()
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(rendered)
        else:
            sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")
    if args.output:
        print(f"QR version {code.version}-{code.ecc}, {code.size}x{code.size} modules -> {args.output}", file=sys.stderr)
    return 0


def _write_secrets(path: str, keys: List[jwk.JWK]) -> None:
    data = json.dumps([k.to_dict(private=True) for k in keys], indent=2) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(data)


def _new_peer2(endpoint: str, accept: List[str], routing: List[str], *, v2: bool) -> Tuple[str, List[jwk.JWK]]:
    """A did:peer:2 with an Ed25519 key (V, ``#key-1``), an X25519 key (E, ``#key-2``) and one service.

    DIDComm v2: a ``DIDCommMessaging`` service (abbreviated ``dm``). DIDComm
    v1: a ``did-communication`` service (Aries RFC 0067) whose
    ``recipientKeys`` is the Ed25519 key -- the peer DID spec: "Do not use
    the dm common string as the service type for DIDComm v1" -- in the shape
    ACA-Py writes for its did:peer:2/4 (``#didcomm-0``, ``priority`` 0).
    """
    signing = jwk.generate("Ed25519")
    agreement = jwk.generate("X25519")
    service: Dict[str, Any]
    if v2:
        service = {"type": "DIDCommMessaging", "serviceEndpoint": {"uri": endpoint, "accept": accept, "routingKeys": routing}}
    else:
        service = {
            "id": "#didcomm-0",
            "type": "did-communication",
            "recipientKeys": ["#key-1"],
            "routingKeys": routing,
            "priority": 0,
            "serviceEndpoint": endpoint,
        }
    peer = did.create_peer2([("V", signing), ("E", agreement)], [service])
    doc = did.resolve(peer)
    return peer, [signing.with_kid(doc.authentication[0].id), agreement.with_kid(doc.key_agreement[0].id)]


def _create(args: argparse.Namespace) -> int:
    if args.v2 and (args.label is not None or args.handshake):
        raise UsageError("--label and --handshake belong to out-of-band 1.1; a v2 invitation has neither")
    accept = args.accept or (["didcomm/v2"] if args.v2 else ["didcomm/aip1", "didcomm/aip2;env=rfc19"])
    routing = args.routing_key or []
    keys: List[jwk.JWK]
    if args.v2 or args.peer:
        peer, keys = _new_peer2(args.endpoint, accept, routing, v2=args.v2)
    if args.v2:
        message = oob.make_invitation_v2(from_did=peer, goal_code=args.goal_code, goal=args.goal, accept=accept)
        source_did: Optional[str] = peer
    else:
        if args.peer:
            services: List[Any] = [peer]
            source_did = peer
        else:
            signing = jwk.generate("Ed25519")
            multikey = multikey_encode("ed25519-pub", signing.x)
            did_key = "did:key:" + multikey
            keys = [signing.with_kid(f"{did_key}#{multikey}")]
            services = [oob.inline_service(args.endpoint, [did_key], routing)]
            source_did = did_key
        message = oob.make_invitation(
            services=services,
            handshake_protocols=args.handshake or [_DEFAULT_HANDSHAKE],
            label=args.label,
            goal_code=args.goal_code,
            goal=args.goal,
            accept=accept,
        )
    if args.secrets:
        _write_secrets(args.secrets, keys)
    else:
        print("note: the new private keys were not saved (use --secrets FILE)", file=sys.stderr)
    url = oob.encode_url(message, base=args.base or args.endpoint)
    if args.json:
        _print_json({"url": url, "did": source_did, "invitation": message})
    else:
        print(url)
    return 0


def _run(handler):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except UsageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except RefDIDCommError as exc:
            print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1

    return run


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    """Add the ``oob`` command and its subcommands to a CLI's subparsers.

    Args:
        subparsers: what ``ArgumentParser.add_subparsers()`` returned.

    Returns:
        The ``oob`` parser. Each subcommand sets ``func(args) -> int`` (the exit status).
    """
    parser = subparsers.add_parser("oob", help="out-of-band invitations: decode, encode, qr, create")
    commands = parser.add_subparsers(dest="oob_command", required=True)

    p = commands.add_parser("decode", help="decode an invitation URL (or base64, or JSON) and say what was tolerated")
    p.add_argument("url", help="the URL, base64 blob or JSON; '-' reads standard input")
    p.add_argument("--fetch", action="store_true", help="fetch short URLs (_oobid, RFC 0434 shortening) over HTTP(S)")
    p.add_argument("--services", action="store_true", help="also list the endpoints a sender would use (resolving DIDs)")
    p.add_argument("--normalize", action="store_true", help="show the https @type and did:key keys instead of the form received")
    p.add_argument("--max-size", type=_positive_int, default=MAX_INVITATION_BYTES, help="largest invitation in bytes (65536)")
    p.set_defaults(func=_run(_decode))

    p = commands.add_parser("encode", help="write a JSON invitation as a URL")
    p.add_argument("file", help="the invitation JSON; '-' reads standard input")
    p.add_argument("--base", help="base URL (default: the first inline http(s) service endpoint)")
    p.add_argument("--parameter", choices=("oob", "_oob", "c_i", "d_m"), help="override the query parameter")
    p.set_defaults(func=_run(_encode))

    p = commands.add_parser("qr", help="draw an invitation URL as a QR code")
    p.add_argument("url", help="the invitation URL; '-' reads standard input")
    p.add_argument("--format", choices=("terminal", "svg", "png"), default="terminal")
    p.add_argument("-o", "--output", help="write to FILE (required for png)")
    p.add_argument("--ecc", choices=("L", "M", "Q", "H"), default="M", help="error correction level (M)")
    p.add_argument("--fetch", action="store_true", help="allow fetching a short URL to check it")
    p.set_defaults(func=_run(_qr))

    p = commands.add_parser("create", help="create an invitation with new keys")
    p.add_argument("--endpoint", required=True, help="the service endpoint URI to be reached at")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--inline", action="store_true", help="out-of-band 1.1 with an inline service and a new did:key (default)")
    kind.add_argument("--peer", action="store_true", help="out-of-band 1.1 naming a new did:peer:2 in services")
    kind.add_argument("--v2", action="store_true", help="DIDComm v2 out-of-band 2.0 from a new did:peer:2")
    p.add_argument("--label", help="label (1.1 only)")
    p.add_argument("--goal-code", help="goal_code, e.g. p2p-messaging")
    p.add_argument("--goal", help="goal, a human-readable sentence")
    p.add_argument("--handshake", action="append", help=f"handshake protocol PIURI (repeatable; default {_DEFAULT_HANDSHAKE})")
    p.add_argument("--accept", action="append", help="accepted media-type profile (repeatable)")
    p.add_argument("--routing-key", action="append", help="routing key (did:key or DID URL; repeatable)")
    p.add_argument("--base", help="base URL of the invitation (default: the endpoint)")
    p.add_argument("--secrets", help="write the new private keys as JWKs to FILE (mode 0600)")
    p.add_argument("--json", action="store_true", help="print the URL, the new DID and the invitation as JSON")
    p.set_defaults(func=_run(_create))
    return parser
