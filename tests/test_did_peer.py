"""Tests for did:peer numalgo 2, 3 and 4: vectors/did_peer.json, round trips, every rejection."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refdidcomm.did import (
    DIDNotFound,
    create_peer2,
    create_peer4,
    key_of,
    normalize_services,
    peer3_from_peer2,
    resolve,
)
from refdidcomm.did._peer2 import abbreviate, decode_service, encode_service, expand, peer2_elements, resolve_peer2
from refdidcomm.did._peer3 import parse_multihash_sha256, resolve_peer3
from refdidcomm.did._peer4 import decode_peer4, peer4_short_form, resolve_peer4
from refdidcomm.encoding import b58decode, b64url_decode
from refdidcomm.errors import MalformedDID, UsageError
from refdidcomm.jwk import generate

from conftest import label_counter_rng as _seeded, load_vectors

VECTORS = load_vectors("did_peer")
ERRORS = {"MalformedDID": MalformedDID, "DIDNotFound": DIDNotFound}
RELATIONSHIP_ATTRIBUTES = {
    "authentication": "authentication",
    "assertionMethod": "assertion_method",
    "keyAgreement": "key_agreement",
    "capabilityInvocation": "capability_invocation",
    "capabilityDelegation": "capability_delegation",
}


def cases(op: str):
    selected = [c for c in VECTORS["cases"] if c["op"] == op]
    assert selected, f"no {op} vectors"
    return pytest.mark.parametrize("case", selected, ids=[f"tc{c['tcId']}" for c in selected])


# -- did:peer:2 services ---------------------------------------------------


@cases("peer2_service_encode")
def test_service_encode(case):
    assert encode_service(case["service"]) == case["encoded"]
    if "abbreviated_json" in case:
        assert b64url_decode(case["encoded"]).decode() == case["abbreviated_json"]
        assert abbreviate(case["service"]) == json.loads(case["abbreviated_json"])
    assert decode_service(case["encoded"]) == [case["service"]]


@cases("peer2_service_decode")
def test_service_decode(case):
    assert decode_service(case["encoded"]) == case["services"]


def test_did_communication_is_never_dm():
    service = {"type": "did-communication", "serviceEndpoint": "https://a"}
    assert abbreviate(service) == {"t": "did-communication", "s": "https://a"}
    assert expand({"t": "did-communication", "s": "https://a"}) == service
    # dm is the DIDCommMessaging type value only; other values are left alone.
    assert abbreviate({"type": ["DIDCommMessaging", "x"], "serviceEndpoint": {"type": "DIDCommMessaging"}}) == {
        "t": ["dm", "x"],
        "s": {"t": "dm"},
    }
    assert expand({"t": "x", "s": {"uri": "dm", "a": ["dm"]}}) == {"type": "x", "serviceEndpoint": {"uri": "dm", "accept": ["dm"]}}


def test_abbreviation_collisions():
    with pytest.raises(UsageError, match="both present"):
        abbreviate({"type": "x", "t": "y", "serviceEndpoint": "https://a"})
    with pytest.raises(UsageError, match="both present"):
        abbreviate({"type": "x", "serviceEndpoint": {"uri": "u", "accept": [], "a": []}})
    with pytest.raises(MalformedDID, match="both present"):
        expand({"s": "https://a", "serviceEndpoint": "https://b"})


@pytest.mark.parametrize(
    "service, message",
    [
        ("https://a", "JSON object"),
        ({"serviceEndpoint": "https://a"}, "needs 'type'"),
        ({"type": "DIDCommMessaging"}, "needs 'serviceEndpoint'"),
        ({"id": "did:example:x#s", "type": "DIDCommMessaging", "serviceEndpoint": "https://a"}, "must be relative"),
        ({"id": 3, "type": "DIDCommMessaging", "serviceEndpoint": "https://a"}, "must be relative"),
        ({"type": "DIDCommMessaging", "serviceEndpoint": {"uri": float("nan")}}, "cannot serialize"),
    ],
)
def test_encode_service_rejects(service, message):
    with pytest.raises(UsageError, match=message):
        encode_service(service)


# Services as JSON values: strings, numbers, nested lists and objects.
_json_scalars = st.one_of(st.text(max_size=12), st.integers(-(2**53), 2**53), st.booleans(), st.none())
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["uri", "x", "accept", "routingKeys", "a1"]), inner, max_size=3)),
    max_leaves=8,
)


_endpoint_objects = st.dictionaries(st.sampled_from(["uri", "accept", "routingKeys", "x"]), _json_values, max_size=3)
_endpoints = st.one_of(
    st.text(min_size=1, max_size=20), _endpoint_objects, st.lists(st.one_of(st.text(max_size=8), _endpoint_objects), min_size=1, max_size=3)
)


@settings(max_examples=150, deadline=None)
@given(
    service_type=st.sampled_from(["DIDCommMessaging", "did-communication", "LinkedDomains"]),
    endpoint=_endpoints,
    extra=st.dictionaries(st.sampled_from(["accept", "routingKeys", "priority", "recipientKeys"]), _json_values, max_size=2),
)
def test_service_round_trip_property(service_type, endpoint, extra):
    service = {"type": service_type, "serviceEndpoint": endpoint, **extra}
    encoded = encode_service(service)
    assert "=" not in encoded and set(encoded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_service(encoded) == [service]
    did = create_peer2([], [service])
    assert resolve(did).service[0].raw == dict(service, id="#service")


# -- did:peer:2 create and resolve -----------------------------------------


@cases("peer2_create")
def test_create_peer2(case):
    did = create_peer2([tuple(k) for k in case["keys"]], case["services"])
    assert did == case["did"]
    doc = resolve(did)
    assert [key_of(vm).multikey for vm in doc.verification_method] == [k[1] for k in case["keys"]]
    assert [{k: v for k, v in s.raw.items() if k != "id"} for s in doc.service] == case["services"]


@cases("peer2_resolve")
def test_resolve_peer2_documents(case):
    doc = resolve(case["did"], legacy=case["legacy"])
    assert doc.to_dict() == case["document"]
    assert resolve_peer2(case["did"], legacy=case["legacy"]).to_dict() == case["document"]
    # Every key of the document is usable, with kid = absolute id.
    for vm in doc.methods():
        assert key_of(vm).jwk.kid == vm.id and vm.id.startswith(case["did"] + "#")


@cases("peer0_resolve")
def test_resolve_peer0_legacy(case):
    assert resolve(case["did"], legacy=case["legacy"]).to_dict() == case["document"]


@cases("peer2_resolve_summary")
def test_resolve_peer2_summary(case):
    doc = resolve(case["did"], legacy=case["legacy"])
    for relationship, attribute in RELATIONSHIP_ATTRIBUTES.items():
        expected = [case["did"] + i for i in case["key_ids"].get(relationship, [])]
        assert [vm.id for vm in getattr(doc, attribute)] == expected, relationship
    assert [s.id for s in doc.service] == [case["did"] + i for i in case["service_ids"]]
    assert [s.types[0] for s in doc.service] == case["service_types"]
    if "service_uris" in case:
        assert [e.uri for e in normalize_services(doc)] == case["service_uris"]
    assert doc.also_known_as == (peer3_from_peer2(case["did"]),)


@cases("peer2_equivalent")
def test_equivalent_legacy_forms(case):
    a, b = resolve(case["did"]), resolve(case["equivalent"])
    assert a.id != b.id
    assert [s.raw for s in a.service] == [s.raw for s in b.service]
    assert [(vm.type, key_of(vm).multikey) for vm in a.verification_method] == [(vm.type, key_of(vm).multikey) for vm in b.verification_method]
    assert [vm.id[len(a.id) :] for vm in a.methods()] == [vm.id[len(b.id) :] for vm in b.methods()]


@cases("peer2_invalid")
def test_resolve_peer2_rejects(case):
    for legacy in (False, True):
        with pytest.raises(MalformedDID) as exc_info:
            resolve(case["did"], legacy=legacy)
        assert type(exc_info.value) is ERRORS[case["error"]]
        assert case.get("reason", "") in str(exc_info.value)


@cases("peer_invalid")
def test_unsupported_numalgo(case):
    with pytest.raises(MalformedDID) as exc_info:
        resolve(case["did"])
    assert case["reason"] in str(exc_info.value)


def test_legacy_and_spec_ids_for_the_same_did():
    case = next(c for c in VECTORS["cases"] if c["op"] == "peer2_resolve" and c["legacy"])
    spec_doc, legacy_doc = resolve(case["did"]), resolve(case["did"], legacy=True)
    assert [vm.id[len(case["did"]) :] for vm in spec_doc.verification_method] == ["#key-1", "#key-2", "#key-3"]
    assert [vm.id[len(case["did"]) :] for vm in legacy_doc.verification_method] == ["#6LSbysY2", "#6MkqRYqQ", "#6MkgoLTn"]
    assert [key_of(vm).multikey for vm in spec_doc.verification_method] == [key_of(vm).multikey for vm in legacy_doc.verification_method]
    assert [s.id[len(case["did"]) :] for s in spec_doc.service] == ["#service"]
    assert [s.id[len(case["did"]) :] for s in legacy_doc.service] == ["#didcommmessaging-0"]
    assert legacy_doc.also_known_as == () and spec_doc.also_known_as == (peer3_from_peer2(case["did"]),)


@pytest.mark.parametrize("round_", range(6))
def test_create_resolve_round_trip_random_keys(round_):
    rng = _seeded(f"peer2/{round_}")
    signing = ["Ed25519", "P-256", "P-384", "P-521", "secp256k1"][round_ % 5]
    agreement = ["X25519", "P-256", "P-384", "P-521", "secp256k1", "X25519"][round_]
    keys = [("V", generate(signing, rng=rng)), ("keyAgreement", generate(agreement, rng=rng)), ("A", generate("Ed25519", rng=rng))]
    services = [
        {"type": "DIDCommMessaging", "serviceEndpoint": {"uri": f"https://example.com/{round_}", "accept": ["didcomm/v2"], "routingKeys": []}},
        {"id": "#legacy", "type": "did-communication", "serviceEndpoint": "https://v1.example", "recipientKeys": ["#key-1"], "priority": round_},
    ]
    did = create_peer2(keys, services)
    doc = resolve(did)
    assert [key_of(vm).jwk.to_dict(include_kid=False) for vm in doc.verification_method] == [
        k.public().to_dict(include_kid=False) for _, k in keys
    ]
    assert [vm.id for vm in doc.authentication] == [did + "#key-1"]
    assert [vm.id for vm in doc.key_agreement] == [did + "#key-2"]
    assert [vm.id for vm in doc.assertion_method] == [did + "#key-3"]
    endpoints = normalize_services(doc)
    assert [(e.type, e.uri, e.id) for e in endpoints] == [
        ("DIDCommMessaging", f"https://example.com/{round_}", did + "#service"),
        ("did-communication", "https://v1.example", did + "#legacy"),
    ]
    assert endpoints[1].recipient_keys == (did + "#key-1",) and endpoints[1].priority == round_
    # did:peer:3 of it, resolved through it
    did3 = peer3_from_peer2(did)
    doc3 = resolve(did3, known=["did:example:ignored", did])
    assert doc3.also_known_as == (did,)
    assert [key_of(vm).jwk.kid for vm in doc3.key_agreement] == [did3 + "#key-2"]
    assert all(vm.controller == did3 for vm in doc3.verification_method)


@pytest.mark.parametrize(
    "keys, services, message",
    [
        ([], [], "at least one key or service"),
        ([("Q", "z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V")], [], "unknown did:peer:2 purpose"),
        ([("S", "z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V")], [], "unknown did:peer:2 purpose"),
        ([("V", "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc")], [], "cannot serve authentication"),
        ([("E", "z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V")], [], "cannot serve keyAgreement"),
        ([("V", "z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M70")], [], "not a usable Multikey"),
        ([("V", 7)], [], "a key must be a JWK or a Multikey"),
        (["V"], [], r"\(purpose, key\) pairs"),
        ([], [{"type": "DIDCommMessaging", "serviceEndpoint": []}], "non-empty list"),
        ([], [{"type": "DIDCommMessaging", "serviceEndpoint": 443}], "serviceEndpoint must be"),
        ([], [{"type": [], "serviceEndpoint": "https://a"}], "type must be"),
        ([], [{"t": 5, "s": "https://a"}], "type must be"),
        ([], {"type": "DIDCommMessaging", "serviceEndpoint": "https://a"}, "not one object"),
        ([], [{"type": "DIDCommMessaging"}], "needs 'serviceEndpoint'"),
    ],
)
def test_create_peer2_rejects(keys, services, message):
    with pytest.raises(UsageError, match=message):
        create_peer2(keys, services)


def test_peer2_elements_and_dash_underscore_segments():
    case = next(c for c in VECTORS["cases"] if "DashUnderscore" in c["flags"] and c["op"] == "peer2_create")
    segment = case["did"].split(".S")[1]
    assert "-" in segment and "_" in segment
    elements = peer2_elements(case["did"])
    assert [code for code, _ in elements] == ["V", "S"]
    with pytest.raises(MalformedDID, match="not a did:peer:2"):
        peer2_elements("did:peer:0z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V")
    with pytest.raises(MalformedDID, match="standard base64 alphabet"):
        decode_service("eyJ0Ijoi+G0ifQ")


# -- did:peer:3 ------------------------------------------------------------


@cases("peer3")
def test_peer3_from_peer2(case):
    assert peer3_from_peer2(case["did_peer_2"]) == case["did_peer_3"]
    if "hash_input" in case:
        assert case["did_peer_2"] == "did:peer:2" + case["hash_input"]
        digest = hashlib.sha256(case["hash_input"].encode()).digest()
        assert b58decode(case["did_peer_3"][len("did:peer:3z") :]) == bytes([0x12, 0x20]) + digest
        assert parse_multihash_sha256(case["did_peer_3"][len("did:peer:3") :]) == digest


@cases("peer3_resolve")
def test_resolve_peer3(case):
    doc = resolve(case["did"], known=case["known"])
    peer2 = resolve(case["did_peer_2"])
    assert doc.id == case["did"] and doc.also_known_as == (case["did_peer_2"],)
    assert [vm.id[len(doc.id) :] for vm in doc.methods()] == [vm.id[len(peer2.id) :] for vm in peer2.methods()]
    assert [key_of(vm).multikey for vm in doc.methods()] == [key_of(vm).multikey for vm in peer2.methods()]
    assert [s.raw for s in doc.service] == [s.raw for s in peer2.service]
    legacy = resolve_peer3(case["did"], known=case["known"], legacy=True)
    assert [vm.id[len(doc.id) :] for vm in legacy.verification_method] == ["#6LSbysY2", "#6MkqRYqQ", "#6MkgoLTn"]


@cases("peer3_invalid")
def test_resolve_peer3_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        resolve(case["did"], known=case["known"])
    assert type(exc_info.value) is ERRORS[case["error"]]
    assert case["reason"] in str(exc_info.value)


def test_peer3_from_non_peer2():
    for bad in ["did:peer:3zQmS19jtYDvGtKVrJhQnRFpBQAx3pJ9omx2HpNrcXFuRCz9", "did:peer:2", "did:key:z6Mk"]:
        with pytest.raises(MalformedDID, match="not a did:peer:2"):
            peer3_from_peer2(bad)
    with pytest.raises(MalformedDID, match="not a did:peer:3"):
        resolve_peer3("did:peer:2.Vz6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V")


# -- did:peer:4 ------------------------------------------------------------


@cases("peer4")
def test_peer4_spec_example(case):
    long_form, short_form = create_peer4(case["input_document"])
    assert (long_form, short_form) == (case["long_form"], case["short_form"])
    assert decode_peer4(long_form) == case["input_document"]
    assert peer4_short_form(long_form) == short_form
    assert resolve(long_form).to_dict() == case["resolved_long"]
    assert resolve(short_form, known=["did:peer:2.x", long_form]).to_dict() == case["resolved_short"]
    assert resolve_peer4(short_form, known=[long_form]).to_dict() == case["resolved_short"]
    # The document's keys are usable under both forms.
    for did in (long_form, short_form):
        doc = resolve(did, known=[long_form])
        assert [key_of(vm).jwk.kid for vm in doc.key_agreement] == [did + "#6LSqPZfn"]
        assert [e.uri for e in normalize_services(doc)] == ["didcomm:transport/queue"]


@cases("peer4_invalid")
def test_peer4_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        resolve(case["did"], known=case["known"])
    assert type(exc_info.value) is ERRORS[case["error"]]
    assert case["reason"] in str(exc_info.value)


def test_peer4_round_trip_and_contextualize():
    x = generate("X25519", rng=_seeded("p4x"))
    from refdidcomm.did._document import multikey_of

    doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "verificationMethod": [{"id": "#k", "type": "Multikey", "publicKeyMultibase": multikey_of(x)}],
        "keyAgreement": ["#k", {"id": "#e", "type": "Multikey", "publicKeyMultibase": multikey_of(x), "controller": "did:example:other"}],
        "alsoKnownAs": ["did:example:older"],
        "service": [{"id": "#s", "type": "DIDCommMessaging", "serviceEndpoint": {"uri": "https://é.example"}}],
    }
    long_form, short_form = create_peer4(doc)
    assert long_form.startswith(short_form + ":")
    resolved = resolve(long_form)
    assert resolved.also_known_as == ("did:example:older", short_form)
    assert [vm.controller for vm in resolved.key_agreement] == [long_form, "did:example:other"]
    assert normalize_services(resolved)[0].uri == "https://é.example"
    assert decode_peer4(long_form) == doc
    short = resolve(short_form, known=[long_form])
    assert short.also_known_as == ("did:example:older", long_form)


@pytest.mark.parametrize(
    "doc, message",
    [
        ([], "must be a JSON object"),
        ({"id": "did:example:x"}, "MUST NOT include an id"),
        ({"verificationMethod": [{"id": "did:example:x#k", "type": "Multikey"}]}, "must be relative"),
        ({"authentication": ["key-1"]}, "must be a relative reference"),
        ({"authentication": ["did:example:x#k#k"]}, "must be a relative reference"),
        ({"authentication": [{"id": "k"}]}, "must be relative"),
        ({"authentication": [{"id": "did:example:x#k"}]}, "must be relative"),
        ({"authentication": 5}, "must be a JSON array"),
        ({"keyAgreement": {"id": "#k"}}, "must be a JSON array"),
        ({"verificationMethod": "#k"}, "must be a JSON array"),
        ({"service": {"id": "#s"}}, "must be a JSON array"),
        ({"alsoKnownAs": "did:example:x"}, "must be a JSON array"),
        ({"service": [{"id": "did:example:x#s"}]}, "must be relative"),
        ({"x": float("inf")}, "cannot serialize"),
    ],
)
def test_create_peer4_rejects(doc, message):
    with pytest.raises(UsageError, match=message):
        create_peer4(doc)


def test_decode_peer4_short_form_has_no_document():
    with pytest.raises(MalformedDID, match="carries no document"):
        decode_peer4("did:peer:4zQmd8CpeFPci817KDsbSAKWcXAE2mjvCQSasRewvbSF54Bd")
    with pytest.raises(MalformedDID, match="not a did:peer:4"):
        decode_peer4("did:peer:2.Vz6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V")
