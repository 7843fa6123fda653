"""Salsa20, HSalsa20 and XSalsa20 in pure Python (the ciphers under NaCl's crypto_box).

Sources, all by D. J. Bernstein:

* "Salsa20 specification" (cr.yp.to/snuffle/spec.pdf): the quarterround,
  rowround, columnround and doubleround functions, the Salsa20 hash
  function and the expansion function Salsa20_k(n) for 32-byte keys with the
  constants sigma = "expand 32-byte k".
* "Extending the Salsa20 nonce" (cr.yp.to/snuffle/xsalsa-20110204.pdf), §2:
  HSalsa20 and XSalsa20.
* "Cryptography in NaCl" (cr.yp.to/highspeed/naclcrypto-20090310.pdf): how
  crypto_box uses them (see :mod:`refdidcomm._nacl_box`).

NOT CONSTANT TIME. Python integers leak timing through the interpreter; the
code only aims to read like the specification. For reference, test vectors
and hosts without the native core (which uses libsodium).

Deviations: none. The stream function takes an initial 64-bit block counter
(``counter``); NaCl always starts at 0.
"""

from __future__ import annotations

import struct
from typing import List, Tuple

from .errors import UsageError

__all__ = [
    "KEY_SIZE",
    "HSALSA20_NONCE_SIZE",
    "XSALSA20_NONCE_SIZE",
    "SIGMA",
    "quarterround",
    "rowround",
    "columnround",
    "doubleround",
    "salsa20_hash",
    "salsa20_expansion",
    "hsalsa20",
    "salsa20_xor",
    "xsalsa20_xor",
]

KEY_SIZE = 32
HSALSA20_NONCE_SIZE = 16  # "Extending the Salsa20 nonce" §2: a 16-byte input n
XSALSA20_NONCE_SIZE = 24  # ... and XSalsa20's 24-byte nonce
BLOCK_SIZE = 64

MASK32 = 0xFFFFFFFF

# Salsa20 spec §9 ("The Salsa20 expansion function"): sigma_0 .. sigma_3 are
# the four little-endian words of "expand 32-byte k" (101, 120, 112, 97 = "expa", ...).
SIGMA: Tuple[int, int, int, int] = struct.unpack("<4I", b"expand 32-byte k")


def _check_len(name: str, value: bytes, size: int) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        raise UsageError(f"{name} must be {size} bytes")


def rotl32(v: int, c: int) -> int:
    """Salsa20 spec §2: the c-bit left rotation u <<< c of a 32-bit word."""
    return ((v << c) & MASK32) | (v >> (32 - c))


def quarterround(y0: int, y1: int, y2: int, y3: int) -> Tuple[int, int, int, int]:
    """Salsa20 spec §3: quarterround(y) = (z0, z1, z2, z3).

    z1 = y1 ^ ((y0 + y3) <<< 7), z2 = y2 ^ ((z1 + y0) <<< 9),
    z3 = y3 ^ ((z2 + z1) <<< 13), z0 = y0 ^ ((z3 + z2) <<< 18).
    """
    z1 = y1 ^ rotl32((y0 + y3) & MASK32, 7)
    z2 = y2 ^ rotl32((z1 + y0) & MASK32, 9)
    z3 = y3 ^ rotl32((z2 + z1) & MASK32, 13)
    z0 = y0 ^ rotl32((z3 + z2) & MASK32, 18)
    return z0, z1, z2, z3


def rowround(y: List[int]) -> List[int]:
    """Salsa20 spec §4: rowround on a 16-word sequence."""
    z = [0] * 16
    z[0], z[1], z[2], z[3] = quarterround(y[0], y[1], y[2], y[3])
    z[5], z[6], z[7], z[4] = quarterround(y[5], y[6], y[7], y[4])
    z[10], z[11], z[8], z[9] = quarterround(y[10], y[11], y[8], y[9])
    z[15], z[12], z[13], z[14] = quarterround(y[15], y[12], y[13], y[14])
    return z


def columnround(x: List[int]) -> List[int]:
    """Salsa20 spec §5: columnround on a 16-word sequence."""
    y = [0] * 16
    y[0], y[4], y[8], y[12] = quarterround(x[0], x[4], x[8], x[12])
    y[5], y[9], y[13], y[1] = quarterround(x[5], x[9], x[13], x[1])
    y[10], y[14], y[2], y[6] = quarterround(x[10], x[14], x[2], x[6])
    y[15], y[3], y[7], y[11] = quarterround(x[15], x[3], x[7], x[11])
    return y


def doubleround(x: List[int]) -> List[int]:
    """Salsa20 spec §6: doubleround(x) = rowround(columnround(x))."""
    return rowround(columnround(x))


def _doubleround10(x: List[int]) -> List[int]:
    """doubleround^10: the 20 rounds shared by Salsa20 and HSalsa20."""
    z = list(x)
    for _ in range(10):
        z = doubleround(z)
    return z


def salsa20_hash(x: bytes) -> bytes:
    """Salsa20 spec §8: Salsa20(x) = x + doubleround^10(x), word by word.

    Args:
        x: 64 bytes, read as 16 little-endian words (§7 littleendian).
    Returns:
        64 bytes.
    Raises:
        UsageError: ``x`` is not 64 bytes.
    """
    _check_len("x", x, BLOCK_SIZE)
    words = list(struct.unpack("<16I", x))
    z = _doubleround10(words)
    return struct.pack("<16I", *((zi + xi) & MASK32 for zi, xi in zip(z, words)))


def _expansion_input(k: bytes, n: bytes) -> bytes:
    """Salsa20 spec §9: (sigma0, k0, sigma1, n, sigma2, k1, sigma3) for a 32-byte k."""
    return (
        struct.pack("<I", SIGMA[0]) + k[0:16]
        + struct.pack("<I", SIGMA[1]) + n
        + struct.pack("<I", SIGMA[2]) + k[16:32]
        + struct.pack("<I", SIGMA[3])
    )  # fmt: skip


def salsa20_expansion(k: bytes, n: bytes) -> bytes:
    """Salsa20_k(n), the expansion function for 32-byte keys (Salsa20 spec §9).

    Args:
        k: 32-byte key. n: 16 bytes (for the stream cipher: 8-byte nonce ||
            8-byte little-endian block counter, spec §10).
    Returns:
        64 bytes.
    Raises:
        UsageError: wrong lengths.
    """
    _check_len("k", k, KEY_SIZE)
    _check_len("n", n, 16)
    return salsa20_hash(_expansion_input(k, n))


def hsalsa20(k: bytes, n: bytes) -> bytes:
    """HSalsa20 ("Extending the Salsa20 nonce" §2).

    The input is laid out as for Salsa20_k(n); after the 20 rounds (without
    Salsa20's final addition) the output is the words z0, z5, z10, z15, z6,
    z7, z8, z9 -- the positions that held the constants and the nonce.

    Args:
        k: 32-byte key. n: 16-byte input.
    Returns:
        32 bytes.
    Raises:
        UsageError: wrong lengths.
    Spec: "Extending the Salsa20 nonce" §2; NaCl's crypto_core_hsalsa20.
    """
    _check_len("k", k, KEY_SIZE)
    _check_len("n", n, HSALSA20_NONCE_SIZE)
    z = _doubleround10(list(struct.unpack("<16I", _expansion_input(k, n))))
    return struct.pack("<8I", z[0], z[5], z[10], z[15], z[6], z[7], z[8], z[9])


def salsa20_xor(k: bytes, nonce: bytes, data: bytes, counter: int = 0) -> bytes:
    """The Salsa20 stream cipher (Salsa20 spec §10) XORed with ``data``.

    Block i of the keystream is Salsa20_k(nonce || littleendian64(counter + i)).

    Args:
        k: 32-byte key. nonce: 8 bytes. data: any length.
        counter: initial 64-bit block counter.
    Returns:
        ``data`` XOR keystream.
    Raises:
        UsageError: wrong lengths, or the 64-bit counter would wrap.
    """
    _check_len("k", k, KEY_SIZE)
    _check_len("nonce", nonce, 8)
    blocks = (len(data) + BLOCK_SIZE - 1) // BLOCK_SIZE
    if not isinstance(counter, int) or counter < 0 or counter + blocks > 2**64:
        raise UsageError("the Salsa20 block counter must stay within 0 .. 2^64 - 1")
    out = bytearray()
    for i in range(blocks):
        block = data[i * BLOCK_SIZE : (i + 1) * BLOCK_SIZE]
        stream = salsa20_expansion(k, nonce + (counter + i).to_bytes(8, "little"))
        n = len(block)
        out += (int.from_bytes(block, "little") ^ int.from_bytes(stream[:n], "little")).to_bytes(n, "little")
    return bytes(out)


def xsalsa20_xor(k: bytes, nonce: bytes, data: bytes, counter: int = 0) -> bytes:
    """XSalsa20 ("Extending the Salsa20 nonce" §2) XORed with ``data``.

    XSalsa20_k(n) = Salsa20_{HSalsa20_k(n[0:16])}(n[16:24]).

    Args:
        k: 32-byte key. nonce: 24 bytes. data: any length.
        counter: initial 64-bit block counter (NaCl uses 0).
    Returns:
        ``data`` XOR keystream.
    Raises:
        UsageError: wrong lengths.
    Security: unauthenticated; crypto_secretbox adds Poly1305.
    """
    _check_len("k", k, KEY_SIZE)
    _check_len("nonce", nonce, XSALSA20_NONCE_SIZE)
    subkey = hsalsa20(k, nonce[0:16])
    return salsa20_xor(subkey, nonce[16:24], data, counter)
