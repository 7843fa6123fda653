"""ECDSA (FIPS 186-4 §6.4) with deterministic nonces (RFC 6979 §3.2).

Signatures are the fixed-width JOSE form r || s, each integer in
``curve.order_len`` octets (RFC 7518 §3.4: 32 + 32 for ES256 and ES256K,
48 + 48 for ES384, 66 + 66 for ES512), never DER.

NOT CONSTANT TIME. The nonce k and the private key d go through Python big
integers and the branching double-and-add of :mod:`refdidcomm._sec1`; the
timing of :func:`sign` depends on them. This module exists for reference, for
test vectors and for hosts without a native core -- and the native backend
does not cover these curves (libsodium has no NIST or secp256k1 ECDSA), so
both backends run this code.

Names follow RFC 6979: ``q`` is the group order (``curve.n``), ``qlen`` its
bit length, ``rlen = 8 * ceil(qlen / 8)``, ``hlen`` the hash output length in
bits; ``bits2int``, ``int2octets`` and ``bits2octets`` are the conversions of
§2.3.2-§2.3.4, and the variables of :func:`generate_k` are those of §3.2
steps a-h.

Deviations: none from RFC 6979 or FIPS 186-4. Two options beyond them:

* ``sign(..., low_s=True)`` replaces s by n - s when s > n/2. Both are valid
  ECDSA signatures of the same message; the low one is what the Bitcoin
  ecosystem's verifiers insist on (BIP 62/BIP 146). RFC 8812 §3.2 (ES256K)
  neither requires nor forbids it; the JOSE layer always emits low-S.
* ``verify(..., strict_low_s=True)`` rejects s > n/2.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Iterator, Optional, Tuple

from . import _sec1
from ._sec1 import Curve
from .errors import UnsupportedAlgorithm, UsageError

__all__ = [
    "HASHES",
    "bits2int",
    "int2octets",
    "bits2octets",
    "generate_k",
    "sign",
    "verify",
]

#: The hashes ECDSA may be used with here (the three of RFC 7518 §3.4 and
#: RFC 8812 §3.2); hashlib names.
HASHES = ("sha256", "sha384", "sha512")


def _hash_name(curve: Curve, hash_name: Optional[str]) -> str:
    name = curve.hash_name if hash_name is None else hash_name
    if name not in HASHES:
        raise UnsupportedAlgorithm(f"unsupported ECDSA hash {name!r} (expected one of {', '.join(HASHES)})")
    return name


def bits2int(b: bytes, qlen: int) -> int:
    """RFC 6979 §2.3.2: the leftmost ``qlen`` bits of ``b`` as an integer.

    If the bit length of ``b`` is larger than qlen, the rightmost bits are
    dropped; if it is smaller, ``b`` is (implicitly) left-padded with zeros.
    This is also FIPS 186-4 §6.4's "leftmost min(N, outlen) bits of Hash(M)".
    """
    blen = 8 * len(b)
    x = int.from_bytes(b, "big")
    if blen > qlen:
        x >>= blen - qlen
    return x


def int2octets(x: int, q: int) -> bytes:
    """RFC 6979 §2.3.3: ``x`` (0 <= x < q) as rlen/8 octets, big-endian."""
    rlen = 8 * ((q.bit_length() + 7) // 8)
    return x.to_bytes(rlen // 8, "big")


def bits2octets(b: bytes, q: int) -> bytes:
    """RFC 6979 §2.3.4: z1 = bits2int(b); z2 = z1 mod q; int2octets(z2)."""
    z1 = bits2int(b, q.bit_length())
    z2 = z1 - q if z1 >= q else z1  # z1 < 2^qlen < 2q, so one subtraction reduces it
    return int2octets(z2, q)


def generate_k(curve: Curve, d: int, h1: bytes, hash_name: str) -> Iterator[int]:
    """The RFC 6979 §3.2 sequence of nonce candidates k, each in [1, q-1].

    The first value is the k of a signature; a caller that must discard it
    (r = 0 or s = 0, §3.4) takes the next, which continues exactly as step h.3
    prescribes (K = HMAC_K(V || 0x00), V = HMAC_K(V), new T).

    Args:
        curve: the curve (q = ``curve.n``).
        d: the private key x of the RFC, in [1, q-1].
        h1: H(m), the message hash (any length; bits2octets reduces it).
        hash_name: the HMAC hash, a hashlib name (the one that produced h1).
    Yields:
        k, an int in [1, q-1]; the iterator never ends.
    Raises:
        InvalidKey: d outside [1, q-1].
        UnsupportedAlgorithm: ``hash_name`` not in :data:`HASHES`.
    """
    q = curve.n
    qlen = q.bit_length()
    d = _sec1._check_private(curve, d)
    name = _hash_name(curve, hash_name)
    h1 = _as_bytes("h1", h1)
    # Checked eagerly, above; the generator below only does step b onwards.
    return _k_candidates(q, qlen, int2octets(d, q), bits2octets(h1, q), name)


def _k_candidates(q: int, qlen: int, x_octets: bytes, h_octets: bytes, name: str) -> Iterator[int]:
    """RFC 6979 §3.2 steps b-h (step a, h1 = H(m), is the caller's)."""
    hlen_octets = hashlib.new(name).digest_size

    def hmac_k(key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, name).digest()

    V = b"\x01" * hlen_octets                                  # step b
    K = b"\x00" * hlen_octets                                  # step c
    K = hmac_k(K, V + b"\x00" + x_octets + h_octets)           # step d
    V = hmac_k(K, V)                                           # step e
    K = hmac_k(K, V + b"\x01" + x_octets + h_octets)           # step f
    V = hmac_k(K, V)                                           # step g
    while True:                                                # step h
        T = b""                                                # h.1
        while 8 * len(T) < qlen:                               # h.2
            V = hmac_k(K, V)
            T = T + V
        k = bits2int(T, qlen)                                  # h.3
        if 1 <= k <= q - 1:
            yield k
        K = hmac_k(K, V + b"\x00")
        V = hmac_k(K, V)


def _as_bytes(name: str, data: object) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UsageError(f"{name} must be bytes, not {type(data).__name__}")
    return bytes(data)


def sign(curve: Curve, d: int, msg: bytes, hash_name: Optional[str] = None, *, low_s: bool = False) -> bytes:
    """Deterministic ECDSA signature of ``msg``: r || s, fixed width.

    FIPS 186-4 §6.4.1 (SEC 1 v2 §4.1.3) with k from :func:`generate_k`:
    e = bits2int(H(msg)); (x1, y1) = [k]G; r = x1 mod n; s = k^-1 (e + r d)
    mod n; a k giving r = 0 or s = 0 is discarded for the next candidate
    (RFC 6979 §3.4).

    Args:
        curve: the curve.
        d: private key, an int in [1, n-1].
        msg: the message (hashed here).
        hash_name: "sha256", "sha384" or "sha512"; ``None`` takes
            ``curve.hash_name`` (the JOSE pairing).
        low_s: return (r, n - s) when s > n/2.
    Returns:
        2 * ``curve.order_len`` octets (64, 96, 132, 64).
    Raises:
        InvalidKey: d outside [1, n-1].
        UnsupportedAlgorithm: unknown hash.
        UsageError: ``msg`` is not bytes.
    """
    msg = _as_bytes("msg", msg)
    name = _hash_name(curve, hash_name)
    n = curve.n
    h1 = hashlib.new(name, msg).digest()
    e = bits2int(h1, n.bit_length())
    candidates = generate_k(curve, d, h1, name)
    while True:
        k = next(candidates)
        R = _sec1.scalar_mult(curve, k, curve.G)
        if R is None:  # impossible for 1 <= k < n
            continue
        r = R[0] % n
        if r == 0:  # RFC 6979 §3.4: take the next k
            continue
        s = pow(k, -1, n) * (e + r * d) % n
        if s == 0:
            continue
        if low_s and s > n // 2:
            s = n - s
        return r.to_bytes(curve.order_len, "big") + s.to_bytes(curve.order_len, "big")


def _split(curve: Curve, signature: bytes) -> Optional[Tuple[int, int]]:
    L = curve.order_len
    if len(signature) != 2 * L:
        return None
    return int.from_bytes(signature[:L], "big"), int.from_bytes(signature[L:], "big")


def verify(
    curve: Curve,
    pub: Tuple[int, int],
    msg: bytes,
    signature: bytes,
    hash_name: Optional[str] = None,
    *,
    strict_low_s: bool = False,
) -> bool:
    """Verify a fixed-width r || s ECDSA signature.

    FIPS 186-4 §6.4.2 (SEC 1 v2 §4.1.4): reject unless 0 < r < n and
    0 < s < n; e = bits2int(H(msg)); w = s^-1 mod n; u1 = e w, u2 = r w;
    R = [u1]G + [u2]Q; reject R = O; accept iff x_R mod n = r.

    Args:
        curve: the curve.
        pub: the signer's public point Q (validated here).
        msg: the message.
        signature: 2 * ``curve.order_len`` octets.
        hash_name: as for :func:`sign`.
        strict_low_s: also reject s > n/2.
    Returns:
        True for a valid signature; False for any bad signature (wrong
        length, r or s out of range, high s when strict, wrong equation).
    Raises:
        InvalidKey: ``pub`` is not a valid point (a bad key, not a bad
            signature).
        UnsupportedAlgorithm: unknown hash.
        UsageError: ``msg`` or ``signature`` is not bytes.
    """
    msg = _as_bytes("msg", msg)
    signature = _as_bytes("signature", signature)
    name = _hash_name(curve, hash_name)
    Q = _sec1._check_point(curve, pub)
    n = curve.n
    rs = _split(curve, signature)
    if rs is None:
        return False
    r, s = rs
    if not (1 <= r <= n - 1 and 1 <= s <= n - 1):  # §6.4.2 step 1
        return False
    if strict_low_s and s > n // 2:
        return False
    e = bits2int(hashlib.new(name, msg).digest(), n.bit_length())
    w = pow(s, -1, n)
    u1 = e * w % n
    u2 = r * w % n
    R = _sec1.double_scalar_mult(curve, u1, curve.G, u2, Q)
    if R is None:
        return False
    return R[0] % n == r
