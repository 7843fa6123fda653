"""Short-Weierstrass curves P-256, P-384, P-521 and secp256k1 in pure Python.

Point encoding and decoding (SEC 1 v2 §2.3.3, §2.3.4), public-key validation
(SEC 1 v2 §3.2.2.1; NIST SP 800-56A Rev. 3 §5.6.2.3.4), key generation
(FIPS 186-4 Appendix B.4.2) and the ECDH primitive (SEC 1 v2 §3.3.1; NIST
SP 800-56A Rev. 3 §5.7.1.2). ECDSA with RFC 6979 nonces is in
:mod:`refdidcomm._rfc6979`, built on this module.

NOT CONSTANT TIME. Python integers leak timing through their size, and the
double-and-add scalar multiplication below branches on every bit of the
secret scalar. This module exists for reference, for test vectors and for
hosts without a native core -- and note that the native backend does *not*
cover these curves (it is libsodium plus our AES code, and libsodium has no
NIST or secp256k1 arithmetic), so these curves always run here, on both
backends. Do not use it where an attacker can time your private-key
operations.

Representation:

* Points handed in and out are affine ``(x, y)`` tuples of ints; the point
  at infinity O is ``None``. Internally scalar multiplication uses Jacobian
  coordinates ``(X, Y, Z)`` with x = X/Z^2, y = Y/Z^3 (Z = 0 is O), so that
  only the final conversion needs a field inversion (Hankerson, Menezes,
  Vanstone, *Guide to Elliptic Curve Cryptography*, §3.2.2).
* All four curves have cofactor h = 1 (SEC 2 v2 §2.4.1, §2.4.2, §2.5.1,
  §2.6.1; FIPS 186-4 D.1.2). The group E(F_p) therefore has prime order n and
  every point other than O generates it; a point that is on the curve is in
  the right subgroup, and the check nQ = O of full validation
  (SP 800-56A Rev. 3 §5.6.2.3.3 step 4) is implied by partial validation
  (§5.6.2.3.4; §5.6.2.3.3 in Rev. 2), which is what :func:`validate_point`
  does.
* p ≡ 3 (mod 4) for all four primes (checked at import), so a square root
  of a modulo p, when one exists, is a^((p+1)/4) mod p; this is what point
  decompression (SEC 1 v2 §2.3.4 step 2.4.1) uses.

Deviations from SEC 1 v2 §2.3.4: the encoding of O (the single octet 0x00)
is rejected, because O is never a valid public key (SEC 1 v2 §3.2.2.1
step 1); the "hybrid" forms 0x06/0x07 of ANSI X9.62, which SEC 1 does not
define, are rejected.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping, Optional, Tuple

from .errors import InvalidKey, UnsupportedAlgorithm, UsageError

__all__ = [
    "Curve",
    "CURVES",
    "Point",
    "get_curve",
    "validate_point",
    "is_on_curve",
    "decode_point",
    "encode_point",
    "point_from_coordinates",
    "point_add",
    "scalar_mult",
    "double_scalar_mult",
    "public_key",
    "private_key_from_bytes",
    "generate_private_key",
    "ecdh",
]

#: An affine point (x, y); ``None`` stands for the point at infinity O.
Point = Optional[Tuple[int, int]]


@dataclass(frozen=True)
class Curve:
    """The domain parameters T = (p, a, b, G, n, h) of SEC 1 v2 §3.1.1.

    Attributes:
        name: the JOSE ``crv`` name ("P-256", "P-384", "P-521", "secp256k1").
        p: the field prime.
        a, b: the coefficients of y^2 = x^3 + a*x + b (a reduced into [0, p)).
        n: the (prime) order of the base point G.
        h: the cofactor, #E(F_p) / n (1 for all four curves).
        gx, gy: the affine coordinates of G.
        byte_len: octets of a field element, ceil(log2(p) / 8) (SEC 1 v2
            §2.3.5 mlen; the JWK ``x``/``y`` length, RFC 7518 §6.2.1.2).
        order_len: octets of an integer mod n, ceil(log2(n) / 8) (the JWK
            ``d`` length, RFC 7518 §6.2.2.1; the width of r and s in a JWS
            signature, RFC 7518 §3.4).
        hash_name: the hash JOSE pairs with the curve (ES256/ES256K: sha256,
            ES384: sha384, ES512: sha512; RFC 7518 §3.4, RFC 8812 §3.2).
    """

    name: str
    p: int
    a: int
    b: int
    n: int
    h: int
    gx: int
    gy: int
    byte_len: int
    order_len: int
    hash_name: str

    @property
    def G(self) -> Tuple[int, int]:  # noqa: N802 - the standards' name
        """The base point G as an affine tuple."""
        return (self.gx, self.gy)


def _curve(name: str, p: int, a: int, b: int, n: int, gx: int, gy: int, hash_name: str) -> Curve:
    return Curve(
        name=name,
        p=p,
        a=a % p,
        b=b,
        n=n,
        h=1,
        gx=gx,
        gy=gy,
        byte_len=(p.bit_length() + 7) // 8,
        order_len=(n.bit_length() + 7) // 8,
        hash_name=hash_name,
    )


# FIPS 186-4 Appendix D.1.2.3 (Curve P-256) = SEC 2 v2 §2.4.2 (secp256r1).
# p = 2^256 - 2^224 + 2^192 + 2^96 - 1 (FIPS 186-4 D.2.3), a = -3.
P256 = _curve(
    "P-256",
    p=2**256 - 2**224 + 2**192 + 2**96 - 1,
    a=-3,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    hash_name="sha256",
)

# FIPS 186-4 Appendix D.1.2.4 (Curve P-384) = SEC 2 v2 §2.5.1 (secp384r1).
# p = 2^384 - 2^128 - 2^96 + 2^32 - 1 (FIPS 186-4 D.2.4), a = -3.
P384 = _curve(
    "P-384",
    p=2**384 - 2**128 - 2**96 + 2**32 - 1,
    a=-3,
    b=0xB3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF,
    n=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    gx=0xAA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7,
    gy=0x3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F,
    hash_name="sha384",
)

# FIPS 186-4 Appendix D.1.2.5 (Curve P-521) = SEC 2 v2 §2.6.1 (secp521r1).
# p = 2^521 - 1 (FIPS 186-4 D.2.5), a = -3.
P521 = _curve(
    "P-521",
    p=2**521 - 1,
    a=-3,
    b=0x0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00,
    n=0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409,
    gx=0x00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66,
    gy=0x011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650,
    hash_name="sha512",
)

# SEC 2 v2 §2.4.1 (secp256k1). p = 2^256 - 2^32 - 2^9 - 2^8 - 2^7 - 2^6 - 2^4 - 1,
# a = 0, b = 7. JOSE: RFC 8812 §3.1 ("crv": "secp256k1"), §3.2 (ES256K, SHA-256).
SECP256K1 = _curve(
    "secp256k1",
    p=2**256 - 2**32 - 2**9 - 2**8 - 2**7 - 2**6 - 2**4 - 1,
    a=0,
    b=7,
    n=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    gx=0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    gy=0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
    hash_name="sha256",
)

#: The supported curves by JOSE ``crv`` name; read-only.
CURVES: Mapping[str, Curve] = MappingProxyType({c.name: c for c in (P256, P384, P521, SECP256K1)})

# Decompression below relies on p ≡ 3 (mod 4); fail loudly at import if a
# curve were ever added for which it does not hold (not an input check).
for _c in CURVES.values():
    if _c.p % 4 != 3:  # pragma: no cover - true for all four curves
        raise RuntimeError(f"{_c.name}: p is not 3 mod 4; the square root below does not apply")
del _c


def get_curve(name: str) -> Curve:
    """Look up a curve by its JOSE ``crv`` name.

    Args:
        name: "P-256", "P-384", "P-521" or "secp256k1" (exact spelling).
    Returns:
        the :class:`Curve`.
    Raises:
        UnsupportedAlgorithm: any other name.
    """
    if not isinstance(name, str) or name not in CURVES:
        raise UnsupportedAlgorithm(f"unsupported curve {name!r} (expected one of {', '.join(CURVES)})")
    return CURVES[name]


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _check_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError(f"{name} must be an int, not {type(value).__name__}")
    return value


def is_on_curve(curve: Curve, x: int, y: int) -> bool:
    """True if y^2 ≡ x^3 + a*x + b (mod p); ranges are not checked here."""
    p = curve.p
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def validate_point(curve: Curve, x: int, y: int) -> None:
    """Partial public-key validation of Q = (x, y).

    SP 800-56A Rev. 3 §5.6.2.3.4 (SEC 1 v2 §3.2.2.1 steps 1-3):

    1. Q is not the point at infinity (an affine pair never is);
    2. 0 <= x < p and 0 <= y < p;
    3. y^2 ≡ x^3 + a*x + b (mod p).

    Full validation adds nQ = O (§5.6.2.3.3 step 4 / SEC 1 step 4); with
    cofactor 1 every point of E(F_p) has order n, so that step is implied
    and omitted.

    Args:
        curve: the curve. x, y: the affine coordinates.
    Raises:
        UsageError: x or y is not an int.
        InvalidKey: a coordinate is out of range or the point is off the curve.
    """
    _check_int("x", x)
    _check_int("y", y)
    if not (0 <= x < curve.p and 0 <= y < curve.p):
        raise InvalidKey(f"{curve.name}: point coordinate outside [0, p-1]")
    if not is_on_curve(curve, x, y):
        raise InvalidKey(f"{curve.name}: point is not on the curve")


def _check_point(curve: Curve, pt: object) -> Tuple[int, int]:
    """Validate an affine tuple handed in by a caller; O is rejected."""
    if pt is None:
        raise InvalidKey(f"{curve.name}: the point at infinity is not a valid public key")
    if not isinstance(pt, tuple) or len(pt) != 2:
        raise UsageError("a point must be a tuple (x, y) of two ints, or None")
    validate_point(curve, pt[0], pt[1])
    return pt


# ---------------------------------------------------------------------------
# Octet strings (SEC 1 v2 §2.3)
# ---------------------------------------------------------------------------


def _as_bytes(name: str, data: object) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UsageError(f"{name} must be bytes, not {type(data).__name__}")
    return bytes(data)


def _sqrt_mod_p(curve: Curve, alpha: int) -> Optional[int]:
    """A square root of alpha mod p, or None when alpha is a non-residue.

    For p ≡ 3 (mod 4), beta = alpha^((p+1)/4) satisfies beta^2 = alpha
    whenever alpha is a square (SEC 1 v2 §2.3.4 step 2.4.1 defers the method
    to the literature; this is the classic case).
    """
    p = curve.p
    beta = pow(alpha, (p + 1) // 4, p)
    return beta if beta * beta % p == alpha % p else None


def decode_point(curve: Curve, data: bytes) -> Tuple[int, int]:
    """Octet-String-to-Elliptic-Curve-Point conversion, then validation.

    SEC 1 v2 §2.3.4 with mlen = ``curve.byte_len``:

    * ``04 || X || Y`` (2*mlen + 1 octets): X, Y converted to field elements
      (§2.3.6: each must be < p), then the point is checked to be on the curve.
    * ``02 || X`` or ``03 || X`` (mlen + 1 octets): x < p; alpha = x^3 + ax + b;
      beta a square root of alpha (fails if none); y = beta if beta ≡ ỹ (mod 2)
      else p - beta, where ỹ is 0 for 02 and 1 for 03.
    * Anything else fails, including ``00`` (the point at infinity, never a
      valid public key), the X9.62 hybrid forms ``06``/``07``, and any length
      other than the two above.

    Args:
        curve: the curve.
        data: mlen + 1 or 2*mlen + 1 octets (33/65, 49/97, 67/133 for
            P-256 and secp256k1 / P-384 / P-521).
    Returns:
        the validated affine point (x, y).
    Raises:
        UsageError: ``data`` is not bytes.
        InvalidKey: every malformed, out-of-range or off-curve encoding.
    Spec: SEC 1 v2 §2.3.4; validation per SP 800-56A Rev. 3 §5.6.2.3.4.
    """
    data = _as_bytes("data", data)
    mlen = curve.byte_len
    if not data:
        raise InvalidKey(f"{curve.name}: empty point encoding")
    prefix = data[0]
    if prefix == 0x00:
        # SEC 1 §2.3.4 step 1 decodes 00 to O; O is not a public key (§3.2.2.1 step 1).
        raise InvalidKey(f"{curve.name}: the point at infinity is not a valid public key")
    if prefix in (0x02, 0x03):
        if len(data) != mlen + 1:
            raise InvalidKey(f"{curve.name}: compressed point must be {mlen + 1} octets, got {len(data)}")
        x = int.from_bytes(data[1:], "big")
        if x >= curve.p:  # §2.3.6: the field element must be in [0, p-1]
            raise InvalidKey(f"{curve.name}: point x coordinate is not below p")
        alpha = (x * x * x + curve.a * x + curve.b) % curve.p
        beta = _sqrt_mod_p(curve, alpha)
        if beta is None:  # §2.3.4 step 2.4.1: "If there are no square roots of alpha ... output invalid"
            raise InvalidKey(f"{curve.name}: compressed x has no point on the curve")
        y_tilde = prefix & 1
        y = beta if beta & 1 == y_tilde else curve.p - beta
        # With cofactor 1 no point has y = 0 (that would be a point of order 2),
        # so beta != 0 and p - beta < p; validate anyway rather than rely on it.
        validate_point(curve, x, y)
        return (x, y)
    if prefix == 0x04:
        if len(data) != 2 * mlen + 1:
            raise InvalidKey(f"{curve.name}: uncompressed point must be {2 * mlen + 1} octets, got {len(data)}")
        x = int.from_bytes(data[1 : 1 + mlen], "big")
        y = int.from_bytes(data[1 + mlen :], "big")
        validate_point(curve, x, y)
        return (x, y)
    if prefix in (0x06, 0x07):
        raise InvalidKey(f"{curve.name}: hybrid point encoding (0x{prefix:02x}) is not accepted")
    raise InvalidKey(f"{curve.name}: unknown point encoding prefix 0x{prefix:02x}")


def encode_point(curve: Curve, pt: Tuple[int, int], compressed: bool = False) -> bytes:
    """Elliptic-Curve-Point-to-Octet-String conversion (SEC 1 v2 §2.3.3).

    Args:
        curve: the curve.
        pt: a valid affine point (validated here).
        compressed: emit ``02/03 || X`` (mlen + 1 octets) instead of
            ``04 || X || Y`` (2*mlen + 1 octets).
    Returns:
        the encoding.
    Raises:
        InvalidKey: ``pt`` is O, out of range or not on the curve (O has the
            SEC 1 encoding 00, but it is never a public key, so we refuse it).
        UsageError: ``pt`` is not a tuple of two ints.
    """
    x, y = _check_point(curve, pt)
    mlen = curve.byte_len
    X = x.to_bytes(mlen, "big")
    if compressed:
        return bytes([0x02 | (y & 1)]) + X  # §2.3.3 step 2.2: Y = 02 if ỹ = 0, 03 if ỹ = 1
    return b"\x04" + X + y.to_bytes(mlen, "big")


def point_from_coordinates(curve: Curve, x_bytes: bytes, y_bytes: bytes) -> Tuple[int, int]:
    """Build and validate a point from the JWK ``x`` and ``y`` octet strings.

    RFC 7518 §6.2.1.2/§6.2.1.3: each is "the full size of a coordinate for
    the curve" -- exactly ``curve.byte_len`` octets (66 for P-521), big-endian.

    Args:
        curve: the curve. x_bytes, y_bytes: ``curve.byte_len`` octets each.
    Returns:
        the validated point.
    Raises:
        UsageError: not bytes.
        InvalidKey: wrong length, coordinate >= p, or off the curve.
    """
    x_bytes = _as_bytes("x", x_bytes)
    y_bytes = _as_bytes("y", y_bytes)
    for label, value in (("x", x_bytes), ("y", y_bytes)):
        if len(value) != curve.byte_len:
            raise InvalidKey(f"{curve.name}: JWK {label} must be {curve.byte_len} octets, got {len(value)}")
    x = int.from_bytes(x_bytes, "big")
    y = int.from_bytes(y_bytes, "big")
    validate_point(curve, x, y)
    return (x, y)


# ---------------------------------------------------------------------------
# Group law (Jacobian coordinates; Guide to ECC §3.2.2)
# ---------------------------------------------------------------------------

_Jacobian = Tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def _to_jacobian(pt: Point) -> _Jacobian:
    return _INFINITY if pt is None else (pt[0], pt[1], 1)


def _to_affine(curve: Curve, P: _Jacobian) -> Point:
    X, Y, Z = P
    if Z == 0:
        return None
    p = curve.p
    z_inv = pow(Z, -1, p)
    z_inv2 = z_inv * z_inv % p
    return (X * z_inv2 % p, Y * z_inv2 * z_inv % p)


def _double(curve: Curve, P: _Jacobian) -> _Jacobian:
    """2P. M = 3X^2 + aZ^4, S = 4XY^2, X' = M^2 - 2S, Y' = M(S - X') - 8Y^4, Z' = 2YZ."""
    X, Y, Z = P
    if Z == 0 or Y == 0:  # O, or a point of order 2 (none exist here, h = 1)
        return _INFINITY
    p = curve.p
    YY = Y * Y % p
    S = 4 * X * YY % p
    ZZ = Z * Z % p
    M = (3 * X * X + curve.a * ZZ * ZZ) % p
    X3 = (M * M - 2 * S) % p
    Y3 = (M * (S - X3) - 8 * YY * YY) % p
    Z3 = 2 * Y * Z % p
    return (X3, Y3, Z3)


def _add(curve: Curve, P: _Jacobian, Q: _Jacobian) -> _Jacobian:
    """P + Q. U1 = X1 Z2^2, U2 = X2 Z1^2, S1 = Y1 Z2^3, S2 = Y2 Z1^3, H = U2 - U1, R = S2 - S1."""
    X1, Y1, Z1 = P
    X2, Y2, Z2 = Q
    if Z1 == 0:
        return Q
    if Z2 == 0:
        return P
    p = curve.p
    Z1Z1 = Z1 * Z1 % p
    Z2Z2 = Z2 * Z2 % p
    U1 = X1 * Z2Z2 % p
    U2 = X2 * Z1Z1 % p
    S1 = Y1 * Z2 * Z2Z2 % p
    S2 = Y2 * Z1 * Z1Z1 % p
    H = (U2 - U1) % p
    R = (S2 - S1) % p
    if H == 0:
        # Same x: either P = Q (double) or P = -Q (sum is O).
        return _double(curve, P) if R == 0 else _INFINITY
    HH = H * H % p
    HHH = H * HH % p
    V = U1 * HH % p
    X3 = (R * R - HHH - 2 * V) % p
    Y3 = (R * (V - X3) - S1 * HHH) % p
    Z3 = H * Z1 * Z2 % p
    return (X3, Y3, Z3)


def _mul(curve: Curve, k: int, pt: Point) -> Point:
    """[k]pt by left-to-right double-and-add (branches on the bits of k)."""
    R = _INFINITY
    P = _to_jacobian(pt)
    for i in range(k.bit_length() - 1, -1, -1):
        R = _double(curve, R)
        if (k >> i) & 1:
            R = _add(curve, R, P)
    return _to_affine(curve, R)


def point_add(curve: Curve, p1: Point, p2: Point) -> Point:
    """P1 + P2 on ``curve`` (either may be O = ``None``); both are validated.

    Raises:
        InvalidKey: an operand is out of range or off the curve.
    """
    j1 = _INFINITY if p1 is None else _to_jacobian(_check_point(curve, p1))
    j2 = _INFINITY if p2 is None else _to_jacobian(_check_point(curve, p2))
    return _to_affine(curve, _add(curve, j1, j2))


def scalar_mult(curve: Curve, k: int, pt: Point) -> Point:
    """[k]pt, the scalar multiple of a point.

    Args:
        curve: the curve.
        k: a non-negative int (not reduced; [n]P = O).
        pt: a point (validated here) or ``None`` for O.
    Returns:
        the affine result, or ``None`` for O.
    Raises:
        UsageError: k is not a non-negative int.
        InvalidKey: ``pt`` is out of range or off the curve.
    Security: not constant time (see the module docstring).
    """
    _check_int("k", k)
    if k < 0:
        raise UsageError("k must be non-negative")
    if pt is None:
        return None
    return _mul(curve, k, _check_point(curve, pt))


def double_scalar_mult(curve: Curve, u1: int, p1: Tuple[int, int], u2: int, p2: Tuple[int, int]) -> Point:
    """[u1]P1 + [u2]P2 in one pass (Shamir's trick; Guide to ECC Alg. 3.48).

    Used by ECDSA verification (FIPS 186-4 §6.4.2 step 5).

    Raises:
        UsageError: u1 or u2 is not a non-negative int.
        InvalidKey: P1 or P2 is O, out of range or off the curve.
    """
    for label, u in (("u1", u1), ("u2", u2)):
        if _check_int(label, u) < 0:
            raise UsageError(f"{label} must be non-negative")
    J1 = _to_jacobian(_check_point(curve, p1))
    J2 = _to_jacobian(_check_point(curve, p2))
    J12 = _add(curve, J1, J2)
    R = _INFINITY
    for i in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        R = _double(curve, R)
        b1, b2 = (u1 >> i) & 1, (u2 >> i) & 1
        if b1 and b2:
            R = _add(curve, R, J12)
        elif b1:
            R = _add(curve, R, J1)
        elif b2:
            R = _add(curve, R, J2)
    return _to_affine(curve, R)


# ---------------------------------------------------------------------------
# Keys and ECDH
# ---------------------------------------------------------------------------


def _check_private(curve: Curve, d: object) -> int:
    d = _check_int("d", d)
    if not 1 <= d <= curve.n - 1:
        raise InvalidKey(f"{curve.name}: private key d must be in [1, n-1]")
    return d


def public_key(curve: Curve, d: int) -> Tuple[int, int]:
    """Q = [d]G (SEC 1 v2 §3.2.1 step 2).

    Args:
        curve: the curve. d: the private key, an int in [1, n-1].
    Returns:
        the public point Q.
    Raises:
        UsageError: d is not an int.
        InvalidKey: d is outside [1, n-1].
    """
    d = _check_private(curve, d)
    Q = _mul(curve, d, curve.G)
    if Q is None:  # impossible for 1 <= d < n; kept as the spec's guard
        raise InvalidKey(f"{curve.name}: [d]G is the point at infinity")
    return Q


def private_key_from_bytes(curve: Curve, d_bytes: bytes) -> int:
    """The private key d from its JWK ``d`` octet string.

    RFC 7518 §6.2.2.1: "The length of this octet string MUST be
    ceiling(log-base-2(n)/8) octets (where n is the order of the curve)",
    i.e. ``curve.order_len`` -- 32, 48, 66 (P-521) and 32 octets, which for
    these four curves equals ``curve.byte_len``.

    Args:
        curve: the curve. d_bytes: exactly ``curve.order_len`` octets, big-endian.
    Returns:
        d as an int.
    Raises:
        UsageError: not bytes.
        InvalidKey: wrong length, or d outside [1, n-1].
    """
    d_bytes = _as_bytes("d", d_bytes)
    if len(d_bytes) != curve.order_len:
        raise InvalidKey(f"{curve.name}: private key must be {curve.order_len} octets, got {len(d_bytes)}")
    return _check_private(curve, int.from_bytes(d_bytes, "big"))


#: How many out-of-range candidates :func:`generate_private_key` tolerates
#: before deciding the ``rng`` is broken (for an honest rng the chance of even
#: one rejection is below 2^-32 on all four curves).
MAX_KEYGEN_ATTEMPTS = 64


def generate_private_key(curve: Curve, rng: Optional[Callable[[int], bytes]] = None) -> int:
    """A uniformly random private key d in [1, n-1].

    FIPS 186-4 Appendix B.4.2 ("Testing Candidates"): take N = len(n) bits
    (``curve.order_len`` octets from ``rng``, the excess high bits of the
    first octet cleared), call them c; if c > n - 2 draw again; d = c + 1.
    Rejection sampling keeps d exactly uniform (no modular bias).

    Args:
        curve: the curve.
        rng: ``rng(k)`` returns k random octets; ``None`` means ``os.urandom``.
    Returns:
        d.
    Raises:
        UsageError: ``rng`` returned the wrong type or length, or
            :data:`MAX_KEYGEN_ATTEMPTS` candidates in a row were out of range.
    """
    draw = os.urandom if rng is None else rng
    N = curve.n.bit_length()
    nbytes = curve.order_len
    for _ in range(MAX_KEYGEN_ATTEMPTS):
        raw = draw(nbytes)
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != nbytes:
            raise UsageError(f"rng({nbytes}) must return exactly {nbytes} bytes")
        c = int.from_bytes(raw, "big") & ((1 << N) - 1)  # the N returned_bits
        if c <= curve.n - 2:
            return c + 1
    raise UsageError(f"rng produced {MAX_KEYGEN_ATTEMPTS} out-of-range candidates in a row; it is not random")


def ecdh(curve: Curve, d: int, peer: Tuple[int, int]) -> bytes:
    """The ECDH shared secret z = x([d]Q_peer), fixed width.

    SEC 1 v2 §3.3.1 (Elliptic Curve Diffie-Hellman Primitive) and NIST
    SP 800-56A Rev. 3 §5.7.1.2 (ECC CDH primitive, P = [h d]Q with h = 1):
    the peer's key is validated first (§5.6.2.3.4); P = O is an error;
    z = x_P, converted to ``curve.byte_len`` octets (§2.3.5 / §C.2,
    Field-Element-to-Byte-String).

    Args:
        curve: the curve.
        d: our private key, an int in [1, n-1].
        peer: the peer's public point.
    Returns:
        z, ``curve.byte_len`` octets (32, 48, 66, 32).
    Raises:
        InvalidKey: d out of range, the peer point invalid, or P = O.
        UsageError: wrong Python types.
    Security: z is not a key; it only enters a KDF (RFC 7518 §4.6.2).
        Not constant time.
    """
    d = _check_private(curve, d)
    Q = _check_point(curve, peer)
    P = _mul(curve, d, Q)
    if P is None:  # SEC 1 §3.3.1 step 2: "If P = O, output 'invalid'"
        raise InvalidKey(f"{curve.name}: ECDH result is the point at infinity")
    return P[0].to_bytes(curve.byte_len, "big")
