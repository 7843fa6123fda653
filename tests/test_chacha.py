"""ChaCha20, Poly1305, AEAD_CHACHA20_POLY1305 (RFC 8439) and XChaCha20-Poly1305.

Vectors: vectors/rfc8439_chacha20poly1305.json and vectors/xchacha20poly1305.json.
The AEAD cases run through the crypto facade on both backends; the cases of
the inner functions (block, quarter round, Poly1305, key generation,
HChaCha20, the XChaCha20 stream) run on the pure modules directly.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Dict, List

import pytest
from conftest import load_vectors
from test_crypto_facade import native_or_fail

from refdidcomm import _rfc8439, _xchacha, crypto, errors
from refdidcomm.errors import DecryptionError, UsageError

H = bytes.fromhex
RFC = load_vectors("rfc8439_chacha20poly1305")
XCH = load_vectors("xchacha20poly1305")
SIZES = [0, 1, 15, 16, 17, 63, 64, 65, 1000]


def _cases(doc: Dict[str, Any], primitive: str) -> List[Dict[str, Any]]:
    return [c for c in doc["cases"] if c["primitive"] == primitive]


def _param(doc: Dict[str, Any], primitive: str) -> Any:
    return pytest.mark.parametrize(
        "case", _cases(doc, primitive), ids=lambda c: f"tc{c['tcId']}-{'-'.join(c['flags']) or c['result']}"
    )


def _flip(b: bytes, i: int, bit: int = 1) -> bytes:
    out = bytearray(b)
    out[i] ^= bit
    return bytes(out)


# --------------------------------------------------------------------------
# The vector files themselves
# --------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [RFC, XCH], ids=["rfc8439", "xchacha"])
def test_vector_file_layout(doc: Dict[str, Any]) -> None:
    header = doc["header"]
    for field in ("name", "algorithm", "source", "generator", "verified_against", "notes", "seed"):
        assert header[field], field
    assert [c["tcId"] for c in doc["cases"]] == list(range(1, len(doc["cases"]) + 1))
    for c in doc["cases"]:
        assert c["result"] in ("valid", "invalid")
        if c["result"] == "invalid":
            assert c["flags"], c["tcId"]
            assert issubclass(getattr(errors, c["error"]), errors.RefDIDCommError)
    # every negative family the brief asks for is present
    flags = {f for c in doc["cases"] for f in c["flags"]}
    assert {"ModifiedTag", "ModifiedCiphertext", "ModifiedNonce", "ModifiedAad", "Truncated", "WrongKey"} <= flags
    truncated = {len(H(c["ciphertext"]) + H(c["tag"])) for c in doc["cases"] if "Truncated" in c["flags"]}
    assert {0, 15, 16} <= truncated


@pytest.mark.parametrize("doc", [RFC, XCH], ids=["rfc8439", "xchacha"])
def test_generated_inputs_reproduce_from_the_seed(doc: Dict[str, Any]) -> None:
    seed, name = doc["header"]["seed"], doc["header"]["name"]
    generated = [c for c in doc["cases"] if "Generated" in c["flags"]]
    assert {len(H(c["plaintext"])) for c in generated} >= {0, 1, 15, 16, 17, 63, 64, 65}
    for c in generated:
        for field in ("key", "nonce", "aad", "plaintext"):
            value = H(c[field])
            derived = hashlib.shake_256(f"{seed}|{name}|{c['tcId']}|{field}".encode()).digest(len(value))
            assert value == derived, (c["tcId"], field)


# --------------------------------------------------------------------------
# RFC 8439 inner functions (pure module)
# --------------------------------------------------------------------------


def test_constants_are_expand_32_byte_k() -> None:
    # RFC 8439 §2.3: "The first four words (0-3) are constants: 0x61707865,
    # 0x3320646e, 0x79622d32, 0x6b206574."
    assert _rfc8439.CONSTANTS == (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)


def test_quarter_round_example_section_2_1() -> None:
    # §2.1 works the fourth line through: c = c + d, b = b ^ c, b = b <<< 7.
    assert (0x77777777 + 0x01234567) & 0xFFFFFFFF == 0x789ABCDE
    assert _rfc8439.rotl32(0x01020304 ^ 0x789ABCDE, 7) == 0xCC5FED3C


@_param(RFC, "quarter_round")
def test_quarter_round(case: Dict[str, Any]) -> None:
    a, b, c, d = (int(w, 16) for w in case["input"])
    assert _rfc8439.quarter_round(a, b, c, d) == tuple(int(w, 16) for w in case["output"])


@_param(RFC, "qround_state")
def test_quarter_round_on_the_state(case: Dict[str, Any]) -> None:
    state = [int(w, 16) for w in case["state_in"]]
    _rfc8439.qround(state, *case["indices"])
    assert state == [int(w, 16) for w in case["state_out"]]


@_param(RFC, "chacha20_block")
def test_chacha20_block(case: Dict[str, Any]) -> None:
    assert _rfc8439.chacha20_block(H(case["key"]), case["counter"], H(case["nonce"])) == H(case["block"])


@_param(RFC, "chacha20")
def test_chacha20_encrypt_and_decrypt(case: Dict[str, Any]) -> None:
    key, nonce, counter = H(case["key"]), H(case["nonce"]), case["counter"]
    assert _rfc8439.chacha20_encrypt(key, counter, nonce, H(case["plaintext"])) == H(case["ciphertext"])
    # §2.4: "Decryption is done in the same way."
    assert _rfc8439.chacha20_encrypt(key, counter, nonce, H(case["ciphertext"])) == H(case["plaintext"])


@_param(RFC, "poly1305")
def test_poly1305(case: Dict[str, Any]) -> None:
    assert _rfc8439.poly1305_mac(H(case["msg"]), H(case["key"])) == H(case["tag"])


@_param(RFC, "poly1305_key_gen")
def test_poly1305_key_gen(case: Dict[str, Any]) -> None:
    otk = _rfc8439.poly1305_key_gen(H(case["key"]), H(case["nonce"]))
    assert otk == H(case["otk"])
    # §2.6: the first 256 bits of the block with counter 0.
    assert otk == _rfc8439.chacha20_block(H(case["key"]), 0, H(case["nonce"]))[:32]


def test_poly1305_clamp_and_s_section_2_5_2() -> None:
    key = H("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
    # §2.5.2: "Clamped r as a number: 806d5400e52447c036d555408bed685",
    # "s as a 128-bit number: 1bf54941aff6bf4afdb20dfb8a800301".
    assert _rfc8439.clamp(int.from_bytes(key[:16], "little")) == 0x806D5400E52447C036D555408BED685
    assert int.from_bytes(key[16:], "little") == 0x1BF54941AFF6BF4AFDB20DFB8A800301
    # The bits clamping clears do not influence the tag.
    unclamped = bytes(b | m for b, m in zip(key[:16], bytes.fromhex("000000f0030000f0030000f0030000f0"))) + key[16:]
    msg = b"Cryptographic Forum Research Group"
    assert unclamped != key
    assert _rfc8439.poly1305_mac(msg, unclamped) == _rfc8439.poly1305_mac(msg, key)


def test_poly1305_prime_and_pad16() -> None:
    # §2.5: P = 2^130 - 5 = 3fffffffffffffffffffffffffffffffb.
    assert _rfc8439.POLY1305_P == 0x3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFB
    assert [len(_rfc8439.pad16(bytes(n))) for n in (0, 1, 15, 16, 17, 31, 32)] == [0, 15, 1, 0, 15, 1, 0]
    assert _rfc8439.pad16(bytes(3)) == bytes(13)


def test_aead_mac_data_section_2_8_2() -> None:
    # The "AEAD Construction for Poly1305" buffer printed in §2.8.2: AAD, 4
    # zero bytes, the 114-byte ciphertext, 14 zero bytes, 0c00.. and 7200...
    case = next(c for c in _cases(RFC, "aead") if c["comment"].startswith("RFC 8439 §2.8.2"))
    aad, ct = H(case["aad"]), H(case["ciphertext"])
    data = _rfc8439._mac_data(aad, ct)
    assert data == aad + bytes(4) + ct + bytes(14) + (12).to_bytes(8, "little") + (114).to_bytes(8, "little")
    assert len(data) == 160
    otk = _rfc8439.poly1305_key_gen(H(case["key"]), H(case["nonce"]))
    assert _rfc8439.poly1305_mac(data, otk) == H(case["tag"])


def test_chacha20_counter_continues_across_calls() -> None:
    key, nonce = bytes(range(32)), bytes(range(12))
    data = bytes(range(256)) * 2
    whole = _rfc8439.chacha20_encrypt(key, 7, nonce, data)
    assert whole[128:] == _rfc8439.chacha20_encrypt(key, 9, nonce, data[128:])
    assert whole[:64] == bytes(a ^ b for a, b in zip(data, _rfc8439.chacha20_block(key, 7, nonce)))


def test_chacha20_counter_must_not_wrap() -> None:
    key, nonce = bytes(32), bytes(12)
    assert len(_rfc8439.chacha20_block(key, 2**32 - 1, nonce)) == 64
    assert len(_rfc8439.chacha20_encrypt(key, 2**32 - 1, nonce, bytes(64))) == 64
    with pytest.raises(UsageError):
        _rfc8439.chacha20_block(key, 2**32, nonce)
    with pytest.raises(UsageError):
        _rfc8439.chacha20_block(key, -1, nonce)
    with pytest.raises(UsageError):
        _rfc8439.chacha20_encrypt(key, 2**32 - 1, nonce, bytes(65))


def test_aead_rejects_plaintext_longer_than_p_max() -> None:
    # §2.8: "P_MAX (maximum size of the plaintext) is 274,877,906,880 bytes".
    assert _rfc8439.P_MAX == 274_877_906_880

    class Huge(bytes):
        def __len__(self) -> int:
            return _rfc8439.P_MAX + 1

    with pytest.raises(UsageError):
        _rfc8439.aead_encrypt(bytes(32), bytes(12), Huge(), b"")


@pytest.mark.parametrize(
    "call",
    [
        lambda: _rfc8439.chacha20_block(bytes(31), 0, bytes(12)),
        lambda: _rfc8439.chacha20_block(bytes(32), 0, bytes(13)),
        lambda: _rfc8439.chacha20_encrypt(bytes(33), 0, bytes(12), b"x"),
        lambda: _rfc8439.poly1305_mac(b"x", bytes(16)),
        lambda: _rfc8439.poly1305_key_gen(bytes(32), bytes(8)),
        lambda: _rfc8439.aead_encrypt(bytes(32), bytes(11), b"", b""),
        lambda: _rfc8439.aead_decrypt(bytes(16), bytes(12), bytes(16), b""),
        lambda: _xchacha.hchacha20(bytes(32), bytes(12)),
        lambda: _xchacha.hchacha20(bytes(31), bytes(16)),
        lambda: _xchacha.xchacha20_encrypt(bytes(32), bytes(16), b"x"),
        lambda: _xchacha.aead_encrypt(bytes(32), bytes(12), b"", b""),
        lambda: _xchacha.aead_decrypt(bytes(32), bytes(25), bytes(16), b""),
    ],
)
def test_inner_functions_reject_wrong_lengths(call: Any) -> None:
    with pytest.raises(UsageError):
        call()


@pytest.mark.parametrize("n", [0, 1, 15])
def test_inner_aead_decrypt_shorter_than_a_tag(n: int) -> None:
    with pytest.raises(DecryptionError):
        _rfc8439.aead_decrypt(bytes(32), bytes(12), bytes(n), b"")
    with pytest.raises(DecryptionError):
        _xchacha.aead_decrypt(bytes(32), bytes(24), bytes(n), b"")


# --------------------------------------------------------------------------
# XChaCha inner functions (pure module)
# --------------------------------------------------------------------------


@_param(XCH, "hchacha20")
def test_hchacha20(case: Dict[str, Any]) -> None:
    assert _xchacha.hchacha20(H(case["key"]), H(case["nonce"])) == H(case["subkey"])


def test_hchacha20_is_the_block_function_without_the_final_addition() -> None:
    # draft §2.2: HChaCha20 returns state words 0-3 and 12-15 after the 20
    # rounds; ChaCha20 adds the input state back. With counter || nonce12 as
    # the 16-byte nonce, subtracting the input words from the block recovers it.
    key, nonce16 = bytes(range(32)), bytes(range(100, 116))
    block = _rfc8439.chacha20_block(key, int.from_bytes(nonce16[:4], "little"), nonce16[4:])
    words = [int.from_bytes(block[4 * i : 4 * i + 4], "little") for i in range(16)]
    initial = list(_rfc8439.CONSTANTS) + [int.from_bytes(key[4 * i : 4 * i + 4], "little") for i in range(8)]
    initial += [int.from_bytes(nonce16[4 * i : 4 * i + 4], "little") for i in range(4)]
    rounds = [(w - i) & 0xFFFFFFFF for w, i in zip(words, initial)]
    expected = b"".join(w.to_bytes(4, "little") for w in rounds[0:4] + rounds[12:16])
    assert _xchacha.hchacha20(key, nonce16) == expected


@_param(XCH, "xchacha20")
def test_xchacha20_stream(case: Dict[str, Any]) -> None:
    key, nonce, counter, pt = H(case["key"]), H(case["nonce"]), case["counter"], H(case["plaintext"])
    assert _xchacha.xchacha20_encrypt(key, nonce, bytes(len(pt)), counter) == H(case["keystream"])
    assert _xchacha.xchacha20_encrypt(key, nonce, pt, counter) == H(case["ciphertext"])
    assert _xchacha.xchacha20_encrypt(key, nonce, H(case["ciphertext"]), counter) == pt


def test_xchacha_aead_is_chacha_aead_under_the_subkey() -> None:
    # draft §2: subkey = HChaCha20(key, nonce[0:16]); AEAD_CHACHA20_POLY1305
    # with the subkey and 4 NUL bytes || nonce[16:24]. §A.3.1 also prints the
    # Poly1305 key, which is block 0 under that subkey and nonce.
    case = next(c for c in XCH["cases"] if "poly1305_key" in c)
    key, nonce, aad, pt = H(case["key"]), H(case["nonce"]), H(case["aad"]), H(case["plaintext"])
    subkey = _xchacha.hchacha20(key, nonce[:16])
    inner_nonce = bytes(4) + nonce[16:]
    assert _rfc8439.poly1305_key_gen(subkey, inner_nonce) == H(case["poly1305_key"])
    expected = _rfc8439.aead_encrypt(subkey, inner_nonce, pt, aad)
    assert _xchacha.aead_encrypt(key, nonce, pt, aad) == expected == H(case["ciphertext"]) + H(case["tag"])


# --------------------------------------------------------------------------
# AEAD vectors through the facade, both backends
# --------------------------------------------------------------------------


def _run_aead(encrypt: Any, decrypt: Any, case: Dict[str, Any]) -> None:
    key, nonce, aad, pt = H(case["key"]), H(case["nonce"]), H(case["aad"]), H(case["plaintext"])
    ct = H(case["ciphertext"]) + H(case["tag"])
    if case["result"] == "valid":
        assert encrypt(key, nonce, pt, aad) == ct
        assert decrypt(key, nonce, ct, aad) == pt
    else:
        with pytest.raises(getattr(errors, case["error"])):
            decrypt(key, nonce, ct, aad)


@_param(RFC, "aead")
def test_chacha20poly1305_vectors(backend: crypto.Backend, case: Dict[str, Any]) -> None:
    _run_aead(backend.chacha20poly1305_encrypt, backend.chacha20poly1305_decrypt, case)


@_param(XCH, "aead")
def test_xchacha20poly1305_vectors(backend: crypto.Backend, case: Dict[str, Any]) -> None:
    _run_aead(backend.xchacha20poly1305_encrypt, backend.xchacha20poly1305_decrypt, case)


AEADS = [
    ("chacha20poly1305", 12),
    ("xchacha20poly1305", 24),
]


@pytest.mark.parametrize("name,nonce_size", AEADS)
@pytest.mark.parametrize("size", SIZES)
def test_aead_round_trip(backend: crypto.Backend, name: str, nonce_size: int, size: int) -> None:
    rng = random.Random(f"{name}-{size}")
    key, nonce = rng.randbytes(32), rng.randbytes(nonce_size)
    pt, aad = rng.randbytes(size), rng.randbytes(size % 20)
    encrypt = getattr(backend, f"{name}_encrypt")
    decrypt = getattr(backend, f"{name}_decrypt")
    ct = encrypt(key, nonce, pt, aad)
    assert len(ct) == size + 16
    assert decrypt(key, nonce, ct, aad) == pt
    if size:
        assert ct[:size] != pt
    with pytest.raises(DecryptionError):
        decrypt(key, nonce, ct, aad + b"\x00")


@pytest.mark.parametrize("name,nonce_size", AEADS)
def test_aead_every_flipped_byte_is_rejected(backend: crypto.Backend, name: str, nonce_size: int) -> None:
    key, nonce, pt, aad = bytes(range(32)), bytes(range(nonce_size)), b"seventeen bytes!!", b"hdr"
    encrypt = getattr(backend, f"{name}_encrypt")
    decrypt = getattr(backend, f"{name}_decrypt")
    ct = encrypt(key, nonce, pt, aad)
    for i in range(len(ct)):
        with pytest.raises(DecryptionError):
            decrypt(key, nonce, _flip(ct, i), aad)
    for i in range(nonce_size):
        with pytest.raises(DecryptionError):
            decrypt(key, _flip(nonce, i, 0x80), ct, aad)
    for n in range(len(ct)):
        with pytest.raises(DecryptionError):
            decrypt(key, nonce, ct[:n], aad)


def test_pure_and_native_agree_on_random_inputs() -> None:
    native = native_or_fail()
    pure = crypto.backend("pure")
    rng = random.Random(8439)
    for _ in range(25):
        size = rng.choice([0, 1, 15, 16, 17, 63, 64, 65, rng.randrange(0, 600)])
        pt, aad = rng.randbytes(size), rng.randbytes(rng.randrange(0, 40))
        key, n12, n24 = rng.randbytes(32), rng.randbytes(12), rng.randbytes(24)
        assert pure.chacha20poly1305_encrypt(key, n12, pt, aad) == native.chacha20poly1305_encrypt(key, n12, pt, aad)
        assert pure.xchacha20poly1305_encrypt(key, n24, pt, aad) == native.xchacha20poly1305_encrypt(key, n24, pt, aad)
