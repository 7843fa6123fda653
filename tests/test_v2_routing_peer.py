"""Forward routing with self-resolving DIDs: a did:peer:2 mediator as a DID endpoint, did:key routing keys."""

from __future__ import annotations


import pytest

from refdidcomm import did, routing, v2
from refdidcomm.errors import MalformedMessage
from refdidcomm.jwk import generate

from v2_helpers import label_rng


def test_peer_mediator_did_endpoint_and_did_key_routing_key(backend) -> None:
    rng = label_rng("peer routing")
    mediator_key = generate("X25519", rng=rng, backend=backend)
    mediator = did.create_peer2(
        [("E", mediator_key)], [{"type": "DIDCommMessaging", "serviceEndpoint": {"uri": "https://mediator.example", "accept": ["didcomm/v2"]}}]
    )
    relay_key = generate("X25519", rng=rng, backend=backend)
    relay = did.create_did_key(relay_key)
    relay_kid = f"{relay}#{relay.split(':')[2]}"
    bob_key = generate("X25519", rng=rng, backend=backend)
    bob = did.create_peer2(
        [("E", bob_key)], [{"type": "DIDCommMessaging", "serviceEndpoint": {"uri": mediator, "routingKeys": [relay_kid]}}]
    )
    resolver = v2.make_resolver()
    route = routing.find_route(bob, resolver=resolver)
    assert route.uri == "https://mediator.example"
    assert route.hops == (mediator, relay_kid)

    bob_kid = resolver(bob).key_agreement[0].id
    mediator_kid = resolver(mediator).key_agreement[0].id
    msg = v2.Message(id="p1", type="https://example.org/t/1.0/m", to=[bob], body={"n": 1})
    packed = v2.pack_encrypted(msg, bob, secrets={}, resolver=resolver, rng=rng, backend=backend).packed

    first = routing.unwrap_forward(packed, secrets={mediator_kid: mediator_key.with_kid(mediator_kid)}, resolver=resolver, backend=backend)
    assert first.next == relay_kid
    assert first.forward_message.to == [mediator]
    second = routing.unwrap_forward(first.forwarded, secrets={relay_kid: relay_key.with_kid(relay_kid)}, resolver=resolver, backend=backend)
    assert second.next == bob
    assert second.forward_message.to == [relay]
    result = v2.unpack(second.forwarded, secrets={bob_kid: bob_key.with_kid(bob_kid)}, resolver=resolver, backend=backend)
    assert result.message.body == {"n": 1} and result.metadata.anonymous_sender


def test_ed25519_did_key_is_not_a_routing_key(backend) -> None:
    signer = did.create_did_key(generate("Ed25519", rng=label_rng("ed"), backend=backend))
    kid = f"{signer}#{signer.split(':')[2]}"  # the Ed25519 method, not its X25519 keyAgreement
    with pytest.raises(MalformedMessage, match="not a keyAgreement key"):
        routing.wrap_forward("{}", "did:example:bob", kid, resolver=v2.make_resolver(), backend=backend)
