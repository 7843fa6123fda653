"""Aries RFC 0346 cloud agents: registration invitations, forwarding, response inboxes, consumption.

Spec: hyperledger/aries-rfcs ``features/0346-didcomm-cloud-agent-registration``
("DIDComm between two mobile agents using cloud agent mediator", PROPOSED).

A cloud agent has its own key pair and four URLs (§"Cloud Agent Registration
Process"):

* the registration invitation, a link whose ``c_a_r`` query parameter is the
  base64 of::

      {"@type": ".../didexchange/1.0/cloudagentregistrationinvitation",
       "@id", "label", "recipientKeys", "serviceEndpoint",
       "responseEndpoint", "consumer", "consumerEndpoint"}

  "Each time an invitation QR code is generated, a new consumer id is
  generated" -- ``GET /register`` here;
* the service endpoint (``POST /endpoint``), "where the edge agent should
  send the message to": it unpacks a forward addressed to the agent's key
  and passes the inner message on (§"Message Forwarding process by cloud
  agents");
* the response endpoint ``.../response/{consumer}``, "where a response that
  is being sent to Alice should be sent": the agent "simply stores it ...
  using the consumer id as a key" (§"Bob returns a response back");
* the consumer endpoint, where the edge agent, passing its consumer id,
  consumes its messages (§"Alice consumes ..."). The RFC does not define
  the request; ours is ``POST /consume`` with ``{"consumer", "limit"}``
  answering ``{"messages": [{"id", "media_type", "message"}]}``, and
  ``POST /consume/ack`` with ``{"consumer", "ids"}`` answering
  ``{"deleted"}``: a message leaves the inbox only when acknowledged.

Choices where the RFC is silent or loose, and why:

* ``@type``: the RFC writes the legacy ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/``
  prefix. We emit ``https://didcomm.org/`` (RFC 0348, adopted) and accept
  both.
* "The registration data is base64 encrypted": it is *encoded*, not
  encrypted; we write unpadded base64url (as RFC 0434 does for ``oob``) and
  accept both alphabets, padded or not.
* The forward's ``to``. RFC 0094 makes ``to`` a key or DID; RFC 0346's
  examples put the next hop's *service endpoint* there (``"to": "<Service
  endpoint of Cloud Agent A>"``) and the cloud agent sends the inner message
  "to the forwardTo URI". A cloud agent keeps no key-to-URL directory, so
  routing/1.0 forwards here carry the URL, as RFC 0346 says.
* routing/2.0 (DIDComm v2 §"Routing Protocol 2.0"): ``next`` is a DID or key
  id, as the spec requires; the cloud agent resolves it and posts the inner
  message to the DID's DIDCommMessaging service endpoint. For that each
  cloud agent has a did:peer:2 whose service is its service endpoint, and
  the invitation carries it in one extra member, ``did`` (our extension:
  RFC 0346 predates DIDComm v2). Forwards are encrypted to that DID's
  keyAgreement key.
* Security considerations. A forward names the URL the cloud agent posts
  to, so a cloud agent is an open relay for anyone who can encrypt to its
  key (RFC 0346 wants exactly that), and a forward can point it at any
  URL -- deploy it where that is acceptable (here: loopback). Anyone who
  knows a consumer id can fill that inbox; it is bounded per consumer
  (``507`` when full, see :class:`SqliteInbox`) and consumer ids are 128
  random bits, never repeated.
* Forwarding is synchronous: the agent answers ``202`` only after the next
  hop answered ``202``, and ``502`` with a problem report otherwise. The
  sender thus learns of a broken route at once and nothing is left half way
  (each hop stores nothing). Loops end: every hop strips one encryption
  layer, so a message cannot travel more hops than it has layers.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .. import crypto, routing, v1, v2
from ..did import create_peer2, normalize_services, parse_did_url
from ..jwk import JWK, generate
from ..v1._keys import SEED_BYTES
from .._json import dumps_bytes, loads
from .._message_type import DIDCOMM_DOC_URI, LEGACY_DOC_URI
from ..encoding import b64_decode_lenient, b64url_encode
from ..errors import MalformedInvitation, MalformedMessage, RefDIDCommError, UsageError
from ._inbox import MAX_FETCH, Inbox, InboxError, InboxFull, SqliteInbox, UnknownConsumer
from ._transport import (
    DEFAULT_MAX_BODY,
    DEFAULT_TIMEOUT,
    DIDCOMM_MEDIA_TYPES,
    MEDIA_TYPE_ENCRYPTED,
    MEDIA_TYPE_ENVELOPE_V1,
    MEDIA_TYPE_JSON,
    HTTPEndpoint,
    HTTPProblem,
    Request,
    Response,
    TransportError,
    post,
)

__all__ = [
    "INVITATION_TYPE",
    "INVITATION_PARAMETER",
    "V2Identity",
    "new_peer2_identity",
    "http_endpoint_of",
    "CloudAgentInvitation",
    "encode_registration_url",
    "decode_registration_url",
    "CloudAgent",
    "CloudAgentStats",
]

# RFC 0346 §"Cloud Agent Registration Process", prefix per RFC 0348.
INVITATION_TYPE = DIDCOMM_DOC_URI + "didexchange/1.0/cloudagentregistrationinvitation"
_LEGACY_INVITATION_TYPE = LEGACY_DOC_URI + "didexchange/1.0/cloudagentregistrationinvitation"
INVITATION_PARAMETER = "c_a_r"  # "added to a link as part of the c_a_r query param"
MAX_INVITATION_TEXT = 8192  # a registration link is a few hundred characters; refuse blobs


@dataclass(frozen=True)
class CloudAgentInvitation:
    """An RFC 0346 cloud agent registration invitation.

    Attributes:
        id: ``@id``.
        label: the cloud agent's name.
        recipient_keys: ``recipientKeys``: the cloud agent's base58 verkey(s).
        service_endpoint: ``serviceEndpoint``: where forwards for it go.
        response_endpoint: ``responseEndpoint``: base of ``.../{consumer}``.
        consumer: the consumer id issued with this invitation.
        consumer_endpoint: ``consumerEndpoint``: where the consumer fetches.
        did: our extension ``did``: the cloud agent's DIDComm v2 DID (a
            did:peer:2 whose DIDCommMessaging service is ``serviceEndpoint``),
            the hop routing/2.0 forwards are encrypted to; None for a v1-only agent.
    """

    id: str
    label: str
    recipient_keys: Tuple[str, ...]
    service_endpoint: str
    response_endpoint: str
    consumer: str
    consumer_endpoint: str
    did: Optional[str] = None

    @property
    def consumer_response_endpoint(self) -> str:
        """``{responseEndpoint}/{consumer}``: the service endpoint an edge agent advertises (RFC 0346)."""
        return f"{self.response_endpoint.rstrip('/')}/{self.consumer}"

    def to_dict(self) -> Dict[str, Any]:
        """The invitation as the RFC's JSON object."""
        obj: Dict[str, Any] = {
            "@type": INVITATION_TYPE,
            "@id": self.id,
            "label": self.label,
            "recipientKeys": list(self.recipient_keys),
            "serviceEndpoint": self.service_endpoint,
            "responseEndpoint": self.response_endpoint,
            "consumer": self.consumer,
            "consumerEndpoint": self.consumer_endpoint,
        }
        if self.did is not None:
            obj["did"] = self.did
        return obj

    @classmethod
    def from_dict(cls, obj: Any) -> "CloudAgentInvitation":
        """Parse and check the RFC's JSON object.

        Raises:
            MalformedInvitation: wrong ``@type``, a member missing or of the
                wrong type, a key that is not a base58 Ed25519 verkey, an
                endpoint that is not an http(s) URL.
        """
        if not isinstance(obj, dict):
            raise MalformedInvitation("must be a JSON object", "c_a_r")
        if obj.get("@type") not in (INVITATION_TYPE, _LEGACY_INVITATION_TYPE):
            raise MalformedInvitation(f"is not {INVITATION_TYPE!r}", "@type")
        text: Dict[str, str] = {}
        for name in ("@id", "label", "serviceEndpoint", "responseEndpoint", "consumer", "consumerEndpoint"):
            value = obj.get(name)
            if not isinstance(value, str) or not value:
                raise MalformedInvitation("is required and must be a non-empty string", name)
            text[name] = value
        for name in ("serviceEndpoint", "responseEndpoint", "consumerEndpoint"):
            if urllib.parse.urlsplit(text[name]).scheme not in ("http", "https"):
                raise MalformedInvitation("must be an http(s) URL", name)
        if not all(c.isalnum() or c in "-_" for c in text["consumer"]):
            # It becomes a path segment of the response endpoint.
            raise MalformedInvitation("must be letters, digits, '-' or '_'", "consumer")
        keys = obj.get("recipientKeys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise MalformedInvitation("is required and must be a non-empty list of strings", "recipientKeys")
        for i, key in enumerate(keys):
            try:
                v1.verkey(key, field=f"recipientKeys[{i}]")
            except (MalformedMessage, UsageError) as exc:
                raise MalformedInvitation(str(exc), f"recipientKeys[{i}]") from None
        did = obj.get("did")
        if did is not None:
            if not isinstance(did, str):
                raise MalformedInvitation("must be a DID string", "did")
            try:
                if parse_did_url(did, field_name="did").did != did:
                    raise MalformedInvitation("must be a DID, not a DID URL", "did")
            except MalformedMessage as exc:
                raise MalformedInvitation(exc.reason, "did") from None
        return cls(
            id=text["@id"],
            label=text["label"],
            recipient_keys=tuple(keys),
            service_endpoint=text["serviceEndpoint"],
            response_endpoint=text["responseEndpoint"],
            consumer=text["consumer"],
            consumer_endpoint=text["consumerEndpoint"],
            did=did,
        )


@dataclass(frozen=True)
class V2Identity:
    """A DIDComm v2 identity: one DID, its private keys, and the resolver to use with it.

    Attributes:
        did: a did:peer:2 (numalgo 2) carrying its keys and service.
        secrets: kid -> private JWK (the keyAgreement and authentication keys).
        resolver: ``did -> DIDDocument`` (did:peer resolves from the DID itself).
    """

    did: str
    secrets: Mapping[str, JWK]
    resolver: v2.DIDResolver


def new_peer2_identity(
    service_uri: Optional[str],
    *,
    resolver: Optional[v2.DIDResolver] = None,
    rng: Optional[crypto.Rng] = None,
    backend: Optional[crypto.Backend] = None,
) -> V2Identity:
    """A fresh did:peer:2 with an Ed25519 authentication key, an X25519 keyAgreement key and a service.

    Args:
        service_uri: the ``DIDCommMessaging`` service's ``uri`` (accept
            ``didcomm/v2``, no routing keys); None for a DID without service.
        resolver: the resolver to keep (default: :func:`refdidcomm.v2.make_resolver`).
        rng: randomness for the two keys (32 bytes each, Ed25519 first).
        backend: crypto backend.

    Returns:
        :class:`V2Identity` whose secrets carry the resolved key ids.

    Spec: Peer DID Method "Generating a did:peer:2" (purpose codes ``V``
    authentication, ``E`` keyAgreement); DIDComm v2 §"Service Endpoint" (v2.1
    object form ``{"uri", "accept", "routingKeys"}``).
    """
    signing = generate("Ed25519", rng, backend=backend)
    agreement = generate("X25519", rng, backend=backend)
    services = []
    if service_uri is not None:
        services.append({"type": "DIDCommMessaging", "serviceEndpoint": {"uri": service_uri, "accept": ["didcomm/v2"]}})
    did = create_peer2([("V", signing), ("E", agreement)], services)
    resolver = resolver if resolver is not None else v2.make_resolver()
    doc = resolver(did)
    secrets = {
        doc.authentication[0].id: signing.with_kid(doc.authentication[0].id),
        doc.key_agreement[0].id: agreement.with_kid(doc.key_agreement[0].id),
    }
    return V2Identity(did=did, secrets=secrets, resolver=resolver)


def http_endpoint_of(did_or_kid: str, resolver: v2.DIDResolver) -> str:
    """The http(s) URI of the first DIDComm v2 ``DIDCommMessaging`` service of a DID (or a key id's DID).

    Raises:
        MalformedMessage: no such service, or its endpoint is not an http(s)
            URL (a DID endpoint would need another forward layer, which only
            the sender can add).

    Spec: DIDComm v2 §"Routing Protocol 2.0" ("next ... the identifier of the
    party to send the attached message to") and §"Service Endpoint".
    """
    did = parse_did_url(did_or_kid, field_name="body.next").did
    for service in normalize_services(resolver(did)):
        if service.type != "DIDCommMessaging" or (service.accept is not None and "didcomm/v2" not in service.accept):
            continue
        if urllib.parse.urlsplit(service.uri).scheme in ("http", "https"):
            return service.uri
    raise MalformedMessage(f"{did[:60]}... has no http(s) DIDCommMessaging service to pass the message to", "body.next")


def encode_registration_url(invitation: CloudAgentInvitation, base: str) -> str:
    """``{base}?c_a_r={base64url(JSON), unpadded}``.

    Raises:
        UsageError: ``base`` is not an http(s) URL.

    Spec: RFC 0346: "base64 ... added to a link as part of the c_a_r query param".
    """
    if not isinstance(base, str) or urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise UsageError("base must be an http(s) URL")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{INVITATION_PARAMETER}={b64url_encode(dumps_bytes(invitation.to_dict()))}"


def decode_registration_url(url: str) -> CloudAgentInvitation:
    """Read the invitation out of a registration link.

    Raises:
        MalformedInvitation: no or several ``c_a_r`` parameters, bad base64,
            not JSON, or :meth:`CloudAgentInvitation.from_dict` refuses it.
        UsageError: ``url`` is not a str.
    """
    if not isinstance(url, str):
        raise UsageError("url must be a str")
    if len(url) > MAX_INVITATION_TEXT:
        raise MalformedInvitation(f"longer than {MAX_INVITATION_TEXT} characters", "url")
    values = [v for k, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True) if k == INVITATION_PARAMETER]
    if len(values) != 1:
        raise MalformedInvitation(f"must appear exactly once, found {len(values)}", INVITATION_PARAMETER)
    # parse_qsl turns '+' into ' ' (form decoding); a standard-alphabet blob may carry '+'.
    blob = values[0].replace(" ", "+")
    try:
        raw = b64_decode_lenient(blob).data
        obj = loads(raw, field=INVITATION_PARAMETER)
    except MalformedMessage as exc:
        raise MalformedInvitation(exc.reason, INVITATION_PARAMETER) from None
    return CloudAgentInvitation.from_dict(obj)


@dataclass
class CloudAgentStats:
    """What a cloud agent did (for the demo's narration and the tests)."""

    forwarded: int = 0
    stored: int = 0
    fetched: int = 0
    acknowledged: int = 0
    refused: int = 0
    bytes_in: int = 0
    hops: List[str] = field(default_factory=list)  # "v1 -> URL" per forward


def _derived_rng(seed: bytes, purpose: str) -> crypto.Rng:
    """Deterministic bytes from a secret seed: SHA-256(seed || purpose || counter), concatenated.

    Used only to derive the v2 keys of a cloud agent from its seed (so they
    are as stable as its v1 key); each draw consumes fresh counter values.
    """
    counter = [0]

    def rng(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(seed + purpose.encode() + counter[0].to_bytes(8, "big")).digest()
            counter[0] += 1
        return out[:n]

    return rng


def _json_request(request: Request) -> Mapping[str, Any]:
    if request.media_type != MEDIA_TYPE_JSON:
        raise HTTPProblem(415, "e.p.xfer.unsupported-media-type", request.media_type or "(none)", MEDIA_TYPE_JSON)
    value = loads(request.body, field="request")
    if not isinstance(value, dict):
        raise MalformedMessage("must be a JSON object", "request")
    return value


def _consumer_of(body: Mapping[str, Any]) -> str:
    consumer = body.get("consumer")
    if not isinstance(consumer, str) or not consumer:
        raise MalformedMessage("is required and must be a non-empty string", "consumer")
    return consumer


class CloudAgent:
    """An RFC 0346 cloud agent serving HTTP on loopback.

    Args:
        label: its name (the invitation's ``label``).
        seed: its 32-byte Ed25519 seed (default: random from ``rng``). Pass
            the same seed and the same ``db_path`` to restart "the same" agent.
        db_path: the sqlite inbox file (``":memory:"`` if neither this nor
            ``inbox`` is given); several agents may share one file, each
            owning the rows under its ``label``.
        inbox: an :class:`Inbox` to use instead of a sqlite file.
        host, port: where to listen (default 127.0.0.1, ephemeral port).
        max_body: request size limit, bytes.
        timeout: seconds to wait for the next hop when forwarding.
        backend: crypto backend (default: the active one).
        rng: randomness for the seed and ids (default: the OS CSPRNG).
        v2: serve routing/2.0 too: the agent gets a did:peer:2 (keys derived
            from ``seed``) whose service is its service endpoint, announced in
            its invitations' ``did`` member. ``False`` makes a routing/1.0-only agent.
        resolver: the DID resolver for routing/2.0 (default: a fresh
            :func:`refdidcomm.v2.make_resolver`).

    Use as a context manager or :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        label: str,
        *,
        seed: Optional[bytes] = None,
        db_path: Optional[str] = None,
        inbox: Optional[Inbox] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body: int = DEFAULT_MAX_BODY,
        timeout: float = DEFAULT_TIMEOUT,
        backend: Optional[crypto.Backend] = None,
        rng: Optional[crypto.Rng] = None,
        v2: bool = True,
        resolver: Optional[Any] = None,
    ) -> None:
        if not isinstance(label, str) or not label:
            raise UsageError("label must be a non-empty str")
        if inbox is not None and db_path is not None:
            raise UsageError("give db_path or inbox, not both")
        self.label = label
        self._backend = backend
        self._rng = rng
        if seed is None:
            seed = crypto.random_bytes(SEED_BYTES) if rng is None else rng(SEED_BYTES)
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != SEED_BYTES:
            raise UsageError(f"seed must be {SEED_BYTES} bytes")
        self.key = v1.signing_key(bytes(seed), backend=backend, field="seed")
        self.timeout = timeout
        self.stats = CloudAgentStats()
        self._stats_lock = threading.Lock()
        self._owns_inbox = inbox is None
        self.inbox: Inbox = inbox if inbox is not None else SqliteInbox(db_path or ":memory:", owner=label)
        self._endpoint: Optional[HTTPEndpoint] = None
        ready = False
        try:
            self._endpoint = HTTPEndpoint(self.handle, host=host, port=port, max_body=max_body)
            # The socket is bound now, so the service endpoint is known for the DID.
            # Its keys come from the seed: restarted with the same seed and port,
            # the agent has the same DID, as it has the same verkey.
            self.v2: Optional[V2Identity] = (
                new_peer2_identity(self.service_endpoint, resolver=resolver, rng=_derived_rng(bytes(seed), "v2 keys"), backend=backend)
                if v2
                else None
            )
            ready = True
        finally:
            if not ready:
                # No half-built agent: release the socket and the inbox it opened.
                if self._endpoint is not None:
                    self._endpoint.stop()
                if self._owns_inbox:
                    self.inbox.close()

    # -- URLs ---------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL ``http://127.0.0.1:PORT``."""
        return self._http.url

    @property
    def _http(self) -> HTTPEndpoint:
        if self._endpoint is None:
            raise UsageError("the agent has no endpoint")
        return self._endpoint

    @property
    def port(self) -> int:
        """The bound port (to restart an agent on the same one)."""
        return self._http.port

    @property
    def service_endpoint(self) -> str:
        """Where forwards addressed to this agent are POSTed."""
        return self.url + "/endpoint"

    @property
    def response_endpoint(self) -> str:
        """Base of the per-consumer response endpoints."""
        return self.url + "/response"

    @property
    def consumer_endpoint(self) -> str:
        """Where consumers fetch (``POST``) and acknowledge (``/ack``)."""
        return self.url + "/consume"

    @property
    def registration_url(self) -> str:
        """``GET`` this for a fresh registration link (a new consumer each time)."""
        return self.url + "/register"

    @property
    def verkey(self) -> str:
        """The agent's base58 verkey."""
        return self.key.verkey_b58

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> "CloudAgent":
        """Start serving; returns self."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the inbox if this agent opened it. Idempotent."""
        self._http.stop()
        if self._owns_inbox:
            self.inbox.close()

    def __enter__(self) -> "CloudAgent":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- RFC 0346 -----------------------------------------------------------

    def new_invitation(self) -> CloudAgentInvitation:
        """Issue an invitation with a new consumer id, registered durably before it is returned.

        Spec: RFC 0346: "Each time an invitation QR code is generated, a new
        consumer id is generated."
        """
        consumer = (crypto.random_bytes(16) if self._rng is None else self._rng(16)).hex()
        self.inbox.add_consumer(consumer)
        return CloudAgentInvitation(
            id=str(uuid.uuid4()),
            label=self.label,
            recipient_keys=(self.verkey,),
            service_endpoint=self.service_endpoint,
            response_endpoint=self.response_endpoint,
            consumer=consumer,
            consumer_endpoint=self.consumer_endpoint,
            did=self.v2.did if self.v2 is not None else None,
        )

    def _count(self, **increments: int) -> None:
        with self._stats_lock:
            for name, n in increments.items():
                setattr(self.stats, name, getattr(self.stats, name) + n)

    def handle(self, request: Request) -> Response:
        """Route one HTTP request (the :class:`HTTPEndpoint` app).

        Raises:
            HTTPProblem, RefDIDCommError: answered as problem reports by the endpoint.
        """
        try:
            return self._route(request)
        except InboxError as exc:
            # Not stored, so no 202: the sender may retry. "me.res": a resource of ours failed.
            self._count(refused=1)
            raise HTTPProblem(500, "e.p.me.res.storage", f"{self.label}: {exc}") from None
        except RefDIDCommError:
            self._count(refused=1)
            raise

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if request.method == "GET" and path == "/register":
            invitation = self.new_invitation()
            link = encode_registration_url(invitation, self.registration_url)
            return Response(200, MEDIA_TYPE_JSON, dumps_bytes({"invitation_url": link}))
        if request.method != "POST":
            raise HTTPProblem(404, "e.p.xfer.not-found", request.method, path or "/")
        self._count(bytes_in=len(request.body))
        if path == "/endpoint":
            return self._service_endpoint(request)
        if path.startswith("/response/"):
            return self._response_endpoint(request, path[len("/response/") :])
        if path == "/consume":
            return self._consume(request)
        if path == "/consume/ack":
            return self._ack(request)
        raise HTTPProblem(404, "e.p.xfer.not-found", "POST", path or "/")

    def _service_endpoint(self, request: Request) -> Response:
        if request.media_type == MEDIA_TYPE_ENVELOPE_V1:
            # RFC 0346 §"Message Forwarding process by cloud agents": unpack with
            # our key; a forward's msg goes "to the forwardTo URI".
            forwarded = v1.unwrap_forward(request.body, [self.key], backend=self._backend)
            self._pass_on(forwarded.to, forwarded.msg, MEDIA_TYPE_ENVELOPE_V1, "routing/1.0")
            return Response(202)
        if request.media_type == MEDIA_TYPE_ENCRYPTED:
            return self._service_endpoint_v2(request)
        raise HTTPProblem(
            415,
            "e.p.xfer.unsupported-media-type",
            request.media_type or "(none)",
            f"{MEDIA_TYPE_ENVELOPE_V1} (routing/1.0) or {MEDIA_TYPE_ENCRYPTED} (routing/2.0) forwards",
        )

    def _service_endpoint_v2(self, request: Request) -> Response:
        if self.v2 is None:
            raise HTTPProblem(
                415, "e.p.xfer.unsupported-media-type", MEDIA_TYPE_ENCRYPTED, f"{MEDIA_TYPE_ENVELOPE_V1} (this cloud agent has no DIDComm v2 identity)"
            )
        # DIDComm v2 §"Routing Protocol 2.0", "Mediator Process": decrypt,
        # read body.next, send the attachment on to next's endpoint.
        forwarded = routing.unwrap_forward(request.body, secrets=self.v2.secrets, resolver=self.v2.resolver, backend=self._backend)
        target = http_endpoint_of(forwarded.next, self.v2.resolver)
        self._pass_on(target, forwarded.forwarded.encode("utf-8"), MEDIA_TYPE_ENCRYPTED, "routing/2.0")
        return Response(202)

    def _pass_on(self, target: str, message: bytes, media_type: str, protocol: str) -> None:
        if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
            raise HTTPProblem(400, "e.p.msg.unroutable", repr(target[:80]), "a forward's 'to' must be the next hop's http(s) endpoint (RFC 0346)")
        try:
            post(target, message, media_type, timeout=self.timeout)
        except TransportError as exc:
            raise HTTPProblem(502, "e.p.xfer.cant-forward", target, f"{self.label}: next hop failed: {exc}") from None
        with self._stats_lock:
            self.stats.forwarded += 1
            self.stats.hops.append(f"{protocol} -> {target}")

    def _response_endpoint(self, request: Request, consumer: str) -> Response:
        if request.media_type not in DIDCOMM_MEDIA_TYPES:
            raise HTTPProblem(415, "e.p.xfer.unsupported-media-type", request.media_type or "(none)", " or ".join(sorted(DIDCOMM_MEDIA_TYPES)))
        # Store only what is a JSON object: anything else no edge agent can unpack.
        message = loads(request.body, field="message")
        if not isinstance(message, dict):
            raise MalformedMessage("must be a JSON object", "message")
        try:
            self.inbox.put(consumer, request.body, request.media_type)
        except UnknownConsumer:
            raise HTTPProblem(404, "e.p.req.unknown-consumer", repr(consumer[:64])) from None
        except InboxFull:
            raise HTTPProblem(507, "e.p.me.res.storage.full", repr(consumer[:64])) from None
        self._count(stored=1)
        # DIDComm v2 §"Transports" HTTP(S): "It is recommended that a HTTP POST should return a 202 Accepted status code."
        return Response(202)

    def _consume(self, request: Request) -> Response:
        body = _json_request(request)
        consumer = _consumer_of(body)
        limit = body.get("limit", MAX_FETCH)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_FETCH:
            raise MalformedMessage(f"must be an integer in 1..{MAX_FETCH}", "limit")
        try:
            stored = self.inbox.fetch(consumer, limit)
        except UnknownConsumer:
            raise HTTPProblem(404, "e.p.req.unknown-consumer", repr(consumer[:64])) from None
        self._count(fetched=len(stored))
        messages = [{"id": m.id, "media_type": m.media_type, "message": m.message.decode("utf-8")} for m in stored]
        return Response(200, MEDIA_TYPE_JSON, dumps_bytes({"messages": messages}))

    def _ack(self, request: Request) -> Response:
        body = _json_request(request)
        consumer = _consumer_of(body)
        ids = body.get("ids")
        if not isinstance(ids, list) or len(ids) > MAX_FETCH or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise MalformedMessage(f"must be a list of at most {MAX_FETCH} integers", "ids")
        try:
            deleted = self.inbox.ack(consumer, ids)
        except UnknownConsumer:
            raise HTTPProblem(404, "e.p.req.unknown-consumer", repr(consumer[:64])) from None
        self._count(acknowledged=deleted)
        return Response(200, MEDIA_TYPE_JSON, dumps_bytes({"deleted": deleted}))
