"""JSON Web Keys (RFC 7517) for the curves DIDComm uses, and RFC 7638 thumbprints.

Key types and curves (nothing else is accepted):

* ``"OKP"`` (RFC 8037 §2): ``Ed25519`` (signatures) and ``X25519`` (key
  agreement); members ``crv``, ``x`` and, for a private key, ``d``, each the
  32-byte key in base64url.
* ``"EC"`` (RFC 7518 §6.2): ``P-256``, ``P-384``, ``P-521`` and ``secp256k1``
  (RFC 8812 §3.2); members ``crv``, ``x``, ``y`` (the full-width coordinates)
  and, for a private key, ``d``.

Validation (on every construction, not only when parsing):

* ``kty`` and ``crv`` are known and consistent;
* lengths: OKP ``x``/``d`` 32 bytes; EC ``x``/``y`` exactly the coordinate
  size, "the full size of a coordinate for the curve specified in the "crv"
  parameter" (RFC 7518 §6.2.1.2), ``d`` exactly ``ceiling(log-base-2(n)/8)``
  octets (§6.2.2.1);
* EC points are on the curve with coordinates below p (SEC 1 §3.2.2, via
  :mod:`refdidcomm._sec1`), ``1 <= d < n``, and ``d*G`` is the stated point;
* an X25519 public key is not of low order ([8]P is not the point at
  infinity: u = 0, 1, p - 1, the two order-8 points, and the non-canonical
  p, p + 1; RFC 7748 §6.1's all-zero output would follow from any of them);
* an Ed25519 public key decodes to a point on the curve that is not of
  small order (through the crypto facade's Ed25519 -> X25519 map, which
  rejects non-canonical, small-order and off-curve encodings and points
  outside the prime-order subgroup, identically on both backends -- such
  keys never come from an honest key generation); a private OKP key's ``x``
  is the public key derived from its ``d``.

Validation of EC keys uses the pure-Python curve arithmetic of
:mod:`refdidcomm._sec1` (on both backends), which is NOT constant time.

``kid`` is kept exactly as given. Members a JWK may carry that this module
does not use (``use``, ``key_ops``, ``alg``, ``x5c``, ...) are ignored, as
RFC 7517 §4 requires: "if not understood by implementations encountering
them, they MUST be ignored". So is a misspelt name such as the DIDComm v2
spec's ``"kid "`` (Appendix A.2, with a trailing space): such a key parses
with ``kid`` = None.

Errors: structural problems of the JSON (not an object, a member missing or
not a string, bad base64url) are :class:`MalformedMessage` naming the
member; invalid key material is :class:`InvalidKey`; an unknown ``kty`` or
``crv`` is :class:`UnsupportedAlgorithm`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass, field
from types import MappingProxyType
from collections import abc
from typing import Any, Callable, Mapping, Optional, Union

from . import _json
from . import _rfc7748
from . import _sec1
from . import crypto
from .encoding import b64url_decode, b64url_encode
from .errors import InvalidKey, MalformedMessage, UnsupportedAlgorithm, UsageError

__all__ = [
    "JWK",
    "KeyNotFound",
    "KeyLookup",
    "CURVES_BY_KTY",
    "generate",
    "lookup_key",
    "resolve_key",
    "b64url_member",
]

#: kty -> the curves refdidcomm accepts for it (read-only).
CURVES_BY_KTY: Mapping[str, frozenset] = MappingProxyType(
    {
        "OKP": frozenset({"Ed25519", "X25519"}),  # RFC 8037 §2
        "EC": frozenset({"P-256", "P-384", "P-521", "secp256k1"}),  # RFC 7518 §6.2.1.1, RFC 8812 §3.2
    }
)
_OKP_KEY_LEN = 32  # RFC 8037 §2: Ed25519 and X25519 keys are 32 octets

#: Where a key is looked up by ``kid``: a mapping, or a callable returning
#: the key or None.
KeyLookup = Union[Mapping[str, "JWK"], Callable[[str], Optional["JWK"]]]


class KeyNotFound(MalformedMessage):
    """A key id in a message (``kid``, ``skid``) names no key the caller supplied."""


def _string_member(
    obj: Mapping[str, Any], name: str, where: str, *, required: bool = True, kind: str = "a string"
) -> Optional[str]:
    """The string member ``name`` of ``obj`` (None when absent and not required); ``kind`` names it in errors."""
    fname = f"{where}.{name}" if where else name
    if name not in obj:
        if required:
            raise MalformedMessage("required member is missing", fname)
        return None
    value = obj[name]
    if not isinstance(value, str):
        raise MalformedMessage(f"must be {kind}", fname)
    return value


def b64url_member(
    obj: Mapping[str, Any],
    name: str,
    where: str,
    *,
    required: bool = True,
    backend: Optional[crypto.Backend] = None,
) -> Optional[bytes]:
    """Decode the base64url string member ``name`` of a JSON object, strictly.

    Args:
        obj: the JSON object. name: the member. where: the object's name for errors.
        required: whether absence is an error.
        backend: decode with this backend's codec (for the large members: a
            JWE ``ciphertext``, a JWS ``payload``); the result is the same
            with either backend. Default: :func:`refdidcomm.encoding.b64url_decode`.
    Returns:
        the decoded bytes, or None when absent and not required.
    Raises:
        MalformedMessage: absent (when required), not a string, or not
            canonical unpadded base64url (field ``where.name``).
    """
    value = _string_member(obj, name, where, required=required, kind="a base64url string")
    if value is None:
        return None
    try:
        return b64url_decode(value) if backend is None else backend.b64url_decode(value)
    except MalformedMessage as exc:
        raise MalformedMessage(exc.reason, f"{where}.{name}" if where else name) from exc


@functools.lru_cache(maxsize=1024)
def _x25519_low_order(u_bytes: bytes) -> bool:
    """True when the X25519 u-coordinate ``u_bytes`` is a point of low order.

    Curve25519 and its twist have cofactor 8 and 4, so a point P has low
    order exactly when [8]P is the point at infinity, which an X25519
    scalar (a multiple of 8, RFC 7748 §5 decodeScalar25519) maps to the
    all-zero output. [8]P is three doublings with the x-only formulas of the
    RFC 7748 §5 ladder (``AA``, ``BB``, ``E``, ``x_2``, ``z_2``); infinity is
    ``z_2 = 0``. u is decoded as RFC 7748 §5 does (top bit masked,
    non-canonical values reduced mod p), so this covers u = 0, 1, p - 1, the
    two order-8 points, and their non-canonical forms p, p + 1.

    The answer depends on the 32 public bytes only, so it is memoised
    (bounded, 1024 keys): a key seen again costs a dictionary look-up.

    Args:
        u_bytes: the 32-byte u-coordinate.
    Returns:
        True for a low-order point.
    Spec: RFC 7748 §5, §6.1.
    """
    # RFC 7748 §5 decodeUCoordinate: little-endian, "the most significant bit
    # in the final byte" masked -- int.from_bytes is the same as the RFC's
    # byte-by-byte sum in _rfc7748.decode_u_coordinate, without the loop.
    x_2, z_2 = (int.from_bytes(u_bytes, "little") & _U_MASK) % _rfc7748.P, 1
    for _ in range(3):
        A = (x_2 + z_2) % _rfc7748.P
        AA = A * A % _rfc7748.P
        B = (x_2 - z_2) % _rfc7748.P
        BB = B * B % _rfc7748.P
        E = (AA - BB) % _rfc7748.P
        x_2 = AA * BB % _rfc7748.P
        z_2 = E * (AA + _rfc7748.A24 * E) % _rfc7748.P
    return z_2 == 0


_U_MASK = (1 << 255) - 1  # RFC 7748 §5: mask the top bit of a 32-byte u-coordinate


#: Parsed public JWKs by their members ``(kty, crv, x, y, kid)`` exactly as
#: given (JSON strings): a DID document's keys are parsed on every pack and
#: unpack, and a JWK is immutable, so the same members always give the same
#: validated key. Only public keys (no ``d``) from plain dicts are kept; a
#: member of any other type is never a hit. Bounded: cleared at
#: :data:`_PUBLIC_KEYS_MAX` entries.
_PUBLIC_KEYS: dict = {}
_PUBLIC_KEYS_MAX = 1024
_ABSENT = object()
_CACHED_MEMBERS = ("kty", "crv", "x", "y", "kid")


def _cache_key(obj: Any) -> Optional[tuple]:
    """The :data:`_PUBLIC_KEYS` key of a JWK object, or None when it must not be cached.

    Only a plain dict without ``d`` whose members of interest are each
    absent or exactly a ``str`` (not a subclass, not ``null``): then equal
    keys mean equal JSON members, and parsing them again would give the
    same key or the same error. Absent and ``null`` are told apart.
    """
    if type(obj) is not dict or "d" in obj:
        return None
    key = tuple(obj.get(name, _ABSENT) for name in _CACHED_MEMBERS)
    if all(value is _ABSENT or type(value) is str for value in key):
        return key
    return None


def _check_kty_crv(kty: str, crv: str) -> None:
    if kty not in CURVES_BY_KTY:
        raise UnsupportedAlgorithm(f"kty {kty!r} is not supported (supported: EC, OKP)")
    if crv not in CURVES_BY_KTY[kty]:
        for other, curves in CURVES_BY_KTY.items():
            if crv in curves:
                raise InvalidKey(f"crv {crv!r} belongs to kty {other!r}, not {kty!r}")
        raise UnsupportedAlgorithm(f"crv {crv!r} is not supported for kty {kty!r}")


@dataclass(frozen=True)
class JWK:
    """A validated EC or OKP JSON Web Key, public or private.

    The key material is held as raw bytes (``x``, ``y``, ``d``), exactly the
    octets the base64url members encode. Construction validates everything
    listed in the module docstring.

    Attributes:
        kty: ``"OKP"`` or ``"EC"``.
        crv: ``Ed25519``, ``X25519``, ``P-256``, ``P-384``, ``P-521`` or ``secp256k1``.
        x: the public key (OKP, 32 bytes) or the x coordinate (EC, full width).
        y: the y coordinate (EC only, full width), else None.
        d: the private key (OKP 32 bytes; EC ``ceiling(log2(n)/8)`` bytes), or None.
        kid: the key id exactly as given, or None.
    Raises (on construction):
        UsageError: a member has the wrong Python type.
        UnsupportedAlgorithm: unknown ``kty`` or ``crv``.
        InvalidKey: anything else about the key material.
    Spec: RFC 7517 §4; RFC 7518 §6.2; RFC 8037 §2; RFC 8812 §3.2.
    """

    kty: str
    crv: str
    x: bytes
    y: Optional[bytes] = None
    d: Optional[bytes] = field(default=None, repr=False)
    kid: Optional[str] = None
    # Parsed SEC 1 objects for EC keys, computed once while validating.
    _point: Any = field(default=None, init=False, repr=False, compare=False)
    _scalar: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("kty", "crv"):
            if not isinstance(getattr(self, name), str):
                raise UsageError(f"JWK {name} must be a str")
        if self.kid is not None and not isinstance(self.kid, str):
            raise UsageError("JWK kid must be a str or None")
        for name in ("x", "y", "d"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, (bytes, bytearray)):
                raise UsageError(f"JWK {name} must be bytes (the decoded key material)")
            object.__setattr__(self, name, bytes(value))
        _check_kty_crv(self.kty, self.crv)
        if self.kty == "OKP":
            self._validate_okp()
        else:
            self._validate_ec()

    # -- validation ------------------------------------------------------
    def _validate_okp(self) -> None:
        if self.y is not None:
            raise InvalidKey("an OKP key has no 'y' member (RFC 8037 §2)")
        if len(self.x) != _OKP_KEY_LEN:
            raise InvalidKey(f"x: {self.crv} public key must be 32 bytes, got {len(self.x)}")
        be = crypto.backend(crypto.BACKEND)
        if self.crv == "Ed25519":
            # The facade's Ed25519 -> X25519 map decodes the point and rejects
            # non-canonical encodings, points off the curve and small order.
            be.ed25519_pk_to_x25519(self.x)
        elif _x25519_low_order(self.x):
            # RFC 7748 §6.1 would abort the key agreement on the all-zero
            # output such a key always gives; refuse the key itself.
            raise InvalidKey("x: X25519 public key is of low order (every shared secret with it is all zero)")
        if self.d is None:
            return
        if len(self.d) != _OKP_KEY_LEN:
            raise InvalidKey(f"d: {self.crv} private key must be 32 bytes, got {len(self.d)}")
        derived = be.ed25519_public_key(self.d) if self.crv == "Ed25519" else be.x25519_public_key(self.d)
        if not hmac.compare_digest(derived, self.x):
            raise InvalidKey(f"x: does not match the public key derived from d ({self.crv})")

    def _validate_ec(self) -> None:
        curve = _sec1.get_curve(self.crv)
        if self.y is None:
            raise InvalidKey("y: an EC key needs both coordinates (RFC 7518 §6.2.1.3)")
        for name, value in (("x", self.x), ("y", self.y)):
            # RFC 7518 §6.2.1.2: "The length of this octet string MUST be the
            # full size of a coordinate for the curve specified in the "crv"
            # parameter."
            if len(value) != curve.byte_len:
                raise InvalidKey(f"{name}: {self.crv} coordinate must be {curve.byte_len} bytes, got {len(value)}")
        point = _sec1.point_from_coordinates(curve, self.x, self.y)
        object.__setattr__(self, "_point", point)
        if self.d is None:
            return
        # RFC 7518 §6.2.2.1: "The length of this octet string MUST be
        # ceiling(log-base-2(n)/8) octets (where n is the order of the curve)."
        if len(self.d) != curve.order_len:
            raise InvalidKey(f"d: {self.crv} private key must be {curve.order_len} bytes, got {len(self.d)}")
        scalar = _sec1.private_key_from_bytes(curve, self.d)
        derived = _sec1.encode_point(curve, _sec1.public_key(curve, scalar))
        if not hmac.compare_digest(derived, _sec1.encode_point(curve, point)):
            raise InvalidKey(f"x, y: do not match the public key derived from d ({self.crv})")
        object.__setattr__(self, "_scalar", scalar)

    # -- parsing and serialization ---------------------------------------
    @classmethod
    def from_dict(cls, obj: Any, *, where: str = "jwk", cache: bool = True) -> "JWK":
        """Parse a JWK JSON object (already decoded from JSON).

        Args:
            obj: the JSON object (a dict).
            where: a name for the object in error messages (e.g. ``epk``).
            cache: remember a public key for the next identical object
                (:data:`_PUBLIC_KEYS`); False for a one-time key such as an ``epk``.
        Returns:
            the validated key.
        Raises:
            MalformedMessage: not an object; ``kty``/``crv``/``x`` (and ``y``
                for EC) missing or not strings; non-canonical base64url.
            UnsupportedAlgorithm: unknown ``kty`` or ``crv``.
            InvalidKey: invalid key material.
        Spec: RFC 7517 §4; RFC 7518 §6.2; RFC 8037 §2.
        """
        cache_key = _cache_key(obj) if cache and cls is JWK else None
        if cache_key is not None:
            known = _PUBLIC_KEYS.get(cache_key)
            if known is not None:
                return known
        if not isinstance(obj, abc.Mapping):
            raise MalformedMessage("a JWK must be a JSON object", where)
        kty = str(_string_member(obj, "kty", where))
        if kty not in CURVES_BY_KTY:
            raise UnsupportedAlgorithm(f"kty {kty!r} is not supported (supported: EC, OKP)")
        crv = str(_string_member(obj, "crv", where))
        _check_kty_crv(kty, crv)
        x = bytes(b64url_member(obj, "x", where) or b"")
        y = b64url_member(obj, "y", where) if kty == "EC" else None
        d = b64url_member(obj, "d", where, required=False)
        kid = _string_member(obj, "kid", where, required=False)
        key = cls(kty=kty, crv=crv, x=x, y=y, d=d, kid=kid)
        if cache_key is not None:
            if len(_PUBLIC_KEYS) >= _PUBLIC_KEYS_MAX:
                _PUBLIC_KEYS.clear()
            _PUBLIC_KEYS[cache_key] = key
        return key

    @classmethod
    def from_json(cls, data: Union[str, bytes], *, where: str = "jwk") -> "JWK":
        """Parse a JWK from JSON text (duplicate member names are rejected)."""
        return cls.from_dict(_json.loads(data, field=where), where=where)

    def to_dict(self, *, private: bool = False, include_kid: bool = True) -> dict:
        """The JWK as a JSON object (members ``kty, crv, x[, y][, d][, kid]``).

        Args:
            private: include ``d``. The default exports the public key only.
            include_kid: include ``kid`` when the key has one.
        Returns:
            a new dict of strings.
        Raises:
            UsageError: ``private=True`` for a public key.
        """
        out = {"kty": self.kty, "crv": self.crv, "x": b64url_encode(self.x)}
        if self.y is not None:
            out["y"] = b64url_encode(self.y)
        if private:
            if self.d is None:
                raise UsageError("this JWK has no private part to export")
            out["d"] = b64url_encode(self.d)
        if include_kid and self.kid is not None:
            out["kid"] = self.kid
        return out

    # -- views -----------------------------------------------------------
    @property
    def is_private(self) -> bool:
        """True when the key has its private part ``d``."""
        return self.d is not None

    def public(self) -> "JWK":
        """The same key without ``d`` (``kid`` kept)."""
        if self.d is None:
            return self
        # The public members were validated when this key was built; dropping
        # ``d`` cannot make them invalid, so they are copied as with_kid does.
        return self._copy(kid=self.kid, d=None)

    def _copy(self, *, kid: Optional[str], d: Optional[bytes]) -> "JWK":
        out = JWK.__new__(JWK)
        for name in ("kty", "crv", "x", "y", "_point", "_scalar"):
            object.__setattr__(out, name, getattr(self, name))
        object.__setattr__(out, "d", d)
        if d is None:
            object.__setattr__(out, "_scalar", None)
        object.__setattr__(out, "kid", kid)
        return out

    def with_kid(self, kid: Optional[str]) -> "JWK":
        """The same key material under another ``kid``."""
        if kid is not None and not isinstance(kid, str):
            raise UsageError("kid must be a str or None")
        return self._copy(kid=kid, d=self.d)

    def thumbprint(self) -> str:
        """The RFC 7638 JWK thumbprint with SHA-256, base64url-encoded.

        RFC 7638 §3.2: the JSON object of the required members only, in
        lexicographic order, without whitespace -- for EC ``crv, kty, x, y``
        (§3.2), for OKP ``crv, kty, x`` (RFC 8037 §2) -- hashed with SHA-256.

        Returns:
            43 base64url characters.
        Spec: RFC 7638 §3; RFC 8037 §2 and Appendix A.3.
        """
        required = {"crv": self.crv, "kty": self.kty, "x": b64url_encode(self.x)}
        if self.y is not None:
            required["y"] = b64url_encode(self.y)
        return b64url_encode(hashlib.sha256(_json.canonical_dumps(required)).digest())

    def ec_public_point(self) -> Any:
        """The parsed SEC 1 point of an EC key (for :mod:`refdidcomm._sec1`).

        Raises:
            UsageError: the key is not an EC key.
        """
        if self.kty != "EC":
            raise UsageError(f"{self.crv} is not an EC key")
        return self._point

    def ec_private_scalar(self) -> Any:
        """The private scalar of an EC private key (for :mod:`refdidcomm._sec1`).

        Raises:
            UsageError: not an EC key, or no private part.
        """
        if self.kty != "EC" or self._scalar is None:
            raise UsageError("not an EC private key")
        return self._scalar


def generate(
    crv: str,
    rng: Optional[crypto.Rng] = None,
    kid: Optional[str] = None,
    *,
    backend: Optional[crypto.Backend] = None,
) -> JWK:
    """Generate a private JWK on ``crv``.

    OKP keys take 32 bytes from ``rng`` (the Ed25519 seed or the X25519
    private key, RFC 8037 §2); EC keys draw ``d`` through
    :func:`refdidcomm._sec1.generate_private_key` (uniform in ``[1, n-1]``).

    Args:
        crv: ``Ed25519``, ``X25519``, ``P-256``, ``P-384``, ``P-521`` or ``secp256k1``.
        rng: randomness source ``rng(n) -> n bytes`` (default: the backend's CSPRNG).
        kid: the key id to attach.
        backend: crypto backend (default: the active one).
    Returns:
        the private JWK.
    Raises:
        UnsupportedAlgorithm: unknown curve.
        UsageError: ``rng`` returned the wrong number of bytes.
    """
    be = backend or crypto.backend(crypto.BACKEND)

    def draw(n: int) -> bytes:
        return crypto.draw(rng, n, be)

    if crv in CURVES_BY_KTY["OKP"]:
        d = draw(_OKP_KEY_LEN)
        if kid is not None and not isinstance(kid, str):
            raise UsageError("JWK kid must be a str or None")
        if crv == "Ed25519":
            return JWK(kty="OKP", crv=crv, x=be.ed25519_public_key(d), d=d, kid=kid)
        # X25519: x is computed from d right here, so the constructor's two
        # checks hold by construction -- x matches d, and d*basepoint is in
        # the prime-order subgroup (d is clamped to a multiple of the
        # cofactor, RFC 7748 §5), never of low order. Skipping them saves a
        # second scalar multiplication per ephemeral key.
        key = JWK.__new__(JWK)
        for name, value in (("kty", "OKP"), ("crv", crv), ("x", be.x25519_public_key(d)), ("y", None), ("d", d),
                            ("kid", kid), ("_point", None), ("_scalar", None)):
            object.__setattr__(key, name, value)
        return key
    if crv in CURVES_BY_KTY["EC"]:
        curve = _sec1.get_curve(crv)
        scalar = _sec1.generate_private_key(curve, draw)
        d_bytes = scalar.to_bytes(curve.order_len, "big")
        encoded = _sec1.encode_point(curve, _sec1.public_key(curve, scalar))
        x, y = encoded[1 : 1 + curve.byte_len], encoded[1 + curve.byte_len :]
        return JWK(kty="EC", crv=crv, x=x, y=y, d=d_bytes, kid=kid)
    raise UnsupportedAlgorithm(f"crv {crv!r} is not supported")


def lookup_key(keys: KeyLookup, kid: str) -> Optional[JWK]:
    """Look up ``kid`` in a mapping or through a callable; None when absent.

    Raises:
        UsageError: ``keys`` is neither, or the lookup returned a non-JWK.
    """
    if isinstance(keys, abc.Mapping):
        key = keys.get(kid)
    elif callable(keys):
        key = keys(kid)
    else:
        raise UsageError("keys must be a Mapping[kid, JWK] or a callable kid -> JWK | None")
    if key is not None and not isinstance(key, JWK):
        raise UsageError(f"the key looked up for {kid!r} is not a JWK")
    return key


def resolve_key(keys: KeyLookup, kid: str, field_name: str) -> JWK:
    """Look up ``kid`` in a mapping or through a callable.

    Args:
        keys: a ``Mapping[kid, JWK]`` or a callable ``kid -> JWK | None``.
        kid: the key id from the message.
        field_name: the header member that carried it (for the error).
    Returns:
        the key.
    Raises:
        KeyNotFound: no key for ``kid``.
        UsageError: ``keys`` is neither a mapping nor callable, or the
            lookup returned something that is not a JWK.
    """
    key = lookup_key(keys, kid)
    if key is None:
        raise KeyNotFound(f"{kid!r} names no supplied key", field_name)
    return key
