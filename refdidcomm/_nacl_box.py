"""NaCl crypto_box and libsodium sealed boxes in pure Python.

crypto_box_curve25519xsalsa20poly1305 as described in D. J. Bernstein,
"Cryptography in NaCl" (2009), in libsodium's "easy" layout
(``tag || ciphertext``, without NaCl's 32 leading zero bytes):

* k = HSalsa20(X25519(my_sk, their_pk), 16 zero bytes)   (crypto_box_beforenm)
* crypto_secretbox_xsalsa20poly1305(m, n, k): c' = XSalsa20_k(n) XOR (32
  zero bytes || m); the first 32 keystream bytes are the Poly1305 one-time
  key (r, s); the ciphertext is c'[32:], i.e. m encrypted from keystream
  byte 32 on; the tag is Poly1305(ciphertext).

Sealed boxes (libsodium crypto_box_seal): an ephemeral key pair (epk, esk),
nonce = BLAKE2b-192(epk || pk), output epk || crypto_box(m, nonce, pk, esk).

NOT CONSTANT TIME (X25519, XSalsa20 and Poly1305 are pure Python; see their
modules). Tags are compared with :func:`hmac.compare_digest`. For reference,
test vectors and hosts without the native core (which calls libsodium).

Low-order points: X25519 of a low-order peer key is all zero. Like
libsodium's crypto_box_beforenm (which fails there), :func:`box` and
:func:`seal` raise :class:`LowOrderPointError`; the opening functions raise
the opaque :class:`DecryptionError` instead (RFC 7748 §6.1: "check whether
the result is the all-zero value and abort if so").

Deviations: none.
"""

from __future__ import annotations

import hashlib
import hmac

from ._rfc7748 import x25519, x25519_base
from ._rfc8439 import poly1305_mac
from ._salsa20 import hsalsa20, xsalsa20_xor
from .errors import DecryptionError, LowOrderPointError, UsageError

__all__ = [
    "PUBLIC_KEY_SIZE",
    "SECRET_KEY_SIZE",
    "NONCE_SIZE",
    "MAC_SIZE",
    "SEAL_OVERHEAD",
    "beforenm",
    "secretbox",
    "secretbox_open",
    "box",
    "box_open",
    "seal_nonce",
    "seal",
    "seal_open",
]

PUBLIC_KEY_SIZE = 32
SECRET_KEY_SIZE = 32
NONCE_SIZE = 24
MAC_SIZE = 16  # crypto_box_MACBYTES
SEAL_OVERHEAD = PUBLIC_KEY_SIZE + MAC_SIZE  # crypto_box_SEALBYTES = 48

_ZERO32 = bytes(32)
_HSALSA20_ZERO_NONCE = bytes(16)


def _check_len(name: str, value: bytes, size: int) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        raise UsageError(f"{name} must be {size} bytes")


def _shared_secret(my_sk: bytes, their_pk: bytes) -> bytes:
    """X25519(my_sk, their_pk), raising LowOrderPointError on the all-zero result."""
    _check_len("my_sk", my_sk, SECRET_KEY_SIZE)
    _check_len("their_pk", their_pk, PUBLIC_KEY_SIZE)
    s = x25519(my_sk, their_pk)
    if hmac.compare_digest(s, _ZERO32):
        raise LowOrderPointError("X25519 result is all zero (low-order public key)")
    return s


def beforenm(their_pk: bytes, my_sk: bytes) -> bytes:
    """crypto_box_beforenm: k = HSalsa20(X25519(my_sk, their_pk), 0^16).

    Args:
        their_pk: 32-byte X25519 public key. my_sk: 32-byte X25519 private key.
    Returns:
        The 32-byte crypto_secretbox key.
    Raises:
        UsageError: wrong lengths.
        LowOrderPointError: ``their_pk`` has low order.
    Spec: "Cryptography in NaCl" (the box example's "firstkey").
    """
    return hsalsa20(_shared_secret(my_sk, their_pk), _HSALSA20_ZERO_NONCE)


def secretbox(msg: bytes, nonce: bytes, k: bytes) -> bytes:
    """crypto_secretbox_xsalsa20poly1305, libsodium "easy" layout.

    Args:
        msg: plaintext. nonce: 24 bytes. k: 32-byte key.
    Returns:
        16-byte Poly1305 tag || ciphertext (len(msg) bytes).
    Raises:
        UsageError: wrong lengths.
    Spec: "Cryptography in NaCl" (crypto_secretbox).
    """
    _check_len("nonce", nonce, NONCE_SIZE)
    _check_len("k", k, 32)
    # c' = XSalsa20_k(n) XOR (0^32 || m): keystream bytes 0..31 become the
    # Poly1305 key, the message meets the keystream from byte 32 on.
    c = xsalsa20_xor(k, nonce, _ZERO32 + msg)
    poly1305_key, ciphertext = c[:32], c[32:]
    return poly1305_mac(ciphertext, poly1305_key) + ciphertext


def secretbox_open(ct: bytes, nonce: bytes, k: bytes) -> bytes:
    """Open crypto_secretbox_xsalsa20poly1305 ("easy" layout: tag || ciphertext).

    Args:
        ct: 16-byte tag || ciphertext. nonce: 24 bytes. k: 32-byte key.
    Returns:
        The plaintext.
    Raises:
        UsageError: wrong nonce or key length.
        DecryptionError: shorter than a tag, or the tag does not verify.
    """
    _check_len("nonce", nonce, NONCE_SIZE)
    _check_len("k", k, 32)
    if len(ct) < MAC_SIZE:
        raise DecryptionError()
    tag, ciphertext = ct[:MAC_SIZE], ct[MAC_SIZE:]
    poly1305_key = xsalsa20_xor(k, nonce, _ZERO32)
    if not hmac.compare_digest(poly1305_mac(ciphertext, poly1305_key), tag):
        raise DecryptionError()
    return xsalsa20_xor(k, nonce, _ZERO32 + ciphertext)[32:]


def box(msg: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    """crypto_box (libsodium crypto_box_easy).

    Args:
        msg: plaintext. nonce: 24 bytes, unique per (key pair, message).
        their_pk: 32-byte recipient public key. my_sk: 32-byte sender private key.
    Returns:
        16-byte tag || ciphertext.
    Raises:
        UsageError: wrong lengths.
        LowOrderPointError: ``their_pk`` has low order (X25519 result all zero).
    Spec: "Cryptography in NaCl"; libsodium crypto_box_easy.
    """
    _check_len("nonce", nonce, NONCE_SIZE)
    return secretbox(msg, nonce, beforenm(their_pk, my_sk))


def box_open(ct: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    """crypto_box_open (libsodium crypto_box_open_easy).

    Args:
        ct: 16-byte tag || ciphertext. nonce: 24 bytes.
        their_pk: 32-byte sender public key. my_sk: 32-byte recipient private key.
    Returns:
        The plaintext.
    Raises:
        UsageError: wrong nonce or key lengths.
        DecryptionError: too short, bad tag, or ``their_pk`` of low order.
    """
    _check_len("nonce", nonce, NONCE_SIZE)
    _check_len("their_pk", their_pk, PUBLIC_KEY_SIZE)
    _check_len("my_sk", my_sk, SECRET_KEY_SIZE)
    if len(ct) < MAC_SIZE:
        raise DecryptionError()
    try:
        k = beforenm(their_pk, my_sk)
    except LowOrderPointError:
        # Opaque on the receiving side: one error for every failed open.
        raise DecryptionError() from None
    return secretbox_open(ct, nonce, k)


def seal_nonce(epk: bytes, pk: bytes) -> bytes:
    """The sealed-box nonce: BLAKE2b(epk || pk) with a 24-byte digest.

    Args:
        epk: 32-byte ephemeral public key. pk: 32-byte recipient public key.
    Returns:
        24 bytes.
    Spec: libsodium crypto_box_seal ("nonce=blake2b(ephemeral_pk || recipient_pk)").
    """
    return hashlib.blake2b(epk + pk, digest_size=NONCE_SIZE).digest()


def seal(msg: bytes, pk: bytes, esk: bytes) -> bytes:
    """Sealed box (libsodium crypto_box_seal) with a given ephemeral secret key.

    Args:
        msg: plaintext. pk: 32-byte recipient public key.
        esk: 32-byte ephemeral private key (fresh and random for every
            message; the facade draws it from its ``rng``).
    Returns:
        32-byte epk || 16-byte tag || ciphertext.
    Raises:
        UsageError: wrong lengths.
        LowOrderPointError: ``pk`` has low order.
    Security: anonymous -- the recipient learns nothing about the sender.
    """
    _check_len("pk", pk, PUBLIC_KEY_SIZE)
    _check_len("esk", esk, SECRET_KEY_SIZE)
    epk = x25519_base(esk)
    return epk + box(msg, seal_nonce(epk, pk), pk, esk)


def seal_open(ct: bytes, pk: bytes, sk: bytes) -> bytes:
    """Open a sealed box (libsodium crypto_box_seal_open).

    Args:
        ct: epk || tag || ciphertext (at least 48 bytes).
        pk: our 32-byte public key (enters the nonce). sk: our 32-byte private key.
    Returns:
        The plaintext.
    Raises:
        UsageError: wrong key lengths.
        DecryptionError: shorter than 48 bytes, bad tag, low-order epk, or a
            ``pk`` that does not belong to ``sk``.
    """
    _check_len("pk", pk, PUBLIC_KEY_SIZE)
    _check_len("sk", sk, SECRET_KEY_SIZE)
    if len(ct) < SEAL_OVERHEAD:
        raise DecryptionError()
    epk = ct[:PUBLIC_KEY_SIZE]
    return box_open(ct[PUBLIC_KEY_SIZE:], seal_nonce(epk, pk), epk, sk)
