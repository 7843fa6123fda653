"""HChaCha20, XChaCha20 and AEAD_XChaCha20_Poly1305 in pure Python.

Follows draft-irtf-cfrg-xchacha-03 (S. Arciszewski, January 2020), which
builds on RFC 8439 (:mod:`refdidcomm._rfc8439`).

NOT CONSTANT TIME (see :mod:`refdidcomm._rfc8439`). For reference, test
vectors and hosts without the native core (which uses libsodium's
crypto_aead_xchacha20poly1305_ietf_*).

Reading of the draft:

* §2.3.1's pseudocode writes ``nonce[0:15]`` and ``nonce[16:23]`` with
  inclusive upper bounds; the prose ("the first 16 bytes of the 24-byte
  nonce", "remaining 8 byte nonce") and the test vectors fix the meaning:
  ``nonce[0:16]`` and ``nonce[16:24]`` in Python's half-open slices.
* §2.3.1's pseudocode also passes ``(subkey, chacha20_nonce, plaintext,
  blk_ctr)`` to ``chacha20_encrypt``, whose RFC 8439 §2.4.1 argument order is
  ``(key, counter, nonce, plaintext)``; we call it in the RFC's order.

Deviations: none.
"""

from __future__ import annotations

import struct
from typing import Tuple

from . import _rfc8439
from ._rfc8439 import CONSTANTS, inner_block
from .errors import UsageError

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "HCHACHA20_NONCE_SIZE",
    "TAG_SIZE",
    "hchacha20",
    "xchacha20_encrypt",
    "aead_encrypt",
    "aead_decrypt",
]

KEY_SIZE = 32
NONCE_SIZE = 24  # §2: "uses a 192-bit nonce instead of a 96-bit nonce"
HCHACHA20_NONCE_SIZE = 16  # §2.2: "HChaCha20 uses a 128-bit nonce"
TAG_SIZE = _rfc8439.TAG_SIZE


def _check_len(name: str, value: bytes, size: int) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        raise UsageError(f"{name} must be {size} bytes")


def hchacha20(key: bytes, nonce: bytes) -> bytes:
    """HChaCha20: derive a 256-bit subkey (draft-irtf-cfrg-xchacha-03 §2.2).

    "HChaCha20 is initialized the same way as the ChaCha cipher, except that
    HChaCha20 uses a 128-bit nonce and has no counter. Instead, the block
    counter is replaced by the first 32 bits of the nonce." After the 20
    rounds, "the first 128 bits and last 128 bits of the ChaCha state (both
    little-endian) are concatenated" -- without ChaCha20's final addition of
    the input state.

    Args:
        key: 32 bytes. nonce: 16 bytes.
    Returns:
        The 32-byte subkey (state words 0-3 and 12-15).
    Raises:
        UsageError: wrong key or nonce length.
    Spec: draft-irtf-cfrg-xchacha-03 §2.2 (test vector §2.2.1).
    """
    _check_len("key", key, KEY_SIZE)
    _check_len("nonce", nonce, HCHACHA20_NONCE_SIZE)
    state = [*CONSTANTS, *struct.unpack("<8I", key), *struct.unpack("<4I", nonce)]
    for _ in range(10):
        inner_block(state)
    return struct.pack("<8I", *state[0:4], *state[12:16])


def _subkey_and_chacha_nonce(key: bytes, nonce: bytes) -> Tuple[bytes, bytes]:
    """§2.3 steps 1 and 2: HChaCha20(key, nonce[0:16]) and 4 NUL bytes || nonce[16:24]."""
    _check_len("key", key, KEY_SIZE)
    _check_len("nonce", nonce, NONCE_SIZE)
    subkey = hchacha20(key, nonce[0:16])
    chacha20_nonce = b"\x00\x00\x00\x00" + nonce[16:24]
    return subkey, chacha20_nonce


def xchacha20_encrypt(key: bytes, nonce: bytes, plaintext: bytes, blk_ctr: int = 0) -> bytes:
    """The XChaCha20 stream cipher (draft-irtf-cfrg-xchacha-03 §2.3.1).

    Args:
        key: 32 bytes. nonce: 24 bytes. plaintext: any length.
        blk_ctr: the initial 32-bit block counter (0 unless stated).
    Returns:
        plaintext XOR keystream (also decrypts).
    Raises:
        UsageError: wrong key/nonce length, or the block counter would wrap.
    Spec: draft-irtf-cfrg-xchacha-03 §2.3, §2.3.1.
    Security: unauthenticated; use :func:`aead_encrypt`.
    """
    subkey, chacha20_nonce = _subkey_and_chacha_nonce(key, nonce)
    return _rfc8439.chacha20_encrypt(subkey, blk_ctr, chacha20_nonce, plaintext)


def aead_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AEAD_XChaCha20_Poly1305 encryption (draft-irtf-cfrg-xchacha-03 §2).

    "1. Calculate a subkey from the first 16 bytes of the nonce and the key,
    using HChaCha20. 2. Use the subkey and remaining 8 bytes of the nonce
    (prefixed with 4 NUL bytes) with AEAD_CHACHA20_POLY1305 from [RFC8439]
    as normal."

    Args:
        key: 32 bytes. nonce: 24 bytes (may be random). plaintext, aad: any length.
    Returns:
        ciphertext || 16-byte tag.
    Raises:
        UsageError: wrong key/nonce length, or plaintext longer than RFC 8439's P_MAX.
    Spec: draft-irtf-cfrg-xchacha-03 §2; RFC 8439 §2.8.
    """
    subkey, chacha20_nonce = _subkey_and_chacha_nonce(key, nonce)
    return _rfc8439.aead_encrypt(subkey, chacha20_nonce, plaintext, aad)


def aead_decrypt(key: bytes, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes) -> bytes:
    """AEAD_XChaCha20_Poly1305 decryption (draft-irtf-cfrg-xchacha-03 §2).

    Args:
        key: 32 bytes. nonce: 24 bytes. ciphertext_and_tag: ciphertext || 16-byte tag.
        aad: the associated data.
    Returns:
        The plaintext.
    Raises:
        UsageError: wrong key/nonce length.
        DecryptionError: input shorter than a tag, or the tag does not match.
    Spec: draft-irtf-cfrg-xchacha-03 §2; RFC 8439 §2.8.
    """
    subkey, chacha20_nonce = _subkey_and_chacha_nonce(key, nonce)
    return _rfc8439.aead_decrypt(subkey, chacha20_nonce, ciphertext_and_tag, aad)
