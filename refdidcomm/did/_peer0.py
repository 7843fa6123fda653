"""did:peer numalgo 0: the inception key without a document.

Peer DID Method Specification, "Method 0: inception key without doc": "a
single keypair is chosen, having all possible privileges ... (and
algorithmic derivations thereof, to provide key agreement versus signing and
so forth) ... This makes the DID functionally equivalent to a did:key
value": ``did:key:z6Mkp...`` is equivalent to ``did:peer:0z6Mkp...``.

So the default resolution is the did:key document (:mod:`._didkey`) under
the did:peer:0 DID, including the X25519 key agreement method derived from
an Ed25519 key.

``legacy=True`` instead reproduces the document peerdid-python 0.5.2 returns
(its default MULTIBASE format, which predates the 2023 clarifications): one
method with id ``#`` + the first 8 characters of the Multikey after ``z``
(``#6MkqRYqQ``), type ``Ed25519VerificationKey2020`` or
``X25519KeyAgreementKey2020``, and no derived key agreement method. The
helpers for that shape are shared with did:peer:2's legacy mode.
"""

from __future__ import annotations

from typing import Any, Dict, List, Union

from .._rfc7517 import JWK
from ..errors import MalformedDID
from ._didkey import DID_CONTEXT, MULTIKEY_CONTEXT, decode_key_id, key_document, multikey_text
from ._document import DIDDocument, parse_did

__all__ = [
    "create_peer0",
    "resolve_peer0",
    "legacy_method",
    "legacy_context",
    "LEGACY_SIGNING_RELATIONSHIPS",
]

_PREFIX = "did:peer:0"

# peerdid-python 0.5.2 (its default "MULTIBASE" format): verification method
# type and JSON-LD context by key codec. Other key types (which peerdid
# rejects) get the 2023 Multikey type in legacy mode too.
_LEGACY_SUITES = {
    "ed25519-pub": ("Ed25519VerificationKey2020", "https://w3id.org/security/suites/ed25519-2020/v1"),
    "x25519-pub": ("X25519KeyAgreementKey2020", "https://w3id.org/security/suites/x25519-2020/v1"),
}
#: Where peerdid-python 0.5.2 puts a signing key: all four signing
#: relationships (its numalgo 0 and numalgo 2 ``V`` vectors).
LEGACY_SIGNING_RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")


def legacy_method(did: str, multikey: str) -> Dict[str, Any]:
    """The peerdid-python 0.5.2 verification method of a key.

    Args:
        did: the controller DID.
        multikey: the key, ``z...``.
    Returns:
        ``{"id": "#" + multikey[1:9], "type": ..., "controller": did,
        "publicKeyMultibase": multikey}``.
    Raises:
        MalformedDID: ``multikey`` is not a valid key (:func:`decode_key_id`).
    """
    codec, _ = decode_key_id(multikey)
    vm_type = _LEGACY_SUITES.get(codec, ("Multikey", MULTIKEY_CONTEXT))[0]
    return {"id": "#" + multikey[1:9], "type": vm_type, "controller": did, "publicKeyMultibase": multikey}


def legacy_context(multikeys: List[str]) -> List[str]:
    """The ``@context`` peerdid-python 0.5.2 writes: DID Core, then one suite per key type in order of appearance."""
    out = [DID_CONTEXT]
    for multikey in multikeys:
        codec, _ = decode_key_id(multikey)
        context = _LEGACY_SUITES.get(codec, ("Multikey", MULTIKEY_CONTEXT))[1]
        if context not in out:
            out.append(context)
    return out


def create_peer0(key: Union[JWK, str]) -> str:
    """Create the did:peer:0 of an inception key.

    Args:
        key: a :class:`~refdidcomm.jwk.JWK` (public part used) or a Multikey string.
    Returns:
        ``did:peer:0z...``.
    Raises:
        UsageError: not a JWK or a valid Multikey.
    Spec: Peer DID Method, "Method 0".
    """
    return _PREFIX + multikey_text(key)


def resolve_peer0(did: Any, *, legacy: bool = False) -> DIDDocument:
    """Resolve a did:peer:0.

    Args:
        did: ``did:peer:0z...``.
        legacy: return the peerdid-python 0.5.2 document shape instead of the
            did:key-equivalent one.
    Returns:
        the document.
    Raises:
        MalformedDID: not a did:peer:0, or an invalid key (as did:key).
    Spec: Peer DID Method, "Method 0"; did:key v0.7.
    """
    parsed = parse_did(did, field_name="did")
    if parsed.method != "peer" or not parsed.method_specific_id.startswith("0"):
        raise MalformedDID("not a did:peer:0 DID", "did")
    multikey = parsed.method_specific_id[1:]
    if not legacy:
        return DIDDocument.from_dict(key_document(parsed.did, multikey), did=parsed.did)
    codec, _ = decode_key_id(multikey)
    vm = legacy_method(parsed.did, multikey)
    doc: Dict[str, Any] = {"@context": legacy_context([multikey]), "id": parsed.did, "verificationMethod": [vm]}
    relationships = ("keyAgreement",) if codec == "x25519-pub" else LEGACY_SIGNING_RELATIONSHIPS
    if codec not in _LEGACY_SUITES:
        relationships = LEGACY_SIGNING_RELATIONSHIPS + ("keyAgreement",)
    for name in relationships:
        doc[name] = [vm["id"]]
    return DIDDocument.from_dict(doc, did=parsed.did)
