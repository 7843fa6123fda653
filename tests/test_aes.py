"""AES (FIPS-197), CBC (SP 800-38A + RFC 5652 padding), key wrap (RFC 3394), GCM (SP 800-38D).

Every vector that maps to a facade method runs through the ``backend``
fixture (both backends); the raw block and raw-CBC vectors, the GCM
intermediate values (H, GHASH) and the reference-versus-table checks run
against the pure modules directly.
"""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_vectors
from test_crypto_facade import native_or_fail
from refdidcomm import _fips197, _rfc3394, _sp800_38a, _sp800_38d, crypto
from refdidcomm.errors import DecryptionError, UsageError

FIPS = load_vectors("fips197_aes")
CBC = load_vectors("sp800_38a_cbc")
KW = load_vectors("rfc3394_aes_keywrap")
GCM = load_vectors("aes_gcm")

SIZES = (0, 1, 15, 16, 17, 63, 64, 65)


def _h(s: str) -> bytes:
    return bytes.fromhex(s)


def _cases(vectors: dict, result: str, **match: str):
    return [
        pytest.param(c, id=f"tc{c['tcId']}")
        for c in vectors["cases"]
        if c["result"] == result and all(c.get(k) == v for k, v in match.items())
    ]


def _seeded(seed: int):
    rnd = random.Random(seed)
    return lambda n: bytes(rnd.getrandbits(8) for _ in range(n))


# ---------------------------------------------------------------------------
# FIPS-197: field arithmetic and derived constants
# ---------------------------------------------------------------------------


def test_field_examples_of_fips197_section_4_2() -> None:
    # §4.2: {57} . {83} = {c1}; §4.2.1: xtime({57}) = {ae}, {57} . {13} = {fe}.
    assert _fips197.gf_mul(0x57, 0x83) == 0xC1
    assert _fips197.xtime(0x57) == 0xAE
    assert _fips197.gf_mul(0x57, 0x13) == 0xFE
    for b in range(1, 256):
        assert _fips197.gf_mul(b, _fips197.gf_inverse(b)) == 1
    assert _fips197.gf_inverse(0) == 0


def test_sbox_is_the_derived_permutation() -> None:
    sbox, inv = _fips197.SBOX, _fips197.INV_SBOX
    assert sorted(sbox) == list(range(256))
    assert all(inv[sbox[b]] == b for b in range(256))
    # §5.1.1: S-box({00}) = {63} (the affine constant); the worked example {53} -> {ed}.
    assert sbox[0x00] == 0x63
    assert sbox[0x53] == 0xED
    assert inv[0xED] == 0x53
    # Rijndael's S-box has no fixed points and no "opposite" fixed points.
    assert all(sbox[b] != b and sbox[b] != b ^ 0xFF for b in range(256))


def test_rcon_is_powers_of_x() -> None:
    # §5.2: Rcon[i] = [x^(i-1), 0, 0, 0]; for AES-128, i = 1..10.
    assert [r >> 24 for r in _fips197.RCON[1:]] == [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36]
    assert all(r & 0xFFFFFF == 0 for r in _fips197.RCON)


# ---------------------------------------------------------------------------
# FIPS-197 vectors, reference and table-driven functions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(FIPS, "valid", operation="block"))
def test_fips197_block_vectors(case: dict) -> None:
    w = _fips197.expand_key(_h(case["key"]))
    pt, ct = _h(case["plaintext"]), _h(case["ciphertext"])
    assert _fips197.cipher(pt, w) == ct
    assert _fips197.encrypt_block(w, pt) == ct
    assert _fips197.inv_cipher(ct, w) == pt
    assert _fips197.decrypt_block(w, ct) == pt
    assert _fips197.eq_inv_decrypt_block(_fips197.equivalent_inverse_key(w), ct) == pt


@pytest.mark.parametrize("case", _cases(FIPS, "valid", operation="key_expansion"))
def test_fips197_key_expansion_vectors(case: dict) -> None:
    key = _h(case["key"])
    w = _fips197.expand_key(key)
    nr = {16: 10, 24: 12, 32: 14}[len(key)]
    assert len(w) == 4 * (nr + 1)
    assert struct.pack(">4I", *w[4 * nr :]).hex() == case["last_round_key"]
    # The key itself is the first Nk words (§5.2).
    assert struct.pack(f">{len(key) // 4}I", *w[: len(key) // 4]) == key


@pytest.mark.parametrize("key_len", [16, 24, 32])
def test_tables_agree_with_reference_round_functions(key_len: int) -> None:
    rng = _seeded(197 + key_len)
    for _ in range(25):
        w = _fips197.expand_key(rng(key_len))
        block = rng(16)
        ct = _fips197.cipher(block, w)
        assert _fips197.encrypt_block(w, block) == ct
        assert _fips197.inv_cipher(ct, w) == block
        assert _fips197.decrypt_block(w, ct) == block
        assert _fips197.decrypt_block(w, block) == _fips197.inv_cipher(block, w)


@settings(max_examples=30, deadline=None)
@given(key=st.binary(min_size=32, max_size=32), block=st.binary(min_size=16, max_size=16))
def test_tables_agree_with_reference_property(key: bytes, block: bytes) -> None:
    w = _fips197.expand_key(key)
    assert _fips197.encrypt_block(w, block) == _fips197.cipher(block, w)
    assert _fips197.decrypt_block(w, block) == _fips197.inv_cipher(block, w)


@pytest.mark.parametrize("bad", [b"", bytes(15), bytes(17), bytes(20), bytes(31), bytes(33), "k" * 16])
def test_expand_key_rejects_wrong_lengths(bad: object) -> None:
    with pytest.raises(UsageError):
        _fips197.expand_key(bad)  # type: ignore[arg-type]


def test_block_functions_reject_wrong_lengths() -> None:
    w = _fips197.expand_key(bytes(16))
    for fn in (_fips197.encrypt_block, _fips197.decrypt_block):
        for n in (0, 15, 17):
            with pytest.raises(UsageError):
                fn(w, bytes(n))
    with pytest.raises(UsageError):
        _fips197.encrypt_block(w[:-1], bytes(16))
    with pytest.raises(UsageError):
        _fips197.cipher(bytes(16), w[:40])


# ---------------------------------------------------------------------------
# SP 800-38A CBC
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(CBC, "valid", mode="raw"))
def test_sp800_38a_raw_cbc_vectors(case: dict) -> None:
    key, iv, pt, ct = _h(case["key"]), _h(case["iv"]), _h(case["plaintext"]), _h(case["ciphertext"])
    if case["direction"] == "encrypt":
        assert _sp800_38a.cbc_encrypt_raw(key, iv, pt) == ct
    else:
        assert _sp800_38a.cbc_decrypt_raw(key, iv, ct) == pt
    # Each block of the raw vector is CIPH_K(P_j xor C_(j-1)) (SP 800-38A §6.2).
    w = _fips197.expand_key(key)
    prev = iv
    for j in range(0, 64, 16):
        x = bytes(a ^ b for a, b in zip(pt[j : j + 16], prev))
        assert _fips197.cipher(x, w) == ct[j : j + 16]
        prev = ct[j : j + 16]


@pytest.mark.parametrize("case", _cases(CBC, "valid", mode="pkcs7"))
def test_cbc_padded_vectors(backend: crypto.Backend, case: dict) -> None:
    key, iv, pt, ct = _h(case["key"]), _h(case["iv"]), _h(case["plaintext"]), _h(case["ciphertext"])
    assert backend.aes_cbc_encrypt(key, iv, pt) == ct
    assert backend.aes_cbc_decrypt(key, iv, ct) == pt
    # Padding always adds 1..16 bytes (RFC 5652 §6.3).
    assert len(ct) == (len(pt) // 16 + 1) * 16


@pytest.mark.parametrize("case", _cases(CBC, "invalid", mode="pkcs7"))
def test_cbc_invalid_vectors(backend: crypto.Backend, case: dict) -> None:
    assert case["error"] == "DecryptionError"
    with pytest.raises(DecryptionError) as info:
        backend.aes_cbc_decrypt(_h(case["key"]), _h(case["iv"]), _h(case["ciphertext"]))
    assert str(info.value) == "decryption failed"


@pytest.mark.parametrize("case", _cases(CBC, "invalid", mode="pkcs7"))
def test_cbc_invalid_vectors_module(case: dict) -> None:
    with pytest.raises(DecryptionError):
        _sp800_38a.cbc_decrypt(_h(case["key"]), _h(case["iv"]), _h(case["ciphertext"]))
    if "padded_plaintext" in case:
        # The raw decryption shows the bad padding that the padded one refuses.
        raw = _sp800_38a.cbc_decrypt_raw(_h(case["key"]), _h(case["iv"]), _h(case["ciphertext"]))
        assert raw.hex() == case["padded_plaintext"]


def test_cbc_invalid_vectors_cover_each_family() -> None:
    comments = " ".join(c["comment"] for c in CBC["cases"] if c["result"] == "invalid")
    for family in ("pad byte 0x00", "pad byte 0x11", "inconsistent padding", "of 0 bytes", "of 15 bytes", "of 17 bytes"):
        assert family in comments


@pytest.mark.parametrize("n", range(0, 34))
def test_pkcs7_pad_unpad(n: int) -> None:
    data = bytes(range(n))
    padded = _sp800_38a.pad(data)
    k = 16 - n % 16
    assert len(padded) == n + k and padded[n:] == bytes([k]) * k
    assert _sp800_38a.unpad(padded) == data


def test_unpad_checks_every_padding_byte() -> None:
    # Flip each byte of a full padding block in turn: every position must count.
    good = bytes(16) + bytes([16]) * 16
    assert _sp800_38a.unpad(good) == bytes(16)
    for i in range(16, 31):
        bad = bytearray(good)
        bad[i] ^= 0x01
        with pytest.raises(DecryptionError):
            _sp800_38a.unpad(bytes(bad))
    for last in (0, 17, 0x80, 0xFF):
        with pytest.raises(DecryptionError):
            _sp800_38a.unpad(bytes(15) + bytes([last]))
    for n in (0, 15, 17):
        with pytest.raises(DecryptionError):
            _sp800_38a.unpad(bytes([1]) * n)


def test_raw_cbc_rejects_partial_blocks() -> None:
    for fn in (_sp800_38a.cbc_encrypt_raw, _sp800_38a.cbc_decrypt_raw):
        with pytest.raises(UsageError):
            fn(bytes(16), bytes(16), bytes(17))
        with pytest.raises(UsageError):
            fn(bytes(16), bytes(15), bytes(16))
    assert _sp800_38a.cbc_encrypt_raw(bytes(16), bytes(16), b"") == b""


@pytest.mark.parametrize("key_len", [16, 24, 32])
@pytest.mark.parametrize("n", SIZES)
def test_cbc_round_trip(backend: crypto.Backend, key_len: int, n: int) -> None:
    rng = _seeded(1000 * key_len + n)
    key, iv, pt = rng(key_len), rng(16), rng(n)
    ct = backend.aes_cbc_encrypt(key, iv, pt)
    assert len(ct) == (n // 16 + 1) * 16
    assert ct == _sp800_38a.cbc_encrypt(key, iv, pt)
    assert backend.aes_cbc_decrypt(key, iv, ct) == pt
    # A different IV changes only the first block of plaintext (CBC property).
    other = bytes([iv[0] ^ 1]) + iv[1:]
    wrong = _sp800_38a.cbc_decrypt_raw(key, other, ct)
    assert wrong[16:] == _sp800_38a.cbc_decrypt_raw(key, iv, ct)[16:]
    assert wrong[:16] != _sp800_38a.cbc_decrypt_raw(key, iv, ct)[:16]


# ---------------------------------------------------------------------------
# RFC 3394 key wrap
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(KW, "valid"))
def test_rfc3394_vectors(backend: crypto.Backend, case: dict) -> None:
    kek, key, wrapped = _h(case["kek"]), _h(case["key"]), _h(case["wrapped"])
    assert backend.aes_key_wrap(kek, key) == wrapped
    assert backend.aes_key_unwrap(kek, wrapped) == key


@pytest.mark.parametrize("case", _cases(KW, "valid"))
def test_rfc3394_vectors_module(case: dict) -> None:
    kek, key, wrapped = _h(case["kek"]), _h(case["key"]), _h(case["wrapped"])
    assert _rfc3394.wrap(kek, key) == wrapped
    assert _rfc3394.unwrap(kek, wrapped) == key


@pytest.mark.parametrize("case", _cases(KW, "invalid"))
def test_rfc3394_invalid_vectors(backend: crypto.Backend, case: dict) -> None:
    assert case["error"] == "DecryptionError"
    with pytest.raises(DecryptionError):
        backend.aes_key_unwrap(_h(case["kek"]), _h(case["wrapped"]))
    with pytest.raises(DecryptionError):
        _rfc3394.unwrap(_h(case["kek"]), _h(case["wrapped"]))


def test_rfc3394_invalid_vectors_cover_each_family() -> None:
    flags = {f for c in KW["cases"] if c["result"] == "invalid" for f in c["flags"]}
    assert {"ModifiedCiphertext", "WrongKey", "Truncated", "WrongLength"} <= flags


@pytest.mark.parametrize("n", [16, 24, 32, 40, 64])
def test_key_wrap_round_trip_and_every_flipped_byte(backend: crypto.Backend, n: int) -> None:
    rng = _seeded(3394 + n)
    kek, key = rng(32), rng(n)
    wrapped = backend.aes_key_wrap(kek, key)
    assert len(wrapped) == n + 8
    assert backend.aes_key_unwrap(kek, wrapped) == key
    for i in range(len(wrapped)):
        bad = bytearray(wrapped)
        bad[i] ^= 0x40
        with pytest.raises(DecryptionError):
            backend.aes_key_unwrap(kek, bytes(bad))


def test_key_wrap_module_rejects_bad_key_data() -> None:
    for n in (0, 8, 15, 17, 23):
        with pytest.raises(UsageError):
            _rfc3394.wrap(bytes(16), bytes(n))


# ---------------------------------------------------------------------------
# SP 800-38D GCM
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(GCM, "valid"))
def test_gcm_vectors(backend: crypto.Backend, case: dict) -> None:
    key, iv, aad, msg = _h(case["key"]), _h(case["iv"]), _h(case["aad"]), _h(case["msg"])
    sealed = _h(case["ct"] + case["tag"])
    assert backend.aes_gcm_encrypt(key, iv, msg, aad) == sealed
    assert backend.aes_gcm_decrypt(key, iv, sealed, aad) == msg


@pytest.mark.parametrize("case", _cases(GCM, "valid"))
def test_gcm_intermediate_values(case: dict) -> None:
    key, aad, ct = _h(case["key"]), _h(case["aad"]), _h(case["ct"])
    w = _fips197.expand_key(key)
    H = _fips197.encrypt_block(w, bytes(16))
    assert H.hex() == case["H"]
    # SP 800-38D §7.1 step 5: S = GHASH_H(A || 0^v || C || 0^u || [len(A)]_64 || [len(C)]_64).
    X = aad + bytes(-len(aad) % 16) + ct + bytes(-len(ct) % 16) + struct.pack(">QQ", 8 * len(aad), 8 * len(ct))
    assert _sp800_38d.GHASH(H, X).hex() == case["GHASH"]
    # The same S from the bitwise Algorithm 1.
    Y = 0
    for j in range(0, len(X), 16):
        Y = _sp800_38d.gf128_mul(Y ^ int.from_bytes(X[j : j + 16], "big"), int.from_bytes(H, "big"))
    assert Y.to_bytes(16, "big").hex() == case["GHASH"]
    # §7.1 step 6: T = GCTR_K(J0, S) with J0 = IV || 0^31 || 1.
    J0 = _h(case["iv"]) + b"\x00\x00\x00\x01"
    assert _sp800_38d.GCTR(w, J0, _h(case["GHASH"])).hex() == case["tag"]


@pytest.mark.parametrize("case", _cases(GCM, "valid"))
def test_gcm_vectors_module(case: dict) -> None:
    key, iv, aad, msg = _h(case["key"]), _h(case["iv"]), _h(case["aad"]), _h(case["msg"])
    sealed = _h(case["ct"] + case["tag"])
    assert _sp800_38d.gcm_encrypt(key, iv, msg, aad) == sealed
    assert _sp800_38d.gcm_decrypt(key, iv, sealed, aad) == msg


@pytest.mark.parametrize("case", _cases(GCM, "invalid"))
def test_gcm_invalid_vectors(backend: crypto.Backend, case: dict) -> None:
    assert case["error"] == "DecryptionError"
    with pytest.raises(DecryptionError):
        backend.aes_gcm_decrypt(_h(case["key"]), _h(case["iv"]), _h(case["ct"] + case["tag"]), _h(case["aad"]))
    with pytest.raises(DecryptionError):
        _sp800_38d.gcm_decrypt(_h(case["key"]), _h(case["iv"]), _h(case["ct"] + case["tag"]), _h(case["aad"]))


def test_gcm_invalid_vectors_cover_each_family() -> None:
    flags = {f for c in GCM["cases"] if c["result"] == "invalid" for f in c["flags"]}
    assert {"ModifiedTag", "ModifiedCiphertext", "ModifiedAad", "ModifiedNonce", "Truncated", "WrongKey"} <= flags
    lengths = {len(c["ct"] + c["tag"]) // 2 for c in GCM["cases"] if "Truncated" in c["flags"]}
    assert {0, 15} <= lengths


@pytest.mark.parametrize("n", [0, 1, 15])
def test_gcm_module_rejects_input_shorter_than_a_tag(n: int) -> None:
    with pytest.raises(DecryptionError):
        _sp800_38d.gcm_decrypt(bytes(32), bytes(12), bytes(n), b"")


def test_gcm_checks_the_tag_before_decrypting(monkeypatch: pytest.MonkeyPatch) -> None:
    key, iv = bytes(range(32)), bytes(range(12))
    sealed = bytearray(_sp800_38d.gcm_encrypt(key, iv, b"secret message!!" * 3, b"hdr"))
    sealed[-1] ^= 1
    seen = []
    real = _sp800_38d.GCTR

    def spy(round_keys, ICB, X):  # noqa: N803
        seen.append(ICB)
        return real(round_keys, ICB, X)

    monkeypatch.setattr(_sp800_38d, "GCTR", spy)
    with pytest.raises(DecryptionError):
        _sp800_38d.gcm_decrypt(key, iv, bytes(sealed), b"hdr")
    # Only GCTR(J0, S) for the tag ran; GCTR(inc32(J0), C) never did.
    assert seen == [iv + b"\x00\x00\x00\x01"]


def test_inc32_wraps_without_carry() -> None:
    # SP 800-38D §6.2: only the rightmost 32 bits are incremented, modulo 2^32.
    assert _sp800_38d.inc32(0xCAFEBABEFACEDBADDECAF88800000001) == 0xCAFEBABEFACEDBADDECAF88800000002
    assert _sp800_38d.inc32(0xCAFEBABEFACEDBADDECAF888FFFFFFFF) == 0xCAFEBABEFACEDBADDECAF88800000000
    assert _sp800_38d.inc32((1 << 128) - 1) == ((1 << 128) - 1) ^ 0xFFFFFFFF


def test_gctr_counter_wrap_matches_block_cipher() -> None:
    # A counter block ending in ffffffff: the second block must use ...00000000.
    w = _fips197.expand_key(bytes(16))
    icb = bytes(12) + b"\xff\xff\xff\xff"
    ks = _sp800_38d.GCTR(w, icb, bytes(32))
    assert ks[:16] == _fips197.cipher(icb, w)
    assert ks[16:] == _fips197.cipher(bytes(16), w)
    assert _sp800_38d.GCTR(w, icb, b"") == b""


def test_table_multiply_agrees_with_algorithm_1() -> None:
    rnd = random.Random(38)
    specials = [0, 1, 1 << 127, (1 << 128) - 1, _sp800_38d.R]
    for _ in range(100):
        x = rnd.getrandbits(128)
        h = rnd.choice(specials + [rnd.getrandbits(128)])
        via_tables = _sp800_38d.GHASH(h.to_bytes(16, "big"), x.to_bytes(16, "big"))
        assert int.from_bytes(via_tables, "big") == _sp800_38d.gf128_mul(x, h)
    # 1 (the block 10000...0, x_0 = 1) is the multiplicative identity; . is commutative.
    one = 1 << 127
    for _ in range(20):
        a, b = rnd.getrandbits(128), rnd.getrandbits(128)
        assert _sp800_38d.gf128_mul(a, one) == a
        assert _sp800_38d.gf128_mul(a, b) == _sp800_38d.gf128_mul(b, a)


def test_ghash_rejects_partial_blocks() -> None:
    with pytest.raises(UsageError):
        _sp800_38d.GHASH(bytes(16), bytes(17))
    with pytest.raises(UsageError):
        _sp800_38d.GHASH(bytes(15), bytes(16))
    assert _sp800_38d.GHASH(bytes(16), b"") == bytes(16)


@pytest.mark.parametrize("key_len", [16, 32])
@pytest.mark.parametrize("n", SIZES)
def test_gcm_round_trip_and_tampering(backend: crypto.Backend, key_len: int, n: int) -> None:
    rng = _seeded(7 * key_len + n)
    key, nonce, pt, aad = rng(key_len), rng(12), rng(n), rng(n % 7)
    sealed = backend.aes_gcm_encrypt(key, nonce, pt, aad)
    assert len(sealed) == n + 16
    assert sealed == _sp800_38d.gcm_encrypt(key, nonce, pt, aad)
    assert backend.aes_gcm_decrypt(key, nonce, sealed, aad) == pt
    for i in {0, len(sealed) // 2, len(sealed) - 1}:
        bad = bytearray(sealed)
        bad[i] ^= 0x01
        with pytest.raises(DecryptionError):
            backend.aes_gcm_decrypt(key, nonce, bytes(bad), aad)
    with pytest.raises(DecryptionError):
        backend.aes_gcm_decrypt(key, nonce, sealed, aad + b"x")
    with pytest.raises(DecryptionError):
        backend.aes_gcm_decrypt(key, nonce, sealed[:-1], aad)


@settings(max_examples=25, deadline=None)
@given(pt=st.binary(max_size=70), aad=st.binary(max_size=40), key=st.binary(min_size=32, max_size=32))
def test_gcm_cbc_round_trip_property(pt: bytes, aad: bytes, key: bytes) -> None:
    nonce, iv = key[:12], key[16:]
    assert _sp800_38d.gcm_decrypt(key, nonce, _sp800_38d.gcm_encrypt(key, nonce, pt, aad), aad) == pt
    assert _sp800_38a.cbc_decrypt(key, iv, _sp800_38a.cbc_encrypt(key, iv, pt)) == pt


# ---------------------------------------------------------------------------
# Facade argument checks (UsageError) and cross-backend agreement
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("key_len", [0, 8, 15, 17, 20, 31, 33, 64])
def test_facade_rejects_wrong_key_lengths(backend: crypto.Backend, key_len: int) -> None:
    key = bytes(key_len)
    with pytest.raises(UsageError):
        backend.aes_cbc_encrypt(key, bytes(16), b"x")
    with pytest.raises(UsageError):
        backend.aes_cbc_decrypt(key, bytes(16), bytes(16))
    with pytest.raises(UsageError):
        backend.aes_key_wrap(key, bytes(16))
    with pytest.raises(UsageError):
        backend.aes_key_unwrap(key, bytes(24))
    with pytest.raises(UsageError):
        backend.aes_gcm_encrypt(key, bytes(12), b"x")
    with pytest.raises(UsageError):
        backend.aes_gcm_decrypt(key, bytes(12), bytes(16))


@pytest.mark.parametrize("iv_len", [0, 8, 12, 15, 17, 32])
def test_facade_rejects_wrong_cbc_iv_lengths(backend: crypto.Backend, iv_len: int) -> None:
    with pytest.raises(UsageError):
        backend.aes_cbc_encrypt(bytes(32), bytes(iv_len), b"x")
    with pytest.raises(UsageError):
        backend.aes_cbc_decrypt(bytes(32), bytes(iv_len), bytes(16))


@pytest.mark.parametrize("nonce_len", [0, 8, 11, 13, 16, 24])
def test_facade_rejects_wrong_gcm_nonce_lengths(backend: crypto.Backend, nonce_len: int) -> None:
    with pytest.raises(UsageError):
        backend.aes_gcm_encrypt(bytes(32), bytes(nonce_len), b"x")
    with pytest.raises(UsageError):
        backend.aes_gcm_decrypt(bytes(32), bytes(nonce_len), bytes(16))


@pytest.mark.parametrize("n", [0, 8, 15, 17, 23, 33])
def test_facade_rejects_bad_key_data_to_wrap(backend: crypto.Backend, n: int) -> None:
    with pytest.raises(UsageError):
        backend.aes_key_wrap(bytes(32), bytes(n))


def test_facade_rejects_non_bytes(backend: crypto.Backend) -> None:
    with pytest.raises(UsageError):
        backend.aes_cbc_encrypt("k" * 32, bytes(16), b"x")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        backend.aes_gcm_encrypt(bytes(32), bytes(12), "text")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        backend.aes_key_unwrap(bytes(32), None)  # type: ignore[arg-type]


def test_backends_agree_on_random_inputs() -> None:
    pure, native = crypto.backend("pure"), native_or_fail()
    rng = _seeded(20240601)
    for n in SIZES + (100, 1000):
        key, iv, nonce, pt = rng(32), rng(16), rng(12), rng(n)
        assert pure.aes_cbc_encrypt(key, iv, pt) == native.aes_cbc_encrypt(key, iv, pt)
        assert pure.aes_gcm_encrypt(key, nonce, pt, iv) == native.aes_gcm_encrypt(key, nonce, pt, iv)
        if n >= 16 and n % 8 == 0:
            assert pure.aes_key_wrap(key, pt) == native.aes_key_wrap(key, pt)


# ---------------------------------------------------------------------------
# The native backend's pure fallbacks: on a host with AES-NI they never run
# unless the availability flags are switched off. A guard around the
# extension's lib makes sure the hardware code is really not called.
# ---------------------------------------------------------------------------


class _HardwareAESGuard:
    """Forwards to the extension's lib, but fails on the disabled functions."""

    def __init__(self, lib: object, blocked: tuple) -> None:
        self._lib = lib
        self._blocked = blocked

    def __getattr__(self, name: str) -> object:
        if name.startswith(self._blocked):
            raise AssertionError(f"{name} called although it is switched off")
        return getattr(self._lib, name)


@pytest.fixture(params=["no-aesni", "no-aes256gcm"])
def native_fallback(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> crypto.Backend:
    """The native backend as it runs without AES-NI, or without libsodium's AES-256-GCM."""
    native = native_or_fail()
    from refdidcomm import _native_backend

    blocked: tuple = ("crypto_aead_aes256gcm_encrypt", "crypto_aead_aes256gcm_decrypt")
    monkeypatch.setattr(_native_backend, "_AES256GCM", False)
    if request.param == "no-aesni":
        # libsodium's AES-256-GCM needs AES-NI too.
        monkeypatch.setattr(_native_backend, "_AESNI", False)
        blocked += ("refdidcomm_aes_",)
    monkeypatch.setattr(_native_backend, "lib", _HardwareAESGuard(_native_backend.lib, blocked))
    assert not native.constant_time("aes_gcm_encrypt", key_len=32)
    assert native.constant_time("aes_cbc_encrypt") is (request.param != "no-aesni")
    return native


def test_fallback_guard_catches_hardware_calls(native_fallback: crypto.Backend) -> None:
    from refdidcomm import _native_backend

    with pytest.raises(AssertionError, match="switched off"):
        _native_backend.lib.crypto_aead_aes256gcm_encrypt  # noqa: B018


@pytest.mark.parametrize("case", _cases(CBC, "valid", mode="pkcs7"))
def test_cbc_padded_vectors_native_fallback(native_fallback: crypto.Backend, case: dict) -> None:
    test_cbc_padded_vectors(native_fallback, case)


@pytest.mark.parametrize("case", _cases(CBC, "invalid", mode="pkcs7"))
def test_cbc_invalid_vectors_native_fallback(native_fallback: crypto.Backend, case: dict) -> None:
    test_cbc_invalid_vectors(native_fallback, case)


@pytest.mark.parametrize("case", _cases(KW, "valid"))
def test_rfc3394_vectors_native_fallback(native_fallback: crypto.Backend, case: dict) -> None:
    test_rfc3394_vectors(native_fallback, case)


@pytest.mark.parametrize("case", _cases(KW, "invalid"))
def test_rfc3394_invalid_vectors_native_fallback(native_fallback: crypto.Backend, case: dict) -> None:
    test_rfc3394_invalid_vectors(native_fallback, case)


@pytest.mark.parametrize("case", _cases(GCM, "valid"))
def test_gcm_vectors_native_fallback(native_fallback: crypto.Backend, case: dict) -> None:
    test_gcm_vectors(native_fallback, case)


@pytest.mark.parametrize("case", _cases(GCM, "invalid"))
def test_gcm_invalid_vectors_native_fallback(native_fallback: crypto.Backend, case: dict) -> None:
    test_gcm_invalid_vectors(native_fallback, case)


@pytest.mark.parametrize("key_len", [16, 24, 32])
def test_native_fallback_agrees_with_pure_and_hardware(native_fallback: crypto.Backend, key_len: int) -> None:
    """Differential: the fallback paths against the pure backend, on random inputs."""
    pure = crypto.backend("pure")
    rng = _seeded(3394 + key_len)
    for n in SIZES + (100, 1000):
        key, iv, nonce, pt, aad = rng(key_len), rng(16), rng(12), rng(n), rng(n % 40)
        ct = native_fallback.aes_cbc_encrypt(key, iv, pt)
        assert ct == pure.aes_cbc_encrypt(key, iv, pt)
        assert native_fallback.aes_cbc_decrypt(key, iv, ct) == pt
        with pytest.raises(DecryptionError):
            native_fallback.aes_cbc_decrypt(key, iv, ct[:-1])
        sealed = native_fallback.aes_gcm_encrypt(key, nonce, pt, aad)
        assert sealed == pure.aes_gcm_encrypt(key, nonce, pt, aad)
        assert native_fallback.aes_gcm_decrypt(key, nonce, sealed, aad) == pt
        with pytest.raises(DecryptionError):
            native_fallback.aes_gcm_decrypt(key, nonce, sealed[:-1] + bytes([sealed[-1] ^ 1]), aad)
        if n >= 16 and n % 8 == 0:
            wrapped = native_fallback.aes_key_wrap(key, pt)
            assert wrapped == pure.aes_key_wrap(key, pt)
            assert native_fallback.aes_key_unwrap(key, wrapped) == pt
            with pytest.raises(DecryptionError):
                native_fallback.aes_key_unwrap(key, bytes([wrapped[0] ^ 1]) + wrapped[1:])
