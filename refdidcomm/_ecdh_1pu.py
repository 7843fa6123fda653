"""ECDH-1PU key agreement for JWE (draft-madden-jose-ecdh-1pu-04).

ECDH-1PU is ECDH-ES plus a second, static-static agreement between the
sender's and the recipient's keys, so that the recipient learns who sent the
message (One-Pass Unified Model, NIST SP 800-56A §6.2.1.2):

* §2.3 ``Z = Ze || Zs``: ``Ze`` between the ephemeral key and the
  recipient's static key, ``Zs`` between the sender's and the recipient's
  static keys;
* §2.3 the Concat KDF of RFC 7518 §4.6.2, except that in Key Agreement with
  Key Wrapping mode SuppPubInfo is ``keydatalen || cctag`` with
  ``cctag = len32(tag) || tag``, the JWE Authentication Tag. The content is
  therefore encrypted *before* the CEK is wrapped (§2.1: "Steps 3-8 are
  deferred until after step 15");
* §2.1 Key Agreement with Key Wrapping "MUST only be used with content
  encryption algorithms that are compactly committing AEADs ... The
  AES_CBC_HMAC_SHA2 algorithms described in section 5.2 of [RFC7518] are
  compactly committing ... Other content encryption algorithms MUST be
  rejected." (:func:`check_content_encryption`);
* §2.3 "The "apu" and "apv" values MUST be distinct, when used."

Timing: as for ECDH-ES (:mod:`refdidcomm._rfc7518`), the NIST-curve
agreements are pure Python and NOT constant time.

Appendix A (direct mode, P-256, A256GCM) and Appendix B (ECDH-1PU+A128KW,
X25519, A256CBC-HS512, two recipients) are in ``vectors/jose_concat_kdf.json``
and ``vectors/jose_jwe.json``. Note that the title of Appendix B says
"A256CBC-HS256" while the example itself uses A256CBC-HS512.
"""

from __future__ import annotations

from typing import Optional

from . import crypto
from ._jose_algorithms import CONTENT_ENCRYPTION_ALGORITHMS
from ._rfc7517 import JWK
from ._rfc7518 import concat_kdf, ecdh_shared_secret, other_info
from .errors import InvalidKey, MalformedMessage, UnsupportedAlgorithm, UsageError

__all__ = [
    "check_content_encryption",
    "check_apu_apv_distinct",
    "cctag",
    "shared_secret_sender",
    "shared_secret_recipient",
    "derive_key",
]

def check_content_encryption(alg: str, enc: str, *, key_wrapping: bool) -> None:
    """Reject a non-committing ``enc`` for ECDH-1PU Key Agreement with Key Wrapping.

    Args:
        alg: the ``alg`` value (for the message). enc: the ``enc`` value.
        key_wrapping: True for the ``ECDH-1PU+A*KW`` modes.
    The one source of truth is the registry's
    :attr:`~refdidcomm._jose_algorithms.ContentEncryptionAlgorithm.compactly_committing`;
    an ``enc`` the registry does not hold is rejected as well.

    Raises:
        UnsupportedAlgorithm: ``enc`` is not a registered compactly committing
            (AES_CBC_HMAC_SHA2) algorithm in a key-wrapping mode.
    Spec: draft-madden-jose-ecdh-1pu-04 §2.1.
    """
    if not key_wrapping:
        return
    algorithm = CONTENT_ENCRYPTION_ALGORITHMS.get(enc) if isinstance(enc, str) else None
    if algorithm is None or not algorithm.compactly_committing:
        allowed = ", ".join(sorted(n for n, a in CONTENT_ENCRYPTION_ALGORITHMS.items() if a.compactly_committing))
        raise UnsupportedAlgorithm(
            f"{alg} cannot be used with enc {enc!r}: draft-madden-jose-ecdh-1pu-04 §2.1, "
            '"Key Agreement with Key Wrapping mode MUST only be used with content encryption '
            "algorithms that are compactly committing AEADs ... Other content encryption "
            f'algorithms MUST be rejected." (allowed: {allowed})'
        )


def check_apu_apv_distinct(apu: Optional[bytes], apv: Optional[bytes]) -> None:
    """draft-04 §2.3: "The "apu" and "apv" values MUST be distinct, when used."

    Raises:
        MalformedMessage: both present and equal (field ``apv``).
    """
    if apu is not None and apv is not None and apu == apv:
        raise MalformedMessage('"apu" and "apv" must be distinct (draft-madden-jose-ecdh-1pu-04 §2.3)', "apv")


def cctag(tag: bytes) -> bytes:
    """``Datalen || Data`` of the JWE Authentication Tag (draft-04 §2.3 ``cctag``).

    Args:
        tag: the JWE Authentication Tag (32 bytes for A256CBC-HS512).
    Returns:
        4-byte big-endian length || tag.
    """
    return len(tag).to_bytes(4, "big") + bytes(tag)


def shared_secret_sender(
    ephemeral: JWK, sender: JWK, recipient: JWK, *, backend: Optional[crypto.Backend] = None
) -> bytes:
    """``Z = Ze || Zs`` as the sender computes it (draft-04 §2.3).

    Args:
        ephemeral: the sender's ephemeral private key.
        sender: the sender's static private key.
        recipient: the recipient's static public key.
        backend: crypto backend for X25519.
    Returns:
        Ze || Zs (64 bytes on X25519/P-256, 96 on P-384, 132 on P-521).
    Raises:
        InvalidKey: the three keys are not on one curve.
        LowOrderPointError: an X25519 result is all zero.
    """
    _same_curve(ephemeral, sender, recipient)
    ze = ecdh_shared_secret(ephemeral, recipient, backend=backend)
    zs = ecdh_shared_secret(sender, recipient, backend=backend)
    return ze + zs


def shared_secret_recipient(
    recipient: JWK, epk: JWK, sender: JWK, *, backend: Optional[crypto.Backend] = None
) -> bytes:
    """``Z = Ze || Zs`` as the recipient computes it (draft-04 §2.3).

    Args:
        recipient: the recipient's static private key.
        epk: the sender's ephemeral public key (the ``epk`` header).
        sender: the sender's static public key (found through ``skid``).
        backend: crypto backend for X25519.
    Returns:
        Ze || Zs.
    Raises:
        InvalidKey: the three keys are not on one curve.
        LowOrderPointError: an X25519 result is all zero.
    """
    _same_curve(recipient, epk, sender)
    ze = ecdh_shared_secret(recipient, epk, backend=backend)
    zs = ecdh_shared_secret(recipient, sender, backend=backend)
    return ze + zs


def derive_key(
    z: bytes,
    *,
    alg: str,
    enc: str,
    keydatalen: int,
    direct: bool,
    apu: bytes = b"",
    apv: bytes = b"",
    tag: Optional[bytes] = None,
) -> bytes:
    """The ECDH-1PU KDF: the Concat KDF with the ``cctag`` in SuppPubInfo.

    draft-04 §2.3: AlgorithmID is ``enc`` (direct) or ``alg`` (key wrapping);
    "SuppPubInfo This is set to the keydatalen represented as a 32-bit
    big-endian integer followed by the octets of the cctag"; cctag is empty
    in Direct Key Agreement mode and ``len32(tag) || tag`` with key wrapping.

    Args:
        z: ``Ze || Zs``.
        alg, enc: the header values.
        keydatalen: bits (the CEK length for direct mode, else 128/192/256).
        direct: True for ``alg`` = ``ECDH-1PU``.
        apu, apv: the decoded ``apu`` / ``apv``.
        tag: the JWE Authentication Tag; required with key wrapping, must be
            None in direct mode.
    Returns:
        keydatalen / 8 bytes.
    Raises:
        UsageError: ``tag`` given in direct mode or missing with key wrapping.
    Spec: draft-madden-jose-ecdh-1pu-04 §2.3.
    """
    if direct:
        if tag is not None:
            raise UsageError("ECDH-1PU Direct Key Agreement has an empty cctag")
        extra = b""
    else:
        if tag is None:
            raise UsageError("ECDH-1PU Key Agreement with Key Wrapping needs the JWE Authentication Tag")
        extra = cctag(tag)
    fixed = other_info(enc if direct else alg, apu, apv, keydatalen, extra)
    return concat_kdf(z, keydatalen, fixed)


def _same_curve(*keys: JWK) -> None:
    curves = {key.crv for key in keys}
    if len(curves) != 1:
        raise InvalidKey(f"ECDH-1PU keys must all be on one curve, got {', '.join(sorted(curves))}")
