"""AES-CBC (NIST SP 800-38A §6.2) with PKCS#7 padding (RFC 5652 §6.3), in pure Python.

NOT CONSTANT TIME. The block cipher underneath (:mod:`refdidcomm._fips197`)
uses secret-indexed tables, and the padding check below branches on the
padding it reads. This module exists for reference, for test vectors and for
hosts without the native core.

CBC is unauthenticated: a padding check on attacker-chosen ciphertext is a
padding oracle. Callers (A256CBC-HS512, RFC 7518 §5.2.2.2) verify the MAC
before calling :func:`cbc_decrypt`, and every failure here is the one opaque
:class:`~refdidcomm.errors.DecryptionError`.

Deviations from the specifications: none. SP 800-38A leaves padding to the
application (its Appendix A); we use RFC 5652 §6.3, which JWE (RFC 7518
§5.2.2.1 via RFC 5652) requires.
"""

from __future__ import annotations

import hmac
import struct
from typing import List

from . import _fips197
from .errors import DecryptionError, UsageError

__all__ = [
    "BLOCK_SIZE",
    "pad",
    "unpad",
    "cbc_encrypt_raw",
    "cbc_decrypt_raw",
    "cbc_encrypt",
    "cbc_decrypt",
]

#: SP 800-38A §2.1: the block size b of AES, in bytes.
BLOCK_SIZE = 16


def pad(data: bytes) -> bytes:
    """PKCS#7 padding (RFC 5652 §6.3).

    "Some content-encryption algorithms assume the input length is a multiple
    of k octets, where k is greater than one. For such algorithms, the input
    shall be padded at the trailing end with k-(lth mod k) octets all having
    value k-(lth mod k)" -- so 1 to 16 bytes are always added.

    Args:
        data: any length.
    Returns:
        data plus 1..16 padding bytes, a multiple of 16 bytes.
    """
    n = BLOCK_SIZE - len(data) % BLOCK_SIZE
    return bytes(data) + bytes([n]) * n


def unpad(padded: bytes) -> bytes:
    """Remove and check PKCS#7 padding (RFC 5652 §6.3).

    The last byte n must be 1..16 and the last n bytes must all equal n; all
    of them are compared, not only the last one.

    Args:
        padded: a positive multiple of 16 bytes.
    Returns:
        the data without the padding.
    Raises:
        DecryptionError: the length or the padding is wrong (opaque).
    """
    if len(padded) == 0 or len(padded) % BLOCK_SIZE:
        raise DecryptionError()
    n = padded[-1]
    if n < 1 or n > BLOCK_SIZE:
        raise DecryptionError()
    if not hmac.compare_digest(padded[-n:], bytes([n]) * n):
        raise DecryptionError()
    return padded[:-n]


def _check_iv(iv: bytes) -> None:
    if not isinstance(iv, (bytes, bytearray)) or len(iv) != BLOCK_SIZE:
        raise UsageError("CBC IV must be 16 bytes")


def cbc_encrypt_raw(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """CBC encryption without padding (SP 800-38A §6.2).

    C_1 = CIPH_K(P_1 xor IV); C_j = CIPH_K(P_j xor C_(j-1)) for j = 2..n.

    Args:
        key: 16, 24 or 32 bytes. iv: 16 bytes.
        plaintext: a multiple of 16 bytes (possibly empty).
    Returns:
        the ciphertext, as long as the plaintext.
    Raises:
        UsageError: wrong key or IV length, or a plaintext length that is not
            a multiple of 16.
    Spec: NIST SP 800-38A §6.2; vectors in Appendix F.2.
    """
    _check_iv(iv)
    if len(plaintext) % BLOCK_SIZE:
        raise UsageError("raw CBC input must be a multiple of 16 bytes")
    w = _fips197.expand_key(key)
    nr = len(w) // 4 - 1
    words = struct.unpack(f">{len(plaintext) // 4}I", plaintext)
    c0, c1, c2, c3 = struct.unpack(">4I", iv)
    out: List[int] = []
    encrypt = _fips197._encrypt_words
    for j in range(0, len(words), 4):
        c0, c1, c2, c3 = encrypt(w, nr, words[j] ^ c0, words[j + 1] ^ c1, words[j + 2] ^ c2, words[j + 3] ^ c3)
        out += (c0, c1, c2, c3)
    return struct.pack(f">{len(out)}I", *out)


def cbc_decrypt_raw(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """CBC decryption without padding (SP 800-38A §6.2).

    P_1 = CIPH^-1_K(C_1) xor IV; P_j = CIPH^-1_K(C_j) xor C_(j-1) for j = 2..n.

    Args:
        key: 16, 24 or 32 bytes. iv: 16 bytes.
        ciphertext: a multiple of 16 bytes (possibly empty).
    Returns:
        the plaintext, as long as the ciphertext.
    Raises:
        UsageError: wrong key or IV length, or a ciphertext length that is not
            a multiple of 16.
    Spec: NIST SP 800-38A §6.2; vectors in Appendix F.2.
    """
    _check_iv(iv)
    if len(ciphertext) % BLOCK_SIZE:
        raise UsageError("raw CBC input must be a multiple of 16 bytes")
    dw = _fips197.equivalent_inverse_key(_fips197.expand_key(key))
    nr = len(dw) // 4 - 1
    words = struct.unpack(f">{len(ciphertext) // 4}I", ciphertext)
    p0, p1, p2, p3 = struct.unpack(">4I", iv)
    prev = (p0, p1, p2, p3)
    out: List[int] = []
    decrypt = _fips197._decrypt_words
    for j in range(0, len(words), 4):
        block = words[j : j + 4]
        x0, x1, x2, x3 = decrypt(dw, nr, *block)
        out += (x0 ^ prev[0], x1 ^ prev[1], x2 ^ prev[2], x3 ^ prev[3])
        prev = block
    return struct.pack(f">{len(out)}I", *out)


def cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-CBC with PKCS#7 padding.

    Args:
        key: 16, 24 or 32 bytes. iv: 16 bytes (unpredictable; SP 800-38A
            Appendix C). plaintext: any length.
    Returns:
        the ciphertext, len(plaintext) rounded up to the next multiple of 16
        (a whole extra block when the length is already a multiple).
    Raises:
        UsageError: wrong key or IV length.
    Spec: SP 800-38A §6.2; RFC 5652 §6.3.
    """
    return cbc_encrypt_raw(key, iv, pad(plaintext))


def cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Invert :func:`cbc_encrypt`.

    Args:
        key: 16, 24 or 32 bytes. iv: 16 bytes. ciphertext: any length.
    Returns:
        the plaintext.
    Raises:
        UsageError: wrong key or IV length.
        DecryptionError: the ciphertext is empty or not a multiple of 16
            bytes, or the padding is wrong -- one opaque error for all.
    Spec: SP 800-38A §6.2; RFC 5652 §6.3.
    Security: unauthenticated; verify a MAC over the ciphertext first.
    """
    if len(ciphertext) == 0 or len(ciphertext) % BLOCK_SIZE:
        raise DecryptionError()
    return unpad(cbc_decrypt_raw(key, iv, ciphertext))
