"""Ed25519 key inputs for DIDComm v1: seeds, base58 verkeys and sigkeys, did:key.

DIDComm v1 names every key by its Ed25519 verification key ("verkey"),
written in base58btc: Aries RFC 0019 "Additional Notes": "All `kid` values
used currently are base58 encoded ed25519 keys". The X25519 keys that
crypto_box needs are derived from the Ed25519 ones (libsodium's
``crypto_sign_ed25519_pk_to_curve25519`` / ``..._sk_to_curve25519``), so a
v1 agent holds one Ed25519 key pair per connection and nothing else.

Accepted inputs, and what each one means:

* secret keys (:func:`signing_key`):

  - a :class:`SigningKey`;
  - ``bytes`` of 32: the RFC 8032 private key, which libsodium calls the
    seed;
  - ``bytes`` of 64, or a ``str`` that is base58 of 64 bytes: libsodium's
    secret key layout ``seed || verkey`` (the indy-sdk "sigkey"). The
    verkey half is checked against the seed: a sigkey whose halves do not
    belong together is :class:`InvalidKey`, never silently repaired.

* public keys (:func:`verkey`): a :class:`SigningKey`; ``bytes`` of 32; a
  base58 ``str`` of 32 bytes; or a ``did:key`` of an Ed25519 key, as
  ``"did:key:" + multikey_encode("ed25519-pub", verkey)`` (w3c-ccg
  did:key), optionally with the fragment the did:key method gives its one
  verification method (``did:key:z6Mk...#z6Mk...``), as inline services
  list them in ``recipientKeys``/``routingKeys``.

Errors: a Python value of the wrong type or length is the caller's mistake
(:class:`UsageError`); text that does not parse is data and raises
:class:`MalformedMessage` naming the field it came from. A base58 string of
32 bytes is never taken as a secret key: in v1 that text is a verkey, and
guessing would turn a public key into a "seed".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from .. import crypto
from ..encoding import b58decode, b58encode, multikey_decode, multikey_encode
from ..errors import InvalidKey, MalformedMessage, UsageError

__all__ = [
    "SEED_BYTES",
    "VERKEY_BYTES",
    "SIGKEY_BYTES",
    "SigningKey",
    "SecretKeyInput",
    "PublicKeyInput",
    "signing_key",
    "verkey",
    "verkey_b58",
    "did_key",
]

SEED_BYTES = 32  # RFC 8032 §5.1.5: "The private key is 32 octets"; crypto_sign_SEEDBYTES
VERKEY_BYTES = 32  # RFC 8032 §5.1.5: the public key A, 32 octets; crypto_sign_PUBLICKEYBYTES
SIGKEY_BYTES = SEED_BYTES + VERKEY_BYTES  # crypto_sign_SECRETKEYBYTES: seed || pk

_DID_KEY_PREFIX = "did:key:"


def _resolve(backend: Optional[crypto.Backend]) -> crypto.Backend:
    """The backend to compute with: the given one, or the active one."""
    return backend if backend is not None else crypto.backend(crypto.BACKEND)


@dataclass(frozen=True, repr=False)
class SigningKey:
    """One Ed25519 key pair: the 32-byte seed and its 32-byte verkey.

    Build it with :func:`signing_key`, which checks that the two belong
    together; the constructor itself does not compute anything.

    Attributes:
        seed: the 32-byte RFC 8032 private key.
        verkey: the 32-byte public key.
    """

    seed: bytes
    verkey: bytes

    def __repr__(self) -> str:
        # Never print the seed.
        return f"SigningKey(verkey={self.verkey_b58!r})"

    @property
    def verkey_b58(self) -> str:
        """The verkey in base58btc, as RFC 0019 writes ``kid``."""
        return b58encode(self.verkey)

    @property
    def sigkey_b58(self) -> str:
        """The 64-byte libsodium secret key ``seed || verkey`` in base58btc."""
        return b58encode(self.seed + self.verkey)

    @property
    def did_key(self) -> str:
        """The verkey as a ``did:key``."""
        return did_key(self.verkey)


SecretKeyInput = Union[SigningKey, bytes, bytearray, str]
PublicKeyInput = Union[SigningKey, bytes, bytearray, str]


def _b58_field(text: str, field: str) -> bytes:
    try:
        return b58decode(text)
    except MalformedMessage as exc:
        raise MalformedMessage(f"not base58btc ({exc.reason})", field) from None


def signing_key(value: SecretKeyInput, *, backend: Optional[crypto.Backend] = None, field: str = "key") -> SigningKey:
    """Turn a secret-key input into a checked :class:`SigningKey`.

    Args:
        value: a :class:`SigningKey` (returned as is); 32 bytes (seed); 64
            bytes ``seed || verkey``; or base58 text of those 64 bytes.
        backend: the crypto backend that derives the verkey (default: active).
        field: the name to report in errors (e.g. ``"sender"``).

    Returns:
        The key pair.

    Raises:
        UsageError: wrong type, a byte string that is neither 32 nor 64
            bytes, or base58 text of 32 bytes (a verkey, not a secret).
        MalformedMessage: text that is not base58, or not 64 bytes.
        InvalidKey: the verkey half of a 64-byte sigkey is not the seed's.

    Spec: RFC 8032 §5.1.5 (seed -> public key); libsodium
    ``crypto_sign_seed_keypair`` (the ``seed || pk`` secret-key layout).
    """
    if isinstance(value, SigningKey):
        return value
    if isinstance(value, str):
        raw = _b58_field(value, field)
        if len(raw) == VERKEY_BYTES:
            raise UsageError(f"{field}: base58 text of 32 bytes is a verkey, not a secret key")
        if len(raw) != SIGKEY_BYTES:
            raise MalformedMessage(f"a base58 sigkey must decode to {SIGKEY_BYTES} bytes, got {len(raw)}", field)
    elif isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        if len(raw) not in (SEED_BYTES, SIGKEY_BYTES):
            raise UsageError(f"{field}: a secret key must be {SEED_BYTES} or {SIGKEY_BYTES} bytes, got {len(raw)}")
    else:
        raise UsageError(f"{field}: expected a SigningKey, bytes or a base58 str, not {type(value).__name__}")
    seed = raw[:SEED_BYTES]
    derived = _resolve(backend).ed25519_public_key(seed)
    if len(raw) == SIGKEY_BYTES and raw[SEED_BYTES:] != derived:
        raise InvalidKey(f"{field}: the sigkey's public half is not the public key of its seed")
    return SigningKey(seed=seed, verkey=derived)


def _did_key_verkey(text: str, field: str) -> bytes:
    """The Ed25519 key of ``did:key:MSID`` or ``did:key:MSID#MSID``."""
    method_specific_id, hash_sign, fragment = text[len(_DID_KEY_PREFIX) :].partition("#")
    # did:key names its single verification method "did:key:MSID#MSID"
    # (w3c-ccg did-method-key, "Document Creation Algorithm"); any other
    # fragment does not name a key of this DID.
    if hash_sign and fragment != method_specific_id:
        raise MalformedMessage("a did:key fragment must repeat the method-specific id", field)
    try:
        name, key = multikey_decode(method_specific_id)
    except MalformedMessage as exc:
        raise MalformedMessage(f"not a did:key ({exc.reason})", field) from None
    if name != "ed25519-pub":
        raise MalformedMessage(f"DIDComm v1 keys are Ed25519, this did:key holds {name}", field)
    return key


def verkey(value: PublicKeyInput, *, field: str = "key") -> bytes:
    """Turn a public-key input into the raw 32-byte Ed25519 verkey.

    Args:
        value: a :class:`SigningKey`; 32 bytes; base58 text of 32 bytes; or
            an Ed25519 ``did:key`` (optionally ``#`` its own id).
        field: the name to report in errors (e.g. ``"recipient_keys[1]"``).

    Returns:
        The 32-byte verkey. Whether it is a valid curve point is checked
        where it is used (:func:`refdidcomm.crypto.ed25519_pk_to_x25519`).

    Raises:
        UsageError: wrong type, or bytes that are not 32 long.
        MalformedMessage: text that is not base58 of 32 bytes, nor an
            Ed25519 did:key.

    Spec: Aries RFC 0019 (base58 ``kid``); w3c-ccg did:key.
    """
    if isinstance(value, SigningKey):
        return value.verkey
    if isinstance(value, (bytes, bytearray)):
        if len(value) != VERKEY_BYTES:
            raise UsageError(f"{field}: a verkey must be {VERKEY_BYTES} bytes, got {len(value)}")
        return bytes(value)
    if not isinstance(value, str):
        raise UsageError(f"{field}: expected a SigningKey, bytes or str, not {type(value).__name__}")
    if value.startswith(_DID_KEY_PREFIX):
        return _did_key_verkey(value, field)
    raw = _b58_field(value, field)
    if len(raw) != VERKEY_BYTES:
        raise MalformedMessage(f"a base58 verkey must decode to {VERKEY_BYTES} bytes, got {len(raw)}", field)
    return raw


def verkey_b58(raw: bytes) -> str:
    """The base58btc text of a 32-byte verkey.

    Raises:
        UsageError: not 32 bytes.
    """
    if not isinstance(raw, (bytes, bytearray)) or len(raw) != VERKEY_BYTES:
        raise UsageError(f"a verkey must be {VERKEY_BYTES} bytes")
    return b58encode(bytes(raw))


def did_key(raw: bytes) -> str:
    """``"did:key:" + multikey_encode("ed25519-pub", raw)``.

    Raises:
        UsageError: not 32 bytes.

    Spec: w3c-ccg did:key (Ed25519, multicodec 0xed).
    """
    if not isinstance(raw, (bytes, bytearray)) or len(raw) != VERKEY_BYTES:
        raise UsageError(f"a verkey must be {VERKEY_BYTES} bytes")
    return _DID_KEY_PREFIX + multikey_encode("ed25519-pub", bytes(raw))
