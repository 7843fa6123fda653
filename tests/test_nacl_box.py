"""NaCl crypto_box, libsodium sealed boxes, and the Salsa20 family under them.

Vectors: vectors/nacl_box.json. box / box_open / seal / seal_open cases run
through the crypto facade on both backends; the Salsa20 expansion and
HSalsa20 cases run on refdidcomm._salsa20 directly.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Callable, Dict, List

import pytest
from conftest import load_vectors
from test_crypto_facade import native_or_fail

from refdidcomm import _nacl_box, _rfc7748, _rfc8439, _salsa20, crypto, errors
from refdidcomm.errors import DecryptionError, LowOrderPointError, UsageError

H = bytes.fromhex
BOX = load_vectors("nacl_box")
SIZES = [0, 1, 15, 16, 17, 63, 64, 65, 1000]


def _cases(op: str) -> List[Dict[str, Any]]:
    return [c for c in BOX["cases"] if c["op"] == op]


def _param(op: str) -> Any:
    return pytest.mark.parametrize(
        "case", _cases(op), ids=lambda c: f"tc{c['tcId']}-{'-'.join(c['flags']) or c['result']}"
    )


def _fixed(value: bytes) -> Callable[[int], bytes]:
    """An rng that hands out ``value`` once (and checks it is asked for its length)."""
    calls: List[int] = []

    def rng(n: int) -> bytes:
        assert n == len(value) and not calls
        calls.append(n)
        return value

    return rng


def _flip(b: bytes, i: int, bit: int = 1) -> bytes:
    out = bytearray(b)
    out[i] ^= bit
    return bytes(out)


def _keypair(seed: str) -> tuple:
    sk = hashlib.sha256(seed.encode()).digest()
    return sk, _rfc7748.x25519_base(sk)


# --------------------------------------------------------------------------
# The vector file
# --------------------------------------------------------------------------


def test_vector_file_layout() -> None:
    header = BOX["header"]
    for field in ("name", "algorithm", "source", "generator", "verified_against", "notes", "seed"):
        assert header[field], field
    assert [c["tcId"] for c in BOX["cases"]] == list(range(1, len(BOX["cases"]) + 1))
    for c in BOX["cases"]:
        assert c["result"] in ("valid", "invalid")
        if c["result"] == "invalid":
            assert c["flags"], c["tcId"]
            assert issubclass(getattr(errors, c["error"]), errors.RefDIDCommError)
    flags = {f for c in BOX["cases"] for f in c["flags"]}
    assert {"ModifiedTag", "ModifiedCiphertext", "ModifiedNonce", "Truncated", "WrongKey", "LowOrderPoint"} <= flags
    low_order = {(c["op"], c["error"]) for c in BOX["cases"] if "LowOrderPoint" in c["flags"]}
    assert low_order == {
        ("box", "LowOrderPointError"),
        ("box_open", "DecryptionError"),
        ("seal", "LowOrderPointError"),
        ("seal_open", "DecryptionError"),
    }
    # u = 0 and u = 1 are among the low-order keys of box, box_open and seal.
    for op, field in (("box", "recipient_pk"), ("box_open", "sender_pk"), ("seal", "recipient_pk")):
        keys = {H(c[field]) for c in _cases(op) if "LowOrderPoint" in c["flags"]}
        assert {bytes(32), (1).to_bytes(32, "little")} <= keys, op


def test_generated_inputs_reproduce_from_the_seed() -> None:
    seed, name = BOX["header"]["seed"], BOX["header"]["name"]
    generated = [c for c in BOX["cases"] if "Generated" in c["flags"]]
    for op in ("box", "seal"):
        assert {len(H(c["msg"])) for c in generated if c["op"] == op} >= {0, 1, 15, 16, 17, 63, 64, 65}
    for c in generated:
        fields = ["sender_sk", "recipient_sk", "nonce", "msg"] if c["op"] == "box" else ["recipient_sk", "esk", "msg"]
        for field in fields:
            value = H(c[field])
            derived = hashlib.shake_256(f"{seed}|{name}|{c['tcId']}|{field}".encode()).digest(len(value))
            assert value == derived, (c["tcId"], field)


# --------------------------------------------------------------------------
# Salsa20, HSalsa20, XSalsa20 (pure module)
# --------------------------------------------------------------------------


def test_sigma_is_expand_32_byte_k() -> None:
    # Salsa20 spec §9: sigma_0 = (101, 120, 112, 97), ... = "expa", "nd 3", "2-by", "te k".
    assert _salsa20.SIGMA == (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)


def test_quarterround_spec_examples() -> None:
    # Salsa20 specification §3 examples.
    assert _salsa20.quarterround(0, 0, 0, 0) == (0, 0, 0, 0)
    assert _salsa20.quarterround(1, 0, 0, 0) == (0x08008145, 0x00000080, 0x00010200, 0x20500000)
    assert _salsa20.quarterround(0, 1, 0, 0) == (0x88000100, 0x00000001, 0x00000200, 0x00402000)


def test_doubleround_is_rowround_after_columnround() -> None:
    x = list(range(1, 17))
    assert _salsa20.doubleround(x) == _salsa20.rowround(_salsa20.columnround(x))
    # columnround is rowround on the transposed state (Salsa20 spec §5).
    t = [x[4 * (i % 4) + i // 4] for i in range(16)]
    y = _salsa20.rowround(t)
    assert _salsa20.columnround(x) == [y[4 * (i % 4) + i // 4] for i in range(16)]


@_param("salsa20_expansion")
def test_salsa20_expansion(case: Dict[str, Any]) -> None:
    assert _salsa20.salsa20_expansion(H(case["k"]), H(case["n"])) == H(case["out"])


@_param("hsalsa20")
def test_hsalsa20(case: Dict[str, Any]) -> None:
    assert _salsa20.hsalsa20(H(case["k"]), H(case["n"])) == H(case["out"])


def test_hsalsa20_is_the_hash_without_the_final_addition() -> None:
    # "Extending the Salsa20 nonce" §2: HSalsa20 outputs z0, z5, z10, z15,
    # z6, z7, z8, z9 of doubleround^10; Salsa20_k(n) adds the input back.
    k, n = bytes(range(32)), bytes(range(200, 216))
    out = _salsa20.salsa20_expansion(k, n)
    words = [int.from_bytes(out[4 * i : 4 * i + 4], "little") for i in range(16)]
    inp = _salsa20._expansion_input(k, n)
    initial = [int.from_bytes(inp[4 * i : 4 * i + 4], "little") for i in range(16)]
    z = [(w - i) & 0xFFFFFFFF for w, i in zip(words, initial)]
    expected = b"".join(z[i].to_bytes(4, "little") for i in (0, 5, 10, 15, 6, 7, 8, 9))
    assert _salsa20.hsalsa20(k, n) == expected


def test_salsa20_stream_counter_and_xsalsa20_composition() -> None:
    k, nonce24 = bytes(range(32)), bytes(range(24))
    data = bytes(range(256)) * 3
    stream = _salsa20.xsalsa20_xor(k, nonce24, bytes(len(data)))
    # block i is Salsa20_{subkey}(nonce[16:24] || le64(i))
    subkey = _salsa20.hsalsa20(k, nonce24[:16])
    assert stream[128:192] == _salsa20.salsa20_expansion(subkey, nonce24[16:] + (2).to_bytes(8, "little"))
    assert _salsa20.xsalsa20_xor(k, nonce24, data[64:], counter=1) == bytes(
        a ^ b for a, b in zip(data[64:], stream[64:])
    )
    assert _salsa20.xsalsa20_xor(k, nonce24, _salsa20.xsalsa20_xor(k, nonce24, data)) == data


def test_salsa20_counter_must_not_wrap() -> None:
    k, n = bytes(32), bytes(8)
    assert len(_salsa20.salsa20_xor(k, n, bytes(64), counter=2**64 - 1)) == 64
    with pytest.raises(UsageError):
        _salsa20.salsa20_xor(k, n, bytes(65), counter=2**64 - 1)
    with pytest.raises(UsageError):
        _salsa20.salsa20_xor(k, n, b"x", counter=-1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: _salsa20.salsa20_hash(bytes(63)),
        lambda: _salsa20.salsa20_expansion(bytes(16), bytes(16)),
        lambda: _salsa20.hsalsa20(bytes(32), bytes(24)),
        lambda: _salsa20.hsalsa20(bytes(31), bytes(16)),
        lambda: _salsa20.xsalsa20_xor(bytes(32), bytes(16), b"x"),
        lambda: _nacl_box.secretbox(b"x", bytes(23), bytes(32)),
        lambda: _nacl_box.secretbox_open(bytes(16), bytes(24), bytes(31)),
        lambda: _nacl_box.box(b"x", bytes(24), bytes(31), bytes(32)),
        lambda: _nacl_box.box_open(bytes(16), bytes(24), bytes(32), bytes(33)),
        lambda: _nacl_box.seal(b"x", bytes(32), bytes(16)),
        lambda: _nacl_box.seal_open(bytes(48), bytes(31), bytes(32)),
    ],
)
def test_inner_functions_reject_wrong_lengths(call: Any) -> None:
    with pytest.raises(UsageError):
        call()


# --------------------------------------------------------------------------
# crypto_secretbox / crypto_box structure (pure module)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_secretbox_layout(size: int) -> None:
    # "Cryptography in NaCl": keystream bytes 0..31 are the Poly1305 key; the
    # message is XORed with the keystream from byte 32 on; the tag covers the
    # ciphertext only. Easy layout: tag || ciphertext.
    k, nonce = bytes(range(32)), bytes(range(24))
    msg = bytes((7 * i) & 0xFF for i in range(size))
    stream = _salsa20.xsalsa20_xor(k, nonce, bytes(32 + size))
    out = _nacl_box.secretbox(msg, nonce, k)
    ct = bytes(a ^ b for a, b in zip(msg, stream[32:]))
    assert out == _rfc8439.poly1305_mac(ct, stream[:32]) + ct
    assert _nacl_box.secretbox_open(out, nonce, k) == msg


def test_box_is_secretbox_under_beforenm() -> None:
    alice_sk, alice_pk = _keypair("alice")
    bob_sk, bob_pk = _keypair("bob")
    k = _nacl_box.beforenm(bob_pk, alice_sk)
    assert k == _nacl_box.beforenm(alice_pk, bob_sk)
    assert k == _salsa20.hsalsa20(_rfc7748.x25519(alice_sk, bob_pk), bytes(16))
    nonce, msg = bytes(24), b"hello"
    assert _nacl_box.box(msg, nonce, bob_pk, alice_sk) == _nacl_box.secretbox(msg, nonce, k)


def test_seal_nonce_is_blake2b_192_of_epk_and_pk() -> None:
    epk, pk = bytes(range(32)), bytes(range(32, 64))
    nonce = _nacl_box.seal_nonce(epk, pk)
    assert nonce == hashlib.blake2b(epk + pk, digest_size=24).digest()
    assert nonce != hashlib.blake2b(epk + pk).digest()[:24]  # digest_size is a parameter, not a truncation
    assert len(nonce) == 24


# --------------------------------------------------------------------------
# Vectors through the facade, both backends
# --------------------------------------------------------------------------


@_param("box")
def test_box_vectors(backend: crypto.Backend, case: Dict[str, Any]) -> None:
    msg, nonce = H(case["msg"]), H(case["nonce"])
    sender_sk, recipient_pk = H(case["sender_sk"]), H(case["recipient_pk"])
    if case["result"] == "valid":
        assert backend.x25519_public_key(sender_sk) == H(case["sender_pk"])
        assert backend.x25519_public_key(H(case["recipient_sk"])) == recipient_pk
        assert backend.box(msg, nonce, recipient_pk, sender_sk) == H(case["ct"])
        assert backend.box_open(H(case["ct"]), nonce, H(case["sender_pk"]), H(case["recipient_sk"])) == msg
    else:
        with pytest.raises(getattr(errors, case["error"])):
            backend.box(msg, nonce, recipient_pk, sender_sk)


@_param("box_open")
def test_box_open_vectors(backend: crypto.Backend, case: Dict[str, Any]) -> None:
    with pytest.raises(getattr(errors, case["error"])):
        backend.box_open(H(case["ct"]), H(case["nonce"]), H(case["sender_pk"]), H(case["recipient_sk"]))


@_param("seal")
def test_seal_vectors(backend: crypto.Backend, case: Dict[str, Any]) -> None:
    msg, pk, esk = H(case["msg"]), H(case["recipient_pk"]), H(case["esk"])
    if case["result"] == "valid":
        assert backend.x25519_public_key(H(case["recipient_sk"])) == pk
        assert backend.x25519_public_key(esk) == H(case["epk"])
        ct = backend.box_seal(msg, pk, rng=_fixed(esk))
        assert ct == H(case["ct"])
        assert ct[:32] == H(case["epk"])
        assert backend.box_seal_open(ct, pk, H(case["recipient_sk"])) == msg
    else:
        with pytest.raises(getattr(errors, case["error"])):
            backend.box_seal(msg, pk, rng=_fixed(esk))


@_param("seal_open")
def test_seal_open_vectors(backend: crypto.Backend, case: Dict[str, Any]) -> None:
    with pytest.raises(getattr(errors, case["error"])):
        backend.box_seal_open(H(case["ct"]), H(case["recipient_pk"]), H(case["recipient_sk"]))


# --------------------------------------------------------------------------
# Round trips and tampering through the facade, both backends
# --------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_box_round_trip(backend: crypto.Backend, size: int) -> None:
    alice_sk, alice_pk = _keypair("alice")
    bob_sk, bob_pk = _keypair("bob")
    rng = random.Random(f"box-{size}")
    msg, nonce = rng.randbytes(size), rng.randbytes(24)
    ct = backend.box(msg, nonce, bob_pk, alice_sk)
    assert len(ct) == size + 16
    assert backend.box_open(ct, nonce, alice_pk, bob_sk) == msg
    # crypto_box is symmetric in the key pairs: Bob -> Alice uses the same key.
    assert backend.box(msg, nonce, alice_pk, bob_sk) == ct
    with pytest.raises(DecryptionError):
        backend.box_open(ct, _flip(nonce, size % 24), alice_pk, bob_sk)


@pytest.mark.parametrize("size", SIZES)
def test_seal_round_trip(backend: crypto.Backend, size: int) -> None:
    bob_sk, bob_pk = _keypair("bob")
    msg = random.Random(f"seal-{size}").randbytes(size)
    ct = backend.box_seal(msg, bob_pk)  # the backend's own CSPRNG
    assert len(ct) == size + 48
    assert backend.box_seal_open(ct, bob_pk, bob_sk) == msg
    again = backend.box_seal(msg, bob_pk)
    assert again[:32] != ct[:32]  # a fresh ephemeral key every time
    carol_sk, carol_pk = _keypair("carol")
    with pytest.raises(DecryptionError):
        backend.box_seal_open(ct, carol_pk, carol_sk)


def test_box_every_flipped_byte_is_rejected(backend: crypto.Backend) -> None:
    alice_sk, alice_pk = _keypair("alice")
    bob_sk, bob_pk = _keypair("bob")
    nonce, msg = bytes(range(24)), b"seventeen bytes!!"
    ct = backend.box(msg, nonce, bob_pk, alice_sk)
    for i in range(len(ct)):
        with pytest.raises(DecryptionError):
            backend.box_open(_flip(ct, i), nonce, alice_pk, bob_sk)
    for n in range(len(ct)):
        with pytest.raises(DecryptionError):
            backend.box_open(ct[:n], nonce, alice_pk, bob_sk)


def test_seal_every_flipped_byte_is_rejected(backend: crypto.Backend) -> None:
    bob_sk, bob_pk = _keypair("bob")
    ct = backend.box_seal(b"x", bob_pk, rng=_fixed(bytes(range(32))))
    assert len(ct) == 49
    for i in range(len(ct)):
        with pytest.raises(DecryptionError):
            backend.box_seal_open(_flip(ct, i, 0x40), bob_pk, bob_sk)
    for n in range(len(ct)):
        with pytest.raises(DecryptionError):
            backend.box_seal_open(ct[:n], bob_pk, bob_sk)


@pytest.mark.parametrize("u", [0, 1])
def test_low_order_keys(backend: crypto.Backend, u: int) -> None:
    point = u.to_bytes(32, "little")
    alice_sk, alice_pk = _keypair("alice")
    with pytest.raises(LowOrderPointError):
        backend.box(b"m", bytes(24), point, alice_sk)
    with pytest.raises(LowOrderPointError):
        backend.box_seal(b"m", point)
    with pytest.raises(DecryptionError):
        backend.box_open(bytes(17), bytes(24), point, alice_sk)
    good = backend.box_seal(b"m", alice_pk, rng=_fixed(bytes(range(32))))
    with pytest.raises(DecryptionError):
        backend.box_seal_open(point + good[32:], alice_pk, alice_sk)
    # DecryptionError is not a LowOrderPointError: the opening side stays opaque.
    assert not issubclass(DecryptionError, LowOrderPointError)


def test_pure_and_native_agree_on_random_inputs() -> None:
    native = native_or_fail()
    pure = crypto.backend("pure")
    rng = random.Random(25519)
    for _ in range(10):
        size = rng.choice([0, 1, 15, 16, 17, 63, 64, 65, rng.randrange(0, 600)])
        msg, nonce = rng.randbytes(size), rng.randbytes(24)
        a_sk, b_sk, esk = rng.randbytes(32), rng.randbytes(32), rng.randbytes(32)
        b_pk = pure.x25519_public_key(b_sk)
        assert pure.box(msg, nonce, b_pk, a_sk) == native.box(msg, nonce, b_pk, a_sk)
        assert pure.box_seal(msg, b_pk, rng=_fixed(esk)) == native.box_seal(msg, b_pk, rng=_fixed(esk))
        sealed = native.box_seal(msg, b_pk)
        assert pure.box_seal_open(sealed, b_pk, b_sk) == msg
