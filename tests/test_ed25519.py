"""Ed25519 (RFC 8032): every vector of vectors/rfc8032_ed25519.json on both backends.

Also: the small-order encodings re-derived from the curve equation (and the
facade constant _Y8 checked against them), the pure module on its own, the
Ed25519 -> X25519 maps, and the W3C did:key vectors when ../shared is present.
"""

from __future__ import annotations

import base64
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load_shared, load_vectors
from refdidcomm import _rfc8032, crypto
from refdidcomm.errors import InvalidKey, UsageError

VEC = load_vectors("rfc8032_ed25519")
CASES = VEC["cases"]
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
FIXTURE_OK = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _h(s: str) -> bytes:
    return bytes.fromhex(s)


def _params(pred):
    return [pytest.param(c, id=f"tc{c['tcId']}") for c in CASES if pred(c)]


# -- the vectors through the facade, both backends ----------------------------


@pytest.mark.parametrize("case", _params(lambda c: "secret" in c))
def test_rfc8032_7_1_sign(backend: crypto.Backend, case: dict) -> None:
    seed, msg = _h(case["secret"]), _h(case["msg"])
    assert backend.ed25519_public_key(seed).hex() == case["public"]
    assert backend.ed25519_sign(seed, msg).hex() == case["sig"]


@pytest.mark.parametrize("case", _params(lambda c: "error" not in c))
def test_verify(backend: crypto.Backend, case: dict) -> None:
    got = backend.ed25519_verify(_h(case["public"]), _h(case["msg"]), _h(case["sig"]))
    assert got is (case["result"] == "valid")


@pytest.mark.parametrize("case", _params(lambda c: "error" in c))
def test_verify_wrong_lengths(backend: crypto.Backend, case: dict) -> None:
    assert case["error"] == "UsageError" and case["result"] == "invalid"
    with pytest.raises(UsageError):
        backend.ed25519_verify(_h(case["public"]), _h(case["msg"]), _h(case["sig"]))


@pytest.mark.parametrize("case", _params(lambda c: True))
def test_pure_module_alone(case: dict) -> None:
    # _rfc8032.verify implements RFC 8032 §5.1.7 with the cofactorless
    # equation and nothing more; it returns a bool for any input.
    got = _rfc8032.verify(_h(case["public"]), _h(case["msg"]), _h(case["sig"]))
    assert got is (case["rfc8032_cofactorless_result"] == "valid")


def test_vector_file_shape() -> None:
    assert [c["tcId"] for c in CASES] == list(range(1, len(CASES) + 1))
    assert sum(1 for c in CASES if "secret" in c) == 5
    flags = {f for c in CASES for f in c["flags"]}
    for f in ("NonCanonicalS", "ScalarTooLarge", "SmallOrderR", "SmallOrderPublicKey", "NonCanonicalPublicKey",
              "PublicKeyNotOnCurve", "ModifiedSignature", "ModifiedMessage", "SignatureLength", "MixedOrderPublicKey"):
        assert f in flags, f
    # Cases that only the facade's small-order rule rejects exist (the rule has teeth).
    teeth = [c for c in CASES if c["result"] == "invalid" and c["rfc8032_cofactorless_result"] == "valid"]
    assert len(teeth) == 16


# -- small-order points, derived from the curve --------------------------------


def _sqrt(a: int):
    """A square root mod p (p = 5 mod 8), or None."""
    a %= P
    x = pow(a, (P + 3) // 8, P)
    if x * x % P != a:
        x = x * pow(2, (P - 1) // 4, P) % P
    return x if x * x % P == a else None


def _derive_order8_y() -> set:
    """The ordinates of the points of order 8 on -x^2 + y^2 = 1 + d x^2 y^2.

    [2](x, y) has ordinate (x^2 + y^2) / (2 + x^2 - y^2): it is 0 (a point of
    order 4) iff x^2 = -y^2. With the curve equation: 2 y^2 = 1 - d y^4, so
    Y = y^2 solves d Y^2 + 2 Y - 1 = 0, Y = (-1 +- sqrt(1 + d)) / d.
    """
    d = -121665 * pow(121666, P - 2, P) % P
    s = _sqrt(1 + d)
    assert s is not None
    ys = set()
    for Y in ((-1 + s) * pow(d, P - 2, P) % P, (-1 - s) * pow(d, P - 2, P) % P):
        y = _sqrt(Y)
        if y is not None:
            ys |= {y, P - y}
    return ys


def _enc(y: int, sign: int) -> str:
    return (y | sign << 255).to_bytes(32, "little").hex()


def _small_order_encodings() -> set:
    ys = {0, 1, P - 1} | _derive_order8_y()
    out = {_enc(y, s) for y in ys for s in (0, 1)}  # 8 points + 2 "negative zero"
    out |= {_enc(y, s) for y in (P, P + 1) for s in (0, 1)}  # y >= p forms of 0 and 1
    return out


def test_facade_y8_is_derived_from_the_curve() -> None:
    ys = _derive_order8_y()
    assert len(ys) == 2 and crypto._Y8 in ys
    assert crypto._SMALL_ORDER_Y == frozenset({0, 1, P - 1} | ys)


def test_small_order_points_have_small_order() -> None:
    encs = _small_order_encodings()
    assert len(encs) == 14
    orders = []
    for e in encs:
        pt = _rfc8032.point_decompress(_h(e))
        if pt is None:
            continue  # negative zero or y >= p: RFC 8032 §5.1.3 decoding fails
        order = next(n for n in (1, 2, 4, 8) if _rfc8032.point_equal(_rfc8032.point_mul(n, pt), _rfc8032.IDENTITY))
        orders.append(order)
    assert sorted(orders) == [1, 2, 4, 4, 8, 8, 8, 8]


def test_vectors_cover_every_small_order_encoding() -> None:
    encs = _small_order_encodings()
    assert {c["public"] for c in CASES if "SmallOrderPublicKey" in c["flags"]} == encs
    assert {c["sig"][:64] for c in CASES if "SmallOrderR" in c["flags"]} == encs


# -- the pure module against the facade ----------------------------------------


@FIXTURE_OK
@given(seed=st.binary(min_size=32, max_size=32), msg=st.binary(max_size=200))
def test_pure_sign_matches_facade(backend: crypto.Backend, seed: bytes, msg: bytes) -> None:
    sig = backend.ed25519_sign(seed, msg)
    pk = backend.ed25519_public_key(seed)
    assert _rfc8032.sign(seed, msg) == sig
    assert _rfc8032.public_key(seed) == pk
    assert backend.ed25519_verify(pk, msg, sig)
    assert not backend.ed25519_verify(pk, msg + b"\x00", sig)
    bad = bytearray(sig)
    bad[len(msg) % 64] ^= 0x01
    assert not backend.ed25519_verify(pk, msg, bytes(bad))


def test_base_point_table_matches_double_and_add() -> None:
    rnd = random.Random(8032)
    for s in [0, 1, 2, L - 1, L, L + 1, 2**255 - 1] + [rnd.getrandbits(256) for _ in range(8)]:
        assert _rfc8032.point_equal(_rfc8032._base_mul(s), _rfc8032.point_mul(s % L, _rfc8032.B))
        assert _rfc8032.point_equal(_rfc8032._base_mul(s), _rfc8032.point_mul(s, _rfc8032.B))
    assert _rfc8032.point_equal(_rfc8032.point_mul(L, _rfc8032.B), _rfc8032.IDENTITY)


def test_base_point_constants() -> None:
    # RFC 8032 §5.1 prints B's coordinates; ours are derived from y = 4/5, x even.
    X, Y, Z, _ = _rfc8032.B
    assert X * pow(Z, P - 2, P) % P == 15112221349535400772501151409588531511454012693041857206046113283949847762202
    assert Y * pow(Z, P - 2, P) % P == 46316835694926478169428394003475163141307993866256225615783033603165251855960


@pytest.mark.parametrize("n", [0, 1, 31, 33, 64])
def test_wrong_lengths_raise_usage_error(backend: crypto.Backend, n: int) -> None:
    good = bytes(32)
    with pytest.raises(UsageError):
        backend.ed25519_public_key(bytes(n))
    with pytest.raises(UsageError):
        backend.ed25519_sign(bytes(n), b"msg")
    with pytest.raises(UsageError):
        backend.ed25519_verify(bytes(n), b"msg", bytes(64))
    with pytest.raises(UsageError):
        backend.ed25519_pk_to_x25519(bytes(n))
    with pytest.raises(UsageError):
        backend.ed25519_seed_to_x25519(bytes(n))
    if n != 64:
        with pytest.raises(UsageError):
            backend.ed25519_verify(good, b"msg", bytes(n))


@pytest.mark.parametrize("n", [0, 1, 31, 33, 63, 65])
def test_pure_module_lengths(n: int) -> None:
    with pytest.raises(UsageError):
        _rfc8032.public_key(bytes(n))
    with pytest.raises(UsageError):
        _rfc8032.sign(bytes(n), b"")
    assert _rfc8032.verify(bytes(n), b"", bytes(64)) is False
    assert _rfc8032.verify(_rfc8032.public_key(bytes(32)), b"", bytes(n)) is False
    with pytest.raises(InvalidKey):
        _rfc8032.pk_to_x25519(bytes(n))


def test_wrong_types(backend: crypto.Backend) -> None:
    with pytest.raises(UsageError):
        backend.ed25519_sign(bytes(32), "text")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        backend.ed25519_verify("00" * 32, b"", bytes(64))  # type: ignore[arg-type]


# -- Ed25519 -> X25519 ----------------------------------------------------------


def test_pk_to_x25519_of_base_point_is_nine(backend: crypto.Backend) -> None:
    # RFC 7748 §4.1: the map sends the edwards25519 base point to u = 9.
    B = _rfc8032.point_compress(_rfc8032.B)
    assert backend.ed25519_pk_to_x25519(B) == (9).to_bytes(32, "little")


@FIXTURE_OK
@given(seed=st.binary(min_size=32, max_size=32))
def test_seed_and_pk_maps_agree(backend: crypto.Backend, seed: bytes) -> None:
    x_sk = backend.ed25519_seed_to_x25519(seed)
    x_pk = backend.ed25519_pk_to_x25519(backend.ed25519_public_key(seed))
    assert backend.x25519_public_key(x_sk) == x_pk
    assert _rfc8032.pk_to_x25519(_rfc8032.public_key(seed)) == x_pk


_BAD_KEYS = sorted(_small_order_encodings()) + [
    _enc(P + 3, 0),  # y >= p, a point with y = 3 exists
    _enc(2, 0),  # y = 2: no curve point
    _enc(2**255 - 1, 1),  # all ones
]


@pytest.mark.parametrize("pk", _BAD_KEYS)
def test_pk_to_x25519_rejects_bad_keys(backend: crypto.Backend, pk: str) -> None:
    with pytest.raises(InvalidKey):
        backend.ed25519_pk_to_x25519(_h(pk))


@pytest.mark.parametrize("pk", [_enc(2, 0), _enc(2, 1), _enc(P + 3, 0), _enc(P, 0), _enc(1, 1), _enc(1, 0)])
def test_pure_pk_to_x25519_rejects_undecodable(pk: str) -> None:
    # Off the curve, non-canonical, negative zero, and the neutral element
    # (which maps to the point at infinity, u undefined).
    with pytest.raises(InvalidKey):
        _rfc8032.pk_to_x25519(_h(pk))


# -- W3C did:key vectors (Ed25519 and the X25519 key derived from it) ----------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(s: str) -> bytes:
    """Bitcoin base58 (test-only; the project's codec lives elsewhere)."""
    n = 0
    for ch in s:
        n = n * 58 + _B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * (len(s) - len(s.lstrip("1"))) + body


def _multikey(mb: str, prefix: bytes) -> bytes:
    assert mb[0] == "z"  # multibase base58btc
    raw = _b58decode(mb[1:])
    assert raw[:2] == prefix and len(raw) == 34
    return raw[2:]


def _key_material(pair: dict) -> tuple:
    """(public, private or None) from a verification method in either form."""
    if "publicKeyBase58" in pair:
        priv = pair.get("privateKeyBase58")
        return _b58decode(pair["publicKeyBase58"]), _b58decode(priv) if priv else None
    jwk = pair["publicKeyJwk"]

    def b64u(s: str) -> bytes:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

    d = pair.get("privateKeyJwk", {}).get("d")
    return b64u(jwk["x"]), b64u(d) if d else None


def test_w3c_did_key_ed25519_to_x25519(backend: crypto.Backend) -> None:
    vectors = load_shared("w3c-ccg-did-method-key/ed25519-x25519.json")
    assert len(vectors) == 5
    for did, entry in vectors.items():
        seed = _h(entry["seed"])
        ed_pk = _multikey(did.split(":")[2], b"\xed\x01")
        assert backend.ed25519_public_key(seed) == ed_pk
        assert _key_material(entry["verificationKeyPair"])[0] == ed_pk
        ka = entry["keyAgreementKeyPair"]
        x_pk = _multikey(ka["id"].split("#")[1], b"\xec\x01")
        assert backend.ed25519_pk_to_x25519(ed_pk) == x_pk
        pub, priv = _key_material(ka)
        assert pub == x_pk
        assert priv is not None and backend.ed25519_seed_to_x25519(seed) == priv
        assert backend.x25519_public_key(priv) == x_pk


def test_pk_to_x25519_rejects_mixed_order_key_on_both_backends(backend) -> None:
    """libsodium refuses keys outside the prime-order subgroup; the facade promises the same on pure."""
    from refdidcomm import _rfc8032
    from refdidcomm.errors import InvalidKey

    seed = bytes(range(32))
    A = _rfc8032.point_decompress(backend.ed25519_public_key(seed))
    # T8: a point of order 8 (y = y8 from the facade's table, x even).
    from refdidcomm.crypto import _Y8

    T8 = _rfc8032.point_decompress(_Y8.to_bytes(32, "little"))
    assert T8 is not None and A is not None
    mixed = _rfc8032.point_compress(_rfc8032.point_add(A, T8))
    with pytest.raises(InvalidKey):
        backend.ed25519_pk_to_x25519(mixed)
    # The honest key still converts.
    assert len(backend.ed25519_pk_to_x25519(_rfc8032.point_compress(A))) == 32
