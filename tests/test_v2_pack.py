"""DIDComm v2 pack: round trips for every option on both backends, key choice, determinism, usage errors."""

from __future__ import annotations

import json

import pytest

from refdidcomm import errors, v2
from v2_helpers import message, resolver, secrets, seeded

ALICE = secrets("spec", "alice")
BOB = secrets("spec", "bob")
RES = resolver("spec")
BOB_X25519 = ["did:example:bob#key-x25519-1", "did:example:bob#key-x25519-2", "did:example:bob#key-x25519-3"]


def test_plaintext_round_trip() -> None:
    msg = message(thid="t1", pthid="p1", extra_headers={"please_ack": ["1"], "custom": {"a": 1}},
                  attachments=[{"id": "a", "data": {"json": {"x": 1}}}])
    packed = v2.pack_plaintext(msg)
    result = v2.unpack(packed, secrets={}, resolver=RES)
    assert result.message == msg
    assert json.loads(packed)["custom"] == {"a": 1}
    meta = result.metadata
    assert not (meta.encrypted or meta.authenticated or meta.non_repudiation or meta.anonymous_sender)


@pytest.mark.parametrize("sign_from,alg", [
    ("did:example:alice", "EdDSA"),
    ("did:example:alice#key-1", "EdDSA"),
    ("did:example:alice#key-2", "ES256"),
    ("did:example:alice#key-3", "ES256K"),
])
def test_signed_round_trip(sign_from: str, alg: str, backend) -> None:
    msg = message()
    packed = v2.pack_signed(msg, sign_from, secrets=ALICE, resolver=RES, backend=backend)
    assert packed.sign_from_kid == (sign_from if "#" in sign_from else "did:example:alice#key-1")
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == msg
    meta = result.metadata
    assert (meta.authenticated, meta.non_repudiation, meta.encrypted) == (True, True, False)
    assert meta.sign_from == packed.sign_from_kid and meta.sign_alg == alg
    assert meta.signed_message == packed.packed


def test_signed_message_of_bytes_and_object_input_is_the_compact_jws() -> None:
    packed = v2.pack_signed(message(), "did:example:alice", secrets=ALICE, resolver=RES).packed
    pretty = json.dumps(json.loads(packed), indent=2)  # not the compact text
    for given in (pretty.encode("utf-8"), json.loads(packed)):
        meta = v2.unpack(given, secrets=BOB, resolver=RES).metadata
        assert meta.signed_message == packed  # written from the parsed input
    assert v2.unpack(pretty, secrets=BOB, resolver=RES).metadata.signed_message == pretty  # text: as received


@pytest.mark.parametrize("enc", ["A256CBC-HS512", "A256GCM", "XC20P"])
def test_anoncrypt_round_trip(enc: str, backend) -> None:
    msg = message()
    packed = v2.pack_encrypted(msg, "did:example:bob", enc=enc, forward=False, secrets={}, resolver=RES,
                               rng=seeded(b"anon" + enc.encode()), backend=backend)
    assert packed.to_kids == BOB_X25519 and packed.from_kid is None
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == msg
    meta = result.metadata
    assert (meta.encrypted, meta.anonymous_sender, meta.authenticated) == (True, True, False)
    assert meta.encrypted_to == BOB_X25519 and meta.enc_alg_anon == f"ECDH-ES+A256KW/{enc}"


def test_anoncrypt_default_enc_is_a256cbc_hs512(backend) -> None:
    packed = v2.pack_encrypted(message(), "did:example:bob", forward=False, secrets={}, resolver=RES, backend=backend)
    protected = json.loads(packed.packed)["protected"]
    from refdidcomm.encoding import b64url_decode
    assert json.loads(b64url_decode(protected))["enc"] == "A256CBC-HS512"


@pytest.mark.parametrize("kid,crv", [("did:example:bob#key-p384-2", "P-384"), ("did:example:bob#key-p521-1", "P-521"),
                                     ("did:example:bob#key-p256-2", "P-256")])
def test_anoncrypt_to_one_kid(kid: str, crv: str, backend) -> None:
    packed = v2.pack_encrypted(message(), kid, forward=False, secrets={}, resolver=RES, backend=backend)
    assert packed.to_kids == [kid]
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.metadata.encrypted_to == [kid]


@pytest.mark.parametrize("frm,sender,to_prefix", [
    ("did:example:alice", "did:example:alice#key-x25519-1", "did:example:bob#key-x25519-"),
    ("did:example:alice#key-p256-1", "did:example:alice#key-p256-1", "did:example:bob#key-p256-"),
    ("did:example:alice#key-p521-1", "did:example:alice#key-p521-1", "did:example:bob#key-p521-"),
])
def test_authcrypt_round_trip(frm: str, sender: str, to_prefix: str, backend) -> None:
    msg = message()
    packed = v2.pack_encrypted(msg, "did:example:bob", frm=frm, forward=False, secrets=ALICE, resolver=RES, backend=backend)
    assert packed.from_kid == sender and all(k.startswith(to_prefix) for k in packed.to_kids)
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == msg
    meta = result.metadata
    assert (meta.encrypted, meta.authenticated, meta.anonymous_sender, meta.non_repudiation) == (True, True, False, False)
    assert meta.encrypted_from == sender and meta.encrypted_to == packed.to_kids
    assert meta.enc_alg_auth == "ECDH-1PU+A256KW/A256CBC-HS512" and meta.enc_alg_anon is None


@pytest.mark.parametrize("enc", ["XC20P", "A256GCM", "A256CBC-HS512"])
def test_protect_sender_round_trip(enc: str, backend) -> None:
    msg = message()
    packed = v2.pack_encrypted(msg, "did:example:bob", frm="did:example:alice", protect_sender=True, enc=enc,
                               forward=False, secrets=ALICE, resolver=RES, backend=backend)
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == msg
    meta = result.metadata
    assert (meta.encrypted, meta.authenticated, meta.anonymous_sender) == (True, True, True)
    assert meta.enc_alg_anon == f"ECDH-ES+A256KW/{enc}" and meta.enc_alg_auth == "ECDH-1PU+A256KW/A256CBC-HS512"
    assert "skid" not in packed.packed  # the outer protected header names no sender
    assert meta.encrypted_from == "did:example:alice#key-x25519-1"


@pytest.mark.parametrize("frm,protect", [(None, False), ("did:example:alice", False), ("did:example:alice", True)])
def test_sign_then_encrypt_round_trip(frm, protect: bool, backend) -> None:
    msg = message()
    packed = v2.pack_encrypted(msg, "did:example:bob", frm=frm, sign_from="did:example:alice#key-2", protect_sender=protect,
                               forward=False, secrets=ALICE, resolver=RES, backend=backend)
    assert packed.sign_from_kid == "did:example:alice#key-2"
    result = v2.unpack(packed.packed, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == msg
    meta = result.metadata
    assert (meta.non_repudiation, meta.authenticated, meta.anonymous_sender) == (True, True, frm is None or protect)
    assert meta.sign_from == "did:example:alice#key-2" and meta.sign_alg == "ES256"
    assert json.loads(meta.signed_message)["signatures"][0]["header"]["kid"] == "did:example:alice#key-2"


def test_several_recipient_dids_in_one_jwe(backend) -> None:
    res = resolver("spec", "python")
    charlie = secrets("python", "charlie")
    msg = message(to=["did:example:bob", "did:example:charlie"])
    packed = v2.pack_encrypted(msg, ["did:example:bob", "did:example:charlie"], frm="did:example:alice", forward=False,
                               secrets=ALICE, resolver=res, backend=backend)
    assert packed.to_kids == BOB_X25519 + ["did:example:charlie#key-x25519-1"]
    for who in (BOB, charlie):
        result = v2.unpack(packed.packed, secrets=who, resolver=res, backend=backend)
        assert result.message == msg and result.metadata.encrypted_to == packed.to_kids
    with pytest.raises(errors.UsageError):
        v2.pack_encrypted(msg, ["did:example:bob", "did:example:charlie"], secrets=ALICE, resolver=res, backend=backend)


@pytest.mark.parametrize("options", [
    {},
    {"frm": "did:example:alice"},
    {"frm": "did:example:alice", "protect_sender": True, "enc": "XC20P"},
    {"frm": "did:example:alice#key-p256-1", "sign_from": "did:example:alice#key-1"},
    {"sign_from": "did:example:alice#key-3", "enc": "A256GCM"},
])
def test_seeded_pack_is_reproducible(options, backend) -> None:
    def pack(seed: bytes, be) -> str:
        return v2.pack_encrypted(message(), "did:example:bob", forward=False, secrets=ALICE, resolver=RES,
                                 rng=seeded(seed), backend=be, **options).packed

    first = pack(b"seed-1", backend)
    assert pack(b"seed-1", backend) == first
    assert pack(b"seed-2", backend) != first
    from refdidcomm import crypto
    # ES256/ES256K signatures are deterministic (RFC 6979) and Ed25519 is, so the bytes agree across backends too.
    assert pack(b"seed-1", crypto.backend("pure")) == first
    assert v2.unpack(first, secrets=BOB, resolver=RES, backend=backend).message == message()


def test_anoncrypt_helper_and_decrypt(backend) -> None:
    packed = v2.anoncrypt(b'{"x":1}', ["did:example:bob#key-p384-1", "did:example:bob#key-p384-2"], resolver=RES,
                          rng=seeded(b"h"), backend=backend)
    plaintext, kid = v2.anoncrypt_decrypt(packed, secrets=BOB, backend=backend)
    assert plaintext == b'{"x":1}' and kid == "did:example:bob#key-p384-1"
    authcrypted = v2.pack_encrypted(message(), "did:example:bob", frm="did:example:alice", forward=False,
                                    secrets=ALICE, resolver=RES, backend=backend).packed
    with pytest.raises(errors.MalformedMessage):
        v2.anoncrypt_decrypt(authcrypted, secrets=BOB, backend=backend)
    with pytest.raises(errors.UsageError):
        v2.anoncrypt(b"x", [], resolver=RES)
    with pytest.raises(errors.UsageError):  # X25519 and P-384 cannot share one epk
        v2.anoncrypt(b"x", ["did:example:bob#key-p384-1", "did:example:bob#key-x25519-1"], resolver=RES)


def test_usage_errors() -> None:
    msg = message()
    kw = dict(forward=False, secrets=ALICE, resolver=RES)
    with pytest.raises(errors.UsageError, match="protect_sender"):
        v2.pack_encrypted(msg, "did:example:bob", protect_sender=True, **kw)
    with pytest.raises(errors.UnsupportedAlgorithm):
        v2.pack_encrypted(msg, "did:example:bob", frm="did:example:alice", enc="XC20P", **kw)
    with pytest.raises(errors.UsageError, match="not the message's from"):
        v2.pack_encrypted(message(from_="did:example:bob"), "did:example:bob", frm="did:example:alice", **kw)
    with pytest.raises(errors.UsageError, match="needs the message's from"):
        v2.pack_encrypted(message(from_=None), "did:example:bob", frm="did:example:alice", **kw)
    with pytest.raises(errors.UsageError, match="not in the message's to"):
        v2.pack_encrypted(message(to=["did:example:alice"]), "did:example:bob", **kw)
    with pytest.raises(errors.UsageError, match="no keyAgreement key"):
        v2.pack_encrypted(msg, "did:example:bob#key-x25519-1", frm="did:example:alice#key-p256-1", **kw)
    with pytest.raises(errors.UsageError, match="no keyAgreement key"):
        v2.pack_encrypted(msg, "did:example:bob", frm="did:example:alice", forward=False, secrets={}, resolver=RES)
    with pytest.raises(errors.UsageError):
        v2.pack_signed(msg, "did:example:alice", secrets={}, resolver=RES)
    with pytest.raises(errors.UsageError, match="not the message's from"):
        v2.pack_signed(msg, "did:example:bob", secrets=ALICE, resolver=RES)
    with pytest.raises(errors.MalformedMessage, match="authentication"):
        v2.pack_signed(msg, "did:example:alice#key-x25519-1", secrets=ALICE, resolver=RES)
    with pytest.raises(errors.MalformedMessage, match="keyAgreement"):
        v2.pack_encrypted(msg, "did:example:bob#key-nope", **kw)
    with pytest.raises(errors.MalformedMessage):
        v2.pack_encrypted(msg, "did:example:nobody", **kw)
    with pytest.raises(errors.UsageError):
        v2.pack_encrypted(msg, [], **kw)
    with pytest.raises(errors.UsageError):
        v2.pack_plaintext("not a message")  # type: ignore[arg-type]
    with pytest.raises(errors.MalformedMessage) as info:
        v2.pack_plaintext(message(to="did:example:bob"))
    assert info.value.field == "to"


def test_forward_wrapping_when_routing_is_present(backend) -> None:
    pytest.importorskip("refdidcomm.v2._routing")
    # Bob's spec document has no DIDComm service: nothing to wrap, the message is unchanged.
    plain = v2.pack_encrypted(message(), "did:example:bob", forward=False, secrets={}, resolver=RES, rng=seeded(b"f"), backend=backend)
    wrapped = v2.pack_encrypted(message(), "did:example:bob", forward=True, secrets={}, resolver=RES, rng=seeded(b"f"), backend=backend)
    assert wrapped.packed == plain.packed


def test_seeded_known_answers(backend) -> None:
    from conftest import load_vectors

    data = load_vectors("didcomm_v2_seeded")
    for case in data["cases"]:
        packed = v2.pack_encrypted(v2.Message.from_dict(data["message"]), case["to"], forward=False, secrets=ALICE,
                                   resolver=RES, rng=seeded(case["seed_utf8"].encode()), backend=backend, **case["options"])
        assert packed.packed == case["packed"], case["comment"]
        assert (packed.to_kids, packed.from_kid, packed.sign_from_kid) == (case["to_kids"], case["from_kid"], case["sign_from_kid"])
        result = v2.unpack(case["packed"], secrets=BOB, resolver=RES, backend=backend)
        assert result.message.to_dict() == data["message"]


@pytest.mark.parametrize("arg", [{"to": "bob"}, {"frm": "alice"}, {"sign_from": "did:Example:alice"}])
def test_malformed_did_arguments_are_usage_errors(arg) -> None:
    kw = dict(to="did:example:bob", forward=False, secrets=ALICE, resolver=RES)
    kw.update(arg)
    with pytest.raises(errors.UsageError):
        v2.pack_encrypted(message(), **kw)
