"""DIDComm v2 signed messages and JWTs: JWS with EdDSA, ES256 and ES256K.

The implementation is :mod:`refdidcomm._rfc7515` (RFC 7515, RFC 7518 §3.4,
RFC 8037 §3.1, RFC 8812 §3.2, RFC 6979)::

    signed = sign(payload, [alice_ed25519])              # General JSON, typ application/didcomm-signed+json
    result = verify(signed, {"did:example:alice#key-1": alice_public})
    token = sign_compact(claims, charlie_ed25519)        # e.g. a from_prior JWT
    verify_compact(token, {"did:example:charlie#key-1": charlie_public})
"""

from __future__ import annotations

from ._rfc7515 import DIDCOMM_SIGNED_TYP, VerifiedJWS, sign_compact, verify_compact
from ._rfc7515 import sign_general as sign
from ._rfc7515 import verify_json as verify

__all__ = ["DIDCOMM_SIGNED_TYP", "VerifiedJWS", "sign", "verify", "sign_compact", "verify_compact"]
