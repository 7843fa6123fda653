"""DIDComm Messaging v2 Routing Protocol 2.0: ``forward`` wrapping (sender) and unwrapping (mediator).

Spec: DIDComm Messaging v2.0/v2.1, "Routing Protocol 2.0" and "Service
Endpoint" (decentralized-identity/didcomm-messaging,
``docs/spec-files-v2.0-snapshot/routing.md``).

The message ("Messages")::

    {"type": "https://didcomm.org/routing/2.0/forward", "id": ...,
     "to": ["did:example:mediator"], "body": {"next": "did:foo:1234abcd"},
     "attachments": [ /* the payload(s) to be forwarded */ ]}

"``next`` - REQUIRED. The identifier of the party to send the attached
message to." "``attachments`` - REQUIRED. The DIDComm message(s) to send to
the party indicated in the ``next`` body attribute. This content should be
encrypted for the next recipient."

Sender ("Sender Process to Enable Forwarding", step 4): "loops *in reverse
order* over all items in the ``routingKeys`` array ... For each item X in
that array, *beginning at the end of the array and working to its
beginning*, Sender creates a new plaintext ``forward`` message, attaches the
current N, and encrypts it for X." and "The output of decryption will be a
``forward`` message that indicates the next hop from ``routingKeys`` in the
``next`` attribute of its ``body``." Hence, for the route ``[K1, ..., Kn]``:

* the innermost forward is encrypted for ``Kn`` with ``next`` = the
  recipient DID; the forward encrypted for ``Ki`` has ``next`` = ``K(i+1)``
  (as written in the document); the outermost is for ``K1`` and goes to the
  endpoint ``uri``;
* every forward layer is **anoncrypt** (``ECDH-ES+A256KW``): "the mediator
  can attach the opaque payload to a new ``forward`` message (appropriately
  anoncrypted)", "In the case of a message forwarded via mediators,
  anonymous encryption is automatic" ("Protecting the Sender Identity");
* its ``enc`` defaults to ``A256CBC-HS512``, the one content encryption the
  spec marks "Required" for every implementation ("Curves and Content
  Encryption Algorithms"), so any mediator can open it; ``A256GCM`` and
  ``XC20P`` may be chosen;
* the single attachment carries the inner message as JSON
  (``{"data": {"json": <inner JWE>}}``); ``to`` is the DID of the hop's key
  (as in the spec's example, ``"to": ["did:example:mediator"]``).

A routing key that is a DID URL with a fragment names one key (it must be a
``keyAgreement`` key of its DID); a bare DID (a mediator DID reached through
an endpoint, below) means its ``keyAgreement`` keys -- those on the curve of
the first one, since one JWE has one ``epk`` curve ("It MUST be of the same
type and curve as all recipient keys"). Document order is the owner's
preference.

"Using a DID as an endpoint": "the DID (which belongs to the mediator) is
resolved. Inside the resulting DID document, a ``serviceEndpoint`` with type
``DIDCommMessaging`` MUST exist. The ``keyAgreement`` keys of the mediator
are implicitly prepended to the ``routingKeys`` section from the message
recipient's DID Document". The mediator's own endpoint may again be a DID
(the spec only says it "SHOULD NOT"); we follow such chains -- the route to
the mediator (its own routing keys) goes before the mediator -- up to
``max_depth`` DID endpoints, and reject a cycle. (An older draft of the same
section said "appended at the end of the routingKeys"; v2.0 and v2.1 say
"prepended", which is also the only order in which the mediator can peel its
layer first -- see its "Endpoint Example 2".)

Service choice: the first ``DIDCommMessaging`` endpoint (document order, the
owner's preference) whose ``accept`` is absent or lists ``didcomm/v2``
("If ``accept`` is not specified, the sender uses its preferred choice").

Randomness, innermost layer first: the forward's ``id`` (16 bytes, UUID
version 4), its attachment ``id`` (16 bytes), then the JWE (ephemeral key,
CEK, IV; see :func:`refdidcomm.jwe.encrypt`). A seeded ``rng`` reproduces
the chain byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from .. import _json, crypto, jwe
from .._rfc7518 import KEY_AGREEMENT_CURVES
from ..did import DIDDocument, ServiceEndpoint, normalize_services, parse_did_url
from ..encoding import b64url_decode
from ..errors import MalformedMessage, UsageError
from .._message_type import new_message_id
from ..jwk import JWK
from ._keys import DIDResolver, Secrets, find_secret, relationship_key, relationship_keys, resolve_document
from ._message import Message, json_copy
from ._unpack import FORWARD_TYPE, check_jwe_recipients

__all__ = [
    "FORWARD_TYPE",
    "DIDCOMM_V2_PROFILE",
    "DEFAULT_FORWARD_ENC",
    "ServiceMetadata",
    "ForwardResult",
    "Route",
    "find_route",
    "wrap_for_recipient",
    "wrap_forward",
    "unwrap_forward",
    "is_forward",
]

#: The ``accept`` profile of DIDComm v2 ("Negotiating Compatibility").
DIDCOMM_V2_PROFILE = "didcomm/v2"
#: The ``enc`` of forward layers: the one every implementation must support.
DEFAULT_FORWARD_ENC = "A256CBC-HS512"
_FORWARD_ALG = "ECDH-ES+A256KW"
# Headers a caller may not override on a forward message.
_OWN_HEADERS = frozenset({"id", "type", "body", "attachments", "to", "from"})


@dataclass(frozen=True)
class ServiceMetadata:
    """The DIDComm service a message was wrapped for.

    Attributes:
        id: the id of the recipient's ``DIDCommMessaging`` service.
        service_endpoint: the transport URI to send the outermost message to
            (after following DID endpoints).
        routing_keys: the route, outermost hop first: mediator DIDs (from DID
            endpoints) and routing key ids, as written.
    """

    id: str
    service_endpoint: str
    routing_keys: Tuple[str, ...]


@dataclass(frozen=True)
class Route:
    """Where and through whom a message for one DID travels.

    Attributes:
        service_id: the recipient's service id. uri: the transport URI.
        hops: routing key ids or mediator DIDs, outermost first.
    """

    service_id: str
    uri: str
    hops: Tuple[str, ...]


@dataclass(frozen=True)
class ForwardResult:
    """A mediator's view of one unwrapped forward.

    Attributes:
        next: ``body.next``, the DID or key id to pass the payload to.
        forwarded: the attached message, as JSON text, to deliver to ``next``.
        forward_message: the decrypted forward message itself.
        recipient_kid: our key id the forward was decrypted with.
    """

    next: str
    forwarded: str
    forward_message: Message
    recipient_kid: Optional[str] = None


def is_forward(message: Message) -> bool:
    """True if ``message`` is a Routing Protocol 2.0 ``forward``."""
    return isinstance(message, Message) and message.type == FORWARD_TYPE


def _is_did(value: str) -> bool:
    return value.startswith("did:")


def _chosen_service(doc: DIDDocument) -> Optional[ServiceEndpoint]:
    for endpoint in normalize_services(doc):
        if endpoint.type != "DIDCommMessaging":
            continue
        if endpoint.accept is None or DIDCOMM_V2_PROFILE in endpoint.accept:
            return endpoint
    return None


def find_route(to_did: str, *, resolver: DIDResolver, max_depth: int = 4) -> Optional[Route]:
    """The service, transport URI and hops for messages to ``to_did``.

    Args:
        to_did: the recipient DID.
        resolver: the caller's ``did -> DIDDocument``.
        max_depth: how many DID-valued ``uri``s may be followed (>= 0).
    Returns:
        the :class:`Route`, or None when the DID declares no usable
        ``DIDCommMessaging`` service.
    Raises:
        MalformedMessage: a DID endpoint whose document has no DIDComm v2
            service, a cycle of DID endpoints, or more than ``max_depth``.
        MalformedDID / DIDNotFound: from resolution.
        UsageError: a bad ``max_depth``.
    Spec: DIDComm v2 "Service Endpoint", "Using a DID as an endpoint".
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise UsageError("max_depth must be a non-negative integer")
    did = parse_did_url(to_did, field_name="to").did
    endpoint = _chosen_service(resolve_document(resolver, did, "to"))
    if endpoint is None:
        return None
    hops: List[str] = list(endpoint.routing_keys)
    uri = endpoint.uri
    seen = [did]
    while _is_did(uri):
        mediator = parse_did_url(uri, field_name="serviceEndpoint.uri").did
        if mediator in seen:
            chain = " -> ".join(seen + [mediator])
            raise MalformedMessage(f"DID service endpoints form a cycle: {chain}", "serviceEndpoint.uri")
        if len(seen) > max_depth:
            raise MalformedMessage(
                f"more than max_depth={max_depth} DID service endpoints to follow ({' -> '.join(seen + [mediator])})",
                "serviceEndpoint.uri",
            )
        seen.append(mediator)
        mediator_endpoint = _chosen_service(resolve_document(resolver, mediator, "serviceEndpoint.uri"))
        if mediator_endpoint is None:
            # "Inside the resulting DID document, a serviceEndpoint with type DIDCommMessaging MUST exist."
            raise MalformedMessage(f"the mediator {mediator!r} has no DIDCommMessaging service", "serviceEndpoint.uri")
        # "The keyAgreement keys of the mediator are implicitly prepended to the routingKeys";
        # the route to the mediator itself (its own routingKeys) comes before it.
        hops = list(mediator_endpoint.routing_keys) + [mediator] + hops
        uri = mediator_endpoint.uri
    return Route(service_id=endpoint.id, uri=uri, hops=tuple(hops))


def _hop_keys(resolver: DIDResolver, hop: str) -> List[JWK]:
    """The public keys a forward for ``hop`` is encrypted to."""
    parsed = parse_did_url(hop, field_name="routingKeys")
    if parsed.fragment is not None:
        return [relationship_key(resolver, hop, "key_agreement", "routingKeys")]
    doc = resolve_document(resolver, parsed.did, "routingKeys")
    keys = [k for k in relationship_keys(doc, "key_agreement") if k.crv in KEY_AGREEMENT_CURVES]
    if not keys:
        raise MalformedMessage(f"{hop!r} has no keyAgreement key to encrypt a forward to", "routingKeys")
    return [k for k in keys if k.crv == keys[0].crv]


def _inner_text(packed: Union[str, bytes, Mapping[str, Any]], *, trusted: bool = False) -> str:
    """The message to attach, as JSON text, checked to be one JSON object (unless we just wrote it)."""
    if isinstance(packed, Mapping):
        return jwe.to_json(dict(packed))  # = _json.dumps, quicker for a large JWE
    if not isinstance(packed, (str, bytes, bytearray)):
        raise UsageError("packed must be JSON text or a JSON object")
    if not trusted:
        if not isinstance(_json.loads(packed, field="packed"), dict):
            raise UsageError("packed must be a JSON object (a DIDComm message)")
    return packed if isinstance(packed, str) else bytes(packed).decode("utf-8")


def _splice(fields: Dict[str, Any], attachment_id: str, inner_text: str) -> bytes:
    """The forward's JSON text: ``fields``, then the one attachment whose ``data.json`` is ``inner_text``.

    ``attachment_id`` is a UUID string from :func:`new_message_id` (it is written without escaping).

    The inner message is written as the text it already is instead of being
    parsed and serialized again: for a 1 MiB payload that halves the JSON
    work per hop. ``inner_text`` is one JSON object, so the result is JSON.
    """
    head = _json.dumps(fields)
    # attachment_id is a UUID from new_message_id (hex digits and "-"), whose
    # JSON string is itself in quotes. One join and one encode: each copies
    # the (possibly large) inner text once.
    parts = (head[:-1], ',"attachments":[{"id":"', attachment_id, '","data":{"json":', inner_text, "}}]}")
    return "".join(parts).encode("utf-8")


def wrap_forward(
    packed: Union[str, bytes, Mapping[str, Any]],
    next_hop: str,
    hop: str,
    *,
    resolver: DIDResolver,
    headers: Optional[Mapping[str, Any]] = None,
    enc: str = DEFAULT_FORWARD_ENC,
    rng: Optional[crypto.Rng] = None,
    backend: Optional[crypto.Backend] = None,
) -> str:
    """One forward layer: attach ``packed``, set ``next``, anoncrypt for ``hop``.

    Also what a mediator uses to re-wrap ("Rewrapping") or to add routing
    keys its recipient pre-configured ("Mediator Process").

    Args:
        packed: the message to carry (JSON text or object).
        next_hop: ``body.next``: the DID or key id the mediator passes it to.
        hop: the routing key id (one key) or DID (its keyAgreement keys) to encrypt for.
        resolver: the caller's ``did -> DIDDocument``.
        headers: extra headers for the forward (``expires_time``, ``delay_milli``, ...).
        enc: content encryption (``A256CBC-HS512`` by default).
        rng: randomness (id, attachment id, then the JWE's).
        backend: crypto backend.
    Returns:
        the encrypted forward, compact JSON text.
    Raises:
        UsageError: headers that would replace the forward's own, bad input types.
        UnsupportedAlgorithm: an ``enc`` outside the profile.
        MalformedMessage: ``next_hop``/``hop`` not DIDs, a key not in keyAgreement.
    Spec: DIDComm v2 "Routing Protocol 2.0" (Messages, Sender Process).
    """
    return _wrap_forward(packed, next_hop, hop, resolver=resolver, headers=headers, enc=enc, rng=rng, backend=backend)


def _wrap_forward(
    packed: Union[str, bytes, Mapping[str, Any]],
    next_hop: str,
    hop: str,
    *,
    resolver: DIDResolver,
    headers: Optional[Mapping[str, Any]],
    enc: str,
    rng: Optional[crypto.Rng],
    backend: Optional[crypto.Backend],
    trusted: bool = False,
) -> str:
    be = backend or crypto.backend(crypto.BACKEND)
    parse_did_url(next_hop, field_name="body.next")
    hop_did = parse_did_url(hop, field_name="routingKeys").did
    keys = _hop_keys(resolver, hop)
    inner = _inner_text(packed, trusted=trusted)
    extra = dict(headers or {})
    clash = sorted(set(extra) & _OWN_HEADERS)
    if clash:
        raise UsageError(f"forward headers may not set {clash}")
    fields: Dict[str, Any] = {
        "id": new_message_id(rng, be),
        "type": FORWARD_TYPE,
        "to": [hop_did],
        "body": {"next": next_hop},
    }
    fields.update(extra)
    attachment_id = new_message_id(rng, be)
    # The same rules a mediator applies (the attachment's content stands in as {}).
    checked = dict(fields, attachments=[{"id": attachment_id, "data": {"json": {}}}])
    if extra:
        Message.from_dict(checked)  # caller values: also the JSON limits (json_copy)
    else:
        # Only our own values (ids, FORWARD_TYPE, the DIDs parse_did_url just
        # accepted, in new containers): already JSON, nothing for json_copy's
        # copy and limits to find, so the header rules are checked in place.
        Message._from_owned(checked)
    plaintext = _splice(fields, attachment_id, inner)
    return jwe.encrypt_json(plaintext, keys, alg=_FORWARD_ALG, enc=enc, rng=rng, backend=be)


def wrap_for_recipient(
    packed: str,
    to_did: str,
    *,
    resolver: DIDResolver,
    headers: Optional[Mapping[str, Any]] = None,
    enc: str = DEFAULT_FORWARD_ENC,
    rng: Optional[crypto.Rng] = None,
    backend: Optional[crypto.Backend] = None,
    max_depth: int = 4,
) -> Tuple[str, Optional[ServiceMetadata]]:
    """Wrap a packed message in a ``forward`` per hop of ``to_did``'s route, innermost first.

    Args:
        packed: the message encrypted for ``to_did`` (JSON text).
        to_did: the recipient DID (``next`` of the innermost forward).
        resolver: the caller's ``did -> DIDDocument``.
        headers: extra headers for every forward (e.g. ``expires_time``).
        enc: content encryption of the forward layers.
        rng: randomness, innermost layer first (see the module docstring).
        backend: crypto backend.
        max_depth: DID-valued endpoints followed at most.
    Returns:
        ``(outermost message, ServiceMetadata)``; without routing keys the
        input itself; ``(packed, None)`` when ``to_did`` has no DIDComm v2 service.
    Raises:
        MalformedMessage: a broken route (see :func:`find_route`, :func:`wrap_forward`).
        UsageError, UnsupportedAlgorithm: as :func:`wrap_forward`.
    Spec: DIDComm v2 "Sender Process to Enable Forwarding", "Using a DID as an endpoint".
    """
    return _wrap_for_recipient(
        packed, to_did, resolver=resolver, headers=headers, enc=enc, rng=rng, backend=backend, max_depth=max_depth
    )


def _wrap_for_recipient(
    packed: str,
    to_did: str,
    *,
    resolver: DIDResolver,
    headers: Optional[Mapping[str, Any]],
    enc: str,
    rng: Optional[crypto.Rng],
    backend: Optional[crypto.Backend],
    max_depth: int = 4,
    trusted: bool = False,
) -> Tuple[str, Optional[ServiceMetadata]]:
    """:func:`wrap_for_recipient`; ``trusted``: ``packed`` is JSON text of one object we have
    just written (pack_encrypted's JWE), so it is not parsed again to check that."""
    route = find_route(to_did, resolver=resolver, max_depth=max_depth)
    if route is None:
        return packed, None
    be = backend or crypto.backend(crypto.BACKEND)
    next_hop = parse_did_url(to_did, field_name="to").did
    current: Union[str, Mapping[str, Any]] = packed
    for depth, hop in enumerate(reversed(route.hops)):
        # After the first layer, current is the JWE we have just written.
        current = _wrap_forward(
            current, next_hop, hop, resolver=resolver, headers=headers, enc=enc, rng=rng, backend=be, trusted=trusted or depth > 0
        )
        next_hop = hop
    return current, ServiceMetadata(id=route.service_id, service_endpoint=route.uri, routing_keys=route.hops)


def _attachment_text(forward: Message) -> str:
    attachments = forward.attachments
    # We forward one message per forward; several payloads would need several
    # deliveries whose order and meaning the spec does not define.
    if not attachments:
        raise MalformedMessage("a forward needs exactly one attachment, it has none", "attachments")
    if len(attachments) != 1:
        raise MalformedMessage(f"a forward needs exactly one attachment, it has {len(attachments)}", "attachments")
    data = attachments[0]["data"]
    if "json" in data:
        if not isinstance(data["json"], dict):
            raise MalformedMessage("must be a JSON object (a DIDComm message)", "attachments[0].data.json")
        return jwe.to_json(data["json"])  # = _json.dumps of any object, quicker for a large JWE
    if "base64" in data:
        # "base64 - Base64url-encoded data" (Attachments): strict base64url, no padding.
        raw = b64url_decode(data["base64"])
        obj = _json.loads(raw, field="attachments[0].data.base64")
        if not isinstance(obj, dict):
            raise MalformedMessage("must hold a JSON object (a DIDComm message)", "attachments[0].data.base64")
        return raw.decode("utf-8")
    # links: fetching is I/O, which this library leaves to the caller.
    raise MalformedMessage("only json or base64 attachment data can be forwarded (links need a fetch)", "attachments[0].data")


def unwrap_forward(
    packed: Union[str, bytes, Mapping[str, Any]],
    *,
    secrets: Secrets,
    resolver: DIDResolver,
    backend: Optional[crypto.Backend] = None,
) -> ForwardResult:
    """The mediator's step: decrypt a forward and return ``next`` and the payload.

    Args:
        packed: the encrypted forward (JWE JSON text or object).
        secrets: the mediator's private keys (kid -> JWK).
        resolver: for an authcrypt forward's sender key (forwards are normally anoncrypt).
        backend: crypto backend.
    Returns:
        :class:`ForwardResult`.
    Raises:
        KeyNotFound: no recipient ``kid`` is one of ours.
        DecryptionError: a ``kid`` is ours but the JWE does not open with it.
        MalformedMessage: not a JWE, more recipient entries than
            :data:`refdidcomm.v2._unpack.MAX_JWE_RECIPIENTS` or a repeated
            ``recipients[i].header.kid`` (both before any cryptography), not
            a forward, ``body.next`` missing or not a DID/DID URL, a ``to``
            without our DID, not exactly one attachment, attachment data that
            is not a JSON message; a dict input nested deeper than the JSON limit.
        UsageError: ``packed`` is not JSON text or a JSON object.
    Spec: DIDComm v2 "Routing Protocol 2.0", "Mediator Process".
    """
    be = backend or crypto.backend(crypto.BACKEND)

    def sender_key(skid: str) -> JWK:
        return relationship_key(resolver, skid, "key_agreement", "skid")

    if isinstance(packed, Mapping):
        obj = json_copy(dict(packed), "message")  # the limits of text input
    elif isinstance(packed, (str, bytes, bytearray)):
        obj = _json.loads(packed, field="message")
    else:
        raise UsageError(f"packed must be str, bytes or dict, not {type(packed).__name__}")
    if not isinstance(obj, dict):
        raise MalformedMessage("a forward must be a JWE (a JSON object)", "message")
    # Before any key agreement: each repeated kid of ours would cost one more.
    check_jwe_recipients(obj)
    opened = jwe.decrypt(
        obj,
        lambda kid: find_secret(secrets, kid),
        sender_key_resolver=sender_key,
        backend=be,
    )
    obj = _json.loads(opened.plaintext, field="forward")
    if not isinstance(obj, dict) or "ciphertext" in obj or "signatures" in obj:
        raise MalformedMessage("the decrypted content must be a plaintext forward message", "forward")
    message = Message._from_owned(obj)  # obj was just parsed: no copy needed
    if not is_forward(message):
        raise MalformedMessage(f"expected type {FORWARD_TYPE!r}, got {message.type!r}", "type")
    if "next" not in message.body:
        raise MalformedMessage("required member is missing", "body.next")
    nxt = message.body["next"]
    if not isinstance(nxt, str):
        raise MalformedMessage("must be a string (a DID or key id)", "body.next")
    parse_did_url(nxt, field_name="body.next")
    if message.to is not None and opened.recipient_kid is not None:
        # As for any encrypted message: ``to`` "identifies a member of the message's intended audience".
        ours = parse_did_url(opened.recipient_kid, field_name="kid").did
        if ours not in {parse_did_url(item, field_name="to").did for item in message.to}:
            raise MalformedMessage(f"decrypted with a key of {ours!r}, which is not in to", "to")
    return ForwardResult(next=nxt, forwarded=_attachment_text(message), forward_message=message, recipient_kid=opened.recipient_kid)
