"""Concat KDF (RFC 7518 §4.6.2), ECDH shared secrets, and the ECDH-1PU KDF (draft-madden-04 §2.3).

Vectors: ``vectors/jose_concat_kdf.json`` (RFC 7518 Appendix C, draft-04
Appendix A and B.9/B.10) and ``vectors/jose_ecdh.json`` (draft-04 Ze/Zs,
RFC 8037 A.6, X25519 low-order points). The ECDH vectors run on both
backends through the ``backend`` fixture.
"""

from __future__ import annotations

import hashlib

import pytest

from conftest import load_vectors
from refdidcomm import _ecdh_1pu, _jose_algorithms, _rfc7518, errors
from refdidcomm.encoding import b64url_decode
from refdidcomm.jwk import JWK

KDF = load_vectors("jose_concat_kdf")
ECDH = load_vectors("jose_ecdh")


def _cases(vectors: dict, result: str):
    return [pytest.param(c, id=f"tc{c['tcId']}") for c in vectors["cases"] if c["result"] == result]


@pytest.mark.parametrize("case", _cases(KDF, "valid"))
def test_concat_kdf_vectors(case: dict) -> None:
    fixed = _rfc7518.other_info(
        case["algorithm_id_utf8"],
        case["apu_utf8"].encode(),
        case["apv_utf8"].encode(),
        case["keydatalen"],
        bytes.fromhex(case["supp_pub_extra"]),
    )
    if "other_info" in case:
        assert fixed.hex() == case["other_info"]
    derived = _rfc7518.concat_kdf(bytes.fromhex(case["z"]), case["keydatalen"], fixed)
    assert derived.hex() == case["derived_key"]
    assert len(derived) * 8 == case["keydatalen"]


@pytest.mark.parametrize("case", _cases(KDF, "invalid"))
def test_concat_kdf_rejects_bad_keydatalen(case: dict) -> None:
    with pytest.raises(getattr(errors, case["error"])):
        fixed = _rfc7518.other_info(case["algorithm_id_utf8"], b"", b"", max(case["keydatalen"], 1))
        _rfc7518.concat_kdf(bytes.fromhex(case["z"]), case["keydatalen"], fixed)


def test_other_info_rejects_non_ascii_algorithm_and_zero_length() -> None:
    with pytest.raises(errors.UsageError):
        _rfc7518.other_info("A256GCM\u00e9", b"", b"", 256)
    with pytest.raises(errors.UsageError):
        _rfc7518.other_info("A256GCM", b"", b"", 0)


def test_ecdh_es_derive_key_uses_enc_for_direct_and_alg_for_key_wrapping() -> None:
    # RFC 7518 §4.6.2: AlgorithmID is "enc" in Direct Key Agreement and "alg"
    # with key wrapping. Appendix C is the direct case with A128GCM.
    case = KDF["cases"][0]
    z = bytes.fromhex(case["z"])
    direct = _rfc7518.ecdh_es_derive_key(
        z, alg="ECDH-ES", enc="A128GCM", keydatalen=128, direct=True, apu=b"Alice", apv=b"Bob"
    )
    assert direct.hex() == case["derived_key"]
    wrapped = _rfc7518.ecdh_es_derive_key(
        z, alg="ECDH-ES+A128KW", enc="A128GCM", keydatalen=128, direct=False, apu=b"Alice", apv=b"Bob"
    )
    # OtherInfo written out by hand (RFC 7518 §4.6.2, each datum 32-bit
    # big-endian length-prefixed, SuppPubInfo = keydatalen in bits):
    other_info = bytes.fromhex(
        "0000000e" + b"ECDH-ES+A128KW".hex()  # AlgorithmID = alg (key wrapping)
        + "00000005" + b"Alice".hex()  # PartyUInfo = apu
        + "00000003" + b"Bob".hex()  # PartyVInfo = apv
        + "00000080"  # SuppPubInfo = 128
    )
    assert _rfc7518.other_info("ECDH-ES+A128KW", b"Alice", b"Bob", 128) == other_info
    # One round of SP 800-56A §5.8.1 with SHA-256: counter 1 || Z || OtherInfo, first 128 bits.
    expected = hashlib.sha256(b"\x00\x00\x00\x01" + z + other_info).digest()[:16]
    assert wrapped == expected != direct


def test_ecdh_1pu_derive_key_matches_appendix_b_and_appendix_a() -> None:
    bob = KDF["cases"][2]
    cctag = bytes.fromhex(bob["supp_pub_extra"])
    tag = cctag[4:]
    assert _ecdh_1pu.cctag(tag) == cctag
    kek = _ecdh_1pu.derive_key(
        bytes.fromhex(bob["z"]),
        alg="ECDH-1PU+A128KW",
        enc="A256CBC-HS512",
        keydatalen=128,
        direct=False,
        apu=b"Alice",
        apv=b"Bob and Charlie",
        tag=tag,
    )
    assert kek.hex() == bob["derived_key"]
    appendix_a = KDF["cases"][1]
    cek = _ecdh_1pu.derive_key(
        bytes.fromhex(appendix_a["z"]), alg="ECDH-1PU", enc="A256GCM", keydatalen=256, direct=True, apu=b"Alice", apv=b"Bob"
    )
    assert cek.hex() == appendix_a["derived_key"]


def test_ecdh_1pu_tag_is_required_exactly_with_key_wrapping() -> None:
    z = bytes(64)
    with pytest.raises(errors.UsageError):
        _ecdh_1pu.derive_key(z, alg="ECDH-1PU+A256KW", enc="A256CBC-HS512", keydatalen=256, direct=False)
    with pytest.raises(errors.UsageError):
        _ecdh_1pu.derive_key(z, alg="ECDH-1PU", enc="A256GCM", keydatalen=256, direct=True, tag=bytes(16))
    # A different tag gives a different key: the tag really is in the KDF.
    k1 = _ecdh_1pu.derive_key(z, alg="ECDH-1PU+A256KW", enc="A256CBC-HS512", keydatalen=256, direct=False, tag=bytes(32))
    k2 = _ecdh_1pu.derive_key(
        z, alg="ECDH-1PU+A256KW", enc="A256CBC-HS512", keydatalen=256, direct=False, tag=bytes(31) + b"\1"
    )
    assert k1 != k2


def test_ecdh_1pu_content_encryption_rule_quotes_the_draft() -> None:
    for enc in ("A128CBC-HS256", "A256CBC-HS512"):
        _ecdh_1pu.check_content_encryption("ECDH-1PU+A256KW", enc, key_wrapping=True)
    # The registry's compactly_committing is the one source of truth: every
    # registered enc is accepted exactly when it is committing.
    for name, algorithm in _jose_algorithms.CONTENT_ENCRYPTION_ALGORITHMS.items():
        if algorithm.compactly_committing:
            _ecdh_1pu.check_content_encryption("ECDH-1PU+A256KW", name, key_wrapping=True)
        else:
            with pytest.raises(errors.UnsupportedAlgorithm):
                _ecdh_1pu.check_content_encryption("ECDH-1PU+A256KW", name, key_wrapping=True)
    # A192CBC-HS384 (RFC 7518 §5.2.4) is not implemented, so it is not in the
    # registry and cannot be used; nor can an unknown name.
    for enc in ("A192CBC-HS384", "A512CBC-HS1024"):
        with pytest.raises(errors.UnsupportedAlgorithm, match="allowed: A128CBC-HS256, A256CBC-HS512"):
            _ecdh_1pu.check_content_encryption("ECDH-1PU+A256KW", enc, key_wrapping=True)
    assert not hasattr(_ecdh_1pu, "COMMITTING_CONTENT_ENCRYPTION")
    for enc in ("A256GCM", "A128GCM", "XC20P"):
        with pytest.raises(errors.UnsupportedAlgorithm, match="compactly committing"):
            _ecdh_1pu.check_content_encryption("ECDH-1PU+A256KW", enc, key_wrapping=True)
        # "In Direct Key Agreement mode, any JWE content encryption algorithm MAY be used."
        _ecdh_1pu.check_content_encryption("ECDH-1PU", enc, key_wrapping=False)


def test_ecdh_1pu_apu_and_apv_must_be_distinct() -> None:
    _ecdh_1pu.check_apu_apv_distinct(b"Alice", b"Bob")
    _ecdh_1pu.check_apu_apv_distinct(None, b"Bob")
    _ecdh_1pu.check_apu_apv_distinct(b"", None)
    with pytest.raises(errors.MalformedMessage, match="distinct"):
        _ecdh_1pu.check_apu_apv_distinct(b"same", b"same")


# ---------------------------------------------------------------------------
# ECDH shared secrets (both backends)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(ECDH, "valid"))
def test_ecdh_vectors(case: dict, backend) -> None:
    z = _rfc7518.ecdh_shared_secret(
        JWK.from_dict(case["private_jwk"]), JWK.from_dict(case["public_jwk"]), backend=backend
    )
    assert z.hex() == case["z"]


@pytest.mark.parametrize("case", _cases(ECDH, "invalid"))
def test_ecdh_rejects(case: dict, backend) -> None:
    with pytest.raises(getattr(errors, case["error"])):
        _rfc7518.ecdh_shared_secret(
            JWK.from_dict(case["private_jwk"]), JWK.from_dict(case["public_jwk"]), backend=backend
        )


def _unvalidated_x25519(x: bytes) -> JWK:
    """A public X25519 JWK built without validation (a low-order x cannot be a JWK)."""
    key = object.__new__(JWK)
    for name, value in (("kty", "OKP"), ("crv", "X25519"), ("x", x), ("y", None), ("d", None), ("kid", None), ("_point", None), ("_scalar", None)):
        object.__setattr__(key, name, value)
    return key


@pytest.mark.parametrize("case", [c for c in _cases(ECDH, "invalid") if "LowOrderPoint" in c.values[0]["flags"]])
def test_ecdh_keeps_the_all_zero_check_behind_the_jwk_check(case: dict, backend) -> None:
    # The JWK refuses a low-order X25519 key; the key agreement still refuses
    # the all-zero output (RFC 7748 §6.1) should such a key reach it.
    with pytest.raises(errors.InvalidKey, match="low order"):
        JWK.from_dict(case["public_jwk"])
    x = b64url_decode(case["public_jwk"]["x"])
    with pytest.raises(errors.LowOrderPointError):
        _rfc7518.ecdh_shared_secret(JWK.from_dict(case["private_jwk"]), _unvalidated_x25519(x), backend=backend)


def test_ecdh_1pu_shared_secrets_are_ze_then_zs(backend) -> None:
    # draft-04 §2.3: Z = Ze || Zs; the sender and each recipient agree.
    by_comment = {c["comment"]: c for c in ECDH["cases"]}
    ze = next(c for k, c in by_comment.items() if "Appendix B Ze for bob" in k)
    zs = next(c for k, c in by_comment.items() if "Appendix B Zs for bob:" in k)
    ephemeral = JWK.from_dict(ze["private_jwk"])
    sender = JWK.from_dict(zs["private_jwk"])
    bob_public = JWK.from_dict(ze["public_jwk"])
    z = _ecdh_1pu.shared_secret_sender(ephemeral, sender, bob_public, backend=backend)
    assert z.hex() == ze["z"] + zs["z"]
    bob_private = JWK.from_dict(
        next(c for k, c in by_comment.items() if "Appendix B Zs for bob, computed" in k)["private_jwk"]
    )
    z2 = _ecdh_1pu.shared_secret_recipient(bob_private, ephemeral.public(), sender.public(), backend=backend)
    assert z2 == z


def test_ecdh_1pu_refuses_mixed_curves(backend) -> None:
    x = JWK.from_dict(ECDH["cases"][3]["private_jwk"])  # X25519
    p = JWK.from_dict(ECDH["cases"][0]["private_jwk"])  # P-256
    with pytest.raises(errors.InvalidKey):
        _ecdh_1pu.shared_secret_sender(x, p, x.public(), backend=backend)


def test_ecdh_needs_a_private_key() -> None:
    public = JWK.from_dict(ECDH["cases"][0]["public_jwk"])
    with pytest.raises(errors.UsageError):
        _rfc7518.ecdh_shared_secret(public, public)


def test_concat_kdf_is_sha256_counter_mode() -> None:
    # One independent restatement of SP 800-56A §5.8.1 for random-looking inputs.
    z = hashlib.sha256(b"z").digest()
    fixed = bytes.fromhex("0000000e" + b"ECDH-ES+A256KW".hex() + "00000001" + b"u".hex() + "00000001" + b"v".hex() + "00000100")
    assert _rfc7518.other_info("ECDH-ES+A256KW", b"u", b"v", 256) == fixed
    expected = hashlib.sha256((1).to_bytes(4, "big") + z + fixed).digest()
    assert _rfc7518.concat_kdf(z, 256, fixed) == expected
    # 512 bits take two rounds: counters 1 and 2.
    two = hashlib.sha256((1).to_bytes(4, "big") + z + fixed).digest() + hashlib.sha256((2).to_bytes(4, "big") + z + fixed).digest()
    assert _rfc7518.concat_kdf(z, 512, fixed) == two
