"""P-256, P-384, P-521, secp256k1: points, validation, ECDH, deterministic ECDSA.

Vectors: ``vectors/ec_points.json`` and ``vectors/ecdsa_rfc6979.json``.

These curves exist only in pure Python (``refdidcomm._sec1``,
``refdidcomm._rfc6979``): the native backend (libsodium + our AES code) has no
NIST or secp256k1 arithmetic, so there is nothing to run through the
``backend`` fixture -- the tests call the modules directly, once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import random
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refdidcomm import _rfc6979, _sec1
from refdidcomm.errors import InvalidKey, UnsupportedAlgorithm, UsageError

from conftest import load_shared, load_vectors

CURVE_NAMES = ["P-256", "P-384", "P-521", "secp256k1"]
POINTS = load_vectors("ec_points")
ECDSA = load_vectors("ecdsa_rfc6979")

# Seed for the randomized (but reproducible) round-trip tests.
SEED = 0x5EC1


def _cases(vectors: Dict[str, Any], kind: str) -> List[Dict[str, Any]]:
    return [c for c in vectors["cases"] if c["kind"] == kind]


def _ids(cases: List[Dict[str, Any]]) -> List[str]:
    return [f"tc{c['tcId']}-{c.get('curve') or 'q'}" for c in cases]


def _int(h: str) -> int:
    return int(h, 16) if h else 0


def _rng(seed: int):
    r = random.Random(seed)
    return r.randbytes


# ---------------------------------------------------------------------------
# Domain parameters
# ---------------------------------------------------------------------------


def _probable_prime(n: int) -> bool:
    """Miller-Rabin with 32 fixed bases (enough to catch any transcription typo)."""
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] + list(range(41, 41 + 2 * 20, 2)):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_domain_parameters_are_consistent(name: str) -> None:
    c = _sec1.get_curve(name)
    assert c.name == name
    assert _probable_prime(c.p) and _probable_prime(c.n)
    assert c.h == 1
    assert _sec1.is_on_curve(c, c.gx, c.gy)
    assert _sec1.scalar_mult(c, c.n, c.G) is None  # [n]G = O
    assert _sec1.scalar_mult(c, c.n + 1, c.G) == c.G
    # Hasse: |#E - (p + 1)| <= 2 sqrt(p). n > 4 sqrt(p), so n is the only
    # multiple of n in that interval: #E = n, h = 1 (no subgroup check needed).
    assert (c.p + 1 - c.n) ** 2 <= 4 * c.p
    assert c.n ** 2 > 16 * c.p
    assert c.p % 4 == 3  # the square root used for decompression
    assert (4 * c.a ** 3 + 27 * c.b ** 2) % c.p != 0  # non-singular


def test_curve_sizes_and_hashes() -> None:
    expected = {
        "P-256": (32, 32, "sha256"),
        "P-384": (48, 48, "sha384"),
        "P-521": (66, 66, "sha512"),
        "secp256k1": (32, 32, "sha256"),
    }
    got = {name: (c.byte_len, c.order_len, c.hash_name) for name, c in _sec1.CURVES.items()}
    assert got == expected
    assert _sec1.get_curve("P-256").a == _sec1.get_curve("P-256").p - 3
    assert _sec1.get_curve("secp256k1").a == 0 and _sec1.get_curve("secp256k1").b == 7


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        _sec1.CURVES["P-192"] = _sec1.CURVES["P-256"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        _sec1.CURVES["P-256"].n = 7  # type: ignore[misc]


@pytest.mark.parametrize("name", ["P-192", "p-256", "P256", "secp256r1", "X25519", "Ed25519", "", "P-256 ", None, 256])
def test_get_curve_rejects_unknown_names(name: object) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        _sec1.get_curve(name)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# ec_points.json
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(POINTS, "keypair"), ids=_ids(_cases(POINTS, "keypair")))
def test_keypair_vectors(case: Dict[str, Any]) -> None:
    c = _sec1.get_curve(case["curve"])
    d = _sec1.private_key_from_bytes(c, bytes.fromhex(case["d"]))
    Q = (_int(case["x"]), _int(case["y"]))
    assert _sec1.public_key(c, d) == Q
    assert _sec1.point_from_coordinates(c, bytes.fromhex(case["x"]), bytes.fromhex(case["y"])) == Q
    assert _sec1.encode_point(c, Q, compressed=True).hex() == case["compressed"]
    assert _sec1.encode_point(c, Q).hex() == case["uncompressed"]
    assert _sec1.decode_point(c, bytes.fromhex(case["compressed"])) == Q
    assert _sec1.decode_point(c, bytes.fromhex(case["uncompressed"])) == Q


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_MULTICODEC = {"P-256": b"\x80\x24", "P-384": b"\x81\x24", "P-521": b"\x82\x24", "secp256k1": b"\xe7\x01"}


def _base58btc(s: str) -> bytes:
    n = 0
    for ch in s:
        n = n * 58 + _B58.index(ch)
    return b"\x00" * (len(s) - len(s.lstrip("1"))) + n.to_bytes((n.bit_length() + 7) // 8, "big")


_DID_CASES = [c for c in _cases(POINTS, "keypair") if "did" in c]


def test_did_key_case_count() -> None:
    # 7 NIST + 6 secp256k1 did:key entries in w3c-ccg/did-method-key.
    assert len(_DID_CASES) == 13


@pytest.mark.parametrize("case", _DID_CASES, ids=_ids(_DID_CASES))
def test_did_key_is_the_compressed_point(case: Dict[str, Any]) -> None:
    """did:key:z<base58btc(multicodec || SEC 1 compressed point)>: our compression matches."""
    method_specific = case["did"].split(":")[2]
    assert method_specific[0] == "z"
    raw = _base58btc(method_specific[1:])
    prefix = _MULTICODEC[case["curve"]]
    assert raw[:2] == prefix
    c = _sec1.get_curve(case["curve"])
    Q = (_int(case["x"]), _int(case["y"]))
    assert raw[2:] == _sec1.encode_point(c, Q, compressed=True)
    assert _sec1.decode_point(c, raw[2:]) == Q


def _b64u(s: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def test_did_key_vectors_match_the_published_files() -> None:
    """Our transcription equals ../shared (skips when that folder is absent)."""
    published: Dict[str, Tuple[str, str, str]] = {}
    nist = load_shared("w3c-ccg-did-method-key/nist-curves.json")
    k1 = load_shared("w3c-ccg-did-method-key/secp256k1.json")
    for did, entry in list(nist.items()) + list(k1.items()):
        vm = entry.get("verificationMethod") or entry["verificationKeyPair"]
        if "privateKeyJwk" in vm:
            jwk = vm["privateKeyJwk"]
            published[did] = (_b64u(jwk["d"]).hex(), _b64u(jwk["x"]).hex(), _b64u(jwk["y"]).hex())
        else:
            published[did] = (_base58btc(vm["privateKeyBase58"]).hex(), "", _base58btc(vm["publicKeyBase58"]).hex())
    assert len(published) == len(_DID_CASES)
    for case in _DID_CASES:
        d, x, y_or_pub = published[case["did"]]
        assert case["d"] == d
        if x:
            assert (case["x"], case["y"]) == (x, y_or_pub)
        else:
            assert case["compressed"] == y_or_pub


_DECODE = _cases(POINTS, "decode")


@pytest.mark.parametrize("case", _DECODE, ids=_ids(_DECODE))
def test_decode_vectors(case: Dict[str, Any]) -> None:
    c = _sec1.get_curve(case["curve"])
    data = bytes.fromhex(case["encoded"])
    if case["result"] == "valid":
        assert _sec1.decode_point(c, data) == (_int(case["x"]), _int(case["y"]))
    else:
        assert case["error"] == "InvalidKey"
        with pytest.raises(InvalidKey, match=_reason(case["flags"])):
            _sec1.decode_point(c, data)


def _reason(flags: List[str]) -> str:
    """The message each family of decode failure must carry (a precise error)."""
    for flag, pattern in (
        ("Infinity", "infinity"),
        ("Hybrid", "hybrid"),
        ("NoSquareRoot", "no point on the curve"),
        ("CoordinateRange", "below p|outside \\[0, p-1\\]"),
        ("OffCurve", "not on the curve"),
        ("WrongLength", "octets|empty|prefix"),
        ("WrongPrefix", "prefix|octets"),
    ):
        if flag in flags:
            return pattern
    return ""


_COORDS = _cases(POINTS, "coordinates")


@pytest.mark.parametrize("case", _COORDS, ids=_ids(_COORDS))
def test_jwk_coordinate_vectors(case: Dict[str, Any]) -> None:
    c = _sec1.get_curve(case["curve"])
    x, y = bytes.fromhex(case["x"]), bytes.fromhex(case["y"])
    if case["result"] == "valid":
        assert _sec1.point_from_coordinates(c, x, y) == (_int(case["x"]), _int(case["y"]))
    else:
        with pytest.raises(InvalidKey):
            _sec1.point_from_coordinates(c, x, y)


_PRIV = _cases(POINTS, "private_key")


@pytest.mark.parametrize("case", _PRIV, ids=_ids(_PRIV))
def test_private_key_vectors(case: Dict[str, Any]) -> None:
    c = _sec1.get_curve(case["curve"])
    raw = bytes.fromhex(case["d"])
    if case["result"] == "valid":
        d = _sec1.private_key_from_bytes(c, raw)
        assert d == _int(case["d"])
        _sec1.public_key(c, d)
    else:
        with pytest.raises(InvalidKey):
            _sec1.private_key_from_bytes(c, raw)
        if len(raw) == c.order_len:  # the int form is rejected the same way
            with pytest.raises(InvalidKey):
                _sec1.public_key(c, _int(case["d"]))


_ECDH = _cases(POINTS, "ecdh")


@pytest.mark.parametrize("case", _ECDH, ids=_ids(_ECDH))
def test_ecdh_vectors(case: Dict[str, Any]) -> None:
    c = _sec1.get_curve(case["curve"])
    peer = (_int(case["peer_x"]), _int(case["peer_y"]))
    d = _int(case["d"])
    if case["result"] == "valid":
        assert _sec1.ecdh(c, d, peer).hex() == case["shared"]
    else:
        with pytest.raises(InvalidKey):
            _sec1.ecdh(c, d, peer)


def test_vector_files_cover_every_curve_and_kind() -> None:
    kinds = {(c["kind"], c.get("curve")) for c in POINTS["cases"]}
    for name in CURVE_NAMES:
        for kind in ("keypair", "decode", "coordinates", "private_key", "ecdh"):
            assert (kind, name) in kinds
    signs = {c["curve"] for c in _cases(ECDSA, "sign")}
    assert signs == set(CURVE_NAMES)
    assert len(_cases(ECDSA, "sign")) == 3 * 6 + 7


# ---------------------------------------------------------------------------
# ecdsa_rfc6979.json
# ---------------------------------------------------------------------------


_SIGN = _cases(ECDSA, "sign")


@pytest.mark.parametrize("case", _SIGN, ids=_ids(_SIGN))
def test_sign_vectors(case: Dict[str, Any]) -> None:
    c = _sec1.get_curve(case["curve"])
    d = _int(case["d"])
    msg = case["msg_utf8"].encode()
    Q = (_int(case["qx"]), _int(case["qy"]))
    assert _sec1.public_key(c, d) == Q
    h1 = hashlib.new(case["hash"], msg).digest()
    assert next(_rfc6979.generate_k(c, d, h1, case["hash"])) == _int(case["k"])
    sig = _rfc6979.sign(c, d, msg, case["hash"], low_s=case["low_s"])
    assert sig.hex() == case["sig"] == case["r"] + case["s"]
    assert len(sig) == 2 * c.order_len
    assert _rfc6979.verify(c, Q, msg, sig, case["hash"])
    s = _int(case["s"])
    assert _rfc6979.verify(c, Q, msg, sig, case["hash"], strict_low_s=True) == (s <= c.n // 2)


_NONCES = _cases(ECDSA, "nonce_sequence")


@pytest.mark.parametrize("case", _NONCES, ids=_ids(_NONCES))
def test_nonce_sequence_vectors(case: Dict[str, Any]) -> None:
    """The continuation of RFC 6979 §3.2 step h.3 (what a discarded k leads to)."""
    c = _sec1.get_curve(case["curve"])
    h1 = hashlib.new(case["hash"], case["msg_utf8"].encode()).digest()
    ks = list(itertools.islice(_rfc6979.generate_k(c, _int(case["d"]), h1, case["hash"]), 16))
    assert len(set(ks)) == 16
    for index, k in case["k_by_index"].items():
        assert ks[int(index)] == _int(k)


def test_conversion_vector() -> None:
    """RFC 6979 A.1.2: int2octets, bits2octets and k for a 163-bit q (qlen not a multiple of 8)."""
    (case,) = _cases(ECDSA, "conversions")
    q, x = _int(case["q"]), _int(case["x"])
    h1 = hashlib.new(case["hash"], case["msg_utf8"].encode()).digest()
    assert _rfc6979.int2octets(x, q).hex() == case["int2octets_x"]
    assert _rfc6979.bits2octets(h1, q).hex() == case["bits2octets_h1"]
    # generate_k only uses the order; borrow a curve object with n = q.
    order_only = dataclasses.replace(_sec1.get_curve("P-256"), name="order q of RFC 6979 A.1", n=q)
    assert next(_rfc6979.generate_k(order_only, x, h1, case["hash"])) == _int(case["k"])


_VERIFY = _cases(ECDSA, "verify")


@pytest.mark.parametrize("case", _VERIFY, ids=_ids(_VERIFY))
def test_verify_vectors(case: Dict[str, Any]) -> None:
    c = _sec1.get_curve(case["curve"])
    Q = (_int(case["qx"]), _int(case["qy"]))
    ok = _rfc6979.verify(c, Q, case["msg_utf8"].encode(), bytes.fromhex(case["sig"]), case["hash"], strict_low_s=case["strict_low_s"])
    assert ok is (case["result"] == "valid")


def test_every_curve_has_the_required_negative_signatures() -> None:
    for name in CURVE_NAMES:
        comments = " | ".join(c["comment"] for c in _VERIFY if c["curve"] == name and c["result"] == "invalid")
        for needle in ("r = 0", "s = 0", "r = n", "s = n", "flipped", "truncated", "high s, strict_low_s"):
            assert needle in comments, (name, needle)


# ---------------------------------------------------------------------------
# Properties: round trips, low-S, ECDH symmetry, compression
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_sign_verify_round_trip_random_keys(name: str) -> None:
    c = _sec1.get_curve(name)
    rng = _rng(SEED + len(name))
    for i in range(3):
        d = _sec1.generate_private_key(c, rng)
        Q = _sec1.public_key(c, d)
        msg = rng(i * 17)
        sig = _rfc6979.sign(c, d, msg)
        assert _rfc6979.sign(c, d, msg) == sig  # deterministic
        assert _rfc6979.verify(c, Q, msg, sig)
        assert not _rfc6979.verify(c, Q, msg + b"x", sig)
        other = _sec1.public_key(c, _sec1.generate_private_key(c, rng))
        assert not _rfc6979.verify(c, other, msg, sig)
        # Every supported hash works with every curve (bits2int truncates or pads).
        for h in _rfc6979.HASHES:
            s2 = _rfc6979.sign(c, d, msg, h)
            assert _rfc6979.verify(c, Q, msg, s2, h)
            if h != c.hash_name:
                assert not _rfc6979.verify(c, Q, msg, s2)


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_low_s(name: str) -> None:
    c = _sec1.get_curve(name)
    rng = _rng(SEED * 3 + len(name))
    seen_high = False
    for i in range(8):
        d = _sec1.generate_private_key(c, rng)
        Q = _sec1.public_key(c, d)
        msg = b"low-s %d" % i
        plain = _rfc6979.sign(c, d, msg)
        low = _rfc6979.sign(c, d, msg, low_s=True)
        L = c.order_len
        r, s = int.from_bytes(plain[:L], "big"), int.from_bytes(plain[L:], "big")
        assert low[:L] == plain[:L]
        s_low = int.from_bytes(low[L:], "big")
        assert s_low <= c.n // 2
        assert s_low == (c.n - s if s > c.n // 2 else s)
        assert _rfc6979.verify(c, Q, msg, low, strict_low_s=True)
        assert _rfc6979.verify(c, Q, msg, plain)  # high S is accepted by default
        assert _rfc6979.verify(c, Q, msg, plain, strict_low_s=True) is (s <= c.n // 2)
        seen_high |= s > c.n // 2
    assert seen_high  # with 8 signatures, at least one had a high s (seeded)


def test_rfc6979_p256_sample_is_high_s_and_low_s_flips_it() -> None:
    case = next(c for c in _SIGN if c["curve"] == "P-256" and c["hash"] == "sha256" and c["msg_utf8"] == "sample")
    c = _sec1.get_curve("P-256")
    d, s = _int(case["d"]), _int(case["s"])
    assert s > c.n // 2
    low = _rfc6979.sign(c, d, b"sample", low_s=True)
    assert low.hex() == case["r"] + (c.n - s).to_bytes(32, "big").hex()


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_ecdh_is_symmetric(name: str) -> None:
    c = _sec1.get_curve(name)
    rng = _rng(SEED * 5 + len(name))
    for _ in range(3):
        d1, d2 = _sec1.generate_private_key(c, rng), _sec1.generate_private_key(c, rng)
        Q1, Q2 = _sec1.public_key(c, d1), _sec1.public_key(c, d2)
        z = _sec1.ecdh(c, d1, Q2)
        assert z == _sec1.ecdh(c, d2, Q1)
        assert len(z) == c.byte_len
        assert int.from_bytes(z, "big") == _sec1.scalar_mult(c, d1 * d2 % c.n, c.G)[0]


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_compression_round_trip(name: str) -> None:
    c = _sec1.get_curve(name)
    rng = _rng(SEED * 7 + len(name))
    parities = set()
    for _ in range(16):
        P = _sec1.public_key(c, _sec1.generate_private_key(c, rng))
        enc = _sec1.encode_point(c, P, compressed=True)
        assert len(enc) == c.byte_len + 1 and enc[0] in (2, 3)
        assert _sec1.decode_point(c, enc) == P
        unc = _sec1.encode_point(c, P)
        assert len(unc) == 2 * c.byte_len + 1 and unc[0] == 4
        assert _sec1.decode_point(c, unc) == P
        neg = (P[0], c.p - P[1])
        assert _sec1.decode_point(c, bytes([enc[0] ^ 1]) + enc[1:]) == neg
        parities.add(enc[0])
    assert parities == {2, 3}


# ---------------------------------------------------------------------------
# Group law and API edges
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_group_law(name: str) -> None:
    c = _sec1.get_curve(name)
    G = c.G
    G2 = _sec1.point_add(c, G, G)
    assert G2 == _sec1.scalar_mult(c, 2, G)
    assert _sec1.point_add(c, G2, G) == _sec1.scalar_mult(c, 3, G)
    assert _sec1.point_add(c, G, (c.gx, c.p - c.gy)) is None
    assert _sec1.point_add(c, None, G) == G and _sec1.point_add(c, G, None) == G
    assert _sec1.point_add(c, None, None) is None
    assert _sec1.scalar_mult(c, 0, G) is None
    assert _sec1.scalar_mult(c, 5, None) is None
    assert _sec1.scalar_mult(c, 1, G) == G
    a, b = 0x1234567, 0x7654321
    assert _sec1.double_scalar_mult(c, a, G, b, G2) == _sec1.scalar_mult(c, a + 2 * b, G)
    assert _sec1.double_scalar_mult(c, 0, G, 0, G2) is None
    with pytest.raises(InvalidKey):
        _sec1.double_scalar_mult(c, 1, G, 1, (c.gx, c.gy + 1))
    with pytest.raises(UsageError):
        _sec1.double_scalar_mult(c, -1, G, 1, G2)
    with pytest.raises(UsageError):
        _sec1.scalar_mult(c, -1, G)
    with pytest.raises(UsageError):
        _sec1.scalar_mult(c, 1.0, G)  # type: ignore[arg-type]
    with pytest.raises(InvalidKey):
        _sec1.scalar_mult(c, 2, (c.gx, c.gy + 1))
    with pytest.raises(InvalidKey):
        _sec1.point_add(c, G, (c.gx, c.gy + 1))


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_key_api_rejects_bad_input(name: str) -> None:
    c = _sec1.get_curve(name)
    for bad in (0, c.n, c.n + 1, -1):
        with pytest.raises(InvalidKey):
            _sec1.public_key(c, bad)
        with pytest.raises(InvalidKey):
            _sec1.ecdh(c, bad, c.G)
        with pytest.raises(InvalidKey):
            _rfc6979.sign(c, bad, b"m")
    for bad_type in (True, 1.5, "1", b"\x01", None):
        with pytest.raises(UsageError):
            _sec1.public_key(c, bad_type)  # type: ignore[arg-type]
    with pytest.raises(InvalidKey):
        _sec1.ecdh(c, 1, None)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        _sec1.ecdh(c, 1, [c.gx, c.gy])  # type: ignore[arg-type]
    with pytest.raises(InvalidKey):
        _sec1.encode_point(c, None)  # type: ignore[arg-type]
    with pytest.raises(InvalidKey):
        _sec1.encode_point(c, (c.gx, c.gy + 1))
    with pytest.raises(InvalidKey):
        _sec1.encode_point(c, (c.gx + c.p, c.gy))
    with pytest.raises(UsageError):
        _sec1.decode_point(c, "04")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        _sec1.point_from_coordinates(c, c.gx, c.gy)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        _sec1.private_key_from_bytes(c, 1)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        _sec1.validate_point(c, c.gx, None)  # type: ignore[arg-type]
    # bytearray and memoryview are accepted like bytes
    enc = _sec1.encode_point(c, c.G)
    assert _sec1.decode_point(c, bytearray(enc)) == _sec1.decode_point(c, memoryview(enc)) == c.G


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_generate_private_key(name: str) -> None:
    c = _sec1.get_curve(name)
    # Default CSPRNG: in range and producing a usable key.
    d = _sec1.generate_private_key(c)
    assert 1 <= d <= c.n - 1
    # Deterministic from an injected rng.
    assert _sec1.generate_private_key(c, _rng(1)) == _sec1.generate_private_key(c, _rng(1))
    # All-zero candidate c = 0 gives d = 1 (B.4.2: d = c + 1).
    assert _sec1.generate_private_key(c, lambda k: bytes(k)) == 1
    # Rejection sampling: an out-of-range candidate (all ones) is discarded.
    draws = iter([b"\xff" * c.order_len, (5).to_bytes(c.order_len, "big")])
    assert _sec1.generate_private_key(c, lambda k: next(draws)) == 6
    # The candidate n - 2 is the largest accepted (d = n - 1); n - 1 is rejected.
    draws = iter([(c.n - 1).to_bytes(c.order_len, "big"), (c.n - 2).to_bytes(c.order_len, "big")])
    assert _sec1.generate_private_key(c, lambda k: next(draws)) == c.n - 1
    # A broken rng.
    with pytest.raises(UsageError):
        _sec1.generate_private_key(c, lambda k: b"\xff" * k)
    with pytest.raises(UsageError):
        _sec1.generate_private_key(c, lambda k: bytes(k - 1))
    with pytest.raises(UsageError):
        _sec1.generate_private_key(c, lambda k: "x" * k)  # type: ignore[arg-type, return-value]


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_verify_never_raises_for_bad_signatures(name: str) -> None:
    c = _sec1.get_curve(name)
    rng = _rng(SEED * 11 + len(name))
    d = _sec1.generate_private_key(c, rng)
    Q = _sec1.public_key(c, d)
    sig = _rfc6979.sign(c, d, b"m")
    for size in sorted({0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 95, 96, 97, 131, 132, 133, len(sig) - 1, len(sig) + 1}):
        candidate = (sig * 3)[:size]
        assert _rfc6979.verify(c, Q, b"m", candidate) is (candidate == sig)
    for _ in range(10):
        assert _rfc6979.verify(c, Q, b"m", rng(len(sig))) is False
    for i in range(len(sig)):
        flipped = bytearray(sig)
        flipped[i] ^= 0x01
        assert _rfc6979.verify(c, Q, b"m", bytes(flipped)) is False
    assert _rfc6979.verify(c, Q, b"m", bytearray(sig)) is True


def test_sign_and_verify_reject_bad_arguments() -> None:
    c = _sec1.get_curve("P-256")
    sig = _rfc6979.sign(c, 1, b"m")
    for h in ("sha1", "sha224", "md5", "SHA256", "sha3_256", ""):
        with pytest.raises(UnsupportedAlgorithm):
            _rfc6979.sign(c, 1, b"m", h)
        with pytest.raises(UnsupportedAlgorithm):
            _rfc6979.verify(c, c.G, b"m", sig, h)
        with pytest.raises(UnsupportedAlgorithm):
            _rfc6979.generate_k(c, 1, b"h", h)
    with pytest.raises(UsageError):
        _rfc6979.sign(c, 1, "m")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        _rfc6979.verify(c, c.G, "m", sig)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        _rfc6979.verify(c, c.G, b"m", sig.hex())  # type: ignore[arg-type]
    # A bad key is not a bad signature: it raises.
    with pytest.raises(InvalidKey):
        _rfc6979.verify(c, (c.gx, c.gy + 1), b"m", sig)
    with pytest.raises(InvalidKey):
        _rfc6979.verify(c, None, b"m", sig)  # type: ignore[arg-type]
    # generate_k validates eagerly, not on first next().
    with pytest.raises(InvalidKey):
        _rfc6979.generate_k(c, 0, b"h", "sha256")


def test_bits2int_truncates_and_pads() -> None:
    """RFC 6979 §2.3.2: keep the leftmost qlen bits; shorter input keeps its value."""
    assert _rfc6979.bits2int(b"\xff\x00", 12) == 0xFF0
    assert _rfc6979.bits2int(b"\x01\x02", 16) == 0x0102
    assert _rfc6979.bits2int(b"\x01\x02", 521) == 0x0102
    h = hashlib.sha512(b"sample").digest()
    q = _sec1.get_curve("P-521").n  # qlen 521 > hlen 512: the value is unchanged
    assert _rfc6979.bits2int(h, q.bit_length()) == int.from_bytes(h, "big")
    assert len(_rfc6979.bits2octets(h, q)) == 66
    q256 = _sec1.get_curve("P-256").n  # qlen 256 < hlen 512: the leftmost 256 bits
    assert _rfc6979.bits2int(h, q256.bit_length()) == int.from_bytes(h[:32], "big")
    big = (q256 + 5).to_bytes(32, "big")
    assert _rfc6979.bits2octets(big, q256) == (5).to_bytes(32, "big")  # z1 >= q is reduced once


# ---------------------------------------------------------------------------
# Fuzz: decode_point lets only InvalidKey escape
# ---------------------------------------------------------------------------


def _decode_or_invalid(name: str, data: bytes) -> Optional[Tuple[int, int]]:
    c = _sec1.get_curve(name)
    try:
        pt = _sec1.decode_point(c, data)
    except InvalidKey:
        return None
    x, y = pt
    assert 0 <= x < c.p and 0 <= y < c.p and _sec1.is_on_curve(c, x, y)
    # Whatever decodes re-encodes to the same bytes (the encoding is canonical).
    assert _sec1.encode_point(c, pt, compressed=data[0] != 4) == data
    return pt


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(CURVE_NAMES), data=st.binary(max_size=140))
def test_fuzz_decode_random_bytes(name: str, data: bytes) -> None:
    _decode_or_invalid(name, data)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(CURVE_NAMES), prefix=st.integers(0, 7), compressed=st.booleans(), body=st.binary(min_size=132, max_size=132), delta=st.integers(-1, 1))
def test_fuzz_decode_well_shaped_bytes(name: str, prefix: int, compressed: bool, body: bytes, delta: int) -> None:
    """Right-length strings with every plausible prefix reach the deep checks."""
    c = _sec1.get_curve(name)
    size = (c.byte_len if compressed else 2 * c.byte_len) + delta
    _decode_or_invalid(name, bytes([prefix]) + body[:size])


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(CURVE_NAMES), x=st.integers(min_value=0), odd=st.booleans())
def test_fuzz_compressed_x_values(name: str, x: int, odd: bool) -> None:
    c = _sec1.get_curve(name)
    x %= 256 ** c.byte_len
    pt = _decode_or_invalid(name, bytes([2 + odd]) + x.to_bytes(c.byte_len, "big"))
    if pt is not None:
        assert pt[0] == x and pt[1] % 2 == odd


def test_vector_ids_are_sequential() -> None:
    for v in (POINTS, ECDSA):
        ids = [c["tcId"] for c in v["cases"]]
        assert ids == list(range(1, len(ids) + 1))
