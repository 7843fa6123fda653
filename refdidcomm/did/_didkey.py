"""The did:key method (W3C CCG, "The did:key Method v0.7"), and DIDComm v1 verkeys.

``did:key:<Multikey>``: the method-specific id is the base58btc multibase of
the multicodec-prefixed public key (EC keys as compressed points). Resolving
expands the key into a document (§ "Document Creation Algorithm"):

* one verification method with id ``<did>#<Multikey>``, type ``Multikey``,
  ``controller`` the DID and ``publicKeyMultibase`` the Multikey (the v0.7
  default ``publicKeyFormat``);
* verification relationships by key type, as the method's test vectors have
  them: Ed25519 in ``authentication``, ``assertionMethod``,
  ``capabilityInvocation`` and ``capabilityDelegation``; X25519 in
  ``keyAgreement`` only; P-256, P-384, P-521 and secp256k1 in all five;
* for Ed25519, the "Encryption Method Creation Algorithm" (on by default,
  ``enableEncryptionKeyDerivation``): the X25519 key u = (1 + y)/(1 - y)
  (RFC 7748 §4.1) becomes a second method ``<did>#<X25519 Multikey>`` in
  ``keyAgreement``.

Decoding checks the v0.7 "Decode Public Key Algorithm" conditions: the
multibase prefix is ``z`` (``invalidDid``), the multicodec is a known public
key type, the key has that type's length (``invalidPublicKeyLength``), and
the key is valid (``invalidPublicKey``: Ed25519 points must be canonical and
not of small order, EC points on the curve). Every failure is a
:class:`~refdidcomm.errors.MalformedDID` with the reason.

DIDComm v1 (Aries RFC 0019, RFC 0360) names Ed25519 keys by their raw base58
"verkey"; :func:`verkey_to_did_key` and :func:`did_key_to_verkey` convert.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple, Union

from .. import crypto
from .._rfc7517 import JWK
from ..encoding import b58decode, b58encode, multikey_decode, multikey_encode
from ..errors import MalformedDID, MalformedMessage, UsageError
from ._document import DIDDocument, jwk_of_multikey, multikey_of, parse_did, parse_did_url

__all__ = [
    "DID_CONTEXT",
    "MULTIKEY_CONTEXT",
    "decode_key_id",
    "key_document",
    "create_did_key",
    "resolve_did_key",
    "verkey_to_did_key",
    "did_key_to_verkey",
    "multikey_text",
    "VERKEY_MAX_LEN",
]

#: The DID Core context (DID Core §6.3.1) and the Multikey context (Controlled Identifiers §2.2.2).
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

_SIGNING = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")
# Relationships of the single key, by codec (the did:key test vectors:
# ed25519-x25519.json, x25519.json, nist-curves.json, secp256k1.json).
_RELATIONSHIPS_BY_CODEC = {
    "ed25519-pub": _SIGNING,
    "x25519-pub": ("keyAgreement",),
    "p256-pub": _SIGNING + ("keyAgreement",),
    "p384-pub": _SIGNING + ("keyAgreement",),
    "p521-pub": _SIGNING + ("keyAgreement",),
    "secp256k1-pub": _SIGNING + ("keyAgreement",),
}
_PREFIX = "did:key:"
#: The longest base58 text of a 32-byte key (ceil(32 * log(256) / log(58)) = 44).
VERKEY_MAX_LEN = 44


def decode_key_id(multikey: Any, *, field_name: str = "did") -> Tuple[str, bytes]:
    """Decode and validate the Multikey of a did:key (or did:peer:0).

    Args:
        multikey: the method-specific id, ``z...``.
        field_name: where it came from, for errors.
    Returns:
        ``(codec name, raw key)``; the key is a valid public key of that type.
    Raises:
        MalformedDID: not ``z`` multibase, bad base58 or varint, unknown or
            non-public-key codec, wrong length, uncompressed or invalid point,
            non-canonical or small-order Ed25519 key.
    Spec: did:key v0.7 "Decode Public Key Algorithm".
    """
    if not isinstance(multikey, str):
        raise MalformedDID("the key must be a string", field_name)
    if not multikey.startswith("z"):
        # v0.7: "If the multibaseValue does not begin with z, an invalidDid error MUST be raised."
        raise MalformedDID("the key must be base58btc multibase (prefix 'z')", field_name)
    try:
        codec, key = multikey_decode(multikey)
    except MalformedMessage as exc:
        raise MalformedDID(exc.reason, field_name) from None
    if codec not in _RELATIONSHIPS_BY_CODEC:
        raise MalformedDID(f"multicodec {codec} is not a public key type of did:key", field_name)
    try:
        jwk_of_multikey(codec, key)  # validates the key itself
    except MalformedDID as exc:
        raise MalformedDID(exc.reason, field_name) from None
    return codec, key


def key_document(did: str, multikey: str) -> Dict[str, Any]:
    """The did:key document of ``multikey`` under the DID ``did``.

    Shared with did:peer:0, which the peer DID spec makes "functionally
    equivalent to a did:key value".

    Args:
        did: the DID (``did:key:...`` or ``did:peer:0...``).
        multikey: the key, ``z...``.
    Returns:
        the document JSON.
    Raises:
        MalformedDID: as :func:`decode_key_id`.
    Spec: did:key v0.7 "Document Creation Algorithm", "Signature Method
        Creation Algorithm", "Encryption Method Creation Algorithm".
    """
    codec, key = decode_key_id(multikey)
    methods: List[Dict[str, Any]] = [_method(did, multikey)]
    doc: Dict[str, Any] = {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], "id": did, "verificationMethod": methods}
    for relationship in _RELATIONSHIPS_BY_CODEC[codec]:
        doc[relationship] = [methods[0]["id"]]
    if codec == "ed25519-pub":
        # "Encryption Method Creation Algorithm": Ed25519 -> X25519 through
        # the birational map of RFC 7748 §4.1 (the facade rejects
        # non-canonical and small-order keys; decode_key_id already did).
        x25519 = multikey_encode("x25519-pub", crypto.ed25519_pk_to_x25519(key))
        methods.append(_method(did, x25519))
        doc["keyAgreement"] = [methods[1]["id"]]
    return doc


def _method(did: str, multikey: str) -> Dict[str, Any]:
    return {"id": f"{did}#{multikey}", "type": "Multikey", "controller": did, "publicKeyMultibase": multikey}


def multikey_text(key: Union[JWK, str]) -> str:
    """A JWK (its public part) or a Multikey string, as a validated Multikey string.

    Raises:
        UsageError: neither a JWK nor a valid public-key Multikey.
    """
    if isinstance(key, JWK):
        return multikey_of(key)
    if isinstance(key, str):
        try:
            decode_key_id(key, field_name="key")
        except MalformedDID as exc:
            raise UsageError(f"not a usable Multikey: {exc.reason}") from None
        return key
    raise UsageError(f"a key must be a JWK or a Multikey string, not {type(key).__name__}")


def create_did_key(key: Union[JWK, str]) -> str:
    """Create the did:key of a public key.

    Args:
        key: a :class:`~refdidcomm.jwk.JWK` (public or private; only the
            public part is used) on Ed25519, X25519, P-256, P-384, P-521 or
            secp256k1, or a Multikey string.
    Returns:
        ``did:key:z...``.
    Raises:
        UsageError: not a JWK or Multikey, or an invalid Multikey.
    Spec: did:key v0.7 "Create".
    """
    return _PREFIX + multikey_text(key)


def resolve_did_key(did: Any) -> DIDDocument:
    """Resolve a did:key into its document.

    Args:
        did: ``did:key:z...`` (a DID; no fragment).
    Returns:
        the :class:`~refdidcomm.did.DIDDocument` (layout in the module docstring).
    Raises:
        MalformedDID: not a did:key DID, or the key fails
            :func:`decode_key_id`.
    Spec: did:key v0.7 "Read (Resolve)".
    """
    parsed = parse_did(did, field_name="did")
    if parsed.method != "key":
        raise MalformedDID(f"not a did:key DID (method {parsed.method!r})", "did")
    return DIDDocument.from_dict(key_document(parsed.did, parsed.method_specific_id), did=parsed.did)


def verkey_to_did_key(verkey: Any) -> str:
    """Convert a DIDComm v1 raw base58 Ed25519 verkey to its did:key.

    Args:
        verkey: base58btc of the 32-byte Ed25519 public key.
    Returns:
        ``did:key:z6Mk...``.
    Raises:
        MalformedDID: not a string, not base58, not 32 bytes, or not a valid
            Ed25519 public key.
    Spec: Aries RFC 0360 (did:key usage in DIDComm v1); did:key v0.7.
    """
    if not isinstance(verkey, str):
        raise MalformedDID("a verkey must be a base58 string", "verkey")
    try:
        # base58 of 32 bytes is at most 44 characters.
        raw = b58decode(verkey, max_len=VERKEY_MAX_LEN)
    except MalformedMessage as exc:
        raise MalformedDID(exc.reason, "verkey") from None
    if len(raw) != 32:
        raise MalformedDID(f"an Ed25519 verkey is 32 bytes, got {len(raw)}", "verkey")
    multikey = multikey_encode("ed25519-pub", raw)
    decode_key_id(multikey, field_name="verkey")
    return _PREFIX + multikey


def did_key_to_verkey(did_key: Any) -> str:
    """Convert an Ed25519 did:key (or its key's DID URL) to the raw base58 verkey.

    Accepted: ``did:key:z6Mk...`` and ``did:key:z6Mk...#z6Mk...`` (the
    fragment must repeat the key, as the method's verification method id
    does; DIDComm v1 ``recipientKeys`` carry this form).

    Args:
        did_key: the did:key or DID URL.
    Returns:
        base58btc of the 32-byte Ed25519 public key.
    Raises:
        MalformedDID: not a did:key, an invalid key, a key that is not
            Ed25519, or a fragment naming another key.
    Spec: Aries RFC 0360; did:key v0.7.
    """
    parsed = parse_did_url(did_key, field_name="did")
    if parsed.method != "key":
        raise MalformedDID(f"not a did:key (method {parsed.method!r})", "did")
    if parsed.path or parsed.query is not None:
        raise MalformedDID("a did:key DID URL with a path or query is not a key", "did")
    if parsed.fragment is not None and parsed.fragment != parsed.method_specific_id:
        raise MalformedDID("the fragment does not name this did:key's own key", "did")
    codec, key = decode_key_id(parsed.method_specific_id)
    if codec != "ed25519-pub":
        raise MalformedDID(f"a verkey is an Ed25519 key; this did:key holds {codec}", "did")
    return b58encode(key)
