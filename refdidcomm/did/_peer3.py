"""did:peer numalgo 3: a did:peer:2 shortened to the SHA-256 hash of its elements.

Peer DID Method Specification, "Method 3: DID Shortening with SHA-256 Hash"::

    peer-did-method-3 = "did:peer:3" transform encnumbasis

* "Take the SHA-256 hash of the generated DID (excluding the "did:peer:2"
  prefix)" -- the hash input is the text from the first ``.`` on, as ASCII;
* "Encode the hash using the base58btc multibase encoding" -- as a multihash:
  ``0x12`` (sha2-256) ``0x20`` (32 bytes) then the digest, base58btc with the
  ``z`` prefix (the spec's example ``zQmS19...`` is this form);
* "Method 3 peer dids can only be used after a peer did method 2 has been
  exchange with the other party and thus can map the shortened did to the
  longform one."

Resolution therefore needs the did:peer:2 (``known``). The spec does not
describe the resolved document; we take the did:peer:2 document and rename
it: ``id`` and the methods' ``controller`` become the did:peer:3, and
``alsoKnownAs`` is ``[did:peer:2]``. Relative ids (``#key-1``) are unchanged,
so key ids are ``did:peer:3...#key-1``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Iterable

from ..encoding import multibase_decode, multibase_encode, multicodec_unwrap, multicodec_wrap, varint_decode
from ..errors import MalformedDID, MalformedMessage
from ._document import DIDDocument, DIDNotFound, parse_did
from ._peer2 import peer2_document

__all__ = ["peer3_from_peer2", "multihash_sha256", "parse_multihash_sha256", "resolve_peer3", "rename_document"]

_PEER2 = "did:peer:2"
_PEER3 = "did:peer:3"
_SHA256_LENGTH = 32


def multihash_sha256(data: bytes) -> str:
    """base58btc multibase of the sha2-256 multihash of ``data`` (multiformats/multihash)."""
    digest = hashlib.sha256(data).digest()
    return multibase_encode(multicodec_wrap("sha2-256", bytes([_SHA256_LENGTH]) + digest), "base58btc")


def parse_multihash_sha256(text: Any, *, field_name: str = "did") -> bytes:
    """Decode ``z`` + base58btc(0x12 0x20 digest) and return the 32-byte digest.

    Raises:
        MalformedDID: not ``z`` multibase, not base58, not a sha2-256
            multihash, or a length other than 32.
    Spec: multiformats/multihash; Peer DID Method, methods 3 and 4.
    """
    if not isinstance(text, str) or not text.startswith("z"):
        raise MalformedDID("the hash must be base58btc multibase (prefix 'z')", field_name)
    try:
        name, rest = multicodec_unwrap(multibase_decode(text))
        length, consumed = varint_decode(rest)
    except MalformedMessage as exc:
        raise MalformedDID(f"not a multihash: {exc.reason}", field_name) from None
    if name != "sha2-256":
        raise MalformedDID(f"the multihash must be sha2-256, not {name}", field_name)
    digest = rest[consumed:]
    if length != _SHA256_LENGTH or len(digest) != _SHA256_LENGTH:
        raise MalformedDID(f"a sha2-256 multihash holds 32 bytes (length {length}, got {len(digest)})", field_name)
    return digest


def peer3_from_peer2(did: Any) -> str:
    """The did:peer:3 of a did:peer:2.

    Only the syntax of ``did`` is checked here (it must parse as a DID and
    be ``did:peer:2`` with elements); resolve it to check the rest.

    Raises:
        MalformedDID: not a did:peer:2.
    Spec: Peer DID Method, "Method 3".
    """
    parsed = parse_did(did, field_name="did")
    if parsed.method != "peer" or not parsed.method_specific_id.startswith("2."):
        raise MalformedDID("not a did:peer:2 DID", "did")
    suffix = parsed.did[len(_PEER2) :]
    return _PEER3 + multihash_sha256(suffix.encode("ascii"))


def rename_document(doc: Dict[str, Any], old: str, new: str) -> Dict[str, Any]:
    """Give a resolved document another DID: ``id``, ``controller`` members equal to ``old``, ``alsoKnownAs``."""
    doc["id"] = new
    for method in doc.get("verificationMethod", []):
        if method.get("controller") == old:
            method["controller"] = new
    doc["alsoKnownAs"] = [old]
    return doc


def resolve_peer3(did: Any, *, known: Iterable[str] = (), legacy: bool = False) -> DIDDocument:
    """Resolve a did:peer:3 through the did:peer:2 it shortens.

    Args:
        did: ``did:peer:3z...``.
        known: DIDs seen before; the did:peer:2 among them whose hash is
            ``did``'s is used (other DIDs, also malformed ones, are ignored).
        legacy: resolve the did:peer:2 in the peerdid-python 0.5.2 shape.
    Returns:
        the document (module docstring).
    Raises:
        MalformedDID: not a valid did:peer:3, or the did:peer:2 does not
            resolve.
        DIDNotFound: no did:peer:2 in ``known`` has this hash.
    Spec: Peer DID Method, "Method 3".
    """
    parsed = parse_did(did, field_name="did")
    if parsed.method != "peer" or not parsed.method_specific_id.startswith("3"):
        raise MalformedDID("not a did:peer:3 DID", "did")
    parse_multihash_sha256(parsed.method_specific_id[1:])
    for candidate in known:
        if not (isinstance(candidate, str) and candidate.startswith(_PEER2 + ".")):
            continue
        try:
            matches = peer3_from_peer2(candidate) == parsed.did
        except MalformedDID:
            continue  # junk in ``known`` is skipped; another entry may be the one
        if matches:
            # The hash matches, so this is the did:peer:2 (SHA-256); if it
            # does not resolve, no other entry can.
            doc = peer2_document(candidate, legacy=legacy)
            return DIDDocument.from_dict(rename_document(doc, candidate, parsed.did), did=parsed.did)
    raise DIDNotFound("a did:peer:3 resolves only through its did:peer:2, which is not among the known DIDs", "did")
