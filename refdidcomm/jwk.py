"""JSON Web Keys for DIDComm: OKP (Ed25519, X25519) and EC (P-256, P-384, P-521, secp256k1).

The implementation is :mod:`refdidcomm._rfc7517` (RFC 7517, RFC 7518 §6.2,
RFC 8037 §2, RFC 8812 §3.2, RFC 7638 thumbprints). A :class:`JWK` holds its
key material as raw bytes and is validated on construction::

    key = JWK.from_dict({"kty": "OKP", "crv": "X25519", "x": "...", "d": "...", "kid": "did:example:bob#key-1"})
    key.to_dict()            # public members only
    key.thumbprint()         # RFC 7638, SHA-256, base64url
    generate("P-256", kid="did:example:alice#key-p256-1")
"""

from __future__ import annotations

from ._rfc7517 import JWK, KeyNotFound, generate

__all__ = ["JWK", "KeyNotFound", "generate"]
