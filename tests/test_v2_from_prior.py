"""DID rotation (from_prior): create, verify, rotation and relationship ending through pack/unpack, every check."""

from __future__ import annotations

import json

import pytest

from conftest import load_vectors
from refdidcomm import _json, errors, v2
from refdidcomm.encoding import b64url_decode, b64url_encode
from v2_helpers import message, resolver, secrets, seeded

RES = resolver("python")
CHARLIE = secrets("python", "charlie")
ALICE = secrets("python", "alice")
BOB = secrets("python", "bob")
RUST = load_vectors("didcomm_v2_sicpa_rust")["extra"]["from_prior"]
PYTHON = load_vectors("didcomm_v2_sicpa_python")["extra"]


def _parts(token: str):
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), s


def test_create_from_prior_shape(backend) -> None:
    token = v2.create_from_prior("did:example:charlie", "did:example:alice", iat=1516239022, secrets=CHARLIE,
                                 resolver=RES, backend=backend)
    header, claims, _ = _parts(token)
    assert header == {"typ": "JWT", "alg": "EdDSA", "kid": "did:example:charlie#key-1"}
    assert claims == {"iss": "did:example:charlie", "sub": "did:example:alice", "iat": 1516239022}
    verified = v2.verify_from_prior(token, "did:example:alice", resolver=RES, backend=backend)
    assert (verified.issuer_kid, verified.iss, verified.sub) == ("did:example:charlie#key-1", "did:example:charlie", "did:example:alice")


def test_reproduces_the_rust_jwt_byte_for_byte(backend) -> None:
    token = v2.sign_from_prior(RUST["FROM_PRIOR_JWT_FULL_claims"], secrets=CHARLIE, resolver=RES, backend=backend)
    assert token == RUST["FROM_PRIOR_JWT_FULL"]


@pytest.mark.parametrize("protect", [False, True])
def test_rotation_through_authcrypt(protect: bool, backend) -> None:
    token = v2.create_from_prior("did:example:charlie", "did:example:alice", iat=123, secrets=CHARLIE, resolver=RES,
                                 issuer_kid="did:example:charlie#key-1", backend=backend)
    msg = message(from_prior=token)
    packed = v2.pack_encrypted(msg, "did:example:bob", frm="did:example:alice", protect_sender=protect, forward=False,
                               secrets=ALICE, resolver=RES, rng=seeded(b"rot"), backend=backend)
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.message.from_prior == token
    meta = result.metadata
    assert meta.from_prior_issuer_kid == "did:example:charlie#key-1" and meta.from_prior_jwt == token
    assert meta.from_prior == {"iss": "did:example:charlie", "sub": "did:example:alice", "iat": 123}


def test_ending_a_relationship(backend) -> None:
    """'Omit sub in the from_prior JWT. Send the message without a from attribute.'"""
    token = v2.create_from_prior("did:example:charlie", None, iat=5, secrets=CHARLIE, resolver=RES, backend=backend)
    assert "sub" not in _parts(token)[1]
    msg = message(from_=None, from_prior=token)
    packed = v2.pack_encrypted(msg, "did:example:bob", forward=False, secrets={}, resolver=RES, backend=backend)
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.message.from_ is None
    assert result.metadata.from_prior == {"iss": "did:example:charlie", "iat": 5}
    assert result.metadata.from_prior_issuer_kid == "did:example:charlie#key-1"
    # ... but not on a message that still has a from, nor a rotation on one without.
    with pytest.raises(errors.MalformedMessage) as info:
        v2.pack_plaintext(message(from_prior=token))
    assert info.value.field == "from_prior"
    rotation = v2.create_from_prior("did:example:charlie", "did:example:alice", iat=5, secrets=CHARLIE, resolver=RES)
    with pytest.raises(errors.MalformedMessage, match="no from"):
        v2.pack_plaintext(message(from_=None, from_prior=rotation))


@pytest.mark.parametrize("name", sorted(RUST["invalid_claim_sets_for_pack"]))
def test_rust_invalid_claim_sets_are_refused(name: str) -> None:
    claims = RUST["invalid_claim_sets_for_pack"][name]
    with pytest.raises(errors.MalformedMessage):
        v2.sign_from_prior(claims, secrets=CHARLIE, resolver=RES)


@pytest.mark.parametrize("index", [0, 1])
def test_python_invalid_from_prior_messages_are_refused(index: int) -> None:
    case = PYTHON["invalid_from_prior_messages_for_pack"][index]
    claims = case["message"]["from_prior"]
    with pytest.raises((errors.MalformedMessage, errors.UsageError)):
        token = v2.sign_from_prior(claims, secrets=secrets("python", "charlie", "alice"), resolver=RES)
        v2.pack_plaintext(dict(case["message"], from_prior=token))


def _unpack_plain_with(token: str, frm="did:example:alice"):
    """The JWT checks, on a plaintext message (allowed only with the opt-out, tested below)."""
    obj = message(from_=frm).to_dict()
    obj["from_prior"] = token
    return v2.unpack(_json.dumps(obj), secrets=BOB, resolver=RES, allow_unauthenticated_from_prior=True)


def _forge(header: dict, claims: dict, key=None) -> str:
    """A compact JWS with exactly this header, signed by ``key`` (default Charlie's key-1)."""
    from refdidcomm import _rfc7515
    from refdidcomm._jose_algorithms import jws_algorithm

    key = key or CHARLIE["did:example:charlie#key-1"]
    h = b64url_encode(_json.dumps_bytes(header))
    p = b64url_encode(_json.dumps_bytes(claims))
    sig = _rfc7515.sign_bytes(jws_algorithm("EdDSA"), key, f"{h}.{p}".encode())
    return f"{h}.{p}.{b64url_encode(sig)}"


GOOD_HEADER = {"typ": "JWT", "alg": "EdDSA", "kid": "did:example:charlie#key-1"}
GOOD_CLAIMS = {"iss": "did:example:charlie", "sub": "did:example:alice", "iat": 1}


def test_forged_good_token_passes() -> None:
    result = _unpack_plain_with(_forge(GOOD_HEADER, GOOD_CLAIMS))
    assert result.metadata.from_prior == GOOD_CLAIMS and result.metadata.from_prior_unauthenticated
    # The spec's example header carries "crv": "ED25519"; an unknown, non-critical header is ignored.
    token = _forge(dict(GOOD_HEADER, crv="ED25519"), GOOD_CLAIMS)
    assert _unpack_plain_with(token).metadata.from_prior_issuer_kid == "did:example:charlie#key-1"


@pytest.mark.parametrize("header,claims,frm,reason", [
    (GOOD_HEADER, dict(GOOD_CLAIMS, sub="did:example:dave"), "did:example:alice", "not the message's from"),
    (GOOD_HEADER, {"iss": "did:example:charlie", "iat": 1}, "did:example:alice", "relationship ending"),
    (GOOD_HEADER, GOOD_CLAIMS, None, "no from"),
    (GOOD_HEADER, dict(GOOD_CLAIMS, iss="did:example:alice"), "did:example:alice", "same DID"),
    (GOOD_HEADER, dict(GOOD_CLAIMS, iss="did:example:charlie#key-1"), "did:example:alice", "not a DID URL"),
    (GOOD_HEADER, {"sub": "did:example:alice"}, "did:example:alice", "iss"),
    (GOOD_HEADER, dict(GOOD_CLAIMS, iat="yesterday"), "did:example:alice", "iat"),
    (GOOD_HEADER, {"iss": "did:example:charlie", "sub": "did:example:alice"}, "did:example:alice", "iat .* missing"),
    (dict(GOOD_HEADER, typ="JOSE"), GOOD_CLAIMS, "did:example:alice", "typ"),
    ({"typ": "JWT", "alg": "EdDSA"}, GOOD_CLAIMS, "did:example:alice", "kid"),
    (dict(GOOD_HEADER, kid="did:example:alice#key-1"), GOOD_CLAIMS, "did:example:alice", "not a key of the prior DID"),
    (dict(GOOD_HEADER, kid="did:example:charlie#key-x25519-1"), GOOD_CLAIMS, "did:example:alice", "authentication"),
    (dict(GOOD_HEADER, crit=["zzz"], zzz=1), GOOD_CLAIMS, "did:example:alice", "critical"),
])
def test_from_prior_checks(header, claims, frm, reason) -> None:
    with pytest.raises(errors.MalformedMessage, match=reason) as info:
        _unpack_plain_with(_forge(header, claims), frm=frm)
    assert info.value.field == "from_prior"


def test_bad_signature_is_invalid_signature(backend) -> None:
    token = v2.sign_from_prior(RUST["FROM_PRIOR_JWT_FULL_claims"], secrets=CHARLIE, resolver=RES, backend=backend)
    h, p, s = token.split(".")
    sig = bytearray(b64url_decode(s))
    sig[0] ^= 1
    with pytest.raises(errors.InvalidSignature):
        v2.verify_from_prior(f"{h}.{p}.{b64url_encode(bytes(sig))}", "did:example:alice", resolver=RES, backend=backend)
    # Signed by Alice's key but naming Charlie's: the signature check fails.
    forged = _forge(GOOD_HEADER, GOOD_CLAIMS, key=ALICE["did:example:alice#key-1"])
    with pytest.raises(errors.InvalidSignature):
        _unpack_plain_with(forged)


def test_non_canonical_signature_encoding_is_refused() -> None:
    """didcomm-rust's PLAINTEXT_FROM_PRIOR_INVALID_SIGNATURE: only the unused bits of the last character differ."""
    with pytest.raises(errors.MalformedMessage, match="non-canonical"):
        v2.verify_from_prior(RUST["FROM_PRIOR_JWT_INVALID_SIGNATURE"], "did:example:alice", resolver=RES)


@pytest.mark.parametrize("token", ["invalid", "a.b", "a.b.c.d", 7, "e30.e30.e30"])
def test_malformed_tokens(token) -> None:
    with pytest.raises(errors.MalformedMessage) as info:
        v2.verify_from_prior(token, "did:example:alice", resolver=RES)
    assert info.value.field == "from_prior"


def test_create_usage_errors() -> None:
    with pytest.raises(errors.UsageError):
        v2.create_from_prior("did:example:charlie", "did:example:alice", iat=1, secrets={}, resolver=RES)
    with pytest.raises(errors.UsageError):
        v2.create_from_prior("did:example:charlie", "did:example:alice", iat=1, secrets=CHARLIE, resolver=RES,
                             issuer_kid="did:example:alice#key-1")
    with pytest.raises(errors.MalformedMessage):
        v2.create_from_prior("did:example:charlie", "did:example:alice", iat=1, secrets=CHARLIE, resolver=RES,
                             issuer_kid="did:example:charlie#key-x25519-1")
    with pytest.raises(errors.UsageError):
        v2.create_from_prior("did:example:charlie", "did:example:alice", iat=True, secrets=CHARLIE, resolver=RES)
    # "iat MUST be the datetime of the DID rotation": required, an int or a clock returning one.
    for bad in (None, 1.5, lambda: None):
        with pytest.raises(errors.UsageError, match="iat"):
            v2.create_from_prior("did:example:charlie", "did:example:alice", iat=bad, secrets=CHARLIE, resolver=RES)
    with pytest.raises(errors.MalformedMessage, match="iat"):
        v2.sign_from_prior({"iss": "did:example:charlie", "sub": "did:example:alice"}, secrets=CHARLIE, resolver=RES)
    with pytest.raises(errors.UsageError):
        v2.create_from_prior("did:example:charlie", "did:example:alice", iat=1, secrets=CHARLIE, resolver=RES,
                             extra_claims={"iss": "x"})
    with pytest.raises(errors.MalformedMessage):
        v2.create_from_prior("did:example:charlie", "did:example:charlie", iat=1, secrets=CHARLIE, resolver=RES)


def test_peer_did_walkthrough(backend) -> None:
    """did:peer:2 end to end: an authcrypt reply with pthid, rotation to a new peer DID, then ending the relationship."""
    from refdidcomm import did
    from refdidcomm.jwk import generate

    def party(seed: bytes):
        rng = seeded(seed)
        sign = generate("Ed25519", rng=rng, backend=backend)
        agree = generate("X25519", rng=rng, backend=backend)
        peer = did.create_peer2([("V", sign), ("E", agree)])
        return peer, {f"{peer}#key-1": sign.with_kid(f"{peer}#key-1"), f"{peer}#key-2": agree.with_kid(f"{peer}#key-2")}

    alice, alice_keys = party(b"alice")
    alice2, alice2_keys = party(b"alice2")
    bob, bob_keys = party(b"bob")
    res = v2.make_resolver()

    reply = v2.Message(id="r1", type="https://didcomm.org/basicmessage/2.0/message", from_=alice, to=[bob],
                       pthid="invitation-id", body={"content": "hi"})
    packed = v2.pack_encrypted(reply, bob, frm=alice, sign_from=alice, forward=False, secrets=alice_keys, resolver=res,
                               rng=seeded(b"1"), backend=backend)
    got = v2.unpack(packed.packed, secrets=bob_keys, resolver=res, backend=backend)
    assert got.message.pthid == "invitation-id" and got.metadata.encrypted_from == f"{alice}#key-2"
    assert got.metadata.sign_from == f"{alice}#key-1"

    token = v2.create_from_prior(alice, alice2, iat=1700000000, secrets=alice_keys, resolver=res, backend=backend)
    rotated = v2.Message(id="r2", type="https://didcomm.org/basicmessage/2.0/message", from_=alice2, to=[bob],
                         from_prior=token, body={"content": "new DID"})
    packed = v2.pack_encrypted(rotated, bob, frm=alice2, forward=False, secrets=alice2_keys, resolver=res,
                               rng=seeded(b"2"), backend=backend)
    got = v2.unpack(packed.packed, secrets=bob_keys, resolver=res, backend=backend)
    assert got.metadata.from_prior == {"iss": alice, "sub": alice2, "iat": 1700000000}
    assert got.metadata.from_prior_issuer_kid == f"{alice}#key-1"

    goodbye = v2.create_from_prior(alice2, None, iat=1700000001, secrets=alice2_keys, resolver=res, backend=backend)
    ending = v2.Message(id="r3", type="https://didcomm.org/basicmessage/2.0/message", to=[bob], from_prior=goodbye, body={})
    packed = v2.pack_encrypted(ending, bob, forward=False, secrets={}, resolver=res, rng=seeded(b"3"), backend=backend)
    got = v2.unpack(packed.packed, secrets=bob_keys, resolver=res, backend=backend)
    assert got.message.from_ is None and got.metadata.anonymous_sender
    assert got.metadata.from_prior == {"iss": alice2, "iat": 1700000001}


def test_iat_from_a_clock_callable() -> None:
    token = v2.create_from_prior("did:example:charlie", "did:example:alice", iat=lambda: 1700000042, secrets=CHARLIE,
                                 resolver=RES)
    assert _parts(token)[1]["iat"] == 1700000042


def _rotation() -> str:
    return v2.create_from_prior("did:example:charlie", "did:example:alice", iat=7, secrets=CHARLIE, resolver=RES)


def test_rotation_must_be_encrypted(backend) -> None:
    """"The message MUST be encrypted, MUST use the new DID" (DID Rotation): a plaintext or signed-only message is refused."""
    plain = v2.pack_plaintext(message(from_prior=_rotation()))
    with pytest.raises(errors.MalformedMessage, match="MUST be encrypted") as info:
        v2.unpack(plain, secrets=BOB, resolver=RES, backend=backend)
    assert info.value.field == "from_prior"
    signed = v2.pack_signed(message(from_prior=_rotation()), "did:example:alice", secrets=ALICE, resolver=RES,
                            backend=backend).packed
    with pytest.raises(errors.MalformedMessage, match="MUST be encrypted"):
        v2.unpack(signed, secrets=BOB, resolver=RES, backend=backend)
    # The opt-out (published vectors) accepts it and flags it.
    result = v2.unpack(plain, secrets=BOB, resolver=RES, backend=backend, allow_unauthenticated_from_prior=True)
    assert result.metadata.from_prior_unauthenticated and result.metadata.from_prior["sub"] == "did:example:alice"


def test_rotation_must_be_authenticated_by_the_new_did(backend) -> None:
    """Anoncrypt proves nothing about from: anyone holding Alice's from_prior JWT could put it on a message."""
    msg = message(from_prior=_rotation())
    anon = v2.pack_encrypted(msg, "did:example:bob", forward=False, secrets={}, resolver=RES, rng=seeded(b"a"),
                             backend=backend).packed
    with pytest.raises(errors.MalformedMessage, match="did not authenticate") as info:
        v2.unpack(anon, secrets=BOB, resolver=RES, backend=backend)
    assert info.value.field == "from_prior"
    assert v2.unpack(anon, secrets=BOB, resolver=RES, backend=backend,
                     allow_unauthenticated_from_prior=True).metadata.from_prior_unauthenticated
    # Signed by the new DID, then anoncrypted: authenticated by the signature.
    signed_anon = v2.pack_encrypted(msg, "did:example:bob", sign_from="did:example:alice", forward=False, secrets=ALICE,
                                    resolver=RES, rng=seeded(b"s"), backend=backend).packed
    result = v2.unpack(signed_anon, secrets=BOB, resolver=RES, backend=backend)
    assert result.metadata.from_prior["sub"] == "did:example:alice" and not result.metadata.from_prior_unauthenticated
    # Authcrypt by the new DID.
    auth = v2.pack_encrypted(msg, "did:example:bob", frm="did:example:alice", forward=False, secrets=ALICE, resolver=RES,
                             rng=seeded(b"u"), backend=backend).packed
    assert not v2.unpack(auth, secrets=BOB, resolver=RES, backend=backend).metadata.from_prior_unauthenticated
