"""Aries RFC 0019 encryption envelopes ("JWM/1.0"): Authcrypt and Anoncrypt.

Spec: hyperledger/aries-rfcs ``features/0019-encryption-envelope/README.md``
and ``schema.md``. The wire form is a JSON object of four base64url strings::

    {"protected": b64url(JSON{"enc", "typ": "JWM/1.0", "alg", "recipients": [
         {"encrypted_key": ..., "header": {"kid": base58(verkey),
                                           "iv"?: ..., "sender"?: ...}}]}),
     "iv": ..., "ciphertext": ..., "tag": ...}

Pack (RFC 0019 "Authcrypt pack algorithm" / "Anoncrypt pack algorithm"):

1. a random 32-byte content encryption key (CEK);
2. per recipient, its X25519 key derived from its Ed25519 verkey, and

   * Authcrypt: ``encrypted_key = crypto_box(cek, cek_iv, their_x, my_x)``
     with a random 24-byte ``cek_iv`` in ``header.iv``, and
     ``header.sender = crypto_box_seal(base58(sender verkey), their_x)``;
   * Anoncrypt: ``encrypted_key = crypto_box_seal(cek, their_x)``;

3. ``protected`` = base64url of the JSON header;
4. ``crypto_aead_chacha20poly1305_ietf_encrypt_detached(message,
   protected_value_encoded, iv, cek)``: the AAD is the *text* of
   ``protected`` as sent, not the JSON it decodes to;
5. base64url ``iv``, ``ciphertext`` and ``tag``.

Unpack (RFC 0019 "Unpack Algorithm"): find our ``kid``; Authcrypt opens
``sender`` with crypto_box_seal_open, then the CEK with crypto_box_open from
that sender; Anoncrypt opens the CEK with crypto_box_seal_open; then the
content with the AEAD.

Choices where the RFC and deployed agents part ways, with the evidence (read
in public source; no code taken from it):

* **Content cipher and its label.** RFC 0019 step 4 names
  ``crypto_aead_chacha20poly1305_ietf`` (ChaCha20-Poly1305, RFC 8439, 12-byte
  nonce), while its header says ``"enc": "xchacha20poly1305_ietf"`` and the
  schema allows only that label. Deployed agents do what step 4 says and
  write the XChaCha label: ACA-Py ``aries_cloudagent/askar/didcomm/v1.py``
  (``Key.generate(KeyAlg.C20P)`` with ``"enc": "xchacha20poly1305_ietf"``)
  and its older ``aries_cloudagent/wallet/crypto.py``
  (``crypto_aead_chacha20poly1305_ietf_encrypt``, same label); Credo's askar
  ``didcommV1Pack`` (``KeyAlgorithm.Chacha20C20P``, same label); the RFC's
  own example (``"iv": "ZqOrBZiA-RdFMhy2"``, 12 bytes). aries-framework-go
  ``pkg/didcomm/packer/legacy`` (authcrypt and anoncrypt) and
  aries-framework-dotnet ``CryptoUtils`` write ``"chacha20poly1305_ietf"``
  for the same 12-byte-nonce cipher. So: we always use ChaCha20-Poly1305
  IETF with a 12-byte nonce, emit ``xchacha20poly1305_ietf`` (what every
  reader above accepts; ACA-Py and Credo do not look at ``enc``), and accept
  both labels. Any other ``enc`` is :class:`UnsupportedAlgorithm`.
* **base64url padding.** The RFC says "base64URLencode" without saying
  whether ``=`` padding is kept; its own example (indy-sdk output) keeps it
  (``"tag": "kAuPl8mwb0FFVyip1omEhQ=="``, a ``protected`` ending in ``=``),
  as do ACA-Py's indy-era ``wallet/crypto.py`` (``bytes_to_b64(...,
  urlsafe=True)``) and aries-framework-go (``base64.URLEncoding``); ACA-Py's
  askar path (``utils/jwe.py`` ``b64url``: "unpadded base64-URL") and Credo
  emit none. All of them decode either form. We emit unpadded (RFC 7515 §2
  base64url, as the newer agents do) and accept padded or unpadded
  base64url in every field; the standard alphabet (``+``, ``/``), wrong
  padding and non-zero pad bits are rejected. ``protected`` enters the AAD
  exactly as received, padding included.
* **``alg`` spelling.** schema.md lists ``"authcrypt"``/``"anoncrypt"``;
  the README, its examples and every implementation above use
  ``"Authcrypt"``/``"Anoncrypt"``, and ACA-Py and Credo compare those
  exactly. We emit and accept only the capitalized names; anything else is
  :class:`UnsupportedAlgorithm` (the error the JWE layer uses for an
  unknown ``alg``/``enc``: an algorithm we do not implement, as opposed to a
  structure we cannot read).
* **``typ``.** schema.md requires it ("Ex: JWM/1.0"); every emitter writes
  ``"JWM/1.0"`` and aries-framework-go rejects other values. So do we.
* **Null headers.** ACA-Py's indy-era pack writes ``"sender": null, "iv":
  null`` in Anoncrypt headers. An Anoncrypt recipient may therefore have
  ``sender``/``iv`` absent or null, never a value (ACA-Py: "Unexpected
  iv"); an Authcrypt recipient must have both (ACA-Py: "Missing iv").

Errors: every structural problem is :class:`MalformedMessage` naming the
field (e.g. ``protected.recipients[1].header.kid``); a length fixed by the
format (``iv`` 12, ``tag`` 16, ``header.iv`` 24, ``encrypted_key`` 48 or 80
bytes) is structure too, checked before any key is touched. Everything from
the first decryption on -- no recipient for our keys, a sealed box or box
that does not open, a decrypted ``sender`` that is not a base58 Ed25519
verkey, a content tag that does not verify -- is the one opaque
:class:`DecryptionError`.

Randomness: ``rng(n)`` is drawn in this order, so that an envelope can be
reproduced byte for byte: CEK (32); then per recipient in order, Authcrypt:
``cek_iv`` (24) and the ephemeral secret key of the ``sender`` sealed box
(32), Anoncrypt: the ephemeral secret key of the CEK sealed box (32); last
the content ``iv`` (12).

Security considerations:

* **Authcrypt with several recipients does not authenticate the content to
  each of them.** RFC 0019 Authcrypt authenticates the CEK (crypto_box from
  the sender's key), not the message: the content is a ChaCha20-Poly1305
  ciphertext under that one CEK, shared by every recipient. Any recipient
  can therefore keep the ``protected`` header (the other recipients'
  ``encrypted_key`` and ``sender`` entries, which it cannot and need not
  change), encrypt a message of its own choice under the CEK with a fresh
  ``iv``, and send it to another recipient, whose :func:`unpack` reports the
  original sender. The AAD (the ``protected`` text) binds the recipient
  list, not the author. When authenticity matters and there is more than
  one recipient, pack one envelope per recipient (Authcrypt to a single
  recipient is sound: only sender and recipient know that CEK), or sign the
  content (e.g. an RFC 0234 ``~sig`` checked against the expected signer).
* Anoncrypt authenticates nobody; ``sender_verkey`` is None.
* The pure-Python backend is not constant time; :mod:`refdidcomm.crypto`
  says which backend runs and :func:`refdidcomm.crypto.constant_time`
  answers per function.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from .. import crypto
from .._json import dumps_bytes, loads
from ..encoding import b58decode, b58encode, b64_decode_lenient, b64url_encode
from ..errors import DecryptionError, InvalidKey, MalformedMessage, UnsupportedAlgorithm, UsageError
from ._keys import SecretKeyInput, PublicKeyInput, SigningKey, _resolve, signing_key, verkey

__all__ = [
    "TYP",
    "ALG_AUTHCRYPT",
    "ALG_ANONCRYPT",
    "ENC_EMITTED",
    "ENC_LABELS",
    "Unpacked",
    "pack",
    "unpack",
    "recipient_kids",
]

TYP = "JWM/1.0"
ALG_AUTHCRYPT = "Authcrypt"
ALG_ANONCRYPT = "Anoncrypt"
# See the module docstring: both labels name ChaCha20-Poly1305 IETF (12-byte nonce).
ENC_EMITTED = "xchacha20poly1305_ietf"
ENC_LABELS = frozenset({"xchacha20poly1305_ietf", "chacha20poly1305_ietf"})

# Sizes, from libsodium's constants for the functions RFC 0019 names.
CEK_BYTES = 32  # crypto_aead_chacha20poly1305_ietf_KEYBYTES
CONTENT_IV_BYTES = 12  # crypto_aead_chacha20poly1305_ietf_NPUBBYTES (RFC 8439 §2.8: 96-bit nonce)
TAG_BYTES = 16  # crypto_aead_chacha20poly1305_ietf_ABYTES
BOX_NONCE_BYTES = 24  # crypto_box_NONCEBYTES
BOX_PUBLIC_KEY_BYTES = 32  # crypto_box_PUBLICKEYBYTES: the sealed box's ephemeral key
BOX_MAC_BYTES = 16  # crypto_box_MACBYTES
SEAL_OVERHEAD = BOX_PUBLIC_KEY_BYTES + BOX_MAC_BYTES  # crypto_box_SEALBYTES
AUTHCRYPT_ENCRYPTED_KEY_BYTES = BOX_MAC_BYTES + CEK_BYTES  # 48
ANONCRYPT_ENCRYPTED_KEY_BYTES = SEAL_OVERHEAD + CEK_BYTES  # 80

Rng = crypto.Rng


class Unpacked(NamedTuple):
    """What :func:`unpack` returns (RFC 0019 "unpack_message() return values").

    Attributes:
        message: the plaintext bytes.
        recipient_verkey: base58 verkey of ours that the envelope was opened with.
        sender_verkey: base58 verkey of the sender (Authcrypt), or None (Anoncrypt).
    """

    message: bytes
    recipient_verkey: str
    sender_verkey: Optional[str]


class _Recipient(NamedTuple):
    verkey: bytes
    encrypted_key: bytes
    sender: Optional[bytes]
    iv: Optional[bytes]


class _Envelope(NamedTuple):
    protected: str
    alg: str
    enc: str
    recipients: Tuple[_Recipient, ...]
    iv: bytes
    ciphertext: bytes
    tag: bytes


# ---------------------------------------------------------------------------
# Parsing


def _b64url_field(value: Any, field: str) -> bytes:
    """Decode a base64url field, padded or not (see the module docstring)."""
    if not isinstance(value, str):
        raise MalformedMessage("must be a base64url string", field)
    try:
        decoded = b64_decode_lenient(value)
    except MalformedMessage as exc:
        raise MalformedMessage(f"not base64url ({exc.reason})", field) from None
    if decoded.alphabet != "url":
        raise MalformedMessage("uses the standard base64 alphabet ('+' or '/'), not base64url", field)
    return decoded.data


def _sized(value: Any, field: str, size: int) -> bytes:
    data = _b64url_field(value, field)
    if len(data) != size:
        raise MalformedMessage(f"must decode to {size} bytes, got {len(data)}", field)
    return data


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise MalformedMessage("must be a JSON object", field)
    return value


def _envelope_object(envelope: Union[bytes, bytearray, str, Mapping[str, Any]]) -> Mapping[str, Any]:
    if isinstance(envelope, Mapping):
        return _object(dict(envelope), "envelope")
    if isinstance(envelope, (bytes, bytearray, str)):
        return _object(loads(envelope, field="envelope"), "envelope")
    raise UsageError(f"envelope must be bytes, str or a mapping, not {type(envelope).__name__}")


def _parse_recipient(value: Any, index: int, alg: str) -> _Recipient:
    where = f"protected.recipients[{index}]"
    entry = _object(value, where)
    header = _object(entry.get("header"), f"{where}.header")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise MalformedMessage("is required and must be a string", f"{where}.header.kid")
    # RFC 0019 schema.md: "kid": "base58 encoded verkey of the recipient."
    try:
        kid_bytes = b58decode(kid)
    except MalformedMessage as exc:
        raise MalformedMessage(f"not base58btc ({exc.reason})", f"{where}.header.kid") from None
    if len(kid_bytes) != 32:
        raise MalformedMessage(f"must be a base58 Ed25519 verkey (32 bytes), got {len(kid_bytes)}", f"{where}.header.kid")
    sender = header.get("sender")
    iv = header.get("iv")
    if alg == ALG_AUTHCRYPT:
        # RFC 0019 Authcrypt: "set `sender` value to ...", "set to `iv` value in the header".
        if sender is None:
            raise MalformedMessage("is required for Authcrypt", f"{where}.header.sender")
        if iv is None:
            raise MalformedMessage("is required for Authcrypt", f"{where}.header.iv")
        sender_bytes: Optional[bytes] = _b64url_field(sender, f"{where}.header.sender")
        iv_bytes: Optional[bytes] = _sized(iv, f"{where}.header.iv", BOX_NONCE_BYTES)
        key_size = AUTHCRYPT_ENCRYPTED_KEY_BYTES
    else:
        # Anoncrypt headers hold only the kid; null is tolerated (ACA-Py's
        # indy-era pack writes "sender": null, "iv": null).
        if sender is not None:
            raise MalformedMessage("must be absent for Anoncrypt", f"{where}.header.sender")
        if iv is not None:
            raise MalformedMessage("must be absent for Anoncrypt", f"{where}.header.iv")
        sender_bytes = iv_bytes = None
        key_size = ANONCRYPT_ENCRYPTED_KEY_BYTES
    if "encrypted_key" not in entry:
        raise MalformedMessage("is required", f"{where}.encrypted_key")
    encrypted_key = _sized(entry["encrypted_key"], f"{where}.encrypted_key", key_size)
    return _Recipient(kid_bytes, encrypted_key, sender_bytes, iv_bytes)


def _parse(envelope: Union[bytes, bytearray, str, Mapping[str, Any]]) -> _Envelope:
    outer = _envelope_object(envelope)
    # schema.md: "required": ["ciphertext", "iv", "protected", "tag"]
    for name in ("protected", "iv", "ciphertext", "tag"):
        if name not in outer:
            raise MalformedMessage("is required", name)
    protected = outer["protected"]
    header = _object(loads(_b64url_field(protected, "protected"), field="protected"), "protected")
    # schema.md: protected "required": ["enc", "typ", "alg", "recipients"]
    for name in ("enc", "typ", "alg", "recipients"):
        if name not in header:
            raise MalformedMessage("is required", f"protected.{name}")
        if name != "recipients" and not isinstance(header[name], str):
            raise MalformedMessage("must be a string", f"protected.{name}")
    if header["typ"] != TYP:
        raise MalformedMessage(f"must be {TYP!r}, got {header['typ']!r}", "protected.typ")
    alg = header["alg"]
    if alg not in (ALG_AUTHCRYPT, ALG_ANONCRYPT):
        raise UnsupportedAlgorithm(f"protected.alg {alg!r} is not supported (supported: 'Anoncrypt', 'Authcrypt')")
    enc = header["enc"]
    if enc not in ENC_LABELS:
        raise UnsupportedAlgorithm(f"protected.enc {enc!r} is not supported (supported: {', '.join(sorted(ENC_LABELS))})")
    entries = header["recipients"]
    if not isinstance(entries, list) or not entries:
        raise MalformedMessage("must be a non-empty array", "protected.recipients")
    recipients = tuple(_parse_recipient(value, index, alg) for index, value in enumerate(entries))
    if len({r.verkey for r in recipients}) != len(recipients):
        raise MalformedMessage("the same kid appears twice", "protected.recipients")
    return _Envelope(
        protected=protected,
        alg=alg,
        enc=enc,
        recipients=recipients,
        iv=_sized(outer["iv"], "iv", CONTENT_IV_BYTES),
        ciphertext=_b64url_field(outer["ciphertext"], "ciphertext"),
        tag=_sized(outer["tag"], "tag", TAG_BYTES),
    )


def recipient_kids(envelope: Union[bytes, bytearray, str, Mapping[str, Any]]) -> List[str]:
    """The base58 ``kid`` of every recipient, after checking the structure.

    RFC 0019 unpack step 2: "Lookup the `kid` for each recipient in the
    wallet". No key is needed; nothing is decrypted.

    Args:
        envelope: the envelope as JSON bytes/str or as a parsed mapping.

    Returns:
        The kids in envelope order.

    Raises:
        MalformedMessage, UnsupportedAlgorithm: as :func:`unpack`.
    """
    return [b58encode(r.verkey) for r in _parse(envelope).recipients]


# ---------------------------------------------------------------------------
# Pack


def _message_bytes(message: Union[bytes, bytearray, str]) -> bytes:
    if isinstance(message, (bytes, bytearray)):
        return bytes(message)
    if isinstance(message, str):
        # RFC 0019: "the message ... as a string"; sent as UTF-8.
        try:
            return message.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError("message contains an unpaired surrogate") from None
    raise UsageError(f"message must be bytes or str, not {type(message).__name__}")


def pack(
    message: Union[bytes, bytearray, str],
    recipient_keys: Sequence[PublicKeyInput],
    sender: Optional[SecretKeyInput] = None,
    *,
    backend: Optional[crypto.Backend] = None,
    rng: Optional[Rng] = None,
) -> bytes:
    """Pack ``message`` into an RFC 0019 envelope: Authcrypt with ``sender``, else Anoncrypt.

    Args:
        message: the plaintext (bytes, or str sent as UTF-8), any length.
        recipient_keys: one or more recipient verkeys: 32 bytes, base58 text,
            Ed25519 did:key, or :class:`SigningKey`; no duplicates.
        sender: the sender's secret key for Authcrypt (32-byte seed, 64-byte
            or base58 sigkey, :class:`SigningKey`); None for Anoncrypt.
        backend: crypto backend (default: the active one).
        rng: randomness source; drawn in the order given in the module
            docstring, so a seeded ``rng`` reproduces the envelope.

    Returns:
        The envelope as compact UTF-8 JSON: ``protected``, ``iv``,
        ``ciphertext``, ``tag``, all unpadded base64url.

    Security considerations:
        With ``sender`` and several recipients, every recipient learns the
        one CEK and can forge content to the others in the sender's name
        (see the module docstring). When authenticity matters, call
        ``pack`` once per recipient.

    Raises:
        UsageError: no recipients, a duplicate recipient, a bad argument type
            or length, an ``rng`` returning the wrong length.
        MalformedMessage: a recipient or sender key text that does not parse.
        InvalidKey: a verkey that is not a usable Ed25519 point, or a sigkey
            whose halves do not match.
        LowOrderPointError: a recipient key of low order.

    Spec: Aries RFC 0019 "Authcrypt pack algorithm", "Anoncrypt pack algorithm".
    """
    be = _resolve(backend)
    plaintext = _message_bytes(message)
    if isinstance(recipient_keys, (str, bytes, bytearray, SigningKey)) or not isinstance(recipient_keys, Sequence):
        raise UsageError("recipient_keys must be a sequence of keys")
    verkeys = [verkey(key, field=f"recipient_keys[{i}]") for i, key in enumerate(recipient_keys)]
    if not verkeys:
        raise UsageError("at least one recipient key is required")
    if len(set(verkeys)) != len(verkeys):
        raise UsageError("recipient_keys contains the same key twice")
    sender_key = signing_key(sender, backend=be, field="sender") if sender is not None else None

    # Step 1: "generate a content encryption key".
    cek = crypto.draw(rng, CEK_BYTES, be)
    recipients: List[Dict[str, Any]] = []
    for recipient_verkey in verkeys:
        their_x = be.ed25519_pk_to_x25519(recipient_verkey)
        header: Dict[str, str] = {"kid": b58encode(recipient_verkey)}
        if sender_key is not None:
            # Step 2.1: encrypted_key = crypto_box(cek) with cek_iv; 2.3: iv = cek_iv.
            cek_iv = crypto.draw(rng, BOX_NONCE_BYTES, be)
            encrypted_key = be.box(cek, cek_iv, their_x, be.ed25519_seed_to_x25519(sender_key.seed))
            # Step 2.2: sender = crypto_box_seal(their_vk, sender_vk_string).
            sealed_sender = be.box_seal(sender_key.verkey_b58.encode("ascii"), their_x, rng=rng)
            header["iv"] = b64url_encode(cek_iv)
            header["sender"] = b64url_encode(sealed_sender)
        else:
            # Anoncrypt step 2.1: encrypted_key = crypto_box_seal(their_vk, cek).
            encrypted_key = be.box_seal(cek, their_x, rng=rng)
        recipients.append({"encrypted_key": b64url_encode(encrypted_key), "header": header})

    # Step 3: "base64URLencode the `protected` value" (member order as in the RFC example).
    protected = b64url_encode(
        dumps_bytes(
            {
                "enc": ENC_EMITTED,
                "typ": TYP,
                "alg": ALG_AUTHCRYPT if sender_key is not None else ALG_ANONCRYPT,
                "recipients": recipients,
            }
        )
    )
    # Step 4: chacha20poly1305_ietf(message, AAD = protected_value_encoded, iv, cek).
    iv = crypto.draw(rng, CONTENT_IV_BYTES, be)
    sealed = be.chacha20poly1305_encrypt(cek, iv, plaintext, protected.encode("ascii"))
    ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    # Step 5: base64URLencode iv, ciphertext and tag.
    return dumps_bytes(
        {
            "protected": protected,
            "iv": b64url_encode(iv),
            "ciphertext": b64url_encode(ciphertext),
            "tag": b64url_encode(tag),
        }
    )


# ---------------------------------------------------------------------------
# Unpack


def _secret_keys(my_keys: Any, be: crypto.Backend) -> List[SigningKey]:
    if isinstance(my_keys, (SigningKey, bytes, bytearray, str)):
        my_keys = [my_keys]
    if not isinstance(my_keys, Iterable):
        raise UsageError("my_keys must be a secret key or an iterable of secret keys")
    keys = [signing_key(key, backend=be, field=f"my_keys[{i}]") for i, key in enumerate(my_keys)]
    if not keys:
        raise UsageError("at least one key is required to unpack")
    return keys


def _open_sender(sealed: bytes, my_x_pk: bytes, my_x_sk: bytes, be: crypto.Backend) -> Tuple[str, bytes]:
    """RFC 0019 unpack 3.1: the sender's base58 verkey and its X25519 key, or DecryptionError."""
    opened = be.box_seal_open(sealed, my_x_pk, my_x_sk)
    # The sealed plaintext is the sender's verkey *string* (pack step 2.2).
    # Anything else is not a sender we can authenticate: opaque failure.
    try:
        text = opened.decode("ascii")
        raw = b58decode(text)
    except (UnicodeDecodeError, MalformedMessage):
        raise DecryptionError() from None
    if len(raw) != 32 or b58encode(raw) != text:
        raise DecryptionError()
    try:
        return text, be.ed25519_pk_to_x25519(raw)
    except InvalidKey:
        raise DecryptionError() from None


def unpack(
    envelope: Union[bytes, bytearray, str, Mapping[str, Any]],
    my_keys: Union[SecretKeyInput, Iterable[SecretKeyInput]],
    *,
    backend: Optional[crypto.Backend] = None,
) -> Unpacked:
    """Open an RFC 0019 envelope with one of ``my_keys``.

    The first recipient (in envelope order) whose ``kid`` is one of our
    verkeys is used.

    Args:
        envelope: the envelope as JSON bytes/str or as a parsed mapping (as a
            forward message's ``msg`` carries it).
        my_keys: one secret key or several (32-byte seed, 64-byte or base58
            sigkey, :class:`SigningKey`).
        backend: crypto backend (default: the active one).

    Returns:
        :class:`Unpacked`: message bytes, our base58 verkey used, and the
        sender's base58 verkey for Authcrypt (None for Anoncrypt).

    Security considerations:
        ``sender_verkey`` says who encrypted the CEK for us, not who wrote
        the content: in an Authcrypt envelope with several recipients any
        other recipient may have re-encrypted the content under the shared
        CEK (see the module docstring). It authenticates the message only
        when we are the envelope's single recipient.

    Raises:
        MalformedMessage: the envelope's structure (JSON, base64url, fixed
            lengths, required members, kid) is wrong; ``field`` says where.
        UnsupportedAlgorithm: ``alg`` or ``enc`` is not one we implement.
        DecryptionError: no recipient is ours, or any decryption step fails.
        UsageError: a bad ``my_keys`` argument.

    Spec: Aries RFC 0019 "Unpack Algorithm".
    """
    be = _resolve(backend)
    parsed = _parse(envelope)
    keys = {key.verkey: key for key in _secret_keys(my_keys, be)}
    # Step 2: "Lookup the `kid` for each recipient in the wallet".
    match = next(((r, keys[r.verkey]) for r in parsed.recipients if r.verkey in keys), None)
    if match is None:
        raise DecryptionError()
    recipient, key = match
    my_x_sk = be.ed25519_seed_to_x25519(key.seed)
    my_x_pk = be.ed25519_pk_to_x25519(key.verkey)
    sender_verkey: Optional[str] = None
    if parsed.alg == ALG_AUTHCRYPT:
        # Step 3.1-3.2: open the sender, then crypto_box_open(encrypted_key, cek_iv) from it.
        sealed_sender, cek_iv = recipient.sender, recipient.iv
        if sealed_sender is None or cek_iv is None:  # _parse already requires both for Authcrypt
            raise MalformedMessage("sender and iv are required for Authcrypt", "protected.recipients")
        sender_verkey, sender_x = _open_sender(sealed_sender, my_x_pk, my_x_sk, be)
        cek = be.box_open(recipient.encrypted_key, cek_iv, sender_x, my_x_sk)
    else:
        # Anoncrypt step 1: crypto_box_seal_open(encrypted_key).
        cek = be.box_seal_open(recipient.encrypted_key, my_x_pk, my_x_sk)
    # The lengths checked in _parse make cek exactly CEK_BYTES long (48 - 16, 80 - 48).
    # Step 3.3 / anoncrypt step 2: the AEAD over ciphertext || tag, AAD = protected text.
    message = be.chacha20poly1305_decrypt(cek, parsed.iv, parsed.ciphertext + parsed.tag, parsed.protected.encode("ascii"))
    return Unpacked(message=message, recipient_verkey=b58encode(key.verkey), sender_verkey=sender_verkey)
