"""Ed25519 in pure Python, following RFC 8032 §5.1 (pure EdDSA, no context).

NOT CONSTANT TIME. Scalar multiplication branches on the bits of the secret
scalar, Python integers leak timing through their size, and nothing here is
wiped. This module exists for reference, for test vectors and for hosts
without the native core (which uses libsodium).

Points are kept in extended homogeneous coordinates (X, Y, Z, T) with
x = X/Z, y = Y/Z and x*y = T/Z, and added and doubled with the formulas of
RFC 8032 §5.1.4. The names follow the RFC: ``recover_x``, ``point_add``,
``point_mul``, ``point_compress``, ``point_decompress``, ``sha512_modq``.

Deviations from the RFC text, each deliberate:

* Verification (§5.1.7 step 3) checks the cofactorless equation, comparing
  encodings: ``point_compress([S]B - [k]A) == R`` (the RFC: "It's sufficient,
  but not required, to instead check [S]B = R + [k]A'"). libsodium does the
  same, so both backends accept the same signatures. R is not decoded: a
  string that is not a valid canonical encoding can never equal the output of
  ``point_compress``, so the result is the one §5.1.7 step 1 prescribes.
* k is reduced modulo L before the multiplication [k]A (as libsodium and the
  RFC's own §6 code do). For a public key with a small-order component this
  changes which signatures pass the cofactorless equation; the strict rules of
  :mod:`refdidcomm.crypto` reject small-order keys and R values outright.
* Small-order A and R are NOT rejected here; :func:`refdidcomm.crypto.ed25519_verify`
  does that for both backends. :func:`verify` on its own implements exactly
  the RFC's checks (decodings, S < L) plus the equation, and never raises.
* :func:`pk_to_x25519` (RFC 7748 §4.1 birational map) is not part of RFC 8032.
* Fixed-base multiplication uses a table of [2^i]B computed at import time;
  the result is the same as ``point_mul(s, B)``.

Only Ed25519 (§5.1) is implemented: no Ed25519ctx, Ed25519ph or Ed448, so
dom2(F, C) is always the empty string.
"""

from __future__ import annotations

import hashlib
from typing import List, Optional, Tuple

from .errors import InvalidKey, UsageError

__all__ = [
    "public_key",
    "sign",
    "verify",
    "pk_to_x25519",
    "point_add",
    "point_double",
    "point_mul",
    "point_equal",
    "point_neg",
    "point_compress",
    "point_decompress",
    "recover_x",
    "sha512_modq",
    "Point",
    "IDENTITY",
    "SQRT_M1",
    "p",
    "d",
    "L",
    "B",
    "G",
]

#: A point in extended homogeneous coordinates (X, Y, Z, T).
Point = Tuple[int, int, int, int]

# RFC 8032 §5.1: p = 2^255 - 19; d = -121665/121666; the group order
# L = 2^252 + 27742317777372353535851937790883648493.
p = 2**255 - 19


def _modp_inv(x: int) -> int:
    """x^-1 mod p by Fermat's little theorem (x^(p-2)); 0 maps to 0."""
    return pow(x, p - 2, p)


d = -121665 * _modp_inv(121666) % p
L = 2**252 + 27742317777372353535851937790883648493
#: sqrt(-1) mod p = 2^((p-1)/4), the factor of §5.1.3 step 3.
SQRT_M1 = pow(2, (p - 1) // 4, p)


def sha512_modq(s: bytes) -> int:
    """SHA-512 of ``s`` as a little-endian integer, reduced modulo L.

    Spec: RFC 8032 §5.1.6 steps 2 and 4, §5.1.7 step 2.
    """
    return int.from_bytes(hashlib.sha512(s).digest(), "little") % L


# -- Points (RFC 8032 §5.1.4) ------------------------------------------------


def point_add(P: Point, Q: Point) -> Point:
    """P + Q with the addition formulas of RFC 8032 §5.1.4 (a = -1, complete)."""
    X1, Y1, Z1, T1 = P
    X2, Y2, Z2, T2 = Q
    A = (Y1 - X1) * (Y2 - X2) % p
    B_ = (Y1 + X1) * (Y2 + X2) % p
    C = T1 * 2 * d * T2 % p
    D = Z1 * 2 * Z2 % p
    E = B_ - A
    F = D - C
    G_ = D + C
    H = B_ + A
    return (E * F % p, G_ * H % p, F * G_ % p, E * H % p)


def point_double(P: Point) -> Point:
    """2P with the doubling formulas of RFC 8032 §5.1.4."""
    X1, Y1, Z1, _ = P
    A = X1 * X1 % p
    B_ = Y1 * Y1 % p
    C = 2 * Z1 * Z1 % p
    H = A + B_
    E = H - (X1 + Y1) * (X1 + Y1)
    G_ = A - B_
    F = C + G_
    return (E * F % p, G_ * H % p, F * G_ % p, E * H % p)


#: The neutral element (0, 1).
IDENTITY: Point = (0, 1, 1, 0)


def point_mul(s: int, P: Point) -> Point:
    """[s]P by double-and-add from the most significant bit (not constant time).

    Args:
        s: a non-negative integer.
        P: a point.
    Returns:
        the point [s]P.
    """
    Q = IDENTITY
    for i in range(s.bit_length() - 1, -1, -1):
        Q = point_double(Q)
        if (s >> i) & 1:
            Q = point_add(Q, P)
    return Q


def point_equal(P: Point, Q: Point) -> bool:
    """Projective equality: x1/z1 == x2/z2 and y1/z1 == y2/z2."""
    X1, Y1, Z1, _ = P
    X2, Y2, Z2, _ = Q
    return (X1 * Z2 - X2 * Z1) % p == 0 and (Y1 * Z2 - Y2 * Z1) % p == 0


def point_neg(P: Point) -> Point:
    """-P = (-x, y)."""
    X, Y, Z, T = P
    return (-X % p, Y, Z, -T % p)


# -- Encoding and decoding (RFC 8032 §5.1.2, §5.1.3) --------------------------


def recover_x(y: int, sign: int) -> Optional[int]:
    """The x coordinate with parity ``sign`` of the point with ordinate ``y``.

    RFC 8032 §5.1.3 steps 2-4: x^2 = (y^2 - 1) / (d y^2 + 1), the square root
    computed as u v^3 (u v^7)^((p-5)/8) and corrected by sqrt(-1).

    Args:
        y: the y coordinate, 0 <= y < p (the caller checks the range).
        sign: x_0, the least significant bit wanted for x (0 or 1).
    Returns:
        x, or None when no point has this y or when x = 0 and x_0 = 1.
    """
    u = (y * y - 1) % p
    v = (d * y * y + 1) % p
    x = u * pow(v, 3, p) * pow(u * pow(v, 7, p), (p - 5) // 8, p) % p
    vxx = v * x * x % p
    if vxx == u:
        pass
    elif vxx == -u % p:
        x = x * SQRT_M1 % p
    else:
        return None  # §5.1.3 step 3: "no square root exists ... decoding fails"
    if x == 0 and sign == 1:
        return None  # §5.1.3 step 4: "If x = 0, and x_0 = 1, decoding fails."
    if x & 1 != sign:
        x = p - x
    return x


def point_compress(P: Point) -> bytes:
    """Encode a point as 32 octets: y little-endian, the low bit of x in bit 255.

    Spec: RFC 8032 §5.1.2.
    """
    X, Y, Z, _ = P
    zinv = _modp_inv(Z)
    x = X * zinv % p
    y = Y * zinv % p
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def point_decompress(s: bytes) -> Optional[Point]:
    """Decode 32 octets to a point, or None where RFC 8032 §5.1.3 says decoding fails.

    Args:
        s: the encoding; any other length fails.
    Returns:
        the point in extended coordinates, or None.
    """
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= p:
        return None  # §5.1.3 step 1: "If the resulting value is >= p, decoding fails."
    x = recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % p)


# RFC 8032 §5.1: B = (X(P), Y(P)) with y = 4/5 and x "positive" (even).
_g_y = 4 * _modp_inv(5) % p
_g_x = recover_x(_g_y, 0)
if _g_x is None:  # cannot happen for the RFC's constants; a module-load sanity check
    raise ImportError("RFC 8032 base point does not decode")
#: The base point B (the RFC's code calls it G).
B: Point = (_g_x, _g_y, 1, _g_x * _g_y % p)
G = B

# Fixed-base table: _B_POW2[i] = [2^i]B for i = 0..252 (253 doublings at
# import). Scalars are reduced mod L < 2^253 first, as [s]B = [s mod L]B.
_B_POW2: List[Point] = [B]
for _ in range(252):
    _B_POW2.append(point_double(_B_POW2[-1]))


def _base_mul(s: int) -> Point:
    """[s]B using the table of [2^i]B (additions only, no doublings)."""
    s %= L
    Q = IDENTITY
    i = 0
    while s:
        if s & 1:
            Q = point_add(Q, _B_POW2[i])
        s >>= 1
        i += 1
    return Q


# -- Key generation, signing, verification (RFC 8032 §5.1.5 - §5.1.7) --------


def _expand_secret(secret: bytes) -> Tuple[int, bytes]:
    """RFC 8032 §5.1.5 steps 1-3: the scalar s and the 32-octet prefix.

    h = SHA-512(secret); h[0..31] pruned (lowest three bits of the first
    octet cleared, highest bit of the last octet cleared, second highest set)
    is s as a little-endian integer; h[32..63] is the prefix used in signing.
    """
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def _check_len(name: str, value: bytes, n: int) -> None:
    # The facade checks lengths before calling; this keeps the module safe
    # when used on its own.
    if len(value) != n:
        raise UsageError(f"{name} must be {n} bytes, got {len(value)}")


def public_key(secret: bytes) -> bytes:
    """The public key A = [s]B of a 32-octet private key.

    Args:
        secret: 32-byte private key (the "seed").
    Returns:
        32-byte encoding of A.
    Raises:
        UsageError: ``secret`` is not 32 bytes.
    Spec: RFC 8032 §5.1.5.
    """
    _check_len("secret", secret, 32)
    a, _ = _expand_secret(secret)
    return point_compress(_base_mul(a))


def sign(secret: bytes, msg: bytes) -> bytes:
    """Sign ``msg`` with pure Ed25519.

    Args:
        secret: 32-byte private key.
        msg: the message, any length.
    Returns:
        64-byte signature R || S.
    Raises:
        UsageError: ``secret`` is not 32 bytes.
    Spec: RFC 8032 §5.1.6.
    """
    _check_len("secret", secret, 32)
    a, prefix = _expand_secret(secret)
    A = point_compress(_base_mul(a))
    r = sha512_modq(prefix + msg)  # §5.1.6 step 2
    R = point_compress(_base_mul(r))  # step 3
    k = sha512_modq(R + A + msg)  # step 4
    S = (r + k * a) % L  # step 5
    return R + S.to_bytes(32, "little")  # step 6


def verify(public: bytes, msg: bytes, signature: bytes) -> bool:
    """Verify a pure Ed25519 signature with the cofactorless equation.

    Returns False (never raises) when ``public`` does not decode, when
    ``signature`` is not 64 bytes, when S >= L, or when
    ``point_compress([S]B - [k]A) != R``. Small-order A or R are not rejected
    here (see the module docstring; the facade does it).

    Args:
        public: 32-byte public key A.
        msg: the message.
        signature: 64-byte signature R || S.
    Returns:
        True if the signature is valid under these rules.
    Spec: RFC 8032 §5.1.7, cofactorless variant.
    """
    if len(public) != 32 or len(signature) != 64:
        return False
    A = point_decompress(public)  # §5.1.7 step 1
    if A is None:
        return False
    Rs = signature[:32]
    S = int.from_bytes(signature[32:], "little")
    if S >= L:  # step 1: "including S being out of range"
        return False
    k = sha512_modq(Rs + public + msg)  # step 2
    # Step 3, cofactorless: [S]B - [k]A must encode to R.
    return point_compress(point_add(_base_mul(S), point_neg(point_mul(k, A)))) == Rs


def pk_to_x25519(pk: bytes) -> bytes:
    """Map an Ed25519 public key to the X25519 u-coordinate u = (1 + y) / (1 - y).

    Args:
        pk: 32-byte Ed25519 public key.
    Returns:
        32-byte X25519 public key (little-endian u).
    Raises:
        InvalidKey: ``pk`` is not 32 bytes, does not decode to a curve point
            (RFC 8032 §5.1.3), is not in the prime-order subgroup (as
            libsodium requires), or is the point y = 1 where the map is undefined.
    Spec: RFC 7748 §4.1, the birational map from edwards25519 to curve25519.
    """
    if len(pk) != 32:
        raise InvalidKey(f"Ed25519 public key must be 32 bytes, got {len(pk)}")
    P = point_decompress(pk)
    if P is None:
        raise InvalidKey("Ed25519 public key does not decode to a curve point")
    # libsodium's crypto_sign_ed25519_pk_to_curve25519 also refuses points
    # outside the prime-order subgroup (ge25519_is_on_main_subgroup). The facade
    # promises the same errors on both backends, so the reference does the
    # same check: [L]A must be the neutral element (0, 1). A key with an
    # order-8 component would otherwise map to an X25519 key whose shared
    # secrets depend on the torsion part.
    if not point_equal(point_mul(L, P), (0, 1, 1, 0)):
        raise InvalidKey("Ed25519 public key is not in the prime-order subgroup")
    _, Y, Z, _ = P
    y = Y * _modp_inv(Z) % p
    if y == 1:
        # The neutral element maps to the point at infinity, which has no u.
        raise InvalidKey("Ed25519 public key is the neutral element")
    u = (1 + y) * _modp_inv(1 - y) % p
    return u.to_bytes(32, "little")
