"""Aries RFC 0434 "Out-of-Band Protocol 1.1" invitations, and RFC 0017 attachments.

The invitation (RFC 0434 §Messages, "Invitation:
``https://didcomm.org/out-of-band/%VER/invitation``") and what is enforced:

* ``@type`` -- an ``out-of-band`` ``invitation`` of major version 1. Any
  minor version is read (RFC 0020: minor versions are "non-breaking
  additions"); 1.0 and 1.1 carry the same members, and the RFC text has no
  change log naming a difference in the invitation. Another major version is
  refused with :class:`UnsupportedInvitationVersion`. The legacy
  ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/`` prefix is accepted and reported.
* ``@id`` -- required, a non-empty string: "The ID should be used as the
  **parent** thread ID (``pthid``) for the response message", so an
  invitation without one cannot be answered.
* ``label``, ``goal_code``, ``goal``, ``imageUrl`` -- optional strings;
  ``accept`` -- optional array of strings.
* ``handshake_protocols`` -- optional array of protocol identifier URIs;
  ``requests~attach`` -- optional array of attachment descriptors. "One or
  both of ``handshake_protocols`` and ``requests~attach`` **MUST** be
  included in the message"; an empty array includes nothing (§Responses:
  "No | No | ... | Impossible").
* ``services`` -- "an array of union types ... Each item is either a
  DIDComm ``service`` object ... or a DID". We require a non-empty array.
  Inline services: "Entries without a ``type`` are assumed to be
  ``did-communication``"; "Use only entries where the ``type`` is equal to
  ``did-communication``" (others are kept, and skipped when choosing a
  service); "The ``recipientKeys`` and ``routingKeys`` within the inline
  block decorator **MUST** be ``did:key`` references". Deployed agents also
  write raw base58 Ed25519 verkeys there (the RFC 0160 habit); those are
  accepted, reported as ``raw-verkey``, and turned into did:key on request.
* Every other member is kept: :attr:`OOBInvitation.message` is the object as
  received, and ``to_json`` returns it unchanged.

Attachments -- Aries RFC 0017 §Attachment Descriptor structure (``@id``,
``description``, ``filename``, ``mime-type``, ``lastmod_time``,
``byte_count``, ``data`` with ``sha256``, ``links``, ``base64``, ``json``)
and its DIDComm v2 form (§Attachments: ``id``, ``media_type``, ``format``,
``data.hash`` in multihash, ``data.jws``). ``data`` must offer the content
by ``json``, ``base64`` or ``links``. ``base64`` is decoded leniently (RFC
0017 says Base64, DIDComm v2 says base64url; the v2 spec's own example is
padded standard base64). A ``sha256`` (RFC 0017: "Used as an integrity
check if content is inlined") or a sha2-256 ``hash`` next to ``base64`` is
checked; for ``links`` the caller checks fetched bytes with
:meth:`Attachment.check_content`. A hash next to ``json`` cannot be checked
(RFC 0017 §Signing attachments: "there is no way to enforce canonicalized
JSON") and is left alone.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import did as _did
from .did._didkey import VERKEY_MAX_LEN, decode_key_id
from .encoding import b58decode, b64_decode_lenient, multibase_decode, varint_decode
from .errors import MalformedDID, MalformedInvitation, MalformedMessage, UsageError
from ._message_type import (
    new_message_id,
    DIDCOMM_DOC_URI,
    MessageType,
    ProtocolId,
    parse_message_type,
    parse_protocol_id,
    version_problem,
)

__all__ = [
    "PROTOCOL",
    "SUPPORTED_VERSION",
    "INVITATION_TYPE",
    "SERVICE_TYPE",
    "NOTES",
    "UnsupportedInvitationVersion",
    "Attachment",
    "InlineService",
    "OtherService",
    "OOBInvitation",
    "Endpoint",
    "Resolve",
    "parse_attachment",
    "parse_invitation",
    "parse_invitation_type",
    "inline_service",
    "make_invitation",
    "finish_invitation",
    "check_did",
    "check_key_reference",
    "normalize_key",
    "endpoints_of_did",
    "resolve_mediator",
    "check_depth",
    "V1_SERVICE_TYPES",
    "V2_SERVICE_TYPES",
    "service_endpoints",
    "new_id",
]

PROTOCOL = "out-of-band"
SUPPORTED_VERSION = (1, 1)
INVITATION_TYPE = f"{DIDCOMM_DOC_URI}{PROTOCOL}/{SUPPORTED_VERSION[0]}.{SUPPORTED_VERSION[1]}/invitation"
SERVICE_TYPE = "did-communication"  # RFC 0067 §Service Conventions; RFC 0434 §The services Item

#: What this layer tolerates and reports (names, with a line each).
NOTES = {
    "legacy-prefix": "the legacy did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/ prefix, read as https://didcomm.org/",
    "newer-minor-version": "a higher minor version than this implementation speaks, read as the one it speaks",
    "wildcard-handshake-version": "a handshake protocol with minor version x (e.g. didexchange/1.x)",
    "raw-verkey": "a raw base58 Ed25519 verkey where RFC 0434 asks for a did:key",
    "attachment-@id": "a DIDComm v2 attachment with the v1 member name @id instead of id",
    "attachment-two-contents": "an attachment carrying its content in more than one form (RFC 0017: only one)",
}

# An RFC 3986 §2.3 unreserved-characters id (DIDComm v2 §Attachments: "MUST
# consist entirely of unreserved URI characters").
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_SHA2_256 = 0x12  # multicodec table: sha2-256


class UnsupportedInvitationVersion(MalformedInvitation):
    """The invitation names a major version of its protocol that this code does not speak.

    RFC 0003 semver.md: "Agents ... should reject messages from protocols with
    major versions different from those they support".

    Attributes:
        message_type: the parsed type that was refused.
    """

    def __init__(self, reason: str, field: str, message_type: MessageType) -> None:
        self.message_type = message_type
        super().__init__(reason, field)


def _note(notes: List[str], name: str) -> None:
    if name not in notes:
        notes.append(name)


def _optional_str(obj: Mapping[str, Any], name: str, where: str) -> Optional[str]:
    value = obj.get(name)
    if value is None and name not in obj:
        return None
    if not isinstance(value, str):
        raise MalformedInvitation("must be a string", f"{where}{name}")
    return value


def _string_array(value: Any, where: str, *, nonempty: bool = False) -> Tuple[str, ...]:
    if not isinstance(value, list):
        raise MalformedInvitation("must be an array", where)
    if nonempty and not value:
        raise MalformedInvitation("must not be empty", where)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise MalformedInvitation("must be a string", f"{where}[{i}]")
    return tuple(value)


def _optional_array(obj: Mapping[str, Any], name: str, where: str) -> Optional[Tuple[str, ...]]:
    if name not in obj:
        return None
    return _string_array(obj[name], f"{where}{name}")


#: The deepest JSON nesting an invitation may have: the limit
#: :func:`refdidcomm._json.loads` applies, here also for dicts a caller passes.
MAX_DEPTH = _did._document.MAX_DOCUMENT_DEPTH


def check_depth(message: Any) -> None:
    """Refuse an invitation nested deeper than :data:`MAX_DEPTH` (checked without recursion).

    Raises:
        MalformedInvitation: too deep.
    """
    try:
        _did._document.check_depth(message, "invitation", limit=MAX_DEPTH)
    except MalformedDID as exc:
        raise MalformedInvitation(exc.reason) from None


def check_did(value: Any, where: str) -> str:
    """Check that ``value`` is a DID (DID Core §3.1; no path, query or fragment).

    Raises:
        MalformedInvitation: naming ``where``.
    """
    try:
        parsed = _did.parse_did_url(value, field_name=where)
    except MalformedDID as exc:
        raise MalformedInvitation(exc.reason, where) from None
    if parsed.path or parsed.query is not None or parsed.fragment is not None:
        raise MalformedInvitation("must be a DID, not a DID URL", where)
    return parsed.did


def check_key_reference(value: Any, where: str, notes: List[str]) -> str:
    """Check one ``recipientKeys``/``routingKeys`` entry.

    Accepted: a ``did:key`` (RFC 0434: "**MUST** be ``did:key``
    references"), also with a fragment naming its own key (``did:key:z6Mk..#z6Mk..``,
    as ACA-Py writes them); another DID URL (a key in a resolvable
    document, as RFC 0067 services use); and a raw base58 32-byte key,
    reported as ``raw-verkey``. A did:key or verkey must hold a valid
    public key (on the curve, not of small order; the DID layer's checks);
    lengths are checked before base58 decoding.

    Raises:
        MalformedInvitation: anything else, naming ``where``.
    """
    if not isinstance(value, str):
        raise MalformedInvitation("must be a string", where)
    if value.startswith("did:"):
        try:
            parsed = _did.parse_did_url(value, field_name=where)
        except MalformedDID as exc:
            raise MalformedInvitation(exc.reason, where) from None
        if parsed.method == "key":
            # The DID layer's did:key decoding: length-capped, and the key is
            # checked as a point (an Ed25519 key of small order, such as the
            # identity, or a non-canonical encoding is refused).
            try:
                decode_key_id(parsed.method_specific_id, field_name=where)
            except MalformedDID as exc:
                raise MalformedInvitation(f"not a valid did:key: {exc.reason}", where) from None
            if parsed.fragment is not None and parsed.fragment != parsed.method_specific_id:
                raise MalformedInvitation("the did:key fragment names another key", where)
        return value
    # Length first: base58 decoding is quadratic, and 32 bytes are at most
    # VERKEY_MAX_LEN (44) characters.
    if len(value) > VERKEY_MAX_LEN:
        raise MalformedInvitation(
            f"neither a did:key nor a base58 verkey (a verkey is at most {VERKEY_MAX_LEN} characters, got {len(value)})",
            where,
        )
    try:
        raw = b58decode(value, max_len=VERKEY_MAX_LEN)
    except MalformedMessage:
        raise MalformedInvitation("neither a did:key nor a base58 verkey", where) from None
    if len(raw) != 32:
        raise MalformedInvitation(f"a base58 verkey must be 32 bytes, got {len(raw)}", where)
    # The same point checks as for a did:key (so that normalising it to
    # did:key later cannot fail).
    try:
        _did.verkey_to_did_key(value)
    except MalformedDID as exc:
        raise MalformedInvitation(f"not a valid Ed25519 verkey: {exc.reason}", where) from None
    _note(notes, "raw-verkey")
    return value


def normalize_key(value: str) -> str:
    """Turn a raw base58 Ed25519 verkey into its did:key; return anything else unchanged.

    Raises:
        MalformedInvitation: the verkey is not a valid Ed25519 public key.
    """
    if value.startswith("did:"):
        return value
    try:
        return _did.verkey_to_did_key(value)
    except MalformedDID as exc:
        raise MalformedInvitation(exc.reason, "recipientKeys") from None


# ---------------------------------------------------------------------------
# Attachments: Aries RFC 0017 (shape "v1") and DIDComm v2 §Attachments (shape "v2").


#: Longer than any sha2-256 multihash text (hex: 68 characters; base58btc: 47).
_MAX_HASH_TEXT = 128


def _multihash_sha256(text: str) -> Optional[bytes]:
    """The digest of a sha2-256 multihash written as multibase or bare hex, else None."""
    candidates = []
    if len(text) > _MAX_HASH_TEXT:
        return None  # checked before the (quadratic) base58 decoding
    try:
        candidates.append(multibase_decode(text))
    except MalformedMessage:
        pass
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", text):
        candidates.append(bytes.fromhex(text))
    for raw in candidates:
        try:
            code, used = varint_decode(raw)
            length, used2 = varint_decode(raw[used:])
        except MalformedMessage:
            continue
        digest = raw[used + used2 :]
        if code == _SHA2_256 and length == 32 and len(digest) == 32:
            return digest
    return None


_ABSENT = object()


@dataclass(frozen=True)
class Attachment:
    """An attachment descriptor (Aries RFC 0017 or DIDComm v2 §Attachments).

    Attributes:
        id: ``@id`` (v1) or ``id`` (v2), or None.
        media_type: ``mime-type`` (v1) or ``media_type`` (v2), or None.
        description, filename, lastmod_time, format: optional strings.
        byte_count: optional non-negative int.
        json: the ``data.json`` value (see :attr:`has_json`).
        has_json: whether ``data.json`` is present (its value may be null).
        base64: the ``data.base64`` text, or None.
        links: ``data.links`` (empty when absent).
        sha256: RFC 0017 ``data.sha256`` (hex), or None.
        hash: DIDComm v2 ``data.hash`` (multihash), or None.
        hash_checked: True if a sha256/hash was compared against inline
            base64 content (and matched; a mismatch is an error).
        raw: the descriptor as received.
    """

    id: Optional[str]
    media_type: Optional[str]
    description: Optional[str]
    filename: Optional[str]
    lastmod_time: Optional[str]
    format: Optional[str]
    byte_count: Optional[int]
    json: Any
    has_json: bool
    base64: Optional[str]
    links: Tuple[str, ...]
    sha256: Optional[str]
    hash: Optional[str]
    hash_checked: bool
    raw: Mapping[str, Any] = field(repr=False)

    def content(self) -> Optional[bytes]:
        """The inline ``base64`` content, decoded (None when there is none).

        Raises:
            MalformedInvitation: never for a parsed attachment (checked on parse).
        """
        if self.base64 is None:
            return None
        return b64_decode_lenient(self.base64).data

    def message(self) -> Optional[Dict[str, Any]]:
        """The attached DIDComm message as a JSON object (from ``json`` or JSON in ``base64``), or None.

        Raises:
            MalformedInvitation: ``base64`` content that is not a JSON object
                (``field`` ``data.base64``).
        """
        from . import _json

        if self.has_json:
            return dict(self.json) if isinstance(self.json, dict) else None
        data = self.content()
        if data is None:
            return None
        try:
            value = _json.loads(data, field="data.base64")
        except MalformedMessage as exc:
            raise MalformedInvitation(f"attached content is not JSON: {exc.reason}", "data.base64") from None
        if not isinstance(value, dict):
            raise MalformedInvitation("attached content is not a JSON object", "data.base64")
        return value

    def check_content(self, content: bytes) -> None:
        """Check fetched content (from ``links``) against ``sha256``/``hash``.

        Args:
            content: the fetched bytes.

        Raises:
            MalformedInvitation: the digest differs, or no digest can be
                checked (RFC 0017: a hash "makes the content tamper-evident";
                without one, fetched content is unverifiable).
            UsageError: ``content`` is not bytes.
        """
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise UsageError("content must be bytes")
        digest = hashlib.sha256(bytes(content)).digest()
        if self.sha256 is not None:
            if digest.hex() != self.sha256.lower():
                raise MalformedInvitation("content does not match sha256", "data.sha256")
            return
        if self.hash is not None:
            expected = _multihash_sha256(self.hash)
            if expected is None:
                raise MalformedInvitation("hash is not a sha2-256 multihash; cannot check", "data.hash")
            if digest != expected:
                raise MalformedInvitation("content does not match hash", "data.hash")
            return
        raise MalformedInvitation("the attachment carries no sha256 or hash to check against", "data")


def parse_attachment(obj: Any, where: str, *, shape: str = "v1", notes: Optional[List[str]] = None) -> Attachment:
    """Parse and check one attachment descriptor.

    Args:
        obj: the descriptor.
        where: its field path for errors, e.g. ``"requests~attach[0]"``.
        shape: ``"v1"`` (Aries RFC 0017) or ``"v2"`` (DIDComm v2).
        notes: a list that collects tolerance names.

    Returns:
        The :class:`Attachment`.

    Raises:
        MalformedInvitation: not an object; a member of the wrong type;
            ``data`` missing or offering no content; undecodable ``base64``;
            a malformed ``sha256``; a digest that does not match ``base64``;
            a v2 ``id`` that is not unreserved URI characters.

    Spec: Aries RFC 0017 §Attachment Descriptor structure; DIDComm v2 §Attachments.
    """
    notes = [] if notes is None else notes
    if not isinstance(obj, dict):
        raise MalformedInvitation("must be an object", where)
    prefix = where + "."
    if shape == "v1":
        id_name = "@id"
    else:
        id_name = "id"
        if "id" not in obj and "@id" in obj:
            # The v2 out_of_band.md example used "@id" until it was corrected.
            id_name = "@id"
            _note(notes, "attachment-@id")
    attachment_id = _optional_str(obj, id_name, prefix)
    if shape == "v2" and attachment_id is not None and not _UNRESERVED.fullmatch(attachment_id):
        raise MalformedInvitation("must consist of unreserved URI characters (DIDComm v2 §Attachments)", prefix + id_name)
    media_type = None
    for name in ("mime-type", "media_type", "mime_type"):  # RFC 0017, DIDComm v2, early v2 drafts
        if name in obj:
            media_type = _optional_str(obj, name, prefix)
            break
    byte_count = obj.get("byte_count")
    if "byte_count" in obj and (isinstance(byte_count, bool) or not isinstance(byte_count, int) or byte_count < 0):
        raise MalformedInvitation("must be a non-negative integer", prefix + "byte_count")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise MalformedInvitation("required object is missing" if "data" not in obj else "must be an object", prefix + "data")
    dprefix = prefix + "data."
    has_json = "json" in data
    b64 = _optional_str(data, "base64", dprefix)
    links = _string_array(data["links"], dprefix + "links") if "links" in data else ()
    if not has_json and b64 is None and "links" not in data:
        raise MalformedInvitation("offers no content: needs json, base64 or links", prefix + "data")
    if has_json and b64 is not None:
        _note(notes, "attachment-two-contents")
    sha256 = _optional_str(data, "sha256", dprefix)
    if sha256 is not None and not _HEX64.fullmatch(sha256):
        raise MalformedInvitation("must be 64 hex digits (a SHA-256 digest)", dprefix + "sha256")
    digest_text = _optional_str(data, "hash", dprefix)
    checked = False
    if b64 is not None:
        try:
            content = b64_decode_lenient(b64).data
        except MalformedMessage as exc:
            raise MalformedInvitation(f"not base64: {exc.reason}", dprefix + "base64") from None
        digest = hashlib.sha256(content).digest()
        if sha256 is not None:
            if digest.hex() != sha256.lower():
                raise MalformedInvitation("does not match the base64 content", dprefix + "sha256")
            checked = True
        elif digest_text is not None:
            expected = _multihash_sha256(digest_text)
            if expected is not None:
                if digest != expected:
                    raise MalformedInvitation("does not match the base64 content", dprefix + "hash")
                checked = True
    return Attachment(
        id=attachment_id,
        media_type=media_type,
        description=_optional_str(obj, "description", prefix),
        filename=_optional_str(obj, "filename", prefix),
        lastmod_time=_optional_str(obj, "lastmod_time", prefix),
        format=_optional_str(obj, "format", prefix),
        byte_count=byte_count,
        json=data.get("json"),
        has_json=has_json,
        base64=b64,
        links=links,
        sha256=sha256,
        hash=digest_text,
        hash_checked=checked,
        raw=obj,
    )


# ---------------------------------------------------------------------------
# Services.


@dataclass(frozen=True)
class InlineService:
    """An inline ``did-communication`` service (RFC 0434 §The services Item; RFC 0067).

    Attributes:
        id: the service ``id`` (``"#inline"`` in the RFC), or None.
        recipient_keys: ``recipientKeys`` as written (did:key, DID URLs or raw verkeys).
        routing_keys: ``routingKeys`` as written (empty when absent).
        service_endpoint: a URI, or a DID (a mediator; RFC 0434 §Service Endpoint).
        accept: ``accept`` when present.
        raw: the object as received.
    """

    id: Optional[str]
    recipient_keys: Tuple[str, ...]
    routing_keys: Tuple[str, ...]
    service_endpoint: str
    accept: Optional[Tuple[str, ...]]
    raw: Mapping[str, Any] = field(repr=False)

    type = SERVICE_TYPE


@dataclass(frozen=True)
class OtherService:
    """An inline service of another type: kept, and skipped when choosing a service."""

    type: str
    raw: Mapping[str, Any] = field(repr=False)


Service = Union[str, InlineService, OtherService]


def _parse_service(obj: Any, where: str, notes: List[str]) -> Service:
    if isinstance(obj, str):
        return check_did(obj, where)
    if not isinstance(obj, dict):
        raise MalformedInvitation("must be a DID or a service object", where)
    prefix = where + "."
    service_type = obj.get("type", SERVICE_TYPE)  # "Entries without a type are assumed to be did-communication"
    if not isinstance(service_type, str):
        raise MalformedInvitation("must be a string", prefix + "type")
    if service_type != SERVICE_TYPE:
        return OtherService(service_type, obj)
    if "recipientKeys" not in obj:
        raise MalformedInvitation("required member is missing", prefix + "recipientKeys")
    recipient = _string_array(obj["recipientKeys"], prefix + "recipientKeys", nonempty=True)
    for i, key in enumerate(recipient):
        check_key_reference(key, f"{prefix}recipientKeys[{i}]", notes)
    routing: Tuple[str, ...] = ()
    if "routingKeys" in obj:
        routing = _string_array(obj["routingKeys"], prefix + "routingKeys")
        for i, key in enumerate(routing):
            check_key_reference(key, f"{prefix}routingKeys[{i}]", notes)
    endpoint = obj.get("serviceEndpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise MalformedInvitation(
            "required member is missing" if "serviceEndpoint" not in obj else "must be a non-empty string (a URI or DID)",
            prefix + "serviceEndpoint",
        )
    return InlineService(
        id=_optional_str(obj, "id", prefix),
        recipient_keys=recipient,
        routing_keys=routing,
        service_endpoint=endpoint,
        accept=_optional_array(obj, "accept", prefix),
        raw=obj,
    )


# ---------------------------------------------------------------------------
# The invitation.


@dataclass(frozen=True)
class OOBInvitation:
    """A parsed Aries out-of-band invitation (RFC 0434, version 1.x).

    Attributes:
        message: the JSON object as received, every member kept.
        type: the parsed ``@type`` (legacy prefix normalised; see ``type.legacy``).
        id: ``@id``.
        label, goal_code, goal, image_url: optional strings (``imageUrl``).
        accept: ``accept`` when present.
        handshake_protocols: the parsed ``handshake_protocols`` (may be empty).
        requests: the parsed ``requests~attach`` (may be empty).
        services: DIDs (str), :class:`InlineService` or :class:`OtherService`, in order.
        notes: what was tolerated (names from :data:`NOTES`).
    """

    message: Mapping[str, Any] = field(repr=False)
    type: MessageType
    id: str
    label: Optional[str]
    goal_code: Optional[str]
    goal: Optional[str]
    image_url: Optional[str]
    accept: Optional[Tuple[str, ...]]
    handshake_protocols: Tuple[ProtocolId, ...]
    requests: Tuple[Attachment, ...]
    services: Tuple[Service, ...]
    notes: Tuple[str, ...]

    kind = "out-of-band/1"

    def to_json(self, *, normalize: bool = False) -> Dict[str, Any]:
        """The invitation as a JSON object (a deep copy).

        Args:
            normalize: write ``@type`` and ``handshake_protocols`` with the
                https prefix, and inline raw verkeys as did:key. Every other
                member is kept either way.

        Raises:
            MalformedInvitation: with ``normalize``, a raw verkey that is 32
                bytes but not an Ed25519 public key.
        """
        out = copy.deepcopy(dict(self.message))
        if not normalize:
            return out
        out["@type"] = self.type.uri
        if "handshake_protocols" in out:
            out["handshake_protocols"] = [
                pid.uri if pid.legacy else text for pid, text in zip(self.handshake_protocols, out["handshake_protocols"])
            ]
        for index, service in enumerate(self.services):
            if isinstance(service, InlineService):
                entry = out["services"][index]
                entry["recipientKeys"] = [normalize_key(k) for k in service.recipient_keys]
                if "routingKeys" in entry:
                    entry["routingKeys"] = [normalize_key(k) for k in service.routing_keys]
        return out


def parse_invitation_type(
    message: Mapping[str, Any], member: str, protocol: str, supported: Tuple[int, int], what: str
) -> MessageType:
    """Parse an invitation's message type and check that it names ``protocol``'s invitation in a readable version.

    Shared by the three invitation parsers (RFC 0434, RFC 0160, DIDComm v2);
    the caller records ``legacy-prefix`` from the result.

    Args:
        message: the invitation object.
        member: ``"@type"`` (DIDComm v1) or ``"type"`` (DIDComm v2).
        protocol: the protocol name, e.g. ``"out-of-band"``.
        supported: the ``(major, minor)`` version this implementation speaks.
        what: the kind for the error, e.g. ``"an out-of-band invitation"``.

    Returns:
        The parsed :class:`MessageType`.

    Raises:
        UnsupportedInvitationVersion: another major version (RFC 0003 semver).
        MalformedInvitation: ``member`` missing, unparseable, or not a
            ``https://didcomm.org/`` ``protocol`` ``invitation``.

    Spec: Aries RFC 0003 ``uris.md``, ``semver.md``; RFC 0020; DIDComm v2 §Message Type URI.
    """
    if member not in message:
        raise MalformedInvitation("required member is missing", member)
    try:
        mtype = parse_message_type(message[member], field=member)
    except MalformedMessage as exc:
        raise MalformedInvitation(exc.reason, member) from None
    if mtype.doc_uri != DIDCOMM_DOC_URI or mtype.protocol != protocol or mtype.name != "invitation":
        raise MalformedInvitation(f"not {what}: {message[member]!r}", member)
    problem = version_problem(mtype, supported)
    if problem is not None:
        raise UnsupportedInvitationVersion(problem, member, mtype)
    return mtype


def parse_invitation(message: Any, *, notes: Optional[List[str]] = None) -> OOBInvitation:
    """Parse and check an Aries out-of-band invitation object.

    Args:
        message: the decoded JSON value.
        notes: a list that collects tolerance names (also returned in ``notes``).

    Returns:
        The :class:`OOBInvitation`.

    Raises:
        UnsupportedInvitationVersion: ``out-of-band`` of another major version.
        MalformedInvitation: not an object; ``@type`` missing, unparseable or
            not an out-of-band invitation; ``@id`` missing or empty; neither
            ``handshake_protocols`` nor ``requests~attach``; ``services``
            missing or empty; any member of the wrong shape (``field`` names
            it, e.g. ``services[0].recipientKeys[1]``).

    Spec: Aries RFC 0434 §Messages, §The services Item; RFC 0017; RFC 0003.
    """
    notes = [] if notes is None else notes
    if not isinstance(message, dict):
        raise MalformedInvitation("an invitation must be a JSON object")
    check_depth(message)  # before anything recursive (to_json's copy), for dicts that did not come through _json.loads
    mtype = parse_invitation_type(message, "@type", PROTOCOL, SUPPORTED_VERSION, "an out-of-band invitation")
    if mtype.legacy:
        _note(notes, "legacy-prefix")
    if mtype.minor > SUPPORTED_VERSION[1]:
        _note(notes, "newer-minor-version")
    invitation_id = message.get("@id")
    if not isinstance(invitation_id, str) or not invitation_id:
        raise MalformedInvitation(
            "required member is missing" if "@id" not in message else "must be a non-empty string", "@id"
        )

    handshakes: List[ProtocolId] = []
    if "handshake_protocols" in message:
        for i, text in enumerate(_string_array(message["handshake_protocols"], "handshake_protocols")):
            where = f"handshake_protocols[{i}]"
            try:
                pid = parse_protocol_id(text, field=where, wildcard_minor=True)
            except MalformedMessage as exc:
                raise MalformedInvitation(exc.reason, where) from None
            if pid.legacy:
                _note(notes, "legacy-prefix")
            if pid.minor is None:
                _note(notes, "wildcard-handshake-version")
            handshakes.append(pid)
    requests: List[Attachment] = []
    if "requests~attach" in message:
        attached = message["requests~attach"]
        if not isinstance(attached, list):
            raise MalformedInvitation("must be an array", "requests~attach")
        for i, obj in enumerate(attached):
            requests.append(parse_attachment(obj, f"requests~attach[{i}]", shape="v1", notes=notes))
    if not handshakes and not requests:
        # RFC 0434: "One or both of handshake_protocols and requests~attach MUST be included".
        raise MalformedInvitation("needs handshake_protocols or requests~attach (RFC 0434: one or both MUST be included)")

    if "services" not in message:
        raise MalformedInvitation("required member is missing", "services")
    raw_services = message["services"]
    if not isinstance(raw_services, list):
        raise MalformedInvitation("must be an array", "services")
    if not raw_services:
        raise MalformedInvitation("must not be empty: the receiver needs a way to respond", "services")
    services = tuple(_parse_service(obj, f"services[{i}]", notes) for i, obj in enumerate(raw_services))

    return OOBInvitation(
        message=message,
        type=mtype,
        id=invitation_id,
        label=_optional_str(message, "label", ""),
        goal_code=_optional_str(message, "goal_code", ""),
        goal=_optional_str(message, "goal", ""),
        image_url=_optional_str(message, "imageUrl", ""),
        accept=_optional_array(message, "accept", ""),
        handshake_protocols=tuple(handshakes),
        requests=tuple(requests),
        services=services,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------
# From services to what a sender needs.

# resolve(did) -> DIDDocument (refdidcomm.did.resolve by default).
Resolve = Callable[[str], Any]


class Endpoint(NamedTuple):
    """Where and to whom to send a response.

    Attributes:
        uri: the transport endpoint (a URI, never a DID).
        recipient_keys: the keys to encrypt for (did:key or DID URLs).
        routing_keys: the keys to wrap forwards for, in order, the last one
            held by ``uri`` (RFC 0160 §Request Transmission).
        accept: the media-type profiles, or None when not stated.
        source: ``"inline"`` or the DID whose document declared the service.
    """

    uri: str
    recipient_keys: Tuple[str, ...]
    routing_keys: Tuple[str, ...]
    accept: Optional[Tuple[str, ...]]
    source: str


def _resolve(resolve: Optional[Resolve], did_text: str, where: str) -> Any:
    try:
        return (resolve or _did.resolve)(did_text)
    except MalformedDID as exc:
        raise MalformedInvitation(f"cannot resolve {did_text}: {exc.reason}", where) from None


#: The service types a DIDComm v1 sender (RFC 0434, RFC 0160) can use: Aries
#: RFC 0067 ``did-communication`` and its older name ``IndyAgent``. Their
#: ``recipientKeys`` are the Ed25519 verkeys RFC 0019 envelopes are built
#: for; a ``DIDCommMessaging`` service has none (its keys are X25519
#: ``keyAgreement`` keys, for DIDComm v2 JWEs), so a v1 sender cannot use it.
V1_SERVICE_TYPES: Tuple[str, ...] = tuple(_did._document.DIDCOMM_V1_SERVICES)
#: The service type a DIDComm v2 sender uses (DIDComm v2 §Service Endpoint).
V2_SERVICE_TYPES: Tuple[str, ...] = (_did._document.DIDCOMM_V2_SERVICE,)


def _services_of(doc: Any, types: Optional[Sequence[str]], problems: List[str], label: str) -> List[Any]:
    """The DIDComm endpoints of ``doc`` of the wanted types; malformed services skipped with a reason."""
    skipped: List[str] = []
    try:
        declared = _did.normalize_services(doc, skipped=skipped)
    except UsageError as exc:  # a resolve function that returned something else than a DIDDocument
        problems.append(f"{label}: {exc}")
        return []
    problems.extend(f"{label}: {reason}" for reason in skipped)
    if types is None:
        return declared
    wanted = [ep for ep in declared if ep.type in types]
    for ep in declared:
        if ep.type not in types:
            problems.append(f"{label}: {ep.id} is a {ep.type} service, not {' or '.join(types)}")
    return wanted


def resolve_mediator(
    uri: str, resolve: Optional[Resolve], where: str, *, types: Optional[Sequence[str]] = None
) -> Tuple[str, Tuple[str, ...], Optional[Tuple[str, ...]]]:
    """Resolve an endpoint that is itself a DID: (its URI, routing keys to append, its accept).

    RFC 0434 §Service Endpoint (and RFC 0160 §Agency Endpoint): "If the
    endpoint is itself a DID, the serviceEndpoint in the DIDDoc of the
    resolved DID **MUST** be a URI, and the recipientKeys **MUST** contain a
    single key. That key is appended to the end of the list of
    routingKeys". A DIDComm v2 service of the mediator has no
    ``recipientKeys``; the mediator DID itself is appended (DIDComm v2
    §Using a DID as an endpoint), followed by the mediator's own routing keys.

    Args:
        types: the service types the sender can use (:data:`V1_SERVICE_TYPES`
            for DIDComm v1 invitations, :data:`V2_SERVICE_TYPES` for v2);
            None for any DIDComm service.

    Raises:
        MalformedInvitation: the mediator cannot be resolved or declares no
            usable service (malformed services of its document are skipped;
            the reasons are in the message).
    """
    try:
        mediator = _did.parse_did_url(uri, field_name=where)
    except MalformedDID as exc:
        raise MalformedInvitation(exc.reason, where) from None
    doc = _resolve(resolve, mediator.did, where)
    problems: List[str] = []
    for ep in _services_of(doc, types, problems, mediator.did):
        if ep.uri.startswith("did:"):
            problems.append(f"{mediator.did}: {ep.id} is itself a DID (a mediator of a mediator is not followed)")
            continue
        if ep.recipient_keys:
            if len(ep.recipient_keys) != 1:
                problems.append(f"{mediator.did}: {ep.id} must have exactly one recipient key (RFC 0434)")
                continue
            return ep.uri, ep.recipient_keys + ep.routing_keys, ep.accept
        return ep.uri, (mediator.did,) + ep.routing_keys, ep.accept
    detail = f" ({'; '.join(problems)})" if problems else ""
    raise MalformedInvitation(f"the mediator {mediator.did} declares no usable DIDComm service with a URI{detail}", where)


def _v1_recipient_key(doc: Any, ref: str) -> str:
    """A DIDComm v1 recipient key as a sender can pack to it: a did:key.

    ``recipientKeys`` of a ``did-communication`` service in a DID document
    are references into the document (did:peer:2 writes ``#key-1``; RFC 0067
    allows them), which a v1 packer cannot use as they are. A reference to a
    verification method of this document becomes the did:key of its Ed25519
    key (the form OOB 1.1 uses inline); a did:key or raw verkey is kept.

    Raises:
        MalformedInvitation: the reference names no method of the document,
            or the method is not an Ed25519 key (RFC 0019 envelopes are
            addressed to Ed25519 verkeys).
    """
    if not ref.startswith("did:") or ref.startswith("did:key:"):
        return ref
    found = _did.dereference(doc, ref)
    if not isinstance(found, _did.VerificationMethod):
        raise MalformedInvitation(f"recipient key {ref!r} names no verification method", "recipientKeys")
    material = _did.key_of(found)
    if material.crv != "Ed25519":
        raise MalformedInvitation(
            f"recipient key {ref!r} is {material.crv}; DIDComm v1 envelopes need an Ed25519 key", "recipientKeys"
        )
    return _did.create_did_key(material.jwk)


def endpoints_of_did(
    did_text: str,
    *,
    resolve: Optional[Resolve] = None,
    where: str = "services",
    types: Optional[Sequence[str]] = None,
    problems: Optional[List[str]] = None,
) -> List[Endpoint]:
    """The endpoints a DID's document declares, mediator DIDs followed one hop.

    For ``did-communication`` services the recipient keys are its
    ``recipientKeys``; for ``DIDCommMessaging`` services (which have none)
    they are the document's ``keyAgreement`` methods (DIDComm v2 §Message
    Encryption: keys "from the keyAgreement section").

    A malformed service, a service of another type than ``types``, or a
    mediator hop that fails is skipped, its reason appended to ``problems``
    (when given): another service of the document may still be usable.

    Args:
        types: the service types the sender can use (:data:`V1_SERVICE_TYPES`,
            :data:`V2_SERVICE_TYPES`); None for any DIDComm service.
        problems: collects why services were skipped.

    Raises:
        MalformedInvitation: the DID cannot be resolved.
    """
    doc = _resolve(resolve, did_text, where)
    reasons: List[str] = [] if problems is None else problems
    out = []
    for ep in _services_of(doc, types, reasons, did_text):
        recipients = ep.recipient_keys or tuple(vm.id for vm in doc.key_agreement)
        if not recipients:
            reasons.append(f"{did_text}: {ep.id} has no recipient keys")
            continue
        if ep.type in V1_SERVICE_TYPES:
            try:
                recipients = tuple(_v1_recipient_key(doc, ref) for ref in recipients)
            except (MalformedDID, MalformedInvitation) as exc:
                reasons.append(f"{did_text}: {ep.id}: {exc.reason}")
                continue
        uri, routing, accept = ep.uri, ep.routing_keys, ep.accept
        if uri.startswith("did:"):
            try:
                uri, extra, mediator_accept = resolve_mediator(uri, resolve, where, types=types)
            except MalformedInvitation as exc:
                reasons.append(f"{did_text}: {ep.id}: {exc.reason}")
                continue
            routing = routing + extra
            accept = accept if accept is not None else mediator_accept
        out.append(Endpoint(uri, recipients, routing, accept, did_text))
    return out


def service_endpoints(
    services: Sequence[Service], *, resolve: Optional[Resolve] = None, did_key: bool = False
) -> List[Endpoint]:
    """Every usable endpoint of an invitation's services, in the sender's order of preference.

    Args:
        services: :attr:`OOBInvitation.services`.
        resolve: ``resolve(did) -> DIDDocument`` for DID services and
            mediator DIDs; defaults to :func:`refdidcomm.did.resolve`
            (did:key, did:peer). A DID it cannot resolve is skipped if
            another service is usable.
        did_key: write raw base58 verkeys as did:key.

    Returns:
        The endpoints (RFC 0434: "the receiver **SHOULD** prefer the entries in order").
        Of a DID service (and of a mediator DID), only the DIDComm v1
        services -- ``did-communication`` and ``IndyAgent`` (RFC 0067) --
        are used: an OOB 1.x invitation starts a DIDComm v1 exchange, and a
        ``DIDCommMessaging`` service names no v1 recipient keys (ACA-Py,
        for one, writes its did:peer:2/4 for DIDComm v1 with
        ``did-communication`` services). Their ``recipientKeys``
        references into the DID document come back as the did:key of the
        Ed25519 key they name, ready for a v1 packer. A malformed service is
        skipped with its reason.

    Raises:
        MalformedInvitation: no usable service (``field`` ``services``),
            with the reasons the candidates failed.
    """
    out: List[Endpoint] = []
    problems: List[str] = []
    for index, service in enumerate(services):
        where = f"services[{index}]"
        try:
            if isinstance(service, str):
                reasons: List[str] = []
                found = endpoints_of_did(service, resolve=resolve, where=where, types=V1_SERVICE_TYPES, problems=reasons)
                if not found:
                    detail = f" ({'; '.join(reasons)})" if reasons else ""
                    problems.append(f"{where}: {service} declares no usable DIDComm v1 service{detail}")
                out.extend(found)
            elif isinstance(service, InlineService):
                uri, routing, accept = service.service_endpoint, service.routing_keys, service.accept
                if uri.startswith("did:"):
                    uri, extra, mediator_accept = resolve_mediator(
                        uri, resolve, where + ".serviceEndpoint", types=V1_SERVICE_TYPES
                    )
                    routing = routing + extra
                    accept = accept if accept is not None else mediator_accept
                out.append(Endpoint(uri, service.recipient_keys, routing, accept, "inline"))
            else:
                problems.append(f"{where}: type {service.type!r} is not {SERVICE_TYPE}")
        except MalformedInvitation as exc:
            problems.append(str(exc))
    if not out:
        raise MalformedInvitation("no usable service: " + "; ".join(problems or ["none given"]), "services")
    if did_key:
        out = [
            e._replace(
                recipient_keys=tuple(normalize_key(k) for k in e.recipient_keys),
                routing_keys=tuple(normalize_key(k) for k in e.routing_keys),
            )
            for e in out
        ]
    return out


# ---------------------------------------------------------------------------
# Building invitations.


def new_id(rng: Optional[Callable[[int], bytes]] = None) -> str:
    """A random UUID (version 4) for ``@id``/``id``, from ``rng`` or the backend's CSPRNG.

    Raises:
        UsageError: ``rng`` is not callable or returned other than 16 bytes.
    """
    return new_message_id(rng)


def inline_service(
    endpoint: str,
    recipient_keys: Iterable[str],
    routing_keys: Iterable[str] = (),
    *,
    service_id: str = "#inline",
    accept: Optional[Iterable[str]] = None,
) -> Dict[str, Any]:
    """Build an inline ``did-communication`` service object.

    Args:
        endpoint: the service endpoint URI (or a mediator DID).
        recipient_keys: did:key values (raw verkeys are converted).
        routing_keys: did:key values, in order.
        service_id: the ``id`` (``"#inline"`` as in RFC 0434).
        accept: media-type profiles, if any.

    Raises:
        UsageError: an empty endpoint or no recipient keys, or an invalid key.
    """
    if not isinstance(endpoint, str) or not endpoint:
        raise UsageError("endpoint must be a non-empty string")
    try:
        recipients = [normalize_key(k) for k in recipient_keys]
        routing = [normalize_key(k) for k in routing_keys]
        notes: List[str] = []
        for i, key in enumerate(recipients + routing):
            check_key_reference(key, f"key {i}", notes)
    except (MalformedInvitation, AttributeError, TypeError) as exc:
        raise UsageError(f"invalid key: {exc}") from None
    if not recipients:
        raise UsageError("an inline service needs at least one recipient key")
    out: Dict[str, Any] = {"id": service_id, "type": SERVICE_TYPE, "recipientKeys": recipients, "routingKeys": routing}
    if accept is not None:
        out["accept"] = list(accept)
    out["serviceEndpoint"] = endpoint
    return out


def finish_invitation(
    message: Dict[str, Any], extra: Optional[Mapping[str, Any]], parse: Callable[[Dict[str, Any]], Any]
) -> Dict[str, Any]:
    """The builders' last step: append the ``extra`` members, then check the invitation with ``parse``.

    Args:
        message: the invitation built so far (its standard members); extended in place.
        extra: further members, written after the standard ones.
        parse: the parser of this kind of invitation.

    Returns:
        ``message``.

    Raises:
        UsageError: an extra member would overwrite a standard one, or the
            result is not a valid invitation (the reason is the parser's).
    """
    for name, value in (extra or {}).items():
        if name in message:
            raise UsageError(f"extra member {name!r} would overwrite a standard one")
        message[name] = value
    try:
        parse(message)
    except MalformedInvitation as exc:
        raise UsageError(f"not a valid invitation: {exc}") from None
    return message


def make_invitation(
    *,
    services: Sequence[Union[str, Mapping[str, Any]]],
    handshake_protocols: Optional[Sequence[str]] = None,
    requests: Optional[Sequence[Mapping[str, Any]]] = None,
    label: Optional[str] = None,
    goal_code: Optional[str] = None,
    goal: Optional[str] = None,
    accept: Optional[Sequence[str]] = None,
    image_url: Optional[str] = None,
    invitation_id: Optional[str] = None,
    extra: Optional[Mapping[str, Any]] = None,
    rng: Optional[Callable[[int], bytes]] = None,
) -> Dict[str, Any]:
    """Build an out-of-band 1.1 invitation and check it with :func:`parse_invitation`.

    Args:
        services: DIDs and/or service objects (see :func:`inline_service`).
        handshake_protocols: PIURIs, e.g. ``["https://didcomm.org/didexchange/1.1"]``.
        requests: attachment descriptors (``requests~attach``).
        label, goal_code, goal, image_url: optional strings.
        accept: media-type profiles.
        invitation_id: ``@id``; a random UUID when None.
        extra: further members, written after the standard ones.
        rng: randomness for the id.

    Returns:
        The invitation object, members in the RFC's order.

    Raises:
        UsageError: the result would not be a valid invitation (the reason
            is the parser's).
    """
    message: Dict[str, Any] = {"@type": INVITATION_TYPE, "@id": invitation_id or new_id(rng)}
    for name, value in (("label", label), ("goal_code", goal_code), ("goal", goal)):
        if value is not None:
            message[name] = value
    if accept is not None:
        message["accept"] = list(accept)
    if handshake_protocols is not None:
        message["handshake_protocols"] = list(handshake_protocols)
    if requests is not None:
        message["requests~attach"] = [dict(r) for r in requests]
    message["services"] = [s if isinstance(s, str) else dict(s) for s in services]
    if image_url is not None:
        message["imageUrl"] = image_url
    return finish_invitation(message, extra, parse_invitation)
