"""X25519 in pure Python, following RFC 7748 §5 line by line.

NOT CONSTANT TIME. Python integers leak timing through their size and the
interpreter's arithmetic; the conditional swap below is written as in the RFC
but gives no guarantee here. This module exists for reference, for test
vectors and for hosts without the native core (which uses libsodium).

Deviations from the RFC text: none. The all-zero check of §6.1 is done by the
caller (:func:`refdidcomm.crypto.x25519`), identically for both backends.
"""

from __future__ import annotations

from .errors import UsageError

__all__ = ["x25519", "x25519_base", "P", "A24"]

# RFC 7748 §4.1: p = 2^255 - 19, A = 486662; §5: a24 = (A - 2) / 4 = 121665.
P = 2**255 - 19
CURVE_A = 486662
A24 = (CURVE_A - 2) // 4
BASE_U = (9).to_bytes(32, "little")


def decode_little_endian(b: bytes) -> int:
    """RFC 7748 §5 decodeLittleEndian for bits = 255."""
    return sum(b[i] << 8 * i for i in range(32))


def decode_u_coordinate(u: bytes) -> int:
    """RFC 7748 §5: mask the most significant bit of the final byte.

    Non-canonical values (p <= u < 2^255) are accepted and reduced, as the RFC
    requires ("implementations of X25519 ... MUST accept non-canonical values
    and process them as if they had been reduced modulo the field prime").
    """
    u_list = bytearray(u)
    u_list[31] &= (1 << (255 % 8)) - 1
    return decode_little_endian(bytes(u_list))


def encode_u_coordinate(u: int) -> bytes:
    """RFC 7748 §5 encodeUCoordinate."""
    u = u % P
    return bytes((u >> 8 * i) & 0xFF for i in range(32))


def decode_scalar25519(k: bytes) -> int:
    """RFC 7748 §5 decodeScalar25519: clear bits 0-2 and 255, set bit 254."""
    k_list = bytearray(k)
    k_list[0] &= 248
    k_list[31] &= 127
    k_list[31] |= 64
    return decode_little_endian(bytes(k_list))


def cswap(swap: int, x_2: int, x_3: int) -> tuple:
    """RFC 7748 §5 cswap, in its arithmetic form (not constant time in Python)."""
    dummy = (0 - swap) & (x_2 ^ x_3)
    return x_2 ^ dummy, x_3 ^ dummy


def _check_len(name: str, value: object, n: int) -> None:
    # The facade checks types and lengths first; this keeps the module safe
    # when used on its own (RFC 7748 §5: scalars and u-coordinates are
    # 32-byte strings for X25519).
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise UsageError(f"{name} must be bytes, not {type(value).__name__}")
    if len(value) != n:
        raise UsageError(f"{name} must be {n} bytes, got {len(value)}")


def x25519(k: bytes, u: bytes) -> bytes:
    """X25519(k, u) by the Montgomery ladder of RFC 7748 §5.

    Args:
        k: 32-byte scalar (clamped here).
        u: 32-byte u-coordinate.
    Returns:
        32-byte u-coordinate of [k]u (all zero for a low-order u).
    Raises:
        UsageError: ``k`` or ``u`` is not 32 bytes.
    Spec: RFC 7748 §5.
    """
    _check_len("k", k, 32)
    _check_len("u", u, 32)
    k_int = decode_scalar25519(k)
    x_1 = decode_u_coordinate(u)
    x_2, z_2, x_3, z_3 = 1, 0, x_1, 1
    swap = 0
    for t in range(254, -1, -1):
        k_t = (k_int >> t) & 1
        swap ^= k_t
        x_2, x_3 = cswap(swap, x_2, x_3)
        z_2, z_3 = cswap(swap, z_2, z_3)
        swap = k_t

        A = (x_2 + z_2) % P
        AA = A * A % P
        B = (x_2 - z_2) % P
        BB = B * B % P
        E = (AA - BB) % P
        C = (x_3 + z_3) % P
        D = (x_3 - z_3) % P
        DA = D * A % P
        CB = C * B % P
        x_3 = (DA + CB) ** 2 % P
        z_3 = x_1 * (DA - CB) ** 2 % P
        x_2 = AA * BB % P
        z_2 = E * (AA + A24 * E) % P

    x_2, x_3 = cswap(swap, x_2, x_3)
    z_2, z_3 = cswap(swap, z_2, z_3)
    # RFC 7748 §5: "Return x_2 * (z_2^(p - 2))" (z_2 = 0 gives 0).
    return encode_u_coordinate(x_2 * pow(z_2, P - 2, P))


def x25519_base(k: bytes) -> bytes:
    """X25519(k, 9): the public key of ``k`` (RFC 7748 §6.1).

    Raises:
        UsageError: ``k`` is not 32 bytes.
    """
    return x25519(k, BASE_U)
