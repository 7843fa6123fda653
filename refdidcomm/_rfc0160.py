"""Aries RFC 0160 connection invitations (``connections/1.0/invitation``), as found in ``?c_i=``.

Decoded so that old invitations still open; refdidcomm does not run the
connection protocol itself. RFC 0160 §"0. Invitation to Connect" and what
is enforced:

* ``@type`` -- a ``connections`` ``invitation`` of major version 1; the
  legacy ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/`` prefix (which every RFC
  0160 example once used, and its example URL still encodes) is accepted and
  reported.
* ``@id`` -- optional here, reported as ``missing-id`` when absent: the
  RFC's own third example ("Invitation Message with Keys and DID Service
  Endpoint Reference") has none, and nothing in RFC 0160 refers to it later
  (the request does not name the invitation).
* Either ``did`` ("publicly resolvable did") or ``recipientKeys`` and
  ``serviceEndpoint`` (``routingKeys`` optional) -- "The necessary data that
  an invitation to connect must result in is: suggested label, publicly
  resolvable did OR suggested label, recipientKeys, serviceEndpoint,
  routingKeys (optional)". Both at once is refused as ambiguous.
* Keys "must be inline keys, not DID key references ... the key must be
  base58 encoded". did:key values are accepted too and reported as
  ``did-key-reference``.
* ``label``, ``imageUrl`` -- optional strings. Every other member is kept.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import MalformedInvitation
from ._message_type import MessageType
from ._rfc0434 import (
    Endpoint,
    Resolve,
    resolve_mediator,
    check_did,
    check_key_reference,
    endpoints_of_did,
    check_depth,
    normalize_key,
    parse_invitation_type,
    V1_SERVICE_TYPES,
)

__all__ = ["PROTOCOL", "SUPPORTED_VERSION", "ConnectionInvitation", "parse_invitation", "service_endpoints"]

PROTOCOL = "connections"
SUPPORTED_VERSION = (1, 0)


@dataclass(frozen=True)
class ConnectionInvitation:
    """A parsed RFC 0160 connection invitation.

    Attributes:
        message: the JSON object as received.
        type: the parsed ``@type``.
        id: ``@id``, or None.
        label, image_url: optional strings.
        did: the public DID, or None.
        recipient_keys, routing_keys: the inline keys as written (empty with ``did``).
        service_endpoint: the endpoint URI or DID, or None with ``did``.
        notes: what was tolerated.
    """

    message: Mapping[str, Any] = field(repr=False)
    type: MessageType
    id: Optional[str]
    label: Optional[str]
    image_url: Optional[str]
    did: Optional[str]
    recipient_keys: Tuple[str, ...]
    routing_keys: Tuple[str, ...]
    service_endpoint: Optional[str]
    notes: Tuple[str, ...]

    kind = "connections/1"

    def to_json(self, *, normalize: bool = False) -> Dict[str, Any]:
        """The invitation as a JSON object (a deep copy; ``normalize`` writes the https ``@type``)."""
        out = copy.deepcopy(dict(self.message))
        if normalize:
            out["@type"] = self.type.uri
        return out


def _keys(message: Mapping[str, Any], name: str, notes: List[str], *, required: bool) -> Tuple[str, ...]:
    if name not in message:
        if required:
            raise MalformedInvitation("required member is missing", name)
        return ()
    value = message[name]
    if not isinstance(value, list) or (required and not value):
        raise MalformedInvitation("must be a non-empty array" if required else "must be an array", name)
    for i, key in enumerate(value):
        where = f"{name}[{i}]"
        check_key_reference(key, where, notes)
        if key.startswith("did:") and "did-key-reference" not in notes:
            notes.append("did-key-reference")
    return tuple(value)


def parse_invitation(message: Any, *, notes: Optional[List[str]] = None) -> ConnectionInvitation:
    """Parse and check an RFC 0160 connection invitation.

    Args:
        message: the decoded JSON value.
        notes: a list that collects tolerance names (the raw base58 keys the
            RFC prescribes are *not* reported).

    Returns:
        The :class:`ConnectionInvitation`.

    Raises:
        UnsupportedInvitationVersion: ``connections`` of another major version.
        MalformedInvitation: not an object; not a connections invitation;
            neither ``did`` nor ``recipientKeys``/``serviceEndpoint``, or
            both; a member of the wrong shape.

    Spec: Aries RFC 0160 §0. Invitation to Connect.
    """
    notes = [] if notes is None else notes
    if not isinstance(message, dict):
        raise MalformedInvitation("an invitation must be a JSON object")
    check_depth(message)  # before anything recursive (to_json's copy), for dicts that did not come through _json.loads
    mtype = parse_invitation_type(message, "@type", PROTOCOL, SUPPORTED_VERSION, "a connection invitation")
    if mtype.legacy:
        notes.append("legacy-prefix")
    invitation_id = message.get("@id")
    if "@id" not in message:
        notes.append("missing-id")
    elif not isinstance(invitation_id, str) or not invitation_id:
        raise MalformedInvitation("must be a non-empty string", "@id")
    strings: Dict[str, Optional[str]] = {}
    for name in ("label", "imageUrl", "serviceEndpoint"):
        value = message.get(name)
        if name in message and not isinstance(value, str):
            raise MalformedInvitation("must be a string", name)
        strings[name] = value
    # RFC 0160 scans raw verkeys as the norm: collect their "raw-verkey" notes apart and drop them.
    key_notes: List[str] = []
    if "did" in message:
        if any(name in message for name in ("recipientKeys", "serviceEndpoint", "routingKeys")):
            raise MalformedInvitation("has both did and inline keys/endpoint; RFC 0160 allows one or the other", "did")
        public_did = check_did(message["did"], "did")
        recipients: Tuple[str, ...] = ()
        routing: Tuple[str, ...] = ()
    else:
        public_did = None
        if "recipientKeys" not in message and "serviceEndpoint" not in message:
            raise MalformedInvitation("needs did, or recipientKeys and serviceEndpoint (RFC 0160)")
        recipients = _keys(message, "recipientKeys", key_notes, required=True)
        routing = _keys(message, "routingKeys", key_notes, required=False)
        if not strings["serviceEndpoint"]:
            raise MalformedInvitation(
                "required member is missing" if "serviceEndpoint" not in message else "must not be empty", "serviceEndpoint"
            )
    notes.extend(n for n in key_notes if n != "raw-verkey" and n not in notes)
    return ConnectionInvitation(
        message=message,
        type=mtype,
        id=invitation_id,
        label=strings["label"],
        image_url=strings["imageUrl"],
        did=public_did,
        recipient_keys=recipients,
        routing_keys=routing,
        service_endpoint=strings["serviceEndpoint"],
        notes=tuple(notes),
    )


def service_endpoints(
    invitation: ConnectionInvitation, *, resolve: Optional[Resolve] = None, did_key: bool = False
) -> List[Endpoint]:
    """Where to send the connection request.

    Args:
        invitation: the parsed invitation.
        resolve: for the public DID and an agency DID endpoint
            (:func:`refdidcomm.did.resolve` by default, which resolves
            did:key and did:peer; did:sov needs the caller's resolver).
        did_key: write the raw base58 keys as did:key.

    Raises:
        MalformedInvitation: nothing usable (``field`` ``services``).

    Spec: RFC 0160 §Agency Endpoint: "If the endpoint is not a URI but a DID
    itself ... the recipientKeys must contain a single key. That key is
    appended to the end of the list of routingKeys".
    """
    if invitation.did is not None:
        # Only DIDComm v1 services (RFC 0067): a connection request is a
        # DIDComm v1 message. Malformed services are skipped, with reasons.
        reasons: List[str] = []
        try:
            found = endpoints_of_did(invitation.did, resolve=resolve, where="did", types=V1_SERVICE_TYPES, problems=reasons)
        except MalformedInvitation as exc:
            raise MalformedInvitation(f"no usable service: {exc.reason}", "did") from None
        if not found:
            detail = f" ({'; '.join(reasons)})" if reasons else ""
            raise MalformedInvitation(f"no usable service: {invitation.did} declares no DIDComm v1 service{detail}", "did")
    else:
        uri = invitation.service_endpoint or ""
        routing = invitation.routing_keys
        accept = None
        if uri.startswith("did:"):
            try:
                uri, extra, accept = resolve_mediator(uri, resolve, "serviceEndpoint", types=V1_SERVICE_TYPES)
            except MalformedInvitation as exc:
                raise MalformedInvitation(f"no usable service: {exc.reason}", "serviceEndpoint") from None
            routing = routing + extra
        found = [Endpoint(uri, invitation.recipient_keys, routing, accept, "inline")]
    if not found:
        raise MalformedInvitation(f"no usable service: {invitation.did} declares no DIDComm service", "did")
    if did_key:
        found = [
            e._replace(
                recipient_keys=tuple(normalize_key(k) for k in e.recipient_keys),
                routing_keys=tuple(normalize_key(k) for k in e.routing_keys),
            )
            for e in found
        ]
    return found
