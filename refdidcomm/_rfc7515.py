"""JSON Web Signature (RFC 7515): JSON serializations and the compact form.

* General JSON Serialization (§7.2.1): ``{"payload", "signatures": [{"protected",
  "header", "signature"}]}`` -- the form DIDComm v2 signed messages use, with
  ``typ`` ``application/didcomm-signed+json`` in the protected header and the
  signer's ``kid`` in the unprotected ``header`` (DIDComm v2 Appendix C.2).
* Flattened JSON Serialization (§7.2.2): accepted on verification, because
  DIDComm v2 "Message Signing" says "Message recipients MUST be able to
  process both forms".
* Compact Serialization (§7.1): for JWTs such as DIDComm's ``from_prior``.

Algorithms (the registry in :mod:`refdidcomm._jose_algorithms`): EdDSA over
Ed25519 (RFC 8037 §3.1, through the crypto facade), ES256 (RFC 7518 §3.4) and
ES256K (RFC 8812 §3.2), both ECDSA with RFC 6979 deterministic nonces
(:mod:`refdidcomm._rfc6979`) and signatures as fixed-width ``R || S``.
ES256K always emits low-S signatures; verification accepts high-S (RFC 8812
does not forbid it) unless ``strict=True``. ECDSA runs on the pure-Python
curves (NOT constant time) on both backends; Ed25519 runs in the backend.

Verification rules, each with its own error:

* the JWS Signing Input is ``ASCII(BASE64URL(UTF8(JWS Protected Header)) ||
  '.' || BASE64URL(JWS Payload))`` (§5.2 step 8), using the members exactly
  as received; every base64url value must be canonical and unpadded;
* ``alg`` must be in the protected header (a deliberate restriction: RFC 7515
  allows it unprotected; every DIDComm and RFC 8037 example protects it),
  must not be ``none``, and must be a supported algorithm
  (:class:`UnsupportedAlgorithm`);
* the protected and unprotected header names must be disjoint (§7.2.1);
* ``crit`` (§4.1.11) must be integrity protected, a non-empty list of strings
  naming parameters present in the header and not defined by RFC 7515/7518,
  and every name must be understood -- this implementation understands no
  extension, so any ``crit`` is rejected (:class:`MalformedMessage`);
* ``kid`` must be present and name a supplied key (:class:`KeyNotFound`), and
  the key's ``kty``/``crv`` must be the ones ``alg`` takes
  (:class:`MalformedMessage` on ``alg``);
* the signature must have the algorithm's exact length and verify
  (:class:`InvalidSignature`). With several signatures, *all* must verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections import abc
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _json
from . import _rfc6979
from . import _sec1
from . import crypto
from ._jose_algorithms import DIDCOMM_JWS_ALGORITHMS, JWSAlgorithm, jws_algorithm, jws_algorithm_for_key
from ._rfc7517 import JWK, KeyLookup, KeyNotFound, b64url_member, resolve_key
from .encoding import b64url_decode, b64url_encode
from .errors import InvalidSignature, MalformedMessage, UsageError

__all__ = [
    "DIDCOMM_SIGNED_TYP",
    "JWT_TYP",
    "VerifiedJWS",
    "signing_input",
    "sign_bytes",
    "verify_bytes",
    "sign_general",
    "verify_json",
    "sign_compact",
    "verify_compact",
    "check_crit",
]

#: DIDComm v2 media type of a signed message, used as the JWS ``typ``.
DIDCOMM_SIGNED_TYP = "application/didcomm-signed+json"
#: RFC 7519 §5.1 ``typ`` of a JWT.
JWT_TYP = "JWT"

# Header Parameter names defined by RFC 7515 §4.1 and RFC 7518 for use with
# JWS; §4.1.11: "Producers MUST NOT include Header Parameter names defined by
# this specification or [JWA] for use with JWS ... in the "crit" list".
_JWS_DEFINED_NAMES = frozenset({"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"})
# Extensions this implementation understands (and may therefore appear in
# "crit"): none.
_UNDERSTOOD_EXTENSIONS: frozenset = frozenset()


@dataclass(frozen=True)
class VerifiedJWS:
    """The result of a successful verification.

    Attributes:
        payload: the JWS Payload (decoded bytes).
        kids: the ``kid`` of each signature, in order (None where a single
            supplied key verified a signature without ``kid``).
        algs: the ``alg`` of each signature, in order.
        protected: the decoded protected header of each signature, in order.
    """

    payload: bytes
    kids: Tuple[Optional[str], ...]
    algs: Tuple[str, ...]
    protected: Tuple[Dict[str, Any], ...]


def _be(backend: Optional[crypto.Backend]) -> crypto.Backend:
    return backend or crypto.backend(crypto.BACKEND)


def signing_input(protected_b64: str, payload_b64: str) -> bytes:
    """``ASCII(BASE64URL(UTF8(JWS Protected Header)) || '.' || BASE64URL(JWS Payload))``.

    Spec: RFC 7515 §5.1 step 5, §5.2 step 8.
    """
    return (protected_b64 + "." + payload_b64).encode("ascii")


def _check_signing_key(alg: JWSAlgorithm, key: JWK) -> None:
    if key.kty != alg.kty or key.crv != alg.crv:
        raise MalformedMessage(
            f"alg {alg.name!r} takes a {alg.kty} {alg.crv} key, not {key.kty} {key.crv} ({key.kid!r})", "alg"
        )


def sign_bytes(alg: JWSAlgorithm, key: JWK, data: bytes, *, backend: Optional[crypto.Backend] = None) -> bytes:
    """Sign ``data`` (the JWS Signing Input) with ``alg``.

    Args:
        alg: EdDSA, ES256 or ES256K. key: the matching private JWK.
        data: the bytes to sign. backend: crypto backend for Ed25519.
    Returns:
        the signature: 64 bytes (Ed25519 ``R || S``; ECDSA fixed-width ``R || S``,
        RFC 7518 §3.4), low-S for ES256K.
    Raises:
        UsageError: the key is public. MalformedMessage: key does not fit ``alg``.
    Spec: RFC 8037 §3.1; RFC 7518 §3.4; RFC 8812 §3.2; RFC 6979.
    """
    _check_signing_key(alg, key)
    if key.d is None:
        raise UsageError(f"signing key {key.kid!r} has no private part ('d')")
    if alg.kty == "OKP":
        return _be(backend).ed25519_sign(key.d, data)
    curve = _sec1.get_curve(alg.crv)
    return _rfc6979.sign(curve, key.ec_private_scalar(), data, alg.hash_name, low_s=alg.low_s)


def verify_bytes(
    alg: JWSAlgorithm,
    key: JWK,
    data: bytes,
    signature: bytes,
    *,
    strict: bool = False,
    backend: Optional[crypto.Backend] = None,
) -> bool:
    """Verify a signature over ``data``.

    Args:
        alg: the algorithm. key: the matching (public) JWK.
        data: the JWS Signing Input. signature: the decoded JWS Signature.
        strict: for ES256K, reject high-S signatures.
        backend: crypto backend for Ed25519.
    Returns:
        True if the signature is valid; False otherwise (including a wrong length).
    Raises:
        MalformedMessage: the key does not fit ``alg``.
    """
    _check_signing_key(alg, key)
    if len(signature) != alg.signature_len:
        return False
    if alg.kty == "OKP":
        return bool(_be(backend).ed25519_verify(key.x, data, signature))
    curve = _sec1.get_curve(alg.crv)
    return bool(
        _rfc6979.verify(
            curve, key.ec_public_point(), data, signature, alg.hash_name, strict_low_s=strict and alg.low_s
        )
    )


def check_crit(protected: Mapping[str, Any], unprotected: Mapping[str, Any], where: str = "protected") -> None:
    """Apply RFC 7515 §4.1.11 (and RFC 7516 §4.1.13) to ``crit``.

    Raises:
        MalformedMessage: ``crit`` unprotected, not a non-empty list of
            strings, naming a JOSE-defined or absent parameter, or naming an
            extension this implementation does not understand (none is).
    """
    if "crit" in unprotected:
        # "When used, this Header Parameter MUST be integrity protected;
        # therefore, it MUST occur only within the JWS Protected Header."
        raise MalformedMessage('"crit" must be in the protected header (RFC 7515 §4.1.11)', "crit")
    if "crit" not in protected:
        return
    crit = protected["crit"]
    if not isinstance(crit, list) or not crit or not all(isinstance(name, str) for name in crit):
        # "Producers MUST NOT use the empty list "[]" as the "crit" value."
        raise MalformedMessage("must be a non-empty array of strings (RFC 7515 §4.1.11)", f"{where}.crit")
    for name in crit:
        if name in _JWS_DEFINED_NAMES:
            raise MalformedMessage(f"lists {name!r}, a parameter defined by RFC 7515/7518", f"{where}.crit")
        if name not in protected and name not in unprotected:
            raise MalformedMessage(f"lists {name!r}, which is not in the header", f"{where}.crit")
        if name not in _UNDERSTOOD_EXTENSIONS:
            # "If any of the listed extension Header Parameters are not
            # understood and supported by the recipient, then the JWS is invalid."
            raise MalformedMessage(f"unknown critical extension {name!r}", f"{where}.crit")


def _decode_protected(protected_b64: Any, where: str) -> Dict[str, Any]:
    if not isinstance(protected_b64, str):
        raise MalformedMessage("must be a base64url string", where)
    try:
        raw = b64url_decode(protected_b64)
    except MalformedMessage as exc:
        raise MalformedMessage(exc.reason, where) from exc
    header = _json.loads(raw, field=where)
    if not isinstance(header, dict):
        raise MalformedMessage("must encode a JSON object", where)
    return header


def _protected_header(key: JWK, alg: JWSAlgorithm, typ: Optional[str], kid_protected: bool) -> Dict[str, Any]:
    header: Dict[str, Any] = {}
    if typ is not None:
        if not isinstance(typ, str):
            raise UsageError("typ must be a str or None")
        header["typ"] = typ
    header["alg"] = alg.name
    if kid_protected and key.kid is not None:
        header["kid"] = key.kid
    return header


def _signer(key: object, *, kid_required: bool = True) -> Tuple[JWK, JWSAlgorithm]:
    if not isinstance(key, JWK):
        raise UsageError("signers must be JWK instances")
    if key.d is None:
        raise UsageError(f"signing key {key.kid!r} has no private part ('d')")
    if kid_required and not key.kid:
        raise UsageError("a signing key needs a kid (it goes into the JWS header)")
    return key, jws_algorithm_for_key(key.kty, key.crv)


def sign_general(
    payload: bytes,
    signers: Sequence[JWK],
    *,
    typ: Optional[str] = DIDCOMM_SIGNED_TYP,
    backend: Optional[crypto.Backend] = None,
) -> Dict[str, Any]:
    """Sign ``payload`` as a General JSON Serialization JWS.

    Each signature gets the protected header ``{"typ": typ, "alg": alg}`` (no
    ``typ`` when None) and the unprotected header ``{"kid": kid}``, the layout
    of DIDComm v2 Appendix C.2. ``alg`` follows from the key: Ed25519 ->
    EdDSA, P-256 -> ES256, secp256k1 -> ES256K.

    Args:
        payload: the JWS Payload (for DIDComm, the plaintext message JSON).
        signers: private JWKs, each with a ``kid``; at least one.
        typ: the ``typ`` header (default ``application/didcomm-signed+json``).
        backend: crypto backend for Ed25519.
    Returns:
        the JWS as a JSON object (dict).
    Raises:
        UsageError: no signers, a public key, a key without kid, a non-bytes payload.
        UnsupportedAlgorithm: a key on a curve no algorithm signs with.
    Spec: RFC 7515 §5.1, §7.2.1; DIDComm v2 "Message Signing".
    """
    if not isinstance(payload, (bytes, bytearray)):
        raise UsageError("payload must be bytes")
    if not signers:
        raise UsageError("at least one signer is needed")
    payload_b64 = _be(backend).b64url_encode(bytes(payload))  # the large member: the backend's codec
    signatures: List[Dict[str, Any]] = []
    for key, alg in (_signer(s) for s in signers):
        protected_b64 = b64url_encode(_json.dumps_bytes(_protected_header(key, alg, typ, kid_protected=False)))
        signature = sign_bytes(alg, key, signing_input(protected_b64, payload_b64), backend=backend)
        signatures.append({"protected": protected_b64, "signature": b64url_encode(signature), "header": {"kid": key.kid}})
    return {"payload": payload_b64, "signatures": signatures}


def _verify_one(
    payload_b64: str,
    entry: Mapping[str, Any],
    where: str,
    keys: Union[JWK, KeyLookup],
    allowed: Iterable[str],
    strict: bool,
    backend: Optional[crypto.Backend],
) -> Tuple[Optional[str], str, Dict[str, Any]]:
    if "protected" not in entry:
        raise MalformedMessage("required member is missing ('alg' must be integrity protected)", f"{where}.protected")
    protected = _decode_protected(entry["protected"], f"{where}.protected")
    unprotected = entry.get("header", {})
    if not isinstance(unprotected, dict):
        raise MalformedMessage("must be a JSON object", f"{where}.header")
    overlap = sorted(set(protected) & set(unprotected))
    if overlap:
        # §7.2.1: "the Header Parameter names in the two locations MUST be disjoint."
        raise MalformedMessage(f"names in protected and header must be disjoint (RFC 7515 §7.2.1): {overlap}", where)
    check_crit(protected, unprotected, f"{where}.protected")
    if "alg" not in protected:
        if "alg" in unprotected:
            raise MalformedMessage("'alg' must be integrity protected", f"{where}.header.alg")
        raise MalformedMessage("required member is missing", f"{where}.protected.alg")
    alg = jws_algorithm(protected["alg"], allowed)
    header = {**unprotected, **protected}
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise MalformedMessage("must be a string", f"{where}.header.kid")
    if isinstance(keys, JWK):
        # One key given: a kid in the header, if any, must name it.
        if kid is not None and keys.kid is not None and kid != keys.kid:
            raise KeyNotFound(f"{kid!r} names no supplied key", f"{where}.header.kid")
        key = keys
    else:
        if kid is None:
            raise MalformedMessage("required member is missing", f"{where}.header.kid")
        key = resolve_key(keys, kid, f"{where}.header.kid")
    signature = b64url_member(entry, "signature", where) or b""
    if not verify_bytes(
        alg, key, signing_input(entry["protected"], payload_b64), signature, strict=strict, backend=backend
    ):
        raise InvalidSignature(f"the {alg.name} signature by {kid!r} does not verify")
    return kid, alg.name, protected


def verify_json(
    jws: Union[Mapping[str, Any], str, bytes],
    keys: Union[JWK, KeyLookup],
    *,
    strict: bool = False,
    algorithms: Iterable[str] = DIDCOMM_JWS_ALGORITHMS,
    backend: Optional[crypto.Backend] = None,
) -> VerifiedJWS:
    """Verify a General or Flattened JSON Serialization JWS.

    Args:
        jws: the JWS as a JSON object, or its JSON text.
        keys: ``Mapping[kid, JWK]`` or a callable ``kid -> JWK | None``
            (each signature's ``kid`` must name a key); or a single JWK, used
            for every signature (a ``kid`` in the header must then equal the
            key's ``kid`` when both are set).
        strict: reject high-S ES256K signatures.
        algorithms: the ``alg`` values accepted (default: DIDComm's three),
            a collection of names (a single ``str`` is a UsageError).
        backend: crypto backend for Ed25519.
    Returns:
        :class:`VerifiedJWS`.
    Raises:
        MalformedMessage: structure, base64url, header rules, alg/key mismatch.
        KeyNotFound: a ``kid`` names no supplied key.
        UnsupportedAlgorithm: ``alg`` none, unknown or not allowed.
        InvalidSignature: a signature does not verify.
        UsageError: ``algorithms`` is a single string.
    Spec: RFC 7515 §5.2, §7.2.
    """
    if isinstance(jws, (str, bytes, bytearray)):
        jws = _json.loads(jws, field="jws")
    if not isinstance(jws, abc.Mapping):
        raise MalformedMessage("a JWS must be a JSON object", "jws")
    if "payload" not in jws:
        raise MalformedMessage("required member is missing", "payload")
    payload_b64 = jws["payload"]
    payload = b64url_member(jws, "payload", "", backend=_be(backend)) or b""  # the large member: the backend's codec
    if "signatures" in jws:
        if "signature" in jws or "protected" in jws or "header" in jws:
            raise MalformedMessage("mixes the General and the Flattened JSON Serialization", "signatures")
        entries = jws["signatures"]
        if not isinstance(entries, list) or not entries:
            raise MalformedMessage("must be a non-empty array", "signatures")
        if not all(isinstance(entry, dict) for entry in entries):
            raise MalformedMessage("entries must be JSON objects", "signatures")
        named = [(entry, f"signatures[{i}]") for i, entry in enumerate(entries)]
    elif "signature" in jws:
        named = [(jws, "jws")]
    else:
        raise MalformedMessage("neither 'signatures' nor 'signature' is present", "signatures")
    results = [_verify_one(payload_b64, entry, where, keys, algorithms, strict, backend) for entry, where in named]
    return VerifiedJWS(
        payload=payload,
        kids=tuple(r[0] for r in results),
        algs=tuple(r[1] for r in results),
        protected=tuple(r[2] for r in results),
    )


def sign_compact(
    payload: bytes,
    signer: JWK,
    *,
    typ: Optional[str] = JWT_TYP,
    backend: Optional[crypto.Backend] = None,
) -> str:
    """Sign ``payload`` in the JWS Compact Serialization (e.g. a JWT).

    The protected header is ``{"typ": typ, "alg": alg, "kid": kid}`` (the
    compact form has no unprotected header, so ``kid`` is protected; it is
    left out when the key has none, as in RFC 8037 Appendix A.4).

    Args:
        payload: the JWS Payload (for a JWT, the claims JSON).
        signer: a private JWK, normally with a ``kid``.
        typ: the ``typ`` header (default ``JWT``; None omits it).
        backend: crypto backend for Ed25519.
    Returns:
        ``BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature)``.
    Raises:
        UsageError, UnsupportedAlgorithm: as :func:`sign_general`.
    Spec: RFC 7515 §7.1; DIDComm v2 "DID Rotation" (``from_prior``).
    """
    if not isinstance(payload, (bytes, bytearray)):
        raise UsageError("payload must be bytes")
    key, alg = _signer(signer, kid_required=False)
    protected_b64 = b64url_encode(_json.dumps_bytes(_protected_header(key, alg, typ, kid_protected=True)))
    payload_b64 = b64url_encode(bytes(payload))
    signature = sign_bytes(alg, key, signing_input(protected_b64, payload_b64), backend=backend)
    return f"{protected_b64}.{payload_b64}.{b64url_encode(signature)}"


def verify_compact(
    token: Union[str, bytes],
    keys: Union[JWK, KeyLookup],
    *,
    strict: bool = False,
    algorithms: Iterable[str] = DIDCOMM_JWS_ALGORITHMS,
    backend: Optional[crypto.Backend] = None,
) -> VerifiedJWS:
    """Verify a JWS in the Compact Serialization.

    Args:
        token: ``header.payload.signature``.
        keys, strict, algorithms, backend: as :func:`verify_json`.
    Returns:
        :class:`VerifiedJWS` with one signature.
    Raises:
        MalformedMessage: not three base64url parts, or any rule of :func:`verify_json`.
        KeyNotFound, UnsupportedAlgorithm, InvalidSignature: as :func:`verify_json`.
    Spec: RFC 7515 §7.1, §5.2.
    """
    if isinstance(token, (bytes, bytearray)):
        try:
            token = bytes(token).decode("ascii")
        except UnicodeDecodeError as exc:
            raise MalformedMessage("a compact JWS is ASCII", "jws") from exc
    if not isinstance(token, str):
        raise UsageError("token must be a str")
    parts = token.split(".")
    if len(parts) != 3:
        # §7.1: BASE64URL(UTF8(JWS Protected Header)) || '.' || BASE64URL(JWS
        # Payload) || '.' || BASE64URL(JWS Signature); 5 parts would be a JWE.
        raise MalformedMessage(f"a compact JWS has 3 dot-separated parts, got {len(parts)}", "jws")
    protected_b64, payload_b64, signature_b64 = parts
    flattened = {"payload": payload_b64, "protected": protected_b64, "signature": signature_b64}
    payload = b64url_member(flattened, "payload", "") or b""
    kid, alg, protected = _verify_one(payload_b64, flattened, "jws", keys, algorithms, strict, backend)
    return VerifiedJWS(payload=payload, kids=(kid,), algs=(alg,), protected=(protected,))
