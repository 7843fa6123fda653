"""DIDComm v2 unpack: every check with its precise error, crypto failures, layer order, re-wrapped forwards."""

from __future__ import annotations

import json

import pytest

from refdidcomm import _json, errors, jwe, jws, v2
from refdidcomm.encoding import b64url_decode, b64url_encode
from refdidcomm.jwk import JWK
from v2_helpers import message, resolver, secrets, seeded

RES = resolver("python")
ALICE = secrets("python", "alice")
BOB = secrets("python", "bob")
CHARLIE = secrets("python", "charlie")
BOB_PUB = [k.public() for kid, k in BOB.items() if kid.startswith("did:example:bob#key-x25519-")]
ALICE_X = ALICE["did:example:alice#key-x25519-1"]


def _plain(**kw) -> bytes:
    return message(**kw).to_json().encode()


def _authcrypt(payload: bytes, sender: JWK = ALICE_X, rng=None) -> str:
    return _json.dumps(jwe.encrypt(payload, BOB_PUB, sender=sender, rng=rng))


def _anoncrypt(payload: bytes, rng=None) -> str:
    return _json.dumps(jwe.encrypt(payload, BOB_PUB, rng=rng))


def _field(exc_info) -> str:
    return exc_info.value.field


def test_authcrypt_sender_must_be_from() -> None:
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_authcrypt(_plain(from_="did:example:charlie")), secrets=BOB, resolver=RES)
    assert _field(info) == "from" and "skid" in str(info.value)
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_authcrypt(_plain(from_=None)), secrets=BOB, resolver=RES)
    assert _field(info) == "from"


def test_authcrypt_skid_must_be_a_key_agreement_key() -> None:
    # Alice's X25519 secret under the id of her Ed25519 authentication key.
    sender = ALICE_X.with_kid("did:example:alice#key-1")
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_authcrypt(_plain(), sender=sender), secrets=BOB, resolver=RES)
    assert _field(info) == "skid" and "keyAgreement" in str(info.value)
    # A sender key that is not the one in the DID document: the ECDH-1PU KDF differs.
    impostor = JWK.from_dict(dict(secrets("python", "charlie")["did:example:charlie#key-x25519-1"].to_dict(private=True),
                                  kid="did:example:alice#key-x25519-1"))
    with pytest.raises(errors.DecryptionError):
        v2.unpack(_authcrypt(_plain(), sender=impostor), secrets=BOB, resolver=RES)


def test_signer_must_be_from_and_an_authentication_key() -> None:
    signed = _json.dumps(jws.sign(_plain(from_="did:example:charlie"), [ALICE["did:example:alice#key-1"]]))
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(signed, secrets=BOB, resolver=RES)
    assert _field(info) == "from"
    signed = _json.dumps(jws.sign(_plain(from_=None), [ALICE["did:example:alice#key-1"]]))
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(signed, secrets=BOB, resolver=RES)
    assert _field(info) == "from"
    not_auth = ALICE["did:example:alice#key-1"].with_kid("did:example:alice#key-x25519-1")
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_json.dumps(jws.sign(_plain(), [not_auth])), secrets=BOB, resolver=RES)
    assert _field(info) == "kid"


def test_signed_inside_authcrypt_must_match_sender() -> None:
    """Signed by Charlie (from Charlie), authcrypted by Alice: the signer/sender check fires first, with its own error."""
    inner = v2.pack_signed(message(from_="did:example:charlie"), "did:example:charlie", secrets=CHARLIE, resolver=RES).packed
    with pytest.raises(errors.MalformedMessage, match="signed by 'did:example:charlie' but authcrypted by 'did:example:alice'") as info:
        v2.unpack(_authcrypt(inner.encode()), secrets=BOB, resolver=RES)
    assert _field(info) == "skid"
    # The same inner message authcrypted by Charlie himself is accepted.
    charlie_x = CHARLIE["did:example:charlie#key-x25519-1"]
    result = v2.unpack(_authcrypt(inner.encode(), sender=charlie_x), secrets=BOB, resolver=RES)
    assert result.metadata.sign_from.startswith("did:example:charlie#") and result.metadata.encrypted_from == charlie_x.kid


def test_recipient_must_be_in_to() -> None:
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_anoncrypt(_plain(to=["did:example:charlie"])), secrets=BOB, resolver=RES)
    assert _field(info) == "to"
    # No to: each recipient may only assume it is the only one -- accepted.
    assert v2.unpack(_anoncrypt(_plain(to=None)), secrets=BOB, resolver=RES).message.to is None


def _mutate(packed: str, member: str) -> str:
    obj = json.loads(packed)
    raw = bytearray(b64url_decode(obj[member]))
    raw[len(raw) // 2] ^= 0x01
    obj[member] = b64url_encode(bytes(raw))
    return _json.dumps(obj)


@pytest.mark.parametrize("member", ["tag", "ciphertext", "iv"])
@pytest.mark.parametrize("mode", ["anon", "auth"])
def test_tampered_jwe_is_decryption_error(member: str, mode: str, backend) -> None:
    packed = (_anoncrypt if mode == "anon" else _authcrypt)(_plain(), rng=seeded(b"t"))
    with pytest.raises(errors.DecryptionError) as info:
        v2.unpack(_mutate(packed, member), secrets=BOB, resolver=RES, backend=backend)
    assert str(info.value) == "decryption failed"


def test_wrong_recipient_secret_is_decryption_error(backend) -> None:
    packed = _anoncrypt(_plain())
    wrong = {kid: CHARLIE["did:example:charlie#key-x25519-1"].with_kid(kid) for kid in BOB if "x25519" in kid}
    with pytest.raises(errors.DecryptionError):
        v2.unpack(packed, secrets=wrong, resolver=RES, backend=backend)


def test_tampered_signature_is_invalid_signature(backend) -> None:
    packed = v2.pack_signed(message(), "did:example:alice", secrets=ALICE, resolver=RES, backend=backend).packed
    obj = json.loads(packed)
    sig = bytearray(b64url_decode(obj["signatures"][0]["signature"]))
    sig[5] ^= 0x80
    obj["signatures"][0]["signature"] = b64url_encode(bytes(sig))
    with pytest.raises(errors.InvalidSignature):
        v2.unpack(obj, secrets=BOB, resolver=RES, backend=backend)
    # ... also when it arrives inside an encryption.
    with pytest.raises(errors.InvalidSignature):
        v2.unpack(_authcrypt(_json.dumps_bytes(obj)), secrets=BOB, resolver=RES, backend=backend)


def test_flattened_jws_is_accepted(backend) -> None:
    """'Either the General or Flattened form of a JWS is valid. Message recipients MUST be able to process both.'"""
    general = json.loads(v2.pack_signed(message(), "did:example:alice", secrets=ALICE, resolver=RES, backend=backend).packed)
    flattened = dict(general["signatures"][0], payload=general["payload"])
    result = v2.unpack(flattened, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == message() and result.metadata.sign_from == "did:example:alice#key-1"


def test_signed_typ_is_checked() -> None:
    from refdidcomm import _rfc7515

    signed = _rfc7515.sign_general(_plain(), [ALICE["did:example:alice#key-1"]], typ="application/didcomm-plain+json")
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(signed, secrets=BOB, resolver=RES)
    assert _field(info) == "signatures[0].protected.typ"
    # "the application/ prefix MAY be omitted"
    signed = _rfc7515.sign_general(_plain(), [ALICE["did:example:alice#key-1"]], typ="didcomm-signed+json")
    assert v2.unpack(signed, secrets=BOB, resolver=RES).metadata.non_repudiation


def test_layer_order() -> None:
    anon = _anoncrypt(_plain())
    # An anoncrypt JWE inside authcrypt, and inside a signature, and anoncrypt in anoncrypt.
    with pytest.raises(errors.MalformedMessage, match="nested"):
        v2.unpack(_authcrypt(anon.encode()), secrets=BOB, resolver=RES)
    signed_jwe = _json.dumps(jws.sign(anon.encode(), [ALICE["did:example:alice#key-1"]]))
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(signed_jwe, secrets=BOB, resolver=RES)
    assert _field(info) == "payload"
    with pytest.raises(errors.MalformedMessage, match="anoncrypt nested"):
        v2.unpack(_anoncrypt(anon.encode()), secrets=BOB, resolver=RES)
    signed = v2.pack_signed(message(), "did:example:alice", secrets=ALICE, resolver=RES).packed
    double = _json.dumps(jws.sign(signed.encode(), [ALICE["did:example:alice#key-1"]]))
    with pytest.raises(errors.MalformedMessage):
        v2.unpack(double, secrets=BOB, resolver=RES)


@pytest.mark.parametrize("packed,field", [
    ("[]", "message"),
    ('"x"', "message"),
    ("{", "message"),
    (b"\xff", "message"),
    ('{"id":"1","id":"2","type":"t","body":{}}', "message"),
])
def test_not_a_message(packed, field) -> None:
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(packed, secrets=BOB, resolver=RES)
    assert _field(info) == field


def test_decrypted_content_must_be_json() -> None:
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_anoncrypt(b"not json"), secrets=BOB, resolver=RES)
    assert _field(info) == "ciphertext"
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_anoncrypt(b"\xff\xfe"), secrets=BOB, resolver=RES)
    assert _field(info) == "ciphertext"


def test_usage_errors() -> None:
    with pytest.raises(errors.UsageError):
        v2.unpack(42, secrets=BOB, resolver=RES)  # type: ignore[arg-type]
    with pytest.raises(errors.UsageError):
        v2.unpack(_anoncrypt(_plain()), secrets=42, resolver=RES)  # type: ignore[arg-type]
    with pytest.raises(errors.UsageError):
        v2.unpack(_authcrypt(_plain()), secrets=BOB, resolver="nope")  # type: ignore[arg-type]


def _forward_to_bob(inner: str, rng=None) -> str:
    fwd = v2.Message(id="f1", type=v2.FORWARD_TYPE, body={"next": "did:example:bob"},
                     attachments=[{"data": {"json": json.loads(inner)}}])
    return _anoncrypt(fwd.to_json().encode(), rng=rng)


def test_re_wrapped_in_forward(backend) -> None:
    inner = v2.pack_encrypted(message(), "did:example:bob", frm="did:example:alice", forward=False, secrets=ALICE,
                              resolver=RES, rng=seeded(b"i"), backend=backend).packed
    outer = _forward_to_bob(inner, rng=seeded(b"o"))
    result = v2.unpack(outer, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == message()
    meta = result.metadata
    assert meta.re_wrapped_in_forward and meta.authenticated and meta.encrypted_from == "did:example:alice#key-x25519-1"
    plain = v2.unpack(outer, secrets=BOB, resolver=RES, backend=backend, unwrap_re_wrapping_forward=False)
    assert plain.message.type == v2.FORWARD_TYPE and not plain.metadata.re_wrapped_in_forward
    assert plain.metadata.anonymous_sender
    # A forward whose attachment is for someone else is returned as is (a mediator's job).
    for_charlie = _json.dumps(jwe.encrypt(_plain(to=["did:example:charlie"]), [CHARLIE["did:example:charlie#key-x25519-1"].public()]))
    result = v2.unpack(_forward_to_bob(for_charlie), secrets=BOB, resolver=RES, backend=backend)
    assert result.message.type == v2.FORWARD_TYPE and not result.metadata.re_wrapped_in_forward


def test_random_mutations_raise_only_refdidcomm_errors() -> None:
    """Seeded structural mutations of every form: never a bare KeyError/TypeError/IndexError."""
    import random

    rnd = random.Random(2026)
    values = [None, 1, -1, 1.5, True, "", "x", [], {}, [1], {"a": 1}, "did:example:bob", "eyJ9", "AAAA"]

    def mutate(o):
        if isinstance(o, dict) and o:
            k = rnd.choice(list(o))
            r = rnd.random()
            if r < 0.3:
                del o[k]
            elif r < 0.6:
                o[k] = rnd.choice(values)
            else:
                o[k] = mutate(o[k])
            return o
        if isinstance(o, list) and o:
            i = rnd.randrange(len(o))
            o[i] = mutate(o[i])
            return o
        if isinstance(o, str) and len(o) > 2 and rnd.random() < 0.5:
            i = rnd.randrange(len(o))
            return o[:i] + rnd.choice("A_-x.") + o[i + 1:]
        return rnd.choice(values)

    token = v2.sign_from_prior({"iss": "did:example:charlie", "sub": "did:example:alice", "iat": 1}, secrets=CHARLIE, resolver=RES)
    plains = [message(from_prior=token, attachments=[{"id": "a", "data": {"links": ["x"], "hash": "h"}}]).to_dict(),
              json.loads(v2.pack_signed(message(), "did:example:alice", secrets=ALICE, resolver=RES).packed)]
    outers = [v2.pack_encrypted(message(), "did:example:bob", frm="did:example:alice", protect_sender=True,
                                sign_from="did:example:alice", forward=False, secrets=ALICE, resolver=RES).packed,
              _anoncrypt(_plain())]
    for _ in range(150):
        mutated = mutate(json.loads(json.dumps(rnd.choice(plains))))
        try:
            payload = _json.dumps_bytes(mutated)
        except errors.UsageError:
            continue
        for packed in (_anoncrypt(payload), _authcrypt(payload), payload):
            try:
                v2.unpack(packed, secrets=BOB, resolver=RES)
            except errors.RefDIDCommError:
                pass
        try:
            v2.unpack(mutate(json.loads(rnd.choice(outers))), secrets=BOB, resolver=RES)
        except errors.RefDIDCommError:
            pass


def test_re_wrapping_depth_is_bounded() -> None:
    from refdidcomm.v2._unpack import MAX_REWRAP_DEPTH

    packed = _anoncrypt(_plain())
    for _ in range(MAX_REWRAP_DEPTH):
        packed = _forward_to_bob(packed)
    assert v2.unpack(packed, secrets=BOB, resolver=RES).metadata.re_wrapped_in_forward
    with pytest.raises(errors.MalformedMessage, match="forwards addressed to us"):
        v2.unpack(_forward_to_bob(packed), secrets=BOB, resolver=RES)


def test_epk_off_the_curve_reaches_the_point_check(backend) -> None:
    """didcomm-python's anoncrypt_p256_xc20p_epk_wrong_point fails here earlier (padded base64url, "apu": null);
    without those two defects its epk, which is not on P-256, fails as the opaque DecryptionError."""
    from conftest import load_vectors

    case = next(c for c in load_vectors("didcomm_v2_sicpa_python")["cases"] if c["name"] == "anoncrypt_p256_xc20p_epk_wrong_point")
    obj = json.loads(case["packed"])
    header = json.loads(b64url_decode(obj["protected"].rstrip("=")))
    del header["apu"]
    obj["protected"] = b64url_encode(_json.dumps_bytes(header))
    from refdidcomm.jwk import JWK as _JWK

    with pytest.raises(errors.InvalidKey):
        _JWK.from_dict(header["epk"])
    with pytest.raises(errors.DecryptionError):
        v2.unpack(obj, secrets=BOB, resolver=RES, backend=backend)


# -- limits before any cryptography (DoS) --------------------------------------------------------------


@pytest.fixture
def no_crypto(monkeypatch):
    """Fail the test if unpack reaches JWE decryption or JWS verification."""
    from refdidcomm.v2 import _routing, _unpack

    def refuse(*args, **kwargs):
        raise AssertionError("cryptography was reached")

    monkeypatch.setattr(_unpack.jwe, "decrypt", refuse)
    monkeypatch.setattr(_unpack.jws, "verify", refuse)
    monkeypatch.setattr(_routing.jwe, "decrypt", refuse)


def _repeat_recipient(packed: str, n: int) -> dict:
    obj = json.loads(packed)
    obj["recipients"] = [obj["recipients"][0]] * n
    return obj


def test_repeated_recipient_kid_is_refused_before_crypto(no_crypto) -> None:
    obj = _repeat_recipient(_anoncrypt(_plain()), 100)
    for unwrap in (lambda p: v2.unpack(p, secrets=BOB, resolver=RES), lambda p: v2.unwrap_forward(p, secrets=BOB, resolver=RES),
                   lambda p: v2.anoncrypt_decrypt(p, secrets=BOB)):
        with pytest.raises(errors.MalformedMessage, match=r"repeats the kid of recipients\[0\]") as info:
            unwrap(_json.dumps(obj))
        assert _field(info) == "recipients[1].header.kid"
    # The reviewer's 500 copies: the cap already refuses them.
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(_repeat_recipient(_anoncrypt(_plain()), 500), secrets=BOB, resolver=RES)
    assert _field(info) == "recipients"


def test_repeated_kid_in_an_authcrypt_is_refused() -> None:
    obj = json.loads(_authcrypt(_plain()))
    obj["recipients"].append(obj["recipients"][0])
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(obj, secrets=BOB, resolver=RES)
    assert _field(info) == f"recipients[{len(obj['recipients']) - 1}].header.kid"


def test_recipient_count_is_capped(no_crypto) -> None:
    from refdidcomm.v2._unpack import MAX_JWE_RECIPIENTS

    obj = json.loads(_anoncrypt(_plain()))
    entry = obj["recipients"][0]
    obj["recipients"] = [dict(entry, header={"kid": f"did:example:x#k{i}"}) for i in range(MAX_JWE_RECIPIENTS)] + [entry]
    with pytest.raises(errors.MalformedMessage, match=f"at most {MAX_JWE_RECIPIENTS}") as info:
        v2.unpack(obj, secrets=BOB, resolver=RES)
    assert _field(info) == "recipients"
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unwrap_forward(obj, secrets=BOB, resolver=RES)
    assert _field(info) == "recipients"


def test_recipient_count_at_the_cap_is_considered(monkeypatch) -> None:
    from refdidcomm.v2._unpack import MAX_JWE_RECIPIENTS

    obj = json.loads(_anoncrypt(_plain()))
    entry = obj["recipients"][0]
    obj["recipients"] = [dict(entry, header={"kid": f"did:example:x#k{i}"}) for i in range(MAX_JWE_RECIPIENTS - 1)] + [entry]
    # The cap passes; the JWE layer then sees the changed list (apv no longer matches).
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(obj, secrets=BOB, resolver=RES)
    assert _field(info) == "apv"


def test_more_than_one_signature_is_refused_before_crypto(no_crypto) -> None:
    signed = json.loads(v2.pack_signed(message(), "did:example:alice", secrets=ALICE, resolver=RES).packed)
    for n in (2, 2000):
        obj = dict(signed, signatures=signed["signatures"] * n)
        with pytest.raises(errors.MalformedMessage, match="carries one, the sender's") as info:
            v2.unpack(_json.dumps(obj), secrets=BOB, resolver=RES)
        assert _field(info) == "signatures"


def test_second_signature_by_another_key_is_refused() -> None:
    payload = _plain()
    two = jws.sign(payload, [ALICE["did:example:alice#key-1"], ALICE["did:example:alice#key-2"]])
    with pytest.raises(errors.MalformedMessage) as info:
        v2.unpack(two, secrets=BOB, resolver=RES)
    assert _field(info) == "signatures"
    one = jws.sign(payload, [ALICE["did:example:alice#key-2"]])
    assert v2.unpack(one, secrets=BOB, resolver=RES).metadata.sign_from == "did:example:alice#key-2"


# -- dict input meets the JSON limits -------------------------------------------------------------------


def test_deep_dict_input_is_malformed_not_recursion_error() -> None:
    obj = message().to_dict()
    inner = obj["body"]
    for _ in range(100_000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(errors.MalformedMessage, match="nested deeper") as info:
        v2.unpack(obj, secrets=BOB, resolver=RES)
    assert _field(info) == "message"
    with pytest.raises(errors.MalformedMessage, match="nested deeper"):
        v2.Message.from_dict(obj)
    with pytest.raises(errors.MalformedMessage, match="nested deeper"):
        v2.unwrap_forward({"recipients": [obj]}, secrets=BOB, resolver=RES)
    # At the limit it is an ordinary message.
    ok = message().to_dict()
    inner = ok["body"]
    for _ in range(_json.MAX_DEPTH - 2):
        inner["a"] = {}
        inner = inner["a"]
    assert v2.unpack(ok, secrets=BOB, resolver=RES).message.body == ok["body"]


def test_dict_input_with_non_json_values_is_a_usage_error() -> None:
    for bad in ({1, 2}, b"bytes", float("nan")):
        obj = message().to_dict()
        obj["body"] = {"x": bad}
        with pytest.raises(errors.UsageError):
            v2.unpack(obj, secrets=BOB, resolver=RES)


# -- re-wrapped forward with base64 attachment data ----------------------------------------------------


def test_re_wrapped_in_forward_with_base64_attachment(backend) -> None:
    inner = v2.pack_encrypted(message(), "did:example:bob", frm="did:example:alice", forward=False, secrets=ALICE,
                              resolver=RES, rng=seeded(b"i"), backend=backend).packed
    fwd = v2.Message(id="f1", type=v2.FORWARD_TYPE, body={"next": "did:example:bob"},
                     attachments=[{"data": {"base64": b64url_encode(inner.encode())}}])
    outer = _anoncrypt(fwd.to_json().encode(), rng=seeded(b"o"))
    result = v2.unpack(outer, secrets=BOB, resolver=RES, backend=backend)
    assert result.message == message() and result.metadata.re_wrapped_in_forward
    assert result.metadata.encrypted_from == "did:example:alice#key-x25519-1"
    # The mediator's reader and ours agree on the attached message.
    assert json.loads(v2.unwrap_forward(outer, secrets=BOB, resolver=RES, backend=backend).forwarded) == json.loads(inner)


# -- surreptitious forwarding ----------------------------------------------------------------------------


def test_signed_without_to_inside_encryption_is_refused() -> None:
    """Alice signs a message with no to; Bob anoncrypts it to Charlie: Charlie must not see it as Alice's to him."""
    signed = v2.pack_signed(message(to=None), "did:example:alice", secrets=ALICE, resolver=RES).packed
    charlie_pub = [CHARLIE["did:example:charlie#key-x25519-1"].public()]
    to_charlie = _json.dumps(jwe.encrypt(signed.encode(), charlie_pub))
    with pytest.raises(errors.MalformedMessage, match="must name its recipients in to") as info:
        v2.unpack(to_charlie, secrets=CHARLIE, resolver=RES)
    assert _field(info) == "to"
    # With to naming Bob, Charlie refuses it by the to check; Bob accepts it.
    signed_to_bob = v2.pack_signed(message(), "did:example:alice", secrets=ALICE, resolver=RES).packed
    with pytest.raises(errors.MalformedMessage, match="not in to"):
        v2.unpack(_json.dumps(jwe.encrypt(signed_to_bob.encode(), charlie_pub)), secrets=CHARLIE, resolver=RES)
    meta = v2.unpack(_anoncrypt(signed_to_bob.encode()), secrets=BOB, resolver=RES).metadata
    assert meta.non_repudiation and meta.anonymous_sender
    # A signed message received as is (e.g. broadcast) needs no to.
    assert v2.unpack(signed, secrets=CHARLIE, resolver=RES).metadata.non_repudiation
