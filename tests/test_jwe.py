"""JWE: AES_CBC_HMAC_SHA2, ECDH-ES / ECDH-1PU key agreement with key wrapping, the DIDComm v2 profile.

Vectors: ``jose_aes_cbc_hmac_sha2.json`` (RFC 7518 B.3 and mutations),
``jose_jwe.json`` (draft-madden-04 Appendix B, RFC 7520 §5.4/§5.5, seeded
DIDComm JWEs and their mutations) and ``didcomm_appendix_c.json`` (the spec's
Appendix C.3 messages). Every vector runs on both backends.
"""

from __future__ import annotations

import copy
import hashlib
import json
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_vectors
from refdidcomm._counter_rng import shake256_counter_rng
from refdidcomm import _ecdh_1pu, _jose_algorithms, _rfc7516, _rfc7518, crypto, errors, jwe, jwk, jws
from refdidcomm.encoding import b64url_decode, b64url_encode
from refdidcomm.jwk import JWK, KeyNotFound

CBC = load_vectors("jose_aes_cbc_hmac_sha2")
JWE = load_vectors("jose_jwe")
APPC = load_vectors("didcomm_appendix_c")


def _cases(vectors: dict, *results: str, where=lambda c: True):
    return [pytest.param(c, id=f"tc{c['tcId']}") for c in vectors["cases"] if c["result"] in results and where(c)]


def _error(name: str) -> type:
    return KeyNotFound if name == "KeyNotFound" else getattr(errors, name)


def _seeded(seed: bytes):
    """The vectors' rng: call i returns SHAKE-256(seed || i as 8 bytes)[0:n]."""
    return shake256_counter_rng(seed)


def _h(s: str) -> bytes:
    return bytes.fromhex(s)


# ---------------------------------------------------------------------------
# AES_CBC_HMAC_SHA2 (RFC 7518 §5.2)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(CBC, "valid"))
def test_cbc_hmac_vectors(case: dict, backend) -> None:
    enc = _jose_algorithms.content_encryption_algorithm(case["enc"])
    ciphertext, tag = enc.encrypt(_h(case["key"]), _h(case["iv"]), _h(case["plaintext"]), _h(case["aad"]), backend=backend)
    assert ciphertext.hex() == case["ciphertext"] and tag.hex() == case["tag"]
    plaintext = enc.decrypt(_h(case["key"]), _h(case["iv"]), ciphertext, tag, _h(case["aad"]), backend=backend)
    assert plaintext.hex() == case["plaintext"]


@pytest.mark.parametrize("case", _cases(CBC, "invalid"))
def test_cbc_hmac_rejects(case: dict, backend) -> None:
    with pytest.raises(errors.DecryptionError):
        _rfc7518.cbc_hmac_decrypt(
            _h(case["key"]), _h(case["iv"]), _h(case["ciphertext"]), _h(case["tag"]), _h(case["aad"]), backend=backend
        )


def test_cbc_hmac_checks_the_mac_before_decrypting(monkeypatch) -> None:
    # RFC 7518 §5.2.2.2: a wrong tag must fail without AES-CBC ever running.
    case = CBC["cases"][0]
    be = crypto.backend("pure")
    calls = []
    monkeypatch.setattr(be, "aes_cbc_decrypt", lambda *a: calls.append(a) or b"")
    bad_tag = bytes([_h(case["tag"])[0] ^ 1]) + _h(case["tag"])[1:]
    with pytest.raises(errors.DecryptionError):
        _rfc7518.cbc_hmac_decrypt(_h(case["key"]), _h(case["iv"]), _h(case["ciphertext"]), bad_tag, _h(case["aad"]), backend=be)
    assert calls == []
    _rfc7518.cbc_hmac_decrypt(_h(case["key"]), _h(case["iv"]), _h(case["ciphertext"]), _h(case["tag"]), _h(case["aad"]), backend=be)
    assert len(calls) == 1


def test_cbc_hmac_usage_errors() -> None:
    with pytest.raises(errors.UsageError):
        _rfc7518.cbc_hmac_encrypt(bytes(40), bytes(16), b"", b"")
    with pytest.raises(errors.UsageError):
        _rfc7518.cbc_hmac_encrypt(bytes(64), bytes(12), b"", b"")
    with pytest.raises(errors.UsageError):
        _jose_algorithms.A256GCM.encrypt(bytes(32), bytes(16), b"", b"")


@pytest.mark.parametrize("name", sorted(_jose_algorithms.CONTENT_ENCRYPTION_ALGORITHMS))
@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 63, 64, 65])
def test_content_encryption_round_trip_and_tamper(name: str, size: int, backend) -> None:
    enc = _jose_algorithms.CONTENT_ENCRYPTION_ALGORITHMS[name]
    rng = _seeded(f"{name} {size}".encode())
    cek, iv, plaintext, aad = rng(enc.key_len), rng(enc.iv_len), rng(size), rng(size % 7)
    ciphertext, tag = enc.encrypt(cek, iv, plaintext, aad, backend=backend)
    assert len(tag) == enc.tag_len
    assert enc.decrypt(cek, iv, ciphertext, tag, aad, backend=backend) == plaintext
    for bad in (
        (cek, iv, ciphertext, tag[:-1] + bytes([tag[-1] ^ 1]), aad),
        (cek, iv, ciphertext, tag[:-1], aad),
        (cek, iv, ciphertext, tag, aad + b"x"),
        (cek, bytes([iv[0] ^ 1]) + iv[1:], ciphertext, tag, aad),
    ):
        with pytest.raises(errors.DecryptionError):
            enc.decrypt(*bad, backend=backend)
    if ciphertext:
        with pytest.raises(errors.DecryptionError):
            enc.decrypt(cek, iv, bytes([ciphertext[0] ^ 0x80]) + ciphertext[1:], tag, aad, backend=backend)


# ---------------------------------------------------------------------------
# JWE vectors
# ---------------------------------------------------------------------------


def _recipient_keys(case: dict):
    return {kid: JWK.from_dict(j).with_kid(kid) for kid, j in case["recipient_private_jwks"].items()}


def _sender_keys(case: dict):
    if "sender_public_jwk" in case:
        return JWK.from_dict(case["sender_public_jwk"])
    if "sender_public_jwks" in case:
        return {kid: JWK.from_dict(j).with_kid(kid) for kid, j in case["sender_public_jwks"].items()}
    return None


def _decrypt(case: dict, backend, **kw):
    return jwe.decrypt(
        case["jwe"], _recipient_keys(case), sender_key_resolver=_sender_keys(case), didcomm=case["didcomm"], backend=backend, **kw
    )


def _expected_plaintext(case: dict) -> bytes:
    return _h(case["plaintext"]) if "plaintext" in case else case["plaintext_utf8"].encode()


@pytest.mark.parametrize("case", _cases(JWE, "valid"))
def test_jwe_vectors_decrypt_for_every_recipient(case: dict, backend) -> None:
    keys = _recipient_keys(case)
    for kid in keys:
        result = jwe.decrypt(
            case["jwe"], {kid: keys[kid]}, sender_key_resolver=_sender_keys(case), didcomm=case["didcomm"], backend=backend
        )
        assert result.plaintext == _expected_plaintext(case)
        assert result.recipient_kid == kid
        if "expected_sender_kid" in case:
            assert result.sender_kid == case["expected_sender_kid"]
        if "alg" in case:
            assert (result.alg, result.enc) == (case["alg"], case["enc"])
    if "expected_recipient_kid" in case:
        assert _decrypt(case, backend).recipient_kid == case["expected_recipient_kid"]


@pytest.mark.parametrize("case", _cases(JWE, "invalid"))
def test_jwe_vectors_rejected(case: dict, backend) -> None:
    with pytest.raises(_error(case["error"])) as excinfo:
        _decrypt(case, backend)
    if "expected_message" in case:
        assert excinfo.value.reason == case["expected_message"]
    if "field" in case:
        assert excinfo.value.field == case["field"]
    if case["error"] == "DecryptionError":
        assert str(excinfo.value) == "decryption failed"


@pytest.mark.parametrize("case", _cases(JWE, "valid", where=lambda c: "seed" in c))
def test_seeded_encryption_reproduces_the_vectors(case: dict, backend) -> None:
    recipients = [JWK.from_dict(j) for j in case["recipients_public_jwks"]]
    sender = JWK.from_dict(case["sender_private_jwk"]) if "sender_private_jwk" in case else None
    out = jwe.encrypt(
        _h(case["plaintext"]), recipients, alg=case["alg"], enc=case["enc"], sender=sender, rng=_seeded(_h(case["seed"])), backend=backend
    )
    assert out == case["jwe"]


def test_draft_appendix_b_is_reproduced_byte_for_byte(backend) -> None:
    case = JWE["cases"][0]
    spec = case["encrypt"]
    keys = _recipient_keys(case)
    out = _rfc7516.encrypt(
        case["plaintext_utf8"].encode(),
        spec["protected_header"],
        [(keys[kid].public(), {"kid": kid}) for kid in ("bob-key-2", "2021-05-06")],
        ephemeral=JWK.from_dict(spec["ephemeral_private_jwk"]),
        cek=_h(spec["cek"]),
        iv=_h(spec["iv"]),
        sender=JWK.from_dict(spec["sender_private_jwk"]),
        unprotected=spec["unprotected"],
        backend=backend,
    )
    assert out == case["jwe"]


def test_invalid_epk_failures_come_from_the_point_checks(backend) -> None:
    # The opaque DecryptionError of each invalid-epk vector must be caused by
    # the key check (InvalidKey / LowOrderPointError), not by a later tag check.
    checked = 0
    for case in JWE["cases"]:
        if "InvalidEpk" not in case["flags"] or case["error"] != "DecryptionError":
            continue
        with pytest.raises(errors.DecryptionError) as excinfo:
            _decrypt(case, backend)
        cause = excinfo.value.__cause__
        assert isinstance(cause, (errors.InvalidKey, errors.LowOrderPointError)), case["comment"]
        if "LowOrderPoint" in case["flags"]:
            # A low-order X25519 epk is refused when its JWK is parsed, before
            # the key agreement would give the all-zero output.
            assert isinstance(cause, errors.InvalidKey) and "low order" in str(cause)
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("case", _cases(JWE, "valid", where=lambda c: c["didcomm"]))
def test_header_formulas_of_generated_messages(case: dict) -> None:
    protected = json.loads(b64url_decode(case["jwe"]["protected"]))
    kids = [r["header"]["kid"] for r in case["jwe"]["recipients"]]
    digest = hashlib.sha256(".".join(sorted(kids)).encode()).digest()
    assert protected["apv"] == b64url_encode(digest) == jwe.compute_apv(kids)
    if protected["alg"] == "ECDH-1PU+A256KW":
        assert b64url_decode(protected["apu"]) == case["expected_sender_kid"].encode()
        if "skid" in protected:
            assert protected["skid"] == case["expected_sender_kid"]
    assert protected.get("typ", jwe.DIDCOMM_ENCRYPTED_TYP) == jwe.DIDCOMM_ENCRYPTED_TYP
    assert set(protected["epk"]) <= {"kty", "crv", "x", "y"}


# ---------------------------------------------------------------------------
# DIDComm v2 Appendix C.3
# ---------------------------------------------------------------------------


def _appendix_keys():
    keys = APPC["keys"]
    public = {kid: JWK.from_dict(j).with_kid(kid) for kid, j in keys["public_jwks"].items()}
    alice = {s["kid"]: JWK.from_dict(s) for s in keys["alice_secrets"]}
    bob = {s["kid"]: JWK.from_dict(s) for s in keys["bob_secrets"]}
    return public, alice, bob


def test_appendix_secrets_match_the_did_documents() -> None:
    public, alice, bob = _appendix_keys()
    for kid, key in {**alice, **bob}.items():
        assert public[kid] == key.public()


@pytest.mark.parametrize("case", _cases(APPC, "valid", where=lambda c: c["layers"][0]["kind"] != "signed"))
def test_didcomm_appendix_c3_encrypted_messages(case: dict, backend) -> None:
    public, _, bob = _appendix_keys()
    message = case["message"]
    for layer in case["layers"]:
        if layer["kind"] == "signed":
            result = jws.verify(message, public, backend=backend)
            assert result.kids == (layer["kid"],)
            message = json.loads(result.payload)
            continue
        result = jwe.decrypt(message, bob, sender_key_resolver=public, backend=backend)
        assert (result.alg, result.enc) == (layer["alg"], layer["enc"])
        assert result.protected["epk"]["crv"] == layer["epk_crv"]
        assert list(result.recipient_kids) == layer["recipient_kids"]
        assert result.sender_kid == layer["sender_kid"]
        assert result.recipient_kid == layer["recipient_kids"][0]
        message = json.loads(result.plaintext)
    assert message == case["expected_plaintext"]


@pytest.mark.parametrize(
    "case", _cases(APPC, "invalid", where=lambda c: "signatures" not in c["message"])
)
def test_didcomm_appendix_c3_mutations(case: dict, backend) -> None:
    public, alice, bob = _appendix_keys()
    keys = alice if case.get("decrypt_as") == "alice" else bob
    with pytest.raises(_error(case["error"])) as excinfo:
        jwe.decrypt(case["message"], keys, sender_key_resolver=public, backend=backend)
    if "expected_message" in case:
        assert excinfo.value.reason == case["expected_message"]


# ---------------------------------------------------------------------------
# Encryption API
# ---------------------------------------------------------------------------

ALG_ENC = [
    ("ECDH-ES+A256KW", "A256CBC-HS512"),
    ("ECDH-ES+A256KW", "A256GCM"),
    ("ECDH-ES+A256KW", "XC20P"),
    ("ECDH-1PU+A256KW", "A256CBC-HS512"),
]


def _party(crv: str, n: int, seed: bytes):
    rng = _seeded(seed)
    sender = jwk.generate(crv, rng, f"did:example:alice#{crv}")
    return sender, [jwk.generate(crv, rng, f"did:example:bob#{crv}-{i}") for i in range(n)]


@pytest.mark.parametrize("crv", ["X25519", "P-256", "P-384", "P-521"])
@pytest.mark.parametrize("alg,enc", ALG_ENC)
def test_round_trip_every_curve_and_algorithm(crv: str, alg: str, enc: str, backend) -> None:
    sender, recipients = _party(crv, 2, crv.encode())
    auth = alg.startswith("ECDH-1PU")
    out = jwe.encrypt(b"hello", [r.public() for r in recipients], alg=alg, enc=enc, sender=sender if auth else None, backend=backend)
    for r in recipients:
        result = jwe.decrypt(out, {r.kid: r}, sender_key_resolver={sender.kid: sender.public()}, backend=backend)
        assert result.plaintext == b"hello" and result.recipient_kid == r.kid
        assert result.sender_kid == (sender.kid if auth else None)


def test_ten_recipients_share_one_epk(backend) -> None:
    sender, recipients = _party("X25519", 10, b"ten")
    out = jwe.encrypt(b"x" * 100, [r.public() for r in recipients], sender=sender, backend=backend)
    assert len(out["recipients"]) == 10
    assert len({r["encrypted_key"] for r in out["recipients"]}) == 10
    last = recipients[-1]
    assert jwe.decrypt(out, {last.kid: last}, sender_key_resolver=sender.public(), backend=backend).plaintext == b"x" * 100


def test_default_alg_follows_the_sender_and_rng_is_fresh() -> None:
    sender, recipients = _party("X25519", 1, b"defaults")
    anon = jwe.encrypt(b"m", [recipients[0].public()])
    auth = jwe.encrypt(b"m", [recipients[0].public()], sender=sender)
    assert json.loads(b64url_decode(anon["protected"]))["alg"] == "ECDH-ES+A256KW"
    assert json.loads(b64url_decode(auth["protected"]))["alg"] == "ECDH-1PU+A256KW"
    assert jwe.encrypt(b"m", [recipients[0].public()]) != anon  # fresh epk, CEK and IV


def test_rng_draw_order_is_epk_then_cek_then_iv() -> None:
    _, recipients = _party("X25519", 1, b"order")
    sizes = []

    def rng(n: int) -> bytes:
        sizes.append(n)
        return bytes([len(sizes)]) * n

    jwe.encrypt(b"m", [recipients[0].public()], enc="XC20P", rng=rng)
    assert sizes == [32, 32, 24]


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"alg": "ECDH-ES+A128KW"}, errors.UnsupportedAlgorithm),
        ({"alg": "ECDH-ES"}, errors.UnsupportedAlgorithm),
        ({"enc": "A128GCM"}, errors.UnsupportedAlgorithm),
        ({"alg": "ECDH-1PU+A256KW", "enc": "A256GCM", "with_sender": True}, errors.UnsupportedAlgorithm),
        ({"alg": "ECDH-1PU+A256KW", "enc": "XC20P", "with_sender": True}, errors.UnsupportedAlgorithm),
        ({"alg": "ECDH-1PU+A256KW"}, errors.UsageError),
        ({"alg": "ECDH-ES+A256KW", "with_sender": True}, errors.UsageError),
    ],
)
def test_encrypt_rejects_bad_algorithm_choices(kwargs: dict, error: type) -> None:
    sender, recipients = _party("X25519", 1, b"choices")
    kwargs = dict(kwargs)
    if kwargs.pop("with_sender", False):
        kwargs["sender"] = sender
    with pytest.raises(error):
        jwe.encrypt(b"m", [recipients[0].public()], **kwargs)


def test_encrypt_rejects_bad_recipients_and_senders() -> None:
    sender, recipients = _party("X25519", 2, b"bad")
    _, p256 = _party("P-256", 1, b"bad p256")
    public = [r.public() for r in recipients]
    with pytest.raises(errors.UsageError):
        jwe.encrypt(b"m", [])
    with pytest.raises(errors.UsageError):
        jwe.encrypt("text", public)  # type: ignore[arg-type]
    with pytest.raises(errors.UsageError):  # no kid
        jwe.encrypt(b"m", [public[0].with_kid(None)])
    with pytest.raises(errors.UsageError):  # duplicate kids
        jwe.encrypt(b"m", [public[0], public[1].with_kid(public[0].kid)])
    with pytest.raises(errors.UsageError):  # mixed curves
        jwe.encrypt(b"m", [public[0], p256[0].public()])
    with pytest.raises(errors.UsageError):  # sender on another curve
        jwe.encrypt(b"m", [p256[0].public()], sender=sender)
    with pytest.raises(errors.UsageError):  # sender without private part
        jwe.encrypt(b"m", public, sender=sender.public())
    with pytest.raises(errors.UsageError):
        jwe.encrypt(b"m", ["not a key"])  # type: ignore[list-item]
    with pytest.raises(errors.UnsupportedAlgorithm):  # Ed25519 is not a key-agreement curve
        jwe.encrypt(b"m", [jwk.generate("Ed25519", kid="e").public()])
    with pytest.raises(errors.UsageError):
        jwe.encrypt(b"m", public, rng=lambda n: bytes(n - 1))


def test_typ_can_be_omitted_and_is_then_accepted() -> None:
    _, recipients = _party("X25519", 1, b"typ")
    out = jwe.encrypt(b"m", [recipients[0].public()], typ=None)
    assert "typ" not in json.loads(b64url_decode(out["protected"]))
    assert jwe.decrypt(out, {recipients[0].kid: recipients[0]}).plaintext == b"m"


def test_decrypt_takes_json_text_and_a_callable_lookup(backend) -> None:
    sender, recipients = _party("P-256", 2, b"callable")
    out = jwe.encrypt(b"m", [r.public() for r in recipients], sender=sender, backend=backend)
    keys = {r.kid: r for r in recipients}
    result = jwe.decrypt(json.dumps(out), keys.get, sender_key_resolver=lambda kid: sender.public() if kid == sender.kid else None, backend=backend)
    assert result.plaintext == b"m"
    with pytest.raises(errors.UsageError):  # authcrypt without a way to find the sender key
        jwe.decrypt(out, keys, backend=backend)
    with pytest.raises(errors.UsageError):
        jwe.decrypt(out, ["not a mapping"], backend=backend)  # type: ignore[arg-type]


def test_recipient_keys_must_be_private(backend) -> None:
    _, recipients = _party("X25519", 1, b"private")
    out = jwe.encrypt(b"m", [recipients[0].public()], backend=backend)
    with pytest.raises(errors.UsageError):
        jwe.decrypt(out, {recipients[0].kid: recipients[0].public()}, backend=backend)


def test_a_second_matching_recipient_is_tried_after_a_failed_unwrap(backend) -> None:
    _, recipients = _party("X25519", 2, b"second")
    out = jwe.encrypt(b"m", [r.public() for r in recipients], backend=backend)
    broken = copy.deepcopy(out)
    broken["recipients"][0]["encrypted_key"] = b64url_encode(bytes(40))
    keys = {r.kid: r for r in recipients}
    result = jwe.decrypt(broken, keys, backend=backend)
    assert result.recipient_kid == recipients[1].kid
    with pytest.raises(errors.DecryptionError):
        jwe.decrypt(broken, {recipients[0].kid: recipients[0]}, backend=backend)


def _no_crypto(monkeypatch) -> None:
    """Make every ECDH (ES and 1PU) fail the test if it runs."""

    def ran(*args, **kwargs):
        pytest.fail("a header check ran after the key agreement")

    monkeypatch.setattr(_rfc7518, "ecdh_shared_secret", ran)
    monkeypatch.setattr(_ecdh_1pu, "shared_secret_recipient", ran)


def _case(tc_id: int) -> dict:
    return next(c for c in JWE["cases"] if c["tcId"] == tc_id)


@pytest.mark.parametrize("tc_id,message", [(135, "distinct"), (138, "must be empty")])
def test_header_checks_run_before_any_cryptography(tc_id: int, message: str, backend, monkeypatch) -> None:
    # tc135: ECDH-1PU with apu = apv (draft-04 §2.3); tc138: Direct Key
    # Agreement with a non-empty encrypted_key (RFC 7518 §4.6).
    case = _case(tc_id)
    _no_crypto(monkeypatch)
    with pytest.raises(errors.MalformedMessage, match=message):
        _decrypt(case, backend)


def test_a_recipient_key_off_the_key_agreement_curves_is_a_usage_error(backend, monkeypatch) -> None:
    # The caller's key store maps the kid to a signing key: say so, before
    # any cryptography, instead of the opaque DecryptionError.
    sender, recipients = _party("X25519", 1, b"ed25519 store")
    out = jwe.encrypt(b"m", [recipients[0].public()], sender=sender, backend=backend)
    signing = jwk.generate("Ed25519", _seeded(b"ed"), recipients[0].kid, backend=backend)
    _no_crypto(monkeypatch)
    with pytest.raises(errors.UsageError, match="not a key-agreement curve"):
        jwe.decrypt(out, {signing.kid: signing}, sender_key_resolver=sender.public(), backend=backend)
    parsed = _rfc7516.parse(out)
    with pytest.raises(errors.UsageError, match="sender key .* not a key-agreement curve"):
        _rfc7516.decrypt_for_recipient(parsed, 0, recipients[0], sender_key=signing.public(), backend=backend)


def test_didcomm_reads_the_recipient_kid_only_from_the_per_recipient_header(backend) -> None:
    # DIDComm v2: recipients[].header.kid. A kid in the shared "unprotected"
    # header is not a recipient's kid (plain JOSE accepts it there).
    _, recipients = _party("X25519", 1, b"kid location")
    out = jwe.encrypt(b"m", [recipients[0].public()], backend=backend)
    keys = {recipients[0].kid: recipients[0]}
    moved = copy.deepcopy(out)
    moved["unprotected"] = moved["recipients"][0].pop("header")
    with pytest.raises(errors.MalformedMessage) as excinfo:
        jwe.decrypt(moved, keys, backend=backend)
    assert excinfo.value.field == "recipients[0].header.kid"
    assert jwe.decrypt(moved, keys, didcomm=False, backend=backend).recipient_kid == recipients[0].kid
    assert jwe.decrypt(out, keys, backend=backend).recipient_kid == recipients[0].kid


def test_a_single_sender_jwk_must_carry_the_skid(backend) -> None:
    # The reviewer's repro: the key material is Alice's, but the message says
    # skid = mallory; sender_kid must not report mallory as authenticated.
    alice, recipients = _party("X25519", 1, b"single sender key")
    bob = recipients[0]
    message = jwe.encrypt(b"hi", [bob.public()], sender=alice.with_kid("did:ex:mallory#1"), backend=backend)
    with pytest.raises(KeyNotFound) as excinfo:
        jwe.decrypt(message, {bob.kid: bob}, sender_key_resolver=alice.public(), backend=backend)
    assert excinfo.value.field == "skid" and "did:ex:mallory#1" in excinfo.value.reason
    # A key with the matching kid, and a kid-less key the caller vouches for, decrypt.
    matching = jwe.decrypt(message, {bob.kid: bob}, sender_key_resolver=alice.public().with_kid("did:ex:mallory#1"), backend=backend)
    assert matching.sender_kid == "did:ex:mallory#1"
    vouched = jwe.decrypt(message, {bob.kid: bob}, sender_key_resolver=alice.public().with_kid(None), backend=backend)
    assert vouched.sender_kid == "did:ex:mallory#1" and vouched.plaintext == b"hi"
    honest = jwe.encrypt(b"hi", [bob.public()], sender=alice, backend=backend)
    assert jwe.decrypt(honest, {bob.kid: bob}, sender_key_resolver=alice.public(), backend=backend).sender_kid == alice.kid


def test_member_names_must_be_strings(backend) -> None:
    # A dict input built in Python can hold non-str keys; JSON cannot. They are
    # refused at parse (before the disjointness check, whose sorted() would
    # otherwise raise TypeError on a mixed int/str overlap).
    _, recipients = _party("X25519", 1, b"names")
    out = jwe.encrypt(b"m", [recipients[0].public()], backend=backend)
    keys = {recipients[0].kid: recipients[0]}
    mixed = copy.deepcopy(out)
    mixed["unprotected"] = {1: "a", "zz": "b"}
    mixed["recipients"][0]["header"].update({1: "a", "zz": "b"})
    only_int = copy.deepcopy(out)
    only_int["recipients"][0]["header"][5] = "x"
    top = {**copy.deepcopy(out), None: "x"}
    entry = copy.deepcopy(out)
    entry["recipients"][0][b"header"] = {}
    for bad, field in ((mixed, "unprotected"), (only_int, "recipients[0].header"), (top, "jwe"), (entry, "recipients[0]")):
        with pytest.raises(errors.MalformedMessage, match="member names must be strings") as excinfo:
            jwe.decrypt(bad, keys, backend=backend)
        assert excinfo.value.field == field
    assert jwe.decrypt(out, keys, backend=backend).plaintext == b"m"


@pytest.mark.parametrize("case", _cases(JWE, "valid", where=lambda c: "JweAad" in c["flags"]))
def test_jwe_aad_vectors_are_reproduced_and_the_aad_is_authenticated(case: dict, backend) -> None:
    # A positive JWE with an "aad" member (RFC 7516 §5.1 step 14); decryption
    # for every recipient is test_jwe_vectors_decrypt_for_every_recipient.
    spec = case["encrypt"]
    keys = _recipient_keys(case)
    out = _rfc7516.encrypt(
        _h(case["plaintext"]),
        spec["protected_header"],
        [(keys[r["header"]["kid"]].public(), {"kid": r["header"]["kid"]}) for r in case["jwe"]["recipients"]],
        ephemeral=JWK.from_dict(spec["ephemeral_private_jwk"]),
        cek=_h(spec["cek"]),
        iv=_h(spec["iv"]),
        sender=JWK.from_dict(spec["sender_private_jwk"]) if "sender_private_jwk" in spec else None,
        aad=b64url_decode(spec["aad_b64"]),
        backend=backend,
    )
    assert out == case["jwe"] and out["aad"] == spec["aad_b64"]
    other = dict(case["jwe"], aad=b64url_encode(b64url_decode(spec["aad_b64"]) + b"!"))
    with pytest.raises(errors.DecryptionError):
        _decrypt(dict(case, jwe=other), backend)


def test_aad_member_enters_the_additional_authenticated_data() -> None:
    # RFC 7516 §5.1 step 14: AAD = ASCII(protected || '.' || BASE64URL(aad)).
    assert _rfc7516.additional_authenticated_data("abc") == b"abc"
    assert _rfc7516.additional_authenticated_data("abc", "ZGVm") == b"abc.ZGVm"


def test_the_jwe_registries_are_immutable() -> None:
    for registry in (_jose_algorithms.KEY_MANAGEMENT_ALGORITHMS, _jose_algorithms.CONTENT_ENCRYPTION_ALGORITHMS):
        assert isinstance(registry, MappingProxyType)
        with pytest.raises(TypeError):
            registry["dir"] = None  # type: ignore[index]
    with pytest.raises(errors.UnsupportedAlgorithm):
        _jose_algorithms.key_management_algorithm("RSA1_5")
    with pytest.raises(errors.UnsupportedAlgorithm):
        _jose_algorithms.content_encryption_algorithm("A256GCM", allowed={"XC20P"})
    assert _jose_algorithms.DIDCOMM_KEY_MANAGEMENT <= set(_jose_algorithms.KEY_MANAGEMENT_ALGORITHMS)
    assert _jose_algorithms.DIDCOMM_CONTENT_ENCRYPTION <= set(_jose_algorithms.CONTENT_ENCRYPTION_ALGORITHMS)
    assert _jose_algorithms.ECDH_ES.direct and not _jose_algorithms.ECDH_1PU_A256KW.direct
    assert _jose_algorithms.A256CBC_HS512.compactly_committing and not _jose_algorithms.A256GCM.compactly_committing


@settings(max_examples=25, deadline=None)
@given(plaintext=st.binary(max_size=300), which=st.sampled_from(ALG_ENC), seed=st.binary(min_size=1, max_size=8))
def test_property_round_trip_and_determinism(plaintext: bytes, which, seed: bytes) -> None:
    alg, enc = which
    sender, recipients = _party("X25519", 2, b"property")
    sender_arg = sender if alg.startswith("ECDH-1PU") else None
    public = [r.public() for r in recipients]
    first = jwe.encrypt(plaintext, public, alg=alg, enc=enc, sender=sender_arg, rng=_seeded(seed))
    assert jwe.encrypt(plaintext, public, alg=alg, enc=enc, sender=sender_arg, rng=_seeded(seed)) == first
    keys = {r.kid: r for r in recipients}
    assert jwe.decrypt(first, keys, sender_key_resolver=sender.public()).plaintext == plaintext


def test_direct_key_agreement_uses_the_kdf_output_as_cek(backend) -> None:
    # draft-madden-04 Appendix A: ECDH-1PU in Direct Key Agreement mode with
    # A256GCM; the CEK is the KDF output printed in the draft. The generic
    # engine encrypts with it, and AES-GCM under that key opens the result.
    ecdh = load_vectors("jose_ecdh")["cases"]
    kdf = load_vectors("jose_concat_kdf")["cases"][1]
    ephemeral = JWK.from_dict(ecdh[0]["private_jwk"])
    bob = JWK.from_dict(ecdh[1]["private_jwk"]).with_kid("bob")
    alice = JWK.from_dict(ecdh[2]["private_jwk"])
    protected = {
        "alg": "ECDH-1PU",
        "enc": "A256GCM",
        "apu": b64url_encode(b"Alice"),
        "apv": b64url_encode(b"Bob"),
        "epk": ephemeral.public().to_dict(include_kid=False),
    }
    iv = bytes(range(12))
    out = _rfc7516.encrypt(
        b"direct", protected, [(bob.public(), {"kid": "bob"})], ephemeral=ephemeral, cek=None, iv=iv, sender=alice, backend=backend
    )
    assert out["recipients"][0]["encrypted_key"] == ""
    cek = _h(kdf["derived_key"])
    opened = backend.aes_gcm_decrypt(
        cek, iv, b64url_decode(out["ciphertext"]) + b64url_decode(out["tag"]), out["protected"].encode("ascii")
    )
    assert opened == b"direct"
    result = jwe.decrypt(out, {"bob": bob}, sender_key_resolver=alice.public(), didcomm=False, backend=backend)
    assert (result.plaintext, result.alg, result.enc) == (b"direct", "ECDH-1PU", "A256GCM")
    with pytest.raises(errors.UsageError):  # direct mode derives the CEK
        _rfc7516.encrypt(b"x", protected, [(bob.public(), None)], ephemeral=ephemeral, cek=cek, iv=iv, sender=alice)
    with pytest.raises(errors.UsageError):  # and has exactly one recipient
        _rfc7516.encrypt(b"x", protected, [(bob.public(), None)] * 2, ephemeral=ephemeral, cek=None, iv=iv, sender=alice)
    with pytest.raises(errors.MalformedMessage):  # apu and apv must be distinct (draft-04 §2.3)
        _rfc7516.encrypt(
            b"x", dict(protected, apv=protected["apu"]), [(bob.public(), None)], ephemeral=ephemeral, cek=None, iv=iv, sender=alice
        )


def _two_recipient_anoncrypt():
    from refdidcomm import jwe, jwk

    keys = [jwk.generate("X25519", kid=f"did:example:bob#key-{i}", rng=lambda n, i=i: bytes([i + 1]) * n) for i in range(2)]
    msg = jwe.encrypt(b"hello", [k.public() for k in keys], rng=lambda n: bytes([7]) * n)
    return msg, {k.kid: k for k in keys}


def test_didcomm_typ_without_application_prefix_is_accepted() -> None:
    """DIDComm v2 Media Types: a type without '/' has the application/ prefix."""
    from refdidcomm import jwe

    keys = _two_recipient_anoncrypt()[1]
    bob = next(iter(keys.values()))
    short = jwe.encrypt(b"hi", [bob.public()], typ="didcomm-encrypted+json", rng=lambda n: bytes([9]) * n)
    assert jwe.decrypt(short, {bob.kid: bob}).plaintext == b"hi"
    other = jwe.encrypt(b"hi", [bob.public()], typ="didcomm-signed+json", rng=lambda n: bytes([9]) * n)
    with pytest.raises(errors.MalformedMessage) as info:
        jwe.decrypt(other, {bob.kid: bob})
    assert info.value.field == "typ"


def test_repeated_recipient_kid_is_refused_before_any_crypto(monkeypatch) -> None:
    import copy

    from refdidcomm import _rfc7516, jwe

    msg, keys = _two_recipient_anoncrypt()
    dup = copy.deepcopy(msg)
    dup["recipients"][1]["header"]["kid"] = dup["recipients"][0]["header"]["kid"]

    def no_crypto(*a, **k):
        raise AssertionError("key agreement ran")

    monkeypatch.setattr(_rfc7516, "decrypt_for_recipient", no_crypto)
    with pytest.raises(errors.MalformedMessage) as info:
        jwe.decrypt(dup, keys)
    assert info.value.field == "recipients[1].header.kid"


# -- jwe.to_json: the same text as _json.dumps, without the JSON string encoder on base64url members --


def test_to_json_is_the_text_of_json_dumps_for_real_jwes(backend):
    from refdidcomm import _json

    rng = _seeded(b"to_json")
    bob = jwk.generate("X25519", rng=rng, kid="did:example:bob#x", backend=backend)
    alice = jwk.generate("X25519", rng=rng, kid="did:example:alice#x", backend=backend)
    for size in (0, 1, 100, 70000):
        for sender in (None, alice):
            obj = jwe.encrypt(b"\xe2\x82\xac" * size, [bob.public()], sender=sender, rng=rng, backend=backend)
            assert jwe.to_json(obj) == _json.dumps(obj)
            assert jwe.decrypt(jwe.to_json(obj), {bob.kid: bob}, sender_key_resolver=alice.public(),
                               backend=backend).plaintext == b"\xe2\x82\xac" * size


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(["protected", "iv", "ciphertext", "tag", "aad", "encrypted_key",
                                        "recipients", "unprotected", "x\"y", "é"]),
                       st.one_of(st.text(alphabet="AZaz09-_+/=\"\\\n\u00e9\U0001f600", max_size=12), _JSON_VALUES),
                       max_size=8))
def test_to_json_equals_json_dumps_for_any_object(obj):
    from refdidcomm import _json

    saved = _rfc7516._LARGE
    try:
        for large in (saved, -1):  # -1: every ciphertext string counts as large (the piecewise path)
            _rfc7516._LARGE = large
            assert jwe.to_json(obj) == _json.dumps(obj)
            assert json.loads(jwe.to_json(obj)) == obj
    finally:
        _rfc7516._LARGE = saved


def test_to_json_refuses_what_json_dumps_refuses():
    from refdidcomm import _json

    for bad in ({"ciphertext": float("nan")}, {1: "a", "1": "b"}, {"iv": {2: "x"}}, {"tag": object()}):
        with pytest.raises(errors.UsageError):
            _json.dumps(bad)
        with pytest.raises(errors.UsageError):
            jwe.to_json(bad)
    assert jwe.to_json(["not", "an", "object"]) == '["not","an","object"]'


def test_encrypt_json_is_to_json_of_encrypt(backend):
    bob = jwk.generate("X25519", rng=_seeded(b"ej-bob"), kid="did:example:bob#x", backend=backend)
    carol = jwk.generate("X25519", rng=_seeded(b"ej-carol"), kid="did:example:carol#x", backend=backend)
    alice = jwk.generate("X25519", rng=_seeded(b"ej-alice"), kid="did:example:alice#x", backend=backend)
    for size in (0, 17, 5000):
        for kw in ({}, {"sender": alice}, {"enc": "A256GCM"}, {"enc": "XC20P", "typ": None}):
            plaintext = bytes(range(256)) * (size // 256) + b"t" * (size % 256)
            args = (plaintext, [bob.public(), carol.public()])
            as_object = jwe.encrypt(*args, rng=_seeded(b"same"), backend=backend, **kw)
            as_text = jwe.encrypt_json(*args, rng=_seeded(b"same"), backend=backend, **kw)
            assert as_text == jwe.to_json(as_object)
            opened = jwe.decrypt(as_text, {carol.kid: carol}, sender_key_resolver=alice.public(), backend=backend)
            assert opened.plaintext == plaintext
    with pytest.raises(errors.UsageError):
        jwe.encrypt_json(b"x", [], backend=backend)


@pytest.mark.parametrize("ciphertext, reason", [
    ("AAA=", "padding not allowed"), ("AA+A", "invalid character"), ("AAAAA", "impossible length"),
    ("AB", "non-canonical trailing bits"), ("é", "invalid character"), (None, "must be a base64url string"),
    (17, "must be a base64url string"),
])
def test_parse_reads_the_ciphertext_with_either_backend_and_the_same_errors(backend, ciphertext, reason):
    bob = jwk.generate("X25519", rng=_seeded(b"pc-bob"), kid="did:example:bob#x", backend=backend)
    obj = jwe.encrypt(b"hello", [bob.public()], rng=_seeded(b"pc"), backend=backend)
    assert _rfc7516.parse(obj, backend=backend).ciphertext == b64url_decode(obj["ciphertext"])
    obj["ciphertext"] = ciphertext
    with pytest.raises(errors.MalformedMessage) as err:
        _rfc7516.parse(obj, backend=backend)
    assert (err.value.reason, err.value.field) == (reason, "ciphertext")
    del obj["ciphertext"]
    with pytest.raises(errors.MalformedMessage) as err:
        _rfc7516.parse(obj, backend=backend)
    assert (err.value.reason, err.value.field) == ("required member is missing", "ciphertext")


def test_to_json_reports_the_error_json_dumps_reports_when_several_members_are_bad():
    from refdidcomm import _json

    for bad in ({"ciphertext": "Q" * 3000, "recipients": [{"header": {1: "a"}}], "tag": b"x"},
                {"protected": "", "\ud800": b"b", "ciphertext": "Q" * 2049}):
        with pytest.raises(errors.UsageError) as expected:
            _json.dumps(bad)
        with pytest.raises(errors.UsageError) as got:
            jwe.to_json(bad)
        assert str(got.value) == str(expected.value)
