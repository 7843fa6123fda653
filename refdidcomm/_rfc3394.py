"""AES Key Wrap (RFC 3394 §2.2) in pure Python: A128KW/A192KW/A256KW of JWE.

NOT CONSTANT TIME. The block cipher underneath (:mod:`refdidcomm._fips197`)
uses secret-indexed tables. The integrity check compares with
:func:`hmac.compare_digest`, but that does not make the whole unwrap
constant time. This module exists for reference, for test vectors and for
hosts without the native core.

The wrap and unwrap follow the index-based formulation of RFC 3394 §2.2.1
and §2.2.2 line by line (A, R[i], B, t = (n*j)+i), with the default initial
value of §2.2.3.1. Deviations from the RFC: none. The alternative initial
values the RFC allows (§2.2.3.2) are not offered: JWE uses the default
(RFC 7518 §4.4).
"""

from __future__ import annotations

import hmac
import struct
from typing import List

from . import _fips197
from .errors import DecryptionError, UsageError

__all__ = ["DEFAULT_IV", "wrap", "unwrap"]

#: RFC 3394 §2.2.3.1: "the initial value (IV) ... is A6A6A6A6A6A6A6A6".
DEFAULT_IV = bytes.fromhex("A6A6A6A6A6A6A6A6")

_MASK64 = (1 << 64) - 1


def wrap(kek: bytes, key: bytes) -> bytes:
    """Key Wrap, RFC 3394 §2.2.1.

    Args:
        kek: the key-encryption key, 16, 24 or 32 bytes.
        key: the key data P[1..n], n 64-bit blocks with n >= 2 (RFC 3394 §2:
            "n ... two or more"), i.e. a multiple of 8 bytes, at least 16.
    Returns:
        C[0..n], len(key) + 8 bytes.
    Raises:
        UsageError: wrong KEK length, or key data that is not a multiple of 8
            bytes of at least 16.
    Spec: RFC 3394 §2.2.1, §2.2.3.1; vectors in §4.
    """
    if len(key) < 16 or len(key) % 8:
        raise UsageError("key data to wrap must be a multiple of 8 bytes, at least 16")
    w = _fips197.expand_key(kek)
    nr = len(w) // 4 - 1
    encrypt = _fips197._encrypt_words
    n = len(key) // 8
    # 1) Initialize variables: A = IV; R[i] = P[i] (R[0] is unused, as in the RFC).
    a = int.from_bytes(DEFAULT_IV, "big")
    r: List[int] = [0] + list(struct.unpack(f">{n}Q", key))
    # 2) Calculate intermediate values.
    for j in range(0, 6):
        for i in range(1, n + 1):
            # B = AES(K, A | R[i])
            b0, b1, b2, b3 = encrypt(w, nr, a >> 32, a & 0xFFFFFFFF, r[i] >> 32, r[i] & 0xFFFFFFFF)
            # A = MSB(64, B) ^ t where t = (n*j)+i
            t = (n * j) + i
            a = ((b0 << 32) | b1) ^ t
            # R[i] = LSB(64, B)
            r[i] = (b2 << 32) | b3
    # 3) Output the results: C[0] = A; C[i] = R[i].
    return struct.pack(f">{n + 1}Q", a, *r[1:])


def unwrap(kek: bytes, wrapped: bytes) -> bytes:
    """Key Unwrap with the integrity check, RFC 3394 §2.2.2 and §2.2.3.

    Args:
        kek: the key-encryption key, 16, 24 or 32 bytes.
        wrapped: C[0..n], a multiple of 8 bytes, at least 24 (n >= 2).
    Returns:
        the key data P[1..n], len(wrapped) - 8 bytes.
    Raises:
        UsageError: wrong KEK length.
        DecryptionError: wrong length of ``wrapped``, or the integrity check
            fails ("If A is an appropriate initial value ... Else Return an
            error") -- one opaque error for both.
    Spec: RFC 3394 §2.2.2, §2.2.3.
    """
    w = _fips197.expand_key(kek)
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise DecryptionError()
    dw = _fips197.equivalent_inverse_key(w)
    nr = len(dw) // 4 - 1
    decrypt = _fips197._decrypt_words
    n = len(wrapped) // 8 - 1
    # 1) Initialize variables: A = C[0]; R[i] = C[i].
    c = struct.unpack(f">{n + 1}Q", wrapped)
    a = c[0]
    r: List[int] = list(c)  # r[0] is unused
    # 2) Compute intermediate values.
    for j in range(5, -1, -1):
        for i in range(n, 0, -1):
            # B = AES-1(K, (A ^ t) | R[i]) where t = n*j+i
            t = n * j + i
            at = (a ^ t) & _MASK64
            b0, b1, b2, b3 = decrypt(dw, nr, at >> 32, at & 0xFFFFFFFF, r[i] >> 32, r[i] & 0xFFFFFFFF)
            # A = MSB(64, B); R[i] = LSB(64, B)
            a = (b0 << 32) | b1
            r[i] = (b2 << 32) | b3
    # 3) Output results if A is the appropriate initial value (§2.2.3.1).
    if not hmac.compare_digest(a.to_bytes(8, "big"), DEFAULT_IV):
        raise DecryptionError()
    return struct.pack(f">{n}Q", *r[1:])
