"""Packing DIDComm v2 messages: plaintext, signed (JWS), encrypted (JWE), nested.

DIDComm v2 "Message Types", "Message Signing", "Message Encryption":

* plaintext -- the message JSON (``application/didcomm-plain+json``);
* signed -- a General JSON JWS over the plaintext, by a key of the
  ``authentication`` relationship of the ``from`` DID
  (``application/didcomm-signed+json``);
* encrypted -- a JWE (``application/didcomm-encrypted+json``): anoncrypt
  (ECDH-ES+A256KW) or authcrypt (ECDH-1PU+A256KW) to the ``keyAgreement``
  keys of the recipients. "If a message is signed and encrypted to add
  non-repudiation, it MUST be signed prior to encryption" (``sign_from``);
  "A layer of anonymous encryption (employing ECDH-ES) may be applied around
  an authenticated encryption envelope" (``protect_sender``).

Key choice ("Key IDs kid and skid headers references in the DID document"):
"Unless previously coordinated in a layer above DIDComm, the default
recipients of the envelope MUST include all the ``KeyAgreement`` entries";
one ephemeral key serves all recipients, so they share one curve ("It MUST
be of the same type and curve as all recipient keys"). We take:

* recipient keys: every ``keyAgreement`` key of each ``to`` DID, or exactly
  the key a ``to`` DID URL names;
* authcrypt: the sender's first ``keyAgreement`` key (document order) that
  ``secrets`` holds and whose curve every recipient DID has (or the key
  ``frm`` names); the recipients are then restricted to that curve;
* anoncrypt: the first curve of the first recipient DID's keys that every
  recipient DID has.

Content encryption: the default is ``A256CBC-HS512`` for anoncrypt too --
the one algorithm the spec's table marks "Required" for both modes (A256GCM
is "Recommended", XC20P "Optional"), hence the most interoperable choice.
Authcrypt is always A256CBC-HS512 (draft-madden-jose-ecdh-1pu-04 §2.1);
with ``protect_sender`` the ``enc`` argument applies to the outer anoncrypt.

Randomness: every random draw (ephemeral keys, CEKs, IVs, in layer order:
authcrypt, then the protecting anoncrypt, then the forward wraps) comes from
the one ``rng``, so a seeded ``rng`` reproduces the output byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from .. import _json, crypto, jwe, jws
from ..errors import MalformedMessage, UnsupportedAlgorithm, UsageError
from ..jwk import JWK
from ._from_prior import _decode_claims, check_from_prior_claims
from ._keys import DIDResolver, Secrets, find_secret, relationship_key, relationship_keys, resolve_document
from ._message import Message, did_of

__all__ = [
    "DEFAULT_ENC",
    "PackSignedResult",
    "PackEncryptedResult",
    "pack_plaintext",
    "pack_signed",
    "pack_encrypted",
    "anoncrypt",
]

#: The default content encryption for anoncrypt and authcrypt (see the module docstring).
DEFAULT_ENC = "A256CBC-HS512"
_AUTHCRYPT_ENC = "A256CBC-HS512"  # draft-madden-jose-ecdh-1pu-04 §2.1


@dataclass(frozen=True)
class PackSignedResult:
    """``packed``: the JWS (JSON text); ``sign_from_kid``: the key that signed."""

    packed: str
    sign_from_kid: str


@dataclass(frozen=True)
class PackEncryptedResult:
    """The result of :func:`pack_encrypted`.

    Attributes:
        packed: the outermost message (JSON text).
        to_kids: the recipient key ids of the (innermost) encryption.
        from_kid: the authcrypt sender key id, or None for anoncrypt.
        sign_from_kid: the signing key id, or None.
        service_metadata: the DIDComm service used for forwarding, or None.
    """

    packed: str
    to_kids: List[str]
    from_kid: Optional[str]
    sign_from_kid: Optional[str]
    service_metadata: Any


def _as_message(message: Union[Message, Mapping[str, Any]]) -> Tuple[Message, str]:
    """The model and its JSON text, validated with the rules of a received message."""
    if isinstance(message, Mapping):
        message = Message.from_dict(dict(message))
    if not isinstance(message, Message):
        raise UsageError(f"message must be a Message or a dict, not {type(message).__name__}")
    text = message.to_json()
    _check_from_prior(message)
    return message, text


def _check_from_prior(message: Message) -> None:
    if message.from_prior is not None:
        # The same claim rules the recipient applies (signature: ours, not re-checked).
        check_from_prior_claims(_decode_claims(message.from_prior)["claims"], message.from_)


def pack_plaintext(message: Union[Message, Mapping[str, Any]]) -> str:
    """The plaintext message as compact JSON.

    Args:
        message: a :class:`Message` (or its JSON object).
    Returns:
        the JSON text.
    Raises:
        MalformedMessage: the message breaks a header rule (including the
            ``from_prior`` claim rules).
    Spec: DIDComm v2 "DIDComm Plaintext Messages".
    """
    return _as_message(message)[1]


def _arg_did(value: Any, name: str) -> str:
    """The DID of a DID or key-id argument; a malformed argument is the caller's mistake."""
    try:
        return did_of(value, name, fragment=None)
    except MalformedMessage as exc:
        raise UsageError(f"{name}: {exc.reason}") from exc


def _did_matches_from(message: Message, did: str, role: str) -> None:
    if message.from_ is None:
        raise UsageError(f"{role} needs the message's from (the recipient checks {role}'s DID against it)")
    if did_of(message.from_, "from") != did:
        raise UsageError(f"{role} DID {did!r} is not the message's from {message.from_!r}")


def _signing_key(message: Message, sign_from: str, secrets: Secrets, resolver: DIDResolver) -> JWK:
    did = _arg_did(sign_from, "sign_from")
    _did_matches_from(message, did, "sign_from")
    if did != sign_from:
        relationship_key(resolver, sign_from, "authentication", "sign_from")
        key = find_secret(secrets, sign_from)
        if key is None:
            raise UsageError(f"no secret for sign_from {sign_from!r}")
        return key
    for public in relationship_keys(resolve_document(resolver, did, "sign_from"), "authentication"):
        key = find_secret(secrets, str(public.kid))
        if key is not None:
            return key
    raise UsageError(f"secrets hold no authentication key of {did!r}")


def _sign(
    message: Message, text: str, sign_from: str, secrets: Secrets, resolver: DIDResolver, backend: Optional[crypto.Backend]
) -> PackSignedResult:
    key = _signing_key(message, sign_from, secrets, resolver)
    signed = jws.sign(text.encode("utf-8"), [key], backend=backend)
    return PackSignedResult(packed=_json.dumps(signed), sign_from_kid=str(key.kid))


def pack_signed(
    message: Union[Message, Mapping[str, Any]],
    sign_from: str,
    *,
    secrets: Secrets,
    resolver: DIDResolver,
    backend: Optional[crypto.Backend] = None,
) -> PackSignedResult:
    """Sign a plaintext message: a General JSON JWS with EdDSA, ES256 or ES256K.

    Args:
        message: the plaintext message; its ``from`` must be ``sign_from``'s DID.
        sign_from: the signer's DID (its first ``authentication`` key that
            ``secrets`` holds) or the key id of one of its authentication keys.
        secrets: kid -> private JWK. resolver: did -> DIDDocument.
        backend: crypto backend.
    Returns:
        :class:`PackSignedResult`.
    Raises:
        UsageError: no ``from``, ``from`` is another DID, no usable secret.
        MalformedMessage: the message breaks a rule; ``sign_from`` is not an
            authentication key of its DID.
    Spec: DIDComm v2 "Message Signing" (Construction); RFC 7515 §7.2.1.
    """
    msg, text = _as_message(message)
    return _sign(msg, text, sign_from, secrets, resolver, backend)


def _key_agreement_of(resolver: DIDResolver, target: str, field_name: str) -> Tuple[str, List[JWK]]:
    """(DID, its keyAgreement keys) for a DID, or (DID, [that key]) for a key id."""
    did = _arg_did(target, field_name)
    if did != target:
        return did, [relationship_key(resolver, target, "key_agreement", field_name)]
    keys = relationship_keys(resolve_document(resolver, did, field_name), "key_agreement")
    if not keys:
        raise MalformedMessage(f"{did!r} has no usable keyAgreement key", field_name)
    return did, keys


def _curve_order(keys: Sequence[JWK]) -> List[str]:
    out: List[str] = []
    for key in keys:
        if key.crv not in out:
            out.append(key.crv)
    return out


def _select(per_did: List[Tuple[str, List[JWK]]], crv: str) -> List[JWK]:
    out: List[JWK] = []
    kids = set()  # the kids in out: one lookup per key instead of a scan of out
    for _, keys in per_did:
        for key in keys:
            if key.crv == crv and key.kid not in kids:
                kids.add(key.kid)
                out.append(key)
    return out


def _anon_recipients(per_did: List[Tuple[str, List[JWK]]]) -> List[JWK]:
    for crv in _curve_order(per_did[0][1]):
        if all(any(k.crv == crv for k in keys) for _, keys in per_did):
            return _select(per_did, crv)
    raise UsageError("the recipients have no keyAgreement curve in common (one epk serves all recipients)")


def anoncrypt(
    plaintext: bytes,
    recipient_kids: Sequence[str],
    *,
    resolver: DIDResolver,
    enc: str = DEFAULT_ENC,
    rng: Optional[crypto.Rng] = None,
    backend: Optional[crypto.Backend] = None,
) -> str:
    """Anoncrypt bytes to key ids (or DIDs: all their keyAgreement keys on a common curve).

    Used for ``protect_sender`` and by routing for forward messages (routing
    keys are key ids).

    Args:
        plaintext: the bytes to encrypt. recipient_kids: DID URLs of
            keyAgreement keys, or DIDs. resolver: did -> DIDDocument.
        enc: content encryption. rng, backend: as :func:`pack_encrypted`.
    Returns:
        the JWE as JSON text.
    Raises:
        UsageError: no recipients, or no common curve.
        MalformedMessage: a kid is not a keyAgreement key of its DID.
    Spec: DIDComm v2 "Anonymous Encryption"; RFC 7518 §4.6.
    """
    if isinstance(recipient_kids, str) or not recipient_kids:
        raise UsageError("recipient_kids must be a non-empty list of key ids")
    per_did = [_key_agreement_of(resolver, kid, "recipient_kids") for kid in recipient_kids]
    keys = _anon_recipients(per_did)
    return jwe.encrypt_json(bytes(plaintext), keys, enc=enc, rng=rng, backend=backend)


def pack_encrypted(
    message: Union[Message, Mapping[str, Any]],
    to: Union[str, Sequence[str]],
    *,
    frm: Optional[str] = None,
    sign_from: Optional[str] = None,
    protect_sender: bool = False,
    enc: Optional[str] = None,
    forward: bool = True,
    forward_headers: Optional[Dict[str, Any]] = None,
    secrets: Secrets,
    resolver: DIDResolver,
    rng: Optional[crypto.Rng] = None,
    backend: Optional[crypto.Backend] = None,
) -> PackEncryptedResult:
    """Encrypt a message (optionally signed first, sender-protected, forward-wrapped).

    Args:
        message: the plaintext message. When it has ``to``, every recipient
            DID must be in it; with ``frm``/``sign_from`` its ``from`` must be their DID.
        to: the recipient DID or key id, or several (one JWE for all; their
            curves must have one in common).
        frm: authcrypt sender: a DID or one of its keyAgreement key ids;
            None for anoncrypt.
        sign_from: sign first (a DID or authentication key id), then encrypt.
        protect_sender: wrap the authcrypt JWE in an anoncrypt JWE to the same keys.
        enc: content encryption of the anoncrypt layer (default
            A256CBC-HS512); authcrypt always uses A256CBC-HS512.
        forward: wrap for the recipient's mediators (routing/2.0); needs one recipient DID.
        forward_headers: extra headers for the forward messages.
        secrets: kid -> private JWK. resolver: did -> DIDDocument.
        rng: randomness (``rng(n) -> n bytes``); seeded, output is reproducible.
        backend: crypto backend.
    Returns:
        :class:`PackEncryptedResult`.
    Raises:
        UsageError: inconsistent arguments (see above), no usable secret, no
            common curve, ``protect_sender`` without ``frm``, several DIDs with ``forward``.
        UnsupportedAlgorithm: ``enc`` unknown, or not A256CBC-HS512 for plain authcrypt.
        MalformedMessage: the message breaks a rule; a key id is not a
            keyAgreement key of its DID.
    Spec: DIDComm v2 "Message Encryption", "Protecting the Sender Identity",
        "Message Signing", "Routing".
    """
    msg, payload = _as_message(message)
    targets = [to] if isinstance(to, str) else list(to)
    if not targets or not all(isinstance(t, str) for t in targets):
        raise UsageError("to must be a DID or key id, or a non-empty list of them")
    if protect_sender and frm is None:
        raise UsageError("protect_sender wraps an authcrypt message: pass frm")
    anon_enc = enc or DEFAULT_ENC
    if frm is not None and not protect_sender and enc not in (None, _AUTHCRYPT_ENC):
        raise UnsupportedAlgorithm(f"authcrypt (ECDH-1PU) requires {_AUTHCRYPT_ENC}, not {enc!r} (draft-madden-04 §2.1)")
    per_did: List[Tuple[str, List[JWK]]] = []
    for target in targets:
        did, keys = _key_agreement_of(resolver, target, "to")
        for i, (seen, seen_keys) in enumerate(per_did):
            if seen == did:
                per_did[i] = (did, seen_keys + [k for k in keys if all(k.kid != s.kid for s in seen_keys)])
                break
        else:
            per_did.append((did, keys))
    if msg.to is not None:
        listed = {did_of(item, "to") for item in msg.to}
        for did, _ in per_did:
            if did not in listed:
                raise UsageError(f"recipient {did!r} is not in the message's to {msg.to}")
    if forward and len(per_did) > 1:
        raise UsageError("forward wrapping follows one recipient's services: pack with forward=False for several DIDs")

    sign_from_kid: Optional[str] = None
    if sign_from is not None:
        signed = _sign(msg, payload, sign_from, secrets, resolver, backend)
        payload, sign_from_kid = signed.packed, signed.sign_from_kid

    from_kid: Optional[str] = None
    if frm is not None:
        sender_did = _arg_did(frm, "frm")
        _did_matches_from(msg, sender_did, "frm")
        if sender_did != frm:
            candidates = [relationship_key(resolver, frm, "key_agreement", "frm")]
        else:
            candidates = relationship_keys(resolve_document(resolver, sender_did, "frm"), "key_agreement")
        sender: Optional[JWK] = None
        for public in candidates:
            if all(any(k.crv == public.crv for k in keys) for _, keys in per_did):
                sender = find_secret(secrets, str(public.kid))
                if sender is not None:
                    break
        if sender is None:
            raise UsageError(f"secrets hold no keyAgreement key of {sender_did!r} on a curve every recipient has")
        recipients = _select(per_did, sender.crv)
        packed = jwe.encrypt_json(
            payload.encode("utf-8"), recipients, enc=_AUTHCRYPT_ENC, sender=sender, rng=rng, backend=backend
        )
        from_kid = sender.kid
        if protect_sender:
            # "A layer of anonymous encryption (employing ECDH-ES) may be applied
            # around an authenticated encryption envelope (employing ECDH-1PU)".
            packed = jwe.encrypt_json(packed.encode("utf-8"), recipients, enc=anon_enc, rng=rng, backend=backend)
    else:
        recipients = _anon_recipients(per_did)
        packed = jwe.encrypt_json(payload.encode("utf-8"), recipients, enc=anon_enc, rng=rng, backend=backend)

    service_metadata = None
    if forward:
        from ._routing import _wrap_for_recipient  # late: _routing builds on this module

        # trusted: packed is the JWE text we have just written, one JSON object.
        packed, service_metadata = _wrap_for_recipient(
            packed, per_did[0][0], resolver=resolver, headers=forward_headers, enc=anon_enc, rng=rng, backend=backend,
            trusted=True,
        )
    return PackEncryptedResult(
        packed=packed,
        to_kids=[str(k.kid) for k in recipients],
        from_kid=from_kid,
        sign_from_kid=sign_from_kid,
        service_metadata=service_metadata,
    )
