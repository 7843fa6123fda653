"""Out-of-band invitations: decode any form in circulation, encode the standard one.

::

    from refdidcomm import oob

    decoded = oob.decode(scanned_text)            # URL, short URL (with fetch=), base64 blob, JSON
    decoded.kind                                  # "out-of-band/1", "out-of-band/2", "connections/1"
    decoded.tolerated                             # e.g. ("padding", "legacy-prefix")
    decoded.invitation.id                         # the pthid of the response
    for ep in oob.service_endpoints(decoded):     # Endpoint(uri, recipient_keys, routing_keys, accept, source)
        ...
    url = oob.encode_url(invitation_dict, base="https://example.com/ssi")

Three message kinds, each in its own module: Aries RFC 0434 out-of-band 1.x
(:mod:`refdidcomm._rfc0434`), DIDComm v2 out-of-band 2.0
(:mod:`refdidcomm._oob_v2`) and Aries RFC 0160 connection invitations
(:mod:`refdidcomm._rfc0160`); URLs in :mod:`refdidcomm._oob_url`; message
types in :mod:`refdidcomm._message_type`.

Decoding reads the invitation bytes exactly as they arrive (deployed agents
write non-compact JSON, e.g. ACA-Py's ``", "`` separators); nothing is
re-serialised to be checked, and every member is kept. What deviated from
the letter of the specs but was accepted is listed by name in
:attr:`Decoded.tolerated`; :data:`TOLERANCES` says what each name means.
Encoding writes compact JSON (RFC 0434: whitespace "**SHOULD** be
eliminated") in unpadded base64url.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _json, _oob_url, _oob_v2, _rfc0160, _rfc0434
from ._message_type import parse_message_type
from ._oob_url import MAX_INVITATION_BYTES, Fetcher
from ._oob_v2 import OOBInvitationV2
from ._rfc0160 import ConnectionInvitation
from ._rfc0434 import Attachment, Endpoint, OOBInvitation, Resolve, UnsupportedInvitationVersion, inline_service
from .errors import MalformedInvitation, MalformedMessage, UsageError

__all__ = [
    "Decoded",
    "Endpoint",
    "Attachment",
    "OOBInvitation",
    "OOBInvitationV2",
    "ConnectionInvitation",
    "UnsupportedInvitationVersion",
    "TOLERANCES",
    "MAX_INVITATION_BYTES",
    "decode",
    "parse",
    "encode_url",
    "service_endpoints",
    "make_invitation",
    "make_invitation_v2",
    "inline_service",
]

Invitation = Union[OOBInvitation, OOBInvitationV2, ConnectionInvitation]

#: Every name that can appear in :attr:`Decoded.tolerated`, with its meaning.
TOLERANCES: Dict[str, str] = {
    **_oob_url.TOLERANCES,
    **_rfc0434.NOTES,
    "missing-id": "a connection invitation without @id (as RFC 0160's third example)",
    "did-key-reference": "did:key values in a connection invitation, where RFC 0160 asks for base58 keys",
    "parameter-mismatch": "the URL parameter belongs to another kind of invitation (e.g. a connection invitation in oob=)",
    "non-compact-json": "whitespace between JSON tokens (RFC 0434: it SHOULD be eliminated)",
}

# The parameter each kind is defined with; d_m (RFC 0268) is generic.
_PARAMETER = {"out-of-band/1": "oob", "out-of-band/2": "_oob", "connections/1": "c_i"}


@dataclass(frozen=True)
class Decoded:
    """A decoded invitation and how it arrived.

    Attributes:
        invitation: :class:`OOBInvitation`, :class:`OOBInvitationV2` or
            :class:`ConnectionInvitation`.
        kind: ``"out-of-band/1"``, ``"out-of-band/2"`` or ``"connections/1"``.
        data: the invitation's JSON bytes exactly as decoded.
        parameter: the URL parameter it came in (``oob``, ``_oob``, ``c_i``,
            ``d_m``), or None.
        url: the URL it came in (after short-URL hops), or None.
        fetched: the URLs fetched to get it.
        tolerated: names from :data:`TOLERANCES`, URL layer first.
    """

    invitation: Invitation
    kind: str
    data: bytes
    parameter: Optional[str]
    url: Optional[str]
    fetched: Tuple[str, ...]
    tolerated: Tuple[str, ...]

    def report(self) -> Dict[str, Any]:
        """A JSON-ready summary: kind, type, id, parameter, what was tolerated, and the invitation as received."""
        return {
            "kind": self.kind,
            "type": self.invitation.type.uri,
            "id": self.invitation.id,
            "parameter": self.parameter,
            "fetched": list(self.fetched),
            "tolerated": [{"name": name, "meaning": TOLERANCES[name]} for name in self.tolerated],
            "invitation": self.invitation.to_json(),
        }


def _has_whitespace_between_tokens(data: bytes) -> bool:
    """True if the JSON text has whitespace outside strings (RFC 8259 §2 "insignificant whitespace").

    Read on the UTF-8 bytes: whitespace, ``"`` and ``\\`` are ASCII, and no
    byte of a multi-byte UTF-8 sequence is (RFC 3629 §3).
    """
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # '\\'
                escaped = True
            elif byte == 0x22:  # '"'
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b" \t\n\r":
            return True
    return False


def parse(message: Any, *, notes: Optional[List[str]] = None) -> Invitation:
    """Parse an invitation object of any of the three kinds.

    Args:
        message: the decoded JSON value (a dict).
        notes: a list that collects tolerance names.

    Returns:
        The parsed invitation.

    Raises:
        UnsupportedInvitationVersion: a known kind at another major version.
        MalformedInvitation: not an object, no ``@type``/``type``, not an
            invitation (``field`` ``@type`` or ``type``), or invalid.
    """
    notes = [] if notes is None else notes
    if not isinstance(message, dict):
        raise MalformedInvitation("an invitation must be a JSON object")
    if "@type" in message:
        try:
            mtype = parse_message_type(message["@type"], field="@type")
        except MalformedMessage as exc:
            raise MalformedInvitation(exc.reason, "@type") from None
        if mtype.protocol == _rfc0160.PROTOCOL:
            return _rfc0160.parse_invitation(message, notes=notes)
        return _rfc0434.parse_invitation(message, notes=notes)
    if "type" in message or any(name in message for name in ("body", "from", "id")):
        # a DIDComm v2 message (headers id/from/body), with or without its type
        return _oob_v2.parse_invitation(message, notes=notes)
    raise MalformedInvitation("required member is missing (@type for DIDComm v1, type for v2)", "@type")


def decode(text: str, *, fetch: Optional[Fetcher] = None, max_size: int = MAX_INVITATION_BYTES) -> Decoded:
    """Decode an invitation from whatever was scanned or pasted.

    Args:
        text: a URL (``?oob=``, ``?_oob=``, ``?c_i=``, ``?d_m=``, any scheme),
            a short URL (``?_oobid=`` or an RFC 0434 shortened URL; needs
            ``fetch``), a bare base64 blob, or the JSON itself.
        fetch: ``fetch(url, request_headers) -> (status, headers, body)`` for
            short URLs (the caller does the I/O).
        max_size: the largest invitation accepted, in decoded bytes.

    Returns:
        The :class:`Decoded` invitation.

    Raises:
        MalformedInvitation: not base64, not JSON, not an invitation (wrong
            type), missing ``@id``/``id``, over ``max_size``, or anything
            else malformed; ``field`` names the place.
        UnsupportedInvitationVersion: another major version of a known protocol.
        UsageError: ``text`` not a str; a ``_oobid`` URL without ``fetch``.

    Spec: Aries RFC 0434, RFC 0160, RFC 0268; DIDComm v2 §Out Of Band Messages.
    """
    payload = _oob_url.extract_payload(text, fetch=fetch, max_size=max_size)
    field = payload.parameter or "invitation"
    try:
        message = _json.loads(payload.data, field=field)
    except MalformedMessage as exc:
        raise MalformedInvitation(f"not JSON: {exc.reason}", field) from None
    notes = list(payload.tolerated)
    invitation = parse(message, notes=notes)
    if payload.parameter is not None and payload.parameter != "d_m" and _PARAMETER[invitation.kind] != payload.parameter:
        notes.append("parameter-mismatch")
    if _has_whitespace_between_tokens(payload.data):
        notes.append("non-compact-json")
    tolerated = tuple(dict.fromkeys(notes))
    return Decoded(invitation, invitation.kind, payload.data, payload.parameter, payload.url, payload.fetched, tolerated)


def encode_url(
    invitation: Union[Invitation, Decoded, Mapping[str, Any]],
    *,
    base: str,
    parameter: Optional[str] = None,
) -> str:
    """Write an invitation as a URL: ``{base}?oob=`` (1.x), ``?_oob=`` (v2) or ``?c_i=`` (RFC 0160).

    The invitation is checked, then written as compact JSON with its members
    in their order (unknown members kept), base64url without padding. The
    base URL's own query parameters and fragment are kept.

    Args:
        invitation: a parsed invitation, a :class:`Decoded`, or a JSON object.
        base: the absolute base URL (any scheme).
        parameter: override the parameter (one of ``oob``, ``_oob``, ``c_i``, ``d_m``).

    Returns:
        The URL.

    Raises:
        UsageError: the object is not a valid invitation; a bad ``base`` or ``parameter``.

    Spec: Aries RFC 0434 §Standard Out-of-Band Message Encoding; DIDComm v2
    §Standard Message Encoding; RFC 0160 §Standard Invitation Encoding.
    """
    if isinstance(invitation, Decoded):
        invitation = invitation.invitation
    if isinstance(invitation, (OOBInvitation, OOBInvitationV2, ConnectionInvitation)):
        parsed: Invitation = invitation
    elif isinstance(invitation, Mapping):
        try:
            parsed = parse(dict(invitation))
        except MalformedInvitation as exc:
            raise UsageError(f"not a valid invitation: {exc}") from None
    else:
        raise UsageError(f"expected an invitation or a JSON object, not {type(invitation).__name__}")
    data = _json.dumps_bytes(dict(parsed.message))
    return _oob_url.encode_url(data, base=base, parameter=parameter or _PARAMETER[parsed.kind])


def service_endpoints(
    invitation: Union[Invitation, Decoded], *, resolve: Optional[Resolve] = None, did_key: bool = False
) -> List[Endpoint]:
    """From an invitation to what a sender needs: endpoints with their keys, in preference order.

    Args:
        invitation: a parsed invitation or a :class:`Decoded`.
        resolve: ``resolve(did) -> DIDDocument`` for DID services;
            :func:`refdidcomm.did.resolve` (did:key, did:peer:2/4, ...) by default.
        did_key: write raw base58 verkeys as did:key.

    Returns:
        :class:`Endpoint` records ``(uri, recipient_keys, routing_keys, accept, source)``.

    Raises:
        MalformedInvitation: no usable service.
        UsageError: not an invitation.
    """
    if isinstance(invitation, Decoded):
        invitation = invitation.invitation
    if isinstance(invitation, OOBInvitation):
        return _rfc0434.service_endpoints(invitation.services, resolve=resolve, did_key=did_key)
    if isinstance(invitation, OOBInvitationV2):
        return _oob_v2.service_endpoints(invitation, resolve=resolve)
    if isinstance(invitation, ConnectionInvitation):
        return _rfc0160.service_endpoints(invitation, resolve=resolve, did_key=did_key)
    raise UsageError(f"expected an invitation, not {type(invitation).__name__}")


make_invitation = _rfc0434.make_invitation
make_invitation_v2 = _oob_v2.make_invitation
