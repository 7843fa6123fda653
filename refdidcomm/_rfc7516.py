"""JSON Web Encryption (RFC 7516): the JSON Serialization and the ECDH engine.

This module knows JWE, not DIDComm (the DIDComm profile -- header formulas,
allowed algorithms -- is in :mod:`refdidcomm.jwe`):

* :func:`parse` reads the General JSON Serialization (§7.2.1) and, for a
  single recipient, the Flattened one (§7.2.2), strictly: every base64url
  value canonical and unpadded, the protected header a JSON object without
  duplicate names, "The Header Parameter names in the three locations MUST
  be disjoint" (§7.2.1), ``crit`` as in RFC 7515 §4.1.11 (no extension is
  understood), and ``zip`` refused (not implemented).
* :func:`encrypt` is RFC 7516 §5.1 for the ECDH key management algorithms
  of :mod:`refdidcomm._jose_algorithms`, one ephemeral key for all
  recipients. For ECDH-1PU with key wrapping the content is encrypted first
  and the tag enters each recipient's KDF (draft-madden-jose-ecdh-1pu-04
  §2.1: "Steps 3-8 are deferred until after step 15").
* :func:`decrypt_for_recipient` is RFC 7516 §5.2 for one recipient entry.
  Every cryptographic failure -- an invalid ``epk`` point, an X25519
  low-order point, a failed key unwrap, a CEK of the wrong length, a wrong
  tag -- is the one opaque :class:`DecryptionError`.

The JWE Additional Authenticated Data is ``ASCII(Encoded Protected Header)``,
or ``ASCII(Encoded Protected Header || '.' || BASE64URL(JWE AAD))`` when the
``aad`` member is present (§5.1 step 14), computed from the members *as
received*.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections import abc
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _ecdh_1pu
from . import _json
from . import _rfc7518
from . import crypto
from ._jose_algorithms import (
    ContentEncryptionAlgorithm,
    KeyManagementAlgorithm,
    content_encryption_algorithm,
    key_management_algorithm,
)
from ._rfc7515 import check_crit
from ._rfc7517 import JWK, b64url_member
from .encoding import B64URL_ALPHABET, b64url_encode
from .errors import DecryptionError, InvalidKey, LowOrderPointError, MalformedMessage, UnsupportedAlgorithm, UsageError

__all__ = [
    "Recipient",
    "ParsedJWE",
    "parse",
    "encrypt",
    "decrypt_for_recipient",
    "additional_authenticated_data",
    "serialize",
]


@dataclass(frozen=True)
class Recipient:
    """One entry of ``recipients``: its unprotected header and JWE Encrypted Key."""

    header: Dict[str, Any]
    encrypted_key: bytes


@dataclass(frozen=True)
class ParsedJWE:
    """A syntactically valid JWE (nothing decrypted or checked cryptographically).

    Attributes:
        protected_b64: the ``protected`` member exactly as received ("" if absent).
        protected: the decoded JWE Protected Header.
        unprotected: the JWE Shared Unprotected Header (``unprotected``), or {}.
        recipients: the recipient entries.
        iv, ciphertext, tag: decoded.
        aad_b64: the ``aad`` member as received, or None.
    """

    protected_b64: str
    protected: Dict[str, Any]
    unprotected: Dict[str, Any]
    recipients: Tuple[Recipient, ...]
    iv: bytes
    ciphertext: bytes
    tag: bytes
    aad_b64: Optional[str]

    def joint_header(self, index: int) -> Dict[str, Any]:
        """The JOSE Header of recipient ``index``: the union of the three headers (§7.2.1)."""
        return {**self.protected, **self.unprotected, **self.recipients[index].header}

    def additional_authenticated_data(self) -> bytes:
        """The AAD of RFC 7516 §5.1 step 14 from the members as received."""
        return additional_authenticated_data(self.protected_b64, self.aad_b64)


def additional_authenticated_data(protected_b64: str, aad_b64: Optional[str] = None) -> bytes:
    """``ASCII(Encoded Protected Header [|| '.' || BASE64URL(JWE AAD)])`` (RFC 7516 §5.1 step 14)."""
    if aad_b64 is None:
        return protected_b64.encode("ascii")
    return (protected_b64 + "." + aad_b64).encode("ascii")


#: The members of a JSON Serialization JWE whose values are base64url text
#: (RFC 7516 §7.2.1): they may be megabytes long.
_BASE64URL_MEMBERS = frozenset({"protected", "encrypted_key", "iv", "ciphertext", "tag", "aad"})


_LARGE = 2048  # characters of ciphertext above which serialize writes members itself


def _is_base64url_text(value: str) -> bool:
    """True when every character of ``value`` is in the base64url alphabet (so JSON needs no escapes)."""
    return value.isascii() and not value.encode("ascii").translate(None, B64URL_ALPHABET)


def serialize(jwe: Mapping[str, Any]) -> str:
    """A JWE object as compact JSON text, exactly as :func:`refdidcomm._json.dumps` writes it.

    The base64url members (``ciphertext`` above all) are written as they are:
    a string of base64url characters needs no JSON escaping (RFC 8259 §7
    escapes only the quotation mark, the reverse solidus and the control
    characters), so it is checked against the alphabet in one pass and
    quoted, instead of going through the JSON string encoder, which costs
    several times more on a large message. Every other member, and the
    object as a whole when it is not a dict of str member names, goes
    through :func:`refdidcomm._json.dumps`; the text is the same either way.

    Args:
        jwe: the JWE (General or Flattened JSON Serialization), normally from :func:`encrypt`.
    Returns:
        the JSON text.
    Raises:
        UsageError: as :func:`refdidcomm._json.dumps` (a value that has no JSON form).
    Spec: RFC 7516 §7.2; RFC 8259 §7.
    """
    if type(jwe) is not dict or not all(type(name) is str for name in jwe):
        return _json.dumps(jwe)
    ciphertext = jwe.get("ciphertext")
    if not (type(ciphertext) is str and len(ciphertext) > _LARGE):
        return _json.dumps(jwe)  # small: the one encoder call is quicker than the pieces
    return _write(jwe, ours=False)


def _write(jwe: Dict[str, Any], *, ours: bool) -> str:
    """The text of ``_json.dumps(jwe)``, member by member, base64url members quoted as they are.

    ``ours``: the base64url members come from our own encoder (:func:`encrypt`),
    so they are not checked against the alphabet again.
    """
    parts = ["{"]
    try:
        for name, value in jwe.items():
            if len(parts) > 1:
                parts.append(",")
            if name in _BASE64URL_MEMBERS and type(value) is str and (ours or _is_base64url_text(value)):
                parts += ['"', name, '":"', value, '"']  # the names in the set need no escaping either
            else:
                parts += [_json.dumps(name), ":", _json.dumps(value)]
    except UsageError:
        return _json.dumps(jwe)  # raises the error (and reason) _json.dumps gives for the whole object
    parts.append("}")
    return "".join(parts)


def _check_member_names(obj: Mapping[Any, Any], where: str) -> None:
    # RFC 8259 §4: "An object structure is represented as ... zero or more
    # name/value pairs (or members). A name is a string." A dict built in
    # Python may hold other keys; refuse them here, before any header logic.
    for name in obj:
        if not isinstance(name, str):
            raise MalformedMessage(f"member names must be strings, got {type(name).__name__} {name!r}", where)


def _object_member(obj: Mapping[str, Any], name: str, where: str) -> Dict[str, Any]:
    value = obj.get(name, {})
    if not isinstance(value, dict):
        raise MalformedMessage("must be a JSON object", where)
    _check_member_names(value, where)
    return value


def parse(jwe: Union[Mapping[str, Any], str, bytes], *, backend: Optional[crypto.Backend] = None) -> ParsedJWE:
    """Parse a General (or Flattened) JSON Serialization JWE.

    Args:
        jwe: the JWE as a JSON object, or its JSON text.
        backend: whose base64url decoder reads the ``ciphertext`` (default:
            the active backend); the result is the same on either.
    Returns:
        :class:`ParsedJWE`.
    Raises:
        MalformedMessage: any structural rule above, naming the member; a
            member name that is not a string (a dict input built in Python).
        UnsupportedAlgorithm: ``zip`` is present.
    Spec: RFC 7516 §7.2, §5.2 steps 1-5.
    """
    if isinstance(jwe, (str, bytes, bytearray)):
        jwe = _json.loads(jwe, field="jwe")
    if not isinstance(jwe, abc.Mapping):
        raise MalformedMessage("a JWE must be a JSON object", "jwe")
    _check_member_names(jwe, "jwe")

    protected_b64 = jwe.get("protected", "")
    if not isinstance(protected_b64, str):
        raise MalformedMessage("must be a base64url string", "protected")
    protected: Dict[str, Any] = {}
    if protected_b64:
        raw = b64url_member(jwe, "protected", "")
        protected = _json.loads(raw or b"", field="protected")
        if not isinstance(protected, dict):
            raise MalformedMessage("must encode a JSON object", "protected")
    unprotected = _object_member(jwe, "unprotected", "unprotected")

    if "recipients" in jwe:
        if "header" in jwe or "encrypted_key" in jwe:
            raise MalformedMessage("mixes the General and the Flattened JSON Serialization", "recipients")
        entries = jwe["recipients"]
        if not isinstance(entries, list) or not entries:
            raise MalformedMessage("must be a non-empty array", "recipients")
        named = [(entry, f"recipients[{i}]") for i, entry in enumerate(entries)]
    else:
        named = [(jwe, "jwe")]
    recipients: List[Recipient] = []
    for entry, where in named:
        if not isinstance(entry, dict):
            raise MalformedMessage("must be a JSON object", where)
        _check_member_names(entry, where)
        header = _object_member(entry, "header", f"{where}.header")
        encrypted_key = b64url_member(entry, "encrypted_key", where, required=False) or b""
        recipients.append(Recipient(header=dict(header), encrypted_key=encrypted_key))

    for recipient, (_entry, where) in zip(recipients, named):
        # §7.2.1: "The Header Parameter names in the three locations MUST be disjoint."
        for a_name, a, b_name, b in (
            ("protected", protected, "unprotected", unprotected),
            ("protected", protected, f"{where}.header", recipient.header),
            ("unprotected", unprotected, f"{where}.header", recipient.header),
        ):
            if b and not a.keys().isdisjoint(b):
                overlap = sorted(a.keys() & b.keys())
                raise MalformedMessage(
                    f"header names must be disjoint (RFC 7516 §7.2.1); {overlap} in {a_name} and {b_name}", b_name
                )
        check_crit(protected, {**unprotected, **recipient.header} if unprotected else recipient.header)
        if "zip" in protected or "zip" in unprotected or "zip" in recipient.header:
            raise UnsupportedAlgorithm('"zip" (RFC 7516 §4.1.3) is not supported')

    iv = b64url_member(jwe, "iv", "", required=True) or b""
    be = backend or crypto.backend(crypto.BACKEND)
    ciphertext = b64url_member(jwe, "ciphertext", "", backend=be) or b""  # the large member: the backend's decoder
    tag = b64url_member(jwe, "tag", "", required=True) or b""
    aad_b64 = jwe.get("aad")
    if aad_b64 is not None:
        b64url_member(jwe, "aad", "")  # validates canonical base64url
    return ParsedJWE(
        protected_b64=protected_b64,
        protected=protected,
        unprotected=dict(unprotected),
        recipients=tuple(recipients),
        iv=iv,
        ciphertext=ciphertext,
        tag=tag,
        aad_b64=aad_b64,
    )


def _optional_b64(header: Mapping[str, Any], name: str) -> Optional[bytes]:
    return b64url_member(header, name, "", required=False)


def _check_modes(km: KeyManagementAlgorithm, ce: ContentEncryptionAlgorithm) -> None:
    if km.scheme == "ECDH-1PU":
        _ecdh_1pu.check_content_encryption(km.name, ce.name, key_wrapping=not km.direct)


def _derive(
    km: KeyManagementAlgorithm,
    ce: ContentEncryptionAlgorithm,
    z: bytes,
    apu: Optional[bytes],
    apv: Optional[bytes],
    tag: Optional[bytes],
) -> bytes:
    keydatalen = ce.key_len * 8 if km.direct else int(km.kek_bits or 0)
    if km.scheme == "ECDH-ES":
        return _rfc7518.ecdh_es_derive_key(
            z, alg=km.name, enc=ce.name, keydatalen=keydatalen, direct=km.direct, apu=apu or b"", apv=apv or b""
        )
    return _ecdh_1pu.derive_key(
        z,
        alg=km.name,
        enc=ce.name,
        keydatalen=keydatalen,
        direct=km.direct,
        apu=apu or b"",
        apv=apv or b"",
        tag=None if km.direct else tag,
    )


def encrypt(
    plaintext: bytes,
    protected: Mapping[str, Any],
    recipients: Sequence[Tuple[JWK, Optional[Mapping[str, Any]]]],
    *,
    ephemeral: JWK,
    cek: Optional[bytes],
    iv: bytes,
    sender: Optional[JWK] = None,
    unprotected: Optional[Mapping[str, Any]] = None,
    aad: Optional[bytes] = None,
    backend: Optional[crypto.Backend] = None,
    serialized: bool = False,
) -> Any:
    """Build a General JSON Serialization JWE with ECDH key management.

    The caller composes the protected header (it must hold ``alg`` and ``enc``;
    ``epk``, ``apu``, ``apv`` are read from it as well when present) and draws
    the randomness; this function only computes, so its output is a pure
    function of its arguments. The protected header is serialized as compact
    JSON in the given member order.

    Args:
        plaintext: the JWE Plaintext.
        protected: the JWE Protected Header (``alg``, ``enc``, ``epk``, ...).
        recipients: (public JWK, per-recipient header or None) pairs.
        ephemeral: the ephemeral private key (its public part is the ``epk``).
        cek: the CEK, ``enc``'s key length; None for Direct Key Agreement.
        iv: the JWE Initialization Vector (``enc``'s IV length).
        sender: the sender's static private key (ECDH-1PU only).
        unprotected: an optional JWE Shared Unprotected Header.
        aad: an optional JWE AAD (any length), carried in the ``aad`` member
            and authenticated as ``protected || '.' || BASE64URL(aad)``
            (§5.1 step 14). None omits it.
        backend: crypto backend (default: the active one).
        serialized: return the JSON text instead of the object: the text
            :func:`serialize` would write for it, assembled directly (the
            base64url members are our own encoder's output, so they are not
            scanned again).
    Returns:
        the JWE as a JSON object (dict), or its JSON text (``serialized``).
    Raises:
        UsageError: inconsistent arguments (keys, lengths, recipients count).
        UnsupportedAlgorithm: ``alg``/``enc`` unknown, or 1PU key wrapping
            with a non-committing ``enc`` (draft-04 §2.1).
        InvalidKey: keys on different curves.
        LowOrderPointError: an all-zero X25519 result (RFC 7748 §6.1); not
            reachable with validated JWKs, which refuse low-order ``x``.
    Spec: RFC 7516 §5.1, §7.2.1; RFC 7518 §4.6; draft-madden-jose-ecdh-1pu-04 §2.
    """
    if not isinstance(plaintext, (bytes, bytearray)):
        raise UsageError("plaintext must be bytes")
    km = key_management_algorithm(protected.get("alg"))
    ce = content_encryption_algorithm(protected.get("enc"))
    _check_modes(km, ce)
    if not recipients:
        raise UsageError("at least one recipient is needed")
    if km.direct and len(recipients) != 1:
        raise UsageError(f"{km.name} (Direct Key Agreement) encrypts to exactly one recipient")
    if (km.scheme == "ECDH-1PU") != (sender is not None):
        raise UsageError(f"{km.name} {'needs' if sender is None else 'takes no'} sender key")
    if sender is not None and sender.d is None:
        raise UsageError("the sender key has no private part ('d')")
    if ephemeral.d is None:
        raise UsageError("the ephemeral key has no private part ('d')")
    apu = _optional_b64(protected, "apu")
    apv = _optional_b64(protected, "apv")
    if km.scheme == "ECDH-1PU":
        _ecdh_1pu.check_apu_apv_distinct(apu, apv)
    if aad is not None and not isinstance(aad, (bytes, bytearray)):
        raise UsageError("aad must be bytes or None")
    aad_b64 = None if aad is None else b64url_encode(bytes(aad))
    protected_b64 = b64url_encode(_json.dumps_bytes(dict(protected)))
    full_aad = additional_authenticated_data(protected_b64, aad_b64)
    if km.direct and cek is not None:
        raise UsageError("Direct Key Agreement derives the CEK; pass cek=None")
    if not km.direct and (cek is None or len(cek) != ce.key_len):
        raise UsageError(f"{ce.name} needs a {ce.key_len}-byte CEK")
    be = backend or crypto.backend(crypto.BACKEND)

    def shared_secret(recipient: JWK) -> bytes:
        if km.scheme == "ECDH-ES":
            return _rfc7518.ecdh_shared_secret(ephemeral, recipient, backend=be)
        return _ecdh_1pu.shared_secret_sender(ephemeral, sender, recipient, backend=be)  # type: ignore[arg-type]

    entries: List[Dict[str, Any]] = []
    if km.direct:
        key, header = recipients[0]
        cek = _derive(km, ce, shared_secret(key), apu, apv, None)
        ciphertext, tag = ce.encrypt(cek, iv, bytes(plaintext), full_aad, backend=be)
        entry: Dict[str, Any] = {"encrypted_key": ""}
        if header:
            entry["header"] = dict(header)
        entries.append(entry)
    else:
        ciphertext, tag = ce.encrypt(cek, iv, bytes(plaintext), full_aad, backend=be)
        for key, header in recipients:
            kek = _derive(km, ce, shared_secret(key), apu, apv, tag)
            entry = {"encrypted_key": b64url_encode(be.aes_key_wrap(kek, cek))}
            if header:
                entry["header"] = dict(header)
            entries.append(entry)
    out: Dict[str, Any] = {"protected": protected_b64}
    if unprotected:
        out["unprotected"] = dict(unprotected)
    out["recipients"] = entries
    if aad_b64 is not None:
        out["aad"] = aad_b64
    out.update({"iv": b64url_encode(iv), "ciphertext": be.b64url_encode(ciphertext), "tag": b64url_encode(tag)})
    return _write(out, ours=True) if serialized else out


def decrypt_for_recipient(
    parsed: ParsedJWE,
    index: int,
    recipient_key: JWK,
    *,
    sender_key: Optional[JWK] = None,
    allowed_alg: Optional[Sequence[str]] = None,
    allowed_enc: Optional[Sequence[str]] = None,
    backend: Optional[crypto.Backend] = None,
) -> Tuple[bytes, KeyManagementAlgorithm, ContentEncryptionAlgorithm]:
    """Decrypt ``parsed`` as recipient ``index`` with ``recipient_key``.

    Args:
        parsed: from :func:`parse`.
        index: which ``recipients`` entry is ours.
        recipient_key: our private JWK for that entry.
        sender_key: the sender's public JWK (ECDH-1PU only).
        allowed_alg, allowed_enc: restrict the algorithms (None: all registered).
        backend: crypto backend (default: the active one).
    Returns:
        (plaintext, alg, enc).
    Raises:
        MalformedMessage: a header is missing or of the wrong type; wrong IV length;
            a non-empty JWE Encrypted Key in Direct Key Agreement; ECDH-1PU
            with ``apu`` = ``apv``. All header checks run before any
            cryptography.
        UnsupportedAlgorithm: ``alg``/``enc``/curve not supported or allowed;
            ECDH-1PU key wrapping with a non-committing ``enc``.
        UsageError: ``recipient_key`` is public or not on a key-agreement
            curve; 1PU without ``sender_key`` or with one not on a
            key-agreement curve.
        DecryptionError: every cryptographic failure.
    Spec: RFC 7516 §5.2; RFC 7518 §4.6; draft-madden-jose-ecdh-1pu-04 §2.
    """
    header = parsed.joint_header(index)
    for name in ("alg", "enc", "epk"):
        if name not in header:
            raise MalformedMessage("required header parameter is missing", name)
    km = key_management_algorithm(header["alg"], allowed_alg)
    ce = content_encryption_algorithm(header["enc"], allowed_enc)
    _check_modes(km, ce)
    if recipient_key.d is None:
        raise UsageError(f"recipient key {recipient_key.kid!r} has no private part ('d')")
    if recipient_key.crv not in _rfc7518.KEY_AGREEMENT_CURVES:
        # The caller's key store maps this kid to, e.g., a signing key: a
        # caller mistake, said plainly rather than as an opaque DecryptionError.
        raise UsageError(f"recipient key {recipient_key.kid!r} is on {recipient_key.crv}, not a key-agreement curve")
    if km.scheme == "ECDH-1PU":
        if sender_key is None:
            raise UsageError(f"{km.name} needs the sender's public key")
        if sender_key.crv not in _rfc7518.KEY_AGREEMENT_CURVES:
            raise UsageError(f"sender key {sender_key.kid!r} is on {sender_key.crv}, not a key-agreement curve")
    apu = _optional_b64(header, "apu")
    apv = _optional_b64(header, "apv")
    if km.scheme == "ECDH-1PU":
        # draft-04 §2.3: "The "apu" and "apv" values MUST be distinct, when used."
        _ecdh_1pu.check_apu_apv_distinct(apu, apv)
    if len(parsed.iv) != ce.iv_len:
        raise MalformedMessage(f"{ce.name} needs a {ce.iv_len}-byte IV, got {len(parsed.iv)}", "iv")

    encrypted_key = parsed.recipients[index].encrypted_key
    if km.direct and encrypted_key:
        # RFC 7518 §4.6: "the empty octet sequence is used as the JWE Encrypted Key value".
        raise MalformedMessage("must be empty for Direct Key Agreement", "encrypted_key")

    epk_obj = header["epk"]
    if not isinstance(epk_obj, dict):
        raise MalformedMessage("must be a JSON object (a JWK)", "epk")
    if "d" in epk_obj:
        raise MalformedMessage("must be a public key", "epk.d")
    try:
        epk = JWK.from_dict(epk_obj, where="epk", cache=False)  # a one-time key: not worth remembering
    except InvalidKey as exc:
        # Off the curve, the identity, wrong coordinate lengths: opaque.
        raise DecryptionError() from exc
    if epk.crv not in _rfc7518.KEY_AGREEMENT_CURVES:
        raise UnsupportedAlgorithm(f"epk curve {epk.crv!r} is not a key-agreement curve")

    be = backend or crypto.backend(crypto.BACKEND)
    # Every header check is done; from here on only cryptography, and every
    # failure is the one opaque DecryptionError.
    try:
        if epk.crv != recipient_key.crv:
            # An epk on another curve than the recipient's key (invalid-curve
            # attempt or misaddressed message).
            raise InvalidKey(f"epk is on {epk.crv}, the recipient key on {recipient_key.crv}")
        if km.scheme == "ECDH-ES":
            z = _rfc7518.ecdh_shared_secret(recipient_key, epk, backend=be)
        else:
            z = _ecdh_1pu.shared_secret_recipient(recipient_key, epk, sender_key, backend=be)  # type: ignore[arg-type]
        key = _derive(km, ce, z, apu, apv, parsed.tag)
        if km.direct:
            cek = key
        else:
            cek = be.aes_key_unwrap(key, encrypted_key)
            if len(cek) != ce.key_len:
                raise DecryptionError()
        plaintext = ce.decrypt(
            cek, parsed.iv, parsed.ciphertext, parsed.tag, parsed.additional_authenticated_data(), backend=be
        )
    except (InvalidKey, LowOrderPointError) as exc:
        raise DecryptionError() from exc
    return plaintext, km, ce
