"""RFC 7518 (JSON Web Algorithms) for JWE: ECDH-ES, the Concat KDF and AES_CBC_HMAC_SHA2.

What is here, in the RFC's order:

* §4.6    ECDH-ES key agreement: the shared secret Z from a private and a
          public JWK (X25519 through :mod:`refdidcomm.crypto`, RFC 8037 §3.2;
          P-256/P-384/P-521 through :mod:`refdidcomm._sec1`).
* §4.6.2  The Concat KDF of NIST SP 800-56A §5.8.1 (one-step KDF, H = SHA-256)
          with its OtherInfo in the Concatenation Format, plus the derivation
          of the ECDH-ES key for "Direct Key Agreement" and for "Key Agreement
          with Key Wrapping" (A128KW/A256KW wrap the CEK with the result,
          RFC 7518 §4.4, through ``crypto.aes_key_wrap``).
* §5.2    AES_CBC_HMAC_SHA2 (A128CBC-HS256, A192CBC-HS384, A256CBC-HS512):
          encrypt-then-MAC; on decryption the MAC is checked in constant time
          (``hmac.compare_digest``) *before* any decryption.

Deviations and choices (all deliberate):

* ``secp256k1`` keys are refused for key agreement: RFC 8812 registers the
  curve for the ES256K signature only, and no JOSE document defines ECDH-ES
  with it.
* A low-order X25519 public key is already refused when its JWK is built
  (:mod:`refdidcomm._rfc7517`); behind that, the X25519 all-zero shared
  secret is refused by the crypto facade (RFC 7748 §6.1). JWE decryption
  turns either into the opaque :class:`~refdidcomm.errors.DecryptionError`.

The AES block cipher, CBC with PKCS #7 padding and RFC 3394 key wrap come from
the crypto facade (either backend). The HMAC and SHA-2 are :mod:`hashlib`.

Timing: the X25519 agreement is constant time on the native backend; the
P-256/P-384/P-521 agreement is pure Python (:mod:`refdidcomm._sec1`) on every
backend and NOT constant time -- for reference, vectors and hosts where the
private-key timing is not observable. The MAC comparison is constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Tuple

from . import _sec1
from . import crypto
from ._rfc7517 import JWK
from .errors import DecryptionError, InvalidKey, UnsupportedAlgorithm, UsageError

__all__ = [
    "KEY_AGREEMENT_CURVES",
    "ecdh_shared_secret",
    "concat_kdf",
    "other_info",
    "ecdh_es_derive_key",
    "cbc_hmac_encrypt",
    "cbc_hmac_decrypt",
]

#: Curves usable for ECDH-ES / ECDH-1PU key agreement (RFC 7518 §6.2.1.1,
#: RFC 8037 §3.2; the set the DIDComm v2 spec lists in "Key Wrapping Algorithms").
KEY_AGREEMENT_CURVES = frozenset({"X25519", "P-256", "P-384", "P-521"})


# ---------------------------------------------------------------------------
# §4.6 ECDH-ES: the shared secret Z
# ---------------------------------------------------------------------------


def ecdh_shared_secret(private: JWK, public: JWK, *, backend: crypto.Backend | None = None) -> bytes:
    """The raw ECDH output Z between our private key and a peer's public key.

    Args:
        private: a private JWK (``d`` present) on a key-agreement curve.
        public: the peer's JWK on the same curve (a private part is ignored).
        backend: crypto backend for X25519 (default: the active one).
    Returns:
        Z: 32 bytes (X25519, P-256), 48 (P-384) or 66 (P-521) -- for the NIST
        curves the fixed-width x coordinate of d*Q (SP 800-56A §5.7.1.2).
    Raises:
        UsageError: ``private`` has no private part.
        UnsupportedAlgorithm: the curve is not a key-agreement curve.
        InvalidKey: the two keys are on different curves.
        LowOrderPointError: X25519 gave the all-zero output (RFC 7748 §6.1).
    Spec: RFC 7518 §4.6; RFC 8037 §3.2 (X25519); NIST SP 800-56A §5.7.1.2.
    Security: Z is not a key; it only ever enters the Concat KDF.
    """
    if not isinstance(private, JWK) or not isinstance(public, JWK):
        raise UsageError("ecdh_shared_secret takes two JWK instances")
    if private.d is None:
        raise UsageError(f"key {private.kid!r} has no private part ('d')")
    if private.crv not in KEY_AGREEMENT_CURVES:
        raise UnsupportedAlgorithm(
            f"curve {private.crv!r} is not usable for ECDH key agreement "
            f"(supported: {', '.join(sorted(KEY_AGREEMENT_CURVES))})"
        )
    if public.crv != private.crv:
        raise InvalidKey(f"key agreement between different curves ({private.crv} and {public.crv})")
    be = backend or crypto.backend(crypto.BACKEND)
    if private.crv == "X25519":
        return be.x25519(private.d, public.x)
    curve = _sec1.get_curve(private.crv)
    return _sec1.ecdh(curve, private.ec_private_scalar(), public.ec_public_point())


# ---------------------------------------------------------------------------
# §4.6.2 The Concat KDF (NIST SP 800-56A §5.8.1, Concatenation Format)
# ---------------------------------------------------------------------------


def _datalen_data(data: bytes) -> bytes:
    """``Datalen || Data`` with a 32-bit big-endian length (RFC 7518 §4.6.2)."""
    if len(data) >= 1 << 32:
        raise UsageError("Concat KDF field longer than 2^32 - 1 bytes")
    return len(data).to_bytes(4, "big") + data


def other_info(algorithm_id: str, apu: bytes, apv: bytes, keydatalen: int, supp_pub_extra: bytes = b"") -> bytes:
    """The Concat KDF OtherInfo (FixedInfo) of RFC 7518 §4.6.2.

    ``AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo || SuppPrivInfo``
    where the first three are ``Datalen || Data`` with a 32-bit big-endian
    length, SuppPubInfo is ``keydatalen`` as a 32-bit big-endian integer
    (followed by ``supp_pub_extra``: ECDH-1PU appends its ``cctag`` there,
    draft-madden-jose-ecdh-1pu-04 §2.3), and SuppPrivInfo is empty.

    Args:
        algorithm_id: the ``enc`` value (Direct Key Agreement) or the ``alg``
            value (Key Agreement with Key Wrapping), ASCII.
        apu: the base64url-decoded ``apu`` (empty when absent).
        apv: the base64url-decoded ``apv`` (empty when absent).
        keydatalen: the length of the derived key in bits.
        supp_pub_extra: octets appended to SuppPubInfo (the 1PU ``cctag``).
    Returns:
        the OtherInfo octets.
    Raises:
        UsageError: a non-ASCII algorithm id or an out-of-range length.
    Spec: RFC 7518 §4.6.2; NIST SP 800-56A §5.8.1.2.1 (Concatenation Format).
    """
    try:
        algorithm_id_octets = algorithm_id.encode("ascii")
    except UnicodeEncodeError as exc:
        raise UsageError("AlgorithmID must be ASCII") from exc
    if not 0 < keydatalen < 1 << 32:
        raise UsageError("keydatalen out of range")
    return (
        _datalen_data(algorithm_id_octets)
        + _datalen_data(apu)
        + _datalen_data(apv)
        + keydatalen.to_bytes(4, "big")
        + supp_pub_extra
    )


def concat_kdf(z: bytes, keydatalen: int, fixed_info: bytes) -> bytes:
    """The one-step KDF of NIST SP 800-56A §5.8.1 with H = SHA-256.

    ``K(i) = SHA-256(counter_i || Z || FixedInfo)`` with a 32-bit big-endian
    counter starting at 1; the output is the leftmost ``keydatalen`` bits of
    ``K(1) || K(2) || ...``.

    Args:
        z: the shared secret (for ECDH-1PU ``Ze || Zs``).
        keydatalen: output length in bits, a positive multiple of 8.
        fixed_info: the OtherInfo from :func:`other_info`.
    Returns:
        keydatalen / 8 bytes.
    Raises:
        UsageError: ``keydatalen`` is not a positive multiple of 8.
    Spec: RFC 7518 §4.6.2; NIST SP 800-56A §5.8.1.1.
    """
    if keydatalen <= 0 or keydatalen % 8:
        raise UsageError("keydatalen must be a positive multiple of 8 bits")
    hashlen = 256
    reps = -(-keydatalen // hashlen)  # ceil(keydatalen / hashlen)
    derived = b"".join(
        hashlib.sha256(counter.to_bytes(4, "big") + z + fixed_info).digest() for counter in range(1, reps + 1)
    )
    return derived[: keydatalen // 8]


def ecdh_es_derive_key(
    z: bytes,
    *,
    alg: str,
    enc: str,
    keydatalen: int,
    direct: bool,
    apu: bytes = b"",
    apv: bytes = b"",
) -> bytes:
    """Derive the ECDH-ES key: the CEK (direct) or the key-wrapping key.

    RFC 7518 §4.6.2: "AlgorithmID ... In the Direct Key Agreement case, Data
    is set to the octets of the ASCII representation of the "enc" Header
    Parameter value. In the Key Agreement with Key Wrapping case, Data is set
    to the octets of the ASCII representation of the "alg" (algorithm) Header
    Parameter value."

    Args:
        z: the ECDH shared secret.
        alg: the ``alg`` header value, e.g. ``ECDH-ES+A256KW``.
        enc: the ``enc`` header value, e.g. ``A256CBC-HS512``.
        keydatalen: bits: the CEK length (direct) or the AES key-wrap key length.
        direct: True for Direct Key Agreement (``alg`` = ``ECDH-ES``).
        apu, apv: the decoded ``apu`` / ``apv`` (empty when absent).
    Returns:
        keydatalen / 8 bytes.
    Spec: RFC 7518 §4.6.2.
    """
    fixed = other_info(enc if direct else alg, apu, apv, keydatalen)
    return concat_kdf(z, keydatalen, fixed)


# ---------------------------------------------------------------------------
# §5.2 AES_CBC_HMAC_SHA2
# ---------------------------------------------------------------------------

# Key length K (bytes) -> (hash, T_LEN in bytes). RFC 7518 §5.2.3 - §5.2.5:
# MAC_KEY_LEN = ENC_KEY_LEN = T_LEN = half of K; the hash is SHA-256/384/512.
_CBC_HMAC_PARAMETERS = {
    32: ("sha256", 16),  # §5.2.3 AES_128_CBC_HMAC_SHA_256
    48: ("sha384", 24),  # §5.2.4 AES_192_CBC_HMAC_SHA_384
    64: ("sha512", 32),  # §5.2.5 AES_256_CBC_HMAC_SHA_512
}
_CBC_IV_LEN = 16


def _cbc_hmac_keys(key: bytes, iv: bytes) -> Tuple[bytes, bytes, str, int]:
    if not isinstance(key, (bytes, bytearray)) or len(key) not in _CBC_HMAC_PARAMETERS:
        raise UsageError("AES_CBC_HMAC_SHA2 key must be 32, 48 or 64 bytes")
    if not isinstance(iv, (bytes, bytearray)) or len(iv) != _CBC_IV_LEN:
        raise UsageError("AES_CBC_HMAC_SHA2 IV must be 16 bytes")
    hash_name, t_len = _CBC_HMAC_PARAMETERS[len(key)]
    half = len(key) // 2
    # §5.2.2.1 step 1: "MAC_KEY consists of the initial MAC_KEY_LEN octets of
    # K, in order. ENC_KEY consists of the final ENC_KEY_LEN octets of K".
    return bytes(key[:half]), bytes(key[half:]), hash_name, t_len


def _cbc_hmac_tag(mac_key: bytes, hash_name: str, t_len: int, aad: bytes, iv: bytes, e: bytes) -> bytes:
    # §5.2.2.1 step 4: "The octet string AL is equal to the number of bits in
    # the Additional Authenticated Data A expressed as a 64-bit unsigned
    # big-endian integer."
    al = (len(aad) * 8).to_bytes(8, "big")
    # Step 5: M = HMAC(MAC_KEY, A || IV || E || AL); step 6: T = M[0:T_LEN].
    # (The concatenation is fed piece by piece: the same M, without copying E.)
    mac = hmac.new(mac_key, aad, hash_name)
    mac.update(iv)
    mac.update(e)
    mac.update(al)
    return mac.digest()[:t_len]


def cbc_hmac_encrypt(
    key: bytes, iv: bytes, plaintext: bytes, aad: bytes, *, backend: crypto.Backend | None = None
) -> Tuple[bytes, bytes]:
    """AES_CBC_HMAC_SHA2 authenticated encryption (RFC 7518 §5.2.2.1).

    Args:
        key: K, 32 (A128CBC-HS256), 48 (A192CBC-HS384) or 64 (A256CBC-HS512) bytes.
        iv: 16 bytes.
        plaintext: P, any length (PKCS #7 padded by the facade).
        aad: A, the Additional Authenticated Data.
        backend: crypto backend for AES-CBC (default: the active one).
    Returns:
        (E, T): the ciphertext (a multiple of 16 bytes) and the tag of
        16, 24 or 32 bytes.
    Raises:
        UsageError: wrong key or IV length.
    Spec: RFC 7518 §5.2.2.1, §5.2.3 - §5.2.5.
    """
    mac_key, enc_key, hash_name, t_len = _cbc_hmac_keys(key, iv)
    be = backend or crypto.backend(crypto.BACKEND)
    # Step 3: E = CBC-PKCS7-ENC(ENC_KEY, P) with the IV.
    e = be.aes_cbc_encrypt(enc_key, bytes(iv), bytes(plaintext))
    return e, _cbc_hmac_tag(mac_key, hash_name, t_len, bytes(aad), bytes(iv), e)


def cbc_hmac_decrypt(
    key: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes, *, backend: crypto.Backend | None = None
) -> bytes:
    """AES_CBC_HMAC_SHA2 authenticated decryption (RFC 7518 §5.2.2.2).

    The tag is recomputed and compared in constant time *before* anything is
    decrypted: "If those values are identical, then A and E are considered
    valid, and processing is continued. Otherwise, all of the data used in
    the MAC validation are discarded, and the authenticated decryption
    operation returns an indication that it failed" (§5.2.2.2 step 2).

    Args:
        key: K, 32, 48 or 64 bytes. iv: 16 bytes.
        ciphertext: E. tag: T (16, 24 or 32 bytes as the key requires).
        aad: A.
        backend: crypto backend for AES-CBC (default: the active one).
    Returns:
        the plaintext P.
    Raises:
        UsageError: wrong key or IV length.
        DecryptionError: wrong tag length, tag mismatch, or (after a valid
            tag, which cannot happen for honest input) bad padding.
    Spec: RFC 7518 §5.2.2.2.
    """
    mac_key, enc_key, hash_name, t_len = _cbc_hmac_keys(key, iv)
    if len(tag) != t_len:
        raise DecryptionError()
    expected = _cbc_hmac_tag(mac_key, hash_name, t_len, bytes(aad), bytes(iv), bytes(ciphertext))
    if not hmac.compare_digest(expected, bytes(tag)):
        raise DecryptionError()
    be = backend or crypto.backend(crypto.BACKEND)
    return be.aes_cbc_decrypt(enc_key, bytes(iv), bytes(ciphertext))
