"""DIDComm Messaging v2 out-of-band invitations (``https://didcomm.org/out-of-band/2.0/invitation``).

DIDComm v2 §"Out Of Band Messages" (out_of_band.md) and what is enforced:

* ``type`` -- an ``out-of-band`` ``invitation`` of major version 2; another
  major version is refused with
  :class:`~refdidcomm._rfc0434.UnsupportedInvitationVersion`, and a v1
  message (``@type``) is refused here as "not a DIDComm v2 message".
* ``id`` -- required (§Message Headers: "**id** - REQUIRED"), a non-empty
  string; it becomes the response's ``pthid`` (§Message Correlation).
* ``from`` -- required here: "the DID representing the sender to be used by
  recipients for future interactions". It is where the receiver finds the
  sender's service (the invitation has no ``services`` of its own), so an
  invitation without it cannot be answered. It must be a DID (§Message
  Headers: a DID or DID URL "without the fragment component"; we require a
  plain DID, since a path or query names no service).
* ``body`` -- required object (§Message Headers: "This attribute MUST be
  present, even if empty"); ``goal_code``, ``goal`` optional strings,
  ``accept`` optional array of strings.
* ``attachments`` -- optional array of attachments (§Attachments). The spec
  lists it without "[optional]", but invitations that only start a
  relationship (e.g. mediator invitations with ``goal_code``
  ``request-mediate``) carry none, so it is not required.
* ``typ`` -- if present, ``application/didcomm-plain+json``;
  ``created_time``/``expires_time`` -- if present, non-negative integers.
* Every other header is kept (§Message Headers: unknown fields "SHOULD
  ignore them and MUST NOT fail"), and ``to_json`` returns them unchanged.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .errors import MalformedInvitation
from ._message_type import DIDCOMM_DOC_URI, MessageType
from ._rfc0434 import (
    Attachment,
    Endpoint,
    Resolve,
    check_did,
    endpoints_of_did,
    check_depth,
    finish_invitation,
    V2_SERVICE_TYPES,
    new_id,
    parse_attachment,
    parse_invitation_type,
)

__all__ = [
    "PROTOCOL",
    "SUPPORTED_VERSION",
    "INVITATION_TYPE",
    "PLAINTEXT_TYP",
    "OOBInvitationV2",
    "parse_invitation",
    "make_invitation",
    "service_endpoints",
]

PROTOCOL = "out-of-band"
SUPPORTED_VERSION = (2, 0)
INVITATION_TYPE = f"{DIDCOMM_DOC_URI}{PROTOCOL}/{SUPPORTED_VERSION[0]}.{SUPPORTED_VERSION[1]}/invitation"
PLAINTEXT_TYP = "application/didcomm-plain+json"  # DIDComm v2 §DIDComm Plaintext Messages


@dataclass(frozen=True)
class OOBInvitationV2:
    """A parsed DIDComm v2 out-of-band invitation.

    Attributes:
        message: the JSON object as received, every header kept.
        type: the parsed ``type``.
        id: ``id``.
        from_did: ``from``.
        goal_code, goal: from ``body``.
        accept: ``body.accept`` when present.
        attachments: the parsed ``attachments`` (may be empty).
        created_time, expires_time: the headers when present (UTC epoch seconds).
        notes: what was tolerated.
    """

    message: Mapping[str, Any] = field(repr=False)
    type: MessageType
    id: str
    from_did: str
    goal_code: Optional[str]
    goal: Optional[str]
    accept: Optional[Tuple[str, ...]]
    attachments: Tuple[Attachment, ...]
    created_time: Optional[int]
    expires_time: Optional[int]
    notes: Tuple[str, ...]

    kind = "out-of-band/2"

    def to_json(self, *, normalize: bool = False) -> Dict[str, Any]:
        """The invitation as a JSON object (a deep copy; ``normalize`` writes the https ``type``)."""
        out = copy.deepcopy(dict(self.message))
        if normalize:
            out["type"] = self.type.uri
        return out


def _epoch(message: Mapping[str, Any], name: str) -> Optional[int]:
    if name not in message:
        return None
    value = message[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedInvitation("must be a non-negative integer (UTC epoch seconds)", name)
    return value


def parse_invitation(message: Any, *, notes: Optional[List[str]] = None) -> OOBInvitationV2:
    """Parse and check a DIDComm v2 out-of-band invitation object.

    Args:
        message: the decoded JSON value.
        notes: a list that collects tolerance names.

    Returns:
        The :class:`OOBInvitationV2`.

    Raises:
        UnsupportedInvitationVersion: ``out-of-band`` of another major version.
        MalformedInvitation: not an object; ``type`` missing or not an
            out-of-band invitation; ``id`` missing or empty; ``from`` missing
            or not a DID; ``body`` missing or not an object; a member of the
            wrong shape (``field`` names it, e.g. ``body.accept[0]``).

    Spec: DIDComm Messaging v2 §Out Of Band Messages, §Message Headers, §Attachments.
    """
    notes = [] if notes is None else notes
    if not isinstance(message, dict):
        raise MalformedInvitation("an invitation must be a JSON object")
    check_depth(message)  # before anything recursive (to_json's copy), for dicts that did not come through _json.loads
    if "type" not in message and "@type" in message:
        raise MalformedInvitation("a DIDComm v1 message (@type), not a DIDComm v2 one", "type")
    mtype = parse_invitation_type(message, "type", PROTOCOL, SUPPORTED_VERSION, "an out-of-band invitation")
    if mtype.legacy:
        notes.append("legacy-prefix")
    if mtype.minor > SUPPORTED_VERSION[1] and "newer-minor-version" not in notes:
        notes.append("newer-minor-version")
    if "typ" in message and message["typ"] != PLAINTEXT_TYP:
        raise MalformedInvitation(f"must be {PLAINTEXT_TYP} for a plaintext message", "typ")
    invitation_id = message.get("id")
    if not isinstance(invitation_id, str) or not invitation_id:
        raise MalformedInvitation("required member is missing" if "id" not in message else "must be a non-empty string", "id")
    if "from" not in message:
        raise MalformedInvitation("required member is missing: the receiver finds the sender's service through it", "from")
    from_did = check_did(message["from"], "from")
    body = message.get("body")
    if not isinstance(body, dict):
        raise MalformedInvitation("required member is missing" if "body" not in message else "must be an object", "body")
    values: Dict[str, Optional[str]] = {}
    for name in ("goal_code", "goal"):
        value = body.get(name)
        if name in body and not isinstance(value, str):
            raise MalformedInvitation("must be a string", f"body.{name}")
        values[name] = value
    accept: Optional[Tuple[str, ...]] = None
    if "accept" in body:
        if not isinstance(body["accept"], list):
            raise MalformedInvitation("must be an array", "body.accept")
        for i, item in enumerate(body["accept"]):
            if not isinstance(item, str):
                raise MalformedInvitation("must be a string", f"body.accept[{i}]")
        accept = tuple(body["accept"])
    attachments: List[Attachment] = []
    if "attachments" in message:
        if not isinstance(message["attachments"], list):
            raise MalformedInvitation("must be an array", "attachments")
        for i, obj in enumerate(message["attachments"]):
            attachments.append(parse_attachment(obj, f"attachments[{i}]", shape="v2", notes=notes))
    return OOBInvitationV2(
        message=message,
        type=mtype,
        id=invitation_id,
        from_did=from_did,
        goal_code=values["goal_code"],
        goal=values["goal"],
        accept=accept,
        attachments=tuple(attachments),
        created_time=_epoch(message, "created_time"),
        expires_time=_epoch(message, "expires_time"),
        notes=tuple(notes),
    )


def service_endpoints(invitation: OOBInvitationV2, *, resolve: Optional[Resolve] = None) -> List[Endpoint]:
    """The endpoints of the sender, from the document of ``from``.

    Args:
        invitation: the parsed invitation.
        resolve: ``resolve(did) -> DIDDocument``; :func:`refdidcomm.did.resolve` by default.

    Raises:
        MalformedInvitation: ``from`` cannot be resolved or declares no
            usable DIDComm service (``field`` ``from``).
    """
    # Only DIDCommMessaging services (DIDComm v2 §Service Endpoint); a
    # malformed one is skipped when another is usable.
    reasons: List[str] = []
    try:
        found = endpoints_of_did(invitation.from_did, resolve=resolve, where="from", types=V2_SERVICE_TYPES, problems=reasons)
    except MalformedInvitation as exc:
        raise MalformedInvitation(f"no usable service: {exc.reason}", "from") from None
    if not found:
        detail = f" ({'; '.join(reasons)})" if reasons else ""
        raise MalformedInvitation(
            f"no usable service: {invitation.from_did} declares no DIDCommMessaging service{detail}", "from"
        )
    return found


def make_invitation(
    *,
    from_did: str,
    goal_code: Optional[str] = None,
    goal: Optional[str] = None,
    accept: Optional[Sequence[str]] = None,
    attachments: Optional[Sequence[Mapping[str, Any]]] = None,
    invitation_id: Optional[str] = None,
    extra: Optional[Mapping[str, Any]] = None,
    rng: Optional[Callable[[int], bytes]] = None,
) -> Dict[str, Any]:
    """Build a DIDComm v2 out-of-band invitation and check it with :func:`parse_invitation`.

    Args:
        from_did: the sender's DID (e.g. a did:peer:2 with a service).
        goal_code, goal: optional strings.
        accept: media-type profiles, e.g. ``["didcomm/v2"]``.
        attachments: attachment objects (DIDComm v2 shape).
        invitation_id: ``id``; a random UUID when None.
        extra: further headers.
        rng: randomness for the id.

    Raises:
        UsageError: the result would not be a valid invitation.
    """
    body: Dict[str, Any] = {}
    if goal_code is not None:
        body["goal_code"] = goal_code
    if goal is not None:
        body["goal"] = goal
    if accept is not None:
        body["accept"] = list(accept)
    message: Dict[str, Any] = {
        "type": INVITATION_TYPE,
        "id": invitation_id or new_id(rng),
        "from": from_did,
        "body": body,
    }
    if attachments is not None:
        message["attachments"] = [dict(a) for a in attachments]
    return finish_invitation(message, extra, parse_invitation)
