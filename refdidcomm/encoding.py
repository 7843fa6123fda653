"""Text and binary codecs: base64url, base58btc, multibase, varint, multicodec, Multikey.

Every decoder here reads peer input and is strict by default: bad input raises
:class:`~refdidcomm.errors.MalformedMessage` (``field`` is ``None``; callers that
know the field re-raise with it), never ``binascii.Error``, ``ValueError`` from
the standard library, ``UnicodeError`` or ``IndexError``. A wrong argument *type*
(or an encoder given a value it cannot encode) is the caller's mistake and
raises :class:`~refdidcomm.errors.UsageError`.

Specs, in the order of this module:

* base64url -- RFC 7515 §2 "Base64url Encoding" (RFC 4648 §5 with the padding
  omitted), decoded strictly: RFC 4648 §3.5 lets decoders reject encodings
  whose pad bits are not zero, and JOSE needs that (one signature, one text).
* lenient base64 -- for out-of-band invitations only: Aries RFC 0434 "the
  base64url decode implementation used MUST correctly decode padded and
  unpadded base64URL encoded data", and both alphabets are in circulation.
* base58btc -- draft-msporny-base58-03 (the Bitcoin alphabet).
* multibase -- multiformats/multibase: ``z`` base58btc, ``u`` base64url (no
  padding), ``f`` base16 lower case.
* unsigned varint -- multiformats/unsigned-varint: LEB128, minimal encoding,
  at most 9 bytes.
* multicodec -- multiformats/multicodec ``table.csv``.
* Multikey -- base58btc multibase of a multicodec-prefixed key, as did:key and
  did:peer use it; EC public keys only in SEC1 compressed form.

Deviations: none known. Choices where a spec leaves room are stated where they
are made (lenient base64 and non-canonical bits; uncompressed points).
"""

from __future__ import annotations

import base64
import binascii
import string
import sys
import types
from typing import Mapping, NamedTuple, Optional, Tuple, Union

from .errors import MalformedMessage, UsageError

__all__ = [
    "b64url_encode",
    "b64url_decode",
    "LenientB64",
    "b64_decode_lenient",
    "b58encode",
    "b58decode",
    "B58_MAX_LEN",
    "MULTIKEY_MAX_LEN",
    "multibase_encode",
    "multibase_decode",
    "varint_encode",
    "varint_decode",
    "MULTICODEC",
    "MULTIKEY_LENGTHS",
    "multicodec_wrap",
    "multicodec_unwrap",
    "multikey_encode",
    "multikey_decode",
]

BytesLike = Union[bytes, bytearray, memoryview]


def _bytes_arg(data: object, name: str) -> bytes:
    """Return ``data`` as bytes, or raise UsageError for a non-bytes argument."""
    if type(data) is bytes:
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        # The buffer's octets, read through memoryview: never through a
        # subclass's own __bytes__ or __len__ (the native codec must see the
        # same octets as this module).
        return bytes(memoryview(data))
    raise UsageError(f"{name} must be bytes, not {type(data).__name__}")


def _ascii_arg(text: object) -> bytes:
    """Return a base64 text argument as ASCII bytes.

    A ``str`` with any non-ASCII character cannot be base64 of anything:
    that is malformed peer input, reported as an invalid character (never a
    ``UnicodeEncodeError``). Bytes are taken as they are; any byte outside the
    alphabet is then rejected by the caller.
    """
    if isinstance(text, str):
        text = str.__str__(text)  # an exact str: a subclass's overrides are not called
        if not text.isascii():
            raise MalformedMessage("invalid character")
        return text.encode("ascii")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return text if type(text) is bytes else bytes(memoryview(text))
    raise UsageError(f"expected str or bytes, not {type(text).__name__}")


# ---------------------------------------------------------------------------
# base64 and base64url: RFC 4648 §4 (Table 1) and §5 (Table 2).
# Values 0..61 are A-Z, a-z, 0-9 in both; 62 and 63 are '+' '/' in base64 and
# '-' '_' in base64url. '=' is the pad character (§3.2).

_ALPHANUMERIC = string.ascii_uppercase + string.ascii_lowercase + string.digits
B64URL_ALPHABET = (_ALPHANUMERIC + "-_").encode("ascii")
B64_ALPHABET = (_ALPHANUMERIC + "+/").encode("ascii")
_EITHER_ALPHABET = B64URL_ALPHABET + b"+/"


_TO_URL = bytes.maketrans(b"+/", b"-_")
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_PADDING = (b"", b"", b"==", b"=")  # by len % 4 (1 is an impossible length)
# binascii.a2b_base64(strict_mode=True), new in Python 3.11, refuses every
# character outside the alphabet; older versions take the three-pass path.
_STRICT_A2B = sys.version_info >= (3, 11)


# Characters whose value has non-zero low bits where a final group of 2 (3)
# characters leaves 4 (2) bits unused (RFC 4648 §3.5).
_NONZERO_PAD_BITS = {
    2: frozenset(c for i, c in enumerate(B64URL_ALPHABET) if i & 0b1111),
    3: frozenset(c for i, c in enumerate(B64URL_ALPHABET) if i & 0b11),
}


def b64url_encode(data: BytesLike) -> str:
    """Encode bytes as base64url without padding.

    Args:
        data: any number of bytes.

    Returns:
        ``ceil(4 * len(data) / 3)`` characters of the URL-safe alphabet, no ``=``.

    Raises:
        UsageError: ``data`` is not bytes-like.

    Spec: RFC 7515 §2 "Base64url Encoding": RFC 4648 §5 "with all trailing '='
    characters omitted".
    """
    raw = _bytes_arg(data, "data")
    # base64.urlsafe_b64encode is b2a_base64 then this translation; called directly.
    return binascii.b2a_base64(raw, newline=False).translate(_TO_URL).rstrip(b"=").decode("ascii")


def _check_length_and_pad_bits(body: bytes, alphabet: bytes) -> None:
    """Reject an impossible length and non-zero pad bits (RFC 4648 §3.5, §4).

    A final quantum of 8 bits is 2 characters (12 bits, the low 4 unused); of
    16 bits, 3 characters (18 bits, the low 2 unused). One character alone (6
    bits) cannot hold a byte: RFC 7515 Appendix C calls a remainder of 1
    "illegal".
    """
    remainder = len(body) % 4
    if remainder == 1:
        raise MalformedMessage("impossible length")
    if remainder:
        unused_bits = 4 if remainder == 2 else 2
        last_value = alphabet.index(body[-1])
        # RFC 4648 §3.5: "decoders MAY chose to reject an encoding if the pad
        # bits have not been set to zero" -- we do.
        if last_value & ((1 << unused_bits) - 1):
            raise MalformedMessage("non-canonical trailing bits")


def b64url_decode(text: Union[str, BytesLike]) -> bytes:
    """Decode JOSE base64url strictly.

    Accepted: only the URL-safe alphabet, no padding, no whitespace or line
    breaks (RFC 7515 §2: "without the inclusion of any line breaks,
    whitespace, or other additional characters"), a length that is not 1 mod
    4, and zero pad bits in the last character, so that each byte string has
    exactly one encoding.

    Args:
        text: the encoded text, as ``str`` or ASCII bytes.

    Returns:
        The decoded bytes (``3 * len(text) // 4`` of them).

    Raises:
        MalformedMessage: ``"padding not allowed"``, ``"invalid character"``
            (also any non-ASCII character), ``"impossible length"`` or
            ``"non-canonical trailing bits"``; ``field`` is ``None``.
        UsageError: ``text`` is neither ``str`` nor bytes-like.

    Spec: RFC 7515 §2 and Appendix C; RFC 4648 §5; RFC 4648 §3.5 (canonical
    encoding). Motivation: a JWS signature differing from a valid one only in
    the pad bits of its last character must not verify (the didcomm-rust
    vector ``FROM_PRIOR_JWT_INVALID_SIGNATURE``).
    """
    if type(text) is str and text.isascii():
        raw = text.encode("ascii")
    else:
        raw = _ascii_arg(text)
    remainder = len(raw) % 4
    if _STRICT_A2B and remainder != 1 and b"=" not in raw and b"+" not in raw and b"/" not in raw:
        # Fast path, one pass: with '+', '/' and '=' absent, mapping '-' '_' to
        # '+' '/' and decoding in binascii's strict mode accepts exactly the
        # base64url alphabet. Any failure falls through to the checks below,
        # which name the reason. The pad-bit rule of _check_length_and_pad_bits,
        # by table: the last character of 2 (3) must have its low 4 (2) bits zero.
        try:
            decoded = binascii.a2b_base64(raw.translate(_TO_STANDARD) + _PADDING[remainder], strict_mode=True)
        except binascii.Error:
            pass
        else:
            if remainder and raw[-1] in _NONZERO_PAD_BITS[remainder]:
                raise MalformedMessage("non-canonical trailing bits")
            return decoded
    outside = raw.translate(None, B64URL_ALPHABET)
    if outside:
        if b"=" in outside:
            raise MalformedMessage("padding not allowed")
        raise MalformedMessage("invalid character")
    _check_length_and_pad_bits(raw, B64URL_ALPHABET)
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


class LenientB64(NamedTuple):
    """What :func:`b64_decode_lenient` decoded, and which variant it saw."""

    data: bytes
    alphabet: str  # "url" (RFC 4648 §5) or "standard" (RFC 4648 §4)
    padded: bool


def b64_decode_lenient(text: Union[str, BytesLike]) -> LenientB64:
    """Decode base64 or base64url, padded or not, for invitations.

    Accepted variations, and only these: either alphabet (RFC 4648 §4 ``+/``
    or §5 ``-_``, but not both in one string), and either no padding or the
    exact padding RFC 4648 §3.2 prescribes (``=`` or ``==`` at the end making
    the length a multiple of 4).

    Still rejected: any other character (whitespace, ``%``), mixed alphabets,
    wrong or misplaced padding, impossible lengths, and non-zero pad bits.

    Choices:

    * Percent-decoding belongs to the URL layer. A URL may carry ``%3D`` for
      ``=`` (or, after ``application/x-www-form-urlencoded`` decoding, a space
      for a ``+``); the out-of-band URL parser undoes that and hands this
      function pure base64. Here ``%`` is just an invalid character.
    * Non-canonical pad bits are rejected here too. RFC 4648 §3.5 lets a
      decoder choose ("decoders MAY chose to reject an encoding if the pad
      bits have not been set to zero"); the leniency RFC 0434 asks for is about
      padding and alphabet, and no conforming encoder sets pad bits (§3.5:
      "the pad bits MUST be set to zero by conforming encoders"), so accepting
      them would gain no interoperability, only a second spelling of the same
      invitation.
    * A string that uses neither ``-_`` nor ``+/`` is reported as ``"url"``,
      the alphabet RFC 0434 names; it decodes identically under both.

    Args:
        text: the encoded text, as ``str`` or ASCII bytes.

    Returns:
        ``LenientB64(data, alphabet, padded)``; ``alphabet`` is ``"url"`` or
        ``"standard"``, ``padded`` says whether ``=`` padding was present.

    Raises:
        MalformedMessage: ``"invalid character"``, ``"mixed base64 alphabets"``,
            ``"misplaced padding"``, ``"incorrect padding"``,
            ``"impossible length"`` or ``"non-canonical trailing bits"``.
        UsageError: ``text`` is neither ``str`` nor bytes-like.

    Spec: Aries RFC 0434 "Out-of-Band Message Processing"; RFC 4648 §3.2,
    §3.5, §4, §5.
    """
    raw = _ascii_arg(text)
    body = raw.rstrip(b"=")
    pad_length = len(raw) - len(body)
    outside = body.translate(None, _EITHER_ALPHABET)
    if outside:
        if b"=" in outside:
            raise MalformedMessage("misplaced padding")
        raise MalformedMessage("invalid character")
    uses_url = bool(body.translate(None, B64_ALPHABET))  # '-' or '_' left over
    uses_standard = bool(body.translate(None, B64URL_ALPHABET))  # '+' or '/'
    if uses_url and uses_standard:
        raise MalformedMessage("mixed base64 alphabets")
    if len(body) % 4 == 1:
        raise MalformedMessage("impossible length")
    if pad_length and pad_length != -len(body) % 4:
        raise MalformedMessage("incorrect padding")
    alphabet = B64_ALPHABET if uses_standard else B64URL_ALPHABET
    _check_length_and_pad_bits(body, alphabet)
    padded_body = body + b"=" * (-len(body) % 4)
    if uses_standard:
        data = base64.standard_b64decode(padded_body)
    else:
        data = base64.urlsafe_b64decode(padded_body)
    return LenientB64(data, "standard" if uses_standard else "url", pad_length > 0)


# ---------------------------------------------------------------------------
# base58btc: draft-msporny-base58-03 §2 "The Base58 Alphabet" (the Bitcoin
# alphabet: digits and letters without 0, O, I and l).

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUE = {character: value for value, character in enumerate(B58_ALPHABET)}


def b58encode(data: BytesLike) -> str:
    """Encode bytes as base58btc.

    Each leading zero byte becomes a leading ``'1'`` (the zero digit); the rest
    is the big-endian integer written in base 58. Every byte string has exactly
    one encoding and every alphabet string decodes, so base58 has no
    non-canonical forms to reject.

    Args:
        data: any number of bytes.

    Returns:
        The base58btc text (``""`` for no bytes).

    Raises:
        UsageError: ``data`` is not bytes-like.

    Spec: draft-msporny-base58-03 §3 "The Base58 Encoding Algorithm".
    Quadratic in the length, as the draft's algorithm is; meant for keys and
    identifiers.
    """
    raw = _bytes_arg(data, "data")
    zeros = len(raw) - len(raw.lstrip(b"\x00"))
    value = int.from_bytes(raw, "big")
    digits = []
    while value:
        value, digit = divmod(value, 58)
        digits.append(B58_ALPHABET[digit])
    return "1" * zeros + "".join(reversed(digits))


#: The default limit of :func:`b58decode`, in characters. The draft's
#: decoding is quadratic in the length (about 8.5 s for 200,000 characters),
#: and base58 text often comes from peers (did:key, verkeys, kids). Every use
#: in refdidcomm is a key, a signature or a multihash: the longest, a
#: multicodec-wrapped 133-byte uncompressed P-521 point, is under 190
#: characters, so 4096 leaves ample room and bounds the work at a few ms.
B58_MAX_LEN = 4096

#: The limit :func:`multikey_decode` applies to the whole Multikey string:
#: the longest key it accepts (a 66-byte P-521 scalar or 67-byte compressed
#: point behind a 2-byte varint) is about 95 characters; 256 also lets the
#: 133-byte uncompressed points through to their precise rejection reason.
MULTIKEY_MAX_LEN = 256


def b58decode(text: str, *, max_len: int = B58_MAX_LEN) -> bytes:
    """Decode base58btc.

    Args:
        text: base58btc text.
        max_len: the longest ``text`` accepted, in characters (default
            :data:`B58_MAX_LEN`); checked before any decoding work.

    Returns:
        The bytes: one zero byte per leading ``'1'``, then the big-endian value
        of the remaining digits.

    Raises:
        MalformedMessage: ``"invalid character"`` (anything outside the
            alphabet, including whitespace and non-ASCII); ``"longer than
            max_len"``.
        UsageError: ``text`` is not a ``str``; ``max_len`` is not a
            non-negative int.

    Spec: draft-msporny-base58-03 §4 "The Base58 Decoding Algorithm".
    Quadratic in the length, hence the length cap.
    """
    if not isinstance(text, str):
        raise UsageError(f"text must be str, not {type(text).__name__}")
    if not isinstance(max_len, int) or isinstance(max_len, bool) or max_len < 0:
        raise UsageError("max_len must be a non-negative int")
    if len(text) > max_len:
        raise MalformedMessage(f"base58 text of {len(text)} characters is longer than max_len ({max_len})")
    zeros = len(text) - len(text.lstrip("1"))
    value = 0
    for character in text:
        digit = _B58_VALUE.get(character)
        if digit is None:
            raise MalformedMessage("invalid character")
        value = value * 58 + digit
    return b"\x00" * zeros + value.to_bytes((value.bit_length() + 7) // 8, "big")


# ---------------------------------------------------------------------------
# multibase: multiformats/multibase multibase.csv. The prefix is the character
# (not its byte) in front of the encoded text.

_BASE16_LOWER = frozenset("0123456789abcdef")


def multibase_encode(data: BytesLike, base: str = "base58btc") -> str:
    """Encode bytes as a multibase string.

    Args:
        data: any number of bytes.
        base: ``"base58btc"`` (prefix ``z``), ``"base64url"`` (prefix ``u``,
            RFC 4648 §5 without padding) or ``"base16"`` (prefix ``f``, lower
            case).

    Returns:
        The prefix character followed by the encoded text.

    Raises:
        UsageError: ``data`` is not bytes-like or ``base`` is not one of the
            three.

    Spec: multiformats/multibase, ``multibase.csv``.
    """
    raw = _bytes_arg(data, "data")
    if base == "base58btc":
        return "z" + b58encode(raw)
    if base == "base64url":
        return "u" + b64url_encode(raw)
    if base == "base16":
        return "f" + raw.hex()
    raise UsageError(f"unsupported multibase encoding {base!r}")


def multibase_decode(text: str) -> bytes:
    """Decode a multibase string with prefix ``z``, ``u`` or ``f``.

    ``u`` bodies are decoded with the strict :func:`b64url_decode` (the
    multibase table says "rfc4648 no padding"; padded base64url has its own
    prefix ``U``, not accepted here). ``f`` bodies must be lower case and of
    even length (upper-case base16 is prefix ``F``, not accepted here).

    Args:
        text: the multibase string.

    Returns:
        The decoded bytes.

    Raises:
        MalformedMessage: empty string, unknown prefix, or a body the named
            base rejects.
        UsageError: ``text`` is not a ``str``.

    Spec: multiformats/multibase, ``multibase.csv``.
    """
    if not isinstance(text, str):
        raise UsageError(f"text must be str, not {type(text).__name__}")
    if not text:
        raise MalformedMessage("empty multibase string")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        return b64url_decode(body)
    if prefix == "f":
        if not _BASE16_LOWER.issuperset(body):
            raise MalformedMessage("invalid character")
        if len(body) % 2:
            raise MalformedMessage("impossible length")
        return bytes.fromhex(body)
    raise MalformedMessage(f"unknown multibase prefix {prefix!r}")


# ---------------------------------------------------------------------------
# unsigned varint: multiformats/unsigned-varint README. 7 bits per byte, least
# significant group first, msb = "another byte follows"; "Implementations
# MUST restrict the size of the varint to a max of 9 bytes (63 bits)"; and
# "Leading zeros must be trimmed when encoding and must be rejected when
# decoding. The only number that can end in 0x0 is 0x0."

VARINT_MAX_BYTES = 9
VARINT_MAX_VALUE = (1 << (7 * VARINT_MAX_BYTES)) - 1  # 2**63 - 1


def varint_encode(n: int) -> bytes:
    """Encode a non-negative integer as a minimal unsigned varint.

    Args:
        n: ``0 <= n < 2**63``.

    Returns:
        1 to 9 bytes.

    Raises:
        UsageError: ``n`` is not an ``int`` (``bool`` included) or out of range.

    Spec: multiformats/unsigned-varint.
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise UsageError(f"varint value must be int, not {type(n).__name__}")
    if not 0 <= n <= VARINT_MAX_VALUE:
        raise UsageError("varint value must be in 0 .. 2**63 - 1")
    out = bytearray()
    while True:
        group = n & 0x7F
        n >>= 7
        if n:
            out.append(group | 0x80)
        else:
            out.append(group)
            return bytes(out)


def varint_decode(data: BytesLike) -> Tuple[int, int]:
    """Decode the unsigned varint at the start of ``data``.

    Bytes after the varint are left alone; the second result says where they
    start.

    Args:
        data: bytes beginning with a varint (1 to 9 bytes long).

    Returns:
        ``(value, consumed)``: the value and the number of varint bytes.

    Raises:
        MalformedMessage: ``"truncated varint"`` (empty, or the last byte
            available still has its continuation bit), ``"varint longer than
            9 bytes"``, or ``"non-minimal varint"`` (a final ``0x00`` group
            after other groups, e.g. ``80 00``).
        UsageError: ``data`` is not bytes-like.

    Spec: multiformats/unsigned-varint.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        head = bytes(memoryview(data)[:VARINT_MAX_BYTES])
    else:
        raise UsageError(f"data must be bytes, not {type(data).__name__}")
    value = 0
    for index, byte in enumerate(head):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if byte == 0 and index > 0:
                raise MalformedMessage("non-minimal varint")
            return value, index + 1
    if len(head) == VARINT_MAX_BYTES:
        raise MalformedMessage("varint longer than 9 bytes")
    raise MalformedMessage("truncated varint")


# ---------------------------------------------------------------------------
# multicodec: multiformats/multicodec table.csv (checked at commit
# 001bc63bb9b1c49231bbe974050e299b6f467a57). Names and codes as the table
# spells them; the table's tags are in the comments.

MULTICODEC: Mapping[str, int] = types.MappingProxyType(
    {
        "identity": 0x00,  # multihash, "raw binary"
        "sha2-256": 0x12,  # multihash
        "secp256k1-pub": 0xE7,  # key, "Secp256k1 public key (compressed)"
        "x25519-pub": 0xEC,  # key, "Curve25519 public key"
        "ed25519-pub": 0xED,  # key, "Ed25519 public key"
        "json": 0x0200,  # "JSON (UTF-8-encoded)"
        "p256-pub": 0x1200,  # key, "P-256 public Key (compressed)"
        "p384-pub": 0x1201,  # key, "P-384 public Key (compressed)"
        "p521-pub": 0x1202,  # key, "P-521 public Key (compressed)"
        "ed25519-priv": 0x1300,  # key
        "secp256k1-priv": 0x1301,  # key
        "x25519-priv": 0x1302,  # key, "Curve25519 private key"
        "p256-priv": 0x1306,  # key
        "p384-priv": 0x1307,  # key
        "p521-priv": 0x1308,  # key
    }
)
_MULTICODEC_NAME = {code: name for name, code in MULTICODEC.items()}


def _field_bytes(bits: int) -> int:
    """Octets of a field element: SEC1 §2.3.5, ceil(log2(p) / 8)."""
    return (bits + 7) // 8


def _compressed_point_bytes(bits: int) -> int:
    """A SEC1 §2.3.3 compressed point: one 0x02/0x03 octet and the x coordinate."""
    return 1 + _field_bytes(bits)


# Key lengths a Multikey must have. Ed25519 and X25519 keys are 32 bytes
# (RFC 8032 §5.1.5, RFC 7748 §5); EC public keys are SEC1 compressed points
# (the multicodec table says "(compressed)", and the W3C ECDSA Multikey text
# requires "the 33-byte compressed public key data" for P-256); EC private
# keys are one field-sized scalar.
MULTIKEY_LENGTHS: Mapping[str, int] = types.MappingProxyType(
    {
        "ed25519-pub": 32,
        "x25519-pub": 32,
        "secp256k1-pub": _compressed_point_bytes(256),  # 33
        "p256-pub": _compressed_point_bytes(256),  # 33
        "p384-pub": _compressed_point_bytes(384),  # 49
        "p521-pub": _compressed_point_bytes(521),  # 67
        "ed25519-priv": 32,
        "x25519-priv": 32,
        "secp256k1-priv": _field_bytes(256),  # 32
        "p256-priv": _field_bytes(256),  # 32
        "p384-priv": _field_bytes(384),  # 48
        "p521-priv": _field_bytes(521),  # 66
    }
)
_COMPRESSED_POINT_CODECS = frozenset({"secp256k1-pub", "p256-pub", "p384-pub", "p521-pub"})


def multicodec_wrap(name: str, data: BytesLike) -> bytes:
    """Prefix ``data`` with the varint code of the multicodec ``name``.

    Args:
        name: a name in :data:`MULTICODEC`.
        data: the payload, any length.

    Returns:
        ``varint(code) || data``.

    Raises:
        UsageError: unknown ``name``, or ``data`` not bytes-like.

    Spec: multiformats/multicodec (``table.csv``; prefixes are unsigned
    varints).
    """
    if not isinstance(name, str) or name not in MULTICODEC:
        raise UsageError(f"unknown multicodec name {name!r}")
    return varint_encode(MULTICODEC[name]) + _bytes_arg(data, "data")


def multicodec_unwrap(data: BytesLike) -> Tuple[str, bytes]:
    """Split a multicodec-prefixed byte string into its codec name and payload.

    Args:
        data: ``varint(code) || payload``.

    Returns:
        ``(name, payload)``.

    Raises:
        MalformedMessage: the varint is truncated, too long or non-minimal, or
            the code is not in :data:`MULTICODEC` (``"unknown multicodec
            0x..."``).
        UsageError: ``data`` is not bytes-like.

    Spec: multiformats/multicodec.
    """
    code, consumed = varint_decode(data)
    name = _MULTICODEC_NAME.get(code)
    if name is None:
        raise MalformedMessage(f"unknown multicodec 0x{code:x}")
    return name, bytes(memoryview(data)[consumed:])


def _key_problem(name: str, key: bytes) -> Optional[str]:
    """Say what is wrong with ``key`` as a Multikey of codec ``name``, or None."""
    expected = MULTIKEY_LENGTHS[name]
    if name in _COMPRESSED_POINT_CODECS:
        uncompressed = 1 + 2 * (expected - 1)
        if len(key) == uncompressed:
            return f"{name} key is an uncompressed point; only the compressed form is allowed"
        if len(key) == expected and key[0] not in (0x02, 0x03):
            return f"{name} key is not a compressed point (first byte must be 0x02 or 0x03)"
    if len(key) != expected:
        return f"{name} key must be {expected} bytes, got {len(key)}"
    return None


def multikey_encode(name: str, key_bytes: BytesLike) -> str:
    """Encode a key as a Multikey: base58btc multibase of the multicodec-wrapped key.

    Args:
        name: a key codec in :data:`MULTIKEY_LENGTHS` (e.g. ``"ed25519-pub"``).
        key_bytes: the raw key: 32 bytes for Ed25519/X25519, a 33/49/67-byte
            compressed point for secp256k1/P-256, P-384, P-521 public keys, a
            32/48/66-byte scalar for EC private keys.

    Returns:
        ``"z" + base58btc(varint(code) || key_bytes)``, as in did:key.

    Raises:
        UsageError: ``name`` is not a key codec, or ``key_bytes`` has the wrong
            length or is not a compressed point.

    Spec: did:key (w3c-ccg/did-method-key) and the Multikey format; lengths as
    in :data:`MULTIKEY_LENGTHS`.
    """
    if not isinstance(name, str) or name not in MULTIKEY_LENGTHS:
        raise UsageError(f"{name!r} is not a key multicodec")
    key = _bytes_arg(key_bytes, "key_bytes")
    problem = _key_problem(name, key)
    if problem is not None:
        raise UsageError(problem)
    return multibase_encode(multicodec_wrap(name, key), "base58btc")


def multikey_decode(text: str) -> Tuple[str, bytes]:
    """Decode a Multikey (e.g. the method-specific id of a did:key).

    Only compressed EC points are accepted: did:key and the Multikey format
    encode public EC keys compressed (the multicodec table labels
    ``p256-pub``, ``p384-pub``, ``p521-pub`` and ``secp256k1-pub``
    "(compressed)"), so an uncompressed 65/97/133-byte point is rejected
    with a reason that says so. Whether the point is on the curve is for the
    crypto layer to check.

    Args:
        text: ``"z"`` followed by base58btc text, at most
            :data:`MULTIKEY_MAX_LEN` characters in all.

    Returns:
        ``(codec name, raw key bytes)``.

    Raises:
        MalformedMessage: longer than :data:`MULTIKEY_MAX_LEN` (checked
            first), not base58btc multibase, bad base58 or varint, an
            unknown or non-key codec, a wrong key length, an uncompressed or
            malformed compressed point.
        UsageError: ``text`` is not a ``str``.

    Spec: did:key (w3c-ccg/did-method-key), multiformats/multibase,
    multiformats/multicodec.
    """
    if not isinstance(text, str):
        raise UsageError(f"text must be str, not {type(text).__name__}")
    if len(text) > MULTIKEY_MAX_LEN:
        raise MalformedMessage(f"Multikey of {len(text)} characters is longer than {MULTIKEY_MAX_LEN}")
    if not text.startswith("z"):
        raise MalformedMessage("Multikey must be base58btc multibase (prefix 'z')")
    name, key = multicodec_unwrap(multibase_decode(text))
    if name not in MULTIKEY_LENGTHS:
        raise MalformedMessage(f"multicodec {name} is not a key type")
    problem = _key_problem(name, key)
    if problem is not None:
        raise MalformedMessage(problem)
    return name, key
