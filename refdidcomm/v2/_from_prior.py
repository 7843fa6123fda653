"""DID rotation: the ``from_prior`` JWT (DIDComm v2 "DID Rotation").

"A DID is rotated by sending a message of any type ... The message MUST be
encrypted, MUST use the new DID, and MUST include one additional attribute
as a message header: from_prior: REQUIRED. A JWT, with ``sub``: new DID and
``iss``: prior DID, with a signature from a key authorized by prior DID."

* Header: ``{"typ": "JWT", "alg": ..., "kid": "<key id authorized in prior DID>"}``.
  The spec's example also has ``"crv": "ED25519"``, which is no JWS header
  parameter (RFC 7515 §4.1; the curve is in the key); we do not write it
  and ignore it on input like any other unknown, non-critical header.
* Claims: ``iss`` = prior DID, ``sub`` = new DID, ``iat`` REQUIRED: "The
  Issued At (``iat``) JWT property MUST be the datetime of the DID rotation,
  not of the message being sent" ("JWT Details"); refused without it, on
  creation and on receipt. We read no clock: :func:`create_from_prior` takes
  ``iat`` as an int or a clock callable. Other registered claims
  (``aud``, ``exp``, ``nbf``, ``jti``) pass through; we read no clock, so
  ``exp``/``nbf`` are reported, not enforced (the published vectors carry
  ``exp: 1234``).
* "The indicated key MUST be authorized in the DID Document of the prior DID
  (``iss``)": the ``kid`` must be a DID URL of ``iss`` whose method is in
  ``authentication`` (the relationship the issue and the signing section name).
* Ending a relationship: "Omit 'sub' in the from_prior JWT. Send the message
  without a ``from`` attribute".

On unpack: ``sub`` must equal the message's ``from`` (its DID), or both must
be absent; ``iss`` must differ from ``sub``. Every failed rule is a
:class:`~refdidcomm.errors.MalformedMessage` with field ``from_prior``; a
signature that does not verify is :class:`~refdidcomm.errors.InvalidSignature`.
The rules about the carrying message -- "The message MUST be encrypted, MUST
use the new DID" -- are the envelope's, enforced by
:func:`refdidcomm.v2.unpack` (the message must be encrypted, and ``sub`` must
be the DID that authenticated it); this module checks the JWT and its claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Union

from .. import _json, crypto
from .. import jws
from ..encoding import b64url_decode
from ..errors import MalformedMessage, UsageError
from ..did import parse_did_url
from ..jwk import JWK
from ._keys import DIDResolver, Secrets, find_secret, relationship_key, relationship_keys, resolve_document

__all__ = ["FromPrior", "create_from_prior", "sign_from_prior", "verify_from_prior", "check_from_prior_claims"]

_FIELD = "from_prior"
_JWT_TYP = "JWT"  # RFC 7519 §5.1


@dataclass(frozen=True)
class FromPrior:
    """A verified ``from_prior``.

    Attributes:
        jwt: the compact JWS as received.
        claims: the decoded claim set.
        issuer_kid: the ``kid`` that signed it (an authentication key of ``iss``).
        iss: the prior DID. sub: the new DID, or None when the relationship ends.
    """

    jwt: str
    claims: Dict[str, Any]
    issuer_kid: str
    iss: str
    sub: Optional[str]


def _plain_did(value: Any, name: str, field_name: str) -> str:
    if not isinstance(value, str):
        raise MalformedMessage(f"{name} must be a string DID", field_name)
    parsed = parse_did_url(value, field_name=field_name)
    if parsed.did != value:
        # "sub: new DID and iss: prior DID" -- a DID, not a DID URL.
        raise MalformedMessage(f"{name} must be a DID, not a DID URL: {value!r}", field_name)
    return value


def check_from_prior_claims(claims: Any, message_from: Optional[str], field_name: str = _FIELD) -> None:
    """Check a ``from_prior`` claim set against the message's ``from``.

    Args:
        claims: the decoded claims. message_from: the message's ``from`` (or None).
        field_name: the name used in errors.
    Raises:
        MalformedMessage: not an object; ``iss`` missing or not a DID; ``sub``
            not a DID; ``iss == sub``; ``sub`` differs from ``from``; ``sub``
            absent while ``from`` is present (or the other way round); ``iat``
            missing or not an integer.
    Spec: DIDComm v2 "DID Rotation", "Ending a Relationship"; RFC 7519 §4.1.
    """
    if not isinstance(claims, dict):
        raise MalformedMessage("the JWT claims must be a JSON object", field_name)
    if "iss" not in claims:
        raise MalformedMessage("iss (the prior DID) is missing", field_name)
    iss = _plain_did(claims["iss"], "iss", field_name)
    sub = claims.get("sub")
    if sub is not None:
        _plain_did(sub, "sub", field_name)
        if sub == iss:
            raise MalformedMessage("iss and sub are the same DID: nothing is rotated", field_name)
    if "iat" not in claims:
        # "The Issued At (iat) JWT property MUST be the datetime of the DID rotation" (JWT Details).
        raise MalformedMessage("iat (the datetime of the DID rotation) is missing", field_name)
    iat = claims["iat"]
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise MalformedMessage("iat must be an integer (NumericDate, RFC 7519 §2)", field_name)
    frm = None if message_from is None else parse_did_url(message_from, field_name="from").did
    if sub is None and frm is not None:
        # Ending a relationship: "Omit 'sub' ... Send the message without a from attribute".
        raise MalformedMessage("sub is absent (relationship ending) but the message has a from", field_name)
    if sub is not None and frm is None:
        raise MalformedMessage(f"sub is {sub!r} but the message has no from", field_name)
    if sub is not None and sub != frm:
        raise MalformedMessage(f"sub {sub!r} is not the message's from {frm!r}", field_name)


def create_from_prior(
    iss: str,
    sub: Optional[str],
    *,
    iat: Union[int, Callable[[], int]],
    secrets: Secrets,
    resolver: DIDResolver,
    issuer_kid: Optional[str] = None,
    extra_claims: Optional[Mapping[str, Any]] = None,
    backend: Optional[crypto.Backend] = None,
) -> str:
    """Sign a ``from_prior`` JWT (compact JWS, ``typ`` JWT).

    Args:
        iss: the prior DID. sub: the new DID, or None to end the relationship.
        iat: the rotation time in epoch seconds, or a clock callable
            returning it (sans-I/O: we read no clock). Required: "iat MUST be
            the datetime of the DID rotation".
        secrets: kid -> private JWK; must hold ``issuer_kid``.
        resolver: did -> DIDDocument, to find ``iss``'s authentication keys.
        issuer_kid: the signing key; default: the first ``authentication``
            key of ``iss`` (document order) that ``secrets`` holds.
        extra_claims: further claims (``aud``, ``exp``, ``jti``, ...).
        backend: crypto backend for Ed25519.
    Returns:
        ``header.payload.signature``.
    Raises:
        UsageError: no usable key in ``secrets``, claims clash, ``iat``
            missing or not an int (nor a callable returning one).
        MalformedMessage: ``iss``/``sub`` are not DIDs, are equal, or
            ``issuer_kid`` is not an authentication key of ``iss``.
    Spec: DIDComm v2 "DID Rotation", "JWT Details"; RFC 7519; RFC 7515 §7.1.
    """
    claims: Dict[str, Any] = {"iss": iss}
    if sub is not None:
        claims["sub"] = sub
    if callable(iat):
        iat = iat()
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise UsageError("iat must be an int (epoch seconds) or a clock callable returning one")
    claims["iat"] = iat
    for name, value in (extra_claims or {}).items():
        if name in ("iss", "sub", "iat"):
            raise UsageError(f"extra_claims may not set {name!r}")
        claims[name] = value
    return sign_from_prior(claims, secrets=secrets, resolver=resolver, issuer_kid=issuer_kid, backend=backend)


def sign_from_prior(
    claims: Mapping[str, Any],
    *,
    secrets: Secrets,
    resolver: DIDResolver,
    issuer_kid: Optional[str] = None,
    backend: Optional[crypto.Backend] = None,
) -> str:
    """Sign a ``from_prior`` claim set as given (member order kept), after checking it.

    :func:`create_from_prior` builds the claims; this lower step also
    reproduces published JWTs whose claims come in another order.

    Args:
        claims: the claim set (``iss`` required; ``sub`` for a rotation).
        secrets, resolver, issuer_kid, backend: as :func:`create_from_prior`.
    Returns:
        the compact JWS.
    Raises:
        MalformedMessage: the claim rules of :func:`check_from_prior_claims`.
        UsageError: no usable signing key.
    """
    if not isinstance(claims, Mapping):
        raise UsageError("claims must be a mapping")
    claims = dict(claims)
    check_from_prior_claims(claims, claims.get("sub"), "from_prior")
    signer = _issuer_secret(claims["iss"], issuer_kid, secrets=secrets, resolver=resolver)
    return jws.sign_compact(_json.dumps_bytes(claims), signer, typ=_JWT_TYP, backend=backend)


def _issuer_secret(iss: str, issuer_kid: Optional[str], *, secrets: Secrets, resolver: DIDResolver) -> JWK:
    if issuer_kid is not None:
        if parse_did_url(issuer_kid, field_name="issuer_kid").did != iss:
            raise UsageError(f"issuer_kid {issuer_kid!r} is not a key of {iss!r}")
        relationship_key(resolver, issuer_kid, "authentication", "issuer_kid")
        key = find_secret(secrets, issuer_kid)
        if key is None:
            raise UsageError(f"no secret for issuer_kid {issuer_kid!r}")
        return key
    doc = resolve_document(resolver, iss, "iss")
    for public in relationship_keys(doc, "authentication"):
        key = find_secret(secrets, str(public.kid))
        if key is not None:
            return key
    raise UsageError(f"secrets hold no authentication key of {iss!r} to sign from_prior with")


def _decode_claims(token: str) -> Dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedMessage(f"a JWT in the JWS compact form has 3 parts, got {len(parts)}", _FIELD)
    try:
        header = _json.loads(b64url_decode(parts[0]), field=_FIELD)
        claims = _json.loads(b64url_decode(parts[1]), field=_FIELD)
    except MalformedMessage as exc:
        raise MalformedMessage(f"not a JWT: {exc.reason}", _FIELD) from exc
    if not isinstance(header, dict):
        raise MalformedMessage("the JWT header must be a JSON object", _FIELD)
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.upper() != _JWT_TYP):
        raise MalformedMessage(f"typ must be 'JWT', got {typ!r}", _FIELD)
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise MalformedMessage("the JWT header needs a kid (the key of the prior DID)", _FIELD)
    if not isinstance(claims, dict):
        raise MalformedMessage("the JWT claims must be a JSON object", _FIELD)
    return {"header": header, "claims": claims}


def verify_from_prior(
    token: Any,
    message_from: Optional[str],
    *,
    resolver: DIDResolver,
    backend: Optional[crypto.Backend] = None,
) -> FromPrior:
    """Verify a received ``from_prior`` JWT against the message's ``from``.

    Order: structure, claims (:func:`check_from_prior_claims`), ``kid``
    belongs to ``iss`` and is in its ``authentication``, then the signature.

    Args:
        token: the ``from_prior`` header value. message_from: the message's ``from``.
        resolver: did -> DIDDocument. backend: crypto backend.
    Returns:
        :class:`FromPrior`.
    Raises:
        MalformedMessage: (field ``from_prior``) any structural or claim rule,
            including non-canonical base64url.
        InvalidSignature: the signature does not verify.
    Spec: DIDComm v2 "DID Rotation"; RFC 7519 §7.2; RFC 7515 §5.2.
    """
    if not isinstance(token, str):
        raise MalformedMessage("must be a JWT string", _FIELD)
    decoded = _decode_claims(token)
    claims, kid = decoded["claims"], decoded["header"]["kid"]
    check_from_prior_claims(claims, message_from)
    iss = claims["iss"]
    kid_parsed = parse_did_url(kid, field_name=_FIELD)
    if kid_parsed.did != iss or kid_parsed.fragment is None:
        raise MalformedMessage(f"kid {kid!r} is not a key of the prior DID {iss!r}", _FIELD)
    try:
        key = relationship_key(resolver, kid, "authentication", _FIELD)
    except MalformedMessage as exc:
        raise MalformedMessage(exc.reason, _FIELD) from exc
    try:
        jws.verify_compact(token, key, backend=backend)
    except MalformedMessage as exc:
        raise MalformedMessage(f"invalid JWT: {exc.reason}", _FIELD) from exc
    return FromPrior(jwt=token, claims=claims, issuer_kid=kid, iss=iss, sub=claims.get("sub"))
