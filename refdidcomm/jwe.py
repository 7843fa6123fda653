"""DIDComm v2 encrypted messages: JWE with ECDH-ES+A256KW (anoncrypt) and ECDH-1PU+A256KW (authcrypt).

The DIDComm v2 profile of JWE ("Message Encryption"), on top of the generic
machinery in :mod:`refdidcomm._rfc7516`:

* ``alg``: ``ECDH-ES+A256KW`` (anonymous sender) or ``ECDH-1PU+A256KW``
  (authenticated sender); ``enc``: ``A256CBC-HS512``, ``A256GCM`` or
  ``XC20P`` for anoncrypt, and only ``A256CBC-HS512`` for authcrypt
  (draft-madden-jose-ecdh-1pu-04 §2.1, see :mod:`refdidcomm._ecdh_1pu`);
* key agreement on X25519, P-256, P-384 or P-521, one ephemeral key for all
  recipients, so all recipients share the ``epk``'s curve ("It MUST be of the
  same type and curve as all recipient keys");
* the protected header carries ``typ``, ``alg``, ``enc``, ``epk``, ``apv`` and,
  for authcrypt, ``skid`` and ``apu``; each recipient has ``{"kid": ...}``:

  - ``apv = b64url(SHA-256(".".join(sorted(recipient kids))))`` -- "The list
    must be alphanumerically sorted, kid values will then be concatenated
    with a . and the final result MUST be base64 URL (no padding) encoding of
    the SHA256 hash of concatenated list";
  - ``apu = b64url(skid)`` -- "it MUST contain the skid value base64 RawURL
    (no padding) encoded";
  - ``typ = application/didcomm-encrypted+json``.

On decryption :func:`decrypt` checks all of that before any cryptography,
with precise errors: "APV mismatch", "APU does not match skid", "skid present
but no apu"; when ``skid`` is absent the sender kid is read from ``apu``
("authcrypt implementations MUST be able to resolve the sender kid from the
APU header if skid is not set"). Everything cryptographic fails with the one
opaque :class:`~refdidcomm.errors.DecryptionError`.

``didcomm=False`` turns the profile off for plain JOSE messages (the RFC 7520
and draft-04 Appendix B vectors): any registered algorithm, headers anywhere,
no ``apv``/``apu`` formulas.

Randomness is drawn from ``rng`` in a fixed order -- the ephemeral key, then
the CEK, then the IV -- so a seeded ``rng`` reproduces a JWE byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _ecdh_1pu
from . import _rfc7516
from . import crypto
from ._jose_algorithms import (
    DIDCOMM_CONTENT_ENCRYPTION,
    DIDCOMM_KEY_MANAGEMENT,
    content_encryption_algorithm,
    key_management_algorithm,
)
from ._rfc7517 import JWK, KeyLookup, KeyNotFound, b64url_member, generate, lookup_key, resolve_key
from ._rfc7518 import KEY_AGREEMENT_CURVES
from .encoding import b64url_encode
from .errors import DecryptionError, MalformedMessage, UnsupportedAlgorithm, UsageError

__all__ = [
    "DIDCOMM_ENCRYPTED_TYP",
    "DecryptedJWE",
    "encrypt",
    "encrypt_json",
    "decrypt",
    "compute_apv",
    "to_json",
]

#: DIDComm v2 media type of an encrypted message, used as the JWE ``typ``.
DIDCOMM_ENCRYPTED_TYP = "application/didcomm-encrypted+json"

SenderKeyResolver = Union[JWK, KeyLookup]


@dataclass(frozen=True)
class DecryptedJWE:
    """The result of a successful decryption.

    Attributes:
        plaintext: the decrypted content.
        protected: the decoded JWE Protected Header.
        alg, enc: the algorithms used.
        recipient_kid: the ``kid`` of the recipient entry that was decrypted.
        recipient_kids: the ``kid`` of every recipient entry, in order.
        sender_kid: for ECDH-1PU, the sender key id (``skid``, or from ``apu``)
            whose key was used to decrypt -- it names a key the caller
            supplied under that kid, or the kid-less single key the caller
            vouched for; else None.
    """

    plaintext: bytes
    protected: Dict[str, Any]
    alg: str
    enc: str
    recipient_kid: Optional[str]
    recipient_kids: Tuple[Optional[str], ...]
    sender_kid: Optional[str]


def compute_apv(kids: Sequence[str]) -> str:
    """``b64url(SHA-256(".".join(sorted(kids))))``, the DIDComm v2 ``apv``.

    Sorting is by code point (Python's ``sorted``), which is the
    "alphanumerical" order for the ASCII key ids DIDs produce.

    Args:
        kids: the recipient key ids.
    Returns:
        43 base64url characters.
    Spec: DIDComm v2 "ECDH-1PU key wrapping and common protected headers".
    """
    return b64url_encode(hashlib.sha256(".".join(sorted(kids)).encode("utf-8")).digest())


def encrypt_json(
    plaintext: bytes,
    recipients: Sequence[JWK],
    *,
    alg: Optional[str] = None,
    enc: str = "A256CBC-HS512",
    sender: Optional[JWK] = None,
    typ: Optional[str] = DIDCOMM_ENCRYPTED_TYP,
    rng: Optional[crypto.Rng] = None,
    backend: Optional[crypto.Backend] = None,
) -> str:
    """:func:`encrypt`, returning the JWE as JSON text: ``to_json(encrypt(...))``, in one step.

    The same arguments, randomness and checks as :func:`encrypt`, and the
    same text :func:`to_json` writes; the base64url members come from our
    own encoder, so they are not scanned again.

    Returns:
        the JSON text.
    Raises:
        as :func:`encrypt`.
    Spec: as :func:`encrypt`; RFC 7516 §7.2.
    """
    return _encrypt(plaintext, recipients, alg=alg, enc=enc, sender=sender, typ=typ, rng=rng, backend=backend,
                    serialized=True)


def encrypt(
    plaintext: bytes,
    recipients: Sequence[JWK],
    *,
    alg: Optional[str] = None,
    enc: str = "A256CBC-HS512",
    sender: Optional[JWK] = None,
    typ: Optional[str] = DIDCOMM_ENCRYPTED_TYP,
    rng: Optional[crypto.Rng] = None,
    backend: Optional[crypto.Backend] = None,
) -> Dict[str, Any]:
    """Encrypt ``plaintext`` to one or more recipients as a DIDComm v2 JWE.

    Args:
        plaintext: the message bytes (for DIDComm, a plaintext or signed message).
        recipients: public JWKs with distinct ``kid``s, all on one curve
            (X25519, P-256, P-384 or P-521).
        alg: ``ECDH-ES+A256KW`` or ``ECDH-1PU+A256KW``; default: 1PU when
            ``sender`` is given, else ES.
        enc: ``A256CBC-HS512`` (default), ``A256GCM`` or ``XC20P`` (anoncrypt only).
        sender: for authcrypt, the sender's private JWK (with ``kid``) on the
            recipients' curve.
        typ: the ``typ`` header (None omits it).
        rng: randomness for the ephemeral key, then the CEK, then the IV.
        backend: crypto backend (default: the active one).
    Returns:
        the JWE (General JSON Serialization) as a dict.
    Raises:
        UsageError: no recipients, a recipient without kid, duplicate kids,
            mixed curves, a sender without kid or private part.
        UnsupportedAlgorithm: ``alg``/``enc`` outside the DIDComm profile,
            authcrypt with a non-CBC-HMAC ``enc``, an unsupported curve.
    Not raised here: :class:`~refdidcomm.errors.InvalidKey` comes from
    building a :class:`JWK` (off-curve points, a low-order X25519 ``x``),
    before this call; :class:`~refdidcomm.errors.LowOrderPointError`, the key
    agreement's all-zero check (RFC 7748 §6.1), cannot fire on validated
    keys, and mixed curves are a UsageError above.
    Spec: DIDComm v2 "Message Encryption"; RFC 7516 §5.1; RFC 7518 §4.6;
    draft-madden-jose-ecdh-1pu-04 §2.
    """
    return _encrypt(plaintext, recipients, alg=alg, enc=enc, sender=sender, typ=typ, rng=rng, backend=backend,
                    serialized=False)


def _encrypt(
    plaintext: bytes,
    recipients: Sequence[JWK],
    *,
    alg: Optional[str],
    enc: str,
    sender: Optional[JWK],
    typ: Optional[str],
    rng: Optional[crypto.Rng],
    backend: Optional[crypto.Backend],
    serialized: bool,
) -> Any:
    be = backend or crypto.backend(crypto.BACKEND)
    if alg is None:
        alg = "ECDH-1PU+A256KW" if sender is not None else "ECDH-ES+A256KW"
    km = key_management_algorithm(alg, DIDCOMM_KEY_MANAGEMENT)
    ce = content_encryption_algorithm(enc, DIDCOMM_CONTENT_ENCRYPTION)
    if km.scheme == "ECDH-1PU":
        # draft-madden-jose-ecdh-1pu-04 §2.1: "Key Agreement with Key Wrapping mode MUST only be
        # used with content encryption algorithms that are compactly committing AEADs"...
        _ecdh_1pu.check_content_encryption(km.name, ce.name, key_wrapping=not km.direct)
    if not isinstance(plaintext, (bytes, bytearray)):
        raise UsageError("plaintext must be bytes")
    if not recipients:
        raise UsageError("at least one recipient is needed")
    kids: List[str] = []
    for key in recipients:
        if not isinstance(key, JWK):
            raise UsageError("recipients must be JWK instances")
        if not key.kid:
            raise UsageError("every recipient key needs a kid (it goes into the header and the apv)")
        kids.append(key.kid)
    if len(set(kids)) != len(kids):
        raise UsageError("recipient kids must be distinct")
    curves = {key.crv for key in recipients}
    if len(curves) != 1:
        raise UsageError(f"all recipients must share one curve (the epk's), got {', '.join(sorted(curves))}")
    crv = curves.pop()
    if crv not in KEY_AGREEMENT_CURVES:
        raise UnsupportedAlgorithm(f"curve {crv!r} is not a key-agreement curve")
    if km.scheme == "ECDH-1PU":
        if not isinstance(sender, JWK) or sender.d is None or not sender.kid:
            raise UsageError("authcrypt needs the sender's private JWK with a kid")
        if sender.crv != crv:
            raise UsageError(f"the sender key is on {sender.crv}, the recipients on {crv}")
    elif sender is not None:
        raise UsageError(f"{km.name} is anonymous; pass no sender (or use ECDH-1PU+A256KW)")

    ephemeral = generate(crv, rng=rng, backend=be)
    cek = crypto.draw(rng, ce.key_len, be)
    iv = crypto.draw(rng, ce.iv_len, be)

    protected: Dict[str, Any] = {}
    if typ is not None:
        protected["typ"] = typ
    protected["alg"] = km.name
    protected["enc"] = ce.name
    if sender is not None:
        protected["skid"] = sender.kid
        protected["apu"] = b64url_encode(str(sender.kid).encode("utf-8"))
    protected["apv"] = compute_apv(kids)
    protected["epk"] = ephemeral.public().to_dict(include_kid=False)
    return _rfc7516.encrypt(
        bytes(plaintext),
        protected,
        [(key, {"kid": key.kid}) for key in recipients],
        ephemeral=ephemeral,
        cek=cek,
        iv=iv,
        sender=sender,
        backend=be,
        serialized=serialized,
    )


def to_json(jwe: Mapping[str, Any]) -> str:
    """The JWE from :func:`encrypt` as compact JSON text, ready to send.

    The same text as ``refdidcomm._json.dumps(jwe)``, written faster for
    large messages: see :func:`refdidcomm._rfc7516.serialize`.

    Args:
        jwe: the JWE object.
    Returns:
        the JSON text.
    Raises:
        UsageError: a value that has no JSON form.
    Spec: RFC 7516 §7.2.
    """
    return _rfc7516.serialize(jwe)


def _check_didcomm_headers(parsed: _rfc7516.ParsedJWE) -> Tuple[List[str], Optional[str]]:
    """The DIDComm profile checks; returns (recipient kids, sender kid or None)."""
    protected = parsed.protected

    def require_protected(name: str) -> None:
        if name not in protected:
            # "JWE messages MUST use common epk, apu, apv and alg headers for all
            # recipients. They MUST be set in the protected headers JWE section."
            raise MalformedMessage(f"{name!r} must be present in the protected header", f"protected.{name}")

    require_protected("alg")
    require_protected("enc")
    km = key_management_algorithm(protected["alg"], DIDCOMM_KEY_MANAGEMENT)
    content_encryption_algorithm(protected["enc"], DIDCOMM_CONTENT_ENCRYPTION)
    require_protected("epk")
    require_protected("apv")
    typ = protected.get("typ")
    if typ is not None:
        # DIDComm v2 "Media Types" (and RFC 7515 §4.1.9 for typ): a media type
        # without "/" is read with the "application/" prefix.
        if not isinstance(typ, str) or ("/" in typ and typ != DIDCOMM_ENCRYPTED_TYP) or (
            "/" not in typ and "application/" + typ != DIDCOMM_ENCRYPTED_TYP
        ):
            raise MalformedMessage(f"must be {DIDCOMM_ENCRYPTED_TYP!r}, got {typ!r}", "typ")

    kids: List[str] = []
    for i, recipient in enumerate(parsed.recipients):
        # DIDComm v2 "Message Encryption": the recipient's key id is
        # recipients[].header.kid -- only the per-recipient header, not the
        # shared "unprotected" header (nor the protected one, which all
        # recipients share).
        kid = recipient.header.get("kid")
        if not isinstance(kid, str):
            raise MalformedMessage("every recipient needs a string kid", f"recipients[{i}].header.kid")
        if kid in kids:
            # One entry per recipient key: repeated entries would only make a
            # decrypter try (and pay for) the same key agreement again.
            raise MalformedMessage(f"recipient kid {kid!r} appears twice", f"recipients[{i}].header.kid")
        kids.append(kid)
    apv = b64url_member(protected, "apv", "protected") or b""
    expected = hashlib.sha256(".".join(sorted(kids)).encode("utf-8")).digest()
    if not hmac.compare_digest(apv, expected):
        raise MalformedMessage("APV mismatch", "apv")

    if km.scheme != "ECDH-1PU":
        return kids, None
    for name in ("apu", "skid"):
        if name in parsed.unprotected or any(name in r.header for r in parsed.recipients):
            raise MalformedMessage(f"{name!r} must be in the protected header", name)
    skid = protected.get("skid")
    if skid is not None and not isinstance(skid, str):
        raise MalformedMessage("must be a string", "skid")
    apu = b64url_member(protected, "apu", "protected", required=False)
    if skid is not None:
        if apu is None:
            raise MalformedMessage("skid present but no apu", "apu")
        if not hmac.compare_digest(apu, skid.encode("utf-8")):
            raise MalformedMessage("APU does not match skid", "apu")
        return kids, skid
    if apu is None:
        raise MalformedMessage("ECDH-1PU needs skid or apu to name the sender key", "skid")
    try:
        return kids, apu.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedMessage("without skid, apu must be the UTF-8 sender kid", "apu") from exc


def _sender_key(sender_key_resolver: Optional[SenderKeyResolver], skid: Optional[str]) -> JWK:
    if isinstance(sender_key_resolver, JWK):
        # The single-key rule of JWS verification (refdidcomm._rfc7515): the
        # key's kid, when set, must be the one the message names; otherwise
        # the message's unauthenticated skid would be reported as the sender.
        # A key without kid is used as given: the caller vouches that it is
        # the key skid names.
        if sender_key_resolver.kid is not None and skid is not None and sender_key_resolver.kid != skid:
            raise KeyNotFound(f"{skid!r} names no supplied key (the given sender key is {sender_key_resolver.kid!r})", "skid")
        return sender_key_resolver
    if sender_key_resolver is None:
        raise UsageError("this JWE is authcrypt (ECDH-1PU): pass sender_key_resolver to look up the sender key")
    if skid is None:
        raise MalformedMessage("ECDH-1PU needs skid or apu to name the sender key", "skid")
    return resolve_key(sender_key_resolver, skid, "skid")


def decrypt(
    jwe: Union[Mapping[str, Any], str, bytes],
    recipient_keys: KeyLookup,
    *,
    sender_key_resolver: Optional[SenderKeyResolver] = None,
    didcomm: bool = True,
    backend: Optional[crypto.Backend] = None,
) -> DecryptedJWE:
    """Decrypt a DIDComm v2 (or, with ``didcomm=False``, any supported) JWE.

    The first recipient entry whose ``kid`` names one of ``recipient_keys``
    is decrypted (if several do and one fails, the next is tried).

    Args:
        jwe: the JWE as a dict or JSON text.
        recipient_keys: our private keys: ``Mapping[kid, JWK]`` or ``kid -> JWK | None``.
        sender_key_resolver: for authcrypt: ``Mapping[kid, JWK]``, a callable, or
            the sender's public JWK itself; looked up by ``skid`` (or ``apu``).
            A single JWK with a ``kid`` must carry the message's ``skid``
            (else :class:`KeyNotFound`); a single JWK without ``kid`` is
            used as given -- the caller vouches that it is the key ``skid``
            names, and ``sender_kid`` then reports that ``skid``.
        didcomm: apply the DIDComm v2 profile (default) or plain JOSE rules.
        backend: crypto backend (default: the active one).
    Returns:
        :class:`DecryptedJWE`.
    Raises:
        MalformedMessage: structure or a header rule ("APV mismatch", "APU
            does not match skid", "skid present but no apu", ...).
        KeyNotFound: no recipient kid is ours; ``skid`` names no supplied key
            (or differs from the ``kid`` of the one sender JWK given).
        UnsupportedAlgorithm: ``alg``/``enc``/curve outside the profile,
            ECDH-1PU key wrapping with a non-committing ``enc``.
        DecryptionError: every cryptographic failure.
    Spec: DIDComm v2 "Message Encryption"; RFC 7516 §5.2; draft-madden-jose-ecdh-1pu-04.
    """
    be = backend or crypto.backend(crypto.BACKEND)
    parsed = _rfc7516.parse(jwe, backend=be)
    didcomm_sender_kid: Optional[str] = None
    if didcomm:
        kids, didcomm_sender_kid = _check_didcomm_headers(parsed)
        allowed_alg, allowed_enc = DIDCOMM_KEY_MANAGEMENT, DIDCOMM_CONTENT_ENCRYPTION
        recipient_kids: Tuple[Optional[str], ...] = tuple(kids)
    else:
        allowed_alg = allowed_enc = None  # type: ignore[assignment]
        recipient_kids = tuple(
            k if isinstance(k := parsed.joint_header(i).get("kid"), str) else None
            for i in range(len(parsed.recipients))
        )

    candidates: List[Tuple[int, JWK]] = []
    for i, kid in enumerate(recipient_kids):
        key = None if kid is None else lookup_key(recipient_keys, kid)
        if key is not None:
            candidates.append((i, key))
    if not candidates:
        raise KeyNotFound("no recipient kid names a supplied key", "recipients")

    failure: Optional[DecryptionError] = None
    for i, key in candidates:
        header = parsed.joint_header(i)
        if "alg" not in header:
            raise MalformedMessage("required header parameter is missing", "alg")
        km = key_management_algorithm(header["alg"], allowed_alg)
        sender_key: Optional[JWK] = None
        sender_kid: Optional[str] = None
        if km.scheme == "ECDH-1PU":
            if didcomm:
                sender_kid = didcomm_sender_kid
            else:
                skid = header.get("skid")
                if skid is not None and not isinstance(skid, str):
                    raise MalformedMessage("must be a string", "skid")
                sender_kid = skid
            sender_key = _sender_key(sender_key_resolver, sender_kid)
            epk = header.get("epk")
            if isinstance(epk, dict) and epk.get("crv") != sender_key.crv:
                raise MalformedMessage(f"the sender key is on {sender_key.crv}, the epk on {epk.get('crv')!r}", "skid")
        try:
            plaintext, km, ce = _rfc7516.decrypt_for_recipient(
                parsed, i, key, sender_key=sender_key, allowed_alg=allowed_alg, allowed_enc=allowed_enc, backend=be
            )
        except DecryptionError as exc:
            failure = exc
            continue
        return DecryptedJWE(
            plaintext=plaintext,
            protected=dict(parsed.protected),
            alg=km.name,
            enc=ce.name,
            recipient_kid=recipient_kids[i],
            recipient_kids=recipient_kids,
            sender_kid=sender_kid,
        )
    if failure is not None:
        raise failure
    raise DecryptionError()

