"""The facade's base64url codec on both backends: ``Backend.b64url_encode`` /
``Backend.b64url_decode`` must give exactly what ``refdidcomm.encoding``'s
functions give -- the same text, the same bytes, the same error class and
reason -- for every input.

The native backend encodes input shorter than
``_native_backend.B64URL_ENCODE_NATIVE_MIN`` bytes with encoding's code, so
the ``codec`` fixture lowers that threshold to 0 on the native backend: every
test then runs ``_crypto/b64url.c`` at every length. Separate tests check
the shipped threshold (both sides of it) and the C functions directly
(lengths, buffer checks).

Covered: RFC 4648 §10 vectors in base64url form and the base64url cases of
vectors/codecs.json; random round trips for every length 0..70 and 1 MiB;
each invalid byte at each position; '=' anywhere; lengths of 1 mod 4;
non-zero pad bits for both remainders; the precedence between several
errors; non-ASCII str; str, bytes, bytearray and memoryview input; wrong
argument types; a differential run over a few thousand random strings of
alphabet and junk characters (and a hypothesis one).
"""

from __future__ import annotations

import random
import string
from typing import Any, Callable, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_vectors
from test_crypto_facade import native_or_fail
from refdidcomm import crypto, encoding
from refdidcomm.errors import BackendUnavailable, MalformedMessage, UsageError

ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
# Bytes that are not in the alphabet, '=' aside: whitespace, the standard
# alphabet's '+' and '/', the ASCII neighbours of each alphabet range, NUL,
# DEL, and (bytes input only) non-ASCII bytes.
JUNK_ASCII = " \t\n\r\x00\x7f+/.,:;@[`{~%!\"#$&'()*<>?\\]^|}" + "\x2c\x2e\x2f\x3a\x40\x5b\x60\x7b"
JUNK_HIGH = bytes([0x80, 0xC3, 0xE2, 0xFE, 0xFF])
REASONS = ("padding not allowed", "invalid character", "impossible length", "non-canonical trailing bits")

# RFC 4648 §10 test vectors, in base64url form (RFC 7515 §2: no padding).
RFC4648_SECTION10 = [
    (b"", ""),
    (b"f", "Zg"),
    (b"fo", "Zm8"),
    (b"foo", "Zm9v"),
    (b"foob", "Zm9vYg"),
    (b"fooba", "Zm9vYmE"),
    (b"foobar", "Zm9vYmFy"),
]


@pytest.fixture
def codec(backend: crypto.Backend, monkeypatch: pytest.MonkeyPatch) -> crypto.Backend:
    """``backend`` with the C encoder used at every length on the native one."""
    if backend.name == "native":
        from refdidcomm import _native_backend

        monkeypatch.setattr(_native_backend, "B64URL_ENCODE_NATIVE_MIN", 0)
    return backend


def outcome(fn: Callable[[Any], Any], arg: Any) -> Tuple[str, Any]:
    """("ok", result) or ("error", (class, reason, field)) -- what a call did."""
    try:
        return "ok", fn(arg)
    except (MalformedMessage, UsageError) as exc:
        return "error", (type(exc), getattr(exc, "reason", str(exc)), getattr(exc, "field", None))


def assert_same_decode(be: crypto.Backend, text: Any) -> Tuple[str, Any]:
    want = outcome(encoding.b64url_decode, text)
    got = outcome(be.b64url_decode, text)
    assert got == want, (text, got, want)
    return got


def reject_reason(be: crypto.Backend, text: Any) -> str:
    """The MalformedMessage reason of ``be`` for ``text``, checked against encoding's."""
    with pytest.raises(MalformedMessage) as info:
        be.b64url_decode(text)
    assert info.value.field is None
    with pytest.raises(MalformedMessage) as ref:
        encoding.b64url_decode(text)
    assert info.value.reason == ref.value.reason
    assert str(info.value) == str(ref.value)
    return info.value.reason


# -- known answers ----------------------------------------------------------


@pytest.mark.parametrize("data, text", RFC4648_SECTION10)
def test_rfc4648_section10_vectors(codec: crypto.Backend, data: bytes, text: str) -> None:
    assert codec.b64url_encode(data) == text
    assert codec.b64url_decode(text) == data
    assert codec.b64url_decode(text.encode("ascii")) == data


B64URL_CASES = [c for c in load_vectors("codecs")["cases"] if c["op"] == "b64url"]


@pytest.mark.parametrize("case", B64URL_CASES, ids=[f"tc{c['tcId']}" for c in B64URL_CASES])
def test_codecs_vectors(codec: crypto.Backend, case: dict) -> None:
    if case["result"] == "valid":
        data = bytes.fromhex(case["data"])
        assert codec.b64url_decode(case["text"]) == data
        assert codec.b64url_encode(data) == case["text"]
    else:
        assert case["error"] == "MalformedMessage"
        assert reject_reason(codec, case["text"]) in REASONS


def test_all_64_values_in_order(codec: crypto.Backend) -> None:
    # 48 bytes whose 64 sextets are 0, 1, ..., 63: the text is the alphabet.
    data = int("".join(format(v, "06b") for v in range(64)), 2).to_bytes(48, "big")
    assert codec.b64url_encode(data) == ALPHABET
    assert codec.b64url_decode(ALPHABET) == data


# -- round trips --------------------------------------------------------------


@pytest.mark.parametrize("n", range(71))
def test_random_round_trip_every_length(codec: crypto.Backend, n: int) -> None:
    rng = random.Random(n)
    for _ in range(8):
        data = rng.randbytes(n)
        text = codec.b64url_encode(data)
        assert text == encoding.b64url_encode(data)
        assert codec.b64url_decode(text) == data
        assert codec.b64url_decode(text.encode("ascii")) == data


@pytest.mark.parametrize("extra", [0, 1, 2])
def test_one_mebibyte_round_trip(codec: crypto.Backend, extra: int) -> None:
    data = random.Random(extra).randbytes((1 << 20) + extra)
    text = codec.b64url_encode(data)
    assert text == encoding.b64url_encode(data)
    assert len(text) == -(-len(data) * 4 // 3)
    assert codec.b64url_decode(text) == data
    assert codec.b64url_decode(text.encode("ascii")) == data


def test_one_mebibyte_errors(codec: crypto.Backend) -> None:
    text = encoding.b64url_encode(random.Random(7).randbytes(1 << 20))  # 1398102 chars, rem 2
    assert reject_reason(codec, text[:700000] + "=" + text[700001:]) == "padding not allowed"
    assert reject_reason(codec, text[:-1] + "+") == "invalid character"
    assert reject_reason(codec, text + "A" * 3) == "impossible length"
    last = ALPHABET.index(text[-1])
    assert reject_reason(codec, text[:-1] + ALPHABET[last | 1]) == "non-canonical trailing bits"


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_like_input_is_the_same_as_str(codec: crypto.Backend, kind: type) -> None:
    for data in (b"", b"\x00", bytes(range(256)), b"\xff" * 100):
        text = codec.b64url_encode(data)
        assert codec.b64url_encode(kind(data)) == text
        assert codec.b64url_decode(kind(text.encode("ascii"))) == data


# -- invalid input: each rule, and which one is reported --------------------

VALID = "Zm9vYmFyYmF6cXV4"  # "foobarbazqux", 16 characters


@pytest.mark.parametrize("position", range(len(VALID)))
def test_every_junk_character_at_every_position(codec: crypto.Backend, position: int) -> None:
    for junk in JUNK_ASCII:
        text = VALID[:position] + junk + VALID[position + 1 :]
        assert reject_reason(codec, text) == "invalid character"
        assert reject_reason(codec, text.encode("ascii")) == "invalid character"
    for high in JUNK_HIGH:
        raw = bytearray(VALID.encode("ascii"))
        raw[position] = high
        assert reject_reason(codec, bytes(raw)) == "invalid character"


@pytest.mark.parametrize("length", [2, 3, 4, 6, 7, 8, 15, 16, 63, 64, 65, 66, 100])
def test_padding_anywhere(codec: crypto.Backend, length: int) -> None:
    base = encoding.b64url_encode(bytes(range(length)))
    for position in range(len(base) + 1):
        inserted = base[:position] + "=" + base[position:]
        assert reject_reason(codec, inserted) == "padding not allowed"
        if position < len(base):
            replaced = base[:position] + "=" + base[position + 1 :]
            assert reject_reason(codec, replaced) == "padding not allowed"
    assert reject_reason(codec, base + "=" * (-len(base) % 4 or 4)) == "padding not allowed"


def test_padding_wins_over_other_invalid_characters(codec: crypto.Backend) -> None:
    # encoding reports '=' before any other character outside the alphabet,
    # wherever each of them is, and before the length and pad-bit rules.
    for text in ("+=", "=+", "Zm9v YmE=", "Zg==\n", "=", "A=", "Zh=", "Zm9vY=", "Z\x00=", "\t" * 70 + "="):
        assert reject_reason(codec, text) == "padding not allowed"
    assert reject_reason(codec, b"\xff=") == "padding not allowed"
    assert reject_reason(codec, b"=\x80" + b"A" * 80) == "padding not allowed"


def test_invalid_character_wins_over_length_and_pad_bits(codec: crypto.Backend) -> None:
    for text in ("Z+", "Zm9v+", "+", "Zh+", " Zv", "Zm9vYmFyY+", "A" * 64 + "*", "*" + "A" * 64):
        assert reject_reason(codec, text) == "invalid character"


@pytest.mark.parametrize("text", ["Zm9v€", "é", "Zm9é", "Zg=€", "€=", "Z\u0100", "\U0001F600" * 40])
def test_non_ascii_str_is_an_invalid_character(codec: crypto.Backend, text: str) -> None:
    # A non-ASCII str is rejected before its characters are looked at: even
    # with '=' in it, the reason is "invalid character", as in encoding.
    assert reject_reason(codec, text) == "invalid character"


@pytest.mark.parametrize("length", [1, 5, 9, 13, 17, 21, 61, 65, 69, 101, 1001, (1 << 20) + 1])
def test_length_one_mod_four(codec: crypto.Backend, length: int) -> None:
    rng = random.Random(length)
    text = "".join(rng.choice(ALPHABET) for _ in range(length))
    assert reject_reason(codec, text) == "impossible length"
    assert reject_reason(codec, text.encode("ascii")) == "impossible length"


@pytest.mark.parametrize("prefix", ["", "Zm9v", "Zm9vYmFy" * 8, "Zm9vYmFy" * 8 + "Zm9v"])
def test_non_zero_pad_bits_both_remainders(codec: crypto.Backend, prefix: str) -> None:
    # Remainder 2: the last character carries 4 pad bits; remainder 3: 2.
    for tail_len, unused_bits in ((2, 4), (3, 2)):
        for value in range(64):
            text = prefix + "Q" * (tail_len - 1) + ALPHABET[value]
            if value & ((1 << unused_bits) - 1):
                assert reject_reason(codec, text) == "non-canonical trailing bits"
            else:
                decoded = codec.b64url_decode(text)
                assert decoded == encoding.b64url_decode(text)
                assert codec.b64url_encode(decoded) == text


# -- argument types -----------------------------------------------------------


@pytest.mark.parametrize("bad", ["text", None, 1, 1.5, [1, 2], bytearray, object()])
def test_encode_rejects_non_bytes(codec: crypto.Backend, bad: Any) -> None:
    with pytest.raises(UsageError) as info:
        codec.b64url_encode(bad)
    with pytest.raises(UsageError) as ref:
        encoding.b64url_encode(bad)
    assert str(info.value) == str(ref.value)


@pytest.mark.parametrize("bad", [None, 1, 1.5, ["Zg"], ("Zg",), object()])
def test_decode_rejects_non_text(codec: crypto.Backend, bad: Any) -> None:
    with pytest.raises(UsageError) as info:
        codec.b64url_decode(bad)
    with pytest.raises(UsageError) as ref:
        encoding.b64url_decode(bad)
    assert str(info.value) == str(ref.value)


def test_module_functions_are_the_active_backends() -> None:
    active = crypto.backend(crypto.BACKEND)
    assert crypto.b64url_encode == active.b64url_encode
    assert crypto.b64url_decode == active.b64url_decode
    assert crypto.b64url_decode(crypto.b64url_encode(b"any bytes")) == b"any bytes"


def test_codec_is_not_reported_constant_time(backend: crypto.Backend) -> None:
    # Table lookups indexed by the (public) data, on both backends.
    assert backend.constant_time("b64url_encode") is False
    assert backend.constant_time("b64url_decode") is False


# -- differential: random strings over the alphabet and junk ---------------


def test_differential_random_strings(codec: crypto.Backend) -> None:
    rng = random.Random(20240601)
    pool = ALPHABET * 4 + JUNK_ASCII + "===="
    seen = set()
    for i in range(4000):
        length = rng.choice((rng.randrange(0, 12), rng.randrange(0, 100), rng.randrange(60, 600)))
        junk_rate = rng.choice((0.0, 0.0, 0.002, 0.02, 0.2))
        chars = [rng.choice(pool) if rng.random() < junk_rate else rng.choice(ALPHABET) for _ in range(length)]
        text = "".join(chars)
        kind, result = assert_same_decode(codec, text)
        assert assert_same_decode(codec, text.encode("ascii")) == (kind, result)
        if i % 7 == 0:
            raw = bytearray(text.encode("ascii"))
            if raw:
                raw[rng.randrange(len(raw))] = rng.choice(JUNK_HIGH)
            assert_same_decode(codec, bytes(raw))
        seen.add(result[1] if kind == "error" else "ok")
    # The run reached every outcome, so each rule was compared.
    assert seen == {"ok", *REASONS}


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=ALPHABET + "=+/ \n\x00é", max_size=200), as_bytes=st.booleans())
def test_differential_hypothesis(text: str, as_bytes: bool) -> None:
    # Hypothesis and function-scoped fixtures do not mix: the backends are
    # fetched here, and the native one runs its C encoder at every length.
    backends = [crypto.backend("pure")]
    try:
        backends.append(crypto.backend("native"))
    except BackendUnavailable:
        nb = None
    else:
        from refdidcomm import _native_backend as nb
    arg: Any = text.encode("utf-8") if as_bytes else text
    for be in backends:
        assert_same_decode(be, arg)
    kind, data = outcome(encoding.b64url_decode, arg)
    if kind != "ok":
        return
    saved = nb.B64URL_ENCODE_NATIVE_MIN if nb else None
    try:
        if nb:
            nb.B64URL_ENCODE_NATIVE_MIN = 0
        for be in backends:
            assert be.b64url_encode(data) == encoding.b64url_encode(data)
    finally:
        if nb:
            nb.B64URL_ENCODE_NATIVE_MIN = saved


# -- the native backend: its threshold and the C functions ----------------


def _native_module() -> Any:
    native_or_fail()
    from refdidcomm import _native_backend

    return _native_backend


def test_native_threshold_both_sides(monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _native_module()
    native = crypto.backend("native")
    calls = []
    real = encoding.b64url_encode

    def spy(data: Any) -> str:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(nb._encoding, "b64url_encode", spy)
    limit = nb.B64URL_ENCODE_NATIVE_MIN
    for n in (0, 1, limit - 2, limit - 1, limit, limit + 1, limit + 2, 4 * limit):
        data = random.Random(n).randbytes(n)
        assert native.b64url_encode(data) == real(data)
        assert native.b64url_decode(real(data)) == data
    # Shorter input went to encoding's encoder, the rest to the C one.
    assert calls == [0, 1, limit - 2, limit - 1]


def test_c_lengths_agree_with_the_python_formulas() -> None:
    nb = _native_module()
    lib = nb.lib
    for n in range(200):
        assert lib.refdidcomm_b64url_encoded_length(n) == len(encoding.b64url_encode(bytes(n)))
        assert lib.refdidcomm_b64url_decoded_length(n) == len(bytes(n * 3 // 4))
    for n in list(range(200)) + [1 << 20, (1 << 20) + 1, (1 << 20) + 2, 2**61]:
        assert lib.refdidcomm_b64url_encoded_length(n) == n // 3 * 4 + (n % 3 + 1 if n % 3 else 0)
        assert lib.refdidcomm_b64url_decoded_length(n) == n // 4 * 3 + max(n % 4 - 1, 0)
    if nb.ffi.sizeof("size_t") != 8:
        return
    size_max = 2**64 - 1
    # The largest lengths whose encoding fits below SIZE_MAX are computed;
    # beyond (and at) SIZE_MAX the function says SIZE_MAX, which no buffer
    # can hold, so the encoder refuses it.
    groups = (size_max - 3) // 4  # 2**62 - 1 full 3-byte groups
    assert lib.refdidcomm_b64url_encoded_length(groups * 3 + 1) == size_max - 1
    assert lib.refdidcomm_b64url_encoded_length(groups * 3 + 2) == size_max
    assert lib.refdidcomm_b64url_encoded_length((groups + 1) * 3) == size_max
    assert lib.refdidcomm_b64url_encoded_length(size_max) == size_max
    assert lib.refdidcomm_b64url_decoded_length(size_max) == size_max // 4 * 3 + 2


def test_c_checks_the_output_size_and_writes_nothing_on_misuse() -> None:
    nb = _native_module()
    ffi, lib = nb.ffi, nb.lib
    data = bytes(range(100))
    text = encoding.b64url_encode(data).encode("ascii")  # 134 characters
    out = ffi.new("char[]", 200)
    ffi.memmove(out, b"\xaa" * 200, 200)
    assert lib.refdidcomm_b64url_encode(data, len(data), out, len(text) - 1) == lib.REFDIDCOMM_B64URL_MISUSE
    assert lib.refdidcomm_b64url_decode(text, len(text), out, len(data) - 1) == lib.REFDIDCOMM_B64URL_MISUSE
    assert ffi.buffer(out)[:] == b"\xaa" * 200
    # Exactly the computed size: written in full, nothing beyond it.
    assert lib.refdidcomm_b64url_encode(data, len(data), out, len(text)) == lib.REFDIDCOMM_B64URL_OK
    assert ffi.buffer(out)[:] == text + b"\xaa" * (200 - len(text))
    ffi.memmove(out, b"\xaa" * 200, 200)
    assert lib.refdidcomm_b64url_decode(text, len(text), out, len(data)) == lib.REFDIDCOMM_B64URL_OK
    assert ffi.buffer(out)[:] == data + b"\xaa" * 100


def test_c_error_codes_map_to_encoding_reasons() -> None:
    nb = _native_module()
    lib = nb.lib
    assert nb._B64URL_REASONS == {
        lib.REFDIDCOMM_B64URL_PADDING: "padding not allowed",
        lib.REFDIDCOMM_B64URL_INVALID_CHAR: "invalid character",
        lib.REFDIDCOMM_B64URL_BAD_LENGTH: "impossible length",
        lib.REFDIDCOMM_B64URL_NONCANONICAL: "non-canonical trailing bits",
    }
    out = nb.ffi.new("char[]", 8)
    for text, code in (
        (b"Zg==", lib.REFDIDCOMM_B64URL_PADDING),
        (b"Zm9v+", lib.REFDIDCOMM_B64URL_INVALID_CHAR),
        (b"Zm9vY", lib.REFDIDCOMM_B64URL_BAD_LENGTH),
        (b"Zh", lib.REFDIDCOMM_B64URL_NONCANONICAL),
        (b"Zm9", lib.REFDIDCOMM_B64URL_NONCANONICAL),
        (b"", lib.REFDIDCOMM_B64URL_OK),
    ):
        assert lib.refdidcomm_b64url_decode(text, len(text), out, 8) == code


def test_c_misuse_code_becomes_crypto_error(monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _native_module()
    from refdidcomm.errors import CryptoError

    misuse = nb.lib.REFDIDCOMM_B64URL_MISUSE

    class Lib:
        REFDIDCOMM_B64URL_OK = 0

        @staticmethod
        def refdidcomm_b64url_encode(*args: Any) -> int:
            return misuse

        @staticmethod
        def refdidcomm_b64url_decode(*args: Any) -> int:
            return misuse

    monkeypatch.setattr(nb, "lib", Lib)
    with pytest.raises(CryptoError, match="refdidcomm_b64url_encode failed unexpectedly"):
        nb.b64url_encode(bytes(nb.B64URL_ENCODE_NATIVE_MIN))
    with pytest.raises(CryptoError, match="refdidcomm_b64url_decode failed unexpectedly"):
        nb.b64url_decode("AAAA")


# -- subclasses that lie about their length or contents (review finding: the C
#    code was given len() of an object whose buffer is shorter) --


class _LongBytes(bytes):
    def __len__(self) -> int:
        return 600


class _LyingBytes(bytes):
    def __bytes__(self) -> bytes:
        return _LongBytes(b"AAAA")


class _LongStr(str):
    def __len__(self) -> int:
        return 4096


class _OtherEncoding(str):
    def encode(self, *args: Any, **kwargs: Any) -> bytes:
        return b"AA"


class _ClaimsAscii(str):
    def isascii(self) -> bool:
        return True


def test_subclasses_are_read_by_their_real_buffer(codec: crypto.Backend) -> None:
    lying = _LyingBytes(b"\x01\x02\x03" * 200)  # 600 real bytes: above the native threshold
    assert codec.b64url_encode(lying) == encoding.b64url_encode(bytes(memoryview(lying)))
    assert codec.b64url_encode(_LyingBytes(b"ab")) == encoding.b64url_encode(b"ab") == "YWI"
    assert encoding.b64url_encode(_LyingBytes(b"ab")) == "YWI"
    for cls in (_LongStr, _OtherEncoding):
        text = cls("Zm9vYmFy" * 100)
        assert codec.b64url_decode(text) == encoding.b64url_decode(text) == b"foobar" * 100
    assert codec.b64url_decode(_LongStr("Zm9v")) == b"foo"
    for decode in (codec.b64url_decode, encoding.b64url_decode):
        with pytest.raises(MalformedMessage) as err:
            decode(_ClaimsAscii("Zm9v\u00e9"))
        assert err.value.reason == "invalid character"


def test_facade_primitives_read_subclasses_by_their_real_buffer(backend: crypto.Backend) -> None:
    key, nonce = bytes(32), bytes(12)
    lying = _LyingBytes(b"x")
    sealed = backend.aes_gcm_encrypt(key, nonce, lying, b"")
    assert sealed == backend.aes_gcm_encrypt(key, nonce, b"x", b"")
    assert len(sealed) == 1 + 16
