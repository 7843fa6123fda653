"""Unpacking DIDComm v2 messages of any form, with the metadata and every consistency check.

The form is told by structure (DIDComm v2 "Message Types"): an object with
``body``, or with ``id`` and ``type``, is a plaintext message; one with
``payload``/``signatures``/``signature`` is a JWS; one with
``ciphertext``/``recipients``/``iv``/``tag``/``protected`` is a JWE. The
``typ`` of each layer is checked where present (the JWE layer checks its
own). Layers may nest only in the order the spec allows -- anoncrypt around
authcrypt ("Protecting the Sender Identity"), encryption around a signature
("signed prior to encryption"), a signature around the plaintext:
``[anoncrypt] [authcrypt] [signed] plaintext``.

Checks, each with a precise error:

* authcrypt: the ``skid`` must be a ``keyAgreement`` key of its DID, and
  that DID must be the plaintext ``from`` ("When a message is encrypted,
  the sender key MUST be authorized for encryption by this DID");
* signed: each signer ``kid`` must be an ``authentication`` key of its DID,
  and that DID the plaintext ``from`` ("The key used in the signature must be
  authorized to authenticate the sender by appearing in the authentication
  section of the document resolved from the DID in the from attribute");
* encrypted: when ``to`` is present, the DID of the key we decrypted with
  must be in it (``to`` "identifies a member of the message's intended audience");
* a signed message inside authcrypt: the signer's DID must be the ``skid``'s
  (checked before the ``from`` checks, field ``skid``), so a message Charlie
  signed cannot pass as Alice's because Alice encrypted it;
* a signed message inside encryption must have ``to`` (see "Surreptitious
  forwarding" below);
* ``from_prior``: the message must be encrypted ("A DID is rotated by sending
  a message of any type to the recipient to be notified of the rotation. The
  message MUST be encrypted, MUST use the new DID, and MUST include one
  additional attribute as a message header: from_prior", DIDComm v2 "DID
  Rotation"), and when ``sub`` is present the new DID must be the one that
  authenticated the message (the authcrypt ``skid``'s DID or the signer's):
  anoncrypt proves nothing about the sender, and a ``from_prior`` JWT, once
  seen, can be copied onto any message. Then
  :func:`refdidcomm.v2._from_prior.verify_from_prior`. The keyword
  ``allow_unauthenticated_from_prior=True`` lifts the first two rules (for the
  published didcomm-python/-rust vectors, which put ``from_prior`` on
  plaintext messages); metadata ``from_prior_unauthenticated`` then says so.

Limits checked before any cryptography (a small message must not cost
seconds: a P-521 key agreement is pure Python even on the native backend):

* a JWE may list at most :data:`MAX_JWE_RECIPIENTS` recipients, and no
  ``recipients[i].header.kid`` twice (each repeat of one of our kids would
  be one more key agreement and unwrap);
* a JWS may carry exactly one signature: "only the message sender's
  signature is valid, and a single signature may be fully represented in
  flattened form" (DIDComm v2 "Message Signing"). With one signature,
  repeated signature kids cannot occur.

Surreptitious forwarding: a signature binds the signer to the plaintext, not
to the envelope. If Alice signs a message without ``to``, anyone who has it
(Bob) can anoncrypt it to Charlie, who would see a valid signature of Alice's
and ``authenticated``/``non_repudiation`` set although Alice never wrote to
him. The spec says of ``to``: "If the header is omitted, each recipient can
only assume they are the only recipient" and "It is not possible for one
recipient to verify that the message was sent to a different recipient"; it
gives no rule for signed messages. We decide: a signed message inside
encryption must name its audience in ``to`` (MalformedMessage, field
``to``), and the recipient's DID must then be in it (the ``to`` check
above). A signed message received as is (not encrypted, e.g. broadcast)
needs no ``to``.

Header and consistency failures raise :class:`~refdidcomm.errors.MalformedMessage`
naming the field; cryptographic failures the opaque
:class:`~refdidcomm.errors.DecryptionError`; signatures
:class:`~refdidcomm.errors.InvalidSignature`.

A message re-wrapped in a forward: a mediator that wraps a message for its
final hop sends the recipient an anoncrypted ``routing/2.0/forward`` whose
attachment is the real message. When ``unwrap_re_wrapping_forward`` is on and
the attached JWE names one of our keys, that message is unpacked instead and
``re_wrapped_in_forward`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from .. import _json, _rfc7516, crypto, jwe, jws
from ..errors import MalformedMessage, UsageError
from ._from_prior import verify_from_prior
from ._keys import DIDResolver, Secrets, find_secret, relationship_key
from ._message import Message, did_of, json_copy, normalize_media_type

__all__ = [
    "FORWARD_TYPE",
    "MAX_JWE_RECIPIENTS",
    "UnpackMetadata",
    "UnpackResult",
    "unpack",
    "anoncrypt_decrypt",
    "enc_alg_name",
    "check_jwe_recipients",
    "check_jws_signatures",
]

#: routing/2.0 forward message type (DIDComm v2 "Routing").
FORWARD_TYPE = "https://didcomm.org/routing/2.0/forward"
_JWE_MEMBERS = ("ciphertext", "recipients", "iv", "tag", "encrypted_key", "protected")
_JWS_MEMBERS = ("payload", "signatures", "signature")
#: How many forwards addressed to us are unwrapped in a row before giving up.
MAX_REWRAP_DEPTH = 4
#: The most recipient entries a JWE may list for us to consider it. Our own
#: pack writes one entry per keyAgreement key of each recipient DID (of one
#: curve); 128 is far above any real audience (the benchmark's largest is
#: 50) and bounds the per-entry work (kid parsing, the apv hash, our secrets
#: lookups) before any cryptography.
MAX_JWE_RECIPIENTS = 128


def enc_alg_name(alg: str, enc: str) -> str:
    """How metadata names an encryption: the JOSE ``alg`` and ``enc``, as ``alg/enc``.

    didcomm-python writes ``A256CBC_HS512_ECDH_1PU_A256KW``, didcomm-rust
    ``A256cbcHs512Ecdh1puA256kw``; we keep the JOSE names, e.g.
    ``ECDH-1PU+A256KW/A256CBC-HS512``.
    """
    return f"{alg}/{enc}"


@dataclass
class UnpackMetadata:
    """What unpacking learned about the message's protection.

    Attributes:
        encrypted: a JWE layer was removed.
        authenticated: the sender is authenticated (authcrypt or a signature).
        non_repudiation: signed.
        anonymous_sender: an anoncrypt layer was removed (alone, or protecting authcrypt).
        re_wrapped_in_forward: the message came attached to a forward addressed to us.
        encrypted_from: the authcrypt ``skid``.
        encrypted_to: the recipient kids of the innermost JWE.
        sign_from: the signing ``kid``.
        from_prior_issuer_kid: the key that signed ``from_prior``.
        enc_alg_auth, enc_alg_anon: :func:`enc_alg_name` of each layer.
        sign_alg: ``EdDSA``, ``ES256`` or ``ES256K``.
        signed_message: the JWS as received (JSON text).
        from_prior_jwt: the ``from_prior`` JWT. from_prior: its verified claims.
        from_prior_unauthenticated: the rotation was accepted only because
            ``allow_unauthenticated_from_prior`` was set: the message was not
            encrypted, or ``sub`` is not the DID that authenticated it. Such a
            rotation proves nothing about who sent this message.
    """

    encrypted: bool = False
    authenticated: bool = False
    non_repudiation: bool = False
    anonymous_sender: bool = False
    re_wrapped_in_forward: bool = False
    encrypted_from: Optional[str] = None
    encrypted_to: Optional[List[str]] = None
    sign_from: Optional[str] = None
    from_prior_issuer_kid: Optional[str] = None
    enc_alg_auth: Optional[str] = None
    enc_alg_anon: Optional[str] = None
    sign_alg: Optional[str] = None
    signed_message: Optional[str] = None
    from_prior_jwt: Optional[str] = None
    from_prior: Optional[Dict[str, Any]] = None
    from_prior_unauthenticated: bool = False

    def to_dict(self) -> Dict[str, Any]:
        """The metadata as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class UnpackResult:
    """``message``: the plaintext :class:`Message`; ``metadata``: :class:`UnpackMetadata`."""

    message: Message
    metadata: UnpackMetadata


def _parse(packed: Any, field_name: str) -> Tuple[Any, Optional[str]]:
    """(JSON value, its text) of the input; the text is None unless the input was a str.

    The text is only needed when the outermost layer is a JWS (``signed_message``);
    for bytes and objects the caller writes it then (``_json.dumps(value)``), instead
    of serializing every input on the chance.
    """
    if isinstance(packed, (str, bytes, bytearray)):
        text = packed if isinstance(packed, str) else None
        return _json.loads(packed, field=field_name), text
    if isinstance(packed, Mapping):
        # The same limits as text input (nesting depth, JSON types): json_copy.
        return json_copy(dict(packed), field_name), None
    raise UsageError(f"packed must be str, bytes or dict, not {type(packed).__name__}")


def _kind(obj: Any) -> str:
    if not isinstance(obj, dict):
        raise MalformedMessage("a DIDComm message must be a JSON object", "message")
    if "body" in obj or ("id" in obj and "type" in obj):
        return "plaintext"
    if any(name in obj for name in _JWS_MEMBERS):
        return "jws"
    if any(name in obj for name in _JWE_MEMBERS):
        return "jwe"
    return "plaintext"


def check_jwe_recipients(obj: Mapping[str, Any]) -> None:
    """The pre-crypto limits on a JWE's recipient list.

    Args:
        obj: the parsed JWE (a JSON object).
    Raises:
        MalformedMessage: more than :data:`MAX_JWE_RECIPIENTS` entries (field
            ``recipients``), or a ``kid`` listed twice (field
            ``recipients[i].header.kid`` of the repeat).
    Spec: DIDComm v2 "Message Encryption" (``recipients[].header.kid`` names
        the recipient's key; one entry per key).
    """
    recipients = obj.get("recipients")
    if not isinstance(recipients, list):
        return  # the JWE parser names the structural fault
    if len(recipients) > MAX_JWE_RECIPIENTS:
        raise MalformedMessage(
            f"{len(recipients)} recipient entries; at most {MAX_JWE_RECIPIENTS} are considered", "recipients"
        )
    first: Dict[str, int] = {}
    for i, entry in enumerate(recipients):
        header = entry.get("header") if isinstance(entry, dict) else None
        kid = header.get("kid") if isinstance(header, dict) else None
        if not isinstance(kid, str):
            continue  # the JWE layer requires a string kid and says so
        if kid in first:
            raise MalformedMessage(f"repeats the kid of recipients[{first[kid]}] ({kid!r})", f"recipients[{i}].header.kid")
        first[kid] = i


def check_jws_signatures(obj: Mapping[str, Any]) -> None:
    """The pre-crypto limit on a DIDComm signed message: one signature.

    "Flatted [sic] form is sufficient, as only the message sender's signature
    is valid, and a single signature may be fully represented in flattened
    form" (DIDComm v2 "Message Signing"). A General JSON JWS with one entry
    is accepted; with one signature no kid can repeat.

    Args:
        obj: the parsed JWS (a JSON object).
    Raises:
        MalformedMessage: ``signatures`` holds more than one entry.
    """
    signatures = obj.get("signatures")
    if isinstance(signatures, list) and len(signatures) > 1:
        raise MalformedMessage(
            f"{len(signatures)} signatures; a DIDComm signed message carries one, the sender's", "signatures"
        )


def _secret_lookup(secrets: Secrets) -> Any:
    return lambda kid: find_secret(secrets, kid)


def anoncrypt_decrypt(packed: Any, *, secrets: Secrets, backend: Optional[crypto.Backend] = None) -> Tuple[bytes, str]:
    """Decrypt an anoncrypt JWE with one of our keys (for mediators).

    Args:
        packed: the JWE (JSON text or object). secrets: kid -> private JWK.
        backend: crypto backend.
    Returns:
        (plaintext bytes, the recipient kid that decrypted it).
    Raises:
        MalformedMessage: not a DIDComm JWE, not ECDH-ES, or no kid of ours (``KeyNotFound``).
        DecryptionError: the cryptography failed.
    Spec: DIDComm v2 "Anonymous Encryption"; RFC 7516 §5.2.
    """
    obj, _ = _parse(packed, "message")
    if _kind(obj) != "jwe":
        raise MalformedMessage("an anoncrypt message (JWE) was expected", "message")
    check_jwe_recipients(obj)
    alg = _rfc7516.parse(obj).protected.get("alg")
    if alg != "ECDH-ES+A256KW":
        raise MalformedMessage(f"an anoncrypt (ECDH-ES+A256KW) message was expected, got {alg!r}", "alg")
    result = jwe.decrypt(obj, _secret_lookup(secrets), backend=backend)
    return result.plaintext, str(result.recipient_kid)


def _forwarded_to_us(message: Message, secrets: Secrets) -> Optional[Dict[str, Any]]:
    """The attached JWE of a forward addressed to one of our keys, or None."""
    from ._routing import _attachment_text  # routing builds on this module: imported when used

    if message.type != FORWARD_TYPE:
        return None
    try:
        # The mediator's reader (json or base64 data, exactly one attachment).
        inner = _json.loads(_attachment_text(message), field="attachments[0].data")
    except MalformedMessage:
        return None  # not a forward we can unwrap: the caller gets the forward itself
    if not isinstance(inner, dict) or _kind(inner) != "jwe":
        return None
    check_jwe_recipients(inner)
    recipients = inner.get("recipients")
    if not isinstance(recipients, list):
        return None
    for entry in recipients:
        kid = entry.get("header", {}).get("kid") if isinstance(entry, dict) and isinstance(entry.get("header"), dict) else None
        if isinstance(kid, str) and find_secret(secrets, kid) is not None:
            return inner
    return None


def unpack(
    packed: Union[str, bytes, Mapping[str, Any]],
    *,
    secrets: Secrets,
    resolver: DIDResolver,
    backend: Optional[crypto.Backend] = None,
    unwrap_re_wrapping_forward: bool = True,
    allow_unauthenticated_from_prior: bool = False,
    _depth: int = 0,
) -> UnpackResult:
    """Unpack a plaintext, signed or encrypted (possibly nested) DIDComm v2 message.

    Args:
        packed: the message (JSON text, UTF-8 bytes, or the parsed object).
        secrets: kid -> private JWK (our keyAgreement keys).
        resolver: did -> DIDDocument (senders' keyAgreement and authentication keys).
        backend: crypto backend.
        unwrap_re_wrapping_forward: unpack a forward addressed to us down to its attachment
            (at most :data:`MAX_REWRAP_DEPTH` in a row).
        allow_unauthenticated_from_prior: accept ``from_prior`` on a message
            that is not encrypted, or whose ``sub`` did not authenticate it
            (off by default; the spec says the message "MUST be encrypted").
            Only for reproducing published vectors; metadata
            ``from_prior_unauthenticated`` flags such a rotation.
    Returns:
        :class:`UnpackResult`.
    Raises:
        MalformedMessage: structure, headers, layer order, or a consistency
            check (field ``from``, ``to``, ``skid``, ``signatures``, ``from_prior``, ...).
        DecryptionError: decryption failed.
        InvalidSignature: a signature did not verify.
        UnsupportedAlgorithm: an algorithm outside the DIDComm profile.
    Spec: DIDComm v2 "Message Types", "Message Encryption", "Message Signing",
        "DID Rotation", "Routing".
    """
    obj, text = _parse(packed, "message")
    meta = UnpackMetadata()
    seen: List[str] = []  # layers removed, outermost first: "anon", "auth", "signed"
    recipient_kid: Optional[str] = None
    signer_kids: List[str] = []

    while True:
        kind = _kind(obj)
        if kind == "plaintext":
            break
        if kind == "jwe":
            if "signed" in seen or "auth" in seen:
                raise MalformedMessage("an encrypted message may not be nested in an authcrypt or signed one", "message")
            check_jwe_recipients(obj)
            result = jwe.decrypt(
                obj,
                _secret_lookup(secrets),
                sender_key_resolver=lambda kid: relationship_key(resolver, kid, "key_agreement", "skid"),
                backend=backend,
            )
            meta.encrypted = True
            meta.encrypted_to = [str(k) for k in result.recipient_kids]
            recipient_kid = result.recipient_kid
            if result.alg == "ECDH-1PU+A256KW":
                seen.append("auth")
                meta.authenticated = True
                meta.encrypted_from = result.sender_kid
                meta.enc_alg_auth = enc_alg_name(result.alg, result.enc)
            else:
                if "anon" in seen:
                    raise MalformedMessage("anoncrypt nested in anoncrypt", "message")
                seen.append("anon")
                meta.anonymous_sender = True
                meta.enc_alg_anon = enc_alg_name(result.alg, result.enc)
            try:
                text = result.plaintext.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedMessage("the decrypted content is not UTF-8 JSON", "ciphertext") from exc
            obj = _json.loads(text, field="ciphertext")
            continue
        # JWS
        if "signed" in seen:
            raise MalformedMessage("a signed message may not be nested in a signed one", "payload")
        check_jws_signatures(obj)
        verified = jws.verify(
            obj, lambda kid: relationship_key(resolver, kid, "authentication", "kid"), backend=backend
        )
        for i, protected in enumerate(verified.protected):
            typ = protected.get("typ")
            if typ is not None and (not isinstance(typ, str) or normalize_media_type(typ) != jws.DIDCOMM_SIGNED_TYP):
                raise MalformedMessage(f"must be {jws.DIDCOMM_SIGNED_TYP!r}, got {typ!r}", f"signatures[{i}].protected.typ")
        seen.append("signed")
        signer_kids = [str(k) for k in verified.kids]
        meta.authenticated = True
        meta.non_repudiation = True
        meta.sign_from = signer_kids[0]
        meta.sign_alg = verified.algs[0]
        meta.signed_message = text if text is not None else _json.dumps(obj)  # obj: the parsed input, unchanged
        try:
            text = verified.payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedMessage("the payload is not UTF-8 JSON", "payload") from exc
        obj = _json.loads(text, field="payload")
        if _kind(obj) != "plaintext":
            raise MalformedMessage("a signed message must contain a plaintext message", "payload")

    message = Message._from_owned(obj)  # obj was parsed here or deep-copied by _parse
    frm_did = None if message.from_ is None else did_of(message.from_, "from")

    skid_did = None if meta.encrypted_from is None else did_of(meta.encrypted_from, "skid", fragment=True)
    signer_dids = [did_of(kid, "kid", fragment=True) for kid in signer_kids]
    for signer_did in signer_dids:
        # A signed message inside authcrypt "matches the outer sender" (issue 6):
        # checked first, so its error is not masked by a from mismatch.
        if skid_did is not None and signer_did != skid_did:
            raise MalformedMessage(
                f"the message is signed by {signer_did!r} but authcrypted by {skid_did!r}: the signer must be the sender",
                "skid",
            )
    if skid_did is not None:
        if frm_did is None:
            raise MalformedMessage("an authcrypt message must name its sender in from", "from")
        if skid_did != frm_did:
            raise MalformedMessage(f"the authcrypt sender {skid_did!r} (skid) is not from {frm_did!r}", "from")
    for signer_did in signer_dids:
        if frm_did is None:
            raise MalformedMessage("a signed message must name its signer in from", "from")
        if signer_did != frm_did:
            raise MalformedMessage(f"the signer {signer_did!r} is not from {frm_did!r}", "from")
    if signer_dids and meta.encrypted and message.to is None:
        # Surreptitious forwarding (module docstring): without to, the signer
        # never said the message was for us.
        raise MalformedMessage(
            "a signed message inside encryption must name its recipients in to "
            "(else anyone holding it could re-encrypt it to us)",
            "to",
        )
    if recipient_kid is not None and message.to is not None:
        ours = did_of(recipient_kid, "kid", fragment=None)
        if ours not in {did_of(item, "to") for item in message.to}:
            raise MalformedMessage(f"decrypted with a key of {ours!r}, which is not in to", "to")
    if message.from_prior is not None:
        unauthenticated = not meta.encrypted
        if unauthenticated and not allow_unauthenticated_from_prior:
            # DIDComm v2 "DID Rotation": "The message MUST be encrypted".
            raise MalformedMessage("a message rotating a DID MUST be encrypted; this one is not", "from_prior")
        rotation = verify_from_prior(message.from_prior, message.from_, resolver=resolver, backend=backend)
        if rotation.sub is not None:
            # "MUST use the new DID": the new DID (sub, already checked equal
            # to from) must be the sender we authenticated, not a from anyone
            # may write on an anoncrypt message.
            authenticated_dids = set(signer_dids) | ({skid_did} if skid_did is not None else set())
            if rotation.sub not in authenticated_dids:
                unauthenticated = True
                if not allow_unauthenticated_from_prior:
                    raise MalformedMessage(
                        f"sub {rotation.sub!r} did not authenticate this message (authcrypt or sign it as the new DID)",
                        "from_prior",
                    )
        meta.from_prior_unauthenticated = unauthenticated
        meta.from_prior_issuer_kid = rotation.issuer_kid
        meta.from_prior_jwt = rotation.jwt
        meta.from_prior = rotation.claims

    if unwrap_re_wrapping_forward and meta.encrypted:
        inner = _forwarded_to_us(message, secrets)
        if inner is not None:
            if _depth >= MAX_REWRAP_DEPTH:
                raise MalformedMessage(f"more than {MAX_REWRAP_DEPTH} forwards addressed to us in a row", "attachments")
            result = unpack(
                inner,
                secrets=secrets,
                resolver=resolver,
                backend=backend,
                unwrap_re_wrapping_forward=True,
                allow_unauthenticated_from_prior=allow_unauthenticated_from_prior,
                _depth=_depth + 1,
            )
            result.metadata.re_wrapped_in_forward = True
            return result
    return UnpackResult(message=message, metadata=meta)
