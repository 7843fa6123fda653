"""AES-GCM (NIST SP 800-38D) in pure Python, 96-bit IVs and 128-bit tags.

NOT CONSTANT TIME. The block cipher underneath (:mod:`refdidcomm._fips197`)
uses secret-indexed tables, and so does the GHASH multiplication below (its
tables are built from the secret hash subkey H and indexed by data mixed with
H). The tag comparison uses :func:`hmac.compare_digest`, which does not make
the rest constant time. This module exists for reference, for test vectors
and for hosts without the native core.

The code uses the names of SP 800-38D: ``H``, ``J0``, ``inc32`` (§6.2), the
block multiplication of §6.3 (:func:`gf128_mul`, Algorithm 1, kept as the
reference), ``GHASH`` (§6.4, Algorithm 2), ``GCTR`` (§6.5, Algorithm 3), and
GCM-AE / GCM-AD (§7.1, §7.2, Algorithms 4 and 5). Bit strings are held as
Python integers read big-endian, so the spec's leftmost bit x_0 is the
integer's bit 127, "rightshift" is ``>> 1`` and LSB_1 is ``& 1``.

Scope and deviations:

* Only the 96-bit IV path of §7.1 step 2 (J0 = IV || 0^31 || 1) is
  implemented; the facade only passes 12-byte nonces (as JWE A256GCM does,
  RFC 7518 §5.3). Only t = 128 tag bits.
* GCM-AD computes and checks the tag before it runs GCTR over the
  ciphertext, so nothing is decrypted for a forged input. The outputs are
  the same as in Algorithm 5, which decrypts first.
* GHASH multiplies with per-H tables of 8-bit chunks (16 tables of 256
  products, built from the 128 values V_i of Algorithm 1 by linearity);
  the tests check them against Algorithm 1.
"""

from __future__ import annotations

import hmac
import struct
from typing import List, Sequence, Tuple

from . import _fips197
from .errors import DecryptionError, UsageError

__all__ = [
    "R",
    "inc32",
    "gf128_mul",
    "GHASH",
    "GCTR",
    "gcm_encrypt",
    "gcm_decrypt",
    "TAG_BYTES",
]

#: §6.3: R = 11100001 || 0^120, the reduction constant of Algorithm 1.
R = 0b11100001 << 120

_MASK32 = 0xFFFFFFFF
_MASK128 = (1 << 128) - 1

#: §5.2.1.1: len(P) <= 2^39 - 256 bits; in bytes 2^36 - 32.
_MAX_PLAINTEXT_BYTES = (2**39 - 256) // 8
#: §5.2.1.1: len(A) <= 2^64 - 1 bits; in whole bytes 2^61 - 1.
_MAX_AAD_BYTES = (2**64 - 1) // 8

TAG_BYTES = 16


def inc32(X: int) -> int:  # noqa: N803 - SP 800-38D's name
    """inc_32(X), §6.2: increment the rightmost 32 bits modulo 2^32, leave the rest."""
    return (X & ~_MASK32 & _MASK128) | ((X + 1) & _MASK32)


def gf128_mul(X: int, Y: int) -> int:  # noqa: N803
    """X . Y, the product of two blocks (SP 800-38D §6.3, Algorithm 1) -- the reference.

    Args:
        X, Y: 128-bit blocks as integers (the leftmost bit x_0 is bit 127).
    Returns:
        the 128-bit block Z_128.
    """
    Z = 0  # Z_0 = 0^128
    V = Y  # V_0 = Y
    for i in range(128):
        # x_i is the i-th bit from the left.
        if (X >> (127 - i)) & 1:
            Z ^= V
        # V_(i+1) = V_i >> 1 if LSB_1(V_i) = 0, else (V_i >> 1) xor R.
        V = (V >> 1) ^ R if V & 1 else V >> 1
    return Z


def _mul_tables(H: int) -> List[List[int]]:  # noqa: N803
    """Per-H tables: tables[i][b] = (b in byte position i of an otherwise zero block) . H.

    X . H is linear in X: it is the XOR of V_k over the bits x_k that are set,
    with V_k the values of Algorithm 1 (V_0 = H, V_(k+1) = V_k >> 1, xor R
    when the bit shifted out is 1). Byte i of X holds bits x_(8i) .. x_(8i+7),
    its top bit being x_(8i).
    """
    V = [0] * 128
    v = H
    for k in range(128):
        V[k] = v
        v = (v >> 1) ^ R if v & 1 else v >> 1
    tables = []
    for i in range(16):
        table = [0] * 256
        for p in range(8):  # bit value 1 << p of the byte is x_(8i + 7 - p)
            vk = V[8 * i + 7 - p]
            step = 1 << p
            for b in range(step):
                table[b | step] = table[b] ^ vk
        tables.append(table)
    return tables


def _ghash_int(tables: Sequence[Sequence[int]], X: bytes, Y: int = 0) -> int:  # noqa: N803
    """Algorithm 2 steps 2-3, with the block product done by the tables."""
    t = tables
    for j in range(0, len(X), 16):
        yb = (Y ^ int.from_bytes(X[j : j + 16], "big")).to_bytes(16, "big")
        Y = (
            t[0][yb[0]] ^ t[1][yb[1]] ^ t[2][yb[2]] ^ t[3][yb[3]]
            ^ t[4][yb[4]] ^ t[5][yb[5]] ^ t[6][yb[6]] ^ t[7][yb[7]]
            ^ t[8][yb[8]] ^ t[9][yb[9]] ^ t[10][yb[10]] ^ t[11][yb[11]]
            ^ t[12][yb[12]] ^ t[13][yb[13]] ^ t[14][yb[14]] ^ t[15][yb[15]]
        )
    return Y


def GHASH(H: bytes, X: bytes) -> bytes:  # noqa: N802,N803 - SP 800-38D's names
    """GHASH_H(X), SP 800-38D §6.4, Algorithm 2.

    Y_0 = 0^128; Y_i = (Y_(i-1) xor X_i) . H; the result is Y_m.

    Args:
        H: the 16-byte hash subkey.
        X: a multiple of 16 bytes ("len(X) = 128m for some positive integer m";
            the empty string gives 0^128).
    Returns:
        the 16-byte block Y_m.
    Raises:
        UsageError: wrong length of H or X.
    """
    if len(H) != 16 or len(X) % 16:
        raise UsageError("GHASH needs a 16-byte H and a multiple of 16 bytes of input")
    return _ghash_int(_mul_tables(int.from_bytes(H, "big")), X).to_bytes(16, "big")


def GCTR(round_keys: Sequence[int], ICB: bytes, X: bytes) -> bytes:  # noqa: N802,N803
    """GCTR_K(ICB, X), SP 800-38D §6.5, Algorithm 3.

    CB_1 = ICB; CB_i = inc32(CB_(i-1)); Y_i = X_i xor CIPH_K(CB_i); the last,
    possibly partial, block uses the leftmost len(X_n*) bits of CIPH_K(CB_n).

    Args:
        round_keys: the AES key schedule of K (:func:`refdidcomm._fips197.expand_key`).
        ICB: the 16-byte initial counter block.
        X: any length (empty in, empty out, step 1).
    Returns:
        Y, as long as X.
    """
    if not X:
        return b""
    nr = len(round_keys) // 4 - 1
    encrypt = _fips197._encrypt_words
    n = (len(X) + 15) // 16
    cb0, cb1, cb2, counter = struct.unpack(">4I", ICB)
    keystream: List[int] = []
    for _ in range(n):
        keystream += encrypt(round_keys, nr, cb0, cb1, cb2, counter)
        counter = (counter + 1) & _MASK32  # inc32 on the rightmost word
    stream = struct.pack(f">{4 * n}I", *keystream)[: len(X)]
    return (int.from_bytes(X, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(X), "big")


def _zero_pad(data: bytes) -> bytes:
    """data || 0^v with v the bits to the next multiple of 128 (§7.1 step 4)."""
    return bytes(data) + bytes(-len(data) % 16)


def _tag(round_keys: Sequence[int], H: bytes, J0: bytes, A: bytes, C: bytes) -> bytes:  # noqa: N803
    """§7.1 steps 4-6 (= §7.2 steps 5-7): T = MSB_128(GCTR_K(J0, S))."""
    lengths = struct.pack(">QQ", 8 * len(A), 8 * len(C))  # [len(A)]_64 || [len(C)]_64
    S = GHASH(H, _zero_pad(A) + _zero_pad(C) + lengths)
    return GCTR(round_keys, J0, S)


def _h_and_j0(key: bytes, IV: bytes) -> Tuple[List[int], bytes, bytes]:  # noqa: N803
    """GCM-AE/GCM-AD steps 1-2: the key schedule, H and J0 (96-bit IV only)."""
    round_keys = _fips197.expand_key(key)
    # Step 1: H = CIPH_K(0^128).
    H = _fips197.encrypt_block(round_keys, bytes(16))
    # Step 2: if len(IV) = 96, J0 = IV || 0^31 || 1.
    if len(IV) != 12:
        raise UsageError("only 96-bit (12-byte) GCM IVs are supported")
    J0 = bytes(IV) + b"\x00\x00\x00\x01"
    return round_keys, H, J0


def _inc32_block(block: bytes) -> bytes:
    return inc32(int.from_bytes(block, "big")).to_bytes(16, "big")


def gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """GCM-AE_K(IV, P, A), SP 800-38D §7.1, Algorithm 4, with t = 128.

    Args:
        key: 16, 24 or 32 bytes. nonce: the 12-byte IV (never reuse one
            under the same key). plaintext: P. aad: A.
    Returns:
        C || T, len(plaintext) + 16 bytes.
    Raises:
        UsageError: wrong key or IV length, or P or A longer than §5.2.1.1 allows.
    Spec: NIST SP 800-38D §7.1.
    """
    if len(plaintext) > _MAX_PLAINTEXT_BYTES or len(aad) > _MAX_AAD_BYTES:
        raise UsageError("GCM plaintext or AAD longer than SP 800-38D §5.2.1.1 allows")
    round_keys, H, J0 = _h_and_j0(key, nonce)
    # Step 3: C = GCTR_K(inc32(J0), P).
    C = GCTR(round_keys, _inc32_block(J0), plaintext)
    # Steps 4-6.
    T = _tag(round_keys, H, J0, aad, C)
    return C + T


def gcm_decrypt(key: bytes, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes) -> bytes:
    """GCM-AD_K(IV, C, A, T), SP 800-38D §7.2, Algorithm 5, with t = 128.

    The tag is recomputed over A and C and compared (constant-time compare)
    before any plaintext is produced.

    Args:
        key: 16, 24 or 32 bytes. nonce: the 12-byte IV.
        ciphertext_and_tag: C || T, at least 16 bytes. aad: A.
    Returns:
        the plaintext P.
    Raises:
        UsageError: wrong key or IV length.
        DecryptionError: the input is shorter than a tag, longer than
            §5.2.1.1 allows, or the tag does not verify ("FAIL").
    Spec: NIST SP 800-38D §7.2.
    """
    round_keys, H, J0 = _h_and_j0(key, nonce)
    if len(ciphertext_and_tag) < TAG_BYTES:
        raise DecryptionError()
    C, T = ciphertext_and_tag[:-TAG_BYTES], ciphertext_and_tag[-TAG_BYTES:]
    # Step 1: lengths not supported -> FAIL.
    if len(C) > _MAX_PLAINTEXT_BYTES or len(aad) > _MAX_AAD_BYTES:
        raise DecryptionError()
    # Steps 5-8 before step 4: T' = MSB_t(GCTR_K(J0, S)); if T != T', FAIL.
    T_prime = _tag(round_keys, H, J0, aad, C)
    if not hmac.compare_digest(T, T_prime):
        raise DecryptionError()
    # Step 4: P = GCTR_K(inc32(J0), C).
    return GCTR(round_keys, _inc32_block(J0), C)
