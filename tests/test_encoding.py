"""Tests for refdidcomm.encoding: vectors/codecs.json, round trips, every error path."""

from __future__ import annotations

import base64
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refdidcomm import encoding
from refdidcomm.encoding import (
    MULTICODEC,
    MULTIKEY_LENGTHS,
    LenientB64,
    b58decode,
    b58encode,
    b64_decode_lenient,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
    multicodec_unwrap,
    multicodec_wrap,
    multikey_decode,
    multikey_encode,
    varint_decode,
    varint_encode,
)
from refdidcomm.errors import MalformedMessage, RefDIDCommError, UsageError

from conftest import load_vectors

VECTORS = load_vectors("codecs")
SIZES = [0, 1, 2, 3, 15, 16, 17, 63, 64, 65]


def cases(op: str, result: str):
    selected = [c for c in VECTORS["cases"] if c["op"] == op and c["result"] == result]
    assert selected, f"no {result} {op} vectors"
    return pytest.mark.parametrize("case", selected, ids=[f"tc{c['tcId']}" for c in selected])


# The reason each negative family must produce (exact strings of the contract).
REASONS = {
    "b64url": {
        "Padding": {"padding not allowed"},
        "InvalidCharacter": {"invalid character"},
        "ImpossibleLength": {"impossible length"},
        "NonCanonical": {"non-canonical trailing bits"},
    },
    "b64_lenient": {
        "Padding": {"incorrect padding", "misplaced padding"},
        "InvalidCharacter": {"invalid character"},
        "ImpossibleLength": {"impossible length"},
        "NonCanonical": {"non-canonical trailing bits"},
        "MixedAlphabet": {"mixed base64 alphabets"},
    },
    "base58": {"InvalidCharacter": {"invalid character"}},
    "multibase": {
        "Empty": {"empty multibase string"},
        "Padding": {"padding not allowed"},
        "InvalidCharacter": {"invalid character"},
        "ImpossibleLength": {"impossible length"},
    },
    "varint": {
        "Truncated": {"truncated varint"},
        "NonMinimal": {"non-minimal varint"},
        "TooLong": {"varint longer than 9 bytes"},
    },
}

# Multikey reasons carry the codec name, so these are substrings.
MULTIKEY_REASON_PARTS = {
    "Uncompressed": "uncompressed point",
    "WrongLength": "key must be",
    "NotCompressed": "0x02 or 0x03",
    "UnknownCodec": "unknown multicodec",
    "NotAKey": "is not a key type",
    "NonMinimal": "non-minimal varint",
    "Truncated": "truncated varint",
    "NotBase58": "base58btc",
    "InvalidCharacter": "invalid character",
}


def expect_reason(op: str, case: dict, exc: MalformedMessage) -> None:
    (flag,) = case["flags"]
    if op == "multibase" and flag == "UnknownPrefix":
        assert exc.reason.startswith("unknown multibase prefix")
    else:
        assert exc.reason in REASONS[op][flag], (flag, exc.reason)
    assert exc.field is None


# ---------------------------------------------------------------------------
# Vectors


def test_vector_header_is_complete():
    header = VECTORS["header"]
    for key in ("name", "source", "generator", "verified_against", "notes"):
        assert header[key]
    assert header["name"] == "codecs"
    assert [c["tcId"] for c in VECTORS["cases"]] == list(range(1, len(VECTORS["cases"]) + 1))


@cases("b64url", "valid")
def test_b64url_valid(case):
    data = bytes.fromhex(case["data"])
    assert b64url_decode(case["text"]) == data
    assert b64url_decode(case["text"].encode("ascii")) == data
    assert b64url_encode(data) == case["text"]


@cases("b64url", "invalid")
def test_b64url_invalid(case):
    with pytest.raises(MalformedMessage) as info:
        b64url_decode(case["text"])
    expect_reason("b64url", case, info.value)


def test_from_prior_signature_pad_bits_motivation():
    """The two didcomm-rust signatures are the same bytes under a lenient decoder."""
    (good,) = [c for c in VECTORS["cases"] if c["op"] == "b64url" and "FROM_PRIOR_JWT_FULL" in c["comment"]]
    (bad,) = [c for c in VECTORS["cases"] if "FROM_PRIOR_JWT_INVALID_SIGNATURE" in c["comment"]]
    assert good["text"][:-1] == bad["text"][:-1]
    assert base64.urlsafe_b64decode(bad["text"] + "==") == bytes.fromhex(good["data"])
    with pytest.raises(MalformedMessage, match="non-canonical trailing bits"):
        b64url_decode(bad["text"])
    with pytest.raises(MalformedMessage, match="non-canonical trailing bits"):
        b64_decode_lenient(bad["text"])


@cases("b64_lenient", "valid")
def test_b64_lenient_valid(case):
    got = b64_decode_lenient(case["text"])
    assert isinstance(got, LenientB64)
    assert got == (bytes.fromhex(case["data"]), case["alphabet"], case["padded"])
    assert got.data == bytes.fromhex(case["data"])
    assert got.alphabet == case["alphabet"]
    assert got.padded is case["padded"]


@cases("b64_lenient", "invalid")
def test_b64_lenient_invalid(case):
    with pytest.raises(MalformedMessage) as info:
        b64_decode_lenient(case["text"])
    expect_reason("b64_lenient", case, info.value)


def test_lenient_invitation_payloads_are_json():
    import json

    for case in VECTORS["cases"]:
        if case["op"] == "b64_lenient" and "Aries RFC" in case["comment"]:
            decoded = json.loads(b64_decode_lenient(case["text"]).data)
            assert decoded["@type"].endswith("/invitation")


@cases("base58", "valid")
def test_base58_valid(case):
    data = bytes.fromhex(case["data"])
    assert b58decode(case["text"]) == data
    assert b58encode(data) == case["text"]


@cases("base58", "invalid")
def test_base58_invalid(case):
    with pytest.raises(MalformedMessage) as info:
        b58decode(case["text"])
    expect_reason("base58", case, info.value)


@cases("multibase", "valid")
def test_multibase_valid(case):
    data = bytes.fromhex(case["data"])
    assert multibase_decode(case["text"]) == data
    base = {"z": "base58btc", "u": "base64url", "f": "base16"}[case["text"][0]]
    assert multibase_encode(data, base) == case["text"]


@cases("multibase", "invalid")
def test_multibase_invalid(case):
    with pytest.raises(MalformedMessage) as info:
        multibase_decode(case["text"])
    expect_reason("multibase", case, info.value)


@cases("varint", "valid")
def test_varint_valid(case):
    if "data" in case:
        assert varint_decode(bytes.fromhex(case["data"])) == (case["value"], case["consumed"])
        return
    encoded = bytes.fromhex(case["varint"])
    assert varint_encode(case["value"]) == encoded
    assert varint_decode(encoded) == (case["value"], len(encoded))


@cases("varint", "invalid")
def test_varint_invalid(case):
    with pytest.raises(MalformedMessage) as info:
        varint_decode(bytes.fromhex(case["varint"]))
    expect_reason("varint", case, info.value)


@cases("multikey", "valid")
def test_multikey_valid(case):
    key = bytes.fromhex(case["key"])
    assert multikey_decode(case["text"]) == (case["codec"], key)
    assert multikey_encode(case["codec"], key) == case["text"]
    assert len(key) == MULTIKEY_LENGTHS[case["codec"]]
    # The multibase/multicodec layers agree with the one-call helper.
    assert multicodec_unwrap(multibase_decode(case["text"])) == (case["codec"], key)


def test_multikey_vectors_cover_every_public_key_codec():
    seen = {c["codec"] for c in VECTORS["cases"] if c["op"] == "multikey" and c["result"] == "valid"}
    assert seen == {"ed25519-pub", "x25519-pub", "p256-pub", "p384-pub", "p521-pub", "secp256k1-pub"}


@cases("multikey", "invalid")
def test_multikey_invalid(case):
    with pytest.raises(MalformedMessage) as info:
        multikey_decode(case["text"])
    (flag,) = case["flags"]
    assert MULTIKEY_REASON_PARTS[flag] in info.value.reason


# ---------------------------------------------------------------------------
# base64url details


@pytest.mark.parametrize("size", SIZES)
def test_b64url_sizes(size):
    data = bytes(range(256))[:size] if size else b""
    text = b64url_encode(data)
    assert "=" not in text
    assert len(text) == (4 * size + 2) // 3
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert b64url_decode(text) == data


def test_b64url_accepts_bytes_like():
    assert b64url_encode(bytearray(b"foo")) == "Zm9v"
    assert b64url_encode(memoryview(b"foo")) == "Zm9v"
    assert b64url_decode(bytearray(b"Zm9v")) == b"foo"
    assert b64url_decode(memoryview(b"Zm9v")) == b"foo"


@pytest.mark.parametrize("raw", [b"Zm9v\xff", b"\x80", b"Zm9v\x00"])
def test_b64url_non_ascii_bytes(raw):
    with pytest.raises(MalformedMessage, match="invalid character"):
        b64url_decode(raw)


@pytest.mark.parametrize("text", ["Zm9v\u00e9", "\U0001F600", "\ud800", "Zg\u3000"])
def test_b64url_non_ascii_str_is_malformed_not_unicode_error(text):
    with pytest.raises(MalformedMessage, match="invalid character"):
        b64url_decode(text)
    with pytest.raises(MalformedMessage, match="invalid character"):
        b64_decode_lenient(text)


def test_every_last_character_of_a_two_character_tail():
    """Exactly 4 of 64 characters end a 2-character tail canonically (4 unused bits)."""
    alphabet = encoding.B64URL_ALPHABET.decode()
    canonical = []
    for ch in alphabet:
        try:
            b64url_decode("Z" + ch)
            canonical.append(ch)
        except MalformedMessage as exc:
            assert exc.reason == "non-canonical trailing bits"
    assert canonical == ["A", "Q", "g", "w"]


def test_every_last_character_of_a_three_character_tail():
    """Exactly 16 of 64 characters end a 3-character tail canonically (2 unused bits)."""
    alphabet = encoding.B64URL_ALPHABET.decode()
    canonical = [ch for ch in alphabet if _decodes("Zm" + ch)]
    assert len(canonical) == 16
    assert all(alphabet.index(ch) % 4 == 0 for ch in canonical)


def _decodes(text: str) -> bool:
    try:
        b64url_decode(text)
    except MalformedMessage:
        return False
    return True


def test_lenient_agrees_with_strict_on_strict_input():
    for size in SIZES:
        text = b64url_encode(bytes([0xFB, 0xFF]) * size)
        assert b64_decode_lenient(text).data == b64url_decode(text)
        assert b64_decode_lenient(text).padded is False


# ---------------------------------------------------------------------------
# base58, multibase


@pytest.mark.parametrize("size", SIZES)
def test_b58_sizes(size):
    for data in (bytes(size), bytes(range(1, size + 1)), b"\x00" + bytes([0xFF]) * size):
        assert b58decode(b58encode(data)) == data
    assert b58encode(bytes(size)) == "1" * size


@pytest.mark.parametrize("base,prefix", [("base58btc", "z"), ("base64url", "u"), ("base16", "f")])
@pytest.mark.parametrize("size", SIZES)
def test_multibase_sizes(base, prefix, size):
    data = bytes(range(size))
    text = multibase_encode(data, base)
    assert text[0] == prefix
    assert multibase_decode(text) == data


def test_multibase_default_is_base58btc():
    assert multibase_encode(b"Hello World!") == "z2NEpo7TZRRrLZSi2U"


def test_multibase_unknown_prefix_reason_names_it():
    with pytest.raises(MalformedMessage, match="unknown multibase prefix 'b'"):
        multibase_decode("bafy")


# ---------------------------------------------------------------------------
# varint, multicodec


def test_varint_boundaries():
    for bits in range(0, 64, 7):
        n = (1 << bits) - 1 if bits else 0
        encoded = varint_encode(n)
        assert len(encoded) == max(1, -(-bits // 7))
        assert varint_decode(encoded) == (n, len(encoded))
        if bits and bits < 63:
            m = 1 << bits
            assert varint_decode(varint_encode(m)) == (m, len(varint_encode(m)))
    assert len(varint_encode(2**63 - 1)) == 9


def test_varint_decode_does_not_read_past_nine_bytes():
    # 9 continuation bytes and more data after: reject without looking further.
    with pytest.raises(MalformedMessage, match="longer than 9 bytes"):
        varint_decode(b"\xff" * 9 + b"\x01" * 1000)


def test_varint_decode_bytes_like():
    assert varint_decode(bytearray(b"\xac\x02")) == (300, 2)
    assert varint_decode(memoryview(b"\x80\x24rest")) == (0x1200, 2)


# Codes checked against multiformats/multicodec table.csv
# @ 001bc63bb9b1c49231bbe974050e299b6f467a57.
TABLE = {
    "identity": 0x00,
    "sha2-256": 0x12,
    "secp256k1-pub": 0xE7,
    "x25519-pub": 0xEC,
    "ed25519-pub": 0xED,
    "json": 0x0200,
    "p256-pub": 0x1200,
    "p384-pub": 0x1201,
    "p521-pub": 0x1202,
    "ed25519-priv": 0x1300,
    "secp256k1-priv": 0x1301,
    "x25519-priv": 0x1302,
    "p256-priv": 0x1306,
    "p384-priv": 0x1307,
    "p521-priv": 0x1308,
}


def test_multicodec_table():
    assert dict(MULTICODEC) == TABLE
    assert isinstance(MULTICODEC, types.MappingProxyType)
    with pytest.raises(TypeError):
        MULTICODEC["ed25519-pub"] = 1  # type: ignore[index]
    assert isinstance(MULTIKEY_LENGTHS, types.MappingProxyType)


def test_multicodec_prefix_bytes_match_did_key_prefixes():
    assert multicodec_wrap("ed25519-pub", b"") == b"\xed\x01"
    assert multicodec_wrap("x25519-pub", b"") == b"\xec\x01"
    assert multicodec_wrap("secp256k1-pub", b"") == b"\xe7\x01"
    assert multicodec_wrap("p256-pub", b"") == b"\x80\x24"
    assert multicodec_wrap("p384-pub", b"") == b"\x81\x24"
    assert multicodec_wrap("p521-pub", b"") == b"\x82\x24"
    assert multicodec_wrap("ed25519-priv", b"") == b"\x80\x26"
    assert multicodec_wrap("x25519-priv", b"") == b"\x82\x26"
    assert multicodec_wrap("identity", b"x") == b"\x00x"
    assert multicodec_wrap("json", b"{}") == b"\x80\x04{}"


def test_multikey_lengths():
    assert dict(MULTIKEY_LENGTHS) == {
        "ed25519-pub": 32,
        "x25519-pub": 32,
        "secp256k1-pub": 33,
        "p256-pub": 33,
        "p384-pub": 49,
        "p521-pub": 67,
        "ed25519-priv": 32,
        "x25519-priv": 32,
        "secp256k1-priv": 32,
        "p256-priv": 32,
        "p384-priv": 48,
        "p521-priv": 66,
    }


@pytest.mark.parametrize("name", ["p256-pub", "p384-pub", "p521-pub", "secp256k1-pub"])
def test_multikey_rejects_uncompressed_points(name):
    size = MULTIKEY_LENGTHS[name] - 1
    uncompressed = b"\x04" + bytes(range(1, 2 * size + 1))[: 2 * size]
    assert len(uncompressed) in (65, 97, 133)
    text = "z" + b58encode(multicodec_wrap(name, uncompressed))
    with pytest.raises(MalformedMessage, match="uncompressed point"):
        multikey_decode(text)
    with pytest.raises(UsageError, match="uncompressed point"):
        multikey_encode(name, uncompressed)


@pytest.mark.parametrize("name", sorted(MULTIKEY_LENGTHS))
def test_multikey_wrong_lengths(name):
    n = MULTIKEY_LENGTHS[name]
    for size in sorted({0, 1, 15, 16, 17, n - 1, n + 1, 63, 64, 65} - {n}):
        if name.endswith("-pub") and name not in ("ed25519-pub", "x25519-pub") and size == 2 * n - 1:
            continue  # the uncompressed size, tested above
        key = b"\x02" + bytes(max(size - 1, 0)) if size else b""
        text = "z" + b58encode(multicodec_wrap(name, key))
        with pytest.raises(MalformedMessage):
            multikey_decode(text)
        with pytest.raises(UsageError):
            multikey_encode(name, key)


def test_multikey_decode_rejects_non_key_codecs():
    for name in ("identity", "sha2-256", "json"):
        text = multibase_encode(multicodec_wrap(name, bytes(32)))
        with pytest.raises(MalformedMessage, match="not a key type"):
            multikey_decode(text)


# ---------------------------------------------------------------------------
# Caller mistakes are UsageError (and not MalformedMessage)

USAGE_ERRORS = [
    (b64url_encode, ("text",)),
    (b64url_encode, (None,)),
    (b64url_decode, (123,)),
    (b64url_decode, (None,)),
    (b64_decode_lenient, (["Zg"],)),
    (b58encode, ("text",)),
    (b58decode, (b"2g",)),
    (b58decode, (None,)),
    (multibase_encode, ("text",)),
    (multibase_encode, (b"x", "base32")),
    (multibase_encode, (b"x", "base64")),
    (multibase_decode, (b"z2g",)),
    (varint_encode, (-1,)),
    (varint_encode, (2**63,)),
    (varint_encode, (True,)),
    (varint_encode, (1.0,)),
    (varint_encode, ("1",)),
    (varint_decode, ("01",)),
    (varint_decode, ([1],)),
    (multicodec_wrap, ("rsa-pub", b"")),
    (multicodec_wrap, (None, b"")),
    (multicodec_wrap, (["ed25519-pub"], b"")),
    (multicodec_wrap, ("ed25519-pub", "text")),
    (multicodec_unwrap, ("\xed\x01",)),
    (multikey_encode, ("json", b"{}")),
    (multikey_encode, ("rsa-pub", bytes(270))),
    (multikey_encode, ("ed25519-pub", bytes(31))),
    (multikey_encode, ("ed25519-pub", "x" * 32)),
    (multikey_encode, ("p256-pub", b"\x05" + bytes(32))),
    (multikey_encode, ("p256-pub", b"\x04" + bytes(32))),
    (multikey_decode, (b"z6Mk",)),
]


@pytest.mark.parametrize("func,args", USAGE_ERRORS, ids=lambda v: getattr(v, "__name__", None) or repr(v)[:30])
def test_usage_errors(func, args):
    with pytest.raises(UsageError) as info:
        func(*args)
    assert not isinstance(info.value, MalformedMessage)
    assert isinstance(info.value, ValueError)


def test_all_is_explicit_and_complete():
    for name in encoding.__all__:
        assert hasattr(encoding, name)
    assert "LenientB64" in encoding.__all__


# ---------------------------------------------------------------------------
# Property tests: round trips


@given(st.binary(max_size=300))
def test_b64url_round_trip(data):
    text = b64url_encode(data)
    assert b64url_decode(text) == data
    assert b64_decode_lenient(text) == (data, "url", False)


@given(st.binary(max_size=300))
def test_lenient_decodes_standard_padded_base64(data):
    text = base64.b64encode(data).decode()
    got = b64_decode_lenient(text)
    assert got.data == data
    assert got.padded is (len(data) % 3 != 0)
    if "+" in text or "/" in text:
        assert got.alphabet == "standard"
    url_padded = base64.urlsafe_b64encode(data).decode()
    assert b64_decode_lenient(url_padded).data == data


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=60))
def test_b64url_decode_is_canonical(text):
    """Whatever decodes re-encodes to the same text: one byte string, one spelling."""
    try:
        data = b64url_decode(text)
    except MalformedMessage as exc:
        assert exc.reason in {"impossible length", "non-canonical trailing bits"}
        return
    assert b64url_encode(data) == text
    assert data == base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@given(st.binary(max_size=200))
def test_b58_round_trip(data):
    text = b58encode(data)
    assert b58decode(text) == data
    assert set(text) <= set(encoding.B58_ALPHABET)


@given(st.text(alphabet=encoding.B58_ALPHABET, max_size=80))
def test_b58_decode_is_canonical(text):
    assert b58encode(b58decode(text)) == text


@given(st.binary(max_size=100), st.sampled_from(["base58btc", "base64url", "base16"]))
def test_multibase_round_trip(data, base):
    assert multibase_decode(multibase_encode(data, base)) == data


@given(st.integers(min_value=0, max_value=2**63 - 1), st.binary(max_size=12))
def test_varint_round_trip(n, rest):
    encoded = varint_encode(n)
    assert 1 <= len(encoded) <= 9
    assert varint_decode(encoded + rest) == (n, len(encoded))


@given(st.sampled_from(sorted(MULTICODEC)), st.binary(max_size=80))
def test_multicodec_round_trip(name, data):
    assert multicodec_unwrap(multicodec_wrap(name, data)) == (name, data)


@given(st.sampled_from(sorted(MULTIKEY_LENGTHS)), st.data())
def test_multikey_round_trip(name, draw):
    n = MULTIKEY_LENGTHS[name]
    key = draw.draw(st.binary(min_size=n, max_size=n))
    if name in ("secp256k1-pub", "p256-pub", "p384-pub", "p521-pub"):
        key = draw.draw(st.sampled_from([b"\x02", b"\x03"])) + key[1:]
    text = multikey_encode(name, key)
    assert text.startswith("z")
    assert multikey_decode(text) == (name, key)


# ---------------------------------------------------------------------------
# Property tests: peer input only ever raises MalformedMessage


def only_malformed(func, value):
    try:
        func(value)
    except MalformedMessage:
        pass
    # Any other exception (UsageError included) fails the test.


B64ISH = st.text(alphabet="ABCXYZabcxyz0189-_+/= \n%\u00e9", max_size=40)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=60), st.binary(max_size=60), B64ISH))
def test_fuzz_b64url_decode(value):
    only_malformed(b64url_decode, value)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=60), st.binary(max_size=60), B64ISH))
def test_fuzz_b64_decode_lenient(value):
    try:
        got = b64_decode_lenient(value)
    except MalformedMessage:
        return
    assert got.alphabet in ("url", "standard")
    # Whatever the lenient decoder accepts, the stdlib reads the same way.
    text = value if isinstance(value, str) else value.decode("ascii")
    body = text.rstrip("=")
    alt = b"-_" if got.alphabet == "url" else b"+/"
    assert got.data == base64.b64decode(body + "=" * (-len(body) % 4), altchars=alt, validate=True)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=60), st.text(alphabet=encoding.B58_ALPHABET + "0OIl +", max_size=40)))
def test_fuzz_b58decode(value):
    only_malformed(b58decode, value)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=60), st.text(alphabet="zufUFm0123456789abcdefABCDEF-_=", max_size=40)))
def test_fuzz_multibase_decode(value):
    only_malformed(multibase_decode, value)


@settings(max_examples=300)
@given(st.binary(max_size=40))
def test_fuzz_varint_and_multicodec_unwrap(value):
    only_malformed(varint_decode, value)
    only_malformed(multicodec_unwrap, value)


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(lambda b: "z" + b58encode(b), st.binary(max_size=70)),
        st.builds(
            lambda name, b: "z" + b58encode(multicodec_wrap(name, b)),
            st.sampled_from(sorted(MULTICODEC)),
            st.binary(max_size=70),
        ),
    )
)
def test_fuzz_multikey_decode(value):
    try:
        name, key = multikey_decode(value)
    except MalformedMessage:
        return
    assert len(key) == MULTIKEY_LENGTHS[name]


def test_errors_are_refdidcomm_errors():
    assert issubclass(MalformedMessage, RefDIDCommError)
    assert issubclass(UsageError, RefDIDCommError)


# -- length caps: base58 decoding is quadratic, and did:key text comes from peers


def test_b58decode_cap_is_checked_before_any_work():
    import time

    assert encoding.B58_MAX_LEN == 4096
    ok = "2" * encoding.B58_MAX_LEN
    assert len(encoding.b58decode(ok)) > 0
    with pytest.raises(MalformedMessage, match="longer than max_len"):
        encoding.b58decode("2" * (encoding.B58_MAX_LEN + 1))
    # 200,000 characters (8.5 s to decode) are refused at once, even with a
    # character that is not base58: the cap comes first.
    start = time.perf_counter()
    with pytest.raises(MalformedMessage, match="longer than max_len"):
        encoding.b58decode("0" + "2" * 200_000)
    assert time.perf_counter() - start < 0.5


def test_b58decode_max_len_keyword():
    assert encoding.b58decode("2NEpo7TZRRrLZSi2U", max_len=17) == b"Hello World!"
    with pytest.raises(MalformedMessage):
        encoding.b58decode("2NEpo7TZRRrLZSi2U", max_len=16)
    assert encoding.b58decode("", max_len=0) == b""
    for bad in (-1, "5", None, True, 1.5):
        with pytest.raises(UsageError):
            encoding.b58decode("2", max_len=bad)


def test_multikey_decode_cap():
    assert encoding.MULTIKEY_MAX_LEN == 256
    # The longest key it accepts (a 66-byte P-521 scalar) and the uncompressed
    # points it rejects for that reason both fit under the cap.
    longest = encoding.multibase_encode(encoding.multicodec_wrap("p521-pub", b"\x04" + bytes(132)))
    assert len(longest) <= encoding.MULTIKEY_MAX_LEN
    with pytest.raises(MalformedMessage, match="uncompressed"):
        encoding.multikey_decode(longest)
    with pytest.raises(MalformedMessage, match="longer than 256"):
        encoding.multikey_decode("z" + "2" * 256)
    with pytest.raises(MalformedMessage, match="longer than 256"):
        encoding.multikey_decode("z" + "2" * 200_000)
    # The cap is on the whole string, checked before the prefix.
    with pytest.raises(MalformedMessage, match="longer than 256"):
        encoding.multikey_decode("u" * 257)


# -- the one-pass b64url_decode fast path (Python >= 3.11) agrees with the three-pass checks --


def _reference_b64url_decode(raw: bytes):
    """The rules of RFC 7515 §2 / RFC 4648 §3.5 spelt out, independent of the module's code paths."""
    alphabet = encoding.B64URL_ALPHABET
    outside = [c for c in raw if c not in alphabet]
    if outside:
        return "padding not allowed" if ord("=") in outside else "invalid character"
    if len(raw) % 4 == 1:
        return "impossible length"
    if len(raw) % 4:
        unused = 4 if len(raw) % 4 == 2 else 2
        if alphabet.index(raw[-1]) & ((1 << unused) - 1):
            return "non-canonical trailing bits"
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


@settings(max_examples=3000, deadline=None)
@given(st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")),
       st.lists(st.tuples(st.integers(0, 60), st.sampled_from(list(b"-_+/= \n.\x00\xff=A"))), max_size=3),
       st.integers(0, 3))
def test_b64url_decode_matches_the_reference_rules(valid, edits, cut):
    text = bytearray(valid[: max(0, len(valid) - cut)])
    for pos, ch in edits:
        if text:
            text[pos % len(text)] = ch
        else:
            text.append(ch)
    expected = _reference_b64url_decode(bytes(text))
    if isinstance(expected, bytes):
        assert b64url_decode(bytes(text)) == expected
    else:
        with pytest.raises(MalformedMessage) as err:
            b64url_decode(bytes(text))
        assert err.value.reason == expected


@pytest.mark.parametrize("text, reason", [
    ("AB+C", "invalid character"), ("AB/C", "invalid character"), ("ABC=", "padding not allowed"),
    ("AB C", "invalid character"), ("ABC\n", "invalid character"), ("ABCDE", "impossible length"),
    ("AB", "non-canonical trailing bits"), ("AAB", "non-canonical trailing bits"), ("A+=C", "padding not allowed"),
])
def test_b64url_decode_reasons_on_the_fast_path_inputs(text, reason):
    with pytest.raises(MalformedMessage) as err:
        b64url_decode(text)
    assert err.value.reason == reason


def test_b64url_encode_is_urlsafe_b64encode_unpadded():
    for n in range(0, 70):
        data = bytes(range(256))[:n] + bytes(reversed(range(256)))[: n // 2]
        assert b64url_encode(data) == base64.urlsafe_b64encode(data).rstrip(b"=").decode()
