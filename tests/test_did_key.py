"""Tests for did:key and did:peer:0 creation/resolution and verkeys: vectors/did_key.json."""

from __future__ import annotations


import pytest

from refdidcomm import _sec1, crypto
from refdidcomm.did import (
    DIDDocument,
    create_did_key,
    create_peer0,
    did_key_to_verkey,
    key_of,
    resolve,
    verkey_to_did_key,
)
from refdidcomm.did._didkey import decode_key_id, resolve_did_key
from refdidcomm.did._peer0 import resolve_peer0
from refdidcomm.encoding import b58encode, b64url_decode, multikey_encode
from refdidcomm.errors import MalformedDID, UsageError
from refdidcomm.jwk import JWK, generate

from conftest import label_counter_rng as _seeded, load_shared, load_vectors

VECTORS = load_vectors("did_key")
SIGNING = ("authentication", "assertion_method", "capability_invocation", "capability_delegation")


def cases(op: str):
    selected = [c for c in VECTORS["cases"] if c["op"] == op]
    assert selected, f"no {op} vectors"
    return pytest.mark.parametrize("case", selected, ids=[f"tc{c['tcId']}" for c in selected])


def ids(doc: DIDDocument, relationship: str):
    return [vm.id for vm in getattr(doc, relationship)]


@cases("ed25519_seed")
def test_ed25519_seed_to_did_key_and_key_agreement(case, backend):
    seed = bytes.fromhex(case["seed"])
    public = backend.ed25519_public_key(seed)
    assert public.hex() == case["public_key"]
    # The did:key Encryption Method Creation Algorithm's X25519 key, on both backends.
    assert backend.ed25519_pk_to_x25519(public).hex() == case["x25519_public_key"]
    assert backend.ed25519_seed_to_x25519(seed).hex() == case["x25519_private_key"]
    assert backend.x25519_public_key(bytes.fromhex(case["x25519_private_key"])).hex() == case["x25519_public_key"]

    jwk = JWK(kty="OKP", crv="Ed25519", x=public, d=seed)
    did = create_did_key(jwk)
    assert did == case["did"]
    assert create_did_key(jwk.public()) == did == create_did_key(did[len("did:key:") :])
    doc = resolve(did)
    vm_id = f"{did}#{did[len('did:key:'):]}"
    for relationship in SIGNING:
        assert ids(doc, relationship) == [vm_id]
    assert ids(doc, "key_agreement") == [case["key_agreement_id"]]
    (agreement,) = doc.key_agreement
    km = key_of(agreement)
    assert (km.crv, km.public_key.hex(), km.jwk.kid) == ("X25519", case["x25519_public_key"], case["key_agreement_id"])
    assert key_of(doc.authentication[0]).public_key == public
    assert did_key_to_verkey(did) == b58encode(public)
    assert did_key_to_verkey(vm_id) == b58encode(public)
    assert verkey_to_did_key(b58encode(public)) == did


@cases("x25519")
def test_x25519_did_key(case):
    doc = resolve(case["did"])
    vm_id = f"{case['did']}#{case['did'][8:]}"
    assert ids(doc, "key_agreement") == [vm_id]
    for relationship in SIGNING:
        assert ids(doc, relationship) == []
    assert key_of(doc.key_agreement[0]).public_key.hex() == case["public_key"]
    jwk = JWK(kty="OKP", crv="X25519", x=bytes.fromhex(case["public_key"]))
    assert create_did_key(jwk) == case["did"]


@cases("ec_jwk")
def test_ec_private_jwk_to_did_key(case):
    jwk = JWK.from_dict({"kty": "EC", "crv": case["crv"], "x": case["x_b64u"], "y": case["y_b64u"], "d": case["d_b64u"]})
    assert create_did_key(jwk) == case["did"]
    doc = resolve(case["did"])
    vm_id = f"{case['did']}#{case['did'][8:]}"
    for relationship in SIGNING + ("key_agreement",):
        assert ids(doc, relationship) == [vm_id]
    km = key_of(doc.verification_method[0])
    assert km.jwk.to_dict(include_kid=False) == jwk.public().to_dict(include_kid=False)
    assert km.jwk.kid == vm_id
    curve = _sec1.get_curve(case["crv"])
    assert len(km.public_key) == curve.byte_len + 1 and km.public_key[0] in (2, 3)


@cases("ec_base58")
def test_ec_compressed_point_and_private_scalar(case):
    curve = _sec1.get_curve(case["crv"])
    d = bytes.fromhex(case["private_key"])
    if "seed" in case:
        assert case["seed"] == case["private_key"]
    point = _sec1.public_key(curve, int.from_bytes(d, "big"))
    compressed = _sec1.encode_point(curve, point, compressed=True)
    assert compressed.hex() == case["public_key"]
    assert create_did_key(multikey_encode({"P-256": "p256-pub", "secp256k1": "secp256k1-pub"}[case["crv"]], compressed)) == case["did"]
    doc = resolve(case["did"])
    assert key_of(doc.verification_method[0]).public_key == compressed


@cases("peer0_equivalence")
def test_peer0_is_did_key(case):
    key_doc = resolve(case["did"])
    peer_doc = resolve(case["did_peer_0"])
    msid = case["did"][len("did:key:") :]
    assert case["did_peer_0"] == "did:peer:0" + msid == create_peer0(msid)
    assert [key_of(vm).multikey for vm in peer_doc.methods()] == [key_of(vm).multikey for vm in key_doc.methods()]
    for relationship in SIGNING + ("key_agreement",):
        assert [i.replace(case["did_peer_0"], case["did"]) for i in ids(peer_doc, relationship)] == ids(key_doc, relationship)


@cases("verkey")
def test_verkey_round_trip(case):
    assert verkey_to_did_key(case["verkey"]) == case["did"]
    assert did_key_to_verkey(case["did"]) == case["verkey"]


@cases("resolve_invalid")
def test_resolve_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        resolve(case["did"])
    assert case["reason"] in str(exc_info.value)
    if case["did"].startswith("did:key:") and "#" not in case["did"]:
        with pytest.raises(MalformedDID):
            resolve_did_key(case["did"])


@cases("verkey_invalid")
def test_verkey_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        verkey_to_did_key(case["verkey"])
    assert case["reason"] in str(exc_info.value)


@cases("did_key_to_verkey_invalid")
def test_did_key_to_verkey_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        did_key_to_verkey(case["did"])
    assert case["reason"] in str(exc_info.value)


def test_published_documents_match_ours():
    """The method's published documents and ours: same keys, ids and relationships (types differ by design)."""
    base = "w3c-ccg-did-method-key/"
    docs = [(did, v["didDocument"]) for did, v in load_shared(base + "ed25519-x25519.json").items()]
    docs += list(load_shared(base + "x25519.json")["didDocument"].items())
    docs += [(did, v["didDocument"]) for f in ("nist-curves.json", "secp256k1.json") for did, v in load_shared(base + f).items()]
    checked = 0
    for did, published in docs:
        theirs, ours = DIDDocument.from_dict(published, did=did), resolve(did)
        for relationship in SIGNING + ("key_agreement",):
            assert ids(theirs, relationship) == ids(ours, relationship), (did, relationship)
        if theirs.verification_method[0].type == "P256Key2021":
            continue  # experimental type; tests/test_did_document.py checks it is reported unsupported
        assert [key_of(vm).multikey for vm in theirs.methods()] == [key_of(vm).multikey for vm in ours.methods()]
        checked += 1
    assert checked == 21


@pytest.mark.parametrize("crv", ["Ed25519", "X25519", "P-256", "P-384", "P-521", "secp256k1"])
def test_create_resolve_round_trip_every_curve(crv):
    for i in range(4):
        jwk = generate(crv, rng=_seeded(f"{crv}/{i}"))
        for create, prefix in ((create_did_key, "did:key:"), (create_peer0, "did:peer:0")):
            did = create(jwk)
            assert did.startswith(prefix)
            doc = resolve(did)
            first = key_of(doc.verification_method[0])
            assert first.jwk.to_dict(include_kid=False) == jwk.public().to_dict(include_kid=False)
            if crv == "Ed25519":
                expected = crypto.ed25519_pk_to_x25519(jwk.x)
                assert key_of(doc.key_agreement[0]).public_key == expected
            elif crv == "X25519":
                assert doc.key_agreement == (doc.verification_method[0],) and doc.authentication == ()
            else:
                assert doc.key_agreement == doc.authentication == (doc.verification_method[0],)


def test_legacy_peer0_from_peerdid():
    shared = load_shared("sicpa-peer-did-python/peer_did_vectors.json")
    case = next(c for c in shared["resolve_cases"] if c["name"] == "numalgo0_multibase")
    assert resolve(case["did"], legacy=True).to_dict() == case["expected_did_doc"]
    x = "did:peer:0" + shared["key_material"]["x25519"]["multibase"]
    doc = resolve_peer0(x, legacy=True)
    assert [vm.id.split("#")[1] for vm in doc.key_agreement] == ["6LSbysY2"] and doc.authentication == ()
    p256 = "did:peer:0" + create_did_key(generate("P-256", rng=_seeded("p0")))[8:]
    doc = resolve_peer0(p256, legacy=True)
    assert doc.verification_method[0].type == "Multikey" and len(doc.key_agreement) == 1


def test_create_argument_errors():
    for bad in [None, 5, b"z6Mk", {"kty": "OKP"}]:
        with pytest.raises(UsageError):
            create_did_key(bad)  # type: ignore[arg-type]
    for bad in ["6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0", ""]:
        with pytest.raises(UsageError):
            create_did_key(bad)
        with pytest.raises(UsageError):
            create_peer0(bad)


def test_decode_key_id_and_other_methods():
    with pytest.raises(MalformedDID, match="must be a string"):
        decode_key_id(5)
    with pytest.raises(MalformedDID, match="not a did:key"):
        resolve_did_key("did:peer:0z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    with pytest.raises(MalformedDID, match="not a did:peer:0"):
        resolve_peer0("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    with pytest.raises(MalformedDID, match="must be a base58 string"):
        verkey_to_did_key(b"abc")
    with pytest.raises(MalformedDID, match="path or query"):
        did_key_to_verkey("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp?x=1")
    # b64url of the JWK x equals the raw key the did:key carries
    doc = resolve("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    km = key_of(doc.authentication[0])
    assert b64url_decode(km.jwk.to_dict()["x"]) == km.public_key
