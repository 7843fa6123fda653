"""Aries RFC 0234 signature decorator ``~sig``, scheme ``ed25519Sha512_single``.

Spec: hyperledger/aries-rfcs ``features/0234-signature-decorator/README.md``
and ``ed25519sha256_single.md``. The RFC is RETIRED ("replaced with the use
of the signed form of the attachment decorator"), but the connections
protocol (RFC 0160) still carries ``connection~sig`` and deployed agents
produce and check it.

Signing a field ``F`` (README "Applying the digital signature"): serialize
the value to bytes, build ``{"@type", "sig_data", "signature", "signer"}``
and replace ``F`` by ``F~sig``. Verifying (README "Verifying the digital
signature", scheme "Verification"): check the signature over ``sig_data``,
"Strip out the first 8 bytes", and restore ``F``.

The RFC text leaves four things open or contradicts itself; we follow the
deployed agents (ACA-Py ``messaging/decorators/signature_decorator.py``,
whose ``create`` packs ``struct.pack("!Q", int(timestamp))`` before
``json.dumps(value)``, signs those bytes, and sets ``signer`` to the base58
verkey; RFC 0160's example has ``"signer": "<signing_verkey>"``):

* **The timestamp prefix** ("64bit_integer_from_unix_epoch") is 8 bytes,
  big-endian, unsigned: seconds since the Unix epoch.
* **What is signed** is the decoded ``sig_data`` bytes (timestamp || JSON),
  not the base64url text.
* **``signer``** is the base58 verkey. The README calls it
  ``base64URL(inlined_signing_verkey)`` and the scheme file calls the member
  ``signers``; no deployed agent writes either, so a ``~sig`` without a
  base58 ``signer`` is malformed here.
* **``@type``**: the scheme file requires the legacy
  ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/signature/1.0/ed25519Sha512_single``;
  we emit the https form (RFC 0348 step 2) and accept both.

base64url: emitted unpadded; accepted padded or unpadded (ACA-Py emits
padded ``bytes_to_b64(..., urlsafe=True)`` and pads before decoding).

Errors: a malformed ``~sig`` is :class:`MalformedMessage`; a signature that
does not verify, or a signer other than the expected one, is
:class:`InvalidSignature`.

Security considerations: a ``~sig`` names its own signer, so any key can
produce one that verifies. What makes it mean anything is checking that
signer against the key the protocol expects (for ``connection~sig``, the
invitation's recipient key). :func:`verify_field` and
:func:`verify_message_field` therefore require ``expected_signer``; passing
:data:`ANY_SIGNER` skips the check and is only for callers that inspect
:attr:`SignedField.signer` themselves.
"""

from __future__ import annotations

import struct
import time
from typing import Any, Dict, Mapping, NamedTuple, Optional, Union

from .. import crypto
from .._json import dumps_bytes, loads
from ..encoding import b58decode, b58encode, b64_decode_lenient, b64url_encode
from ..errors import InvalidSignature, MalformedMessage, UsageError
from ._keys import PublicKeyInput, SecretKeyInput, _resolve, signing_key, verkey
from .._message_type import DIDCOMM_DOC_URI, parse_message_type, version_problem

__all__ = [
    "ANY_SIGNER",
    "SIGNATURE_TYPE",
    "SignedField",
    "sign_field",
    "verify_field",
    "sign_message_field",
    "verify_message_field",
]

SIGNATURE_TYPE = DIDCOMM_DOC_URI + "signature/1.0/ed25519Sha512_single"
SIG_SUFFIX = "~sig"  # README step 4: the label of the original object "appended with '~sig'"
_TIMESTAMP = struct.Struct(">Q")  # 8 bytes, big-endian, unsigned (ACA-Py "!Q")
_SIGNATURE_BYTES = 64  # RFC 8032 §5.1.6: R || S


class _AnySigner:
    """The type of :data:`ANY_SIGNER` (one instance)."""

    _instance: Optional["_AnySigner"] = None

    def __new__(cls) -> "_AnySigner":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ANY_SIGNER"


# DANGEROUS opt-out: ``verify_field(d, expected_signer=ANY_SIGNER)`` accepts a
# ``~sig`` made by any key at all (the decorator names its own signer). Use it
# only when you check ``SignedField.signer`` against a key you trust yourself.
ANY_SIGNER = _AnySigner()


def _expected_verkey(expected_signer: Any) -> Optional[bytes]:
    """The raw verkey to require, or None for :data:`ANY_SIGNER`; a bad argument is the caller's mistake."""
    if expected_signer is ANY_SIGNER:
        return None
    if expected_signer is None:
        raise UsageError(
            "expected_signer is required: the verkey that must have signed, or ANY_SIGNER "
            "to accept any self-signed ~sig (dangerous)"
        )
    try:
        return verkey(expected_signer, field="expected_signer")
    except MalformedMessage as exc:
        raise UsageError(f"expected_signer: {exc.reason}") from None


class SignedField(NamedTuple):
    """The outcome of :func:`verify_field`.

    Attributes:
        value: the restored JSON value.
        timestamp: the signing time, seconds since the Unix epoch.
        signer: the signer's base58 verkey.
    """

    value: Any
    timestamp: int
    signer: str


def _b64url_member(decorator: Mapping[str, Any], name: str) -> bytes:
    field = "~sig." + name
    value = decorator.get(name)
    if not isinstance(value, str):
        raise MalformedMessage("is required and must be a base64url string", field)
    try:
        decoded = b64_decode_lenient(value)
    except MalformedMessage as exc:
        raise MalformedMessage(f"not base64url ({exc.reason})", field) from None
    if decoded.alphabet != "url":
        raise MalformedMessage("uses the standard base64 alphabet, not base64url", field)
    return decoded.data


def sign_field(
    value: Any,
    signer: SecretKeyInput,
    *,
    timestamp: Optional[int] = None,
    backend: Optional[crypto.Backend] = None,
) -> Dict[str, str]:
    """Sign a JSON value: the ``~sig`` object that replaces it.

    Args:
        value: any JSON value (serialized compactly, UTF-8).
        signer: the secret key (seed, sigkey, :class:`SigningKey`).
        timestamp: seconds since the Unix epoch, 0 <= t < 2**64 (default: now).
        backend: crypto backend (default: the active one).

    Returns:
        ``{"@type", "signature", "sig_data", "signer"}``.

    Raises:
        UsageError: a value that is not JSON, a bad key or timestamp.

    Spec: Aries RFC 0234 ``ed25519sha256_single.md`` "Application".
    """
    be = _resolve(backend)
    key = signing_key(signer, backend=be, field="signer")
    if timestamp is None:
        timestamp = int(time.time())
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp < 2**64:
        raise UsageError("timestamp must be an int in [0, 2**64)")
    # "sig_data MUST be the base64URL encoding of a 64-bit integer prepended to the message"
    sig_data = _TIMESTAMP.pack(timestamp) + dumps_bytes(value)
    # "signature MUST be the base64URL encoding of the resulting ed25519 digital signature over sig_data"
    signature = be.ed25519_sign(key.seed, sig_data)
    return {
        "@type": SIGNATURE_TYPE,
        "signature": b64url_encode(signature),
        "sig_data": b64url_encode(sig_data),
        "signer": b58encode(key.verkey),
    }


def verify_field(
    decorator: Any,
    *,
    expected_signer: Union[PublicKeyInput, _AnySigner],
    backend: Optional[crypto.Backend] = None,
) -> SignedField:
    """Verify a ``~sig`` object and return the value it carries.

    Args:
        decorator: the ``~sig`` object (a mapping).
        expected_signer: required, keyword-only: the verkey that must have
            signed (e.g. the invitation key for ``connection~sig``; 32 bytes,
            base58, did:key or a SigningKey). :data:`ANY_SIGNER` accepts any
            signer -- DANGEROUS: a ``~sig`` names its own signer, so anyone
            can make one that verifies; check ``signer`` yourself.
        backend: crypto backend (default: the active one).

    Returns:
        :class:`SignedField`: the value, the timestamp and the signer.

    Raises:
        UsageError: ``expected_signer`` missing (None) or not a verkey.
        MalformedMessage: not an ``ed25519Sha512_single`` signature object;
            ``sig_data`` shorter than 8 bytes or not JSON after them;
            ``signer`` not a base58 verkey; ``signature`` not 64 bytes.
        InvalidSignature: the signature does not verify, or the signer is
            not ``expected_signer``.

    Spec: Aries RFC 0234 ``ed25519sha256_single.md`` "Verification".
    """
    be = _resolve(backend)
    expected = _expected_verkey(expected_signer)
    if not isinstance(decorator, Mapping):
        raise MalformedMessage("must be a JSON object", "~sig")
    kind = parse_message_type(decorator.get("@type"), field="~sig.@type")
    if (kind.doc_uri, kind.protocol, kind.name) != (DIDCOMM_DOC_URI, "signature", "ed25519Sha512_single"):
        raise MalformedMessage(f"{kind.uri!r} is not the ed25519Sha512_single scheme", "~sig.@type")
    problem = version_problem(kind, (1, 0))
    if problem is not None:
        raise MalformedMessage(problem, "~sig.@type")
    signer_text = decorator.get("signer")
    if not isinstance(signer_text, str):
        raise MalformedMessage("is required and must be a base58 verkey", "~sig.signer")
    try:
        signer_raw = b58decode(signer_text)
    except MalformedMessage as exc:
        raise MalformedMessage(f"not base58btc ({exc.reason})", "~sig.signer") from None
    if len(signer_raw) != 32:
        raise MalformedMessage(f"must be a 32-byte verkey, got {len(signer_raw)} bytes", "~sig.signer")
    signature = _b64url_member(decorator, "signature")
    if len(signature) != _SIGNATURE_BYTES:
        raise MalformedMessage(f"must be {_SIGNATURE_BYTES} bytes, got {len(signature)}", "~sig.signature")
    sig_data = _b64url_member(decorator, "sig_data")
    if len(sig_data) < _TIMESTAMP.size:
        raise MalformedMessage(f"must hold the {_TIMESTAMP.size}-byte timestamp", "~sig.sig_data")
    # Step 3: "Verify the ed25519 signature over sig_data"; "halted if verification fails".
    if not be.ed25519_verify(signer_raw, sig_data, signature):
        raise InvalidSignature("~sig: the signature does not verify")
    if expected is not None and expected != signer_raw:
        raise InvalidSignature("~sig: signed by a key other than the expected signer")
    # Steps 4-6: decode sig_data, "Strip out the first 8 bytes", return the rest.
    (timestamp,) = _TIMESTAMP.unpack_from(sig_data)
    value = loads(sig_data[_TIMESTAMP.size :], field="~sig.sig_data")
    return SignedField(value=value, timestamp=timestamp, signer=b58encode(signer_raw))


def sign_message_field(
    message: Mapping[str, Any],
    field: str,
    signer: SecretKeyInput,
    *,
    timestamp: Optional[int] = None,
    backend: Optional[crypto.Backend] = None,
) -> Dict[str, Any]:
    """Replace ``message[field]`` by ``message[field + "~sig"]`` (README steps 1-4).

    Args:
        message: the message object (not modified).
        field: the member to sign, e.g. ``"connection"``.
        signer, timestamp, backend: as :func:`sign_field`.

    Returns:
        A new message dict with the member replaced in place (same position).

    Raises:
        UsageError: ``field`` is missing, or ``field~sig`` already present.
    """
    if not isinstance(message, Mapping) or field not in message:
        raise UsageError(f"message has no member {field!r} to sign")
    if field + SIG_SUFFIX in message:
        raise UsageError(f"message already has {field + SIG_SUFFIX!r}")
    decorator = sign_field(message[field], signer, timestamp=timestamp, backend=backend)
    return {(name + SIG_SUFFIX if name == field else name): (decorator if name == field else value) for name, value in message.items()}


def verify_message_field(
    message: Mapping[str, Any],
    field: str,
    *,
    expected_signer: Union[PublicKeyInput, _AnySigner],
    backend: Optional[crypto.Backend] = None,
) -> tuple[Dict[str, Any], SignedField]:
    """Verify ``message[field + "~sig"]`` and restore ``message[field]``.

    Args:
        message: the received message object (not modified).
        field: the signed member's original name, e.g. ``"connection"``.
        expected_signer, backend: as :func:`verify_field` (``expected_signer``
            is required; :data:`ANY_SIGNER` is the dangerous opt-out).

    Returns:
        ``(restored message, SignedField)``; the restored message is
        "semantically identical to the original DIDComm message before
        application of the signature scheme" (README).

    Raises:
        UsageError: as :func:`verify_field`.
        MalformedMessage: ``field~sig`` missing, ``field`` present as well,
            or the decorator malformed.
        InvalidSignature: as :func:`verify_field`.
    """
    _expected_verkey(expected_signer)  # the caller's mistake first, whatever the message
    decorated = field + SIG_SUFFIX
    if not isinstance(message, Mapping) or decorated not in message:
        raise MalformedMessage("is required", decorated)
    if field in message:
        raise MalformedMessage(f"must not appear next to {decorated!r}", field)
    signed = verify_field(message[decorated], expected_signer=expected_signer, backend=backend)
    restored = {(field if name == decorated else name): (signed.value if name == decorated else value) for name, value in message.items()}
    return restored, signed
