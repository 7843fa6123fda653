"""From an invitation's services to (endpoint, recipient keys, routing keys, accept): inline, DIDs, mediators."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from refdidcomm import crypto, did, oob
from refdidcomm.encoding import multikey_encode
from refdidcomm.errors import MalformedInvitation, UsageError

VERKEY = "8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K"
KEY = "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"  # did:key of VERKEY


def _ed(seed_byte: int) -> str:
    return multikey_encode("ed25519-pub", crypto.ed25519_public_key(bytes([seed_byte]) * 32))


def _x(seed_byte: int) -> str:
    return multikey_encode("x25519-pub", crypto.x25519_public_key(bytes([seed_byte]) * 32))


def peer2(uri: str, routing: List[str] = (), accept: List[str] = ("didcomm/v2",), seed: int = 1) -> str:
    service = {"type": "DIDCommMessaging", "serviceEndpoint": {"uri": uri, "accept": list(accept), "routingKeys": list(routing)}}
    return did.create_peer2([("V", _ed(seed)), ("E", _x(seed + 1))], [service])


FABER = {
    "id": "did:example:faber",
    "verificationMethod": [
        {"id": "#1", "type": "Ed25519VerificationKey2018", "controller": "did:example:faber", "publicKeyBase58": VERKEY}
    ],
    "authentication": ["#1"],
    "service": [
        {"id": "#dc-b", "type": "did-communication", "priority": 1, "recipientKeys": ["#1"], "serviceEndpoint": "https://faber.example/b"},
        {
            "id": "#dc-a",
            "type": "did-communication",
            "priority": 0,
            "recipientKeys": ["#1"],
            "routingKeys": [KEY],
            "serviceEndpoint": "https://faber.example/a",
        },
    ],
}
AGENCY = {
    "id": "did:example:agency",
    "verificationMethod": [
        {"id": "#k", "type": "Ed25519VerificationKey2018", "controller": "did:example:agency", "publicKeyBase58": VERKEY}
    ],
    "service": [{"id": "#dc", "type": "did-communication", "recipientKeys": ["#k"], "serviceEndpoint": "http://agents-r-us.example"}],
}
TWO_KEYS = dict(AGENCY, id="did:example:twokeys", service=[dict(AGENCY["service"][0], recipientKeys=["#k", KEY])])
LOOP = dict(AGENCY, id="did:example:loop", service=[dict(AGENCY["service"][0], serviceEndpoint="did:example:agency")])
DOCS = {d["id"]: d for d in (FABER, AGENCY, TWO_KEYS, LOOP)}


def resolve(did_text: str) -> Any:
    return did.resolve(did_text, documents=DOCS)


def v1(services: List[Any]) -> oob.OOBInvitation:
    return oob.parse(
        {
            "@type": "https://didcomm.org/out-of-band/1.1/invitation",
            "@id": "i-1",
            "handshake_protocols": ["https://didcomm.org/didexchange/1.1"],
            "services": services,
        }
    )


def inline(endpoint: str = "https://example.com:5000", keys: List[str] = (KEY,), routing: List[str] = (), **extra: Any) -> Dict[str, Any]:
    return dict({"id": "#inline", "type": "did-communication", "recipientKeys": list(keys), "routingKeys": list(routing), "serviceEndpoint": endpoint}, **extra)


def test_rfc0434_two_entry_example_uses_the_inline_entry_and_skips_the_unresolvable_did() -> None:
    endpoints = oob.service_endpoints(v1([inline(), "did:sov:LjgpST2rjsoxYegQDRm7EL"]))
    assert endpoints == [oob.Endpoint("https://example.com:5000", (KEY,), (), None, "inline")]


def test_order_is_the_senders_preference() -> None:
    endpoints = oob.service_endpoints(v1(["did:example:faber", inline(accept=["didcomm/aip2;env=rfc19"])]), resolve=resolve)
    assert [e.uri for e in endpoints] == ["https://faber.example/a", "https://faber.example/b", "https://example.com:5000"]
    assert endpoints[0].recipient_keys == (KEY,)  # "#1" is the Ed25519 key of VERKEY, as its did:key
    assert endpoints[0].routing_keys == (KEY,) and endpoints[0].source == "did:example:faber"
    assert endpoints[2].accept == ("didcomm/aip2;env=rfc19",)


def test_raw_verkeys_normalised_on_request() -> None:
    inv = v1([inline(keys=[VERKEY], routing=[VERKEY])])
    assert oob.service_endpoints(inv)[0].recipient_keys == (VERKEY,)
    normalised = oob.service_endpoints(inv, did_key=True)[0]
    assert normalised.recipient_keys == (KEY,) and normalised.routing_keys == (KEY,)


def peer2_v1(uri: str, routing: List[str] = (), seed: int = 1, extra: List[Dict[str, Any]] = ()) -> str:
    """A did:peer:2 for DIDComm v1: a did-communication service naming the Ed25519 key #key-1."""
    service = {"id": "#didcomm-0", "type": "did-communication", "recipientKeys": ["#key-1"], "routingKeys": list(routing), "priority": 0, "serviceEndpoint": uri}
    return did.create_peer2([("V", _ed(seed)), ("E", _x(seed + 1))], list(extra) + [service])


def test_v1_invitation_refuses_a_did_with_only_didcommmessaging_services() -> None:
    # A DIDCommMessaging service has no recipientKeys; its keyAgreement keys are
    # X25519 keys for DIDComm v2 JWEs, not the Ed25519 verkeys of a v1 envelope.
    peer = peer2("https://bob.example/didcomm", accept=["didcomm/v2", "didcomm/aip2;env=rfc19"])
    with pytest.raises(MalformedInvitation, match="no usable DIDComm v1 service") as info:
        oob.service_endpoints(v1([peer]))
    assert "is a DIDCommMessaging service, not did-communication or IndyAgent" in str(info.value)


def test_v1_invitation_uses_only_the_did_communication_service() -> None:
    dm = {"type": "DIDCommMessaging", "serviceEndpoint": {"uri": "https://bob.example/v2", "accept": ["didcomm/v2"]}}
    peer = peer2_v1("https://bob.example/v1", routing=[KEY], extra=[dm])  # the v2 service comes first
    [endpoint] = oob.service_endpoints(v1([peer]))
    assert endpoint.uri == "https://bob.example/v1" and endpoint.source == peer
    # "#key-1" is returned as what a v1 packer addresses: the did:key of that Ed25519 key.
    ed = did.key_of(did.dereference(peer, peer + "#key-1"))
    assert ed.crv == "Ed25519"
    assert endpoint.recipient_keys == (did.create_did_key(ed.jwk),) and endpoint.routing_keys == (KEY,)
    # ... and a DIDComm v2 invitation from the same DID uses only the DIDCommMessaging one.
    [endpoint] = oob.service_endpoints(oob.parse(oob.make_invitation_v2(from_did=peer)))
    assert endpoint.uri == "https://bob.example/v2" and endpoint.recipient_keys == (peer + "#key-2",)


def test_v2_invitation_refuses_a_did_with_only_v1_services() -> None:
    peer = peer2_v1("https://bob.example/v1")
    with pytest.raises(MalformedInvitation, match="no DIDCommMessaging service") as info:
        oob.service_endpoints(oob.parse(oob.make_invitation_v2(from_did=peer)))
    assert info.value.field == "from"


def test_inline_service_with_a_mediator_did_endpoint() -> None:
    # RFC 0434: the mediator's (v1) service has a single recipient key, appended to the routing keys.
    mediator = peer2_v1("https://mediator.example", routing=["did:key:" + _ed(9)], seed=5)
    [endpoint] = oob.service_endpoints(v1([inline(endpoint=mediator, routing=[KEY])]))
    assert endpoint.uri == "https://mediator.example"
    assert endpoint.routing_keys == (KEY, mediator + "#key-1", "did:key:" + _ed(9))
    # A mediator that speaks only DIDComm v2 cannot forward a v1 message.
    v2_mediator = peer2("https://mediator.example", seed=5)
    with pytest.raises(MalformedInvitation, match="no usable DIDComm service with a URI"):
        oob.service_endpoints(v1([inline(endpoint=v2_mediator)]))


def test_v2_mediator_did_endpoint() -> None:
    mediator = peer2("https://mediator.example", routing=["did:key:" + _x(9)], seed=5)
    sender = peer2(mediator, seed=7)
    [endpoint] = oob.service_endpoints(oob.parse(oob.make_invitation_v2(from_did=sender)))
    assert endpoint.uri == "https://mediator.example"
    # DIDComm v2: the mediator DID, then its own routing keys
    assert endpoint.routing_keys == (mediator, "did:key:" + _x(9))
    assert endpoint.accept == ("didcomm/v2",)


BROKEN_MEDIATOR = {
    "id": "did:example:broken",
    "service": [{"id": "#dc", "type": "did-communication", "priority": -1, "recipientKeys": ["#k"], "serviceEndpoint": "https://m"}],
}


def test_a_bad_mediator_document_skips_only_that_service() -> None:
    def resolve_with_broken(did_text: str) -> Any:
        return did.resolve(did_text, documents=dict(DOCS, **{"did:example:broken": BROKEN_MEDIATOR}))

    services = [inline(endpoint="did:example:broken"), inline(endpoint="https://ok.example")]
    [endpoint] = oob.service_endpoints(v1(services), resolve=resolve_with_broken)
    assert endpoint.uri == "https://ok.example"
    with pytest.raises(MalformedInvitation, match="no usable service") as info:
        oob.service_endpoints(v1(services[:1]), resolve=resolve_with_broken)
    assert "priority: must be a non-negative integer" in str(info.value) and info.value.field == "services"


def test_a_bad_service_in_a_did_document_skips_only_that_service() -> None:
    doc = dict(FABER, id="did:example:half", service=[dict(FABER["service"][0], id="#bad", recipientKeys=5)] + FABER["service"])
    endpoints = oob.service_endpoints(v1(["did:example:half"]), resolve=lambda d: did.resolve(d, documents={"did:example:half": doc}))
    assert [e.uri for e in endpoints] == ["https://faber.example/a", "https://faber.example/b"]


def test_rfc0434_agency_rule_appends_the_single_recipient_key() -> None:
    [endpoint] = oob.service_endpoints(v1([inline(endpoint="did:example:agency")]), resolve=resolve)
    assert endpoint.uri == "http://agents-r-us.example"
    assert endpoint.routing_keys == ("did:example:agency#k",)


@pytest.mark.parametrize(
    "services, reason",
    [
        (["did:sov:LjgpST2rjsoxYegQDRm7EL"], "cannot resolve did:sov"),
        (["did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"], "declares no usable DIDComm v1 service"),
        ([{"id": "#x", "type": "LinkedDomains", "serviceEndpoint": "https://x"}], "is not did-communication"),
        ([inline(endpoint="did:example:twokeys")], "exactly one recipient key"),
        ([inline(endpoint="did:example:loop")], "no usable DIDComm service with a URI"),
        ([inline(endpoint="did:example:loop")], "a mediator of a mediator is not followed"),
        ([inline(endpoint="did:example:nobody")], "cannot resolve"),
    ],
)
def test_no_usable_service(services: List[Any], reason: str) -> None:
    with pytest.raises(MalformedInvitation, match="no usable service") as info:
        oob.service_endpoints(v1(services), resolve=resolve)
    assert info.value.field == "services"
    assert reason in str(info.value)


def test_v2_endpoints_from_the_from_did() -> None:
    peer = peer2("https://alice.example/didcomm")
    inv = oob.parse(oob.make_invitation_v2(from_did=peer, accept=["didcomm/v2"]))
    [endpoint] = oob.service_endpoints(inv)
    assert endpoint.uri == "https://alice.example/didcomm" and endpoint.recipient_keys == (peer + "#key-2",)
    for sender in ("did:example:alice", "did:key:" + _ed(3)):
        with pytest.raises(MalformedInvitation, match="no usable service") as info:
            oob.service_endpoints(oob.parse(oob.make_invitation_v2(from_did=sender)))
        assert info.value.field == "from"


def test_connection_invitation_endpoints() -> None:
    keys = oob.parse(
        {
            "@type": "https://didcomm.org/connections/1.0/invitation",
            "@id": "1",
            "recipientKeys": [VERKEY],
            "routingKeys": [VERKEY],
            "serviceEndpoint": "https://example.com/endpoint",
        }
    )
    assert oob.service_endpoints(keys, did_key=True) == [
        oob.Endpoint("https://example.com/endpoint", (KEY,), (KEY,), None, "inline")
    ]
    public = oob.parse({"@type": "https://didcomm.org/connections/1.0/invitation", "@id": "1", "did": "did:example:faber"})
    assert [e.uri for e in oob.service_endpoints(public, resolve=resolve)] == ["https://faber.example/a", "https://faber.example/b"]
    agency = oob.parse(
        {
            "@type": "https://didcomm.org/connections/1.0/invitation",
            "recipientKeys": [VERKEY],
            "serviceEndpoint": "did:example:agency",
        }
    )
    [endpoint] = oob.service_endpoints(agency, resolve=resolve)
    assert endpoint.uri == "http://agents-r-us.example" and endpoint.routing_keys == ("did:example:agency#k",)
    # RFC 0160's own third example: a did:sov DID with ';routeid', which is no DID URL under DID Core
    old = oob.parse(
        {
            "@type": "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/connections/1.0/invitation",
            "label": "Alice",
            "recipientKeys": [VERKEY],
            "serviceEndpoint": "did:sov:A2wBhNYhMrjHiqZDTUYH7u;routeid",
            "routingKeys": [VERKEY],
        }
    )
    with pytest.raises(MalformedInvitation, match="no usable service") as info:
        oob.service_endpoints(old)
    assert info.value.field == "serviceEndpoint"
    unresolvable = oob.parse({"@type": "https://didcomm.org/connections/1.0/invitation", "did": "did:sov:QmWbsNYhMrjHiqZDTUTEJs"})
    with pytest.raises(MalformedInvitation, match="no usable service") as info:
        oob.service_endpoints(unresolvable)
    assert info.value.field == "did"


def test_decoded_is_accepted_and_other_things_are_not() -> None:
    decoded = oob.decode(oob.encode_url(v1([inline()]).to_json(), base="https://e.x/"))
    assert oob.service_endpoints(decoded)[0].uri == "https://example.com:5000"
    with pytest.raises(UsageError):
        oob.service_endpoints({"@type": "x"})  # type: ignore[arg-type]


def test_v1_did_service_recipient_references_become_did_keys() -> None:
    # FABER's did-communication services name "#1" (an Ed25519VerificationKey2018).
    endpoints = oob.service_endpoints(v1(["did:example:faber"]), resolve=resolve)
    assert [e.recipient_keys for e in endpoints] == [(KEY,), (KEY,)]


def test_v1_did_service_naming_a_non_ed25519_key_is_skipped_with_the_reason() -> None:
    x_doc = {
        "id": "did:example:xonly",
        "verificationMethod": [
            {"id": "#x", "type": "Multikey", "controller": "did:example:xonly", "publicKeyMultibase": _x(3)}
        ],
        "keyAgreement": ["#x"],
        "service": [{"id": "#dc", "type": "did-communication", "recipientKeys": ["#x"], "serviceEndpoint": "https://x.example"}],
    }
    with pytest.raises(MalformedInvitation, match="DIDComm v1 envelopes need an Ed25519 key"):
        oob.service_endpoints(v1(["did:example:xonly"]), resolve=lambda d: did.resolve(d, documents={"did:example:xonly": x_doc}))
